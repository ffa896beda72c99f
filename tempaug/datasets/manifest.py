"""Manifests: CSV or JSON Lines files listing video paths, labels and any other columns.

A manifest needs a ``path`` column; ``label`` is optional; every other column is kept as metadata. Relative
paths are taken from the manifest's own folder. Errors name the file and the line at fault.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tempaug.datasets.manifest import read_manifest
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "clips.csv").write_text("path,label,split\\na.mp4,3,train\\nb.mp4,,test\\n")
    >>> entries = read_manifest(folder / "clips.csv")
    >>> [(e.path.name, e.label, e.meta) for e in entries]
    [('a.mp4', 3, {'split': 'train'}), ('b.mp4', None, {'split': 'test'})]
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InvalidArgumentError, InvalidInputError

__all__ = ["ManifestDataset", "ManifestEntry", "ManifestError", "read_manifest"]


class ManifestError(InvalidInputError):
    """A manifest line is malformed, lacks a path, or holds a bad label; the message names the file and line.

    Attributes:
        file: the manifest.
        line: 1-based line number at fault (the header is line 1 of a CSV), or None for the whole file.
    """

    def __init__(self, file: Path, line: int | None, reason: str) -> None:
        where = f"{file}" if line is None else f"{file}, line {line}"
        super().__init__(f"read_manifest: {where}: {reason}")
        self.file, self.line = file, line


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest item: where the video is, its label (a class index, or None), and the other columns.

    Example:
        >>> from pathlib import Path
        >>> from tempaug.datasets.manifest import ManifestEntry
        >>> ManifestEntry(Path("/data/a.mp4"), 2, {"fps": "30"}).label
        2
    """

    path: Path
    label: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    line: int = 0


def _label(value: Any, classes: dict[str, int] | None, file: Path, line: int) -> int | None:
    if value is None or value == "":
        return None
    if classes is not None and isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        if value not in classes:
            raise ManifestError(file, line, f"label {value!r} is not one of the {len(classes)} classes given")
        return classes[value]
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ManifestError(file, line, f"label must be a class index (an int >= 0), got {value!r}")
    try:
        number = int(value.strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        hint = "" if classes is not None else " (pass classes= to map names to indices)"
        raise ManifestError(file, line, f"label must be a class index (an int >= 0), got {value!r}{hint}") from None
    if number < 0:
        raise ManifestError(file, line, f"label must be a class index (an int >= 0), got {value!r}")
    return number


def _entry(row: dict[str, Any], file: Path, line: int, classes: dict[str, int] | None) -> ManifestEntry:
    if "path" not in row:
        raise ManifestError(file, line, "no 'path' column")
    raw = row["path"]
    if not isinstance(raw, str) or not raw.strip():
        raise ManifestError(file, line, f"'path' must be a non-empty string, got {raw!r}")
    path = Path(os.path.expanduser(raw.strip()))
    if not path.is_absolute():
        path = file.absolute().parent / path
    meta = {k: v for k, v in row.items() if k not in ("path", "label")}
    return ManifestEntry(path, _label(row.get("label"), classes, file, line), meta, line)


def _read_csv(file: Path, classes: dict[str, int] | None) -> list[ManifestEntry]:
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise ManifestError(file, None, "empty file: expected a header with a 'path' column")
        header = [h.strip() for h in header]
        if "path" not in header:
            raise ManifestError(file, 1, f"the header {header} has no 'path' column")
        if len(set(header)) != len(header):
            raise ManifestError(file, 1, f"the header {header} repeats a column name")
        entries = []
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ManifestError(file, line, f"malformed line: {len(row)} fields for {len(header)} columns")
            entries.append(_entry(dict(zip(header, row, strict=True)), file, line, classes))
    return entries


def _read_jsonl(file: Path, classes: dict[str, int] | None) -> list[ManifestEntry]:
    entries = []
    with open(file, encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as err:
                raise ManifestError(file, line, f"malformed line: not JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise ManifestError(file, line, f"malformed line: expected a JSON object, got {type(row).__name__}")
            entries.append(_entry(row, file, line, classes))
    return entries


def read_manifest(path: str | os.PathLike[str], classes: Sequence[str] | None = None) -> list[ManifestEntry]:
    """Read a ``.csv`` or ``.jsonl`` (``.ndjson``) manifest into entries, in file order.

    Args:
        path: the manifest; its suffix picks the format.
        classes: class names, in index order; when given, a label that is a name is mapped to its index.

    Raises:
        InvalidArgumentError: the suffix is neither CSV nor JSON Lines.
        FileNotFoundError: the manifest does not exist.
        ManifestError: a line is malformed, lacks a path, or holds a bad label (names the file and line).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.datasets.manifest import read_manifest
        >>> file = Path(tempfile.mkdtemp()) / "m.jsonl"
        >>> _ = file.write_text('{"path": "/v/a.mp4", "label": "dog", "fps": 25}\\n')
        >>> entry = read_manifest(file, classes=["cat", "dog"])[0]
        >>> str(entry.path), entry.label, entry.meta
        ('/v/a.mp4', 1, {'fps': 25})
    """
    file = Path(path)
    lookup = None if classes is None else {name: i for i, name in enumerate(classes)}
    suffix = file.suffix.lower()
    if suffix == ".csv":
        return _read_csv(file, lookup)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(file, lookup)
    raise InvalidArgumentError(f"read_manifest: {file} must end in .csv, .jsonl or .ndjson, got {suffix!r}", "path")


class ManifestDataset:
    """The entries of a manifest as ``(path, label)`` items, or ``(loader(path), label)`` with a ``loader``.

    Args:
        path: a manifest :func:`read_manifest` reads.
        loader: optional callable turning a path into a clip.
        classes: class names, passed to :func:`read_manifest`.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.datasets.manifest import ManifestDataset
        >>> file = Path(tempfile.mkdtemp()) / "m.csv"
        >>> _ = file.write_text("path,label\\nx.npy,1\\n")
        >>> ds = ManifestDataset(file, loader=lambda p: p.name)
        >>> len(ds), ds[0]
        (1, ('x.npy', 1))
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        loader: Callable[[Path], Any] | None = None,
        classes: Sequence[str] | None = None,
    ) -> None:
        self.entries = read_manifest(path, classes=classes)
        self.loader = loader

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> tuple[Any, int | None]:
        entry = self.entries[index]
        return (self.loader(entry.path) if self.loader is not None else entry.path), entry.label
