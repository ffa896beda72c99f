"""OpenCV, loaded on first use: tempaug's CPU kernels for uint8 colour matrices and frame blends.

``opencv-python-headless`` is a dependency of tempaug (and of albumentations);
loading it lazily keeps ``import tempaug`` from paying for it until a uint8
clip is blended or colour-jittered on the CPU.

Example:
    >>> from tempaug.functional._opencv import opencv
    >>> opencv() is None or hasattr(opencv(), "addWeighted")
    True
"""

from __future__ import annotations

import functools
from types import ModuleType

__all__ = ["opencv", "require_opencv"]


@functools.lru_cache(maxsize=1)
def opencv() -> ModuleType | None:
    """The ``cv2`` module, or None where it cannot be imported (the torch kernels are used then)."""
    try:
        import cv2
    except ImportError:  # pragma: no cover - a broken OpenCV install falls back to torch
        return None
    return cv2


def require_opencv() -> ModuleType:
    """The ``cv2`` module, for the code paths taken only after :func:`opencv` returned it.

    Example:
        >>> from tempaug.functional._opencv import opencv, require_opencv
        >>> opencv() is None or require_opencv() is opencv()
        True
    """
    cv2 = opencv()
    if cv2 is None:  # pragma: no cover - callers check opencv() first
        raise ImportError("OpenCV (cv2) could not be imported")
    return cv2
