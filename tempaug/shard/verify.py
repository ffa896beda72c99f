"""``python -m tempaug.shard verify``: check a shard folder against its ``index.json``, byte for byte and sample by sample.

Every shard the index lists is read once, as a stream: its bytes are counted and hashed against the index, and
its tar is walked with :mod:`tarfile` in streaming mode (``"r|"``), so a file that stops early is noticed rather
than skipped. Members are grouped into records by key and each record is decoded with
:func:`~tempaug.io.records.decode_record` (which never unpickles), and its clip checked against its json.

Example:
    >>> import tempfile
    >>> from tempaug.shard import BuildConfig, build
    >>> from tempaug.shard.verify import verify
    >>> out = tempfile.mkdtemp()
    >>> _ = build(BuildConfig(out=out, train=2, val=1, test=0, frames=3, canvas=28, workers=1, quiet=True))
    >>> report = verify(out)
    >>> report.ok, report.samples, [s.status for s in report.shards]
    (True, 3, ['ok', 'ok'])
"""

from __future__ import annotations

import argparse
import hashlib
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import torch

from ..core.progress import format_bytes
from ..io.encode import save_npy
from ..io.records import FORMATS, RecordError, decode_record, split_name
from ..io.shard_index import ShardEntry, read_index

__all__ = ["Problem", "ShardReport", "VerifyReport", "check_shard", "verify", "verify_main"]

_BLOCK = 512
_STATUS_ORDER = ("ok", "corrupt", "truncated", "missing")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``kind`` is missing, truncated, corrupt, sample (an unreadable record) or index."""

    kind: str
    message: str
    shard: str | None = None
    key: str | None = None

    def line(self) -> str:
        """The problem as one line of the report.

        Example:
            >>> from tempaug.shard.verify import Problem
            >>> Problem("sample", "json member is not JSON", "a.tar", "k").line()
            'a.tar: sample k: json member is not JSON'
        """
        where = f"{self.shard}: " if self.shard else ""
        return f"{where}sample {self.key}: {self.message}" if self.key else f"{where}{self.message}"


@dataclass
class ShardReport:
    """What :func:`check_shard` found in one shard: status ok, missing, truncated or corrupt, and why.

    Attributes:
        samples: complete records read from the tar (decoded or not).
        bytes: the file's size (0 when missing).
    """

    name: str
    split: str
    status: str = "ok"
    samples: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)

    def flag(self, kind: str, message: str, key: str | None = None) -> None:
        """Record a problem; the status becomes the worst kind seen (missing > truncated > corrupt > ok).

        Example:
            >>> from tempaug.shard.verify import ShardReport
            >>> r = ShardReport("a.tar", "train"); r.flag("sample", "bad json", key="k"); r.status
            'corrupt'
        """
        self.problems.append(Problem(kind, message, self.name, key))
        status = "corrupt" if kind == "sample" else kind
        if _STATUS_ORDER.index(status) > _STATUS_ORDER.index(self.status):
            self.status = status

    def line(self) -> str:
        """The shard's progress line: name, status, samples and size.

        Example:
            >>> from tempaug.shard.verify import ShardReport
            >>> ShardReport("train-000000.tar", "train", "ok", 3, 20480).line()
            'train-000000.tar: ok, 3 samples, 20.0 KiB'
        """
        if self.status == "missing":
            return f"{self.name}: MISSING"
        status = "ok" if self.status == "ok" else self.status.upper()
        return f"{self.name}: {status}, {_plural(self.samples, 'sample')}, {format_bytes(self.bytes)}"


@dataclass
class VerifyReport:
    """The result of :func:`verify`.

    Attributes:
        complete: whether ``index.json`` says the build finished.
        index_problems: problems of the index itself (an unfinished build, bad or repeated shard names).
        not_in_index: files named like shards (``*.tar``) that the index does not list; they are not part of the
            dataset and do not make the check fail.
    """

    folder: str
    complete: bool
    shards: list[ShardReport] = field(default_factory=list)
    index_problems: list[Problem] = field(default_factory=list)
    not_in_index: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """Every problem found: the index's, then each shard's in index order."""
        return [*self.index_problems, *(p for s in self.shards for p in s.problems)]

    @property
    def ok(self) -> bool:
        """True when every listed shard is intact, every sample decodes and the build is complete."""
        return not self.problems

    @property
    def samples(self) -> int:
        """Complete records read over all shards."""
        return sum(s.samples for s in self.shards)

    def count(self, status: str) -> int:
        """Shards with ``status`` (ok, missing, truncated or corrupt)."""
        return sum(s.status == status for s in self.shards)

    def summary(self) -> str:
        """One line: shards by status, samples read and unreadable, files not in the index, completeness.

        Example:
            >>> from tempaug.shard.verify import ShardReport, VerifyReport
            >>> VerifyReport("d", True, [ShardReport("a.tar", "train", "ok", 3, 10240)]).summary()
            'd: ok: 1 shard, 3 samples, 10.0 KiB checked; build complete'
        """
        size = format_bytes(sum(s.bytes for s in self.shards))
        state = "build complete" if self.complete else "build NOT complete"
        extra = f"; {_plural(len(self.not_in_index), 'file')} not in index (ignored)" if self.not_in_index else ""
        shards, samples = _plural(len(self.shards), "shard"), _plural(self.samples, "sample")
        if self.ok:
            return f"{self.folder}: ok: {shards}, {samples}, {size} checked{extra}; {state}"
        by_status = ", ".join(f"{self.count(s)} {s}" for s in _STATUS_ORDER if self.count(s))
        bad = len({(p.shard, p.key) for p in self.problems if p.kind == "sample"})
        return (
            f"{self.folder}: FAILED: {shards} ({by_status or 'none'}), {samples} read, {bad} unreadable{extra}; {state}"
        )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _HashingReader:
    """A read-only file wrapper that hashes every byte read through it."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self.digest.update(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


