"""Writing clips: mp4 through PyAV, lossless npy, and the PNG grid preview."""

from __future__ import annotations

import io
import math
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from PIL import Image

from tempaug.core.errors import DTypeError, InvalidArgumentError, InvalidInputError, ShapeError
from tempaug.io import load_npy, save_grid_png, save_npy, write_video


def smooth_clip(t: int = 8, c: int = 3, h: int = 32, w: int = 48) -> torch.Tensor:
    """A slowly moving colour gradient: easy for a lossy codec, so a good decode is close."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    frames = []
    for i in range(t):
        shift = i / (4 * t)
        chans = [((xx + shift) * 0.6 + 0.2), ((yy + shift) * 0.5 + 0.25), ((xx + yy) * 0.3 + 0.2)][:c]
        frames.append(torch.stack(chans))
    return (torch.stack(frames).clamp(0, 1) * 255).round().to(torch.uint8)


def decode(source: bytes | Path) -> torch.Tensor:
    with av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as f:
        frames = [fr.to_ndarray(format="rgb24") for fr in f.decode(video=0)]
    return torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = (a.float() - b.float()).pow(2).mean().item()
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def test_npy_round_trip_is_exact_through_a_path(tmp_path: Path) -> None:
    clip = torch.randint(0, 256, (5, 3, 7, 9), dtype=torch.uint8)
    path = save_npy(clip, tmp_path / "c.npy")
    assert torch.equal(load_npy(path), clip)


def test_npy_round_trip_is_exact_through_bytes() -> None:
    clip = torch.randint(0, 256, (2, 1, 3, 4), dtype=torch.uint8)
    data = save_npy(clip, None)
    assert isinstance(data, bytes)
    assert torch.equal(load_npy(data), clip)


def test_mp4_bytes_decode_close_to_the_input() -> None:
    clip = smooth_clip()
    data = write_video(clip, None, fps=10, crf=18)
    assert isinstance(data, bytes)
    out = decode(data)
    assert out.shape == clip.shape
    assert psnr(out, clip) > 30


def test_mp4_path_and_bytes_hold_the_same_video(tmp_path: Path) -> None:
    clip = smooth_clip(t=4)
    # one thread, cpu-independent x264: the same clip encodes to the same bitstream (several threads may not)
    fixed = {"threads": 1, "options": {"x264-params": "cpu-independent=1"}}
    path = write_video(clip, tmp_path / "c.mp4", fps=10, **fixed)
    assert isinstance(path, Path) and path.exists()
    assert torch.equal(decode(path), decode(write_video(clip, None, fps=10, **fixed)))


def test_grey_clip_is_written_as_grey_rgb() -> None:
    clip = smooth_clip(c=1)
    out = decode(write_video(clip, None, fps=10, crf=18))
    assert out.shape == (clip.shape[0], 3, *clip.shape[-2:])
    assert psnr(out, clip.expand(-1, 3, -1, -1)) > 30


def test_odd_frame_size_is_padded_by_one_pixel() -> None:
    clip = smooth_clip(t=3, h=15, w=17)
    out = decode(write_video(clip, None, fps=10, crf=18))
    assert out.shape == (3, 3, 16, 18)
    assert psnr(out[..., :15, :17], clip) > 30


def test_odd_frame_size_raises_without_padding() -> None:
    with pytest.raises(ShapeError, match="even"):
        write_video(smooth_clip(t=2, h=15), None, fps=10, pad_odd=False)


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_video(smooth_clip(t=2), tmp_path / "a.mp4", fps=10)
    save_npy(smooth_clip(t=2), tmp_path / "a.npy")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "a.npy"]


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    dest = tmp_path / "c.npy"
    dest.write_bytes(b"old")
    save_npy(torch.zeros(1, 1, 2, 2, dtype=torch.uint8), dest)
    assert load_npy(dest).shape == (1, 1, 2, 2)


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="libx264|h264"):
        write_video(smooth_clip(t=2), tmp_path / "c.mp4", fps=10, options={"profile": "no-such-profile"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("codec", ["mpeg4", "vp9"])
def test_other_codecs_round_trip(codec: str) -> None:
    clip = smooth_clip(t=4)
    assert decode(write_video(clip, None, fps=10, codec=codec, crf=10)).shape == clip.shape


@pytest.mark.parametrize(
    "clip, error",
    [
        (torch.zeros(2, 3, 8, 8), DTypeError),
        (np.zeros((2, 3, 8, 8), dtype=np.uint8), DTypeError),
        (torch.zeros(3, 8, 8, dtype=torch.uint8), ShapeError),
        (torch.zeros(2, 2, 8, 8, dtype=torch.uint8), ShapeError),
        (torch.zeros(0, 3, 8, 8, dtype=torch.uint8), ShapeError),
    ],
)
def test_bad_clips_are_refused(clip: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        write_video(clip, None, fps=10)  # type: ignore[arg-type]
    with pytest.raises(error):
        save_npy(clip, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"fps": 0}, {"crf": 60}, {"codec": "gif"}])
def test_bad_arguments_are_refused(kwargs: dict) -> None:
    args = {"fps": 10, **kwargs}
    with pytest.raises(InvalidArgumentError):
        write_video(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), None, **args)


def test_load_npy_refuses_non_clips() -> None:
    buf = io.BytesIO()
    np.save(buf, np.zeros((2, 3, 4, 4), dtype=np.float32))
    with pytest.raises(DTypeError, match="float32"):
        load_npy(buf.getvalue())
    with pytest.raises(InvalidInputError, match="npy"):
        load_npy(b"not an array")


def test_grid_png_puts_clips_in_rows_and_frames_in_columns(tmp_path: Path) -> None:
    a = torch.zeros(3, 1, 4, 5, dtype=torch.uint8)
    b = torch.full((2, 3, 4, 5), 100, dtype=torch.uint8)
    path = save_grid_png([a, b], tmp_path / "g.png", pad=1)
    img = torch.from_numpy(np.array(Image.open(path).convert("RGB")))
    assert img.shape == (2 * 4 + 1, 3 * 5 + 2, 3)
    assert int(img[0, 0, 0]) == 0 and int(img[5, 0, 0]) == 100
    assert int(img[5, 2 * 6, 0]) == 255  # the shorter clip's missing frame stays white
    assert [p.name for p in tmp_path.iterdir()] == ["g.png"]


def test_grid_png_with_labels_is_wider(tmp_path: Path) -> None:
    clips = [torch.zeros(2, 1, 8, 8, dtype=torch.uint8)] * 2
    plain = Image.open(save_grid_png(clips, tmp_path / "a.png")).size
    labelled = Image.open(save_grid_png(clips, tmp_path / "b.png", labels=["in", "out"])).size
    assert labelled[0] > plain[0] and labelled[1] == plain[1]
    with pytest.raises(ShapeError):
        save_grid_png(clips, tmp_path / "c.png", labels=["one"])
