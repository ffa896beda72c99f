"""``python -m tempaug.shard preview``: a looping GIF grid of random samples of a shard folder, captioned.

Samples are drawn with a seed (the same seed always shows the same samples), from one split or from all, decoded
with :func:`~tempaug.io.records.decode_record`, brought to one frame size (grey as RGB; each clip scaled to fit the
smallest height and width and padded, keeping its aspect ratio) and laid out with
:func:`~tempaug.io.preview.clip_grid`, captioned with each sample's key and label.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> from tempaug.shard import BuildConfig, build
    >>> from tempaug.shard.preview import preview
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = build(BuildConfig(out=out, train=3, val=0, test=0, frames=3, canvas=32, workers=1, quiet=True))
    >>> Image.open(preview(out, out / "p.gif", count=2)).n_frames
    3
"""

from __future__ import annotations

import argparse
import math
import random
import tarfile
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.errors import InvalidArgumentError, InvalidInputError
from ..io.preview import clip_grid, save_gif
from ..io.records import Record, decode_record, split_name
from ..io.shard_index import DatasetIndex, ShardEntry, read_index

__all__ = ["caption", "common_size", "fit_clip", "pick_samples", "preview", "preview_main"]

#: Largest side of a clip in the grid; larger clips are scaled down.
MAX_SIDE = 256
_CHAR_PX = 6  # width of one caption character (PIL's default font), as clip_grid truncates captions
_PAD = 2


def pick_samples(shards: list[ShardEntry], count: int, seed: int) -> dict[str, list[int]]:
    """Draw ``count`` distinct samples (all of them when fewer) with ``seed``: shard name -> sorted positions.

    Example:
        >>> from tempaug.shard.index import ShardEntry
        >>> from tempaug.shard.preview import pick_samples
        >>> shards = [ShardEntry("a.tar", "train", 2, 0, "", 0, 0), ShardEntry("b.tar", "train", 3, 0, "", 1, 0)]
        >>> pick_samples(shards, 10, seed=0)
        {'a.tar': [0, 1], 'b.tar': [0, 1, 2]}
    """
    total = sum(s.samples for s in shards)
    picks = sorted(random.Random(seed).sample(range(total), min(count, total)))
    out: dict[str, list[int]] = {}
    start = 0
    for shard in shards:
        mine = [p - start for p in picks if start <= p < start + shard.samples]
        if mine:
            out[shard.name] = mine
        start += shard.samples
    return out


def _read_records(path: Path, positions: list[int]) -> list[tuple[str, Record]]:
    """Decode the records at ``positions`` (sorted) of one shard, reading only their members."""
    wanted = set(positions)
    found: list[tuple[str, Record]] = []
    members: dict[str, bytes] = {}
    key: str | None = None
    position = -1
    try:
        with tarfile.open(path, "r:") as tar:
            for info in tar:
                name_key, ext = split_name(info.name)
                if name_key != key:
                    if position in wanted:
                        assert key is not None  # position >= 0: the member names of this record gave its key
                        found.append((key, decode_record(members, key=key)))
                    if len(found) == len(wanted):
                        break
                    key, position, members = name_key, position + 1, {}
                if position in wanted and info.isreg():
                    f = tar.extractfile(info)
                    members[ext] = f.read() if f is not None else b""
            else:
                if position in wanted:
                    assert key is not None  # position >= 0: the member names of this record gave its key
                    found.append((key, decode_record(members, key=key)))
    except tarfile.TarError as err:
        raise InvalidInputError(f"preview: {path} is not a readable tar ({err}); run verify") from None
    if len(found) != len(wanted):
        raise InvalidInputError(f"preview: {path} holds fewer samples than index.json lists; run verify")
    return found


def caption(key: str, record: Record, classes: list[str] | None = None) -> str:
    """``"<key> <label>"``: the class name when known, the digits of a Moving MNIST clip, or nothing.

    Example:
        >>> import torch
        >>> from tempaug.io.records import Record
        >>> from tempaug.shard.preview import caption
        >>> clip = torch.zeros(1, 1, 2, 2, dtype=torch.uint8)
        >>> caption("k", Record(clip, 1, {}), ["cat", "dog"]), caption("k", Record(clip, -1, {"labels": [3, 7]}))
        ('k dog', 'k 3,7')
    """
    digits = record.meta.get("labels")
    if record.label >= 0:
        label = classes[record.label] if classes and record.label < len(classes) else str(record.label)
    elif isinstance(digits, list):
        label = ",".join(str(d) for d in digits)
    else:
        label = ""
    return f"{key} {label}".strip()


