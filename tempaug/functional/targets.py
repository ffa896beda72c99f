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


def _clipped_extent(quad: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor, Tensor]:
    """Bounding box of the part of each convex quad (..., 4, 2) (corners in order) inside the frame [0, W] x [0, H].

    The extreme points of a convex polygon cut to a rectangle are among its corners inside the frame, the
    frame's corners inside it, and the crossings of its edges with the frame's edges. Returns (lo, hi) (..., 2)
    and whether anything is inside (...,).
    """
    h, w = size
    big = torch.finfo(quad.dtype).max
    candidates, keep = [], []
    inside = (quad[..., 0] >= 0) & (quad[..., 0] <= w) & (quad[..., 1] >= 0) & (quad[..., 1] <= h)
    candidates.append(quad)
    keep.append(inside)
    # frame corners inside the quad: on the same side of all four edges
    start, stop = quad, quad.roll(-1, dims=-2)
    edge = stop - start  # (..., 4, 2)
    frame = torch.tensor([[0.0, 0.0], [w, 0.0], [0.0, h], [w, h]], dtype=quad.dtype, device=quad.device)
    rel = frame.view(*([1] * (quad.dim() - 2)), 1, 4, 2) - start.unsqueeze(-2)  # (..., 4 edges, 4 corners, 2)
    cross = edge[..., 0:1] * rel[..., 1] - edge[..., 1:2] * rel[..., 0]  # (..., 4, 4)
    within = (cross >= -1e-6).all(dim=-2) | (cross <= 1e-6).all(dim=-2)
    candidates.append(frame.expand(*quad.shape[:-2], 4, 2))
    keep.append(within)
    # crossings of the quad's edges with the frame's four lines
    for axis, value, other_max in ((0, 0.0, h), (0, float(w), h), (1, 0.0, w), (1, float(h), w)):
        d = edge[..., axis]
        safe = torch.where(d.abs() > 1e-12, d, torch.ones_like(d))
        u = (value - start[..., axis]) / safe
        point = start + u.unsqueeze(-1) * edge
        other = point[..., 1 - axis]
        hit = (d.abs() > 1e-12) & (u >= 0) & (u <= 1) & (other >= 0) & (other <= other_max)
        point = point.clone()
        point[..., axis] = value
        candidates.append(point)
        keep.append(hit)
    points = torch.cat(candidates, dim=-2)
    ok = torch.cat(keep, dim=-1).unsqueeze(-1)
    lo = torch.where(ok, points, big).min(dim=-2).values
    hi = torch.where(ok, points, -big).max(dim=-2).values
    return lo, hi, ok.squeeze(-1).any(dim=-1)


def move_boxes(boxes: Tensor, valid: Tensor, matrix: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """Move (B, T, N, 4) ``xyxy`` boxes through a space map into a frame of ``size`` (H, W).

    Each box becomes the bounding box of the part of its moved outline that lies inside the frame (exact for
    rotations cut by the border, not just the moved corners clipped); ``valid`` (B, T, N) turns False where
    nothing of a box, or only a line, is left inside.

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
    h, w = size
    x0, y0, x1, y1 = boxes.unbind(-1)
    corners = torch.stack(
        [torch.stack([x0, y0], -1), torch.stack([x1, y0], -1), torch.stack([x1, y1], -1), torch.stack([x0, y1], -1)],
        dim=-2,
    )  # (B, T, N, 4, 2), in order around the box
    moved = move_points(corners, matrix).to(torch.float64)
    lo, hi, any_inside = _clipped_extent(moved, size)
    keep = valid & any_inside & (hi[..., 0] - lo[..., 0] > 1e-6) & (hi[..., 1] - lo[..., 1] > 1e-6)
    out = torch.cat([lo, hi], dim=-1).clamp(min=0)
    out = torch.minimum(out, torch.tensor([w, h, w, h], dtype=out.dtype, device=out.device))
    out = torch.where(keep.unsqueeze(-1), out, torch.zeros_like(out))
    return out.to(torch.float32), keep


def move_keypoints(
    points: Tensor, visible: Tensor, matrix: Tensor, size: tuple[int, int]
) -> tuple[Tensor, Tensor]:
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
