"""RCGAN scores (probe, Fréchet distance, label accuracy, TSTR), ``python -m tempaug.train eval``, the checks of
data against a checkpoint, TensorBoard logging and step budgets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from tempaug.core.errors import InvalidInputError
from tempaug.data import dataset_info
from tempaug.shard import BuildConfig, build
from tempaug.train.__main__ import main
from tempaug.train.checkpoint import CheckpointError, load_checkpoint
from tempaug.train.config import DEFAULT_WIDTH, TrainConfig, parse_eval_args
from tempaug.train.evaluate import rcgan_gif_rows
from tempaug.train.probe import load_probe, save_probe, train_probe_on
from tempaug.train.run import open_tensorboard


def _build(out: Path, **kw: object) -> Path:
    base = {"train": 16, "val": 0, "test": 8, "frames": 6, "canvas": 28, "digits": 1, "format": "npy"}
    build(BuildConfig(out=str(out), workers=1, quiet=True, **{**base, **kw}))
    return out


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("digits"))


def _gan_args(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "rcgan",
        "--data",
        str(data),
        "--out",
        str(out),
        "--width",
        "4",
        "--batch-size",
        "8",
        "--num-workers",
        "0",
        "--classifier-steps",
        "3",
        "--eval-clips",
        "8",
        "--quiet",
        *extra,
    ]


@pytest.fixture(scope="module")
def gan_run(digits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gan") / "run"
    assert main(_gan_args(digits, out, "--max-steps", "2")) == 0
    return out


def test_an_rcgan_run_ends_with_probe_scores_and_says_they_are_not_fvd(gan_run: Path) -> None:
    record = json.loads((gan_run / "metrics.jsonl").read_text().splitlines()[-1])
    metrics = record["metrics"]
    assert set(metrics) == {"frechet", "frechet_real", "label_accuracy", "real_accuracy", "tstr", "trtr"}
    assert metrics["frechet"] >= 0 and metrics["frechet_real"] >= 0
    for name in ("label_accuracy", "real_accuracy", "tstr", "trtr"):
        assert 0.0 <= metrics[name] <= 1.0
    assert metrics["trtr"] == metrics["real_accuracy"]
    assert "not FVD" in record["note"] and record["probe"]["steps"] == 3 and record["clips"] == 8
    probe = load_probe(gan_run / "classifier.pt")
    assert probe.model.num_classes == 10 and probe.clips == 16
    from PIL import Image

    with Image.open(gan_run / "eval.gif") as gif:  # 10 classes, real beside generated: 10 strips of 2 clips
        assert gif.n_frames >= 2 and gif.size[0] == 2 * 28 + 2
    with Image.open(gan_run / "metrics.png") as png:  # two panels: the distances and the accuracies
        assert png.size == (960, 300)


def test_eval_subcommand_appends_a_record_and_reuses_the_probe(
    gan_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (gan_run / "classifier.pt").stat().st_mtime_ns
    assert main(["eval", str(gan_run), "--eval-clips", "6"]) == 0
    err = capsys.readouterr().err
    assert "training the probe" not in err and "frechet" in err
    record = json.loads((gan_run / "metrics.jsonl").read_text().splitlines()[-1])
    assert record["eval"] is True and record["clips"] == 6 and record["step"] == 2
    assert (gan_run / "classifier.pt").stat().st_mtime_ns == before


def test_a_probe_from_another_dataset_is_refused(gan_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    other = _build(tmp_path / "other", train=12)
    code = main(_gan_args(other, tmp_path / "r", "--max-steps", "1", "--classifier", str(gan_run / "classifier.pt")))
    assert code == 2 and "trained on another dataset" in capsys.readouterr().err


def test_probe_round_trips_and_refuses_a_wrong_label_count(tmp_path: Path) -> None:
    clips, labels = torch.rand(6, 3, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2])
    probe = train_probe_on(clips, labels, num_classes=3, steps=2, fingerprint="abc")
    save_probe(probe, tmp_path / "p.pt")
    again = load_probe(tmp_path / "p.pt", fingerprint="abc", num_classes=3)
    a, b = probe.model.state_dict(), again.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a) and again.steps == 2 and again.clips == 6
    with pytest.raises(InvalidInputError, match="classifies 3 labels, the dataset has 4"):
        load_probe(tmp_path / "p.pt", num_classes=4)
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_probe(tmp_path / "bad.pt")


def test_a_label_count_that_differs_from_the_checkpoint_is_refused_before_training(
    digits: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    assert main(_gan_args(digits, out, "--max-steps", "1", "--num-classes", "12")) == 0
    assert load_checkpoint(out / "last.pt")["extra"]["model_args"]["num_classes"] == 12
    capsys.readouterr()
    assert main(_gan_args(digits, out, "--max-steps", "2", "--resume", str(out))) == 2
    assert "trained with num_classes 12, the data has 10" in capsys.readouterr().err
    assert load_checkpoint(out / "last.pt")["step"] == 1  # nothing trained
    assert main(_gan_args(digits, tmp_path / "r2", "--max-steps", "1", "--num-classes", "5")) == 2
    assert "num_classes is 5" in capsys.readouterr().err


def test_eval_on_clips_of_another_size_is_refused(gan_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bigger = _build(tmp_path / "big", canvas=32)
    assert main(["eval", str(gan_run), "--data", str(bigger)]) == 2
    assert "trained with size 28, the data has 32" in capsys.readouterr().err
    assert main(["eval", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_an_unknown_device_is_refused_before_anything_runs(digits: Path, tmp_path: Path, capsys) -> None:
    assert main(_gan_args(digits, tmp_path / "r", "--device", "tpu")) == 2
    assert "device 'tpu'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_step_budget_runs_as_many_epochs_as_it_needs(digits: Path, tmp_path: Path) -> None:
    # 16 training clips in batches of 8: 2 batches an epoch, so 5 steps take 3 epochs
    assert main(_gan_args(digits, tmp_path / "r", "--max-steps", "5")) == 0
    ckpt = load_checkpoint(tmp_path / "r" / "last.pt")
    assert ckpt["step"] == 5 and ckpt["extra"]["epoch"] == 2


def test_tensorboard_logs_train_and_eval_scalars(digits: Path, tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "r"
    assert main(_gan_args(digits, out, "--max-steps", "2", "--log-every", "1", "--tensorboard")) == 0
    acc = EventAccumulator(str(out / "tensorboard"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"train/d_loss", "train/g_loss", "eval/frechet", "eval/tstr"} <= tags
    assert [e.step for e in acc.Scalars("train/d_loss")] == [1, 2]


def test_tensorboard_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(InvalidInputError, match="pip install tensorboard"):
        open_tensorboard(tmp_path)


def test_width_defaults_per_kind_and_eval_args_override_only_what_is_given() -> None:
    assert [TrainConfig(kind=k).width for k in ("seq2seq", "vae", "rcgan")] == [
        DEFAULT_WIDTH["seq2seq"],
        DEFAULT_WIDTH["vae"],
        DEFAULT_WIDTH["rcgan"],
    ]
    assert TrainConfig(kind="vae", width=8).width == 8
    assert parse_eval_args(["runs/x", "--eval-clips", "5"]).overrides() == {"eval_clips": 5}


def test_dataset_info_counts_splits_and_classes(digits: Path) -> None:
    info = dataset_info(digits)
    assert info.splits == {"train": 16, "test": 8} and info.num_classes == 10 and info.eval_split() == "test"


def test_gif_rows_take_the_first_real_clip_of_each_class_and_leave_missing_classes_blank() -> None:
    real = torch.arange(4.0).view(4, 1, 1, 1, 1).expand(4, 2, 1, 2, 2)
    rows, fake = rcgan_gif_rows(real, torch.tensor([2, 0, 2, 1]), torch.ones(4, 2, 1, 2, 2))
    assert rows[:, 0, 0, 0, 0].tolist() == [1.0, 3.0, 0.0, 0.0]  # class 3 is absent: blank
    assert torch.equal(fake, torch.ones(4, 2, 1, 2, 2))


def test_eval_rebuilds_the_clip_length_the_training_pipeline_gave(digits: Path, tmp_path: Path) -> None:
    import tempaug

    crop = tmp_path / "crop.yaml"
    tempaug.save(tempaug.Compose([tempaug.TemporalCrop(4)]), crop)
    out = tmp_path / "r"
    assert main(_gan_args(digits, out, "--max-steps", "1", "--augment", str(crop))) == 0
    assert load_checkpoint(out / "last.pt")["extra"]["model_args"]["length"] == 4  # 6-frame clips cropped to 4
    assert main(["eval", str(out), "--quiet"]) == 0
    assert json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])["eval"] is True
