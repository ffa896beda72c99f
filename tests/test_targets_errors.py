"""Bad targets: each a clear TargetsError naming the field, the op and the shapes; nothing passed in is modified."""

from __future__ import annotations

import pytest
import torch
from helpers import gen

import tempaug
from tempaug import (
    DTypeError,
    HorizontalFlip,
    InvalidArgumentError,
    MixUp,
    Sample,
    ShapeError,
    TargetsError,
    TemporalReverse,
)

VIDEO = torch.rand(6, 3, 16, 16)


def boxes(t: int = 6, n: int = 2) -> torch.Tensor:
    return torch.tensor([[1.0, 1.0, 5.0, 5.0], [8.0, 8.0, 12.0, 14.0]])[:n].expand(t, n, 4).clone()


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"boxes": boxes(t=5)}, r"TemporalReverse: boxes of shape \(5, 2, 4\) do not fit the video of shape \(6, 3, 16, 16\)"),
        ({"boxes": boxes()[..., :3]}, r"TemporalReverse: boxes of shape \(6, 2, 3\) do not fit the video"),
        ({"boxes": boxes()[0]}, r"TemporalReverse: boxes must have shape \(T, N, 4\), got \(2, 4\)"),
        ({"boxes": boxes() + 40}, r"TemporalReverse: boxes of shape \(6, 2, 4\) hold 12 valid box\(es\) entirely outside the 16x16 frame"),
        ({"boxes": boxes().flip(-1)}, r"TemporalReverse: boxes must have x1 >= x0 and y1 >= y0 \(format 'xyxy'\)"),
        ({"boxes": boxes(), "box_format": "yxyx"}, r"TemporalReverse: box_format must be one of \('xyxy', 'xywh', 'cxcywh'\), got 'yxyx'"),
        ({"boxes": boxes(), "box_valid": torch.ones(6, 3, dtype=torch.bool)}, r"box_valid of shape \(6, 3\) does not match boxes of shape \(6, 2, 4\)"),
        ({"keypoints": torch.zeros(6, 2, 3, 3)}, r"keypoints of shape \(6, 2, 3, 3\) do not fit the video of shape \(6, 3, 16, 16\)"),
        ({"keypoints": torch.zeros(6, 2, 3, 2), "keypoint_visible": torch.ones(6, 2)}, r"keypoint_visible must have shape \(T, N, K\), got \(6, 2\)"),
        ({"mask": torch.zeros(6, 1, 8, 8)}, r"TemporalReverse: mask of shape \(6, 1, 8, 8\) does not fit the video of shape \(6, 3, 16, 16\): expected \(6, M, 16, 16\)"),
        ({"mask": torch.zeros(5, 1, 16, 16)}, r"mask of shape \(5, 1, 16, 16\) does not fit the video"),
        ({"segments": [(3, 1, "x")]}, r"TemporalReverse: segments\[0\] ends before it starts: \(3, 1, 'x'\)"),
        ({"segments": [(0, float("nan"), "x")]}, r"segments\[0\] has a start or end that is not a finite number"),
        ({"segments": [(0, 1)]}, r"segments\[0\] must be \(start, end, label\)"),
        ({"segments": [(0, 1, "a")], "fps": -2}, r"fps must be a number > 0, got -2"),
        ({"label": torch.tensor([[1, 2]])}, r"TemporalReverse: label must be class indices of shape \(\) or class weights of shape \(K,\), got \(1, 2\) for a video of shape \(6, 3, 16, 16\)"),
        ({"label": torch.rand(2, 3)}, r"label must be class indices of shape \(\) or class weights of shape \(K,\), got \(2, 3\)"),
    ],
)
def test_bad_targets_raise_a_clear_error_naming_the_field_the_op_and_the_shapes(fields: dict, match: str) -> None:
    with pytest.raises(TargetsError, match=match):
        TemporalReverse()(Sample(video=VIDEO, **fields))


def test_targets_errors_are_value_errors_and_shape_errors() -> None:
    assert issubclass(TargetsError, ShapeError) and issubclass(TargetsError, ValueError)


def test_labels_of_a_batch_must_match_its_samples() -> None:
    video = torch.rand(4, 6, 3, 8, 8)
    with pytest.raises(TargetsError, match=r"label of shape \(3,\) holds 3 label\(s\), but the video of shape \(4, 6, 3, 8, 8\) has 4"):
        TemporalReverse()(Sample(video=video, label=torch.tensor([0, 1, 2])))
    with pytest.raises(DTypeError, match=r"a label of shape \(4,\) must hold integer class indices, got torch.float32; soft labels are rows of shape \(B, K\)"):
        TemporalReverse()(Sample(video=video, label=torch.tensor([0.0, 1.0, 2.0, 1.0])))


def test_integer_label_rows_are_class_weights_like_float_rows() -> None:
    video = torch.rand(3, 6, 3, 8, 8)
    one_hot = torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 3)
    out = MixUp(num_classes=3, enabled=False)(Sample(video=video, label=one_hot))
    assert out.label.tolist() == one_hot.float().tolist()
    assert torch.equal(TemporalReverse()(Sample(video=video, label=one_hot)).label, one_hot)
    flipped = HorizontalFlip(swap={0: 2})(Sample(video=video, label=one_hot))
    assert torch.equal(flipped.label, one_hot[:, [2, 1, 0]])


