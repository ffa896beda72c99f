"""Exceptions raised by tempaug.

Every error is a subclass of the built-in exception a user would expect
(``ValueError`` for bad values and shapes, ``TypeError`` for bad types), so
``except ValueError`` keeps working, while ``except tempaug.TempaugError``
catches everything tempaug raises on purpose.

Example:
    >>> import tempaug
    >>> try:
    ...     tempaug.TemporalCrop(length=0)
    ... except ValueError as err:
    ...     print(type(err).__name__)
    InvalidArgumentError
"""

from __future__ import annotations

__all__ = [
    "DTypeError",
    "InvalidArgumentError",
    "InvalidInputError",
    "SerializationError",
    "ShapeError",
    "TempaugError",
]


class TempaugError(Exception):
    """Base class of every error tempaug raises on purpose."""


class InvalidArgumentError(TempaugError, ValueError):
    """A constructor or function argument is out of range or inconsistent.

    Attributes:
        arg: name of the argument at fault, when one is (serialisation errors use it to name the key).
    """

    def __init__(self, message: str, arg: str | None = None) -> None:
        super().__init__(message)
        self.arg = arg


class ShapeError(TempaugError, ValueError):
    """An input has the wrong number of dimensions or a size an op cannot use."""


class InvalidInputError(TempaugError, ValueError):
    """An input holds values an op cannot carry (for example NaN under a frame blend)."""


class DTypeError(TempaugError, TypeError):
    """An input has a dtype or a Python type an op does not accept."""


class SerializationError(TempaugError, ValueError):
    """A serialised pipeline or params file is malformed; the message names the key at fault."""
