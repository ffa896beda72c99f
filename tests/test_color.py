"""Exact outputs, rules and errors of the photometric ops on small clips."""

from __future__ import annotations

import dataclasses
import json
import math

import kornia
import pytest
import torch
from helpers import gen, random_batch

import tempaug
from tempaug import (
    ColorJitter,
    Compose,
    Denormalize,
    GaussianBlur,
    Grayscale,
    InvalidArgumentError,
    Normalize,
    ShapeError,
    ToFloat,
    ToUint8,
    TubeErase,
)
from tempaug.functional import color as kernels

LUMA = torch.tensor([0.299, 0.587, 0.114])


def _pixels(*rgb: tuple[float, float, float]) -> torch.Tensor:
    """A (1, 3, 1, N) clip of one frame holding the given RGB pixels in a row."""
    return torch.tensor(rgb, dtype=torch.float32).t().reshape(1, 3, 1, len(rgb))


def _fixed(**kwargs: float) -> ColorJitter:
    """A ColorJitter whose every active step has one fixed value."""
    return ColorJitter(**{k: (v, v) for k, v in kwargs.items()})


# ------------------------------------------------------------ single steps
def test_brightness_scales_and_clamps_float_pixels() -> None:
    out = _fixed(brightness=1.5)(_pixels((0.2, 0.4, 0.8)))
    assert torch.allclose(out.flatten(), torch.tensor([0.3, 0.6, 1.0]))


def test_brightness_on_uint8_rounds_and_saturates() -> None:
    x = torch.tensor([10, 100, 200], dtype=torch.uint8).view(1, 3, 1, 1)
    out = _fixed(brightness=1.5)(x)
    assert out.dtype == torch.uint8 and out.flatten().tolist() == [15, 150, 255]


def test_saturation_zero_gives_the_luma_grey() -> None:
    x = _pixels((1.0, 0.0, 0.0), (0.2, 0.5, 0.9))
    out = _fixed(saturation=0.0)(x)
    grey = (x[0, :, 0].t() @ LUMA).view(1, 1, 1, 2).expand(1, 3, 1, 2)
    assert torch.allclose(out, grey, atol=1e-6)


def test_saturation_two_doubles_the_distance_from_grey() -> None:
    x = _pixels((0.5, 0.4, 0.3))
    grey = float(x.flatten() @ LUMA)
    out = _fixed(saturation=2.0)(x).flatten()
    assert torch.allclose(out, grey + 2 * (x.flatten() - grey), atol=1e-6)


def test_hue_zero_is_exactly_the_identity() -> None:
    x = torch.rand(4, 3, 5, 5, generator=gen(1))
    assert torch.equal(kernels.adjust_hue(x, 0.0), x)


def test_hue_keeps_grey_and_luma() -> None:
    x = torch.rand(2, 3, 4, 4, generator=gen(2)) * 0.5 + 0.25
    grey = torch.full((1, 3, 2, 2), 0.4)
    assert torch.allclose(kernels.adjust_hue(grey, 0.3), grey, atol=1e-6)
    out = kernels.adjust_hue(x, 0.1)  # small enough that nothing clamps
    assert torch.allclose(torch.einsum("tchw,c->thw", out, LUMA), torch.einsum("tchw,c->thw", x, LUMA), atol=1e-5)


def test_hue_turns_the_way_hsv_hue_grows_and_by_about_the_shift() -> None:
    x = torch.rand(1, 3, 1, 300, generator=gen(3)) * 0.5 + 0.25
    before = kornia.color.rgb_to_hsv(x[0])[0] / (2 * math.pi)
    for shift in (0.05, -0.05):
        after = kornia.color.rgb_to_hsv(kernels.adjust_hue(x, shift)[0])[0] / (2 * math.pi)
        turned = (after - before + 0.5) % 1.0 - 0.5
        assert bool((turned * shift > 0).all())
        assert abs(turned.mean().item() - shift) < 0.1 * abs(shift)


def test_two_half_turns_of_hue_come_back() -> None:
    x = torch.rand(1, 3, 3, 3, generator=gen(4)) * 0.2 + 0.4
    back = kernels.apply_color_matrix(
        x,
        kernels.compose_color_matrices(kernels.hue_matrix(torch.tensor(0.5)), kernels.hue_matrix(torch.tensor(0.5))),
        clamp=False,
    )
    assert torch.allclose(back, x, atol=1e-5)


