"""The time resampler: every temporal op is "draw positions, then resample".

A *position map* gives, for each output frame, a (possibly fractional) source
position. Whole numbers gather a frame; a fraction ``i + w`` blends frame ``i``
with frame ``i + 1`` as ``(1 - w) * x[i] + w * x[i + 1]``. Positions lie in
``[0, T)``; a position between ``T - 1`` and ``T`` blends the last frame with
the first one, which is how a looping boundary reads across the seam.

Internally a map is a :class:`TimeMap`: for each output frame a first source
index, a second source index and a weight (``None`` when the map only gathers).
Two maps compose exactly when at most one of them blends, so a chain of
temporal ops folds into one pass over the frames.

Kernels take time at dim ``-4``: ``x`` is (..., T, C, H, W) and maps are
(B, T_out) where B is the product of the leading dims (1 for a single clip).
Nothing here draws random numbers.

Example:
    >>> import torch
    >>> from tempaug.functional.temporal import resample
    >>> clip = torch.arange(4.0).view(4, 1, 1, 1)
    >>> resample(clip, torch.tensor([0.0, 0.5, 3.0])).flatten().tolist()
    [0.0, 0.5, 3.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import Tensor

from ._opencv import opencv, require_opencv

__all__ = [
    "TimeMap",
    "apply_map",
    "boundary_positions",
    "compose_maps",
    "drop_positions",
    "duplicate_positions",
    "gate_map",
    "identity_map",
    "map_positions",
    "play_positions",
    "play_slack",
    "positions_to_map",
    "resample",
    "select_maps",
    "warp_knots",
    "warp_positions",
]


@dataclasses.dataclass(frozen=True)
class TimeMap:
    """For each output frame: ``out = (1 - weight) * x[index] + weight * x[partner]``.

    Attributes:
        index: (B, T_out) long, the first source frame.
        partner: (B, T_out) long, the second source frame, or None for a pure gather.
        weight: (B, T_out) float32 in [0, 1), or None for a pure gather.
    """

    index: Tensor
    partner: Tensor | None = None
    weight: Tensor | None = None

    @property
    def blends(self) -> bool:
        """True when the map may blend two frames (it carries weights)."""
        return self.weight is not None

    @property
    def length(self) -> int:
        """Output length T_out."""
        return int(self.index.shape[-1])


def positions_to_map(positions: Tensor, length: int, blends: bool = True) -> TimeMap:
    """Turn (B, T_out) float source positions over ``length`` frames into a :class:`TimeMap`.

    With ``blends=False`` the positions must be whole numbers and no weights are kept.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import positions_to_map
        >>> m = positions_to_map(torch.tensor([[0.25, 3.5]]), 4)
        >>> m.index.tolist(), m.partner.tolist(), m.weight.tolist()
        ([[0, 3]], [[1, 0]], [[0.25, 0.5]])
    """
    floor = torch.floor(positions)
    index = floor.to(torch.long).clamp_(0, length - 1)
    if not blends:
        return TimeMap(index)
    weight = (positions - floor).to(torch.float32).clamp_(0.0, 1.0)
    partner = torch.remainder(index + 1, length)
    return TimeMap(index, partner, weight)


def map_positions(tmap: TimeMap, length: int) -> Tensor:
    """Float positions equivalent to a map whose blends are between neighbours (the inverse of positions_to_map).

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import map_positions, positions_to_map
        >>> map_positions(positions_to_map(torch.tensor([[0.5, 2.0]]), 3), 3).tolist()
        [[0.5, 2.0]]
    """
    base = tmap.index.to(torch.float32)
    return base if tmap.weight is None else base + tmap.weight


def identity_map(batch: int, length: int, device: torch.device | str | None = None) -> TimeMap:
    """The map that leaves every frame in place.

    Example:
        >>> from tempaug.functional.temporal import identity_map
        >>> identity_map(2, 3).index.tolist()
        [[0, 1, 2], [0, 1, 2]]
    """
    return TimeMap(torch.arange(length, device=device).expand(batch, length))


def _as_blending(tmap: TimeMap) -> TimeMap:
    if tmap.weight is not None:
        return tmap
    return TimeMap(tmap.index, tmap.index, torch.zeros(tmap.index.shape, dtype=torch.float32, device=tmap.index.device))


def compose_maps(inner: TimeMap, outer: TimeMap) -> TimeMap | None:
    """The map of "apply ``inner``, then ``outer``" as one map, or None when both blend.

    The composition is exact: resampling with it gives bit-for-bit the result
    of the two resamplings in sequence.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import TimeMap, compose_maps
        >>> reverse = TimeMap(torch.tensor([[2, 1, 0]]))
        >>> compose_maps(reverse, reverse).index.tolist()
        [[0, 1, 2]]
    """
    if outer.weight is None:
        pick = outer.index
        if inner.weight is None or inner.partner is None:
            return TimeMap(inner.index.gather(-1, pick))
        return TimeMap(inner.index.gather(-1, pick), inner.partner.gather(-1, pick), inner.weight.gather(-1, pick))
    if inner.weight is None and outer.partner is not None:
        return TimeMap(inner.index.gather(-1, outer.index), inner.index.gather(-1, outer.partner), outer.weight)
    return None


def gate_map(tmap: TimeMap, mask: Tensor) -> TimeMap:
    """Keep ``tmap`` for samples where ``mask`` (B,) is True and the identity elsewhere (same length only).

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import TimeMap, gate_map
        >>> m = gate_map(TimeMap(torch.tensor([[1, 0], [1, 0]])), torch.tensor([True, False]))
        >>> m.index.tolist()
        [[1, 0], [0, 1]]
    """
    ident = identity_map(tmap.index.shape[0], tmap.length, tmap.index.device)
    return select_maps([ident, tmap], mask.to(torch.long))


def select_maps(maps: Sequence[TimeMap], choice: Tensor) -> TimeMap:
    """Per sample, the map ``maps[choice[b]]``; all maps have the same length.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import TimeMap, select_maps
        >>> a, b = TimeMap(torch.tensor([[0, 0]]).expand(2, 2)), TimeMap(torch.tensor([[1, 1]]).expand(2, 2))
        >>> select_maps([a, b], torch.tensor([1, 0])).index.tolist()
        [[1, 1], [0, 0]]
    """
    blending = any(m.weight is not None for m in maps)
    if blending:
        maps = [_as_blending(m) for m in maps]
    pick = choice.view(-1, 1)

    def chosen(field: str) -> Tensor:
        acc: Tensor = getattr(maps[0], field)
        for k in range(1, len(maps)):
            acc = torch.where(pick == k, getattr(maps[k], field), acc)
        return acc

    if not blending:
        return TimeMap(chosen("index"))
    return TimeMap(chosen("index"), chosen("partner"), chosen("weight"))


def _uniform_rows(index: Tensor) -> Tensor | None:
    """On the CPU: the shared row when every sample gathers the same frames, else None."""
    row = index[0]
    if index.shape[0] > 1 and not bool((index == row).all()):
        return None
    return row


def _as_slice(row: Tensor) -> slice | None:
    """A slice equal to the whole-number index row, when it is an increasing arithmetic progression."""
    n = row.shape[0]
    start = int(row[0])
    if n == 1:
        return slice(start, start + 1)
    step = int(row[1]) - start
    if step < 1:
        return None
    expected = torch.arange(start, start + step * n, step)
    if not torch.equal(row, expected):
        return None
    return slice(start, start + step * (n - 1) + 1, step)


def _gather(x: Tensor, index: Tensor) -> Tensor:
    """x: (B, T, ...); index: (B, T_out) -> (B, T_out, ...), views for slices of one shared row on the CPU."""
    if index.shape[0] == 0 or index.shape[1] == 0:
        return x.new_empty((x.shape[0], index.shape[1], *x.shape[2:]))
    if x.device.type == "cpu":
        row = _uniform_rows(index)
        if row is not None:
            as_slice = _as_slice(row)
            if as_slice is not None:
                return x[:, as_slice]
            if row.shape[0] == x.shape[1] and torch.equal(row, torch.arange(x.shape[1] - 1, -1, -1)):
                return x.flip(1)
            return x.index_select(1, row)
    batch = torch.arange(x.shape[0], device=x.device).view(-1, 1)
    b, t = x.shape[0], x.shape[1]
    if x.stride(0) == x.stride(1) * t or b == 1:  # (B, T) flatten to one dim as a view: index_select is 2-3x faster
        flat = (batch * t + index).reshape(-1) if b > 1 else index.reshape(-1)
        return x.flatten(0, 1).index_select(0, flat).view(b, index.shape[1], *x.shape[2:])
    return x[batch, index]


def _blend(first: Tensor, second: Tensor, weight: Tensor) -> Tensor:
    """(1 - w) * first + w * second per frame; whole-number weights copy ``first`` exactly (NaN-safe)."""
    w = weight.view(*weight.shape, *([1] * (first.dim() - weight.dim())))
    if first.dtype == torch.uint8:
        # A convex blend of values in [0, 255] stays in [0, 255] (up to float noise that rounding
        # removes), so round and cast without a clamp: uint8 results are rounded, never wrapped.
        mixed = torch.lerp(first.to(torch.float32), second.to(torch.float32), w)
        return mixed.round_().to(torch.uint8)
    compute = first.dtype if first.dtype in (torch.float32, torch.float64) else torch.float32
    mixed = torch.lerp(first.to(compute), second.to(compute), w.to(compute)).to(first.dtype)
    # lerp returns `first` exactly at w == 0 for finite values; copy those frames so inf/NaN in the unused
    # partner cannot leak in. On the CPU only the whole-number frames are touched; elsewhere a sync-free where.
    if weight.device.type != "cpu":
        return torch.where(w == 0, first, mixed)
    whole = weight == 0
    if bool(whole.any()):
        mixed[whole] = first[whole]
    return mixed


def apply_map(x: Tensor, tmap: TimeMap) -> Tensor:
    """Resample ``x`` (..., T, C, H, W) with a :class:`TimeMap` of B = prod(leading dims) rows.

    On the CPU, a map shared by every sample that reads an increasing run of
    frames with a fixed stride returns a view (no copy).

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import TimeMap, apply_map
        >>> x = torch.arange(6.0).view(6, 1, 1, 1)
        >>> out = apply_map(x, TimeMap(torch.tensor([[1, 3, 5]])))
        >>> out.flatten().tolist(), out.data_ptr() == x[1].data_ptr()
        ([1.0, 3.0, 5.0], True)
    """
    lead = x.shape[:-4]
    flat = x.reshape(-1, *x.shape[-4:]) if len(lead) != 1 else x
    if tmap.weight is not None and opencv() is not None and flat.dtype == torch.uint8 and flat.device.type == "cpu":
        out = _blend_uint8_cpu(flat, tmap)
    elif tmap.weight is not None and tmap.partner is not None:
        out = _blend(_gather(flat, tmap.index), _gather(flat, tmap.partner), tmap.weight)
    else:
        out = _gather(flat, tmap.index)
    return out.reshape(*lead, *out.shape[1:]) if len(lead) != 1 else out


def _blend_uint8_cpu(x: Tensor, tmap: TimeMap) -> Tensor:
    """uint8 frame blends on the CPU with OpenCV's ``cv2.addWeighted``.

    Each output frame is read straight from its two source frames (no gathered
    copies) and blended with SIMD and saturating rounding in uint8, instead of
    two gathers, two float conversions, a lerp and a conversion back: 10-20x
    less time on a clip. Whole-number positions copy the frame exactly.
    """
    b, t_out = tmap.index.shape
    assert tmap.partner is not None and tmap.weight is not None
    src = x if x.is_contiguous() else x.contiguous()
    out = torch.empty((b, t_out, *src.shape[2:]), dtype=torch.uint8)
    if out.numel() == 0:
        return out
    cv2 = require_opencv()
    frames, dest = src.numpy(), out.numpy()
    rows = dest.reshape(b, t_out, -1)
    flat_src = frames.reshape(frames.shape[0], frames.shape[1], -1)
    for i, (firsts, seconds, weights) in enumerate(
        zip(tmap.index.tolist(), tmap.partner.tolist(), tmap.weight.tolist())
    ):
        for j, (a, c, w) in enumerate(zip(firsts, seconds, weights)):
            if w == 0.0:
                rows[i, j] = flat_src[i, a]
            else:
                cv2.addWeighted(flat_src[i, a], 1.0 - w, flat_src[i, c], w, 0.0, dst=rows[i, j])
    return out


def resample(x: Tensor, positions: Tensor) -> Tensor:
    """Read each output frame of ``x`` (..., T, C, H, W) at a source position, blending neighbours linearly.

    Args:
        x: clip (T,C,H,W) or batch (B,T,C,H,W); uint8 results are rounded, never wrapped.
        positions: (T_out,) shared by all samples, or (B, T_out) float source positions in [0, T).

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import resample
        >>> clip = torch.tensor([0, 100, 200], dtype=torch.uint8).view(3, 1, 1, 1)
        >>> resample(clip, torch.tensor([0.5, 1.25])).flatten().tolist()
        [50, 125]
    """
    batch = int(torch.tensor(x.shape[:-4]).prod()) if x.dim() > 4 else 1
    pos = positions.to(x.device)
    if pos.dim() == 1:
        pos = pos.expand(batch, pos.shape[0])
    whole = not pos.is_floating_point()
    return apply_map(x, positions_to_map(pos.to(torch.float32), x.shape[-4], blends=not whole))


def boundary_positions(positions: Tensor, length: int, boundary: str) -> Tensor:
    """Fold positions that fall outside [0, length - 1] back in: ``clamp``, ``reflect`` (ping-pong) or ``loop``.

    With ``loop`` the result lies in [0, length): positions past the last frame
    blend it with the first (see :func:`positions_to_map`).

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import boundary_positions
        >>> boundary_positions(torch.tensor([-1.0, 4.0, 5.5]), 4, "reflect").tolist()
        [1.0, 2.0, 0.5]
    """
    last = float(length - 1)
    if boundary == "clamp" or length == 1:
        return positions.clamp(0.0, last)
    if boundary == "loop":
        return torch.remainder(positions, float(length))
    if boundary == "reflect":
        period = 2.0 * last
        folded = torch.remainder(positions, period)
        return torch.where(folded > last, period - folded, folded)
    raise ValueError(f"boundary_positions: unknown boundary {boundary!r}; expected 'clamp', 'reflect' or 'loop'")


# ------------------------------------------------------------------ position builders
# What the temporal ops (and RandAugment's temporal ops) draw, as pure functions of their random draws.


def play_slack(offsets: Tensor, length: int) -> Tensor:
    """(B,) long: the last whole start frame at which playing ``offsets`` (B, T_out) fits in ``length`` frames.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import play_slack
        >>> play_slack(torch.tensor([[0.0, 2.0, 4.0], [0.0, 5.0, 10.0]]), 8).tolist()
        [3, 0]
    """
    return torch.floor((length - 1) - offsets[:, -1]).clamp(min=0).to(torch.long)


def play_positions(offsets: Tensor, start: Tensor, length: int, boundary: str) -> Tensor:
    """(B, T_out) positions of a clip played from ``start`` (B,) long at ``offsets`` (B, T_out) frames past it,
    folded back into ``length`` frames by ``boundary`` (see :func:`boundary_positions`).

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import play_positions
        >>> play_positions(torch.tensor([[0.0, 1.5, 3.0]]), torch.tensor([1]), 4, "clamp").tolist()
        [[1.0, 2.5, 3.0]]
    """
    return boundary_positions(start.view(-1, 1).to(torch.float32) + offsets, length, boundary)


def drop_positions(dropped: Tensor) -> Tensor:
    """(B, T) float positions that show the last kept frame in place of every ``dropped`` (B, T) frame.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import drop_positions
        >>> drop_positions(torch.tensor([[False, True, True, False]])).tolist()
        [[0.0, 0.0, 0.0, 3.0]]
    """
    b, t = dropped.shape
    frame = torch.arange(t, device=dropped.device).expand(b, t)
    return torch.where(dropped, torch.zeros_like(frame), frame).cummax(dim=1).values.to(torch.float32)


def duplicate_positions(duplicated: Tensor) -> Tensor:
    """(B, T) float positions that show every ``duplicated`` (B, T) frame twice, cutting the end to keep T frames.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import duplicate_positions
        >>> duplicate_positions(torch.tensor([[False, True, False, False]])).tolist()
        [[0.0, 1.0, 1.0, 2.0]]
    """
    b, t = duplicated.shape
    ends = torch.cumsum(1 + duplicated.to(torch.long), dim=1)
    wanted = torch.arange(t, device=duplicated.device).expand(b, t).contiguous()
    return torch.searchsorted(ends, wanted, right=True).clamp_(max=t - 1).to(torch.float32)


def warp_knots(steps: Tensor) -> Tensor:
    """(B, K+1) values in [0, 1] of a monotone warp whose K pieces have relative lengths ``steps`` (B, K) > 0.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import warp_knots
        >>> warp_knots(torch.tensor([[1.0, 3.0]])).tolist()
        [[0.0, 0.25, 1.0]]
    """
    b = steps.shape[0]
    values = torch.cat([torch.zeros(b, 1, device=steps.device), torch.cumsum(steps, dim=1)], dim=1)
    return torch.cat([values[:, :-1] / values[:, -1:], torch.ones(b, 1, device=steps.device)], dim=1)


def warp_positions(knots: Tensor, length: int) -> Tensor:
    """(B, T) positions of a piecewise linear warp through ``knots`` (B, K+1) spread evenly over ``length`` frames.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import warp_positions
        >>> warp_positions(torch.tensor([[0.0, 0.25, 1.0]]), 5).tolist()
        [[0.0, 0.5, 1.0, 2.5, 4.0]]
    """
    b, k = knots.shape[0], knots.shape[1] - 1
    if length == 1:
        return torch.zeros(b, 1, device=knots.device)
    u = torch.arange(length, dtype=torch.float32, device=knots.device) / (length - 1) * k
    piece = torch.floor(u).to(torch.long).clamp_(max=k - 1).expand(b, length)
    frac = (u - piece).clamp(0.0, 1.0)
    return torch.lerp(knots.gather(1, piece), knots.gather(1, piece + 1), frac) * (length - 1)
