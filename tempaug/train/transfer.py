"""Start an RCGAN from a pretrained image GAN: ``python -m tempaug.train rcgan --init-from runs/framegan``.

A :class:`~tempaug.models.FrameGAN` is built from the same frame decoder and frame encoder as an
:class:`~tempaug.models.RCGAN`, so :func:`init_from` copies its generator's ``decoder`` into the RCGAN generator's
``decoder`` and its discriminator's ``frames`` into the RCGAN discriminator's ``frames`` (:data:`TRANSFERRED`).
Every other RCGAN layer is copied when the FrameGAN has every tensor of it under the same name and shape (the
generator's class embedding, for the same number of classes and ``z_dim``) and left as initialised otherwise; the
:class:`TransferReport` says which, and why. A transferred tensor whose shape differs (a FrameGAN trained at
another width or frame size) is an error naming the tensor and both shapes, raised before anything is copied.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tempaug.models import FrameGAN, RCGAN
    >>> from tempaug.train.checkpoint import save_checkpoint
    >>> from tempaug.train.transfer import init_from
    >>> path = Path(tempfile.mkdtemp()) / "last.pt"
    >>> frames = FrameGAN(num_classes=3, size=16, z_dim=8, hidden=16, width=4)
    >>> _ = save_checkpoint(path, kind="framegan", model=frames, optimizers={}, config={}, step=1)
    >>> report = init_from(RCGAN(num_classes=3, size=16, z_dim=8, hidden=16, width=4), path)
    >>> report.summary().replace(str(path), "PATH")
    'initialised 19 tensors (3521 values) from PATH'
    >>> report.not_copied["generator.rnn.weight_hh_l0"]
    'the framegan has no tensor of that name'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..core.errors import InvalidArgumentError, InvalidInputError
from ..models.checkpoint import CheckpointError
from .loop import resume_from

__all__ = ["TRANSFERRED", "TransferReport", "init_from"]

#: The parts of an RCGAN a FrameGAN initialises, by state-dict prefix; a shape that differs there is an error.
TRANSFERRED = ("generator.decoder.", "discriminator.frames.")


@dataclass
class TransferReport:
    """What :func:`init_from` did to an RCGAN: the tensors copied, the values they hold, and every tensor not
    copied with the reason.

    Example:
        >>> from tempaug.train.transfer import TransferReport
        >>> report = TransferReport("runs/framegan", copied=["generator.embed.weight"], values=320)
        >>> report.summary()
        'initialised 1 tensors (320 values) from runs/framegan'
    """

    source: str
    copied: list[str] = field(default_factory=list)
    not_copied: dict[str, str] = field(default_factory=dict)
    values: int = 0

    def summary(self) -> str:
        """One line: ``initialised N tensors (M values) from PATH``."""
        return f"initialised {len(self.copied)} tensors ({self.values} values) from {self.source}"

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data.

        Example:
            >>> from tempaug.train.transfer import TransferReport
            >>> sorted(TransferReport("runs/framegan").to_dict())
            ['copied', 'not_copied', 'source', 'values']
        """
        return {
            "source": self.source,
            "copied": list(self.copied),
            "not_copied": dict(self.not_copied),
            "values": self.values,
        }


def _describe(args: dict[str, Any]) -> str:
    parts = []
    if args.get("channels") and args.get("size"):
        parts.append(f"{args['channels']}x{args['size']}x{args['size']} frames")
    if args.get("num_classes"):
        parts.append(f"{args['num_classes']} classes")
    if args.get("width"):
        parts.append(f"width {args['width']}")
    return ", ".join(parts) or "a shape it does not record"


def _shape(tensor: torch.Tensor | None) -> str:
    return "absent" if tensor is None else str(tuple(tensor.shape))


