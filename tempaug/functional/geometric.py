"""Geometric kernels: one affine map per sample (or per frame), one warp.

A map is a (B, T', 3, 3) matrix (T' = 1 for one map per clip, or T) that takes
an *output* pixel centre ``(x, y, 1)`` to the *input* position it reads, in
pixel units with pixel ``i`` centred at ``i`` (``align_corners=False``).
Chains of geometric ops compose by multiplying their matrices, then warp once.

:func:`warp` picks the kernel:

- On the CPU, a map that only crops, flips and resizes by whole-pixel boxes
  (what RandomResizedCrop, RandomCrop, CenterCrop, Resize and the flips draw)
  becomes slicing plus, if the size changes, one ``torch.nn.functional.interpolate``
  call (bilinear, antialiased). uint8 stays uint8 throughout: PyTorch's CPU
  resize has a vectorised uint8 kernel, which is faster than converting to
  float (and than OpenCV's resize over a clip's frames in our measurements).
- Anything else (rotations, shears, fractional boxes, accelerators) goes through
  one ``torch.nn.functional.grid_sample`` over all B*T frames (bilinear, no
  antialiasing, as kornia's warps do).

Example:
    >>> import torch
    >>> from tempaug.functional.geometric import box_matrix, warp
    >>> x = torch.arange(16.0).view(1, 1, 1, 4, 4)
    >>> m = box_matrix(torch.tensor([[1.0, 1.0, 3.0, 3.0]]), (2, 2)).view(1, 1, 3, 3)
    >>> warp(x, m, (2, 2)).flatten().tolist()
    [5.0, 6.0, 9.0, 10.0]
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "SpaceMap",
    "affine_matrix",
    "apply_space_map",
    "box_matrix",
    "compose_space_maps",
    "crop_resize",
    "flip_matrix",
    "grid_warp",
    "identity_matrix",
    "matrix_boxes",
    "sample_grid",
    "warp",
]

_TOL = 1e-3


def identity_matrix(batch: int, frames: int = 1, device: torch.device | str | None = None) -> Tensor:
    """(batch, frames, 3, 3) identity maps.

    Example:
        >>> from tempaug.functional.geometric import identity_matrix
        >>> identity_matrix(2).shape
        torch.Size([2, 1, 3, 3])
    """
    return torch.eye(3, device=device).expand(batch, frames, 3, 3).clone()


def box_matrix(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Maps that read the boxes ``(x0, y0, x1, y1)`` (pixel edges, x1/y1 exclusive) into an output of ``size`` (H, W).

    Args:
        boxes: (..., 4) float boxes in input pixels; they may reach outside the frame (padding).
        size: output (H, W).

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import box_matrix
        >>> box_matrix(torch.tensor([0.0, 0.0, 8.0, 4.0]), (2, 4))[:2].tolist()
        [[2.0, 0.0, 0.5], [0.0, 2.0, 0.5]]
    """
    h, w = size
    sx = (boxes[..., 2] - boxes[..., 0]) / w
    sy = (boxes[..., 3] - boxes[..., 1]) / h
    m = torch.zeros(*boxes.shape[:-1], 3, 3, dtype=torch.float32, device=boxes.device)
    m[..., 0, 0] = sx
    m[..., 0, 2] = boxes[..., 0] - 0.5 + 0.5 * sx
    m[..., 1, 1] = sy
    m[..., 1, 2] = boxes[..., 1] - 0.5 + 0.5 * sy
    m[..., 2, 2] = 1.0
    return m


def flip_matrix(
    horizontal: bool, size: tuple[int, int], batch: int, device: torch.device | str | None = None
) -> Tensor:
    """(batch, 1, 3, 3) maps that mirror a frame of ``size`` (H, W) left-right or top-bottom.

    Example:
        >>> from tempaug.functional.geometric import flip_matrix
        >>> flip_matrix(True, (2, 4), 1)[0, 0, 0].tolist()
        [-1.0, 0.0, 3.0]
    """
    m = identity_matrix(batch, 1, device)
    axis = 0 if horizontal else 1
    m[:, :, axis, axis] = -1.0
    m[:, :, axis, 2] = float((size[1] if horizontal else size[0]) - 1)
    return m


