"""One training run: data, model, steps, checkpoints, and an evaluation at the end.

The model and the shape of the data it is built for come from :mod:`tempaug.train.model_data` (``build_model``,
``check_data_fits``, ``data_shape`` and ``labels_for`` are importable from here too).

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

from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..core.errors import InvalidInputError
from ..core.progress import Progress
from ..data import make_loader
from .config import TrainConfig
from .distributed import DistContext, average_gradients, broadcast_parameters, setup, teardown
from .evaluate import evaluate
from .loop import (
    RunState,
    Stepper,
    batches,
    checkpoint,
    load_pipeline,
    restore,
    resume_from,
    seed_everything,
    to_unit_float,
    write_json_line,
)
from .model_data import (
    augment_batch,
    build_model,
    check_batch_pipeline,
    check_data_fits,
    data_shape,
    labels_for,
    needs_labels,
)
from .transfer import init_from

__all__ = ["build_model", "check_data_fits", "data_shape", "headline", "labels_for", "open_tensorboard", "train"]


def headline(record: dict[str, Any]) -> dict[str, float]:
    """One number per metric of an evaluation record: the mean over time steps, or the value itself.

    Example:
        >>> from tempaug.train.run import headline
        >>> headline({"metrics": {"mse": {"mean": 12.345678, "per_step": [1.0]}, "frechet": 3.2}})
        {'mse': 12.3457, 'frechet': 3.2}
    """
    return {k: round(float(v["mean"] if isinstance(v, dict) else v), 4) for k, v in record.get("metrics", {}).items()}


def open_tensorboard(out: Path) -> Any:
    """A ``SummaryWriter`` logging into ``out/tensorboard``.

    Raises:
        InvalidInputError: tensorboard is not installed (``pip install tensorboard``).
    """
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise InvalidInputError(
            "--tensorboard needs the tensorboard package: pip install tensorboard (or tempaug[tensorboard])"
        ) from None
    return SummaryWriter(log_dir=str(out / "tensorboard"))


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
    ``metrics.jsonl``, ``loss.png`` and a GIF of ground truth beside predictions or samples (a ``classifier``:
    ``confusion.png`` instead). ``cfg.batch_augment`` that mixes or makes
    clips runs on the batch with its labels (see :mod:`tempaug.train.model_data` for what each kind does with soft
    labels). A new ``rcgan`` run
    with ``cfg.init_from`` starts from a framegan's weights (:func:`tempaug.train.transfer.init_from`).
    """

    ctx = setup(cfg.device)
    try:
        return _train(cfg, ctx)
    finally:
        teardown()


def _train(cfg: TrainConfig, ctx: DistContext) -> dict[str, Any]:
    device = ctx.device
    seed_everything(cfg.seed)
    pipeline = load_pipeline(cfg.augment)
    batch_pipeline = load_pipeline(cfg.batch_augment)
    shape = data_shape(cfg, pipeline)
    check_batch_pipeline(cfg, pipeline, batch_pipeline, shape["num_classes"])  # before the run folder is made
    labelled = needs_labels(cfg, batch_pipeline)
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
    resumed = resume_from(cfg.resume, cfg.kind) if cfg.resume is not None else None
    if resumed is not None and resumed["extra"].get("model_args"):
        check_data_fits(cfg, shape, resumed["extra"]["model_args"], f"{cfg.resume} (last.pt)")
    model = build_model(cfg, **shape).to(device)
    if cfg.init_from is not None:  # before the run folder is made: a framegan that does not fit is refused first
        report = init_from(model, cfg.init_from, {**shape, "width": cfg.width})
        if not cfg.quiet and ctx.is_main:
            print(f"{cfg.kind}: {report.summary()}", file=sys.stderr)
    out = _prepare_out(cfg) if ctx.is_main else Path(cfg.out)
    writer = open_tensorboard(out) if cfg.tensorboard and ctx.is_main else None
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
    if resumed is not None:
        state = restore(resumed, stepper, model)
    if ctx.is_main:
        (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=1) + "\n")
    total = cfg.max_steps if cfg.max_steps is not None else cfg.epochs * max(len(loader), 1)
    progress = Progress(total=total, unit="steps", enabled=not cfg.quiet and ctx.is_main, done=state.step, every=10.0)
    start = time.perf_counter()
    epochs = cfg.epochs if cfg.max_steps is None else sys.maxsize  # a step budget runs as many epochs as it takes
    for batch_clips, batch_labels, meta in batches(loader, state, epochs) if state.step < total else ():
        x = to_unit_float(batch_clips.to(device))
        y = labels_for(batch_labels, meta).to(device) if labelled else batch_labels.to(device)
        if batch_pipeline is not None:
            x, y = augment_batch(batch_pipeline, x, y)
        terms = stepper.step(x, y)
        state.step += 1
        state.record(terms)
        progress.update(1, postfix=", ".join(f"{k} {v:.4g}" for k, v in list(terms.items())[:2]))
        if state.step % cfg.log_every == 0:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in terms.items())
            progress.log(f"step {state.step}: {shown}")
            if writer is not None:
                for name, value in terms.items():
                    writer.add_scalar(f"train/{name}", value, state.step)
        if state.step % cfg.save_every == 0 and ctx.is_main:
            checkpoint(out, cfg, stepper, state, pipeline, model, shape)
        if state.step >= total:
            break  # before the next batch is drawn, so a resume starts at the batch after this one
    progress.close()
    record: dict[str, Any] = {
        "step": state.step,
        "train_seconds": round(time.perf_counter() - start, 2),
        "ranks": ctx.world_size,
    }
    if not ctx.is_main:
        return {**record, "history": state.history}
    checkpoint(out, cfg, stepper, state, pipeline, model, shape)
    last = {k: v[-1][1] for k, v in state.history.items() if v}
    evaluation = evaluate(model, cfg, device, out, state.step, state.history)
    record = {**record, "train_loss_last": last, **evaluation}
    write_json_line(out / "metrics.jsonl", record)
    if writer is not None:
        for name, value in headline(record).items():
            writer.add_scalar(f"eval/{name}", value, state.step)
        writer.close()
    if not cfg.quiet:
        print(
            f"{cfg.kind}: {state.step} steps; {record['split']} {headline(record) or 'samples in eval.gif'}; "
            f"run folder {out}",
            file=sys.stderr,
        )
    return {**record, "history": state.history}
