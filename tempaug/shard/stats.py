"""``python -m tempaug.shard inspect``: what a shard folder holds, read from its index and its samples' json.

Only the ``.json`` member of each sample is read (tars are opened for random access, so clip data is skipped,
never decoded): counts per split, a label histogram, clip lengths, frame sizes, channels, format, quality, frame
rate and augmented copies, with the command and tempaug version that built the folder.

Example:
    >>> import tempfile
    >>> from tempaug.shard import BuildConfig, build
    >>> from tempaug.shard.stats import inspect_dataset
    >>> out = tempfile.mkdtemp()
    >>> _ = build(BuildConfig(out=out, train=2, val=1, test=0, frames=3, canvas=28, workers=1, quiet=True))
    >>> stats = inspect_dataset(out)
    >>> stats.samples_read, dict(stats.lengths), dict(stats.sizes), stats.label_kind
    (3, {3: 3}, {(28, 28): 3}, 'digits')
"""

from __future__ import annotations

import argparse
import json
import statistics
import tarfile
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .index import FAILURES_NAME, DatasetIndex, read_index
from ..core.progress import format_bytes

__all__ = ["DatasetStats", "SplitStats", "format_distribution", "inspect_dataset", "inspect_main"]

#: A json member larger than this is not read (a record's json is a few KiB at most).
MAX_JSON_BYTES = 16 << 20

_LABEL_ROWS = 40


@dataclass
class SplitStats:
    """One split: shards, samples and bytes from the index, inputs written and failed, and its labels.

    Attributes:
        labels: label (class index, or digit for Moving MNIST) -> count.
        unlabelled: samples with neither a ``label`` nor ``labels`` in their json.
    """

    name: str
    shards: int = 0
    samples: int = 0
    bytes: int = 0
    inputs: int = 0
    written: int = 0
    failed: int = 0
    labels: Counter[int] = field(default_factory=Counter)
    unlabelled: int = 0


