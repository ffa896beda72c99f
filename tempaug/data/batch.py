"""A batch of decoded samples: the clips stacked, the labels as int64, the metadata as a list.

Example:
    >>> import torch
    >>> from tempaug.data.batch import collate
    >>> batch = collate([(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), 3, {"__key__": "a"}),
    ...                  (torch.ones(4, 1, 8, 8, dtype=torch.uint8), -1, {"__key__": "b"})])
    >>> batch.clips.shape, batch.labels.tolist(), [m["__key__"] for m in batch.meta]
    (torch.Size([2, 4, 1, 8, 8]), [3, -1], ['a', 'b'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor

from ..core.errors import InvalidArgumentError, ShapeError

__all__ = ["Batch", "Sample", "collate"]

#: One decoded sample: the clip (what the per-clip transform returned), its label (-1: none) and its metadata.
Sample = tuple[Tensor, int, dict[str, Any]]


class Batch(NamedTuple):
    """A batch: ``clips`` (B,T,C,H,W) (or what the transforms made of them), ``labels`` int64 (B,) with -1 for
    an unlabelled clip, and ``meta``, one dict per clip holding the record's JSON plus ``__key__`` and
    ``__url__`` (the shard it came from).

    Example:
        >>> import torch
        >>> from tempaug.data.batch import Batch
        >>> clips, labels, meta = Batch(torch.zeros(2, 4, 1, 8, 8), torch.tensor([0, 1]), [{}, {}])
        >>> clips.shape[0] == len(labels) == len(meta)
        True
    """

    clips: Tensor
    labels: Tensor
    meta: list[dict[str, Any]]


def _mismatch(samples: Sequence[Sample]) -> str:
    """The keys and shapes of the first clips of each differing shape, for an error message."""
    seen: dict[tuple[int, ...], str] = {}
    for clip, _, meta in samples:
        seen.setdefault(tuple(clip.shape), str(meta.get("__key__", "?")))
    return ", ".join(f"{key!r} {shape}" for shape, key in seen.items())


def collate(samples: Sequence[Sample]) -> Batch:
    """Stack samples into a :class:`Batch`.

    Raises:
        ShapeError: the clips differ in shape (the message names a key for each shape).
        InvalidArgumentError: no samples.

    Example:
        >>> import torch
        >>> from tempaug.data.batch import collate
        >>> collate([(torch.zeros(8, 1, 4, 4), 0, {"__key__": "a"}), (torch.zeros(6, 1, 4, 4), 0, {"__key__": "b"})])
        Traceback (most recent call last):
        ...
        tempaug.core.errors.ShapeError: make_loader: clips of one batch differ in shape: 'a' (8, 1, 4, 4), 'b' (6, 1, 4, 4); give make_loader a transform that makes every clip one size, e.g. Compose([TemporalCrop(16), Resize((112, 112))])
    """
    if not samples:
        raise InvalidArgumentError("collate: no samples", "samples")
    clips, labels, meta = zip(*samples)
    try:
        stacked = torch.stack(clips)
    except (RuntimeError, TypeError):
        if len({tuple(getattr(c, "shape", ())) for c in clips}) > 1:
            raise ShapeError(
                f"make_loader: clips of one batch differ in shape: {_mismatch(samples)}; give make_loader a "
                "transform that makes every clip one size, e.g. Compose([TemporalCrop(16), Resize((112, 112))])"
            ) from None
        raise
    return Batch(stacked, torch.tensor(labels, dtype=torch.int64), list(meta))
