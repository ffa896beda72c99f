"""Mixing kernels: each sample takes part of a partner sample of the same batch, and its label follows.

A mix is a partner index per sample (B,) long and either a blend weight per sample (MixUp) or a space-time
box per sample (CutMix, TemporalCutMix, TubeMix). The partner is gathered by index; a box becomes a mask by
comparing index grids with the per-sample bounds, and the label weights are the shares of that mask, counted
in whole pixels, so they are exact however the box was clipped. Nothing here draws random numbers.

Boxes are (B, 6) long ``(t0, t1, y0, y1, x0, x1)``, ends excluded, as in :func:`tempaug.functional.color.tube_mask`;
bounds outside the clip take no pixels. Clips are (B, T, C, H, W); labels are (B, K) rows.

Example:
    >>> import torch
    >>> from tempaug.functional.mix import box_weights, paste_box
    >>> x = torch.stack([torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)])
    >>> box = torch.tensor([[0, 1, 0, 2, 0, 1], [0, 0, 0, 0, 0, 0]])
    >>> paste_box(x, torch.tensor([1, 0]), box)[0, :, 0].tolist()
    [[[1.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]
    >>> own, taken = box_weights(box, (2, 2, 2))
    >>> own.tolist(), taken.tolist()
    ([0.75, 1.0], [0.25, 0.0])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from .targets import clip_outline, outline_boxes, outline_extent

__all__ = [
    "blend",
    "blend_mask",
    "blend_targets",
    "box_axes",
    "box_mask",
    "box_weights",
    "frames_taken",
    "mix_labels",
    "paste_box",
    "paste_boxes",
    "paste_outlines",
    "paste_points",
    "soft_labels",
]


def soft_labels(labels: Tensor, num_classes: int, smoothing: float = 0.0) -> Tensor:
    """(B, num_classes) label rows: class indices become one-hot rows, rows are kept; then label smoothing.

    Smoothing ``s`` moves ``s`` of each row's mass to a uniform spread, as timm does: a one-hot row becomes
    ``1 - s + s / K`` on its class and ``s / K`` elsewhere. Rows come out at least float32.

    Args:
        labels: (B,) integer class indices, or (B, K) rows (one-hot or soft, any numeric dtype).
        num_classes: K.
        smoothing: ``s`` in [0, 1].

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import soft_labels
        >>> soft_labels(torch.tensor([2, 0]), 3).tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
        >>> [round(v, 4) for v in soft_labels(torch.tensor([1]), 4, smoothing=0.2)[0].tolist()]
        [0.05, 0.85, 0.05, 0.05]
    """
    if labels.dim() == 1:
        classes = torch.arange(num_classes, device=labels.device)
        rows = (labels.view(-1, 1) == classes).to(torch.float32)
    else:
        rows = labels.to(
            torch.promote_types(labels.dtype, torch.float32) if labels.is_floating_point() else torch.float32
        )
    if smoothing:
        rows = rows * (1.0 - smoothing) + smoothing / num_classes
    return rows


def mix_labels(rows: Tensor, partner: Tensor, own: Tensor, taken: Tensor) -> Tensor:
    """``own[b] * rows[b] + taken[b] * rows[partner[b]]`` for every sample b.

    Args:
        rows: (B, K) label rows (see :func:`soft_labels`).
        partner: (B,) long, the sample each one takes from.
        own, taken: (B,) the shares of each sample's own clip and of its partner's.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import mix_labels
        >>> rows = torch.eye(2)
        >>> mix_labels(rows, torch.tensor([1, 0]), torch.tensor([0.75, 1.0]), torch.tensor([0.25, 0.0])).tolist()
        [[0.75, 0.25], [0.0, 1.0]]
    """
    own = own.to(device=rows.device, dtype=rows.dtype).view(-1, 1)
    taken = taken.to(device=rows.device, dtype=rows.dtype).view(-1, 1)
    return rows * own + rows.index_select(0, partner.to(rows.device)) * taken


def blend(x: Tensor, partner: Tensor, lam: Tensor) -> Tensor:
    """MixUp: ``lam[b] * x[b] + (1 - lam[b]) * x[partner[b]]``, ``lam`` each sample's own share (clamped to [0, 1]).

    uint8 and half-precision clips are blended in float32, float64 clips in float64; uint8 results are rounded,
    never wrapped. A sample with ``lam == 1`` is its own clip exactly.

    Args:
        x: (B, T, C, H, W), uint8 or floating.
        partner: (B,) long.
        lam: (B,) each output's share of its own clip; the partner gets ``1 - lam``.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import blend
        >>> x = torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1, 1)
        >>> blend(x, torch.tensor([1, 0]), torch.tensor([0.75, 1.0])).flatten().tolist()
        [64, 255]
    """
    compute = torch.float64 if x.dtype == torch.float64 else torch.float32
    own = lam.to(device=x.device, dtype=compute).clamp(0.0, 1.0).view(-1, *([1] * (x.dim() - 1)))
    other = x.index_select(0, partner.to(x.device)).to(compute)
    mixed = own * x.to(compute) + (1.0 - own) * other
    if x.dtype == torch.uint8:
        return mixed.round_().clamp_(0, 255).to(torch.uint8)
    return torch.where(own == 1, x, mixed.to(x.dtype))  # inf/NaN in a partner whose share is 0 must not leak in


def _inside(size: int, lo: Tensor, hi: Tensor) -> Tensor:
    index = torch.arange(size, device=lo.device).view(1, size)
    return (index >= lo.view(-1, 1)) & (index < hi.view(-1, 1))


def box_axes(box: Tensor, size: Sequence[int]) -> tuple[Tensor, Tensor, Tensor]:
    """The box as three per-axis masks: (B, T), (B, H) and (B, W) bool; the box is their product.

    Args:
        box: (B, 6) long ``(t0, t1, y0, y1, x0, x1)``, ends excluded.
        size: the clip's ``(T, H, W)``.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import box_axes
        >>> [m.int().tolist() for m in box_axes(torch.tensor([[1, 3, -1, 1, 0, 9]]), (3, 2, 2))]
        [[[0, 1, 1]], [[1, 0]], [[1, 1]]]
    """
    t, h, w = (int(s) for s in size)
    return _inside(t, box[:, 0], box[:, 1]), _inside(h, box[:, 2], box[:, 3]), _inside(w, box[:, 4], box[:, 5])


def box_mask(box: Tensor, size: Sequence[int]) -> Tensor:
    """(B, T, 1, H, W) bool, True where a sample takes its partner's pixel.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import box_mask
        >>> box_mask(torch.tensor([[0, 1, 0, 1, 1, 2]]), (2, 1, 2))[0, :, 0].int().tolist()
        [[[0, 1]], [[0, 0]]]
    """
    mt, my, mx = box_axes(box, size)
    b, t, h, w = box.shape[0], mt.shape[1], my.shape[1], mx.shape[1]
    return mt.view(b, t, 1, 1, 1) & my.view(b, 1, 1, h, 1) & mx.view(b, 1, 1, 1, w)


def box_weights(box: Tensor, size: Sequence[int]) -> tuple[Tensor, Tensor]:
    """(own, taken): each sample's share of pixels from its own clip and from its partner, (B,) float32.

    The shares are counted on the mask :func:`paste_box` uses (the pixels inside both the box and the clip),
    so a box clipped at the border, or an empty one, gives the exact share. Each is a count over the clip's
    volume ``T * H * W``, rounded once to float32.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import box_weights
        >>> own, taken = box_weights(torch.tensor([[0, 4, -2, 2, 0, 4]]), (4, 4, 4))   # rows -2, -1 lie outside
        >>> own.tolist(), taken.tolist()
        ([0.5], [0.5])
    """
    mt, my, mx = box_axes(box, size)
    volume = mt.shape[1] * my.shape[1] * mx.shape[1]
    count = mt.sum(1) * my.sum(1) * mx.sum(1)
    total = float(max(volume, 1))
    taken = (count.to(torch.float64) / total).to(torch.float32)
    own = ((volume - count).to(torch.float64) / total).to(torch.float32)
    return own, taken


def paste_box(x: Tensor, partner: Tensor, box: Tensor) -> Tensor:
    """CutMix and its kin: inside each sample's box the pixels come from ``x[partner[b]]``, outside from ``x[b]``.

    Args:
        x: (B, T, C, H, W), any dtype (no arithmetic: every output pixel is an input pixel).
        partner: (B,) long.
        box: (B, 6) long ``(t0, t1, y0, y1, x0, x1)``, ends excluded; the same box on every channel.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import paste_box
        >>> x = torch.arange(2.0).view(2, 1, 1, 1, 1).expand(2, 3, 1, 1, 1)
        >>> box = torch.tensor([[1, 3, 0, 1, 0, 1], [0, 0, 0, 0, 0, 0]])
        >>> paste_box(x, torch.tensor([1, 0]), box)[:, :, 0, 0, 0].tolist()
        [[0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    box = box.to(x.device)
    mask = box_mask(box, (x.shape[1], x.shape[3], x.shape[4]))
    return torch.where(mask, x.index_select(0, partner.to(x.device)), x)


# ------------------------------------------------------------------------------------ targets of a mix
def blend_targets(values: Tensor, present: Tensor, partner: Tensor, own: Tensor) -> tuple[Tensor, Tensor]:
    """MixUp on per-frame objects: each sample keeps its own objects and gains its partner's (both are seen).

    Args:
        values: (B, T, N, ...) boxes or keypoints.
        present: (B, T, N, ...) bool, which of them are there (box validity, keypoint visibility).
        partner: (B,) long.
        own: (B,) each sample's own share; a share of 0 hides its own objects, 1 its partner's.

    Returns:
        (B, T, 2N, ...) values (own first, then the partner's) and their presence.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import blend_targets
        >>> v, p = blend_targets(torch.tensor([[[1.0]], [[2.0]]]), torch.ones(2, 1, 1, dtype=torch.bool),
        ...                      torch.tensor([1, 0]), torch.tensor([0.5, 1.0]))
        >>> v.flatten().tolist(), p.flatten().tolist()
        ([1.0, 2.0, 2.0, 1.0], [True, True, True, False])
    """
    idx = partner.to(values.device)
    shape = (-1, *([1] * (present.dim() - 1)))
    own = own.to(values.device).view(shape)
    mine = present & (own > 0)
    theirs = present.index_select(0, idx) & (own < 1)
    return torch.cat([values, values.index_select(0, idx)], dim=2), torch.cat([mine, theirs], dim=2)


def blend_mask(mask: Tensor, partner: Tensor, own: Tensor) -> Tensor:
    """MixUp on (B, T, M, H, W) masks: float masks blend like the pixels; integer masks are never blended,
    each sample keeps the mask of the clip with the larger share (its own at an even split).

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import blend_mask
        >>> m = torch.tensor([1, 2]).view(2, 1, 1, 1, 1)
        >>> blend_mask(m, torch.tensor([1, 0]), torch.tensor([0.25, 0.5])).flatten().tolist()
        [2, 2]
    """
    idx = partner.to(mask.device)
    other = mask.index_select(0, idx)
    weight = own.to(mask.device).view(-1, *([1] * (mask.dim() - 1)))
    if mask.is_floating_point():
        return (weight * mask + (1 - weight) * other).to(mask.dtype)
    return torch.where(weight >= 0.5, mask, other)


def frames_taken(box: Tensor, size: Sequence[int]) -> Tensor:
    """(B, T) bool: frames whose every pixel comes from the partner (the box spans the whole frame there).

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import frames_taken
        >>> frames_taken(torch.tensor([[1, 2, 0, 4, 0, 4], [0, 3, 0, 2, 0, 4]]), (3, 4, 4)).tolist()
        [[False, True, False], [False, False, False]]
    """
    mt, my, mx = box_axes(box, size)
    return mt & my.all(dim=1, keepdim=True) & mx.all(dim=1, keepdim=True)


def _inside_rect(x: Tensor, y: Tensor, box: Tensor) -> Tensor:
    """Points (B, T, N, ...) inside each sample's pasted rectangle (pixel coordinates, ends excluded)."""
    view = (-1, *([1] * (x.dim() - 1)))
    y0, y1, x0, x1 = (box[:, k].to(x.dtype).view(view) for k in (2, 3, 4, 5))
    return (x >= x0) & (x < x1) & (y >= y0) & (y < y1)


def _in_span(box: Tensor, t: int, like: Tensor) -> Tensor:
    """(B, T, 1, ...) bool: the frames of each sample's box."""
    frames = torch.arange(t, device=box.device).view(1, t)
    span = (frames >= box[:, :1]) & (frames < box[:, 1:2])
    return span.view(*span.shape, *([1] * (like.dim() - 2)))


def paste_boxes(
    boxes: Tensor, valid: Tensor, partner: Tensor, box: Tensor, size: Sequence[int]
) -> tuple[Tensor, Tensor]:
    """Boxes after :func:`paste_box`: each sample keeps its own boxes, except those the pasted region hides
    entirely, and gains its partner's boxes cut to the pasted region, on the pasted frames.

    Args:
        boxes: (B, T, N, 4) ``xyxy`` boxes in pixel coordinates; ``valid`` (B, T, N) bool.
        partner: (B,) long; box: (B, 6) long ``(t0, t1, y0, y1, x0, x1)``; size: the clip's (T, H, W).

    Returns:
        (B, T, 2N, 4) boxes (own first, then the partner's) and their validity.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import paste_boxes
        >>> boxes = torch.tensor([[0.0, 0, 2, 2], [2.0, 2, 4, 4]]).view(2, 1, 1, 4)
        >>> out, ok = paste_boxes(boxes, torch.ones(2, 1, 1, dtype=torch.bool), torch.tensor([1, 0]),
        ...                       torch.tensor([[0, 1, 0, 3, 0, 3], [0, 0, 0, 0, 0, 0]]), (1, 4, 4))
        >>> out[0, 0].tolist(), ok[0, 0].tolist()
        ([[0.0, 0.0, 2.0, 2.0], [2.0, 2.0, 3.0, 3.0]], [False, True])
    """
    t = int(size[0])
    box = box.to(boxes.device)
    idx = partner.to(boxes.device)
    view = (-1, 1, 1)
    y0, y1, x0, x1 = (box[:, k].to(boxes.dtype).view(view) for k in (2, 3, 4, 5))
    span = _in_span(box, t, valid)
    bx0, by0, bx1, by1 = boxes.unbind(-1)
    hidden = span & (bx0 >= x0) & (bx1 <= x1) & (by0 >= y0) & (by1 <= y1)
    mine = valid & ~hidden
    px0, py0, px1, py1 = boxes.index_select(0, idx).unbind(-1)
    cut = torch.stack([px0.clamp(x0, x1), py0.clamp(y0, y1), px1.clamp(x0, x1), py1.clamp(y0, y1)], dim=-1)
    theirs = valid.index_select(0, idx) & span & (cut[..., 2] > cut[..., 0]) & (cut[..., 3] > cut[..., 1])
    return torch.cat([boxes, cut], dim=2), torch.cat([mine, theirs], dim=2)


def paste_points(
    points: Tensor, visible: Tensor, partner: Tensor, box: Tensor, size: Sequence[int]
) -> tuple[Tensor, Tensor]:
    """Keypoints after :func:`paste_box`: a sample's own points inside the pasted region are hidden; its
    partner's points are seen there only.

    Args:
        points: (B, T, N, K, 2); visible: (B, T, N, K) bool; partner, box, size: as for :func:`paste_boxes`.

    Returns:
        (B, T, 2N, K, 2) points (own first, then the partner's) and their visibility.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import paste_points
        >>> pts = torch.tensor([0.5, 0.5]).expand(2, 1, 1, 1, 2)
        >>> _, vis = paste_points(pts, torch.ones(2, 1, 1, 1, dtype=torch.bool), torch.tensor([1, 0]),
        ...                       torch.tensor([[0, 1, 0, 1, 0, 1], [0, 0, 0, 0, 0, 0]]), (1, 2, 2))
        >>> vis[0].flatten().tolist(), vis[1].flatten().tolist()
        ([False, True], [True, False])
    """
    t = int(size[0])
    box = box.to(points.device)
    idx = partner.to(points.device)
    span = _in_span(box, t, visible)
    inside = span & _inside_rect(points[..., 0], points[..., 1], box)
    theirs_pts = points.index_select(0, idx)
    theirs_in = span & _inside_rect(theirs_pts[..., 0], theirs_pts[..., 1], box)
    mine = visible & ~inside
    theirs = visible.index_select(0, idx) & theirs_in
    return torch.cat([points, theirs_pts], dim=2), torch.cat([mine, theirs], dim=2)


def paste_outlines(
    outline: Tensor, used: Tensor, valid: Tensor, partner: Tensor, box: Tensor, size: Sequence[int]
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """:func:`paste_boxes` on box outlines: the partner's outlines are cut to the pasted rectangle (exact for
    outlines a rotation left tilted), own outlines stay.

    Args:
        outline: (B, T, N, V, 2) corners; used: (B, T, N, V) bool; valid: (B, T, N) bool, the boxes present.
        partner, box, size: as for :func:`paste_boxes`.

    Returns:
        (B, T, 2N, 4) boxes, their validity, (B, T, 2N, V, 2) outlines and their corners in use: own first.

    Example:
        >>> import torch
        >>> from tempaug.functional.mix import paste_outlines
        >>> from tempaug.functional.targets import box_outline
        >>> outline, used = box_outline(torch.tensor([[0.0, 0, 2, 2], [2.0, 2, 4, 4]]).view(2, 1, 1, 4))
        >>> boxes, ok, _, _ = paste_outlines(outline, used, torch.ones(2, 1, 1, dtype=torch.bool),
        ...                                  torch.tensor([1, 0]), torch.tensor([[0, 1, 0, 3, 0, 3], [0, 0, 0, 0, 0, 0]]), (1, 4, 4))
        >>> boxes[0, 0].tolist(), ok[0, 0].tolist()
        ([[0.0, 0.0, 2.0, 2.0], [2.0, 2.0, 3.0, 3.0]], [False, True])
    """
    t = int(size[0])
    box = box.to(outline.device)
    idx = partner.to(outline.device)
    lo, hi = outline_extent(outline, used)
    own_boxes = torch.cat([lo, hi], dim=-1)
    view = (-1, 1, 1)
    y0, y1, x0, x1 = (box[:, k].to(outline.dtype).view(view) for k in (2, 3, 4, 5))
    span = _in_span(box, t, valid)
    hidden = span & (lo[..., 0] >= x0) & (hi[..., 0] <= x1) & (lo[..., 1] >= y0) & (hi[..., 1] <= y1)
    rect = torch.stack([x0, y0, x1, y1], dim=-1)  # (B, 1, 1, 4)
    theirs_outline, theirs_used = clip_outline(outline.index_select(0, idx), used.index_select(0, idx), rect)
    theirs_boxes, theirs_ok = outline_boxes(theirs_outline, theirs_used, valid.index_select(0, idx) & span)
    return (
        torch.cat([own_boxes, theirs_boxes], dim=2),
        torch.cat([valid & ~hidden, theirs_ok], dim=2),
        torch.cat([outline, theirs_outline], dim=2),
        torch.cat([used, theirs_used], dim=2),
    )
