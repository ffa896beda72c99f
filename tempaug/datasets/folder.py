"""Video files listed from a folder tree: one sub-folder per class.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tempaug.datasets.folder import VideoFolder
    >>> root = Path(tempfile.mkdtemp())
    >>> for name in ("dog/b.mp4", "dog/a.npy", "cat/x.mp4", "cat/notes.txt"):
    ...     (root / name).parent.mkdir(exist_ok=True); (root / name).touch()
    >>> ds = VideoFolder(root)
    >>> ds.classes, [(p.name, label) for p, label in ds.items]
    (['cat', 'dog'], [('x.mp4', 0), ('a.npy', 1), ('b.mp4', 1)])
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..core.errors import InvalidArgumentError, InvalidInputError

__all__ = ["VIDEO_EXTENSIONS", "VideoFolder"]

#: File name endings :class:`VideoFolder` lists by default (compared case-insensitively).
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".webm", ".npy")


class VideoFolder:
    """The video files under ``root/<class>/...``, as ``(path, label)`` items in a fixed order.

    Class names are the sub-folders of ``root`` (hidden ones skipped), sorted; a class's index is its position
    in that order. Files are found at any depth inside a class folder, hidden files and folders skipped, and
    listed by class index, then by path relative to the class folder. Nothing is opened: ``ds[i]`` returns
    ``(path, label)``, or ``(loader(path), label)`` when a ``loader`` is given.

    Args:
        root: folder holding one sub-folder per class.
        extensions: file name endings to keep, case-insensitive.
        loader: optional callable turning a path into a clip (for example a video reader).

    Raises:
        InvalidArgumentError: ``root`` is not a folder, or ``extensions`` is empty.
        InvalidInputError: ``root`` holds no class folder, or no matching file.

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from tempaug.datasets.folder import VideoFolder
        >>> from tempaug.io.encode import load_npy, save_npy
        >>> root = Path(tempfile.mkdtemp()); (root / "ball").mkdir()
        >>> _ = save_npy(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), root / "ball" / "0.npy")
        >>> clip, label = VideoFolder(root, loader=load_npy)[0]
        >>> clip.shape, label
        (torch.Size([2, 1, 4, 4]), 0)
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        extensions: Sequence[str] = VIDEO_EXTENSIONS,
        loader: Callable[[Path], Any] | None = None,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise InvalidArgumentError(f"VideoFolder: root {str(self.root)!r} is not a folder", "root")
        if isinstance(extensions, str) or not extensions:
            raise InvalidArgumentError(
                f"VideoFolder: extensions must be a non-empty sequence of endings, got {extensions!r}", "extensions"
            )
        self.extensions = tuple(e.lower() for e in extensions)
        self.loader = loader
        self.classes = sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if not self.classes:
            raise InvalidInputError(f"VideoFolder: {str(self.root)!r} holds no class sub-folder")
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.items: list[tuple[Path, int]] = []
        for label, name in enumerate(self.classes):
            folder = self.root / name
            found = []
            for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for f in filenames:
                    if not f.startswith(".") and f.lower().endswith(self.extensions):
                        found.append(Path(dirpath, f))
            self.items.extend((p, label) for p in sorted(found, key=lambda p: p.relative_to(folder).parts))
        if not self.items:
            raise InvalidInputError(
                f"VideoFolder: no file ending in {self.extensions} under the class folders of {str(self.root)!r}"
            )

    @property
    def labels(self) -> list[int]:
        """The label of every item, in item order.

        Example:
            >>> import tempfile
            >>> from pathlib import Path
            >>> from tempaug.datasets.folder import VideoFolder
            >>> root = Path(tempfile.mkdtemp()); (root / "a").mkdir(); (root / "a" / "v.mp4").touch()
            >>> VideoFolder(root).labels
            [0]
        """
        return [label for _, label in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        path, label = self.items[index]
        return (self.loader(path) if self.loader is not None else path), label

    def __repr__(self) -> str:
        return f"VideoFolder(root={str(self.root)!r}, classes={len(self.classes)}, items={len(self.items)})"
