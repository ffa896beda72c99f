"""Checkpoint files: reading them with ``torch.load(weights_only=True)`` and checking them before use.

A checkpoint is a dict holding at least ``version`` (:data:`CHECKPOINT_VERSION`) and ``kind`` (the model kind,
``"seq2seq"``, ``"vae"``, ``"rcgan"`` or ``"framegan"``); a training run's checkpoint also holds the model's
``state_dict``, the run's ``config``, the ``step`` and, under ``extra``, the ``model_args`` the model was built
with (see :func:`tempaug.models.load`). Writing checkpoints (atomically, with every RNG state) is the trainer's
job: :func:`tempaug.train.checkpoint.save_checkpoint`.

Example:
    >>> import tempfile, torch
    >>> from pathlib import Path
    >>> from tempaug.models.checkpoint import CHECKPOINT_VERSION, load_checkpoint
    >>> path = Path(tempfile.mkdtemp()) / "last.pt"
    >>> torch.save({"version": CHECKPOINT_VERSION, "kind": "vae", "step": 3}, path)
    >>> load_checkpoint(path, kind="vae")["step"]
    3
    >>> load_checkpoint(path, kind="rcgan")
    Traceback (most recent call last):
    ...
    tempaug.models.checkpoint.CheckpointError: ...last.pt holds a 'vae' model, not a 'rcgan' one
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from ..core.errors import InvalidInputError

__all__ = ["CHECKPOINT_VERSION", "CheckpointError", "load_checkpoint", "read_torch"]

#: Version of the checkpoint layout.
CHECKPOINT_VERSION = 1


class CheckpointError(InvalidInputError):
    """A checkpoint is missing, corrupt, of another model kind, or of another layout version."""


def read_torch(path: str | os.PathLike[str]) -> Any:
    """``torch.load(weights_only=True)`` on the CPU.

    Raises:
        CheckpointError: no such file, or a corrupt, truncated or foreign one.

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from tempaug.models.checkpoint import read_torch
        >>> path = Path(tempfile.mkdtemp()) / "w.pt"
        >>> torch.save({"w": torch.ones(2)}, path)
        >>> read_torch(path)["w"].tolist()
        [1.0, 1.0]
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or truncated?): {first}") from None


def load_checkpoint(path: str | os.PathLike[str], kind: str | None = None) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` and check its version and, when given, its model kind.

    Raises:
        CheckpointError: no such file, a corrupt or foreign file, another layout version, or another kind.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.models.checkpoint import load_checkpoint
        >>> bad = Path(tempfile.mkdtemp()) / "x.pt"; _ = bad.write_bytes(b"not a checkpoint")
        >>> load_checkpoint(bad)
        Traceback (most recent call last):
        ...
        tempaug.models.checkpoint.CheckpointError: ...x.pt is not a readable checkpoint (corrupt or truncated?): ...
    """
    path = Path(path)
    payload = read_torch(path)
    if not isinstance(payload, dict) or "version" not in payload or "kind" not in payload:
        raise CheckpointError(f"{path} is not a tempaug checkpoint")
    if payload["version"] != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint version {payload['version']}, this tempaug reads {CHECKPOINT_VERSION}"
        )
    if kind is not None and payload["kind"] != kind:
        raise CheckpointError(f"{path} holds a {payload['kind']!r} model, not a {kind!r} one")
    return payload
