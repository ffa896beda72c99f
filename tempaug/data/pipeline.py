"""The iterable dataset each DataLoader worker runs: a webdataset pipeline from this worker's shards to batches.

Per worker and epoch the pipeline is: its shards (``SimpleShardList`` shuffled by ``seed`` and the epoch, dealt
out by rank and worker; or ``ResampledShards`` drawing with replacement) -> tar members grouped into raw samples
-> a shuffle buffer over the raw bytes (``webdataset.shuffle``) -> with resampling, this worker's share of
``epoch_length`` -> decoding and the per-clip transform -> batches. Every seed derives from ``seed``, the epoch,
the rank and the worker, so a run repeats exactly.

Example:
    >>> from tempaug.data.pipeline import ShardDataset
    >>> from tempaug.data.plan import ReadPlan
    >>> from tempaug.data.sources import Shard
    >>> dataset = ShardDataset(ReadPlan(shards=(Shard("/no/such.tar", 2),), on_error="skip"))
    >>> [(d.batch, d.skipped) for d in dataset]
    [(None, 1)]
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from functools import partial

from torch.utils.data import IterableDataset, get_worker_info

from .plan import ReadPlan, derive_seed, worker_samples, worker_shards
from .stages import ClipTransform, Delivery, SkipTally, decode_samples, deliver_batches, read_samples

__all__ = ["ShardDataset"]


def _no_worker_seed() -> int:
    """ResampledShards' worker seed: the rank and worker already enter the seed it is given."""
    return 0


class ShardDataset(IterableDataset):
    """Reads ``plan``'s shards as :class:`~tempaug.data.stages.Delivery` items; set :attr:`epoch` before iterating.

    Use it through :func:`tempaug.data.make_loader`, which wraps it in a DataLoader (``batch_size=None``: the
    workers batch) and unpacks the deliveries.

    Example:
        >>> from tempaug.data.pipeline import ShardDataset
        >>> from tempaug.data.plan import ReadPlan
        >>> from tempaug.data.sources import Shard
        >>> ShardDataset(ReadPlan(shards=(Shard("a.tar"),))).epoch
        0
    """

    def __init__(self, plan: ReadPlan) -> None:
        super().__init__()
        self.plan = plan
        self.epoch = 0

    def __iter__(self) -> Iterator[Delivery]:
        import webdataset as wds

        plan, epoch = self.plan, self.epoch
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        tally = SkipTally()
        if plan.resampled:
            source = wds.ResampledShards(
                [s.url for s in plan.shards],
                seed=derive_seed(plan.seed, epoch, plan.rank, worker, "resample"),
                worker_seed=_no_worker_seed,
                deterministic=True,
            )
            limit = wds.slice(worker_samples(plan, worker, workers))
            max_empty = max(16, 4 * len(plan.shards))
        else:
            source = partial(iter, [{"url": s.url} for s in worker_shards(plan, epoch, worker, workers)])
            limit, max_empty = None, None
        shuffle = None
        if plan.shuffle > 0:
            rng = random.Random(derive_seed(plan.seed, epoch, plan.rank, worker, "samples"))
            shuffle = wds.shuffle(plan.shuffle, initial=plan.shuffle, rng=rng)
        transform = plan.transform
        if transform is not None and info is None:
            transform = ClipTransform(transform, seed=derive_seed(plan.seed, epoch, plan.rank, worker, "transform"))
        expected = {s.url: s.samples for s in plan.shards}
        pipeline = wds.DataPipeline(
            source,
            partial(read_samples, tally=tally, on_error=plan.on_error, expected=expected, max_empty=max_empty),
            shuffle,
            limit,
            partial(
                decode_samples, tally=tally, on_error=plan.on_error, transform=transform, backend=plan.decode_backend
            ),
            partial(deliver_batches, tally=tally, batch_size=plan.batch_size, drop_last=plan.drop_last),
        )
        yield from pipeline
