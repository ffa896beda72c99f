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
from .config import LABELLED_KINDS, TrainConfig
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

__all__ = ["build_model", "check_data_fits", "data_shape", "headline", "labels_for", "open_tensorboard", "train"]


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


def build_model(cfg: TrainConfig, channels: int, size: int, length: int, num_classes: int | None) -> nn.Module:
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
    if num_classes is None:
        raise InvalidInputError(f"{cfg.kind}: the number of classes is unknown; pass --num-classes")
    width = cfg.width
    if cfg.kind == "framegan":  # the rcgan's frame decoder and encoder at the same width (see transfer.py)
        return models.FrameGAN(num_classes=num_classes, in_channels=channels, size=size, width=width, hidden=4 * width)
    return models.RCGAN(
        num_classes=num_classes, in_channels=channels, length=length, size=size, width=width, hidden=4 * width
    )


def data_shape(cfg: TrainConfig, pipeline: Any = None) -> dict[str, Any]:
    """What the model is built for, read from the training split after the per-clip ``pipeline``: ``channels``,
    ``size``, ``length`` and ``num_classes`` (``--num-classes``, else the dataset's index; None when neither says).

    Raises:
        InvalidInputError: no readable dataset there, clips too short for ``cfg``, or no class labels (the GANs).
    """
    from ..data import dataset_info, make_loader

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
        >>> from tempaug.train.run import check_data_fits
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
    ``metrics.jsonl``, ``loss.png`` and a GIF of ground truth beside predictions or samples. A new ``rcgan`` run
    with ``cfg.init_from`` starts from a framegan's weights (:func:`tempaug.train.transfer.init_from`).
    """

    ctx = setup(cfg.device)
    try:
        return _train(cfg, ctx)
    finally:
        teardown()


def _train(cfg: TrainConfig, ctx: DistContext) -> dict[str, Any]:
    from ..data import make_loader

    device = ctx.device
    seed_everything(cfg.seed)
    pipeline = load_pipeline(cfg.augment)
    batch_pipeline = load_pipeline(cfg.batch_augment)
    shape = data_shape(cfg, pipeline)
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
        from .transfer import init_from

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
        if batch_pipeline is not None:
            x = batch_pipeline(x)
        y = labels_for(batch_labels, meta).to(device) if cfg.kind in LABELLED_KINDS else batch_labels.to(device)
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
    record = {"step": state.step, "train_seconds": round(time.perf_counter() - start, 2), "ranks": ctx.world_size}
    if not ctx.is_main:
        return {**record, "history": state.history}
    checkpoint(out, cfg, stepper, state, pipeline, model, shape)
    last = {k: v[-1][1] for k, v in state.history.items() if v}
    from .evaluate import evaluate

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
