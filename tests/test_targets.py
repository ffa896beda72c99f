"""Laws of targets (labels, boxes, keypoints, masks, segments) through every registered op.

The suite is driven by the registry, like tests/test_properties.py: every registered op with a strategy runs
every law on a Sample, and a registered op without target coverage (its map_targets refuses) fails here.
"""

from __future__ import annotations

import json

import pytest
import torch
from helpers import gen
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import MIXERS, TRANSFORMS

import tempaug
from tempaug import Sample, TargetsError
from tempaug.core.registry import REGISTRY

NAMES = sorted(TRANSFORMS)
seeds = st.integers(0, 2**31 - 1)
LAWS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Adapters that wrap another library's geometric transform cannot say where boxes go: they refuse samples
#: holding boxes, keypoints or masks (and pass pixel-only transforms). Every other op moves every target.
REFUSES_SPATIAL_WHEN_GEOMETRIC = {"FromAlbumentations", "FromKornia"}


def test_every_registered_op_is_covered_by_the_target_laws() -> None:
    covered = set(TRANSFORMS) | set(MIXERS) | {"Synthesize"}  # Synthesize: tests/test_synthesize.py
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"registered ops without target laws: {missing}"


#: Frames stamp their time as ``t + TIME_OFFSET``, far from any fill value a geometric op brings in.
TIME_OFFSET = 1000.0


def _photometric(op: tempaug.Transform) -> bool:
    """True when ``op`` holds an op that changes pixel values (so the time stamps cannot be read back)."""
    return any(
        (isinstance(t, tempaug.core.transform.FrameTransform) and not t.geometric)
        or isinstance(t, tempaug.ops.randaugment._AugmentPool)
        for t in op.walk()
    )


def _resamplings(op: tempaug.Transform) -> int:
    """How many times ``op`` may resample a mask in space: once per geometric op, once per RandAugment slot."""
    count = 0
    for t in op.walk():
        if isinstance(t, tempaug.ops.randaugment._AugmentPool):
            count += t._num_ops
        elif t.geometric:
            count += 1
    return max(count, 1)


