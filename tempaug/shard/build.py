"""Build a shard folder: plan tasks, run them on an engine, and commit their shards in order to ``index.json``.

The build is resumable: ``index.json`` is written before any work and after every committed task, and says how
many tasks of each split are done. Re-running the same build skips those tasks, deletes anything the index does
not list (half-written shards, shards renamed but not yet recorded), and runs the rest; because every task is
deterministic, the finished folder is byte-identical to one built without interruption.

Example:
    >>> import tempfile
    >>> from tempaug.shard.build import build
    >>> from tempaug.shard.config import BuildConfig
    >>> out = tempfile.mkdtemp()
    >>> cfg = BuildConfig(out=out, train=4, val=2, test=0, frames=4, canvas=32, shard_size=3, workers=1, quiet=True)
    >>> summary = build(cfg)
    >>> summary.samples, summary.shards, summary.failed, summary.complete
    (6, 3, 0, True)
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError
from ..core.progress import Progress, format_bytes, format_duration
from ..core.registry import load
from ..core.version import __version__
from ..io.shard_index import FAILURES_NAME, INDEX_NAME, DatasetIndex, ShardEntry, read_index, shard_name, write_atomic
from .config import BuildConfig
from .engines import make_engine
from .sources import list_inputs
from .tasks import TaskResult, plan_tasks

__all__ = ["TMP_NAME", "BuildSummary", "DatasetMismatchError", "build"]

#: Folder inside ``out`` where tasks write their shards before they are committed.
TMP_NAME = ".tmp"

_SHARD_FILE = re.compile(r"^[A-Za-z0-9_]+-\d{6}\.tar$")


class DatasetMismatchError(InvalidInputError):
    """The output folder holds another dataset (other options, tempaug version or source); nothing was touched."""


@dataclass
class BuildSummary:
    """What a build did, over the whole dataset (resumed work included).

    Attributes:
        seconds: time this run took; ``run_samples`` samples were written in it.
    """

    out: str
    inputs: int
    written: int
    failed: int
    samples: int
    shards: int
    bytes: int
    seconds: float
    run_samples: int
    complete: bool

    def line(self) -> str:
        """One summary line: inputs, written, failed, shards, samples, bytes and throughput.

        Example:
            >>> from tempaug.shard.build import BuildSummary
            >>> BuildSummary("d", 10, 9, 1, 9, 1, 4096, 2.0, 9, True).line()
            'd: inputs 10, written 9, failed 1, shards 1, samples 9 (4.0 KiB), 4.5 samples/s over 0:02'
        """
        rate = self.run_samples / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.out}: inputs {self.inputs}, written {self.written}, failed {self.failed}, shards {self.shards}, "
            f"samples {self.samples} ({format_bytes(self.bytes)}), {rate:.1f} samples/s over "
            f"{format_duration(self.seconds)}"
        )


def _summary(out: Path, index: DatasetIndex, seconds: float, run_samples: int) -> BuildSummary:
    t = index.totals()
    return BuildSummary(
        str(out),
        t["inputs"],
        t["written"],
        t["failed"],
        t["samples"],
        t["shards"],
        t["bytes"],
        seconds,
        run_samples,
        index.complete,
    )


def _owned_files(out: Path) -> list[Path]:
    """The files of ``out`` a build writes (so may delete): shards, the index and the failure log."""
    return [
        p
        for p in out.iterdir()
        if p.is_file()
        and (_SHARD_FILE.match(p.name) or p.name in (INDEX_NAME, FAILURES_NAME) or p.name.endswith(".partial"))
    ]


def _clear(out: Path) -> None:
    for path in _owned_files(out):
        path.unlink()
    shutil.rmtree(out / TMP_NAME, ignore_errors=True)


def _differences(old: DatasetIndex, new: DatasetIndex) -> list[str]:
    found = []
    if old.version != new.version:
        found.append(f"tempaug version {old.version} -> {new.version}")
    for key in sorted(set(old.identity) | set(new.identity)):
        if old.identity.get(key) != new.identity.get(key):
            found.append(f"{key}: {old.identity.get(key)!r} -> {new.identity.get(key)!r}")
    if old.fingerprint != new.fingerprint and not found:
        found.append("the source's inputs changed (files added, removed or resized)")
    return found


def _read_failures(out: Path, index: DatasetIndex) -> list[dict[str, Any]]:
    """Failure records of the tasks the index counts as done (later ones are redone)."""
    path = out / FAILURES_NAME
    if not path.is_file():
        return []
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if record.get("task", 0) < index.splits.get(record.get("split"), {}).get("tasks_done", 0):
                kept.append(record)
    return kept


def _prepare(cfg: BuildConfig, out: Path, fresh: DatasetIndex) -> DatasetIndex:
    """Check ``out`` and return the index to continue from: ``fresh`` for a new build, the saved one to resume."""
    if not out.exists():
        out.mkdir(parents=True)
        return fresh
    if not out.is_dir():
        raise InvalidInputError(f"--out {str(out)!r} exists and is not a folder")
    if (out / INDEX_NAME).is_file():
        try:
            old = read_index(out)
        except InvalidInputError:
            if not cfg.overwrite:
                raise
            _clear(out)
            return fresh
        changes = _differences(old, fresh)
        if changes and not cfg.overwrite:
            raise DatasetMismatchError(
                f"{out} holds a dataset built differently ({'; '.join(changes)}); pass --overwrite to rebuild it, "
                "or choose another --out"
            )
        if changes or cfg.overwrite:
            _clear(out)
            return fresh
        old.command = fresh.command
        return old
    others = [p.name for p in out.iterdir() if p.name != TMP_NAME]
    if others and not cfg.overwrite:
        shown = ", ".join(sorted(others)[:5]) + (", ..." if len(others) > 5 else "")
        raise InvalidInputError(
            f"--out {str(out)!r} is not empty ({shown}) and holds no {INDEX_NAME}; choose an empty folder, or pass "
            "--overwrite to write the dataset there (only files named like shards are replaced)"
        )
    _clear(out)
    return fresh


def _remove_strays(out: Path, index: DatasetIndex) -> None:
    """Delete shard files the index does not list and any temporary file left by a killed run."""
    listed = {s.name for s in index.shards}
    for path in _owned_files(out):
        if path.name not in listed and path.name not in (INDEX_NAME, FAILURES_NAME):
            path.unlink()
    shutil.rmtree(out / TMP_NAME, ignore_errors=True)
    (out / TMP_NAME).mkdir()


def _load_augment(cfg: BuildConfig) -> None:
    if cfg.augment is None or cfg.augment_pipeline is not None:
        return
    path = Path(cfg.augment)
    if not path.is_file():
        raise InvalidInputError(f"--augment {str(path)!r} does not exist or is not a file")
    cfg.augment_pipeline = load(path).to_dict()


def build(cfg: BuildConfig, command: str | None = None) -> BuildSummary:
    """Build (or resume) the shard folder ``cfg.out``; see the module docstring.

    Args:
        cfg: the build's options.
        command: the command line recorded in the index; defaults to this process's.

    Raises:
        DatasetMismatchError: ``cfg.out`` holds a dataset built with other options (nothing is touched).
        InvalidInputError: a source with no input, a bad manifest, an unreadable ``--augment`` file, or an
            ``--out`` that is a non-empty folder without an index.
        EngineError: a worker died or the Ray cluster is unreachable (committed shards stay; re-run to resume).

    Example:
        >>> import tempfile
        >>> from tempaug.shard.build import build
        >>> from tempaug.shard.config import BuildConfig
        >>> out = tempfile.mkdtemp()
        >>> cfg = BuildConfig(out=out, train=2, val=0, test=0, frames=3, canvas=28, workers=1, quiet=True)
        >>> first = build(cfg); again = build(cfg)
        >>> first.samples == again.samples == 2, again.run_samples
        (True, 0)
    """
    start = time.perf_counter()
    out = Path(cfg.out).absolute()  # tasks may run in processes with another working directory
    _load_augment(cfg)
    listing = list_inputs(cfg)
    fresh = DatasetIndex(
        command=command if command is not None else shlex.join([Path(sys.executable).name, *sys.argv]),
        identity=cfg.identity(),
        version=__version__,
        fingerprint=listing.fingerprint(),
        classes=listing.classes,
    )
    tasks = plan_tasks(listing.inputs, cfg, out / TMP_NAME)
    for split, split_tasks in tasks.items():
        fresh.add_split(split, len(listing.inputs[split]), len(split_tasks))
        if listing.synthetic.get(split):
            fresh.splits[split]["synthetic"] = listing.synthetic[split]  # inputs generated, each one clip
    index = _prepare(cfg, out, fresh)
    if index.complete:
        return _summary(Path(cfg.out), index, time.perf_counter() - start, 0)
    _remove_strays(out, index)
    index.write(out)
    failures = _read_failures(out, index)
    pending = [t for split, split_tasks in tasks.items() for t in split_tasks[index.splits[split]["tasks_done"] :]]
    per_input = (1 if cfg.source_kind == "mmnist" else cfg.clips_per_video) * len(cfg.copy_ids)
    synthetic = sum(listing.synthetic.values())
    real = sum(len(items) for items in listing.inputs.values()) - synthetic
    progress = Progress(
        total=real * per_input + synthetic * len(cfg.copy_ids),
        done=index.totals()["samples"],
        enabled=not cfg.quiet,
        interactive=cfg.progress,
    )
    if index.totals()["shards"]:
        progress.log(f"resuming {out}: {index.totals()['shards']} shards already written")
    waiting: dict[tuple[str, int], TaskResult] = {}
    run_samples = 0

    def commit(result: TaskResult) -> None:
        split = result.split
        for number, part in enumerate(result.parts):
            name = shard_name(split, len(index.shards_of(split)))
            Path(part.path).replace(out / name)
            index.shards.append(ShardEntry(name, split, part.samples, part.bytes, part.sha256, result.number, number))
            if not progress.interactive:
                progress.log(f"{name}: {part.samples} samples, {format_bytes(part.bytes)}")
        progress_split = index.splits[split]
        progress_split["tasks_done"] += 1
        progress_split["written"] += result.written
        progress_split["failed"] += len(result.failures)
        if result.failures:
            failures.extend({**f, "task": result.number} for f in result.failures)
            text = "".join(json.dumps(f, sort_keys=True) + "\n" for f in failures)
            write_atomic(out / FAILURES_NAME, text.encode())
            for f in result.failures:
                progress.log(f"failed: {f['source']}: {f['reason']}")
        index.complete = all(s["tasks_done"] == s["tasks"] for s in index.splits.values())
        index.write(out)

    try:
        for result in make_engine(cfg).run(pending, cfg, on_samples=progress.update):
            waiting[(result.split, result.number)] = result
            run_samples += result.samples
            for split in tasks:
                while (split, index.splits[split]["tasks_done"]) in waiting:
                    commit(waiting.pop((split, index.splits[split]["tasks_done"])))
    finally:
        progress.close()
    index.complete = all(s["tasks_done"] == s["tasks"] for s in index.splits.values())
    index.write(out)
    if index.complete:
        shutil.rmtree(out / TMP_NAME, ignore_errors=True)
    return _summary(Path(cfg.out), index, time.perf_counter() - start, run_samples)
