"""Containers record every choice they make and each sample gets exactly what its recorded choice says."""

from __future__ import annotations

import pytest
import torch
from helpers import gen, random_batch

import tempaug
from tempaug import (
    Compose,
    FrameDrop,
    FrameDuplicate,
    FrameInterpolate,
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


def _batch(b: int = 16, t: int = 8, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return random_batch(b, t, (2, 2, 2), dtype, seed=1234)


def _arange_batch(b: int, t: int) -> torch.Tensor:
    return torch.arange(float(b * t)).view(b, t, 1, 1, 1)


# --------------------------------------------------------------------------- OneOf
ONE_OF_CASES = {
    "temporal": lambda: OneOf([TemporalReverse(), SpeedJitter(speed=(0.5, 2.0)), FrameDrop(3), TimeWarp()]),
    "temporal-gated": lambda: OneOf([TemporalReverse(p=0.5), FrameDuplicate(2), TimeWarp(p=0.5)], p=0.6),
    "unfused-children": lambda: OneOf(
        [
            Compose([TemporalReverse(), SpeedJitter(speed=2.0, boundary="reflect")], fuse=False),
            Compose([FrameDrop(2), TimeWarp(), SpeedJitter(speed=0.5)], fuse=False),
            Compose([TimeWarp(), TimeWarp()]),  # two blends never fold: not temporal either
        ]
    ),
    "unfused-gated": lambda: OneOf(
        [Compose([TemporalReverse(), SpeedJitter()], fuse=False, p=0.5), FrameDrop(2)], weights=[2, 1], p=0.7
    ),
    "nested": lambda: OneOf([OneOf([TemporalReverse(), TimeWarp()]), SomeOf([FrameDrop(), SpeedJitter()], n=(0, 2))]),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8], ids=str)
@pytest.mark.parametrize("case", sorted(ONE_OF_CASES))
def test_oneof_each_sample_gets_exactly_its_chosen_childs_result(case: str, dtype: torch.dtype) -> None:
    aug = ONE_OF_CASES[case]()
    x = _batch(16, 8, dtype)
    out, params = aug(x, generator=gen(3), return_params=True)
    assert params.choice.shape == (16,) and params.choice.dtype == torch.long
    assert len(params.children) == len(aug.transforms)
    assert set(params.choice.tolist()) == set(range(len(aug.transforms)))  # every branch is exercised
    for b in range(16):
        k = int(params.choice[b])
        if bool(params.applied[b]):
            expected = aug.transforms[k].apply(x[b], params.children[k][b])
        else:
            expected = x[b]
        assert torch.equal(out[b], expected), (b, k)
    assert torch.equal(aug.apply(x, params), out)


@pytest.mark.parametrize("case", sorted(ONE_OF_CASES))
def test_oneof_replays_per_sample_slices_of_its_params(case: str) -> None:
    aug = ONE_OF_CASES[case]()
    x = _batch(6, 8)
    out, params = aug(x, generator=gen(8), return_params=True)
    for b in range(6):
        assert torch.equal(aug.apply(x[b : b + 1], params[b]), out[b : b + 1])


@pytest.mark.parametrize("weights, child", [([0, 1], 1), ([1, 0], 0), ([0, 0, 5], 2), ([0, 2, 0], 1)])
def test_oneof_with_a_single_nonzero_weight_always_picks_that_child(weights: list[int], child: int) -> None:
    aug = OneOf([TemporalReverse(), FrameDrop(2), TimeWarp()][: len(weights)], weights=weights)
    for seed in range(5):
        params = aug.sample((64, 8, 1, 1, 1), generator=gen(seed))
        assert params.choice.tolist() == [child] * 64


def test_oneof_weights_set_the_pick_frequencies() -> None:
    aug = OneOf([TemporalReverse(), FrameDrop(), TimeWarp()], weights=[1, 2, 1])
    counts = torch.bincount(aug.sample((4000, 4, 1, 1, 1), generator=gen(0)).choice, minlength=3).double() / 4000
    assert torch.allclose(counts, torch.tensor([0.25, 0.5, 0.25], dtype=torch.float64), atol=0.03)


def test_oneof_never_picks_a_zero_weight_child() -> None:
    weights = [1, 0.15, 0.3, 1, 0.2, 0.2, 0.0]  # the float32 running sum of these ends just below 1
    aug = OneOf([TemporalReverse() for _ in weights], weights=weights)
    choice = aug.sample((200_000, 2, 1, 1, 1), generator=gen(3)).choice
    assert int((choice == 6).sum()) == 0
    assert set(choice.unique().tolist()) == {0, 1, 2, 3, 4, 5}


def test_oneof_with_length_changing_children_of_equal_output_length() -> None:
    aug = OneOf([TemporalCrop(4), TemporalSubsample(num_frames=4)])
    x = _arange_batch(12, 8)
    out, params = aug(x, generator=gen(0), return_params=True)
    assert out.shape == (12, 4, 1, 1, 1)
    assert set(params.choice.tolist()) == {0, 1}
    for b in range(12):
        k = int(params.choice[b])
        frames = (out[b].flatten() - 8 * b).tolist()
        if k == 0:
            start = int(params.children[0].start[b])
            assert frames == [start + i for i in range(4)]
        else:  # 8 frames, 4 kept: stride 7 // 3 = 2, offset 0 or 1
            offset = int(params.children[1].offset[b])
            assert frames == [offset + 2 * i for i in range(4)]


def test_oneof_with_children_of_different_output_lengths_raises_shape_error() -> None:
    aug = OneOf([TemporalCrop(4), TemporalSubsample(num_frames=3)])
    with pytest.raises(
        ShapeError,
        match=r"OneOf: children give different output shapes for input \(1, 8, 1, 1, 1\): "
        r"TemporalCrop -> \(1, 4, 1, 1, 1\), TemporalSubsample -> \(1, 3, 1, 1, 1\)",
    ):
        aug(torch.zeros(8, 1, 1, 1))


def test_oneof_with_a_length_keeping_and_a_length_changing_child_raises_shape_error() -> None:
    with pytest.raises(
        ShapeError, match=r"OneOf: .*TemporalReverse -> \(1, 8, 1, 1, 1\), FrameInterpolate -> \(1, 15, 1, 1, 1\)"
    ):
        OneOf([TemporalReverse(), FrameInterpolate(factor=2)])(torch.zeros(8, 1, 1, 1))


# -------------------------------------------------------------------------- SomeOf
@pytest.mark.parametrize("k", [0, 1, 2, 3, 4])
def test_someof_with_fixed_n_runs_exactly_n_children_per_sample(k: int) -> None:
    aug = SomeOf([TemporalReverse(), FrameDrop(), TimeWarp(), FrameDuplicate()], n=k)
    params = aug.sample((200, 8, 1, 1, 1), generator=gen(k))
    assert params.chosen.shape == (200, 4) and params.chosen.dtype == torch.bool
    assert params.chosen.sum(dim=1).tolist() == [k] * 200
    if 0 < k < 4:  # the subsets vary between samples
        assert len({tuple(row) for row in params.chosen.tolist()}) > 1


def test_someof_with_a_range_draws_counts_within_it_and_reaches_both_ends() -> None:
    aug = SomeOf([TemporalReverse(), FrameDrop(), TimeWarp(), FrameDuplicate()], n=(1, 3))
    counts = aug.sample((400, 8, 1, 1, 1), generator=gen(0)).chosen.sum(dim=1)
    assert set(counts.tolist()) == {1, 2, 3}


def test_someof_with_p_zero_chooses_nothing() -> None:
    aug = SomeOf([TemporalReverse(), FrameDrop()], n=2, p=0.0)
    x = _batch(5)
    out, params = aug(x, return_params=True)
    assert not params.chosen.any() and not params.applied.any()
    assert torch.equal(out, x)


@pytest.mark.parametrize("fuse", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8], ids=str)
def test_someof_runs_the_chosen_children_in_listed_order(fuse: bool, dtype: torch.dtype) -> None:
    aug = SomeOf(
        [TemporalReverse(), SpeedJitter(speed=2.0, boundary="reflect"), FrameDrop(3), FrameDuplicate(2)],
        n=(1, 3),
        p=0.8,
        fuse=fuse,
    )
    x = _batch(24, 8, dtype)
    out, params = aug(x, generator=gen(4), return_params=True)
    for b in range(24):
        expected = x[b]
        for i, child in enumerate(aug.transforms):
            if bool(params.chosen[b, i]):
                expected = child.apply(expected, params.children[i][b])
        assert torch.equal(out[b], expected), b


