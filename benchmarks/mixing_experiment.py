"""Does mixing help? A small video classifier on a few hundred Moving MNIST clips, with and without mixing.

Each clip holds one real MNIST digit bouncing in a 36x36 canvas for 8 frames; the label is the digit. Test clips
use the held-out MNIST test digits, never seen in training. The clips are written once with
``python -m tempaug.shard build``; then, for each setting (no mixing, MixUp, CutMix, TemporalCutMix) and each seed,
``python -m tempaug.train classifier`` trains a fresh :class:`tempaug.models.VideoClassifier` for the same number
of steps on the same clips, the mixer saved as a pipeline file and given as ``--batch-augment``. The script reads
each run's test accuracy from its ``metrics.jsonl`` and reports mean ± std over seeds, and the per-seed values.

    python benchmarks/mixing_experiment.py                 # 600 train clips, 3 seeds, ~10 minutes on 2 cores
    python benchmarks/mixing_experiment.py --quick         # smoke run

Results: benchmarks/results/mixing_experiment.{json,md}; the runs in --work (default runs/mixing).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from _harness import run_logged, shown_command

import tempaug

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("none", "MixUp", "CutMix", "TemporalCutMix")


def make_mixer(name: str, num_classes: int) -> tempaug.Transform | None:
    """The mixer of a setting (timm's usual strengths: MixUp alpha 0.8, CutMix alpha 1.0)."""
    if name == "none":
        return None
    if name == "MixUp":
        return tempaug.MixUp(alpha=0.8, num_classes=num_classes)
    if name == "CutMix":
        return tempaug.CutMix(alpha=1.0, num_classes=num_classes)
    return tempaug.TemporalCutMix(alpha=1.0, num_classes=num_classes)


def pipeline_file(name: str, folder: Path) -> Path | None:
    """The setting's mixer saved as ``<folder>/<name>.yaml`` (None for no mixing)."""
    mixer = make_mixer(name, 10)
    if mixer is None:
        return None
    path = folder / f"{name}.yaml"
    tempaug.save(mixer, path)
    return path


def accuracy_of(run: Path) -> float:
    """The test accuracy in the last record of a run's metrics.jsonl."""
    record = json.loads((run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    return float(record["metrics"]["accuracy"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=600, help="training clips (default 600)")
    p.add_argument("--test", type=int, default=1000, help="held-out clips (default 1000)")
    p.add_argument("--steps", type=int, default=2000, help="optimiser steps per run (default 2000)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--size", type=int, default=36)
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke run")
    p.add_argument(
        "--work", default=None, help="data and run folders (default runs/mixing; a temporary one with --quick)"
    )
    p.add_argument("--out", default=str(Path(__file__).parent / "results"), help="results folder")
    args = p.parse_args(argv)
    if args.quick:
        args.train, args.test, args.steps, args.seeds = 64, 64, 4, 1
    with tempfile.TemporaryDirectory() as scratch:
        default = Path(scratch) if args.quick else ROOT / "runs" / "mixing"
        return run(args, Path(args.work).resolve() if args.work else default, argv)


def run(args: argparse.Namespace, work: Path, argv: list[str] | None) -> int:
    """Build the clips, train every setting and seed, and write the tables."""
    work.mkdir(parents=True, exist_ok=True)
    log, py = work / "mixing.log", sys.executable
    start = time.perf_counter()
    data = work / f"data-{args.train}-{args.test}-{args.frames}-{args.size}"
    build = [py, "-m", "tempaug.shard", "build", "--out", str(data), "--train", str(args.train), "--val", "0"]
    build += ["--test", str(args.test), "--frames", str(args.frames), "--canvas", str(args.size), "--digits", "1"]
    build += ["--format", "npy", "--workers", "1", "--quiet"]
    if not (data / "index.json").is_file():
        run_logged(build, log, ROOT)
    commands = [build]
    pipelines = work / "pipelines"
    pipelines.mkdir(exist_ok=True)
    results: dict[str, list[float]] = {}
    for setting in SETTINGS:
        pipeline = pipeline_file(setting, pipelines)
        results[setting] = []
        for seed in range(args.seeds):
            out = work / f"{setting}-s{seed}-{args.steps}"
            cmd = [py, "-m", "tempaug.train", "classifier", "--data", str(data), "--out", str(out)]
            cmd += ["--max-steps", str(args.steps), "--batch-size", str(args.batch), "--lr", "3e-3"]
            cmd += ["--weight-decay", "1e-4", "--width", "8", "--seed", str(seed), "--eval-clips", str(args.test)]
            cmd += ["--num-workers", "0", "--shuffle", str(args.train), "--save-every", str(args.steps), "--quiet"]
            if pipeline is not None:
                cmd += ["--batch-augment", str(pipeline)]
            t0 = time.perf_counter()
            if not (out / "metrics.jsonl").is_file():
                run_logged(cmd, log, ROOT)
            commands.append(cmd)
            acc = accuracy_of(out)
            results[setting].append(acc)
            print(f"{setting:15s} seed {seed}: held-out accuracy {acc:.3f} ({time.perf_counter() - t0:.0f} s)")
    rows = []
    for setting, accs in results.items():
        mean = statistics.mean(accs)
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        rows.append({"setting": setting, "mean": mean, "std": std, "runs": accs})
    command = "python benchmarks/mixing_experiment.py " + " ".join(argv if argv is not None else sys.argv[1:])
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {
        "command": command.strip(),
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch "
        f"{torch.__version__}",
        "train_clips": args.train,
        "test_clips": args.test,
        "steps": args.steps,
        "batch": args.batch,
        "seeds": args.seeds,
        "seconds": round(time.perf_counter() - start, 1),
        "rows": rows,
        "commands": [shown_command(c, work) for c in commands],
    }
    (out_dir / "mixing_experiment.json").write_text(json.dumps(info, indent=1) + "\n")
    lines = [
        "| mixing | held-out accuracy (mean ± std) | runs |",
        "|---|---|---|",
        *[
            f"| {r['setting']} | {100 * r['mean']:.1f}% ± {100 * r['std']:.1f} | "
            + ", ".join(f"{100 * a:.1f}" for a in r["runs"])
            + " |"
            for r in rows
        ],
    ]
    text = "\n".join(lines)
    shown = "\n".join([*info["commands"][:2], "..."] if len(info["commands"]) > 2 else info["commands"])
    (out_dir / "mixing_experiment.md").write_text(
        f"# Mixing on Moving MNIST\n\n`{info['command']}` ({info['machine']}, {info['seconds']} s)\n\n{text}\n\n"
        f"Every run is a `python -m tempaug.train classifier` command (the mixer's pipeline file as "
        f"`--batch-augment`; per-run commands in the .json):\n\n```\n{shown}\n```\n"
    )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
