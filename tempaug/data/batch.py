"""A batch of decoded samples: the clips stacked, the labels as int64 (or float soft rows), the metadata as a list.

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

from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.sample import Sample as TargetSample

__all__ = ["Batch", "Sample", "collate", "stack_labels"]

#: One decoded sample: the clip (what the per-clip transform returned), its label (-1: none; a float (K,) row when a
#: per-clip transform that mixes made it soft) and its metadata.
Sample = tuple[Tensor, Any, dict[str, Any]]


class Batch(NamedTuple):
    """A batch: ``clips`` (B,T,C,H,W) (or what the transforms made of them), ``labels`` int64 (B,) with -1 for
    an unlabelled clip, or float (B, K) soft rows when a transform that mixes (a mixer, ``Synthesize``, a
    ``Compose`` holding one) ran on the batch, and ``meta``, one dict per clip holding the record's JSON plus
    ``__key__`` and ``__url__`` (the shard it came from); a clip a transform added to the batch
    (``Synthesize(mode="append")``) has ``{"synthetic": True}``.

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

    def sample(self) -> TargetSample:
        """The batch as a :class:`tempaug.Sample` (``video=clips``, ``label=labels``), the value ops take.

        Example:
            >>> import torch, tempaug
            >>> from tempaug.data.batch import Batch
            >>> batch = Batch(torch.rand(4, 2, 1, 8, 8), torch.tensor([0, 1, 2, 1]), [{}] * 4)
            >>> out = tempaug.MixUp(num_classes=3)(batch.sample())
            >>> out.video.shape, out.label.shape
            (torch.Size([4, 2, 1, 8, 8]), torch.Size([4, 3]))
        """
        return TargetSample(video=self.clips, label=self.labels)


def _mismatch(samples: Sequence[Sample]) -> str:
    """The keys and shapes of the first clips of each differing shape, for an error message."""
    seen: dict[tuple[int, ...], str] = {}
    for clip, _, meta in samples:
        seen.setdefault(tuple(clip.shape), str(meta.get("__key__", "?")))
    return ", ".join(f"{key!r} {shape}" for shape, key in seen.items())


def stack_labels(labels: Sequence[Any]) -> Tensor:
    """The labels of one batch as a tensor: int64 (B,) for class indices (-1: none), float (B, K) when any is a
    soft row (K,); class indices among soft rows become one-hot rows.

    Raises:
        ShapeError: soft rows of different lengths, or an unlabelled clip (-1) among soft rows.
        DTypeError: a label that is neither an int nor a tensor.

    Example:
        >>> import torch
        >>> from tempaug.data.batch import stack_labels
        >>> stack_labels([2, -1]).tolist()
        [2, -1]
        >>> stack_labels([torch.tensor([0.25, 0.75]), 0]).tolist()
        [[0.25, 0.75], [1.0, 0.0]]
    """
    rows = [v for v in labels if isinstance(v, Tensor) and v.dim() == 1]
    if not rows:
        try:
            return torch.tensor([int(v) for v in labels], dtype=torch.int64)
        except (TypeError, ValueError):
            kinds = sorted({type(v).__name__ for v in labels})
            raise DTypeError(f"make_loader: labels must be ints or soft (K,) rows, got {kinds}") from None
    widths = {int(r.shape[0]) for r in rows}
    if len(widths) > 1:
        raise ShapeError(f"make_loader: the soft labels of one batch differ in length: {sorted(widths)}")
    k = widths.pop()
    dtype = rows[0].dtype if rows[0].is_floating_point() else torch.float32
    out = torch.zeros(len(labels), k, dtype=dtype)
    for i, v in enumerate(labels):
        if isinstance(v, Tensor) and v.dim() == 1:
            out[i] = v.to(dtype)
            continue
        index = int(v)
        if not 0 <= index < k:
            raise ShapeError(f"make_loader: a batch mixes soft rows of {k} classes with the class index {index}")
        out[i, index] = 1.0
    return out


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
    return Batch(stacked, stack_labels(labels), list(meta))
