"""Video input and output: decoding (decord, PyAV) with clip samplers and limits, encoding (mp4, npy)
and previews (GIF, grids)."""

from .encode import available_encoder, load_npy, save_npy, write_video
from .decode import DecodedClip, VideoReader, read_clip
from .decode_errors import DecoderFallbackWarning, VideoDecodeError
from .limits import DecodeLimits
from .samplers import clip_indices, fps_indices, random_clips, sliding_clips, uniform_clips
from .preview import clip_grid, save_gif, save_grid_png, to_uint8
from .records import Record, RecordError, decode_record, encode_record, make_key, split_name

__all__ = [
    "clip_grid",
    "save_gif",
    "to_uint8",
    "save_grid_png",
    "write_video",
    "save_npy",
    "load_npy",
    "available_encoder",
    "read_clip",
    "VideoReader",
    "DecodedClip",
    "DecodeLimits",
    "VideoDecodeError",
    "DecoderFallbackWarning",
    "clip_indices",
    "random_clips",
    "uniform_clips",
    "sliding_clips",
    "fps_indices",
    "Record",
    "RecordError",
    "decode_record",
    "encode_record",
    "make_key",
    "split_name",
]
