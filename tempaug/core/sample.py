"""Samples: a clip (or batch) and the targets that travel with it through every op.

A :class:`Sample` holds a ``video`` and any of: a class ``label`` (an index, or a soft row), per-frame
``boxes`` (with ``box_valid`` for absent objects), ``keypoints`` (with ``keypoint_visible``), a ``mask``
(integer masks are never blended) and time ``segments`` (``(start, end, label)`` in frames, or in seconds
with ``fps``). Every op maps the whole value with one signature: a bare tensor in gives a bare tensor out,
a :class:`Sample` gives a :class:`Sample`, and a plain dict with the same keys gives a dict.

Conventions:

- Box and keypoint coordinates are continuous pixel coordinates: pixel ``i`` covers ``[i, i + 1)``, so a
  box covering the whole of a W x H frame is ``(0, 0, W, H)`` in ``xyxy``. Formats: ``"xyxy"``,
  ``"xywh"`` (corner and size) and ``"cxcywh"`` (centre and size).
- Segments are half-open spans ``[start, end)`` on the clip's timeline; frame ``t`` sits at time ``t``
  (``t / fps`` seconds). After the ops, a segment covers exactly the output frames whose source time falls
  in its span; a span that the ops split (a loop, a splice) comes back as several segments with the same
  label, and a span with no frame left is dropped.

Inside the ops everything is batched in :class:`Targets`; :func:`unpack` and :func:`pack` convert at the
boundary.

Example:
    >>> import torch, tempaug
    >>> clip = torch.rand(8, 3, 16, 16)
    >>> boxes = torch.tensor([[2.0, 2.0, 6.0, 6.0]]).expand(8, 1, 4)
    >>> s = tempaug.Sample(video=clip, label=3, boxes=boxes, segments=[(0, 3, "open")])
    >>> out = tempaug.TemporalReverse()(s)
    >>> out.label, out.segments, tuple(out.boxes.shape)
    (3, [(5.0, 8.0, 'open')], (8, 1, 4))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from ..functional.targets import box_outline
from .errors import DTypeError, InvalidArgumentError, ShapeError
from .layout import check_clip

__all__ = [
    "BOX_FORMATS",
    "Sample",
    "Targets",
    "TargetsError",
    "convert_boxes",
    "pack",
    "unpack",
]

#: Box formats a sample may use.
BOX_FORMATS = ("xyxy", "xywh", "cxcywh")

#: The keys of a sample (as a Sample's fields or a dict's keys).
SAMPLE_KEYS = (
    "video",
    "label",
    "boxes",
    "box_format",
    "box_valid",
    "keypoints",
    "keypoint_visible",
    "mask",
    "segments",
    "fps",
)


class TargetsError(ShapeError):
    """Targets that do not fit their video (shape, format, values), named by field, op and shapes."""


def convert_boxes(boxes: Tensor, source: str, target: str) -> Tensor:
    """Convert (..., 4) boxes between ``"xyxy"``, ``"xywh"`` and ``"cxcywh"``.

    Example:
        >>> import torch
        >>> from tempaug.core.sample import convert_boxes
        >>> convert_boxes(torch.tensor([1.0, 2.0, 4.0, 6.0]), "xyxy", "cxcywh").tolist()
        [2.5, 4.0, 3.0, 4.0]
    """
    for fmt in (source, target):
        if fmt not in BOX_FORMATS:
            raise InvalidArgumentError(f"convert_boxes: unknown box format {fmt!r}; expected one of {BOX_FORMATS}")
    if source == target:
        return boxes
    a, b, c, d = boxes.unbind(-1)
    if source == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif source == "cxcywh":
        a, b, c, d = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    if target == "xywh":
        return torch.stack([a, b, c - a, d - b], -1)
    if target == "cxcywh":
        return torch.stack([(a + c) / 2, (b + d) / 2, c - a, d - b], -1)
    return torch.stack([a, b, c, d], -1)


@dataclasses.dataclass(eq=False)
class Sample:
    """A clip (T,C,H,W) or batch (B,T,C,H,W) and its targets; every field but ``video`` is optional.

    Attributes:
        video: the frames.
        label: a class index (int or () tensor), a soft row (K,), or per sample (B,) / (B, K).
        boxes: (T, N, 4) per-frame boxes in ``box_format`` (B, T, N, 4 for a batch).
        box_format: ``"xyxy"``, ``"xywh"`` or ``"cxcywh"``.
        box_valid: (T, N) bool, False where the object is absent (default: all present).
        keypoints: (T, N, K, 2) per-frame (x, y) points.
        keypoint_visible: (T, N, K) bool (default: all visible).
        mask: (T, M, H, W) per-frame masks: integer or bool masks move by nearest neighbour and are never
            blended; float masks are interpolated in space.
        segments: ``[(start, end, label), ...]`` spans of the clip (a list of such lists for a batch), in
            frames, or in seconds when ``fps`` is given; labels are strings or ints.
        fps: frames per second of ``segments`` given in seconds (None: segments are in frames).

    Example:
        >>> import torch, tempaug
        >>> s = tempaug.Sample(video=torch.rand(4, 3, 8, 8), label=1)
        >>> tempaug.HorizontalFlip()(s) == tempaug.HorizontalFlip().apply(s, tempaug.HorizontalFlip().sample((4, 3, 8, 8)))
        True
    """

    video: Tensor
    label: Any = None
    boxes: Tensor | None = None
    box_format: str = "xyxy"
    box_valid: Tensor | None = None
    keypoints: Tensor | None = None
    keypoint_visible: Tensor | None = None
    mask: Tensor | None = None
    segments: Any = None
    fps: float | None = None

    def __eq__(self, other: object) -> bool:
        """Exact equality of every field (tensors compared with ``torch.equal``)."""
        if not isinstance(other, Sample):
            return NotImplemented
        return all(_same(getattr(self, k), getattr(other, k)) for k in SAMPLE_KEYS)

    __hash__ = None  # type: ignore[assignment]

    def replace(self, **changes: Any) -> Sample:
        """A copy with some fields changed.

        Example:
            >>> import torch, tempaug
            >>> tempaug.Sample(video=torch.zeros(2, 1, 2, 2), label=0).replace(label=1).label
            1
        """
        return dataclasses.replace(self, **changes)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return (
            isinstance(a, Tensor)
            and isinstance(b, Tensor)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and torch.equal(a.cpu(), b.cpu())
        )
    return bool(a == b)


# ----------------------------------------------------------------------------------------------- Targets
@dataclasses.dataclass(frozen=True, eq=False)
class Targets:
    """Batched targets as the ops see them: every tensor has a leading batch dimension B.

    Attributes:
        label: (B,) long class indices or (B, K) float rows, or None.
        boxes: (B, T, N, 4) float32 ``xyxy`` boxes, or None; ``box_valid`` (B, T, N) bool.
        outline: (B, T, N, V, 2) float32, the corners of the part of each box still in view (its corners to start
            with), which geometric ops move and cut at the border; ``outline_used`` (B, T, N, V) bool marks the
            corners in use. ``boxes`` is always the bounding box of ``outline``.
        keypoints: (B, T, N, K, 2) float32, or None; ``keypoint_visible`` (B, T, N, K) bool.
        mask: (B, T, M, H, W), or None.
        times: (B, T) float32, the source time of every frame on its sample's original timeline.
        origin: (B, T) long, the input sample each frame came from (-1: none, e.g. a generated clip).
        segments: (B, S, 2) float32 ``[start, end)`` spans in frames, or None; ``segment_label`` (B, S)
            long indices into ``segment_names``; ``segment_valid`` (B, S) bool.
        segment_names: the segment labels' names (ints stay ints).
    """

    times: Tensor
    origin: Tensor
    label: Tensor | None = None
    boxes: Tensor | None = None
    box_valid: Tensor | None = None
    outline: Tensor | None = None
    outline_used: Tensor | None = None
    keypoints: Tensor | None = None
    keypoint_visible: Tensor | None = None
    mask: Tensor | None = None
    segments: Tensor | None = None
    segment_label: Tensor | None = None
    segment_valid: Tensor | None = None
    segment_names: tuple[Any, ...] = ()

    @property
    def spatial(self) -> bool:
        """True when the targets hold something that moves with the pixels (boxes, keypoints, a mask)."""
        return self.boxes is not None or self.keypoints is not None or self.mask is not None

    def replace(self, **changes: Any) -> Targets:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def tensors(self) -> dict[str, Tensor]:
        """Every tensor field by name."""
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if isinstance(getattr(self, f.name), Tensor)
        }

    def select(self, index: Tensor) -> Targets:
        """The targets of the samples ``index`` (B',) long."""
        return self.replace(**{k: v[index.to(v.device)] for k, v in self.tensors().items()})

    def scatter(self, index: Tensor, part: Targets) -> Targets:
        """These targets with the samples ``index`` replaced by ``part`` (same shapes per sample)."""
        changes = {}
        for k, v in self.tensors().items():
            new = getattr(part, k)
            out = v.clone()
            out[index.to(v.device)] = new.to(v.dtype)
            changes[k] = out
        return self.replace(**changes)

    def where(self, mask: Tensor, other: Targets) -> Targets:
        """Per sample, these targets where ``mask`` (B,) holds and ``other``'s elsewhere (same shapes)."""
        changes = {}
        for k, v in self.tensors().items():
            o = getattr(other, k)
            if o is None or o.shape != v.shape:
                raise ShapeError(
                    f"Targets.where: field {k!r} has shape {tuple(v.shape)} here and "
                    f"{None if o is None else tuple(o.shape)} in the other targets"
                )
            m = mask.to(v.device).view(-1, *([1] * (v.dim() - 1)))
            changes[k] = torch.where(m, v, o.to(v.dtype))
        return self.replace(**changes)


def identity_times(batch: int, length: int, device: torch.device | str | None = None) -> tuple[Tensor, Tensor]:
    """``times`` and ``origin`` of a batch no op has touched yet."""
    times = torch.arange(length, dtype=torch.float32, device=device).expand(batch, length).contiguous()
    origin = torch.arange(batch, device=device).view(-1, 1).expand(batch, length).contiguous()
    return times, origin


# ------------------------------------------------------------------------------------------- unpacking
@dataclasses.dataclass(frozen=True)
class Form:
    """How a value came in, so that :func:`pack` gives back the same kind: tensor, Sample or dict."""

    kind: str  # "tensor", "sample" or "dict"
    lifted: bool
    box_format: str = "xyxy"
    fps: float | None = None
    keys: tuple[str, ...] = ()
    label_kind: str = "none"  # "none", "int", "tensor"
    extra: tuple[tuple[str, Any], ...] = ()


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else getattr(value, key)


def _check_tensor(owner: str, key: str, value: Any, dims: int, lifted: bool, video_shape: tuple[int, ...]) -> Tensor:
    if not isinstance(value, Tensor):
        raise DTypeError(f"{owner}: {key} must be a tensor, got {type(value).__name__}")
    want = dims + (0 if lifted else 1)
    if value.dim() != want:
        layout = {
            "boxes": "T, N, 4",
            "box_valid": "T, N",
            "keypoints": "T, N, K, 2",
            "keypoint_visible": "T, N, K",
            "mask": "T, M, H, W",
        }[key]
        lead = "" if lifted else "B, "
        raise TargetsError(
            f"{owner}: {key} must have shape ({lead}{layout}), got {tuple(value.shape)} for a video of shape "
            f"{video_shape}"
        )
    return value if not lifted else value.unsqueeze(0)


def _segments_in(
    owner: str, raw: Any, batch: int, lifted: bool, fps: float | None
) -> tuple[Tensor, Tensor, Tensor, tuple[Any, ...]]:
    per_sample = [raw] if lifted else raw
    if not isinstance(per_sample, Sequence) or isinstance(per_sample, (str, bytes)) or len(per_sample) != batch:
        raise TargetsError(
            f"{owner}: segments must be a list of (start, end, label) for a clip, or one such list per sample of "
            f"a batch of {batch}, got {raw!r:.80}"
        )
    names: list[Any] = []
    rows: list[list[tuple[float, float, int]]] = []
    scale = 1.0 if fps is None else float(fps)
    for b, items in enumerate(per_sample):
        if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
            raise TargetsError(f"{owner}: segments of sample {b} must be a list of (start, end, label)")
        row = []
        for i, item in enumerate(items):
            if not isinstance(item, Sequence) or isinstance(item, (str, bytes)) or len(item) != 3:
                raise TargetsError(f"{owner}: segments[{i}] must be (start, end, label), got {item!r:.60}")
            start, end, name = item
            if not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (start, end)
            ):
                raise TargetsError(f"{owner}: segments[{i}] has a start or end that is not a finite number: {item!r}")
            if end < start:
                raise TargetsError(f"{owner}: segments[{i}] ends before it starts: {item!r}")
            if name not in names:
                names.append(name)
            row.append((float(start) * scale, float(end) * scale, names.index(name)))
        rows.append(row)
    s = max((len(r) for r in rows), default=0)
    spans = torch.zeros(batch, s, 2, dtype=torch.float32)
    labels = torch.zeros(batch, s, dtype=torch.long)
    valid = torch.zeros(batch, s, dtype=torch.bool)
    for b, row in enumerate(rows):
        for i, (start, end, k) in enumerate(row):
            spans[b, i, 0], spans[b, i, 1], labels[b, i], valid[b, i] = start, end, k, True
    return spans, labels, valid, tuple(names)


