"""The training loop shared by every model: one readable loop, checkpoints that resume exactly.

A model plugs in through a small duck-typed interface: ``model.loss(clips, labels) -> (loss, terms)`` for a
model with one loss (AdamW over all its parameters), or ``model.configure_optimizers(lr)`` and
``model.train_step(clips, labels, optimizers) -> terms`` for a model that steps its own optimisers (a GAN).
Clips reach the model as float (B,T,C,H,W) in [0, 1] on the run's device.

The order of the data is a function of the seed and the epoch, and every RNG state is in the checkpoint, so a
run stopped at a checkpoint and resumed reaches the same weights as a run never stopped (on the CPU).

Example:
    >>> import tempfile, torch
    >>> from tempaug.train.loop import Stepper
    >>> model = torch.nn.Linear(4, 1)
    >>> model.loss = lambda clips, labels: ((model(clips.flatten(1)[:, :4]) ** 2).mean(), {})
    >>> stepper = Stepper(model, lr=0.1)
    >>> terms = stepper.step(torch.rand(2, 1, 1, 2, 2), torch.zeros(2, dtype=torch.long))
    >>> sorted(terms), stepper.step_count
    (['loss'], 1)
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..core.errors import InvalidInputError, ShapeError
from ..core.registry import load
from ..models.checkpoint import load_checkpoint
from .checkpoint import restore_rng, save_checkpoint
from .config import TrainConfig

__all__ = ["LossModule", "RunState", "Stepper", "batches", "load_pipeline", "seed_everything", "to_unit_float"]


def seed_everything(seed: int) -> None:
    """Seed torch, Python's ``random`` and NumPy's global generator.

    Example:
        >>> import torch
        >>> from tempaug.train.loop import seed_everything
        >>> seed_everything(3); a = torch.rand(1); seed_everything(3); torch.equal(a, torch.rand(1))
        True
    """
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)


def to_unit_float(clips: Tensor) -> Tensor:
    """uint8 clips to float32 in [0, 1]; floating clips pass unchanged.

    Example:
        >>> import torch
        >>> from tempaug.train.loop import to_unit_float
        >>> to_unit_float(torch.tensor([0, 255], dtype=torch.uint8)).tolist()
        [0.0, 1.0]
    """
    return clips.float().div_(255.0) if clips.dtype == torch.uint8 else clips


def load_pipeline(path: str | None) -> Any:
    """The augmentation pipeline in a ``.yaml``/``.json`` file, or None for ``None``.

    Raises:
        InvalidInputError: the file does not exist.

    Example:
        >>> from tempaug.train.loop import load_pipeline
        >>> load_pipeline(None) is None
        True
    """
    if path is None:
        return None
    if not Path(path).is_file():
        raise InvalidInputError(f"augmentation pipeline {path!r} does not exist (give a .yaml/.json file or none)")
    return load(path)


@dataclass
class RunState:
    """Where a run is: optimiser steps done, the epoch being read, batches of it already used, loss history."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    history: dict[str, list[list[float]]] = field(default_factory=dict)

    def record(self, terms: dict[str, float]) -> None:
        """Append this step's loss terms to the history."""
        for name, value in terms.items():
            self.history.setdefault(name, []).append([self.step, float(value)])


