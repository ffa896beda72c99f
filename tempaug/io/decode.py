"""Decode clips from video files, bytes or file objects with decord, falling back to PyAV.

Every source is first probed with PyAV from its container metadata and packet
headers alone (no frame is decoded): empty, truncated and non-video inputs, codecs
this FFmpeg build cannot decode and files over :class:`DecodeLimits` are refused
there with a :class:`VideoDecodeError`. decord then decodes only inputs that passed
the probe, because it is known to abort the process on some broken inputs; when it
is missing, refuses the file, or disagrees with the probe on the frame count, PyAV
decodes instead and a :class:`DecoderFallbackWarning` says so.

Frame indices count frames in presentation order; timestamps are presentation
times in seconds from the stream start, taken from the container for both
backends, so the same request gives the same indices and timestamps whichever
backend decodes it.

Example:
    >>> import io, av, numpy as np
    >>> from tempaug.io.decode import read_clip
    >>> buf = io.BytesIO()
    >>> with av.open(buf, "w", format="matroska") as out:
    ...     stream = out.add_stream("ffv1", rate=10)
    ...     stream.width, stream.height, stream.pix_fmt = 32, 32, "bgr0"
    ...     for i in range(8):
    ...         img = np.full((32, 32, 3), i * 30, dtype=np.uint8)
    ...         out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
    ...     out.mux(stream.encode())
    >>> clip = read_clip(buf.getvalue(), num_frames=4, stride=2)
    >>> clip.frames.shape, clip.indices.tolist(), clip.timestamps.tolist()
    (torch.Size([4, 3, 32, 32]), [0, 2, 4, 6], [0.0, 0.2, 0.4, 0.6])
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, BinaryIO, NamedTuple, Union

import numpy as np
import torch
from torch import Tensor

from ..core.errors import DTypeError, InvalidArgumentError
from .decode_errors import DecoderFallbackWarning, VideoDecodeError
from .limits import DecodeLimits
from .samplers import clip_indices

__all__ = ["BACKENDS", "DecodedClip", "VideoReader", "read_clip"]

#: Decoding backends, in the order tried.
BACKENDS = ("decord", "pyav")

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]


class DecodedClip(NamedTuple):
    """Frames of one clip with where they come from.

    Attributes:
        frames: uint8 (T,3,H,W) RGB frames.
        indices: long (T,) frame indices in the video, presentation order.
        timestamps: float64 (T,) presentation times in seconds from the stream start.
        backend: the backend that decoded the frames, ``"decord"`` or ``"pyav"``.

    Example:
        >>> import torch
        >>> from tempaug.io.decode import DecodedClip
        >>> clip = DecodedClip(torch.zeros(1, 3, 2, 2, dtype=torch.uint8), torch.tensor([0]),
        ...                    torch.tensor([0.0], dtype=torch.float64), "pyav")
        >>> clip.backend
        'pyav'
    """

    frames: Tensor
    indices: Tensor
    timestamps: Tensor
    backend: str


def _label(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return repr(os.fspath(source))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    name = getattr(source, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(source).__name__}>"


def _load(source: Any, label: str, limits: DecodeLimits) -> tuple[str | bytes, int]:
    """The source as a path or bytes, and its size; empty and over-size inputs refused before reading them."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            size = os.stat(path).st_size
        except OSError as err:
            raise VideoDecodeError(f"{label}: cannot open the file ({err.strerror or err})") from err
        if os.path.isdir(path):
            raise VideoDecodeError(f"{label}: is a directory, not a video file")
        data: str | bytes = path
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        size = len(data)
    elif hasattr(source, "read"):
        size = -1
        if getattr(source, "seekable", lambda: False)():
            here = source.tell()
            size = source.seek(0, io.SEEK_END) - here
            source.seek(here)
            limits.check(label, 0, 0, None, size)
        data = source.read()
        if not isinstance(data, (bytes, bytearray)):
            raise DTypeError(f"VideoReader: {label} must be opened in binary mode, read() gave {type(data).__name__}")
        data = bytes(data)
        size = len(data)
    else:
        raise DTypeError(
            f"VideoReader: source must be a path, bytes or a binary file object, got {type(source).__name__}"
        )
    if size == 0:
        raise VideoDecodeError(f"{label}: file is empty (0 bytes)")
    limits.check(label, 0, 0, None, size)
    return data, size


def _stream_in(data: str | bytes) -> str | io.BytesIO:
    return data if isinstance(data, str) else io.BytesIO(data)


class _Probe(NamedTuple):
    width: int
    height: int
    fps: float
    pts: np.ndarray  # sorted presentation times of every frame, in stream time_base units
    time_base: Fraction
    start: int


