"""Video input and output: decoding (decord, PyAV) with clip samplers and limits, encoding (mp4, npy)
and previews (GIF, grids)."""

from .decode import DecodedClip, VideoReader, read_clip
from .decode_errors import DecoderFallbackWarning, VideoDecodeError
from .encode import available_encoder, load_npy, save_npy, write_video
from .limits import DecodeLimits
from .preview import clip_grid, save_gif, save_grid_png, to_uint8
from .records import Record, RecordError, decode_record, encode_record, make_key, split_name
from .samplers import clip_indices, fps_indices, random_clips, sliding_clips, uniform_clips

__all__ = [
    "DecodeLimits",
    "DecodedClip",
    "DecoderFallbackWarning",
    "Record",
    "RecordError",
    "VideoDecodeError",
    "VideoReader",
    "available_encoder",
    "clip_grid",
    "clip_indices",
    "decode_record",
    "encode_record",
    "fps_indices",
    "load_npy",
    "make_key",
    "random_clips",
    "read_clip",
    "save_gif",
    "save_grid_png",
    "save_npy",
    "sliding_clips",
    "split_name",
    "to_uint8",
    "uniform_clips",
    "write_video",
]
