"""Layouts: tempaug works on (T,C,H,W) clips and (B,T,C,H,W) batches.

Inside every transform a clip is lifted to a batch of one and lowered on the
way out. Data stored in another layout is converted with :func:`to_tchw` and
:func:`from_tchw`, which always take the layout by name: a layout is never
guessed from a shape (a 3x3x3x3 clip would be ambiguous).

Example:
    >>> import numpy as np
    >>> from tempaug.core.layout import to_tchw, from_tchw
    >>> frames = np.zeros((8, 32, 48, 3), dtype=np.uint8)      # T,H,W,C as decoders return it
    >>> clip = to_tchw(frames, "THWC")
    >>> tuple(clip.shape)
    (8, 3, 32, 48)
    >>> from_tchw(clip, "THWC").shape
    torch.Size([8, 32, 48, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .errors import DTypeError, ShapeError

__all__ = ["SUPPORTED_DTYPES", "batch_shape", "check_clip", "from_tchw", "lift", "lower", "to_tchw"]

SUPPORTED_DTYPES = (torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64)


def _parse_layout(layout: str, where: str) -> str:
    if not isinstance(layout, str):
        raise DTypeError(f"{where}: layout must be a string such as 'THWC', got {type(layout).__name__}")
    canon = layout.upper()
    letters = canon.removeprefix("B")
    if sorted(letters) != sorted("TCHW") or len(canon) != len(set(canon)):
        raise ShapeError(
            f"{where}: layout {layout!r} must name T, C, H, W once each, optionally led by B (e.g. 'THWC', 'BCTHW')"
        )
    return canon


def _as_tensor(x: Any, where: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        if any(stride < 0 for stride in x.strides):  # e.g. a BGR -> RGB flip; torch has no negative strides
            x = np.ascontiguousarray(x)
        return torch.from_numpy(x)
    raise DTypeError(f"{where}: expected a torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def to_tchw(x: Tensor | np.ndarray, layout: str) -> Tensor:
    """Convert a clip or batch stored in ``layout`` to (T,C,H,W) or (B,T,C,H,W), as a view where possible.

    Args:
        x: tensor or numpy array.
        layout: its layout, e.g. ``"THWC"``, ``"CTHW"``, ``"BTHWC"``, ``"BCTHW"`` or ``"TCHW"``.

    Example:
        >>> import torch
        >>> from tempaug.core.layout import to_tchw
        >>> to_tchw(torch.zeros(3, 8, 16, 16), "CTHW").shape
        torch.Size([8, 3, 16, 16])
    """
    canon = _parse_layout(layout, "to_tchw")
    t = _as_tensor(x, "to_tchw")
    if t.dim() != len(canon):
        raise ShapeError(f"to_tchw: layout {layout!r} has {len(canon)} dims but the input has shape {tuple(t.shape)}")
    target = "BTCHW" if canon.startswith("B") else "TCHW"
    return t.permute([canon.index(c) for c in target])


def from_tchw(x: Tensor, layout: str, numpy: bool = False) -> Tensor | np.ndarray:
    """Convert a (T,C,H,W) clip or (B,T,C,H,W) batch to ``layout``; ``numpy=True`` returns an array.

    Example:
        >>> import torch
        >>> from tempaug.core.layout import from_tchw
        >>> from_tchw(torch.zeros(8, 3, 16, 16), "CTHW").shape
        torch.Size([3, 8, 16, 16])
    """
    canon = _parse_layout(layout, "from_tchw")
    t = _as_tensor(x, "from_tchw")
    source = "BTCHW" if canon.startswith("B") else "TCHW"
    if t.dim() != len(source):
        raise ShapeError(f"from_tchw: expected a {source} input of {len(source)} dims, got shape {tuple(t.shape)}")
    out = t.permute([source.index(c) for c in canon])
    if numpy and out.dtype == torch.bfloat16:
        raise DTypeError("from_tchw: numpy has no bfloat16; convert first, e.g. x.float(), or pass numpy=False")
    return out.detach().cpu().numpy() if numpy else out


def batch_shape(shape: Sequence[int], where: str) -> tuple[int, int, int, int, int]:
    """Normalise a (T,C,H,W) or (B,T,C,H,W) shape to five ints, or raise a ShapeError naming ``where``.

    Example:
        >>> from tempaug.core.layout import batch_shape
        >>> batch_shape((8, 3, 4, 4), "op")
        (1, 8, 3, 4, 4)
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) == 4:
        shape = (1, *shape)
    if len(shape) != 5:
        raise ShapeError(
            f"{where}: expected a (T,C,H,W) clip or a (B,T,C,H,W) batch, got {len(shape)} dims {shape}; "
            "convert other layouts with tempaug.to_tchw(x, layout)"
        )
    if any(s < 0 for s in shape):
        raise ShapeError(f"{where}: negative size in shape {shape}")
    if shape[1] == 0:
        raise ShapeError(f"{where}: the clip has no frames (shape {shape})")
    return shape


def check_clip(x: Any, where: str) -> None:
    """Raise a clear error unless ``x`` is a uint8 or floating (T,C,H,W) / (B,T,C,H,W) tensor.

    Example:
        >>> import torch
        >>> from tempaug.core.layout import check_clip
        >>> check_clip(torch.zeros(4, 3, 8, 8), "op")
    """
    if not isinstance(x, Tensor):
        raise DTypeError(
            f"{where}: expected a torch.Tensor, got {type(x).__name__}; numpy arrays go through "
            "tempaug.to_tchw(x, layout), and a clip with its targets is a tempaug.Sample"
        )
    if x.dtype not in SUPPORTED_DTYPES:
        raise DTypeError(f"{where}: expected a uint8 or floating tensor, got {x.dtype} with shape {tuple(x.shape)}")
    batch_shape(x.shape, where)


def lift(x: Tensor) -> tuple[Tensor, bool]:
    """View a (T,C,H,W) clip as a batch of one; returns the batch and whether it was lifted.

    Example:
        >>> import torch
        >>> from tempaug.core.layout import lift
        >>> b, lifted = lift(torch.zeros(4, 3, 8, 8))
        >>> tuple(b.shape), lifted
        ((1, 4, 3, 8, 8), True)
    """
    return (x.unsqueeze(0), True) if x.dim() == 4 else (x, False)


def lower(x: Tensor, lifted: bool) -> Tensor:
    """Undo :func:`lift`.

    Example:
        >>> import torch
        >>> from tempaug.core.layout import lower
        >>> lower(torch.zeros(1, 4, 3, 8, 8), True).shape
        torch.Size([4, 3, 8, 8])
    """
    return x.squeeze(0) if lifted else x
