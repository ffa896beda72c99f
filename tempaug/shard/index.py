"""``index.json``: the manifest of a shard folder. Only the shards it lists count as written.

The index records the build's identity (options, tempaug version, source fingerprint), the exact command, one
entry per finished shard (name, split, samples, bytes, sha256, task, part), per-split progress and totals.
It is rewritten atomically after every finished task, so after a crash it describes exactly what is on disk.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tempaug.shard.index import ShardEntry, DatasetIndex, read_index
    >>> folder = Path(tempfile.mkdtemp())
    >>> index = DatasetIndex(command="python -m tempaug.shard build", identity={"seed": 0})
    >>> index.add_split("train", inputs=3, tasks=1)
    >>> index.shards.append(ShardEntry("train-000000.tar", "train", 3, 10240, "ab" * 32, 0, 0))
    >>> index.write(folder)
    >>> again = read_index(folder)
    >>> again.shards[0].name, again.totals()["samples"]
    ('train-000000.tar', 3)
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInputError

__all__ = [
    "FAILURES_NAME",
    "FORMAT",
    "FORMAT_VERSION",
    "INDEX_NAME",
    "DatasetIndex",
    "ShardEntry",
    "read_index",
    "shard_name",
    "write_atomic",
]

INDEX_NAME = "index.json"
FAILURES_NAME = "failures.jsonl"
FORMAT = "tempaug.shards"
FORMAT_VERSION = 1


def shard_name(split: str, index: int) -> str:
    """The file name of shard ``index`` of ``split``.

    Example:
        >>> from tempaug.shard.index import shard_name
        >>> shard_name("val", 12)
        'val-000012.tar'
    """
    return f"{split}-{index:06d}.tar"


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary name beside ``path``, flush it to disk and rename it over ``path``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.shard.index import write_atomic
        >>> p = Path(tempfile.mkdtemp()) / "f.txt"; write_atomic(p, b"hi"); p.read_bytes()
        b'hi'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class ShardEntry:
    """One finished shard: file name, split, samples, bytes, sha256, and the task and part that wrote it."""

    name: str
    split: str
    samples: int
    bytes: int
    sha256: str
    task: int
    part: int


@dataclass
class DatasetIndex:
    """The contents of ``index.json``; see the module docstring.

    Attributes:
        splits: per split, ``inputs``, ``tasks`` (planned), ``tasks_done``, ``written`` and ``failed`` inputs.
        classes: class names of a folder source (index = label), or None.
    """

    command: str = ""
    identity: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    fingerprint: str = ""
    complete: bool = False
    splits: dict[str, dict[str, int]] = field(default_factory=dict)
    shards: list[ShardEntry] = field(default_factory=list)
    classes: list[str] | None = None

    def add_split(self, split: str, inputs: int, tasks: int) -> None:
        """Register a split with its input and task counts and no progress yet."""
        self.splits[split] = {"inputs": inputs, "tasks": tasks, "tasks_done": 0, "written": 0, "failed": 0}

    def shards_of(self, split: str) -> list[ShardEntry]:
        """The finished shards of ``split``, in order."""
        return [s for s in self.shards if s.split == split]

    def ordered_shards(self) -> list[ShardEntry]:
        """The shards by split (in split order), then by name: the same order whatever finished first."""
        order = {name: i for i, name in enumerate(self.splits)}
        return sorted(self.shards, key=lambda s: (order.get(s.split, len(order)), s.name))

    def totals(self) -> dict[str, int]:
        """Dataset totals: inputs, written and failed inputs, samples, shards and bytes.

        Example:
            >>> from tempaug.shard.index import DatasetIndex
            >>> DatasetIndex().totals()
            {'inputs': 0, 'written': 0, 'failed': 0, 'samples': 0, 'shards': 0, 'bytes': 0}
        """
        return {
            "inputs": sum(s["inputs"] for s in self.splits.values()),
            "written": sum(s["written"] for s in self.splits.values()),
            "failed": sum(s["failed"] for s in self.splits.values()),
            "samples": sum(s.samples for s in self.shards),
            "shards": len(self.shards),
            "bytes": sum(s.bytes for s in self.shards),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to ``index.json``."""
        per_split = {}
        for name, progress in self.splits.items():
            mine = self.shards_of(name)
            per_split[name] = {
                **progress,
                "samples": sum(s.samples for s in mine),
                "shards": len(mine),
                "bytes": sum(s.bytes for s in mine),
            }
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tempaug_version": self.version,
            "command": self.command,
            "complete": self.complete,
            "identity": self.identity,
            "fingerprint": self.fingerprint,
            "classes": self.classes,
            "totals": self.totals(),
            "splits": per_split,
            "shards": [dataclasses.asdict(s) for s in self.ordered_shards()],
        }

    def write(self, folder: str | os.PathLike[str]) -> None:
        """Write ``folder/index.json`` atomically."""
        text = json.dumps(self.to_dict(), indent=1, sort_keys=False) + "\n"
        write_atomic(Path(folder) / INDEX_NAME, text.encode())


def read_index(folder: str | os.PathLike[str]) -> DatasetIndex:
    """Read ``folder/index.json``.

    Raises:
        InvalidInputError: no index, or one that is not a tempaug shard index (names the file and the fault).

    Example:
        >>> import tempfile
        >>> from tempaug.shard.index import read_index
        >>> read_index(tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidInputError: ... holds no index.json: not a tempaug shard folder, or one whose build never started
    """
    path = Path(folder) / INDEX_NAME
    if not path.is_file():
        raise InvalidInputError(
            f"{Path(folder)} holds no {INDEX_NAME}: not a tempaug shard folder, or one whose build never started"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidInputError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInputError(f'{path}: not a tempaug shard index (no "format": "{FORMAT}")')
    if data.get("format_version") != FORMAT_VERSION:
        raise InvalidInputError(
            f"{path}: format_version {data.get('format_version')!r}, this tempaug reads {FORMAT_VERSION}"
        )
    try:
        shards = [ShardEntry(**entry) for entry in data["shards"]]
        splits = {
            name: {k: int(v[k]) for k in ("inputs", "tasks", "tasks_done", "written", "failed")}
            for name, v in data["splits"].items()
        }
        return DatasetIndex(
            command=data["command"],
            identity=data["identity"],
            version=data["tempaug_version"],
            fingerprint=data["fingerprint"],
            complete=bool(data["complete"]),
            splits=splits,
            shards=shards,
            classes=data.get("classes"),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidInputError(f"{path}: malformed shard index ({type(err).__name__}: {err})") from None