def _boxes_and_masks(t: int, h: int, w: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(T, N, 4) whole-pixel boxes, each at least 2x2, and (T, N, H, W) int64 masks that render them."""
    g = gen(seed)
    x0 = torch.randint(0, max(w - 2, 1), (t, n), generator=g)
    y0 = torch.randint(0, max(h - 2, 1), (t, n), generator=g)
    bw = torch.randint(2, max(w // 2, 3), (t, n), generator=g)
    bh = torch.randint(2, max(h // 2, 3), (t, n), generator=g)
    x1, y1 = (x0 + bw).clamp(max=w), (y0 + bh).clamp(max=h)
    boxes = torch.stack([x0, y0, x1, y1], -1).to(torch.float32)
    ys, xs = torch.arange(h).view(1, 1, h, 1), torch.arange(w).view(1, 1, 1, w)
    mask = (
        (xs >= x0[..., None, None]) & (xs < x1[..., None, None]) & (ys >= y0[..., None, None]) & (ys < y1[..., None, None])
    )
    return boxes, mask.to(torch.int64)


def _sample(t: int, h: int, w: int, seed: int, c: int = 3) -> Sample:
    """A sample whose frames encode their time (channel 0 = t, 1 = last frame, 2 = first frame) on a smooth
    background, with boxes, the masks that render them, keypoints at the box centres and segments."""
    n = 2
    boxes, mask = _boxes_and_masks(t, h, w, n, seed)
    frame = torch.arange(t, dtype=torch.float64).view(t, 1, 1, 1)
    stamps = [frame + TIME_OFFSET, (frame == t - 1).double() + TIME_OFFSET, (frame == 0).double() + TIME_OFFSET]
    video = torch.cat(stamps, dim=1).expand(t, 3, h, w)[:, :c]
    centres = torch.stack([(boxes[..., 0] + boxes[..., 2]) / 2, (boxes[..., 1] + boxes[..., 3]) / 2], -1)
    keypoints = centres.unsqueeze(2)  # (T, N, 1, 2)
    g = gen(seed + 7)
    cuts = sorted((torch.rand(4, generator=g) * (t + 1) - 0.5).tolist())
    segments = [(cuts[0], cuts[1], "a"), (cuts[2], cuts[3], "b"), (cuts[0], cuts[3], "c")]
    return Sample(
        video=video.contiguous(),
        label=3,
        boxes=boxes,
        keypoints=keypoints,
        mask=mask,
        segments=segments,
    )


def _call(op: tempaug.Transform, s: Sample, seed: int) -> tuple[Sample, tempaug.Params] | None:
    """``op(s)`` with params, or None for an adapter refusing spatial targets (checked to be clear)."""
    try:
        return op(s, generator=gen(seed), return_params=True)
    except TargetsError as err:
        assert op.name in REFUSES_SPATIAL_WHEN_GEOMETRIC, f"{op.name} refused targets: {err}"
        assert "boxes, keypoints or masks" in str(err)
        return None


@st.composite
def op_and_sample(draw: st.DrawFn, name: str) -> tuple[tempaug.Transform, Sample, int]:
    t, h, w = draw(st.integers(2, 8)), draw(st.integers(8, 16)), draw(st.integers(8, 16))
    seed = draw(seeds)
    op = TRANSFORMS[name](draw, (t, 3, h, w))
    return op, _sample(t, h, w, seed), seed


def _bbox(mask: torch.Tensor) -> list[float] | None:
    ys, xs = mask.nonzero(as_tuple=True)
    if xs.numel() == 0:
        return None
    return [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1]


@pytest.mark.parametrize("name", NAMES)
@LAWS
@given(data=st.data())
def test_a_moved_box_is_the_bounding_box_of_its_moved_mask_within_one_pixel(name: str, data: st.DataObject) -> None:
    op, s, seed = data.draw(op_and_sample(name))
    got = _call(op, s, seed)
    if got is None:
        return
    out, _ = got
    assert out.boxes is not None and out.mask is not None and out.box_valid is not None
    # the box moves exactly (its outline travels from op to op); the rendered mask is resampled by nearest
    # neighbour once per geometric step, each moving its edge by up to a pixel
    tol = float(_resamplings(op))
    assert out.boxes.shape[0] == out.video.shape[0] == out.mask.shape[0]
    for t in range(out.boxes.shape[0]):
        for n in range(out.boxes.shape[1]):
            rendered = _bbox(out.mask[t, n])
            box = out.boxes[t, n].tolist()
            if not bool(out.box_valid[t, n]):
                assert rendered is None or (rendered[2] - rendered[0]) * (rendered[3] - rendered[1]) <= 2, (
                    f"{op!r}: frame {t} box {n} is marked absent but its mask shows {rendered}"
                )
                continue
            if min(box[2] - box[0], box[3] - box[1]) < 1.5:
                continue  # too small for nearest-neighbour sampling to show it reliably
            h, w = out.mask.shape[-2:]
            if box[0] <= 0 or box[1] <= 0 or box[2] >= w or box[3] >= h:
                # cut by the border: a rotated outline can leave a sliver thinner than a pixel, which
                # nearest-neighbour sampling does not show, so the mask lies within the box
                if rendered is not None:
                    assert rendered[0] >= box[0] - tol and rendered[1] >= box[1] - tol, (op, t, n, box, rendered)
                    assert rendered[2] <= box[2] + tol and rendered[3] <= box[3] + tol, (op, t, n, box, rendered)
                continue
            assert rendered is not None, f"{op!r}: frame {t} box {n} = {box} but its mask is empty"
            assert max(abs(a - b) for a, b in zip(box, rendered)) <= tol + 1e-4, (
                f"{op!r}: frame {t} box {n} = {box}, its mask's bounding box = {rendered}"
            )


def _keypoint_sample(t: int, h: int, w: int, seed: int) -> Sample:
    """Two keypoints per frame at pixel centres, and (T, 2, H, W) masks that light exactly their pixels."""
    g = gen(seed)
    xs, ys = torch.randint(0, w, (t, 2), generator=g), torch.randint(0, h, (t, 2), generator=g)
    mask = torch.zeros(t, 2, h, w, dtype=torch.int64)
    for i in range(t):
        for n in range(2):
            mask[i, n, ys[i, n], xs[i, n]] = 1
    points = torch.stack([xs + 0.5, ys + 0.5], -1).to(torch.float32).view(t, 2, 1, 2)
    return Sample(video=_sample(t, h, w, seed).video, keypoints=points, mask=mask)


@pytest.mark.parametrize("name", NAMES)
@LAWS
@given(data=st.data())
def test_a_moved_keypoint_lies_on_its_moved_pixel_within_one_pixel(name: str, data: st.DataObject) -> None:
    op, s, seed = data.draw(op_and_sample(name))
    t, _, h, w = s.video.shape
    got = _call(op, _keypoint_sample(t, h, w, seed), seed)
    if got is None:
        return
    out, _ = got
    assert out.keypoints is not None and out.keypoint_visible is not None and out.mask is not None
    for i in range(out.keypoints.shape[0]):
        for n in range(2):
            rendered = _bbox(out.mask[i, n])
            x, y = out.keypoints[i, n, 0].tolist()
            if rendered is None:
                continue  # a shrunk pixel nearest-neighbour sampling does not show
            h, w = out.mask.shape[-2:]
            if not bool(out.keypoint_visible[i, n, 0]):  # hidden only if it left the frame, by less than a pixel here
                assert -1 <= x <= w + 1 and -1 <= y <= h + 1, f"{op!r}: frame {i} point {n} hidden, its pixel shows"
            assert rendered[0] - 1 <= x <= rendered[2] + 1 and rendered[1] - 1 <= y <= rendered[3] + 1, (
                f"{op!r}: frame {i} point {n} at ({x:.2f}, {y:.2f}), its pixel at {rendered}"
            )


def test_a_blended_frame_takes_the_targets_of_the_nearer_source_frame() -> None:
    boxes = torch.tensor([[[0.0, 0.0, 2.0, 2.0]], [[4.0, 4.0, 6.0, 6.0]]])  # frame 0, frame 1
    s = Sample(video=torch.rand(2, 1, 8, 8), boxes=boxes, mask=torch.tensor([1, 2]).view(2, 1, 1, 1).expand(2, 1, 8, 8))
    out = tempaug.FrameInterpolate(length=5)(s)  # positions 0, 0.25, 0.5, 0.75, 1
    assert out.boxes[:, 0, 0].tolist() == [0.0, 0.0, 0.0, 4.0, 4.0]  # at an exact half, the earlier frame
    assert out.mask[:, 0, 0, 0].tolist() == [1, 1, 1, 2, 2]  # masks are never blended


@pytest.mark.parametrize("name", NAMES)
@LAWS
@given(data=st.data())
def test_a_segment_covers_exactly_the_frames_whose_source_time_falls_in_it(name: str, data: st.DataObject) -> None:
    op, s, seed = data.draw(op_and_sample(name))
    if _photometric(op):
        return  # it does not re-time frames: see test_fields_an_op_does_not_touch_stay_bit_identical
    s = Sample(video=s.video, segments=s.segments)  # no spatial targets: every op takes this
    out, _ = op(s, generator=gen(seed), return_params=True)
    video = out.video.to(torch.float64)
    for start, end, label in s.segments:
        covered = set()
        for a, b, k in out.segments:
            if k == label:
                covered |= set(range(int(a), int(b)))
        for t in range(video.shape[0]):
            stamp = video[t].flatten(1).max(dim=1).values - TIME_OFFSET
            if bool((stamp < -0.5).any()):
                continue  # nothing of the frame is in view (a crop of padding only)
            source, last, first = stamp.tolist()
            if last > 0 and first > 0 and source < video.shape[0] - 1:
                continue  # a loop's seam blends the last frame into the first: its time runs past the last
            if min(abs(source - start), abs(source - end)) < 1e-3:
                continue  # on the edge, float rounding decides
            assert (t in covered) == (start <= source < end), (
                f"{op!r}: output frame {t} shows source time {source:.4f}; segment {label} = [{start:.3f}, {end:.3f}) "
                f"came out as {[seg for seg in out.segments if seg[2] == label]}"
            )


@pytest.mark.parametrize("name", NAMES)
@LAWS
@given(data=st.data())
def test_replay_and_serialisation_round_trip_with_targets(name: str, data: st.DataObject) -> None:
    op, s, seed = data.draw(op_and_sample(name))
    got = _call(op, s, seed)
    if got is None:
        return
    out, params = got
    assert op.apply(s, params) == out
    again = tempaug.from_dict(json.loads(json.dumps(op.to_dict())))
    assert again(s, generator=gen(seed)) == out
    as_dict = op({k: getattr(s, k) for k in ("video", "label", "boxes", "keypoints", "mask", "segments")}, gen(seed))
    assert isinstance(as_dict, dict) and Sample(**as_dict) == out.replace(box_format="xyxy")


@pytest.mark.parametrize("name", NAMES)
@LAWS
@given(data=st.data())
def test_a_batch_call_equals_the_per_sample_calls(name: str, data: st.DataObject) -> None:
    op, first, seed = data.draw(op_and_sample(name))
    t, _, h, w = first.video.shape
    second = _sample(t, h, w, seed + 1)
    batch = Sample(
        video=torch.stack([first.video, second.video]),
        label=torch.tensor([first.label, second.label]),
        boxes=torch.stack([first.boxes, second.boxes]),
        keypoints=torch.stack([first.keypoints, second.keypoints]),
        mask=torch.stack([first.mask, second.mask]),
        segments=[first.segments, second.segments],
    )
    got = _call(op, batch, seed)
    if got is None:
        return
    out, params = got
    for i, single in enumerate((first, second)):
        alone = op.apply(single, params[i])
        assert torch.equal(alone.video, out.video[i])
        assert alone.label == int(out.label[i])
        for key in ("boxes", "box_valid", "keypoints", "keypoint_visible", "mask"):
            assert torch.equal(getattr(alone, key), getattr(out, key)[i]), key
        assert alone.segments == out.segments[i]


@pytest.mark.parametrize("name", NAMES)
@LAWS
@given(data=st.data())
def test_fields_an_op_does_not_touch_stay_bit_identical(name: str, data: st.DataObject) -> None:
    op, s, seed = data.draw(op_and_sample(name))
    got = _call(op, s, seed)
    if got is None:
        return
    out, _ = got
    assert out.label == s.label  # no op without a swap map changes a class label
    if all(isinstance(t, tempaug.core.transform.FrameTransform) and not t.geometric for t in op.walk()):
        for key in ("boxes", "keypoints", "mask"):
            assert torch.equal(getattr(out, key), getattr(s, key)), f"{op!r} changed {key}"
    if not any(t.temporal or isinstance(t, tempaug.ops.randaugment._AugmentPool) for t in op.walk()):
        assert out.segments == [(float(a), float(b), k) for a, b, k in _frames_of(s)], f"{op!r} moved segments"
    if not any(t.geometric or isinstance(t, tempaug.ops.randaugment._AugmentPool) for t in op.walk()):
        assert out.boxes.shape[0] == out.video.shape[0]
        sources = {tuple(row.flatten().tolist()) for row in s.boxes}
        assert all(tuple(row.flatten().tolist()) in sources for row in out.boxes), f"{op!r} moved boxes in space"


def _frames_of(s: Sample) -> list[tuple[float, float, str]]:
    """The sample's segments as spans of whole frames, as an op that does not re-time the clip gives them back."""
    t = s.video.shape[0]
    out = []
    for start, end, label in s.segments:
        frames = [i for i in range(t) if start <= i < end]
        if frames:
            out.append((float(frames[0]), float(frames[-1] + 1), label))
    return sorted(out, key=lambda item: (item[0], item[1]))


@given(seed=seeds)
@settings(max_examples=10, deadline=None)
def test_nothing_the_user_passed_is_modified(seed: int) -> None:
    s = _sample(6, 12, 12, seed)
    before = Sample(**{k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in vars(s).items()})
    aug = tempaug.Compose([tempaug.SpeedJitter(), tempaug.RandomResizedCrop(8), tempaug.HorizontalFlip(p=0.5)])
    aug(s, generator=gen(seed))
    assert s == before


def _assume_nonempty(x: object) -> None:
    assume(x is not None)


def test_a_rotation_and_its_inverse_give_the_box_back_instead_of_growing_it() -> None:
    boxes = torch.tensor([[[12.0, 14.0, 20.0, 18.0]]])
    s = Sample(video=torch.rand(1, 3, 32, 32), boxes=boxes)
    there_and_back = tempaug.Compose([tempaug.RandomAffine(degrees=(30, 30)), tempaug.RandomAffine(degrees=(-30, -30))])
    out = there_and_back(s)
    assert torch.allclose(out.boxes, boxes, atol=1e-3)  # the outline travels: no box of a box of a rotated box
    half = tempaug.RandomAffine(degrees=(30, 30))(s)
    assert (half.boxes[..., 2:] - half.boxes[..., :2]).prod() > (boxes[..., 2:] - boxes[..., :2]).prod()
