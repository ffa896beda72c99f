"""Small helpers shared by the example tests."""

from __future__ import annotations

import torch


def gen(seed: int = 0) -> torch.Generator:
    """A CPU generator seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)


def random_batch(
    b: int, t: int, frame: tuple[int, int, int] = (2, 2, 2), dtype: torch.dtype = torch.float32, seed: int = 0
) -> torch.Tensor:
    """A (B,T,C,H,W) batch whose frames all differ, so any wrong frame or wrong sample shows."""
    x = torch.rand(b, t, *frame, generator=gen(seed))
    return (x * 255).to(dtype) if dtype == torch.uint8 else x.to(dtype)
