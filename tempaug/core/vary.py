"""How a magnitude varies over time: once per clip, per frame, or smoothly.

``vary="clip"`` draws one value per clip, ``"frame"`` one per frame, and
``"smooth"`` two per clip joined by a straight line across time (a slow drift).

Example:
    >>> import torch
    >>> from tempaug.core.vary import draw_over_time
    >>> g = torch.Generator().manual_seed(0)
    >>> values = draw_over_time(2, 5, lambda shape: torch.rand(shape, generator=g), "smooth")
    >>> values.shape
    torch.Size([2, 5])
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from .validation import check_choice

__all__ = ["VARY_MODES", "check_vary", "draw_over_time"]

VARY_MODES = ("clip", "frame", "smooth")


def check_vary(op: str, vary: str) -> str:
    """Validate a ``vary`` argument.

    Example:
        >>> from tempaug.core.vary import check_vary
        >>> check_vary("SpeedJitter", "smooth")
        'smooth'
    """
    return check_choice(op, "vary", vary, VARY_MODES)


def draw_over_time(batch: int, steps: int, draw: Callable[[tuple[int, int]], Tensor], vary: str) -> Tensor:
    """A (batch, steps) tensor of magnitudes, ``draw(shape)`` giving independent draws of that shape.

    Example:
        >>> import torch
        >>> from tempaug.core.vary import draw_over_time
        >>> draw_over_time(1, 3, lambda s: torch.tensor([[1.0, 3.0]]).expand(s[0], 2)[:, : s[1]], "smooth").tolist()
        [[1.0, 2.0, 3.0]]
    """
    if vary == "clip":
        return draw((batch, 1)).expand(batch, steps)
    if vary == "frame":
        return draw((batch, steps))
    ends = draw((batch, 2))
    if steps == 1:
        return ends[:, :1]
    t = torch.linspace(0.0, 1.0, steps, device=ends.device).view(1, steps)
    return torch.lerp(ends[:, :1], ends[:, 1:], t)
