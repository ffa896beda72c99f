"""Property-suite strategies for the geometric ops (loaded by strategies.py)."""

from __future__ import annotations

from hypothesis import strategies as st

import tempaug
from strategies import Builder, Draw, Shape, probabilities

varies = st.sampled_from(["clip", "frame", "smooth"])
sizes = st.integers(1, 8)


def _size(draw: Draw) -> int | tuple[int, int]:
    return draw(sizes | st.tuples(sizes, sizes))


def _pair(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else size


def _gate(draw: Draw, shape: Shape, out: tuple[int, int]) -> float:
    return draw(probabilities) if out == (shape[2], shape[3]) else 1.0


def _rrc(draw: Draw, shape: Shape) -> tempaug.Transform:
    size = _size(draw)
    lo = draw(st.floats(0.05, 1.0))
    scale = (lo, draw(st.floats(lo, 1.0)))
    r = draw(st.floats(0.3, 3.0))
    ratio = (r, draw(st.floats(r, 3.5)))
    return tempaug.RandomResizedCrop(
        size, scale=scale, ratio=ratio, antialias=draw(st.booleans()), vary=draw(varies), p=_gate(draw, shape, _pair(size))
    )


def _random_crop(draw: Draw, shape: Shape) -> tempaug.Transform:
    padding = draw(st.integers(0, 2))
    pad_if_needed = draw(st.booleans())
    h, w = shape[2] + 2 * padding, shape[3] + 2 * padding
    size = (draw(st.integers(1, h + 3 if pad_if_needed else h)), draw(st.integers(1, w + 3 if pad_if_needed else w)))
    fill = draw(st.sampled_from([0.0, 0.5, 7.0]))
    return tempaug.RandomCrop(
        size, padding=padding, pad_if_needed=pad_if_needed, fill=fill, vary=draw(varies), p=_gate(draw, shape, size)
    )


def _center_crop(draw: Draw, shape: Shape) -> tempaug.Transform:
    pad_if_needed = draw(st.booleans())
    size = (draw(st.integers(1, shape[2] + (2 if pad_if_needed else 0))), draw(st.integers(1, shape[3] + (2 if pad_if_needed else 0))))
    return tempaug.CenterCrop(size, pad_if_needed=pad_if_needed, p=_gate(draw, shape, size))


def _resize(draw: Draw, shape: Shape) -> tempaug.Transform:
    size = _size(draw)
    op = tempaug.Resize(size, antialias=draw(st.booleans()))
    out = op.output_shape(shape)[2:]
    return tempaug.Resize(size, antialias=op.antialias, p=_gate(draw, shape, tuple(out)))


def _hflip(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.HorizontalFlip(p=draw(probabilities))


def _vflip(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.VerticalFlip(p=draw(probabilities))


def _affine(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.RandomAffine(
        degrees=draw(st.sampled_from([0.0, 10.0, 45.0, (-90.0, 30.0)])),
        translate=draw(st.none() | st.tuples(st.floats(0.0, 0.5), st.floats(0.0, 0.5))),
        scale=draw(st.none() | st.sampled_from([(0.5, 1.5), (1.0, 1.0), (0.9, 1.1)])),
        shear=draw(st.none() | st.sampled_from([5.0, (-10.0, 20.0)])),
        fill=draw(st.sampled_from([0.0, 0.25, 9.0])),
        vary=draw(varies),
        p=draw(probabilities),
    )


STRATEGIES: dict[str, Builder] = {
    "RandomResizedCrop": _rrc,
    "RandomCrop": _random_crop,
    "CenterCrop": _center_crop,
    "Resize": _resize,
    "HorizontalFlip": _hflip,
    "VerticalFlip": _vflip,
    "RandomAffine": _affine,
}
