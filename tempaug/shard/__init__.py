"""Dataset building: ``python -m tempaug.shard build|verify|inspect|preview``.

Clips from Moving MNIST, a folder of videos or a manifest are written as WebDataset tar shards
(``{split}-{index:06d}.tar``) with an ``index.json`` manifest; builds are atomic, deterministic and resumable,
on a local process pool or on Ray. :mod:`tempaug.data` reads the shards back into training.

Example:
    >>> import tempfile
    >>> from tempaug.shard import BuildConfig, build
    >>> out = tempfile.mkdtemp()
    >>> build(BuildConfig(out=out, train=2, val=0, test=0, frames=3, canvas=28, workers=1, quiet=True)).shards
    1
"""

from ..io.shard_index import DatasetIndex, ShardEntry, read_index
from .build import BuildSummary, DatasetMismatchError, build
from .config import BuildConfig

__all__ = ["BuildConfig", "BuildSummary", "DatasetIndex", "DatasetMismatchError", "ShardEntry", "build", "read_index"]
