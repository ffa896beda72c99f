"""Temporal ops: each one only draws source positions; :func:`tempaug.functional.temporal.resample` does the work.

Every op's params carry ``positions`` (B, T_out), the source position of each
output frame, so per-frame labels or timestamps can be remapped the same way.
In eval mode (``op.eval()``) random placements (crop start, subsample offset)
become centred.

Example:
    >>> import torch, tempaug
    >>> clip = torch.arange(8.0).view(8, 1, 1, 1)
    >>> tempaug.TemporalSubsample(stride=2, offset="start")(clip).flatten().tolist()
    [0.0, 2.0, 4.0, 6.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..core import rng
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.transform import Shape, TemporalParams, TemporalTransform
from ..core.validation import check_choice, check_int, check_range
from ..core.vary import check_vary, draw_over_time
from ..functional.temporal import (
    drop_positions,
    duplicate_positions,
    play_positions,
    play_slack,
    warp_knots,
    warp_positions,
)

__all__ = [
    "FrameDrop",
    "FrameDropParams",
    "FrameDuplicate",
    "FrameDuplicateParams",
    "FrameInterpolate",
    "FrameInterpolateParams",
    "SpeedJitter",
    "SpeedJitterParams",
    "TemporalCrop",
    "TemporalCropParams",
    "TemporalReverse",
    "TemporalReverseParams",
    "TemporalSubsample",
    "TemporalSubsampleParams",
    "TimeWarp",
    "TimeWarpParams",
]


def _arange(batch: int, length: int, device: torch.device) -> Tensor:
    return torch.arange(length, dtype=torch.float32, device=device).expand(batch, length)


def _needs_frames(op: str, needed: int, shape: Shape, why: str) -> None:
    if shape[1] < needed:
        raise ShapeError(f"{op}: {why} needs at least {needed} frames, got an input of shape {shape}")


# ------------------------------------------------------------------- reverse
@dataclasses.dataclass(frozen=True, eq=False)
class TemporalReverseParams(TemporalParams):
    """Params of :class:`TemporalReverse`: ``positions`` is ``T-1, ..., 0`` where applied."""


class TemporalReverse(TemporalTransform[TemporalReverseParams]):
    """Play the clip backwards.

    Args:
        p: probability, per sample, of reversing.

    Example:
        >>> import torch, tempaug
        >>> tempaug.TemporalReverse()(torch.arange(3.0).view(3, 1, 1, 1)).flatten().tolist()
        [2.0, 1.0, 0.0]
    """

    params_type: ClassVar[type[Any]] = TemporalReverseParams

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p=p)

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        return _arange(b, t, rng.generator_device(generator)).flip(-1), {}


# ---------------------------------------------------------------------- crop
@dataclasses.dataclass(frozen=True, eq=False)
class TemporalCropParams(TemporalParams):
    """Params of :class:`TemporalCrop`: ``start`` (B,) long, the first frame kept."""

    start: Tensor


class TemporalCrop(TemporalTransform[TemporalCropParams]):
    """Keep ``length`` consecutive frames.

    Args:
        length: frames to keep (the clip must have at least as many).
        mode: ``"random"`` start per sample (centred in eval mode), ``"center"`` or ``"start"``.
        p: gate; only meaningful when ``length`` equals the clip's length.

    Example:
        >>> import torch, tempaug
        >>> tempaug.TemporalCrop(3, mode="center")(torch.arange(5.0).view(5, 1, 1, 1)).flatten().tolist()
        [1.0, 2.0, 3.0]
    """

    params_type: ClassVar[type[Any]] = TemporalCropParams
    MODES = ("random", "center", "start")

    def __init__(self, length: int, mode: str = "random", p: float = 1.0) -> None:
        super().__init__(p=p)
        self.length = check_int(self.name, "length", length, 1)
        self.mode = check_choice(self.name, "mode", mode, self.MODES)

    def _check_shape(self, shape: Shape) -> None:
        _needs_frames(self.name, self.length, shape, f"length={self.length}")

    def _output_shape(self, shape: Shape) -> Shape:
        return (shape[0], self.length, *shape[2:])

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        device = rng.generator_device(generator)
        slack = t - self.length
        if self.mode == "random" and self.training:
            start = rng.randint(0, slack, (b,), generator)
        else:
            start = torch.full((b,), slack // 2 if self.mode != "start" else 0, dtype=torch.long, device=device)
        return start.view(-1, 1).to(torch.float32) + _arange(b, self.length, device), {"start": start}


# ----------------------------------------------------------------- subsample
@dataclasses.dataclass(frozen=True, eq=False)
class TemporalSubsampleParams(TemporalParams):
    """Params of :class:`TemporalSubsample`: ``offset`` (B,) and ``stride`` (B,) long."""

    offset: Tensor
    stride: Tensor


class TemporalSubsample(TemporalTransform[TemporalSubsampleParams]):
    """Keep every ``stride``-th frame, ``num_frames`` of them.

    Args:
        num_frames: frames to keep; with no ``stride``, the largest stride that fits them is used.
        stride: step between kept frames; with no ``num_frames``, as many frames as fit are kept.
        offset: ``"random"`` first frame per sample (centred in eval mode), ``"center"`` or ``"start"``.
        p: gate; only meaningful when the output keeps the clip's length.

    Example:
        >>> import torch, tempaug
        >>> op = tempaug.TemporalSubsample(num_frames=3, offset="start")
        >>> op(torch.arange(7.0).view(7, 1, 1, 1)).flatten().tolist()
        [0.0, 3.0, 6.0]
    """

    params_type: ClassVar[type[Any]] = TemporalSubsampleParams
    OFFSETS = ("random", "center", "start")

    def __init__(
        self, num_frames: int | None = None, stride: int | None = None, offset: str = "random", p: float = 1.0
    ) -> None:
        super().__init__(p=p)
        if num_frames is None and stride is None:
            raise InvalidArgumentError(f"{self.name}: give num_frames, stride or both")
        self.num_frames = None if num_frames is None else check_int(self.name, "num_frames", num_frames, 1)
        self.stride = None if stride is None else check_int(self.name, "stride", stride, 1)
        self.offset = check_choice(self.name, "offset", offset, self.OFFSETS)

    def _plan(self, t: int) -> tuple[int, int]:
        """(num_frames, stride) for a clip of ``t`` frames."""
        if self.stride is None:
            n = self.num_frames
            assert n is not None
            return n, (max(1, (t - 1) // (n - 1)) if n > 1 else 1)
        n = self.num_frames if self.num_frames is not None else (t - 1) // self.stride + 1
        return n, self.stride

    def _check_shape(self, shape: Shape) -> None:
        n, s = self._plan(shape[1])
        _needs_frames(self.name, (n - 1) * s + 1, shape, f"num_frames={n} at stride={s}")

    def _output_shape(self, shape: Shape) -> Shape:
        return (shape[0], self._plan(shape[1])[0], *shape[2:])

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        device = rng.generator_device(generator)
        n, s = self._plan(t)
        slack = t - ((n - 1) * s + 1)
        if self.offset == "random" and self.training:
            offset = rng.randint(0, slack, (b,), generator)
        else:
            offset = torch.full((b,), slack // 2 if self.offset != "start" else 0, dtype=torch.long, device=device)
        positions = offset.view(-1, 1).to(torch.float32) + s * _arange(b, n, device)
        stride = torch.full((b,), s, dtype=torch.long, device=device)
        return positions, {"offset": offset, "stride": stride}


# -------------------------------------------------------------- speed jitter
@dataclasses.dataclass(frozen=True, eq=False)
class SpeedJitterParams(TemporalParams):
    """Params of :class:`SpeedJitter`: ``speed`` (B,) the mean playback speed, ``start`` (B,) the first position."""

    speed: Tensor
    start: Tensor


class SpeedJitter(TemporalTransform[SpeedJitterParams]):
    """Play the clip at a random speed, blending the two nearest source frames for in-between times.

    The speed is drawn log-uniformly in ``speed`` (so 0.5x and 2x are equally
    likely). The output has ``length`` frames (default: the input's). When the
    sped-up clip fits, it starts at a random whole frame; otherwise it starts at
    frame 0 and ``boundary`` decides what is read past the end: ``"clamp"``
    holds the last frame, ``"reflect"`` plays backwards, ``"loop"`` wraps
    around, blending the last frame into the first.

    Args:
        speed: (lo, hi) speed factors, 0 < lo <= hi; a single number is a fixed speed.
        length: output frames (default: the input's).
        boundary: ``"clamp"``, ``"reflect"`` or ``"loop"``.
        vary: ``"clip"`` one speed per clip, ``"frame"`` a new speed every frame, ``"smooth"`` a speed
            that drifts linearly from one draw to another.
        p: gate; only meaningful when the output keeps the clip's length.

    Example:
        >>> import torch, tempaug
        >>> clip = torch.arange(5.0).view(5, 1, 1, 1)
        >>> tempaug.SpeedJitter(speed=0.5, length=9)(clip).flatten().tolist()
        [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    """

    params_type: ClassVar[type[Any]] = SpeedJitterParams
    blends: ClassVar[bool] = True
    BOUNDARIES = ("clamp", "reflect", "loop")

    def __init__(
        self,
        speed: float | Sequence[float] = (0.5, 2.0),
        length: int | None = None,
        boundary: str = "clamp",
        vary: str = "clip",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._range = check_range(self.name, "speed", speed, low=0.0, low_open=True)
        self.speed = speed if isinstance(speed, (int, float)) else tuple(self._range)
        self.length = None if length is None else check_int(self.name, "length", length, 1)
        self.boundary = check_choice(self.name, "boundary", boundary, self.BOUNDARIES)
        self.vary = check_vary(self.name, vary)

    def _output_shape(self, shape: Shape) -> Shape:
        return (shape[0], self.length or shape[1], *shape[2:])

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        n = self.length or t
        device = rng.generator_device(generator)
        lo, hi = self._range
        steps = max(n - 1, 1)
        speeds = draw_over_time(b, steps, lambda s: rng.log_uniform(s, lo, hi, generator), self.vary)
        if self.vary == "clip":
            offsets = speeds[:, :1] * _arange(b, n, device)
        else:
            offsets = torch.cat([torch.zeros(b, 1, device=device), torch.cumsum(speeds, dim=1)], dim=1)[:, :n]
        span = offsets[:, -1]
        slack = play_slack(offsets, t)
        start = rng.randint(torch.zeros_like(slack), slack, (b,), generator)
        positions = play_positions(offsets, start, t, self.boundary)
        mean_speed = span / steps if n > 1 else speeds[:, 0]
        return positions, {"speed": mean_speed, "start": start}


# --------------------------------------------------------------- interpolate
@dataclasses.dataclass(frozen=True, eq=False)
class FrameInterpolateParams(TemporalParams):
    """Params of :class:`FrameInterpolate`: the evenly spaced ``positions`` only."""


class FrameInterpolate(TemporalTransform[FrameInterpolateParams]):
    """Insert blended frames between source frames.

    ``FrameInterpolate(factor=k)`` gives ``(T - 1) * k + 1`` frames, every k-th
    one a source frame; ``FrameInterpolate(length=N)`` spreads exactly N frames
    evenly from the first to the last.

    Args:
        factor: integer >= 1 (default 2 when ``length`` is not given).
        length: exact output length instead of a factor.
        p: gate; only meaningful when the output keeps the clip's length.

    Example:
        >>> import torch, tempaug
        >>> tempaug.FrameInterpolate(factor=2)(torch.tensor([0.0, 2.0]).view(2, 1, 1, 1)).flatten().tolist()
        [0.0, 1.0, 2.0]
    """

    params_type: ClassVar[type[Any]] = FrameInterpolateParams
    blends: ClassVar[bool] = True

    def __init__(self, factor: int | None = None, length: int | None = None, p: float = 1.0) -> None:
        super().__init__(p=p)
        if factor is not None and length is not None:
            raise InvalidArgumentError(
                f"{self.name}: give factor or length, not both (got factor={factor}, length={length})"
            )
        self.factor = check_int(self.name, "factor", factor, 1) if factor is not None else None
        self.length = check_int(self.name, "length", length, 1) if length is not None else None

    def _out_length(self, t: int) -> int:
        if self.length is not None:
            return self.length
        return (t - 1) * (self.factor or 2) + 1

    def _output_shape(self, shape: Shape) -> Shape:
        return (shape[0], self._out_length(shape[1]), *shape[2:])

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        n = self._out_length(t)
        device = rng.generator_device(generator)
        steps = torch.arange(n, dtype=torch.float64, device=device)
        positions = steps * (t - 1) / (n - 1) if n > 1 else torch.zeros(1, dtype=torch.float64, device=device)
        return positions.to(torch.float32).expand(b, n), {}


# -------------------------------------------------------- drop and duplicate
@dataclasses.dataclass(frozen=True, eq=False)
class FrameDropParams(TemporalParams):
    """Params of :class:`FrameDrop`: ``dropped`` (B, T) bool marks the lost frames."""

    dropped: Tensor


def _count(max_frames: int, limit: int, batch: int, generator: torch.Generator | None) -> Tensor:
    cap = min(max_frames, limit)
    if cap <= 0:
        return torch.zeros(batch, dtype=torch.long, device=rng.generator_device(generator))
    return rng.randint(1, cap, (batch,), generator)


class FrameDrop(TemporalTransform[FrameDropParams]):
    """Lose between 1 and ``max_frames`` random frames; each lost frame shows the last frame kept, as a player does.

    The first frame is never lost and the length is kept.

    Args:
        max_frames: most frames lost per clip (at most T - 1 are).
        p: probability, per sample, of losing frames.

    Example:
        >>> import torch, tempaug
        >>> out, params = tempaug.FrameDrop(2)(torch.arange(6.0).view(6, 1, 1, 1), return_params=True)
        >>> int(params.dropped.sum()) in (1, 2), out.shape
        (True, torch.Size([6, 1, 1, 1]))
    """

    params_type: ClassVar[type[Any]] = FrameDropParams

    def __init__(self, max_frames: int = 1, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.max_frames = check_int(self.name, "max_frames", max_frames, 1)

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        device = rng.generator_device(generator)
        count = _count(self.max_frames, t - 1, b, generator)
        lost = rng.ranks(rng.rand((b, t - 1), generator)) < count.view(-1, 1)
        dropped = torch.cat([torch.zeros(b, 1, dtype=torch.bool, device=device), lost], dim=1)
        return drop_positions(dropped), {"dropped": dropped}


@dataclasses.dataclass(frozen=True, eq=False)
class FrameDuplicateParams(TemporalParams):
    """Params of :class:`FrameDuplicate`: ``duplicated`` (B, T) bool marks the frames shown twice."""

    duplicated: Tensor


class FrameDuplicate(TemporalTransform[FrameDuplicateParams]):
    """Show between 1 and ``max_frames`` random frames twice; later frames shift and the end is cut to keep the length.

    Args:
        max_frames: most frames repeated per clip (at most T - 1; the last frame is never chosen).
        p: probability, per sample, of repeating frames.

    Example:
        >>> import torch, tempaug
        >>> out = tempaug.FrameDuplicate(1)(torch.arange(2.0).view(2, 1, 1, 1))
        >>> out.flatten().tolist()
        [0.0, 0.0]
    """

    params_type: ClassVar[type[Any]] = FrameDuplicateParams

    def __init__(self, max_frames: int = 1, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.max_frames = check_int(self.name, "max_frames", max_frames, 1)

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        device = rng.generator_device(generator)
        count = _count(self.max_frames, t - 1, b, generator)
        twice = rng.ranks(rng.rand((b, t - 1), generator)) < count.view(-1, 1)
        duplicated = torch.cat([twice, torch.zeros(b, 1, dtype=torch.bool, device=device)], dim=1)
        return duplicate_positions(duplicated), {"duplicated": duplicated}


# ----------------------------------------------------------------- time warp
@dataclasses.dataclass(frozen=True, eq=False)
class TimeWarpParams(TemporalParams):
    """Params of :class:`TimeWarp`: ``knots`` (B, K+1), the warp's values in [0, 1] at evenly spaced times."""

    knots: Tensor


class TimeWarp(TemporalTransform[TimeWarpParams]):
    """A random smooth, monotone re-timing: some stretches play faster, others slower; first and last frames stay.

    The warp is piecewise linear through ``knots`` + 1 points whose step sizes
    are ``exp(strength * N(0, 1))``, normalised; ``strength=0`` is the identity.

    Args:
        strength: spread of the log step sizes, >= 0 (0.5 is a visible but natural warp).
        knots: number of linear pieces, >= 1.
        p: probability, per sample, of warping.

    Example:
        >>> import torch, tempaug
        >>> out, params = tempaug.TimeWarp(0.5)(torch.rand(8, 3, 4, 4), return_params=True)
        >>> bool((params.positions.diff(dim=1) >= 0).all()), params.positions[0, -1].item()
        (True, 7.0)
    """

    params_type: ClassVar[type[Any]] = TimeWarpParams
    blends: ClassVar[bool] = True

    def __init__(self, strength: float = 0.5, knots: int = 4, p: float = 1.0) -> None:
        super().__init__(p=p)
        if isinstance(strength, (list, tuple)):
            raise InvalidArgumentError(f"{self.name}: strength must be a number >= 0, got {strength!r}", arg="strength")
        self.strength = check_range(self.name, "strength", strength, low=0.0)[0]
        self.knots = check_int(self.name, "knots", knots, 1)

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        b, t = shape[0], shape[1]
        knots = warp_knots(torch.exp(self.strength * rng.normal((b, self.knots), generator)))
        return warp_positions(knots, t), {"knots": knots}
