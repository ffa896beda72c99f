"""Property-suite strategies for VideoRandAugment and VideoTrivialAugment (loaded by strategies.py)."""

from __future__ import annotations

from hypothesis import strategies as st
from strategies import Builder, Draw, Shape, probabilities

import tempaug

varies = st.sampled_from(["clip", "frame", "smooth"])
boundaries = st.sampled_from(["clamp", "reflect", "loop"])
fills = st.sampled_from([0.0, 0.5, 9.0])


def _pool(draw: Draw) -> list[str] | None:
    """All ops, or a random allow-list in a random order."""
    if draw(st.booleans()):
        return None
    return draw(st.lists(st.sampled_from(tempaug.AUGMENT_OPS), min_size=1, max_size=6, unique=True))


def _rand_augment(draw: Draw, shape: Shape) -> tempaug.Transform:
    bins = draw(st.sampled_from([2, 11, 31]))
    top = bins - 1
    if draw(st.booleans()):
        magnitude: object = draw(st.integers(0, top) | st.floats(0.0, float(top)))
        std = draw(st.sampled_from([0.0, 0.5, 3.0, float("inf")]))
    else:
        lo, hi = sorted(draw(st.tuples(st.floats(0.0, float(top)), st.floats(0.0, float(top)))))
        magnitude, std = (lo, hi), 0.0
    return tempaug.VideoRandAugment(
        num_ops=draw(st.integers(0, 3)),
        magnitude=magnitude,
        num_magnitude_bins=bins,
        magnitude_std=std,
        ops=_pool(draw),
        vary=draw(varies),
        boundary=draw(boundaries),
        fill=draw(fills),
        p=draw(probabilities),
    )


def _trivial_augment(draw: Draw, shape: Shape) -> tempaug.Transform:
    return tempaug.VideoTrivialAugment(
        num_magnitude_bins=draw(st.sampled_from([2, 11, 31])),
        ops=_pool(draw),
        vary=draw(varies),
        boundary=draw(boundaries),
        fill=draw(fills),
        p=draw(probabilities),
    )


STRATEGIES: dict[str, Builder] = {
    "VideoRandAugment": _rand_augment,
    "VideoTrivialAugment": _trivial_augment,
}
