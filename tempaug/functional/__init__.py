"""Pure kernels on (..., T, C, H, W) tensors: no randomness, no classes with state."""

from .temporal import TimeMap, apply_map, boundary_positions, compose_maps, positions_to_map, resample

__all__ = ["TimeMap", "apply_map", "boundary_positions", "compose_maps", "positions_to_map", "resample"]
