"""Hypothesis builders for the mixers: ``(draw, num_classes) -> Mixer``, every argument drawn.

Mixers run on a sample with a label, ``mixer(Sample(video=clips, label=labels))``, so they are listed in
``MIXERS`` (their laws live in tests/test_mix.py), not in ``STRATEGIES`` (the ``op(x)`` laws of
tests/test_properties.py).
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from strategies import Draw, probabilities

import tempaug

alphas = st.sampled_from([0.2, 0.4, 1.0, 2.0]) | st.floats(0.05, 5.0)
smoothings = st.sampled_from([0.0, 0.0, 0.1, 0.5])

#: ``(draw, num_classes, smoothing=None)``: a mixer for labels of ``num_classes`` classes; ``smoothing`` fixes
#: the label smoothing (drawn when None).
MixerBuilder = Callable[..., tempaug.Mixer]


def _leaf(cls: type[tempaug.Mixer]) -> MixerBuilder:
    def build(draw: Draw, num_classes: int, smoothing: float | None = None) -> tempaug.Mixer:
        return cls(
            draw(alphas),
            num_classes=num_classes,
            label_smoothing=draw(smoothings) if smoothing is None else smoothing,
            p=draw(probabilities),
        )

    return build


LEAVES: dict[str, MixerBuilder] = {
    "MixUp": _leaf(tempaug.MixUp),
    "CutMix": _leaf(tempaug.CutMix),
    "TemporalCutMix": _leaf(tempaug.TemporalCutMix),
    "TubeMix": _leaf(tempaug.TubeMix),
}


def _mix_choice(draw: Draw, num_classes: int, smoothing: float | None = None) -> tempaug.Mixer:
    smoothing = draw(smoothings) if smoothing is None else smoothing
    names = draw(st.lists(st.sampled_from(sorted(LEAVES)), min_size=1, max_size=3))
    mixers = [LEAVES[name](draw, num_classes, smoothing) for name in names]
    weights = draw(st.none() | st.lists(st.floats(0.1, 3.0), min_size=len(mixers), max_size=len(mixers)))
    return tempaug.MixChoice(mixers, weights=weights, per_sample=draw(st.booleans()), p=draw(probabilities))


MIXERS: dict[str, MixerBuilder] = {**LEAVES, "MixChoice": _mix_choice}
