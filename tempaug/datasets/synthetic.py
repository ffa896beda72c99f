"""Small clips drawn on the fly, for demos and tests: motion you can read at a glance.

Example:
    >>> from tempaug.datasets.synthetic import clock_clip
    >>> clock_clip(frames=12, size=32).shape
    torch.Size([12, 3, 32, 32])
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["clock_clip"]


def clock_clip(frames: int = 24, size: int = 64, seed: int = 0) -> Tensor:
    """A uint8 (T,3,H,W) clip: a ball bouncing across the frame and a clock hand turning once.

    The hand shows the direction and speed of time; the ball shows motion.

    Args:
        frames: number of frames T.
        size: height and width.
        seed: picks the ball's start and velocity.

    Example:
        >>> from tempaug.datasets.synthetic import clock_clip
        >>> clip = clock_clip(frames=4, size=16)
        >>> clip.dtype, int(clip.max()) > 0
        (torch.uint8, True)
    """
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(
        torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij"
    )
    pos = torch.rand(2, generator=g) * (size * 0.5) + size * 0.25
    vel = (torch.rand(2, generator=g) - 0.5) * size * 0.12 + torch.tensor([size * 0.05, size * 0.03])
    radius = size * 0.1
    centre = (size - 1) / 2.0
    out = torch.empty(frames, 3, size, size, dtype=torch.uint8)
    for t in range(frames):
        angle = 2 * math.pi * t / max(frames, 1) - math.pi / 2
        along = (xx - centre) * math.cos(angle) + (yy - centre) * math.sin(angle)
        across = -(xx - centre) * math.sin(angle) + (yy - centre) * math.cos(angle)
        hand = (along >= 0) & (along <= size * 0.42) & (across.abs() <= max(1.0, size * 0.025))
        ball = (xx - pos[0]) ** 2 + (yy - pos[1]) ** 2 <= radius**2
        frame = torch.full((3, size, size), 24, dtype=torch.float32)
        frame[:, hand] = torch.tensor([250.0, 250.0, 250.0]).view(3, 1)
        frame[:, ball] = torch.tensor([240.0, 80.0, 40.0]).view(3, 1)
        out[t] = frame.to(torch.uint8)
        pos = pos + vel
        for i in range(2):
            if pos[i] < radius or pos[i] > size - 1 - radius:
                vel[i] = -vel[i]
                pos[i] = pos[i].clamp(radius, size - 1 - radius)
    return out
