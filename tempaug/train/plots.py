"""Pictures of a run: loss curves as a PNG, a classifier's confusion matrix as a PNG, and ground truth beside
predictions or samples as an animated GIF.

Both are drawn with Pillow alone (no plotting library), so they look the same wherever tempaug runs, and both
files are replaced atomically. ``comparison_gif`` lives in :mod:`tempaug.io.preview` (the gallery draws with it
too) and is importable from here as well.

Example:
    >>> import os, tempfile, torch
    >>> from PIL import Image
    >>> from tempaug.train.plots import comparison_gif, loss_curves_png
    >>> d = tempfile.mkdtemp()
    >>> png = loss_curves_png({"train": [(0, 1.0), (10, 0.5)]}, os.path.join(d, "loss.png"))
    >>> Image.open(png).size
    (640, 400)
    >>> gif = comparison_gif([torch.rand(1, 3, 1, 16, 16)] * 2, ["truth", "pred"], os.path.join(d, "cmp.gif"))
    >>> Image.open(gif).n_frames
    3
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..core.errors import InvalidArgumentError
from ..io.preview import comparison_gif

__all__ = ["comparison_gif", "confusion_png", "loss_curves_png", "panels_png"]

# Colour-blind-friendly line colours (Okabe-Ito), cycled over the series.
_COLOURS = [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233), (0, 0, 0)]


def _nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]."""
    span = hi - lo
    raw = span / max(1, target - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        return f"{v:.1e}"
    return f"{v:.6g}"


def loss_curves_png(
    history: Mapping[str, Sequence[tuple[float, float]]],
    path: str | os.PathLike[str],
    title: str = "",
    xlabel: str = "step",
    ylabel: str = "loss",
    log_y: bool = False,
    size: tuple[int, int] = (640, 400),
) -> Path:
    """Draw one line per series of ``(step, value)`` points, with ticked, labelled axes and a legend.

    Non-finite values (and, with ``log_y``, values <= 0) are left out; a series with no points left still gets
    its legend entry. The PNG is ``size`` pixels (width, height) and is replaced atomically.

    Args:
        history: series name -> ``[(step, value), ...]``, e.g. ``{"train/loss": [...], "val/loss": [...]}``.
        path: PNG file to write.
        title: text above the plot.
        xlabel: x-axis label.
        ylabel: y-axis label.
        log_y: plot log10 of the values (ticks still show the values).
        size: (width, height) of the image.

    Example:
        >>> import os, tempfile
        >>> from tempaug.train.plots import loss_curves_png
        >>> h = {"train": [(i, 1 / (i + 1)) for i in range(50)], "val": [(0, 1.0), (25, 0.1), (49, 0.05)]}
        >>> p = loss_curves_png(h, os.path.join(tempfile.mkdtemp(), "loss.png"), log_y=True, size=(320, 240))
        >>> from PIL import Image
        >>> Image.open(p).size
        (320, 240)
    """
    from PIL import Image, ImageDraw

    if not isinstance(history, Mapping):
        raise InvalidArgumentError(
            f"loss_curves_png: history must map names to (step, value) lists, got {type(history).__name__}", "history"
        )
    width, height = size
    if width < 160 or height < 120:
        raise InvalidArgumentError(f"loss_curves_png: size must be at least (160, 120), got {size!r}", "size")

    def y_of(v: float) -> float:
        return math.log10(v) if log_y else v

    series: dict[str, list[tuple[float, float]]] = {}
    for name, points in history.items():
        kept = []
        for point in points:
            if len(point) != 2:
                raise InvalidArgumentError(
                    f"loss_curves_png: series {name!r} must hold (step, value) pairs, got {point!r}", "history"
                )
            x, v = float(point[0]), float(point[1])
            if math.isfinite(x) and math.isfinite(v) and (v > 0 or not log_y):
                kept.append((x, y_of(v)))
        series[str(name)] = sorted(kept)

    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts]
    x_lo, x_hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    y_lo, y_hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if x_hi - x_lo < 1e-12:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    if y_hi - y_lo < 1e-12 * max(1.0, abs(y_hi)):
        pad = max(abs(y_hi) * 0.1, 1e-3 if not log_y else 0.1)
        y_lo, y_hi = y_lo - pad, y_hi + pad
    else:
        pad = (y_hi - y_lo) * 0.05
        y_lo, y_hi = y_lo - pad, y_hi + pad
    if log_y:  # ticks at powers of ten when the range spans one, else at nice values in log space
        y_ticks = [float(e) for e in range(math.ceil(y_lo), math.floor(y_hi) + 1)]
        if len(y_ticks) < 2:
            y_ticks = _nice_ticks(y_lo, y_hi)
    else:
        y_ticks = _nice_ticks(y_lo, y_hi)
    x_ticks = _nice_ticks(x_lo, x_hi)

    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 70, 12, 24, 40
    px0, px1, py0, py1 = left, width - right, top, height - bottom

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (
            px0 + (x - x_lo) / (x_hi - x_lo) * (px1 - px0),
            py1 - (y - y_lo) / (y_hi - y_lo) * (py1 - py0),
        )

    for t in y_ticks:
        _, py = to_px(x_lo, t)
        draw.line([(px0, py), (px1, py)], fill=(230, 230, 230))
        draw.line([(px0 - 4, py), (px0, py)], fill=(0, 0, 0))
        text = _fmt(10**t if log_y else t)
        draw.text((px0 - 6 - 6 * len(text), py - 5), text, fill=(0, 0, 0))
    for t in x_ticks:
        px, _ = to_px(t, y_lo)
        draw.line([(px, py0), (px, py1)], fill=(230, 230, 230))
        draw.line([(px, py1), (px, py1 + 4)], fill=(0, 0, 0))
        text = _fmt(t)
        draw.text((px - 3 * len(text), py1 + 6), text, fill=(0, 0, 0))
    draw.rectangle([px0, py0, px1, py1], outline=(0, 0, 0))
    draw.text(((px0 + px1) / 2 - 3 * len(xlabel), height - 16), xlabel, fill=(0, 0, 0))
    draw.text((4, 6), ylabel + (" (log)" if log_y else ""), fill=(0, 0, 0))
    if title:
        draw.text(((px0 + px1) / 2 - 3 * len(title), 6), title, fill=(0, 0, 0))

    for i, pts in enumerate(series.values()):
        colour = _COLOURS[i % len(_COLOURS)]
        coords = [to_px(x, y) for x, y in pts]
        if len(coords) > 1:
            draw.line(coords, fill=colour, width=2)
        for cx, cy in coords if len(coords) <= 50 else coords[:1] + coords[-1:]:
            draw.ellipse([cx - 2, cy - 2, cx + 2, cy + 2], fill=colour)

    if series:
        names = list(series)
        box_w = 26 + 6 * max(len(n) for n in names)
        bx1, by0 = px1 - 6, py0 + 6
        bx0 = bx1 - box_w
        draw.rectangle([bx0, by0, bx1, by0 + 14 * len(names) + 4], fill=(255, 255, 255), outline=(120, 120, 120))
        for i, name in enumerate(names):
            y = by0 + 4 + 14 * i
            draw.line([(bx0 + 4, y + 6), (bx0 + 20, y + 6)], fill=_COLOURS[i % len(_COLOURS)], width=2)
            draw.text((bx0 + 24, y), name, fill=(0, 0, 0))

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    image.save(tmp, format="PNG")
    os.replace(tmp, path)
    return path