#: Per-frame objects: (dims of one clip's tensor, its layout, the size of its last dim, the presence mask's layout).
_OBJECTS = {
    "boxes": (3, "T, N, 4", 4, "T, N"),
    "keypoints": (4, "T, N, K, 2", 2, "T, N, K"),
}


def _objects(
    owner: str, value: Any, key: str, present_key: str, lifted: bool, shape: tuple[int, ...]
) -> tuple[Tensor, Tensor] | None:
    """Per-frame objects (boxes or keypoints) as float32 with a leading batch dim, and their presence mask."""
    raw = _field(value, key)
    if raw is None:
        return None
    dims, layout, last, present_layout = _OBJECTS[key]
    objects = _check_tensor(owner, key, raw, dims, lifted, shape)
    b, t = (1, *shape[:1]) if lifted else shape[:2]
    if objects.shape[:2] != (b, t) or objects.shape[-1] != last:
        raise TargetsError(
            f"{owner}: {key} of shape {tuple(raw.shape)} do not fit the video of shape {shape}: expected "
            f"({'' if lifted else f'{b}, '}{layout.replace('T', str(t), 1)})"
        )
    objects = objects.to(torch.float32)
    present_raw = _field(value, present_key)
    if present_raw is None:
        return objects, torch.ones(objects.shape[:-1], dtype=torch.bool, device=objects.device)
    present = _check_tensor(owner, present_key, present_raw, dims - 1, lifted, shape).to(torch.bool)
    if present.shape != objects.shape[:-1]:
        raise TargetsError(
            f"{owner}: {present_key} of shape {tuple(present_raw.shape)} does not match {key} of shape "
            f"{tuple(raw.shape)} (expected ({present_layout}))"
        )
    return objects, present


