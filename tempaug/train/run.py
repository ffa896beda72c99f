"""One training run: data, model, steps, checkpoints, and an evaluation at the end.

Example:
    >>> from tempaug.train.run import labels_for
    >>> import torch
    >>> labels_for(torch.tensor([-1, -1]), [{"labels": [3, 1]}, {"labels": [0, 7]}]).tolist()
    [3, 0]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from ..core.errors import InvalidInputError
from ..core.progress import Progress
from .config import TrainConfig
from .distributed import DistContext, average_gradients, broadcast_parameters, setup, teardown
from .loop import (
    RunState,
    Stepper,
    batches,
    check_clip_length,
    checkpoint,
    load_pipeline,
    restore,
    resume_from,
    seed_everything,
    to_unit_float,
    write_json_line,
)

__all__ = ["build_model", "labels_for", "train"]


def labels_for(labels: Tensor, meta: list[dict[str, Any]]) -> Tensor:
    """Class labels of a batch: the ``cls`` labels, or, for Moving MNIST clips (no single label), the first digit.

    Raises:
        InvalidInputError: a clip has neither a label nor digit labels.
    """
    if bool((labels >= 0).all()):
        return labels
    first = [m.get("labels", [None])[0] if m.get("labels") else None for m in meta]
    if any(f is None for f in first):
        raise InvalidInputError("the clips carry no class label (no .cls member and no Moving MNIST digits)")
    return torch.tensor(first, dtype=torch.long, device=labels.device)


def build_model(cfg: TrainConfig, channels: int, size: int, length: int, num_classes: int) -> nn.Module:
    """The model ``cfg.kind`` names, sized by ``cfg.width`` for clips of ``channels`` x ``size`` x ``size``."""
    from .. import models

    if cfg.kind == "seq2seq":
        return models.Seq2Seq(
            in_channels=channels, hidden=(cfg.width, cfg.width), context=cfg.context, horizon=cfg.horizon
        )
    if cfg.kind == "vae":
        return models.VideoVAE(
            in_channels=channels, context=cfg.context, horizon=cfg.horizon, size=size, width=cfg.width
        )
    return models.RCGAN(num_classes=num_classes, in_channels=channels, length=length, size=size, width=cfg.width)


def _needed_length(cfg: TrainConfig) -> int:
    return cfg.context + cfg.horizon if cfg.kind in ("seq2seq", "vae") else 1


def _prepare_out(cfg: TrainConfig) -> Path:
    out = Path(cfg.out)
    if cfg.resume is None and (out / "last.pt").exists():
        raise InvalidInputError(
            f"{out} already holds a run; pass --resume {out} to continue it, or choose another --out"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def train(cfg: TrainConfig, argv: list[str] | None = None) -> dict[str, Any]:
    """Train ``cfg.kind`` on ``cfg.data`` (resuming from ``cfg.resume``), evaluate it, and return the metrics.

    Writes into ``cfg.out``: ``config.json``, ``last.pt`` (every ``save_every`` steps and at the end),
    ``metrics.jsonl``, ``loss.png`` and a GIF of ground truth beside predictions or samples.
    """

    ctx = setup(cfg.device)
    try:
        return _train(cfg, ctx)
    finally:
        teardown()


def _train(cfg: TrainConfig, ctx: DistContext) -> dict[str, Any]:
    from ..data import make_loader

    device = ctx.device
    out = _prepare_out(cfg) if ctx.is_main else Path(cfg.out)
    seed_everything(cfg.seed)
    pipeline = load_pipeline(cfg.augment)
    batch_pipeline = load_pipeline(cfg.batch_augment)
    loader = make_loader(
        cfg.data,
        split="train",
        transform=pipeline,
        batch_size=cfg.batch_size,
        num_workers=cfg.num_workers,
        shuffle=cfg.shuffle,
        seed=cfg.seed,
        drop_last=True,
    )
    probe = next(iter(make_loader(cfg.data, split="train", batch_size=2, num_workers=0, seed=cfg.seed)))
    clips = to_unit_float(probe.clips)
    check_clip_length(clips, _needed_length(cfg), cfg.kind)
    _, length, channels, height, _ = clips.shape
    num_classes = 10
    if cfg.kind == "rcgan":
        labels_for(probe.labels, probe.meta)
    model = build_model(cfg, channels, height, length, num_classes).to(device)
    wrap = None
    if ctx.distributed:
        broadcast_parameters(model)
        if hasattr(model, "train_step"):
            average_gradients(model, ctx.world_size)
        else:

            def wrap(module: nn.Module) -> nn.Module:
                return DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)

    stepper = Stepper(model, lr=cfg.lr, weight_decay=cfg.weight_decay, amp=cfg.amp, wrap=wrap)
    state = RunState()
    if cfg.resume is not None:
        state = restore(resume_from(cfg.resume, cfg.kind), stepper, model)
    if ctx.is_main:
        (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=1) + "\n")
    total = cfg.max_steps if cfg.max_steps is not None else cfg.epochs * max(len(loader), 1)
    progress = Progress(total=total, unit="steps", enabled=not cfg.quiet and ctx.is_main, done=state.step, every=10.0)
    start = time.perf_counter()
    for batch_clips, batch_labels, meta in batches(loader, state, cfg.epochs) if state.step < total else ():
        x = to_unit_float(batch_clips.to(device))
        if batch_pipeline is not None:
            x = batch_pipeline(x)
        y = labels_for(batch_labels, meta).to(device) if cfg.kind == "rcgan" else batch_labels.to(device)
        terms = stepper.step(x, y)
        state.step += 1
        state.record(terms)
        progress.update(1, postfix=", ".join(f"{k} {v:.4g}" for k, v in list(terms.items())[:2]))
        if state.step % cfg.log_every == 0:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in terms.items())
            progress.log(f"step {state.step}: {shown}")
        if state.step % cfg.save_every == 0 and ctx.is_main:
            checkpoint(out, cfg, stepper, state, pipeline, model)
        if state.step >= total:
            break  # before the next batch is drawn, so a resume starts at the batch after this one
    progress.close()
    record = {"step": state.step, "train_seconds": round(time.perf_counter() - start, 2), "ranks": ctx.world_size}
    if not ctx.is_main:
        return {**record, "history": state.history}
    checkpoint(out, cfg, stepper, state, pipeline, model)
    last = {k: v[-1][1] for k, v in state.history.items() if v}
    from .evaluate import evaluate

    evaluation = evaluate(model, cfg, device, out, state.step, state.history)
    record = {**record, "train_loss_last": last, **evaluation}
    write_json_line(out / "metrics.jsonl", record)
    if not cfg.quiet:
        means = {k: round(v["mean"], 4) for k, v in record.get("metrics", {}).items()}
        print(f"{cfg.kind}: {state.step} steps; test {means}; run folder {out}", file=sys.stderr)
    return {**record, "history": state.history}
