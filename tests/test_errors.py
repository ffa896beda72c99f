"""Bad inputs raise early, with the documented exception type and a message naming the op and what is wrong."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from helpers import gen

import tempaug
from tempaug import (
    Compose,
    DTypeError,
    FrameDrop,
    FrameDuplicate,
    FrameInterpolate,
    InvalidArgumentError,
    InvalidInputError,
    OneOf,
    RandomApply,
    ShapeError,
    SomeOf,
    SpeedJitter,
    TemporalCrop,
    TemporalReverse,
    TemporalSubsample,
    TimeWarp,
)
from tempaug.core import ComposeParams, OneOfParams


def _clip(t: int = 8, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    x = torch.rand(t, 2, 3, 3, generator=gen(123))
    return (x * 255).to(dtype) if dtype == torch.uint8 else x.to(dtype)


# Every op and container, built fresh, each keeping an 8-frame input usable.
OP_FACTORIES = {
    "TemporalReverse": lambda: TemporalReverse(p=0.5),
    "TemporalCrop": lambda: TemporalCrop(4),
    "TemporalSubsample": lambda: TemporalSubsample(num_frames=3),
    "SpeedJitter": lambda: SpeedJitter(speed=(0.5, 2.0), boundary="reflect"),
    "FrameInterpolate": lambda: FrameInterpolate(factor=2),
    "FrameDrop": lambda: FrameDrop(3),
    "FrameDuplicate": lambda: FrameDuplicate(3),
    "TimeWarp": lambda: TimeWarp(0.5),
    "Compose": lambda: Compose([TemporalReverse(p=0.5), SpeedJitter(), TimeWarp()], p=0.5),
    "Compose-fused": lambda: Compose([TemporalReverse(), TemporalCrop(6), SpeedJitter()]),
    "OneOf": lambda: OneOf([TimeWarp(), FrameDrop(2), Compose([TemporalReverse(), SpeedJitter()], fuse=False)], p=0.7),
    "SomeOf": lambda: SomeOf([TemporalReverse(), FrameDuplicate(2), TimeWarp(), SpeedJitter()], n=(0, 3), p=0.8),
    "RandomApply": lambda: RandomApply(FrameDrop(2), p=0.5),
}
BLENDING = ["SpeedJitter", "FrameInterpolate", "TimeWarp"]


# ------------------------------------------------------------------ input tensors
@pytest.mark.parametrize("shape", [(8, 3, 4), (1, 1, 8, 3, 4, 4)], ids=["3d", "6d"])
@pytest.mark.parametrize("name", sorted(OP_FACTORIES))
def test_wrong_number_of_dims_raises_shape_error_naming_op_and_dims(name: str, shape: tuple[int, ...]) -> None:
    op = OP_FACTORIES[name]()
    with pytest.raises(ShapeError, match=rf"{op.name}: .*got {len(shape)} dims {re.escape(str(shape))}.*to_tchw"):
        op(torch.zeros(shape))


@pytest.mark.parametrize("shape", [(8, 3, 4), (1, 1, 8, 3, 4, 4)], ids=["3d", "6d"])
def test_sample_and_output_shape_refuse_a_wrong_number_of_dims(shape: tuple[int, ...]) -> None:
    op = TemporalCrop(4)
    with pytest.raises(ShapeError, match=rf"TemporalCrop: .*{len(shape)} dims"):
        op.sample(shape)
    with pytest.raises(ShapeError, match=rf"TemporalCrop: .*{len(shape)} dims"):
        op.output_shape(shape)


@pytest.mark.parametrize("name", sorted(OP_FACTORIES))
def test_numpy_input_raises_dtype_error_pointing_to_to_tchw(name: str) -> None:
    op = OP_FACTORIES[name]()
    with pytest.raises(DTypeError, match=rf"{op.name}: expected a torch\.Tensor, got ndarray.*tempaug\.to_tchw"):
        op(np.zeros((8, 2, 3, 3), dtype=np.float32))


def test_numpy_input_to_apply_raises_dtype_error() -> None:
    op = TemporalReverse()
    params = op.sample((8, 2, 3, 3))
    with pytest.raises(DTypeError, match=r"TemporalReverse: expected a torch\.Tensor, got ndarray"):
        op.apply(np.zeros((8, 2, 3, 3), dtype=np.float32), params)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.bool, torch.int8], ids=str)
@pytest.mark.parametrize("name", ["TemporalReverse", "SpeedJitter", "Compose", "OneOf"])
def test_unsupported_dtype_raises_dtype_error_naming_op_dtype_and_shape(name: str, dtype: torch.dtype) -> None:
    op = OP_FACTORIES[name]()
    with pytest.raises(
        DTypeError,
        match=rf"{op.name}: expected a uint8 or floating tensor, got {re.escape(str(dtype))}"
        r" with shape \(8, 2, 3, 3\)",
    ):
        op(torch.zeros(8, 2, 3, 3, dtype=dtype))


def test_dtype_error_is_a_type_error_and_shape_error_a_value_error() -> None:
    with pytest.raises(TypeError):
        TemporalReverse()(torch.zeros(4, 1, 2, 2, dtype=torch.int32))
    with pytest.raises(ValueError):
        TemporalReverse()(torch.zeros(4, 1, 2))
    with pytest.raises(tempaug.TempaugError):
        TemporalReverse()(torch.zeros(4, 1, 2))


@pytest.mark.parametrize("shape", [(0, 3, 4, 4), (2, 0, 3, 4, 4)], ids=["clip", "batch"])
@pytest.mark.parametrize("name", sorted(OP_FACTORIES))
def test_zero_frame_clip_raises_shape_error(name: str, shape: tuple[int, ...]) -> None:
    op = OP_FACTORIES[name]()
    with pytest.raises(ShapeError, match=rf"{op.name}: the clip has no frames"):
        op(torch.zeros(shape))


def test_crop_longer_than_clip_raises_before_drawing_anything() -> None:
    g = gen(5)
    state = g.get_state()
    with pytest.raises(
        ShapeError, match=r"TemporalCrop: length=8 needs at least 8 frames, got an input of shape \(1, 4, "
    ):
        TemporalCrop(8)(torch.zeros(4, 3, 4, 4), generator=g)
    assert torch.equal(g.get_state(), state)


def test_subsample_longer_than_clip_raises_shape_error_naming_frames_and_stride() -> None:
    with pytest.raises(
        ShapeError, match=r"TemporalSubsample: num_frames=5 at stride=3 needs at least 13 frames, .*\(1, 10, 3, 4, 4\)"
    ):
        TemporalSubsample(num_frames=5, stride=3)(torch.zeros(10, 3, 4, 4))


def test_subsample_num_frames_more_than_clip_raises_shape_error() -> None:
    with pytest.raises(ShapeError, match=r"TemporalSubsample: num_frames=5 .*needs at least 5 frames"):
        TemporalSubsample(num_frames=5)(torch.zeros(3, 3, 4, 4))


def test_container_checks_its_children_against_the_clip_length() -> None:
    with pytest.raises(ShapeError, match=r"TemporalCrop: length=8 needs at least 8 frames"):
        Compose([TemporalReverse(), TemporalCrop(8)])(torch.zeros(4, 1, 2, 2))
    # the second crop sees the first crop's output, 6 frames
    with pytest.raises(
        ShapeError, match=r"TemporalCrop: length=7 needs at least 7 frames, got an input of shape \(1, 6,"
    ):
        Compose([TemporalCrop(6), TemporalCrop(7)])(torch.zeros(8, 1, 2, 2))


# ---------------------------------------------------------------------------- NaN
def _nan_clip() -> torch.Tensor:
    x = _clip(8)
    x[3, 1, 0, 2] = float("nan")
    return x


@pytest.mark.parametrize("name", BLENDING)
def test_nan_under_a_blending_op_raises_invalid_input_error(name: str) -> None:
    op = OP_FACTORIES[name]()
    with pytest.raises(
        InvalidInputError, match=rf"{name}: the input of shape \(1, 8, 2, 3, 3\) holds NaN.*set_nan_check"
    ):
        op(_nan_clip())


@pytest.mark.parametrize("name", ["Compose", "OneOf", "SomeOf"])
def test_nan_under_a_container_with_a_blending_child_raises(name: str) -> None:
    op = OP_FACTORIES[name]()
    with pytest.raises(InvalidInputError, match=rf"{name}: .*holds NaN"):
        op(_nan_clip())


def test_nan_in_a_half_precision_batch_is_caught() -> None:
    x = _clip(8, torch.float16).unsqueeze(0).repeat(2, 1, 1, 1, 1)
    x[1, 0, 0, 0, 0] = float("nan")
    with pytest.raises(InvalidInputError, match=r"TimeWarp: the input of shape \(2, 8, 2, 3, 3\) holds NaN"):
        TimeWarp()(x)


@pytest.mark.parametrize(
    "op", [TemporalReverse(), FrameDrop(3), FrameDuplicate(3), TemporalCrop(4)], ids=lambda o: o.name
)
def test_nan_passes_through_gathering_ops(op: tempaug.Transform) -> None:
    x = _nan_clip()
    out, params = op(x, generator=gen(1), return_params=True)
    src = params.positions[0].long()
    assert torch.equal(out.isnan(), x.isnan()[src])
    assert torch.equal(out.nan_to_num(-1.0), x.nan_to_num(-1.0)[src])


def test_temporal_reverse_carries_nan_to_the_mirrored_frame() -> None:
    out = TemporalReverse()(_nan_clip())
    assert bool(out[8 - 1 - 3, 1, 0, 2].isnan())
    assert int(out.isnan().sum()) == 1


@pytest.mark.parametrize("name", BLENDING)
def test_nan_check_context_manager_turns_the_check_off_and_restores_it(name: str) -> None:
    op = OP_FACTORIES[name]()
    with tempaug.nan_check(False):
        out = op(_nan_clip(), generator=gen(0))
    assert bool(out.isnan().any())
    with pytest.raises(InvalidInputError):
        op(_nan_clip())


def test_set_nan_check_turns_the_check_off_globally() -> None:
    try:
        tempaug.set_nan_check(False)
        out = FrameInterpolate(factor=2)(_nan_clip())
        assert out.shape[0] == 15
    finally:
        tempaug.set_nan_check(True)
    with pytest.raises(InvalidInputError):
        FrameInterpolate(factor=2)(_nan_clip())


def test_nan_check_is_skipped_by_apply() -> None:
    op = SpeedJitter(speed=0.5)
    params = op.sample((8, 2, 3, 3), generator=gen(0))
    out = op.apply(_nan_clip(), params)
    assert bool(out.isnan().any())


# ---------------------------------------------------------------- constructor args
@pytest.mark.parametrize(
    "build, pattern",
    [
        (lambda: TemporalReverse(p=-0.1), r"TemporalReverse: p must be a number in \[0, 1\], got -0\.1"),
        (lambda: TemporalReverse(p=1.5), r"TemporalReverse: p must be a number in \[0, 1\], got 1\.5"),
        (lambda: TemporalReverse(p=True), r"TemporalReverse: p must be a number in \[0, 1\], got True"),
        (lambda: TemporalReverse(p=float("nan")), r"TemporalReverse: p must be a number"),
        (lambda: TimeWarp(p="0.5"), r"TimeWarp: p must be a number in \[0, 1\], got '0\.5'"),
        (lambda: SpeedJitter(speed=(2, 1)), r"SpeedJitter: speed must have lo <= hi, got \(2, 1\)"),
        (lambda: SpeedJitter(speed=(0, 1)), r"SpeedJitter: speed must be > 0\.0, got \(0, 1\)"),
        (lambda: SpeedJitter(speed=-1), r"SpeedJitter: speed must be > 0\.0, got -1"),
        (lambda: SpeedJitter(speed=(0.5, 1, 2)), r"SpeedJitter: speed must be a number or a \(lo, hi\) pair"),
        (lambda: SpeedJitter(speed=float("inf")), r"SpeedJitter: speed must be a number or a \(lo, hi\) pair"),
        (lambda: SpeedJitter(length=0), r"SpeedJitter: length must be an integer >= 1, got 0"),
        (
            lambda: SpeedJitter(boundary="wrap"),
            r"SpeedJitter: boundary must be one of \['clamp', 'reflect', 'loop'\], got 'wrap'",
        ),
        (
            lambda: SpeedJitter(vary="sometimes"),
            r"SpeedJitter: vary must be one of \['clip', 'frame', 'smooth'\], got 'sometimes'",
        ),
        (lambda: FrameInterpolate(factor=0), r"FrameInterpolate: factor must be an integer >= 1, got 0"),
        (lambda: FrameInterpolate(length=0), r"FrameInterpolate: length must be an integer >= 1, got 0"),
        (
            lambda: FrameInterpolate(factor=2, length=5),
            r"FrameInterpolate: give factor or length, not both \(got factor=2, length=5\)",
        ),
        (lambda: TemporalCrop(0), r"TemporalCrop: length must be an integer >= 1, got 0"),
        (lambda: TemporalCrop(4.0), r"TemporalCrop: length must be an integer >= 1, got 4\.0"),
        (lambda: TemporalCrop(True), r"TemporalCrop: length must be an integer >= 1, got True"),
        (
            lambda: TemporalCrop(4, mode="middle"),
            r"TemporalCrop: mode must be one of \['random', 'center', 'start'\], got 'middle'",
        ),
        (lambda: TemporalSubsample(), r"TemporalSubsample: give num_frames, stride or both"),
        (lambda: TemporalSubsample(num_frames=0), r"TemporalSubsample: num_frames must be an integer >= 1, got 0"),
        (lambda: TemporalSubsample(stride=0), r"TemporalSubsample: stride must be an integer >= 1, got 0"),
        (
            lambda: TemporalSubsample(num_frames=4, offset="middle"),
            r"TemporalSubsample: offset must be one of .*got 'middle'",
        ),
        (lambda: FrameDrop(0), r"FrameDrop: max_frames must be an integer >= 1, got 0"),
        (lambda: FrameDuplicate(-2), r"FrameDuplicate: max_frames must be an integer >= 1, got -2"),
        (lambda: TimeWarp(strength=-1), r"TimeWarp: strength must be >= 0\.0, got -1"),
        (lambda: TimeWarp(strength=(0.1, 0.2)), r"TimeWarp: strength must be a number >= 0"),
        (lambda: TimeWarp(knots=0), r"TimeWarp: knots must be an integer >= 1, got 0"),
    ],
)
def test_out_of_range_constructor_arg_raises_invalid_argument_error(build, pattern: str) -> None:
    with pytest.raises(InvalidArgumentError, match=pattern):
        build()


@pytest.mark.parametrize(
    "build, pattern",
    [
        (
            lambda: OneOf([TemporalReverse(), TimeWarp()], weights=[1.0]),
            r"OneOf: weights must be 2 non-negative numbers .*got \[1\.0\]",
        ),
        (
            lambda: OneOf([TemporalReverse(), TimeWarp()], weights=[1, 2, 3]),
            r"OneOf: weights must be 2 .*got \[1\.0, 2\.0, 3\.0\]",
        ),
        (
            lambda: OneOf([TemporalReverse(), TimeWarp()], weights=[0, 0]),
            r"OneOf: weights must be 2 non-negative numbers with a positive sum, got \[0\.0, 0\.0\]",
        ),
        (
            lambda: OneOf([TemporalReverse(), TimeWarp()], weights=[-1, 2]),
            r"OneOf: weights must be 2 non-negative .*got \[-1\.0, 2\.0\]",
        ),
        (lambda: OneOf([]), r"OneOf: needs at least 1 transform\(s\), got 0"),
        (
            lambda: SomeOf([TemporalReverse(), TimeWarp()], n=(2, 1)),
            r"SomeOf: n must be an int or a \(lo, hi\) pair with 0 <= lo <= hi <= 2, got \(2, 1\)",
        ),
        (lambda: SomeOf([TemporalReverse(), TimeWarp()], n=3), r"SomeOf: n must be .* <= 2, got 3"),
        (lambda: SomeOf([TemporalReverse(), TimeWarp()], n=(1, 3)), r"SomeOf: n must be .* <= 2, got \(1, 3\)"),
        (lambda: SomeOf([TemporalReverse(), TimeWarp()], n=-1), r"SomeOf: n must be .*got -1"),
        (lambda: SomeOf([TemporalReverse()], n=True), r"SomeOf: n must be .*got True"),
        (lambda: SomeOf([TemporalReverse(), TimeWarp()], p=1.5), r"SomeOf: p must be a number in \[0, 1\], got 1\.5"),
        (lambda: Compose(TemporalReverse()), r"Compose: transforms must be a list of transforms, got TemporalReverse"),
        (
            lambda: Compose([TemporalReverse(), "TimeWarp"]),
            r"Compose: transforms\[1\] is a str, not a tempaug transform",
        ),
        (lambda: Compose([TemporalReverse()], p=-0.1), r"Compose: p must be a number in \[0, 1\], got -0\.1"),
        (lambda: RandomApply(TemporalReverse(), p=2), r"RandomApply: p must be a number in \[0, 1\], got 2"),
        (lambda: RandomApply(3), r"RandomApply: transform must be a tempaug transform, got int"),
    ],
)
def test_bad_container_arg_raises_invalid_argument_error(build, pattern: str) -> None:
    with pytest.raises(InvalidArgumentError, match=pattern):
        build()


def test_invalid_argument_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        TemporalCrop(0)


# ---------------------------------------------------------- p < 1 changing length
@pytest.mark.parametrize(
    "op",
    [
        TemporalCrop(4, p=0.5),
        TemporalSubsample(num_frames=4, p=0.5),
        FrameInterpolate(factor=2, p=0.5),
        SpeedJitter(length=5, p=0.5),
        Compose([TemporalCrop(4)], p=0.5),
    ],
    ids=lambda o: o.name,
)
def test_p_below_one_on_a_length_changing_op_raises_shape_error_at_call(op: tempaug.Transform) -> None:
    with pytest.raises(
        ShapeError,
        match=rf"{op.name}: p=0\.5 needs an output of the input's shape, but the input "
        r"\(1, 8, 1, 2, 2\) becomes \(1, \d+, 1, 2, 2\)",
    ):
        op(torch.zeros(8, 1, 2, 2))


def test_p_below_one_on_a_length_changing_op_is_fine_when_the_length_is_kept() -> None:
    out, params = TemporalCrop(8, p=0.5)(torch.zeros(3, 8, 1, 2, 2), generator=gen(0), return_params=True)
    assert out.shape == (3, 8, 1, 2, 2)
    assert params.applied.shape == (3,)


@pytest.mark.parametrize(
    "op, pattern",
    [
        (
            RandomApply(TemporalCrop(4), p=0.5),
            r"RandomApply: TemporalCrop turns \(1, 8, 1, 2, 2\) into \(1, 4, 1, 2, 2\)",
        ),
        (
            SomeOf([TemporalCrop(4), TemporalReverse()], n=1),
            r"SomeOf: TemporalCrop turns \(1, 8, 1, 2, 2\) into \(1, 4, 1, 2, 2\)",
        ),
        (
            OneOf([TemporalCrop(4), TemporalSubsample(num_frames=4)], p=0.5),
            r"OneOf: p=0\.5 needs an output of the input's shape",
        ),
    ],
    ids=lambda v: getattr(v, "name", None),
)
def test_containers_that_may_skip_a_length_changing_child_raise_shape_error(
    op: tempaug.Transform, pattern: str
) -> None:
    with pytest.raises(ShapeError, match=pattern):
        op(torch.zeros(8, 1, 2, 2))


# ---------------------------------------------------------------- params to apply
def test_apply_with_params_of_the_wrong_batch_size_raises_shape_error() -> None:
    op = TemporalReverse()
    params = op.sample((2, 8, 1, 2, 2))
    with pytest.raises(
        ShapeError, match=r"TemporalReverse: params describe 2 samples but the input batch has shape \(3, 8, 1, 2, 2\)"
    ):
        op.apply(torch.zeros(3, 8, 1, 2, 2), params)
    with pytest.raises(ShapeError, match=r"TemporalReverse: params describe 2 samples .*\(1, 8, 1, 2, 2\)"):
        op.apply(torch.zeros(8, 1, 2, 2), params)


def test_apply_with_params_for_another_clip_length_raises_shape_error() -> None:
    op = SpeedJitter()
    params = op.sample((2, 8, 1, 2, 2), generator=gen(0))
    with pytest.raises(
        ShapeError, match=r"SpeedJitter: params hold 8 positions but an input of shape \(2, 6, 1, 2, 2\) gives 6 frames"
    ):
        op.apply(torch.zeros(2, 6, 1, 2, 2), params)


@pytest.mark.parametrize(
    "op, other, expected",
    [
        (
            TemporalReverse(),
            TemporalCrop(4),
            r"TemporalReverse: params must be TemporalReverseParams, got TemporalCropParams",
        ),
        (TimeWarp(), SpeedJitter(), r"TimeWarp: params must be TimeWarpParams, got SpeedJitterParams"),
        (
            Compose([TemporalReverse()]),
            TemporalReverse(),
            r"Compose: params must be ComposeParams, got TemporalReverseParams",
        ),
        (
            OneOf([TemporalReverse()]),
            Compose([TemporalReverse()]),
            r"OneOf: params must be OneOfParams, got ComposeParams",
        ),
    ],
    ids=lambda v: getattr(v, "name", None),
)
def test_apply_with_params_of_the_wrong_type_raises_dtype_error(op, other, expected: str) -> None:
    x = torch.zeros(2, 8, 1, 2, 2)
    with pytest.raises(DTypeError, match=expected):
        op.apply(x, other.sample(x.shape))


@pytest.mark.parametrize("bad", [None, {"positions": [0, 1]}, torch.zeros(2, 8)], ids=["None", "dict", "tensor"])
def test_apply_with_something_that_is_not_params_raises_dtype_error(bad) -> None:
    with pytest.raises(DTypeError, match=rf"TemporalCrop: params must be TemporalCropParams, got {type(bad).__name__}"):
        TemporalCrop(4).apply(torch.zeros(2, 8, 1, 2, 2), bad)


def test_container_params_with_the_wrong_number_of_children_raise_shape_error() -> None:
    aug = Compose([TemporalReverse(), TemporalCrop(4)])
    x = torch.zeros(2, 8, 1, 2, 2)
    params = aug.sample(x.shape)
    short = ComposeParams(applied=params.applied, children=params.children[:1])
    with pytest.raises(ShapeError, match=r"Compose: params hold 1 children, the container has 2"):
        aug.apply(x, short)


@pytest.mark.parametrize("fuse", [True, False])
def test_container_params_with_children_of_the_wrong_type_raise_dtype_error(fuse: bool) -> None:
    aug = Compose([TemporalReverse(), TemporalCrop(4)], fuse=fuse)
    x = torch.arange(16.0).view(2, 8, 1, 1, 1)
    params = aug.sample(x.shape, generator=gen(0))
    swapped = ComposeParams(applied=params.applied, children=(params.children[1], params.children[0]))
    with pytest.raises(
        DTypeError, match=r"TemporalReverse: params must be TemporalReverseParams, got TemporalCropParams"
    ):
        aug.apply(x, swapped)


@pytest.mark.parametrize("fuse", [True, False])
def test_container_params_with_children_of_the_wrong_batch_size_raise_shape_error(fuse: bool) -> None:
    aug = Compose([TemporalReverse(), TemporalCrop(4)], fuse=fuse)
    x = torch.zeros(2, 8, 1, 1, 1)
    params = aug.sample(x.shape)
    other = aug.sample((3, 8, 1, 1, 1))
    mixed = ComposeParams(applied=params.applied, children=other.children)
    with pytest.raises(ShapeError, match=r"params describe 3 samples but the input batch has shape \(2, 8, 1, 1, 1\)"):
        aug.apply(x, mixed)


def test_oneof_params_with_a_choice_out_of_range_raise() -> None:
    aug = OneOf([TemporalReverse(), TimeWarp()])
    x = torch.arange(16.0).view(2, 8, 1, 1, 1)
    params = aug.sample(x.shape, generator=gen(0))
    bad = OneOfParams(applied=params.applied, choice=torch.tensor([0, 5]), children=params.children)
    with pytest.raises(tempaug.TempaugError, match=r"OneOf: .*choice"):
        aug.apply(x, bad)


def _crop_drawn_on_16_frames_applied_to_8():
    op = TemporalCrop(4)
    seed = next(s for s in range(100) if int(op.sample((1, 16, 1, 1, 1), generator=gen(s)).start) > 4)
    return op, op.sample((1, 16, 1, 1, 1), generator=gen(seed)), torch.arange(8.0).view(8, 1, 1, 1)


def _speed_drawn_on_8_frames_applied_to_4():
    op = SpeedJitter(speed=2.0, length=4)  # positions start + (0, 2, 4, 6)
    return op, op.sample((1, 8, 1, 1, 1), generator=gen(0)), torch.arange(4.0).view(4, 1, 1, 1)


def _subsample_drawn_on_12_frames_applied_to_10():
    op = TemporalSubsample(num_frames=4, stride=3, offset="center")  # positions 1, 4, 7, 10
    return op, op.sample((1, 12, 1, 1, 1)), torch.arange(10.0).view(10, 1, 1, 1)


@pytest.mark.parametrize(
    "case",
    [
        _crop_drawn_on_16_frames_applied_to_8,
        _speed_drawn_on_8_frames_applied_to_4,
        _subsample_drawn_on_12_frames_applied_to_10,
    ],
)
def test_apply_refuses_params_whose_positions_reach_past_the_clip(case) -> None:
    op, params, x = case()
    assert float(params.positions.max()) > x.shape[0] - 1
    with pytest.raises(ShapeError, match=rf"{op.name}: .*\(1, {x.shape[0]}, 1, 1, 1\)"):
        op.apply(x, params)


# ------------------------------------------------------------- input left untouched
@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8, torch.float16], ids=str)
@pytest.mark.parametrize("batched", [False, True], ids=["clip", "batch"])
@pytest.mark.parametrize("name", sorted(OP_FACTORIES))
def test_call_and_apply_never_modify_the_input(name: str, batched: bool, dtype: torch.dtype) -> None:
    op = OP_FACTORIES[name]()
    x = _clip(8, dtype)
    if batched:
        x = torch.stack([x, x.flip(0), x.roll(2, 0)])
    before = x.clone()
    out, params = op(x, generator=gen(3), return_params=True)
    assert torch.equal(x, before)
    again = op.apply(x, params)
    assert torch.equal(x, before)
    assert torch.equal(again, out)


def test_failed_call_leaves_the_input_untouched() -> None:
    x = _nan_clip()
    before = x.clone()
    with pytest.raises(InvalidInputError):
        TimeWarp()(x)
    assert torch.equal(x.nan_to_num(-7.0), before.nan_to_num(-7.0))
