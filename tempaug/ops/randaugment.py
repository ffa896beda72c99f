"""RandAugment and TrivialAugment for video: a pool of photometric, geometric and temporal ops, one strength scale.

Every sample of a batch draws its own ops and magnitudes. A magnitude ``m`` in
``[0, num_magnitude_bins - 1]`` sets each op's strength linearly: with
``f = m / (num_magnitude_bins - 1)`` and ``s = ±1`` a random direction per
sample and op (signed ops only), the ops do:

================  =======================================================  ======================
op                value at magnitude m                                      at the top bin
================  =======================================================  ======================
Identity          nothing                                                   -
Brightness        factor ``1 + 0.9 s f``                                    0.1 .. 1.9
Contrast          factor ``1 + 0.9 s f`` (blend with the frame's mean grey)  0.1 .. 1.9
Color             saturation factor ``1 + 0.9 s f`` (RGB only)              0.1 .. 1.9
Hue               shift ``0.25 s f`` turns of the colour circle (RGB only)   -0.25 .. 0.25
Sharpness         factor ``1 + 0.9 s f`` against a 3x3 blur (< 1 blurs)      0.1 .. 1.9
Rotate            ``30 s f`` degrees                                        -30 .. 30
ShearX, ShearY    ``atan(0.3 s f)`` degrees                                 -16.7 .. 16.7
TranslateX, -Y    ``round(150/331 s f W)`` (or H) pixels                    -0.45 W .. 0.45 W
HorizontalFlip    mirror left-right (no magnitude)                          -
TemporalReverse   play backwards (no magnitude)                             -
SpeedJitter       speed ``2 ** (s f)``, length kept, ``boundary`` past end   0.5x .. 2x
FrameDrop         ``round(0.5 f (T - 1))`` frames lost, refilled            half the frames
TimeWarp          warp strength ``f`` (TimeWarp's ``strength``), 4 knots     1.0
================  =======================================================  ======================

Magnitude 0 is the identity for every op that has a magnitude. On a clip
whose C is not 3, Color and Hue leave it unchanged (a grey clip has no hue).

Example:
    >>> import torch, tempaug
    >>> aug = tempaug.VideoRandAugment(num_ops=2, magnitude=9)
    >>> batch = torch.randint(0, 256, (4, 8, 3, 16, 16), dtype=torch.uint8)
    >>> out, params = aug(batch, generator=torch.Generator().manual_seed(0), return_params=True)
    >>> out.shape == batch.shape, params.op.shape, torch.equal(aug.apply(batch, params), out)
    (True, torch.Size([4, 2]), True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..core import rng
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.moves import move_in_space, move_in_time
from ..core.params import Params
from ..core.sample import Targets
from ..core.transform import Shape, Transform, apply_select
from ..core.validation import check_choice, check_int
from ..core.vary import check_vary, draw_over_time
from ..functional import color as color_kernels
from ..functional.geometric import SpaceMap, affine_matrix, flip_matrix, identity_matrix, warp
from ..functional.temporal import (
    apply_map,
    drop_positions,
    play_positions,
    play_slack,
    positions_to_map,
    warp_knots,
    warp_positions,
)

__all__ = [
    "AUGMENT_OPS",
    "VideoRandAugment",
    "VideoRandAugmentParams",
    "VideoTrivialAugment",
    "VideoTrivialAugmentParams",
]

#: Every op of the pool, in the order ``params.op`` indexes them when no ``ops=`` allow-list is given.
AUGMENT_OPS: tuple[str, ...] = (
    "Identity",
    "Brightness",
    "Contrast",
    "Color",
    "Hue",
    "Sharpness",
    "Rotate",
    "ShearX",
    "ShearY",
    "TranslateX",
    "TranslateY",
    "HorizontalFlip",
    "TemporalReverse",
    "SpeedJitter",
    "FrameDrop",
    "TimeWarp",
)

# Strength at the top bin (the value the magnitude scales linearly), as in torchvision's RandAugment space.
_ENHANCE = 0.9  # Brightness, Contrast, Color, Sharpness: factor 1 ± 0.9
_HUE = 0.25  # turns
_ROTATE = 30.0  # degrees
_SHEAR = 0.3  # tangent of the shear angle
_TRANSLATE = 150.0 / 331.0  # share of the frame side
_SPEED = 1.0  # log2 of the speed factor
_DROP = 0.5  # share of the T - 1 frames that may be lost
_WARP = 1.0  # TimeWarp strength
_WARP_KNOTS = 4
_SHARPEN_SIGMA = 0.65  # a 3x3 Gaussian whose centre weight is that of PIL's smoothing kernel (5/13)

_SIGNED = frozenset(
    {
        "Brightness",
        "Contrast",
        "Color",
        "Hue",
        "Sharpness",
        "Rotate",
        "ShearX",
        "ShearY",
        "TranslateX",
        "TranslateY",
        "SpeedJitter",
    }
)

# Ops that share one kernel pass per slot: every sample that drew one of a family's ops goes through that pass once.
_TIME, _COLOR, _SPACE, _SHARP = "time", "color", "space", "sharpness"
_FAMILY = {
    "Brightness": _COLOR,
    "Contrast": _COLOR,
    "Color": _COLOR,
    "Hue": _COLOR,
    "Sharpness": _SHARP,
    "Rotate": _SPACE,
    "ShearX": _SPACE,
    "ShearY": _SPACE,
    "TranslateX": _SPACE,
    "TranslateY": _SPACE,
    "HorizontalFlip": _SPACE,
    "TemporalReverse": _TIME,
    "SpeedJitter": _TIME,
    "FrameDrop": _TIME,
    "TimeWarp": _TIME,
}
_FAMILY_ORDER = (_TIME, _COLOR, _SPACE, _SHARP)
_BLENDING = frozenset({"SpeedJitter", "TimeWarp"})
_RGB_ONLY = frozenset({"Color", "Hue"})  # the identity on clips whose C is not 3


# ----------------------------------------------------------------------- params
@dataclasses.dataclass(frozen=True, eq=False)
class VideoRandAugmentParams(Params):
    """Params of :class:`VideoRandAugment`: N = ``num_ops`` slots per sample, run in order.

    Attributes:
        applied: (B,) bool, the ``p`` gate (a gated-off sample runs no op).
        op: (B, N) long, per slot the index into the transform's ``ops`` of the op the sample ran.
        magnitude: (B, N, T) float32, the magnitude in bins at every frame (constant with ``vary="clip"``).
        sign: (B, N) float32, the direction (±1) of signed ops; 1 for ops without one.
        positions: (B, N, T) float32, the source positions of a temporal op (the identity for other ops).
        matrix: (B, N, T', 3, 3) float32 output-to-input maps of a geometric op (the identity for other
            ops); T' = 1 with ``vary="clip"``, T otherwise.
        brightness, contrast, saturation: (B, N, T) float32 colour factors (1 for other ops).
        hue: (B, N, T) float32 hue shifts in turns (0 for other ops).
        sharpness: (B, N, T) float32 sharpness factors (1 for other ops).

    Example:
        >>> import tempaug
        >>> params = tempaug.VideoRandAugment(num_ops=3).sample((2, 4, 3, 8, 8))
        >>> params.op.shape, params.positions.shape, params.matrix.shape
        (torch.Size([2, 3]), torch.Size([2, 3, 4]), torch.Size([2, 3, 1, 3, 3]))
    """

    op: Tensor
    magnitude: Tensor
    sign: Tensor
    positions: Tensor
    matrix: Tensor
    brightness: Tensor
    contrast: Tensor
    saturation: Tensor
    hue: Tensor
    sharpness: Tensor


@dataclasses.dataclass(frozen=True, eq=False)
class VideoTrivialAugmentParams(VideoRandAugmentParams):
    """Params of :class:`VideoTrivialAugment`: those of :class:`VideoRandAugmentParams` with one slot (N = 1).

    Example:
        >>> import tempaug
        >>> tempaug.VideoTrivialAugment().sample((3, 4, 3, 8, 8)).op.shape
        torch.Size([3, 1])
    """


# ---------------------------------------------------------------------- helpers
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_ops(op: str, ops: Any) -> tuple[str, ...]:
    if ops is None:
        return AUGMENT_OPS
    if isinstance(ops, (str, bytes)) or not isinstance(ops, Sequence) or not all(isinstance(o, str) for o in ops):
        raise InvalidArgumentError(
            f"{op}: ops must be a list of op names from {list(AUGMENT_OPS)}, got {ops!r}", arg="ops"
        )
    unknown = [o for o in ops if o not in AUGMENT_OPS]
    if unknown:
        raise InvalidArgumentError(
            f"{op}: unknown op name(s) {unknown} in ops; the pool holds {list(AUGMENT_OPS)}", arg="ops"
        )
    if not ops:
        raise InvalidArgumentError(f"{op}: ops must name at least one op of {list(AUGMENT_OPS)}", arg="ops")
    repeated = sorted({o for o in ops if list(ops).count(o) > 1})
    if repeated:
        raise InvalidArgumentError(f"{op}: ops names {repeated} more than once; list each op once", arg="ops")
    return tuple(ops)


def _check_bins(op: str, value: Any, bins: int) -> float:
    top = bins - 1
    if not _is_number(value) or not 0 <= value <= top:
        raise InvalidArgumentError(
            f"{op}: magnitude must be a number in the bins [0, {top}] (num_magnitude_bins={bins}), or a (lo, hi) "
            f"pair of them, got {value!r}",
            arg="magnitude",
        )
    return float(value)


def _where(mask: Tensor, value: Tensor, other: float) -> Tensor:
    """``value`` where ``mask`` (B,) holds, the constant ``other`` elsewhere; mask broadcasts over trailing dims."""
    return torch.where(mask.view(-1, *([1] * (value.dim() - 1))), value, other)


def _to_dtype(out: Tensor, dtype: torch.dtype) -> Tensor:
    """Clamp a float result to the value range of ``dtype`` and cast; uint8 is rounded."""
    out = out.clamp_(0.0, color_kernels.value_bound(dtype))
    if dtype == torch.uint8:
        return out.round_().to(torch.uint8)
    return out.to(dtype)


def _sharpen(x: Tensor, factor: Tensor) -> Tensor:
    """PIL-style sharpness: blend each frame with its 3x3 blur by ``factor`` (B, T); 1 is the identity, 0 the blur."""
    h, w = x.shape[-2:]
    size = (3 if h > 1 else 1, 3 if w > 1 else 1)
    work = x.to(torch.float64 if x.dtype == torch.float64 else torch.float32)
    if x.numel() == 0 or size == (1, 1):
        return x.clone()
    blurred = color_kernels.gaussian_blur(work, size, _SHARPEN_SIGMA)
    weight = factor.to(work.dtype).view(*factor.shape, 1, 1, 1)
    return _to_dtype(torch.lerp(blurred, work, weight), x.dtype)


def _snap(positions: Tensor, length: int) -> Tensor:
    """Snap float noise (< 1e-4 frame) to whole frames, so exact maps stay exact (as temporal ops do)."""
    nearest = torch.round(positions)
    positions = torch.where((positions - nearest).abs() < 1e-4, nearest, positions)
    return torch.where(positions >= length, positions - length, positions)


# ------------------------------------------------------------------ transforms
class _AugmentPool(Transform[VideoRandAugmentParams]):
    """What VideoRandAugment and VideoTrivialAugment share: the op pool, its params and the per-slot passes."""

    abstract = True
    params_type: ClassVar[type[Any]] = VideoRandAugmentParams
    num_magnitude_bins: int
    ops: tuple[str, ...]
    vary: str
    boundary: str
    fill: float

    def _init_pool(
        self, num_ops: int, num_magnitude_bins: int, ops: Sequence[str] | None, vary: str, boundary: str, fill: float
    ) -> None:
        self._num_ops = check_int(self.name, "num_ops", num_ops, 0)
        self.num_magnitude_bins = check_int(self.name, "num_magnitude_bins", num_magnitude_bins, 2)
        self.ops = _check_ops(self.name, ops)
        self.vary = check_vary(self.name, vary)
        self.boundary = check_choice(self.name, "boundary", boundary, ("clamp", "reflect", "loop"))
        if not _is_number(fill):
            raise InvalidArgumentError(f"{self.name}: fill must be a finite number, got {fill!r}", arg="fill")
        self.fill = float(fill)
        self._index = {name: i for i, name in enumerate(self.ops)}
        self._families = tuple(f for f in _FAMILY_ORDER if any(_FAMILY.get(o) == f for o in self.ops))

    @property
    def blends(self) -> bool:
        """True when the pool holds an op that blends frames (SpeedJitter, TimeWarp)."""
        return any(o in _BLENDING for o in self.ops)

    # ------------------------------------------------------------- drawing
    def _draw_magnitude(self, shape: tuple[int, int], generator: torch.Generator | None) -> Tensor:
        raise NotImplementedError

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> VideoRandAugmentParams:
        b, t, c, h, w = shape
        n, k = self._num_ops, len(self.ops)
        device = rng.generator_device(generator)
        applied = rng.gate(b, self.p, generator)
        op = rng.randint(0, k - 1, (b, n), generator) if k > 1 else torch.zeros((b, n), dtype=torch.long, device=device)
        flips = rng.rand((b, n), generator) < 0.5
        signed = torch.zeros((b, n), dtype=torch.bool, device=device)
        for name in _SIGNED & set(self.ops):
            signed |= op == self._index[name]
        sign = torch.where(flips & signed, -1.0, 1.0)
        magnitude = draw_over_time(b * n, t, lambda s: self._draw_magnitude(s, generator), self.vary)
        magnitude = magnitude.reshape(b, n, t).contiguous()
        level = magnitude / float(self.num_magnitude_bins - 1) * sign.unsqueeze(-1)  # signed share of the top strength
        frames = 1 if self.vary == "clip" else t
        slots = [self._slot(op[:, i], level[:, i], (b, t, c, h, w), frames, generator) for i in range(n)]

        def stack(key: str, tail: tuple[int, ...]) -> Tensor:
            if not slots:
                return torch.zeros((b, 0, *tail), dtype=torch.float32, device=device)
            return torch.stack([s[key] for s in slots], dim=1)

        return self.params_type(
            applied=applied,
            op=op,
            magnitude=magnitude,
            sign=sign,
            positions=stack("positions", (t,)),
            matrix=stack("matrix", (frames, 3, 3)),
            brightness=stack("brightness", (t,)),
            contrast=stack("contrast", (t,)),
            saturation=stack("saturation", (t,)),
            hue=stack("hue", (t,)),
            sharpness=stack("sharpness", (t,)),
        )

    def _slot(
        self, op: Tensor, level: Tensor, shape: Shape, frames: int, generator: torch.Generator | None
    ) -> dict[str, Tensor]:
        """One slot's concrete params for the whole batch: each pool op's values, kept where the sample drew it.

        Args:
            op: (B,) the op index of every sample in this slot.
            level: (B, T) the signed share of the top strength at every frame.
            shape: the input's (B, T, C, H, W).
            frames: T' of the geometric maps (1 with ``vary="clip"``, else T).
        """
        b, t, c, h, w = shape
        device = level.device

        def drew(name: str) -> Tensor | None:
            if name not in self._index or (name in _RGB_ONLY and c != 3):
                return None
            return op == self._index[name]

        def pick(name: str, value: Tensor, other: float) -> Tensor:
            mask = drew(name)
            return torch.full_like(value, other) if mask is None else _where(mask, value, other)

        out = {
            "brightness": pick("Brightness", 1.0 + _ENHANCE * level, 1.0),
            "contrast": pick("Contrast", 1.0 + _ENHANCE * level, 1.0),
            "saturation": pick("Color", 1.0 + _ENHANCE * level, 1.0),
            "hue": pick("Hue", _HUE * level, 0.0),
            "sharpness": pick("Sharpness", 1.0 + _ENHANCE * level, 1.0),
        }
        # geometric: one map per clip (vary="clip") or per frame
        per = level[:, :frames]
        shear = torch.rad2deg(torch.atan(_SHEAR * per))
        translate = torch.stack(
            [
                pick("TranslateX", torch.round(_TRANSLATE * w * per), 0.0),
                pick("TranslateY", torch.round(_TRANSLATE * h * per), 0.0),
            ],
            dim=-1,
        )
        if _SPACE in self._families:
            matrix = affine_matrix(
                pick("Rotate", _ROTATE * per, 0.0),
                translate,
                torch.ones_like(per),
                torch.stack([pick("ShearX", shear, 0.0), pick("ShearY", shear, 0.0)], dim=-1),
                (h, w),
            )
            flip = drew("HorizontalFlip")
            if flip is not None:
                mirrored = flip_matrix(True, (h, w), b, device).expand(b, frames, 3, 3)
                matrix = torch.where(flip.view(-1, 1, 1, 1), mirrored, matrix)
        else:
            matrix = identity_matrix(b, frames, device)
        out["matrix"] = matrix.contiguous()
        out["positions"] = self._positions(drew, level, t, generator)
        return out

    def _positions(
        self, drew: Callable[[str], Tensor | None], level: Tensor, t: int, generator: torch.Generator | None
    ) -> Tensor:
        """(B, T) source positions of the temporal op each sample drew (the identity for the others)."""
        b, device = level.shape[0], level.device
        frame = torch.arange(t, dtype=torch.float32, device=device).expand(b, t)
        positions = frame
        clip_level = (level[:, 0] if self.vary == "clip" else level.mean(dim=1)).abs()
        if (mask := drew("TemporalReverse")) is not None:
            positions = torch.where(mask.view(-1, 1), frame.flip(-1), positions)
        if (mask := drew("SpeedJitter")) is not None:
            speed = torch.exp2(_SPEED * level)
            if self.vary == "clip" or t == 1:
                offsets = speed[:, :1] * frame
            else:
                steps = (speed[:, :-1] + speed[:, 1:]) / 2.0
                offsets = torch.cat([torch.zeros(b, 1, device=device), torch.cumsum(steps, dim=1)], dim=1)
            slack = play_slack(offsets, t)
            start = rng.randint(torch.zeros_like(slack), slack, (b,), generator)
            sped = play_positions(offsets, start, t, self.boundary)
            positions = torch.where(mask.view(-1, 1), sped, positions)
        if (mask := drew("FrameDrop")) is not None:
            count = torch.round(clip_level * (_DROP * (t - 1))).to(torch.long)
            lost = rng.ranks(rng.rand((b, t - 1), generator)) < count.view(-1, 1)
            dropped = torch.cat([torch.zeros(b, 1, dtype=torch.bool, device=device), lost], dim=1)
            positions = torch.where(mask.view(-1, 1), drop_positions(dropped), positions)
        if (mask := drew("TimeWarp")) is not None:
            steps = torch.exp((_WARP * clip_level).view(-1, 1) * rng.normal((b, _WARP_KNOTS), generator))
            if t > 1:
                positions = torch.where(mask.view(-1, 1), warp_positions(warp_knots(steps), t), positions)
        return _snap(positions.to(torch.float32), t).contiguous()

    # ------------------------------------------------------------ applying
    def _check_params(self, params: VideoRandAugmentParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        b, t = shape[0], shape[1]
        n = self._num_ops
        op = params.op
        if tuple(op.shape) != (b, n):
            raise ShapeError(f"{self.name}: params.op has shape {tuple(op.shape)}, expected ({b}, {n}) for num_ops={n}")
        if op.device.type == "cpu" and op.numel() and not bool(((op >= 0) & (op < len(self.ops))).all()):
            raise ShapeError(f"{self.name}: params.op names an op outside 0..{len(self.ops) - 1}: {op.tolist()}")
        for name in ("magnitude", "positions", "brightness", "contrast", "saturation", "hue", "sharpness"):
            value = getattr(params, name)
            if tuple(value.shape) != (b, n, t):
                raise ShapeError(
                    f"{self.name}: params.{name} has shape {tuple(value.shape)}, but an input of shape {tuple(shape)} "
                    f"needs ({b}, {n}, {t}); were they drawn for another clip length?"
                )
        matrix = params.matrix
        if (
            matrix.dim() != 5
            or matrix.shape[:2] != (b, n)
            or matrix.shape[2] not in (1, t)
            or matrix.shape[3:] != (3, 3)
        ):
            raise ShapeError(
                f"{self.name}: params.matrix has shape {tuple(matrix.shape)}, expected ({b}, {n}, 1 or {t}, 3, 3)"
            )

    def _apply(self, x: Tensor, params: VideoRandAugmentParams) -> Tensor:
        # Per slot, each sample goes through the one kernel pass of its op's family (none for Identity);
        # apply_select runs each family on its sub-batch on the CPU and selects with torch.where elsewhere.
        code = {family: i for i, family in enumerate(self._families)}
        op = params.op
        choice_all = torch.full_like(op, -1)
        for name, i in self._index.items():
            if name in _FAMILY:
                choice_all = torch.where(op == i, code[_FAMILY[name]], choice_all)
        if self.p < 1.0:
            choice_all = torch.where(params.applied.view(-1, 1), choice_all, -1)
        for slot in range(self._num_ops):
            choice = choice_all[:, slot]
            if choice.device.type == "cpu" and not bool((choice >= 0).any()):
                continue  # every sample drew Identity (or was gated off): nothing to copy
            fns = [self._pass(family, slot) for family in self._families]
            x = apply_select(fns, x, [params] * len(fns), choice, tuple(x.shape))
        return x

    def map_targets(self, targets: Targets, params: VideoRandAugmentParams, shape: Shape) -> Targets:
        """Slot by slot, targets follow the slot's time map and space map (the identity for colour ops)."""
        b, t, _, h, w = shape
        device = targets.times.device
        applied = params.applied.to(device)
        for slot in range(self._num_ops):
            positions = params.positions[:, slot].to(device)
            matrix = params.matrix[:, slot].to(device)
            if self.p < 1.0:
                identity = torch.arange(t, dtype=positions.dtype, device=device).expand(b, t)
                positions = torch.where(applied.view(-1, 1), positions, identity)
                matrix = torch.where(applied.view(-1, 1, 1, 1), matrix, identity_matrix(b, matrix.shape[1], device))
            targets = move_in_time(targets, positions_to_map(positions, t))
            targets = move_in_space(targets, SpaceMap(matrix, (h, w), float(self.fill)))
        return targets

    def _pass(self, family: str, slot: int) -> Callable[[Tensor, VideoRandAugmentParams], Tensor]:
        if family == _TIME:
            return lambda x, p: self._retime(x, p.positions[:, slot])
        if family == _COLOR:
            return lambda x, p: self._recolor(x, p, slot)
        if family == _SPACE:
            return lambda x, p: warp(x, p.matrix[:, slot], (x.shape[-2], x.shape[-1]), self.fill)
        return lambda x, p: _sharpen(x, p.sharpness[:, slot])

    @staticmethod
    def _retime(x: Tensor, positions: Tensor) -> Tensor:
        t = x.shape[1]
        whole = x.device.type == "cpu" and bool((positions == torch.floor(positions)).all())
        return apply_map(x, positions_to_map(positions, t, blends=not whole))

    @staticmethod
    def _recolor(x: Tensor, params: VideoRandAugmentParams, slot: int) -> Tensor:
        rgb = x.shape[2] == 3
        cpu = x.device.type == "cpu"

        def part(name: str, identity: float, allowed: bool = True) -> Tensor | None:
            if not allowed:
                return None
            value = getattr(params, name)[:, slot]
            return None if cpu and bool((value == identity).all()) else value

        values = (
            part("brightness", 1.0),
            part("contrast", 1.0),
            part("saturation", 1.0, rgb),
            part("hue", 0.0, rgb),
        )
        if all(v is None for v in values):
            return x
        order = torch.arange(4, device=x.device).expand(x.shape[0], 4)
        return color_kernels.color_jitter(x, order, *values)


