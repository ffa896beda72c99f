"""tempaug: composable, replayable augmentation for video clips (T,C,H,W) and batches (B,T,C,H,W).

Example:
    >>> import torch
    >>> from tempaug import Compose, TemporalReverse, SpeedJitter
    >>> aug = Compose([TemporalReverse(p=0.5), SpeedJitter(speed=(0.5, 2.0))])
    >>> batch = torch.randint(0, 256, (2, 16, 3, 32, 32), dtype=torch.uint8)
    >>> out, params = aug(batch, return_params=True)
    >>> torch.equal(aug.apply(batch, params), out)
    True
"""

from . import ops as _ops
from .core import (
    FORMAT_VERSION,
    Compose,
    DTypeError,
    FrameTransform,
    InvalidArgumentError,
    InvalidInputError,
    OneOf,
    Params,
    RandomApply,
    Sample,
    SerializationError,
    ShapeError,
    SomeOf,
    TargetsError,
    TempaugError,
    TemporalTransform,
    Transform,
    from_dict,
    from_tchw,
    load,
    nan_check,
    registered_names,
    save,
    set_nan_check,
    to_tchw,
)
from .core.version import __version__
from .functional.temporal import resample
from .ops import *

__all__ = [
    "__version__",
    "FORMAT_VERSION",
    "Compose",
    "OneOf",
    "SomeOf",
    "RandomApply",
    "Transform",
    "TemporalTransform",
    "FrameTransform",
    "Params",
    "Sample",
    "resample",
    *[name for name in _ops.__all__ if not name.endswith("Params")],
    "from_dict",
    "save",
    "load",
    "registered_names",
    "to_tchw",
    "from_tchw",
    "set_nan_check",
    "nan_check",
    "TempaugError",
    "InvalidArgumentError",
    "ShapeError",
    "InvalidInputError",
    "DTypeError",
    "SerializationError",
    "TargetsError",
]

#: Names served on first use by ``__getattr__``: the adapters import albumentations and kornia, which
#: ``import tempaug`` leaves out.
_LAZY = {"FromAlbumentations": "adapters.albumentations", "FromKornia": "adapters.kornia"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
