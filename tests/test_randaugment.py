"""VideoRandAugment and VideoTrivialAugment: per-sample choices, the magnitude table, vary, replay, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from helpers import gen, random_batch

import tempaug
from tempaug import (
    AUGMENT_OPS,
    Compose,
    InvalidArgumentError,
    SerializationError,
    ShapeError,
    VideoRandAugment,
    VideoTrivialAugment,
)
from tempaug.core.params import params_from_dict
from tempaug.functional.color import adjust_brightness
from tempaug.functional.geometric import affine_matrix, warp

#: Ops whose strength follows the magnitude (the others act the same at every magnitude).
WITH_MAGNITUDE = [o for o in AUGMENT_OPS if o not in ("Identity", "HorizontalFlip", "TemporalReverse")]


def _smooth(b: int = 8, t: int = 8, c: int = 3, side: int = 16, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A batch that ramps over time, x and y, with different slopes per channel: any move in space or time shows."""
    tt = torch.linspace(0, 1, t).view(1, t, 1, 1, 1)
    yy = torch.linspace(0, 1, side).view(1, 1, 1, side, 1)
    xx = torch.linspace(0, 1, side).view(1, 1, 1, 1, side)
    w = torch.tensor([[0.4, 0.3, 0.3], [0.3, 0.5, 0.2], [0.2, 0.2, 0.6]])[:c].T.reshape(3, 1, 1, c, 1, 1)
    x = (0.1 + 0.8 * (w[0] * tt + w[1] * xx + w[2] * yy)).expand(b, t, c, side, side).contiguous()
    return (x * 255).round().to(torch.uint8) if dtype == torch.uint8 else x.to(dtype)


def _frame_values(out: torch.Tensor) -> torch.Tensor:
    """(B, T) the value each frame of a batch of constant frames holds."""
    return out.flatten(2)[..., 0]


# ------------------------------------------------------------ per-sample choices
def test_each_sample_draws_its_own_ops_and_runs_them() -> None:
    x = random_batch(48, 6, (3, 4, 5), seed=0)
    aug = VideoRandAugment(num_ops=1, ops=["Identity", "TemporalReverse", "HorizontalFlip"])
    out, params = aug(x, generator=gen(0), return_params=True)
    op = params.op[:, 0]
    assert set(op.tolist()) == {0, 1, 2}
    assert torch.equal(out[op == 0], x[op == 0])
    assert torch.equal(out[op == 1], x[op == 1].flip(1))
    assert torch.equal(out[op == 2], x[op == 2].flip(-1))


def test_ops_are_drawn_uniformly_with_replacement_per_slot() -> None:
    params = VideoRandAugment(num_ops=2).sample((4000, 2, 3, 4, 4), generator=gen(1))
    counts = torch.bincount(params.op.flatten(), minlength=len(AUGMENT_OPS)).float() / params.op.numel()
    assert torch.allclose(counts, torch.full_like(counts, 1 / len(AUGMENT_OPS)), atol=0.01)
    assert bool((params.op[:, 0] == params.op[:, 1]).any()), "the two slots never drew the same op"


def test_slots_run_in_order() -> None:
    x = torch.rand(1, 4, 3, 6, 6, generator=gen(2))
    aug = VideoRandAugment(num_ops=2, magnitude=30, ops=["Brightness", "TranslateX"], fill=0.5)
    seeds = (aug.sample(x.shape, generator=gen(seed)) for seed in range(100))
    params = next(p for p in seeds if p.op[0].tolist() == [0, 1] and p.sign[0, 0] < 0)  # darken, then shift
    darken = params.brightness[0, 0].view(1, -1)
    shift = params.matrix[0, 1].unsqueeze(0)
    expected = warp(adjust_brightness(x, darken), shift, (6, 6), fill=0.5)
    assert torch.allclose(aug.apply(x, params), expected, atol=1e-6)
    assert not torch.allclose(adjust_brightness(warp(x, shift, (6, 6), fill=0.5), darken), expected, atol=1e-3)


def test_signed_ops_draw_both_directions() -> None:
    params = VideoRandAugment(num_ops=1, ops=["Rotate"]).sample((200, 2, 3, 4, 4), generator=gen(4))
    assert set(params.sign.flatten().tolist()) == {-1.0, 1.0}
    unsigned = VideoRandAugment(num_ops=1, ops=["FrameDrop"]).sample((200, 2, 3, 4, 4), generator=gen(4))
    assert set(unsigned.sign.flatten().tolist()) == {1.0}