class VideoRandAugment(_AugmentPool):
    """RandAugment over clips: each sample runs ``num_ops`` ops drawn from the pool, at a shared strength.

    Every sample of a batch draws its own ops (uniformly, with replacement, as in the paper and in
    torchvision) and, for signed ops, its own direction. The magnitude is fixed, or per sample with
    ``magnitude_std`` (timm's Gaussian noise, clipped to the bins; ``float("inf")`` draws uniformly
    in ``[0, magnitude]``) or a ``(lo, hi)`` range (uniform). The pool and what a magnitude does to
    each op are listed in :mod:`tempaug.ops.randaugment`; all ops keep the clip's shape.

    Cost: per slot, each sample goes through one kernel pass, that of its op's family (colour ops
    share one colour-matrix pass, geometric ops one warp, temporal ops one resampling, Sharpness a
    blur); samples that drew Identity are not touched. On the CPU each family runs on its sub-batch
    only, so a call costs about ``num_ops`` passes over the batch. On an accelerator each family in
    the pool runs over the whole batch and ``torch.where`` selects per sample (no host sync): up
    to 4 passes per slot.

    ``eval()`` changes nothing: RandAugment has no deterministic form, so leave it out of
    evaluation pipelines.

    Args:
        num_ops: ops per sample, >= 0, run in the order drawn (0 is the identity).
        magnitude: strength in ``[0, num_magnitude_bins - 1]``, or a ``(lo, hi)`` range drawn per sample and op.
        num_magnitude_bins: number of bins, >= 2; the top bin is each op's full strength.
        magnitude_std: standard deviation of the per-sample magnitude around ``magnitude`` (0: fixed).
        ops: allow-list of op names from :data:`AUGMENT_OPS` (default: all); ``params.op`` indexes it.
        vary: how the magnitude moves across the frames of a clip: ``"clip"`` one draw, ``"frame"``
            one per frame, ``"smooth"`` a straight line between two draws (with a random magnitude).
            Colour, sharpness, geometric ops and SpeedJitter follow it frame by frame; FrameDrop and
            TimeWarp take the clip's mean magnitude.
        boundary: what SpeedJitter reads past the last frame: ``"clamp"``, ``"reflect"`` or ``"loop"``.
        fill: value of pixels that geometric ops read from outside the frame (0-255 for uint8).
        p: probability, per sample, of running the ops at all.

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.VideoRandAugment(num_ops=1, magnitude=0, ops=["Brightness", "Rotate", "SpeedJitter"])
        >>> clip = torch.rand(8, 3, 16, 16)
        >>> torch.equal(aug(clip), clip)
        True
    """

    params_type: ClassVar[type[Any]] = VideoRandAugmentParams

    def __init__(
        self,
        num_ops: int = 2,
        magnitude: float | Sequence[float] = 9,
        num_magnitude_bins: int = 31,
        magnitude_std: float = 0.0,
        ops: Sequence[str] | None = None,
        vary: str = "clip",
        boundary: str = "clamp",
        fill: float = 0.0,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._init_pool(num_ops, num_magnitude_bins, ops, vary, boundary, fill)
        self.num_ops = self._num_ops
        bins = self.num_magnitude_bins
        if _is_number(magnitude):
            self._range = (_check_bins(self.name, magnitude, bins),) * 2
            self.magnitude: float | tuple[float, float] = magnitude  # type: ignore[assignment]
        elif isinstance(magnitude, Sequence) and not isinstance(magnitude, (str, bytes)) and len(magnitude) == 2:
            lo, hi = (_check_bins(self.name, v, bins) for v in magnitude)
            if lo > hi:
                raise InvalidArgumentError(
                    f"{self.name}: magnitude must have lo <= hi, got {magnitude!r}", arg="magnitude"
                )
            self._range = (lo, hi)
            self.magnitude = (lo, hi)
        else:
            _check_bins(self.name, magnitude, bins)
        if (
            not isinstance(magnitude_std, (int, float))
            or isinstance(magnitude_std, bool)
            or math.isnan(magnitude_std)
            or magnitude_std < 0
        ):
            raise InvalidArgumentError(
                f"{self.name}: magnitude_std must be a number >= 0 (inf for uniform in [0, magnitude]), got "
                f"{magnitude_std!r}",
                arg="magnitude_std",
            )
        if magnitude_std > 0 and self._range[0] != self._range[1]:
            raise InvalidArgumentError(
                f"{self.name}: give magnitude_std or a (lo, hi) magnitude range, not both (got magnitude={magnitude!r}, "
                f"magnitude_std={magnitude_std!r})",
                arg="magnitude_std",
            )
        self.magnitude_std = float(magnitude_std)

    def _draw_magnitude(self, shape: tuple[int, int], generator: torch.Generator | None) -> Tensor:
        lo, hi = self._range
        top = float(self.num_magnitude_bins - 1)
        if self.magnitude_std == 0.0 or lo != hi:
            return rng.uniform(shape, lo, hi, generator)
        if math.isinf(self.magnitude_std):
            return rng.uniform(shape, 0.0, lo, generator)
        return (lo + self.magnitude_std * rng.normal(shape, generator)).clamp(0.0, top)


class VideoTrivialAugment(_AugmentPool):
    """TrivialAugment over clips: each sample runs one op from the pool at a uniformly drawn magnitude bin.

    Each sample draws its own op and its own whole magnitude bin in ``[0, num_magnitude_bins - 1]``
    (and a direction for signed ops), as torchvision's ``TrivialAugmentWide`` does, over the pool
    and magnitude table of :mod:`tempaug.ops.randaugment` (RandAugment's ranges, not the "wide"
    ones). With ``vary="smooth"`` the magnitude moves from one drawn bin to another across the clip.

    Cost: one kernel pass per sample, that of the drawn op's family (see :class:`VideoRandAugment`).
    ``eval()`` changes nothing.

    Args:
        num_magnitude_bins: number of bins, >= 2.
        ops: allow-list of op names from :data:`AUGMENT_OPS` (default: all).
        vary: ``"clip"``, ``"frame"`` or ``"smooth"``, as in :class:`VideoRandAugment`.
        boundary: what SpeedJitter reads past the last frame: ``"clamp"``, ``"reflect"`` or ``"loop"``.
        fill: value of pixels that geometric ops read from outside the frame (0-255 for uint8).
        p: probability, per sample, of running an op at all.

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.VideoTrivialAugment(ops=["TemporalReverse"])
        >>> aug(torch.arange(4.0).view(4, 1, 1, 1)).flatten().tolist()
        [3.0, 2.0, 1.0, 0.0]
    """

    params_type: ClassVar[type[Any]] = VideoTrivialAugmentParams

    def __init__(
        self,
        num_magnitude_bins: int = 31,
        ops: Sequence[str] | None = None,
        vary: str = "clip",
        boundary: str = "clamp",
        fill: float = 0.0,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._init_pool(1, num_magnitude_bins, ops, vary, boundary, fill)

    def _draw_magnitude(self, shape: tuple[int, int], generator: torch.Generator | None) -> Tensor:
        return rng.randint(0, self.num_magnitude_bins - 1, shape, generator).to(torch.float32)
