"""Mixers: laws over every registered mixer (hypothesis), then examples for edge cases, errors, collate, Compose
and the targets (boxes, keypoints, masks, segments) a mix moves.

The registry-driven suite in test_properties.py checks ``op(x)`` laws; mixers mix the samples of a batch together
with their labels, so they run on a sample with a label, ``mixer(Sample(video=clips, label=labels))``, and give
the soft labels back in ``.label``. Their laws are here, run over every builder in ``strategies.MIXERS``, and
``test_every_registered_mixer_is_covered_by_these_laws`` fails when a registered mixer has none.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from typing import Any

import pytest
import torch
from helpers import gen
from hypothesis import given
from hypothesis import strategies as st
from strategies import DTYPES, MIXERS

import tempaug
from tempaug import (
    Compose,
    CutMix,
    DTypeError,
    InvalidArgumentError,
    InvalidInputError,
    MixChoice,
    MixCollate,
    Mixer,
    MixUp,
    OneOf,
    RandomApply,
    Sample,
    SerializationError,
    ShapeError,
    SomeOf,
    TargetsError,
    TemporalCutMix,
    TubeMix,
)
from tempaug.core.params import Params, params_from_dict
from tempaug.core.registry import REGISTRY
from tempaug.core.sample import convert_boxes
from tempaug.functional import mix as F
from tempaug.ops.mix import CutMixParams, MixUpParams, TemporalCutMixParams, TubeMixParams

NAMES = sorted(MIXERS)
seeds = st.integers(0, 2**31 - 1)
MAX_B = 5


def test_every_registered_mixer_is_covered_by_these_laws() -> None:
    registered = {name for name, cls in REGISTRY.items() if issubclass(cls, Mixer)}
    assert registered == set(NAMES), f"mixers without a builder in strategies.MIXERS: {sorted(registered - set(NAMES))}"
    assert {"MixUp", "CutMix", "TemporalCutMix", "TubeMix", "MixChoice"} <= registered


# ------------------------------------------------------------------ strategies
def _distinct_batch(shape: tuple[int, ...], dtype: torch.dtype, seed: int) -> torch.Tensor:
    """A batch where sample b's values lie in a band of their own, so every pixel tells which sample it came from."""
    b = shape[0]
    u = 0.1 + 0.8 * torch.rand(shape, generator=gen(seed), dtype=torch.float64)
    band = torch.arange(b, dtype=torch.float64).view(-1, *([1] * (len(shape) - 1)))
    if dtype == torch.uint8:
        return torch.round((band + u) * 51).to(torch.uint8)  # bands of 51 levels: 0..254 for 5 samples
    return ((band + u) / MAX_B).to(dtype)


@st.composite
def batches(draw: Any, min_b: int = 0, distinct: bool = False, dtypes: list[torch.dtype] = DTYPES) -> torch.Tensor:
    """A (B,T,C,H,W) batch of a random supported dtype; ``distinct`` keeps each sample's values apart."""
    shape = (
        draw(st.integers(min_b, MAX_B)),
        draw(st.integers(1, 6)),
        draw(st.sampled_from([1, 3])),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 6)),
    )
    dtype, seed = draw(st.sampled_from(dtypes)), draw(seeds)
    if distinct:
        return _distinct_batch(shape, dtype, seed)
    if dtype == torch.uint8:
        return torch.randint(0, 256, shape, generator=gen(seed), dtype=torch.uint8)
    return torch.rand(shape, generator=gen(seed), dtype=torch.float64).to(dtype)


@st.composite
def labels_for(draw: Any, b: int, num_classes: int) -> torch.Tensor:
    """Labels of any accepted form: class indices, one-hot integer rows, or soft float rows."""
    form = draw(st.sampled_from(["index", "one_hot", "soft"]))
    idx = torch.tensor(draw(st.lists(st.integers(0, num_classes - 1), min_size=b, max_size=b)), dtype=torch.long)
    if form == "index":
        return idx
    if form == "one_hot":
        return torch.nn.functional.one_hot(idx, num_classes)
    rows = torch.rand(b, num_classes, generator=gen(draw(seeds)), dtype=torch.float64) + 1e-3
    return (rows / rows.sum(1, keepdim=True)).to(torch.float32)


@st.composite
def mixer_batch_labels(draw: Any, name: str, **batch_kw: Any) -> tuple[Mixer, torch.Tensor, torch.Tensor]:
    x = draw(batches(**batch_kw))
    k = draw(st.integers(1, 7))
    return MIXERS[name](draw, k), x, draw(labels_for(x.shape[0], k))


# ------------------------------------------------------------- the reference
def _rows(mixer: Mixer, labels: torch.Tensor) -> torch.Tensor:
    """Label rows in float64, one sample at a time."""
    k, s = mixer.num_classes, mixer.label_smoothing
    rows = torch.zeros(labels.shape[0], k, dtype=torch.float64)
    for i in range(labels.shape[0]):
        if labels.dim() == 1:
            rows[i, int(labels[i])] = 1.0
        else:
            rows[i] = labels[i].to(torch.float64)
    return rows * (1 - s) + s / k


def _leaf_of(mixer: Mixer, params: Params, i: int) -> tuple[Mixer, Params] | None:
    """The leaf mixer and its params that sample ``i`` ran, or None when the sample was not mixed."""
    if not bool(params.applied[i]):
        return None
    if isinstance(mixer, MixChoice):
        k = int(params.choice[i])  # type: ignore[attr-defined]
        return _leaf_of(mixer.mixers[k], params.children[k], i)  # type: ignore[attr-defined]
    return mixer, params