def test_someof_taking_all_children_applies_them_in_listed_order() -> None:
    x = _arange_batch(1, 8)
    forward = SomeOf([TemporalCrop(4, mode="start"), TemporalReverse()], n=2)
    backward = SomeOf([TemporalReverse(), TemporalCrop(4, mode="start")], n=2)
    assert forward(x).flatten().tolist() == [3.0, 2.0, 1.0, 0.0]
    assert backward(x).flatten().tolist() == [7.0, 6.0, 5.0, 4.0]


def test_someof_that_may_skip_a_length_changing_child_raises_shape_error() -> None:
    with pytest.raises(
        ShapeError, match=r"SomeOf: TemporalCrop turns \(1, 8, 1, 1, 1\) into \(1, 4, 1, 1, 1\), but SomeOf skips"
    ):
        SomeOf([TemporalCrop(4), TemporalReverse()], n=(1, 2))(torch.zeros(8, 1, 1, 1))


# --------------------------------------------------------------------- RandomApply
def test_random_apply_with_p_zero_is_the_identity() -> None:
    aug = RandomApply(Compose([TemporalReverse(), TimeWarp(), FrameDrop(3)]), p=0.0)
    x = _batch(8)
    out, params = aug(x, generator=gen(0), return_params=True)
    assert not params.applied.any()
    assert torch.equal(out, x)