def test_a_label_of_the_wrong_type_is_a_dtype_error() -> None:
    with pytest.raises(DTypeError, match=r"TemporalReverse: label must be an int or a tensor, got str"):
        TemporalReverse()(Sample(video=VIDEO, label="three"))
    with pytest.raises(DTypeError, match=r"TemporalReverse: label must be an int or a tensor, got bool"):
        TemporalReverse()({"video": VIDEO, "label": True})


def test_a_dict_needs_a_video_and_only_sample_keys() -> None:
    with pytest.raises(TargetsError, match=r"a sample dict needs a 'video' key, got keys \['clip'\]"):
        TemporalReverse()({"clip": VIDEO})
    with pytest.raises(TargetsError, match=r"unknown sample key\(s\) \['bbox'\]"):
        TemporalReverse()({"video": VIDEO, "bbox": boxes()})


def test_a_batch_needs_one_segment_list_per_sample() -> None:
    with pytest.raises(TargetsError, match=r"one such list per sample of a batch of 2"):
        TemporalReverse()(Sample(video=torch.rand(2, 6, 3, 8, 8), segments=[(0, 1, "a")]))


def test_a_swap_map_naming_a_class_the_soft_labels_do_not_have_is_refused() -> None:
    flip = HorizontalFlip(swap={1: 5})
    with pytest.raises(TargetsError, match=r"HorizontalFlip: swap names class\(es\) \[5\], but the label rows of shape \(1, 3\) have 3 classes"):
        flip(Sample(video=VIDEO, label=torch.tensor([0.2, 0.3, 0.5])))


@pytest.mark.parametrize(
    ("swap", "match"),
    [
        ({"a": "a"}, r"HorizontalFlip: swap maps 'a' to itself"),
        ([("a", "b"), ("b", "c")], r"HorizontalFlip: swap pairs 'b' with both 'a' and 'c'"),
        ({-1: 2}, r"HorizontalFlip: swap names classes by a class index >= 0 or a name, got -1"),
        ("ab", r"HorizontalFlip: swap must map classes to classes, got 'ab'"),
        ({1.5: 2}, r"got 1.5"),
    ],
)
def test_bad_swap_maps_are_refused_at_construction(swap: object, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        HorizontalFlip(swap=swap)


def test_a_swap_map_swaps_both_ways_and_round_trips_through_a_file(tmp_path) -> None:
    flip = HorizontalFlip(swap={"right": "left", 4: 3})
    path = tmp_path / "flip.json"
    tempaug.save(flip, path)
    again = tempaug.load(path)
    s = Sample(video=torch.rand(3, 6, 1, 4, 4), label=torch.tensor([3, 4, 0]), segments=[[(0, 2, "left")], [(1, 3, "right")], []])
    out = again(s)
    assert out.label.tolist() == [4, 3, 0]
    assert out.segments == [[(0.0, 2.0, "right")], [(1.0, 3.0, "left")], []]
    row = torch.tensor([[0.0, 0.0, 0.0, 0.7, 0.3]])
    soft = again(Sample(video=torch.rand(1, 6, 1, 4, 4), label=row))
    assert torch.equal(soft.label, row[:, [0, 1, 2, 4, 3]])


def test_a_mixer_on_a_sample_without_a_label_says_it_needs_one() -> None:
    with pytest.raises(TargetsError, match=r"MixUp: mixes or makes clips together with their labels, so it needs a sample"):
        MixUp(num_classes=3)(Sample(video=torch.rand(2, 6, 3, 8, 8)))
    with pytest.raises(TargetsError, match=r"MixUp: .* needs a sample with a label"):
        MixUp(num_classes=3)(torch.rand(2, 6, 3, 8, 8))


def test_labels_as_the_second_argument_show_the_new_call() -> None:
    with pytest.raises(DTypeError, match=r"MixUp: the second argument is the torch.Generator .* op\(tempaug.Sample\(video=clips, label=labels\)\)"):
        MixUp(num_classes=3)(torch.rand(2, 6, 3, 8, 8), torch.tensor([0, 1]))
    params = MixUp(num_classes=3).sample((2, 6, 3, 8, 8))
    with pytest.raises(DTypeError, match=r"MixUp: params must be MixUpParams, got Tensor; labels travel with the clip"):
        MixUp(num_classes=3).apply(torch.rand(2, 6, 3, 8, 8), torch.tensor([0, 1]))
    assert params.batch_size == 2


def test_nothing_passed_in_is_modified_even_by_mixers_and_flips() -> None:
    s = Sample(
        video=torch.rand(3, 6, 3, 16, 16),
        label=torch.tensor([0, 1, 2]),
        boxes=boxes().expand(3, 6, 2, 4).clone(),
        keypoints=torch.rand(3, 6, 2, 1, 2) * 16,
        mask=torch.randint(0, 3, (3, 6, 1, 16, 16)),
        segments=[[(0, 2, "a")], [(1, 5, "b")], []],
    )
    copies = {k: v.clone() for k, v in vars(s).items() if isinstance(v, torch.Tensor)}
    aug = tempaug.Compose(
        [tempaug.SpeedJitter(), HorizontalFlip(p=0.5, swap={0: 1}), tempaug.RandomAffine(20), tempaug.CutMix(num_classes=3)]
    )
    aug(s, generator=gen(0))
    for key, value in copies.items():
        assert torch.equal(getattr(s, key), value), key
    assert s.segments == [[(0, 2, "a")], [(1, 5, "b")], []]
