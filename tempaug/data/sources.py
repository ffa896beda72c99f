"""Resolving what to read into a list of shards: a dataset folder (its ``index.json``), tar paths or URLs, or a
brace pattern.

In a dataset folder only the shards that ``index.json`` lists count; other tar files beside them are ignored.
Local shards are checked to exist (and, from a folder, to have the size the index records) before any reading
starts, so a missing or cut-short file is reported at once rather than inside a DataLoader worker.

Example:
    >>> from tempaug.data.sources import resolve_shards
    >>> [s.url for s in resolve_shards("https://example.com/train-{000000..000001}.tar")]
    ['https://example.com/train-000000.tar', 'https://example.com/train-000001.tar']
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, Union

from ..core.errors import DTypeError, InvalidArgumentError, InvalidInputError
from ..io.shard_index import INDEX_NAME  # the file that lists a dataset folder's shards

__all__ = ["INDEX_NAME", "Shard", "ShardSource", "resolve_shards"]

#: What :func:`resolve_shards` accepts: a folder, a path, a URL or brace pattern, or a list of paths or URLs.
ShardSource = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class Shard(NamedTuple):
    """One tar shard: where to read it and how many samples it holds (None when no index says).

    Example:
        >>> from tempaug.data.sources import Shard
        >>> Shard("shards/train-000000.tar", 512).samples
        512
    """

    url: str
    samples: int | None = None


def _is_remote(url: str) -> bool:
    """True for ``scheme:...`` addresses (http, s3, pipe, file...), whose existence cannot be checked here."""
    return bool(_SCHEME.match(url))


def _check_local(urls: list[str], what: str) -> None:
    for url in urls:
        if not _is_remote(url) and not os.path.isfile(url):
            raise InvalidInputError(f"make_loader: shard {url!r} from {what} does not exist")


def _read_index(folder: Path) -> dict[str, Any]:
    path = folder / INDEX_NAME
    if not path.is_file():
        raise InvalidInputError(
            f"make_loader: {str(folder)!r} holds no {INDEX_NAME}, so it is not a tempaug shard folder (or its build "
            "never started); pass a list of .tar paths or a brace pattern to read tars without an index"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidInputError(f"make_loader: {str(path)!r} is not valid JSON ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("shards"), list):
        raise InvalidInputError(f'make_loader: {str(path)!r} holds no "shards" list')
    return data


def _index_entry(entry: Any, i: int, path: Path) -> tuple[str, str, int, int | None]:
    """``(name, split, samples, bytes)`` of one index entry, checked."""
    if not isinstance(entry, dict):
        raise InvalidInputError(f"make_loader: {str(path)!r}: shards[{i}] is not an object")
    name, split, samples, size = entry.get("name"), entry.get("split"), entry.get("samples"), entry.get("bytes")
    if not isinstance(name, str) or not isinstance(split, str):
        raise InvalidInputError(f'make_loader: {str(path)!r}: shards[{i}] needs string "name" and "split"')
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise InvalidInputError(
            f"make_loader: {str(path)!r}: shards[{i}] name {name!r} is not a path inside the folder"
        )
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 0:
        raise InvalidInputError(f"make_loader: {str(path)!r}: shards[{i}] ({name}) has no sample count >= 0")
    return name, split, samples, size if isinstance(size, int) and not isinstance(size, bool) else None


def _folder_shards(folder: Path, split: str | None, allow_incomplete: bool, check_sizes: bool) -> list[Shard]:
    data = _read_index(folder)
    path = folder / INDEX_NAME
    if data.get("complete") is not True and not allow_incomplete:
        raise InvalidInputError(
            f"make_loader: {str(path)!r} does not mark the dataset complete (its build is running or stopped early); "
            "pass allow_incomplete=True to read the shards it lists so far"
        )
    entries = [_index_entry(e, i, path) for i, e in enumerate(data["shards"])]
    if split is not None:
        chosen = [e for e in entries if e[1] == split]
        if not chosen:
            present = sorted({e[1] for e in entries})
            raise InvalidArgumentError(
                f"make_loader: split={split!r} has no shards in {str(path)!r}; its splits are {present} "
                "(split=None reads them all)",
                "split",
            )
    else:
        chosen = entries
        if not chosen:
            raise InvalidInputError(f"make_loader: {str(path)!r} lists no shards")
    shards = []
    for name, _, samples, size in chosen:
        url = str(folder / name)
        if not os.path.isfile(url):
            raise InvalidInputError(f"make_loader: shard {url!r} listed in {str(path)!r} does not exist")
        if check_sizes and size is not None and os.path.getsize(url) != size:
            raise InvalidInputError(
                f"make_loader: shard {url!r} holds {os.path.getsize(url)} bytes, {INDEX_NAME} says {size}: the file "
                "is cut short or was replaced (on_error='skip' reads what can be read)"
            )
        shards.append(Shard(url, samples))
    return shards


def resolve_shards(
    source: ShardSource,
    split: str | None = "train",
    *,
    allow_incomplete: bool = False,
    check_sizes: bool = True,
) -> list[Shard]:
    """The shards ``source`` names, in order.

    Args:
        source: a dataset folder (read through its ``index.json``); a tar path or URL; a brace pattern such as
            ``"shards/train-{000000..000009}.tar"``; or a list of tar paths or URLs.
        split: for a folder, the split whose shards to read (``None``: every split); ignored for other sources.
        allow_incomplete: read a folder whose ``index.json`` does not say ``"complete": true``.
        check_sizes: for a folder, compare each shard's size with the index's ``"bytes"``.

    Raises:
        InvalidInputError: a missing folder or shard, a folder without a readable ``index.json``, a size mismatch.
        InvalidArgumentError: a split with no shards, an empty list.
        DTypeError: a source of another type.

    Example:
        >>> from tempaug.data.sources import resolve_shards
        >>> resolve_shards(["s3://bucket/a.tar", "s3://bucket/b.tar"])[1]
        Shard(url='s3://bucket/b.tar', samples=None)
        >>> resolve_shards("/no/such/folder")
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidInputError: make_loader: '/no/such/folder' is no folder, file, URL or brace pattern
    """
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if not isinstance(text, str):
            raise DTypeError(f"make_loader: source must be a str path, got {type(text).__name__}")
        if not _is_remote(text) and os.path.isdir(text):
            return _folder_shards(Path(text), split, allow_incomplete, check_sizes)
        if "{" in text or "::" in text:
            from webdataset.shardlists import expand_urls

            urls = list(expand_urls(text))
            _check_local(urls, f"pattern {text!r}")
            return [Shard(u) for u in urls]
        if not _is_remote(text) and not os.path.isfile(text):
            raise InvalidInputError(f"make_loader: {text!r} is no folder, file, URL or brace pattern")
        return [Shard(text)]
    if isinstance(source, Sequence):
        if not source:
            raise InvalidArgumentError("make_loader: source is an empty list of shards", "source")
        urls = []
        for item in source:
            if not isinstance(item, (str, os.PathLike)):
                raise DTypeError(f"make_loader: a list source holds paths or URLs, got a {type(item).__name__}")
            urls.append(os.fspath(item))
        _check_local(urls, "the list")
        return [Shard(u) for u in urls]
    raise DTypeError(
        f"make_loader: source must be a folder, a path, a URL, a brace pattern or a list of them, "
        f"got {type(source).__name__}"
    )
