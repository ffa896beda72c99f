"""Targets through the maps: one function for a time map, one for a space map.

The rules (which frame a blended frame's boxes come from, how a box is clipped) are those of
:mod:`tempaug.functional.targets`; here they are applied to every field of a :class:`Targets`.

Example:
    >>> import torch
    >>> from tempaug.core.moves import move_in_time
    >>> from tempaug.core.sample import unpack
    >>> from tempaug.functional.temporal import TimeMap
    >>> _, targets, _ = unpack({"video": torch.zeros(3, 1, 2, 2), "segments": [(0, 1, "a")]}, "op")
    >>> move_in_time(targets, TimeMap(torch.tensor([[2, 1, 0]]))).times.tolist()
    [[2.0, 1.0, 0.0]]
"""

from __future__ import annotations

from ..functional.geometric import SpaceMap
from ..functional.targets import (
    gather_frames,
    move_keypoints,
    move_outline,
    nearest_frames,
    outline_boxes,
    retime,
    warp_mask,
)
from ..functional.temporal import TimeMap
from .sample import Targets

__all__ = ["move_in_space", "move_in_time"]


def move_in_time(targets: Targets, tmap: TimeMap) -> Targets:
    """Targets after resampling the frames with ``tmap``: per-frame fields follow the nearer source frame,
    times are blended like the pixels, labels and segment spans stay.

    Example:
        >>> import torch
        >>> from tempaug.core.moves import move_in_time
        >>> from tempaug.core.sample import unpack
        >>> from tempaug.functional.temporal import positions_to_map
        >>> boxes = torch.tensor([[[0.0, 0, 1, 1]], [[1.0, 0, 2, 1]]])
        >>> _, t, _ = unpack({"video": torch.zeros(2, 1, 4, 4), "boxes": boxes}, "op")
        >>> moved = move_in_time(t, positions_to_map(torch.tensor([[0.75, 0.25]]), 2))
        >>> moved.boxes[0, :, 0, 0].tolist(), moved.times.tolist()
        ([1.0, 0.0], [[0.75, 0.25]])
    """
    near = nearest_frames(tmap)
    changes = {"times": retime(targets.times, tmap), "origin": gather_frames(targets.origin, near)}
    for key in ("boxes", "box_valid", "outline", "outline_used", "keypoints", "keypoint_visible", "mask"):
        value = getattr(targets, key)
        if value is not None:
            changes[key] = gather_frames(value, near)
    return targets.replace(**changes)


def move_in_space(targets: Targets, smap: SpaceMap) -> Targets:
    """Targets after warping the frames with ``smap``: boxes, keypoints and masks move; the rest stays.

    Example:
        >>> import torch
        >>> from tempaug.core.moves import move_in_space
        >>> from tempaug.core.sample import unpack
        >>> from tempaug.functional.geometric import SpaceMap, flip_matrix
        >>> _, t, _ = unpack({"video": torch.zeros(1, 1, 2, 4), "keypoints": torch.tensor([[[[0.5, 0.5]]]])}, "op")
        >>> move_in_space(t, SpaceMap(flip_matrix(True, (2, 4), 1), (2, 4))).keypoints.flatten().tolist()
        [3.5, 0.5]
    """
    if not targets.spatial:
        return targets
    matrix = smap.matrix.to(targets.times.device)
    changes = {}
    if targets.boxes is not None:
        assert targets.box_valid is not None and targets.outline is not None and targets.outline_used is not None
        outline, used = move_outline(targets.outline, targets.outline_used, matrix, smap.size)
        changes["outline"], changes["outline_used"] = outline, used
        changes["boxes"], changes["box_valid"] = outline_boxes(outline, used, targets.box_valid)
    if targets.keypoints is not None:
        assert targets.keypoint_visible is not None
        changes["keypoints"], changes["keypoint_visible"] = move_keypoints(
            targets.keypoints, targets.keypoint_visible, matrix, smap.size
        )
    if targets.mask is not None:
        changes["mask"] = warp_mask(targets.mask, matrix, smap.size)
    return targets.replace(**changes)