# ------------------------------------------------------------------ magnitudes
@pytest.mark.parametrize("name", WITH_MAGNITUDE)
@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8])
@pytest.mark.parametrize("channels", [3, 1])
def test_magnitude_zero_is_the_identity(name: str, dtype: torch.dtype, channels: int) -> None:
    x = random_batch(6, 8, (channels, 7, 9), dtype=dtype, seed=5)
    for vary in ("clip", "smooth"):
        out = VideoRandAugment(num_ops=2, magnitude=0, ops=[name], vary=vary)(x, generator=gen(6))
        assert torch.equal(out, x), (name, vary)


@pytest.mark.parametrize("name", WITH_MAGNITUDE)
def test_a_larger_magnitude_moves_pixels_or_frames_more(name: str) -> None:
    x = _smooth()
    if name == "Sharpness":  # a ramp is its own blur inside the frame: use texture
        x = random_batch(8, 4, (3, 12, 12), seed=7)
    scores = []
    for m in (0, 10, 20, 30):
        out = VideoRandAugment(num_ops=1, magnitude=m, ops=[name])(x, generator=gen(8))  # same ops and signs
        scores.append((out - x).abs().mean().item())
    assert scores[0] == 0.0 and scores == sorted(scores) and len(set(scores)) == 4, scores


def test_magnitude_table_values() -> None:
    b, t, h, w = 64, 9, 10, 20
    aug = VideoRandAugment(num_ops=1, magnitude=15, ops=list(AUGMENT_OPS))
    params = aug.sample((b, t, 3, h, w), generator=gen(9))
    op, s = params.op[:, 0], params.sign[:, 0].view(-1, 1)
    half = 0.5  # 15 of 30 bins

    def rows(name: str) -> torch.Tensor:
        return op == AUGMENT_OPS.index(name)

    assert torch.allclose(params.brightness[rows("Brightness"), 0], 1 + 0.9 * half * s[rows("Brightness")])
    assert torch.allclose(params.contrast[rows("Contrast"), 0], 1 + 0.9 * half * s[rows("Contrast")])
    assert torch.allclose(params.saturation[rows("Color"), 0], 1 + 0.9 * half * s[rows("Color")])
    assert torch.allclose(params.hue[rows("Hue"), 0], 0.25 * half * s[rows("Hue")])
    assert torch.allclose(params.sharpness[rows("Sharpness"), 0], 1 + 0.9 * half * s[rows("Sharpness")])
    rot = rows("Rotate")
    k = int(rot.sum())
    expected = affine_matrix(15.0 * s[rot], torch.zeros(k, 1, 2), torch.ones(k, 1), torch.zeros(k, 1, 2), (h, w))
    assert torch.allclose(params.matrix[rot, 0], expected, atol=1e-6)
    tx = rows("TranslateX")  # round(150/331 * 0.5 * 20) = 5 pixels, so the map reads x - 5 s
    assert torch.allclose(params.matrix[tx, 0, 0, 0, 2], -5.0 * s[tx].flatten())
    shear = rows("ShearX")
    assert torch.allclose(params.matrix[shear, 0, 0, 0, 1].abs(), torch.full((int(shear.sum()),), 0.15))
    # FrameDrop: round(0.5 * 0.5 * 8) = 2 frames lost; SpeedJitter: 2 ** ±0.5
    drop = params.positions[rows("FrameDrop"), 0]
    assert bool(((drop.diff(dim=1) == 0).sum(dim=1) == 2).all())
    speed = params.positions[rows("SpeedJitter"), 0]
    slow = s[rows("SpeedJitter")].flatten() < 0
    assert torch.allclose(speed[slow].diff(dim=1), torch.full_like(speed[slow][:, 1:], 2**-0.5))
    assert torch.allclose(speed[~slow][:, :5].diff(dim=1), torch.full_like(speed[~slow][:, 1:5], 2**0.5))


def test_magnitude_std_draws_a_magnitude_per_sample_and_op_inside_the_bins() -> None:
    params = VideoRandAugment(num_ops=2, magnitude=28, magnitude_std=4.0).sample((500, 3, 3, 4, 4), generator=gen(10))
    m = params.magnitude[..., 0]
    assert bool((m >= 0).all() and (m <= 30).all())
    assert len(set(m.flatten().tolist())) > 100 and bool((m == 30).any())
    assert abs(m[m < 30].mean().item() - 25.96) < 0.5  # N(28, 4) clipped at the top bin
    uniform = VideoRandAugment(magnitude=10, magnitude_std=math.inf).sample((500, 2, 3, 4, 4), generator=gen(11))
    u = uniform.magnitude
    assert bool((u >= 0).all() and (u <= 10).all()) and abs(u.mean().item() - 5.0) < 0.5


