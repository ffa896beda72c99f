"""Photometric kernels on (..., T, C, H, W) tensors: colour matrices, grey, blur, normalisation, erasing.

Nothing here draws random numbers; every magnitude comes in as a tensor with
one value per frame, shaped like the leading dims of ``x`` (``(B, T)`` for a
batch, ``(T,)`` for a clip).

Value ranges: uint8 tensors hold [0, 255], floating tensors are taken as
[0, 1]. Kernels that keep the dtype compute uint8 and half-precision inputs in
float32 (float64 stays float64) and round uint8 results back, never wrap them.

The four colour-jitter adjustments are affine maps of a pixel's colour: a
``(C, C+1)`` matrix ``M`` acts as ``out = M[:, :C] @ rgb + M[:, C]``.
Brightness scales; saturation blends with the Rec.601 luma grey; hue rotates
about the grey axis in YIQ space; contrast blends with the frame's mean luma.
Because the mean of an affinely mapped frame is the same map of its channel
means, a chain of them folds into one matrix per frame (:func:`jitter_matrix`)
and the frame is read and written once (:func:`apply_color_matrix`).

Example:
    >>> import torch
    >>> from tempaug.functional.color import adjust_brightness
    >>> clip = torch.full((2, 3, 1, 1), 0.4)                     # (T,C,H,W)
    >>> [round(v, 6) for v in adjust_brightness(clip, torch.tensor([1.5, 2.0])).flatten().tolist()]
    [0.6, 0.6, 0.6, 0.8, 0.8, 0.8]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ._opencv import opencv, require_opencv

__all__ = [
    "JITTER_STEPS",
    "LUMA",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "apply_color_matrix",
    "brightness_matrix",
    "color_jitter",
    "compose_color_matrices",
    "contrast_matrix",
    "denormalize",
    "erase_tube",
    "gaussian_blur",
    "gaussian_kernel1d",
    "grey_weights",
    "hash_uniform",
    "hue_matrix",
    "jitter_matrix",
    "normalize",
    "rgb_to_grayscale",
    "saturation_matrix",
    "to_float",
    "to_uint8",
    "tube_mask",
    "value_bound",
]

#: Rec.601 luma weights of R, G, B.
LUMA = (0.299, 0.587, 0.114)
#: The colour-jitter steps in the numbering used by ``order``.
JITTER_STEPS = ("brightness", "contrast", "saturation", "hue")

# RGB -> YIQ (FCC NTSC); the I and Q rows sum to zero, so grey maps to (Y, 0, 0) and back.
_YIQ = ((0.299, 0.587, 0.114), (0.596, -0.274, -0.322), (0.211, -0.523, 0.312))


def _hue_generator() -> tuple[tuple[float, ...], ...]:
    """``inv(YIQ) @ J @ YIQ`` with ``J`` turning I towards -Q: the hue rotation's sine term (red turns to yellow)."""
    yiq = torch.tensor(_YIQ, dtype=torch.float64)
    turn = torch.zeros(3, 3, dtype=torch.float64)
    turn[1, 2], turn[2, 1] = 1.0, -1.0
    return tuple(tuple(row) for row in (torch.linalg.inv(yiq) @ turn @ yiq).tolist())


_HUE_SINE = _hue_generator()


@functools.lru_cache(maxsize=128)
def _constant(values: tuple, dtype: torch.dtype, device: torch.device) -> Tensor:
    """A small constant tensor, cached per device and dtype (never written to).

    Off the CPU it is filled entry by entry with scalar fills, so building it
    copies nothing from the host and never waits for the device.
    """
    cpu = torch.tensor(values, dtype=torch.float64)
    if device.type == "cpu":
        return cpu.to(dtype)
    out = torch.empty(cpu.shape, dtype=dtype, device=device)
    flat = out.view(-1)
    for i, v in enumerate(cpu.reshape(-1).tolist()):
        flat[i] = v
    return out


def _const(values: Sequence, like: Tensor) -> Tensor:
    return _constant(tuple(values), like.dtype, like.device)


# ------------------------------------------------------------------ helpers
def value_bound(dtype: torch.dtype) -> float:
    """The top of the value range: 255 for uint8, 1 for floating dtypes.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import value_bound
        >>> value_bound(torch.uint8), value_bound(torch.float16)
        (255.0, 1.0)
    """
    return 255.0 if dtype == torch.uint8 else 1.0


def _work_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32


