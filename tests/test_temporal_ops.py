"""Exact outputs of every temporal op on small clips whose frame i holds the value i."""

from __future__ import annotations

import pytest
import torch
from helpers import gen

import tempaug
from tempaug import (
    Compose,
    FrameDrop,
    FrameDuplicate,
    FrameInterpolate,
    OneOf,
    RandomApply,
    SomeOf,
    SpeedJitter,
    TemporalCrop,
    TemporalReverse,
    TemporalSubsample,
    TimeWarp,
)


def _clip(t: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(T, 1, 1, 1) clip whose frame i is the value i."""
    return torch.arange(t).to(dtype).view(t, 1, 1, 1)


def _clip_hw(t: int) -> torch.Tensor:
    """(T, 2, 2, 3) clip whose frame i is filled with i (so every pixel follows the frame)."""
    return torch.arange(float(t)).view(t, 1, 1, 1).expand(t, 2, 2, 3).contiguous()


def _frames(out: torch.Tensor) -> list[float]:
    """The per-frame value of a (T,1,1,1) clip, or of sample 0 of a batch."""
    return (out if out.dim() == 4 else out[0]).flatten(1)[:, 0].tolist()


# ------------------------------------------------------------------------- reverse
def test_reverse_plays_the_clip_backwards() -> None:
    out, params = TemporalReverse()(_clip(5), return_params=True)
    assert _frames(out) == [4.0, 3.0, 2.0, 1.0, 0.0]
    assert params.positions.tolist() == [[4.0, 3.0, 2.0, 1.0, 0.0]]


def test_reverse_moves_whole_frames() -> None:
    x = torch.rand(6, 3, 4, 5, generator=gen(0))
    assert torch.equal(TemporalReverse()(x), x.flip(0))


def test_reverse_with_p_zero_is_the_identity() -> None:
    out, params = TemporalReverse(p=0.0)(_clip(4), return_params=True)
    assert _frames(out) == [0.0, 1.0, 2.0, 3.0]
    assert params.positions.tolist() == [[0.0, 1.0, 2.0, 3.0]] and params.applied.tolist() == [False]


def test_reverse_with_p_half_reverses_exactly_the_applied_samples() -> None:
    x = torch.arange(40.0).view(10, 4, 1, 1, 1)
    out, params = TemporalReverse(p=0.5)(x, generator=gen(1), return_params=True)
    assert 0 < int(params.applied.sum()) < 10
    for b in range(10):
        assert torch.equal(out[b], x[b].flip(0) if bool(params.applied[b]) else x[b])


def test_reverse_of_a_single_frame_is_that_frame() -> None:
    assert _frames(TemporalReverse()(_clip(1))) == [0.0]


# ---------------------------------------------------------------------------- crop
@pytest.mark.parametrize(
    "t, length, mode, expected",
    [
        (8, 3, "start", [0, 1, 2]),
        (8, 3, "center", [2, 3, 4]),  # slack 5 -> start 2
        (7, 3, "center", [2, 3, 4]),  # slack 4 -> start 2
        (6, 3, "center", [1, 2, 3]),  # slack 3 -> start 1
        (5, 5, "center", [0, 1, 2, 3, 4]),
        (5, 5, "random", [0, 1, 2, 3, 4]),
        (4, 1, "start", [0]),
    ],
)
def test_crop_keeps_consecutive_frames_from_the_mode_start(t: int, length: int, mode: str, expected: list[int]) -> None:
    out, params = TemporalCrop(length, mode=mode)(_clip(t), return_params=True)
    assert _frames(out) == [float(v) for v in expected]
    assert params.start.tolist() == [expected[0]]
    assert params.positions.tolist() == [[float(v) for v in expected]]


def test_random_crop_draws_every_start_per_sample() -> None:
    x = torch.arange(8.0).view(1, 8, 1, 1, 1).expand(200, 8, 1, 1, 1)
    out, params = TemporalCrop(3)(x, generator=gen(0), return_params=True)
    assert set(params.start.tolist()) == {0, 1, 2, 3, 4, 5}
    expected = params.start.view(-1, 1).float() + torch.arange(3.0)
    assert torch.equal(out.flatten(1), expected)
    assert torch.equal(params.positions, expected)


# ----------------------------------------------------------------------- subsample
@pytest.mark.parametrize(
    "t, kwargs, expected",
    [
        (7, dict(num_frames=3, offset="start"), [0, 3, 6]),  # stride (7-1)//2 = 3
        (10, dict(num_frames=4, offset="start"), [0, 3, 6, 9]),  # stride 9//3 = 3
        (8, dict(num_frames=3, offset="center"), [0, 3, 6]),  # stride 3, span 7, slack 1 -> offset 0
        (9, dict(num_frames=3, offset="center"), [0, 4, 8]),  # stride 4
        (5, dict(num_frames=1, offset="center"), [2]),  # one frame: stride 1, slack 4 -> offset 2
        (3, dict(num_frames=3, offset="center"), [0, 1, 2]),
        (7, dict(stride=2, offset="start"), [0, 2, 4, 6]),  # (7-1)//2 + 1 = 4 frames
        (8, dict(stride=2, offset="center"), [0, 2, 4, 6]),  # 4 frames, slack 1 -> offset 0
        (10, dict(stride=3, offset="center"), [0, 3, 6, 9]),
        (9, dict(num_frames=3, stride=2, offset="start"), [0, 2, 4]),
        (9, dict(num_frames=3, stride=2, offset="center"), [2, 4, 6]),  # span 5, slack 4 -> offset 2
        (13, dict(num_frames=5, stride=3, offset="start"), [0, 3, 6, 9, 12]),
    ],
)
def test_subsample_keeps_every_stride_th_frame(t: int, kwargs: dict, expected: list[int]) -> None:
    op = TemporalSubsample(**kwargs)
    out, params = op(_clip(t), return_params=True)
    assert _frames(out) == [float(v) for v in expected]
    assert params.offset.tolist() == [expected[0]]
    stride = expected[1] - expected[0] if len(expected) > 1 else 1
    assert params.stride.tolist() == [stride]
    assert op.output_shape((t, 1, 1, 1)) == (len(expected), 1, 1, 1)


def test_random_subsample_offset_covers_the_slack_per_sample() -> None:
    x = torch.arange(11.0).view(1, 11, 1, 1, 1).expand(100, 11, 1, 1, 1)
    out, params = TemporalSubsample(num_frames=3, stride=2)(x, generator=gen(0), return_params=True)
    assert set(params.offset.tolist()) == set(range(7))  # span 5 of 11 frames
    assert torch.equal(out.flatten(1), params.offset.view(-1, 1).float() + torch.tensor([0.0, 2.0, 4.0]))


# -------------------------------------------------------------------- speed jitter
# A 5-frame clip 0..4 played at 2x for 5 output frames reads positions 0, 2, 4, 6, 8;
# the clip does not fit, so it starts at frame 0 and the boundary folds 6 and 8 back in.
@pytest.mark.parametrize(
    "boundary, positions, values",
    [
        ("clamp", [0, 2, 4, 4, 4], [0, 2, 4, 4, 4]),  # held on the last frame
        ("reflect", [0, 2, 4, 2, 0], [0, 2, 4, 2, 0]),  # 6 -> 8 - 6 = 2, 8 -> 0
        ("loop", [0, 2, 4, 1, 3], [0, 2, 4, 1, 3]),  # 6 mod 5 = 1, 8 mod 5 = 3
    ],
)
def test_speed_two_reads_every_other_frame_and_folds_at_the_boundary(
    boundary: str, positions: list, values: list
) -> None:
    out, params = SpeedJitter(speed=2.0, boundary=boundary)(_clip_hw(5), generator=gen(0), return_params=True)
    assert params.positions.tolist() == [[float(p) for p in positions]]
    assert torch.equal(out, _clip_hw(5)[torch.tensor(values)])
    assert params.speed.tolist() == [2.0] and params.start.tolist() == [0]


# At 0.5x for 12 frames the clip reads 0, 0.5, ..., 5.5: past the last frame (4) at 4.5, 5, 5.5.
@pytest.mark.parametrize(
    "boundary, tail_positions, tail_values",
    [
        ("clamp", [4.0, 4.0, 4.0], [4.0, 4.0, 4.0]),
        ("reflect", [3.5, 3.0, 2.5], [3.5, 3.0, 2.5]),  # 8 - p
        ("loop", [4.5, 0.0, 0.5], [2.0, 0.0, 0.5]),  # 4.5 blends the last frame (4) with the first (0)
    ],
)
def test_speed_half_blends_neighbours_and_folds_past_the_end(
    boundary: str, tail_positions: list, tail_values: list
) -> None:
    out, params = SpeedJitter(speed=0.5, length=12, boundary=boundary)(
        _clip_hw(5), generator=gen(0), return_params=True
    )
    head = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    assert params.positions.tolist() == [head + tail_positions]
    assert out.shape == (12, 2, 2, 3)
    assert out.flatten(1)[:, 0].tolist() == head + tail_values
    assert torch.equal(out, out[:, :1, :1, :1].expand_as(out))  # every pixel of a frame blended alike
    assert params.speed.tolist() == [0.5] and params.start.tolist() == [0]


@pytest.mark.parametrize("boundary", ["clamp", "reflect", "loop"])
def test_slow_clip_that_fits_starts_at_a_random_whole_frame(boundary: str) -> None:
    # 9 frames at 0.5x span 4 source frames, so the start is a whole frame in 0..4 and no boundary is reached
    op = SpeedJitter(speed=0.5, boundary=boundary)
    starts = set()
    for seed in range(40):
        out, params = op(_clip(9), generator=gen(seed), return_params=True)
        start = int(params.start)
        starts.add(start)
        expected = [start + 0.5 * i for i in range(9)]
        assert params.positions.tolist() == [expected]
        assert _frames(out) == expected
    assert starts == {0, 1, 2, 3, 4}


def test_speed_jitter_docstring_example_spreads_five_frames_over_nine() -> None:
    assert _frames(SpeedJitter(speed=0.5, length=9)(_clip(5))) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]


@pytest.mark.parametrize("vary", ["clip", "frame", "smooth"])
def test_fixed_speed_is_the_same_whatever_vary_says(vary: str) -> None:
    out, params = SpeedJitter(speed=2.0, boundary="reflect", vary=vary)(_clip(5), return_params=True)
    assert params.positions.tolist() == [[0.0, 2.0, 4.0, 2.0, 0.0]]


@pytest.mark.parametrize("vary", ["clip", "frame", "smooth"])
def test_random_speed_stays_in_range_and_positions_advance(vary: str) -> None:
    op = SpeedJitter(speed=(0.5, 2.0), vary=vary, boundary="clamp")
    params = op.sample((64, 16, 1, 1, 1), generator=gen(0))
    assert bool(((params.speed >= 0.5 - 1e-6) & (params.speed <= 2.0 + 1e-6)).all())
    steps = params.positions.diff(dim=1)
    assert bool((steps >= 0).all()) and bool((steps <= 2.0 + 1e-5).all())
    if vary == "clip":  # constant steps until the clamp holds the last frame
        held = params.positions[:, 1:] == 15
        assert bool(((steps - params.speed.view(-1, 1)).abs() < 1e-4)[~held].all())


# ----------------------------------------------------------------- frame interpolate
@pytest.mark.parametrize(
    "t, kwargs, expected",
    [
        (4, dict(factor=2), [0, 0.5, 1, 1.5, 2, 2.5, 3]),
        (3, dict(factor=4), [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]),
        (4, dict(factor=1), [0, 1, 2, 3]),
        (4, dict(), [0, 0.5, 1, 1.5, 2, 2.5, 3]),  # default factor 2
        (4, dict(length=7), [0, 0.5, 1, 1.5, 2, 2.5, 3]),
        (4, dict(length=5), [0, 0.75, 1.5, 2.25, 3]),
        (5, dict(length=3), [0, 2, 4]),
        (5, dict(length=1), [0]),
        (1, dict(factor=3), [0]),
        (1, dict(length=3), [0, 0, 0]),
    ],
)
def test_interpolate_spreads_positions_evenly_from_first_to_last(t: int, kwargs: dict, expected: list) -> None:
    op = FrameInterpolate(**kwargs)
    out, params = op(_clip(t), return_params=True)
    assert params.positions.tolist() == [[float(v) for v in expected]]
    assert _frames(out) == [float(v) for v in expected]
    assert op.output_shape((t, 1, 1, 1)) == (len(expected), 1, 1, 1)


def test_interpolate_factor_three_keeps_source_frames_exact_and_blends_between() -> None:
    x = torch.rand(3, 2, 3, 3, generator=gen(0))
    out = FrameInterpolate(factor=3)(x)
    assert out.shape == (7, 2, 3, 3)
    for i in range(3):
        assert torch.equal(out[3 * i], x[i])
    for i in range(2):
        for j, w in ((1, 1 / 3), (2, 2 / 3)):
            assert torch.allclose(out[3 * i + j], torch.lerp(x[i], x[i + 1], w), atol=1e-6)


# ---------------------------------------------------------------------- frame drop
@pytest.mark.parametrize("max_frames", [1, 3, 7, 20])
def test_frame_drop_shows_the_previous_kept_frame_for_every_dropped_one(max_frames: int) -> None:
    t = 8
    x = torch.arange(float(t)).view(1, t, 1, 1, 1).expand(300, t, 1, 1, 1)
    out, params = FrameDrop(max_frames)(x, generator=gen(max_frames), return_params=True)
    dropped = params.dropped
    assert dropped.shape == (300, t) and dropped.dtype == torch.bool
    assert not dropped[:, 0].any()  # the first frame is never lost
    counts = dropped.sum(dim=1)
    cap = min(max_frames, t - 1)
    assert int(counts.min()) >= 1 and int(counts.max()) <= cap
    assert set(counts.tolist()) == set(range(1, cap + 1))
    for b in range(300):
        shown, last_kept = [], 0
        for i in range(t):
            if not bool(dropped[b, i]):
                last_kept = i
            shown.append(float(last_kept))
        assert out[b].flatten().tolist() == shown
        assert params.positions[b].tolist() == shown


def test_frame_drop_keeps_the_length_and_only_repeats_earlier_frames() -> None:
    x = torch.rand(4, 9, 2, 3, 3, generator=gen(0))
    out, params = FrameDrop(4)(x, generator=gen(1), return_params=True)
    assert out.shape == x.shape
    src = params.positions.long()
    assert bool((src <= torch.arange(9)).all())
    for b in range(4):
        assert torch.equal(out[b], x[b, src[b]])


def test_frame_drop_on_a_single_frame_drops_nothing() -> None:
    out, params = FrameDrop(3)(_clip(1), return_params=True)
    assert _frames(out) == [0.0] and not params.dropped.any()


# ----------------------------------------------------------------- frame duplicate
@pytest.mark.parametrize("max_frames", [1, 2, 6, 30])
def test_frame_duplicate_repeats_marked_frames_and_cuts_the_end(max_frames: int) -> None:
    t = 7
    x = torch.arange(float(t)).view(1, t, 1, 1, 1).expand(300, t, 1, 1, 1)
    out, params = FrameDuplicate(max_frames)(x, generator=gen(max_frames), return_params=True)
    dup = params.duplicated
    assert dup.shape == (300, t) and dup.dtype == torch.bool
    assert not dup[:, -1].any()  # the last frame is never chosen
    counts = dup.sum(dim=1)
    cap = min(max_frames, t - 1)
    assert int(counts.min()) >= 1 and int(counts.max()) <= cap
    assert set(counts.tolist()) == set(range(1, cap + 1))
    for b in range(300):
        shown: list[float] = []
        for i in range(t):
            shown += [float(i)] * (2 if bool(dup[b, i]) else 1)
        assert out[b].flatten().tolist() == shown[:t]
    steps = out.flatten(1).diff(dim=1)
    assert bool(((steps == 0) | (steps == 1)).all())
    assert bool((steps == 0).any(dim=1).all())  # every sample shows at least one frame twice


def test_frame_duplicate_docstring_example() -> None:
    assert _frames(FrameDuplicate(1)(_clip(2))) == [0.0, 0.0]


# ----------------------------------------------------------------------- time warp
@pytest.mark.parametrize("strength, knots", [(0.5, 4), (1.5, 2), (1.0, 1), (0.8, 9)])
def test_time_warp_is_monotone_with_fixed_endpoints(strength: float, knots: int) -> None:
    t = 10
    x = torch.arange(float(t)).view(1, t, 1, 1, 1).expand(64, t, 1, 1, 1)
    out, params = TimeWarp(strength, knots=knots)(x, generator=gen(0), return_params=True)
    pos = params.positions
    assert pos.shape == (64, t)
    assert bool((pos.diff(dim=1) >= 0).all())
    assert pos[:, 0].tolist() == [0.0] * 64 and pos[:, -1].tolist() == [float(t - 1)] * 64
    assert torch.allclose(out.flatten(1), pos, atol=1e-5)
    knots_values = params.knots
    assert knots_values.shape == (64, knots + 1)
    assert knots_values[:, 0].tolist() == [0.0] * 64 and knots_values[:, -1].tolist() == [1.0] * 64
    assert bool((knots_values.diff(dim=1) > 0).all())
    if knots > 1 and strength > 0:
        assert not torch.equal(pos, torch.arange(float(t)).expand(64, t))  # it does warp


def test_time_warp_with_strength_zero_is_the_identity() -> None:
    x = torch.rand(8, 12, 2, 3, 3, generator=gen(0))
    out, params = TimeWarp(0.0, knots=5)(x, generator=gen(1), return_params=True)
    assert torch.equal(params.positions, torch.arange(12.0).expand(8, 12))
    assert torch.equal(out, x)


def test_time_warp_of_a_single_frame_is_that_frame() -> None:
    out, params = TimeWarp(1.0)(_clip(1), return_params=True)
    assert _frames(out) == [0.0] and params.positions.tolist() == [[0.0]]


# -------------------------------------------------------------------- uint8 blends
def test_uint8_blend_of_0_and_255_at_half_rounds_to_128_without_wrapping() -> None:
    x = torch.tensor([0, 255, 0], dtype=torch.uint8).view(3, 1, 1, 1)
    out = FrameInterpolate(factor=2)(x)
    assert out.dtype == torch.uint8
    expected_mid = int(torch.round(torch.tensor(127.5)))
    assert expected_mid == 128  # torch.round rounds half to even; 127.5 -> 128
    assert _frames(out) == [0, 128, 255, 128, 0]


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (0, 255, 128),
        (255, 0, 128),
        (1, 2, 2),
        (2, 3, 2),
        (3, 4, 4),
        (254, 255, 254),
        (255, 255, 255),
        (0, 0, 0),
        (0, 1, 0),
    ],
)
def test_uint8_half_way_blends_round_half_to_even(a: int, b: int, expected: int) -> None:
    x = torch.tensor([a, b], dtype=torch.uint8).view(2, 1, 1, 1)
    out = FrameInterpolate(factor=2)(x)
    assert _frames(out) == [a, expected, b]
    assert expected == int(torch.round(torch.tensor((a + b) / 2)))


def test_uint8_blends_stay_between_their_two_source_values() -> None:
    x = torch.randint(0, 256, (2, 9, 3, 8, 8), dtype=torch.uint8, generator=gen(0))
    x[:, ::2] = 255
    x[0, 1] = 0
    for op in [FrameInterpolate(length=23), SpeedJitter(speed=(0.3, 3.0), boundary="loop"), TimeWarp(1.5)]:
        out, params = op(x, generator=gen(1), return_params=True)
        pos = params.positions
        lo_i = pos.floor().long().clamp(max=8)
        hi_i = torch.remainder(lo_i + 1, 9)
        w = (pos - pos.floor()).view(2, -1, 1, 1, 1)
        gather = lambda idx: torch.stack([x[b, idx[b]] for b in range(2)]).float()  # noqa: E731
        first, second = gather(lo_i), gather(hi_i)
        reference = torch.lerp(first, second, w)
        assert out.dtype == torch.uint8
        assert bool(((out.float() - reference).abs() <= 0.5 + 1e-4).all()), op.name
        low = torch.where(w == 0, first, torch.minimum(first, second))
        high = torch.where(w == 0, first, torch.maximum(first, second))
        assert bool(((out.float() >= low) & (out.float() <= high)).all()), op.name


# --------------------------------------------------------------- dtypes and shapes
OPS = [
    TemporalReverse(),
    TemporalCrop(5),
    TemporalSubsample(num_frames=3),
    TemporalSubsample(stride=2),
    SpeedJitter(),
    SpeedJitter(speed=2.0, length=6, boundary="loop"),
    FrameInterpolate(factor=2),
    FrameInterpolate(length=4),
    FrameDrop(3),
    FrameDuplicate(3),
    TimeWarp(),
]
OUT_T = {0: 8, 1: 5, 2: 3, 3: 4, 4: 8, 5: 6, 6: 15, 7: 4, 8: 8, 9: 8, 10: 8}


def _op_id(op: tempaug.Transform) -> str:
    return repr(op)


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("i", range(len(OPS)), ids=[_op_id(o) for o in OPS])
def test_output_dtype_equals_input_dtype(i: int, dtype: torch.dtype) -> None:
    op = OPS[i]
    x = (torch.rand(3, 8, 2, 3, 3, generator=gen(0)) * 255).to(dtype)
    out = op(x, generator=gen(0))
    assert out.dtype == dtype
    assert out.shape == (3, OUT_T[i], 2, 3, 3)
    clip_out = op(x[0], generator=gen(0))
    assert clip_out.dtype == dtype and clip_out.shape == (OUT_T[i], 2, 3, 3)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64], ids=str)
def test_low_and_high_precision_blends_match_float32_within_their_precision(dtype: torch.dtype) -> None:
    x = torch.rand(2, 6, 2, 3, 3, generator=gen(0))
    op = FrameInterpolate(length=11)
    reference = op(x)
    out = op(x.to(dtype))
    tol = {torch.float16: 1e-3, torch.bfloat16: 1e-2, torch.float64: 1e-6}[dtype]
    assert torch.allclose(out.float(), reference, atol=tol)


@pytest.mark.parametrize("i", range(len(OPS)), ids=[_op_id(o) for o in OPS])
def test_params_expose_positions_of_shape_batch_by_output_frames(i: int) -> None:
    op = OPS[i]
    x = torch.rand(4, 8, 1, 2, 2, generator=gen(0))
    out, params = op(x, generator=gen(3), return_params=True)
    assert params.positions.shape == (4, OUT_T[i])
    assert params.positions.dtype == torch.float32
    assert bool(((params.positions >= 0) & (params.positions < 8)).all())
    assert params.applied.shape == (4,)
    # the positions say where each output frame came from: remap a per-frame label with them
    labels = torch.arange(8.0)
    values = torch.arange(8.0).view(1, 8, 1, 1, 1).expand(4, 8, 1, 2, 2)
    out_values = op.apply(values, params)[:, :, 0, 0, 0]
    whole = params.positions == params.positions.floor()
    assert torch.equal(out_values[whole], labels[params.positions[whole].long()])


@pytest.mark.parametrize(
    "op",
    OPS
    + [
        Compose([TemporalReverse(), SpeedJitter()]),
        OneOf([TimeWarp(), FrameDrop()]),
        SomeOf([TimeWarp(), FrameDrop()], n=(0, 2)),
        RandomApply(TimeWarp(), p=0.5),
        OneOf([Compose([TemporalCrop(4), TimeWarp(), SpeedJitter()]), TemporalSubsample(num_frames=4)]),
    ],
    ids=_op_id,
)
def test_empty_batch_gives_an_empty_batch_of_the_declared_shape(op: tempaug.Transform) -> None:
    x = torch.rand(0, 8, 2, 3, 3)
    out, params = op(x, return_params=True)
    assert out.shape == op.output_shape(x.shape) and out.shape[0] == 0
    assert params.batch_size == 0
    assert op.apply(x, params).shape == out.shape
    if hasattr(params, "positions"):
        assert params.positions.shape == (0, out.shape[1])


def test_resample_blends_with_fractional_positions() -> None:
    x = torch.tensor([0, 100, 200], dtype=torch.uint8).view(3, 1, 1, 1)
    assert tempaug.resample(x, torch.tensor([0.5, 1.25, 2.0])).flatten().tolist() == [50, 125, 200]
    assert tempaug.resample(_clip(4), torch.tensor([3, 0, 2])).flatten().tolist() == [3.0, 0.0, 2.0]


def test_uint8_blends_on_the_cpu_round_within_half_a_level_of_the_exact_blend() -> None:
    x = torch.randint(0, 256, (3, 12, 3, 9, 7), generator=gen(4), dtype=torch.uint8)
    op = tempaug.SpeedJitter(speed=(0.3, 2.5), vary="frame")
    out, params = op(x, generator=gen(5), return_params=True)
    pos = params.positions
    lo = pos.floor().long()
    w = (pos - lo).view(*pos.shape, 1, 1, 1)
    b = torch.arange(3).view(-1, 1)
    exact = (1 - w) * x[b, lo].double() + w * x[b, (lo + 1) % 12].double()
    assert (out.double() - exact).abs().max() <= 0.5 + 1e-6
    whole = (w == 0).view(pos.shape)
    assert torch.equal(out[whole], x[b.expand_as(lo)[whole], lo[whole]])