def _reference(
    mixer: Mixer, params: Params, x: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Expected clips and label rows (float64), computed with a Python loop over the samples."""
    _, t, _, h, w = x.shape
    volume = t * h * w
    rows = _rows(mixer, labels)
    src = x.to(torch.float64)
    out, soft = src.clone(), rows.clone()
    for i in range(x.shape[0]):
        leaf = _leaf_of(mixer, params, i)
        if leaf is None:
            continue
        op, lp = leaf
        j = int(lp.partner[i])  # type: ignore[attr-defined]
        if isinstance(op, MixUp):
            lam = float(lp.lam[i])  # type: ignore[attr-defined]
            out[i] = lam * src[i] + (1 - lam) * src[j]
            soft[i] = lam * rows[i] + (1 - lam) * rows[j]
            continue
        t0, t1, y0, y1, x0, x1 = lp.box[i].tolist()  # type: ignore[attr-defined]
        assert 0 <= t0 <= t1 <= t and 0 <= y0 <= y1 <= h and 0 <= x0 <= x1 <= w, "sampled boxes lie inside the clip"
        out[i, t0:t1, :, y0:y1, x0:x1] = src[j, t0:t1, :, y0:y1, x0:x1]
        n = (t1 - t0) * (y1 - y0) * (x1 - x0)
        soft[i] = (volume - n) / volume * rows[i] + n / volume * rows[j]
    return out, soft


def _blend_tolerance(dtype: torch.dtype) -> float:
    """How far a stored blend may lie from the exact one: half a level for uint8, rounding for floats in [0, 1]."""
    return {torch.uint8: 0.5 + 1e-3, torch.float16: 2e-3, torch.bfloat16: 1e-2}.get(dtype, 1e-6)


def _identity_params(params: Params) -> Params:
    """The same params with λ = 1 and empty boxes: nothing is taken from a partner."""
    changes: dict[str, Any] = {}
    if hasattr(params, "lam"):
        changes["lam"] = torch.ones_like(params.lam)
    if hasattr(params, "box"):
        changes["box"] = torch.zeros_like(params.box)
    if hasattr(params, "children"):
        changes["children"] = tuple(_identity_params(c) for c in params.children)
    return dataclasses.replace(params, **changes)


# ------------------------------------------------------------------------ laws
@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_output_equals_a_per_sample_reference(name: str, data: st.DataObject, seed: int) -> None:
    mixer, x, labels = data.draw(mixer_batch_labels(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a batch of one warns
        mixed, params = mixer(Sample(video=x, label=labels), generator=gen(seed), return_params=True)
    assert isinstance(mixed, Sample)
    out, soft = mixed.video, mixed.label
    clips, rows = _reference(mixer, params, x, labels)
    assert out.shape == x.shape and out.dtype == x.dtype and out.device == x.device
    assert soft.shape == (x.shape[0], mixer.num_classes) and soft.is_floating_point()
    blends = (out.to(torch.float64) - clips).abs()
    exact = torch.ones(x.shape[0], dtype=torch.bool)
    for i in range(x.shape[0]):
        leaf = _leaf_of(mixer, params, i)
        exact[i] = leaf is None or not isinstance(leaf[0], MixUp)
    # CutMix / TemporalCutMix / TubeMix: every output pixel is a pixel of the clip or of its partner, exactly.
    assert torch.equal(out[exact], clips[exact].to(x.dtype))
    # MixUp: the λ-blend of the two, rounded to the dtype (uint8 rounds to the nearest level).
    assert bool((blends[~exact] <= _blend_tolerance(x.dtype)).all())
    assert torch.allclose(soft.to(torch.float64), rows, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_soft_labels_are_non_negative_rows_that_sum_to_one(name: str, data: st.DataObject, seed: int) -> None:
    mixer, x, labels = data.draw(mixer_batch_labels(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soft = mixer(Sample(video=x, label=labels), generator=gen(seed)).label
    assert bool((soft >= 0).all())
    assert torch.allclose(soft.sum(1), torch.ones(x.shape[0], dtype=soft.dtype), atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_label_weight_equals_the_measured_share_from_each_clip(name: str, data: st.DataObject, seed: int) -> None:
    x = data.draw(batches(min_b=2, distinct=True))
    b, t, _, h, w = x.shape
    k = b + data.draw(st.integers(0, 3))
    mixer = MIXERS[name](data.draw, k, 0.0)
    labels = torch.arange(b)  # every sample its own class, so each label column measures one clip
    mixed, params = mixer(Sample(video=x, label=labels), generator=gen(seed), return_params=True)
    out, soft = mixed.video, mixed.label
    volume = t * h * w
    for i in range(b):
        others = [j for j in range(b) if j != i]
        assert float(soft[i, others].sum() + soft[i, i]) == pytest.approx(1.0, abs=1e-6)
        leaf = _leaf_of(mixer, params, i)
        if leaf is None:
            assert torch.equal(out[i], x[i]) and float(soft[i, i]) == 1.0
            continue
        op, lp = leaf
        j = int(lp.partner[i])
        assert j != i, "the pairing has no fixed points"
        if isinstance(op, MixUp):
            lam = float(lp.lam[i])
            assert float(soft[i, i]) == lam and float(soft[i, j]) == float(torch.tensor(1.0) - lp.lam[i])
            if x.dtype == torch.float64:
                measured = (out[i] - x[j]) / (x[i] - x[j])
                assert torch.allclose(measured, torch.full_like(measured, lam), atol=1e-9)
            continue
        from_partner = out[i] == x[j]
        from_self = out[i] == x[i]
        assert bool((from_partner ^ from_self).all()), "each element comes from exactly one of the two clips"
        pixels = from_partner.all(dim=1)  # (T, H, W): the same source for every channel
        assert torch.equal(pixels, from_partner.any(dim=1))
        n = int(pixels.sum())
        assert float(soft[i, j]) == float(torch.tensor(n / volume, dtype=torch.float32))
        assert float(soft[i, i]) == float(torch.tensor((volume - n) / volume, dtype=torch.float32))
        assert float(soft[i, others].sum()) == float(soft[i, j])


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_lambda_one_is_the_identity(name: str, data: st.DataObject, seed: int) -> None:
    mixer, x, labels = data.draw(mixer_batch_labels(name, min_b=2))
    params = _identity_params(mixer.sample(x.shape, generator=gen(seed)))
    out = mixer.apply(Sample(video=x, label=labels), params)
    assert torch.equal(out.video, x)
    assert torch.equal(out.label, mixer.soft_labels(labels))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_replay_reproduces_clips_and_labels_and_leaves_the_inputs_alone(
    name: str, data: st.DataObject, seed: int
) -> None:
    mixer, x, labels = data.draw(mixer_batch_labels(name, min_b=2))
    x_before, labels_before = x.clone(), labels.clone()
    sample = Sample(video=x, label=labels)
    out, params = mixer(sample, generator=gen(seed), return_params=True)
    again = mixer.apply(sample, params)
    assert torch.equal(again.video, out.video) and torch.equal(again.label, out.label)
    assert again == out
    assert torch.equal(x, x_before) and torch.equal(labels, labels_before), "an input was modified in place"
    assert sample.video is x and sample.label is labels, "the input sample was modified"


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_a_dict_gives_a_dict_with_what_a_sample_gives(name: str, data: st.DataObject, seed: int) -> None:
    mixer, x, labels = data.draw(mixer_batch_labels(name, min_b=2))
    from_sample = mixer(Sample(video=x, label=labels), generator=gen(seed))
    given_dict = {"video": x, "label": labels}
    from_dict = mixer(given_dict, generator=gen(seed))
    assert type(from_dict) is dict and sorted(from_dict) == ["label", "video"]
    assert torch.equal(from_dict["video"], from_sample.video) and torch.equal(from_dict["label"], from_sample.label)
    assert given_dict["video"] is x and given_dict["label"] is labels, "the input dict was modified"


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_same_seed_gives_the_same_batch_and_labels(name: str, data: st.DataObject, seed: int) -> None:
    mixer, x, labels = data.draw(mixer_batch_labels(name, min_b=2))
    sample = Sample(video=x, label=labels)
    first, second = mixer(sample, generator=gen(seed)), mixer(sample, generator=gen(seed))
    assert torch.equal(first.video, second.video) and torch.equal(first.label, second.label)
    torch.manual_seed(seed)
    third = mixer(sample)
    torch.manual_seed(seed)
    fourth = mixer(sample)
    assert torch.equal(third.video, fourth.video) and torch.equal(third.label, fourth.label)
    state = torch.get_rng_state()
    mixer(sample, generator=gen(seed))
    assert torch.equal(torch.get_rng_state(), state), "an explicit generator must leave the global RNG alone"


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_serialisation_round_trip_of_mixer_and_params(name: str, data: st.DataObject, seed: int) -> None:
    mixer, x, labels = data.draw(mixer_batch_labels(name, min_b=2))
    again = tempaug.from_dict(json.loads(json.dumps(mixer.to_dict())))
    assert type(again) is type(mixer) and again.to_dict() == mixer.to_dict()
    sample = Sample(video=x, label=labels)
    out, params = mixer(sample, generator=gen(seed), return_params=True)
    out2 = again(sample, generator=gen(seed))
    assert torch.equal(out2.video, out.video) and torch.equal(out2.label, out.label)
    back = params_from_dict(json.loads(json.dumps(params.to_dict())))
    assert back.equal(params)
    out3 = mixer.apply(sample, back)
    assert torch.equal(out3.video, out.video) and torch.equal(out3.label, out.label)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_params_are_frozen_with_one_leading_batch_dimension(name: str, data: st.DataObject, seed: int) -> None:
    mixer, x, _ = data.draw(mixer_batch_labels(name, min_b=2))
    params = mixer.sample(x.shape, generator=gen(seed))

    def check(p: Params) -> None:
        for value in vars(p).values():
            if isinstance(value, torch.Tensor):
                assert value.shape[0] == x.shape[0]
            elif isinstance(value, tuple):
                for child in value:
                    check(child)

    check(params)
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.applied = params.applied  # type: ignore[misc]


# ----------------------------------------------------- each sample its own mix
def test_mixup_draws_a_lambda_per_sample() -> None:
    params = MixUp(0.4, num_classes=2).sample((32, 2, 1, 2, 2), generator=gen(0))
    assert len(set(params.lam.tolist())) == 32


@pytest.mark.parametrize("cls", [CutMix, TemporalCutMix, TubeMix])
def test_box_mixers_draw_a_box_per_sample(cls: type[Mixer]) -> None:
    params = cls(1.0, num_classes=2).sample((32, 16, 1, 16, 16), generator=gen(0))
    assert len({tuple(row) for row in params.box.tolist()}) > 8


def test_partners_pair_every_clip_with_another_one_once() -> None:
    for seed in range(20):
        partner = MixUp(num_classes=2).sample((7, 1, 1, 1, 1), generator=gen(seed)).partner
        assert sorted(partner.tolist()) == list(range(7))
        assert bool((partner != torch.arange(7)).all())


def test_pairings_differ_between_draws() -> None:
    draws = {tuple(MixUp(num_classes=2).sample((6, 1, 1, 1, 1), generator=gen(s)).partner.tolist()) for s in range(20)}
    assert len(draws) > 5


def test_mixup_lambda_follows_the_beta_distribution() -> None:
    lam = MixUp(0.2, num_classes=2).sample((20000, 1, 1, 1, 1), generator=gen(3)).lam.double()
    # Beta(0.2, 0.2): mean 1/2, variance 1 / (4 (2 alpha + 1)) = 0.1786; most mass near 0 and 1
    assert abs(lam.mean().item() - 0.5) < 0.01
    assert abs(lam.var().item() - 1 / (4 * 1.4)) < 0.01
    assert 0.0 <= lam.min().item() and lam.max().item() <= 1.0
    wide = MixUp(1.0, num_classes=2).sample((20000, 1, 1, 1, 1), generator=gen(3)).lam.double()
    assert abs(wide.var().item() - 1 / 12) < 0.005  # Beta(1, 1) is uniform


def test_a_tiny_alpha_gives_lambdas_of_zero_or_one_and_no_nan() -> None:
    lam = MixUp(0.001, num_classes=2).sample((4000, 1, 1, 1, 1), generator=gen(0)).lam
    assert not bool(lam.isnan().any())
    assert float(((lam < 1e-3) | (lam > 1 - 1e-3)).float().mean()) > 0.95


# -------------------------------------------------------------- box mixers
def test_cutmix_takes_the_same_box_on_every_frame() -> None:
    x = _distinct_batch((4, 6, 3, 9, 7), torch.float64, 0)
    mixed, params = CutMix(num_classes=4)(Sample(video=x, label=torch.arange(4)), generator=gen(1), return_params=True)
    out = mixed.video
    assert bool((params.box[:, 0] == 0).all()) and bool((params.box[:, 1] == 6).all())
    taken = out != x
    assert bool((taken == taken[:, :1]).all())


def test_temporal_cutmix_splices_whole_frames_and_weighs_them_by_time() -> None:
    x = _distinct_batch((4, 10, 2, 3, 3), torch.float32, 1)
    mixed, params = TemporalCutMix(num_classes=4)(
        Sample(video=x, label=torch.arange(4)), generator=gen(2), return_params=True
    )
    out, soft = mixed.video, mixed.label
    for i in range(4):
        j = int(params.partner[i])
        frames = [(out[i, f] == x[j, f]).all().item() for f in range(10)]
        assert all(frames[f] or torch.equal(out[i, f], x[i, f]) for f in range(10))
        t0, t1 = params.box[i, :2].tolist()
        assert frames == [t0 <= f < t1 for f in range(10)]
        assert float(soft[i, j]) == float(torch.tensor((t1 - t0) / 10, dtype=torch.float32))


def test_tubemix_weight_is_the_share_of_volume() -> None:
    x = _distinct_batch((3, 8, 1, 8, 8), torch.float32, 2)
    mixed, params = TubeMix(num_classes=3)(Sample(video=x, label=torch.arange(3)), generator=gen(4), return_params=True)
    out, soft = mixed.video, mixed.label
    for i in range(3):
        j = int(params.partner[i])
        t0, t1, y0, y1, x0, x1 = params.box[i].tolist()
        assert int((out[i] == x[j]).sum()) == (t1 - t0) * (y1 - y0) * (x1 - x0)
        assert soft[i, j].item() == pytest.approx((t1 - t0) * (y1 - y0) * (x1 - x0) / 512, abs=1e-7)


def test_boxes_clipped_at_the_border_count_only_the_pixels_inside() -> None:
    box = torch.tensor([[0, 4, -3, 2, 2, 9], [0, 4, 0, 4, 0, 4], [2, 2, 0, 4, 0, 4], [5, 9, 0, 4, 0, 4]])
    own, taken = F.box_weights(box, (4, 4, 4))
    assert taken.tolist() == [2 * 2 * 4 / 64, 1.0, 0.0, 0.0]
    assert own.tolist() == [1 - 2 * 2 * 4 / 64, 0.0, 1.0, 1.0]
    assert int(F.box_mask(box, (4, 4, 4))[0].sum()) == 2 * 2 * 4


def test_sampled_boxes_that_hit_the_border_are_clipped_and_weighed_by_what_remains() -> None:
    x = _distinct_batch((5, 1, 1, 6, 6), torch.float64, 3)
    clipped = 0
    for seed in range(30):
        mixed, params = CutMix(0.3, num_classes=5)(
            Sample(video=x, label=torch.arange(5)), generator=gen(seed), return_params=True
        )
        out, soft = mixed.video, mixed.label
        y0, y1, x0, x1 = params.box[:, 2:].T
        clipped += int(((y0 == 0) | (x0 == 0) | (y1 == 6) | (x1 == 6)).sum())
        for i in range(5):
            j = int(params.partner[i])
            n = int((out[i] == x[j]).sum())
            assert n == int((y1[i] - y0[i]) * (x1[i] - x0[i]))
            assert float(soft[i, j]) == float(torch.tensor(n / 36, dtype=torch.float32))
    assert clipped > 20


# ------------------------------------------------------------------- MixUp
def test_uint8_mixup_rounds_to_the_nearest_level_and_never_wraps() -> None:
    x = torch.tensor([10, 13, 250, 255], dtype=torch.uint8).view(4, 1, 1, 1, 1)
    mixer = MixUp(num_classes=4)
    params = tempaug.ops.mix.MixUpParams(
        applied=torch.ones(4, dtype=torch.bool),
        partner=torch.tensor([1, 0, 3, 2]),
        lam=torch.tensor([0.5, 0.25, 0.01, 0.99]),
    )
    out = mixer.apply(Sample(video=x, label=torch.arange(4)), params).video
    # 0.5 * 10 + 0.5 * 13 = 11.5 -> 12 (half to even); 0.25 * 13 + 0.75 * 10 = 10.75 -> 11; 254.95 -> 255 twice
    assert out.flatten().tolist() == [12, 11, 255, 255]
    full = torch.full((64, 1, 1, 2, 2), 255, dtype=torch.uint8)
    zeros = torch.zeros(64, dtype=torch.long)
    assert torch.equal(mixer(Sample(video=full, label=zeros), generator=gen(0)).video, full)
    ends = torch.tensor([0, 255] * 32, dtype=torch.uint8).view(64, 1, 1, 1, 1)
    mixed, params = mixer(Sample(video=ends, label=zeros), generator=gen(1), return_params=True)
    out = mixed.video
    own, other = ends.flatten().double(), ends.flatten()[params.partner].double()
    expected = params.lam.double() * own + (1 - params.lam.double()) * other
    assert bool(((out.flatten().double() - expected).abs() <= 0.5 + 1e-4).all())


def test_mixup_of_float_clips_is_the_exact_lambda_blend() -> None:
    x = torch.rand(6, 3, 2, 4, 4, dtype=torch.float64, generator=gen(5))
    mixed, params = MixUp(num_classes=6)(Sample(video=x, label=torch.arange(6)), generator=gen(6), return_params=True)
    out, soft = mixed.video, mixed.label
    lam = params.lam.double().view(-1, 1, 1, 1, 1)
    assert torch.allclose(out, lam * x + (1 - lam) * x[params.partner], atol=1e-12)
    assert torch.equal(soft[torch.arange(6), torch.arange(6)], params.lam)


def test_mixup_refuses_nan_which_its_blend_would_spread() -> None:
    x = torch.rand(2, 2, 1, 2, 2)
    x[0, 0, 0, 0, 0] = float("nan")
    sample = Sample(video=x, label=torch.tensor([0, 1]))
    with pytest.raises(InvalidInputError, match=r"MixUp: .*NaN"):
        MixUp(num_classes=2)(sample)
    with pytest.raises(InvalidInputError, match=r"MixUp: .*NaN"):
        MixUp(num_classes=2)({"video": x, "label": torch.tensor([0, 1])})
    with tempaug.nan_check(False):
        MixUp(num_classes=2)(sample)
    CutMix(num_classes=2)(sample)  # pastes pixels, blends none: no check


# ------------------------------------------------------------------- labels
def test_label_smoothing_follows_timm() -> None:
    mixer = CutMix(num_classes=4, label_smoothing=0.2, enabled=False)
    soft = mixer(Sample(video=torch.rand(2, 1, 1, 2, 2), label=torch.tensor([3, 0]))).label
    assert torch.allclose(soft, torch.tensor([[0.05, 0.05, 0.05, 0.85], [0.85, 0.05, 0.05, 0.05]]))


def test_soft_and_one_hot_label_rows_are_mixed_like_class_indices() -> None:
    x, idx = torch.rand(4, 2, 1, 3, 3), torch.tensor([0, 1, 2, 1])
    for mixer in (MixUp(num_classes=3), TubeMix(num_classes=3, label_smoothing=0.1)):
        from_idx = mixer(Sample(video=x, label=idx), generator=gen(0)).label
        from_rows = mixer(Sample(video=x, label=torch.nn.functional.one_hot(idx, 3)), generator=gen(0)).label
        from_soft = mixer(Sample(video=x, label=torch.nn.functional.one_hot(idx, 3).double()), generator=gen(0)).label
        assert torch.equal(from_rows, from_idx)
        assert from_soft.dtype == torch.float64 and torch.allclose(from_soft, from_idx.double(), atol=1e-7)


def test_soft_labels_are_float32_for_class_indices_and_half_rows() -> None:
    mixer = MixUp(num_classes=2)
    assert mixer(Sample(video=torch.rand(2, 1, 1, 1, 1), label=torch.tensor([0, 1]))).label.dtype == torch.float32
    rows = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float16)
    assert mixer(Sample(video=torch.rand(2, 1, 1, 1, 1), label=rows)).label.dtype == torch.float32


def test_labels_may_live_on_another_device_than_params() -> None:
    x, labels = torch.rand(3, 2, 1, 2, 2), torch.tensor([0, 1, 2])
    out = TubeMix(num_classes=3)(Sample(video=x, label=labels), generator=gen(0))
    assert out.label.device == labels.device and out.video.device == x.device


# ---------------------------------------------------- enabled, p, tiny batches
@pytest.mark.parametrize("name", ["MixUp", "CutMix", "TemporalCutMix", "TubeMix"])
def test_disabled_mixers_leave_clips_alone_and_give_smoothed_one_hot_labels(name: str) -> None:
    mixer = REGISTRY[name](num_classes=3, label_smoothing=0.3)
    x, labels = torch.rand(4, 3, 1, 4, 4), torch.tensor([0, 1, 2, 0])
    mixer.enabled = False
    state = torch.get_rng_state()
    out, params = mixer(Sample(video=x, label=labels), return_params=True)
    assert torch.equal(torch.get_rng_state(), state), "a disabled mixer draws nothing"
    assert torch.equal(out.video, x) and torch.equal(out.label, mixer.soft_labels(labels))
    assert not bool(params.applied.any())
    assert mixer.to_dict()["enabled"] is False and tempaug.from_dict(mixer.to_dict()).enabled is False
    mixer.enabled = True
    assert not torch.equal(mixer(Sample(video=x, label=labels), generator=gen(0)).video, x)


def test_a_disabled_mix_choice_mixes_nothing() -> None:
    choice = MixChoice([MixUp(num_classes=2), CutMix(num_classes=2)], enabled=False)
    x = torch.rand(4, 2, 1, 4, 4)
    out = choice(Sample(video=x, label=torch.tensor([0, 1, 0, 1])))
    assert torch.equal(out.video, x) and torch.equal(out.label, torch.eye(2)[[0, 1, 0, 1]])


@pytest.mark.parametrize("name", NAMES)
def test_p_zero_is_the_identity(name: str) -> None:
    mixer = REGISTRY[name](num_classes=2, p=0.0) if name != "MixChoice" else MixChoice([MixUp(num_classes=2)], p=0.0)
    x = torch.rand(5, 2, 1, 4, 4)
    out = mixer(Sample(video=x, label=torch.tensor([0, 1, 1, 0, 1])), generator=gen(0))
    assert torch.equal(out.video, x) and torch.equal(out.label, torch.eye(2)[[0, 1, 1, 0, 1]])


def test_the_p_gate_is_drawn_per_sample() -> None:
    params = CutMix(num_classes=2, p=0.3).sample((4000, 1, 1, 4, 4), generator=gen(1))
    assert abs(params.applied.float().mean().item() - 0.3) < 0.04
    assert not bool(params.box[~params.applied].any()), "a sample left out takes an empty box"


@pytest.mark.parametrize("name", ["MixUp", "CutMix", "TemporalCutMix", "TubeMix"])
def test_a_sample_whose_gate_is_off_is_left_alone_whatever_its_mix_says(name: str) -> None:
    mixer, x, labels = REGISTRY[name](num_classes=4), torch.rand(4, 4, 1, 6, 6), torch.tensor([0, 1, 2, 3])
    params = mixer.sample(x.shape, generator=gen(0))
    full = {"lam": torch.full((4,), 0.5)} if name == "MixUp" else {"box": torch.tensor([[0, 4, 0, 6, 0, 6]] * 4)}
    gated = dataclasses.replace(params, applied=torch.tensor([True, False, True, False]), **full)
    mixed = mixer.apply(Sample(video=x, label=labels), gated)
    out, soft = mixed.video, mixed.label
    assert torch.equal(out[1], x[1]) and torch.equal(out[3], x[3])
    assert torch.equal(soft[[1, 3]], torch.eye(4)[[1, 3]])
    assert not torch.equal(out[0], x[0]) and float(soft[0, 0]) < 1


@pytest.mark.parametrize("name", NAMES)
def test_a_batch_of_one_clip_comes_back_unmixed_with_a_warning(name: str) -> None:
    mixer = _plain(name, 3)
    x, labels = torch.rand(1, 4, 3, 8, 8), torch.tensor([2])
    with pytest.warns(UserWarning, match=rf"{name}: a batch of one clip has no partner"):
        mixed, params = mixer(Sample(video=x, label=labels), generator=gen(0), return_params=True)
    out, soft = mixed.video, mixed.label
    assert torch.equal(out, x) and torch.equal(soft, torch.tensor([[0.0, 0.0, 1.0]]))
    assert not bool(params.applied.any())
    again = mixer.apply(Sample(video=x, label=labels), params)
    assert torch.equal(again.video, x) and torch.equal(again.label, soft)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("label", [2, torch.tensor(2), torch.tensor([0.0, 0.0, 1.0])], ids=["int", "index", "row"])
def test_a_single_clip_in_a_sample_is_a_batch_of_one(name: str, label: Any) -> None:
    mixer = _plain(name, 3)
    clip = torch.rand(4, 3, 8, 8)
    for given_sample, read in (
        (Sample(video=clip, label=label), lambda s: (s.video, s.label)),
        ({"video": clip, "label": label}, lambda d: (d["video"], d["label"])),
    ):
        with pytest.warns(UserWarning, match=rf"{name}: a batch of one clip has no partner"):
            out, params = mixer(given_sample, generator=gen(0), return_params=True)
        video, soft = read(out)
        assert torch.equal(video, clip), "the clip comes back unmixed, as a clip"
        assert soft.shape == (3,) and torch.equal(soft, torch.tensor([0.0, 0.0, 1.0])), "the label, as a (K,) row"
        assert params.batch_size == 1 and not bool(params.applied.any())


@pytest.mark.parametrize("name", NAMES)
def test_an_empty_batch_gives_empty_clips_and_labels_without_a_warning(name: str) -> None:
    mixer = _plain(name, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = mixer(Sample(video=torch.rand(0, 4, 3, 8, 8), label=torch.zeros(0, dtype=torch.long)))
    assert out.video.shape == (0, 4, 3, 8, 8) and out.label.shape == (0, 3)


def _plain(name: str, num_classes: int) -> Mixer:
    if name == "MixChoice":
        return MixChoice([MixUp(num_classes=num_classes), TubeMix(num_classes=num_classes)], per_sample=True)
    return REGISTRY[name](num_classes=num_classes)


# ---------------------------------------------------------------- MixChoice
def test_mix_choice_picks_one_mixer_for_the_whole_batch_by_default() -> None:
    choice = MixChoice([MixUp(num_classes=2), CutMix(num_classes=2), TubeMix(num_classes=2)])
    picks = set()
    for seed in range(30):
        params = choice.sample((8, 2, 1, 4, 4), generator=gen(seed))
        assert len(set(params.choice.tolist())) == 1
        picks.add(int(params.choice[0]))
    assert picks == {0, 1, 2}


def test_mix_choice_per_sample_picks_per_sample_and_runs_each_pick() -> None:
    choice = MixChoice([MixUp(num_classes=8), CutMix(num_classes=8)], per_sample=True)
    x = _distinct_batch((5, 2, 1, 4, 4), torch.float64, 0)
    for seed in range(10):
        mixed, params = choice(Sample(video=x, label=torch.arange(5)), generator=gen(seed), return_params=True)
        out, soft = mixed.video, mixed.label
        clips, rows = _reference(choice, params, x, torch.arange(5))
        assert torch.allclose(out, clips, atol=1e-12) and torch.allclose(soft.double(), rows, atol=1e-6)
    counts = choice.sample((2000, 1, 1, 1, 1), generator=gen(1)).choice.bincount()
    assert abs(counts[0].item() / 2000 - 0.5) < 0.05


def test_mix_choice_weights_pick_the_mixers() -> None:
    choice = MixChoice([MixUp(num_classes=2), CutMix(num_classes=2)], weights=[0, 1], per_sample=True)
    assert bool((choice.sample((100, 1, 1, 2, 2), generator=gen(0)).choice == 1).all())
    switch = MixChoice([MixUp(num_classes=2), CutMix(num_classes=2)], weights=[0.25, 0.75])
    picks = torch.stack([switch.sample((2, 1, 1, 2, 2), generator=gen(s)).choice[0] for s in range(2000)])
    assert abs(picks.float().mean().item() - 0.75) < 0.04


def test_mix_choice_nests_and_round_trips() -> None:
    inner = MixChoice([CutMix(num_classes=3), TemporalCutMix(num_classes=3)], per_sample=True)
    outer = MixChoice([MixUp(0.2, num_classes=3), inner], weights=[1, 2])
    again = tempaug.from_dict(json.loads(json.dumps(outer.to_dict())))
    sample = Sample(video=torch.rand(4, 3, 1, 4, 4), label=torch.tensor([0, 1, 2, 0]))
    a, b = outer(sample, generator=gen(3)), again(sample, generator=gen(3))
    assert torch.equal(a.video, b.video) and torch.equal(a.label, b.label)
    assert [t.name for t in outer.walk()] == ["MixChoice", "MixUp", "MixChoice", "CutMix", "TemporalCutMix"]


# ------------------------------------------------------------ other targets
# Each sample keeps its own boxes and keypoints and gains its partner's after them (N becomes 2N), seen where the
# partner's pixels are kept; masks are pasted like the pixels; frames taken whole carry the partner's timeline.
# The params are written by hand so that every expected value can be read off the test.
def _applied(n: int) -> torch.Tensor:
    return torch.ones(n, dtype=torch.bool)


def test_mixup_concatenates_own_and_partner_boxes_the_partners_seen_where_its_share_is_above_zero() -> None:
    # three clips of 2 frames, 8x8, one object each; clip 1's object is absent on frame 1
    own = torch.tensor([[1.0, 1, 3, 3], [4.0, 4, 7, 7], [0.0, 2, 8, 6]])
    boxes = own.view(3, 1, 1, 4).expand(3, 2, 1, 4)
    valid = torch.tensor([[True, True], [True, False], [True, True]]).view(3, 2, 1)
    points = own[:, :2].view(3, 1, 1, 1, 2).expand(3, 2, 1, 1, 2) + 0.5  # one keypoint per object
    sample = Sample(
        video=torch.rand(3, 2, 1, 8, 8),
        label=torch.arange(3),
        boxes=boxes,
        box_valid=valid,
        keypoints=points,
        keypoint_visible=valid.view(3, 2, 1, 1),
    )
    # clip 0 keeps 0.75 of itself, clip 1 all of itself (its partner's share is 0), clip 2 none of itself
    params = MixUpParams(applied=_applied(3), partner=torch.tensor([1, 2, 0]), lam=torch.tensor([0.75, 1.0, 0.0]))
    out = MixUp(num_classes=3).apply(sample, params)
    assert out.boxes.shape == (3, 2, 2, 4) and out.box_valid.shape == (3, 2, 2)
    pairs = torch.stack([own, own[[1, 2, 0]]], dim=1)  # (3, 2, 4): own box, then the partner's
    assert torch.equal(out.boxes, pairs.view(3, 1, 2, 4).expand(3, 2, 2, 4))
    expected_valid = [
        [[True, True], [True, False]],  # both seen; the partner's object is absent where it was absent
        [[True, False], [False, False]],  # own only: nothing of clip 2 is in it
        [[False, True], [False, True]],  # the partner's only: nothing of itself is left
    ]
    assert out.box_valid.tolist() == expected_valid
    assert out.keypoints.shape == (3, 2, 2, 1, 2)
    assert torch.equal(out.keypoints[:, :, :, 0], pairs[:, :, :2].view(3, 1, 2, 2).expand(3, 2, 2, 2) + 0.5)
    assert out.keypoint_visible[..., 0].tolist() == expected_valid
    assert out.label.tolist() == [[0.75, 0.25, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    assert out.box_format == "xyxy"


def test_mixup_blends_float_masks_and_gives_an_integer_mask_to_the_clip_with_the_larger_share() -> None:
    x = torch.rand(3, 1, 1, 2, 2)
    ints = torch.arange(1, 4).view(3, 1, 1, 1, 1).expand(3, 1, 1, 2, 2)  # clip i's mask holds i + 1
    params = MixUpParams(applied=_applied(3), partner=torch.tensor([1, 2, 0]), lam=torch.tensor([0.75, 0.25, 0.5]))
    mixer = MixUp(num_classes=3)
    out = mixer.apply(Sample(video=x, label=torch.arange(3), mask=ints), params)
    # clip 0 keeps 3/4 of itself: its mask; clip 1 keeps 1/4: clip 2's; clip 2 is an even split: its own
    assert out.mask.dtype == torch.int64 and out.mask[:, 0, 0].tolist() == [
        [[1, 1], [1, 1]],
        [[3, 3], [3, 3]],
        [[3, 3]] * 2,
    ]
    floats = mixer.apply(Sample(video=x, label=torch.arange(3), mask=ints.float()), params).mask
    expected = torch.tensor([0.75 * 1 + 0.25 * 2, 0.25 * 2 + 0.75 * 3, 0.5 * 3 + 0.5 * 1]).view(3, 1, 1, 1, 1)
    assert floats.dtype == torch.float32 and torch.allclose(floats, expected.expand(3, 1, 1, 2, 2))


@pytest.mark.parametrize("box_format", ["xyxy", "xywh", "cxcywh"])
def test_cutmix_keeps_own_boxes_unless_hidden_and_adds_the_partners_cut_to_the_pasted_box(box_format: str) -> None:
    # 2 clips of 2 frames, 8x8, two objects each; clip 0 takes rows 0..3 and columns 0..3 of clip 1 on every frame
    own = torch.tensor(
        [
            [[1.0, 1, 3, 3], [2.0, 2, 6, 6]],  # clip 0: A lies inside the pasted box, B half in it
            [[3.0, 3, 7, 7], [5.0, 5, 7, 7]],  # clip 1: C reaches into the pasted box, D lies outside it
        ]
    )
    boxes = own.view(2, 1, 2, 4).expand(2, 2, 2, 4)
    x = _distinct_batch((2, 2, 1, 8, 8), torch.float32, 0)
    params = CutMixParams(
        applied=torch.tensor([True, False]),
        partner=torch.tensor([1, 0]),
        box=torch.tensor([[0, 2, 0, 4, 0, 4], [0, 0, 0, 0, 0, 0]]),
    )
    sample = Sample(
        video=x, label=torch.tensor([0, 1]), boxes=convert_boxes(boxes, "xyxy", box_format), box_format=box_format
    )
    out = CutMix(num_classes=2).apply(sample, params)
    assert torch.equal(out.video[0, :, :, :4, :4], x[1, :, :, :4, :4]) and torch.equal(out.video[1], x[1])
    assert out.box_format == box_format
    got = convert_boxes(out.boxes, box_format, "xyxy")
    assert got.shape == (2, 2, 4, 4) and out.box_valid.shape == (2, 2, 4)
    assert torch.equal(got[:, :, :2], boxes), "own boxes keep their coordinates"
    assert torch.equal(got[0, :, 2], torch.tensor([[3.0, 3, 4, 4]] * 2)), "C cut to the pasted box"
    # clip 0: A hidden under the pasted box, B kept, C seen where it was pasted, D not pasted at all
    assert out.box_valid[0].tolist() == [[False, True, True, False]] * 2
    # clip 1 took nothing: its own boxes stay, none of clip 0's join it
    assert out.box_valid[1].tolist() == [[True, True, False, False]] * 2
    assert out.label.tolist() == [[0.75, 0.25], [0.0, 1.0]]


def test_a_tube_hides_and_adds_boxes_only_on_the_frames_it_was_pasted_on() -> None:
    own = torch.tensor([[[1.0, 1, 3, 3], [2.0, 2, 6, 6]], [[3.0, 3, 7, 7], [5.0, 5, 7, 7]]])
    boxes = own.view(2, 1, 2, 4).expand(2, 3, 2, 4)
    params = TubeMixParams(
        applied=torch.tensor([True, False]),
        partner=torch.tensor([1, 0]),
        box=torch.tensor([[1, 2, 0, 4, 0, 4], [0, 0, 0, 0, 0, 0]]),  # frame 1 only
    )
    out = TubeMix(num_classes=2).apply(
        Sample(video=torch.rand(2, 3, 1, 8, 8), label=torch.tensor([0, 1]), boxes=boxes), params
    )
    assert torch.equal(out.boxes[:, :, :2], boxes)
    assert torch.equal(out.boxes[0, 1, 2], torch.tensor([3.0, 3, 4, 4]))
    assert out.box_valid[0].tolist() == [
        [True, True, False, False],  # frame 0: nothing pasted
        [False, True, True, False],  # frame 1: A hidden, C (cut) seen
        [True, True, False, False],  # frame 2: nothing pasted
    ]
    assert out.box_valid[1].tolist() == [[True, True, False, False]] * 3


def test_temporal_cutmix_frames_spliced_whole_carry_the_partners_segments_and_boxes() -> None:
    # 2 clips of 6 frames; clip 0 takes frames 2, 3 and 4 of clip 1
    segments = [[(0, 6, "a")], [(0, 2, "b"), (2, 6, "c")]]
    boxes = torch.tensor([[1.0, 1, 2, 2], [0.0, 0, 1, 1]]).view(2, 1, 1, 4).expand(2, 6, 1, 4)
    params = TemporalCutMixParams(
        applied=torch.tensor([True, False]),
        partner=torch.tensor([1, 0]),
        box=torch.tensor([[2, 5, 0, 2, 0, 2], [0, 0, 0, 0, 0, 0]]),
    )
    sample = Sample(video=torch.rand(2, 6, 1, 2, 2), label=torch.tensor([0, 1]), boxes=boxes, segments=segments)
    out = TemporalCutMix(num_classes=2).apply(sample, params)
    # clip 0: its own frames 0, 1 and 5 are still in "a"; frames 2..4 are clip 1's frames 2..4, in its "c"
    assert out.segments == [
        [(0.0, 2.0, "a"), (2.0, 5.0, "c"), (5.0, 6.0, "a")],
        [(0.0, 2.0, "b"), (2.0, 6.0, "c")],
    ]
    # on the spliced frames the whole frame is clip 1's: its box replaces clip 0's
    spliced = [2 <= t < 5 for t in range(6)]
    assert out.box_valid[0, :, 0].tolist() == [not s for s in spliced]
    assert out.box_valid[0, :, 1].tolist() == spliced
    assert out.box_valid[1].tolist() == [[True, False]] * 6
    assert out.label[0].tolist() == [0.5, 0.5]
    in_seconds = TemporalCutMix(num_classes=2).apply(
        Sample(video=sample.video, label=sample.label, segments=[[(0, 3, "a")], [(0, 1, "b"), (1, 3, "c")]], fps=2.0),
        params,
    )
    assert in_seconds.fps == 2.0 and in_seconds.segments[0] == [(0.0, 1.0, "a"), (1.0, 2.5, "c"), (2.5, 3.0, "a")]


def test_a_cutmix_box_short_of_the_whole_frame_keeps_the_clips_own_timeline() -> None:
    params = CutMixParams(
        applied=_applied(2), partner=torch.tensor([1, 0]), box=torch.tensor([[0, 4, 0, 2, 0, 1], [0, 4, 0, 1, 0, 2]])
    )
    segments = [[(0, 4, "a")], [(1, 3, "b")]]
    out = CutMix(num_classes=2).apply(
        Sample(video=torch.rand(2, 4, 1, 2, 2), label=torch.tensor([0, 1]), segments=segments), params
    )
    assert out.segments == [[(0.0, 4.0, "a")], [(1.0, 3.0, "b")]]


@pytest.mark.parametrize("dtype", [torch.int64, torch.uint8, torch.bool])
def test_integer_masks_are_pasted_exactly_like_the_pixels(dtype: torch.dtype) -> None:
    b, t, h, w = 2, 3, 4, 5
    codes = torch.arange(b * t * h * w).view(b, t, 1, h, w)
    mask = (codes % 2 == 0) if dtype == torch.bool else (codes % 200).to(dtype)
    video = codes.to(torch.float32)  # each pixel names itself
    params = TubeMixParams(
        applied=torch.tensor([True, True]),
        partner=torch.tensor([1, 0]),
        box=torch.tensor([[1, 3, 1, 3, 0, 2], [0, 1, 0, 4, 2, 5]]),
    )
    out = TubeMix(num_classes=2).apply(Sample(video=video, label=torch.tensor([0, 1]), mask=mask), params)
    expected = mask.clone()
    expected[0, 1:3, :, 1:3, 0:2] = mask[1, 1:3, :, 1:3, 0:2]
    expected[1, 0:1, :, 0:4, 2:5] = mask[0, 0:1, :, 0:4, 2:5]
    assert out.mask.dtype == dtype and torch.equal(out.mask, expected)
    # the very same paste as the pixels: each output pixel's mask is the mask of the pixel it shows
    source = out.video.to(torch.long)
    assert torch.equal(out.mask, mask.flatten()[source.flatten()].view_as(mask))


def test_keypoints_inside_the_pasted_box_switch_from_own_to_the_partners() -> None:
    # one frame, 8x8, one object of three keypoints per clip; clip 0 takes rows 0..3, columns 0..3 of clip 1
    pts = torch.tensor(
        [
            [[1.5, 1.5], [5.5, 5.5], [4.0, 1.0]],  # clip 0: inside, outside, on the box's excluded right edge
            [[2.5, 0.5], [6.5, 6.5], [3.9, 3.9]],  # clip 1: inside, outside, inside but not visible
        ]
    ).view(2, 1, 1, 3, 2)
    visible = torch.tensor([[True, True, True], [True, True, False]]).view(2, 1, 1, 3)
    params = CutMixParams(
        applied=torch.tensor([True, False]),
        partner=torch.tensor([1, 0]),
        box=torch.tensor([[0, 1, 0, 4, 0, 4], [0, 0, 0, 0, 0, 0]]),
    )
    sample = Sample(
        video=torch.rand(2, 1, 1, 8, 8), label=torch.tensor([0, 1]), keypoints=pts, keypoint_visible=visible
    )
    out = CutMix(num_classes=2).apply(sample, params)
    assert out.keypoints.shape == (2, 1, 2, 3, 2)
    assert torch.equal(out.keypoints[0, 0, 0], pts[0, 0, 0]) and torch.equal(out.keypoints[0, 0, 1], pts[1, 0, 0])
    assert out.keypoint_visible[0, 0].tolist() == [[False, True, True], [True, False, False]]
    assert out.keypoint_visible[1, 0].tolist() == [[True, True, False], [False, False, False]]


@pytest.mark.parametrize("name", NAMES)
def test_drawn_mixes_keep_own_targets_first_and_replay_them(name: str) -> None:
    mixer = _plain(name, 3)
    b, t, h, w = 4, 5, 6, 7
    own = torch.tensor([[0.0, 0, 3, 3], [2.0, 1, 7, 6]]).expand(b, t, 2, 4)
    sample = Sample(
        video=torch.rand(b, t, 1, h, w, generator=gen(0)),
        label=torch.tensor([0, 1, 2, 0]),
        boxes=own,
        keypoints=own[..., :2].unsqueeze(3) + 0.5,
        mask=torch.randint(0, 3, (b, t, 1, h, w), generator=gen(1)),
        segments=[[(0, 2, "x")], [(1, 5, "y")], [], [(0, 5, "z")]],
    )
    for seed in range(5):
        out, params = mixer(sample, generator=gen(seed), return_params=True)
        assert out.boxes.shape == (b, t, 4, 4) and out.keypoints.shape == (b, t, 4, 1, 2)
        assert torch.equal(out.boxes[:, :, :2], own) and torch.equal(out.keypoints[:, :, :2], sample.keypoints)
        assert out.mask.shape == sample.mask.shape and out.mask.dtype == sample.mask.dtype
        assert len(out.segments) == b
        assert mixer.apply(sample, params) == out


def test_mix_choice_moves_each_samples_targets_as_the_mixer_it_ran() -> None:
    mixers = [MixUp(num_classes=3), CutMix(num_classes=3), TemporalCutMix(num_classes=3)]
    choice = MixChoice(mixers, per_sample=True)
    b = 6
    sample = Sample(
        video=torch.rand(b, 4, 1, 6, 6, generator=gen(0)),
        label=torch.arange(b) % 3,
        boxes=torch.tensor([[1.0, 1, 4, 4]]).expand(b, 4, 1, 4),
        mask=torch.randint(0, 4, (b, 4, 1, 6, 6), generator=gen(1)),
        segments=[[(0, 2, f"s{i}")] for i in range(b)],
    )
    picked = set()
    for seed in range(4):
        out, params = choice(sample, generator=gen(seed), return_params=True)
        for i in range(b):
            k = int(params.choice[i])
            picked.add(k)
            alone = mixers[k].apply(sample, params.children[k])
            assert torch.equal(out.video[i], alone.video[i]) and torch.equal(out.label[i], alone.label[i])
            assert torch.equal(out.box_valid[i], alone.box_valid[i]) and torch.equal(out.mask[i], alone.mask[i])
            assert torch.equal(out.boxes[i][out.box_valid[i]], alone.boxes[i][alone.box_valid[i]])
            assert out.segments[i] == alone.segments[i]
    assert picked == {0, 1, 2}


# ------------------------------------------------------------------- collate
def _pairs(n: int, num_classes: int = 3) -> list[tuple[torch.Tensor, int]]:
    return [
        (torch.randint(0, 256, (4, 3, 8, 8), dtype=torch.uint8, generator=gen(i)), i % num_classes) for i in range(n)
    ]


@pytest.mark.parametrize("workers", [0, 2])
def test_mix_collate_stacks_pairs_and_mixes_them_in_a_data_loader(workers: int) -> None:
    from torch.utils.data import DataLoader

    loader = DataLoader(
        _pairs(8),
        batch_size=4,
        num_workers=workers,
        collate_fn=MixCollate(MixChoice([MixUp(num_classes=3), CutMix(num_classes=3)])),
    )
    for clips, soft in loader:
        assert clips.shape == (4, 4, 3, 8, 8) and clips.dtype == torch.uint8
        assert soft.shape == (4, 3) and torch.allclose(soft.sum(1), torch.ones(4))


def test_mixer_collate_equals_stacking_then_mixing() -> None:
    pairs = _pairs(5)
    mixer = TubeMix(num_classes=3)
    torch.manual_seed(0)
    clips, soft = mixer.collate(pairs)
    torch.manual_seed(0)
    expected = mixer(Sample(video=torch.stack([c for c, _ in pairs]), label=torch.tensor([y for _, y in pairs])))
    assert torch.equal(clips, expected.video) and torch.equal(soft, expected.label)
    rows = [(c, torch.nn.functional.one_hot(torch.tensor(y), 3).float()) for c, y in pairs]
    assert mixer.collate(rows)[1].shape == (5, 3)


def test_mix_collate_runs_a_compose_holding_a_mixer() -> None:
    aug = Compose([tempaug.ToFloat(), MixUp(num_classes=3)])
    clips, soft = MixCollate(aug)(_pairs(4))
    assert clips.dtype == torch.float32 and soft.shape == (4, 3)


@pytest.mark.parametrize(
    "batch, error, match",
    [
        ([], InvalidArgumentError, r"non-empty list of \(clip, label\) pairs"),
        ([(torch.rand(2, 1, 4, 4), 0, {})], InvalidArgumentError, r"batch\[0\] must be a \(clip, label\) pair"),
        ([(torch.rand(2, 1, 4, 4), 0), (torch.rand(3, 1, 4, 4), 1)], ShapeError, r"clips of one batch differ"),
        ([(torch.rand(1, 2, 1, 4, 4), 0)], ShapeError, r"must be a \(T,C,H,W\) clip"),
        ([(torch.rand(2, 1, 4, 4), 0), (torch.rand(2, 1, 4, 4), "cat")], DTypeError, r"labels must all be ints"),
        ([(torch.rand(2, 1, 4, 4), 0), (torch.rand(2, 1, 4, 4), 5)], InvalidArgumentError, r"outside \[0, 3\)"),
    ],
)
def test_mix_collate_refuses_bad_batches(batch: list, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        MixCollate(MixUp(num_classes=3))(batch)


def test_mix_collate_needs_a_mixer() -> None:
    with pytest.raises(InvalidArgumentError, match=r"MixCollate: transform must be a mixer"):
        MixCollate(Compose([tempaug.TemporalReverse()]))


# ------------------------------------------------------------------- Compose
def test_compose_runs_per_clip_ops_then_mixes_clips_and_labels() -> None:
    per_clip = [tempaug.TemporalCrop(4), tempaug.HorizontalFlip(p=0.5), tempaug.TemporalReverse(p=0.5)]
    aug = Compose([*per_clip, CutMix(num_classes=3)])
    x, labels = torch.randint(0, 256, (4, 8, 3, 8, 8), dtype=torch.uint8, generator=gen(0)), torch.tensor([0, 1, 2, 0])
    result, params = aug(Sample(video=x, label=labels), generator=gen(1), return_params=True)
    out, soft = result.video, result.label
    steps = Compose(per_clip)
    step_params = dataclasses.replace(params, children=params.children[:-1])
    mixed = aug.transforms[-1].apply(Sample(video=steps.apply(x, step_params), label=labels), params.children[-1])
    assert torch.equal(out, mixed.video) and torch.equal(soft, mixed.label)
    again = aug.apply(Sample(video=x, label=labels), params)
    assert torch.equal(again.video, out) and torch.equal(again.label, soft)
    assert aug.output_shape(x.shape) == out.shape


def test_compose_with_a_mixer_round_trips_through_a_file(tmp_path: Any) -> None:
    aug = Compose([tempaug.TemporalCrop(4), MixChoice([MixUp(0.4, num_classes=2), TubeMix(num_classes=2)], p=0.8)])
    sample = Sample(video=torch.rand(4, 6, 1, 4, 4), label=torch.tensor([0, 1, 1, 0]))
    for path in (tmp_path / "aug.json", tmp_path / "aug.yaml"):
        tempaug.save(aug, path)
        again = tempaug.load(path)
        a, b = aug(sample, generator=gen(0)), again(sample, generator=gen(0))
        assert torch.equal(a.video, b.video) and torch.equal(a.label, b.label)
    _, params = aug(sample, generator=gen(0), return_params=True)
    assert params_from_dict(json.loads(json.dumps(params.to_dict()))).equal(params)


def test_nested_compose_mixers_get_the_labels() -> None:
    aug = Compose(
        [tempaug.TemporalReverse(), Compose([tempaug.VerticalFlip(), MixUp(num_classes=2)]), CutMix(num_classes=2)]
    )
    sample = Sample(video=torch.rand(4, 3, 1, 4, 4), label=torch.tensor([0, 1, 1, 0]))
    out, params = aug(sample, generator=gen(0), return_params=True)
    assert torch.allclose(out.label.sum(1), torch.ones(4))
    again = aug.apply(sample, params)
    assert torch.equal(again.video, out.video) and torch.equal(again.label, out.label)


NEEDS_A_LABEL = r"needs a sample with a label: op\(tempaug\.Sample\(video=clips, label=labels\)\)"
NEW_CALL = r"labels travel with the clip in a sample: call op\(tempaug\.Sample\(video=clips, label=labels\)\)"
NEW_APPLY = (
    r"labels travel with the clip in a sample: op\.apply\(tempaug\.Sample\(video=clips, label=labels\), params\)"
)


def test_compose_holding_a_mixer_needs_the_labels() -> None:
    aug = Compose([tempaug.TemporalReverse(), MixUp(num_classes=2)])
    x = torch.rand(2, 3, 1, 4, 4)
    params = aug.sample(x.shape, generator=gen(0))
    with pytest.raises(TargetsError, match=rf"^Compose: .*{NEEDS_A_LABEL}"):
        aug(x)
    with pytest.raises(TargetsError, match=rf"^Compose: .*{NEEDS_A_LABEL}"):
        aug.apply(x, params)
    for unlabelled in (Sample(video=x), {"video": x}):  # a sample without a label: the error names the mixer
        with pytest.raises(TargetsError, match=rf"\bMixUp\b.*{NEEDS_A_LABEL}"):
            aug(unlabelled)
        with pytest.raises(TargetsError, match=rf"\bMixUp\b.*{NEEDS_A_LABEL}"):
            aug.apply(unlabelled, params)
    # the 0.1 calls, labels as a second argument, say what the new call is
    with pytest.raises(DTypeError, match=rf"^Compose: the second argument is the torch\.Generator .*{NEW_CALL}"):
        aug(x, torch.tensor([0, 1]))
    with pytest.raises(DTypeError, match=rf"^Compose: .*{NEW_APPLY}"):
        aug.apply(x, torch.tensor([0, 1]))
    # a single clip is a batch of one: its label is one class index, or one row of K class weights
    with pytest.raises(ShapeError, match=r"^MixUp: label rows must have num_classes=2 columns, got labels of shape \(1, 1\)"):
        aug(Sample(video=x[0], label=torch.tensor([0])))
    with pytest.raises(TargetsError, match=r"^Compose: label must be class indices of shape \(\) or class weights"):
        aug(Sample(video=x[0], label=torch.tensor([[0]])))


def test_compose_holding_a_mixer_names_its_mixers_when_the_label_is_missing() -> None:
    # tempaug 0.1 said "Compose: its mixer(s) MixUp mix clips together with their labels"; the error of a pipeline
    # should still say which of its ops needs the label.
    aug = Compose([tempaug.TemporalReverse(), MixUp(num_classes=2)])
    x = torch.rand(2, 3, 1, 4, 4)
    with pytest.raises(TargetsError, match=r"^Compose: .*\bMixUp\b"):
        aug(x)
    with pytest.raises(TargetsError, match=r"^Compose: .*\bMixUp\b"):
        aug.apply(x, aug.sample(x.shape, generator=gen(0)))


def test_compose_without_a_mixer_keeps_its_old_calls_and_passes_labels_through() -> None:
    aug = Compose([tempaug.TemporalReverse(p=0.5), tempaug.SpeedJitter()])
    x = torch.rand(3, 6, 1, 4, 4)
    assert torch.equal(aug(x, gen(4)), aug(x, generator=gen(4)))  # a generator in the second place still works
    out, params = aug(x, gen(4), return_params=True)
    assert torch.equal(aug.apply(x, params), out) and torch.equal(aug.apply(x, params=params), out)
    labels = torch.tensor([2, 0, 1])
    result, params2 = aug(Sample(video=x, label=labels), generator=gen(4), return_params=True)
    assert result.label is labels and torch.equal(result.video, out)
    assert torch.equal(aug.apply(Sample(video=x, label=labels), params2).video, out)
    with pytest.raises(DTypeError, match=rf"^Compose: the second argument is the torch\.Generator .*{NEW_CALL}"):
        aug(x, labels)


def test_compose_holding_a_mixer_cannot_be_gated_or_chosen_per_sample() -> None:
    with pytest.raises(
        InvalidArgumentError, match=r"Compose: p=0.5 cannot gate a pipeline that holds a mixer \(MixUp\)"
    ):
        Compose([tempaug.TemporalReverse(), MixUp(num_classes=2)], p=0.5)
    holding = Compose([MixUp(num_classes=2)])
    for make in (
        lambda: OneOf([tempaug.TemporalReverse(), CutMix(num_classes=2)]),
        lambda: SomeOf([holding, tempaug.TemporalReverse()]),
        lambda: RandomApply(TubeMix(num_classes=2)),
    ):
        with pytest.raises(InvalidArgumentError, match=r"mixes samples of a batch with their labels"):
            make()


# -------------------------------------------------------------------- errors
def _mixers_for_errors() -> list[Mixer]:
    return [_plain(name, 3) for name in NAMES]


@pytest.mark.parametrize("mixer", _mixers_for_errors(), ids=lambda m: m.name)
@pytest.mark.parametrize(
    "labels, error, match",
    [
        # labels of the wrong length or shape for the batch are caught as the sample is unpacked (TargetsError,
        # naming the field and both shapes), the rest by the mixer's own check
        (
            torch.tensor([0, 1, 2]),
            TargetsError,
            r"label of shape \(3,\) holds 3 label\(s\), but the video of shape \(4, 2, 1, 4, 4\) has 4 samples",
        ),
        (
            torch.tensor([0, 1, 2, 3]),
            InvalidArgumentError,
            r"class indices in \[0, 3\], outside \[0, 3\) for num_classes=3",
        ),
        (torch.tensor([0, -1, 2, 1]), InvalidArgumentError, r"class indices in \[-1, 2\]"),
        (torch.rand(4, 4), ShapeError, r"label rows must have num_classes=3 columns, got labels of shape \(4, 4\)"),
        (
            torch.rand(3, 3),
            TargetsError,
            r"label of shape \(3, 3\) holds 3 label\(s\), but the video of shape \(4, 2, 1, 4, 4\) has 4 samples",
        ),
        (
            torch.tensor([0.0, 1.0, 2.0, 1.0]),
            DTypeError,
            r"a label of shape \(4,\) must hold integer class indices, got torch.float32; soft labels are rows of "
            r"shape \(B, K\)",
        ),
        (
            torch.zeros(4, 3, 1),
            TargetsError,
            r"label must be class indices of shape \(B,\) or class weights of shape \(B, K\), got \(4, 3, 1\) for a "
            r"video of shape \(4, 2, 1, 4, 4\)",
        ),
        (
            torch.zeros(4, 3, 1, dtype=torch.long),
            TargetsError,
            r"label must be class indices of shape \(B,\) or class weights of shape \(B, K\), got \(4, 3, 1\)",
        ),
        (2, TargetsError, r"label must be class indices of shape \(B,\) or class weights of shape \(B, K\), got \(\)"),
        ([0, 1, 2, 1], DTypeError, r"label must be an int or a tensor, got list"),
        (torch.tensor([True, False, True, True]), DTypeError, r"label must hold class indices or real class weights"),
    ],
)
def test_bad_labels_raise_naming_the_mixer(mixer: Mixer, labels: Any, error: type[Exception], match: str) -> None:
    x = torch.rand(4, 2, 1, 4, 4)
    with pytest.raises(error, match=rf"^{mixer.name}: .*{match}"):
        mixer(Sample(video=x, label=labels))
    with pytest.raises(error, match=rf"^{mixer.name}: .*{match}"):
        mixer({"video": x, "label": labels})
    with pytest.raises(error, match=rf"^{mixer.name}: .*{match}"):
        mixer.apply(Sample(video=x, label=labels), mixer.sample(x.shape, generator=gen(0)))
    with pytest.raises(error, match=match):
        Compose([tempaug.TemporalReverse(), mixer])(Sample(video=x, label=labels))


@pytest.mark.parametrize("cls", [MixUp, CutMix, TemporalCutMix, TubeMix])
@pytest.mark.parametrize("alpha", [0, -1.0, float("nan"), float("inf"), True, "1"])
def test_alpha_must_be_positive(cls: type[Mixer], alpha: Any) -> None:
    with pytest.raises(InvalidArgumentError, match=rf"{cls.__name__}: alpha must be a finite number > 0") as info:
        cls(alpha, num_classes=3)
    assert info.value.arg == "alpha"


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"num_classes": 0}, "num_classes"),
        ({"num_classes": 2.5}, "num_classes"),
        ({"num_classes": 3, "label_smoothing": 1.5}, "label_smoothing"),
        ({"num_classes": 3, "label_smoothing": -0.1}, "label_smoothing"),
        ({"num_classes": 3, "p": 2.0}, "p"),
        ({"num_classes": 3, "enabled": "yes"}, "enabled"),
    ],
)
def test_bad_mixer_arguments_name_the_argument(kwargs: dict, arg: str) -> None:
    with pytest.raises(InvalidArgumentError, match=rf"CutMix: {arg}") as info:
        CutMix(**kwargs)
    assert info.value.arg == arg
    with pytest.raises(SerializationError, match=rf"transform\.{arg}"):
        tempaug.from_dict({"name": "CutMix", **kwargs})


def test_num_classes_is_required() -> None:
    with pytest.raises(TypeError, match="num_classes"):
        MixUp(0.4)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MixChoice([]), r"MixChoice: mixers must be a non-empty list"),
        (lambda: MixChoice(MixUp(num_classes=2)), r"MixChoice: mixers must be a non-empty list"),
        (lambda: MixChoice([MixUp(num_classes=2), tempaug.TemporalReverse()]), r"mixers\[1\] is a TemporalReverse"),
        (lambda: MixChoice([MixUp(num_classes=2), CutMix(num_classes=3)]), r"must agree on num_classes"),
        (lambda: MixChoice([MixUp(num_classes=2, label_smoothing=0.1), CutMix(num_classes=2)]), r"label_smoothing"),
        (lambda: MixChoice([MixUp(num_classes=2)], weights=[1, 2]), r"weights must be 1 non-negative numbers"),
        (lambda: MixChoice([MixUp(num_classes=2)], weights=[0]), r"with a positive sum"),
        (lambda: MixChoice([MixUp(num_classes=2)], per_sample=1), r"per_sample must be True or False"),
    ],
)
def test_bad_mix_choice_arguments(make: Any, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        make()


def test_the_draws_of_a_single_clip_or_a_non_tensor_are_refused() -> None:
    # a single clip in a sample is a batch of one (test_a_single_clip_in_a_sample_is_a_batch_of_one); the draws
    # themselves are for a (B,T,C,H,W) batch
    mixer = MixUp(num_classes=2)
    with pytest.raises(ShapeError, match=r"MixUp: mixes the clips of a \(B,T,C,H,W\) batch, got shape \(4, 1, 8, 8\)"):
        mixer.sample((4, 1, 8, 8))
    with pytest.raises(DTypeError, match=r"^MixUp: expected a torch\.Tensor, got list"):
        mixer([[0]])  # type: ignore[arg-type]
    with pytest.raises(DTypeError, match=r"^MixUp: video: expected a torch\.Tensor, got list"):
        mixer(Sample(video=[[0]], label=torch.tensor([0])))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", NAMES)
def test_a_mixer_on_a_bare_tensor_or_with_labels_as_a_second_argument_says_what_the_call_is(name: str) -> None:
    mixer = _plain(name, 2)
    x, labels = torch.rand(2, 4, 1, 8, 8), torch.tensor([0, 1])
    for unlabelled in (x, x[0], Sample(video=x), {"video": x}):
        with pytest.raises(TargetsError, match=rf"^{name}: .*{NEEDS_A_LABEL}"):
            mixer(unlabelled)
    with pytest.raises(
        DTypeError, match=rf"^{name}: the second argument is the torch\.Generator .*got a Tensor.*{NEW_CALL}"
    ):
        mixer(x, labels)
    params = mixer.sample(x.shape, generator=gen(0))
    with pytest.raises(TargetsError, match=rf"^{name}: .*{NEEDS_A_LABEL}"):
        mixer.apply(x, params)
    # 0.1's apply(x, labels, params) now has one argument too many; labels in the place of params say the new call
    for given_sample in (x, Sample(video=x, label=labels)):
        with pytest.raises(DTypeError, match=rf"^{name}: .*{NEW_APPLY}"):
            mixer.apply(given_sample, labels)
    assert issubclass(TargetsError, ShapeError)


def test_params_that_do_not_fit_the_batch_are_refused() -> None:
    mixer, x, labels = CutMix(num_classes=3), torch.rand(4, 2, 1, 4, 4), torch.tensor([0, 1, 2, 0])
    params = mixer.sample(x.shape, generator=gen(0))
    sample = Sample(video=x, label=labels)
    with pytest.raises(ShapeError, match=r"CutMix: params describe 4 samples but the input batch has shape \(3,"):
        mixer.apply(Sample(video=x[:3], label=labels[:3]), params)
    with pytest.raises(ShapeError, match=r"params.partner names samples outside 0..3"):
        mixer.apply(sample, dataclasses.replace(params, partner=torch.tensor([0, 1, 2, 9])))
    with pytest.raises(DTypeError, match=r"CutMix: params must be CutMixParams, got MixUpParams"):
        mixer.apply(sample, MixUp(num_classes=3).sample(x.shape))
    with pytest.raises(ShapeError, match=r"params.box must be \(B, 6\) integers"):
        mixer.apply(sample, dataclasses.replace(params, box=params.box[:, :4]))
    choice = MixChoice([MixUp(num_classes=3), CutMix(num_classes=3)])
    cp = choice.sample(x.shape, generator=gen(0))
    with pytest.raises(ShapeError, match=r"params.choice names a mixer outside 0..1"):
        choice.apply(sample, dataclasses.replace(cp, choice=torch.full((4,), 2)))


def test_a_mixer_cannot_run_as_a_clip_op() -> None:
    # a mixer's frames and labels go together: without a label it refuses, alone or in a pipeline, drawn or replayed
    mixer, x = MixUp(num_classes=2), torch.rand(2, 1, 1, 1, 1)
    params = mixer.sample(x.shape)
    with pytest.raises(TargetsError, match=r"^MixUp: mixes or makes clips together with their labels"):
        mixer(x)
    with pytest.raises(TargetsError, match=r"^MixUp: mixes or makes clips together with their labels"):
        mixer.apply(x, params)
    aug = Compose([tempaug.TemporalReverse(), mixer])
    with pytest.raises(TargetsError, match=r"^Compose: its mixer\(s\) MixUp mix clips together with their labels"):
        aug(x)
    with pytest.raises(TargetsError, match=r"^Compose: its mixer\(s\) MixUp mix clips together with their labels"):
        aug.apply(x, aug.sample(x.shape))


# ---------------------------------------------------------------------- CUDA
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32, torch.float16])
def test_apply_on_cuda_matches_cpu_without_host_sync(name: str, dtype: torch.dtype) -> None:
    mixer = _plain(name, 4)
    x_cpu = (torch.rand(6, 4, 3, 8, 8, generator=gen(0)) * (255 if dtype == torch.uint8 else 1)).to(dtype)
    labels_cpu = torch.tensor([0, 1, 2, 3, 0, 1])
    params = mixer.sample(x_cpu.shape, generator=gen(1))
    expected_sample = mixer.apply(Sample(video=x_cpu, label=labels_cpu), params)
    expected, expected_soft = expected_sample.video, expected_sample.label
    x, labels, dev_params = x_cpu.cuda(), labels_cpu.cuda(), params.to("cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        result = mixer.apply(Sample(video=x, label=labels), dev_params)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    out, soft = result.video, result.label
    assert out.device == x.device and out.dtype == dtype and soft.device == x.device
    assert (out.cpu().double() - expected.double()).abs().max() <= (1 if dtype == torch.uint8 else 1e-3)
    assert torch.allclose(soft.cpu(), expected_soft, atol=1e-6)
