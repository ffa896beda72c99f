"""Geometric ops: each one draws an affine map per sample (or per frame); one warp does the work.

A :class:`SpaceMap` is a (B, T', 3, 3) output-to-input matrix, the output frame
size and the fill value for pixels read from outside the frame. Consecutive
geometric ops in a ``Compose`` multiply their matrices and warp once (see
:mod:`tempaug.functional.geometric`).

Example:
    >>> import torch, tempaug
    >>> op = tempaug.HorizontalFlip()
    >>> op.space_map(op.sample((1, 2, 3, 4, 4)), (1, 2, 3, 4, 4)).matrix[0, 0, 0].tolist()
    [-1.0, 0.0, 3.0]
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, NamedTuple

import torch
from torch import Tensor

from ..functional.geometric import identity_matrix, warp
from . import rng
from .errors import ShapeError
from .params import Params
from .transform import FrameTransform, Shape

__all__ = ["SpaceMap", "GeometricParams", "GeometricTransform", "compose_space_maps"]


class SpaceMap(NamedTuple):
    """An affine map per sample (T' = 1) or per frame (T' = T), the output size and the fill value.

    Attributes:
        matrix: (B, T', 3, 3) float32; output pixel centre (x, y, 1) -> input position.
        size: output (H, W).
        fill: value of output pixels that read outside the input frame.
        antialias: antialias when a box map shrinks the frame on the CPU.
    """

    matrix: Tensor
    size: tuple[int, int]
    fill: float = 0.0
    antialias: bool = True


def compose_space_maps(inner: SpaceMap, outer: SpaceMap) -> SpaceMap | None:
    """The map of "``inner``, then ``outer``" as one map, or None when their fill values differ.

    Example:
        >>> import torch
        >>> from tempaug.core.geometry import SpaceMap, compose_space_maps
        >>> from tempaug.functional.geometric import flip_matrix
        >>> flip = SpaceMap(flip_matrix(True, (2, 2), 1), (2, 2))
        >>> torch.equal(compose_space_maps(flip, flip).matrix, torch.eye(3).view(1, 1, 3, 3))
        True
    """
    if inner.fill != outer.fill:
        return None
    return SpaceMap(inner.matrix @ outer.matrix, outer.size, outer.fill, inner.antialias and outer.antialias)


def apply_space_map(x: Tensor, smap: SpaceMap) -> Tensor:
    """Warp a (B,T,C,H,W) batch with a :class:`SpaceMap`.

    Example:
        >>> import torch
        >>> from tempaug.core.geometry import SpaceMap, apply_space_map
        >>> from tempaug.functional.geometric import identity_matrix
        >>> x = torch.rand(1, 2, 1, 3, 3)
        >>> apply_space_map(x, SpaceMap(identity_matrix(1), (3, 3))) is not None
        True
    """
    return warp(x, smap.matrix.to(x.device), smap.size, smap.fill, smap.antialias)


@dataclasses.dataclass(frozen=True, eq=False)
class GeometricParams(Params):
    """Params of a geometric op.

    Attributes:
        applied: (B,) bool, the ``p`` gate (gated-off samples hold the identity matrix).
        matrix: (B, T', 3, 3) output-to-input maps, T' = 1 for one map per clip.
    """

    matrix: Tensor


class GeometricTransform(FrameTransform):
    """Base of ops that move pixels with one affine map per sample or per frame.

    Subclasses implement ``_matrices(shape, generator) -> (matrix (B, T', 3, 3), extra_fields)``
    and ``_out_size(shape) -> (H, W)``; they may set ``fill``.

    Example:
        >>> import tempaug
        >>> tempaug.CenterCrop(2).output_shape((4, 3, 8, 8))
        (4, 3, 2, 2)
    """

    abstract = True
    geometric: ClassVar[bool] = True
    params_type: ClassVar[type[Params]] = GeometricParams
    fill: float = 0.0

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def _out_size(self, shape: Shape) -> tuple[int, int]:
        return (shape[3], shape[4])

    def _output_shape(self, shape: Shape) -> Shape:
        return (*shape[:3], *self._out_size(shape))

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> Params:
        b = shape[0]
        applied = rng.gate(b, self.p, generator)
        matrix, extra = self._matrices(shape, generator)
        matrix = matrix.to(torch.float32)
        if self.p < 1.0:
            ident = identity_matrix(b, matrix.shape[1], matrix.device)
            matrix = torch.where(applied.view(-1, 1, 1, 1), matrix, ident)
        return self.params_type(applied=applied, matrix=matrix, **extra)

    def _check_params(self, params: Params, shape: Shape) -> None:
        super()._check_params(params, shape)
        frames = params.matrix.shape[1]  # type: ignore[attr-defined]
        if frames not in (1, shape[1]):
            raise ShapeError(f"{self.name}: params hold maps for {frames} frames, the input has shape {tuple(shape)}")

    def space_map(self, params: Params, shape: Shape) -> SpaceMap:
        """The op's work on an input of ``shape`` (B,T,C,H,W) as a :class:`SpaceMap`."""
        antialias = bool(getattr(self, "antialias", True))
        return SpaceMap(params.matrix, self._out_size(shape), float(self.fill), antialias)  # type: ignore[attr-defined]

    def _transform(self, x: Tensor, params: Params) -> Tensor:
        return apply_space_map(x, self.space_map(params, tuple(x.shape)))

    def _apply(self, x: Tensor, params: Params) -> Tensor:  # the gate is already in the matrices
        return self._transform(x, params)
