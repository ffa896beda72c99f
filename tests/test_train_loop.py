"""The training loop: runs from the CLI, writes its run folder, and resumes to the same weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

import tempaug
from tempaug.core.errors import InvalidInputError, ShapeError
from tempaug.shard import BuildConfig, build
from tempaug.train import run as run_module
from tempaug.train.__main__ import main
from tempaug.train.checkpoint import load_checkpoint
from tempaug.train.config import TrainConfig
from tempaug.train.run import train


class Tiny(nn.Module):
    """A stand-in model with one loss and dropout (so the RNG state matters on resume)."""

    kind = "seq2seq"

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(1, 1)
        self.drop = nn.Dropout(0.5)

    def predict(self, context: torch.Tensor, horizon: int) -> torch.Tensor:
        """Repeat the last context frame (the evaluation's stand-in prediction)."""
        return context[:, -1:].repeat(1, horizon, 1, 1, 1)

    def loss(self, clips: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        pred = self.lin(self.drop(clips.mean(dim=(1, 2, 3, 4)).unsqueeze(-1)))
        loss = ((pred - 0.3) ** 2).mean()
        return loss, {"mse": loss.item()}


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shards")
    build(
        BuildConfig(
            out=str(out),
            train=24,
            val=0,
            test=8,
            frames=6,
            canvas=32,
            format="npy",
            shard_size=6,
            workers=1,
            quiet=True,
        )
    )
    return out


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "build_model", lambda *args, **kwargs: Tiny())


def _cfg(shards: Path, out: Path, **kw: object) -> TrainConfig:
    base = {
        "data": str(shards),
        "out": str(out),
        "batch_size": 4,
        "num_workers": 0,
        "context": 2,
        "horizon": 2,
        "quiet": True,
        "save_every": 2,
        "epochs": 3,
    }
    return TrainConfig(kind="seq2seq", **{**base, **kw})


def test_a_resumed_run_reaches_the_same_weights_as_an_uninterrupted_one(
    shards: Path, tmp_path: Path, tiny: None
) -> None:
    aug = tmp_path / "aug.yaml"
    tempaug.save(tempaug.Compose([tempaug.TemporalReverse(p=0.5), tempaug.ColorJitter(brightness=0.5)]), aug)
    whole = train(_cfg(shards, tmp_path / "whole", max_steps=9, augment=str(aug)))
    train(_cfg(shards, tmp_path / "split", max_steps=4, augment=str(aug)))
    resumed = train(_cfg(shards, tmp_path / "split", max_steps=9, augment=str(aug), resume=str(tmp_path / "split")))
    a = load_checkpoint(tmp_path / "whole" / "last.pt")["model"]
    b = load_checkpoint(tmp_path / "split" / "last.pt")["model"]
    assert whole["step"] == resumed["step"] == 9
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert whole["history"] == resumed["history"]  # 9 steps cross an epoch boundary (6 batches per epoch)


def test_run_folder_holds_config_checkpoint_and_metrics(shards: Path, tmp_path: Path, tiny: None) -> None:
    train(_cfg(shards, tmp_path / "run", max_steps=3))
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    assert cfg["kind"] == "seq2seq" and cfg["max_steps"] == 3
    ckpt = load_checkpoint(tmp_path / "run" / "last.pt", kind="seq2seq")
    assert ckpt["step"] == 3 and len(ckpt["extra"]["history"]["loss"]) == 3
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["step"] == 3 and record["clips"] == 8  # the whole test split
    assert set(record["metrics"]) == {"mse", "mae", "psnr", "ssim"}
    assert len(record["metrics"]["mse"]["per_step"]) == 2 and record["metrics"]["mse"]["mean"] > 0
    from PIL import Image

    with Image.open(tmp_path / "run" / "eval.gif") as gif, Image.open(tmp_path / "run" / "loss.png") as png:
        assert gif.n_frames >= 2 and png.size[0] > 100
    with Image.open(tmp_path / "run" / "metrics.png") as png:  # mse, mae, psnr, ssim per predicted frame: 2x2
        assert png.size == (960, 600)
    with pytest.raises(InvalidInputError, match="already holds a run"):
        train(_cfg(shards, tmp_path / "run", max_steps=3))


def test_clips_shorter_than_the_model_needs_are_refused_before_training(shards: Path, tmp_path: Path) -> None:
    with pytest.raises(ShapeError, match="the clips have 6 frames, the model needs 20"):
        train(_cfg(shards, tmp_path / "r", context=10, horizon=10))
    assert not (tmp_path / "r" / "last.pt").exists()


def test_cli_reports_bad_input_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["seq2seq", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    assert "index.json" in capsys.readouterr().err
    assert main(["vae", "--augment", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "r2"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_torchrun_trains_on_two_cpu_processes_with_equal_weights(shards: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(__file__).parent / "ddp_tiny_run.py"
    out = tmp_path / "ddp"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-port",
            "29533",
            str(script),
            str(shards),
            str(out),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    ranks = [json.loads((tmp_path / f"ddp.rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["ranks"] for r in ranks] == [2, 2] and [r["steps"] for r in ranks] == [3, 3]
    assert ranks[0]["weight"] == ranks[1]["weight"]  # gradients were averaged: the replicas never drift apart
    assert (out / "last.pt").exists()


@pytest.mark.parametrize("kind", ["seq2seq", "vae", "rcgan"])
def test_cli_trains_a_real_model_for_a_few_steps_and_resumes(shards: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / kind
    args = [
        kind,
        "--data",
        str(shards),
        "--out",
        str(out),
        "--context",
        "2",
        "--horizon",
        "2",
        "--width",
        "8",
        "--batch-size",
        "4",
        "--num-workers",
        "0",
        "--quiet",
    ]
    assert main([*args, "--max-steps", "2"]) == 0
    assert main([*args, "--max-steps", "4", "--resume", str(out)]) == 0
    ckpt = load_checkpoint(out / "last.pt", kind=kind)
    history = ckpt["extra"]["history"]
    assert ckpt["step"] == 4 and history and all(len(v) == 4 for v in history.values())
    assert all(torch.isfinite(torch.tensor([x[1] for x in v])).all() for v in history.values())