def _probe(data: str | bytes, label: str, limits: DecodeLimits) -> _Probe:
    """Container metadata and packet times, read with PyAV without decoding a frame."""
    import av

    try:
        container = av.open(_stream_in(data), "r")
    except av.FFmpegError as err:
        raise VideoDecodeError(f"{label}: not a readable video container ({err.strerror or err})") from err
    except (UnicodeDecodeError, ValueError, OSError) as err:  # damaged metadata strings, odd headers
        raise VideoDecodeError(f"{label}: not a readable video container ({type(err).__name__}: {err})") from err
    try:
        if not container.streams.video:
            raise VideoDecodeError(f"{label}: holds no video stream")
        stream = container.streams.video[0]
        ctx = getattr(stream, "codec_context", None)
        if ctx is None:
            raise VideoDecodeError(f"{label}: video codec not supported by this FFmpeg build (no decoder found)")
        width, height = int(ctx.width), int(ctx.height)
        if width <= 0 or height <= 0:
            raise VideoDecodeError(f"{label}: video stream has no frame size ({width}x{height})")
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        declared = int(stream.frames or 0)
        estimated = int(container.duration / 1_000_000 * fps) if container.duration and fps > 0 else 0
        limits.check(label, width, height, (declared or estimated) or None, None)
        time_base = stream.time_base or Fraction(1, 1)
        pts: list[int] = []
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                if packet.is_corrupt:
                    raise VideoDecodeError(f"{label}: corrupt packet at frame {len(pts)} (truncated or damaged file)")
                pts.append(
                    packet.pts if packet.pts is not None else (packet.dts if packet.dts is not None else len(pts))
                )
                if len(pts) > limits.max_frames:
                    limits.check(label, width, height, len(pts), None)
        except (av.FFmpegError, UnicodeDecodeError, ValueError, OSError) as err:
            reason = getattr(err, "strerror", None) or f"{type(err).__name__}: {err}"
            raise VideoDecodeError(f"{label}: cannot read the packets ({reason}); truncated or damaged file?") from err
        if not pts:
            raise VideoDecodeError(f"{label}: video stream holds no frames (truncated file?)")
        if len(pts) < declared or (not declared and len(pts) < 0.75 * estimated - 1):
            raise VideoDecodeError(
                f"{label}: truncated file: the container announces {declared or estimated} frames "
                f"but only {len(pts)} are present"
            )
        start = stream.start_time if stream.start_time is not None else min(pts)
        if fps <= 0 and len(pts) > 1:
            span = float((max(pts) - min(pts)) * time_base)
            fps = (len(pts) - 1) / span if span > 0 else 0.0
        return _Probe(width, height, fps, np.sort(np.asarray(pts, dtype=np.int64)), Fraction(time_base), int(start))
    finally:
        container.close()


class _PyAVDecoder:
    def __init__(self, data: str | bytes, probe: _Probe, label: str, num_threads: int) -> None:
        import av

        self._av = av
        self._label = label
        self._pts = probe.pts
        self._index = {int(p): i for i, p in enumerate(probe.pts)}
        self._container = av.open(_stream_in(data), "r")
        self._stream = self._container.streams.video[0]
        if num_threads != 1:
            self._stream.thread_type = "AUTO"
        self._stream.thread_count = max(0, num_threads)

    def read(self, wanted: np.ndarray) -> np.ndarray:
        needed = {int(i) for i in wanted}
        got: dict[int, np.ndarray] = {}
        last = max(needed)
        first = min(needed)
        try:
            self._container.seek(int(self._pts[first]), stream=self._stream, backward=True, any_frame=False)
            for frame in self._container.decode(self._stream):
                i = self._index.get(frame.pts) if frame.pts is not None else None
                if i is None:
                    continue
                if i in needed:
                    got[i] = frame.to_ndarray(format="rgb24")
                    if len(got) == len(needed):
                        break
                if i > last and i - last > 16:
                    break
        except (self._av.FFmpegError, UnicodeDecodeError, ValueError, OSError) as err:
            if len(got) < len(needed):
                reason = getattr(err, "strerror", None) or f"{type(err).__name__}: {err}"
                raise VideoDecodeError(f"{self._label}: decoding failed ({reason})") from err
        missing = sorted(needed - set(got))
        if missing:
            raise VideoDecodeError(
                f"{self._label}: frames {missing[:5]} could not be decoded (truncated or damaged file)"
            )
        return np.stack([got[int(i)] for i in wanted])

    def close(self) -> None:
        self._container.close()


