"""``python -m tempaug.gallery --out docs/gallery``: every registered transform on real clips, input beside output.

Each entry of :data:`ENTRIES` builds one transform from the code shown on the page and runs it on two clips: a
Moving MNIST clip (real digits, shipped with tempaug) and a ball bouncing over a still photograph (scikit-image's
sample photographs; a colour gradient when scikit-image is not installed).
Per-clip ops run on each (T,C,H,W) clip as a DataLoader worker would; mixers and ``Synthesize`` run on batches of
two clips with labels. Each entry becomes ``<out>/<Name>.gif`` (inputs on the left, outputs on the right, one row
per clip), and a markdown page (``<out>.md`` unless ``--page`` says otherwise) shows them all with the code that
built each transform and its full list of constructor arguments.

Example:
    >>> import os, tempfile
    >>> from tempaug.gallery import main
    >>> out = os.path.join(tempfile.mkdtemp(), "gallery")
    >>> main(["--out", out, "--only", "TemporalReverse", "--quiet"])
    0
    >>> sorted(os.listdir(out)), os.path.exists(out + ".md")
    (['TemporalReverse.gif', 'gallery.css'], True)
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

import tempaug

from .core.sample import Sample
from .core.transform import Transform
from .datasets.moving_mnist import MovingMNIST
from .io.preview import comparison_gif, draw_boxes, save_gif, to_uint8
from .models import RCGAN

__all__ = [
    "ENTRIES",
    "SECTIONS",
    "Entry",
    "build",
    "main",
    "mnist_clips",
    "natural_clips",
    "render",
    "tiny_rcgan",
    "write_page",
]

#: Frames per clip and frame height and width of the gallery's clips.
FRAMES, SIZE = 16, 64

#: Style for the documentation site (mkdocs.yml lists it in ``extra_css``): the gallery's GIFs at twice their size,
#: pixels kept sharp.
CSS = 'img[alt$=": input and output"] { zoom: 2; image-rendering: pixelated; }\n'

#: Colours of each GIF's one palette.
PALETTE = 96

#: Sections of the page, in order, with the API reference page of their transforms.
SECTIONS = {
    "Temporal": "api/temporal.md",
    "Spatial": "api/spatial.md",
    "Photometric and erasing": "api/color.md",
    "RandAugment and TrivialAugment": "api/randaugment.md",
    "Containers": "api/core.md",
    "Mixing": "api/mixing.md",
    "Synthetic clips": "api/synthesize.md",
    "Adapters": "api/adapters.md",
}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One picture of the gallery.

    Attributes:
        name: the registered transform it shows.
        code: the Python expression that builds it; names come from ``tempaug``, plus ``A`` (albumentations),
            ``K`` (``kornia.augmentation``) and ``gan`` (a tiny untrained :class:`tempaug.models.RCGAN`).
        section: one of :data:`SECTIONS`.
        caption: what to look for.
        batch: run on batches of two clips with labels (mixers, ``Synthesize``) instead of clip by clip.
        before: code of a transform run on the clips first; its output is what the GIF shows as the input.
        seed: seed of the generator every draw of this entry comes from.
        rgb: give the transform the Moving MNIST clip as 3 equal channels (for ops that need colour channels).
    """

    name: str
    code: str
    section: str
    caption: str
    batch: bool = False
    before: str | None = None
    seed: int = 0
    rgb: bool = False


def _entries(section: str, *rows: tuple, **common: Any) -> list[Entry]:
    """Entries of one section from ``(name, code, caption)`` rows, each with an optional dict of other fields."""
    return [Entry(row[0], row[1], section, row[2], **common, **(row[3] if len(row) > 3 else {})) for row in rows]