@lru_cache(maxsize=1)
def _stub_clip() -> bytes:
    data = save_npy(torch.zeros(1, 1, 1, 1, dtype=torch.uint8), None)
    assert isinstance(data, bytes)
    return data


def _check_record(report: ShardReport, key: str, members: dict[str, bytes], decode: bool) -> None:
    """Decode one record and compare its clip, key and label with its json; flag what does not match.

    With ``decode=False`` the clip member is swapped for a one-pixel stub, so every rule of
    :func:`decode_record` but the clip's own decoding is still applied.
    """
    clips = [ext for ext in FORMATS if ext in members]
    if not decode and len(clips) == 1:
        members = {**{k: v for k, v in members.items() if k != clips[0]}, "npy": _stub_clip()}
    try:
        record = decode_record(members, key=key)
    except RecordError as err:
        report.flag("sample", str(err).removeprefix(f"record {key!r}: "), key)
        return
    meta = record.meta
    if meta.get("key", key) != key:
        report.flag("sample", f"json names key {meta['key']!r}", key)
    label = meta.get("label")
    expected = label if isinstance(label, int) and not isinstance(label, bool) else -1
    if record.label != expected:
        report.flag("sample", f"cls member says {record.label}, json label says {label!r}", key)
    size, length, channels = meta.get("size"), meta.get("length"), meta.get("channels")
    if decode and isinstance(size, list) and len(size) == 2:
        want = (length, channels, *size)
        if tuple(record.clip.shape) != want:
            report.flag("sample", f"clip has shape {tuple(record.clip.shape)}, json says {want}", key)


def _records(tar: tarfile.TarFile, report: ShardReport, limit: int) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Group the tar's members into records (consecutive members sharing a key)."""
    key: str | None = None
    members: dict[str, bytes] = {}
    seen: set[str] = set()
    for info in tar:
        name_key, ext = split_name(info.name)
        if name_key != key:
            if key is not None:
                yield key, members
            if name_key in seen:
                report.flag("sample", "its members are not consecutive or the key repeats", name_key)
            key, members = name_key, {}
            seen.add(name_key)
        if not info.isreg():
            report.flag("sample", f"member {info.name!r} is not a regular file", name_key)
            continue
        if info.size > limit:
            report.flag("sample", f"member {info.name!r} claims {info.size} bytes, more than the file", name_key)
            continue
        if ext in members:
            report.flag("sample", f"member {info.name!r} appears twice", name_key)
        f = tar.extractfile(info)
        assert f is not None
        members[ext] = f.read()
    if key is not None:
        yield key, members


def _has_end_marker(path: Path, offset: int) -> bool:
    """Whether the two zero blocks that end a tar follow the last member."""
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(2 * _BLOCK) == bytes(2 * _BLOCK)