def test_a_magnitude_range_is_drawn_uniformly() -> None:
    params = VideoRandAugment(magnitude=(5, 15)).sample((1000, 2, 3, 4, 4), generator=gen(12))
    m = params.magnitude
    assert bool((m >= 5).all() and (m <= 15).all()) and abs(m.mean().item() - 10.0) < 0.5


def test_trivial_augment_runs_one_op_at_a_uniform_whole_bin() -> None:
    params = VideoTrivialAugment(num_magnitude_bins=11).sample((2000, 3, 3, 4, 4), generator=gen(13))
    assert params.op.shape == (2000, 1)
    m = params.magnitude
    assert bool((m == m.round()).all()) and set(m.flatten().tolist()) == {float(i) for i in range(11)}
    assert set(params.op.flatten().tolist()) == set(range(len(AUGMENT_OPS)))


# ------------------------------------------------------------------------ vary
def test_vary_smooth_moves_the_magnitude_in_a_straight_line_over_the_frames() -> None:
    x = torch.full((16, 9, 3, 2, 2), 0.5)
    aug = VideoRandAugment(num_ops=1, magnitude=(0, 30), ops=["Brightness"], vary="smooth")
    out, params = aug(x, generator=gen(14), return_params=True)
    m = params.magnitude[:, 0]
    assert torch.allclose(m.diff(dim=1).diff(dim=1), torch.zeros(16, 7), atol=1e-4)
    assert bool((m[:, 0] != m[:, -1]).all())
    factor = _frame_values(out) / 0.5
    expected = (1 + 0.9 * m / 30 * params.sign[:, :1]).clamp(max=2.0)
    assert torch.allclose(factor, expected, atol=1e-5)


def test_vary_smooth_drifts_a_rotation_frame_by_frame() -> None:
    params = VideoRandAugment(num_ops=1, magnitude=(0, 30), ops=["Rotate"], vary="smooth").sample(
        (4, 6, 3, 8, 8), generator=gen(15)
    )
    assert params.matrix.shape == (4, 1, 6, 3, 3)
    angles = torch.rad2deg(torch.atan2(params.matrix[:, 0, :, 1, 0], params.matrix[:, 0, :, 0, 0]))
    assert torch.allclose(angles.diff(dim=1).diff(dim=1), torch.zeros(4, 4), atol=1e-3)


def test_vary_frame_draws_every_frame_and_vary_clip_one_value() -> None:
    frame = VideoRandAugment(magnitude=(0, 30), vary="frame").sample((8, 6, 3, 4, 4), generator=gen(16))
    assert len(set(frame.magnitude[0, 0].tolist())) == 6
    clip = VideoRandAugment(magnitude=(0, 30)).sample((8, 6, 3, 4, 4), generator=gen(16))
    assert bool((clip.magnitude == clip.magnitude[..., :1]).all()) and clip.matrix.shape[2] == 1


def test_speed_jitter_follows_a_smooth_magnitude() -> None:
    aug = VideoRandAugment(num_ops=1, magnitude=(0, 30), ops=["SpeedJitter"], vary="smooth")
    params = aug.sample((8, 12, 1, 1, 1), generator=gen(17))
    level = params.magnitude[:, 0] / 30 * params.sign[:, :1]
    speed = torch.exp2(level)
    steps = (speed[:, :-1] + speed[:, 1:]) / 2
    fits = params.positions[:, 0, -1] < 11  # not held at the last frame
    assert bool(fits.any())
    assert torch.allclose(params.positions[fits, 0].diff(dim=1), steps[fits], atol=1e-4)


# --------------------------------------------------------------- replay, batch
@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8])
@pytest.mark.parametrize("vary", ["clip", "frame", "smooth"])
def test_apply_replays_and_a_batch_equals_its_clips(dtype: torch.dtype, vary: str) -> None:
    x = random_batch(12, 6, (3, 10, 12), dtype=dtype, seed=18)
    before = x.clone()
    aug = VideoRandAugment(num_ops=3, magnitude=(0, 30), vary=vary, boundary="loop")
    out, params = aug(x, generator=gen(19), return_params=True)
    assert torch.equal(x, before), "the input was modified"
    assert out.dtype == dtype and out.shape == x.shape
    assert torch.equal(aug.apply(x, params), out)
    for i in range(x.shape[0]):
        assert torch.equal(aug.apply(x[i], params[i]), out[i])