@pytest.mark.parametrize(
    "child", [TemporalReverse(), Compose([TemporalReverse(), TimeWarp(), SpeedJitter()])], ids=lambda t: t.name
)
def test_random_apply_with_p_one_always_runs_the_child(child: tempaug.Transform) -> None:
    aug = RandomApply(child, p=1.0)
    x = _batch(8)
    out, params = aug(x, generator=gen(0), return_params=True)
    assert params.applied.all()
    assert torch.equal(out, child.apply(x, params.children[0]))
    assert not torch.equal(out, x)


@pytest.mark.parametrize("child", [TemporalReverse(), Compose([TimeWarp(), SpeedJitter()])], ids=lambda t: t.name)
def test_random_apply_gates_each_sample(child: tempaug.Transform) -> None:
    aug = RandomApply(child, p=0.5)
    x = _batch(32)
    out, params = aug(x, generator=gen(2), return_params=True)
    assert 0 < int(params.applied.sum()) < 32
    full = child.apply(x, params.children[0])
    for b in range(32):
        assert torch.equal(out[b], full[b] if bool(params.applied[b]) else x[b]), b


def test_random_apply_of_a_list_wraps_it_in_a_compose() -> None:
    aug = RandomApply([TemporalReverse(), TemporalCrop(8, mode="start")], p=1.0)
    assert isinstance(aug.transform, Compose)
    assert aug(_arange_batch(1, 8)).flatten().tolist() == [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]


# ------------------------------------------------------------------------- Compose
@pytest.mark.parametrize(
    "children",
    [[TemporalReverse(), FrameDrop(2)], [TemporalReverse(), TimeWarp(), SpeedJitter()]],
    ids=["fused", "unfused"],
)
def test_compose_p_gates_the_whole_pipeline_per_sample(children: list) -> None:
    gated = Compose(children, p=0.5)
    always = Compose(children)
    x = _batch(32)
    out, params = gated(x, generator=gen(6), return_params=True)
    assert 0 < int(params.applied.sum()) < 32
    full = always.apply(x, params)
    for b in range(32):
        assert torch.equal(out[b], full[b] if bool(params.applied[b]) else x[b]), b


def test_compose_runs_children_in_order() -> None:
    x = _arange_batch(1, 8)
    assert Compose([TemporalCrop(4, mode="start"), TemporalReverse()])(x).flatten().tolist() == [3.0, 2.0, 1.0, 0.0]
    assert Compose([TemporalReverse(), TemporalCrop(4, mode="start")])(x).flatten().tolist() == [7.0, 6.0, 5.0, 4.0]