#: Every entry, in page order; the gallery test checks that it covers ``tempaug.registered_names()``.
ENTRIES: tuple[Entry, ...] = (
    *_entries(
        "Temporal",
        ("TemporalReverse", "TemporalReverse()", "Plays the clip backwards."),
        ("TemporalCrop", "TemporalCrop(8)", "8 consecutive frames from a random start; the output ends early."),
        ("TemporalSubsample", "TemporalSubsample(stride=2)", "Every second frame: twice the speed, half the length."),
        (
            "SpeedJitter",
            'SpeedJitter(speed=(0.5, 2.0), boundary="reflect")',
            "A random playback speed per clip; fractional positions blend two neighbouring frames.",
        ),
        ("FrameInterpolate", "FrameInterpolate(length=24)", "24 frames from 16 by blending neighbours: slow motion."),
        ("FrameDrop", "FrameDrop(max_frames=4)", "Up to 4 frames go missing; the clip is shorter."),
        ("FrameDuplicate", "FrameDuplicate(max_frames=4)", "Up to 4 frames repeat in place; the clip is longer."),
        ("TimeWarp", "TimeWarp(strength=1.0)", "Speeds up and slows down within the clip along a smooth random curve."),
    ),
    *_entries(
        "Spatial",
        (
            "RandomResizedCrop",
            "RandomResizedCrop(64, scale=(0.2, 0.6))",
            "A random box covering 20-60% of the frame, scaled back to 64x64: the same box on every frame.",
        ),
        ("RandomCrop", "RandomCrop(48)", "A random 48x48 window (shown on a white margin)."),
        ("CenterCrop", "CenterCrop(40)", "The central 40x40 window (shown on a white margin)."),
        ("Resize", "Resize(32)", "Every frame at 32x32 (shown on a white margin)."),
        ("HorizontalFlip", "HorizontalFlip()", "Mirrored left to right."),
        ("VerticalFlip", "VerticalFlip()", "Mirrored top to bottom."),
        (
            "RandomAffine",
            'RandomAffine(degrees=30, translate=(0.1, 0.1), scale=(0.8, 1.2), vary="smooth")',
            'Rotation, shift and zoom; with vary="smooth" they drift from the first frame to the last.',
        ),
    ),
    *_entries(
        "Photometric and erasing",
        (
            "ColorJitter",
            'ColorJitter(brightness=0.5, contrast=0.5, saturation=0.8, hue=0.3, vary="smooth")',
            "Brightness, contrast, saturation and hue, drifting smoothly over the clip.",
            {"rgb": True},
        ),
        ("Grayscale", "Grayscale()", "Rec.601 luma in every channel.", {"rgb": True}),
        ("GaussianBlur", "GaussianBlur(kernel_size=9, sigma=(1.5, 2.5))", "A Gaussian blur of random width."),
        (
            "Normalize",
            "Normalize(mean=0.5, std=0.25)",
            "(x - 0.5) / 0.25 on float input; float clips outside [0, 1] are shown rescaled to it.",
            {"before": "ToFloat()"},
        ),
        (
            "Denormalize",
            "Denormalize(mean=0.5, std=0.25)",
            "Undoes Normalize: the input shown is the normalised clip (rescaled for display).",
            {"before": "Compose([ToFloat(), Normalize(mean=0.5, std=0.25)])"},
        ),
        ("ToFloat", "ToFloat()", "uint8 in [0, 255] to float32 in [0, 1]: looks the same."),
        ("ToUint8", "ToUint8()", "float32 in [0, 1] back to uint8: looks the same.", {"before": "ToFloat()"}),
        (
            "TubeErase",
            "TubeErase(scale=(0.1, 0.2), duration=(0.5, 1.0), p=1.0)",
            "A box erased over a run of frames: a space-time tube.",
        ),
    ),
    *_entries(
        "RandAugment and TrivialAugment",
        (
            "VideoRandAugment",
            'VideoRandAugment(num_ops=2, magnitude=9, vary="smooth")',
            "Two ops drawn from the augmentation space per clip, at magnitude 9 of 30, varying smoothly over time.",
        ),
        ("VideoTrivialAugment", "VideoTrivialAugment()", "One op per clip at a uniformly drawn magnitude."),
    ),
    *_entries(
        "Containers",
        (
            "Compose",
            "Compose([TemporalCrop(12), HorizontalFlip(p=0.5), ColorJitter(brightness=0.5, contrast=0.5)])",
            "All three in order, each sample drawing its own crop start, flip and colour.",
        ),
        (
            "OneOf",
            "OneOf([TemporalReverse(), VerticalFlip(), GaussianBlur(kernel_size=9, sigma=2.0)])",
            "One child per sample, picked at random.",
        ),
        (
            "SomeOf",
            "SomeOf([HorizontalFlip(), TemporalReverse(), Grayscale()], n=(1, 2))",
            "One or two of the children per sample, in the listed order.",
            {"rgb": True},
        ),
        (
            "RandomApply",
            "RandomApply(ColorJitter(brightness=0.8, hue=0.4), p=0.5)",
            "The child with probability 0.5, drawn per sample.",
            {"seed": 2, "rgb": True},
        ),
    ),
    *_entries(
        "Mixing",
        ("MixUp", "MixUp(alpha=1.0, num_classes=10)", "Each clip blended with its partner by a weight λ ~ Beta(1, 1)."),
        ("CutMix", "CutMix(alpha=1.0, num_classes=10)", "A box of the partner pasted on every frame."),
        ("TemporalCutMix", "TemporalCutMix(alpha=1.0, num_classes=10)", "A run of the partner's frames spliced in."),
        ("TubeMix", "TubeMix(alpha=1.0, num_classes=10)", "A space-time cuboid of the partner pasted in."),
        (
            "MixChoice",
            "MixChoice([MixUp(num_classes=10), TubeMix(num_classes=10)], per_sample=True)",
            "MixUp or TubeMix, picked per sample.",
        ),
        batch=True,
    ),
    *_entries(
        "Synthetic clips",
        (
            "Synthesize",
            "Synthesize(gan, p=0.5)",
            (
                "Each clip, with probability 0.5, replaced by one generated for its label. The generator here is a "
                "tiny untrained RCGAN, built in-process for illustration only: its clips are noise. A trained one "
                "comes from `python -m tempaug.train rcgan` (see [synthetic clips](synthetic.md))."
            ),
        ),
        batch=True,
    ),
    *_entries(
        "Adapters",
        (
            "FromAlbumentations",
            "FromAlbumentations(A.Rotate(limit=30, p=1.0))",
            "An albumentations rotation, one draw per clip, replayable from tempaug's generator.",
        ),
        (
            "FromKornia",
            "FromKornia(K.RandomPerspective(distortion_scale=0.5, p=1.0))",
            "A kornia perspective warp, one draw per clip, replayable from tempaug's generator.",
        ),
    ),
)