def test_same_seed_same_output_and_params_survive_json() -> None:
    x = random_batch(6, 5, (3, 8, 8), seed=20)
    aug = VideoTrivialAugment(vary="smooth")
    out, params = aug(x, generator=gen(21), return_params=True)
    assert torch.equal(aug(x, generator=gen(21)), out)
    back = params_from_dict(json.loads(json.dumps(params.to_dict())))
    assert type(back).__name__ == "VideoTrivialAugmentParams" and back.equal(params)
    assert torch.equal(aug.apply(x, back), out)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_save_load_round_trip(tmp_path: Path, suffix: str) -> None:
    aug = Compose(
        [
            VideoRandAugment(num_ops=3, magnitude=(2, 12), ops=["Hue", "TimeWarp"], vary="frame", fill=7.0, p=0.5),
            VideoTrivialAugment(num_magnitude_bins=11, boundary="reflect"),
            VideoRandAugment(magnitude=4.5, magnitude_std=math.inf),
        ]
    )
    again = tempaug.load(tempaug.save(aug, tmp_path / f"aug{suffix}"))
    assert again.to_dict() == aug.to_dict()
    x = random_batch(4, 6, (3, 8, 8), seed=22)
    assert torch.equal(again(x, generator=gen(23)), aug(x, generator=gen(23)))


def test_to_dict_lists_the_pool_so_a_saved_pipeline_keeps_its_ops() -> None:
    d = VideoRandAugment().to_dict()
    assert d["name"] == "VideoRandAugment" and d["ops"] == list(AUGMENT_OPS) and d["magnitude"] == 9
    assert tempaug.from_dict(d).ops == AUGMENT_OPS


# ---------------------------------------------------------- gates, clips, eval
def test_p_gate_leaves_gated_off_samples_alone() -> None:
    x = random_batch(40, 4, (3, 6, 6), seed=24)
    aug = VideoRandAugment(num_ops=2, magnitude=20, ops=["Brightness", "TemporalReverse"], p=0.5)
    out, params = aug(x, generator=gen(25), return_params=True)
    off = ~params.applied
    assert 0 < int(off.sum()) < 40
    assert torch.equal(out[off], x[off]) and not torch.equal(out[~off], x[~off])
    assert torch.equal(VideoTrivialAugment(p=0.0)(x, generator=gen(26)), x)


def test_num_ops_zero_and_an_identity_pool_leave_the_clip_alone() -> None:
    x = random_batch(3, 4, (3, 5, 5), dtype=torch.uint8, seed=27)
    assert torch.equal(VideoRandAugment(num_ops=0)(x), x)
    assert torch.equal(VideoRandAugment(num_ops=4, ops=["Identity"])(x), x)


def test_colour_ops_leave_a_grey_clip_alone() -> None:
    x = random_batch(4, 3, (1, 5, 5), seed=28)
    out, params = VideoRandAugment(num_ops=2, magnitude=30, ops=["Color", "Hue"])(x, return_params=True)
    assert torch.equal(out, x)
    assert bool((params.hue == 0).all() and (params.saturation == 1).all())


def test_works_on_a_single_clip_and_an_empty_batch() -> None:
    clip = random_batch(1, 5, (3, 6, 6), seed=29)[0]
    aug = VideoRandAugment(magnitude=15)
    out, params = aug(clip, generator=gen(30), return_params=True)
    assert out.shape == clip.shape and params.batch_size == 1
    assert torch.equal(aug.apply(clip, params), out)
    empty = torch.zeros(0, 5, 3, 6, 6)
    assert aug(empty).shape == empty.shape


def test_one_frame_clips_and_one_pixel_frames() -> None:
    for shape in [(4, 1, 3, 6, 6), (4, 5, 3, 1, 1), (4, 3, 1, 1, 7)]:
        x = torch.rand(shape, generator=gen(31))
        out = VideoRandAugment(num_ops=3, magnitude=30)(x, generator=gen(32))
        assert out.shape == x.shape


def test_eval_mode_changes_nothing() -> None:
    x = random_batch(4, 6, (3, 8, 8), seed=33)
    aug = VideoRandAugment(magnitude=12)
    train = aug(x, generator=gen(34))
    assert torch.equal(aug.eval()(x, generator=gen(34)), train)


