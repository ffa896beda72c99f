"""The options of a shard build, split into those that decide the dataset's bytes and those that only run it.

:class:`BuildConfig` holds every option. :meth:`BuildConfig.identity` is the part that decides what is written
(source, clip selection, encoding, sharding, augmentation, seed): a folder built with one identity is never
resumed or overwritten by a build with another unless ``overwrite`` is set. Workers, engine, progress and the
failure budget are left out, so the same dataset can be finished by a different machine.

Example:
    >>> from tempaug.shard.config import BuildConfig
    >>> a = BuildConfig(out="shards", workers=1)
    >>> b = BuildConfig(out="shards", workers=8, engine="ray")
    >>> a.identity() == b.identity(), a.identity() == BuildConfig(out="shards", seed=1).identity()
    (True, False)
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core.errors import InvalidArgumentError, InvalidInputError
from ..io.records import FORMATS
from .tarwriter import sha256_file

__all__ = ["DEFAULT_OUT", "DEFAULT_SPLIT_SIZES", "BuildConfig", "generator_digest", "parse_size"]

#: Where ``build`` with no arguments writes the Moving MNIST dataset.
DEFAULT_OUT = "data/mmnist"

#: Clips per split of the default Moving MNIST build.
DEFAULT_SPLIT_SIZES = {"train": 8000, "val": 1000, "test": 1000}

#: Options that do not change the bytes written.
_RUN_ONLY = ("out", "workers", "engine", "ray_address", "quiet", "overwrite", "max_failures", "progress")

_SPLIT = re.compile(r"^[A-Za-z0-9_]+$")


def parse_size(text: str | int | None) -> int | tuple[int, int] | None:
    """Parse ``--size``: ``"128"`` (short side) or ``"112x160"`` (height x width); None keeps the source size.

    Example:
        >>> from tempaug.shard.config import parse_size
        >>> parse_size("128"), parse_size("112x160"), parse_size(None)
        (128, (112, 160), None)
    """
    if text is None or (isinstance(text, int) and not isinstance(text, bool)):
        if isinstance(text, int) and text < 1:
            raise InvalidArgumentError(f"size must be >= 1, got {text}", "size")
        return text
    match = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", str(text))
    if not match or int(match.group(1)) < 1 or (match.group(2) is not None and int(match.group(2)) < 1):
        raise InvalidArgumentError(f"size must be a positive int or HxW, got {text!r}", "size")
    if match.group(2) is None:
        return int(match.group(1))
    return int(match.group(1)), int(match.group(2))


def generator_digest(path: str) -> str:
    """The sha256 of an RCGAN checkpoint (of ``last.pt`` when ``path`` is a run folder): what identifies the
    generator of a build's synthetic clips.

    Raises:
        InvalidInputError: no checkpoint there.

    Example:
        >>> import os, tempfile
        >>> from tempaug.shard.config import generator_digest
        >>> folder = tempfile.mkdtemp(); _ = open(os.path.join(folder, "last.pt"), "wb").write(b"abc")
        >>> generator_digest(folder)[:12]
        'ba7816bf8f01'
    """
    target = Path(path)
    if target.is_dir():
        target = target / "last.pt"
    if not target.is_file():
        raise InvalidInputError(f"--synthesize: no checkpoint at {target}")
    stat = target.stat()
    return _digest(str(target.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(path)


@dataclass
class BuildConfig:
    """Every option of ``python -m tempaug.shard build``; see ``python -m tempaug.shard build --help``.

    Example:
        >>> from tempaug.shard.config import BuildConfig
        >>> cfg = BuildConfig(source="folder:videos", clip_len=16, size="128", out="shards")
        >>> cfg.size, cfg.source_kind
        (128, 'folder')
    """

    source: str = "mmnist"
    out: str = DEFAULT_OUT
    # Moving MNIST
    train: int = DEFAULT_SPLIT_SIZES["train"]
    val: int = DEFAULT_SPLIT_SIZES["val"]
    test: int = DEFAULT_SPLIT_SIZES["test"]
    digits: int = 2
    frames: int = 20
    canvas: int = 64
    stochastic: bool = False
    # video sources
    split: str = "train"
    clip_len: int | None = 16
    stride: int = 1
    clips_per_video: int = 1
    size: Any = None
    # encoding and sharding
    format: str = "mp4"
    crf: int = 18
    fps: float | None = None
    shard_size: int = 1000
    shard_bytes: int = 1 << 30
    # offline augmentation
    augment: str | None = None
    copies: int = 0
    no_original: bool = False
    seed: int = 0
    # synthetic clips from a trained RCGAN, added to the training split
    synthesize: str | None = None
    synthetic_per_class: int = 0
    # run-only options
    workers: int = 0
    engine: str = "local"
    ray_address: str | None = None
    max_failures: int | None = None
    overwrite: bool = False
    quiet: bool = False
    progress: bool | None = None
    augment_pipeline: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.size = parse_size(self.size)
        kind = self.source_kind
        if kind not in ("mmnist", "folder", "manifest"):
            raise InvalidArgumentError(
                f"source must be 'mmnist', 'folder:PATH' or 'manifest:FILE', got {self.source!r}", "source"
            )
        if kind != "mmnist" and not self.source_path:
            raise InvalidArgumentError(f"source {self.source!r} names no path after '{kind}:'", "source")
        ints = {
            "train": (self.train, 0),
            "val": (self.val, 0),
            "test": (self.test, 0),
            "digits": (self.digits, 1),
            "frames": (self.frames, 1),
            "canvas": (self.canvas, 28),
            "stride": (self.stride, 1),
            "clips_per_video": (self.clips_per_video, 1),
            "crf": (self.crf, 0),
            "shard_size": (self.shard_size, 1),
            "shard_bytes": (self.shard_bytes, 1),
            "copies": (self.copies, 0),
            "synthetic_per_class": (self.synthetic_per_class, 0),
            "seed": (self.seed, 0),
            "workers": (self.workers, 0),
        }
        for name, (value, low) in ints.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InvalidArgumentError(f"{name} must be an int >= {low}, got {value!r}", name)
        if self.clip_len is not None and (not isinstance(self.clip_len, int) or self.clip_len < 1):
            raise InvalidArgumentError(f"clip_len must be an int >= 1 or None, got {self.clip_len!r}", "clip_len")
        if self.crf > 51:
            raise InvalidArgumentError(f"crf must be in [0, 51], got {self.crf}", "crf")
        if self.format not in FORMATS:
            raise InvalidArgumentError(f"format must be one of {FORMATS}, got {self.format!r}", "format")
        if self.fps is not None and not self.fps > 0:
            raise InvalidArgumentError(f"fps must be > 0, got {self.fps!r}", "fps")
        if not _SPLIT.match(self.split):
            raise InvalidArgumentError(f"split must be letters, digits or '_', got {self.split!r}", "split")
        if self.engine not in ("local", "ray"):
            raise InvalidArgumentError(f"engine must be 'local' or 'ray', got {self.engine!r}", "engine")
        if self.max_failures is not None and self.max_failures < 0:
            raise InvalidArgumentError(f"max_failures must be >= 0, got {self.max_failures}", "max_failures")
        if self.copies and self.augment is None:
            raise InvalidArgumentError("copies > 0 needs --augment FILE: a pipeline to make the copies with", "copies")
        if self.augment is not None and self.copies == 0:
            raise InvalidArgumentError("--augment needs --copies K >= 1: the number of augmented copies", "copies")
        if self.synthesize is not None and self.synthetic_per_class == 0:
            raise InvalidArgumentError(
                "--synthesize needs --synthetic-per-class N >= 1: the generated clips to add per class",
                "synthetic_per_class",
            )
        if self.synthetic_per_class and self.synthesize is None:
            raise InvalidArgumentError(
                "--synthetic-per-class needs --synthesize CKPT: the RCGAN checkpoint to generate with", "synthesize"
            )
        if self.synthesize is not None and self.source_kind != "mmnist" and self.clip_len is None:
            raise InvalidArgumentError("--synthesize needs --clip-len: the length of the generated clips", "clip_len")
        if self.no_original and self.copies == 0:
            raise InvalidArgumentError("--no-original with no augmented copies would write nothing", "no_original")

    @property
    def source_kind(self) -> str:
        """``"mmnist"``, ``"folder"`` or ``"manifest"``."""
        return self.source.split(":", 1)[0]

    @property
    def source_path(self) -> str:
        """The path after ``folder:`` or ``manifest:`` (empty for ``mmnist``)."""
        return self.source.split(":", 1)[1] if ":" in self.source else ""

    @property
    def copy_ids(self) -> list[int]:
        """The copy numbers written per clip: 0 is the original, 1..K the augmented copies.

        Example:
            >>> from tempaug.shard.config import BuildConfig
            >>> BuildConfig(augment="a.yaml", copies=2, no_original=True).copy_ids
            [1, 2]
        """
        first = 1 if self.no_original else 0
        return list(range(first, self.copies + 1))

    def identity(self) -> dict[str, Any]:
        """The options that decide the bytes written, as a JSON-ready dict (the augment file by its content).

        Example:
            >>> from tempaug.shard.config import BuildConfig
            >>> "workers" in BuildConfig().identity(), BuildConfig().identity()["shard_size"]
            (False, 1000)
        """
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _RUN_ONLY}
        if self.source_kind == "mmnist":
            for name in ("split", "clip_len", "stride", "clips_per_video"):
                out.pop(name)
        else:
            for name in ("train", "val", "test", "digits", "frames", "canvas", "stochastic"):
                out.pop(name)
        out.pop("augment")
        out.pop("synthesize")
        if self.synthesize is None:
            out.pop("synthetic_per_class")  # builds without synthetic clips keep the identity they always had
        else:
            out["synthesize_sha256"] = generator_digest(self.synthesize)
        out["size"] = list(self.size) if isinstance(self.size, tuple) else self.size
        return out