def init_from(
    model: nn.Module, path: str | os.PathLike[str], built_for: dict[str, Any] | None = None
) -> TransferReport:
    """Copy a FrameGAN checkpoint's frame decoder and frame encoder (and every other tensor whose name and shape
    match) into ``model``, an RCGAN; return what was copied and what was not.

    Args:
        model: the RCGAN to initialise (in place).
        path: a ``framegan`` run folder (its ``last.pt`` is read) or checkpoint file.
        built_for: what ``model`` was built for (``channels``, ``size``, ``num_classes``, ``width``), named in
            errors beside what the FrameGAN was trained on; by default read from ``model``.

    Raises:
        InvalidArgumentError: ``model`` is not an RCGAN.
        InvalidInputError: no readable checkpoint at ``path``, one of another kind than ``framegan``, or a tensor of
            :data:`TRANSFERRED` whose shape differs between the two (or that one of them lacks); nothing is copied.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.models import FrameGAN, RCGAN
        >>> from tempaug.train.checkpoint import save_checkpoint
        >>> from tempaug.train.transfer import init_from
        >>> path = Path(tempfile.mkdtemp()) / "last.pt"
        >>> wide = FrameGAN(num_classes=3, size=16, z_dim=8, hidden=16, width=8)
        >>> _ = save_checkpoint(path, kind="framegan", model=wide, optimizers={}, config={"width": 8}, step=1)
        >>> init_from(RCGAN(num_classes=3, size=16, z_dim=8, hidden=16, width=4), path, {"width": 4})
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidInputError: init_from: tensor generator.decoder.0.weight is (8,) in this rcgan but (16,) in the framegan at ...
    """
    if getattr(model, "kind", None) != "rcgan":
        raise InvalidArgumentError(
            f"init_from: initialises an RCGAN from a framegan checkpoint, got a {type(model).__name__}", "model"
        )
    try:
        ckpt = resume_from(str(path), kind="framegan")
    except CheckpointError as err:
        raise CheckpointError(f"init_from: {err} (--init-from takes a framegan run)") from None
    source: dict[str, torch.Tensor] = ckpt["model"]
    target = model.state_dict()
    required = [name for name in dict.fromkeys([*target, *source]) if name.startswith(TRANSFERRED)]
    wrong = [name for name in required if name not in target or name not in source]
    wrong += [name for name in required if name not in wrong and target[name].shape != source[name].shape]
    if wrong:
        trained = {**ckpt["extra"].get("model_args", {}), "width": ckpt["config"].get("width")}
        ours = built_for or {
            "channels": getattr(model, "in_channels", None),
            "size": getattr(model, "size", None),
            "num_classes": getattr(model, "num_classes", None),
        }
        first = wrong[0]
        more = f" (and {len(wrong) - 1} more tensors)" if len(wrong) > 1 else ""
        raise InvalidInputError(
            f"init_from: tensor {first} is {_shape(target.get(first))} in this rcgan but "
            f"{_shape(source.get(first))} in the framegan at {path}{more}; the framegan was trained on "
            f"{_describe(trained)}, this rcgan is built for {_describe(ours)}: train the framegan on the same "
            "frames with the same --width"
        )
    report = TransferReport(str(path))
    layers: dict[str, list[str]] = {}
    for name in target:
        layers.setdefault(name.rpartition(".")[0], []).append(name)
    with torch.no_grad():
        for names in layers.values():
            reasons = {name: _why_not(target[name], source.get(name)) for name in names}
            odd = [name for name, reason in reasons.items() if reason]
            for name in names:
                if odd:  # a layer is copied whole or not at all
                    reasons[name] = reasons[name] or f"{odd[0]} of the same layer is not copied"
                    report.not_copied[name] = reasons[name]
                else:
                    target[name].copy_(source[name])
                    report.copied.append(name)
                    report.values += target[name].numel()
    return report


def _why_not(tensor: torch.Tensor, found: torch.Tensor | None) -> str:
    if found is None:
        return "the framegan has no tensor of that name"
    if found.shape != tensor.shape:
        return f"shape {tuple(tensor.shape)} here, {tuple(found.shape)} in the framegan (not a transferred part)"
    return ""
