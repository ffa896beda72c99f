"""Video input and output: encoding (mp4, npy) and previews (GIF, grids)."""

from .encode import available_encoder, load_npy, save_npy, write_video
from .preview import clip_grid, save_gif, save_grid_png, to_uint8

__all__ = [
    "clip_grid",
    "save_gif",
    "to_uint8",
    "save_grid_png",
    "write_video",
    "save_npy",
    "load_npy",
    "available_encoder",
]
