"""Geometric ops: crops, resizes, flips and affine warps, one parameter draw per clip by default.

Each op only draws a (B, T', 3, 3) map (see :mod:`tempaug.core.geometry`); with
``vary="clip"`` every frame of a clip gets the same crop, flip or angle, with
``"frame"`` each frame draws its own, and with ``"smooth"`` two draws per clip
are interpolated across time (a slow zoom or pan).

Example:
    >>> import torch, tempaug
    >>> clip = torch.randint(0, 256, (16, 3, 128, 171), dtype=torch.uint8)
    >>> tempaug.Compose([tempaug.RandomResizedCrop(112), tempaug.HorizontalFlip(p=0.5)])(clip).shape
    torch.Size([16, 3, 112, 112])
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..core import rng
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.geometry import GeometricParams, GeometricTransform
from ..core.sample import Targets, TargetsError
from ..core.transform import Shape
from ..core.validation import check_range
from ..core.vary import check_vary, draw_over_time
from ..functional.geometric import affine_matrix, box_matrix, flip_matrix

__all__ = [
    "CenterCrop",
    "CropParams",
    "HorizontalFlip",
    "RandomAffine",
    "RandomAffineParams",
    "RandomCrop",
    "RandomResizedCrop",
    "Resize",
    "VerticalFlip",
]


def _size_pair(op: str, arg: str, size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, bool) or not (
        isinstance(size, int)
        or (
            isinstance(size, Sequence)
            and len(size) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
        )
    ):
        raise InvalidArgumentError(f"{op}: {arg} must be an int or an (h, w) pair of ints, got {size!r}", arg=arg)
    pair = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if min(pair) < 1:
        raise InvalidArgumentError(f"{op}: {arg} must be positive, got {size!r}", arg=arg)
    return pair


def _keep(size: int | Sequence[int]) -> int | tuple[int, int]:
    return size if isinstance(size, int) else (int(size[0]), int(size[1]))


def _over_time(boxes_at: Tensor, vary: str, frames: int) -> Tensor:
    """(B, K, 4) boxes drawn K = 1 ('clip'), T ('frame') or 2 ('smooth') times -> (B, T', 4)."""
    if vary != "smooth":
        return boxes_at
    t = torch.linspace(0.0, 1.0, frames, device=boxes_at.device).view(1, frames, 1)
    return torch.lerp(boxes_at[:, :1], boxes_at[:, 1:2], t)


def _draws(vary: str, frames: int) -> int:
    return {"clip": 1, "frame": frames, "smooth": 2}[vary]


@dataclasses.dataclass(frozen=True, eq=False)
class CropParams(GeometricParams):
    """Params of the crop ops: ``boxes`` (B, T', 4) as (x0, y0, x1, y1) input pixel edges, x1/y1 exclusive."""

    boxes: Tensor


# ------------------------------------------------------------------- crops
class _SizedOp(GeometricTransform[CropParams]):
    """Ops that read a box of each frame into an output of ``size``."""

    abstract = True
    params_type: ClassVar[type[Any]] = CropParams

    def _set_size(self, size: int | Sequence[int]) -> None:
        self._size = _size_pair(self.name, "size", size)
        self.size = _keep(size)

    def _out_size(self, shape: Shape) -> tuple[int, int]:
        return self._size


class RandomResizedCrop(_SizedOp):
    """Crop a random area and aspect ratio, then resize to ``size`` (torchvision's sampling, per sample).

    Args:
        size: output (h, w), or an int for a square.
        scale: range of the crop's share of the frame area.
        ratio: range of the crop's aspect ratio w/h (drawn log-uniformly).
        antialias: antialiased resize when shrinking on the CPU.
        vary: ``"clip"`` one box per clip, ``"frame"`` one per frame, ``"smooth"`` a box that moves from
            one draw to another across the clip (a slow zoom or pan).
        p: gate; only meaningful when ``size`` equals the frame size.

    Example:
        >>> import torch, tempaug
        >>> out, params = tempaug.RandomResizedCrop(8)(torch.rand(4, 3, 16, 20), return_params=True)
        >>> out.shape, params.boxes.shape
        (torch.Size([4, 3, 8, 8]), torch.Size([1, 1, 4]))
    """

    def __init__(
        self,
        size: int | Sequence[int],
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3.0 / 4.0, 4.0 / 3.0),
        antialias: bool = True,
        vary: str = "clip",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._set_size(size)
        self.scale = check_range(self.name, "scale", scale, low=0.0, low_open=True, high=1.0)
        self.ratio = check_range(self.name, "ratio", ratio, low=0.0, low_open=True)
        self.antialias = bool(antialias)
        self.vary = check_vary(self.name, vary)

    @property
    def reads_outside(self) -> bool:
        return False

    def _boxes(self, n: int, h: int, w: int, generator: torch.Generator | None) -> Tensor:
        """(n, 4) float boxes: torchvision's 10 tries with its centre-crop fallback.

        All random numbers come from one draw; the tries are plain arithmetic on
        a few numbers per sample, far cheaper than a dozen tiny tensor ops.
        """
        tries = 10
        u = rng.rand((n, 2 * tries + 2), generator).tolist()
        (s_lo, s_hi), (r_lo, r_hi) = self.scale, (math.log(self.ratio[0]), math.log(self.ratio[1]))
        in_ratio = w / h
        if in_ratio < self.ratio[0]:
            fallback = (w, round(w / self.ratio[0]))
        elif in_ratio > self.ratio[1]:
            fallback = (round(h * self.ratio[1]), h)
        else:
            fallback = (w, h)
        boxes = []
        for row in u:
            for k in range(tries):
                area = h * w * (s_lo + (s_hi - s_lo) * row[k])
                r = math.exp(r_lo + (r_hi - r_lo) * row[tries + k])
                cw, ch = round(math.sqrt(area * r)), round(math.sqrt(area / r))
                if 0 < cw <= w and 0 < ch <= h:
                    x0 = min(math.floor(row[-2] * (w - cw + 1)), w - cw)
                    y0 = min(math.floor(row[-1] * (h - ch + 1)), h - ch)
                    break
            else:
                cw, ch = fallback
                x0, y0 = (w - cw) // 2, (h - ch) // 2
            boxes.append((x0, y0, x0 + cw, y0 + ch))
        return torch.tensor(boxes, dtype=torch.float32, device=rng.generator_device(generator)).view(n, 4)

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t, _, h, w = shape
        k = _draws(self.vary, t)
        boxes = self._boxes(b * k, h, w, generator).view(b, k, 4)
        boxes = _over_time(boxes, self.vary, t)
        return box_matrix(boxes, self._size), {"boxes": boxes}


class RandomCrop(_SizedOp):
    """Crop ``size`` at a random place (the same for every frame of a clip).

    Args:
        size: (h, w), or an int for a square.
        padding: pixels of ``fill`` added on every side before cropping.
        pad_if_needed: pad frames smaller than ``size`` instead of raising.
        fill: value of padded pixels (in the input's units: 0-255 for uint8).
        vary: ``"clip"`` one place per clip, ``"frame"`` one per frame (jitter), ``"smooth"`` a place that
            moves from one draw to another across the clip (a slow pan).
        p: gate; only meaningful when ``size`` equals the frame size.

    Example:
        >>> import torch, tempaug
        >>> tempaug.RandomCrop(4)(torch.rand(2, 3, 8, 8)).shape
        torch.Size([2, 3, 4, 4])
    """

    def __init__(
        self,
        size: int | Sequence[int],
        padding: int = 0,
        pad_if_needed: bool = False,
        fill: float = 0.0,
        vary: str = "clip",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._set_size(size)
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise InvalidArgumentError(f"{self.name}: padding must be an int >= 0, got {padding!r}", arg="padding")
        self.padding = padding
        self.pad_if_needed = bool(pad_if_needed)
        self.fill = float(fill)
        self.vary = check_vary(self.name, vary)

    @property
    def reads_outside(self) -> bool:
        return self.padding > 0 or self.pad_if_needed

    @property
    def resamples(self) -> bool:
        return False

    def _check_shape(self, shape: Shape) -> None:
        h, w = shape[3] + 2 * self.padding, shape[4] + 2 * self.padding
        if not self.pad_if_needed and (self._size[0] > h or self._size[1] > w):
            raise ShapeError(
                f"{self.name}: size={self._size} is larger than the frame {(h, w)} of the input {shape}"
                + (f" with padding={self.padding}" if self.padding else "")
                + "; pass pad_if_needed=True to pad"
            )

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, _, _, h, w = shape
        ch, cw = self._size
        lo_x, hi_x = -self.padding, w + self.padding - cw
        lo_y, hi_y = -self.padding, h + self.padding - ch
        if hi_x < lo_x:  # pad_if_needed: centre the frame inside the larger crop
            lo_x = hi_x = (w - cw) // 2
        if hi_y < lo_y:
            lo_y = hi_y = (h - ch) // 2
        k = _draws(self.vary, shape[1])
        x0 = rng.randint(lo_x, hi_x, (b * k,), generator).to(torch.float32)
        y0 = rng.randint(lo_y, hi_y, (b * k,), generator).to(torch.float32)
        boxes = _over_time(torch.stack([x0, y0, x0 + cw, y0 + ch], dim=1).view(b, k, 4), self.vary, shape[1])
        return box_matrix(boxes, self._size), {"boxes": boxes}


class CenterCrop(_SizedOp):
    """Crop ``size`` from the centre of every frame.

    Args:
        size: (h, w), or an int for a square.
        pad_if_needed: pad frames smaller than ``size`` (with 0) instead of raising.

    Example:
        >>> import torch, tempaug
        >>> tempaug.CenterCrop(2)(torch.arange(16.0).view(1, 1, 4, 4)).flatten().tolist()
        [5.0, 6.0, 9.0, 10.0]
    """

    def __init__(self, size: int | Sequence[int], pad_if_needed: bool = False, p: float = 1.0) -> None:
        super().__init__(p=p)
        self._set_size(size)
        self.pad_if_needed = bool(pad_if_needed)

    @property
    def reads_outside(self) -> bool:
        return self.pad_if_needed

    @property
    def resamples(self) -> bool:
        return False

    def _check_shape(self, shape: Shape) -> None:
        if not self.pad_if_needed and (self._size[0] > shape[3] or self._size[1] > shape[4]):
            raise ShapeError(
                f"{self.name}: size={self._size} is larger than the frame {tuple(shape[3:])} of the input {shape}; "
                "pass pad_if_needed=True to pad"
            )

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, _, _, h, w = shape
        ch, cw = self._size
        x0, y0 = float((w - cw) // 2), float((h - ch) // 2)
        device = rng.generator_device(generator)
        boxes = torch.tensor([x0, y0, x0 + cw, y0 + ch], device=device).expand(b, 1, 4).clone()
        return box_matrix(boxes, self._size), {"boxes": boxes}


class Resize(_SizedOp):
    """Resize every frame: an int sets the short side (keeping the aspect ratio), a pair sets (h, w).

    Args:
        size: short side, or exact (h, w).
        antialias: antialiased resize when shrinking on the CPU.

    Example:
        >>> import torch, tempaug
        >>> tempaug.Resize(64).output_shape((16, 3, 128, 171))
        (16, 3, 64, 85)
    """

    def __init__(self, size: int | Sequence[int], antialias: bool = True, p: float = 1.0) -> None:
        super().__init__(p=p)
        self._set_size(size)
        self.antialias = bool(antialias)

    @property
    def reads_outside(self) -> bool:
        return False

    @property
    def crops(self) -> bool:
        return False

    def _out_size(self, shape: Shape) -> tuple[int, int]:
        if not isinstance(self.size, int):
            return self._size
        h, w = shape[3], shape[4]
        short, long = (h, w) if h <= w else (w, h)
        new_long = max(1, int(self.size * long / max(short, 1)))
        return (self.size, new_long) if h <= w else (new_long, self.size)

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, _, _, h, w = shape
        device = rng.generator_device(generator)
        boxes = torch.tensor([0.0, 0.0, float(w), float(h)], device=device).expand(b, 1, 4).clone()
        return box_matrix(boxes, self._out_size(shape)), {"boxes": boxes}


# ------------------------------------------------------------------- flips
def _check_swap(op: str, swap: Any) -> list[list[Any]]:
    """The class swap map as sorted pairs, each class listed once: ``{"left": "right"}`` -> ``[["left", "right"]]``."""
    if swap is None:
        return []
    items = list(swap.items()) if isinstance(swap, Mapping) else swap
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise InvalidArgumentError(f"{op}: swap must map classes to classes, got {swap!r}", arg="swap")
    partner: dict[Any, Any] = {}
    for item in items:
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 2:
            raise InvalidArgumentError(f"{op}: swap must map classes to classes, got the entry {item!r}", arg="swap")
        a, b = item
        for c in (a, b):
            if not (isinstance(c, str) or (isinstance(c, int) and not isinstance(c, bool) and c >= 0)):
                raise InvalidArgumentError(
                    f"{op}: swap names classes by a class index >= 0 or a name, got {c!r}", arg="swap"
                )
        if a == b:
            raise InvalidArgumentError(f"{op}: swap maps {a!r} to itself", arg="swap")
        for x, y in ((a, b), (b, a)):
            if partner.get(x, y) != y:
                raise InvalidArgumentError(
                    f"{op}: swap pairs {x!r} with both {partner[x]!r} and {y!r}; each class swaps with one other",
                    arg="swap",
                )
            partner[x] = y
    pairs = {tuple(sorted((a, b), key=repr)) for a, b in partner.items()}
    return [list(pair) for pair in sorted(pairs, key=repr)]


class HorizontalFlip(GeometricTransform[GeometricParams]):
    """Mirror every frame left-right.

    Args:
        p: probability, per sample, of flipping.
        swap: classes whose meaning flips with the frame, e.g. ``{"push_left": "push_right"}`` or ``{3: 4}``
            (either direction; each pair swaps both ways). A flipped sample's class label (an index, or the
            columns of a soft row) and its segments' labels are swapped.

    Example:
        >>> import torch, tempaug
        >>> tempaug.HorizontalFlip()(torch.arange(3.0).view(1, 1, 1, 3)).flatten().tolist()
        [2.0, 1.0, 0.0]
        >>> flip = tempaug.HorizontalFlip(swap={3: 4})
        >>> out = flip(tempaug.Sample(video=torch.zeros(2, 1, 4, 4), label=3, segments=[(0, 1, 4)]))
        >>> out.label, out.segments
        (4, [(0.0, 1.0, 3)])
    """

    horizontal: ClassVar[bool] = True

    def __init__(self, p: float = 1.0, swap: Mapping[Any, Any] | Sequence[Sequence[Any]] | None = None) -> None:
        super().__init__(p=p)
        self.swap = _check_swap(self.name, swap)

    @property
    def reads_outside(self) -> bool:
        return False

    @property
    def resamples(self) -> bool:
        return False

    @property
    def crops(self) -> bool:
        return False

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        return flip_matrix(self.horizontal, (shape[3], shape[4]), shape[0], rng.generator_device(generator)), {}

    def map_targets(self, targets: Targets, params: GeometricParams, shape: Shape) -> Targets:
        """Boxes, keypoints and masks are mirrored; with ``swap``, a flipped sample's classes are swapped too."""
        moved = super().map_targets(targets, params, shape)
        if not self.swap:
            return moved
        flipped = params.applied.to(targets.times.device)
        pairs = [(a, b) for a, b in self.swap] + [(b, a) for a, b in self.swap]
        changes: dict[str, Any] = {}
        label = moved.label
        if label is not None:
            indices = [(a, b) for a, b in pairs if isinstance(a, int) and isinstance(b, int)]
            if label.dim() == 2:  # rows of class weights (one-hot or soft)
                k = label.shape[-1]
                unknown = sorted({c for pair in indices for c in pair if c >= k})
                if unknown:
                    raise TargetsError(
                        f"{self.name}: swap names class(es) {unknown}, but the label rows of shape "
                        f"{tuple(label.shape)} have {k} classes"
                    )
                order = list(range(k))
                for a, b in indices:
                    order[a] = b
                swapped = label[:, order]
            else:
                swapped = label
                for a, b in indices:
                    swapped = torch.where(label == a, b, swapped)
            changes["label"] = torch.where(flipped.view(-1, *([1] * (label.dim() - 1))), swapped, label)
        if moved.segment_label is not None:
            names = list(moved.segment_names)
            lookup = dict(pairs)
            for name in list(names):
                if name in lookup and lookup[name] not in names:
                    names.append(lookup[name])
            table = torch.tensor(
                [names.index(lookup.get(name, name)) for name in names], dtype=torch.long, device=flipped.device
            )
            renamed = table[moved.segment_label]
            changes["segment_label"] = torch.where(flipped.view(-1, 1), renamed, moved.segment_label)
            changes["segment_names"] = tuple(names)
        return moved.replace(**changes)


class VerticalFlip(HorizontalFlip):
    """Mirror every frame top-bottom.

    Example:
        >>> import torch, tempaug
        >>> tempaug.VerticalFlip()(torch.arange(3.0).view(1, 1, 3, 1)).flatten().tolist()
        [2.0, 1.0, 0.0]
    """

    horizontal: ClassVar[bool] = False


# ------------------------------------------------------------------ affine
@dataclasses.dataclass(frozen=True, eq=False)
class RandomAffineParams(GeometricParams):
    """Params of :class:`RandomAffine`: per draw ``angle`` (B, T'), ``translate`` (B, T', 2) pixels,
    ``scale`` (B, T') and ``shear`` (B, T', 2) degrees."""

    angle: Tensor
    translate: Tensor
    scale: Tensor
    shear: Tensor


def _symmetric(
    op: str, arg: str, value: float | Sequence[float] | None, low: float | None = None
) -> tuple[float, float]:
    if value is None:
        return (0.0, 0.0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise InvalidArgumentError(f"{op}: {arg} as a single number must be >= 0, got {value!r}", arg=arg)
        return (-float(value), float(value))
    return check_range(op, arg, value, low=low)


class RandomAffine(GeometricTransform[RandomAffineParams]):
    """Rotate, translate, scale and shear every frame about its centre (torchvision's parameters).

    Args:
        degrees: rotation range; a number d means (-d, d).
        translate: (fx, fy) largest shift as a share of the width and height, or None.
        scale: (lo, hi) zoom range, or None.
        shear: x shear range in degrees (a number s means (-s, s)), or None.
        fill: value of pixels read from outside the frame (0-255 for uint8).
        vary: ``"clip"``, ``"frame"`` or ``"smooth"`` (e.g. a slow rotation across the clip).
        p: probability, per sample, of warping.

    Example:
        >>> import torch, tempaug
        >>> out, params = tempaug.RandomAffine(degrees=10, vary="smooth")(torch.rand(8, 3, 16, 16), return_params=True)
        >>> out.shape, params.angle.shape
        (torch.Size([8, 3, 16, 16]), torch.Size([1, 8]))
    """

    params_type: ClassVar[type[Any]] = RandomAffineParams

    def __init__(
        self,
        degrees: float | Sequence[float] = 0.0,
        translate: Sequence[float] | None = None,
        scale: Sequence[float] | None = None,
        shear: float | Sequence[float] | None = None,
        fill: float = 0.0,
        vary: str = "clip",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._degrees = _symmetric(self.name, "degrees", degrees)
        self.degrees = degrees if isinstance(degrees, (int, float)) else tuple(self._degrees)
        if translate is not None:
            if not isinstance(translate, Sequence) or len(translate) != 2:
                raise InvalidArgumentError(
                    f"{self.name}: translate must be an (fx, fy) pair, got {translate!r}", arg="translate"
                )
            fx = check_range(self.name, "translate", float(translate[0]), low=0.0, high=1.0)[0]
            fy = check_range(self.name, "translate", float(translate[1]), low=0.0, high=1.0)[0]
            self._translate = (fx, fy)
            self.translate: tuple[float, float] | None = (fx, fy)
        else:
            self._translate, self.translate = (0.0, 0.0), None
        self._scale = (
            check_range(self.name, "scale", scale, low=0.0, low_open=True) if scale is not None else (1.0, 1.0)
        )
        self.scale = tuple(self._scale) if scale is not None else None
        self._shear = _symmetric(self.name, "shear", shear)
        self.shear = shear if shear is None or isinstance(shear, (int, float)) else tuple(self._shear)
        self.fill = float(fill)
        self.vary = check_vary(self.name, vary)

    @property
    def reads_outside(self) -> bool:
        """False only when the op can only zoom in about the centre (no rotation, shift or shear)."""
        return not (
            self._degrees == (0.0, 0.0)
            and self._translate == (0.0, 0.0)
            and self._shear == (0.0, 0.0)
            and self._scale[0] >= 1.0
        )

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t, _, h, w = shape
        steps = 1 if self.vary == "clip" else t

        def over_time(lo: float, hi: float) -> Tensor:
            return draw_over_time(b, steps, lambda s: rng.uniform(s, lo, hi, generator), self.vary)

        angle = over_time(*self._degrees)
        tx = over_time(-self._translate[0] * w, self._translate[0] * w)
        ty = over_time(-self._translate[1] * h, self._translate[1] * h)
        scale = over_time(*self._scale)
        sx = over_time(*self._shear)
        translate = torch.stack([torch.round(tx), torch.round(ty)], dim=-1)
        shear = torch.stack([sx, torch.zeros_like(sx)], dim=-1)
        matrix = affine_matrix(angle, translate, scale, shear, (h, w))
        return matrix, {"angle": angle, "translate": translate, "scale": scale, "shear": shear}