def test_contrast_zero_gives_each_frames_mean_luma() -> None:
    x = torch.rand(3, 3, 4, 5, generator=gen(5))
    out = _fixed(contrast=0.0)(x)
    mean_luma = torch.einsum("tchw,c->t", x, LUMA) / 20
    assert torch.allclose(out, mean_luma.view(3, 1, 1, 1).expand_as(x), atol=1e-6)


def test_contrast_on_one_channel_blends_with_the_frame_mean() -> None:
    x = torch.tensor([0.0, 0.2, 0.4, 0.6]).view(1, 1, 2, 2)
    out = _fixed(contrast=0.5)(x)
    assert torch.allclose(out.flatten(), 0.5 * x.flatten() + 0.5 * 0.3)


def test_brightness_and_contrast_work_on_one_channel_clips() -> None:
    x = torch.rand(2, 4, 1, 3, 3, generator=gen(6))
    out = ColorJitter(brightness=0.5, contrast=0.5)(x)
    assert out.shape == x.shape


# --------------------------------------------------------------- the fold
def test_color_jitter_with_every_step_off_is_the_identity() -> None:
    x = torch.rand(2, 3, 3, 4, 4, generator=gen(7))
    assert torch.equal(ColorJitter()(x), x)
    assert torch.equal(ColorJitter(brightness=(1, 1), contrast=(1, 1), saturation=(1, 1), hue=(0, 0))(x), x)
    u = (x * 255).to(torch.uint8)
    assert torch.equal(ColorJitter(brightness=0.0)(u), u)


def test_color_jitter_at_identity_values_of_active_steps_is_the_identity() -> None:
    x = torch.rand(2, 3, 3, 4, 4, generator=gen(8))
    op = ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2)
    params = op.sample(x.shape, generator=gen(0))
    ones = torch.ones_like(params.brightness)
    identity = dataclasses.replace(params, brightness=ones, contrast=ones, saturation=ones, hue=ones * 0)
    assert torch.allclose(op.apply(x, identity), x, atol=1e-6)


def test_order_is_a_permutation_per_sample_and_differs_between_samples() -> None:
    params = ColorJitter(0.4, 0.4, 0.4, 0.1).sample((64, 2, 3, 1, 1), generator=gen(0))
    assert params.order.dtype == torch.long and params.order.shape == (64, 4)
    assert torch.equal(params.order.sort(dim=1).values, torch.arange(4).expand(64, 4))
    assert len({tuple(row) for row in params.order.tolist()}) > 10


def test_recorded_order_is_the_order_the_steps_run_in() -> None:
    x = torch.rand(6, 2, 3, 4, 4, generator=gen(9)) * 0.2 + 0.4  # mid-range: no step clamps
    op = ColorJitter(brightness=(0.8, 1.2), contrast=(0.5, 1.5), saturation=(0.3, 1.7), hue=(-0.2, 0.2))
    out, params = op(x, generator=gen(1), return_params=True)
    steps = [kernels.adjust_brightness, kernels.adjust_contrast, kernels.adjust_saturation, kernels.adjust_hue]
    values = [params.brightness, params.contrast, params.saturation, params.hue]
    for b in range(x.shape[0]):
        y = x[b]
        for k in params.order[b].tolist():
            y = steps[k](y, values[k][b])
        assert torch.allclose(out[b], y, atol=1e-5), params.order[b]


def test_without_clamps_between_them_the_steps_commute_so_the_order_only_changes_rounding() -> None:
    x = torch.rand(1, 2, 3, 4, 4, generator=gen(10)) * 0.2 + 0.4
    op = ColorJitter(brightness=(1.2, 1.2), contrast=(0.3, 0.3), saturation=(1.5, 1.5), hue=(0.1, 0.1))
    params = op.sample(x.shape, generator=gen(0))
    outs = [
        op.apply(x, dataclasses.replace(params, order=torch.tensor([perm])))
        for perm in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1])
    ]
    for out in outs[1:]:
        assert torch.allclose(out, outs[0], atol=1e-6)
    mean = torch.einsum("btchw,c->bt", x, LUMA).view(1, 2, 1, 1, 1) / 16
    contrast_then_brightness = 1.2 * (0.3 * x + 0.7 * mean)
    only_bc = ColorJitter(brightness=(1.2, 1.2), contrast=(0.3, 0.3))
    assert torch.allclose(only_bc(x), contrast_then_brightness, atol=1e-6)


