"""The config of a training run: one dataclass, filled from the command line or built in Python.

Example:
    >>> from tempaug.train.config import TrainConfig, parse_args
    >>> cfg = parse_args(["seq2seq", "--max-steps", "200", "--out", "runs/s2s1"])
    >>> cfg.kind, cfg.max_steps, cfg.data, cfg.augment
    ('seq2seq', 200, 'data/mmnist', None)
    >>> TrainConfig(kind="vae").out
    'runs/vae'
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..core.errors import InvalidArgumentError
from ..models.factory import DEFAULT_WIDTH, KINDS, LABELLED_KINDS

__all__ = [
    "DEFAULT_WIDTH",
    "KINDS",
    "LABELLED_KINDS",
    "EvalArgs",
    "TrainConfig",
    "build_eval_parser",
    "build_parser",
    "parse_args",
    "parse_eval_args",
    "resolve_device",
]

# KINDS (the model kinds ``python -m tempaug.train`` trains), LABELLED_KINDS (those that need ``num_classes``) and
# DEFAULT_WIDTH (per kind) are the model factory's (tempaug.models.factory), imported here for the trainer.


@dataclass
class TrainConfig:
    """Every option of a training run; see ``python -m tempaug.train seq2seq --help``.

    ``augment`` is a pipeline file run per clip in the loader workers, ``batch_augment`` one run over whole
    batches on ``device``; ``None`` (or ``"none"`` on the command line) for no augmentation. ``width`` defaults
    to :data:`DEFAULT_WIDTH` for the kind; ``num_classes`` to what the dataset's index says (the RCGAN needs it).
    ``classifier`` is a probe checkpoint (``classifier.pt`` of an earlier RCGAN run on the same data) that the
    RCGAN evaluation reuses instead of training its own for ``classifier_steps`` steps. ``init_from`` is a
    ``framegan`` run (or its ``last.pt``) whose frame decoder and frame encoder initialise a new ``rcgan`` run
    (:mod:`tempaug.train.transfer`); it cannot be combined with ``resume``.
    """

    kind: str = "seq2seq"
    data: str = "data/mmnist"
    out: str = ""
    augment: str | None = None
    batch_augment: str | None = None
    epochs: int = 1
    max_steps: int | None = None
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "cpu"
    amp: bool = False
    num_workers: int = 2
    shuffle: int = 256
    save_every: int = 200
    log_every: int = 20
    eval_clips: int = 256
    eval_samples: int = 5
    context: int = 10
    horizon: int = 10
    width: int | None = None
    num_classes: int | None = None
    classifier: str | None = None
    classifier_steps: int = 300
    resume: str | None = None
    init_from: str | None = None
    tensorboard: bool = False
    quiet: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidArgumentError(f"kind must be one of {KINDS}, got {self.kind!r}", "kind")
        if not self.out:
            self.out = f"runs/{self.kind}"
        if self.width is None:
            self.width = DEFAULT_WIDTH[self.kind]
        for name in ("augment", "batch_augment"):
            if getattr(self, name) in ("none", ""):
                setattr(self, name, None)
        ints = (
            "epochs",
            "batch_size",
            "save_every",
            "log_every",
            "eval_clips",
            "eval_samples",
            "context",
            "horizon",
            "width",
            "classifier_steps",
        )
        for name in ints:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgumentError(f"{name} must be an int >= 1, got {value!r}", name)
        if self.num_classes is not None and (isinstance(self.num_classes, bool) or self.num_classes < 2):
            raise InvalidArgumentError(f"num_classes must be an int >= 2, got {self.num_classes!r}", "num_classes")
        if self.max_steps is not None and self.max_steps < 1:
            raise InvalidArgumentError(f"max_steps must be >= 1, got {self.max_steps}", "max_steps")
        if self.num_workers < 0 or self.shuffle < 0 or self.seed < 0:
            raise InvalidArgumentError("num_workers, shuffle and seed must be >= 0", "num_workers")
        if not self.lr > 0:
            raise InvalidArgumentError(f"lr must be > 0, got {self.lr}", "lr")
        if self.init_from is not None:
            if self.kind != "rcgan":
                raise InvalidArgumentError(
                    f"init_from initialises an rcgan run from a framegan run; got kind {self.kind!r}", "init_from"
                )
            if self.resume is not None:
                raise InvalidArgumentError(
                    "init_from starts a new run from framegan weights and resume continues a run; give only one",
                    "init_from",
                )
        resolve_device(self.device)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data (for checkpoints and ``config.json``)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """The config :meth:`to_dict` wrote; unknown keys are an error.

        Example:
            >>> from tempaug.train.config import TrainConfig
            >>> TrainConfig.from_dict(TrainConfig(kind="vae", seed=3).to_dict()).seed
            3
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise InvalidArgumentError(f"TrainConfig: unknown options {unknown}", unknown[0])
        return cls(**data)