@dataclass
class DatasetStats:
    """The result of :func:`inspect_dataset`.

    Attributes:
        label_kind: ``"label"`` (one class per sample), ``"digits"`` (Moving MNIST: the digits of each clip,
            which has no single label) or ``"none"``.
        copies: samples per copy number (0 the original, 1..K augmented copies).
        problems: shards that could not be read and json members that could not be parsed.
    """

    folder: str
    index: DatasetIndex
    splits: dict[str, SplitStats] = field(default_factory=dict)
    label_kind: str = "none"
    lengths: Counter[int] = field(default_factory=Counter)
    sizes: Counter[tuple[int, int]] = field(default_factory=Counter)
    channels: Counter[int] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    crfs: Counter[int] = field(default_factory=Counter)
    fps: Counter[float] = field(default_factory=Counter)
    copies: Counter[int] = field(default_factory=Counter)
    samples_read: int = 0
    problems: list[str] = field(default_factory=list)

    def label_name(self, label: int) -> str:
        """The class name of ``label`` when the source named its classes, else the number."""
        classes = self.index.classes
        return f"{label} {classes[label]}" if classes and 0 <= label < len(classes) else str(label)

    def lines(self) -> list[str]:
        """The report ``inspect`` prints.

        Example:
            >>> import tempfile
            >>> from tempaug.shard import BuildConfig, build
            >>> from tempaug.shard.stats import inspect_dataset
            >>> out = tempfile.mkdtemp()
            >>> _ = build(BuildConfig(out=out, train=1, val=0, test=0, frames=3, canvas=28, workers=1, quiet=True))
            >>> print("\\n".join(inspect_dataset(out).lines()[3:6]))
            split  shards  samples     bytes  inputs  written  failed
            train       1        1  10.0 KiB       1        1       0
            total       1        1  10.0 KiB       1        1       0
        """
        ix = self.index
        state = "complete" if ix.complete else "NOT complete (run its command again to finish it)"
        out = [f"{self.folder}: tempaug shard dataset, build {state}"]
        out.append(f"built by: {ix.command or '?'}")
        out.append(f"tempaug version: {ix.version or '?'}")
        out.extend(_split_table(self.splits))
        failed = sum(s.failed for s in self.splits.values())
        if failed:
            out.append(f"{failed} inputs failed: see {Path(self.folder) / FAILURES_NAME}")
        out.append(f"source: {_source(ix)}")
        out.append(f"clip length: {format_distribution(self.lengths, lambda n: f'{n} frames')}")
        out.append(f"frame size: {format_distribution(self.sizes, lambda s: f'{s[0]}x{s[1]}')}")
        out.append(f"channels: {format_distribution(self.channels)}")
        crf = f"; crf: {format_distribution(self.crfs)}" if self.crfs else ""
        out.append(f"format: {format_distribution(self.formats)}{crf}")
        out.append(f"fps: {format_distribution(self.fps, lambda f: f'{f:g}')}")
        out.append(_copies_line(ix.identity, self.copies))
        out.extend(self._label_lines())
        listed = sum(s.samples for s in self.splits.values())
        if self.samples_read != listed:
            out.append(f"warning: read {self.samples_read} samples' json, the index lists {listed}; run verify")
        out.extend(f"warning: {p}" for p in self.problems)
        return out

    def _label_lines(self) -> list[str]:
        if self.label_kind == "none":
            return ["labels: none"]
        if self.label_kind == "digits":
            head = "labels: Moving MNIST clips have no single label; counting the digits of each clip"
        else:
            head = "labels: the label of each sample (its json 'label', the cls member)"
        names = [s for s in self.splits if self.splits[s].labels]
        total = Counter[int]()
        for s in names:
            total.update(self.splits[s].labels)
        rows = [("label", *names, "total")]
        keys = set(total)
        if self.label_kind == "label" and self.index.classes:
            keys |= set(range(len(self.index.classes)))  # classes with no sample show as 0
        shown = sorted(keys)[:_LABEL_ROWS]
        rows += [(self.label_name(k), *(str(self.splits[s].labels[k]) for s in names), str(total[k])) for k in shown]
        out = [head, *("  " + line for line in _table(rows))]
        if len(keys) > _LABEL_ROWS:
            out.append(f"  ... {len(keys) - _LABEL_ROWS} more labels")
        unlabelled = sum(s.unlabelled for s in self.splits.values())
        if unlabelled:
            out.append(f"  {unlabelled} samples have no label")
        return out


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """Columns left-aligned first, right-aligned after."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
        for r in rows
    ]


def _split_table(splits: dict[str, SplitStats]) -> list[str]:
    every = list(splits.values())
    total = SplitStats("total")
    for k in ("shards", "samples", "bytes", "inputs", "written", "failed"):
        setattr(total, k, sum(getattr(s, k) for s in every))
    rows = [("split", "shards", "samples", "bytes", "inputs", "written", "failed")]
    for s in [*every, total]:
        rows.append(
            (s.name, str(s.shards), str(s.samples), format_bytes(s.bytes), str(s.inputs), str(s.written), str(s.failed))
        )
    return _table(rows)


def _source(index: DatasetIndex) -> str:
    ident = index.identity
    what = str(ident.get("source", "?"))
    if what == "mmnist":
        what += f" ({ident.get('digits')} digits per clip{', stochastic bounces' if ident.get('stochastic') else ''})"
    elif index.classes:
        what += f" ({len(index.classes)} classes)"
    return f"{what}, seed {ident.get('seed', '?')}"


def _copies_line(identity: dict[str, Any], copies: Counter[int]) -> str:
    k = int(identity.get("copies") or 0)
    if not k:
        return "augmented copies: none (originals only)"
    originals = "no originals" if identity.get("no_original") else "plus the original"
    seen = sum(n for c, n in copies.items() if c > 0)
    pipeline = identity.get("augment_pipeline")
    name = pipeline.get("name", "?") if isinstance(pipeline, dict) else "?"
    return f"augmented copies: {k} per clip, {originals} ({seen} augmented samples; pipeline {name})"


def format_distribution(counts: Counter[Any], show: Callable[[Any], str] = str, most: int = 6) -> str:
    """One value, or each value with its count (most common first), or a range when there are many values.

    Example:
        >>> from collections import Counter
        >>> from tempaug.shard.stats import format_distribution
        >>> format_distribution(Counter({16: 9})), format_distribution(Counter({16: 9, 8: 1}))
        ('16', '16 (9), 8 (1)')
        >>> format_distribution(Counter(range(10)), most=3)
        '0 .. 9 (10 values, median 4.5)'
    """
    if not counts:
        return "-"
    if len(counts) == 1:
        return show(next(iter(counts)))
    if len(counts) <= most:
        return ", ".join(f"{show(v)} ({n})" for v, n in counts.most_common())
    values = sorted(counts)
    if all(isinstance(v, (int, float)) for v in values):
        median = statistics.median(counts.elements())
        return f"{show(values[0])} .. {show(values[-1])} ({len(values)} values, median {median:g})"
    top = ", ".join(f"{show(v)} ({n})" for v, n in counts.most_common(most))
    return f"{top}, ... ({len(values) - most} more values)"


def _count(stats: DatasetStats, split: SplitStats, meta: dict[str, Any]) -> None:
    """Add one sample's json to the counts."""
    stats.samples_read += 1
    label, digits = meta.get("label"), meta.get("labels")
    if isinstance(label, int) and not isinstance(label, bool):
        split.labels[label] += 1
        stats.label_kind = "label"
    elif isinstance(digits, list) and all(isinstance(d, int) for d in digits):
        split.labels.update(digits)
        stats.label_kind = "digits" if stats.label_kind == "none" else stats.label_kind
    else:
        split.unlabelled += 1
    size = meta.get("size")
    if isinstance(size, list) and len(size) == 2:
        stats.sizes[(size[0], size[1])] += 1
    for counter, key in ((stats.lengths, "length"), (stats.channels, "channels"), (stats.formats, "format")):
        value = meta.get(key)
        if isinstance(value, Hashable) and value is not None:
            counter[value] += 1
    for counter, key in ((stats.crfs, "crf"), (stats.fps, "fps"), (stats.copies, "copy")):
        if isinstance(meta.get(key), (int, float)):
            counter[meta[key]] += 1


