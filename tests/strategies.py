"""Hypothesis strategies: for every registered transform, random valid instances for a clip length.

``TRANSFORMS`` maps each registered name to a function ``(draw, shape) -> Transform``
that builds an instance valid for clips of ``shape`` (T, C, H, W). The property suite
runs every law over every entry, and fails when a registered transform has no
entry here.
"""

from __future__ import annotations

import os
from typing import Callable

import torch
from hypothesis import strategies as st

import tempaug
from tempaug import Transform

Draw = Callable[[st.SearchStrategy], object]
Shape = tuple[int, int, int, int]
Builder = Callable[[Draw, Shape], Transform]

probabilities = st.sampled_from([0.0, 0.3, 0.5, 1.0])
speeds = st.tuples(st.floats(0.25, 3.0), st.floats(0.25, 3.0)).map(lambda ab: (min(ab), max(ab)))


def _reverse(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    return tempaug.TemporalReverse(p=draw(probabilities))


def _crop(draw: Draw, shape: Shape) -> Transform:
    t = shape[0]
    length = draw(st.integers(1, t))
    p = draw(probabilities) if length == t else 1.0
    return tempaug.TemporalCrop(length, mode=draw(st.sampled_from(tempaug.TemporalCrop.MODES)), p=p)


def _subsample(draw: Draw, shape: Shape) -> Transform:
    t = shape[0]
    stride = draw(st.none() | st.integers(1, 4))
    if stride is None:
        n: int | None = draw(st.integers(1, t))
    else:
        n = draw(st.none() | st.integers(1, (t - 1) // stride + 1))
    op = tempaug.TemporalSubsample(
        num_frames=n, stride=stride, offset=draw(st.sampled_from(tempaug.TemporalSubsample.OFFSETS))
    )
    return op


def _speed(draw: Draw, shape: Shape) -> Transform:
    t = shape[0]
    length = draw(st.none() | st.integers(1, 2 * t))
    return tempaug.SpeedJitter(
        speed=draw(speeds),
        length=length,
        boundary=draw(st.sampled_from(tempaug.SpeedJitter.BOUNDARIES)),
        vary=draw(st.sampled_from(["clip", "frame", "smooth"])),
        p=draw(probabilities) if length in (None, t) else 1.0,
    )


def _interpolate(draw: Draw, shape: Shape) -> Transform:
    t = shape[0]
    if draw(st.booleans()):
        factor = draw(st.integers(1, 3))
        return tempaug.FrameInterpolate(factor=factor, p=draw(probabilities) if factor == 1 or t == 1 else 1.0)
    length = draw(st.integers(1, 2 * t))
    return tempaug.FrameInterpolate(length=length, p=draw(probabilities) if length == t else 1.0)


def _drop(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    return tempaug.FrameDrop(max_frames=draw(st.integers(1, 5)), p=draw(probabilities))


def _duplicate(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    return tempaug.FrameDuplicate(max_frames=draw(st.integers(1, 5)), p=draw(probabilities))


def _warp(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    return tempaug.TimeWarp(strength=draw(st.floats(0.0, 1.5)), knots=draw(st.integers(1, 6)), p=draw(probabilities))


LEAVES: dict[str, Builder] = {
    "TemporalReverse": _reverse,
    "TemporalCrop": _crop,
    "TemporalSubsample": _subsample,
    "SpeedJitter": _speed,
    "FrameInterpolate": _interpolate,
    "FrameDrop": _drop,
    "FrameDuplicate": _duplicate,
    "TimeWarp": _warp,
}

#: Leaves that always keep the clip's length (usable under any gate).
SAME_LENGTH: dict[str, Builder] = {
    "TemporalReverse": _reverse,
    "SpeedJitter": lambda draw, shape: tempaug.SpeedJitter(
        speed=draw(speeds), boundary=draw(st.sampled_from(tempaug.SpeedJitter.BOUNDARIES)), p=draw(probabilities)
    ),
    "FrameDrop": _drop,
    "FrameDuplicate": _duplicate,
    "TimeWarp": _warp,
    "TemporalCrop": lambda draw, shape: tempaug.TemporalCrop(shape[0], p=draw(probabilities)),
}


def _leaf(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    name = draw(st.sampled_from(sorted(LEAVES)))
    return LEAVES[name](draw, shape)


def _same_length_leaf(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    name = draw(st.sampled_from(sorted(SAME_LENGTH)))
    return SAME_LENGTH[name](draw, shape)


def chain(draw: Draw, shape: Shape, min_len: int = 0, max_len: int = 4) -> list[Transform]:
    """A list of leaves valid in sequence for a clip of ``shape``."""
    ops = []
    for _ in range(draw(st.integers(min_len, max_len))):
        op = _leaf(draw, shape)
        ops.append(op)
        shape = op.output_shape(shape)  # type: ignore[assignment]
        length = shape[0]
        if length > 24:  # keep examples small
            break
    return ops


def _compose(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    ops = chain(draw, shape)
    if draw(st.booleans()) and ops:  # nest one level
        ops[0] = tempaug.Compose([ops[0]], fuse=draw(st.booleans()))
    keeps = tempaug.Compose(ops).output_shape(shape) == tuple(shape)
    return tempaug.Compose(ops, p=draw(probabilities) if keeps else 1.0, fuse=draw(st.booleans()))


def _one_of(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    children = [_same_length_leaf(draw, shape) for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        children.append(
            tempaug.Compose([_same_length_leaf(draw, shape), _same_length_leaf(draw, shape)], fuse=draw(st.booleans()))
        )
    weights = draw(st.none() | st.lists(st.floats(0.1, 3.0), min_size=len(children), max_size=len(children)))
    return tempaug.OneOf(children, weights=weights, p=draw(probabilities))


def _some_of(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    children = [_same_length_leaf(draw, shape) for _ in range(draw(st.integers(1, 4)))]
    k = len(children)
    lo = draw(st.integers(0, k))
    n = lo if draw(st.booleans()) else (lo, draw(st.integers(lo, k)))
    return tempaug.SomeOf(children, n=n, p=draw(probabilities), fuse=draw(st.booleans()))


def _random_apply(draw: Draw, shape: Shape) -> Transform:
    shape[0]
    child = (
        _same_length_leaf(draw, shape)
        if draw(st.booleans())
        else tempaug.Compose([_same_length_leaf(draw, shape), _same_length_leaf(draw, shape)], fuse=draw(st.booleans()))
    )
    return tempaug.RandomApply(child, p=draw(probabilities))


TRANSFORMS: dict[str, Builder] = {
    **LEAVES,
    "Compose": _compose,
    "OneOf": _one_of,
    "SomeOf": _some_of,
    "RandomApply": _random_apply,
}


#: Builders of mixers, ``(draw, num_classes, smoothing=None) -> Mixer``: mixers take ``(clips, labels)`` and
#: mix samples of a batch, so they have their own law suite (tests/test_mix.py) instead of the ``op(x)`` laws.
MIXERS: dict[str, Callable[..., Transform]] = {}


def _load_family_strategies() -> None:
    """Each op family keeps its strategies in ``strategies_<family>.py`` with a ``STRATEGIES`` dict
    (and, for mixers, a ``MIXERS`` dict)."""
    import importlib
    import pkgutil

    here = os.path.dirname(__file__)
    for info in pkgutil.iter_modules([here]):
        if info.name.startswith("strategies_"):
            module = importlib.import_module(info.name)
            TRANSFORMS.update(getattr(module, "STRATEGIES", {}))
            MIXERS.update(getattr(module, "MIXERS", {}))


_load_family_strategies()

DTYPES = [torch.uint8, torch.float32, torch.float64, torch.float16, torch.bfloat16]


@st.composite
def clips(draw: Draw, min_frames: int = 1, max_frames: int = 10, batched: bool | None = None) -> torch.Tensor:
    """A random clip (T,C,H,W) or batch (B,T,C,H,W) of a random supported dtype."""
    t = draw(st.integers(min_frames, max_frames))
    c = draw(st.sampled_from([1, 3]))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    batched = draw(st.booleans()) if batched is None else batched
    shape: tuple[int, ...] = (t, c, h, w)
    if batched:
        shape = (draw(st.integers(0, 4)), *shape)
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**31 - 1))
    g = torch.Generator().manual_seed(seed)
    if dtype == torch.uint8:
        return torch.randint(0, 256, shape, generator=g, dtype=torch.uint8)
    return torch.rand(shape, generator=g, dtype=torch.float64).to(dtype)


@st.composite
def transform_and_clip(draw: Draw, name: str, batched: bool | None = None) -> tuple[Transform, torch.Tensor]:
    """A transform of the registered ``name`` and a clip it accepts."""
    x = draw(clips(batched=batched))
    return TRANSFORMS[name](draw, tuple(x.shape[-4:])), x