def test_clamping_happens_once_at_the_end_not_between_steps() -> None:
    x = torch.tensor([0.8, 0.2]).view(1, 1, 1, 2)
    order = torch.tensor([[0, 1, 2, 3]])  # brightness, then contrast
    op = ColorJitter(brightness=(2.0, 2.0), contrast=(0.5, 0.5))
    params = dataclasses.replace(op.sample(x.shape), order=order)
    # (1.6, 0.4) has mean 1.0; the blend gives (1.3, 0.7), clamped once at the end
    assert torch.allclose(op.apply(x, params).flatten(), torch.tensor([1.0, 0.7]))
    # step by step, the brightened frame is clamped to (1.0, 0.4) first: mean 0.7, blend (0.85, 0.55)
    steps = Compose([ColorJitter(brightness=(2.0, 2.0)), ColorJitter(contrast=(0.5, 0.5))])
    assert torch.allclose(steps(x).flatten(), torch.tensor([0.85, 0.55]))


def test_uint8_jitter_matches_the_float_path_within_rounding() -> None:
    x = random_batch(3, 4, (3, 5, 5), torch.uint8, seed=11)
    op = ColorJitter(0.5, 0.5, 0.5, 0.2)
    out, params = op(x, generator=gen(2), return_params=True)
    ref = op.apply(x.float() / 255, params) * 255
    assert out.dtype == torch.uint8
    # uint8 RGB on the CPU goes through OpenCV's cv2.transform, whose fixed-point rounding is
    # within one level of the exact result (exact rounding would be within 0.5)
    assert (out.float() - ref).abs().max() < 1.0


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_other_float_dtypes_are_kept(dtype: torch.dtype) -> None:
    x = torch.rand(2, 3, 3, 4, 4, generator=gen(12)).to(dtype)
    op = ColorJitter(0.5, 0.5, 0.5, 0.2)
    out, params = op(x, generator=gen(3), return_params=True)
    assert out.dtype == dtype
    assert torch.allclose(out.float(), op.apply(x.float(), params), atol=1e-2)


# --------------------------------------------------------------- vary
def _equal_frames(t: int = 5, c: int = 3) -> torch.Tensor:
    frame = torch.rand(1, 1, c, 6, 6, generator=gen(13))
    return frame.expand(4, t, c, 6, 6).contiguous()


@pytest.mark.parametrize(
    "op",
    [
        ColorJitter(0.5, 0.5, 0.5, 0.2),
        GaussianBlur(5, sigma=(0.5, 2.0)),
        TubeErase(p=1.0, duration=1.0, value="mean"),
    ],
    ids=lambda op: op.name,
)
def test_with_vary_clip_equal_input_frames_stay_equal(op: tempaug.Transform) -> None:
    out = op(_equal_frames(), generator=gen(4))
    assert torch.equal(out, out[:, :1].expand_as(out))


def test_vary_frame_draws_a_new_value_every_frame() -> None:
    params = ColorJitter(0.5, 0.5, 0.5, 0.2, vary="frame").sample((3, 6, 3, 2, 2), generator=gen(0))
    for field in (params.brightness, params.contrast, params.saturation, params.hue):
        assert all(len(set(row)) == 6 for row in field.tolist())
    out = ColorJitter(brightness=0.5, vary="frame")(_equal_frames(), generator=gen(5))
    assert not torch.equal(out[:, 0], out[:, 1])


def test_vary_smooth_drifts_linearly_between_two_draws() -> None:
    params = GaussianBlur(3, sigma=(0.1, 3.0), vary="smooth").sample((4, 5, 1, 4, 4), generator=gen(0))
    steps = params.sigma.diff(dim=1)
    assert torch.allclose(steps, steps[:, :1].expand_as(steps), atol=1e-6)


def test_vary_clip_holds_one_value_per_clip_and_differs_between_samples() -> None:
    params = ColorJitter(brightness=0.5).sample((8, 4, 3, 2, 2), generator=gen(0))
    assert torch.equal(params.brightness, params.brightness[:, :1].expand(8, 4))
    assert len(set(params.brightness[:, 0].tolist())) == 8


