"""``python -m tempaug.train classifier`` and ``--batch-augment`` pipelines that mix or make clips with labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import tempaug
from tempaug import models
from tempaug.models import VideoClassifier
from tempaug.shard import BuildConfig, build
from tempaug.train.__main__ import main
from tempaug.train.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("digits")
    base = {"train": 16, "val": 0, "test": 8, "frames": 6, "canvas": 28, "digits": 1, "format": "npy"}
    build(BuildConfig(out=str(out), workers=1, quiet=True, **base))
    return out


@pytest.fixture(scope="module")
def mixing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pipelines") / "mix.yaml"
    tempaug.save(tempaug.Compose([tempaug.HorizontalFlip(p=0.5), tempaug.MixUp(num_classes=10)]), path)
    return path


@pytest.fixture(scope="module")
def synthesizing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline file with Synthesize, over a tiny RCGAN checkpoint written by hand."""
    root = tmp_path_factory.mktemp("gan")
    torch.manual_seed(0)
    gan = models.build("rcgan", channels=1, size=16, length=4, num_classes=10, width=4)
    shape = {"channels": 1, "size": 16, "length": 4, "num_classes": 10}
    torch.save(
        {
            "version": models.CHECKPOINT_VERSION,
            "kind": "rcgan",
            "model": gan.state_dict(),
            "config": {"kind": "rcgan", "width": 4},
            "extra": {"model_args": shape},
        },
        root / "last.pt",
    )
    path = root / "synth.json"
    tempaug.save(tempaug.Compose([tempaug.Synthesize(str(root / "last.pt"), p=0.5, mode="append")]), path)
    return path


def _args(kind: str, data: Path, out: Path, *extra: str) -> list[str]:
    return [
        kind,
        "--data",
        str(data),
        "--out",
        str(out),
        "--width",
        "4",
        "--batch-size",
        "4",
        "--num-workers",
        "0",
        "--eval-clips",
        "8",
        "--context",
        "2",
        "--horizon",
        "2",
        "--quiet",
        *extra,
    ]


def _last(out: Path) -> dict:
    return json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])


def test_classifier_trains_on_mixed_batches_resumes_and_evaluates(digits: Path, mixing: Path, tmp_path: Path) -> None:
    out = tmp_path / "clf"
    args = _args("classifier", digits, out, "--batch-augment", str(mixing))
    assert main([*args, "--max-steps", "2"]) == 0
    record = _last(out)
    assert set(record["metrics"]) == {"accuracy", "balanced_accuracy"} and 0 <= record["metrics"]["accuracy"] <= 1
    confusion = torch.tensor(record["confusion"])
    assert confusion.shape == (10, 10) and int(confusion.sum()) == record["clips"] == 8
    assert record["metrics"]["accuracy"] == pytest.approx(int(confusion.trace()) / 8, abs=1e-6)
    for name in ("confusion.png", "loss.png", "metrics.png", "config.json", "last.pt"):
        assert (out / name).is_file(), name

    assert main([*args, "--max-steps", "4", "--resume", str(out)]) == 0
    ckpt = load_checkpoint(out / "last.pt", kind="classifier")
    assert ckpt["step"] == 4 and len(ckpt["extra"]["history"]["loss"]) == 4
    assert ckpt["extra"]["model_args"]["num_classes"] == 10

    assert main(["eval", str(out), "--eval-clips", "6"]) == 0
    again = _last(out)
    assert again["eval"] is True and again["step"] == 4 and sum(map(sum, again["confusion"])) == 6
    assert isinstance(models.load(out, kind="classifier"), VideoClassifier)


def test_classifier_trains_with_synthesize_appending_generated_clips(
    digits: Path, synthesizing: Path, tmp_path: Path
) -> None:
    out = tmp_path / "synth"
    assert main([*_args("classifier", digits, out, "--batch-augment", str(synthesizing)), "--max-steps", "2"]) == 0
    assert load_checkpoint(out / "last.pt")["step"] == 2 and (out / "confusion.png").is_file()


def test_seq2seq_runs_a_mixer_pipeline_and_ignores_the_soft_labels(digits: Path, mixing: Path, tmp_path: Path) -> None:
    out = tmp_path / "s2s"
    assert main([*_args("seq2seq", digits, out, "--batch-augment", str(mixing)), "--max-steps", "2"]) == 0
    assert "mse" in _last(out)["metrics"]


def test_rcgan_refuses_a_mixer_pipeline_before_making_the_run_folder(
    digits: Path, mixing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gan"
    code = main([*_args("rcgan", digits, out, "--batch-augment", str(mixing)), "--max-steps", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "makes soft labels" in err and "conditioned on one class per clip" in err
    assert not out.exists()


def test_a_mixer_over_another_number_of_classes_is_refused(
    digits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "five.json"
    tempaug.save(tempaug.CutMix(num_classes=5), path)
    out = tmp_path / "clf"
    code = main([*_args("classifier", digits, out, "--batch-augment", str(path)), "--max-steps", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "does not run on the training clips" in err and "outside [0, 5)" in err
    assert not out.exists()


def test_the_classifier_loss_takes_hard_labels_and_soft_rows_alike() -> None:
    torch.manual_seed(0)
    model = VideoClassifier(4, width=4).eval()
    clips, labels = torch.rand(3, 4, 1, 8, 8), torch.tensor([0, 3, 1])
    hard, terms = model.loss(clips, labels)
    soft, _ = model.loss(clips, torch.nn.functional.one_hot(labels, 4).float())
    assert torch.isclose(hard, soft) and 0.0 <= terms["accuracy"] <= 1.0
    mixed, _ = model.loss(clips, torch.full((3, 4), 0.25))
    mixed.backward()
    assert all(p.grad is not None for p in model.head.parameters())
    with pytest.raises(tempaug.ShapeError, match=r"class indices \(3,\) or soft rows \(3, 4\)"):
        model.loss(clips, torch.zeros(3, 5))
