"""The probe classifier behind the RCGAN's scores: a small :class:`VideoClassifier` trained on the real clips.

Its pooled features are the space of the Fréchet distance between real and generated clips, its predictions give
the label accuracy of generated clips. It is trained from seed 0 on the first ``clips`` training clips for
``steps`` steps, so every run on the same dataset with the same probe settings gets the same probe on the CPU and
their distances can be compared. A probe is saved as ``classifier.pt`` in the run folder and can be reused by
later runs (``--classifier``); it records the dataset fingerprint and refuses another dataset.

This distance is **not FVD**: FVD uses an I3D network trained on Kinetics; this probe is trained on the dataset at
hand, so its numbers compare runs on that dataset and nothing else (in particular not published FVD figures).

Example:
    >>> import torch
    >>> from tempaug.train.probe import Probe, train_probe_on
    >>> clips, labels = torch.rand(8, 4, 1, 16, 16), torch.arange(8) % 2
    >>> probe = train_probe_on(clips, labels, num_classes=2, steps=2, fingerprint="f")
    >>> probe.model.num_classes, probe.steps
    (2, 2)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..core.errors import InvalidInputError
from ..data import make_loader
from ..models.checkpoint import CheckpointError, read_torch
from ..models.classifier import VideoClassifier
from .checkpoint import write_atomic_torch
from .metrics import fit_classifier
from .model_data import labels_for

__all__ = ["PROBE_NAME", "PROBE_SIZE", "Probe", "load_probe", "read_clips", "save_probe", "train_probe_on"]

#: File name of a run's probe.
PROBE_NAME = "classifier.pt"
#: Frames larger than this are area-resized to it inside the probe (a 64x64 clip costs what a 32x32 one does).
PROBE_SIZE = 32
#: Probe width.
PROBE_WIDTH = 16


@dataclass
class Probe:
    """A trained probe, the dataset it was trained on, and how.

    Attributes:
        model: the classifier, in eval mode.
        fingerprint: the dataset's input fingerprint (``index.json``).
        steps: Adam steps it was trained for.
        clips: training clips it saw.
    """

    model: VideoClassifier
    fingerprint: str
    steps: int
    clips: int = 0

    def describe(self) -> dict[str, Any]:
        """What the metrics record says about the probe."""
        return {
            "network": f"VideoClassifier(width={self.model.width}, input_size={self.model.input_size})",
            "steps": self.steps,
            "clips": self.clips,
        }


def read_clips(data: str, split: str, limit: int, batch_size: int = 64) -> tuple[Tensor, Tensor]:
    """The first ``limit`` clips of ``split`` in shard order (no shuffling), as stored, and their class labels.

    Moving MNIST clips are labelled by their first digit (:func:`tempaug.train.model_data.labels_for`).
    """
    loader = make_loader(data, split=split, batch_size=min(batch_size, limit), num_workers=0, seed=0)
    clips, labels, count = [], [], 0
    for batch in loader:
        clips.append(batch.clips)
        labels.append(labels_for(batch.labels, batch.meta))
        count += len(batch.clips)
        if count >= limit:
            break
    return torch.cat(clips)[:limit], torch.cat(labels)[:limit]


def train_probe_on(
    clips: Tensor, labels: Tensor, num_classes: int, steps: int, fingerprint: str, seed: int = 0
) -> Probe:
    """Train a probe on labelled clips (float in [0, 1] or uint8), from ``seed`` alone."""
    size = PROBE_SIZE if min(clips.shape[-2:]) > PROBE_SIZE else None
    model = fit_classifier(
        clips, labels, num_classes, steps=steps, seed=seed, width=PROBE_WIDTH, input_size=size, batch_size=32
    )
    return Probe(model, fingerprint, steps, int(clips.shape[0]))


def save_probe(probe: Probe, path: str | os.PathLike[str]) -> Path:
    """Write the probe atomically (weights and plain data only)."""
    m = probe.model
    payload = {
        "format": "tempaug.probe",
        "state": m.state_dict(),
        "args": {
            "num_classes": m.num_classes,
            "in_channels": m.in_channels,
            "width": m.width,
            "input_size": m.input_size,
        },
        "fingerprint": probe.fingerprint,
        "steps": probe.steps,
        "clips": probe.clips,
    }
    return write_atomic_torch(payload, Path(path))


def load_probe(path: str | os.PathLike[str], fingerprint: str | None = None, num_classes: int | None = None) -> Probe:
    """Read a probe :func:`save_probe` wrote; refuse one trained on another dataset or with another label count.

    Raises:
        CheckpointError: not a probe file, or a corrupt one.
        InvalidInputError: the probe was trained on another dataset or for another number of classes.
    """
    target = Path(path)
    if target.is_dir():
        target = target / PROBE_NAME
    if not target.is_file():
        raise InvalidInputError(f"classifier {str(target)!r} does not exist (give an RCGAN run's {PROBE_NAME})")
    payload = read_torch(target)
    if not isinstance(payload, dict) or payload.get("format") != "tempaug.probe":
        raise CheckpointError(f"{target}: not a tempaug probe classifier")
    if fingerprint is not None and payload["fingerprint"] != fingerprint:
        raise InvalidInputError(
            f"{target} was trained on another dataset (fingerprint {payload['fingerprint'][:12]}, this dataset "
            f"{fingerprint[:12]}): its distances would not compare; train a new one (drop --classifier)"
        )
    args = payload["args"]
    if num_classes is not None and args["num_classes"] != num_classes:
        raise InvalidInputError(f"{target} classifies {args['num_classes']} labels, the dataset has {num_classes}")
    model = VideoClassifier(**args)
    model.load_state_dict(payload["state"])
    return Probe(model.eval(), payload["fingerprint"], int(payload["steps"]), int(payload["clips"]))