def test_factors_stay_in_the_torchvision_ranges() -> None:
    params = ColorJitter(brightness=1.5, contrast=(0.2, 0.3), saturation=0.5, hue=0.25, vary="frame").sample(
        (50, 8, 3, 1, 1), generator=gen(0)
    )
    assert params.brightness.min() >= 0.0 and params.brightness.max() <= 2.5
    assert params.contrast.min() >= 0.2 and params.contrast.max() <= 0.3
    assert params.saturation.min() >= 0.5 and params.saturation.max() <= 1.5
    assert params.hue.min() >= -0.25 and params.hue.max() <= 0.25


def test_the_p_gate_leaves_unselected_samples_alone() -> None:
    x = torch.rand(16, 2, 3, 3, 3, generator=gen(14))
    out, params = ColorJitter(0.8, p=0.5)(x, generator=gen(6), return_params=True)
    kept = ~params.applied
    assert 0 < int(kept.sum()) < 16
    assert torch.equal(out[kept], x[kept])
    assert not torch.equal(out[~kept], x[~kept])


# --------------------------------------------------------------- grayscale
def test_grayscale_uses_rec601_weights() -> None:
    x = _pixels((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.2, 0.4, 0.6))
    out = Grayscale(1)(x)
    assert out.shape == (1, 1, 1, 4)
    assert torch.allclose(out.flatten(), torch.tensor([0.299, 0.587, 0.114, 0.2 * 0.299 + 0.4 * 0.587 + 0.6 * 0.114]))
    three = Grayscale()(x)
    assert three.shape == x.shape and torch.equal(three, out.expand_as(x))
    assert torch.equal(Grayscale(3)(x), three)


def test_grayscale_rounds_uint8() -> None:
    x = torch.tensor([[200, 100, 50]], dtype=torch.uint8).t().reshape(1, 3, 1, 1)
    assert Grayscale(1)(x).item() == round(200 * 0.299 + 100 * 0.587 + 50 * 0.114)


def test_grayscale_equals_jitter_with_saturation_zero() -> None:
    x = torch.rand(2, 3, 3, 4, 4, generator=gen(15))
    assert torch.allclose(Grayscale()(x), _fixed(saturation=0.0)(x), atol=1e-6)


# --------------------------------------------------------------- blur
def test_blur_with_a_tiny_sigma_is_the_identity() -> None:
    x = torch.rand(2, 3, 3, 8, 8, generator=gen(16))
    assert torch.allclose(GaussianBlur(5, sigma=1e-3)(x), x)
    u = (x * 255).to(torch.uint8)
    assert torch.equal(GaussianBlur((3, 7), sigma=1e-3)(u), u)


def test_blur_of_a_constant_frame_is_constant() -> None:
    x = torch.full((2, 3, 3, 9, 7), 0.3)
    assert torch.allclose(GaussianBlur((5, 3), sigma=(0.5, 3.0), vary="frame")(x), x, atol=1e-6)
    u = torch.full((3, 2, 6, 6), 77, dtype=torch.uint8)
    assert torch.equal(GaussianBlur(7, sigma=2.0)(u), u)


def test_blur_matches_a_direct_2d_gaussian_with_reflect_borders() -> None:
    x = torch.rand(1, 1, 1, 7, 9, generator=gen(17), dtype=torch.float64)
    sigma = 1.3
    out = GaussianBlur(5, sigma=sigma)(x)
    taps = torch.arange(-2, 3, dtype=torch.float64)
    g = torch.exp(-0.5 * (taps / sigma) ** 2)
    k2 = torch.outer(g, g) / g.sum() ** 2
    padded = torch.nn.functional.pad(x.view(1, 1, 7, 9), (2, 2, 2, 2), mode="reflect")
    ref = torch.nn.functional.conv2d(padded, k2.view(1, 1, 5, 5))
    assert torch.allclose(out.view(1, 1, 7, 9), ref, atol=1e-9)