def affine_matrix(angle: Tensor, translate: Tensor, scale: Tensor, shear: Tensor, size: tuple[int, int]) -> Tensor:
    """Output-to-input maps of an affine transform about the frame centre (torchvision's conventions).

    Args:
        angle: (...,) degrees, counter-clockwise.
        translate: (..., 2) pixels (x, y).
        scale: (...,) zoom factor (> 1 enlarges the content).
        shear: (..., 2) degrees along x and y.
        size: frame (H, W); input and output have the same size.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import affine_matrix
        >>> m = affine_matrix(torch.zeros(1), torch.zeros(1, 2), torch.ones(1), torch.zeros(1, 2), (4, 4))
        >>> torch.allclose(m, torch.eye(3))
        True
    """
    h, w = size
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    a = torch.deg2rad(angle.to(torch.float32))
    sx, sy = torch.deg2rad(shear[..., 0].to(torch.float32)), torch.deg2rad(shear[..., 1].to(torch.float32))
    # forward (input -> output) linear part: rotation, then shear, then scale (torchvision's RSS order)
    cos_a, sin_a = torch.cos(a), torch.sin(a)
    rot = torch.stack([torch.stack([cos_a, sin_a], -1), torch.stack([-sin_a, cos_a], -1)], -2)
    shr = torch.stack(
        [torch.stack([torch.ones_like(sx), torch.tan(sx)], -1), torch.stack([torch.tan(sy), torch.ones_like(sy)], -1)],
        -2,
    )
    lin = scale[..., None, None].to(torch.float32) * (rot @ shr)
    forward = torch.zeros(*angle.shape, 3, 3, dtype=torch.float32, device=angle.device)
    forward[..., :2, :2] = lin
    centre = torch.tensor([cx, cy], dtype=torch.float32, device=angle.device)
    forward[..., :2, 2] = centre + translate.to(torch.float32) - (lin @ centre)
    forward[..., 2, 2] = 1.0
    return torch.linalg.inv(forward)


def matrix_boxes(matrix: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor, Tensor]:
    """Whole-pixel boxes and flips equivalent to ``matrix`` (B, T', 3, 3), and which samples have one.

    A sample's map is a box map when it is axis-aligned, the same for all its
    frames, and reads a whole-pixel box. Returns ``(boxes (B, 4) long as
    x0, y0, x1, y1; flips (B, 2) bool as horizontal, vertical; ok (B,) bool)``;
    boxes and flips are meaningful only where ``ok``.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import box_matrix, matrix_boxes
        >>> m = box_matrix(torch.tensor([[2.0, 1.0, 6.0, 3.0]]), (2, 2)).view(1, 1, 3, 3)
        >>> boxes, flips, ok = matrix_boxes(m, (2, 2))
        >>> boxes.tolist(), flips.tolist(), ok.tolist()
        ([[2, 1, 6, 3]], [[False, False]], [True])
    """
    # A handful of numbers per sample: plain Python floats beat a dozen tiny tensor ops here.
    h, w = size
    flat = matrix.detach().to(torch.float64).reshape(matrix.shape[0], -1, 9).tolist()
    boxes, flips, ok = [], [], []
    for frames in flat:
        a, b_, tx, c, d, ty = frames[0][:6]
        left, right = tx - 0.5 * a, tx + (w - 0.5) * a
        top, bottom = ty - 0.5 * d, ty + (h - 0.5) * d
        edges = [min(left, right) + 0.5, min(top, bottom) + 0.5, max(left, right) + 0.5, max(top, bottom) + 0.5]
        rounded = [round(e) for e in edges]
        good = (
            abs(b_) <= 1e-6
            and abs(c) <= 1e-6
            and all(abs(e - r) <= _TOL for e, r in zip(edges, rounded))
            and rounded[2] > rounded[0]
            and rounded[3] > rounded[1]
            and all(f == frames[0] for f in frames[1:])
        )
        boxes.append(rounded)
        flips.append([a < 0, d < 0])
        ok.append(good)
    n = matrix.shape[0]
    return (
        torch.tensor(boxes, dtype=torch.long).view(n, 4),
        torch.tensor(flips, dtype=torch.bool).view(n, 2),
        torch.tensor(ok, dtype=torch.bool).view(n),
    )


