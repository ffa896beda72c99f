"""The error and the warning raised while reading video files.

Example:
    >>> from tempaug.io.decode_errors import VideoDecodeError
    >>> issubclass(VideoDecodeError, ValueError)
    True
"""

from __future__ import annotations

from ..core.errors import TempaugError

__all__ = ["DecoderFallbackWarning", "VideoDecodeError"]


class VideoDecodeError(TempaugError, ValueError):
    """A video cannot be read: empty, truncated, not a video, unsupported codec, over a limit, or too short a clip.

    Example:
        >>> from tempaug.io.decode_errors import VideoDecodeError
        >>> str(VideoDecodeError("read_clip: 'x.mp4': file is empty (0 bytes)"))
        "read_clip: 'x.mp4': file is empty (0 bytes)"
    """


class DecoderFallbackWarning(UserWarning):
    """The asked-for backend could not read a video, so another one did (the warning names both and why).

    Example:
        >>> from tempaug.io.decode_errors import DecoderFallbackWarning
        >>> issubclass(DecoderFallbackWarning, UserWarning)
        True
    """
