"""The model of a run and the data it is built for: the data's shape and class labels, the model built for them,
and the check that a checkpoint's model fits the data it is evaluated or resumed on.

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
from ..core.errors import InvalidInputError
from ..data import dataset_info, make_loader
from .config import LABELLED_KINDS, TrainConfig
from .loop import check_clip_length, to_unit_float

__all__ = ["build_model", "check_data_fits", "data_shape", "labels_for"]


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
    names = ["channels", "size"] + {"rcgan": ["num_classes", "length"], "framegan": ["num_classes"]}.get(cfg.kind, [])
    for name in names:
        if found.get(name) != saved.get(name):
            raise InvalidInputError(
                f"{where} was trained with {name} {saved.get(name)}, the data has {found.get(name)}"
            )


def _needed_length(cfg: TrainConfig) -> int:
    return cfg.context + cfg.horizon if cfg.kind in ("seq2seq", "vae") else 1
