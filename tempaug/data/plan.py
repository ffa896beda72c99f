"""Who reads what: the settings every DataLoader worker shares, the seeds derived from them, and the shards or
sample count that fall to one worker of one rank in one epoch.

The main process uses the same functions to count an epoch's batches, so ``len(loader)`` is what the workers
deliver. Shards are shuffled in one order for all ranks and workers (seeded by ``seed`` and the epoch), then
dealt out like webdataset's ``split_by_node`` and ``split_by_worker``: rank ``r`` of ``w`` takes every
``w``-th shard from the ``r``-th on, and each DataLoader worker likewise takes its share of those.

Example:
    >>> from tempaug.data.plan import ReadPlan, batches_per_epoch, worker_shards
    >>> from tempaug.data.sources import Shard
    >>> plan = ReadPlan(shards=tuple(Shard(f"s{i}.tar", 10) for i in range(6)), batch_size=4, rank=1, world_size=2)
    >>> [s.url for s in worker_shards(plan, epoch=0, worker=0, num_workers=1)]
    ['s1.tar', 's3.tar', 's5.tar']
    >>> batches_per_epoch(plan, epoch=0, num_workers=1)
    8
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .sources import Shard

__all__ = ["ReadPlan", "batches_per_epoch", "derive_seed", "worker_samples", "worker_shards"]


@dataclass(frozen=True)
class ReadPlan:
    """Everything a worker needs to read its part of an epoch; see :func:`tempaug.data.make_loader`.

    Example:
        >>> from tempaug.data.plan import ReadPlan
        >>> from tempaug.data.sources import Shard
        >>> ReadPlan(shards=(Shard("a.tar", 8),), batch_size=4).on_error
        'raise'
    """

    shards: tuple[Shard, ...]
    batch_size: int = 32
    shuffle: int = 0
    shuffle_shards: bool = False
    resampled: bool = False
    epoch_length: int | None = None
    seed: int = 0
    rank: int = 0
    world_size: int = 1
    on_error: str = "raise"
    drop_last: bool = False
    transform: Callable[[Any], Any] | None = None
    decode_backend: str = "decord"


def derive_seed(*parts: int | str) -> int:
    """A 63-bit seed determined by ``parts`` alone (the same in every process and Python run).

    Example:
        >>> from tempaug.data.plan import derive_seed
        >>> derive_seed(0, 1, "samples") == derive_seed(0, 1, "samples") != derive_seed(0, 2, "samples")
        True
    """
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def worker_shards(plan: ReadPlan, epoch: int, worker: int, num_workers: int) -> list[Shard]:
    """The shards that DataLoader worker ``worker`` of ``plan.rank`` reads in ``epoch``, in reading order.

    Example:
        >>> from tempaug.data.plan import ReadPlan, worker_shards
        >>> from tempaug.data.sources import Shard
        >>> plan = ReadPlan(shards=tuple(Shard(f"s{i}.tar") for i in range(4)), shuffle_shards=True, seed=3)
        >>> a = worker_shards(plan, 0, 0, 2) + worker_shards(plan, 0, 1, 2)
        >>> sorted(s.url for s in a), a == worker_shards(plan, 0, 0, 2) + worker_shards(plan, 0, 1, 2)
        (['s0.tar', 's1.tar', 's2.tar', 's3.tar'], True)
    """
    from webdataset import SimpleShardList

    seed = derive_seed(plan.seed, epoch, "shards") if plan.shuffle_shards else None
    by_url = {s.url: s for s in plan.shards}
    ordered = (by_url[item["url"]] for item in SimpleShardList([s.url for s in plan.shards], seed=seed))
    mine = islice(ordered, plan.rank, None, plan.world_size)
    return list(islice(mine, worker, None, num_workers))


def worker_samples(plan: ReadPlan, worker: int, num_workers: int) -> int:
    """With ``plan.resampled``, the samples worker ``worker`` delivers per epoch: its share of ``epoch_length``.

    Example:
        >>> from tempaug.data.plan import ReadPlan, worker_samples
        >>> plan = ReadPlan(shards=(), resampled=True, epoch_length=10)
        >>> [worker_samples(plan, w, 3) for w in range(3)]
        [4, 3, 3]
    """
    length = plan.epoch_length or 0
    return length // num_workers + (worker < length % num_workers)


def _batches(samples: int, plan: ReadPlan) -> int:
    return samples // plan.batch_size if plan.drop_last else -(-samples // plan.batch_size)


def batches_per_epoch(plan: ReadPlan, epoch: int, num_workers: int) -> int | None:
    """The batches one rank gets in ``epoch``, or None when a shard's sample count is unknown.

    Every worker batches its own samples, so each may end with a short batch (dropped with ``drop_last``).
    Samples skipped under ``on_error="skip"`` can make an epoch shorter than this.

    Example:
        >>> from tempaug.data.plan import ReadPlan, batches_per_epoch
        >>> from tempaug.data.sources import Shard
        >>> plan = ReadPlan(shards=(Shard("a.tar", 5), Shard("b.tar", 3)), batch_size=2)
        >>> batches_per_epoch(plan, 0, 1), batches_per_epoch(plan, 0, 2)
        (4, 5)
    """
    workers = max(1, num_workers)
    if plan.resampled:
        return sum(_batches(worker_samples(plan, w, workers), plan) for w in range(workers))
    if any(s.samples is None for s in plan.shards):
        return None
    return sum(
        _batches(sum(s.samples or 0 for s in worker_shards(plan, epoch, w, workers)), plan) for w in range(workers)
    )
