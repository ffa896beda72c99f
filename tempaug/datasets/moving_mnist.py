"""Moving MNIST (Srivastava et al., 2015): real MNIST digits bouncing inside a square canvas.

Each digit starts at a random position with a random direction, moves a fixed step per frame and is reflected
at the walls; where digits overlap, the brighter pixel wins (maximum). The stochastic variant draws a new random
direction at every bounce, always pointing away from the wall it hit. Digits come from the 5,000 real MNIST
digits shipped with tempaug (see :mod:`tempaug.datasets.mnist`); train and test draw from disjoint pools.

Sample ``i`` depends only on ``(seed, split, i)``, so a dataset can be indexed in any order, by any worker.

Example:
    >>> from tempaug.datasets.moving_mnist import MovingMNIST
    >>> ds = MovingMNIST(num_digits=2, length=10, num_samples=4)
    >>> clip, labels = ds[0]
    >>> clip.shape, clip.dtype, labels.tolist() == ds[0][1].tolist()
    (torch.Size([10, 1, 64, 64]), torch.uint8, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from ..core.errors import InvalidArgumentError
from .mnist import mnist_digits

__all__ = ["CLIP_SPLITS", "DIGIT_SIZE", "MovingMNIST"]

#: Split names of :class:`MovingMNIST`, in the order that seeds their random streams (train 0, test 1, val 2).
CLIP_SPLITS = ("train", "test", "val")

#: Height and width of one MNIST digit.
DIGIT_SIZE = 28


class MovingMNIST:
    """Moving MNIST clips generated on the fly: ``ds[i]`` is ``(clip, labels)``.

    ``clip`` is uint8 (T,1,H,W) and ``labels`` an int64 tensor of the ``num_digits`` digit classes, in drawing
    order. Positions follow the original recipe: a point in the unit square moving ``step_length`` per frame,
    reflected at 0 and 1, scaled to the ``size - 28`` pixels of free room for the digit's top-left corner.

    Args:
        num_digits: digits per clip, >= 1.
        size: canvas height and width in pixels, >= 28.
        length: frames per clip T, >= 1.
        seed: seed of the whole dataset.
        split: ``"train"``, ``"val"`` or ``"test"``. Train and val draw from the 4,000 training digits, test from
            the 1,000 test digits, so test digits are never seen in training; each split has its own random stream.
        stochastic: draw a new random direction at every bounce instead of mirroring.
        num_samples: ``len(ds)``.
        step_length: distance moved per frame, as a fraction of the free room (0.1 in the original).
        transform: optional callable applied to each clip before it is returned.

    Example:
        >>> from tempaug.datasets.moving_mnist import MovingMNIST
        >>> ds = MovingMNIST(num_digits=1, size=32, length=3, seed=1, split="test", stochastic=True, num_samples=2)
        >>> len(ds), ds[1][0].shape
        (2, torch.Size([3, 1, 32, 32]))
    """

    def __init__(
        self,
        num_digits: int = 2,
        size: int = 64,
        length: int = 20,
        seed: int = 0,
        split: str = "train",
        stochastic: bool = False,
        num_samples: int = 10000,
        step_length: float = 0.1,
        transform: Callable[[Tensor], Tensor] | None = None,
    ) -> None:
        for name, value, low in (("num_digits", num_digits, 1), ("size", size, DIGIT_SIZE), ("length", length, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InvalidArgumentError(f"MovingMNIST: {name} must be an int >= {low}, got {value!r}", name)
        if not isinstance(num_samples, int) or num_samples < 0:
            raise InvalidArgumentError(
                f"MovingMNIST: num_samples must be an int >= 0, got {num_samples!r}", "num_samples"
            )
        if not isinstance(seed, int) or seed < 0:
            raise InvalidArgumentError(f"MovingMNIST: seed must be an int >= 0, got {seed!r}", "seed")
        if split not in CLIP_SPLITS:
            raise InvalidArgumentError(f"MovingMNIST: split must be one of {CLIP_SPLITS}, got {split!r}", "split")
        if not (0 < step_length <= 1):
            raise InvalidArgumentError(
                f"MovingMNIST: step_length must be in (0, 1], got {step_length!r}", "step_length"
            )
        self.num_digits, self.size, self.length = num_digits, size, length
        self.seed, self.split, self.stochastic = seed, split, stochastic
        self.num_samples, self.step_length, self.transform = num_samples, float(step_length), transform
        self.images, self.labels = mnist_digits("test" if split == "test" else "train")

    def __len__(self) -> int:
        return self.num_samples

    def _rng(self, index: int) -> np.random.Generator:
        if not 0 <= index < self.num_samples:
            raise IndexError(f"MovingMNIST: index {index} out of range for {self.num_samples} samples")
        return np.random.default_rng(np.random.SeedSequence([self.seed, CLIP_SPLITS.index(self.split), index]))

    def trajectory(self, index: int) -> tuple[Tensor, Tensor, Tensor]:
        """The plan of sample ``index``: which digits, where and how they move.

        Returns:
            ``digits`` int64 (D,) indices into ``self.images``; ``positions`` int64 (T,D,2) top-left corners
            as (y, x) pixels; ``velocities`` float64 (T,D,2) the unit-square velocity each digit had when it
            reached that frame's position (after any bounce there).

        Example:
            >>> from tempaug.datasets.moving_mnist import MovingMNIST
            >>> digits, pos, vel = MovingMNIST(length=5, num_samples=1).trajectory(0)
            >>> digits.shape, pos.shape, bool((pos >= 0).all() and (pos <= 64 - 28).all())
            (torch.Size([2]), torch.Size([5, 2, 2]), True)
        """
        rng = self._rng(index)
        d, t = self.num_digits, self.length
        digits = rng.integers(0, len(self.images), size=d)
        pos = np.empty((t, d, 2))
        vel = np.empty((t, d, 2))
        p = rng.random((d, 2))
        theta = rng.random(d) * 2 * math.pi
        v = np.stack([np.sin(theta), np.cos(theta)], axis=1)
        for step in range(t):
            pos[step], vel[step] = p, v
            p = p + v * self.step_length
            low, high = p <= 0, p >= 1
            hit = low | high
            if hit.any():
                p = np.clip(p, 0.0, 1.0)
                if self.stochastic:
                    bounced = hit.any(axis=1, keepdims=True)  # (D, 1)
                    angle = rng.random(d) * 2 * math.pi
                    fresh = np.stack([np.sin(angle), np.cos(angle)], axis=1)
                    # away from every wall touched: +|v| off the low wall, -|v| off the high wall
                    fresh = np.where(low, np.abs(fresh), np.where(high, -np.abs(fresh), fresh))
                    v = np.where(bounced, fresh, v)
                else:
                    v = np.where(hit, -v, v)
        room = self.size - DIGIT_SIZE
        pixels = np.floor(pos * room + 0.5).astype(np.int64)
        return torch.from_numpy(digits.astype(np.int64)), torch.from_numpy(pixels), torch.from_numpy(vel)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        """Sample ``index`` as ``(clip, labels)``: uint8 (T,1,H,W) and int64 (num_digits,).

        Example:
            >>> from tempaug.datasets.moving_mnist import MovingMNIST
            >>> clip, labels = MovingMNIST(num_digits=3, length=2, num_samples=1)[0]
            >>> labels.dtype, len(labels)
            (torch.int64, 3)
        """
        if index < 0:
            index += self.num_samples
        digits, positions, _ = self.trajectory(index)
        canvas = np.zeros((self.length, self.size, self.size), dtype=np.uint8)
        pos = positions.numpy()
        for k, digit in enumerate(digits.tolist()):
            image = self.images[digit]
            for step in range(self.length):
                y, x = pos[step, k]
                region = canvas[step, y : y + DIGIT_SIZE, x : x + DIGIT_SIZE]
                np.maximum(region, image, out=region)
        clip = torch.from_numpy(canvas).unsqueeze(1)
        if self.transform is not None:
            clip = self.transform(clip)
        return clip, torch.from_numpy(self.labels[digits.numpy()])

    def __repr__(self) -> str:
        return (
            f"MovingMNIST(num_digits={self.num_digits}, size={self.size}, length={self.length}, seed={self.seed}, "
            f"split={self.split!r}, stochastic={self.stochastic}, num_samples={self.num_samples})"
        )
