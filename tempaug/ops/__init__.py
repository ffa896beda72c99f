"""The transforms users compose: thin classes that draw params and call kernels in ``tempaug.functional``."""

from .temporal import (
    FrameDrop,
    FrameDuplicate,
    FrameInterpolate,
    SpeedJitter,
    TemporalCrop,
    TemporalReverse,
    TemporalSubsample,
    TimeWarp,
)

__all__ = [
    "FrameDrop",
    "FrameDuplicate",
    "FrameInterpolate",
    "SpeedJitter",
    "TemporalCrop",
    "TemporalReverse",
    "TemporalSubsample",
    "TimeWarp",
]
