"""Photometric ops: colour jitter, grey, blur, normalisation, dtype conversion and tube erasing.

Each op draws its magnitudes per sample (per frame with ``vary="frame"``,
drifting with ``vary="smooth"``) and hands them to a kernel in
:mod:`tempaug.functional.color`. uint8 clips hold [0, 255] and come back as
uint8 (rounded); floating clips are taken as [0, 1]. ``ToFloat``,
``ToUint8``, ``Normalize`` and ``Denormalize`` change the dtype on purpose:
:meth:`~tempaug.Transform.output_dtype` says to what.

Example:
    >>> import torch, tempaug
    >>> aug = tempaug.Compose([tempaug.ColorJitter(0.4, 0.4, 0.4, 0.1), tempaug.GaussianBlur(5)])
    >>> clip = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8)
    >>> out, params = aug(clip, generator=torch.Generator().manual_seed(0), return_params=True)
    >>> out.dtype, torch.equal(aug.apply(clip, params), out)
    (torch.uint8, True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..core import rng
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.params import Params
from ..core.transform import FrameTransform, P, Shape, Transform
from ..core.validation import check_range
from ..core.vary import check_vary, draw_over_time
from ..functional import color as kernels

__all__ = [
    "ColorJitter",
    "ColorJitterParams",
    "Denormalize",
    "DenormalizeParams",
    "GaussianBlur",
    "GaussianBlurParams",
    "Grayscale",
    "GrayscaleParams",
    "Normalize",
    "NormalizeParams",
    "ToFloat",
    "ToFloatParams",
    "ToUint8",
    "ToUint8Params",
    "TubeErase",
    "TubeEraseParams",
]


# ------------------------------------------------------------------ helpers
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _as_given(value: Any, pair: tuple[float, float]) -> Any:
    """What ``to_dict`` keeps: a number as given, a pair as a tuple of floats."""
    return value if _is_number(value) else tuple(pair)


def _check_frames(op: str, params: Params, shape: Shape, fields: Sequence[str]) -> None:
    """Per-frame params fields must hold one value per frame of the input."""
    for name in fields:
        value = getattr(params, name)
        if value.dim() != 2 or value.shape[1] != shape[1]:
            raise ShapeError(
                f"{op}: params.{name} has shape {tuple(value.shape)}, but an input of shape {tuple(shape)} "
                f"needs one value per frame, ({shape[0]}, {shape[1]}); were they drawn for another clip length?"
            )


def _over_time(b: int, t: int, bounds: tuple[float, float], vary: str, generator: torch.Generator | None) -> Tensor:
    lo, hi = bounds
    return draw_over_time(b, t, lambda s: rng.uniform(s, lo, hi, generator), vary).contiguous()


def _gate_only(op: Transform, shape: Shape, generator: torch.Generator | None) -> Tensor:
    return rng.gate(shape[0], op.p, generator)


def _channel_values(op: str, arg: str, value: Any, nonzero: bool) -> tuple[float, ...]:
    items = [value] if _is_number(value) else value
    if (
        isinstance(items, (str, bytes))
        or not isinstance(items, Sequence)
        or len(items) == 0
        or not all(_is_number(v) for v in items)
    ):
        raise InvalidArgumentError(
            f"{op}: {arg} must be a finite number or a sequence of them, one per channel, got {value!r}", arg=arg
        )
    if nonzero and any(float(v) == 0.0 for v in items):
        raise InvalidArgumentError(f"{op}: {arg} must not hold a zero (it divides), got {value!r}", arg=arg)
    return tuple(float(v) for v in items)


# -------------------------------------------------------------- colour jitter
@dataclasses.dataclass(frozen=True, eq=False)
class ColorJitterParams(Params):
    """Params of :class:`ColorJitter`.

    Attributes:
        brightness, contrast, saturation: (B, T) float32 factors per frame (1 where the step is off).
        hue: (B, T) float32 hue shift per frame, in turns (0 where the step is off).
        order: (B, 4) long, per sample the steps in the order they ran (0 brightness, 1 contrast,
            2 saturation, 3 hue).
    """

    brightness: Tensor
    contrast: Tensor
    saturation: Tensor
    hue: Tensor
    order: Tensor


def _factor_range(op: str, arg: str, value: Any) -> tuple[float, float]:
    if _is_number(value):
        b = check_range(op, arg, value, low=0.0)[0]
        return max(0.0, 1.0 - b), 1.0 + b
    return check_range(op, arg, value, low=0.0)


def _hue_range(op: str, arg: str, value: Any) -> tuple[float, float]:
    if _is_number(value):
        h = check_range(op, arg, value, low=0.0, high=0.5)[0]
        return -h, h
    return check_range(op, arg, value, low=-0.5, high=0.5)


class ColorJitter(FrameTransform[ColorJitterParams]):
    """Random brightness, contrast, saturation and hue, in a random order per sample, as one colour matrix per frame.

    Ranges follow torchvision: a number ``b`` gives factors in ``[max(0, 1 - b), 1 + b]``,
    ``hue=h`` (0 <= h <= 0.5) gives shifts in ``[-h, h]`` turns of the colour circle, and an
    explicit ``(lo, hi)`` is used as is. Each step is an affine map of the pixel colour
    (brightness scales; contrast blends with the frame's mean Rec.601 luma; saturation blends
    with the pixel's luma; hue rotates about the grey axis), so the four fold, in each sample's
    order, into one 3x4 matrix per frame that is applied in a single pass and clamped once.

    How this differs from torchvision's ``ColorJitter``:

    * no clamp between the four steps, only at the end (a step that pushes a value out of
      range and a later one that pulls it back gives the unclamped result);
    * hue is a rotation about the grey axis in YIQ space, not a shift of the HSV hue: the luma
      is kept and the HSV hue turns by the shift on average, but individual colours turn by
      more or less than that (and colours pushed out of gamut are clamped);
    * the luma weights are 0.299, 0.587, 0.114 (torchvision uses 0.2989 for red), and for a
      clip whose C is not 3, contrast blends with the mean over channels and pixels.

    With no clamp in between, the four maps commute (each keeps the grey axis and the luma
    structure, and contrast's reference grey is carried through the fold), so the per-sample
    order, drawn and recorded in ``params.order`` as torchvision draws it, changes the result
    only by float rounding; in torchvision the order matters through its intermediate clamps
    and its HSV hue.

    Hue and saturation need C = 3; brightness and contrast work for any C.

    Args:
        brightness: factor spread or ``(lo, hi)`` factors, >= 0.
        contrast: factor spread or ``(lo, hi)`` factors, >= 0.
        saturation: factor spread or ``(lo, hi)`` factors, >= 0.
        hue: shift bound in [0, 0.5] or ``(lo, hi)`` in [-0.5, 0.5].
        vary: ``"clip"`` one draw per clip, ``"frame"`` one per frame, ``"smooth"`` a linear drift
            between two draws.
        p: probability, per sample, of jittering.

    Example:
        >>> import torch, tempaug
        >>> op = tempaug.ColorJitter(brightness=(1.5, 1.5))
        >>> [round(v, 6) for v in op(torch.full((2, 3, 1, 1), 0.4)).flatten().tolist()]
        [0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    """

    params_type: ClassVar[type[Any]] = ColorJitterParams

    def __init__(
        self,
        brightness: float | Sequence[float] = 0,
        contrast: float | Sequence[float] = 0,
        saturation: float | Sequence[float] = 0,
        hue: float | Sequence[float] = 0,
        vary: str = "clip",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._ranges = (
            _factor_range(self.name, "brightness", brightness),
            _factor_range(self.name, "contrast", contrast),
            _factor_range(self.name, "saturation", saturation),
            _hue_range(self.name, "hue", hue),
        )
        self.brightness = _as_given(brightness, self._ranges[0])
        self.contrast = _as_given(contrast, self._ranges[1])
        self.saturation = _as_given(saturation, self._ranges[2])
        self.hue = _as_given(hue, self._ranges[3])
        self.vary = check_vary(self.name, vary)
        identities = (1.0, 1.0, 1.0, 0.0)
        self._active = tuple(r != (i, i) for r, i in zip(self._ranges, identities))

    def _check_shape(self, shape: Shape) -> None:
        if (self._active[2] or self._active[3]) and shape[2] != 3:
            raise ShapeError(
                f"{self.name}: saturation and hue need 3 (RGB) channels, got an input of shape {tuple(shape)}; "
                f"with {shape[2]} channel(s) use brightness and contrast only"
            )

    def _check_params(self, params: ColorJitterParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        self._check_shape(shape)
        _check_frames(self.name, params, shape, ("brightness", "contrast", "saturation", "hue"))
        order = params.order
        if order.dim() != 2 or order.shape[1] != 4:
            raise ShapeError(f"{self.name}: params.order must have shape (B, 4), got {tuple(order.shape)}")

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> ColorJitterParams:
        b, t = shape[0], shape[1]
        device = rng.generator_device(generator)
        applied = rng.gate(b, self.p, generator)
        order = rng.rand((b, 4), generator).argsort(dim=-1)
        values = []
        for bounds, active, identity in zip(self._ranges, self._active, (1.0, 1.0, 1.0, 0.0)):
            if active:
                values.append(_over_time(b, t, bounds, self.vary, generator))
            else:
                values.append(torch.full((b, t), identity, device=device))
        brightness, contrast, saturation, hue = values
        return ColorJitterParams(
            applied=applied, brightness=brightness, contrast=contrast, saturation=saturation, hue=hue, order=order
        )

    def _transform(self, x: Tensor, params: ColorJitterParams) -> Tensor:
        if not any(self._active):
            return x
        fields = ("brightness", "contrast", "saturation", "hue")
        values = [getattr(params, f) if on else None for f, on in zip(fields, self._active)]
        return kernels.color_jitter(x, params.order, *values)


# ----------------------------------------------------------------- grayscale
@dataclasses.dataclass(frozen=True, eq=False)
class GrayscaleParams(Params):
    """Params of :class:`Grayscale`: the ``p`` gate only."""


class Grayscale(FrameTransform[GrayscaleParams]):
    """Rec.601 luma grey (0.299 R + 0.587 G + 0.114 B); uint8 is rounded.

    Args:
        num_output_channels: ``None`` keeps 3 channels (grey repeated), ``1`` gives one, ``3`` gives three.
        p: probability, per sample, of turning grey (needs 3 output channels when < 1).

    Example:
        >>> import torch, tempaug
        >>> x = torch.tensor([255, 0, 0], dtype=torch.uint8).view(1, 3, 1, 1)
        >>> tempaug.Grayscale()(x).flatten().tolist(), tempaug.Grayscale(1)(x).shape
        ([76, 76, 76], torch.Size([1, 1, 1, 1]))
    """

    params_type: ClassVar[type[Any]] = GrayscaleParams

    def __init__(self, num_output_channels: int | None = None, p: float = 1.0) -> None:
        super().__init__(p=p)
        if num_output_channels is not None and (
            isinstance(num_output_channels, bool) or num_output_channels not in (1, 3)
        ):
            raise InvalidArgumentError(
                f"{self.name}: num_output_channels must be None, 1 or 3, got {num_output_channels!r}",
                arg="num_output_channels",
            )
        self.num_output_channels = num_output_channels

    def _check_shape(self, shape: Shape) -> None:
        if shape[2] != 3:
            raise ShapeError(f"{self.name}: needs 3 (RGB) channels, got an input of shape {tuple(shape)}")

    def _check_params(self, params: GrayscaleParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        self._check_shape(shape)

    def _output_shape(self, shape: Shape) -> Shape:
        return (*shape[:2], self.num_output_channels or shape[2], *shape[3:])

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> GrayscaleParams:
        return GrayscaleParams(applied=_gate_only(self, shape, generator))

    def _transform(self, x: Tensor, params: GrayscaleParams) -> Tensor:
        return kernels.rgb_to_grayscale(x, self.num_output_channels or 3)


# ------------------------------------------------------------- gaussian blur
@dataclasses.dataclass(frozen=True, eq=False)
class GaussianBlurParams(Params):
    """Params of :class:`GaussianBlur`: ``sigma`` (B, T) float32, the blur's standard deviation per frame, in pixels."""

    sigma: Tensor


def _kernel_size(op: str, value: Any) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(pair, Sequence)
        or isinstance(pair, str)
        or len(pair) != 2
        or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 and k % 2 == 1 for k in pair)
    ):
        raise InvalidArgumentError(
            f"{op}: kernel_size must be an odd integer >= 1 or a (kh, kw) pair of them, got {value!r}",
            arg="kernel_size",
        )
    return int(pair[0]), int(pair[1])


class GaussianBlur(FrameTransform[GaussianBlurParams]):
    """Gaussian blur with a random sigma per sample (or per frame), reflect padding at the borders.

    The blur is separable and depthwise: every (sample, frame, channel) plane is one group of a
    grouped convolution, so a batch with a different sigma for every frame is still one
    convolution per axis. uint8 is rounded.

    Args:
        kernel_size: odd ``k`` or ``(kh, kw)``; frames must be larger than ``k // 2`` on each side.
        sigma: ``(lo, hi)`` standard deviations in pixels, > 0; a single number is a fixed sigma.
        vary: ``"clip"``, ``"frame"`` or ``"smooth"``: one sigma per clip, per frame, or drifting.
        p: probability, per sample, of blurring.

    Example:
        >>> import torch, tempaug
        >>> clip = torch.full((4, 3, 8, 8), 0.25)
        >>> torch.allclose(tempaug.GaussianBlur(5)(clip), clip)
        True
    """

    params_type: ClassVar[type[Any]] = GaussianBlurParams

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        sigma: float | Sequence[float] = (0.1, 2.0),
        vary: str = "clip",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self._size = _kernel_size(self.name, kernel_size)
        self.kernel_size = kernel_size if isinstance(kernel_size, int) else self._size
        self._sigma = check_range(self.name, "sigma", sigma, low=0.0, low_open=True)
        self.sigma = _as_given(sigma, self._sigma)
        self.vary = check_vary(self.name, vary)

    def _check_shape(self, shape: Shape) -> None:
        kh, kw = self._size
        if kh // 2 >= shape[3] or kw // 2 >= shape[4]:
            raise ShapeError(
                f"{self.name}: kernel_size {kh}x{kw} needs frames larger than {kh // 2}x{kw // 2} for reflect "
                f"padding, got an input of shape {tuple(shape)}"
            )

    def _check_params(self, params: GaussianBlurParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        self._check_shape(shape)
        _check_frames(self.name, params, shape, ("sigma",))

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> GaussianBlurParams:
        b, t = shape[0], shape[1]
        applied = rng.gate(b, self.p, generator)
        return GaussianBlurParams(applied=applied, sigma=_over_time(b, t, self._sigma, self.vary, generator))

    def _transform(self, x: Tensor, params: GaussianBlurParams) -> Tensor:
        return kernels.gaussian_blur(x, self._size, params.sigma)


# ------------------------------------------------------------- normalisation
@dataclasses.dataclass(frozen=True, eq=False)
class NormalizeParams(Params):
    """Params of :class:`Normalize`: nothing is random, ``applied`` is all True."""


@dataclasses.dataclass(frozen=True, eq=False)
class DenormalizeParams(Params):
    """Params of :class:`Denormalize`: nothing is random, ``applied`` is all True."""


class _ChannelAffine(FrameTransform[P]):
    """Shared checks of Normalize and Denormalize: one mean and std per channel, float output."""

    abstract = True
    mean: Any
    std: Any

    def _init_channels(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self._mean = _channel_values(self.name, "mean", mean, nonzero=False)
        self._std = _channel_values(self.name, "std", std, nonzero=True)
        self.mean = mean if _is_number(mean) else self._mean
        self.std = std if _is_number(std) else self._std

    def _check_shape(self, shape: Shape) -> None:
        c = shape[2]
        for arg, values, given in (("mean", self._mean, self.mean), ("std", self._std, self.std)):
            if not _is_number(given) and len(values) != c:
                raise ShapeError(
                    f"{self.name}: {arg} has {len(values)} values but the input of shape {tuple(shape)} has {c} "
                    "channel(s); give one per channel or a single number"
                )

    def _check_params(self, params: P, shape: Shape) -> None:
        super()._check_params(params, shape)
        self._check_shape(shape)

    def output_dtype(self, dtype: torch.dtype) -> torch.dtype:
        """Floating input keeps its dtype; uint8 gives float32.

        Example:
            >>> import torch, tempaug
            >>> tempaug.Normalize(0.5, 0.25).output_dtype(torch.uint8)
            torch.float32
        """
        return torch.float32 if dtype == torch.uint8 else dtype


class Normalize(_ChannelAffine[NormalizeParams]):
    """``(x - mean) / std`` per channel; the output is floating.

    Floating input keeps its dtype. uint8 input is first scaled to [0, 1] (divided by 255) and
    gives float32, so ImageNet statistics work on uint8 and float clips alike.

    Args:
        mean: one number for all channels, or one per channel.
        std: one number for all channels, or one per channel; no zeros.

    Example:
        >>> import torch, tempaug
        >>> op = tempaug.Normalize(mean=[0.5, 0.5], std=[0.5, 0.25])
        >>> op(torch.tensor([0.5, 1.0]).view(1, 2, 1, 1)).flatten().tolist()
        [0.0, 2.0]
        >>> op.inverse()(op(torch.tensor([0.5, 1.0]).view(1, 2, 1, 1))).flatten().tolist()
        [0.5, 1.0]
    """

    params_type: ClassVar[type[Any]] = NormalizeParams

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        super().__init__(p=1.0)
        self._init_channels(mean, std)

    def inverse(self) -> Denormalize:
        """The transform that undoes this one: ``Denormalize(mean, std)``.

        Example:
            >>> import tempaug
            >>> tempaug.Normalize(0.5, 0.25).inverse()
            Denormalize(mean=0.5, std=0.25)
        """
        return Denormalize(self.mean, self.std)

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> NormalizeParams:
        return NormalizeParams(applied=_gate_only(self, shape, generator))

    def _transform(self, x: Tensor, params: NormalizeParams) -> Tensor:
        return kernels.normalize(x, self._mean, self._std)


class Denormalize(_ChannelAffine[DenormalizeParams]):
    """``x * std + mean`` per channel: the inverse of :class:`Normalize`; the output is floating.

    uint8 input is first scaled to [0, 1] and gives float32, as in :class:`Normalize`.

    Args:
        mean: one number for all channels, or one per channel.
        std: one number for all channels, or one per channel; no zeros.

    Example:
        >>> import torch, tempaug
        >>> tempaug.Denormalize([0.5, 0.5], [0.5, 0.25])(torch.tensor([0.0, 2.0]).view(1, 2, 1, 1)).flatten().tolist()
        [0.5, 1.0]
    """

    params_type: ClassVar[type[Any]] = DenormalizeParams

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        super().__init__(p=1.0)
        self._init_channels(mean, std)

    def inverse(self) -> Normalize:
        """The transform that undoes this one: ``Normalize(mean, std)``.

        Example:
            >>> import tempaug
            >>> tempaug.Denormalize(0.5, 0.25).inverse()
            Normalize(mean=0.5, std=0.25)
        """
        return Normalize(self.mean, self.std)

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> DenormalizeParams:
        return DenormalizeParams(applied=_gate_only(self, shape, generator))

    def _transform(self, x: Tensor, params: DenormalizeParams) -> Tensor:
        return kernels.denormalize(x, self._mean, self._std)


# ---------------------------------------------------------- dtype conversion
@dataclasses.dataclass(frozen=True, eq=False)
class ToFloatParams(Params):
    """Params of :class:`ToFloat`: nothing is random, ``applied`` is all True."""


@dataclasses.dataclass(frozen=True, eq=False)
class ToUint8Params(Params):
    """Params of :class:`ToUint8`: nothing is random, ``applied`` is all True."""


class ToFloat(FrameTransform[ToFloatParams]):
    """Convert to float32: uint8 [0, 255] becomes [0, 1] (or keeps its values with ``scale=False``).

    Floating input is cast to float32 unchanged in value.

    Args:
        scale: divide uint8 input by 255.

    Example:
        >>> import torch, tempaug
        >>> tempaug.ToFloat()(torch.tensor([0, 51, 255], dtype=torch.uint8).view(1, 3, 1, 1)).flatten().tolist()
        [0.0, 0.20000000298023224, 1.0]
    """

    params_type: ClassVar[type[Any]] = ToFloatParams

    def __init__(self, scale: bool = True) -> None:
        super().__init__(p=1.0)
        if not isinstance(scale, bool):
            raise InvalidArgumentError(f"{self.name}: scale must be True or False, got {scale!r}", arg="scale")
        self.scale = scale

    def output_dtype(self, dtype: torch.dtype) -> torch.dtype:
        """Always float32.

        Example:
            >>> import torch, tempaug
            >>> tempaug.ToFloat().output_dtype(torch.float64)
            torch.float32
        """
        return torch.float32

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> ToFloatParams:
        return ToFloatParams(applied=_gate_only(self, shape, generator))

    def _transform(self, x: Tensor, params: ToFloatParams) -> Tensor:
        return kernels.to_float(x, self.scale)


class ToUint8(FrameTransform[ToUint8Params]):
    """Convert [0, 1] floats to uint8: ``round(255 x)``, clamped to [0, 255]; uint8 passes through.

    Example:
        >>> import torch, tempaug
        >>> tempaug.ToUint8()(torch.tensor([0.0, 0.5, 1.2]).view(1, 3, 1, 1)).flatten().tolist()
        [0, 128, 255]
    """

    params_type: ClassVar[type[Any]] = ToUint8Params

    def __init__(self) -> None:
        super().__init__(p=1.0)

    def output_dtype(self, dtype: torch.dtype) -> torch.dtype:
        """Always uint8.

        Example:
            >>> import torch, tempaug
            >>> tempaug.ToUint8().output_dtype(torch.float32)
            torch.uint8
        """
        return torch.uint8

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> ToUint8Params:
        return ToUint8Params(applied=_gate_only(self, shape, generator))

    def _transform(self, x: Tensor, params: ToUint8Params) -> Tensor:
        return kernels.to_uint8(x)


# --------------------------------------------------------------- tube erase
@dataclasses.dataclass(frozen=True, eq=False)
class TubeEraseParams(Params):
    """Params of :class:`TubeErase`.

    Attributes:
        box: (B, 6) long, the erased cuboid ``(t0, t1, y0, y1, x0, x1)`` per sample, ends
            excluded; empty (``t1 == t0``) where the gate left the sample alone.
        seed: (B,) long, the seed of the noise for ``value="random"`` (0 otherwise).
    """

    box: Tensor
    seed: Tensor


class TubeErase(FrameTransform[TubeEraseParams]):
    """Random erasing in space-time: fill one box over a contiguous run of frames per sample.

    The box is drawn as in torchvision's ``RandomErasing`` (area share in ``scale``, aspect
    ratio log-uniform in ``ratio``, ten tries for one that fits, else the last try clipped to the
    frame) and kept for a run of ``round(d * T)`` frames, ``d`` uniform in ``duration``, at
    least one frame. The cuboid always lies inside the clip and is recorded in ``params.box``.

    Args:
        scale: ``(lo, hi)`` share of the frame area, in (0, 1].
        ratio: ``(lo, hi)`` aspect ratios, height over width, > 0.
        duration: ``(lo, hi)`` share of the clip's frames, in (0, 1].
        value: a number in [0, 1] of the value range (uint8 gets ``round(255 v)``); ``"mean"`` fills
            with each frame's channel means; ``"random"`` with per-pixel uniform noise that is a pure
            function of ``params.seed``, so replays are exact.
        p: probability, per sample, of erasing.

    Example:
        >>> import torch, tempaug
        >>> out, params = tempaug.TubeErase(p=1.0)(torch.ones(8, 3, 16, 16), return_params=True)
        >>> t0, t1, y0, y1, x0, x1 = params.box[0].tolist()
        >>> int((out == 0).sum()) == 3 * (t1 - t0) * (y1 - y0) * (x1 - x0)
        True
    """

    params_type: ClassVar[type[Any]] = TubeEraseParams
    VALUES = ("random", "mean")
    ATTEMPTS = 10

    def __init__(
        self,
        scale: float | Sequence[float] = (0.02, 0.2),
        ratio: float | Sequence[float] = (0.3, 3.3),
        duration: float | Sequence[float] = (0.3, 1.0),
        value: float | str = 0,
        p: float = 0.5,
    ) -> None:
        super().__init__(p=p)
        self._scale = check_range(self.name, "scale", scale, low=0.0, low_open=True, high=1.0)
        self._ratio = check_range(self.name, "ratio", ratio, low=0.0, low_open=True)
        self._duration = check_range(self.name, "duration", duration, low=0.0, low_open=True, high=1.0)
        self.scale = _as_given(scale, self._scale)
        self.ratio = _as_given(ratio, self._ratio)
        self.duration = _as_given(duration, self._duration)
        if isinstance(value, str):
            if value not in self.VALUES:
                raise InvalidArgumentError(
                    f"{self.name}: value must be a number in [0, 1] or one of {list(self.VALUES)}, got {value!r}",
                    arg="value",
                )
        elif not _is_number(value) or not 0.0 <= value <= 1.0:
            raise InvalidArgumentError(
                f"{self.name}: value must be a number in [0, 1] or one of {list(self.VALUES)}, got {value!r}",
                arg="value",
            )
        self.value = value

    def _check_params(self, params: TubeEraseParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        box = params.box
        if box.dim() != 2 or box.shape[1] != 6:
            raise ShapeError(f"{self.name}: params.box must have shape (B, 6), got {tuple(box.shape)}")

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> TubeEraseParams:
        b, t, _, h, w = shape
        device = rng.generator_device(generator)
        applied = rng.gate(b, self.p, generator)
        tries = (b, self.ATTEMPTS)
        area = rng.uniform(tries, *self._scale, generator) * float(h * w)
        ratio = rng.log_uniform(tries, *self._ratio, generator)
        bh, bw = torch.round(torch.sqrt(area * ratio)), torch.round(torch.sqrt(area / ratio))
        fits = (bh >= 1) & (bh <= h) & (bw >= 1) & (bw <= w)
        pick = torch.where(fits.any(dim=1), fits.to(torch.uint8).argmax(dim=1), self.ATTEMPTS - 1).view(b, 1)
        bh = bh.gather(1, pick).squeeze(1).clamp(1, h).to(torch.long)
        bw = bw.gather(1, pick).squeeze(1).clamp(1, w).to(torch.long)
        frames = torch.round(rng.uniform((b,), *self._duration, generator) * t).clamp(1, t).to(torch.long)
        zero = torch.zeros(b, dtype=torch.long, device=device)
        t0 = rng.randint(zero, t - frames, (b,), generator)
        y0 = rng.randint(zero, h - bh, (b,), generator)
        x0 = rng.randint(zero, w - bw, (b,), generator)
        t1 = torch.where(applied, t0 + frames, t0)
        box = torch.stack([t0, t1, y0, y0 + bh, x0, x0 + bw], dim=1)
        seed = rng.randint(0, 2**31 - 1, (b,), generator) if self.value == "random" else zero
        return TubeEraseParams(applied=applied, box=box, seed=seed)

    def _transform(self, x: Tensor, params: TubeEraseParams) -> Tensor:
        return kernels.erase_tube(x, params.box, self.value, params.seed)