def _check_label(owner: str, label: Tensor, lifted: bool, shape: tuple[int, ...]) -> Tensor:
    """A class index per sample (integers, () for a clip, (B,) for a batch), or a row of K class weights per
    sample ((K,) or (B, K), any real dtype: one-hot or soft)."""
    index_dims = 0 if lifted else 1
    index_shape, row_shape = ("()", "(K,)") if lifted else ("(B,)", "(B, K)")
    if label.dtype == torch.bool or label.is_complex():
        raise DTypeError(f"{owner}: label must hold class indices or real class weights, got dtype {label.dtype}")
    if label.dim() == index_dims:
        if label.is_floating_point():
            raise DTypeError(
                f"{owner}: a label of shape {tuple(label.shape)} must hold integer class indices, got {label.dtype}; "
                f"soft labels are rows of shape {row_shape}"
            )
        return label.long()
    if label.dim() == index_dims + 1:
        return label
    raise TargetsError(
        f"{owner}: label must be class indices of shape {index_shape} or class weights of shape {row_shape}, got "
        f"{tuple(label.shape)} for a video of shape {shape}"
    )


def unpack(value: Any, owner: str) -> tuple[Tensor, Targets | None, Form]:
    """Split a tensor, :class:`Sample` or dict into a (B,T,C,H,W) batch, its :class:`Targets` and its :class:`Form`.

    Checks every field against the video and raises a :class:`TargetsError` naming the field, ``owner`` and
    the shapes. Nothing given is modified.

    Example:
        >>> import torch
        >>> from tempaug.core.sample import unpack
        >>> video, targets, form = unpack({"video": torch.zeros(4, 1, 8, 8), "label": 2}, "op")
        >>> tuple(video.shape), targets.label.tolist(), form.kind
        ((1, 4, 1, 8, 8), [2], 'dict')
    """
    if isinstance(value, Tensor):
        check_clip(value, owner)
        lifted = value.dim() == 4
        return (value.unsqueeze(0) if lifted else value), None, Form("tensor", lifted)
    if isinstance(value, Sample):
        kind, keys = "sample", SAMPLE_KEYS
        extra: tuple[tuple[str, Any], ...] = ()
    elif isinstance(value, Mapping):
        unknown = sorted(set(value) - set(SAMPLE_KEYS))
        if "video" not in value:
            raise TargetsError(f"{owner}: a sample dict needs a 'video' key, got keys {sorted(value)}")
        if unknown:
            raise TargetsError(f"{owner}: unknown sample key(s) {unknown}; a sample holds {list(SAMPLE_KEYS)}")
        kind, keys, extra = "dict", tuple(value), ()
    else:
        check_clip(value, owner)  # raises, naming the type and the way in for numpy arrays
        raise DTypeError(
            f"{owner}: expected a tensor, a tempaug.Sample or a dict with a 'video' key"
        )  # pragma: no cover
    video = _field(value, "video")
    check_clip(video, f"{owner}: video")
    lifted = video.dim() == 4
    vb = video.unsqueeze(0) if lifted else video
    b, t, _, h, w = vb.shape
    shape = tuple(video.shape)
    device = vb.device
    times, origin = identity_times(b, t, device)
    box_format = _field(value, "box_format") or "xyxy"
    if box_format not in BOX_FORMATS:
        raise TargetsError(f"{owner}: box_format must be one of {BOX_FORMATS}, got {box_format!r}")
    fps = _field(value, "fps")
    if fps is not None and (not isinstance(fps, (int, float)) or isinstance(fps, bool) or not fps > 0):
        raise TargetsError(f"{owner}: fps must be a number > 0, got {fps!r}")

    label_raw = _field(value, "label")
    label: Tensor | None = None
    label_kind = "none"
    if label_raw is not None:
        if isinstance(label_raw, bool) or not isinstance(label_raw, (int, Tensor)):
            raise DTypeError(f"{owner}: label must be an int or a tensor, got {type(label_raw).__name__}")
        label_kind = "int" if isinstance(label_raw, int) else "tensor"
        given = torch.as_tensor(label_raw, device=device)
        label = _check_label(owner, given, lifted, shape)
        label = label.unsqueeze(0) if lifted else label
        if label.shape[0] != b:
            raise TargetsError(
                f"{owner}: label of shape {tuple(given.shape)} holds {label.shape[0]} label(s), but the video of "
                f"shape {shape} has {b} samples"
            )

    boxes = box_valid = None
    found = _objects(owner, value, "boxes", "box_valid", lifted, shape)
    if found is not None:
        boxes, box_valid = found
        boxes = convert_boxes(boxes, box_format, "xyxy")
        if bool((boxes[..., 2] < boxes[..., 0]).any() or (boxes[..., 3] < boxes[..., 1]).any()):
            raise TargetsError(f"{owner}: boxes must have x1 >= x0 and y1 >= y0 (format {box_format!r})")
        outside = box_valid & (
            (boxes[..., 2] <= 0) | (boxes[..., 3] <= 0) | (boxes[..., 0] >= w) | (boxes[..., 1] >= h)
        )
        if bool(outside.any()):
            raise TargetsError(
                f"{owner}: boxes of shape {tuple(_field(value, 'boxes').shape)} hold {int(outside.sum())} valid "
                f"box(es) entirely outside the {w}x{h} frame; mark absent objects with box_valid=False"
            )
    keypoints = keypoint_visible = None
    found = _objects(owner, value, "keypoints", "keypoint_visible", lifted, shape)
    if found is not None:
        keypoints, keypoint_visible = found

    mask = None
    raw = _field(value, "mask")
    if raw is not None:
        mask = _check_tensor(owner, "mask", raw, 4, lifted, shape)
        if mask.shape[:2] != (b, t) or mask.shape[-2:] != (h, w):
            raise TargetsError(
                f"{owner}: mask of shape {tuple(raw.shape)} does not fit the video of shape {shape}: expected "
                f"({'' if lifted else f'{b}, '}{t}, M, {h}, {w})"
            )

    segments = segment_label = segment_valid = None
    names: tuple[Any, ...] = ()
    raw = _field(value, "segments")
    if raw is not None:
        segments, segment_label, segment_valid, names = _segments_in(owner, raw, b, lifted, fps)
        segments, segment_label, segment_valid = segments.to(device), segment_label.to(device), segment_valid.to(device)

    outline = outline_used = None
    if boxes is not None:
        outline, outline_used = box_outline(boxes)
    targets = Targets(
        times=times,
        origin=origin,
        label=label,
        boxes=boxes,
        box_valid=box_valid,
        outline=outline,
        outline_used=outline_used,
        keypoints=keypoints,
        keypoint_visible=keypoint_visible,
        mask=mask,
        segments=segments,
        segment_label=segment_label,
        segment_valid=segment_valid,
        segment_names=names,
    )
    form = Form(kind, lifted, box_format, fps, keys, label_kind, extra)
    return vb, targets, form


