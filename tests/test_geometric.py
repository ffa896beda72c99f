"""Geometric ops: exact results, boxes, vary modes, the uint8 fast path, fusion and bad input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from helpers import gen
from hypothesis import given
from hypothesis import strategies as st

import tempaug
from tempaug import (
    CenterCrop,
    Compose,
    HorizontalFlip,
    InvalidArgumentError,
    RandomAffine,
    RandomCrop,
    RandomResizedCrop,
    Resize,
    ShapeError,
    VerticalFlip,
)

DTYPES = [torch.uint8, torch.float32, torch.float16, torch.float64]


def _smooth(b: int = 4, t: int = 3, h: int = 48, w: int = 64) -> torch.Tensor:
    """Low-frequency frames in [0, 1]: resampling errors stay small, so tolerances mean something."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    frame = torch.stack([torch.sin(3 * xx + 1) * 0.5 + 0.5, torch.cos(2 * yy) * 0.5 + 0.5, xx * yy])
    phase = torch.arange(b * t, dtype=torch.float32).view(b, t, 1, 1, 1) * 0.05
    return (frame + phase) / (1.0 + phase.max())


@given(dtype=st.sampled_from(DTYPES), h=st.integers(1, 7), w=st.integers(1, 7))
def test_a_flip_twice_is_the_identity(dtype: torch.dtype, h: int, w: int) -> None:
    x = (torch.rand(2, 3, 2, h, w, generator=gen(h * 10 + w)) * 200).to(dtype)
    for flip in (HorizontalFlip(), VerticalFlip()):
        assert torch.equal(flip(flip(x)), x)
        assert torch.equal(Compose([flip, flip])(x), x)
        assert torch.equal(Compose([flip, flip], fuse=False)(x), x)


def test_flips_and_center_crop_give_exact_pixels() -> None:
    x = torch.arange(12.0).view(1, 1, 3, 4)
    assert HorizontalFlip()(x)[0, 0].tolist() == [[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8]]
    assert VerticalFlip()(x)[0, 0].tolist() == [[8, 9, 10, 11], [4, 5, 6, 7], [0, 1, 2, 3]]
    assert CenterCrop((1, 2))(x)[0, 0].tolist() == [[5, 6]]