def test_empty_compose_is_the_identity() -> None:
    x = _batch(3)
    out, params = Compose([])(x, return_params=True)
    assert torch.equal(out, x) and params.children == ()


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8, torch.float16], ids=str)
def test_fused_and_unfused_compose_give_identical_results(dtype: torch.dtype) -> None:
    children = [TemporalReverse(p=0.5), FrameDrop(2), SpeedJitter(boundary="loop"), FrameDuplicate(2), TemporalCrop(6)]
    fused, unfused = Compose(children), Compose(children, fuse=False)
    x = _batch(16, 8, dtype)
    out, params = fused(x, generator=gen(9), return_params=True)
    assert torch.equal(unfused.apply(x, params), out)
    step = x
    for child, cp in zip(children, params.children):
        step = child.apply(step, cp)
    assert torch.equal(step, out)


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8], ids=str)
def test_oneof_over_unfused_compose_children_replays_exactly(dtype: torch.dtype) -> None:
    children = [
        Compose([TemporalReverse(), SpeedJitter(speed=(0.5, 2.0), boundary="loop")], fuse=False),
        Compose([FrameDrop(3), TimeWarp(0.8)], fuse=False),
    ]
    aug = OneOf(children, p=0.75)
    assert not aug.temporal
    x = _batch(20, 8, dtype)
    out, params = aug(x, generator=gen(12), return_params=True)
    assert torch.equal(aug.apply(x, params), out)
    assert torch.equal(tempaug.from_dict(aug.to_dict()).apply(x, params), out)
    # the same params give the same result when the children fuse
    fused = OneOf([Compose(c.transforms) for c in children], p=0.75)
    assert torch.equal(fused.apply(x, params), out)


# -------------------------------------------------------------------- train / eval
def _pipeline() -> Compose:
    return Compose(
        [
            OneOf([TemporalCrop(8), TemporalSubsample(num_frames=8, stride=1)]),
            SomeOf([TemporalSubsample(num_frames=4)], n=1),
        ]
    )


def test_eval_and_train_propagate_to_every_descendant() -> None:
    aug = _pipeline()
    assert all(t.training for t in aug.walk())
    assert aug.eval() is aug
    assert [t.training for t in aug.walk()] == [False] * 6
    aug.train()
    assert [t.training for t in aug.walk()] == [True] * 6
    aug.train(False)
    assert not any(t.training for t in aug.walk())


def test_eval_centres_random_crops_and_subsample_offsets() -> None:
    crop, sub = TemporalCrop(4), TemporalSubsample(num_frames=3, stride=2)
    x = _arange_batch(64, 11)
    _, crop_params = crop(x, generator=gen(0), return_params=True)
    _, sub_params = sub(x, generator=gen(0), return_params=True)
    assert len(set(crop_params.start.tolist())) > 1 and len(set(sub_params.offset.tolist())) > 1  # random in training
    crop.eval()
    sub.eval()
    for seed in range(3):
        assert crop(x[:1], generator=gen(seed)).flatten().tolist() == [3.0, 4.0, 5.0, 6.0]  # slack 7 -> start 3
        assert sub(x[:1], generator=gen(seed)).flatten().tolist() == [3.0, 5.0, 7.0]  # span 5, slack 6 -> offset 3
        assert crop.sample(x.shape, generator=gen(seed)).start.tolist() == [3] * 64


def test_eval_makes_a_container_pipeline_deterministic() -> None:
    # in eval both OneOf branches read the centred frames 2..9 of 12, then 4 of those 8 at stride 2 from offset 0
    aug = _pipeline().eval()
    x = _arange_batch(4, 12)
    expected = torch.tensor([2.0, 4.0, 6.0, 8.0])
    for seed in range(6):
        out = aug(x, generator=gen(seed))
        assert torch.equal(out.flatten(1) - 12 * torch.arange(4.0).view(4, 1), expected.expand(4, 4))
    aug.train()
    outs = {tuple(aug(x[:1], generator=gen(seed)).flatten().tolist()) for seed in range(20)}
    assert len(outs) > 1


def test_eval_leaves_explicit_modes_alone() -> None:
    x = _arange_batch(1, 9)
    start = TemporalCrop(3, mode="start").eval()
    assert start(x).flatten().tolist() == [0.0, 1.0, 2.0]
    assert TemporalSubsample(num_frames=2, stride=3, offset="start").eval()(x).flatten().tolist() == [0.0, 3.0]
