"""Video input and output: previews (GIF, grids)."""

from .preview import clip_grid, save_gif, to_uint8

__all__ = ["clip_grid", "save_gif", "to_uint8"]
