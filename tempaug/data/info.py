"""What a dataset folder holds, read from its ``index.json`` alone: samples per split and the label set.

Trainers use it to pick the split to evaluate on and to size a classifier's head before reading any clip.

Example:
    >>> from tempaug.data.info import DatasetInfo
    >>> info = DatasetInfo(splits={"train": 8, "test": 2}, classes=None, num_classes=10, source="mmnist")
    >>> info.eval_split(), info.samples("val")
    ('test', 0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..core.errors import InvalidInputError
from ..io.shard_index import read_index

__all__ = ["MOVING_MNIST_CLASSES", "DatasetInfo", "dataset_info"]

#: Moving MNIST clips are labelled by digit (the first digit of a clip is its class).
MOVING_MNIST_CLASSES = 10


@dataclass(frozen=True)
class DatasetInfo:
    """Samples per split, class names (folder sources) and the number of classes (None when the index cannot say).

    Attributes:
        splits: samples written per split, in build order.
        classes: class names of a folder source (index = label), else None.
        num_classes: ``len(classes)``, 10 for Moving MNIST, else None (a manifest's labels are not listed).
        source: the build's source (``"mmnist"``, ``"folder:..."``, ``"manifest:..."``).
        fingerprint: the build's input fingerprint (equal fingerprints, equal inputs).
    """

    splits: dict[str, int]
    classes: list[str] | None
    num_classes: int | None
    source: str = ""
    fingerprint: str = ""

    def samples(self, split: str) -> int:
        """Samples in ``split`` (0 when it has none)."""
        return self.splits.get(split, 0)

    def eval_split(self) -> str:
        """The split evaluated on: ``test`` when the dataset has samples there, else ``val``.

        Raises:
            InvalidInputError: neither split has samples.
        """
        for name in ("test", "val"):
            if self.samples(name):
                return name
        raise InvalidInputError(f"the dataset has no test or val split to evaluate on (splits: {sorted(self.splits)})")


def dataset_info(folder: str | os.PathLike[str]) -> DatasetInfo:
    """Read a dataset folder's :class:`DatasetInfo` from its ``index.json``.

    Raises:
        InvalidInputError: the folder has no readable tempaug index.

    Example:
        >>> import tempfile
        >>> from tempaug.data.info import dataset_info
        >>> dataset_info(tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        tempaug.core.errors.InvalidInputError: ... holds no index.json: not a tempaug shard folder, or one whose build never started
    """
    index = read_index(folder)
    splits: dict[str, int] = {}
    for entry in index.ordered_shards():
        splits[entry.split] = splits.get(entry.split, 0) + entry.samples
    source = str(index.identity.get("source", ""))
    if index.classes:
        num_classes: int | None = len(index.classes)
    elif source == "mmnist":
        num_classes = MOVING_MNIST_CLASSES
    else:
        num_classes = None
    return DatasetInfo(splits, index.classes, num_classes, source, index.fingerprint)