class LossModule(nn.Module):
    """``forward(clips, labels)`` is the model's ``loss``: the module DistributedDataParallel wraps.

    Example:
        >>> import torch
        >>> from tempaug.train.loop import LossModule
        >>> model = torch.nn.Linear(2, 1)
        >>> model.loss = lambda clips, labels: (model(clips).sum(), {})
        >>> loss, terms = LossModule(model)(torch.ones(1, 2), None)
        >>> terms
        {}
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model: Any = model  # a model with loss(clips, labels)

    def forward(self, clips: Tensor, labels: Tensor) -> tuple[Tensor, dict[str, Any]]:
        return self.model.loss(clips, labels)


class Stepper:
    """Owns a model's optimisers and takes one training step on a batch.

    Args:
        model: a module with ``loss(clips, labels)``, or with ``configure_optimizers`` and ``train_step``.
        lr: learning rate.
        weight_decay: AdamW weight decay (single-loss models).
        amp: autocast to bfloat16 on a CUDA device (ignored on the CPU).
        wrap: wraps the :class:`LossModule` (e.g. in DistributedDataParallel); identity by default.
    """

    def __init__(
        self,
        model: Any,
        lr: float,
        weight_decay: float = 0.0,
        amp: bool = False,
        wrap: Callable[[nn.Module], nn.Module] | None = None,
    ) -> None:
        self.model = model
        self.own_steps = hasattr(model, "train_step")
        if self.own_steps:
            self.optimizers: dict[str, torch.optim.Optimizer] = model.configure_optimizers(lr)
            self.loss_module: nn.Module | None = None
        else:
            self.optimizers = {"main": torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)}
            self.loss_module = (wrap or (lambda m: m))(LossModule(model))
        self.amp = amp
        self.step_count = 0

    def _autocast(self, device: torch.device) -> contextlib.AbstractContextManager[Any]:
        if self.amp and device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def step(self, clips: Tensor, labels: Tensor) -> dict[str, float]:
        """One optimiser step (or one D and one G step); returns the loss terms as floats."""
        self.model.train()
        with self._autocast(clips.device):
            if self.loss_module is None:
                terms = {k: float(v) for k, v in self.model.train_step(clips, labels, self.optimizers).items()}
            else:
                loss, extra = self.loss_module(clips, labels)
                opt = self.optimizers["main"]
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                terms = {"loss": float(loss.detach()), **{k: float(v) for k, v in extra.items()}}
        self.step_count += 1
        return terms


def batches(loader: Any, state: RunState, max_epochs: int) -> Iterator[tuple[Tensor, Tensor, list[dict]]]:
    """Batches from ``state.epoch`` on, skipping those of that epoch a resumed run already used.

    The loader is told each epoch (``set_epoch``), so the order is a function of the seed and the epoch.
    """
    while state.epoch < max_epochs:
        loader.set_epoch(state.epoch)
        for i, batch in enumerate(loader):
            if i < state.batch_in_epoch:
                continue
            state.batch_in_epoch = i + 1
            yield batch.clips, batch.labels, batch.meta
        state.epoch += 1
        state.batch_in_epoch = 0


def resume_from(path: str, kind: str | None) -> dict[str, Any]:
    """The checkpoint of a run folder (its ``last.pt``) or a checkpoint file (of any kind when ``kind`` is None)."""
    target = Path(path)
    if target.is_dir():
        target = target / "last.pt"
    return load_checkpoint(target, kind=kind)


def write_json_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON object to a ``.jsonl`` file."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")


def checkpoint(
    out: Path,
    cfg: TrainConfig,
    stepper: Stepper,
    state: RunState,
    pipeline: Any,
    model: nn.Module,
    model_args: dict[str, Any] | None = None,
) -> Path:
    """Write ``out/last.pt`` atomically with everything a resume needs (and ``model_args``, what the model was
    built for: channels, size, length, num_classes)."""
    return save_checkpoint(
        out / "last.pt",
        kind=cfg.kind,
        model=model,
        optimizers=stepper.optimizers,
        config=cfg.to_dict(),
        step=state.step,
        pipeline=pipeline.to_dict() if pipeline is not None else None,
        extra={
            "epoch": state.epoch,
            "batch_in_epoch": state.batch_in_epoch,
            "history": state.history,
            "model_args": model_args or {},
        },
    )


def restore(ckpt: dict[str, Any], stepper: Stepper, model: nn.Module) -> RunState:
    """Load a checkpoint's model, optimisers and RNG states; return the run state it records."""
    model.load_state_dict(ckpt["model"])
    for name, opt in stepper.optimizers.items():
        if name not in ckpt["optimizers"]:
            raise InvalidInputError(f"the checkpoint has no state for optimiser {name!r}")
        opt.load_state_dict(ckpt["optimizers"][name])
    restore_rng(ckpt["rng"])
    extra = ckpt["extra"]
    stepper.step_count = ckpt["step"]
    return RunState(ckpt["step"], int(extra["epoch"]), int(extra["batch_in_epoch"]), dict(extra["history"]))


def check_clip_length(clips: Tensor, needed: int, kind: str) -> None:
    """Refuse clips shorter than the model needs, before any step."""
    if clips.shape[1] < needed:
        raise ShapeError(
            f"{kind}: the clips have {clips.shape[1]} frames, the model needs {needed} (context + horizon); "
            "build longer clips or pass a smaller --context/--horizon"
        )


def elapsed(start: float) -> float:
    """Seconds since ``start``."""
    return time.perf_counter() - start


def env_rank() -> tuple[int, int]:
    """(rank, world size) under torchrun, else (0, 1)."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
