"""Params: the plain, typed, immutable data a transform draws and replays.

Every transform's ``sample`` returns a frozen dataclass derived from
:class:`Params`. All tensor fields have one leading batch dimension ``B``
(so does every tensor of a field that maps names to tensors, which is how an
adapter keeps a wrapped library's params); containers hold their children's
params in ``children``. Params are returned to the caller and never kept on
the transform, so the same params can be replayed, sliced per sample, moved
between devices and written to JSON.

Example:
    >>> import torch, tempaug
    >>> op = tempaug.TemporalReverse(p=0.5)
    >>> params = op.sample((4, 8, 3, 16, 16), generator=torch.Generator().manual_seed(0))
    >>> params.batch_size, params.positions.shape
    (4, torch.Size([4, 8]))
    >>> params[1].batch_size
    1
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import torch
from torch import Tensor

from .errors import SerializationError

__all__ = ["PARAMS_TYPES", "Params", "params_from_dict"]

P = TypeVar("P", bound="Params")
Index = int | slice | Tensor | list

#: Every Params subclass by class name; ``params_from_dict`` builds only these.
PARAMS_TYPES: dict[str, type[Params]] = {}

_DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.bool,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
    )
}


@dataclasses.dataclass(frozen=True, eq=False)
class Params:
    """Base of every transform's params.

    Attributes:
        applied: (B,) bool, which samples the transform acted on (the ``p`` gate).
    """

    applied: Tensor

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        PARAMS_TYPES[cls.__name__] = cls

    def __post_init__(self) -> None:
        if self.applied.dim() != 1:
            raise ValueError(f"{type(self).__name__}: applied must have shape (B,), got {tuple(self.applied.shape)}")
        b = self.applied.shape[0]
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Tensor) and (value.dim() == 0 or value.shape[0] != b):
                raise ValueError(
                    f"{type(self).__name__}: field {f.name!r} has shape {tuple(value.shape)}, "
                    f"expected a leading batch dimension of {b}"
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str) or not isinstance(item, Tensor):
                        raise ValueError(f"{type(self).__name__}: field {f.name!r} must map names to tensors")
                    if item.dim() == 0 or item.shape[0] != b:
                        raise ValueError(
                            f"{type(self).__name__}: field {f.name}[{key!r}] has shape {tuple(item.shape)}, "
                            f"expected a leading batch dimension of {b}"
                        )

    # ------------------------------------------------------------------ basics
    @property
    def batch_size(self) -> int:
        """Number of samples these params describe.

        Example:
            >>> import torch, tempaug
            >>> tempaug.TemporalReverse().sample((2, 4, 1, 2, 2)).batch_size
            2
        """
        return int(self.applied.shape[0])

    @property
    def device(self) -> torch.device:
        """Device the params tensors live on."""
        return self.applied.device

    def _map(self: P, tensor_fn: Any) -> P:
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Tensor):
                changes[f.name] = tensor_fn(value)
            elif isinstance(value, Params):
                changes[f.name] = value._map(tensor_fn)
            elif isinstance(value, tuple):
                changes[f.name] = tuple(v._map(tensor_fn) if isinstance(v, Params) else v for v in value)
            elif isinstance(value, dict):
                changes[f.name] = {key: tensor_fn(item) for key, item in value.items()}
        return dataclasses.replace(self, **changes)

    def to(self: P, device: torch.device | str | None) -> P:
        """Return the same params with every tensor on ``device`` (no copy if already there).

        Example:
            >>> import tempaug
            >>> tempaug.TemporalReverse().sample((1, 4, 1, 2, 2)).to("cpu").device.type
            'cpu'
        """
        if device is None:
            return self
        device = torch.device(device)
        if self.applied.device == device:
            return self
        return self._map(lambda t: t.to(device, non_blocking=True))

    def __getitem__(self: P, index: Index) -> P:
        """Select samples along the batch dimension; an int keeps a batch of one.

        Example:
            >>> import tempaug
            >>> params = tempaug.TemporalReverse().sample((3, 4, 1, 2, 2))
            >>> params[0].batch_size, params[1:].batch_size
            (1, 2)
        """
        if isinstance(index, int):
            b = self.batch_size
            if not -b <= index < b:
                raise IndexError(f"{type(self).__name__}: sample {index} out of range for a batch of {b}")
            index = slice(index % b, index % b + 1)
        elif isinstance(index, list):
            index = torch.as_tensor(index, dtype=torch.long)
        if isinstance(index, Tensor):
            index = index.to(self.device)
        return self._map(lambda t: t[index])

    def equal(self, other: object) -> bool:
        """True when ``other`` has the same type and exactly equal tensors.

        Example:
            >>> import torch, tempaug
            >>> op = tempaug.TemporalCrop(2)
            >>> a = op.sample((2, 4, 1, 2, 2), generator=torch.Generator().manual_seed(1))
            >>> b = op.sample((2, 4, 1, 2, 2), generator=torch.Generator().manual_seed(1))
            >>> a.equal(b)
            True
        """
        if type(other) is not type(self):
            return False
        for f in dataclasses.fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, Tensor):
                if not (
                    isinstance(theirs, Tensor)
                    and mine.dtype == theirs.dtype
                    and mine.shape == theirs.shape
                    and torch.equal(mine.cpu(), theirs.cpu())
                ):
                    return False
            elif isinstance(mine, tuple):
                if not isinstance(theirs, tuple) or len(mine) != len(theirs):
                    return False
                if not all(a.equal(b) for a, b in zip(mine, theirs)):
                    return False
            elif isinstance(mine, Params):
                if not mine.equal(theirs):
                    return False
            elif isinstance(mine, dict):
                if not isinstance(theirs, dict) or mine.keys() != theirs.keys():
                    return False
                if not all(_same_tensor(mine[key], theirs[key]) for key in mine):
                    return False
            elif mine != theirs:
                return False
        return True

    # ---------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the params type and every field (tensors as dtype, shape, data).

        Example:
            >>> import json, tempaug
            >>> d = tempaug.TemporalReverse().sample((1, 3, 1, 2, 2)).to_dict()
            >>> d["type"], d["fields"]["positions"]["data"]
            ('TemporalReverseParams', [2.0, 1.0, 0.0])
            >>> _ = json.dumps(d)
        """
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Tensor):
                fields[f.name] = _tensor_to_dict(value)
            elif isinstance(value, dict):
                fields[f.name] = {"tensors": {key: _tensor_to_dict(item) for key, item in value.items()}}
            elif isinstance(value, tuple):
                fields[f.name] = [v.to_dict() for v in value]
            elif isinstance(value, Params):
                fields[f.name] = value.to_dict()
            else:
                fields[f.name] = value
        return {"type": type(self).__name__, "fields": fields}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """Inverse of :meth:`to_dict`; see :func:`params_from_dict`."""
        return params_from_dict(data)