def panels_png(
    panels: Mapping[str, Mapping[str, Sequence[tuple[float, float]]]],
    path: str | os.PathLike[str],
    xlabel: str = "step",
    columns: int = 2,
    panel_size: tuple[int, int] = (480, 300),
) -> Path:
    """Several line plots in one PNG: ``panels[title]`` is drawn by :func:`loss_curves_png` (series name ->
    ``(x, y)`` points), the panels laid out ``columns`` to a row. The PNG is replaced atomically.

    Example:
        >>> import os, tempfile
        >>> from PIL import Image
        >>> from tempaug.train.plots import panels_png
        >>> p = panels_png(
        ...     {"mse": {"mse": [(1, 3.0), (2, 5.0)]}, "ssim": {"ssim": [(1, 0.9), (2, 0.8)]}, "psnr": {"psnr": [(1, 20.0)]}},
        ...     os.path.join(tempfile.mkdtemp(), "metrics.png"),
        ...     xlabel="predicted frame",
        ... )
        >>> Image.open(p).size
        (960, 600)
    """
    import tempfile

    from PIL import Image

    if not panels:
        raise InvalidArgumentError("panels_png: no panels given", "panels")
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise InvalidArgumentError(f"panels_png: columns must be an int >= 1, got {columns!r}", "columns")
    w, h = panel_size
    cols = min(columns, len(panels))
    rows = math.ceil(len(panels) / cols)
    sheet = Image.new("RGB", (cols * w, rows * h), "white")
    with tempfile.TemporaryDirectory() as tmp:
        for k, (title, series) in enumerate(panels.items()):
            part = loss_curves_png(series, Path(tmp) / f"{k}.png", title=title, xlabel=xlabel, ylabel="", size=(w, h))
            with Image.open(part) as im:
                sheet.paste(im.convert("RGB"), ((k % cols) * w, (k // cols) * h))
    path = Path(path)
    out = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    sheet.save(out, format="PNG")
    os.replace(out, path)
    return path


def confusion_png(
    matrix: Sequence[Sequence[int]],
    path: str | os.PathLike[str],
    title: str = "",
    cell: int = 28,
) -> Path:
    """Draw a confusion matrix: row ``i`` counts the clips of true class ``i``, column ``j`` those predicted ``j``.

    Each cell is shaded by its share of its row (white: none, dark blue: all of the row) and shows its count; the
    right-hand column gives each class's accuracy (recall). The PNG is replaced atomically.

    Args:
        matrix: K x K counts (a list of lists or a (K, K) tensor).
        path: PNG file to write.
        title: text above the matrix.
        cell: side of a cell in pixels (>= 16).

    Example:
        >>> import os, tempfile
        >>> from PIL import Image
        >>> from tempaug.train.plots import confusion_png
        >>> p = confusion_png([[5, 1], [0, 4]], os.path.join(tempfile.mkdtemp(), "confusion.png"), cell=20)
        >>> Image.open(p).size
        (140, 110)
    """
    from PIL import Image, ImageDraw

    rows = [[int(v) for v in row] for row in matrix]
    k = len(rows)
    if k == 0 or any(len(row) != k for row in rows) or any(v < 0 for row in rows for v in row):
        raise InvalidArgumentError("confusion_png: matrix must be K x K non-negative counts, K >= 1", "matrix")
    if isinstance(cell, bool) or not isinstance(cell, int) or cell < 16:
        raise InvalidArgumentError(f"confusion_png: cell must be an int >= 16, got {cell!r}", "cell")
    left, top, right, bottom = 50, 50, 50, 20
    width, height = left + k * cell + right, top + k * cell + bottom
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((4, 4), title or "true (rows) vs predicted (columns)", fill=(0, 0, 0))
    draw.text((left + k * cell + 6, top - 14), "acc", fill=(0, 0, 0))
    for i, row in enumerate(rows):
        total = sum(row)
        y = top + i * cell
        draw.text((left - 8 - 6 * len(str(i)), y + cell / 2 - 5), str(i), fill=(0, 0, 0))
        draw.text((left + i * cell + cell / 2 - 3 * len(str(i)), top - 14), str(i), fill=(0, 0, 0))
        for j, count in enumerate(row):
            share = count / total if total else 0.0
            colour = tuple(round(255 - share * (255 - c)) for c in (8, 48, 107))
            x = left + j * cell
            draw.rectangle([x, y, x + cell, y + cell], fill=colour, outline=(200, 200, 200))
            if count:
                text = str(count)
                ink = (255, 255, 255) if share > 0.5 else (0, 0, 0)
                draw.text((x + cell / 2 - 3 * len(text), y + cell / 2 - 5), text, fill=ink)
        recall = f"{row[i] / total:.2f}" if total else "-"
        draw.text((left + k * cell + 6, y + cell / 2 - 5), recall, fill=(0, 0, 0))
    draw.rectangle([left, top, left + k * cell, top + k * cell], outline=(0, 0, 0))
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    image.save(tmp, format="PNG")
    os.replace(tmp, path)
    return path
