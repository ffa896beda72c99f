"""``make_loader``: shards in, batches of (clips, labels, meta) out, augmented in the workers and on the device.

A transform that mixes or makes clips with their labels (a mixer, ``Synthesize``, a ``Compose`` holding one) runs
on ``Sample(video=clips, label=labels)``, and the labels it returns (soft (B, K) rows for a mixer) are the
batch's; any other callable runs on the bare clips, as it always did.

Example:
    >>> import tempfile, torch, webdataset as wds
    >>> from tempaug.data import make_loader
    >>> from tempaug.io.records import encode_record, make_key
    >>> path = f"{tempfile.mkdtemp()}/train-000000.tar"
    >>> with wds.TarWriter(path) as tar:
    ...     for i in range(5):
    ...         clip = torch.full((2, 1, 8, 8), i, dtype=torch.uint8)
    ...         _ = tar.write({"__key__": make_key("train", i), **encode_record(clip, {"label": i % 2}, fmt="npy")})
    >>> loader = make_loader([path], batch_size=2)
    >>> [tuple(b.clips.shape) for b in loader], loader.skipped
    ([(2, 2, 1, 8, 8), (2, 2, 1, 8, 8), (1, 2, 1, 8, 8)], 0)
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader

from ..core.errors import DTypeError, InvalidArgumentError, InvalidInputError
from ..core.sample import Sample
from .batch import Batch
from .pipeline import ShardDataset
from .plan import ReadPlan, batches_per_epoch, derive_seed
from .sources import Shard, ShardSource, resolve_shards
from .stages import MAX_REASONS, Delivery, takes_labels

__all__ = ["ShardLoader", "make_loader"]

ON_ERROR = ("raise", "skip")


def _unchanged(item: Any) -> Any:
    """The DataLoader's collate_fn: the workers have batched already."""
    return item


class ShardLoader:
    """Iterates over :class:`~tempaug.data.batch.Batch` es; made by :func:`make_loader`.

    Attributes:
        shards: the shards read, as listed (before any shuffling or splitting).
        plan: the reading settings shared with the workers.
        epoch: the epoch the current (or next) pass reads; it moves on by one after each pass unless
            :meth:`set_epoch` chose another.
        skipped: samples and tar streams skipped (``on_error="skip"``) so far, over all workers and passes.
        skip_reasons: the latest messages of what was skipped, naming shard and key.

    Example:
        >>> from tempaug.data.loader import ShardLoader
        >>> from tempaug.data.plan import ReadPlan
        >>> from tempaug.data.sources import Shard
        >>> loader = ShardLoader(ReadPlan(shards=(Shard("a.tar", 10),), batch_size=4))
        >>> len(loader), loader.epoch
        (3, 0)
    """

    def __init__(
        self,
        plan: ReadPlan,
        num_workers: int = 0,
        batch_transform: Callable[[Any], Any] | None = None,
        device: torch.device | str = "cpu",
        pin_memory: bool = False,
        prefetch_factor: int | None = None,
    ) -> None:
        self.plan = plan
        self.shards: list[Shard] = list(plan.shards)
        self.num_workers = num_workers
        self.batch_transform = batch_transform
        self.device = torch.device(device)
        self.pin_memory = pin_memory
        self.prefetch_factor = prefetch_factor
        self.epoch = 0
        self.skipped = 0
        self.skip_reasons: list[str] = []
        self._dataset = ShardDataset(plan)

    def set_epoch(self, epoch: int) -> None:
        """Read epoch ``epoch`` on the next pass: its shard order, shuffle and random draws are fixed by ``seed``
        and ``epoch`` alone.

        Example:
            >>> from tempaug.data.loader import ShardLoader
            >>> from tempaug.data.plan import ReadPlan
            >>> from tempaug.data.sources import Shard
            >>> loader = ShardLoader(ReadPlan(shards=(Shard("a.tar"),))); loader.set_epoch(3); loader.epoch
            3
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise InvalidArgumentError(f"set_epoch: epoch must be an int >= 0, got {epoch!r}", "epoch")
        self.epoch = epoch

    def __len__(self) -> int:
        """Batches in the current epoch for this rank; a TypeError when a shard's sample count is unknown."""
        n = batches_per_epoch(self.plan, self.epoch, self.num_workers)
        if n is None:
            raise TypeError(
                "ShardLoader: the number of batches is unknown because the shards have no sample counts; read a "
                "dataset folder (its index.json counts them), or use resampled=True with epoch_length"
            )
        return n

    def _data_loader(self, epoch: int) -> DataLoader:
        self._dataset.epoch = epoch
        generator = torch.Generator().manual_seed(derive_seed(self.plan.seed, epoch, self.plan.rank, "workers"))
        extra: dict[str, Any] = {}
        if self.num_workers > 0 and self.prefetch_factor is not None:
            extra["prefetch_factor"] = self.prefetch_factor
        return DataLoader(
            self._dataset,
            batch_size=None,
            num_workers=self.num_workers,
            collate_fn=_unchanged,
            generator=generator,
            pin_memory=self.pin_memory,
            **extra,
        )

    @property
    def _labelled(self) -> bool:
        return self.batch_transform is not None and takes_labels(self.batch_transform)

    def _mix(self, batch: Batch) -> Batch:
        """Run a batch transform that takes labels on the batch as a Sample; keep its clips and labels."""
        transform: Any = self.batch_transform
        if batch.labels.dim() == 1 and bool((batch.labels < 0).any()):  # checked on the CPU, before the copy
            keys = [m.get("__key__") for m, y in zip(batch.meta, batch.labels.tolist()) if y < 0]
            raise InvalidInputError(
                f"make_loader: batch_transform {transform.name} mixes or makes clips with their labels, but clips "
                f"{keys[:3]} have no label (no cls member)"
            )
        clips = batch.clips.to(self.device, non_blocking=self.pin_memory)
        labels = batch.labels.to(self.device, non_blocking=self.pin_memory)
        out = transform(Sample(video=clips, label=labels))
        meta = batch.meta + [{"synthetic": True} for _ in range(out.video.shape[0] - len(batch.meta))]
        return Batch(out.video, out.label, meta)

    def _count(self, delivery: Delivery) -> None:
        if delivery.skipped:
            self.skipped += delivery.skipped
            self.skip_reasons = [*self.skip_reasons, *delivery.reasons][-MAX_REASONS:]

    def __iter__(self) -> Iterator[Batch]:
        epoch = self.epoch
        deliveries = iter(self._data_loader(epoch))
        try:
            for delivery in deliveries:
                self._count(delivery)
                batch = delivery.batch
                if batch is None:
                    continue
                if self._labelled:
                    yield self._mix(batch)
                    continue
                clips = batch.clips.to(self.device, non_blocking=self.pin_memory)
                labels = batch.labels.to(self.device, non_blocking=self.pin_memory)
                if self.batch_transform is not None:
                    clips = self.batch_transform(clips)
                yield Batch(clips, labels, batch.meta)
        finally:
            # Stop the workers now, not whenever the iterator is collected: after a worker's error the iterator
            # sits in a reference cycle with the traceback, and collecting it later waits on the workers.
            stop = getattr(deliveries, "_shutdown_workers", None)
            if stop is not None:
                stop()
            if self.epoch == epoch:
                self.epoch = epoch + 1


