"""Decoding clips (tempaug.io.decode), clip samplers and decode limits, on small videos written here with PyAV."""

from __future__ import annotations

import io
import math
import sys
import warnings
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tempaug.io import (
    DecodeLimits,
    DecoderFallbackWarning,
    VideoDecodeError,
    VideoReader,
    clip_indices,
    fps_indices,
    random_clips,
    read_clip,
    sliding_clips,
    uniform_clips,
)
from tempaug.io import decode as decode_mod

NUM_FRAMES = 32
#: Lowest PSNR accepted between written frames and h264 (yuv420p, lossy) decoded frames.
H264_MIN_PSNR_DB = 30.0


def frame_content(i: int, h: int, w: int) -> np.ndarray:
    """Smooth RGB frame i (h264 keeps it well) that differs from every other frame of the clip."""
    y, x = np.mgrid[0:h, 0:w]
    r = x * 2 + i * 2  # at most 2 * 95 + 62 < 256: no wrap-around edges
    g = y * 2 + i
    b = np.full_like(x, 40 + i * 5)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def write_video(
    path: Path, codec: str, w: int, h: int, fps: int, pix_fmt: str, options: dict[str, str] | None = None
) -> np.ndarray:
    """Write NUM_FRAMES frames; return them as (T,H,W,3) uint8."""
    frames = np.stack([frame_content(i, h, w) for i in range(NUM_FRAMES)])
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        if options:
            stream.options = options
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())
    return frames


# name: (file, codec, width, height, fps, pix_fmt, options, lossless)
SPECS = {
    "h264_64x48_25": ("a.mp4", "libx264", 64, 48, 25, "yuv420p", None, False),
    "h264_96x80_12": ("b.mp4", "libx264", 96, 80, 12, "yuv420p", None, False),
    "ffv1_64x48_25": ("c.mkv", "ffv1", 64, 48, 25, "bgr0", None, True),
    "x264rgb_96x80_12": ("d.mkv", "libx264rgb", 96, 80, 12, "rgb24", {"qp": "0"}, True),
}


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, np.ndarray, int, bool]]:
    root = tmp_path_factory.mktemp("videos")
    out = {}
    for name, (file, codec, w, h, fps, pix, opts, lossless) in SPECS.items():
        frames = write_video(root / file, codec, w, h, fps, pix, opts)
        out[name] = (root / file, frames, fps, lossless)
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def as_thwc(frames: torch.Tensor) -> np.ndarray:
    return frames.permute(0, 2, 3, 1).numpy()


# ------------------------------------------------------------------ decoding
@pytest.mark.parametrize("backend", ["decord", "pyav"])
@pytest.mark.parametrize("name", list(SPECS))
def test_decoded_frames_match_written_frames(videos, name: str, backend: str) -> None:
    path, written, _, lossless = videos[name]
    clip = read_clip(path, num_frames=10, stride=3, start=1, backend=backend)
    assert clip.backend == backend
    assert clip.frames.dtype == torch.uint8 and clip.frames.shape == (10, 3, *written.shape[1:3])
    assert clip.indices.dtype == torch.long and clip.indices.tolist() == list(range(1, 31, 3))
    expected = written[clip.indices.numpy()]
    if lossless:
        np.testing.assert_array_equal(as_thwc(clip.frames), expected)
    else:
        assert psnr(as_thwc(clip.frames), expected) > H264_MIN_PSNR_DB


@pytest.mark.parametrize("name", list(SPECS))
def test_backends_return_same_indices_and_timestamps(videos, name: str) -> None:
    path, _, fps, lossless = videos[name]
    for kwargs in ({"num_frames": 8, "stride": 2, "start": 5}, {"fps": fps / 3}, {}):
        a = read_clip(path, backend="decord", **kwargs)
        b = read_clip(path, backend="pyav", **kwargs)
        assert torch.equal(a.indices, b.indices)
        assert a.timestamps.dtype == torch.float64 and torch.equal(a.timestamps, b.timestamps)
        if lossless:
            assert torch.equal(a.frames, b.frames)


def test_reading_across_keyframes_gives_the_same_frames_with_both_backends(tmp_path: Path) -> None:
    # a keyframe every 4 frames and B-frames: reads out of order make both backends seek back and forth
    written = write_video(tmp_path / "gop.mp4", "libx264", 64, 48, 25, "yuv420p", {"g": "4", "bf": "2"})
    idx = [13, 14, 27, 5, 30, 31, 0, 13]
    decoded = {}
    for backend in ("decord", "pyav"):
        with VideoReader(tmp_path / "gop.mp4", backend=backend) as reader:
            decoded[backend] = as_thwc(reader.read(idx).frames)
        for k, i in enumerate(idx):
            assert psnr(decoded[backend][k], written[i]) > H264_MIN_PSNR_DB, (backend, i)
    np.testing.assert_array_equal(decoded["decord"], decoded["pyav"])


