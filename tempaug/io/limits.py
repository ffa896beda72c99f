"""Caps on what a decoder will open, checked from container metadata before any frame is decoded.

Example:
    >>> from tempaug.io.limits import DecodeLimits
    >>> DecodeLimits(max_pixels=64 * 48).max_pixels
    3072
"""

from __future__ import annotations

import dataclasses

from ..core.errors import InvalidArgumentError
from .decode_errors import VideoDecodeError

__all__ = ["DecodeLimits"]


@dataclasses.dataclass(frozen=True)
class DecodeLimits:
    """Largest video a reader accepts; the defaults are far above any normal dataset.

    Attributes:
        max_pixels: most pixels per frame (width * height).
        max_frames: most frames in the video stream.
        max_bytes: most bytes in the file or buffer.

    Example:
        >>> from tempaug.io.limits import DecodeLimits
        >>> DecodeLimits().check("'clip.mp4'", width=640, height=480, frames=300, num_bytes=10_000)
        >>> DecodeLimits(max_frames=10).check("'clip.mp4'", width=64, height=48, frames=300, num_bytes=10)
        Traceback (most recent call last):
        ...
        tempaug.io.decode_errors.VideoDecodeError: 'clip.mp4': 300 frames is over the limit of 10 frames (DecodeLimits.max_frames)
    """

    max_pixels: int = 8192 * 8192
    max_frames: int = 1_000_000
    max_bytes: int = 8 * 1024**3

    def __post_init__(self) -> None:
        for name in ("max_pixels", "max_frames", "max_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidArgumentError(f"DecodeLimits: {name} must be a positive int, got {value!r}", arg=name)

    def check(self, source: str, width: int, height: int, frames: int | None, num_bytes: int | None) -> None:
        """Raise :class:`VideoDecodeError` naming ``source`` when any known figure is over its cap.

        ``frames`` and ``num_bytes`` may be ``None`` when the container does not tell.

        Example:
            >>> from tempaug.io.limits import DecodeLimits
            >>> DecodeLimits(max_pixels=100).check("a.mkv", width=8, height=8, frames=None, num_bytes=None)
        """
        checks = [
            (width * height, self.max_pixels, "pixels per frame", "max_pixels"),
            (frames, self.max_frames, "frames", "max_frames"),
            (num_bytes, self.max_bytes, "bytes", "max_bytes"),
        ]
        for value, cap, what, field in checks:
            if value is not None and value > cap:
                raise VideoDecodeError(
                    f"{source}: {value} {what} is over the limit of {cap} {what} (DecodeLimits.{field})"
                )
