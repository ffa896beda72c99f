"""Pure kernels on (..., T, C, H, W) tensors: no randomness, no classes with state.

Two equal intermediate forms sit side by side: a :class:`TimeMap` says where every output frame came from, a
:class:`SpaceMap` where every output pixel came from. Frames are resampled with them
(:func:`apply_map`, :func:`apply_space_map`), and so are targets (:mod:`tempaug.functional.targets`).
"""

from .geometric import SpaceMap, apply_space_map, compose_space_maps
from .temporal import TimeMap, apply_map, boundary_positions, compose_maps, positions_to_map, resample

__all__ = [
    "SpaceMap",
    "TimeMap",
    "apply_map",
    "apply_space_map",
    "boundary_positions",
    "compose_maps",
    "compose_space_maps",
    "positions_to_map",
    "resample",
]