def test_timestamps_are_seconds_from_stream_start(videos) -> None:
    path, _, fps, _ = videos["h264_96x80_12"]
    clip = read_clip(path, num_frames=4, start=6)
    torch.testing.assert_close(clip.timestamps, torch.arange(6, 10, dtype=torch.float64) / fps)


def test_fps_resamples_indices_from_native_rate(videos) -> None:
    path = videos["ffv1_64x48_25"][0]
    clip = read_clip(path, fps=10, num_frames=5)
    assert clip.indices.tolist() == [0, 2, 5, 7, 10]  # floor(k * 25 / 10)


@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_bytes_and_file_objects_decode_like_paths(videos, backend: str) -> None:
    path, _, _, _ = videos["x264rgb_96x80_12"]
    from_path = read_clip(path, num_frames=6, stride=4, backend=backend)
    data = path.read_bytes()
    with open(path, "rb") as fh:
        from_file = read_clip(fh, num_frames=6, stride=4, backend=backend)
    for other in (
        read_clip(data, num_frames=6, stride=4, backend=backend),
        from_file,
        read_clip(io.BytesIO(data), num_frames=6, stride=4, backend=backend),
    ):
        assert other.backend == backend
        assert torch.equal(other.frames, from_path.frames)
        assert torch.equal(other.indices, from_path.indices)
        assert torch.equal(other.timestamps, from_path.timestamps)


@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_reader_reads_many_clips_in_any_order_and_closes(videos, backend: str) -> None:
    path, written, fps, _ = videos["ffv1_64x48_25"]
    with VideoReader(path, backend=backend) as reader:
        assert (len(reader), reader.fps, reader.size, reader.backend) == (NUM_FRAMES, fps, (48, 64), backend)
        for idx in ([31, 0, 15, 15], [3, 4, 5], [30, 1]):
            np.testing.assert_array_equal(as_thwc(reader.read(idx).frames), written[idx])
    with pytest.raises(VideoDecodeError, match="closed"):
        reader.read([0])


def test_reader_refuses_indices_outside_the_video(videos) -> None:
    path = videos["ffv1_64x48_25"][0]
    with VideoReader(path) as reader, pytest.raises(VideoDecodeError, match="outside the video's 32 frames"):
        reader.read([0, 32])


def test_missing_decord_falls_back_to_pyav_with_a_warning(videos, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "decord", None)
    path, written, _, _ = videos["ffv1_64x48_25"]
    with pytest.warns(DecoderFallbackWarning, match="decord cannot read"):
        clip = read_clip(path, num_frames=4)
    assert clip.backend == "pyav"
    np.testing.assert_array_equal(as_thwc(clip.frames), written[:4])


def test_decord_failing_on_a_file_falls_back_to_pyav(tmp_path: Path) -> None:
    # decord 0.6 cannot copy out frames narrower than its 32-pixel row alignment; PyAV can.
    written = write_video(tmp_path / "narrow.mkv", "ffv1", 16, 16, 25, "bgr0")
    with pytest.warns(DecoderFallbackWarning, match="PyAV"):
        clip = read_clip(tmp_path / "narrow.mkv", num_frames=3)
    assert clip.backend == "pyav"
    np.testing.assert_array_equal(as_thwc(clip.frames), written[:3])


def test_no_fallback_warning_when_decord_reads_the_file(videos) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_clip(videos["h264_64x48_25"][0], num_frames=2).backend == "decord"


# -------------------------------------------------------------------- errors
def test_zero_byte_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for source in (empty, b"", io.BytesIO()):
        with pytest.raises(VideoDecodeError, match="empty"):
            read_clip(source)
    with pytest.raises(VideoDecodeError, match="empty.mp4"):
        read_clip(empty)


