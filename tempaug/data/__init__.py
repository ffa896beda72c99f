"""Reading tempaug shards into training: a webdataset pipeline that decodes in DataLoader workers (never
unpickling), augments each clip there, batches, and augments whole batches on the training device.

Modules: ``info`` (what a dataset folder holds: splits, classes), ``sources`` (which shards: folder index, list, pattern), ``plan`` (who reads which shards; seeds;
batches per epoch), ``stages`` (reading tars, decoding, batching, skip counts), ``batch`` (``Batch`` and
collation), ``pipeline`` (the per-worker dataset), ``loader`` (``make_loader``).

Example:
    >>> from tempaug.data import Batch, make_loader
    >>> Batch._fields
    ('clips', 'labels', 'meta')
"""

from .batch import Batch, collate
from .info import DatasetInfo, dataset_info
from .loader import ShardLoader, make_loader
from .pipeline import ShardDataset
from .plan import ReadPlan
from .sources import Shard, resolve_shards

__all__ = [
    "Batch",
    "DatasetInfo",
    "ReadPlan",
    "Shard",
    "ShardDataset",
    "ShardLoader",
    "collate",
    "dataset_info",
    "make_loader",
    "resolve_shards",
]
