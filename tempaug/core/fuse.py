"""The planner: runs of temporal ops fold into one :class:`TimeMap`, runs of geometric ops into one :class:`SpaceMap`.

A container hands its children and their params to :func:`run`, which walks the
chain once. Two equal intermediate forms sit side by side:

- **Time.** Each temporal op's work is a :class:`~tempaug.functional.temporal.TimeMap`
  (a source index, a partner and a blend weight per output frame). Two maps fold
  when at most one of them blends, and the fold is exact: resampling with the
  folded map gives bit-for-bit the step-by-step result
  (:func:`~tempaug.functional.temporal.compose_maps` returns None otherwise).
- **Space.** Each geometric op's work is a :class:`~tempaug.functional.geometric.SpaceMap`
  (an output-to-input affine matrix per sample or frame). Two maps fold when one
  warp reads the same source points as the two in turn: the outer map reads inside
  the inner one's output frame (no fill where the chain has pixels), at most one of
  them interpolates, and a resampling map is followed only by a flip (a crop would
  cut its interpolation short at the crop's edge); a crop followed by a resampling
  map folds where both run as slicing plus one resize (:func:`fold_space`).
  Otherwise the maps run one after the other. What folds (crops and flips into a
  resize, a resized crop and a flip, a rotation and a flip) differs from the
  step-by-step chain by the float rounding of a matrix product
  (:data:`FOLD_TOLERANCE`).

A fold is exact or is not done: every other op flushes the pending maps and runs
as itself.

Example:
    >>> import torch, tempaug
    >>> from tempaug.core.fuse import run
    >>> aug = tempaug.Compose([tempaug.TemporalReverse(), tempaug.TemporalCrop(2, mode="start")])
    >>> x = torch.arange(4.0).view(1, 4, 1, 1, 1)
    >>> params = aug.sample(x.shape)
    >>> run(aug.transforms, params.children, x).flatten().tolist()
    [3.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from torch import Tensor

from ..functional.geometric import SpaceMap, apply_space_map, compose_space_maps, matrix_boxes
from ..functional.temporal import TimeMap, apply_map, compose_maps
from .params import Params

if TYPE_CHECKING:  # pragma: no cover
    from .transform import Transform

__all__ = ["FOLD_TOLERANCE", "fold_space", "fold_time", "run"]

#: A folded geometric chain against the same chain step by step, for values in [0, 1]: both read the same
#: source points, so they differ by float rounding only (at most ``max`` on any pixel; uint8 values by at
#: most one level). Folded temporal chains are bit-for-bit exact.
FOLD_TOLERANCE = {"max": 1e-4}


def fold_time(maps: Sequence[TimeMap]) -> TimeMap | None:
    """One map for "each map in turn", or None when two of them blend (that fold would not be exact).

    Example:
        >>> import torch
        >>> from tempaug.core.fuse import fold_time
        >>> from tempaug.functional.temporal import TimeMap
        >>> reverse = TimeMap(torch.tensor([[2, 1, 0]]))
        >>> fold_time([reverse, reverse, reverse]).index.tolist()
        [[2, 1, 0]]
    """
    acc = maps[0]
    for m in maps[1:]:
        folded = compose_maps(acc, m)
        if folded is None:
            return None
        acc = folded
    return acc


def _is_box(smap: SpaceMap) -> bool:
    """True when every sample of ``smap`` is a whole-pixel box map (the CPU's slicing path)."""
    return bool(matrix_boxes(smap.matrix.cpu(), smap.size)[2].all())


def fold_space(inner: SpaceMap, outer: SpaceMap, device_type: str = "cpu") -> SpaceMap | None:
    """One map for "``inner``, then ``outer``" when one warp reads what the two would, else None.

    :func:`~tempaug.functional.geometric.compose_space_maps` rules on the maps' kinds. A crop followed by a
    resampling map is folded only on the CPU, when the outer map and the folded one are whole-pixel box
    maps: then both run as slicing plus one resize that stops at the crop's edge, as the chain does (a
    warp would read past the edge instead). Two box maps whose product is not one stay apart, so the clip
    keeps the uint8 slicing path.

    Example:
        >>> import torch
        >>> from tempaug.core.fuse import fold_space
        >>> from tempaug.core.geometry import SpaceMap
        >>> from tempaug.functional.geometric import flip_matrix, identity_matrix
        >>> rotate = SpaceMap(identity_matrix(1), (4, 4), reads_outside=True)
        >>> flip = SpaceMap(flip_matrix(True, (4, 4), 1), (4, 4), reads_outside=False, resamples=False, crops=False)
        >>> fold_space(rotate, flip) is not None, fold_space(flip, rotate) is not None
        (True, False)
    """
    joined = compose_space_maps(inner, outer)
    if joined is None:
        return None
    if inner.crops and outer.resamples:
        if device_type != "cpu" or not (_is_box(outer) and _is_box(joined)):
            return None
    elif device_type == "cpu" and _is_box(inner) and _is_box(outer) and not _is_box(joined):
        return None
    return joined


def run(
    transforms: Sequence[Transform],
    params: Sequence[Params],
    x: Tensor,
    fuse: bool = True,
    step: Callable[[Transform, Tensor, Params], Tensor] | None = None,
) -> Tensor:
    """Run ``transforms`` with their ``params`` over a (B,T,C,H,W) batch, folding what folds exactly.

    Args:
        transforms: the chain, first to last.
        params: each transform's params, in the same order.
        x: the batch.
        fuse: False runs every op as itself.
        step: how to run an op that does not fold (default: its ``_apply``).

    Example:
        >>> import torch, tempaug
        >>> from tempaug.core.fuse import run
        >>> ops = [tempaug.HorizontalFlip(), tempaug.HorizontalFlip()]
        >>> x = torch.rand(2, 3, 1, 4, 4)
        >>> torch.equal(run(ops, [op.sample(x.shape) for op in ops], x), x)
        True
    """
    timing: TimeMap | None = None
    space: SpaceMap | None = None
    call: Callable[[Any, Tensor, Params], Tensor] = step or (lambda t, v, p: t._apply(v, p))
    for t, cp in zip(transforms, params):
        if fuse and t.temporal:
            if space is not None:
                x, space = apply_space_map(x, space), None
            m = t.time_map(cp, x.shape[1] if timing is None else timing.length)
            folded = m if timing is None else compose_maps(timing, m)
            if folded is None:
                assert timing is not None
                x, folded = apply_map(x, timing), m
            timing = folded
            continue
        if timing is not None:
            x, timing = apply_map(x, timing), None
        if fuse and t.geometric:
            shape = tuple(x.shape) if space is None else (*x.shape[:3], *space.size)
            s = t.space_map(cp, shape)
            joined = s if space is None else fold_space(space, s, x.device.type)
            if joined is None:
                assert space is not None
                x, joined = apply_space_map(x, space), s
            space = joined
            continue
        if space is not None:
            x, space = apply_space_map(x, space), None
        x = call(t, x, cp)
    if timing is not None:
        x = apply_map(x, timing)
    return apply_space_map(x, space) if space is not None else x