def _back(out: Tensor, dtype: torch.dtype) -> Tensor:
    """Cast a float result to ``dtype``; uint8 is rounded and clamped to [0, 255], never wrapped."""
    if dtype == torch.uint8:
        return out.round_().clamp_(0, 255).to(torch.uint8)
    return out if out.dtype == dtype else out.to(dtype)


def _per_frame(values: Tensor | float, x: Tensor, name: str) -> Tensor:
    """``values`` broadcast to x's leading dims (one value per frame) in x's work dtype."""
    lead = x.shape[:-3]
    if isinstance(values, (int, float)):  # a fill, not a copy from the host
        return torch.full(lead, float(values), dtype=_work_dtype(x.dtype), device=x.device)
    values = torch.as_tensor(values, device=x.device).to(_work_dtype(x.dtype))
    try:
        return values.expand(lead) if values.dim() <= len(lead) else values.view(lead)
    except RuntimeError:
        raise ValueError(
            f"{name}: expected one value per frame, shape {tuple(lead)}, got shape {tuple(values.shape)}"
        ) from None


def grey_weights(channels: int, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> Tensor:
    """Weights of the grey level: Rec.601 luma for 3 channels, the plain channel mean otherwise.

    Example:
        >>> from tempaug.functional.color import grey_weights
        >>> [round(w, 3) for w in grey_weights(3).tolist()]
        [0.299, 0.587, 0.114]
        >>> grey_weights(2).tolist()
        [0.5, 0.5]
    """
    return _grey(channels, dtype, torch.device(device) if device is not None else torch.device("cpu")).clone()


def _grey(channels: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """:func:`grey_weights` without the copy (the result may be a cached constant: never write to it)."""
    if channels == 3:
        return _constant(LUMA, dtype, device)
    return torch.full((channels,), 1.0 / channels, dtype=dtype, device=device)


def _need_rgb(name: str, channels: int) -> None:
    if channels != 3:
        raise ValueError(f"{name}: needs 3 (RGB) channels, got {channels}")


# ---------------------------------------------------------- colour matrices
def _eye(channels: int, like: Tensor) -> Tensor:
    return torch.eye(channels, dtype=like.dtype, device=like.device)


def _affine(linear: Tensor, offset: Tensor) -> Tensor:
    return torch.cat([linear, offset.unsqueeze(-1)], dim=-1)


def brightness_matrix(factor: Tensor, channels: int = 3) -> Tensor:
    """Scale every channel by ``factor`` (...,): a (..., C, C+1) matrix.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import brightness_matrix
        >>> brightness_matrix(torch.tensor(2.0), 1).tolist()
        [[2.0, 0.0]]
    """
    factor = torch.as_tensor(factor)
    eye = _eye(channels, factor)
    linear = factor[..., None, None] * eye
    return _affine(linear, torch.zeros(linear.shape[:-1], dtype=factor.dtype, device=factor.device))


def contrast_matrix(factor: Tensor, grey: Tensor, channels: int = 3) -> Tensor:
    """Blend with the frame's mean grey level ``grey``: ``factor * x + (1 - factor) * grey``.

    Args:
        factor: (...,) contrast factors (0 gives a flat grey frame, 1 the identity).
        grey: (...,) the mean grey level of each frame the matrix will act on.
        channels: C.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import contrast_matrix
        >>> contrast_matrix(torch.tensor(0.5), torch.tensor(0.2), 1).tolist()
        [[0.5, 0.10000000149011612]]
    """
    factor = torch.as_tensor(factor)
    linear = factor[..., None, None] * _eye(channels, factor)
    offset = ((1.0 - factor) * grey)[..., None].expand(*linear.shape[:-1])
    return _affine(linear, offset)


def saturation_matrix(factor: Tensor) -> Tensor:
    """Blend RGB with its luma grey: ``factor * x + (1 - factor) * luma(x)``; a (..., 3, 4) matrix.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import saturation_matrix
        >>> m = saturation_matrix(torch.tensor(0.0))
        >>> torch.allclose(m[:, :3] @ torch.tensor([1.0, 0.0, 0.0]), torch.full((3,), 0.299))
        True
    """
    factor = torch.as_tensor(factor)
    eye = _eye(3, factor)
    to_grey = _grey(3, factor.dtype, factor.device).expand(3, 3) - eye
    linear = eye + (1.0 - factor)[..., None, None] * to_grey
    return _affine(linear, torch.zeros(linear.shape[:-1], dtype=factor.dtype, device=factor.device))


def hue_matrix(shift: Tensor) -> Tensor:
    """Turn the hue by ``shift`` (...,) turns of the colour circle: a rotation about the grey axis in YIQ.

    ``shift`` in [-0.5, 0.5]; 0 is the identity, positive turns red towards yellow
    (the direction of increasing HSV hue). Grey stays grey and luma is kept.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import hue_matrix
        >>> torch.equal(hue_matrix(torch.tensor(0.0))[:, :3], torch.eye(3))
        True
    """
    shift = torch.as_tensor(shift)
    angle = shift * (2.0 * math.pi)
    eye = _eye(3, shift)
    chroma = eye - _grey(3, shift.dtype, shift.device).expand(3, 3)
    sine = _const(_HUE_SINE, shift)
    linear = eye + (torch.cos(angle) - 1.0)[..., None, None] * chroma + torch.sin(angle)[..., None, None] * sine
    return _affine(linear, torch.zeros(linear.shape[:-1], dtype=shift.dtype, device=shift.device))


def compose_color_matrices(outer: Tensor, inner: Tensor) -> Tensor:
    """The matrix of ``inner`` then ``outer`` (both (..., C, C+1)).

    Example:
        >>> import torch
        >>> from tempaug.functional.color import brightness_matrix, compose_color_matrices
        >>> compose_color_matrices(brightness_matrix(torch.tensor(2.0), 1), brightness_matrix(torch.tensor(3.0), 1)).tolist()
        [[6.0, 0.0]]
    """
    c = outer.shape[-2]
    linear = outer[..., :c] @ inner[..., :c]
    offset = (outer[..., :c] @ inner[..., c:]).squeeze(-1) + outer[..., c]
    return _affine(linear, offset)


def jitter_matrix(
    means: Tensor,
    order: Tensor,
    brightness: Tensor | None = None,
    contrast: Tensor | None = None,
    saturation: Tensor | None = None,
    hue: Tensor | None = None,
) -> Tensor:
    """The four colour-jitter steps as one (B, T, C, C+1) matrix per frame.

    Contrast blends with the mean grey level of the frame *as it is at that
    step* (the mean of an affine map of a frame is that map of its means).
    Without clamps between them the steps commute, so every ``order`` gives
    the same matrix up to float rounding; a closed form computes it.

    Args:
        means: (B, T, C) channel means of each input frame (only read when contrast is given).
        order: (B, 4) long, per sample the steps in the order they run
            (0 brightness, 1 contrast, 2 saturation, 3 hue).
        brightness, contrast, saturation: (B, T) factors, or None to skip the step.
        hue: (B, T) shifts in turns, or None to skip the step.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import jitter_matrix
        >>> m = jitter_matrix(torch.full((1, 1, 3), 0.5), torch.tensor([[0, 1, 2, 3]]), brightness=torch.tensor([[2.0]]))
        >>> m[0, 0].tolist()
        [[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]]
    """
    b, t, c = means.shape
    if (saturation is not None or hue is not None) and c != 3:
        raise ValueError(
            f"jitter_matrix: saturation and hue need 3 (RGB) channels, got means of shape {tuple(means.shape)}"
        )
    # With no clamp between them the four steps commute exactly: saturation and hue act on chroma only
    # and keep luma, brightness scales everything, and contrast's grey offset is b * (1 - c) * luma(mean)
    # whether brightness runs before or after it. So one closed form serves every order (``order`` is
    # the record of the draw; it changes the result only by float rounding): a handful of small tensor
    # ops instead of folding four matrices one by one.
    dtype, device = means.dtype, means.device
    linear = _eye(c, means).expand(b, t, c, c)
    if saturation is not None:
        linear = saturation_matrix(saturation.to(dtype))[..., :3]
    if hue is not None:
        rotate = hue_matrix(hue.to(dtype))[..., :3]
        linear = rotate if saturation is None else linear @ rotate
    scale = torch.ones((b, t), dtype=dtype, device=device)
    if brightness is not None:
        scale = scale * brightness.to(dtype)
    offset = torch.zeros((b, t), dtype=dtype, device=device)
    if contrast is not None:
        factor = contrast.to(dtype)
        offset = scale * (1.0 - factor) * (means * _grey(c, dtype, device)).sum(-1)
        scale = scale * factor
    return _affine(scale[..., None, None] * linear, offset[..., None].expand(b, t, c))


def apply_color_matrix(x: Tensor, matrix: Tensor, clamp: bool = True) -> Tensor:
    """``out = M[:, :C] @ pixel + M[:, C]`` for every pixel, in one pass; one (C, C+1) matrix per frame.

    Args:
        x: (..., T, C, H, W), uint8 or floating.
        matrix: (..., T, C, C+1), one matrix per frame of ``x``.
        clamp: clamp to the value range ([0, 255] for uint8, [0, 1] for floats); uint8 is always clamped.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import apply_color_matrix
        >>> x = torch.tensor([100, 200], dtype=torch.uint8).view(1, 1, 1, 2)
        >>> apply_color_matrix(x, torch.tensor([[[1.5, 10.0]]])).flatten().tolist()
        [160, 255]
    """
    if _opencv_path(x):
        return _cv2_transform(_hwc_frames(x), matrix.expand(*x.shape[:-3], 3, 4), x.shape)
    return _matrix_pass(x.to(_work_dtype(x.dtype)), matrix, x.dtype, clamp)


def _opencv_path(x: Tensor) -> bool:
    """uint8 RGB frames on the CPU go through OpenCV (see :func:`_cv2_transform`)."""
    return (
        x.dtype == torch.uint8
        and x.device.type == "cpu"
        and x.shape[-3] == 3
        and x.numel() > 0
        and opencv() is not None
    )


def _hwc_frames(x: Tensor) -> np.ndarray:
    """(..., C, H, W) uint8 -> (n, H, W, C) numpy, a view when x is channels-last in memory (as resizes leave it)."""
    c, h, w = x.shape[-3:]
    frames = x.reshape(-1, c, h, w).permute(0, 2, 3, 1)
    return (frames if frames.is_contiguous() else frames.contiguous()).numpy()


def _cv2_frame_means(hwc: np.ndarray) -> Tensor:
    """Per-frame channel means (n, C) of uint8 HWC frames, with OpenCV's vectorised reduction."""
    c = hwc.shape[-1]
    mean = require_opencv().mean
    return torch.tensor([mean(frame)[:c] for frame in hwc], dtype=torch.float32)


def _cv2_transform(hwc: np.ndarray, matrix: Tensor, shape: Sequence[int]) -> Tensor:
    """Apply one (C, C+1) colour matrix per frame with ``cv2.transform``.

    OpenCV applies an affine colour matrix to uint8 pixels with SIMD and saturating
    rounding in a single pass, 10-20x faster on the CPU than converting the clip to
    float, a batched matmul and converting back. The result is returned as a
    channels-last view in tempaug's (..., C, H, W) layout.
    """
    n, h, w, c = hwc.shape
    transform = require_opencv().transform
    m = matrix.detach().to(torch.float32).reshape(n, c, c + 1).numpy()
    if n == 1 or bool((m == m[:1]).all()):
        out = transform(hwc.reshape(n * h, w, c), m[0]).reshape(n, h, w, c)
    else:
        out = np.empty_like(hwc)
        for i in range(n):
            out[i] = transform(hwc[i], m[i])
    return torch.from_numpy(out).permute(0, 3, 1, 2).reshape(*shape[:-3], c, h, w)


def _matrix_pass(work: Tensor, matrix: Tensor, dtype: torch.dtype, clamp: bool = True) -> Tensor:
    """:func:`apply_color_matrix` on ``work`` (already in the work dtype), returning ``dtype``."""
    *lead, c, h, w = work.shape
    n = math.prod(lead)
    m = matrix.to(dtype=work.dtype, device=work.device).expand(*lead, c, c + 1).reshape(n, c, c + 1)
    out = torch.baddbmm(m[..., c:], m[..., :c], work.reshape(n, c, h * w))
    if clamp or dtype == torch.uint8:
        out = out.clamp_(0.0, value_bound(dtype))
    return _back(out, dtype).view(work.shape)


def color_jitter(
    x: Tensor,
    order: Tensor,
    brightness: Tensor | None = None,
    contrast: Tensor | None = None,
    saturation: Tensor | None = None,
    hue: Tensor | None = None,
) -> Tensor:
    """Brightness, contrast, saturation and hue in each sample's ``order``, as one colour matrix per frame.

    The result is clamped to the value range once, at the end (not between steps).

    Args:
        x: (B, T, C, H, W); saturation and hue need C = 3.
        order: (B, 4) long, see :func:`jitter_matrix`.
        brightness, contrast, saturation, hue: (B, T) per-frame values or None to skip.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import color_jitter
        >>> x = torch.tensor([0.2, 0.6]).view(1, 1, 1, 1, 2)
        >>> out = color_jitter(x, torch.tensor([[1, 0, 2, 3]]), contrast=torch.tensor([[0.0]]))
        >>> [round(v, 6) for v in out.flatten().tolist()]
        [0.4, 0.4]
    """
    c = x.shape[-3]
    if (saturation is not None or hue is not None) and c != 3:
        raise ValueError(
            f"color_jitter: saturation and hue need 3 (RGB) channels, got a clip of shape {tuple(x.shape)}"
        )
    if x.numel() == 0:
        return x.clone()
    if _opencv_path(x):
        hwc = _hwc_frames(x)
        if contrast is not None:
            means = _cv2_frame_means(hwc).view(*x.shape[:-2]).to(x.device)
        else:
            means = torch.zeros(x.shape[:-2], dtype=torch.float32)
        matrix = jitter_matrix(means, order, brightness, contrast, saturation, hue)
        return _cv2_transform(hwc, matrix, x.shape)
    work = x.to(_work_dtype(x.dtype))
    if contrast is not None:
        means = work.mean(dim=(-2, -1))
    else:
        means = torch.zeros(work.shape[:-2], dtype=work.dtype, device=x.device)
    matrix = jitter_matrix(means, order, brightness, contrast, saturation, hue)
    return _matrix_pass(work, matrix, x.dtype)


def adjust_brightness(x: Tensor, factor: Tensor | float) -> Tensor:
    """Multiply by ``factor`` (one per frame, or one for all) and clamp to the value range.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import adjust_brightness
        >>> adjust_brightness(torch.tensor([100], dtype=torch.uint8).view(1, 1, 1, 1), 1.5).item()
        150
    """
    return apply_color_matrix(x, brightness_matrix(_per_frame(factor, x, "adjust_brightness"), x.shape[-3]))


def adjust_contrast(x: Tensor, factor: Tensor | float) -> Tensor:
    """Blend each frame with its mean grey level (luma for RGB, the channel mean otherwise) and clamp.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import adjust_contrast
        >>> adjust_contrast(torch.tensor([0.0, 1.0]).view(1, 1, 1, 2), 0.0).flatten().tolist()
        [0.5, 0.5]
    """
    factor = _per_frame(factor, x, "adjust_contrast")
    means = x.to(factor.dtype).mean(dim=(-2, -1))
    grey = (means * _grey(x.shape[-3], factor.dtype, x.device)).sum(-1)
    return apply_color_matrix(x, contrast_matrix(factor, grey, x.shape[-3]))


def adjust_saturation(x: Tensor, factor: Tensor | float) -> Tensor:
    """Blend RGB with its luma grey (0 gives grey, 1 the identity, 2 doubles the colour) and clamp.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import adjust_saturation
        >>> x = torch.tensor([255, 0, 0], dtype=torch.uint8).view(1, 3, 1, 1)
        >>> adjust_saturation(x, 0.0).flatten().tolist()
        [76, 76, 76]
    """
    _need_rgb("adjust_saturation", x.shape[-3])
    return apply_color_matrix(x, saturation_matrix(_per_frame(factor, x, "adjust_saturation")))


def adjust_hue(x: Tensor, shift: Tensor | float) -> Tensor:
    """Turn the hue by ``shift`` turns (a YIQ rotation about the grey axis, see :func:`hue_matrix`) and clamp.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import adjust_hue
        >>> x = torch.full((1, 3, 2, 2), 0.5)
        >>> torch.allclose(adjust_hue(x, 0.25), x)
        True
    """
    _need_rgb("adjust_hue", x.shape[-3])
    return apply_color_matrix(x, hue_matrix(_per_frame(shift, x, "adjust_hue")))


# --------------------------------------------------------------------- grey
def rgb_to_grayscale(x: Tensor, num_output_channels: int = 1) -> Tensor:
    """Rec.601 luma ``0.299 R + 0.587 G + 0.114 B``, as 1 channel or repeated to 3; uint8 is rounded.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import rgb_to_grayscale
        >>> x = torch.tensor([255, 0, 0], dtype=torch.uint8).view(1, 3, 1, 1)
        >>> rgb_to_grayscale(x).flatten().tolist(), tuple(rgb_to_grayscale(x, 3).shape)
        ([76], (1, 3, 1, 1))
    """
    _need_rgb("rgb_to_grayscale", x.shape[-3])
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels must be 1 or 3, got {num_output_channels!r}")
    work = x.to(_work_dtype(x.dtype))
    r, g, b = work.unbind(dim=-3)
    grey = (r * LUMA[0]).add_(g, alpha=LUMA[1]).add_(b, alpha=LUMA[2]).unsqueeze(-3)
    grey = _back(grey, x.dtype)
    return grey.expand(*x.shape[:-3], 3, *x.shape[-2:]).contiguous() if num_output_channels == 3 else grey


# --------------------------------------------------------------------- blur
def gaussian_kernel1d(size: int, sigma: Tensor) -> Tensor:
    """Normalised 1-D Gaussian kernels of ``size`` taps, one per entry of ``sigma``: shape (*sigma.shape, size).

    Example:
        >>> import torch
        >>> from tempaug.functional.color import gaussian_kernel1d
        >>> gaussian_kernel1d(3, torch.tensor([1e-3])).tolist()
        [[0.0, 1.0, 0.0]]
    """
    sigma = torch.as_tensor(sigma)
    dtype = sigma.dtype if sigma.is_floating_point() else torch.float32
    taps = torch.linspace(-(size - 1) / 2, (size - 1) / 2, size, dtype=dtype, device=sigma.device)
    kernel = torch.exp(-0.5 * (taps / sigma.to(dtype).unsqueeze(-1)) ** 2)
    return kernel / kernel.sum(dim=-1, keepdim=True)


def gaussian_blur(x: Tensor, kernel_size: int | Sequence[int], sigma: Tensor | float) -> Tensor:
    """Separable Gaussian blur with one sigma per frame, reflect padding, one grouped convolution per axis.

    Every (sample, frame, channel) plane becomes one group of a depthwise
    ``conv2d`` over a (1, N*C, H, W) view, so the whole batch is one kernel
    launch per axis whatever its per-frame sigmas.

    Args:
        x: (..., T, C, H, W), uint8 or floating.
        kernel_size: odd ``k`` or ``(kh, kw)``; reflect padding needs ``k // 2`` smaller than the frame side.
        sigma: one value for all frames, or one per frame (the leading dims of ``x``), > 0.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import gaussian_blur
        >>> x = torch.zeros(1, 1, 1, 5); x[..., 2] = 1.0
        >>> [round(v, 4) for v in gaussian_blur(x, (1, 3), 1.0).flatten().tolist()]
        [0.0, 0.2741, 0.4519, 0.2741, 0.0]
    """
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else (int(kernel_size[0]), int(kernel_size[1]))
    if kh < 1 or kw < 1 or kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"gaussian_blur: kernel_size must be odd and >= 1, got {kernel_size!r}")
    c, h, w = x.shape[-3:]
    if kh // 2 >= h or kw // 2 >= w:
        raise ValueError(
            f"gaussian_blur: reflect padding for a {kh}x{kw} kernel needs frames larger than {kh // 2}x{kw // 2}, "
            f"got shape {tuple(x.shape)}"
        )
    if x.numel() == 0 or (kh == 1 and kw == 1):
        return x.clone()
    sigmas = _per_frame(sigma, x, "gaussian_blur").reshape(-1)
    planes = sigmas.shape[0] * c
    work = x.to(sigmas.dtype).reshape(1, planes, h, w)
    ph, pw = kh // 2, kw // 2
    work = F.pad(work, (pw, pw, ph, ph), mode="reflect")
    if kh > 1:
        ky = gaussian_kernel1d(kh, sigmas).repeat_interleave(c, dim=0).view(planes, 1, kh, 1)
        work = F.conv2d(work, ky, groups=planes)
    if kw > 1:
        kx = gaussian_kernel1d(kw, sigmas).repeat_interleave(c, dim=0).view(planes, 1, 1, kw)
        work = F.conv2d(work, kx, groups=planes)
    return _back(work.view(x.shape), x.dtype)


# ------------------------------------------------------------ normalisation
def _channel_values(values: Sequence[float] | float, x: Tensor, work: torch.dtype, name: str) -> Tensor:
    flat = (float(values),) if isinstance(values, (int, float)) else tuple(float(v) for v in values)
    v = _constant(flat, work, x.device)
    c = x.shape[-3]
    if v.shape[0] not in (1, c):
        raise ValueError(f"{name}: {v.shape[0]} channel values for an input of shape {tuple(x.shape)} ({c} channels)")
    return v.view(-1, 1, 1)


def _float_input(x: Tensor) -> Tensor:
    """Floating ``x`` as it is; uint8 scaled to [0, 1] as float32."""
    return x.to(torch.float32).div_(255.0) if x.dtype == torch.uint8 else x


def normalize(x: Tensor, mean: Sequence[float] | float, std: Sequence[float] | float) -> Tensor:
    """``(x - mean) / std`` per channel; uint8 input is first scaled to [0, 1] and gives float32.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import normalize
        >>> normalize(torch.tensor([0.5, 1.0]).view(1, 2, 1, 1), [0.5, 0.5], [0.5, 0.25]).flatten().tolist()
        [0.0, 2.0]
    """
    xf = _float_input(x)
    m = _channel_values(mean, x, xf.dtype, "normalize")
    s = _channel_values(std, x, xf.dtype, "normalize")
    return (xf - m) / s


def denormalize(x: Tensor, mean: Sequence[float] | float, std: Sequence[float] | float) -> Tensor:
    """``x * std + mean`` per channel, the inverse of :func:`normalize`; uint8 input is first scaled to [0, 1].

    Example:
        >>> import torch
        >>> from tempaug.functional.color import denormalize
        >>> denormalize(torch.tensor([0.0, 2.0]).view(1, 2, 1, 1), [0.5, 0.5], [0.5, 0.25]).flatten().tolist()
        [0.5, 1.0]
    """
    xf = _float_input(x)
    m = _channel_values(mean, x, xf.dtype, "denormalize")
    s = _channel_values(std, x, xf.dtype, "denormalize")
    return xf * s + m


def to_float(x: Tensor, scale: bool = True) -> Tensor:
    """float32: uint8 divided by 255 when ``scale`` (else only cast); floating input cast to float32.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import to_float
        >>> to_float(torch.tensor([0, 255], dtype=torch.uint8)).tolist()
        [0.0, 1.0]
    """
    if x.dtype == torch.uint8:
        out = x.to(torch.float32)
        return out.div_(255.0) if scale else out
    return x.to(torch.float32)


def to_uint8(x: Tensor) -> Tensor:
    """uint8 from [0, 1] floats: ``round(255 x)`` clamped to [0, 255]; uint8 passes through.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import to_uint8
        >>> to_uint8(torch.tensor([-0.5, 0.5, 2.0])).tolist()
        [0, 128, 255]
    """
    if x.dtype == torch.uint8:
        return x
    return (x.to(_work_dtype(x.dtype)) * 255.0).round_().clamp_(0.0, 255.0).to(torch.uint8)


# ------------------------------------------------------------------ erasing
_MASK32 = 0xFFFFFFFF


def _mul32(a: Tensor, constant: int) -> Tensor:
    """``a * constant mod 2**32`` for int64 ``a`` in [0, 2**32), without overflowing int64."""
    lo, hi = constant & 0xFFFF, constant >> 16
    return (a * lo + ((a * hi) & 0xFFFF) * 65536) & _MASK32


def _mix32(h: Tensor) -> Tensor:
    """MurmurHash3's 32-bit finaliser on int64 tensors holding 32-bit values."""
    h = h ^ (h >> 16)
    h = _mul32(h, 0x85EBCA6B)
    h = h ^ (h >> 13)
    h = _mul32(h, 0xC2B2AE35)
    return h ^ (h >> 16)


def hash_uniform(seed: Tensor, shape: Sequence[int]) -> Tensor:
    """Counter-based uniform noise in [0, 1): (len(seed), *shape) float32, a pure function of seed and position.

    Integer arithmetic only, so every device gives the same bits, and a sample's
    noise does not depend on the rest of the batch.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import hash_uniform
        >>> a = hash_uniform(torch.tensor([7, 8]), (2, 3))
        >>> tuple(a.shape), torch.equal(a[1], hash_uniform(torch.tensor([8]), (2, 3))[0])
        ((2, 2, 3), True)
    """
    seed = seed.to(torch.int64).reshape(-1)
    count = math.prod(shape)
    index = torch.arange(count, dtype=torch.int64, device=seed.device).view(1, count)
    return _unit(_hash_bits(seed.view(-1, 1), index)).view(seed.shape[0], *shape)


def _hash_bits(seed: Tensor, index: Tensor) -> Tensor:
    """32 random bits (in int64) for each (seed, index) pair; the two broadcast."""
    return _mix32(_mul32(index, 0x9E3779B1) ^ _mix32(seed & _MASK32))


def _unit(bits: Tensor) -> Tensor:
    return (bits >> 8).to(torch.float32) * (1.0 / 16777216.0)


def _noise_like(bits: Tensor, dtype: torch.dtype) -> Tensor:
    """Uniform noise over the value range of ``dtype``: all 256 levels for uint8, [0, 1) for floats."""
    return (bits >> 24).to(torch.uint8) if dtype == torch.uint8 else _unit(bits).to(dtype)


def tube_mask(shape: Sequence[int], box: Tensor) -> Tensor:
    """(B, T, 1, H, W) bool, True inside each sample's cuboid ``box`` (B, 6) = (t0, t1, y0, y1, x0, x1), ends excluded.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import tube_mask
        >>> tube_mask((1, 3, 1, 2, 2), torch.tensor([[1, 3, 0, 1, 1, 2]]))[0, :, 0].int().tolist()
        [[[0, 0], [0, 0]], [[0, 1], [0, 0]], [[0, 1], [0, 0]]]
    """
    b, t, _, h, w = shape
    box = box.view(b, 6, 1)

    def inside(size: int, lo: Tensor, hi: Tensor) -> Tensor:
        i = torch.arange(size, device=box.device).view(1, size)
        return (i >= lo) & (i < hi)

    mt = inside(t, box[:, 0], box[:, 1]).view(b, t, 1, 1, 1)
    my = inside(h, box[:, 2], box[:, 3]).view(b, 1, 1, h, 1)
    mx = inside(w, box[:, 4], box[:, 5]).view(b, 1, 1, 1, w)
    return mt & my & mx


def erase_tube(x: Tensor, box: Tensor, value: float | str = 0.0, seed: Tensor | None = None) -> Tensor:
    """Fill a space-time cuboid per sample.

    Args:
        x: (B, T, C, H, W), uint8 or floating.
        box: (B, 6) long, (t0, t1, y0, y1, x0, x1) per sample, ends excluded.
        value: a number in [0, 1] of the value range (uint8 gets ``round(255 v)``); ``"mean"`` the channel
            means of each frame; ``"random"`` per-pixel uniform noise from :func:`hash_uniform`.
        seed: (B,) the noise seeds, for ``value="random"``.

    Example:
        >>> import torch
        >>> from tempaug.functional.color import erase_tube
        >>> x = torch.ones(1, 2, 1, 1, 3)
        >>> erase_tube(x, torch.tensor([[1, 2, 0, 1, 0, 2]])).flatten().tolist()
        [1.0, 1.0, 1.0, 0.0, 0.0, 1.0]
    """
    mask = tube_mask(x.shape, box.to(x.device))
    bound = value_bound(x.dtype)
    if value == "mean":
        fill = _back(x.to(_work_dtype(x.dtype)).mean(dim=(-2, -1), keepdim=True), x.dtype)
    elif value == "random":
        if seed is None:
            raise ValueError("erase_tube: value='random' needs a seed per sample")
        return _erase_with_noise(x, mask, seed.to(device=x.device, dtype=torch.int64))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        scalar = round(value * bound) if x.dtype == torch.uint8 else float(value)
        return torch.where(mask, scalar, x)
    else:
        raise ValueError(f"erase_tube: value must be a number, 'mean' or 'random', got {value!r}")
    return torch.where(mask, fill, x)


def _erase_with_noise(x: Tensor, mask: Tensor, seed: Tensor) -> Tensor:
    """Noise from :func:`hash_uniform` inside ``mask``; the same values on every device.

    On the CPU only the erased elements are hashed; elsewhere the whole clip is,
    which keeps the work free of host synchronisation.
    """
    b, count = x.shape[0], math.prod(x.shape[1:])
    full = mask.expand(x.shape)
    if x.device.type == "cpu":
        out = x.clone(memory_format=torch.contiguous_format)
        sample, index = full.reshape(b, count).nonzero(as_tuple=True)
        out.view(b, count)[sample, index] = _noise_like(_hash_bits(seed[sample], index), x.dtype)
        return out
    index = torch.arange(count, dtype=torch.int64, device=x.device).view(1, count)
    noise = _noise_like(_hash_bits(seed.view(-1, 1), index), x.dtype).view(x.shape)
    return torch.where(full, noise, x)
