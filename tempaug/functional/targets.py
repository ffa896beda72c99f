"""Target kernels: move per-frame boxes, keypoints, masks and frame times through a time map or a space map.

The maps are the single source of truth: a temporal op's :class:`~tempaug.functional.temporal.TimeMap`
says where every output frame came from, a geometric op's :class:`~tempaug.functional.geometric.SpaceMap`
where every output pixel came from. Here they are applied to targets instead of pixels.

- **Time.** A frame that blends two source frames takes the boxes, keypoints and mask of the *nearer* one
  (the earlier one at an exact half): masks are never blended, and an object's box does not jump to a
  position between two frames that no frame shows. The frame's *time* is blended like its pixels, so a
  time segment covers exactly the output frames whose source time falls inside it.
- **Space.** Boxes and keypoints move through the inverse (input-to-output) map. A box becomes the
  bounding box of its four moved corners, clipped to the output frame; it is marked absent
  (``valid=False``) when nothing of it is left inside the frame. A keypoint that leaves the frame becomes
  invisible. Integer and bool masks are resampled by nearest neighbour (never blended) with 0 outside the
  frame; float masks bilinearly.

Coordinates are continuous pixel coordinates: pixel ``i`` covers ``[i, i + 1)``; the maps work on pixel
centres (pixel ``i`` at ``i``), hence the half-pixel shifts below.

Example:
    >>> import torch
    >>> from tempaug.functional.targets import move_boxes
    >>> from tempaug.functional.geometric import flip_matrix
    >>> boxes = torch.tensor([[[[0.0, 0.0, 2.0, 4.0]]]])                 # (B, T, N, 4) on a 4x8 frame
    >>> moved, valid = move_boxes(boxes, torch.ones(1, 1, 1, dtype=torch.bool), flip_matrix(True, (4, 8), 1), (4, 8))
    >>> moved.tolist(), valid.tolist()
    ([[[[6.0, 0.0, 8.0, 4.0]]]], [[[True]]])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .geometric import sample_grid
from .temporal import TimeMap

__all__ = [
    "gather_frames",
    "move_boxes",
    "move_keypoints",
    "move_points",
    "nearest_frames",
    "retime",
    "warp_mask",
]


def nearest_frames(tmap: TimeMap) -> Tensor:
    """(B, T_out) long: for each output frame, the source frame nearer to its position.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import positions_to_map
        >>> from tempaug.functional.targets import nearest_frames
        >>> nearest_frames(positions_to_map(torch.tensor([[0.25, 0.5, 0.75, 3.9]]), 4)).tolist()
        [[0, 0, 1, 0]]
    """
    if tmap.weight is None or tmap.partner is None:
        return tmap.index
    return torch.where(tmap.weight > 0.5, tmap.partner, tmap.index)


def retime(times: Tensor, tmap: TimeMap) -> Tensor:
    """(B, T_out) float32 source times of the output frames, given the (B, T) times of the input frames.

    A blended frame's time is blended like its pixels; across a loop's seam (the last frame blending into the
    first) the time runs on past the last frame.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import positions_to_map
        >>> from tempaug.functional.targets import retime
        >>> retime(torch.tensor([[0.0, 1.0, 2.0]]), positions_to_map(torch.tensor([[2.0, 0.5, 2.5]]), 3)).tolist()
        [[2.0, 0.5, 2.5]]
    """
    first = times.gather(1, tmap.index)
    if tmap.weight is None or tmap.partner is None:
        return first
    second = times.gather(1, tmap.partner)
    previous = times.gather(1, (tmap.index - 1).clamp(min=0))
    step = torch.where(tmap.index > 0, first - previous, torch.ones_like(first))
    seam = tmap.partner < tmap.index
    second = torch.where(seam, first + step, second)
    return first + tmap.weight * (second - first)


def gather_frames(values: Tensor, frames: Tensor) -> Tensor:
    """``values`` (B, T, ...) read at ``frames`` (B, T_out) long -> (B, T_out, ...).

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import gather_frames
        >>> gather_frames(torch.arange(6).view(2, 3), torch.tensor([[2, 0], [1, 1]])).tolist()
        [[2, 0], [4, 4]]
    """
    index = frames.view(*frames.shape, *([1] * (values.dim() - 2))).expand(*frames.shape, *values.shape[2:])
    return values.gather(1, index.to(values.device))


def _forward(matrix: Tensor) -> Tensor:
    """Input-to-output maps for output-to-input ``matrix`` (B, T', 3, 3)."""
    return torch.linalg.inv(matrix.to(torch.float64))


def move_points(points: Tensor, matrix: Tensor) -> Tensor:
    """Move (B, T, ..., 2) points in pixel coordinates through output-to-input maps (B, T', 3, 3), T' in {1, T}.

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import move_points
        >>> from tempaug.functional.geometric import box_matrix
        >>> m = box_matrix(torch.tensor([[[2.0, 2.0, 6.0, 6.0]]]), (2, 2))     # a 4x4 crop at (2, 2), halved
        >>> move_points(torch.tensor([[[[4.0, 6.0]]]]), m).tolist()
        [[[[1.0, 2.0]]]]
    """
    b, t = points.shape[:2]
    forward = _forward(matrix)  # (B, T', 3, 3)
    extra = points.dim() - 3
    fwd = forward.view(forward.shape[0], forward.shape[1], *([1] * extra), 3, 3)
    centres = points.to(torch.float64) - 0.5
    homo = torch.cat([centres, torch.ones_like(centres[..., :1])], dim=-1).unsqueeze(-1)
    moved = (fwd @ homo).squeeze(-1)
    out = moved[..., :2] / moved[..., 2:3] + 0.5
    return out.to(torch.float32).expand(b, t, *points.shape[2:]) if out.shape[1] != t else out.to(torch.float32)


#: The most corners an outline keeps: a box's 4, and up to 4 more each time a frame's border cuts it. An outline
#: that would need more is replaced by the corners of its bounding box (a looser, never a tighter, outline).
OUTLINE_CORNERS = 12


def box_outline(boxes: Tensor) -> tuple[Tensor, Tensor]:
    """The outline of (..., 4) ``xyxy`` boxes: (..., OUTLINE_CORNERS, 2) corners, in order, and which are used.

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import box_outline
        >>> corners, used = box_outline(torch.tensor([0.0, 0.0, 2.0, 1.0]))
        >>> corners[:4].tolist(), int(used.sum())
        ([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0]], 4)
    """
    x0, y0, x1, y1 = boxes.to(torch.float32).unbind(-1)
    corners = torch.stack(
        [torch.stack([x0, y0], -1), torch.stack([x1, y0], -1), torch.stack([x1, y1], -1), torch.stack([x0, y1], -1)],
        dim=-2,
    )
    pad = corners.new_zeros((*corners.shape[:-2], OUTLINE_CORNERS - 4, 2))
    used = torch.zeros((*corners.shape[:-2], OUTLINE_CORNERS), dtype=torch.bool, device=boxes.device)
    used[..., :4] = True
    return torch.cat([corners, pad], dim=-2), used


def _clip_half(points: Tensor, used: Tensor, axis: int, bound: Tensor, keep_above: bool) -> tuple[Tensor, Tensor]:
    """One step of Sutherland-Hodgman: the part of each convex outline on one side of ``x[axis] = bound``."""
    v = points.shape[-2]
    count = used.sum(-1, keepdim=True)
    index = torch.arange(v, device=points.device).expand(used.shape)
    following = torch.where(index + 1 < count, index + 1, torch.zeros_like(index))
    nxt = points.gather(-2, following.unsqueeze(-1).expand(points.shape))
    bound = bound.unsqueeze(-1)
    side = (points[..., axis] - bound) if keep_above else (bound - points[..., axis])
    side_next = (nxt[..., axis] - bound) if keep_above else (bound - nxt[..., axis])
    inside, inside_next = side >= 0, side_next >= 0
    step = nxt[..., axis] - points[..., axis]
    frac = ((bound - points[..., axis]) / torch.where(step == 0, torch.ones_like(step), step)).clamp(0.0, 1.0)
    crossing = points + frac.unsqueeze(-1) * (nxt - points)
    crossing[..., axis] = bound.expand(crossing.shape[:-1])
    keep = used & inside
    cross = used & (inside != inside_next)
    candidates = torch.stack([points, crossing], dim=-2).flatten(-3, -2)  # (..., 2V, 2): each corner, then its crossing
    chosen = torch.stack([keep, cross], dim=-1).flatten(-2)
    order = torch.sort((~chosen).to(torch.int8), dim=-1, stable=True).indices  # used ones first, in order
    candidates = candidates.gather(-2, order.unsqueeze(-1).expand(candidates.shape))
    chosen = chosen.gather(-1, order)
    overflow = chosen[..., v:].any(-1)
    points, used = candidates[..., :v, :], chosen[..., :v]
    if bool(overflow.any()):  # more corners than kept: fall back to the bounding box of what was there
        lo, hi = outline_extent(candidates, chosen)
        box_points, box_used = box_outline(torch.cat([lo, hi], -1))
        points = torch.where(overflow[..., None, None], box_points, points)
        used = torch.where(overflow[..., None], box_used, used)
    return points, used


def clip_outline(points: Tensor, used: Tensor, rect: Tensor) -> tuple[Tensor, Tensor]:
    """The part of each convex outline (..., V, 2) inside ``rect`` (..., 4) ``(x0, y0, x1, y1)`` (broadcast).

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import box_outline, clip_outline, outline_extent
        >>> points, used = box_outline(torch.tensor([-2.0, 1.0, 3.0, 2.0]))
        >>> clipped, kept = clip_outline(points, used, torch.tensor([0.0, 0.0, 4.0, 4.0]))
        >>> [v.tolist() for v in outline_extent(clipped, kept)]
        [[0.0, 1.0], [3.0, 2.0]]
    """
    rect = rect.to(points.dtype).expand(*points.shape[:-2], 4)
    for axis, k, above in ((0, 0, True), (0, 2, False), (1, 1, True), (1, 3, False)):
        points, used = _clip_half(points, used, axis, rect[..., k], above)
    return points, used


def outline_extent(points: Tensor, used: Tensor) -> tuple[Tensor, Tensor]:
    """The bounding box of each outline: its (x0, y0) and (x1, y1), (..., 2) each (zeros for an empty one).

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import box_outline, outline_extent
        >>> [v.tolist() for v in outline_extent(*box_outline(torch.tensor([1.0, 2.0, 3.0, 5.0])))]
        [[1.0, 2.0], [3.0, 5.0]]
    """
    big = torch.finfo(points.dtype).max
    mask = used.unsqueeze(-1)
    lo = torch.where(mask, points, big).min(dim=-2).values
    hi = torch.where(mask, points, -big).max(dim=-2).values
    empty = ~used.any(-1, keepdim=True)
    return torch.where(empty, 0.0, lo), torch.where(empty, 0.0, hi)


def outline_boxes(points: Tensor, used: Tensor, valid: Tensor) -> tuple[Tensor, Tensor]:
    """``xyxy`` boxes (..., 4) bounding the outlines, and ``valid`` where something with an area is left.

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import box_outline, outline_boxes
        >>> outline_boxes(*box_outline(torch.tensor([1.0, 2.0, 3.0, 5.0])), torch.tensor(True))[0].tolist()
        [1.0, 2.0, 3.0, 5.0]
    """
    lo, hi = outline_extent(points, used)
    keep = valid & (used.sum(-1) >= 3) & (hi[..., 0] - lo[..., 0] > 1e-6) & (hi[..., 1] - lo[..., 1] > 1e-6)
    boxes = torch.cat([lo, hi], dim=-1)
    return torch.where(keep.unsqueeze(-1), boxes, torch.zeros_like(boxes)), keep


def move_outline(points: Tensor, used: Tensor, matrix: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """Move (B, T, N, V, 2) outlines through a space map and cut them to the output frame of ``size`` (H, W).

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import box_outline, move_outline, outline_extent
        >>> from tempaug.functional.geometric import flip_matrix
        >>> points, used = box_outline(torch.tensor([[[[0.0, 0.0, 2.0, 4.0]]]]))
        >>> moved, kept = move_outline(points, used, flip_matrix(True, (4, 8), 1), (4, 8))
        >>> [v.flatten().tolist() for v in outline_extent(moved, kept)]
        [[6.0, 0.0], [8.0, 4.0]]
    """
    h, w = size
    moved = move_points(points, matrix)
    frame = torch.tensor([0.0, 0.0, float(w), float(h)], device=points.device)
    return clip_outline(moved, used, frame)


def move_boxes(boxes: Tensor, valid: Tensor, matrix: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """Move (B, T, N, 4) ``xyxy`` boxes through a space map into a frame of ``size`` (H, W).

    Each box becomes the bounding box of the part of its moved outline that lies inside the frame (exact for
    rotations cut by the border, not just the moved corners clipped); ``valid`` (B, T, N) turns False where
    nothing of a box, or only a line, is left inside. Inside a pipeline the outline itself travels from op to op
    (see :func:`move_outline`), so two rotations in a row do not grow the box.

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import move_boxes
        >>> from tempaug.functional.geometric import box_matrix
        >>> m = box_matrix(torch.tensor([[[4.0, 0.0, 8.0, 4.0]]]), (4, 4))     # crop the right half of a 4x8 frame
        >>> boxes = torch.tensor([[[[1.0, 1.0, 3.0, 3.0], [3.0, 0.0, 6.0, 2.0]]]])
        >>> moved, valid = move_boxes(boxes, torch.ones(1, 1, 2, dtype=torch.bool), m, (4, 4))
        >>> moved.tolist(), valid.tolist()
        ([[[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 2.0]]]], [[[False, True]]])
    """
    points, used = move_outline(*box_outline(boxes), matrix, size)
    return outline_boxes(points, used, valid)


def move_keypoints(points: Tensor, visible: Tensor, matrix: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """Move (B, T, N, K, 2) keypoints through a space map; those that leave the (H, W) frame become invisible.

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import move_keypoints
        >>> from tempaug.functional.geometric import flip_matrix
        >>> pts, vis = move_keypoints(torch.tensor([[[[[0.5, 1.5]]]]]), torch.ones(1, 1, 1, 1, dtype=torch.bool),
        ...                           flip_matrix(True, (2, 4), 1), (2, 4))
        >>> pts.tolist(), vis.tolist()
        ([[[[[3.5, 1.5]]]]], [[[[True]]]])
    """
    h, w = size
    moved = move_points(points, matrix)
    inside = (moved[..., 0] >= 0) & (moved[..., 0] < w) & (moved[..., 1] >= 0) & (moved[..., 1] < h)
    return moved, visible & inside


def warp_mask(mask: Tensor, matrix: Tensor, size: tuple[int, int]) -> Tensor:
    """Resample (B, T, M, H, W) masks through output-to-input maps (B, T', 3, 3) into ``size`` (H', W').

    Integer and bool masks take the nearest source pixel (never a blend) and 0 outside the frame; float
    masks are interpolated bilinearly, with 0 outside the frame.

    Example:
        >>> import torch
        >>> from tempaug.functional.targets import warp_mask
        >>> from tempaug.functional.geometric import flip_matrix
        >>> m = torch.tensor([1, 2, 3], dtype=torch.long).view(1, 1, 1, 1, 3)
        >>> warp_mask(m, flip_matrix(True, (1, 3), 1), (1, 3)).flatten().tolist()
        [3, 2, 1]
    """
    b, t, m, h, w = mask.shape
    oh, ow = size
    if b == 0 or t == 0 or m == 0:
        return mask.new_zeros((b, t, m, oh, ow))
    _, _, grid = sample_grid(matrix.to(mask.device), size, (h, w), t)
    integer = not mask.is_floating_point()
    if integer:  # float32 holds every id of a mask up to int16 exactly; wider ids go through float64
        compute = torch.float64 if mask.dtype in (torch.int32, torch.int64) else torch.float32
    else:
        compute = mask.dtype if mask.dtype in (torch.float32, torch.float64) else torch.float32
    frames = mask.reshape(b * t, m, h, w).to(compute)
    if integer:
        # nearest pixel; points off the frame (beyond half a pixel) read 0
        out = F.grid_sample(frames, grid.to(compute), mode="nearest", padding_mode="zeros", align_corners=False)
    else:
        out = F.grid_sample(frames, grid.to(compute), mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.view(b, t, m, oh, ow).round().to(mask.dtype) if integer else out.view(b, t, m, oh, ow).to(mask.dtype)
