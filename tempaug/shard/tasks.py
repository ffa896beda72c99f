"""The unit of work of a build: one task turns a run of inputs into one shard (more if it passes ``shard_bytes``).

A task writes its shards under ``<out>/.tmp`` with names of its own; the build renames them to their final
``{split}-{index:06d}.tar`` names in task order, so names and bytes never depend on which worker, engine or
machine ran which task. Every input of a task ends written (all its samples in the task's shards) or failed
(none of them, and a failure record saying why).

Example:
    >>> import tempfile
    >>> from tempaug.shard.config import BuildConfig
    >>> from tempaug.shard.sources import list_inputs
    >>> from tempaug.shard.tasks import plan_tasks, run_task
    >>> cfg = BuildConfig(train=3, val=0, test=0, frames=4, canvas=32, shard_size=2, format="npy")
    >>> tasks = plan_tasks(list_inputs(cfg).inputs, cfg, tempfile.mkdtemp())
    >>> [len(t.inputs) for t in tasks["train"]]
    [2, 1]
    >>> result = run_task(tasks["train"][0], cfg)
    >>> result.written, [p.samples for p in result.parts], result.failures
    (2, [2], [])
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..core.registry import from_dict
from ..core.transform import Transform
from ..io.records import encode_record, make_key
from .config import BuildConfig
from .sources import Input, load_clips
from .tarwriter import ShardFile, record_size, tar_size

__all__ = ["PartResult", "Task", "TaskResult", "copy_seed", "inputs_per_task", "plan_tasks", "run_task"]


@dataclass(frozen=True)
class Task:
    """Task ``number`` of ``split``: its inputs, and the folder its shards are written to before renaming."""

    split: str
    number: int
    inputs: tuple[Input, ...]
    tmp_dir: str


@dataclass(frozen=True)
class PartResult:
    """One finished shard of a task, still under its temporary name."""

    path: str
    samples: int
    bytes: int
    sha256: str


@dataclass
class TaskResult:
    """What a task did: its shards, how many inputs it wrote, and a failure record per input it could not."""

    split: str
    number: int
    parts: list[PartResult] = field(default_factory=list)
    written: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def samples(self) -> int:
        """Samples written by the task."""
        return sum(p.samples for p in self.parts)


def inputs_per_task(cfg: BuildConfig) -> int:
    """Inputs per task: as many as fill one shard of ``shard_size`` samples (at least one).

    Example:
        >>> from tempaug.shard.config import BuildConfig
        >>> from tempaug.shard.tasks import inputs_per_task
        >>> inputs_per_task(BuildConfig(shard_size=100, augment="a.yaml", copies=3))
        25
    """
    clips = 1 if cfg.source_kind == "mmnist" else cfg.clips_per_video
    return max(1, cfg.shard_size // (clips * len(cfg.copy_ids)))


def plan_tasks(inputs: dict[str, list[Input]], cfg: BuildConfig, tmp_dir: str | Path) -> dict[str, list[Task]]:
    """Cut each split's inputs into consecutive tasks of :func:`inputs_per_task` inputs.

    Example:
        >>> from tempaug.shard.config import BuildConfig
        >>> from tempaug.shard.sources import list_inputs
        >>> from tempaug.shard.tasks import plan_tasks
        >>> cfg = BuildConfig(train=5, val=0, test=0, shard_size=2)
        >>> [t.inputs[0].index for t in plan_tasks(list_inputs(cfg).inputs, cfg, "/tmp")["train"]]
        [0, 2, 4]
    """
    per = inputs_per_task(cfg)
    tasks = {}
    for split, items in inputs.items():
        count = math.ceil(len(items) / per)
        tasks[split] = [Task(split, n, tuple(items[n * per : (n + 1) * per]), str(tmp_dir)) for n in range(count)]
    return tasks


def copy_seed(seed: int, split: str, index: int, clip: int, copy: int) -> int:
    """The seed of augmented copy ``copy`` of clip ``clip`` of input ``index``: fixed by the build's ``seed``.

    Example:
        >>> from tempaug.shard.tasks import copy_seed
        >>> copy_seed(0, "train", 3, 0, 1) == copy_seed(0, "train", 3, 0, 1) != copy_seed(0, "train", 3, 0, 2)
        True
    """
    sequence = np.random.SeedSequence([seed, zlib.crc32(split.encode()), index, clip, copy])
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


@lru_cache(maxsize=4)
def _pipeline(text: str) -> Transform:
    return from_dict(json.loads(text))


def _augment(clip: Tensor, pipeline: Transform, seed: int) -> tuple[Tensor, dict[str, Any]]:
    generator = torch.Generator().manual_seed(seed)
    out, params = pipeline(clip, generator=generator, return_params=True)
    if out.dtype != torch.uint8:
        if not out.is_floating_point():
            raise TypeError(f"the augment pipeline returned {out.dtype}; a record stores uint8 clips")
        out = (out.clamp(0, 1) * 255).round().to(torch.uint8)  # float clips are taken to be in [0, 1]
    if out.dim() != 4 or out.shape[1] not in (1, 3):
        raise ValueError(f"the augment pipeline returned shape {tuple(out.shape)}; a record stores (T,C,H,W), C 1 or 3")
    return out, params.to_dict()


def _records(item: Input, cfg: BuildConfig) -> list[tuple[str, dict[str, bytes]]]:
    pipeline = _pipeline(json.dumps(cfg.augment_pipeline)) if cfg.augment_pipeline else None
    records = []
    for c, (clip, info) in enumerate(load_clips(item, cfg)):
        for copy in cfg.copy_ids:
            key = make_key(item.split, item.index, c, copy)
            meta = {"key": key, "split": item.split, "input": item.index, "clip": c, "copy": copy, **info}
            out = clip
            if copy:
                assert pipeline is not None
                seed = copy_seed(cfg.seed, item.split, item.index, c, copy)
                out, params = _augment(clip, pipeline, seed)
                meta["augment"] = {"pipeline": cfg.augment_pipeline, "params": params, "seed": seed}
            records.append((key, encode_record(out, meta, fmt=cfg.format, fps=info["fps"], crf=cfg.crf)))
    return records


def run_task(task: Task, cfg: BuildConfig, report: Callable[[int], None] | None = None) -> TaskResult:
    """Run one task: encode every input's records and write them into the task's shards.

    An input whose decoding, augmentation or encoding raises is recorded as failed, with its source and the
    reason, and none of its records are written; the task goes on with the next input.

    Args:
        task: the task.
        cfg: the build's options.
        report: called with the number of samples written after each input (progress).

    Example:
        >>> import tempfile
        >>> from tempaug.shard.config import BuildConfig
        >>> from tempaug.shard.sources import Input
        >>> from tempaug.shard.tasks import Task, run_task
        >>> cfg = BuildConfig(source="folder:/nowhere", format="npy")
        >>> result = run_task(Task("train", 0, (Input("train", 0, "/nowhere/a.mp4"),), tempfile.mkdtemp()), cfg)
        >>> result.written, result.failures[0]["source"], result.parts
        (0, '/nowhere/a.mp4', [])
    """
    start = time.perf_counter()
    result = TaskResult(task.split, task.number)
    part: ShardFile | None = None
    try:
        for item in task.inputs:
            try:
                records = _records(item, cfg)
            except Exception as err:  # noqa: BLE001  every input must end written or failed, whatever went wrong
                reason = f"{type(err).__name__}: {err}".strip()
                result.failures.append(
                    {"split": item.split, "input": item.index, "source": item.source, "reason": reason}
                )
                if report is not None:
                    report(0)
                continue
            for key, members in records:
                size = record_size(members)
                if (
                    part is not None
                    and part.samples
                    and (part.samples >= cfg.shard_size or tar_size(part.bytes + size) > cfg.shard_bytes)
                ):
                    result.parts.append(_finish(part))
                    part = None
                if part is None:
                    name = f"{task.split}-t{task.number:06d}-p{len(result.parts):03d}.tar"
                    part = ShardFile(Path(task.tmp_dir) / name)
                part.write(key, members)
            result.written += 1
            if report is not None:
                report(len(records))
        if part is not None:
            result.parts.append(_finish(part))
            part = None
    finally:
        if part is not None:
            part.abort()
    result.seconds = time.perf_counter() - start
    return result


def _finish(part: ShardFile) -> PartResult:
    path = part.close()
    assert part.sha256 is not None
    return PartResult(str(path), part.samples, path.stat().st_size, part.sha256)