def resolve_device(name: str) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or ``"auto"`` as a device that exists here.

    Raises:
        InvalidArgumentError: an unknown device name, or an accelerator this machine does not have.

    Example:
        >>> from tempaug.train.config import resolve_device
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InvalidArgumentError(f"unknown device {name!r}: use cpu, cuda, cuda:N, mps or auto", "device") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InvalidArgumentError(f"device {name!r} asked for, but this machine has no CUDA device", "device")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise InvalidArgumentError(f"device {name!r}: only {torch.cuda.device_count()} CUDA devices here", "device")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise InvalidArgumentError(f"device {name!r} asked for, but MPS is not available here", "device")
    if device.type not in ("cpu", "cuda", "mps"):
        raise InvalidArgumentError(f"unsupported device {name!r}: use cpu, cuda, cuda:N, mps or auto", "device")
    return device


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m tempaug.train``."""
    defaults = TrainConfig()
    p = argparse.ArgumentParser(prog="python -m tempaug.train", description="Train a reference video model.")
    p.add_argument("kind", choices=KINDS, help="the model to train (or: eval RUN, see eval --help)")
    p.add_argument("--data", default=defaults.data, help=f"shard folder (default {defaults.data})")
    p.add_argument("--out", default="", help="run folder (default runs/<kind>)")
    p.add_argument("--augment", default=None, help="per-clip pipeline file (.yaml/.json) or none")
    p.add_argument("--batch-augment", default=None, help="per-batch pipeline file run on the device, or none")
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="train for exactly this many optimiser steps, over as many epochs as that takes (replaces --epochs)",
    )
    p.add_argument("--batch-size", type=int, default=defaults.batch_size)
    p.add_argument("--lr", type=float, default=defaults.lr)
    p.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--device", default=defaults.device, help="cpu, cuda, cuda:N, mps or auto")
    p.add_argument("--amp", action="store_true", help="mixed precision on an accelerator")
    p.add_argument("--num-workers", type=int, default=defaults.num_workers)
    p.add_argument("--shuffle", type=int, default=defaults.shuffle, help="sample shuffle buffer")
    p.add_argument("--save-every", type=int, default=defaults.save_every, help="checkpoint every N steps")
    p.add_argument("--log-every", type=int, default=defaults.log_every)
    p.add_argument("--eval-clips", type=int, default=defaults.eval_clips, help="test clips evaluated")
    p.add_argument("--eval-samples", type=int, default=defaults.eval_samples, help="VAE: best of N samples")
    p.add_argument("--context", type=int, default=defaults.context, help="frames given (seq2seq, vae)")
    p.add_argument("--horizon", type=int, default=defaults.horizon, help="frames predicted (seq2seq, vae)")
    p.add_argument("--width", type=int, default=None, help=f"model width (default {DEFAULT_WIDTH})")
    p.add_argument("--num-classes", type=int, default=None, help="labels (default: from the dataset's index)")
    p.add_argument("--classifier", default=None, help="RCGAN: probe checkpoint to reuse for the evaluation")
    p.add_argument(
        "--classifier-steps", type=int, default=defaults.classifier_steps, help="RCGAN: steps to train the probe"
    )
    p.add_argument("--resume", default=None, help="run folder (or checkpoint) to continue")
    p.add_argument(
        "--init-from",
        default=None,
        help="rcgan: a framegan run folder (or its last.pt) whose frame decoder and encoder start a new run",
    )
    p.add_argument("--tensorboard", action="store_true", help="also log to <out>/tensorboard (needs tensorboard)")
    p.add_argument("--quiet", action="store_true")
    return p


def parse_args(argv: Sequence[str]) -> TrainConfig:
    """A :class:`TrainConfig` from command-line arguments."""
    args = vars(build_parser().parse_args(list(argv)))
    return TrainConfig(**args)


@dataclass(frozen=True)
class EvalArgs:
    """The options of ``python -m tempaug.train eval RUN``: the run folder and what to override for this evaluation.

    Example:
        >>> from tempaug.train.config import parse_eval_args
        >>> parse_eval_args(["runs/s2s1", "--data", "shards/"]).data
        'shards/'
    """

    run: str
    data: str | None = None
    device: str | None = None
    eval_clips: int | None = None
    eval_samples: int | None = None
    classifier: str | None = None
    quiet: bool = False

    def overrides(self) -> dict[str, Any]:
        """The run config's options this evaluation replaces (those given)."""
        names = ("data", "device", "eval_clips", "eval_samples", "classifier", "quiet")
        return {name: getattr(self, name) for name in names if getattr(self, name) not in (None, False)}


def build_eval_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m tempaug.train eval``."""
    p = argparse.ArgumentParser(
        prog="python -m tempaug.train eval", description="Evaluate a finished or stopped run again."
    )
    p.add_argument("run", help="run folder (holding last.pt and config.json)")
    p.add_argument("--data", default=None, help="shard folder (default: the run's)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:N, mps or auto (default: the run's)")
    p.add_argument("--eval-clips", type=int, default=None, help="test clips evaluated (default: the run's)")
    p.add_argument("--eval-samples", type=int, default=None, help="VAE: best of N samples (default: the run's)")
    p.add_argument("--classifier", default=None, help="RCGAN: probe checkpoint to reuse")
    p.add_argument("--quiet", action="store_true")
    return p


def parse_eval_args(argv: Sequence[str]) -> EvalArgs:
    """An :class:`EvalArgs` from command-line arguments (without the leading ``eval``)."""
    return EvalArgs(**vars(build_eval_parser().parse_args(list(argv))))