def test_blur_uses_each_frames_own_sigma() -> None:
    x = torch.rand(2, 4, 3, 8, 8, generator=gen(18))
    op = GaussianBlur(5, sigma=(0.2, 3.0), vary="frame")
    out, params = op(x, generator=gen(7), return_params=True)
    for b in range(2):
        for t in range(4):
            one = kernels.gaussian_blur(x[b, t : t + 1], 5, params.sigma[b, t])
            assert torch.allclose(out[b, t : t + 1], one, atol=1e-6)
    assert len(set(params.sigma.flatten().tolist())) == 8


def test_a_larger_sigma_blurs_more() -> None:
    x = torch.rand(1, 1, 16, 16, generator=gen(19))
    weak, strong = GaussianBlur(7, sigma=0.5)(x), GaussianBlur(7, sigma=3.0)(x)
    assert strong.std() < weak.std() < x.std()


# --------------------------------------------------------------- normalise
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_normalize_then_inverse_gives_back_the_input(dtype: torch.dtype) -> None:
    x = torch.rand(2, 4, 3, 5, 5, generator=gen(20)).to(dtype)
    op = Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    back = op.inverse()(op(x))
    assert back.dtype == dtype and (back - x).abs().max() < 1e-5
    assert isinstance(op.inverse(), Denormalize) and isinstance(op.inverse().inverse(), Normalize)


def test_normalize_values_per_channel() -> None:
    x = _pixels((0.5, 0.5, 1.0))
    out = Normalize([0.5, 0.25, 0.0], [0.5, 0.25, 2.0])(x).flatten()
    assert torch.allclose(out, torch.tensor([0.0, 1.0, 0.5]))
    assert torch.allclose(Normalize(0.5, 0.5)(x).flatten(), torch.tensor([0.0, 0.0, 1.0]))


def test_normalize_scales_uint8_to_unit_range_first() -> None:
    x = torch.tensor([0, 51, 255], dtype=torch.uint8).view(1, 3, 1, 1)
    op = Normalize(0.2, 0.4)
    out = op(x)
    assert out.dtype == torch.float32 and op.output_dtype(torch.uint8) == torch.float32
    assert torch.allclose(out.flatten(), torch.tensor([-0.5, 0.0, 2.0]))


# --------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_to_float_always_gives_float32(dtype: torch.dtype) -> None:
    x = random_batch(2, 3, (3, 2, 2), dtype)
    out = ToFloat()(x)
    assert out.dtype == torch.float32 == ToFloat().output_dtype(dtype)
    expected = x.float() / 255 if dtype == torch.uint8 else x.float()
    assert torch.equal(out, expected)
    if dtype == torch.uint8:
        assert torch.equal(ToFloat(scale=False)(x), x.float())


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_to_uint8_always_gives_uint8_rounded_and_clamped(dtype: torch.dtype) -> None:
    assert ToUint8().output_dtype(dtype) == torch.uint8
    x = torch.tensor([-0.2, 0.0, 0.5, 0.999, 1.7]).to(dtype).view(1, 5, 1, 1)
    if dtype == torch.uint8:
        x = torch.tensor([0, 3, 255], dtype=torch.uint8).view(1, 3, 1, 1)
        assert torch.equal(ToUint8()(x), x)
        return
    assert ToUint8()(x).flatten().tolist() == [0, 0, 128, 255, 255]


def test_uint8_round_trips_through_float_exactly() -> None:
    x = torch.arange(256, dtype=torch.uint8).view(1, 1, 16, 16)
    assert torch.equal(ToUint8()(ToFloat()(x)), x)
    assert torch.equal(Compose([ToFloat(), ToUint8()])(x), x)
    norm = Normalize([0.3], [0.7])
    assert torch.equal(ToUint8()(norm.inverse()(norm(x))), x)


def test_output_dtype_chains_through_containers() -> None:
    aug = Compose([ToFloat(), ColorJitter(0.2), Normalize(0.5, 0.5), Compose([ToUint8()])])
    assert aug.output_dtype(torch.uint8) == torch.uint8
    assert Compose([ColorJitter(0.2), Normalize(0.5, 0.5)]).output_dtype(torch.uint8) == torch.float32
    assert Compose([ToUint8(), ToFloat()]).output_dtype(torch.float64) == torch.float32