def common_size(clips: list[Tensor], min_width: int = 0, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """The frame size of the grid: the smallest height and width, scaled down to ``max_side`` at most and up
    (by whole multiples) to ``min_width`` at least.

    Example:
        >>> import torch
        >>> from tempaug.shard.preview import common_size
        >>> common_size([torch.zeros(1, 1, 32, 48), torch.zeros(1, 3, 40, 40)], min_width=100)
        (96, 120)
    """
    h, w = min(c.shape[-2] for c in clips), min(c.shape[-1] for c in clips)
    if max(h, w) > max_side:
        scale = max_side / max(h, w)
        return max(1, round(h * scale)), max(1, round(w * scale))
    factor = max(1, min(math.ceil(min_width / w), max_side // max(h, w)))
    return h * factor, w * factor


def fit_clip(clip: Tensor, size: tuple[int, int]) -> Tensor:
    """An RGB uint8 copy of a (T,C,H,W) clip scaled to fit ``size`` (aspect kept) and centred on black.

    Example:
        >>> import torch
        >>> from tempaug.shard.preview import fit_clip
        >>> fit_clip(torch.full((2, 1, 10, 20), 200, dtype=torch.uint8), (10, 10)).shape
        torch.Size([2, 3, 10, 10])
    """
    clip = clip.expand(-1, 3, -1, -1) if clip.shape[1] == 1 else clip
    h, w = clip.shape[-2:]
    scale = min(size[0] / h, size[1] / w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    if (nh, nw) != (h, w):
        if scale == int(scale):
            clip = clip.repeat_interleave(int(scale), dim=-2).repeat_interleave(int(scale), dim=-1)
        else:
            resized = F.interpolate(clip.float(), size=(nh, nw), mode="bilinear", antialias=scale < 1)
            clip = resized.round().clamp(0, 255).to(torch.uint8)
    out = torch.zeros(clip.shape[0], 3, *size, dtype=torch.uint8)
    top, left = (size[0] - nh) // 2, (size[1] - nw) // 2
    out[:, :, top : top + nh, left : left + nw] = clip
    return out


def _grid(clips: list[Tensor], labels: list[str], columns: int) -> Tensor:
    """Rows of ``columns`` clips (each from ``clip_grid``), padded to one width and length, stacked with gaps."""
    rows = [clip_grid(clips[i : i + columns], labels[i : i + columns], pad=_PAD) for i in range(0, len(clips), columns)]
    t, width = max(r.shape[0] for r in rows), max(r.shape[-1] for r in rows)
    out = []
    for r in rows:
        r = torch.cat([r, r[-1:].expand(t - r.shape[0], -1, -1, -1)]) if r.shape[0] < t else r
        r = F.pad(r, (0, width - r.shape[-1]), value=255)
        out += [r, torch.full((t, 3, _PAD, width), 255, dtype=torch.uint8)]
    return torch.cat(out[:-1], dim=-2)


def _shards(index: DatasetIndex, folder: Path, split: str | None) -> list[ShardEntry]:
    if split is not None and split not in index.splits:
        raise InvalidArgumentError(f"preview: {folder} has no split {split!r}; it has {sorted(index.splits)}", "split")
    shards = [s for s in index.shards if split is None or s.split == split]
    if not sum(s.samples for s in shards):
        raise InvalidInputError(f"preview: {folder} holds no sample{f' in split {split!r}' if split else ''}")
    return shards


def preview(
    folder: str | Path,
    out: str | Path = "preview.gif",
    count: int = 8,
    split: str | None = None,
    seed: int = 0,
    columns: int = 4,
) -> Path:
    """Write a GIF grid of ``count`` random samples of ``folder`` to ``out``; see the module docstring.

    Args:
        folder: a shard folder.
        out: the GIF to write (replaced atomically).
        count: samples to show (all of them when the folder holds fewer).
        split: take samples from this split only; None draws from every split.
        seed: which samples.
        columns: clips per row.

    Raises:
        InvalidArgumentError: ``count`` or ``columns`` below 1, or an unknown ``split``.
        InvalidInputError: no index, no sample, or an unreadable shard (run ``verify``).
        RecordError: a drawn sample does not decode.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.shard import BuildConfig, build
        >>> from tempaug.shard.preview import preview
        >>> out = Path(tempfile.mkdtemp())
        >>> _ = build(BuildConfig(out=out, train=1, val=1, test=0, frames=3, canvas=28, workers=1, quiet=True))
        >>> preview(out, out / "val.gif", split="val").name
        'val.gif'
    """
    for name, value in (("count", count), ("columns", columns)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(f"preview: {name} must be an int >= 1, got {value!r}", name)
    folder = Path(folder)
    index = read_index(folder)
    records = []
    for name, positions in pick_samples(_shards(index, folder, split), count, seed).items():
        records += _read_records(folder / name, positions)
    labels = [caption(key, record, index.classes) for key, record in records]
    size = common_size([r.clip for _, r in records], min_width=_CHAR_PX * max(len(s) for s in labels) + 2)
    clips = [fit_clip(r.clip, size) for _, r in records]
    fps = min(float(r.meta.get("fps") or 8.0) for _, r in records)
    return save_gif(_grid(clips, labels, columns), out, fps=fps)


def preview_main(args: argparse.Namespace) -> int:
    """Run ``preview FOLDER [--out F] [--count N] [--split S] [--seed K]``: write the GIF, print its path; returns 0.

    Example:
        >>> import argparse, tempfile
        >>> from pathlib import Path
        >>> from tempaug.shard import BuildConfig, build
        >>> from tempaug.shard.preview import preview_main
        >>> out = Path(tempfile.mkdtemp())
        >>> _ = build(BuildConfig(out=out, train=2, val=0, test=0, frames=3, canvas=28, workers=1, quiet=True))
        >>> preview_main(argparse.Namespace(folder=out, out=out / "p.gif", count=8, split=None, seed=0))
        /.../p.gif
        0
    """
    print(preview(args.folder, args.out, count=args.count, split=args.split, seed=args.seed))
    return 0