def check_shard(path: str | Path, entry: ShardEntry, decode: bool = True) -> ShardReport:
    """Check one shard against its index entry: size, sha256, tar structure, sample count and every record.

    Args:
        path: the shard file.
        entry: its entry in ``index.json``.
        decode: decode every clip (False checks members, json and labels only).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.shard.index import ShardEntry
        >>> from tempaug.shard.verify import check_shard
        >>> check_shard(Path(tempfile.mkdtemp()) / "a.tar", ShardEntry("a.tar", "train", 1, 10240, "0" * 64, 0, 0)).line()
        'a.tar: MISSING'
    """
    path = Path(path)
    report = ShardReport(entry.name, entry.split)
    if not path.is_file():
        report.flag("missing", "listed in index.json but not in the folder")
        return report
    report.bytes = path.stat().st_size
    if report.bytes < entry.bytes:
        report.flag("truncated", f"{report.bytes} of the {entry.bytes} bytes index.json lists")
    elif report.bytes > entry.bytes:
        report.flag("corrupt", f"{report.bytes} bytes, index.json lists {entry.bytes}")
    with open(path, "rb") as raw:
        reader = _HashingReader(raw)
        end = None
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for key, members in _records(tar, report, report.bytes):
                    report.samples += 1
                    _check_record(report, key, members, decode)
                end = tar.offset
        except tarfile.TarError as err:
            after = f"after {_plural(report.samples, 'complete sample')}"
            if "unexpected end" in str(err):
                report.flag("truncated", f"tar ends early, {after} ({err})")
            else:
                report.flag("corrupt", f"unreadable tar {after}: {err}")
        reader.drain()
    if end is not None and not _has_end_marker(path, end):
        report.flag("truncated", f"tar ends early: no end-of-archive blocks after byte {end}")
    if report.bytes == entry.bytes and reader.digest.hexdigest() != entry.sha256:
        report.flag(
            "corrupt",
            f"sha256 {reader.digest.hexdigest()[:16]}... differs from index.json's {entry.sha256[:16]}...: "
            "the bytes changed since the build wrote them",
        )
    if report.samples != entry.samples and report.status in ("ok", "corrupt"):
        report.flag("corrupt", f"{_plural(report.samples, 'sample')}, index.json lists {entry.samples}")
    return report


def verify(
    folder: str | Path, decode: bool = True, on_shard: Callable[[ShardReport], None] | None = None
) -> VerifyReport:
    """Check every shard ``folder/index.json`` lists, and the index itself; see the module docstring.

    Args:
        folder: a shard folder.
        decode: decode every clip (False checks hashes, tars, members and json only: much faster).
        on_shard: called with each shard's report as soon as it is checked (progress).

    Raises:
        InvalidInputError: ``folder`` holds no readable ``index.json``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.shard import BuildConfig, build
        >>> from tempaug.shard.verify import verify
        >>> out = Path(tempfile.mkdtemp())
        >>> _ = build(BuildConfig(out=out, train=1, val=0, test=0, frames=3, canvas=28, workers=1, quiet=True))
        >>> (out / "train-000000.tar").unlink(); _ = (out / "extra.tar").write_bytes(b"")
        >>> report = verify(out)
        >>> report.ok, report.count("missing"), report.not_in_index
        (False, 1, ['extra.tar'])
    """
    folder = Path(folder)
    index = read_index(folder)
    report = VerifyReport(str(folder), index.complete)
    if not index.complete:
        done = ", ".join(f"{name} {s['tasks_done']}/{s['tasks']} tasks" for name, s in index.splits.items())
        report.index_problems.append(
            Problem("index", f"index.json says the build is not complete ({done}); run its command again to finish")
        )
    listed: set[str] = set()
    for entry in index.shards:
        if Path(entry.name).name != entry.name or entry.name in ("", ".", "..") or entry.name in listed:
            why = "is listed twice" if entry.name in listed else "is not a file name in the folder"
            report.index_problems.append(Problem("index", f"index.json shard {entry.name!r} {why}"))
            continue
        listed.add(entry.name)
        shard = check_shard(folder / entry.name, entry, decode=decode)
        report.shards.append(shard)
        if on_shard is not None:
            on_shard(shard)
    report.not_in_index = sorted(p.name for p in folder.glob("*.tar") if p.name not in listed)
    return report


def verify_main(args: argparse.Namespace) -> int:
    """Run ``verify FOLDER [--quiet]``: a line per shard (only failing ones with ``--quiet``), then a summary.

    Returns:
        0 when everything checks out, 1 when anything is wrong.

    Example:
        >>> import argparse, tempfile
        >>> from tempaug.shard import BuildConfig, build
        >>> from tempaug.shard.verify import verify_main
        >>> out = tempfile.mkdtemp()
        >>> _ = build(BuildConfig(out=out, train=1, val=0, test=0, frames=3, canvas=28, workers=1, quiet=True))
        >>> verify_main(argparse.Namespace(folder=out, quiet=True))
        /...: ok: 1 shard, 1 sample, 10.0 KiB checked; build complete
        0
    """

    def show(shard: ShardReport) -> None:
        if shard.problems or not args.quiet:
            print(shard.line(), flush=True)
        for problem in shard.problems:
            print(f"  {problem.line().removeprefix(shard.name + ': ')}", flush=True)

    report = verify(args.folder, on_shard=show)
    for problem in report.index_problems:
        print(problem.line())
    for name in report.not_in_index:
        print(f"{name}: not in index (not part of the dataset; ignored)")
    print(report.summary())
    return 0 if report.ok else 1
