"""Adapters: run transforms from libraries users already have as tempaug transforms.

:class:`FromAlbumentations` runs any albumentations transform (or ``A.Compose``) over the frames of
a clip, :class:`FromKornia` runs a 2D kornia augmentation over the frames of a batch. Both draw
their randomness from tempaug's generator, return params that replay exactly, and serialise through
``tempaug.save`` / ``tempaug.load``.

Each adapter lives in its own module and imports its library only when first used: ``import tempaug``
imports neither albumentations nor kornia, and ``tempaug.FromKornia`` imports kornia alone.

Example:
    >>> import tempaug
    >>> tempaug.FromKornia.__module__
    'tempaug.adapters.kornia'
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["FromAlbumentations", "FromAlbumentationsParams", "FromKornia", "FromKorniaParams"]

_MODULES = {
    "FromAlbumentations": "albumentations",
    "FromAlbumentationsParams": "albumentations",
    "FromKornia": "kornia",
    "FromKorniaParams": "kornia",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})
