"""The one model factory: :func:`build` makes a model by kind from plain arguments, :func:`load` rebuilds the
model a checkpoint holds.

Example:
    >>> from tempaug import models
    >>> vae = models.build("vae", channels=1, size=32, width=8, context=2, horizon=3)
    >>> type(vae).__name__, vae.context, vae.horizon
    ('VideoVAE', 2, 3)
    >>> models.build("rcgan", channels=3, size=16, length=6, num_classes=4, width=8).num_classes
    4
    >>> type(models.build("classifier", channels=1, size=32, num_classes=10)).__name__
    'VideoClassifier'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import nn

from ..core.errors import InvalidArgumentError
from .checkpoint import CheckpointError, load_checkpoint
from .classifier import VideoClassifier
from .framegan import FrameGAN
from .rcgan import RCGAN
from .seq2seq import Seq2Seq
from .vae import VideoVAE

__all__ = ["DEFAULT_WIDTH", "KINDS", "LABELLED_KINDS", "build", "build_from_config", "load"]

#: The model kinds :func:`build` makes (and ``python -m tempaug.train`` trains).
KINDS = ("seq2seq", "vae", "rcgan", "framegan", "classifier")

#: The kinds that learn from a class label (they need ``num_classes``): the GANs are conditioned on it, the
#: classifier predicts it.
LABELLED_KINDS = ("rcgan", "framegan", "classifier")

#: The default ``width`` per kind: each trains at 64x64 on 2 CPU cores at about a step per second or faster.
#: ``framegan`` has the ``rcgan``'s, so that runs of both with default options transfer (``--init-from``).
DEFAULT_WIDTH = {"seq2seq": 32, "vae": 16, "rcgan": 16, "framegan": 16, "classifier": 16}


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"models.build: {name} must be an int >= 1, got {value!r}", name)
    return value


def build(
    kind: str,
    *,
    channels: int,
    size: int,
    length: int | None = None,
    num_classes: int | None = None,
    width: int | None = None,
    context: int = 10,
    horizon: int = 10,
) -> nn.Module:
    """The model ``kind`` names, for clips of ``channels`` x ``size`` x ``size``, sized by ``width``.

    Args:
        kind: one of :data:`KINDS`.
        channels: channels of a frame (1 or 3).
        size: side of the square frames.
        length: clip length an ``rcgan`` generates by default (its own default when None; the others ignore it;
            a ``classifier`` pools over time and takes clips of any length).
        num_classes: classes of the labelled kinds (:data:`LABELLED_KINDS`); the others ignore it.
        width: the model's width (:data:`DEFAULT_WIDTH` of the kind when None).
        context: frames a ``seq2seq`` or ``vae`` reads.
        horizon: frames a ``seq2seq`` or ``vae`` predicts.

    Raises:
        InvalidArgumentError: an unknown kind, a labelled kind without ``num_classes``, or a size argument that
            is not an int >= 1 (the models check the rest of their arguments).

    Example:
        >>> from tempaug.models import build
        >>> type(build("seq2seq", channels=1, size=64, width=8)).__name__
        'Seq2Seq'
        >>> build("framegan", channels=1, size=32)
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidArgumentError: models.build: a framegan needs num_classes
    """
    if kind not in KINDS:
        raise InvalidArgumentError(f"models.build: kind must be one of {KINDS}, got {kind!r}", "kind")
    width = _positive_int("width", DEFAULT_WIDTH[kind] if width is None else width)
    channels, size = _positive_int("channels", channels), _positive_int("size", size)
    if kind == "seq2seq":
        return Seq2Seq(
            in_channels=channels,
            hidden=(width, width),
            context=_positive_int("context", context),
            horizon=_positive_int("horizon", horizon),
        )
    if kind == "vae":
        return VideoVAE(
            in_channels=channels,
            context=_positive_int("context", context),
            horizon=_positive_int("horizon", horizon),
            size=size,
            width=width,
        )
    if num_classes is None:
        raise InvalidArgumentError(f"models.build: a {kind} needs num_classes", "num_classes")
    if kind == "classifier":
        return VideoClassifier(num_classes=num_classes, in_channels=channels, width=width)
    if kind == "framegan":  # the rcgan's frame decoder and encoder at the same width (see tempaug.train.transfer)
        return FrameGAN(num_classes=num_classes, in_channels=channels, size=size, width=width, hidden=4 * width)
    more = {} if length is None else {"length": _positive_int("length", length)}
    return RCGAN(num_classes=num_classes, in_channels=channels, size=size, width=width, hidden=4 * width, **more)


def build_from_config(
    config: Mapping[str, Any],
    channels: int,
    size: int,
    length: int | None = None,
    num_classes: int | None = None,
) -> nn.Module:
    """The model a training run's config names (its ``kind``, ``width``, ``context`` and ``horizon``; other keys
    are ignored), for clips of the shape given: what a checkpoint's ``config`` and ``extra["model_args"]`` rebuild.

    Raises:
        InvalidArgumentError: the config names no known kind, or arguments :func:`build` refuses.

    Example:
        >>> from tempaug.models import build_from_config
        >>> config = {"kind": "rcgan", "width": 8, "lr": 0.001}
        >>> build_from_config(config, channels=1, size=16, length=5, num_classes=3).length
        5
    """
    return build(
        config.get("kind", ""),
        channels=channels,
        size=size,
        length=length,
        num_classes=num_classes,
        width=config.get("width"),
        context=config.get("context", 10),
        horizon=config.get("horizon", 10),
    )


def load(path: str | os.PathLike[str], kind: str | None = None) -> nn.Module:
    """The model a checkpoint holds (a ``last.pt``, or the run folder holding it), rebuilt and in eval mode.

    Args:
        path: the checkpoint file or its run folder.
        kind: the model kind expected, or None for any.

    Raises:
        CheckpointError: no such checkpoint, a corrupt one, one of another kind, one that does not record the
            shape its model was built for, or weights that do not fit that model.

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from tempaug import models
        >>> gan = models.build("rcgan", channels=1, size=16, length=4, num_classes=3, width=4)
        >>> shape = {"channels": 1, "size": 16, "length": 4, "num_classes": 3}
        >>> run = Path(tempfile.mkdtemp())
        >>> torch.save({"version": models.CHECKPOINT_VERSION, "kind": "rcgan", "model": gan.state_dict(),
        ...             "config": {"width": 4}, "extra": {"model_args": shape}}, run / "last.pt")
        >>> again = models.load(run, kind="rcgan")
        >>> type(again).__name__, again.training
        ('RCGAN', False)
    """
    target = Path(path)
    if target.is_dir():
        target = target / "last.pt"
    ckpt = load_checkpoint(target, kind=kind)
    extra, config = ckpt.get("extra"), ckpt.get("config")
    shape = extra.get("model_args") if isinstance(extra, dict) else None
    if not isinstance(shape, dict) or not {"channels", "size"} <= shape.keys() or not isinstance(config, dict):
        raise CheckpointError(f"{target} does not record the shape its model was built for")
    model = build_from_config(
        {**config, "kind": ckpt["kind"]},
        channels=shape["channels"],
        size=shape["size"],
        length=shape.get("length"),
        num_classes=shape.get("num_classes"),
    )
    try:
        model.load_state_dict(ckpt["model"])
    except (KeyError, RuntimeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"{target}: its weights do not fit the {ckpt['kind']} it describes: {first}") from None
    return model.eval()
