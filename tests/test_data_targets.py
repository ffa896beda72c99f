"""The loader yields targets: transforms that mix or make clips get the labels, and soft labels reach the consumer."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch
import webdataset as wds

import tempaug
from tempaug.core.errors import InvalidInputError, ShapeError
from tempaug.data import Batch, make_loader
from tempaug.data.batch import stack_labels
from tempaug.io.records import encode_record, make_key
from tempaug.models import RCGAN


def _folder(root: Path, labelled: bool = True, clips: int = 8, classes: int = 3) -> Path:
    name = "train-000000.tar"
    with wds.TarWriter(str(root / name)) as tar:
        for i in range(clips):
            clip = torch.full((4, 1, 16, 16), 20 * i, dtype=torch.uint8)
            meta = {"label": i % classes if labelled else None}
            tar.write({"__key__": make_key("train", i), **encode_record(clip, meta, fmt="npy")})
    data = (root / name).read_bytes()
    entry = {
        "name": name,
        "split": "train",
        "samples": clips,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (root / "index.json").write_text(json.dumps({"complete": True, "shards": [entry]}))
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _folder(tmp_path_factory.mktemp("labelled"))


@pytest.fixture(scope="module")
def gan() -> RCGAN:
    torch.manual_seed(0)
    return RCGAN(num_classes=3, length=4, size=16, z_dim=4, hidden=8, width=4).eval()


@pytest.mark.parametrize(
    "mixer",
    [
        tempaug.MixUp(alpha=0.8, num_classes=3),
        tempaug.Compose([tempaug.HorizontalFlip(p=0.5), tempaug.CutMix(num_classes=3)]),
    ],
    ids=["MixUp", "Compose-CutMix"],
)
def test_a_mixer_batch_transform_yields_soft_labels_that_sum_to_one(folder: Path, mixer: tempaug.Transform) -> None:
    torch.manual_seed(0)
    batches = list(make_loader(folder, batch_size=4, batch_transform=mixer))
    assert len(batches) == 2
    for batch in batches:
        assert batch.clips.shape == (4, 4, 1, 16, 16) and batch.clips.dtype == torch.uint8
        assert batch.labels.shape == (4, 3) and batch.labels.dtype == torch.float32
        assert torch.allclose(batch.labels.sum(1), torch.ones(4)) and len(batch.meta) == 4
    own = torch.tensor([[1.0 if c == i % 3 else 0.0 for c in range(3)] for i in range(4)])
    assert not torch.equal(batches[0].labels, own)  # mixed: some weight moved to the partners' classes


def test_a_batch_transform_without_a_mixer_still_gets_the_bare_clips(folder: Path) -> None:
    seen: list[object] = []

    def spy(clips: torch.Tensor) -> torch.Tensor:
        seen.append(clips)
        return clips

    batch = next(iter(make_loader(folder, batch_size=4, batch_transform=spy)))
    assert isinstance(seen[0], torch.Tensor) and batch.labels.tolist() == [0, 1, 2, 0]
    flip = next(iter(make_loader(folder, batch_size=4, batch_transform=tempaug.HorizontalFlip())))
    assert flip.labels.dtype == torch.int64 and flip.labels.tolist() == [0, 1, 2, 0]


def test_an_appending_synthesize_batch_transform_grows_clips_labels_and_meta(folder: Path, gan: RCGAN) -> None:
    synth = tempaug.Synthesize(gan, p=1.0, mode="append")
    batch = next(iter(make_loader(folder, batch_size=4, batch_transform=synth)))
    assert batch.clips.shape == (8, 4, 1, 16, 16) and batch.labels.tolist() == [0, 1, 2, 0, 0, 1, 2, 0]
    assert [m.get("synthetic", False) for m in batch.meta] == [False] * 4 + [True] * 4


def test_synthesize_then_a_mixer_gives_soft_labels_over_the_grown_batch(folder: Path, gan: RCGAN) -> None:
    aug = tempaug.Compose([tempaug.MixUp(num_classes=3), tempaug.Synthesize(gan, p=0.5, mode="append")])
    batch = next(iter(make_loader(folder, batch_size=4, batch_transform=aug)))
    assert batch.labels.dim() == 2 and batch.labels.shape[0] == batch.clips.shape[0] == len(batch.meta) >= 4
    assert torch.allclose(batch.labels.sum(1), torch.ones(batch.labels.shape[0]))


def test_a_per_clip_synthesize_gets_each_clips_label(folder: Path, gan: RCGAN) -> None:
    synth = tempaug.Synthesize(gan, p=1.0)
    batch = next(iter(make_loader(folder, transform=synth, batch_size=4)))
    assert batch.labels.tolist() == [0, 1, 2, 0]
    plain = next(iter(make_loader(folder, batch_size=4)))
    assert batch.clips.shape == plain.clips.shape and not torch.equal(batch.clips, plain.clips)  # generated


def test_a_mixer_on_unlabelled_clips_is_refused_naming_them(tmp_path: Path) -> None:
    folder = _folder(tmp_path, labelled=False)
    loader = make_loader(folder, batch_size=4, batch_transform=tempaug.MixUp(num_classes=3))
    with pytest.raises(InvalidInputError, match=r"MixUp mixes or makes clips with their labels.*train-00000000"):
        next(iter(loader))


def test_batch_sample_is_the_value_ops_take(folder: Path) -> None:
    batch = next(iter(make_loader(folder, batch_size=4)))
    sample = batch.sample()
    assert isinstance(sample, tempaug.Sample)
    assert sample.video is batch.clips and sample.label is batch.labels
    out = tempaug.TemporalReverse()(sample)
    assert torch.equal(out.video, batch.clips.flip(1)) and torch.equal(out.label, batch.labels)
    assert isinstance(Batch(out.video, out.label, batch.meta).sample(), tempaug.Sample)


def test_stack_labels_keeps_indices_and_stacks_soft_rows() -> None:
    assert stack_labels([1, -1, 0]).dtype == torch.int64
    rows = stack_labels([torch.tensor([0.5, 0.5, 0.0]), 2, torch.tensor(1)])
    assert rows.tolist() == [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    with pytest.raises(ShapeError, match="differ in length"):
        stack_labels([torch.ones(2), torch.ones(3)])
    with pytest.raises(ShapeError, match="class index -1"):
        stack_labels([torch.ones(2) / 2, -1])
