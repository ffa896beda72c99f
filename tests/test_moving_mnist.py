"""Moving MNIST: real shipped digits, bouncing by the original recipe, deterministic per (seed, split, index)."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch

from tempaug.core.errors import InvalidArgumentError
from tempaug.datasets import MovingMNIST
from tempaug.datasets.mnist import MNIST_FILE, mnist_digits, split_indices
from tempaug.datasets.moving_mnist import DIGIT_SIZE


def test_sample_is_a_uint8_grey_clip_with_long_labels() -> None:
    ds = MovingMNIST(num_digits=3, size=48, length=7, num_samples=5)
    clip, labels = ds[4]
    assert len(ds) == 5
    assert clip.shape == (7, 1, 48, 48) and clip.dtype == torch.uint8
    assert labels.shape == (3,) and labels.dtype == torch.int64


def test_same_seed_gives_the_same_samples_in_any_order() -> None:
    a, b = MovingMNIST(num_samples=10, seed=3), MovingMNIST(num_samples=10, seed=3)
    late = b[7]
    for i in (7, 2, 0):
        assert torch.equal(a[i][0], (late if i == 7 else b[i])[0])
        assert torch.equal(a[i][1], b[i][1])


def test_different_seeds_splits_and_indices_differ() -> None:
    base = MovingMNIST(num_samples=3)[0][0]
    assert not torch.equal(base, MovingMNIST(num_samples=3, seed=1)[0][0])
    assert not torch.equal(base, MovingMNIST(num_samples=3, split="test")[0][0])
    assert not torch.equal(base, MovingMNIST(num_samples=3)[1][0])


def test_val_split_uses_training_digits_with_its_own_stream() -> None:
    train, val, test = (MovingMNIST(num_samples=2, split=s) for s in ("train", "val", "test"))
    assert np.array_equal(val.images, train.images) and not np.array_equal(val.images[:1000], test.images)
    assert not torch.equal(val[0][0], train[0][0]) and not torch.equal(val[0][0], test[0][0])
    assert torch.equal(test[0][0], MovingMNIST(num_samples=1, split="test")[0][0])  # adding val left test alone


def test_index_out_of_range_raises_index_error_and_negative_counts_back() -> None:
    ds = MovingMNIST(num_samples=3, length=2)
    with pytest.raises(IndexError):
        ds[3]
    assert torch.equal(ds[-1][0], ds[2][0])
    assert len(list(ds)) == 3


def test_digits_stay_inside_the_canvas_and_are_drawn_whole() -> None:
    ds = MovingMNIST(num_digits=1, size=40, length=60, num_samples=20, step_length=0.3)
    for i in range(len(ds)):
        digits, pos, _ = ds.trajectory(i)
        assert int(pos.min()) >= 0 and int(pos.max()) <= 40 - DIGIT_SIZE
        clip = ds[i][0]
        ink = int(torch.from_numpy(ds.images[int(digits[0])].astype(np.int64)).sum())
        assert all(int(frame.long().sum()) == ink for frame in clip)  # nothing cut off at a wall


def test_reflection_mirrors_the_velocity_at_the_wall_it_hits() -> None:
    ds = MovingMNIST(num_digits=2, length=80, num_samples=5, step_length=0.2)
    bounces = 0
    for i in range(len(ds)):
        _, pos, vel = ds.trajectory(i)
        assert torch.allclose(vel.abs(), vel[:1].abs().expand_as(vel))  # speed per axis never changes
        flipped = torch.sign(vel[1:]) != torch.sign(vel[:-1])
        at_wall = (pos[1:] == 0) | (pos[1:] == 64 - DIGIT_SIZE)
        assert bool((at_wall | ~flipped).all())  # a sign flips only where the digit touches a wall
        bounces += int(flipped.sum())
    assert bounces > 10


def test_stochastic_variant_draws_a_new_direction_at_bounces_only() -> None:
    ds = MovingMNIST(num_digits=2, length=80, num_samples=5, step_length=0.2, stochastic=True)
    new_directions = 0
    for i in range(len(ds)):
        _, pos, vel = ds.trajectory(i)
        changed = (vel[1:] - vel[:-1]).abs().amax(-1) > 1e-12
        at_wall = ((pos[1:] == 0) | (pos[1:] == 64 - DIGIT_SIZE)).any(-1)
        assert bool((at_wall | ~changed).all())
        mirrored = torch.isclose(vel[1:].abs(), vel[:-1].abs()).all(-1)
        new_directions += int((changed & ~mirrored).sum())
        assert torch.allclose(vel.norm(dim=-1), torch.ones(()).double())
    assert new_directions > 10


def test_stochastic_and_deterministic_variants_share_the_start() -> None:
    a = MovingMNIST(length=30, num_samples=1, step_length=0.2).trajectory(0)
    b = MovingMNIST(length=30, num_samples=1, step_length=0.2, stochastic=True).trajectory(0)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1][:2], b[1][:2])
    assert not torch.equal(a[1], b[1])


def test_overlapping_digits_combine_by_maximum() -> None:
    ds = MovingMNIST(num_digits=2, size=32, length=10, num_samples=10)
    checked = 0
    for i in range(len(ds)):
        digits, pos, _ = ds.trajectory(i)
        clip = ds[i][0]
        for t in range(ds.length):
            layers = torch.zeros(2, 32, 32, dtype=torch.uint8)
            for k in range(2):
                y, x = pos[t, k].tolist()
                layers[k, y : y + DIGIT_SIZE, x : x + DIGIT_SIZE] = torch.from_numpy(ds.images[int(digits[k])])
            both = (layers > 0).all(0) & (layers[0] != layers[1])
            checked += int(both.sum())
            assert torch.equal(clip[t, 0], layers.amax(0))
    assert checked > 100  # many pixels where both digits have ink and differ


def test_train_and_test_digit_pools_are_disjoint() -> None:
    train, test = set(split_indices("train").tolist()), set(split_indices("test").tolist())
    assert not train & test and len(train | test) == 5000
    all_images, _ = mnist_digits()
    test_images = {all_images[i].tobytes() for i in test}
    assert not any(all_images[i].tobytes() in test_images for i in train)  # no duplicate digit across splits


def test_labels_are_mnist_classes_roughly_balanced() -> None:
    ds = MovingMNIST(num_digits=2, length=1, size=28, num_samples=500)
    labels = torch.cat([ds[i][1] for i in range(len(ds))])
    counts = torch.bincount(labels, minlength=10)
    assert int(labels.min()) >= 0 and int(labels.max()) <= 9 and len(counts) == 10
    assert int(counts.min()) > 60 and int(counts.max()) < 140  # 100 expected per class


def test_shipped_digits_load_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from tempaug.datasets import mnist as module

    module._load.cache_clear()
    images, labels = mnist_digits()
    assert MNIST_FILE.stat().st_size < 5_000_000
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert 0.08 < float((images > 127).mean()) < 0.25  # handwritten strokes, not noise or blanks


def test_label_matches_the_digit_drawn() -> None:
    ds = MovingMNIST(num_digits=1, length=1, num_samples=3, split="test")
    for i in range(3):
        digits, _, _ = ds.trajectory(i)
        assert int(ds[i][1][0]) == int(mnist_digits("test")[1][int(digits[0])])


def test_transform_is_applied_to_each_clip() -> None:
    ds = MovingMNIST(length=4, num_samples=1, transform=lambda c: c.flip(0))
    assert torch.equal(ds[0][0], MovingMNIST(length=4, num_samples=1)[0][0].flip(0))


@pytest.mark.parametrize(
    "kwargs",
    [{"num_digits": 0}, {"size": 20}, {"length": 0}, {"split": "valid"}, {"num_samples": -1}, {"step_length": 0.0}],
)
def test_bad_arguments_name_the_argument(kwargs: dict) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        MovingMNIST(**kwargs)
    assert next(iter(kwargs)) in str(err.value)
