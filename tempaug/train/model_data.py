"""The model of a run and the data it is built for: the data's shape and class labels, the model built for them,
the check that a checkpoint's model fits the data it is evaluated or resumed on, and the batch pipeline
(``--batch-augment``) run on a batch with its labels when it mixes or makes clips (mixers, ``Synthesize``).

Soft labels per kind (what a mixer in ``--batch-augment`` gives): the ``classifier`` trains on them as they are
(cross-entropy against the rows); ``seq2seq`` and ``vae`` ignore labels, so the mixed clips are what they learn
to predict and the labels are dropped; ``rcgan`` and ``framegan`` are conditioned on one class per clip and
refuse a pipeline that makes soft labels, before the run folder is made (the arg-max of a MixUp row would tell the
GAN that a blend of two digits is one of them). ``Synthesize`` keeps hard labels hard, so every kind takes it.

Example:
    >>> from tempaug.train.config import TrainConfig
    >>> from tempaug.train.model_data import build_model
    >>> shape = {"channels": 1, "size": 32, "length": 8, "num_classes": 10}
    >>> build_model(TrainConfig(kind="rcgan", width=8), **shape).num_classes
    10
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from .. import models
from ..core.errors import InvalidInputError, TempaugError
from ..core.sample import Sample
from ..data import dataset_info, make_loader
from ..data.stages import takes_labels
from .config import LABELLED_KINDS, TrainConfig
from .loop import check_clip_length, to_unit_float

__all__ = [
    "CONDITIONED_KINDS",
    "augment_batch",
    "build_model",
    "check_batch_pipeline",
    "check_data_fits",
    "data_shape",
    "labels_for",
    "needs_labels",
]

#: The kinds conditioned on one class per clip: they refuse a batch pipeline that makes soft labels.
CONDITIONED_KINDS = ("rcgan", "framegan")


def labels_for(labels: Tensor, meta: list[dict[str, Any]]) -> Tensor:
    """Class labels of a batch: the ``cls`` labels, or, for Moving MNIST clips (no single label), the first digit.

    Raises:
        InvalidInputError: a clip has neither a label nor digit labels.

    Example:
        >>> import torch
        >>> from tempaug.train.model_data import labels_for
        >>> labels_for(torch.tensor([-1, -1]), [{"labels": [3, 1]}, {"labels": [0, 7]}]).tolist()
        [3, 0]
    """
    if bool((labels >= 0).all()):
        return labels
    first = [m.get("labels", [None])[0] if m.get("labels") else None for m in meta]
    if any(f is None for f in first):
        raise InvalidInputError("the clips carry no class label (no .cls member and no Moving MNIST digits)")
    return torch.tensor(first, dtype=torch.long, device=labels.device)


def build_model(cfg: TrainConfig, channels: int, size: int, length: int, num_classes: int | None) -> nn.Module:
    """The model ``cfg.kind`` names, sized by ``cfg.width`` for clips of ``channels`` x ``size`` x ``size``
    (:func:`tempaug.models.build` with the run's options).

    Raises:
        InvalidInputError: a labelled kind (``rcgan``, ``framegan``) and no number of classes.

    Example:
        >>> from tempaug.train.config import TrainConfig
        >>> from tempaug.train.model_data import build_model
        >>> type(build_model(TrainConfig(kind="vae", width=8), channels=1, size=32, length=20, num_classes=None))
        <class 'tempaug.models.vae.VideoVAE'>
    """
    if cfg.kind in LABELLED_KINDS and num_classes is None:
        raise InvalidInputError(f"{cfg.kind}: the number of classes is unknown; pass --num-classes")
    return models.build_from_config(cfg.to_dict(), channels=channels, size=size, length=length, num_classes=num_classes)


def data_shape(cfg: TrainConfig, pipeline: Any = None) -> dict[str, Any]:
    """What the model is built for, read from the training split after the per-clip ``pipeline``: ``channels``,
    ``size``, ``length`` and ``num_classes`` (``--num-classes``, else the dataset's index; None when neither says).

    Raises:
        InvalidInputError: no readable dataset there, clips too short for ``cfg``, or no class labels (the GANs).
    """
    if not Path(cfg.data).is_dir():
        raise InvalidInputError(
            f"no dataset folder at {cfg.data}: build the default one with `python -m tempaug.shard build` "
            "(it writes data/mmnist), or pass --data FOLDER"
        )
    info = dataset_info(cfg.data)
    loader = make_loader(cfg.data, split="train", transform=pipeline, batch_size=2, num_workers=0, seed=cfg.seed)
    with torch.random.fork_rng(devices=[]):  # looking at the data draws nothing the run would have drawn
        probe = next(iter(loader))
    clips = to_unit_float(probe.clips)
    check_clip_length(clips, _needed_length(cfg), cfg.kind)
    _, length, channels, height, width = clips.shape
    if height != width:
        raise InvalidInputError(f"{cfg.kind}: the models take square frames, the clips are {height}x{width}")
    num_classes = cfg.num_classes if cfg.num_classes is not None else info.num_classes
    if cfg.kind in LABELLED_KINDS:
        labels = labels_for(probe.labels, probe.meta)
        if num_classes is None:
            raise InvalidInputError(
                f"{cfg.kind}: {cfg.data}/index.json does not name its classes (a manifest source); pass --num-classes"
            )
        if int(labels.max()) >= num_classes:
            raise InvalidInputError(
                f"{cfg.kind}: a clip has label {int(labels.max())}, but num_classes is {num_classes}"
            )
    return {"channels": channels, "size": height, "length": length, "num_classes": num_classes}


def check_data_fits(cfg: TrainConfig, found: dict[str, Any], saved: dict[str, Any], where: str) -> None:
    """Refuse data whose clips or labels differ from those a checkpoint's model was built for.

    Example:
        >>> from tempaug.train.config import TrainConfig
        >>> from tempaug.train.model_data import check_data_fits
        >>> shape = {"channels": 1, "size": 64, "length": 20, "num_classes": 10}
        >>> check_data_fits(TrainConfig(kind="rcgan"), {**shape, "num_classes": 5}, shape, "runs/gan/last.pt")
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidInputError: runs/gan/last.pt was trained with num_classes 10, the data has 5
    """
    per_kind = {"rcgan": ["num_classes", "length"], "framegan": ["num_classes"], "classifier": ["num_classes"]}
    names = ["channels", "size", *per_kind.get(cfg.kind, [])]
    for name in names:
        if found.get(name) != saved.get(name):
            raise InvalidInputError(
                f"{where} was trained with {name} {saved.get(name)}, the data has {found.get(name)}"
            )


def _needed_length(cfg: TrainConfig) -> int:
    return cfg.context + cfg.horizon if cfg.kind in ("seq2seq", "vae") else 1


def needs_labels(cfg: TrainConfig, batch_pipeline: Any) -> bool:
    """True when a run's batches need class labels: a labelled kind, or a batch pipeline that mixes or makes clips
    with their labels.

    Example:
        >>> import tempaug
        >>> from tempaug.train.config import TrainConfig
        >>> from tempaug.train.model_data import needs_labels
        >>> needs_labels(TrainConfig(kind="seq2seq"), tempaug.HorizontalFlip())
        False
        >>> needs_labels(TrainConfig(kind="seq2seq"), tempaug.MixUp(num_classes=10))
        True
    """
    return cfg.kind in LABELLED_KINDS or takes_labels(batch_pipeline)


def augment_batch(batch_pipeline: Any, clips: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Run ``--batch-augment`` on a batch: a pipeline that mixes or makes clips (a mixer, ``Synthesize``, a
    ``Compose`` holding one) on ``Sample(video=clips, label=labels)``, returning its clips and labels (soft
    (B, K) rows from a mixer); any other pipeline on the bare clips, the labels left as they are.

    Example:
        >>> import torch, tempaug
        >>> from tempaug.train.model_data import augment_batch
        >>> clips, labels = torch.rand(4, 3, 1, 8, 8), torch.tensor([0, 1, 2, 3])
        >>> x, y = augment_batch(tempaug.Compose([tempaug.HorizontalFlip(), tempaug.MixUp(num_classes=4)]), clips, labels)
        >>> x.shape, y.shape
        (torch.Size([4, 3, 1, 8, 8]), torch.Size([4, 4]))
        >>> augment_batch(tempaug.HorizontalFlip(), clips, labels)[1] is labels
        True
    """
    if takes_labels(batch_pipeline):
        out = batch_pipeline(Sample(video=clips, label=labels))
        return out.video, out.label
    return batch_pipeline(clips), labels


def check_batch_pipeline(cfg: TrainConfig, pipeline: Any, batch_pipeline: Any, num_classes: int | None) -> None:
    """Before a run starts, try a batch pipeline that takes labels on a few training clips, and refuse what the run
    could not train on: clips without class labels, a pipeline that fails on them, soft labels for a kind
    conditioned on one class (``rcgan``, ``framegan``), or soft rows of another number of classes than the
    classifier's. Nothing the run draws is drawn here; a pipeline that does not take labels is not tried.

    Raises:
        InvalidInputError: naming the pipeline file and what is wrong.

    Example:
        >>> import tempaug
        >>> from tempaug.train.config import TrainConfig
        >>> from tempaug.train.model_data import check_batch_pipeline
        >>> check_batch_pipeline(TrainConfig(kind="rcgan"), None, tempaug.HorizontalFlip(), 10) is None
        True
    """
    if batch_pipeline is None or not takes_labels(batch_pipeline):
        return
    where = f"--batch-augment {cfg.batch_augment}" if cfg.batch_augment else "the batch pipeline"
    loader = make_loader(cfg.data, split="train", transform=pipeline, batch_size=4, num_workers=0, seed=cfg.seed)
    with torch.random.fork_rng(devices=[]):
        probe = next(iter(loader))
        try:
            labels = labels_for(probe.labels, probe.meta)
        except InvalidInputError:
            raise InvalidInputError(
                f"{where} mixes or makes clips together with their labels, but the clips of {cfg.data} carry no "
                "class label (no .cls member and no Moving MNIST digits)"
            ) from None
        try:
            out = batch_pipeline(Sample(video=to_unit_float(probe.clips), label=labels))
        except TempaugError as err:
            raise InvalidInputError(f"{where} does not run on the training clips of {cfg.data}: {err}") from None
    soft = isinstance(out.label, Tensor) and out.label.dim() == 2
    if soft and cfg.kind in CONDITIONED_KINDS:
        raise InvalidInputError(
            f"{where} makes soft labels (B, {out.label.shape[1]}) (a mixer), but a {cfg.kind} is conditioned on "
            "one class per clip: the arg-max of a mixed row would tell it that a blend of two clips shows one "
            "class. Train it without mixers (Synthesize keeps labels hard), or mix for a classifier"
        )
    if soft and cfg.kind == "classifier" and num_classes is not None and out.label.shape[1] != num_classes:
        raise InvalidInputError(
            f"{where} makes soft labels over {out.label.shape[1]} classes, but the classifier has {num_classes} "
            "(--num-classes, else the dataset's index): give the mixers num_classes="
            f"{num_classes}"
        )
