"""Laws every transform obeys, checked by hypothesis over random shapes, dtypes, seeds and parameters.

The suite is driven by the registry: a registered transform without a strategy
in ``strategies.TRANSFORMS`` makes ``test_every_registered_transform_has_a_strategy`` fail.
"""

from __future__ import annotations

import json

import pytest
import torch
from helpers import gen
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import MIXERS, TRANSFORMS, chain, clips, transform_and_clip

import tempaug
from tempaug.core.params import params_from_dict
from tempaug.core.registry import REGISTRY

NAMES = sorted(TRANSFORMS)
seeds = st.integers(0, 2**31 - 1)


def _lift(x: torch.Tensor) -> torch.Tensor:
    return x if x.dim() == 5 else x.unsqueeze(0)


def test_every_registered_transform_has_a_strategy() -> None:
    # Mixers take (clips, labels) and mix the samples of a batch, so the op(x) laws below (and "batch call ==
    # per-clip calls") do not apply to them; tests/test_mix.py checks their equivalent laws over strategies.MIXERS.
    mixers = {name for name, cls in REGISTRY.items() if issubclass(cls, tempaug.Mixer)}
    # Synthesize takes (clips, labels) and a trained generator: tests/test_synthesize.py checks its laws
    # (replay, p=0 identity, labels and shapes kept) against a real checkpoint.
    missing = sorted(set(REGISTRY) - set(TRANSFORMS) - mixers - {"Synthesize"})
    assert not missing, f"registered transforms without a property-test strategy: {missing}"
    uncovered = sorted(mixers - set(MIXERS))
    assert not uncovered, f"registered mixers without a strategy in strategies.MIXERS (test_mix.py's laws): {uncovered}"
    assert not mixers & set(TRANSFORMS), "a mixer cannot run under the op(x) laws; list it in MIXERS only"


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_output_shape_dtype_and_device_match_the_declaration(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    out = op(x, generator=gen(seed))
    assert tuple(out.shape) == op.output_shape(x.shape)
    assert out.dtype == op.output_dtype(x.dtype)
    assert out.device == x.device


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_same_seed_gives_same_output(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    assert torch.equal(op(x, generator=gen(seed)), op(x, generator=gen(seed)))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_replay_with_returned_params_gives_same_output(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    before = x.clone()
    out, params = op(x, generator=gen(seed), return_params=True)
    assert torch.equal(op.apply(x, params), out)
    assert torch.equal(x, before), "the input was modified in place"


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_batch_call_equals_per_clip_calls_with_the_same_params(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name, batched=True))
    out, params = op(x, generator=gen(seed), return_params=True)
    for i in range(x.shape[0]):
        assert torch.equal(op.apply(x[i], params[i]), out[i])


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_to_dict_round_trip_gives_same_output_for_same_seed(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    again = tempaug.from_dict(json.loads(json.dumps(op.to_dict())))
    assert again.to_dict() == op.to_dict()
    assert torch.equal(again(x, generator=gen(seed)), op(x, generator=gen(seed)))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_params_survive_a_json_round_trip(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    out, params = op(x, generator=gen(seed), return_params=True)
    back = params_from_dict(json.loads(json.dumps(params.to_dict())))
    assert back.equal(params)
    assert torch.equal(op.apply(x, back), out)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_default_generator_follows_torch_manual_seed(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    torch.manual_seed(seed)
    first = op(x)
    torch.manual_seed(seed)
    assert torch.equal(op(x), first)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_an_explicit_generator_leaves_the_global_rng_alone(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    state = torch.get_rng_state()
    op(x, generator=gen(seed))
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=seeds)
def test_params_have_one_leading_batch_dimension(name: str, data: st.DataObject, seed: int) -> None:
    op, x = data.draw(transform_and_clip(name))
    params = op.sample(x.shape, generator=gen(seed))
    b = _lift(x).shape[0]

    def check(p: tempaug.Params) -> None:
        for value in vars(p).values():
            if isinstance(value, torch.Tensor):
                assert value.shape[0] == b
            elif isinstance(value, tuple):
                for child in value:
                    check(child)

    check(params)
    with pytest.raises(Exception):
        params.applied = params.applied  # frozen


@pytest.mark.parametrize("name", sorted(n for n, cls in REGISTRY.items() if getattr(cls, "temporal", False) is True))
@given(data=st.data(), seed=seeds)
def test_each_output_frame_is_a_convex_blend_of_two_neighbouring_source_frames(
    name: str, data: st.DataObject, seed: int
) -> None:
    x = data.draw(clips(batched=True)).to(torch.float64)
    op = TRANSFORMS[name](data.draw, tuple(x.shape[1:]))
    out, params = op(x, generator=gen(seed), return_params=True)
    t = x.shape[1]
    pos = params.positions.to(torch.float64)
    assert pos.shape == out.shape[:2]
    assert bool(((pos >= 0) & (pos < t)).all())
    lo = pos.floor().long()
    w = (pos - lo).view(*pos.shape, 1, 1, 1)
    hi = (lo + 1) % t
    b = torch.arange(x.shape[0]).view(-1, 1)
    expected = torch.where(w == 0, x[b, lo], (1 - w) * x[b, lo] + w * x[b, hi])
    assert torch.allclose(out, expected, atol=1e-6)
    between = (out >= torch.minimum(x[b, lo], x[b, hi]) - 1e-9) & (out <= torch.maximum(x[b, lo], x[b, hi]) + 1e-9)
    assert bool(between.all())


@given(x=clips(), seed=seeds)
def test_reverse_twice_is_the_identity(x: torch.Tensor, seed: int) -> None:
    once = tempaug.TemporalReverse()(x, generator=gen(seed))
    assert torch.equal(tempaug.TemporalReverse()(once), x)
    assert torch.equal(tempaug.Compose([tempaug.TemporalReverse(), tempaug.TemporalReverse()])(x), x)


@given(
    x=clips(),
    seed=seeds,
    boundary=st.sampled_from(["clamp", "reflect", "loop"]),
    vary=st.sampled_from(["clip", "frame", "smooth"]),
)
def test_speed_one_is_the_identity(x: torch.Tensor, seed: int, boundary: str, vary: str) -> None:
    op = tempaug.SpeedJitter(speed=(1.0, 1.0), boundary=boundary, vary=vary)
    assert torch.equal(op(x, generator=gen(seed)), x)


@given(x=clips(), k=st.integers(1, 4), fuse=st.booleans())
def test_interpolate_then_subsample_gives_back_the_input(x: torch.Tensor, k: int, fuse: bool) -> None:
    up = tempaug.FrameInterpolate(factor=k)
    down = tempaug.TemporalSubsample(stride=k, offset="start")
    assert torch.equal(down(up(x)), x)
    assert torch.equal(tempaug.Compose([up, down], fuse=fuse)(x), x)


@settings(max_examples=max(200, settings.default.max_examples))
@given(data=st.data(), seed=seeds)
def test_folded_temporal_chain_equals_the_step_by_step_chain_exactly(data: st.DataObject, seed: int) -> None:
    x = data.draw(clips(min_frames=2))
    ops = chain(data.draw, tuple(x.shape[-4:]), min_len=2)
    fused, steps = tempaug.Compose(ops, fuse=True), tempaug.Compose(ops, fuse=False)
    params = fused.sample(x.shape, generator=gen(seed))
    assert torch.equal(fused.apply(x, params), steps.apply(x, params))
    if len(ops) < 2:
        return
    nested = tempaug.Compose([tempaug.Compose(ops[:1]), tempaug.SomeOf(ops[1:], n=len(ops) - 1)])
    if nested.temporal:
        params = nested.sample(x.shape, generator=gen(seed))
        unfused = tempaug.Compose(
            [tempaug.Compose(ops[:1]), tempaug.SomeOf(ops[1:], n=len(ops) - 1, fuse=False)], fuse=False
        )
        assert torch.equal(nested.apply(x, params), unfused.apply(x, params))


@given(x=clips(), seed=seeds)
def test_p_zero_is_the_identity(x: torch.Tensor, seed: int) -> None:
    for op in (
        tempaug.TemporalReverse(p=0.0),
        tempaug.SpeedJitter(p=0.0),
        tempaug.FrameDrop(3, p=0.0),
        tempaug.FrameDuplicate(3, p=0.0),
        tempaug.TimeWarp(1.0, p=0.0),
        tempaug.RandomApply(tempaug.TemporalReverse(), p=0.0),
        tempaug.Compose([tempaug.TemporalReverse(), tempaug.FrameDrop(2)], p=0.0),
        tempaug.OneOf([tempaug.TemporalReverse(), tempaug.TimeWarp()], p=0.0),
        tempaug.SomeOf([tempaug.TemporalReverse(), tempaug.TimeWarp()], n=2, p=0.0),
    ):
        assert torch.equal(op(x, generator=gen(seed)), x), op


@pytest.mark.parametrize(
    "name", ["TemporalCrop", "TemporalSubsample", "SpeedJitter", "FrameDrop", "FrameDuplicate", "TimeWarp"]
)
def test_each_sample_of_a_batch_draws_its_own_parameters(name: str) -> None:
    ops = {
        "TemporalCrop": tempaug.TemporalCrop(4),
        "TemporalSubsample": tempaug.TemporalSubsample(num_frames=4, stride=2),
        "SpeedJitter": tempaug.SpeedJitter(length=8),
        "FrameDrop": tempaug.FrameDrop(3),
        "FrameDuplicate": tempaug.FrameDuplicate(3),
        "TimeWarp": tempaug.TimeWarp(),
    }
    params = ops[name].sample((32, 16, 1, 1, 1), generator=gen(0))
    assert len({tuple(row.tolist()) for row in params.positions}) > 1


@pytest.mark.parametrize("p", [0.3, 0.5, 0.8])
def test_the_p_gate_is_drawn_per_sample(p: float) -> None:
    params = tempaug.TemporalReverse(p=p).sample((4000, 2, 1, 1, 1), generator=gen(1))
    assert abs(params.applied.float().mean().item() - p) < 0.04