def _resize(frames: Tensor, size: tuple[int, int], antialias: bool) -> Tensor:
    """(N, C, h, w) -> (N, C, H, W), bilinear; uint8 stays uint8 (channels-last is PyTorch's fast uint8 path)."""
    if tuple(frames.shape[-2:]) == tuple(size):
        return frames
    dtype = frames.dtype
    if dtype == torch.uint8:
        frames = frames.contiguous(memory_format=torch.channels_last)
    elif dtype not in (torch.float32, torch.float64):
        frames = frames.to(torch.float32)
    out = F.interpolate(frames, size=size, mode="bilinear", align_corners=False, antialias=antialias)
    return out.to(dtype) if out.dtype != dtype else out


def _crop_one(
    x: Tensor, box: list[int], flip: list[bool], size: tuple[int, int], fill: float, antialias: bool
) -> Tensor:
    """x: (N, T, C, H, W) sharing one box; slicing (a view when inside the frame), padding, resize, flips."""
    h, w = x.shape[-2:]
    x0, y0, x1, y1 = box
    pad = [max(0, -x0), max(0, x1 - w), max(0, -y0), max(0, y1 - h)]
    if any(pad):
        lead = x.shape[:-2]
        x = F.pad(x.reshape(-1, h, w), pad, value=fill).view(*lead, h + pad[2] + pad[3], w + pad[0] + pad[1])
        x0, x1, y0, y1 = x0 + pad[0], x1 + pad[0], y0 + pad[2], y1 + pad[2]
    out = x[..., y0:y1, x0:x1]
    if (y1 - y0, x1 - x0) != tuple(size):
        n, t, c = out.shape[:3]
        out = _resize(out.reshape(n * t, c, y1 - y0, x1 - x0), size, antialias).view(n, t, c, *size)
    dims = [d for d, f in zip((-1, -2), flip) if f]
    return out.flip(dims) if dims else out


def crop_resize(
    x: Tensor, boxes: Tensor, flips: Tensor, size: tuple[int, int], fill: float = 0.0, antialias: bool = True
) -> Tensor:
    """Read whole-pixel boxes (B, 4) of a (B,T,C,H,W) batch into ``size``, mirroring where ``flips`` (B, 2) says.

    Samples sharing a box and flips are done in one call; on the CPU the others
    are handled one sample at a time (each still one call over its T frames),
    since a per-sample box has no single batched resize kernel.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import crop_resize
        >>> x = torch.arange(16, dtype=torch.uint8).view(1, 1, 1, 4, 4)
        >>> crop_resize(x, torch.tensor([[0, 0, 2, 2]]), torch.tensor([[True, False]]), (2, 2)).flatten().tolist()
        [1, 0, 5, 4]
    """
    rows = torch.cat([boxes, flips.to(torch.long)], dim=1)
    first = rows[0]
    if bool((rows == first).all()):
        return _crop_one(x, first[:4].tolist(), [bool(v) for v in first[4:]], size, fill, antialias)
    out = x.new_empty((x.shape[0], x.shape[1], x.shape[2], *size))
    for i, row in enumerate(rows.tolist()):
        out[i] = _crop_one(x[i : i + 1], row[:4], [bool(v) for v in row[4:]], size, fill, antialias)[0]
    return out