def tiny_rcgan() -> torch.nn.Module:
    """A tiny untrained RCGAN with fixed weights, the generator of the ``Synthesize`` entry.

    Example:
        >>> from tempaug.gallery import tiny_rcgan
        >>> tiny_rcgan().num_classes
        10
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return RCGAN(num_classes=10, length=8, size=32, z_dim=8, hidden=16, width=8)


def build(entry: Entry) -> tuple[Transform, Transform | None]:
    """The transform of ``entry`` and the one run before it (or None), built from their code.

    Example:
        >>> from tempaug.gallery import ENTRIES, build
        >>> build(ENTRIES[1])
        (TemporalCrop(length=8, mode='random', p=1.0), None)
    """
    code = entry.code if entry.before is None else f"({entry.code}, {entry.before})"
    names: dict[str, Any] = {}
    for token in set(re.findall(r"\b[A-Za-z_]\w*", code)):
        if token == "A":
            import albumentations

            names["A"] = albumentations
        elif token == "K":
            import kornia.augmentation

            names["K"] = kornia.augmentation
        elif token == "gan":
            names["gan"] = tiny_rcgan()
        elif token in tempaug.__all__ or token in ("FromAlbumentations", "FromKornia"):  # the adapters load lazily
            names[token] = getattr(tempaug, token)
    built = eval(code, {"__builtins__": {}}, names)  # our own fixed table, with tempaug's names only
    return (built[0], built[1]) if entry.before is not None else (built, None)


def mnist_clips(count: int, digits: int = 2, seed: int = 0) -> tuple[Tensor, Tensor]:
    """``count`` Moving MNIST test clips (count, 16, 1, 64, 64) uint8 and the class of each clip's first digit.

    Example:
        >>> from tempaug.gallery import mnist_clips
        >>> clips, labels = mnist_clips(2, digits=1)
        >>> tuple(clips.shape), labels.dtype
        ((2, 16, 1, 64, 64), torch.int64)
    """
    clips, labels = _mnist_clips(count, digits, seed)
    return clips.clone(), labels.clone()


@functools.cache
def _mnist_clips(count: int, digits: int, seed: int) -> tuple[Tensor, Tensor]:
    ds = MovingMNIST(num_digits=digits, size=SIZE, length=FRAMES, seed=seed, split="test", num_samples=count)
    samples = [ds[i] for i in range(count)]
    return torch.stack([clip for clip, _ in samples]), torch.stack([labels[0] for _, labels in samples])


def _backgrounds() -> tuple[list[Tensor], str]:
    """Two (3,64,64) uint8 backgrounds and what they are: scikit-image's photographs, else drawn gradients."""
    try:
        from skimage import data
    except ImportError:
        y, x = torch.meshgrid(torch.linspace(0, 1, SIZE), torch.linspace(0, 1, SIZE), indexing="ij")
        drawn = [
            torch.stack([0.2 + 0.6 * x, 0.3 + 0.5 * y, 0.8 - 0.5 * x * y]),
            torch.stack([0.9 - 0.5 * y, 0.6 * x, 0.3 + 0.4 * y]),
        ]
        return [(d * 255).round().to(torch.uint8) for d in drawn], "a colour gradient"
    images = []
    for photo in (data.coffee(), data.chelsea()):
        image = torch.from_numpy(photo.copy()).permute(2, 0, 1)[None].float()
        side = min(image.shape[-2:])
        square = image[..., :side, (image.shape[-1] - side) // 2 :][..., :side]
        image = F.interpolate(square, size=(SIZE, SIZE), mode="bilinear", antialias=True, align_corners=False)
        images.append(image[0].round().clamp(0, 255).to(torch.uint8))
    return images, "a photograph (scikit-image's sample images: a cup of coffee, a cat)"


def natural_clips(count: int) -> tuple[Tensor, Tensor]:
    """``count`` (at most 2) clips (count, 16, 3, 64, 64) uint8 of a ball rolling and bouncing over a photograph.

    The photographs are scikit-image's (a cup of coffee, a cat); without scikit-image, colour gradients. The
    camera stands still, so the background stays put and only the ball moves. The labels are 0, 1, ...:
    stand-ins for two classes.

    Example:
        >>> from tempaug.gallery import natural_clips
        >>> clips, labels = natural_clips(2)
        >>> tuple(clips.shape), clips.dtype, labels.tolist()
        ((2, 16, 3, 64, 64), torch.uint8, [0, 1])
    """
    clips, labels = _natural_clips(count)
    return clips.clone(), labels.clone()


@functools.cache
def _natural_clips(count: int) -> tuple[Tensor, Tensor]:
    backgrounds, _ = _backgrounds()
    y, x = torch.meshgrid(torch.arange(SIZE) + 0.5, torch.arange(SIZE) + 0.5, indexing="ij")
    clips = []
    for k, background in enumerate(backgrounds[:count]):
        frames = []
        for t in range(FRAMES):
            cx = 10 + 44 * t / (FRAMES - 1) if k == 0 else 54 - 44 * t / (FRAMES - 1)
            cy = 12 + 40 * abs(1 - 2 * t / (FRAMES - 1))  # falls, bounces off the floor, rises again
            cover = (8 - ((x - cx) ** 2 + (y - cy) ** 2).sqrt()).clamp(0, 1)  # an anti-aliased disc
            ball = torch.tensor([40.0, 140.0, 250.0] if k == 0 else [250.0, 220.0, 40.0]).view(3, 1, 1)
            frames.append(background * (1 - cover) + ball * cover)
        clips.append(torch.stack(frames).round().to(torch.uint8))
    return torch.stack(clips), torch.arange(len(clips))


def _shown(clip: Tensor) -> Tensor:
    """A (T,3,64,64) uint8 picture of a clip: floats outside [0, 1] rescaled, grey as RGB, centred on white."""
    if clip.is_floating_point():
        lo, hi = clip.min(), clip.max()
        if lo < 0 or hi > 1:
            clip = (clip - lo) / (hi - lo).clamp_min(1e-6)
    clip = to_uint8(clip).expand(-1, 3, -1, -1)
    h, w = clip.shape[-2:]
    canvas = torch.full((clip.shape[0], 3, max(h, SIZE), max(w, SIZE)), 255, dtype=torch.uint8)
    top, left = (canvas.shape[-2] - h) // 2, (canvas.shape[-1] - w) // 2
    canvas[..., top : top + h, left : left + w] = clip
    top, left = (canvas.shape[-2] - SIZE) // 2, (canvas.shape[-1] - SIZE) // 2
    return canvas[..., top : top + SIZE, left : left + SIZE]


def _stack(clips: Sequence[Tensor]) -> Tensor:
    """Clips of any lengths as one (B,T,3,64,64) batch, shorter ones padded with white frames."""
    shown = [_shown(c) for c in clips]
    t = max(c.shape[0] for c in shown)
    return torch.stack([torch.cat([c, c.new_full((t - c.shape[0], *c.shape[1:]), 255)]) for c in shown])


def _one_palette(frames: Tensor, colors: int = PALETTE) -> Tensor:
    """RGB uint8 frames (..., 3, H, W) reduced to one palette of ``colors`` colours for them all, without dithering.

    GIF frames are paletted: with one palette and no dithering noise, a pixel that does not change from one frame
    to the next keeps its exact colour, and the GIF compresses several times better.
    """
    from PIL import Image

    *lead, c, h, w = frames.shape
    sheet = frames.reshape(-1, c, h, w).permute(0, 2, 3, 1).reshape(-1, w, c).contiguous().numpy()
    reduced = Image.fromarray(sheet).quantize(colors=colors, dither=Image.Dither.NONE).convert("RGB")
    back = torch.frombuffer(bytearray(reduced.tobytes()), dtype=torch.uint8).view(-1, h, w, c)
    return back.permute(0, 3, 1, 2).reshape(*lead, c, h, w)


def _label_text(label: Tensor) -> str:
    """A hard label as its class, a soft one as its two largest weights."""
    if label.dim() == 0:
        return str(int(label))
    weights, classes = label.topk(2)
    return " + ".join(f"{w:.2f}·{int(c)}" for w, c in zip(weights.tolist(), classes) if w > 0.005)


def render(entry: Entry, out: Path, fps: float = 6.0) -> dict[str, Any]:
    """Run ``entry`` on the gallery's clips and write ``out/<name>.gif``; returns what the page says about it.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.gallery import ENTRIES, render
        >>> info = render(ENTRIES[0], Path(tempfile.mkdtemp()))
        >>> info["path"].name, info["shapes"]
        ('TemporalReverse.gif', [((16, 1, 64, 64), (16, 1, 64, 64)), ((16, 3, 64, 64), (16, 3, 64, 64))])
    """
    transform, before = build(entry)
    generator = torch.Generator().manual_seed(entry.seed)
    info: dict[str, Any] = {"transform": transform, "labels": [], "applied": []}
    inputs, outputs = [], []
    if entry.batch:
        for clips, labels in (mnist_clips(2, digits=1), natural_clips(2)):
            result, params = transform(Sample(video=clips, label=labels), generator=generator, return_params=True)
            mixed, new_labels = result.video, result.label
            inputs += list(clips)
            outputs += list(mixed)
            changed = ["yes" if a else "no" for a in params.applied.tolist()]
            info["labels"] += [(_label_text(a), c, _label_text(b)) for a, b, c in zip(labels, new_labels, changed)]
    else:
        grey = mnist_clips(1)[0][0]
        for clip in (grey.expand(-1, 3, -1, -1) if entry.rgb else grey, natural_clips(1)[0][0]):
            if before is not None:
                clip = before(clip, generator=generator)
            out_clip, params = transform(clip, generator=generator, return_params=True)
            inputs.append(clip)
            outputs.append(out_clip)
            info["applied"].append(bool(params.applied.item()))
    info["shapes"] = [(tuple(a.shape), tuple(b.shape)) for a, b in zip(inputs, outputs)]
    out.mkdir(parents=True, exist_ok=True)
    shown = _one_palette(_stack(inputs + outputs))
    rows = [shown[: len(inputs)], shown[len(inputs) :]]
    info["path"] = comparison_gif(rows, ["input", "output"], out / f"{entry.name}.gif", fps=fps)
    return info


#: The pipeline of the targets picture: boxes and segments follow a sped-up, reversed, cropped and mirrored clip.
TARGETS_CODE = (
    "Compose([SpeedJitter(speed=1.5), TemporalReverse(), RandomResizedCrop(48, scale=(0.3, 0.5)), HorizontalFlip()])"
)


def ball_sample() -> Sample:
    """The first ball clip of :func:`natural_clips` with its targets: the ball's box on every frame, its class,
    and two time segments, ``falls`` while it drops to the floor and ``rises`` after the bounce.

    Example:
        >>> from tempaug.gallery import ball_sample
        >>> s = ball_sample()
        >>> tuple(s.boxes.shape), s.segments
        ((16, 1, 4), [(0, 8, 'falls'), (8, 16, 'rises')])
    """
    clips, labels = natural_clips(1)
    boxes = []
    for t in range(FRAMES):  # the ball's centre, as _natural_clips draws it; radius 8
        cx = 10 + 44 * t / (FRAMES - 1)
        cy = 12 + 40 * abs(1 - 2 * t / (FRAMES - 1))
        boxes.append([cx - 8, cy - 8, cx + 8, cy + 8])
    half = FRAMES // 2
    return Sample(
        video=clips[0],
        label=int(labels[0]),
        boxes=torch.tensor(boxes).view(FRAMES, 1, 4).clamp(0, SIZE),
        segments=[(0, half, "falls"), (half, FRAMES, "rises")],
    )


def _captions(texts: Sequence[str], width: int) -> Tensor:
    """(T,3,12,width) uint8 strips, one caption per frame."""
    from PIL import Image, ImageDraw

    strips = []
    for text in texts:
        strip = Image.new("RGB", (width, 12), (255, 255, 255))
        ImageDraw.Draw(strip).text((2, 0), text, fill=(0, 0, 0))
        strips.append(torch.frombuffer(bytearray(strip.tobytes()), dtype=torch.uint8).view(12, width, 3))
    return torch.stack(strips).permute(0, 3, 1, 2)


def _segment_names(segments: Sequence[tuple[float, float, Any]], length: int) -> list[str]:
    return [" ".join(str(k) for a, b, k in segments if a <= t < b) or "-" for t in range(length)]


def render_targets(out: Path, fps: float = 4.0, seed: int = 3) -> Path:
    """``<out>/targets.gif``: :func:`ball_sample` (left) and :data:`TARGETS_CODE` applied to it (right), the boxes
    drawn in red and each frame's segments written under it.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.gallery import render_targets
        >>> render_targets(Path(tempfile.mkdtemp())).name
        'targets.gif'
    """
    sample = ball_sample()
    aug = eval(TARGETS_CODE, {name: getattr(tempaug, name) for name in tempaug.__all__})  # our own constant
    result = aug(sample, generator=torch.Generator().manual_seed(seed))
    panels = []
    for s in (sample, result):
        t = s.video.shape[0]
        assert s.boxes is not None  # ball_sample() gives the ball's box on every frame, and the ops keep boxes
        drawn = _shown(draw_boxes(s.video, s.boxes, s.box_valid))
        panels.append(torch.cat([drawn, _captions(_segment_names(s.segments, t), SIZE)], dim=-2))
    t = max(p.shape[0] for p in panels)
    panels = [torch.cat([p, p[-1:].expand(t - p.shape[0], -1, -1, -1)]) for p in panels]
    gap = torch.full((t, 3, panels[0].shape[-2], 2), 255, dtype=torch.uint8)
    out.mkdir(parents=True, exist_ok=True)
    return save_gif(torch.cat([panels[0], gap, panels[1]], dim=-1), out / "targets.gif", fps=fps, scale=2)


def _api_anchor(entry: Entry) -> str:
    """The link from the page to the entry's API reference."""
    adapters = {"FromAlbumentations": "albumentations", "FromKornia": "kornia"}
    ident = f"tempaug.adapters.{adapters[entry.name]}." if entry.name in adapters else "tempaug."
    return f"{SECTIONS[entry.section]}#{ident}{entry.name}"


def write_page(rendered: Sequence[tuple[Entry, dict[str, Any]]], page: Path, gifs: Path) -> Path:
    """Write the gallery's markdown page: every rendered entry by section, GIFs linked relative to ``page``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.gallery import ENTRIES, render, write_page
        >>> d = Path(tempfile.mkdtemp())
        >>> page = write_page([(ENTRIES[0], render(ENTRIES[0], d / "g"))], d / "g.md", d / "g")
        >>> "![TemporalReverse" in page.read_text()
        True
    """
    rel = gifs.resolve().relative_to(page.resolve().parent).as_posix()
    lines = [
        "# Gallery",
        "",
        (
            "Every registered transform on two clips: a Moving MNIST clip (real MNIST digits, shipped with tempaug) "
            f"and a ball bouncing over {_backgrounds()[1]}, 16 frames of 64x64 each. In each picture the inputs are "
            "on the left and the outputs on the right, one row per clip; outputs shorter than the input end in white "
            "frames, and smaller ones sit on a white margin. Per-clip ops run clip by clip, as in a DataLoader "
            "worker; mixers and `Synthesize` run on batches of two clips with labels, and the table under each shows "
            "the labels before and after (soft labels as weight·class) and whether the op applied to each sample."
        ),
        "",
        (
            "Each entry shows the code that built the transform and, below it, every constructor argument (the "
            "transform's `repr`, which is also what `to_dict` stores). Regenerate the page and the GIFs with "
            "`python -m tempaug.gallery --out docs/gallery`."
        ),
        "",
    ]
    for section in SECTIONS:
        chosen = [(e, info) for e, info in rendered if e.section == section]
        if not chosen:
            continue
        lines += [f"## {section}", ""]
        for entry, info in chosen:
            lines += [f"### {entry.name}", "", f"![{entry.name}: input and output]({rel}/{entry.name}.gif)", ""]
            lines += ["```py", entry.code, "```", ""]
            if entry.before is not None:
                lines += [f"Input: `{entry.before}` of the clip.", ""]
            if entry.rgb:
                lines += ["The Moving MNIST clip goes in as three equal channels: the op needs colour.", ""]
            lines += [f"{entry.caption} Arguments: `{info['transform']!r}`. [API]({_api_anchor(entry)})", ""]
            if info["applied"] and getattr(info["transform"], "p", 1.0) < 1:
                said = [
                    f"{clip} {'yes' if a else 'no'}" for clip, a in zip(("Moving MNIST", "ball scene"), info["applied"])
                ]
                lines += [f"Applied (a draw per clip): {', '.join(said)}.", ""]
            if info["labels"]:
                lines += ["| clip | label in | applied | label out |", "|---|---|---|---|"]
                for k, (a, c, b) in enumerate(info["labels"]):
                    lines.append(f"| {'Moving MNIST' if k < 2 else 'ball scene'} {k % 2} | {a} | {c} | {b} |")
                lines.append("")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("\n".join(lines))
    return page


def main(argv: Sequence[str] | None = None) -> int:
    """Render the gallery; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m tempaug.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/gallery"), help="folder for the GIFs")
    parser.add_argument("--page", type=Path, default=None, help="markdown page to write (default: <out>.md)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="render only these entries")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    known = [e.name for e in ENTRIES]
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:
        parser.error(f"no gallery entry for {', '.join(unknown)}; entries: {', '.join(known)}")
    started = time.perf_counter()
    rendered = []
    for entry in ENTRIES:
        if args.only is None or entry.name in args.only:
            rendered.append((entry, render(entry, args.out)))
            if not args.quiet:
                print(f"  {entry.name:20s} {rendered[-1][1]['path']}", file=sys.stderr)
    page = write_page(rendered, args.page or args.out.with_suffix(".md"), args.out)
    if args.only is None:
        render_targets(args.out)
    (args.out / "gallery.css").write_text(CSS)
    if not args.quiet:
        size = sum(info["path"].stat().st_size for _, info in rendered)
        print(
            f"tempaug gallery: {len(rendered)} entries -> {args.out} ({size / 1e6:.2f} MB) and {page} "
            f"in {time.perf_counter() - started:.1f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
