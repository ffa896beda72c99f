"""Smoke runs of the experiment scripts (--quick): they finish and write tables with every row filled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _quick(script: str, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", "--work", str(tmp_path / "work"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ablation_quick_reports_both_settings_for_both_models(tmp_path: Path) -> None:
    _quick("ablation.py", tmp_path)
    payload = json.loads((tmp_path / "ablation_quick.json").read_text())
    for model, metrics in (("seq2seq", ("mse", "ssim")), ("rcgan", ("frechet", "label_accuracy", "tstr"))):
        for setting in ("none", "temporal"):
            row = payload[model]["results"][setting]
            assert all(row[m]["mean"] >= 0 for m in metrics) and row["clips_per_s"]["mean"] > 0
    text = (tmp_path / "ablation_quick.md").read_text()
    assert "python -m tempaug.train seq2seq" in text and "--augment seq2seq-temporal.yaml" in text


def test_synthetic_experiment_quick_fills_its_three_tables(tmp_path: Path) -> None:
    _quick("synthetic_experiment.py", tmp_path)
    results = json.loads((tmp_path / "synthetic_experiment_quick.json").read_text())["results"]
    assert set(results["tstr"]) == {"real", "generated"}
    assert set(results["real_plus_synthetic"]) == {"real only", "real + Synthesize"}
    assert set(results["transfer"]) == {"from scratch", "from framegan"}
    for row in (*results["tstr"].values(), *results["real_plus_synthetic"].values()):
        assert 0.0 <= row["mean"] <= 1.0
    assert "--init-from framegan" in (tmp_path / "synthetic_experiment_quick.md").read_text()


def test_mixing_experiment_quick_trains_every_setting_through_the_classifier_cli(tmp_path: Path) -> None:
    _quick("mixing_experiment.py", tmp_path)
    payload = json.loads((tmp_path / "mixing_experiment.json").read_text())
    rows = {r["setting"]: r for r in payload["rows"]}
    assert set(rows) == {"none", "MixUp", "CutMix", "TemporalCutMix"}
    assert all(len(r["runs"]) == 1 and 0.0 <= r["runs"][0] <= 1.0 for r in rows.values())
    train = [c for c in payload["commands"] if c.startswith("python -m tempaug.train classifier")]
    assert len(train) == 4 and sum("--batch-augment pipelines/" in c for c in train) == 3
    assert (tmp_path / "work" / "pipelines" / "TemporalCutMix.yaml").is_file()
    assert "python -m tempaug.train classifier" in (tmp_path / "mixing_experiment.md").read_text()