def sample_grid(
    matrix: Tensor, size: tuple[int, int], source: tuple[int, int], frames: int
) -> tuple[Tensor, Tensor, Tensor]:
    """Where each output pixel of ``size`` (H', W') reads a ``source`` (H, W) frame under maps (B, T', 3, 3).

    Returns the source positions in pixel centres, x and y (B, T', H'*W'), and the matching
    ``grid_sample`` grid (B*frames, H', W', 2) for ``align_corners=False``.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import identity_matrix, sample_grid
        >>> px, py, grid = sample_grid(identity_matrix(1), (1, 2), (1, 2), frames=3)
        >>> px.tolist(), tuple(grid.shape)
        ([[[0.0, 1.0]]], (3, 1, 2, 2))
    """
    oh, ow = size
    h, w = source
    device = matrix.device
    ys, xs = torch.meshgrid(
        torch.arange(oh, dtype=torch.float32, device=device),
        torch.arange(ow, dtype=torch.float32, device=device),
        indexing="ij",
    )
    points = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1).view(1, 1, oh * ow, 3)
    src = points @ matrix.to(torch.float32).transpose(-1, -2)  # (B, T', oh*ow, 3)
    px, py = src[..., 0], src[..., 1]
    grid = torch.stack([(2 * px + 1) / w - 1, (2 * py + 1) / h - 1], dim=-1)
    b = matrix.shape[0]
    return px, py, grid.expand(b, frames, oh * ow, 2).reshape(b * frames, oh, ow, 2)


def grid_warp(x: Tensor, matrix: Tensor, size: tuple[int, int], fill: float = 0.0) -> Tensor:
    """Warp a (B,T,C,H,W) batch with (B, T', 3, 3) output-to-input maps in one ``grid_sample`` over B*T frames.

    A point inside the frame's extent (pixel centres ``0 .. W-1`` plus half a pixel on each side) reads the
    bilinear value with the edge pixels repeated, as the box path's resize does; beyond it ``fill`` fades in
    over one pixel (so rotated edges stay smooth) and is all there is a pixel further out.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import grid_warp, identity_matrix
        >>> x = torch.rand(2, 3, 1, 4, 5)
        >>> torch.allclose(grid_warp(x, identity_matrix(2), (4, 5)), x, atol=1e-6)
        True
        >>> up = torch.tensor([[2.0, 0, 0], [0, 1, 0], [0, 0, 1]]).view(1, 1, 3, 3)    # a 2x upscale read at x/2
        >>> grid_warp(torch.ones(1, 1, 1, 1, 2), up.inverse(), (1, 4)).flatten().tolist()   # no dark edge
        [1.0, 1.0, 1.0, 1.0]
    """
    b, t, c, h, w = x.shape
    oh, ow = size
    px, py, grid = sample_grid(matrix.to(x.device), size, (h, w), t)
    # share of each output pixel that lies on the frame: 1 within the extent, fading to 0 one pixel beyond it
    inside_x = (torch.minimum(px + 0.5, (w - 0.5) - px) + 1.0).clamp_(0.0, 1.0)
    inside_y = (torch.minimum(py + 0.5, (h - 0.5) - py) + 1.0).clamp_(0.0, 1.0)
    inside = (inside_x * inside_y).expand(b, t, oh * ow).reshape(b, t, 1, oh, ow)
    dtype = x.dtype
    compute = dtype if dtype in (torch.float32, torch.float64) else torch.float32
    frames = x.reshape(b * t, c, h, w).to(compute)
    out = F.grid_sample(frames, grid.to(compute), mode="bilinear", padding_mode="border", align_corners=False)
    out = out.view(b, t, c, oh, ow)
    inside = inside.to(compute)
    out = out * inside + (1 - inside) * fill
    if dtype == torch.uint8:
        return out.round_().clamp_(0, 255).to(torch.uint8)
    return out.to(dtype)