def test_blends_only_with_a_blending_op_in_the_pool() -> None:
    assert VideoRandAugment().blends and VideoTrivialAugment(ops=["TimeWarp"]).blends
    assert not VideoRandAugment(ops=["Rotate", "TemporalReverse", "FrameDrop"]).blends


def test_runs_inside_containers() -> None:
    x = random_batch(4, 8, (3, 16, 16), dtype=torch.uint8, seed=35)
    aug = Compose([tempaug.RandomResizedCrop(12), VideoRandAugment(), tempaug.OneOf([VideoTrivialAugment()])])
    out, params = aug(x, generator=gen(36), return_params=True)
    assert out.shape == (4, 8, 3, 12, 12) and torch.equal(aug.apply(x, params), out)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"num_ops": -1}, "num_ops"),
        ({"num_ops": 1.5}, "num_ops"),
        ({"magnitude": -1}, "magnitude"),
        ({"magnitude": 31}, "magnitude"),
        ({"magnitude": 11, "num_magnitude_bins": 11}, "magnitude"),
        ({"magnitude": float("nan")}, "magnitude"),
        ({"magnitude": (5, 40)}, "magnitude"),
        ({"magnitude": (9, 3)}, "magnitude"),
        ({"magnitude": "high"}, "magnitude"),
        ({"num_magnitude_bins": 1}, "num_magnitude_bins"),
        ({"magnitude_std": -0.5}, "magnitude_std"),
        ({"magnitude": (1, 5), "magnitude_std": 1.0}, "magnitude_std"),
        ({"ops": ["Rotate", "Solarize"]}, "ops"),
        ({"ops": []}, "ops"),
        ({"ops": "Rotate"}, "ops"),
        ({"ops": ["Rotate", "Rotate"]}, "ops"),
        ({"vary": "sometimes"}, "vary"),
        ({"boundary": "wrap"}, "boundary"),
        ({"fill": None}, "fill"),
        ({"p": 2.0}, "p"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(kwargs: dict, arg: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        VideoRandAugment(**kwargs)
    assert err.value.arg == arg and "VideoRandAugment" in str(err.value)


def test_unknown_op_names_are_listed_with_the_pool() -> None:
    with pytest.raises(InvalidArgumentError, match=r"unknown op name\(s\) \['Solarize'\].*'TimeWarp'"):
        VideoTrivialAugment(ops=["Solarize", "Hue"])


def test_from_dict_names_the_key_at_fault() -> None:
    with pytest.raises(SerializationError, match=r"transform\.magnitude: .*bins \[0, 30\]"):
        tempaug.from_dict({"name": "VideoRandAugment", "magnitude": 99})


def test_params_for_another_shape_are_refused() -> None:
    aug = VideoRandAugment(num_ops=2)
    params = aug.sample((2, 6, 3, 8, 8), generator=gen(37))
    with pytest.raises(ShapeError, match="another clip length"):
        aug.apply(torch.rand(2, 5, 3, 8, 8), params)
    with pytest.raises(ShapeError, match="num_ops=3"):
        VideoRandAugment(num_ops=3).apply(torch.rand(2, 6, 3, 8, 8), params)
    with pytest.raises(ShapeError, match="outside 0..1"):
        VideoRandAugment(num_ops=2, ops=["Hue", "Rotate"]).apply(
            torch.rand(2, 6, 3, 8, 8), params.__class__(**{**vars(params), "op": torch.full((2, 2), 5)})
        )


# ------------------------------------------------------------------------ GPU
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_apply_on_cuda_matches_cpu_without_host_sync(dtype: torch.dtype) -> None:
    aug = VideoRandAugment(num_ops=3, magnitude=(0, 30), vary="smooth", p=0.8)
    x_cpu = random_batch(8, 6, (3, 12, 12), dtype=dtype, seed=38)
    params = aug.sample(x_cpu.shape, generator=gen(39))
    expected = aug.apply(x_cpu, params)
    x, dev_params = x_cpu.cuda(), params.to("cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        out = aug.apply(x, dev_params)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert out.device == x.device and out.dtype == dtype
    tolerance = 1 if dtype == torch.uint8 else 1e-4  # OpenCV's uint8 rounding on the CPU, grid_sample on the GPU
    assert (out.cpu().double() - expected.double()).abs().max().item() <= tolerance
