"""The habits hold: ruff's lint and format checks and mypy pass on tempaug/ (rules in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing_to_lint_or_format() -> None:
    lint = _run(sys.executable, "-m", "ruff", "check", "tempaug")
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = _run(sys.executable, "-m", "ruff", "format", "--check", "tempaug")
    assert fmt.returncode == 0, fmt.stdout[-3000:]


def test_mypy_finds_no_type_errors() -> None:
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, done.stdout[-3000:]