def _runs(member: list[bool]) -> list[tuple[int, int]]:
    runs, start = [], None
    for t, m in enumerate([*member, False]):
        if m and start is None:
            start = t
        elif not m and start is not None:
            runs.append((start, t))
            start = None
    return runs


def segments_out(targets: Targets) -> list[list[tuple[float, float, Any]]]:
    """Per sample, the segments as ``(start, end, label)`` spans of output frames (in frames).

    A segment covers the output frames whose source sample and source time fall in its span; each run of
    such frames is one span ``[first, last + 1)``.

    Example:
        >>> import torch
        >>> from tempaug.core.sample import Targets, segments_out
        >>> t = Targets(times=torch.tensor([[3.0, 2.0, 1.0, 0.0]]), origin=torch.zeros(1, 4, dtype=torch.long),
        ...             segments=torch.tensor([[[0.0, 2.0]]]), segment_label=torch.zeros(1, 1, dtype=torch.long),
        ...             segment_valid=torch.ones(1, 1, dtype=torch.bool), segment_names=("run",))
        >>> segments_out(t)
        [[(2.0, 4.0, 'run')]]
    """
    assert targets.segments is not None and targets.segment_label is not None and targets.segment_valid is not None
    times = targets.times.cpu()
    origin = targets.origin.cpu()
    spans = targets.segments.cpu()
    labels = targets.segment_label.cpu()
    valid = targets.segment_valid.cpu()
    out = []
    for b in range(times.shape[0]):
        found: list[tuple[float, float, Any]] = []
        for j in origin[b].unique().tolist():
            if j < 0 or j >= spans.shape[0]:
                continue
            for s in range(spans.shape[1]):
                if not bool(valid[j, s]):
                    continue
                start, end = spans[j, s].tolist()
                member = ((origin[b] == j) & (times[b] >= start) & (times[b] < end)).tolist()
                for r0, r1 in _runs(member):
                    found.append((float(r0), float(r1), targets.segment_names[int(labels[j, s])]))
        out.append(sorted(found, key=lambda item: (item[0], item[1])))
    return out