@pytest.mark.parametrize(
    "op",
    [
        ColorJitter(0.4, 0.4, 0.4, 0.1),
        Grayscale(),
        GaussianBlur(3),
        TubeErase(p=1.0, value="random"),
        TubeErase(p=1.0, value="mean"),
        TubeErase(p=1.0, value=0.5),
    ],
    ids=lambda op: repr(op)[:40],
)
def test_uint8_in_gives_uint8_out(op: tempaug.Transform) -> None:
    x = random_batch(2, 4, (3, 6, 6), torch.uint8)
    assert op(x, generator=gen(0)).dtype == torch.uint8


# --------------------------------------------------------------- tube erase
def test_tube_erase_box_lies_inside_the_clip_and_the_erased_share_matches_it() -> None:
    x = torch.ones(32, 10, 3, 12, 16)
    out, params = TubeErase(p=1.0)(x, generator=gen(8), return_params=True)
    t0, t1, y0, y1, x0, x1 = params.box.unbind(1)
    assert bool(((0 <= t0) & (t0 < t1) & (t1 <= 10)).all())
    assert bool(((0 <= y0) & (y0 < y1) & (y1 <= 12)).all())
    assert bool(((0 <= x0) & (x0 < x1) & (x1 <= 16)).all())
    erased = (out == 0).flatten(1).sum(1)
    assert torch.equal(erased, 3 * (t1 - t0) * (y1 - y0) * (x1 - x0))
    for b in range(32):
        tb, te, yb, ye, xb, xe = params.box[b].tolist()
        assert bool((out[b, tb:te, :, yb:ye, xb:xe] == 0).all())


def test_tube_erase_box_follows_scale_ratio_and_duration() -> None:
    params = TubeErase(scale=(0.1, 0.3), ratio=(0.5, 2.0), duration=(0.5, 0.5), p=1.0).sample(
        (200, 20, 1, 50, 50), generator=gen(0)
    )
    t0, t1, y0, y1, x0, x1 = params.box.unbind(1)
    assert bool(((t1 - t0) == 10).all())
    area = ((y1 - y0) * (x1 - x0)).float() / 2500
    assert area.min() > 0.08 and area.max() < 0.33
    aspect = (y1 - y0).float() / (x1 - x0).float()
    assert aspect.min() > 0.4 and aspect.max() < 2.5


def test_tube_erase_without_a_fitting_box_keeps_a_clipped_box_inside_the_frame() -> None:
    params = TubeErase(scale=(1.0, 1.0), ratio=(4.0, 4.0), p=1.0).sample((5, 3, 1, 4, 4), generator=gen(0))
    _, _, y0, y1, x0, x1 = params.box.unbind(1)
    assert bool(((y1 <= 4) & (x1 <= 4) & (y1 > y0) & (x1 > x0)).all())


def test_tube_erase_records_an_empty_box_for_gated_off_samples() -> None:
    x = torch.rand(20, 4, 1, 5, 5, generator=gen(21))
    out, params = TubeErase(p=0.5)(x, generator=gen(9), return_params=True)
    off = ~params.applied
    assert 0 < int(off.sum()) < 20
    assert bool((params.box[off, 0] == params.box[off, 1]).all())
    assert torch.equal(out[off], x[off])


def test_tube_erase_fill_values() -> None:
    x = torch.rand(2, 6, 3, 8, 8, generator=gen(22))
    op = TubeErase(p=1.0, value=0.25)
    out, params = op(x, generator=gen(10), return_params=True)
    mask = kernels.tube_mask(x.shape, params.box)
    assert torch.equal(out, torch.where(mask, torch.tensor(0.25), x))
    u = (x * 255).to(torch.uint8)
    out_u = TubeErase(p=1.0, value=0.25).apply(u, params)
    assert torch.equal(out_u, torch.where(mask, torch.tensor(64, dtype=torch.uint8), u))
    mean_out = TubeErase(p=1.0, value="mean").apply(x, params)
    assert torch.equal(mean_out, torch.where(mask, x.mean(dim=(-2, -1), keepdim=True), x))


