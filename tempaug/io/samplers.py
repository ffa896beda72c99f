"""Clip samplers: which frame indices of a video make up each clip.

Every sampler returns a long tensor of frame indices, (num_clips, num_frames)
for the multi-clip samplers. A clip that runs past the last frame follows the
``end`` policy:

- ``"error"`` (default): raise :class:`VideoDecodeError` (no padding asked);
- ``"pad"``: repeat the last frame;
- ``"loop"``: wrap around to the first frame;
- ``"skip"``: drop that clip (multi-clip samplers only; the result may hold no clip).

Strides may be fractional: a clip at stride ``s`` takes frames ``floor(start + k*s)``.

Example:
    >>> from tempaug.io.samplers import sliding_clips
    >>> sliding_clips(10, num_frames=4, hop=3, end="pad").tolist()
    [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9], [9, 9, 9, 9]]
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..core.errors import InvalidArgumentError
from .decode_errors import VideoDecodeError

__all__ = ["END_POLICIES", "clip_indices", "fps_indices", "random_clips", "sliding_clips", "uniform_clips"]

#: The policies for a clip that runs past the last frame.
END_POLICIES = ("error", "pad", "loop", "skip")


def _check(name: str, num_video_frames: int, num_frames: int, stride: float, end: str) -> None:
    if isinstance(num_video_frames, bool) or not isinstance(num_video_frames, int) or num_video_frames < 1:
        raise InvalidArgumentError(f"{name}: num_video_frames must be an int >= 1, got {num_video_frames!r}")
    if isinstance(num_frames, bool) or not isinstance(num_frames, int) or num_frames < 1:
        raise InvalidArgumentError(f"{name}: num_frames must be an int >= 1, got {num_frames!r}", arg="num_frames")
    if not (isinstance(stride, (int, float)) and math.isfinite(stride) and stride > 0):
        raise InvalidArgumentError(f"{name}: stride must be a finite number > 0, got {stride!r}", arg="stride")
    if end not in END_POLICIES:
        raise InvalidArgumentError(f"{name}: end must be one of {END_POLICIES}, got {end!r}", arg="end")


def _span(num_frames: int, stride: float) -> int:
    """Frames from the first to the last frame of a clip, inclusive."""
    return math.floor((num_frames - 1) * stride) + 1


def _apply_end(pos: Tensor, num_video_frames: int, end: str, name: str) -> Tensor:
    """Map positions past the last frame by ``end``; rows that overrun are dropped under ``"skip"``."""
    over = pos >= num_video_frames
    if not bool(over.any()):
        return pos
    if end == "pad":
        return pos.clamp(max=num_video_frames - 1)
    if end == "loop":
        return pos % num_video_frames
    if end == "skip":
        return pos[~over.any(dim=-1)]
    raise VideoDecodeError(
        f"{name}: a clip reaching frame {int(pos.max())} is longer than the video's {num_video_frames} frames "
        "(pass end='pad', 'loop' or 'skip' to allow it)"
    )


def _clips(starts: Tensor, num_frames: int, stride: float) -> Tensor:
    offsets = torch.floor(torch.arange(num_frames, dtype=torch.float64) * stride)
    return (starts.to(torch.float64)[:, None] + offsets).to(torch.long)


def clip_indices(
    num_video_frames: int, num_frames: int, start: int = 0, stride: float = 1, end: str = "error"
) -> Tensor:
    """Indices (num_frames,) of one clip from ``start``, every ``stride``-th frame.

    Raises:
        VideoDecodeError: the clip runs past the last frame and ``end="error"`` (or ``"skip"``: nothing is left).

    Example:
        >>> from tempaug.io.samplers import clip_indices
        >>> clip_indices(5, 4, start=2, end="loop").tolist()
        [2, 3, 4, 0]
    """
    _check("clip_indices", num_video_frames, num_frames, stride, end)
    if not 0 <= start < num_video_frames:
        raise InvalidArgumentError(
            f"clip_indices: start must be in [0, {num_video_frames}), got {start!r}", arg="start"
        )
    pos = _apply_end(_clips(torch.tensor([start]), num_frames, stride), num_video_frames, end, "clip_indices")
    if pos.shape[0] == 0:
        raise VideoDecodeError(
            f"clip_indices: a clip of {num_frames} frames at stride {stride} from frame {start} does not fit "
            f"in {num_video_frames} frames and end='skip' drops it"
        )
    return pos[0]


def random_clips(
    num_video_frames: int,
    num_frames: int,
    num_clips: int = 1,
    stride: float = 1,
    end: str = "error",
    generator: torch.Generator | None = None,
) -> Tensor:
    """(num_clips, num_frames) indices of clips with uniformly random starts among those that fit.

    When no clip fits, each clip starts at 0 and ``end`` decides.

    Example:
        >>> import torch
        >>> from tempaug.io.samplers import random_clips
        >>> clips = random_clips(100, num_frames=8, num_clips=3, stride=2, generator=torch.Generator().manual_seed(0))
        >>> clips.shape, bool((clips[:, 1:] - clips[:, :-1] == 2).all())
        (torch.Size([3, 8]), True)
    """
    _check("random_clips", num_video_frames, num_frames, stride, end)
    room = num_video_frames - _span(num_frames, stride)
    if room >= 0:
        starts = torch.randint(0, room + 1, (num_clips,), generator=generator)
    else:
        starts = torch.zeros(num_clips, dtype=torch.long)
    return _apply_end(_clips(starts, num_frames, stride), num_video_frames, end, "random_clips")


def uniform_clips(
    num_video_frames: int, num_frames: int, num_clips: int, stride: float = 1, end: str = "error"
) -> Tensor:
    """(num_clips, num_frames) indices of clips whose starts spread evenly from the first to the last fitting start.

    Example:
        >>> from tempaug.io.samplers import uniform_clips
        >>> uniform_clips(20, num_frames=4, num_clips=3).tolist()
        [[0, 1, 2, 3], [8, 9, 10, 11], [16, 17, 18, 19]]
    """
    _check("uniform_clips", num_video_frames, num_frames, stride, end)
    if isinstance(num_clips, bool) or not isinstance(num_clips, int) or num_clips < 1:
        raise InvalidArgumentError(f"uniform_clips: num_clips must be an int >= 1, got {num_clips!r}", arg="num_clips")
    room = max(0, num_video_frames - _span(num_frames, stride))
    starts = torch.linspace(0, room, num_clips, dtype=torch.float64).round()
    return _apply_end(_clips(starts, num_frames, stride), num_video_frames, end, "uniform_clips")


def sliding_clips(
    num_video_frames: int, num_frames: int, stride: float = 1, hop: int | None = None, end: str = "error"
) -> Tensor:
    """(N, num_frames) indices of every clip starting at 0, ``hop``, ``2*hop``, ... before the last frame.

    Args:
        hop: frames between clip starts; ``None`` makes back-to-back clips (hop = clip span).

    Example:
        >>> from tempaug.io.samplers import sliding_clips
        >>> sliding_clips(10, num_frames=3, stride=2, end="skip").tolist()
        [[0, 2, 4], [5, 7, 9]]
    """
    _check("sliding_clips", num_video_frames, num_frames, stride, end)
    hop = _span(num_frames, stride) if hop is None else hop
    if isinstance(hop, bool) or not isinstance(hop, int) or hop < 1:
        raise InvalidArgumentError(f"sliding_clips: hop must be an int >= 1, got {hop!r}", arg="hop")
    starts = torch.arange(0, num_video_frames, hop)
    return _apply_end(_clips(starts, num_frames, stride), num_video_frames, end, "sliding_clips")


def fps_indices(
    num_video_frames: int,
    native_fps: float,
    target_fps: float,
    num_frames: int | None = None,
    start: int = 0,
    end: str = "error",
) -> Tensor:
    """Indices that resample the video from ``native_fps`` to ``target_fps`` (nearest earlier frame).

    Args:
        num_frames: frames to take; ``None`` takes as many as fit before the last frame.

    Example:
        >>> from tempaug.io.samplers import fps_indices
        >>> fps_indices(30, native_fps=30, target_fps=12, num_frames=5).tolist()
        [0, 2, 5, 7, 10]
    """
    for name, v in (("native_fps", native_fps), ("target_fps", target_fps)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InvalidArgumentError(f"fps_indices: {name} must be a finite number > 0, got {v!r}", arg=name)
    step = native_fps / target_fps
    if num_frames is None:
        num_frames = int((num_video_frames - 1 - start) / step) + 1 if 0 <= start < num_video_frames else 1
    return clip_indices(num_video_frames, num_frames, start, step, end)
