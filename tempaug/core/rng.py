"""Random draws for samplers, vectorised over the batch.

With a ``torch.Generator`` every draw comes from it (on the generator's device);
without one, from torch's default CPU generator, so ``torch.manual_seed`` and
DataLoader worker seeding behave as usual. Draws happen on the CPU unless the
generator lives elsewhere; transforms move the small results to the data's
device once.

Example:
    >>> import torch
    >>> from tempaug.core import rng
    >>> g = torch.Generator().manual_seed(0)
    >>> rng.uniform((3,), 0.5, 2.0, g).shape
    torch.Size([3])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["gate", "generator_device", "log_uniform", "normal", "rand", "randint", "ranks", "uniform"]


def generator_device(generator: torch.Generator | None) -> torch.device:
    """Device on which draws from ``generator`` happen (CPU for the default generator).

    Example:
        >>> from tempaug.core.rng import generator_device
        >>> generator_device(None).type
        'cpu'
    """
    return generator.device if generator is not None else torch.device("cpu")


def rand(shape: Sequence[int], generator: torch.Generator | None = None) -> Tensor:
    """Uniform draws in [0, 1) as float32.

    Example:
        >>> from tempaug.core.rng import rand
        >>> bool(((rand((5,)) >= 0) & (rand((5,)) < 1)).all())
        True
    """
    return torch.rand(tuple(shape), generator=generator, device=generator_device(generator))


def uniform(
    shape: Sequence[int], low: float | Tensor, high: float | Tensor, generator: torch.Generator | None = None
) -> Tensor:
    """Uniform draws in [low, high); ``low == high`` gives that value exactly.

    Example:
        >>> from tempaug.core.rng import uniform
        >>> uniform((2,), 1.0, 1.0).tolist()
        [1.0, 1.0]
    """
    u = rand(shape, generator)
    return low + (high - low) * u if not (isinstance(low, float) and low == high) else torch.full_like(u, low)


def log_uniform(shape: Sequence[int], low: float, high: float, generator: torch.Generator | None = None) -> Tensor:
    """Draws whose logarithm is uniform in [log low, log high): speeds 0.5 and 2 are equally likely.

    Example:
        >>> from tempaug.core.rng import log_uniform
        >>> log_uniform((2,), 1.0, 1.0).tolist()
        [1.0, 1.0]
    """
    if low == high:
        return torch.full(tuple(shape), float(low), device=generator_device(generator))
    return torch.exp(uniform(shape, math.log(low), math.log(high), generator))


def normal(shape: Sequence[int], generator: torch.Generator | None = None) -> Tensor:
    """Standard normal draws as float32.

    Example:
        >>> from tempaug.core.rng import normal
        >>> normal((2, 3)).shape
        torch.Size([2, 3])
    """
    return torch.randn(tuple(shape), generator=generator, device=generator_device(generator))


def randint(
    low: Tensor | int, high: Tensor | int, shape: Sequence[int], generator: torch.Generator | None = None
) -> Tensor:
    """Integers uniform in [low, high] (both ends included); bounds may be per-sample tensors.

    Example:
        >>> import torch
        >>> from tempaug.core.rng import randint
        >>> x = randint(0, torch.tensor([0, 5]), (2,))
        >>> x[0].item(), 0 <= x[1].item() <= 5
        (0, True)
    """
    u = rand(shape, generator)
    if isinstance(low, int) and isinstance(high, int):
        return (u * float(high - low + 1)).floor_().to(torch.long).add_(low).clamp_(max=high)
    low_t, high_t = torch.as_tensor(low, device=u.device), torch.as_tensor(high, device=u.device)
    return (low_t + torch.floor(u * (high_t - low_t + 1).to(torch.float32)).to(torch.long)).minimum(high_t)


def gate(batch: int, p: float, generator: torch.Generator | None = None) -> Tensor:
    """The per-sample probability gate: (batch,) bool, True with probability ``p``.

    ``p == 1`` and ``p == 0`` draw nothing.

    Example:
        >>> from tempaug.core.rng import gate
        >>> gate(3, 1.0).tolist()
        [True, True, True]
    """
    device = generator_device(generator)
    if p >= 1.0:
        return torch.ones(batch, dtype=torch.bool, device=device)
    if p <= 0.0:
        return torch.zeros(batch, dtype=torch.bool, device=device)
    return rand((batch,), generator) < p


def ranks(scores: Tensor) -> Tensor:
    """Rank of each entry along the last dim (0 = smallest): a random subset of size k is ``ranks(rand) < k``.

    Example:
        >>> import torch
        >>> from tempaug.core.rng import ranks
        >>> ranks(torch.tensor([[0.3, 0.1, 0.2]])).tolist()
        [[2, 0, 1]]
    """
    return scores.argsort(dim=-1).argsort(dim=-1)
