"""Smoke run of benchmarks/mixing_experiment.py --quick: every setting trains, evaluates and is reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "mixing_experiment.py"


def test_quick_run_reports_every_setting_with_an_accuracy(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    payload = json.loads((tmp_path / "mixing_experiment.json").read_text(encoding="utf-8"))
    rows = {r["setting"]: r for r in payload["rows"]}
    assert set(rows) == {"none", "MixUp", "CutMix", "TemporalCutMix"}
    assert all(len(r["runs"]) == 1 and 0.0 <= r["runs"][0] <= 1.0 for r in rows.values())
    table = (tmp_path / "mixing_experiment.md").read_text(encoding="utf-8")
    assert "| TemporalCutMix |" in table and "--quick" in table