class _DecordDecoder:
    # decord aborts the process (no Python exception) on some broken inputs, so it never sees a source before
    # _probe has accepted it: empty, truncated, non-video and unknown-codec inputs stop there. When decord still
    # disagrees with the probe (frame count) or raises, VideoReader hands the source to PyAV instead.
    def __init__(self, data: str | bytes, probe: _Probe, label: str, num_threads: int) -> None:
        import decord

        self._reader = decord.VideoReader(_stream_in(data), ctx=decord.cpu(0), num_threads=num_threads)
        if len(self._reader) != len(probe.pts):
            raise RuntimeError(f"decord counts {len(self._reader)} frames, the container holds {len(probe.pts)}")

    def read(self, wanted: np.ndarray) -> np.ndarray:
        return self._reader.get_batch([int(i) for i in wanted]).asnumpy()

    def close(self) -> None:
        self._reader = None


class VideoReader:
    """One video kept open to read many clips from it.

    Args:
        source: a path, the file's bytes, or a binary file object (read into memory; no temporary file).
        backend: ``"decord"`` (default; PyAV takes over with a :class:`DecoderFallbackWarning` when decord is
            missing or fails on the file) or ``"pyav"``.
        limits: caps checked from metadata before any frame is decoded; ``None`` takes :class:`DecodeLimits`'s
            defaults.
        num_threads: decoder threads; 0 lets the backend choose.

    Attributes:
        backend: the backend actually decoding.
        fps: average frame rate from the container.
        size: (height, width) of the frames.

    Raises:
        VideoDecodeError: empty, truncated or non-video input, unsupported codec, or a file over ``limits``.

    Example:
        >>> import io, av, numpy as np
        >>> from tempaug.io.decode import VideoReader
        >>> buf = io.BytesIO()
        >>> with av.open(buf, "w", format="matroska") as out:
        ...     stream = out.add_stream("ffv1", rate=25)
        ...     stream.width, stream.height, stream.pix_fmt = 16, 8, "bgr0"
        ...     for i in range(6):
        ...         out.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((8, 16, 3), np.uint8), format="rgb24")))
        ...     out.mux(stream.encode())
        >>> with VideoReader(buf.getvalue(), backend="pyav") as reader:
        ...     len(reader), reader.fps, reader.size, reader.read([0, 5]).frames.shape
        (6, 25.0, (8, 16), torch.Size([2, 3, 8, 16]))
    """

    def __init__(
        self, source: Source, backend: str = "decord", limits: DecodeLimits | None = None, num_threads: int = 0
    ) -> None:
        if backend not in BACKENDS:
            raise InvalidArgumentError(
                f"VideoReader: backend must be one of {BACKENDS}, got {backend!r}", arg="backend"
            )
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
            raise InvalidArgumentError(
                f"VideoReader: num_threads must be an int >= 0, got {num_threads!r}", arg="num_threads"
            )
        limits = DecodeLimits() if limits is None else limits
        if not isinstance(limits, DecodeLimits):
            raise InvalidArgumentError(
                f"VideoReader: limits must be a DecodeLimits, got {type(limits).__name__}", arg="limits"
            )
        self.source = _label(source)
        data, self.num_bytes = _load(source, self.source, limits)
        self._probe = _probe(data, self.source, limits)
        self.fps: float = self._probe.fps
        self.size: tuple[int, int] = (self._probe.height, self._probe.width)
        self._data, self._num_threads = data, num_threads
        self._decoder: Any = None
        if backend == "decord":
            try:
                self._decoder = _DecordDecoder(data, self._probe, self.source, num_threads)
                self.backend = "decord"
            except Exception as err:  # noqa: BLE001  ImportError, DECORDError (a RuntimeError) or the frame-count check
                self._fall_back(err)
        if self._decoder is None:
            self._decoder = _PyAVDecoder(data, self._probe, self.source, num_threads)
            self.backend = "pyav"

    def _fall_back(self, err: Exception) -> None:
        """Warn that decord failed on this source and hand it to PyAV."""
        text = str(err).strip()
        reason = text.splitlines()[-1] if text else type(err).__name__
        warnings.warn(
            f"VideoReader: decord cannot read {self.source} ({reason[:200]}); decoding with PyAV instead",
            DecoderFallbackWarning,
            stacklevel=3,
        )
        if self._decoder is not None:
            self._decoder.close()
        self._decoder = _PyAVDecoder(self._data, self._probe, self.source, self._num_threads)
        self.backend = "pyav"

    def __len__(self) -> int:
        return len(self._probe.pts)

    @property
    def timestamps(self) -> Tensor:
        """float64 (N,) presentation time in seconds of every frame, from the stream start.

        Example:
            >>> from tempaug.io.decode import VideoReader
            >>> VideoReader.timestamps.__doc__.split()[0]
            'float64'
        """
        p = self._probe
        return torch.from_numpy((p.pts - p.start).astype(np.float64) * float(p.time_base))

    def read(self, indices: Sequence[int] | Tensor | np.ndarray) -> DecodedClip:
        """Decode the frames at ``indices`` (any order, repeats allowed).

        Raises:
            VideoDecodeError: an index outside ``[0, len(self))``, or frames the file cannot give (damaged file).

        Example:
            >>> from tempaug.io.decode import VideoReader
            >>> callable(VideoReader.read)
            True
        """
        if self._decoder is None:
            raise VideoDecodeError(f"{self.source}: reader is closed")
        idx = torch.as_tensor(indices).to(torch.long).reshape(-1)
        if idx.numel() == 0:
            raise InvalidArgumentError(f"VideoReader.read: {self.source}: no frame indices given", arg="indices")
        n = len(self)
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.numel():
            raise VideoDecodeError(
                f"{self.source}: frame index {int(bad[0])} is outside the video's {n} frames (clip longer than video)"
            )
        try:
            frames = self._decoder.read(idx.numpy())
        except Exception as err:  # decord refusing a file the probe accepted: PyAV decodes it instead
            if self.backend != "decord" or isinstance(err, VideoDecodeError):
                raise
            self._fall_back(err)
            frames = self._decoder.read(idx.numpy())
        out = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).contiguous()
        return DecodedClip(out, idx, self.timestamps[idx], self.backend)

    def close(self) -> None:
        """Release the file and the decoder; reading afterwards raises.

        Example:
            >>> from tempaug.io.decode import VideoReader
            >>> callable(VideoReader.close)
            True
        """
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001  nothing to report to at interpreter shutdown
            pass

    def __repr__(self) -> str:
        return f"VideoReader({self.source}, backend={self.backend!r}, frames={len(self)}, fps={self.fps:g})"


