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
from typing import Any, ClassVar, TypeVar

import torch
from torch import Tensor

from ..functional.geometric import SpaceMap, apply_space_map, compose_space_maps, identity_matrix
from . import rng
from .errors import ShapeError
from .moves import move_in_space
from .params import Params
from .sample import Targets
from .transform import FrameTransform, Shape

#: The params class of a geometric op.
GP = TypeVar("GP", bound="GeometricParams")

__all__ = ["GeometricParams", "GeometricTransform", "SpaceMap", "apply_space_map", "compose_space_maps"]


@dataclasses.dataclass(frozen=True, eq=False)
class GeometricParams(Params):
    """Params of a geometric op.

    Attributes:
        applied: (B,) bool, the ``p`` gate (gated-off samples hold the identity matrix).
        matrix: (B, T', 3, 3) output-to-input maps, T' = 1 for one map per clip.
    """

    matrix: Tensor


class GeometricTransform(FrameTransform[GP]):
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
    params_type: ClassVar[type[Any]] = GeometricParams
    fill: float = 0.0
    antialias: bool = True

    def _matrices(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def _out_size(self, shape: Shape) -> tuple[int, int]:
        return (shape[3], shape[4])

    def _output_shape(self, shape: Shape) -> Shape:
        return (*shape[:3], *self._out_size(shape))

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> GP:
        b = shape[0]
        applied = rng.gate(b, self.p, generator)
        matrix, extra = self._matrices(shape, generator)
        matrix = matrix.to(torch.float32)
        if self.p < 1.0:
            ident = identity_matrix(b, matrix.shape[1], matrix.device)
            matrix = torch.where(applied.view(-1, 1, 1, 1), matrix, ident)
        return self.params_type(applied=applied, matrix=matrix, **extra)

    def _check_params(self, params: GP, shape: Shape) -> None:
        super()._check_params(params, shape)
        frames = params.matrix.shape[1]
        if frames not in (1, shape[1]):
            raise ShapeError(f"{self.name}: params hold maps for {frames} frames, the input has shape {tuple(shape)}")

    @property
    def reads_outside(self) -> bool:
        """True when the op may read outside its input frame (so ``fill`` may come into view); ops that
        never do (crops inside the frame, resizes, flips) say False, which lets the planner fold them."""
        return True

    @property
    def resamples(self) -> bool:
        """True when the op interpolates; False for ops that only move whole pixels (crops, flips)."""
        return True

    @property
    def crops(self) -> bool:
        """True when the op may read only part of its input frame; False for ops that read all of it
        (resizes, flips)."""
        return True

    def space_map(self, params: GP, shape: Shape) -> SpaceMap:
        """The op's work on an input of ``shape`` (B,T,C,H,W) as a :class:`SpaceMap`.

        Example:
            >>> import tempaug
            >>> op = tempaug.CenterCrop(2)
            >>> smap = op.space_map(op.sample((1, 1, 1, 4, 4)), (1, 1, 1, 4, 4))
            >>> smap.size, smap.reads_outside, smap.resamples, smap.crops
            ((2, 2), False, False, True)
        """
        return SpaceMap(
            params.matrix,
            self._out_size(shape),
            float(self.fill),
            self.antialias,
            self.reads_outside,
            self.resamples,
            self.crops,
        )

    def map_targets(self, targets: Targets, params: GP, shape: Shape) -> Targets:
        """Boxes, keypoints and masks follow the op's space map (see :func:`tempaug.core.moves.move_in_space`)."""
        return move_in_space(targets, self.space_map(params, shape))

    def _transform(self, x: Tensor, params: GP) -> Tensor:
        return apply_space_map(x, self.space_map(params, tuple(x.shape)))

    def _apply(self, x: Tensor, params: GP) -> Tensor:  # the gate is already in the matrices
        return self._transform(x, params)
