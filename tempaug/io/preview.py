"""Previews: lay clips side by side and write them as an animated GIF to look at.

Example:
    >>> import os, tempfile, torch
    >>> from tempaug.io.preview import clip_grid, save_gif
    >>> grid = clip_grid([torch.zeros(4, 3, 8, 8, dtype=torch.uint8)] * 2, labels=["a", "b"])
    >>> path = save_gif(grid, os.path.join(tempfile.mkdtemp(), "x.gif"))
    >>> os.path.getsize(path) > 0
    True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor

from ..core.errors import InvalidArgumentError, ShapeError

__all__ = ["clip_grid", "comparison_gif", "draw_boxes", "save_gif", "save_grid_png", "to_uint8"]


def to_uint8(clip: Tensor) -> Tensor:
    """A uint8 copy of a (T,C,H,W) clip: floats are taken as [0, 1] and clipped.

    Example:
        >>> import torch
        >>> from tempaug.io.preview import to_uint8
        >>> to_uint8(torch.full((1, 1, 1, 1), 0.5)).item()
        128
    """
    if clip.dtype == torch.uint8:
        return clip
    return (clip.detach().float().clamp(0, 1) * 255).round().to(torch.uint8)


def draw_boxes(
    clip: Tensor,
    boxes: Tensor,
    valid: Tensor | None = None,
    color: tuple[int, int, int] = (230, 30, 30),
) -> Tensor:
    """A (T,3,H,W) uint8 copy of ``clip`` with the outline of every valid ``xyxy`` box (T, N, 4) drawn on its frame.

    Example:
        >>> import torch
        >>> from tempaug.io.preview import draw_boxes
        >>> out = draw_boxes(torch.zeros(1, 1, 4, 4), torch.tensor([[[1.0, 1.0, 3.0, 3.0]]]))
        >>> out[0, 0].tolist()
        [[0, 0, 0, 0], [0, 230, 230, 0], [0, 230, 230, 0], [0, 0, 0, 0]]
    """
    frames = to_uint8(clip).expand(-1, 3, -1, -1).clone()
    t, _, h, w = frames.shape
    ok = torch.ones(boxes.shape[:2], dtype=torch.bool) if valid is None else valid.cpu()
    paint = torch.tensor(color, dtype=torch.uint8).view(3, 1)
    for i in range(t):
        for n in range(boxes.shape[1]):
            if not bool(ok[i, n]):
                continue
            x0, y0, x1, y1 = boxes[i, n].tolist()
            left, top = max(0, min(w - 1, int(x0))), max(0, min(h - 1, int(y0)))
            right, bottom = max(0, min(w - 1, int(x1 + 0.5) - 1)), max(0, min(h - 1, int(y1 + 0.5) - 1))
            frames[i, :, top, left : right + 1] = paint
            frames[i, :, bottom, left : right + 1] = paint
            frames[i, :, top : bottom + 1, left] = paint
            frames[i, :, top : bottom + 1, right] = paint
    return frames


def clip_grid(clips: Sequence[Tensor], labels: Sequence[str] | None = None, pad: int = 2) -> Tensor:
    """Clips of one frame size side by side as one (T,3,H',W') uint8 clip; shorter clips hold their last frame.

    Args:
        clips: (T_i,C,H,W) clips, C of 1 or 3, any T_i.
        labels: optional captions drawn under each clip.
        pad: pixels between clips.

    Example:
        >>> import torch
        >>> from tempaug.io.preview import clip_grid
        >>> clip_grid([torch.zeros(2, 1, 8, 8), torch.zeros(3, 1, 8, 8)]).shape
        torch.Size([3, 3, 8, 18])
    """
    if not clips:
        raise ShapeError("clip_grid: no clips given")
    h, w = clips[0].shape[-2:]
    for c in clips:
        if c.dim() != 4 or tuple(c.shape[-2:]) != (h, w) or c.shape[1] not in (1, 3):
            raise ShapeError(f"clip_grid: every clip must be (T,1|3,{h},{w}), got {tuple(c.shape)}")
    t = max(c.shape[0] for c in clips)
    panels = []
    for c in clips:
        c = to_uint8(c).expand(-1, 3, -1, -1) if c.shape[1] == 1 else to_uint8(c)
        if c.shape[0] < t:
            c = torch.cat([c, c[-1:].expand(t - c.shape[0], -1, -1, -1)])
        panels.append(c)
    gap = torch.full((t, 3, h, pad), 255, dtype=torch.uint8)
    row = torch.cat([x for p in panels for x in (p, gap)][:-1], dim=-1)
    if labels:
        row = torch.cat([row, _caption_strip(labels, t, w, pad, row.shape[-1])], dim=-2)
    return row


def _caption_strip(labels: Sequence[str], t: int, w: int, pad: int, width: int) -> Tensor:
    from PIL import Image, ImageDraw

    strip = Image.new("RGB", (width, 12), (255, 255, 255))
    draw = ImageDraw.Draw(strip)
    for i, label in enumerate(labels):
        draw.text((i * (w + pad) + 1, 0), label[: max(1, w // 6)], fill=(0, 0, 0))
    arr = torch.frombuffer(bytearray(strip.tobytes()), dtype=torch.uint8).view(12, width, 3)
    return arr.permute(2, 0, 1).unsqueeze(0).expand(t, -1, -1, -1)


def save_gif(clip: Tensor, path: str | os.PathLike[str], fps: float = 8.0, scale: int = 1) -> Path:
    """Write a (T,C,H,W) clip (uint8, or float in [0, 1]) as a looping GIF; the file is replaced atomically.

    Example:
        >>> import os, tempfile, torch
        >>> from tempaug.io.preview import save_gif
        >>> p = save_gif(torch.rand(3, 3, 8, 8), os.path.join(tempfile.mkdtemp(), "c.gif"), scale=2)
        >>> p.suffix
        '.gif'
    """
    from PIL import Image

    if clip.dim() != 4 or clip.shape[1] not in (1, 3):
        raise ShapeError(f"save_gif: expected a (T,1|3,H,W) clip, got {tuple(clip.shape)}")
    frames = to_uint8(clip.cpu())
    if frames.shape[1] == 1:
        frames = frames.expand(-1, 3, -1, -1)
    if scale > 1:
        frames = frames.repeat_interleave(scale, dim=-2).repeat_interleave(scale, dim=-1)
    images = [Image.fromarray(f.permute(1, 2, 0).contiguous().numpy()) for f in frames]
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    os.replace(tmp, path)
    return path


def save_grid_png(
    clips: Sequence[Tensor],
    path: str | os.PathLike[str],
    labels: Sequence[str] | None = None,
    pad: int = 2,
    scale: int = 1,
) -> Path:
    """Write clips as one still PNG: one row per clip, one column per frame; the file is replaced atomically.

    Clips may differ in length (missing frames stay white) but share one frame size; C of 1 or 3, uint8 or
    float in [0, 1]. With ``labels``, each row gets its caption in a white strip on the left.

    Args:
        clips: (T_i,C,H,W) clips.
        path: PNG file to write.
        labels: one caption per clip.
        pad: white pixels between frames and rows.
        scale: integer upscaling of every frame.

    Example:
        >>> import os, tempfile, torch
        >>> from PIL import Image
        >>> from tempaug.io.preview import save_grid_png
        >>> clips = [torch.zeros(3, 1, 8, 8, dtype=torch.uint8), torch.ones(2, 3, 8, 8)]
        >>> p = save_grid_png(clips, os.path.join(tempfile.mkdtemp(), "g.png"), pad=1)
        >>> Image.open(p).size  # (width, height) = (3*8 + 2*1, 2*8 + 1)
        (26, 17)
    """
    from PIL import Image, ImageDraw

    if not clips:
        raise ShapeError("save_grid_png: no clips given")
    if labels is not None and len(labels) != len(clips):
        raise ShapeError(f"save_grid_png: {len(labels)} labels for {len(clips)} clips")
    h, w = clips[0].shape[-2:]
    for c in clips:
        if c.dim() != 4 or tuple(c.shape[-2:]) != (h, w) or c.shape[1] not in (1, 3):
            raise ShapeError(f"save_grid_png: every clip must be (T,1|3,{h},{w}), got {tuple(c.shape)}")
    t = max(c.shape[0] for c in clips)
    fh, fw = h * scale, w * scale
    left = 6 * max(len(s) for s in labels) + pad if labels else 0
    grid = torch.full((3, len(clips) * (fh + pad) - pad, left + t * (fw + pad) - pad), 255, dtype=torch.uint8)
    for r, c in enumerate(clips):
        c = to_uint8(c.detach().cpu())
        c = c.expand(-1, 3, -1, -1) if c.shape[1] == 1 else c
        if scale > 1:
            c = c.repeat_interleave(scale, dim=-2).repeat_interleave(scale, dim=-1)
        y = r * (fh + pad)
        for i, frame in enumerate(c):
            x = left + i * (fw + pad)
            grid[:, y : y + fh, x : x + fw] = frame
    image = Image.fromarray(grid.permute(1, 2, 0).contiguous().numpy())
    if labels:
        draw = ImageDraw.Draw(image)
        for r, label in enumerate(labels):
            draw.text((0, r * (fh + pad) + max(0, fh // 2 - 5)), label, fill=(0, 0, 0))
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    image.save(tmp, format="PNG")
    os.replace(tmp, path)
    return path


def comparison_gif(
    rows: Sequence[Tensor],
    labels: Sequence[str],
    path: str | os.PathLike[str],
    fps: float = 4.0,
    scale: int = 1,
    pad: int = 2,
) -> Path:
    """Write ground truth beside predictions or samples as one looping GIF.

    ``rows[k]`` is a (B,T_k,C,H,W) batch (float in [0, 1] or uint8; a single (T_k,C,H,W) clip counts as B=1),
    e.g. ``[truth, prediction, sample_1, sample_2]``. For each of the B clips the K versions are laid side by
    side with ``labels`` as captions (:func:`tempaug.io.preview.clip_grid`), and the B strips are stacked top to
    bottom; ``scale`` enlarges the frames (captions keep their size). Rows shorter than the longest are padded in time with blank (white) frames, so the GIF has
    ``max(T_k)`` frames. Grey and RGB rows can be mixed; all rows must share B, H and W.

    Note that GIF writers merge consecutive identical frames, so a GIF of a still clip may read back shorter.

    Example:
        >>> import os, tempfile, torch
        >>> from PIL import Image
        >>> from tempaug.io.preview import comparison_gif
        >>> truth, pred = torch.rand(2, 6, 1, 16, 16), torch.rand(2, 4, 3, 16, 16)
        >>> p = comparison_gif([truth, pred], ["truth", "pred"], os.path.join(tempfile.mkdtemp(), "c.gif"))
        >>> im = Image.open(p)
        >>> im.n_frames, im.size  # width 2*16 + 2; height 2 * (16 + 12 caption) + 2
        (6, (34, 58))
    """
    if not rows:
        raise ShapeError("comparison_gif: no rows given")
    if len(labels) != len(rows):
        raise ShapeError(f"comparison_gif: {len(labels)} labels for {len(rows)} rows")
    batches = []
    for k, r in enumerate(rows):
        if not isinstance(r, Tensor) or r.dim() not in (4, 5):
            shape = tuple(r.shape) if isinstance(r, Tensor) else type(r).__name__
            raise ShapeError(f"comparison_gif: row {k} must be (B,T,C,H,W) or (T,C,H,W), got {shape}")
        batches.append(r.unsqueeze(0) if r.dim() == 4 else r)
    b, (h, w) = batches[0].shape[0], batches[0].shape[-2:]
    for k, r in enumerate(batches):
        if r.shape[0] != b or tuple(r.shape[-2:]) != (h, w) or r.shape[2] not in (1, 3):
            raise ShapeError(
                f"comparison_gif: every row must be ({b},T,1|3,{h},{w}), "
                f"got {tuple(r.shape)} for row {k} ({labels[k]!r})"
            )
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise InvalidArgumentError(f"comparison_gif: scale must be an int >= 1, got {scale!r}", "scale")
    if b == 0:
        raise ShapeError("comparison_gif: rows hold no clips (B = 0)")
    t = max(r.shape[1] for r in batches)
    padded = []
    for r in batches:
        r = to_uint8(r.detach().cpu())
        r = r.expand(-1, -1, 3, -1, -1) if r.shape[2] == 1 else r
        if r.shape[1] < t:
            blank = torch.full((b, t - r.shape[1], 3, h, w), 255, dtype=torch.uint8)
            r = torch.cat([r, blank], dim=1)
        if scale > 1:  # scale the frames, not the captions, so labels stay sharp and more of them fit
            r = r.repeat_interleave(scale, dim=-2).repeat_interleave(scale, dim=-1)
        padded.append(r)
    strips = [clip_grid([r[i] for r in padded], labels=list(labels), pad=pad) for i in range(b)]
    gap = torch.full((t, 3, pad, strips[0].shape[-1]), 255, dtype=torch.uint8)
    grid = torch.cat([x for s in strips for x in (s, gap)][:-1], dim=-2)
    return save_gif(grid, path, fps=fps)