def read_clip(
    source: Source,
    num_frames: int | None = None,
    stride: int = 1,
    fps: float | None = None,
    start: int | None = None,
    backend: str = "decord",
    limits: DecodeLimits | None = None,
    end: str = "error",
) -> DecodedClip:
    """Decode one clip: ``num_frames`` frames from frame ``start``, every ``stride``-th, or resampled to ``fps``.

    Args:
        source: a path, bytes or a binary file object.
        num_frames: frames in the clip; ``None`` takes every frame up to the end.
        stride: step between frames, in frames (ignored when ``fps`` is given).
        fps: target frame rate; frames are picked at ``native_fps / fps`` steps (nearest earlier frame).
        start: index of the first frame; ``None`` starts at 0.
        backend: ``"decord"`` (PyAV as fallback) or ``"pyav"``.
        limits: caps checked before decoding, see :class:`DecodeLimits`.
        end: what a clip running past the last frame does: ``"error"`` raises, ``"pad"`` repeats the last frame,
            ``"loop"`` wraps to the start.

    Raises:
        VideoDecodeError: unreadable input, or a clip longer than the video with ``end="error"``.

    Example:
        >>> from tempaug.io.decode import read_clip
        >>> read_clip(b"")
        Traceback (most recent call last):
        ...
        tempaug.io.decode_errors.VideoDecodeError: <0 bytes>: file is empty (0 bytes)
    """
    if end not in ("error", "pad", "loop"):
        raise InvalidArgumentError(f"read_clip: end must be 'error', 'pad' or 'loop', got {end!r}", arg="end")
    if fps is not None and not fps > 0:
        raise InvalidArgumentError(f"read_clip: fps must be > 0, got {fps!r}", arg="fps")
    with VideoReader(source, backend=backend, limits=limits) as reader:
        n = len(reader)
        first = 0 if start is None else start
        if not 0 <= first < n:
            raise VideoDecodeError(f"read_clip: {reader.source}: start {first} is outside the video's {n} frames")
        step: float = stride
        if fps is not None:
            if reader.fps <= 0:
                raise VideoDecodeError(f"read_clip: {reader.source}: the container gives no frame rate to resample")
            step = reader.fps / fps
        if num_frames is None:
            num_frames = int((n - 1 - first) / step) + 1
        try:
            idx = clip_indices(n, num_frames, first, step, end=end)
        except VideoDecodeError as err:
            raise VideoDecodeError(f"read_clip: {reader.source}: {err}") from None
        return reader.read(idx)
