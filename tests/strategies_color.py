"""Hypothesis builders for the photometric ops: each respects the clip's channel count and frame size."""

from __future__ import annotations

from hypothesis import strategies as st
from strategies import Builder, Draw, Shape, probabilities

import tempaug

varies = st.sampled_from(["clip", "frame", "smooth"])


def _spread(draw: Draw) -> object:
    """A factor spread: 0 (off), a number, or an explicit (lo, hi)."""
    return draw(
        st.sampled_from([0, 0.5])
        | st.floats(0.0, 1.5)
        | st.tuples(st.floats(0.0, 2.0), st.floats(0.0, 2.0)).map(lambda ab: (min(ab), max(ab)))
    )


def _color_jitter(draw: Draw, shape: Shape) -> tempaug.Transform:
    rgb = shape[1] == 3
    hue = draw(
        st.floats(0.0, 0.5) | st.tuples(st.floats(-0.5, 0.5), st.floats(-0.5, 0.5)).map(lambda ab: (min(ab), max(ab)))
    )
    return tempaug.ColorJitter(
        brightness=_spread(draw),
        contrast=_spread(draw),
        saturation=_spread(draw) if rgb else 0,
        hue=hue if rgb else 0,
        vary=draw(varies),
        p=draw(probabilities),
    )


def _grayscale(draw: Draw, shape: Shape) -> tempaug.Transform:
    if shape[1] != 3:  # Grayscale needs RGB; the builder must still give a valid op for this clip
        return tempaug.ColorJitter(brightness=draw(st.floats(0.0, 1.0)), p=draw(probabilities))
    channels = draw(st.sampled_from([None, 1, 3]))
    return tempaug.Grayscale(channels, p=draw(probabilities) if channels != 1 else 1.0)


def _odd_up_to(draw: Draw, side: int) -> int:
    """An odd kernel size whose half is smaller than ``side`` (what reflect padding allows)."""
    return 2 * draw(st.integers(0, min(side - 1, 3))) + 1


def _gaussian_blur(draw: Draw, shape: Shape) -> tempaug.Transform:
    h, w = shape[2], shape[3]
    kh, kw = _odd_up_to(draw, h), _odd_up_to(draw, w)
    size = kh if kh == kw and draw(st.booleans()) else (kh, kw)
    sigma = draw(st.tuples(st.floats(0.05, 3.0), st.floats(0.05, 3.0)).map(lambda ab: (min(ab), max(ab))))
    return tempaug.GaussianBlur(size, sigma=sigma, vary=draw(varies), p=draw(probabilities))


def _channel_stats(draw: Draw, shape: Shape) -> tuple[object, object]:
    c = shape[1]
    if draw(st.booleans()):
        return draw(st.floats(-1.0, 1.0)), draw(st.floats(0.1, 2.0))
    mean = draw(st.lists(st.floats(-1.0, 1.0), min_size=c, max_size=c))
    std = draw(st.lists(st.floats(0.1, 2.0) | st.floats(-2.0, -0.1), min_size=c, max_size=c))
    return mean, std


def _normalize(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.Normalize(*_channel_stats(draw, shape))


def _denormalize(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.Denormalize(*_channel_stats(draw, shape))


def _to_float(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.ToFloat(scale=draw(st.booleans()))


def _to_uint8(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.ToUint8()


def _tube_erase(draw: Draw, shape: Shape) -> tempaug.Transform:
    def share(lo: float) -> object:
        return draw(st.tuples(st.floats(lo, 1.0), st.floats(lo, 1.0)).map(lambda ab: (min(ab), max(ab))))

    ratio = draw(st.tuples(st.floats(0.2, 5.0), st.floats(0.2, 5.0)).map(lambda ab: (min(ab), max(ab))))
    value = draw(st.sampled_from(["random", "mean", 0, 0.5, 1.0]))
    return tempaug.TubeErase(scale=share(0.01), ratio=ratio, duration=share(0.05), value=value, p=draw(probabilities))


STRATEGIES: dict[str, Builder] = {
    "ColorJitter": _color_jitter,
    "Grayscale": _grayscale,
    "GaussianBlur": _gaussian_blur,
    "Normalize": _normalize,
    "Denormalize": _denormalize,
    "ToFloat": _to_float,
    "ToUint8": _to_uint8,
    "TubeErase": _tube_erase,
}