@given(
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    seed=st.integers(0, 10_000),
    vary=st.sampled_from(["clip", "frame", "smooth"]),
)
def test_a_crop_box_always_lies_inside_the_frame(h: int, w: int, seed: int, vary: str) -> None:
    shape = (3, 4, 1, h, w)
    ops = [
        RandomResizedCrop(8, vary=vary),
        RandomCrop((min(h, 5), min(w, 3)), vary=vary),
        CenterCrop((h // 2 + 1, w // 2 + 1)),
    ]
    for op in ops:
        boxes = op.sample(shape, generator=gen(seed)).boxes
        assert bool((boxes[..., 0] >= 0).all() & (boxes[..., 1] >= 0).all())
        assert bool((boxes[..., 2] <= w).all() & (boxes[..., 3] <= h).all())
        assert bool((boxes[..., 2] > boxes[..., 0]).all() & (boxes[..., 3] > boxes[..., 1]).all())


def test_random_resized_crop_draws_area_and_ratio_in_range() -> None:
    boxes = RandomResizedCrop(16, scale=(0.2, 0.6), ratio=(0.5, 2.0)).sample((2000, 1, 1, 100, 120), generator=gen(0)).boxes
    bw, bh = boxes[:, 0, 2] - boxes[:, 0, 0], boxes[:, 0, 3] - boxes[:, 0, 1]
    share = bw * bh / (100 * 120)
    assert share.min() > 0.18 and share.max() < 0.62
    assert (bw / bh).min() > 0.45 and (bw / bh).max() < 2.2
    assert len({tuple(b.tolist()) for b in boxes[:, 0]}) > 1900, "each sample draws its own box"


@pytest.mark.parametrize(
    "op",
    [
        RandomResizedCrop(12),
        RandomCrop(10),
        CenterCrop(9),
        Resize(7),
        HorizontalFlip(),
        VerticalFlip(),
        RandomAffine(degrees=30, translate=(0.2, 0.1), scale=(0.8, 1.2), shear=10),
    ],
    ids=lambda op: op.name,
)
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_with_vary_clip_equal_input_frames_stay_equal(op: tempaug.Transform, dtype: torch.dtype) -> None:
    frame = (torch.rand(1, 1, 3, 20, 24, generator=gen(5)) * 255).to(dtype)
    x = frame.expand(3, 6, 3, 20, 24)
    out = op(x, generator=gen(1))
    assert torch.equal(out, out[:, :1].expand_as(out))


@pytest.mark.parametrize("op", [RandomResizedCrop(8, vary="frame"), RandomAffine(degrees=40, vary="frame")], ids=lambda o: o.name)
def test_vary_frame_draws_a_new_map_for_every_frame(op: tempaug.Transform) -> None:
    matrix = op.sample((2, 6, 3, 20, 24), generator=gen(2)).matrix
    assert matrix.shape == (2, 6, 3, 3)
    assert len({tuple(m.flatten().tolist()) for m in matrix[0]}) == 6


@pytest.mark.parametrize("op", [RandomResizedCrop(8, vary="smooth"), RandomCrop(9, vary="smooth")], ids=lambda o: o.name)
def test_vary_smooth_moves_the_box_linearly_across_the_clip(op: tempaug.Transform) -> None:
    boxes = op.sample((3, 5, 1, 30, 40), generator=gen(3)).boxes
    assert boxes.shape == (3, 5, 4)
    steps = boxes.diff(dim=1)
    assert torch.allclose(steps, steps[:, :1].expand_as(steps), atol=1e-4)
    out = RandomResizedCrop(8, vary="smooth")(torch.rand(5, 3, 30, 40))
    assert out.shape == (5, 3, 8, 8)


def test_uint8_crop_flip_and_resize_on_the_cpu_never_convert_to_float(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[torch.dtype] = []
    real_interpolate = F.interpolate

    def spy(frames: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
        seen.append(frames.dtype)
        return real_interpolate(frames, *args, **kwargs)

    def no_grid(*args: object, **kwargs: object) -> torch.Tensor:
        raise AssertionError("grid_sample used on a crop/flip/resize")

    monkeypatch.setattr(F, "interpolate", spy)
    monkeypatch.setattr(F, "grid_sample", no_grid)
    clip = torch.randint(0, 256, (16, 3, 128, 171), dtype=torch.uint8)
    pipeline = Compose([RandomResizedCrop(112), HorizontalFlip(p=0.5), CenterCrop(100), Resize(64), VerticalFlip()])
    out = pipeline(clip, generator=gen(0))
    assert out.dtype == torch.uint8 and out.shape == (16, 3, 64, 64)
    assert seen and all(d == torch.uint8 for d in seen), "every resize runs on uint8"
    batch = clip.unsqueeze(0).expand(4, -1, -1, -1, -1)
    assert pipeline(batch, generator=gen(1)).shape == (4, 16, 3, 64, 64)
    assert all(d == torch.uint8 for d in seen)


def test_a_crop_of_one_clip_on_the_cpu_is_a_view() -> None:
    clip = torch.randint(0, 256, (16, 3, 32, 40), dtype=torch.uint8)
    for op in (RandomCrop(20), CenterCrop(10), Compose([RandomCrop(24), CenterCrop(12)])):
        out = op(clip)
        assert out.untyped_storage().data_ptr() == clip.untyped_storage().data_ptr()


def test_box_chains_fold_exactly() -> None:
    x = _smooth()
    for ops in ([RandomResizedCrop(32), HorizontalFlip(p=0.5)], [RandomCrop(40), Resize(20), VerticalFlip(p=0.5)]):
        fused, steps = Compose(ops), Compose(ops, fuse=False)
        params = fused.sample(x.shape, generator=gen(4))
        assert torch.equal(fused.apply(x, params), steps.apply(x, params))


#: Documented tolerance of a folded geometric chain against the step-by-step chain: the fused chain
#: interpolates once, the step-by-step one once per resampling op, so they differ by interpolation error.
#: On smooth [0, 1] frames with no fill in view the largest difference stays under 0.005 and the mean
#: under 0.0005 (next to filled borders single pixels differ more: two bilinear passes blur the edge twice).
FOLD_MAX, FOLD_MEAN = 0.005, 0.0005


@pytest.mark.parametrize("seed", range(5))
def test_folded_affine_chain_matches_step_by_step_within_the_documented_tolerance(seed: int) -> None:
    x = _smooth()
    ops = [RandomAffine(degrees=5, scale=(1.2, 1.3), translate=(0.02, 0.02)), CenterCrop(40), Resize(30), HorizontalFlip(p=0.5)]
    fused, steps = Compose(ops), Compose(ops, fuse=False)
    params = fused.sample(x.shape, generator=gen(seed))
    diff = (fused.apply(x, params) - steps.apply(x, params)).abs()
    assert diff.max() < FOLD_MAX and diff.mean() < FOLD_MEAN


def test_random_crop_pads_with_fill_when_asked() -> None:
    x = torch.ones(1, 1, 2, 2)
    out = RandomCrop(4, pad_if_needed=True, fill=7.0)(x)
    assert out.shape == (1, 1, 4, 4)
    assert int((out == 7.0).sum()) == 12 and int((out == 1.0).sum()) == 4
    padded = RandomCrop(2, padding=3, fill=5.0).sample((1, 1, 1, 2, 2), generator=gen(0)).boxes
    assert bool((padded[..., :2] >= -3).all() & (padded[..., 2:] <= 5).all())


def test_resize_sets_the_short_side_or_the_exact_size() -> None:
    assert Resize(64).output_shape((16, 3, 128, 171)) == (16, 3, 64, 85)
    assert Resize(64).output_shape((16, 3, 171, 128)) == (16, 3, 85, 64)
    assert Resize((10, 20)).output_shape((2, 3, 5, 5)) == (2, 3, 10, 20)
    x = torch.rand(2, 3, 8, 8)
    assert torch.allclose(Resize(4)(x), F.interpolate(x, size=(4, 4), mode="bilinear", antialias=True))


def test_random_affine_identity_parameters_keep_the_clip() -> None:
    x = torch.rand(2, 4, 3, 9, 11)
    assert torch.allclose(RandomAffine()(x), x, atol=1e-6)


def test_random_affine_rotates_about_the_centre() -> None:
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, 2, 4] = 1.0  # right of the centre
    out = RandomAffine(degrees=(90.0, 90.0))(x)
    assert out[0, 0].argmax().item() in (2 * 5 + 2 - 2 * 5, 0 * 5 + 2)  # moved to the top-centre pixel


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: CenterCrop(10)(torch.rand(2, 3, 8, 8)), r"CenterCrop: size=\(10, 10\) is larger than the frame \(8, 8\)"),
        (lambda: RandomCrop((4, 9))(torch.rand(2, 3, 8, 8)), r"RandomCrop: size=\(4, 9\) is larger than the frame"),
        (lambda: RandomResizedCrop(0), r"RandomResizedCrop: size must be positive"),
        (lambda: Resize(-3), r"Resize: size must be positive"),
        (lambda: CenterCrop((4, 0)), r"CenterCrop: size must be positive"),
        (lambda: RandomCrop(4, padding=-1), r"RandomCrop: padding must be an int >= 0"),
        (lambda: RandomResizedCrop(8, scale=(0.5, 0.2)), r"RandomResizedCrop: scale must have lo <= hi"),
        (lambda: RandomResizedCrop(8, ratio=(0.0, 1.0)), r"RandomResizedCrop: ratio must be > 0"),
        (lambda: RandomAffine(degrees=-5), r"RandomAffine: degrees as a single number must be >= 0"),
        (lambda: RandomAffine(translate=(0.5, 1.5)), r"RandomAffine: translate must be <= 1"),
        (lambda: RandomAffine(scale=(0.0, 1.0)), r"RandomAffine: scale must be > 0"),
        (lambda: RandomResizedCrop(8, p=0.5)(torch.rand(2, 3, 16, 16)), r"RandomResizedCrop: p=0.5 needs an output"),
    ],
)
def test_bad_geometric_input_raises_a_clear_error(make: object, match: str) -> None:
    with pytest.raises((ShapeError, InvalidArgumentError), match=match):
        make()  # type: ignore[operator]


def test_padding_makes_a_too_large_crop_legal() -> None:
    assert CenterCrop(10, pad_if_needed=True)(torch.rand(2, 3, 8, 8)).shape == (2, 3, 10, 10)
    assert RandomCrop(10, padding=1)(torch.rand(2, 3, 8, 8)).shape == (2, 3, 10, 10)


def test_antialias_false_resizes_without_antialiasing() -> None:
    x = torch.rand(2, 3, 32, 32, generator=gen(8))
    smooth, sharp = Resize(8)(x), Resize(8, antialias=False)(x)
    assert torch.allclose(sharp, F.interpolate(x, size=(8, 8), mode="bilinear", antialias=False))
    assert not torch.allclose(smooth, sharp)
    folded = Compose([Resize(16, antialias=False), CenterCrop(8)])(x)
    assert torch.allclose(folded, F.interpolate(x, size=(16, 16), mode="bilinear", antialias=False)[..., 4:12, 4:12])
