"""The MNIST digits shipped with tempaug: 5,000 real 28x28 digits (500 per class) and a fixed train/test split.

The digits are a subset of MNIST (Yann LeCun, Corinna Cortes, Christopher Burges; CC BY-SA 3.0), stored as a
compressed uint8 ``.npz`` in ``tempaug/datasets/data/`` (see the README there), so nothing is downloaded.
The pool is split once, by index: digit ``i`` belongs to the test split when ``i % 5 == 4``, giving 4,000
training and 1,000 test digits, 400 and 100 per class, that never overlap.

Example:
    >>> from tempaug.datasets.mnist import mnist_digits
    >>> images, labels = mnist_digits("test")
    >>> images.shape, images.dtype.name, sorted(set(labels.tolist())) == list(range(10))
    ((1000, 28, 28), 'uint8', True)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ..core.errors import InvalidArgumentError

__all__ = ["MNIST_FILE", "SPLITS", "mnist_digits", "split_indices"]

#: The shipped digits: ``images`` uint8 (5000, 28, 28) and ``labels`` uint8 (5000,).
MNIST_FILE = Path(__file__).parent / "data" / "mnist_5k.npz"
#: The split names :func:`mnist_digits` accepts.
SPLITS = ("train", "test")


@lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    with np.load(MNIST_FILE, allow_pickle=False) as data:
        images, labels = data["images"], data["labels"]
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def split_indices(split: str) -> np.ndarray:
    """Indices into the shipped pool of the digits in ``split`` (``"train"`` or ``"test"``), ascending.

    Example:
        >>> from tempaug.datasets.mnist import split_indices
        >>> split_indices("test")[:3].tolist()
        [4, 9, 14]
    """
    if split not in SPLITS:
        raise InvalidArgumentError(f"mnist_digits: split must be one of {SPLITS}, got {split!r}", "split")
    index = np.arange(len(_load()[1]))
    return index[index % 5 == 4] if split == "test" else index[index % 5 != 4]


def mnist_digits(split: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Real MNIST digits: uint8 images (N,28,28) with ink high, and their classes (N,) as int64.

    Args:
        split: ``"train"`` (4,000 digits), ``"test"`` (1,000 digits) or None for all 5,000.

    Example:
        >>> from tempaug.datasets.mnist import mnist_digits
        >>> images, labels = mnist_digits("train")
        >>> len(images), int(images.max())
        (4000, 255)
    """
    images, labels = _load()
    if split is None:
        return images, labels.astype(np.int64)
    index = split_indices(split)
    return images[index], labels[index].astype(np.int64)
