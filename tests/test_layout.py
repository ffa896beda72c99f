"""to_tchw / from_tchw move named layouts to and from (T,C,H,W) / (B,T,C,H,W); a layout is never guessed."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import torch

import tempaug
from tempaug import DTypeError, ShapeError, from_tchw, to_tchw

# Distinct sizes so that any mix-up of axes shows in the shape and in the values.
SIZES = {"B": 2, "T": 3, "C": 4, "H": 5, "W": 6}
LAYOUTS = ["THWC", "CTHW", "TCHW", "BTHWC", "BCTHW", "BTCHW"]


def _stored(layout: str, numpy: bool, dtype=np.int32):
    """An array in ``layout`` whose value at each index encodes (b, t, c, h, w)."""
    shape = tuple(SIZES[a] for a in layout)
    values = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return values if numpy else torch.from_numpy(values.copy())


def _value(arr, layout: str, idx: dict[str, int]):
    return arr[tuple(idx[a] for a in layout)].item()


@pytest.mark.parametrize("numpy", [False, True], ids=["tensor", "numpy"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_to_tchw_puts_every_value_at_its_named_index(layout: str, numpy: bool) -> None:
    src = _stored(layout, numpy)
    out = to_tchw(src, layout)
    assert isinstance(out, torch.Tensor)
    target = "BTCHW" if layout.startswith("B") else "TCHW"
    assert tuple(out.shape) == tuple(SIZES[a] for a in target)
    assert out.dtype == torch.int32
    for idx in itertools.product(*(range(SIZES[a]) for a in target)):
        named = dict(zip(target, idx))
        assert out[idx].item() == _value(src, layout, named)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_from_tchw_puts_every_value_at_its_named_index(layout: str) -> None:
    source = "BTCHW" if layout.startswith("B") else "TCHW"
    x = _stored(source, numpy=False)
    out = from_tchw(x, layout)
    assert isinstance(out, torch.Tensor)
    assert tuple(out.shape) == tuple(SIZES[a] for a in layout)
    for idx in itertools.product(*(range(SIZES[a]) for a in layout)):
        assert out[idx].item() == _value(x, source, dict(zip(layout, idx)))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_round_trip_of_a_tensor_is_exact(layout: str) -> None:
    src = torch.rand(tuple(SIZES[a] for a in layout), dtype=torch.float64)
    back = from_tchw(to_tchw(src, layout), layout)
    assert back.dtype == src.dtype and torch.equal(back, src)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float16])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_round_trip_of_a_numpy_array_is_exact(layout: str, dtype) -> None:
    src = (np.random.default_rng(0).random(tuple(SIZES[a] for a in layout)) * 255).astype(dtype)
    back = from_tchw(to_tchw(src, layout), layout, numpy=True)
    assert isinstance(back, np.ndarray)
    assert back.dtype == src.dtype and back.shape == src.shape
    np.testing.assert_array_equal(back, src)


def test_from_tchw_returns_numpy_only_when_asked() -> None:
    x = torch.zeros(3, 4, 5, 6)
    assert isinstance(from_tchw(x, "THWC"), torch.Tensor)
    assert isinstance(from_tchw(x, "THWC", numpy=True), np.ndarray)


def test_from_tchw_accepts_a_numpy_clip() -> None:
    x = _stored("TCHW", numpy=True)
    out = from_tchw(x, "THWC", numpy=True)
    np.testing.assert_array_equal(out, np.transpose(x, (0, 2, 3, 1)))


def test_layout_letters_are_case_insensitive() -> None:
    src = _stored("BTHWC", numpy=False)
    assert torch.equal(to_tchw(src, "bthwc"), to_tchw(src, "BTHWC"))


def test_decoder_frames_feed_a_transform_and_come_back() -> None:
    frames = (np.arange(8 * 4 * 5 * 3) % 251).astype(np.uint8).reshape(8, 4, 5, 3)  # T,H,W,C
    out = tempaug.TemporalReverse()(to_tchw(frames, "THWC"))
    back = from_tchw(out, "THWC", numpy=True)
    np.testing.assert_array_equal(back, frames[::-1])


# ---------------------------------------------------------------------- no guessing
def test_a_cube_is_converted_as_named_not_as_guessed() -> None:
    cube = torch.arange(81).view(3, 3, 3, 3)
    as_thwc, as_cthw, as_tchw = to_tchw(cube, "THWC"), to_tchw(cube, "CTHW"), to_tchw(cube, "TCHW")
    assert as_thwc[0, 1, 2, 0].item() == cube[0, 2, 0, 1].item()
    assert as_cthw[0, 1, 2, 0].item() == cube[1, 0, 2, 0].item()
    assert torch.equal(as_tchw, cube)
    assert not torch.equal(as_thwc, as_tchw) and not torch.equal(as_cthw, as_tchw)


def test_channels_last_data_named_tchw_is_left_as_it_is() -> None:
    frames = torch.zeros(8, 32, 48, 3)  # looks like THWC, but the caller said TCHW
    assert to_tchw(frames, "TCHW").shape == (8, 32, 48, 3)


def test_layout_is_required() -> None:
    with pytest.raises(TypeError):
        to_tchw(torch.zeros(3, 4, 5, 6))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        from_tchw(torch.zeros(3, 4, 5, 6))  # type: ignore[call-arg]


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", [to_tchw, from_tchw], ids=["to_tchw", "from_tchw"])
@pytest.mark.parametrize("layout", ["THW", "THWCC", "TTHW", "THWX", "CTHWB", "BBTHW", "NTHWC", ""])
def test_malformed_layout_string_raises_shape_error_naming_the_layout(fn, layout: str) -> None:
    with pytest.raises(
        ShapeError, match=rf"{fn.__name__}: layout '{layout}' must name T, C, H, W once each, optionally led by B"
    ):
        fn(torch.zeros(2, 3, 4, 5), layout)


@pytest.mark.parametrize("fn", [to_tchw, from_tchw], ids=["to_tchw", "from_tchw"])
@pytest.mark.parametrize("layout", [None, 4, ["T", "H", "W", "C"]])
def test_layout_that_is_not_a_string_raises_dtype_error(fn, layout) -> None:
    with pytest.raises(
        DTypeError, match=rf"{fn.__name__}: layout must be a string such as 'THWC', got {type(layout).__name__}"
    ):
        fn(torch.zeros(2, 3, 4, 5), layout)


@pytest.mark.parametrize(
    "shape, layout",
    [((2, 3, 4, 5), "BTHWC"), ((1, 2, 3, 4, 5), "THWC"), ((3, 4, 5), "THWC"), ((2, 3, 4, 5, 6, 7), "BCTHW")],
)
def test_to_tchw_dims_mismatch_raises_shape_error_naming_layout_and_shape(shape, layout: str) -> None:
    with pytest.raises(
        ShapeError,
        match=rf"to_tchw: layout '{layout}' has {len(layout)} dims but the input has shape {re.escape(str(shape))}",
    ):
        to_tchw(torch.zeros(shape), layout)


@pytest.mark.parametrize("shape, layout, source", [((2, 3, 4, 5), "BTHWC", "BTCHW"), ((1, 2, 3, 4, 5), "THWC", "TCHW")])
def test_from_tchw_dims_mismatch_raises_shape_error(shape, layout: str, source: str) -> None:
    with pytest.raises(
        ShapeError,
        match=rf"from_tchw: expected a {source} input of {len(source)} dims, got shape {re.escape(str(shape))}",
    ):
        from_tchw(torch.zeros(shape), layout)


@pytest.mark.parametrize("fn", [to_tchw, from_tchw], ids=["to_tchw", "from_tchw"])
def test_input_that_is_neither_tensor_nor_array_raises_dtype_error(fn) -> None:
    with pytest.raises(DTypeError, match=rf"{fn.__name__}: expected a torch\.Tensor or numpy\.ndarray, got list"):
        fn([[[[0.0]]]], "TCHW")


def test_to_tchw_accepts_a_numpy_view_with_negative_strides() -> None:
    bgr = (np.arange(2 * 3 * 4 * 3) % 251).astype(np.uint8).reshape(2, 3, 4, 3)
    rgb = bgr[..., ::-1]
    out = to_tchw(rgb, "THWC")
    np.testing.assert_array_equal(out.numpy(), np.ascontiguousarray(rgb).transpose(0, 3, 1, 2))


def test_from_tchw_to_numpy_refuses_bfloat16_with_a_named_dtype_error() -> None:
    with pytest.raises(DTypeError, match=r"from_tchw: .*bfloat16"):
        from_tchw(torch.zeros(2, 3, 4, 5, dtype=torch.bfloat16), "THWC", numpy=True)
