"""Does mixing help? A small video classifier on a few hundred Moving MNIST clips, with and without mixing.

Each clip holds one real MNIST digit bouncing in a 36x36 canvas for 8 frames; the label is the digit. Test clips
use the 1,000 held-out test digits, never seen in training. For each setting (no mixing, MixUp, CutMix,
TemporalCutMix) and each seed, a fresh :class:`tempaug.models.VideoClassifier` trains for the same number of steps
on the same clips, and the script reports held-out accuracy, mean ± std over seeds.

    python benchmarks/mixing_experiment.py                 # 600 train clips, 3 seeds, ~7 minutes on 2 cores
    python benchmarks/mixing_experiment.py --quick         # smoke run

Results: benchmarks/results/mixing_experiment.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

import tempaug
from tempaug.datasets.moving_mnist import MovingMNIST
from tempaug.models import VideoClassifier

SETTINGS = ("none", "MixUp", "CutMix", "TemporalCutMix")


def make_mixer(name: str, num_classes: int) -> object | None:
    """The mixer of a setting (timm's usual strengths: MixUp alpha 0.8, CutMix alpha 1.0)."""
    if name == "none":
        return None
    if name == "MixUp":
        return tempaug.MixUp(alpha=0.8, num_classes=num_classes)
    if name == "CutMix":
        return tempaug.CutMix(alpha=1.0, num_classes=num_classes)
    return tempaug.TemporalCutMix(alpha=1.0, num_classes=num_classes)


def clips_of(split: str, count: int, frames: int, size: int) -> tuple[Tensor, Tensor]:
    """uint8 (N,T,1,H,W) clips and int64 (N,) digit labels."""
    ds = MovingMNIST(num_digits=1, size=size, length=frames, split=split, num_samples=count, seed=0)
    items = [ds[i] for i in range(count)]
    return torch.stack([c for c, _ in items]), torch.cat([y for _, y in items])


def train_once(
    setting: str, seed: int, train: tuple[Tensor, Tensor], test: tuple[Tensor, Tensor], steps: int, batch: int
) -> float:
    """Train a fresh classifier for ``steps`` steps and return its held-out accuracy."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = VideoClassifier(num_classes=10, in_channels=1, width=8)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    mixer = make_mixer(setting, 10)
    clips, labels = train
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(clips), (batch,), generator=gen)
        x, y = clips[idx].float() / 255, labels[idx]
        if mixer is None:
            target = F.one_hot(y, 10).float()
        else:
            out = mixer(tempaug.Sample(video=x, label=y), generator=gen)
            x, target = out.video, out.label
        loss = -(target * F.log_softmax(model(x), dim=1)).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(test[0]), 100):
            x = test[0][start : start + 100].float() / 255
            correct += int((model(x).argmax(1) == test[1][start : start + 100]).sum())
    return correct / len(test[0])


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
    p.add_argument("--out", default=str(Path(__file__).parent / "results"), help="results folder")
    args = p.parse_args(argv)
    if args.quick:
        args.train, args.test, args.steps, args.seeds = 64, 64, 4, 1
    torch.set_num_threads(2)
    train = clips_of("train", args.train, args.frames, args.size)
    test = clips_of("test", args.test, args.frames, args.size)
    results: dict[str, list[float]] = {}
    start = time.perf_counter()
    for setting in SETTINGS:
        results[setting] = []
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            acc = train_once(setting, seed, train, test, args.steps, args.batch)
            results[setting].append(acc)
            print(f"{setting:15s} seed {seed}: held-out accuracy {acc:.3f} ({time.perf_counter() - t0:.0f} s)")
    rows = []
    for setting, accs in results.items():
        mean = statistics.mean(accs)
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        rows.append({"setting": setting, "mean": mean, "std": std, "runs": accs})
    command = "python benchmarks/mixing_experiment.py " + " ".join(argv if argv is not None else sys.argv[1:])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    info = {
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
    }
    (out / "mixing_experiment.json").write_text(json.dumps(info, indent=1) + "\n")
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
    (out / "mixing_experiment.md").write_text(
        f"# Mixing on Moving MNIST\n\n`{info['command']}` ({info['machine']}, {info['seconds']} s)\n\n{text}\n"
    )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
