"""Where a build's clips come from: Moving MNIST, a folder of class sub-folders, or a CSV/JSONL manifest.

:func:`list_inputs` lists every input of every split in a fixed order, without opening any video: an input is
one Moving MNIST sample or one video file. :func:`load_clips` turns one input into its clips (in a worker);
anything wrong with the file raises, and the build records the input as failed.

Example:
    >>> from tempaug.shard.config import BuildConfig
    >>> from tempaug.shard.sources import list_inputs, load_clips
    >>> cfg = BuildConfig(train=3, val=1, test=0, frames=5, canvas=32)
    >>> listing = list_inputs(cfg)
    >>> {split: len(items) for split, items in listing.inputs.items()}
    {'train': 3, 'val': 1}
    >>> clip, info = load_clips(listing.inputs["train"][2], cfg)[0]
    >>> clip.shape, info["source"]
    (torch.Size([5, 1, 32, 32]), 'mmnist:train/2')
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..core.errors import InvalidArgumentError, InvalidInputError
from ..datasets.folder import VideoFolder
from ..datasets.manifest import read_manifest
from ..datasets.moving_mnist import MovingMNIST
from ..io.decode import VideoReader
from ..io.decode_errors import VideoDecodeError
from ..io.encode import load_npy
from ..io.samplers import uniform_clips
from ..ops.geometric import Resize
from ..ops.synthesize import Synthesize, load_generator
from .config import BuildConfig, generator_digest

__all__ = ["MMNIST_FPS", "NPY_FPS", "Input", "Listing", "list_inputs", "load_clips"]

#: Frame rate written for Moving MNIST clips.
MMNIST_FPS = 10.0
#: Frame rate assumed for ``.npy`` source files, which carry none (``--fps`` overrides it).
NPY_FPS = 25.0


@dataclass(frozen=True)
class Input:
    """One input of a build: its split, its position in that split, where it comes from, label and metadata."""

    split: str
    index: int
    source: str
    label: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Listing:
    """Every input, per split in build order, with the class names (folder sources) and a fingerprint."""

    inputs: dict[str, list[Input]]
    classes: list[str] | None = None
    synthetic: dict[str, int] = field(default_factory=dict)
    generator_sha256: str | None = None

    def fingerprint(self) -> str:
        """A sha256 over every input's split, source, label and metadata, and each file's size.

        Example:
            >>> from tempaug.shard.sources import Input, Listing
            >>> len(Listing({"train": [Input("train", 0, "mmnist:train/0")]}).fingerprint())
            64
        """
        digest = hashlib.sha256()
        for split, items in self.inputs.items():
            for item in items:
                path = Path(item.source)
                virtual = item.source.startswith(("mmnist:", "synthetic:"))
                size = path.stat().st_size if not virtual and path.is_file() else None
                row = [split, item.index, item.source, item.label, item.meta, size]
                digest.update(json.dumps(row, sort_keys=True, default=str).encode() + b"\n")
        if self.generator_sha256 is not None:
            digest.update(self.generator_sha256.encode())
        return digest.hexdigest()


def list_inputs(cfg: BuildConfig) -> Listing:
    """List the inputs of every split; splits with no input are left out.

    Raises:
        InvalidInputError: the folder holds no video, or the manifest is unreadable (names the file and line).

    Example:
        >>> from tempaug.shard.config import BuildConfig
        >>> from tempaug.shard.sources import list_inputs
        >>> list(list_inputs(BuildConfig(train=2, val=0, test=1)).inputs)
        ['train', 'test']
    """
    kind = cfg.source_kind
    if kind == "mmnist":
        sizes = {"train": cfg.train, "val": cfg.val, "test": cfg.test}
        inputs = {s: [Input(s, i, f"mmnist:{s}/{i}") for i in range(n)] for s, n in sizes.items() if n}
        if not inputs:
            raise InvalidArgumentError(
                "the Moving MNIST build has no sample: --train, --val and --test are all 0", "train"
            )
        return _with_synthetic(Listing(inputs), cfg)
    path = Path(cfg.source_path).expanduser()
    if kind == "folder":
        if not path.is_dir():
            raise InvalidInputError(f"source folder {str(path)!r} does not exist or is not a folder")
        folder = VideoFolder(path)
        items = [Input(cfg.split, i, str(p.absolute()), label) for i, (p, label) in enumerate(folder.items)]
        return _with_synthetic(Listing({cfg.split: items}, classes=list(folder.classes)), cfg)
    if not path.is_file():
        raise InvalidInputError(f"manifest {str(path)!r} does not exist or is not a file")
    entries = read_manifest(path)
    if not entries:
        raise InvalidInputError(f"manifest {str(path)!r} lists no video")
    by_split: dict[str, list[Input]] = {}
    for entry in entries:
        meta = dict(entry.meta)
        split = str(meta.pop("split", "") or cfg.split)
        if not split.replace("_", "").isalnum():
            raise InvalidInputError(f"{path}, line {entry.line}: split must be letters, digits or '_', got {split!r}")
        items = by_split.setdefault(split, [])
        items.append(Input(split, len(items), str(entry.path), entry.label, meta))
    return _with_synthetic(Listing(by_split), cfg)


#: The split synthetic clips are added to.
SYNTHETIC_SPLIT = "train"


def _with_synthetic(listing: Listing, cfg: BuildConfig) -> Listing:
    """Append ``synthetic_per_class`` generated inputs per generator class to the training split."""
    if cfg.synthesize is None:
        return listing
    model = load_generator(cfg.synthesize)
    k = int(model.num_classes)
    if listing.classes is not None and len(listing.classes) != k:
        raise InvalidInputError(
            f"--synthesize: the generator makes {k} classes, the source has {len(listing.classes)} "
            f"({', '.join(listing.classes)})"
        )
    digest = generator_digest(cfg.synthesize)
    items = listing.inputs.setdefault(SYNTHETIC_SPLIT, [])
    start = len(items)
    for c in range(k):
        for i in range(cfg.synthetic_per_class):
            source = f"synthetic:{c}/{i}"
            items.append(Input(SYNTHETIC_SPLIT, start + c * cfg.synthetic_per_class + i, source, c, {}))
    listing.synthetic = {SYNTHETIC_SPLIT: k * cfg.synthetic_per_class}
    listing.generator_sha256 = digest
    return listing


def synthetic_seed(seed: int, cls: int, number: int) -> int:
    """The latent seed of synthetic clip ``number`` of class ``cls``: fixed by the build's ``seed``.

    Example:
        >>> from tempaug.shard.sources import synthetic_seed
        >>> synthetic_seed(0, 3, 1) == synthetic_seed(0, 3, 1) != synthetic_seed(0, 3, 2)
        True
    """
    sequence = np.random.SeedSequence([seed, 0x5E7, cls, number])
    return int(sequence.generate_state(1, np.uint32)[0] >> np.uint32(1))


@lru_cache(maxsize=2)
def _synthesizer(path: str) -> Any:
    return Synthesize(path, p=1.0)


def _synthetic_clip(item: Input, cfg: BuildConfig) -> tuple[Tensor, dict[str, Any]]:
    cls, number = (int(v) for v in item.source.split(":", 1)[1].split("/"))
    synth = _synthesizer(str(cfg.synthesize))
    model = synth.model_on(torch.device("cpu"))
    if cfg.source_kind == "mmnist":
        length, side = cfg.frames, cfg.canvas
    else:
        length, side = int(cfg.clip_len), int(model.size)  # type: ignore[arg-type]
    seed = synthetic_seed(cfg.seed, cls, number)
    like = torch.empty(1, length, int(model.in_channels), side, side, dtype=torch.uint8)
    clip = synth.generate(torch.tensor([cls]), torch.tensor([seed]), like)[0]
    info: dict[str, Any] = {
        "source": item.source,
        "label": cls,
        "synthetic": True,
        "generator": {"sha256": generator_digest(str(cfg.synthesize)), "seed": seed, "class": cls},
        "frames": list(range(length)),
        "fps": cfg.fps or (MMNIST_FPS if cfg.source_kind == "mmnist" else NPY_FPS),
    }
    if cfg.source_kind == "mmnist":
        info["labels"] = [cls]  # Moving MNIST clips carry their digits; a synthetic clip shows its class
    return _resize(clip, cfg.size), info


@lru_cache(maxsize=8)
def _mmnist(split: str, cfg_key: tuple[Any, ...]) -> MovingMNIST:
    digits, canvas, frames, seed, stochastic, count = cfg_key
    return MovingMNIST(
        num_digits=digits, size=canvas, length=frames, seed=seed, split=split, stochastic=stochastic, num_samples=count
    )


def _resize(clip: Tensor, size: int | tuple[int, int] | None) -> Tensor:
    if size is None:
        return clip
    return Resize(size if isinstance(size, int) else tuple(size))(clip)


def load_clips(item: Input, cfg: BuildConfig) -> list[tuple[Tensor, dict[str, Any]]]:
    """Decode one input into its clips: ``(uint8 (T,C,H,W) clip, metadata)`` pairs, in clip order.

    The metadata holds the source, the frame indices taken, the clip's frame rate, label and any manifest columns.

    Raises:
        VideoDecodeError: the file is unreadable or too short for one clip.

    Example:
        >>> from tempaug.shard.config import BuildConfig
        >>> from tempaug.shard.sources import Input, load_clips
        >>> cfg = BuildConfig(frames=4, canvas=28, digits=1)
        >>> _, info = load_clips(Input("test", 0, "mmnist:test/0"), cfg)[0]
        >>> info["frames"], len(info["labels"])
        ([0, 1, 2, 3], 1)
    """
    if item.source.startswith("synthetic:"):
        return [_synthetic_clip(item, cfg)]
    base: dict[str, Any] = {"source": item.source, "label": item.label}
    if item.meta:
        base["meta"] = item.meta
    if cfg.source_kind == "mmnist":
        count = {"train": cfg.train, "val": cfg.val, "test": cfg.test}[item.split]
        ds = _mmnist(item.split, (cfg.digits, cfg.canvas, cfg.frames, cfg.seed, cfg.stochastic, count))
        clip, labels = ds[item.index]
        info = {**base, "labels": labels.tolist(), "frames": list(range(cfg.frames)), "fps": cfg.fps or MMNIST_FPS}
        return [(_resize(clip, cfg.size), info)]
    path = Path(item.source)
    if path.suffix.lower() == ".npy":
        try:
            video = load_npy(path)
        except (OSError, ValueError) as err:
            raise VideoDecodeError(f"{path}: unreadable .npy clip: {err}") from None
        native_fps, n = cfg.fps or NPY_FPS, len(video)
        reader = None
    else:
        reader = VideoReader(path)
        native_fps, n = reader.fps, len(reader)
    try:
        length = cfg.clip_len if cfg.clip_len is not None else (n - 1) // cfg.stride + 1
        span = (length - 1) * cfg.stride + 1
        if n < span:
            raise VideoDecodeError(f"{path}: {n} frames, fewer than the {span} one clip of {length} needs")
        plans = uniform_clips(n, length, cfg.clips_per_video, stride=cfg.stride)
        fps = cfg.fps or (native_fps / cfg.stride if native_fps > 0 else NPY_FPS)
        clips = []
        for plan in plans:
            frames = video[plan] if reader is None else reader.read(plan).frames
            clips.append((_resize(frames, cfg.size), {**base, "frames": plan.tolist(), "fps": float(fps)}))
        return clips
    finally:
        if reader is not None:
            reader.close()


def stack_ok(clips: list[tuple[Tensor, dict[str, Any]]]) -> bool:
    """Whether every clip is uint8 (T,C,H,W) with C of 1 or 3 (what a record can store)."""
    return all(c.dtype == torch.uint8 and c.dim() == 4 and c.shape[1] in (1, 3) for c, _ in clips)