def test_tube_erase_random_noise_is_uniform_replayable_and_per_sample() -> None:
    x = torch.zeros(4, 8, 3, 16, 16)
    op = TubeErase(scale=(0.5, 0.5), ratio=(1.0, 1.0), duration=(1.0, 1.0), value="random", p=1.0)
    out, params = op(x, generator=gen(11), return_params=True)
    mask = kernels.tube_mask(x.shape, params.box).expand_as(x)
    noise = out[mask]
    assert 0.45 < noise.mean().item() < 0.55 and noise.min() >= 0 and noise.max() < 1
    assert len(set(params.seed.tolist())) == 4
    assert torch.equal(op.apply(x[2:3], params[2]), out[2:3])


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_tube_erase_noise_is_the_hash_of_seed_and_position(dtype: torch.dtype) -> None:
    x = random_batch(3, 5, (3, 7, 9), dtype)
    out, params = TubeErase(value="random", p=1.0)(x, generator=gen(12), return_params=True)
    noise = kernels.hash_uniform(params.seed, x.shape[1:])
    noise = (noise * 256).floor().to(torch.uint8) if dtype == torch.uint8 else noise
    mask = kernels.tube_mask(x.shape, params.box)
    assert torch.equal(out, torch.where(mask, noise, x))


# --------------------------------------------------------------- serialisation
def test_every_color_op_round_trips_through_to_dict() -> None:
    aug = Compose(
        [
            ToFloat(),
            ColorJitter(brightness=(0.5, 1.5), contrast=0.3, saturation=0.2, hue=(-0.1, 0.05), vary="smooth", p=0.7),
            Grayscale(3, p=0.2),
            GaussianBlur((3, 5), sigma=(0.2, 1.0), vary="frame", p=0.5),
            TubeErase(scale=0.1, ratio=(0.5, 2.0), duration=(0.2, 0.6), value="random", p=0.8),
            Normalize([0.4, 0.5, 0.6], 0.25),
            Denormalize([0.4, 0.5, 0.6], 0.25),
            ToUint8(),
        ]
    )
    data = json.loads(json.dumps(aug.to_dict()))
    again = tempaug.from_dict(data)
    assert again.to_dict() == aug.to_dict()
    x = torch.randint(0, 256, (2, 5, 3, 8, 8), dtype=torch.uint8)
    assert torch.equal(again(x, generator=gen(1)), aug(x, generator=gen(1)))


# --------------------------------------------------------------- errors
def test_zero_std_is_refused_at_construction() -> None:
    with pytest.raises(InvalidArgumentError, match="Normalize: std"):
        Normalize([0.5, 0.5, 0.5], [0.2, 0.0, 0.2])
    with pytest.raises(InvalidArgumentError, match="Denormalize: std"):
        Denormalize(0.5, 0.0)


def test_mean_length_other_than_the_channels_fails_at_the_first_call() -> None:
    op = Normalize([0.5, 0.5], [0.2, 0.2])
    with pytest.raises(ShapeError, match=r"Normalize: mean has 2 values .*\(1, 2, 3, 4, 4\).* 3 channel"):
        op(torch.rand(2, 3, 4, 4))
    with pytest.raises(ShapeError, match="Normalize: std has 2 values"):
        Normalize(0.5, [0.2, 0.2])(torch.rand(2, 3, 4, 4))


@pytest.mark.parametrize("kwargs", [{"hue": 0.1}, {"saturation": 0.5}])
def test_hue_or_saturation_on_a_one_channel_clip_fails_naming_the_op_and_shape(kwargs: dict) -> None:
    op = ColorJitter(brightness=0.2, **kwargs)
    with pytest.raises(ShapeError, match=r"ColorJitter: saturation and hue need 3 .*\(1, 4, 1, 5, 5\)"):
        op(torch.rand(4, 1, 5, 5))
    params = op.sample((1, 4, 3, 5, 5))
    with pytest.raises(ShapeError, match="ColorJitter"):
        op.apply(torch.rand(4, 1, 5, 5), params)


def test_grayscale_needs_rgb_and_a_valid_channel_count() -> None:
    with pytest.raises(ShapeError, match=r"Grayscale: needs 3 .*\(1, 2, 1, 3, 3\)"):
        Grayscale()(torch.rand(2, 1, 3, 3))
    with pytest.raises(InvalidArgumentError, match="num_output_channels"):
        Grayscale(2)
    with pytest.raises(ShapeError, match="p=0.5"):
        Grayscale(1, p=0.5)(torch.rand(2, 3, 3, 3))