def pack(form: Form, video: Tensor, targets: Targets | None, original: Any = None) -> Any:
    """Give back the kind of value :func:`unpack` took: a tensor, a :class:`Sample` or a dict.

    Example:
        >>> import torch
        >>> from tempaug.core.sample import pack, unpack
        >>> s = {"video": torch.zeros(2, 1, 4, 4), "label": 1}
        >>> video, targets, form = unpack(s, "op")
        >>> out = pack(form, video.flip(1), targets, s)
        >>> sorted(out), out["label"]
        (['label', 'video'], 1)
    """
    lower = (lambda v: v.squeeze(0)) if form.lifted else (lambda v: v)
    out_video = lower(video)
    if form.kind == "tensor" or targets is None:
        return out_video
    fields: dict[str, Any] = {"video": out_video}
    if targets.label is not None:
        label = lower(targets.label)
        if form.label_kind == "int" and not label.is_floating_point() and label.dim() == 0:
            fields["label"] = int(label)
        else:
            fields["label"] = label
    if targets.boxes is not None:
        assert targets.box_valid is not None
        fields["boxes"] = lower(convert_boxes(targets.boxes, "xyxy", form.box_format))
        fields["box_valid"] = lower(targets.box_valid)
        fields["box_format"] = form.box_format
    if targets.keypoints is not None:
        assert targets.keypoint_visible is not None
        fields["keypoints"] = lower(targets.keypoints)
        fields["keypoint_visible"] = lower(targets.keypoint_visible)
    if targets.mask is not None:
        fields["mask"] = lower(targets.mask)
    if targets.segments is not None:
        per_sample = segments_out(targets)
        if form.fps is not None:
            per_sample = [[(s / form.fps, e / form.fps, k) for s, e, k in row] for row in per_sample]
        fields["segments"] = per_sample[0] if form.lifted else per_sample
        if form.fps is not None:
            fields["fps"] = form.fps
    if form.kind == "sample":
        return Sample(**fields)
    result = dict(original) if isinstance(original, Mapping) else {}
    for key in ("box_format", "fps"):  # validity and visibility always come back: ops can lose objects
        if key not in form.keys:
            fields.pop(key, None)
    result.update(fields)
    return result
