"""Writing clips: mp4 through PyAV (lossy, small) and uint8 ``.npy`` (lossless, exact round trips).

Paths are written atomically: the data goes to a hidden temporary name beside the destination, which is then
renamed over it, so a reader never sees half a file.

Example:
    >>> import torch
    >>> from tempaug.io.encode import load_npy, save_npy, write_video
    >>> clip = torch.zeros(4, 3, 16, 16, dtype=torch.uint8)
    >>> write_video(clip, None, fps=8)[4:8]
    b'ftyp'
    >>> torch.equal(load_npy(save_npy(clip, None)), clip)
    True
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..core.errors import DTypeError, InvalidArgumentError, InvalidInputError, ShapeError

__all__ = ["available_encoder", "load_npy", "save_npy", "write_video"]

#: Encoder names tried, in order, for each codec a user may ask for.
_ENCODERS: dict[str, tuple[str, ...]] = {
    "h264": ("libx264", "h264"),
    "libx264": ("libx264",),
    "mpeg4": ("mpeg4",),
    "vp9": ("libvpx-vp9", "vp9"),
}


def available_encoder(codec: str = "h264") -> str:
    """The name of the PyAV encoder that :func:`write_video` uses for ``codec``.

    Args:
        codec: ``"h264"`` (libx264), ``"libx264"``, ``"mpeg4"`` or ``"vp9"``.

    Raises:
        InvalidArgumentError: the codec is unknown, or the installed PyAV has no encoder for it.

    Example:
        >>> from tempaug.io.encode import available_encoder
        >>> available_encoder("mpeg4")
        'mpeg4'
    """
    import av

    if codec not in _ENCODERS:
        raise InvalidArgumentError(f"write_video: codec must be one of {sorted(_ENCODERS)}, got {codec!r}", "codec")
    for name in _ENCODERS[codec]:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # noqa: BLE001 - PyAV raises several types for a missing encoder
            continue
        return name
    raise InvalidArgumentError(
        f"write_video: the installed PyAV {av.__version__} has no encoder for {codec!r} (tried {_ENCODERS[codec]})",
        "codec",
    )


def _check_clip(clip: object, fn: str) -> Tensor:
    if not isinstance(clip, Tensor):
        raise DTypeError(f"{fn}: clip must be a torch.Tensor, got {type(clip).__name__}")
    if clip.dtype != torch.uint8:
        raise DTypeError(f"{fn}: clip must be uint8, got {clip.dtype} (use tempaug.io.to_uint8 for floats in [0, 1])")
    if clip.dim() != 4 or clip.shape[1] not in (1, 3):
        raise ShapeError(f"{fn}: clip must be (T,C,H,W) with C of 1 or 3, got shape {tuple(clip.shape)}")
    if clip.shape[0] == 0 or clip.shape[2] == 0 or clip.shape[3] == 0:
        raise ShapeError(f"{fn}: clip must hold at least one non-empty frame, got shape {tuple(clip.shape)}")
    return clip.detach().cpu()


def _write_atomic(dest: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    path = Path(dest)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_video(
    clip: Tensor,
    dest: str | os.PathLike[str] | None,
    fps: float = 25.0,
    codec: str = "h264",
    crf: int = 23,
    pad_odd: bool = True,
    options: dict[str, str] | None = None,
    threads: int = 0,
) -> Path | bytes:
    """Encode a uint8 (T,C,H,W) clip (C of 1 or 3) as an mp4 file, or as mp4 bytes when ``dest`` is None.

    Frames are stored as yuv420p, which needs an even height and width: with ``pad_odd=True`` (the default) an odd
    size is padded by one row or column repeating the edge, so the decoded video is one pixel larger there; with
    ``pad_odd=False`` an odd size raises :class:`ShapeError`. Grey clips (C=1) are written as grey RGB.

    Args:
        clip: uint8 (T,C,H,W) tensor.
        dest: path of the mp4 to write (replaced atomically), or None to return the bytes.
        fps: frames per second, > 0.
        codec: ``"h264"`` (libx264 when present), ``"mpeg4"`` or ``"vp9"``; see :func:`available_encoder`.
        crf: constant rate factor for h264/vp9 (0 best .. 51 worst); mpeg4 maps it to a fixed quantiser 2 + crf // 2.
        pad_odd: pad odd heights/widths to even instead of raising.
        options: extra encoder options passed to PyAV.
        threads: encoder threads; 0 lets the encoder choose. With 1, the same clip always encodes to the same
            bytes (several libx264 threads may not).

    Returns:
        The path written, or the mp4 bytes when ``dest`` is None.

    Example:
        >>> import os, tempfile, torch
        >>> from tempaug.io.encode import write_video
        >>> clip = torch.randint(0, 256, (3, 1, 15, 16), dtype=torch.uint8)
        >>> path = write_video(clip, os.path.join(tempfile.mkdtemp(), "c.mp4"), fps=10)
        >>> path.stat().st_size > 0
        True
    """
    import av

    clip = _check_clip(clip, "write_video")
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise InvalidArgumentError(f"write_video: fps must be a positive number, got {fps!r}", "fps")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise InvalidArgumentError(f"write_video: threads must be an int >= 0, got {threads!r}", "threads")
    if not (isinstance(crf, int) and 0 <= crf <= 51):
        raise InvalidArgumentError(f"write_video: crf must be an int in [0, 51], got {crf!r}", "crf")
    encoder = available_encoder(codec)
    h, w = clip.shape[-2:]
    if h % 2 or w % 2:
        if not pad_odd:
            raise ShapeError(
                f"write_video: yuv420p needs an even height and width, got {h}x{w}; pass pad_odd=True to pad"
            )
        clip = torch.nn.functional.pad(clip.float(), (0, w % 2, 0, h % 2), mode="replicate").to(torch.uint8)
    frames = clip.expand(-1, 3, -1, -1) if clip.shape[1] == 1 else clip
    frames_np = np.ascontiguousarray(frames.permute(0, 2, 3, 1).numpy())
    if encoder == "mpeg4":
        q = str(max(2, min(31, 2 + crf // 2)))
        opts = {"qmin": q, "qmax": q}
    else:
        opts = {"crf": str(crf)}
    opts.update(options or {})
    rate = Fraction(fps).limit_denominator(1001)

    def encode(target: str | io.BytesIO) -> None:
        with av.open(target, mode="w", format="mp4") as container:
            stream = container.add_stream(encoder, rate=rate, options=opts)
            stream.width, stream.height = frames_np.shape[2], frames_np.shape[1]
            stream.pix_fmt = "yuv420p"
            if threads:
                stream.codec_context.thread_count = threads  # an options entry "threads" would be overridden
            for i, f in enumerate(frames_np):
                frame = av.VideoFrame.from_ndarray(f, format="rgb24")
                frame.pts = i
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)

    try:
        if dest is None:
            buf = io.BytesIO()
            encode(buf)
            return buf.getvalue()
        return _write_atomic(dest, encode)
    except av.FFmpegError as err:
        raise InvalidInputError(
            f"write_video: {encoder} could not encode a clip of shape {tuple(clip.shape)}: {err}"
        ) from err


def save_npy(clip: Tensor, dest: str | os.PathLike[str] | None) -> Path | bytes:
    """Save a uint8 (T,C,H,W) clip losslessly as ``.npy``: to a path (atomically) or, with ``dest=None``, as bytes.

    Example:
        >>> import torch
        >>> from tempaug.io.encode import save_npy
        >>> save_npy(torch.zeros(1, 1, 2, 2, dtype=torch.uint8), None)[:6]
        b'\\x93NUMPY'
    """
    arr = _check_clip(clip, "save_npy").contiguous().numpy()
    if dest is None:
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        return buf.getvalue()

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.save(f, arr, allow_pickle=False)

    return _write_atomic(dest, write)


def load_npy(source: str | os.PathLike[str] | bytes) -> Tensor:
    """Load a clip written by :func:`save_npy` from a path or from bytes, as a uint8 (T,C,H,W) tensor.

    Raises:
        InvalidInputError: the data is not a ``.npy`` array.
        DTypeError / ShapeError: the array is not a uint8 (T,1|3,H,W) clip.

    Example:
        >>> import torch
        >>> from tempaug.io.encode import load_npy, save_npy
        >>> load_npy(save_npy(torch.ones(2, 3, 4, 4, dtype=torch.uint8), None)).shape
        torch.Size([2, 3, 4, 4])
    """
    name = "<bytes>" if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        arr = np.load(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source, allow_pickle=False)
    except (ValueError, EOFError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise InvalidInputError(f"load_npy: {name} is not a readable .npy array: {err}") from err
    if not isinstance(arr, np.ndarray):
        raise InvalidInputError(f"load_npy: {name} holds an archive, not one .npy array")
    if arr.dtype != np.uint8:
        raise DTypeError(f"load_npy: {name} holds {arr.dtype}, expected uint8")
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise ShapeError(f"load_npy: {name} holds shape {arr.shape}, expected (T,1|3,H,W)")
    return torch.from_numpy(np.ascontiguousarray(arr))
