"""Does the RCGAN's synthetic data help? Three experiments on one-digit Moving MNIST (32x32, 10 frames).

1. TSTR: a small video classifier trained on generated clips only vs on as many real clips, tested on the real
   test split.
2. Real + synthetic: a classifier trained on few real clips (10 per class) without and with ``Synthesize``
   (``mode="append"``: every real clip of a batch brings a generated clip of its class), tested on the real test
   split.
3. Transfer: the RCGAN's Fréchet distance (probe features, not FVD) after a fixed step budget, from scratch vs
   initialised from an image GAN trained on single frames (``--init-from``).

Experiments 1 and 2 use one RCGAN (trained once, seed 0) and vary the classifier's seed; experiment 3 trains the
RCGAN with each seed. Every GAN is a ``python -m tempaug.train`` command, written beside the tables.

    python benchmarks/synthetic_experiment.py            # about 35 minutes on 2 cores
    python benchmarks/synthetic_experiment.py --quick    # smoke run

Results: benchmarks/results/synthetic_experiment.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from _harness import mean_std, run_logged, shown_command
from torch import Tensor

import tempaug
from tempaug.models import VideoClassifier
from tempaug.train.metrics import classifier_accuracy, fit_classifier
from tempaug.train.probe import read_clips

ROOT = Path(__file__).resolve().parent.parent


def cell(r: dict[str, Any], digits: int = 3) -> str:
    """``mean ± std``."""
    return f"{r['mean']:.{digits}f} ± {r['std']:.{digits}f}"


def last_record(out: Path) -> dict[str, Any]:
    """The last line of a run's metrics.jsonl."""
    return json.loads((out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()[-1])


def train_with_synthesize(
    clips: Tensor, labels: Tensor, synth: Any, steps: int, seed: int, batch: int = 32
) -> VideoClassifier:
    """The classifier of :func:`fit_classifier`, trained on batches of real clips that ``synth`` may extend."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = VideoClassifier(10, in_channels=clips.shape[2], width=16)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(steps):
        idx = torch.randperm(len(clips), generator=gen)[:batch]
        x, y = clips[idx], labels[idx]
        if synth is not None:
            out = synth(tempaug.Sample(video=x, label=y), generator=gen)
            x, y = out.video, out.label
        loss = F.cross_entropy(model(x.float() / 255), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny data and a few steps")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--work", default=str(ROOT / "runs" / "synthetic"), help="data and run folders")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="where the tables go")
    args = parser.parse_args()
    work, out = Path(args.work).resolve(), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    log = work / "synthetic.log"
    py = sys.executable
    if args.quick:
        n_train, n_test, gan_steps, frame_steps, transfer_steps, clf_steps, few = 40, 20, 3, 3, 2, 3, 2
        seeds, extra = args.seeds[:1], ["--num-workers", "0", "--eval-clips", "20", "--classifier-steps", "5"]
    else:
        n_train, n_test, gan_steps, frame_steps, transfer_steps, clf_steps, few = 2000, 1000, 1500, 1000, 300, 300, 10
        seeds, extra = args.seeds, ["--eval-clips", "500", "--classifier-steps", "300"]
    started = time.perf_counter()
    data = work / "data"
    build = [py, "-m", "tempaug.shard", "build", "--out", str(data), "--train", str(n_train), "--val", "0"]
    build += ["--test", str(n_test), "--frames", "10", "--canvas", "32", "--digits", "1", "--format", "npy", "--quiet"]
    if not (data / "index.json").is_file():
        run_logged(build, log, ROOT)
    commands = [build]

    # the RCGAN of experiments 1 and 2
    gan = work / "rcgan-s0"
    gan_cmd = [py, "-m", "tempaug.train", "rcgan", "--data", str(data), "--out", str(gan), "--quiet"]
    gan_cmd += ["--max-steps", str(gan_steps), "--seed", "0", *extra]
    if not (gan / "metrics.jsonl").is_file():
        run_logged(gan_cmd, log, ROOT)
    commands.append(gan_cmd)
    probe = gan / "classifier.pt"

    real_x, real_y = read_clips(str(data), "train", n_train)
    test_x, test_y = read_clips(str(data), "test", n_test)
    synth = tempaug.Synthesize(str(gan), p=1.0)
    like = real_x[:1]
    fake_y = torch.arange(10).repeat_interleave(len(real_x) // 10)
    fake_seeds = torch.arange(len(fake_y)) + 10_000
    fake_x = torch.cat(
        [synth.generate(fake_y[i : i + 100], fake_seeds[i : i + 100], like) for i in range(0, len(fake_y), 100)]
    )

    tstr = {"real": [], "generated": []}
    for seed in seeds:
        for name, (x, y) in (("real", (real_x[: len(fake_y)], real_y[: len(fake_y)])), ("generated", (fake_x, fake_y))):
            model = fit_classifier(x, y, 10, steps=clf_steps, seed=seed)
            tstr[name].append(classifier_accuracy(model, test_x, test_y))

    few_idx = torch.cat([(real_y == c).nonzero().squeeze(1)[:few] for c in range(10)])
    few_x, few_y = real_x[few_idx], real_y[few_idx]
    mixed = {"real only": [], "real + Synthesize": []}
    appending = tempaug.Synthesize(str(gan), p=1.0, mode="append")
    for seed in seeds:
        for name, aug in (("real only", None), ("real + Synthesize", appending)):
            model = train_with_synthesize(few_x, few_y, aug, clf_steps, seed, batch=min(32, len(few_x)))
            mixed[name].append(classifier_accuracy(model, test_x, test_y))

    # transfer
    frame = work / "framegan"
    frame_cmd = [py, "-m", "tempaug.train", "framegan", "--data", str(data), "--out", str(frame), "--quiet"]
    frame_cmd += ["--max-steps", str(frame_steps), "--seed", "0", *extra]
    if not (frame / "last.pt").is_file():
        run_logged(frame_cmd, log, ROOT)
    commands.append(frame_cmd)
    transfer: dict[str, list[dict[str, float]]] = {"from scratch": [], "from framegan": []}
    for name in transfer:
        for seed in seeds:
            run_dir = work / f"transfer-{'scratch' if name == 'from scratch' else 'init'}-s{seed}"
            cmd = [py, "-m", "tempaug.train", "rcgan", "--data", str(data), "--out", str(run_dir), "--quiet"]
            cmd += ["--max-steps", str(transfer_steps), "--seed", str(seed), "--classifier", str(probe), *extra]
            if name == "from framegan":
                cmd += ["--init-from", str(frame)]
            if not (run_dir / "metrics.jsonl").is_file():
                run_logged(cmd, log, ROOT)
            commands.append(cmd)
            transfer[name].append(last_record(run_dir)["metrics"])

    seconds = time.perf_counter() - started
    gan_metrics = last_record(gan)["metrics"]
    results = {
        "tstr": {k: mean_std(v) for k, v in tstr.items()},
        "real_plus_synthetic": {k: mean_std(v) for k, v in mixed.items()},
        "transfer": {
            k: {m: mean_std([r[m] for r in rows]) for m in ("frechet", "label_accuracy", "tstr")}
            for k, rows in transfer.items()
        },
        "gan": gan_metrics,
    }
    env = {"tempaug": tempaug.__version__, "torch": torch.__version__, "python": platform.python_version()}
    payload = {"results": results, "env": env, "seconds": round(seconds, 1), "quick": args.quick, "seeds": seeds}
    payload["commands"] = [shown_command(c, work) for c in commands]
    stem = "synthetic_experiment_quick" if args.quick else "synthetic_experiment"
    (out / f"{stem}.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    t, m, tr = results["tstr"], results["real_plus_synthetic"], results["transfer"]
    lines = [
        "# Synthetic data from the RCGAN",
        "",
        f"One-digit Moving MNIST, 32x32, 10 frames; {n_train} training and {n_test} test clips; tempaug "
        f"{env['tempaug']}, torch {env['torch']}; {seconds / 60:.0f} min in all. Mean ± std over seeds {seeds}.",
        f"The RCGAN of tables 1 and 2 trained {gan_steps} steps: Fréchet distance {gan_metrics['frechet']:.4g} "
        f"(real vs real {gan_metrics['frechet_real']:.4g}), probe accuracy on its clips "
        f"{gan_metrics['label_accuracy']:.3f} (on real clips {gan_metrics['real_accuracy']:.3f}).",
        "",
        f"## 1. Train on synthetic, test on real ({len(fake_y)} clips, {clf_steps} classifier steps)",
        "",
        "| trained on | real test accuracy |",
        "|---|---:|",
        f"| {len(fake_y)} real clips | {cell(t['real'])} |",
        f"| {len(fake_y)} generated clips | {cell(t['generated'])} |",
        "",
        f"## 2. Few real clips ({few} per class) with and without `Synthesize`",
        "",
        "| training data | real test accuracy |",
        "|---|---:|",
        f"| {10 * few} real clips | {cell(m['real only'])} |",
        f'| {10 * few} real clips + `Synthesize(mode="append")` | {cell(m["real + Synthesize"])} |',
        "",
        f"## 3. Transfer from an image GAN ({transfer_steps} RCGAN steps; the frame GAN trained {frame_steps} steps)",
        "",
        "| RCGAN start | Fréchet distance (lower) | probe accuracy on generated | TSTR |",
        "|---|---:|---:|---:|",
        *[
            f"| {name} | {cell(tr[name]['frechet'], 4)} | {cell(tr[name]['label_accuracy'])} | {cell(tr[name]['tstr'])} |"
            for name in tr
        ],
        "",
        "The Fréchet distance uses the features of one probe classifier trained on this dataset: it is not FVD.",
        "",
        "## Commands",
        "",
        "```",
        *payload["commands"],
        f"python benchmarks/synthetic_experiment.py{' --quick' if args.quick else ''}   # tables 1 and 2, in-process",
        "```",
        "",
    ]
    (out / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