def _int_arg(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgumentError(f"make_loader: {name} must be an int >= {low}, got {value!r}", name)
    return value


def _node(rank: int | None, world_size: int | None) -> tuple[int, int]:
    """This process's rank and the world size: as given, else from torch.distributed, else RANK/WORLD_SIZE."""
    if (rank is None) != (world_size is None):
        raise InvalidArgumentError("make_loader: give both rank and world_size, or neither", "rank")
    if rank is None or world_size is None:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
            return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        return 0, 1
    _int_arg("world_size", world_size, 1)
    _int_arg("rank", rank, 0)
    if rank >= world_size:
        raise InvalidArgumentError(f"make_loader: rank must be < world_size={world_size}, got {rank}", "rank")
    return rank, world_size


def make_loader(
    source: ShardSource,
    transform: Callable[[Any], Any] | None = None,
    *,
    batch_size: int = 32,
    num_workers: int = 0,
    shuffle: int = 0,
    shuffle_shards: bool | None = None,
    split: str | None = "train",
    resampled: bool = False,
    epoch_length: int | None = None,
    seed: int = 0,
    rank: int | None = None,
    world_size: int | None = None,
    on_error: str = "raise",
    drop_last: bool = False,
    batch_transform: Callable[[Any], Any] | None = None,
    device: torch.device | str = "cpu",
    pin_memory: bool | None = None,
    prefetch_factor: int | None = None,
    decode_backend: str = "decord",
    allow_incomplete: bool = False,
) -> ShardLoader:
    """A loader of :class:`~tempaug.data.batch.Batch` es ``(clips, labels, meta)`` read from tempaug shards.

    Workers read their shards, shuffle the raw samples in a buffer, decode them (never unpickling), run
    ``transform`` on each (T,C,H,W) clip and batch them; the main process moves each batch to ``device`` and
    runs ``batch_transform`` on the (B,T,C,H,W) clips there.

    Args:
        source: a dataset folder (its ``index.json`` lists the shards), a list of tar paths or URLs, or a brace
            pattern such as ``"data/train-{000000..000031}.tar"``.
        transform: per-clip callable on a (T,C,H,W) tensor, run in the workers (e.g. a tempaug transform). A
            tempaug transform that takes labels (``Synthesize``) runs on ``Sample(video=clip, label=label)``
            instead, and its label replaces the record's.
        batch_size: clips per batch.
        num_workers: DataLoader worker processes (0: read in this process).
        shuffle: shuffle buffer size in samples, applied to raw bytes before decoding; 0 keeps shard order.
            The buffer holds ``shuffle`` encoded samples per worker.
        shuffle_shards: shuffle the shard order each epoch; default: when ``shuffle > 0``.
        split: for a folder, the split to read (``None``: all).
        resampled: draw shards with replacement, endlessly, and cut each epoch at ``epoch_length``; each rank
            and worker draws its own shards, so no rank runs short (the way to feed multi-node training).
        epoch_length: with ``resampled``, samples per epoch per rank.
        seed: fixes shard order, shuffle buffers, worker seeds and per-clip random draws, per epoch.
        rank, world_size: this process's share of the shards; default: torch.distributed's when initialized,
            else the ``RANK`` and ``WORLD_SIZE`` environment variables, else 0 of 1.
        on_error: ``"raise"`` at an unreadable shard or sample (the error names them), or ``"skip"`` it and
            count it in ``loader.skipped``.
        drop_last: drop each worker's last short batch.
        batch_transform: callable on the (B,T,C,H,W) clips, run on ``device`` after collation. A tempaug
            transform that mixes (a mixer, ``Synthesize``, a ``Compose`` holding one) runs on
            ``Sample(video=clips, label=labels)`` instead: the batch gets its clips and labels (soft (B, K) rows
            from a mixer), and every clip needs a label.
        device: where batches go (``"cuda"``, ...).
        pin_memory: pin batches before the copy; default: when ``device`` is a GPU.
        prefetch_factor: batches each worker prepares ahead (DataLoader's default when None).
        decode_backend: ``"decord"`` or ``"pyav"`` for mp4 records.
        allow_incomplete: read a folder whose index does not mark the build complete.

    Raises:
        InvalidArgumentError: an argument out of range (names it).
        InvalidInputError: a missing folder or shard, no ``index.json``, a shard whose size differs from the index.

    Example:
        >>> from tempaug.data import make_loader
        >>> make_loader("/no/such/folder")
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidInputError: make_loader: '/no/such/folder' is no folder, file, URL or brace pattern
        >>> make_loader(["s3://bucket/a.tar"], on_error="ignore")
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidArgumentError: make_loader: on_error must be one of ('raise', 'skip'), got 'ignore'
    """
    if on_error not in ON_ERROR:
        raise InvalidArgumentError(f"make_loader: on_error must be one of {ON_ERROR}, got {on_error!r}", "on_error")
    _int_arg("batch_size", batch_size, 1)
    _int_arg("num_workers", num_workers, 0)
    if isinstance(shuffle, bool) or not isinstance(shuffle, int) or shuffle < 0:
        raise InvalidArgumentError(
            f"make_loader: shuffle is a buffer size in samples (e.g. 1000; 0 turns it off), got {shuffle!r}", "shuffle"
        )
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidArgumentError(f"make_loader: seed must be an int, got {seed!r}", "seed")
    if prefetch_factor is not None:
        _int_arg("prefetch_factor", prefetch_factor, 1)
    if resampled and epoch_length is None:
        raise InvalidArgumentError(
            "make_loader: resampled=True draws shards endlessly; give epoch_length", "epoch_length"
        )
    if not resampled and epoch_length is not None:
        raise InvalidArgumentError("make_loader: epoch_length applies to resampled=True only", "epoch_length")
    if epoch_length is not None:
        _int_arg("epoch_length", epoch_length, 1)
    for name, fn in (("transform", transform), ("batch_transform", batch_transform)):
        if fn is not None and not callable(fn):
            raise DTypeError(f"make_loader: {name} must be callable, got a {type(fn).__name__}")
    if split is not None and not isinstance(split, str):
        raise InvalidArgumentError(f"make_loader: split must be a str or None, got {split!r}", "split")
    if decode_backend not in ("decord", "pyav"):
        raise InvalidArgumentError(
            f"make_loader: decode_backend must be 'decord' or 'pyav', got {decode_backend!r}", "decode_backend"
        )
    try:
        target = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise InvalidArgumentError(f"make_loader: device {device!r} is not a device ({err})", "device") from None
    rank, world_size = _node(rank, world_size)
    shards = resolve_shards(source, split, allow_incomplete=allow_incomplete, check_sizes=on_error == "raise")
    if not resampled and world_size > len(shards):
        raise InvalidArgumentError(
            f"make_loader: {len(shards)} shards cannot be split over world_size={world_size} ranks (rank {rank} would "
            "get none); write more shards, or use resampled=True with epoch_length",
            "world_size",
        )
    if not resampled and world_size > 1 and len(shards) % world_size:
        warnings.warn(
            f"make_loader: {len(shards)} shards over {world_size} ranks: ranks read different amounts per epoch; "
            "distributed training can stall at the end of an epoch (resampled=True with epoch_length avoids it)",
            stacklevel=2,
        )
    plan = ReadPlan(
        shards=tuple(shards),
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_shards=shuffle > 0 if shuffle_shards is None else bool(shuffle_shards),
        resampled=bool(resampled),
        epoch_length=epoch_length,
        seed=seed,
        rank=rank,
        world_size=world_size,
        on_error=on_error,
        drop_last=bool(drop_last),
        transform=transform,
        decode_backend=decode_backend,
    )
    pin = target.type == "cuda" if pin_memory is None else bool(pin_memory)
    return ShardLoader(plan, num_workers, batch_transform, target, pin, prefetch_factor)