def _same_tensor(a: Tensor, b: Any) -> bool:
    return isinstance(b, Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a.cpu(), b.cpu())


def _tensor_to_dict(value: Tensor) -> dict[str, Any]:
    t = value.detach().cpu()
    return {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape), "data": t.reshape(-1).tolist()}


def _tensor_from_dict(value: Any, where: str) -> Tensor:
    if not isinstance(value, dict) or not {"dtype", "shape", "data"} <= value.keys():
        raise SerializationError(f"{where}: expected a tensor entry with keys dtype, shape, data")
    dtype = _DTYPES.get(value["dtype"])
    if dtype is None:
        raise SerializationError(f"{where}.dtype: unknown dtype {value['dtype']!r}")
    try:
        return torch.tensor(value["data"], dtype=dtype).reshape(value["shape"])
    except (RuntimeError, TypeError, ValueError) as err:
        raise SerializationError(f"{where}.data: cannot build a tensor of shape {value['shape']}: {err}") from None


def params_from_dict(data: dict[str, Any], where: str = "params") -> Params:
    """Rebuild params written by :meth:`Params.to_dict`; only known params types are built.

    Example:
        >>> import tempaug
        >>> from tempaug.core.params import params_from_dict
        >>> p = tempaug.TemporalReverse().sample((2, 3, 1, 2, 2))
        >>> params_from_dict(p.to_dict()).equal(p)
        True
    """
    if not isinstance(data, dict) or "type" not in data or "fields" not in data:
        raise SerializationError(f"{where}: expected a dict with keys 'type' and 'fields'")
    cls = PARAMS_TYPES.get(data["type"])
    if cls is None:
        raise SerializationError(f"{where}.type: unknown params type {data['type']!r}")
    raw = data["fields"]
    if not isinstance(raw, dict):
        raise SerializationError(f"{where}.fields: expected a dict")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        key = f"{where}.fields.{f.name}"
        if f.name not in raw:
            raise SerializationError(f"{key}: missing")
        value = raw[f.name]
        if isinstance(value, list) and all(isinstance(v, dict) and "type" in v for v in value):
            kwargs[f.name] = tuple(params_from_dict(v, f"{key}[{i}]") for i, v in enumerate(value))
        elif isinstance(value, dict) and "type" in value:
            kwargs[f.name] = params_from_dict(value, key)
        elif isinstance(value, dict) and set(value) == {"tensors"}:
            tensors = value["tensors"]
            if not isinstance(tensors, dict):
                raise SerializationError(f"{key}.tensors: expected a mapping of names to tensor entries")
            kwargs[f.name] = {name: _tensor_from_dict(item, f"{key}.tensors.{name}") for name, item in tensors.items()}
        elif isinstance(value, dict):
            kwargs[f.name] = _tensor_from_dict(value, key)
        else:
            kwargs[f.name] = value
    extra = set(raw) - {f.name for f in dataclasses.fields(cls)}
    if extra:
        raise SerializationError(f"{where}.fields: unknown field(s) {sorted(extra)} for {cls.__name__}")
    try:
        return cls(**kwargs)
    except ValueError as err:
        raise SerializationError(f"{where}: {err}") from None