@pytest.mark.parametrize("size", [2, 0, -1, (3, 4), (3,), 3.0, True])
def test_blur_kernel_size_must_be_odd_and_positive(size: object) -> None:
    with pytest.raises(InvalidArgumentError, match="GaussianBlur: kernel_size"):
        GaussianBlur(size)  # type: ignore[arg-type]


@pytest.mark.parametrize("sigma", [-1.0, 0.0, (-0.5, 1.0), (2.0, 1.0), float("nan")])
def test_blur_sigma_must_be_positive(sigma: object) -> None:
    with pytest.raises(InvalidArgumentError, match="GaussianBlur: sigma"):
        GaussianBlur(3, sigma=sigma)  # type: ignore[arg-type]


def test_blur_kernel_larger_than_the_frame_fails_naming_the_shape() -> None:
    with pytest.raises(ShapeError, match=r"GaussianBlur: kernel_size 7x7 .*\(1, 2, 3, 3, 8\)"):
        GaussianBlur(7)(torch.rand(2, 3, 3, 8))


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"brightness": -0.1}, "brightness"),
        ({"contrast": (1.5, 0.5)}, "contrast"),
        ({"saturation": (-1.0, 1.0)}, "saturation"),
        ({"hue": 0.6}, "hue"),
        ({"hue": (-0.7, 0.1)}, "hue"),
        ({"vary": "often"}, "vary"),
        ({"p": 1.5}, "p"),
    ],
)
def test_color_jitter_arguments_are_checked(kwargs: dict, arg: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"ColorJitter: {arg}"):
        ColorJitter(**kwargs)


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"scale": (0.0, 0.2)}, "scale"),
        ({"scale": (0.1, 1.5)}, "scale"),
        ({"ratio": (0.0, 1.0)}, "ratio"),
        ({"duration": (0.5, 1.2)}, "duration"),
        ({"value": 2.0}, "value"),
        ({"value": "noise"}, "value"),
    ],
)
def test_tube_erase_arguments_are_checked(kwargs: dict, arg: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"TubeErase: {arg}"):
        TubeErase(**kwargs)


def test_replaying_params_drawn_for_another_clip_length_fails() -> None:
    op = ColorJitter(0.3, vary="frame")
    params = op.sample((2, 4, 3, 4, 4))
    with pytest.raises(ShapeError, match=r"ColorJitter: params.brightness has shape \(2, 4\)"):
        op.apply(torch.rand(2, 6, 3, 4, 4), params)


def test_the_input_is_never_modified() -> None:
    x = random_batch(3, 4, (3, 6, 6), torch.uint8)
    before = x.clone()
    for op in (
        ColorJitter(0.5, 0.5, 0.5, 0.2, p=0.5),
        Grayscale(p=0.5),
        GaussianBlur(3, p=0.5),
        TubeErase(value="random", p=0.5),
        Normalize(0.5, 0.2),
        ToFloat(),
        ToUint8(),
    ):
        op(x, generator=gen(0))
        assert torch.equal(x, before), op


# --------------------------------------------------------------- device
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_color_ops_on_cuda_match_cpu_without_host_sync(dtype: torch.dtype) -> None:
    aug = Compose(
        [
            ColorJitter(0.4, 0.4, 0.4, 0.1, vary="smooth", p=0.7),
            Grayscale(p=0.3),
            GaussianBlur(5, vary="frame", p=0.6),
            TubeErase(value="random", p=0.5),
            TubeErase(value="mean", p=0.5),
        ]
    )
    x_cpu = random_batch(6, 8, (3, 16, 16), dtype, seed=1)
    params = aug.sample(x_cpu.shape, generator=gen(0))
    expected = aug.apply(x_cpu, params)
    x, dev_params = x_cpu.cuda(), params.to("cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        out = aug.apply(x, dev_params)
        norm = Normalize([0.4, 0.5, 0.6], 0.2)
        normed = norm.apply(x, norm.sample(x.shape, device="cuda"))
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert out.device == x.device and out.dtype == dtype
    if dtype == torch.uint8:
        assert (out.cpu().int() - expected.int()).abs().max() <= 1
    else:
        assert torch.allclose(out.cpu(), expected, atol=1e-5)
    assert torch.allclose(normed.cpu(), norm(x_cpu), atol=1e-6)
