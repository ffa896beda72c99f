"""Smoke run of benchmarks/bench_shard.py --quick: it finishes and reports both comparisons with positive figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_shard.py"


def test_quick_run_reports_build_and_read_comparisons(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    payload = json.loads((tmp_path / "bench_shard_quick.json").read_text(encoding="utf-8"))
    builds = {(r["case"], r["workers"]): r for r in payload["build_ratios"]}
    assert {("folder", 1), ("folder", 2)} <= set(builds)
    for row in builds.values():
        assert row["tempaug_samples_per_s"] > 0 and row["plain_samples_per_s"] > 0
        assert row["tempaug_over_plain"] > 0
    assert all(payload["records_identical"].values())
    read = payload["read_ratio"]
    assert read["tempaug_clips_per_s"] > 0 and read["loose_clips_per_s"] > 0 and read["tempaug_over_loose"] > 0
    assert (tmp_path / "bench_shard_quick.md").read_text(encoding="utf-8").startswith("# ")
