"""Checkpoints of a training run: written atomically, with everything a resumed run needs.

A checkpoint holds the model and optimiser states, the run's config, the step, every RNG state the run draws
from (torch's CPU and CUDA generators, Python's ``random``, NumPy's global generator) and the augmentation
pipeline, so a resumed run continues exactly where the saved one stopped. Reading and checking checkpoints, and
:class:`CheckpointError`, live in :mod:`tempaug.models.checkpoint` (the library reads checkpoints too, e.g.
:class:`tempaug.Synthesize`); they are importable from here as well.

Example:
    >>> import tempfile, torch
    >>> from pathlib import Path
    >>> from tempaug.train.checkpoint import load_checkpoint, save_checkpoint
    >>> model = torch.nn.Linear(2, 1)
    >>> opt = torch.optim.Adam(model.parameters())
    >>> path = Path(tempfile.mkdtemp()) / "last.pt"
    >>> _ = save_checkpoint(path, kind="seq2seq", model=model, optimizers={"main": opt}, config={"lr": 1e-3}, step=7)
    >>> ckpt = load_checkpoint(path, kind="seq2seq")
    >>> ckpt["step"], ckpt["config"]["lr"], sorted(ckpt["optimizers"])
    (7, 0.001, ['main'])
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..models.checkpoint import CHECKPOINT_VERSION, CheckpointError, load_checkpoint, read_torch

__all__ = [
    "CHECKPOINT_VERSION",
    "CheckpointError",
    "capture_rng",
    "load_checkpoint",
    "read_torch",
    "restore_rng",
    "save_checkpoint",
    "write_atomic_torch",
]


def capture_rng() -> dict[str, Any]:
    """Every RNG state a run draws from, in a form ``torch.load(weights_only=True)`` accepts.

    Example:
        >>> import torch
        >>> from tempaug.train.checkpoint import capture_rng, restore_rng
        >>> state = capture_rng(); a = torch.rand(1); restore_rng(state); torch.equal(a, torch.rand(1))
        True
    """
    np_state: Any = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *map(float, np_state[2:])],
    }


def restore_rng(state: dict[str, Any]) -> None:
    """Restore the RNG states :func:`capture_rng` took."""
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), int(pos), int(has_gauss), float(cached)))


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    kind: str,
    model: torch.nn.Module,
    optimizers: dict[str, torch.optim.Optimizer],
    config: dict[str, Any],
    step: int,
    pipeline: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint atomically: to a temporary name beside ``path``, flushed, then renamed over it.

    Args:
        path: destination file.
        kind: the model kind (``"seq2seq"``, ``"vae"``, ``"rcgan"``), checked on loading.
        model: its ``state_dict`` is saved (unwrap DistributedDataParallel first).
        optimizers: name -> optimiser.
        config: the run's config as plain data.
        step: optimiser steps done.
        pipeline: the augmentation pipeline as ``to_dict`` data, or None.
        extra: more plain data (history of losses, ...).
    """
    payload = {
        "version": CHECKPOINT_VERSION,
        "kind": kind,
        "model": model.state_dict(),
        "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
        "config": config,
        "step": int(step),
        "rng": capture_rng(),
        "pipeline": pipeline,
        "extra": extra or {},
    }
    return write_atomic_torch(payload, path)


def write_atomic_torch(payload: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """``torch.save`` into a hidden ``.partial`` file beside ``path``, fsync, then rename it into place.

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from tempaug.train.checkpoint import read_torch, write_atomic_torch
        >>> p = write_atomic_torch({"w": torch.ones(2)}, Path(tempfile.mkdtemp()) / "a.pt")
        >>> read_torch(p)["w"].tolist()
        [1.0, 1.0]
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "wb") as f:
        torch.save(payload, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path
