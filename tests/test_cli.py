"""End-to-end: the README's quickstart commands and the demo CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import torch
from PIL import Image

import tempaug

ROOT = Path(__file__).resolve().parents[1]


def _quickstart() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README has no bash quickstart block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _quickstart()
    assert len(commands) == 2
    assert "python -m tempaug.shard build" in commands[0]
    assert "pytest" in commands[1]
    assert all("torch==2.13.0" in c for c in commands), "torch must be pinned to the CPU build"
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_demo_cli_writes_a_gif_with_one_frame_per_output_frame(tmp_path: Path) -> None:
    out = tmp_path / "demo.gif"
    pipeline = tmp_path / "mix.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tempaug.demo",
            "--out",
            str(out),
            "--frames",
            "10",
            "--size",
            "24",
            "--save-pipeline",
            str(pipeline),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "9 augmentations" in result.stdout
    with Image.open(out) as gif:
        assert gif.n_frames == 10
        assert gif.size[0] > 10 * 24
    loaded = tempaug.load(pipeline)
    assert isinstance(loaded, tempaug.Compose) and len(loaded.transforms) == 2


def test_demo_cli_rejects_a_clip_too_small_to_show(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tempaug.demo", "--out", str(tmp_path / "x.gif"), "--frames", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--frames" in result.stderr
    assert not (tmp_path / "x.gif").exists()


def test_clip_grid_holds_the_last_frame_of_shorter_clips() -> None:
    from tempaug.io.preview import clip_grid

    short = torch.zeros(2, 1, 4, 4, dtype=torch.uint8)
    short[1] = 200
    grid = clip_grid([torch.zeros(5, 1, 4, 4, dtype=torch.uint8), short])
    assert grid.shape == (5, 3, 4, 10)
    assert bool((grid[2:, :, :, 6:] == 200).all())