def warp(x: Tensor, matrix: Tensor, size: tuple[int, int], fill: float = 0.0, antialias: bool = True) -> Tensor:
    """Apply (B, T', 3, 3) output-to-input maps to a (B,T,C,H,W) batch, giving frames of ``size`` (H, W).

    On the CPU each sample whose map is a whole-pixel box map takes the slicing
    path and the rest one ``grid_sample``; elsewhere every sample goes through
    ``grid_sample``, with no host synchronisation.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import flip_matrix, warp
        >>> x = torch.arange(4.0).view(1, 1, 1, 1, 4)
        >>> warp(x, flip_matrix(True, (1, 4), 1), (1, 4)).flatten().tolist()
        [3.0, 2.0, 1.0, 0.0]
    """
    if x.shape[0] == 0:
        return x.new_empty((0, x.shape[1], x.shape[2], *size))
    if x.device.type != "cpu":
        return grid_warp(x, matrix, size, fill)
    matrix = matrix.cpu()
    boxes, flips, ok = matrix_boxes(matrix, size)
    if bool(ok.all()):
        return crop_resize(x, boxes, flips, size, fill, antialias)
    if not bool(ok.any()):
        return grid_warp(x, matrix, size, fill)
    out = x.new_empty((x.shape[0], x.shape[1], x.shape[2], *size))
    fast, slow = ok.nonzero().squeeze(1), (~ok).nonzero().squeeze(1)
    out[fast] = crop_resize(x[fast], boxes[fast], flips[fast], size, fill, antialias)
    out[slow] = grid_warp(x[slow], matrix[slow], size, fill)
    return out


class SpaceMap(NamedTuple):
    """A geometric op's work: an affine map per sample (T' = 1) or per frame (T' = T), the output size, the fill.

    Attributes:
        matrix: (B, T', 3, 3) float32; output pixel centre (x, y, 1) -> input position.
        size: output (H, W).
        fill: value of output pixels that read outside the input frame.
        antialias: antialias when a box map shrinks the frame on the CPU.
        reads_outside: the map may read outside its input frame (rotations, shifts, padded crops), so
            pixels of ``fill`` may come into view.
        resamples: the map interpolates (False for crops and flips that move whole pixels).
        crops: the map reads only part of its input frame (crops, zooms).
    """

    matrix: Tensor
    size: tuple[int, int]
    fill: float = 0.0
    antialias: bool = True
    reads_outside: bool = True
    resamples: bool = True
    crops: bool = True


def compose_space_maps(inner: SpaceMap, outer: SpaceMap) -> SpaceMap | None:
    """The map of "``inner``, then ``outer``" as one map, or None when one warp would not give the same frames.

    One warp gives the same frames as the two in turn when

    - the fill values agree;
    - ``outer`` reads only inside ``inner``'s output frame (else one warp reads ``inner``'s input where
      the two warps see ``fill``);
    - at most one of them interpolates (as two time maps fold when at most one blends): a resampling
      ``inner`` is followed only by a whole-pixel move of all of its output (a flip), since a crop would
      cut its interpolation short at the crop's edge, and a second interpolation cannot be undone.

    Then the folded map reads the same source points as the chain, and the results differ by float
    rounding of the matrix product only.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import SpaceMap, compose_space_maps, flip_matrix
        >>> flip = SpaceMap(flip_matrix(True, (2, 2), 1), (2, 2), reads_outside=False, resamples=False, crops=False)
        >>> torch.equal(compose_space_maps(flip, flip).matrix, torch.eye(3).view(1, 1, 3, 3))
        True
    """
    if inner.fill != outer.fill or outer.reads_outside or (inner.resamples and (outer.resamples or outer.crops)):
        return None
    return SpaceMap(
        inner.matrix @ outer.matrix,
        outer.size,
        outer.fill,
        inner.antialias and outer.antialias,
        inner.reads_outside,
        inner.resamples or outer.resamples,
        inner.crops or outer.crops,
    )


def apply_space_map(x: Tensor, smap: SpaceMap) -> Tensor:
    """Warp a (B,T,C,H,W) batch with a :class:`SpaceMap`.

    Example:
        >>> import torch
        >>> from tempaug.functional.geometric import SpaceMap, apply_space_map, identity_matrix
        >>> x = torch.rand(1, 2, 1, 3, 3)
        >>> torch.equal(apply_space_map(x, SpaceMap(identity_matrix(1), (3, 3))), x)
        True
    """
    return warp(x, smap.matrix.to(x.device), smap.size, smap.fill, smap.antialias)