def test_truncated_files_are_refused(tmp_path: Path, videos) -> None:
    mkv = videos["ffv1_64x48_25"][0].read_bytes()
    (tmp_path / "cut.mkv").write_bytes(mkv[: len(mkv) * 4 // 10])
    with pytest.raises(VideoDecodeError, match=r"cut.mkv.*truncated"):
        read_clip(tmp_path / "cut.mkv")
    mp4 = videos["h264_64x48_25"][0].read_bytes()  # index at the end: cut, it is not a container at all
    with pytest.raises(VideoDecodeError, match="not a readable video"):
        read_clip(mp4[: len(mp4) // 2])
    write_video(tmp_path / "fast.mp4", "libx264", 64, 48, 25, "yuv420p")
    with (
        av.open(str(tmp_path / "fast.mp4")) as src,
        av.open(str(tmp_path / "faststart.mp4"), "w", options={"movflags": "faststart"}) as dst,
    ):
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    data = (tmp_path / "faststart.mp4").read_bytes()  # index first, frame data cut
    with pytest.raises(VideoDecodeError, match="truncated|damaged"):
        read_clip(data[: len(data) * 6 // 10])


@pytest.mark.parametrize("content", [np.random.default_rng(0).bytes(4096), b"just some text, not a video\n" * 20])
def test_not_a_video_is_refused(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "x.mp4").write_bytes(content)
    with pytest.raises(VideoDecodeError, match=r"x.mp4.*not a readable video"):
        read_clip(tmp_path / "x.mp4")


def test_unsupported_codec_is_refused(tmp_path: Path, videos) -> None:
    data = videos["ffv1_64x48_25"][0].read_bytes()
    assert data.count(b"V_FFV1") == 1
    (tmp_path / "odd.mkv").write_bytes(data.replace(b"V_FFV1", b"V_QQQQ"))  # a codec id FFmpeg does not know
    for backend in ("decord", "pyav"):
        with pytest.raises(VideoDecodeError, match=r"odd.mkv.*codec not supported"):
            read_clip(tmp_path / "odd.mkv", backend=backend)


@pytest.mark.parametrize("backend", ["decord", "pyav"])
@pytest.mark.parametrize("name", ["h264_64x48_25", "ffv1_64x48_25"])
def test_damaged_bytes_give_a_clip_or_a_decode_error(videos, name: str, backend: str) -> None:
    clean = videos[name][0].read_bytes()
    rng = np.random.default_rng(0)
    for _ in range(4):
        data = bytearray(clean)
        for i in rng.integers(len(data) // 10, len(data), size=50):  # 50 random bytes overwritten past the header
            data[int(i)] = int(rng.integers(0, 256))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DecoderFallbackWarning)
            try:
                clip = read_clip(bytes(data), backend=backend)
            except VideoDecodeError:
                continue
        assert clip.frames.dtype == torch.uint8 and clip.frames.shape[0] == len(clip.indices)


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(VideoDecodeError, match="cannot open"):
        read_clip(tmp_path / "nope.mp4")
    with pytest.raises(VideoDecodeError, match="directory"):
        read_clip(tmp_path)


@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_clip_longer_than_video_raises_without_padding(videos, backend: str) -> None:
    path, written, _, _ = videos["ffv1_64x48_25"]
    with pytest.raises(VideoDecodeError, match=r"c.mkv.*longer than the video's 32 frames"):
        read_clip(path, num_frames=20, stride=2, backend=backend)
    padded = read_clip(path, num_frames=20, stride=2, backend=backend, end="pad")
    assert padded.indices.tolist() == list(range(0, 32, 2)) + [31] * 4
    np.testing.assert_array_equal(as_thwc(padded.frames[-4:]), written[[31] * 4])
    looped = read_clip(path, num_frames=20, stride=2, backend=backend, end="loop")
    assert looped.indices.tolist()[-4:] == [0, 2, 4, 6]


def test_bad_arguments_raise_argument_errors(videos) -> None:
    path = videos["ffv1_64x48_25"][0]
    for kwargs in ({"backend": "ffmpeg"}, {"end": "skip"}, {"fps": 0}):
        with pytest.raises(ValueError):
            read_clip(path, **kwargs)
    with pytest.raises(TypeError):
        read_clip(12345)  # type: ignore[arg-type]


# -------------------------------------------------------------------- limits
@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any attempt to start a decoder (decord or PyAV) or to turn a frame into pixels."""
    calls: list[str] = []

    def spy(name):
        def fail(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} was called")

        return fail

    monkeypatch.setattr(decode_mod._DecordDecoder, "__init__", spy("decord"))
    monkeypatch.setattr(decode_mod._PyAVDecoder, "__init__", spy("pyav"))
    monkeypatch.setattr(av.VideoFrame, "to_ndarray", spy("to_ndarray"), raising=False)
    return calls


@pytest.mark.parametrize(
    "limits, reason",
    [
        (DecodeLimits(max_pixels=64 * 48 - 1), "max_pixels"),
        (DecodeLimits(max_frames=NUM_FRAMES - 1), "max_frames"),
        (DecodeLimits(max_bytes=100), "max_bytes"),
    ],
)
def test_over_limit_files_are_refused_before_decoding(videos, no_decoding, limits, reason: str) -> None:
    path = videos["ffv1_64x48_25"][0]
    for source in (path, path.read_bytes()):
        with pytest.raises(VideoDecodeError, match=f"over the limit.*DecodeLimits.{reason}"):
            VideoReader(source, limits=limits)
    assert no_decoding == []


def test_over_size_file_object_is_refused_before_reading_it(videos) -> None:
    class CountingReads(io.BytesIO):
        reads = 0

        def read(self, *args):  # type: ignore[override]
            CountingReads.reads += 1
            return super().read(*args)

    with pytest.raises(VideoDecodeError, match="max_bytes"):
        VideoReader(CountingReads(videos["ffv1_64x48_25"][0].read_bytes()), limits=DecodeLimits(max_bytes=100))
    assert CountingReads.reads == 0


def test_limits_at_the_size_of_the_file_accept_it(videos) -> None:
    path = videos["ffv1_64x48_25"][0]
    limits = DecodeLimits(max_pixels=64 * 48, max_frames=NUM_FRAMES, max_bytes=path.stat().st_size)
    assert len(VideoReader(path, limits=limits)) == NUM_FRAMES


def test_default_limits_are_generous_and_bad_ones_rejected() -> None:
    d = DecodeLimits()
    assert d.max_pixels >= 8192 * 8192 and d.max_frames >= 1_000_000 and d.max_bytes >= 8 * 1024**3
    for bad in ({"max_pixels": 0}, {"max_frames": -1}, {"max_bytes": 1.5}):
        with pytest.raises(ValueError):
            DecodeLimits(**bad)


# ------------------------------------------------------------------ samplers
def test_clip_indices_end_policies() -> None:
    assert clip_indices(6, 4, start=4, end="pad").tolist() == [4, 5, 5, 5]
    assert clip_indices(6, 4, start=4, end="loop").tolist() == [4, 5, 0, 1]
    with pytest.raises(VideoDecodeError, match="longer than the video's 6 frames"):
        clip_indices(6, 4, start=4)
    with pytest.raises(VideoDecodeError, match="skip"):
        clip_indices(6, 4, start=4, end="skip")


def test_sliding_clips_cover_the_video_and_skip_drops_overrunning_clips() -> None:
    assert sliding_clips(10, 4, end="pad").tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 9, 9]]
    assert sliding_clips(10, 4, end="skip").tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert sliding_clips(10, 4, hop=2, end="skip").shape == (4, 4)
    assert sliding_clips(3, 4, end="skip").shape == (0, 4)
    with pytest.raises(VideoDecodeError):
        sliding_clips(10, 4)


def test_uniform_clips_span_first_to_last_fitting_start() -> None:
    clips = uniform_clips(100, 8, num_clips=5, stride=2)
    assert clips[0, 0] == 0 and clips[-1, -1] == 99
    assert uniform_clips(5, 8, num_clips=2, end="loop").tolist() == [[0, 1, 2, 3, 4, 0, 1, 2]] * 2


def test_fps_indices_resample_native_rate() -> None:
    assert fps_indices(10, native_fps=10, target_fps=20, num_frames=6).tolist() == [0, 0, 1, 1, 2, 2]
    assert fps_indices(30, native_fps=30, target_fps=10).tolist() == list(range(0, 30, 3))


@given(
    n=st.integers(1, 60),
    t=st.integers(1, 20),
    stride=st.sampled_from([1, 2, 3, 0.5, 1.5]),
    end=st.sampled_from(["pad", "loop", "skip"]),
    seed=st.integers(0, 2**16),
)
def test_random_clips_stay_inside_the_video(n: int, t: int, stride: float, end: str, seed: int) -> None:
    clips = random_clips(n, t, num_clips=3, stride=stride, end=end, generator=torch.Generator().manual_seed(seed))
    fits = math.floor((t - 1) * stride) + 1 <= n
    assert clips.shape == ((3, t) if fits or end != "skip" else (0, t))
    assert bool(((clips >= 0) & (clips < n)).all())
    if fits:
        assert torch.equal(clips - clips[:, :1], torch.floor(torch.arange(t) * stride).long().expand_as(clips))
