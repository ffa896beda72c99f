"""Argument checks shared by every transform, and the switch for value checks on input clips.

Example:
    >>> from tempaug.core.validation import check_probability
    >>> check_probability("MyOp", "p", 0.25)
    0.25
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor

from .errors import InvalidArgumentError, InvalidInputError

__all__ = [
    "check_choice",
    "check_int",
    "check_no_nan",
    "check_probability",
    "check_range",
    "nan_check",
    "set_nan_check",
]

_NAN_CHECK = True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_probability(op: str, arg: str, value: Any) -> float:
    """A probability in [0, 1], or an InvalidArgumentError naming the op and argument.

    Example:
        >>> from tempaug.core.validation import check_probability
        >>> check_probability("TemporalReverse", "p", 1)
        1.0
    """
    if not _is_number(value) or not 0.0 <= value <= 1.0:
        raise InvalidArgumentError(f"{op}: {arg} must be a number in [0, 1], got {value!r}", arg=arg)
    return float(value)


def check_range(
    op: str, arg: str, value: Any, low: float | None = None, low_open: bool = False, high: float | None = None
) -> tuple[float, float]:
    """A (lo, hi) pair with lo <= hi inside the allowed bounds; a single number x means (x, x).

    Example:
        >>> from tempaug.core.validation import check_range
        >>> check_range("SpeedJitter", "speed", (0.5, 2), low=0, low_open=True)
        (0.5, 2.0)
    """
    pair = (value, value) if _is_number(value) else value
    if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2 or not all(map(_is_number, pair)):
        raise InvalidArgumentError(
            f"{op}: {arg} must be a number or a (lo, hi) pair of finite numbers, got {value!r}", arg=arg
        )
    lo, hi = float(pair[0]), float(pair[1])
    if lo > hi:
        raise InvalidArgumentError(f"{op}: {arg} must have lo <= hi, got {value!r}", arg=arg)
    if low is not None and (lo < low or (low_open and lo <= low)):
        bound = f"> {low}" if low_open else f">= {low}"
        raise InvalidArgumentError(f"{op}: {arg} must be {bound}, got {value!r}", arg=arg)
    if high is not None and hi > high:
        raise InvalidArgumentError(f"{op}: {arg} must be <= {high}, got {value!r}", arg=arg)
    return lo, hi


def check_int(op: str, arg: str, value: Any, minimum: int) -> int:
    """An integer >= ``minimum`` (bools refused).

    Example:
        >>> from tempaug.core.validation import check_int
        >>> check_int("TemporalCrop", "length", 8, 1)
        8
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{op}: {arg} must be an integer >= {minimum}, got {value!r}", arg=arg)
    return int(value)


def check_choice(op: str, arg: str, value: Any, choices: Sequence[str]) -> str:
    """One of ``choices``.

    Example:
        >>> from tempaug.core.validation import check_choice
        >>> check_choice("TemporalCrop", "mode", "center", ("random", "center", "start"))
        'center'
    """
    if value not in choices:
        raise InvalidArgumentError(f"{op}: {arg} must be one of {list(choices)}, got {value!r}", arg=arg)
    return value


def set_nan_check(enabled: bool) -> None:
    """Turn the NaN check on float clips under frame-blending ops on or off (on by default).

    The check runs in ``transform(x)`` (never in ``apply``). It reads the whole
    clip and, on an accelerator, waits for the device; turn it off on hot GPU
    paths where inputs are known to be finite.

    Example:
        >>> import tempaug
        >>> tempaug.set_nan_check(False); tempaug.set_nan_check(True)
    """
    global _NAN_CHECK
    _NAN_CHECK = bool(enabled)


@contextmanager
def nan_check(enabled: bool) -> Iterator[None]:
    """Context manager form of :func:`set_nan_check`.

    Example:
        >>> import torch, tempaug
        >>> with tempaug.nan_check(False):
        ...     out = tempaug.SpeedJitter()(torch.full((4, 1, 2, 2), float("nan")))
    """
    global _NAN_CHECK
    before = _NAN_CHECK
    _NAN_CHECK = bool(enabled)
    try:
        yield
    finally:
        _NAN_CHECK = before


def check_no_nan(op: str, x: Tensor) -> None:
    """Raise InvalidInputError if a float ``x`` holds NaN and the check is on.

    Example:
        >>> import torch
        >>> from tempaug.core.validation import check_no_nan
        >>> check_no_nan("SpeedJitter", torch.zeros(2, 1, 1, 1))
    """
    if not (_NAN_CHECK and x.is_floating_point() and x.numel()):
        return
    # One reduction first (NaN propagates through a sum); the exact scan only when the sum is not finite.
    if not bool(torch.isfinite(x.sum())) and bool(torch.isnan(x).any()):
        raise InvalidInputError(
            f"{op}: the input of shape {tuple(x.shape)} holds NaN, which a frame blend would spread to its "
            "neighbours; clean the clip or turn the check off with tempaug.set_nan_check(False)"
        )
