"""``index.json``, the manifest of a shard folder: the format lives in :mod:`tempaug.io.shard_index` (the data
readers use it too); its names are importable from here as well.

Example:
    >>> from tempaug.shard.index import read_index, shard_name
    >>> shard_name("train", 3)
    'train-000003.tar'
"""

from __future__ import annotations

from ..io.shard_index import (
    FAILURES_NAME,
    FORMAT,
    FORMAT_VERSION,
    INDEX_NAME,
    DatasetIndex,
    ShardEntry,
    read_index,
    shard_name,
    write_atomic,
)

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