def _read_shard(stats: DatasetStats, split: SplitStats, path: Path) -> None:
    """Read the json member of every sample of one shard, skipping over the clip data."""
    try:
        with tarfile.open(path, "r:") as tar:
            for info in tar:
                if not (info.isreg() and info.name.endswith(".json")):
                    continue
                f = tar.extractfile(info)
                if info.size > MAX_JSON_BYTES or f is None:
                    stats.problems.append(f"{path.name}: {info.name}: {info.size} bytes, not read")
                    continue
                try:
                    meta = json.loads(f.read())
                except (UnicodeDecodeError, json.JSONDecodeError) as err:
                    stats.problems.append(f"{path.name}: {info.name}: not JSON ({err})")
                    continue
                if isinstance(meta, dict):
                    _count(stats, split, meta)
                else:
                    stats.problems.append(f"{path.name}: {info.name}: holds {type(meta).__name__}, not an object")
    except FileNotFoundError:
        stats.problems.append(f"{path.name}: missing; run verify")
    except (tarfile.TarError, OSError) as err:
        stats.problems.append(f"{path.name}: unreadable tar ({err}); run verify")


def inspect_dataset(folder: str | Path) -> DatasetStats:
    """Summarise a shard folder from its index and the json member of every sample; see the module docstring.

    Raises:
        InvalidInputError: ``folder`` holds no readable ``index.json``.

    Example:
        >>> import tempfile
        >>> from tempaug.shard import BuildConfig, build
        >>> from tempaug.shard.stats import inspect_dataset
        >>> out = tempfile.mkdtemp()
        >>> _ = build(BuildConfig(out=out, train=2, val=0, test=1, frames=3, canvas=28, workers=1, quiet=True))
        >>> stats = inspect_dataset(out)
        >>> [(s.name, s.samples, s.inputs) for s in stats.splits.values()], sum(stats.splits["train"].labels.values())
        ([('train', 2, 2), ('test', 1, 1)], 4)
    """
    folder = Path(folder)
    index = read_index(folder)
    stats = DatasetStats(str(folder), index)
    for name, progress in index.splits.items():
        mine = index.shards_of(name)
        stats.splits[name] = SplitStats(
            name,
            shards=len(mine),
            samples=sum(s.samples for s in mine),
            bytes=sum(s.bytes for s in mine),
            inputs=progress["inputs"],
            written=progress["written"],
            failed=progress["failed"],
        )
    for entry in index.shards:
        split = stats.splits.setdefault(entry.split, SplitStats(entry.split))
        if Path(entry.name).name != entry.name:
            stats.problems.append(f"index.json lists {entry.name!r}, which is not a file name in the folder")
            continue
        _read_shard(stats, split, folder / entry.name)
    return stats


def inspect_main(args: argparse.Namespace) -> int:
    """Run ``inspect FOLDER``: print :meth:`DatasetStats.lines`; returns 0.

    Example:
        >>> import argparse, tempfile
        >>> from tempaug.shard import BuildConfig, build
        >>> from tempaug.shard.stats import inspect_main
        >>> out = tempfile.mkdtemp()
        >>> _ = build(BuildConfig(out=out, train=1, val=0, test=0, frames=3, canvas=28, workers=1, quiet=True))
        >>> inspect_main(argparse.Namespace(folder=out))
        /...: tempaug shard dataset, build complete
        ...
        0
    """
    for line in inspect_dataset(args.folder).lines():
        print(line)
    return 0
