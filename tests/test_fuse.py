"""The planner: a fused chain equals the step-by-step chain (exactly in time, within FOLD_TOLERANCE in space)."""

from __future__ import annotations

import pytest
import torch
from helpers import gen
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import TRANSFORMS

import tempaug
from tempaug import Compose, RandomAffine, RandomResizedCrop
from tempaug.core.fuse import FOLD_TOLERANCE, fold_space
from tempaug.core.geometry import GeometricTransform
from tempaug.core.registry import REGISTRY
from tempaug.functional.geometric import SpaceMap, identity_matrix

#: Every registered op the planner folds into a SpaceMap, read from the registry: a new geometric op joins
#: the chains below as soon as it has a property-test strategy.
GEOMETRIC = sorted(name for name, cls in REGISTRY.items() if issubclass(cls, GeometricTransform) and name in TRANSFORMS)


def smooth(b: int, t: int, h: int, w: int, seed: int) -> torch.Tensor:
    """Frames in [0, 1] that vary smoothly (about one cycle across the frame), different per sample and frame."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    phase = torch.rand(b, t, 3, 1, 1, generator=gen(seed)) * 6.0
    freq = 1.0 + torch.rand(b, t, 3, 1, 1, generator=gen(seed + 1)) * 2.0
    return 0.5 + 0.5 * torch.sin(freq * (xx + 0.7 * yy) + phase)


def test_every_registered_geometric_op_takes_part_in_the_chains() -> None:
    geometric = sorted(name for name, cls in REGISTRY.items() if issubclass(cls, GeometricTransform))
    assert geometric == GEOMETRIC and len(GEOMETRIC) >= 7


@st.composite
def geometric_chains(draw: st.DrawFn) -> tuple[list[tempaug.Transform], tuple[int, ...]]:
    """2 to 4 registered geometric ops valid in sequence, and the (B,T,C,H,W) shape they run on."""
    shape: tuple[int, ...] = (draw(st.integers(12, 40)), draw(st.integers(12, 40)))
    clip_shape = (2, 3, *shape)
    ops, current = [], clip_shape
    for _ in range(draw(st.integers(2, 4))):
        name = draw(st.sampled_from(GEOMETRIC))
        op = TRANSFORMS[name](draw, current)
        ops.append(op)
        current = op.output_shape(current)
    return ops, (3, *clip_shape)


@settings(max_examples=150, deadline=None)
@given(chain=geometric_chains(), seed=st.integers(0, 2**31 - 1))
def test_a_fused_geometric_chain_equals_the_step_by_step_chain_within_the_documented_tolerance(
    chain: tuple[list[tempaug.Transform], tuple[int, ...]], seed: int
) -> None:
    ops, shape = chain
    x = smooth(*shape[:2], *shape[3:], seed=seed)
    fused, steps = Compose(ops), Compose(ops, fuse=False)
    params = fused.sample(shape, generator=gen(seed))
    diff = (fused.apply(x, params) - steps.apply(x, params)).abs()
    assert diff.max() <= FOLD_TOLERANCE["max"], [op.name for op in ops]


def test_a_crop_then_a_rotation_is_not_fused_so_the_rotation_fills_instead_of_reading_outside_the_crop() -> None:
    x = smooth(4, 3, 48, 64, seed=0)
    ops = [RandomResizedCrop(24, scale=(0.3, 1.0)), RandomAffine(25)]
    fused, steps = Compose(ops), Compose(ops, fuse=False)
    params = fused.sample(x.shape, generator=gen(0))
    assert torch.equal(fused.apply(x, params), steps.apply(x, params))


@pytest.mark.parametrize(
    ("inner", "outer", "folds"),
    [
        # (reads_outside, resamples, crops) of each map
        ((False, True, True), (False, False, False), True),  # a resized crop, then a flip
        ((False, False, True), (False, True, False), False),  # a crop, then a resize: on the CPU only
        ((False, False, True), (True, True, True), False),  # a crop, then a rotation: would read outside the crop
        ((False, True, True), (False, True, False), False),  # a resized crop, then a resize: two interpolations
        ((False, True, False), (False, False, True), False),  # a resize, then a crop: cuts its interpolation short
        ((True, True, True), (False, False, False), True),  # a rotation, then a flip
        ((True, True, True), (False, False, True), False),  # a rotation, then a crop
    ],
)
def test_the_space_fold_rule(inner: tuple[bool, ...], outer: tuple[bool, ...], folds: bool) -> None:
    maps = [
        SpaceMap(identity_matrix(1), (4, 4), reads_outside=o, resamples=r, crops=c) for o, r, c in (inner, outer)
    ]
    assert (fold_space(*maps, device_type="cuda") is not None) is folds


def test_a_crop_then_a_resize_folds_on_the_cpu_where_both_are_box_maps() -> None:
    x = smooth(2, 3, 24, 32, seed=1)
    ops = [tempaug.RandomCrop(20, padding=2), tempaug.Resize(10), tempaug.HorizontalFlip(p=0.5)]
    fused, steps = Compose(ops), Compose(ops, fuse=False)
    params = fused.sample(x.shape, generator=gen(1))
    maps = [op.space_map(cp, shape) for op, cp, shape in zip(ops, params.children, [x.shape, (2, 3, 3, 20, 20), (2, 3, 3, 10, 10)])]
    assert fold_space(maps[0], maps[1], "cpu") is not None and fold_space(maps[0], maps[1], "cuda") is None
    assert torch.equal(fused.apply(x, params), steps.apply(x, params))


def test_maps_with_different_fills_never_fold() -> None:
    inner = SpaceMap(identity_matrix(1), (4, 4), fill=0.0, reads_outside=False)
    outer = SpaceMap(identity_matrix(1), (4, 4), fill=1.0, reads_outside=False)
    assert fold_space(inner, outer) is None
