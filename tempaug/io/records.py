"""The sample record of a tempaug shard: one clip as named members of a WebDataset tar.

A record is the members sharing one key: ``<key>.mp4`` (h264) or ``<key>.npy`` (uint8, lossless) holding the
(T,C,H,W) clip, ``<key>.json`` holding its metadata, and ``<key>.cls`` holding an integer label as ASCII
digits when the clip has one. Keys contain no dot, so WebDataset's "key is the name up to the first dot" rule
groups the members of a record exactly.

Decoding never unpickles: ``.npy`` is read with ``allow_pickle=False``, ``.json`` is JSON, ``.cls`` must be an
integer, and any other member is refused.

Example:
    >>> import torch
    >>> from tempaug.io.records import decode_record, encode_record, make_key
    >>> clip = torch.randint(0, 256, (4, 1, 8, 8), dtype=torch.uint8)
    >>> key = make_key("train", 7, 0, 0)
    >>> members = encode_record(clip, {"split": "train", "label": 3}, fmt="npy")
    >>> sorted(members), key
    (['cls', 'json', 'npy'], 'train-00000007-0-0')
    >>> record = decode_record(members, key=key)
    >>> torch.equal(record.clip, clip), record.label, record.meta["split"]
    (True, 3, 'train')
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import torch
from torch import Tensor

from ..core.errors import InvalidArgumentError, TempaugError
from .decode import read_clip
from .decode_errors import VideoDecodeError
from .encode import load_npy, save_npy, write_video

__all__ = [
    "FORMATS",
    "Record",
    "RecordError",
    "decode_record",
    "encode_record",
    "make_key",
    "split_name",
]

#: Clip encodings a record may hold: h264 mp4 (small, lossy) or uint8 npy (lossless).
FORMATS = ("mp4", "npy")

_KEY_PART = re.compile(r"^[A-Za-z0-9_-]+$")


class RecordError(TempaugError, ValueError):
    """A record is unreadable: a member missing, undecodable, or not allowed; the message names the key."""


class Record(NamedTuple):
    """A decoded record: the uint8 (T,C,H,W) clip, its integer label (-1 when it has none) and its metadata."""

    clip: Tensor
    label: int
    meta: dict[str, Any]


def make_key(split: str, index: int, clip: int = 0, copy: int = 0) -> str:
    """The key of clip ``clip``, copy ``copy`` of input ``index`` in ``split``: unique, deterministic, no dots.

    Example:
        >>> from tempaug.io.records import make_key
        >>> make_key("val", 12, clip=1, copy=3)
        'val-00000012-1-3'
    """
    if not _KEY_PART.match(split):
        raise InvalidArgumentError(f"make_key: split must be letters, digits, '_' or '-', got {split!r}", "split")
    for name, value in (("index", index), ("clip", clip), ("copy", copy)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgumentError(f"make_key: {name} must be an int >= 0, got {value!r}", name)
    return f"{split}-{index:08d}-{clip}-{copy}"


def split_name(name: str) -> tuple[str, str]:
    """Split a tar member name into ``(key, extension)`` the way WebDataset does: at the first dot of the base name.

    Example:
        >>> from tempaug.io.records import split_name
        >>> split_name("train-00000001-0-0.json"), split_name("dir/a.b.c")
        (('train-00000001-0-0', 'json'), ('dir/a', 'b.c'))
    """
    head, _, base = name.rpartition("/")
    stem, dot, ext = base.partition(".")
    key = f"{head}/{stem}" if head else stem
    return key, ext if dot else ""


def encode_record(
    clip: Tensor, meta: dict[str, Any], fmt: str = "mp4", fps: float = 25.0, crf: int = 18
) -> dict[str, bytes]:
    """Encode one uint8 (T,C,H,W) clip and its metadata as record members, in a fixed order.

    The clip's shape, channels and format are added to the metadata; ``meta["label"]``, when an int, is also
    written as the ``cls`` member. h264 is encoded on one thread with x264's ``cpu-independent`` option, so the same
    clip gives the same bytes on every run and every machine.

    Args:
        clip: uint8 (T,C,H,W), C of 1 or 3 (grey is stored as grey RGB in mp4 and restored on decoding).
        meta: JSON-serialisable metadata.
        fmt: ``"mp4"`` or ``"npy"``.
        fps: frame rate written into the mp4.
        crf: h264 quality, 0 (best) to 51.

    Example:
        >>> import torch
        >>> from tempaug.io.records import encode_record
        >>> members = encode_record(torch.zeros(2, 3, 16, 16, dtype=torch.uint8), {"label": None}, fmt="mp4")
        >>> list(members)
        ['mp4', 'json']
    """
    if fmt not in FORMATS:
        raise InvalidArgumentError(f"encode_record: fmt must be one of {FORMATS}, got {fmt!r}", "fmt")
    t, c, h, w = clip.shape
    info = dict(meta)
    info.update(format=fmt, length=int(t), channels=int(c), size=[int(h), int(w)], fps=float(fps))
    if fmt == "mp4":
        info["crf"] = int(crf)
        # one thread and cpu-independent x264: the same clip gives the same bytes on any run and any machine
        data = write_video(clip, None, fps=fps, crf=crf, threads=1, options={"x264-params": "cpu-independent=1"})
    else:
        data = save_npy(clip, None)
    assert isinstance(data, bytes)
    members = {fmt: data, "json": json.dumps(info, sort_keys=True, separators=(",", ":")).encode()}
    label = info.get("label")
    if isinstance(label, int) and not isinstance(label, bool):
        members["cls"] = str(label).encode()
    return members


def decode_record(members: dict[str, bytes], key: str = "?", backend: str = "decord") -> Record:
    """Decode record members (extension -> bytes) into a :class:`Record`; never unpickles.

    Raises:
        RecordError: a member is missing, unknown or unreadable (the message names ``key``).

    Example:
        >>> from tempaug.io.records import decode_record
        >>> decode_record({"json": b"{}"}, key="k")
        Traceback (most recent call last):
        ...
        tempaug.io.records.RecordError: record 'k': no clip member (expected one of ('mp4', 'npy'))
    """
    unknown = sorted(set(members) - {*FORMATS, "json", "cls"})
    if unknown:
        raise RecordError(f"record {key!r}: members {unknown} are not part of a tempaug record")
    if "json" not in members:
        raise RecordError(f"record {key!r}: no json member")
    try:
        meta = json.loads(members["json"])
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(f"record {key!r}: json member is not JSON ({err})") from None
    if not isinstance(meta, dict):
        raise RecordError(f"record {key!r}: json member must hold an object, got {type(meta).__name__}")
    found = [f for f in FORMATS if f in members]
    if len(found) != 1:
        what = "no clip member" if not found else f"two clip members {found}"
        raise RecordError(f"record {key!r}: {what} (expected one of {FORMATS})")
    label = -1
    if "cls" not in members and isinstance(meta.get("label"), int) and not isinstance(meta.get("label"), bool):
        raise RecordError(f"record {key!r}: its json gives label {meta['label']} but it has no cls member (cut short?)")
    if "cls" in members:
        try:
            label = int(members["cls"].decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            raise RecordError(f"record {key!r}: cls member is not an integer: {members['cls'][:20]!r}") from None
    try:
        if found[0] == "npy":
            clip = load_npy(members["npy"])
        else:
            clip = read_clip(members["mp4"], backend=backend).frames
            if meta.get("channels") == 1:
                clip = clip.float().mean(dim=1, keepdim=True).round_().to(torch.uint8)
            size = meta.get("size")
            if isinstance(size, list) and len(size) == 2 and tuple(clip.shape[-2:]) != tuple(size):
                clip = clip[..., : size[0], : size[1]].contiguous()  # drop the row/column padded for yuv420p
    except (VideoDecodeError, TempaugError, ValueError) as err:
        raise RecordError(f"record {key!r}: {found[0]} member is unreadable: {err}") from None
    return Record(clip, label, meta)
