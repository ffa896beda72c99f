"""Does temporal augmentation help the reference models? Same data, same steps, with and without it, 3 seeds.

Seq2Seq: 256 training clips of Moving MNIST (two digits, 64x64, 30 frames). Without augmentation a run trains on
the first 20 frames of each clip; with it, on a random 24-frame window played at a random speed in [0.8, 1.2]
(blended frames) for 20 frames and reversed half of the time. Both condition on 10 frames and predict 10; the
test split (first 20 frames of 256 held-out clips) is scored by per-frame MSE (summed over pixels) and SSIM.

RCGAN: 256 training clips of one digit (32x32, 14 frames; the class is the digit), 10-frame clips without
augmentation (the first 10) or with the same recipe (random 12-frame window, speed in [0.8, 1.2], reversed half
of the time). Scored by the Fréchet distance between real and generated test clips in the features of one probe
classifier (trained once, shared by every run, so the distances compare; it is not FVD), the probe's label
accuracy on generated clips, and TSTR.

Every run is a ``python -m tempaug.train`` command; the commands are written beside the table.

    python benchmarks/ablation.py                  # the full ablation, about 50 minutes on 2 cores
    python benchmarks/ablation.py --quick          # smoke run (tiny data, a few steps)

Results: benchmarks/results/ablation.{json,md}.
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
from _harness import mean_std, run_logged, shown_command

import tempaug

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("none", "temporal")


def pipelines(length: int, window: int) -> dict[str, Any]:
    """The per-clip pipeline of each setting: a fixed crop, or crop + speed jitter + reverse."""
    return {
        "none": tempaug.Compose([tempaug.TemporalCrop(length, mode="start")]),
        "temporal": tempaug.Compose(
            [
                tempaug.TemporalCrop(window),
                tempaug.SpeedJitter(speed=(0.8, 1.2), length=length),
                tempaug.TemporalReverse(p=0.5),
            ]
        ),
    }


def experiment(
    name: str,
    kind: str,
    build: list[str],
    length: int,
    window: int,
    steps: int,
    seeds: list[int],
    extra: list[str],
    work: Path,
    log: Path,
) -> dict[str, Any]:
    """Build the data, write both pipelines, train every (setting, seed) and collect the test metrics."""
    data = work / f"{name}-data"
    build_cmd = [sys.executable, "-m", "tempaug.shard", "build", "--out", str(data), *build, "--quiet"]
    if not (data / "index.json").is_file():
        run_logged(build_cmd, log, ROOT)
    files = {}
    for setting, pipe in pipelines(length, window).items():
        files[setting] = work / f"{name}-{setting}.yaml"
        tempaug.save(pipe, files[setting])
    commands, results = [build_cmd], {}
    probe: Path | None = None
    trained_seconds: list[float] = []
    for setting in SETTINGS:
        per_seed = []
        for seed in seeds:
            out = work / f"{name}-{setting}-s{seed}"
            cmd = [sys.executable, "-m", "tempaug.train", kind, "--data", str(data), "--augment", str(files[setting])]
            cmd += ["--max-steps", str(steps), "--seed", str(seed), "--out", str(out), "--quiet", *extra]
            if kind == "rcgan" and probe is not None:
                cmd += ["--classifier", str(probe)]
            if not (out / "metrics.jsonl").is_file():
                run_logged(cmd, log, ROOT)
            if kind == "rcgan" and probe is None:
                probe = out / "classifier.pt"
            lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
            record, trained = lines[-1], next(r for r in lines if "train_seconds" in r)  # last eval; the training
            batch = json.loads((out / "config.json").read_text(encoding="utf-8"))["batch_size"]
            record["clips_per_s"] = trained["step"] * batch / max(trained["train_seconds"], 1e-9)
            trained_seconds.append(float(trained["train_seconds"]))
            per_seed.append(record)
            commands.append(cmd)
        metrics = sorted(per_seed[0]["metrics"])
        results[setting] = {
            m: mean_std(
                [
                    float(r["metrics"][m]["mean"] if isinstance(r["metrics"][m], dict) else r["metrics"][m])
                    for r in per_seed
                ]
            )
            for m in metrics
        }
        results[setting]["clips_per_s"] = mean_std([r["clips_per_s"] for r in per_seed])
    return {
        "kind": kind,
        "steps": steps,
        "seeds": seeds,
        "results": results,
        "train_seconds": sum(trained_seconds),
        "commands": [shown_command(c, work) for c in commands],
    }


def table(exp: dict[str, Any], metrics: list[tuple[str, str, str]]) -> list[str]:
    """Markdown rows: one per setting, ``mean ± std`` per metric, the better mean in bold."""
    head = "| augmentation | " + " | ".join(label for _, label, _ in metrics) + " | train clips/s |"
    lines = [head, "|---|" + "---:|" * (len(metrics) + 1)]
    res = exp["results"]
    for setting in SETTINGS:
        cells = []
        for key, _, better in metrics:
            values = [res[s][key]["mean"] for s in SETTINGS]
            best = min(values) if better == "low" else max(values)
            r = res[setting][key]
            text = f"{r['mean']:.4g} ± {r['std']:.2g}"
            cells.append(f"**{text}**" if r["mean"] == best else text)
        lines.append(f"| {setting} | " + " | ".join(cells) + f" | {res[setting]['clips_per_s']['mean']:.1f} |")
    ratio = res["temporal"]["clips_per_s"]["mean"] / max(res["none"]["clips_per_s"]["mean"], 1e-9)
    lines += [
        "",
        f"Training throughput, temporal / none: {ratio:.2f} (clips/s of the whole run, data loading included).",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny data and a few steps")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--seq2seq-steps", type=int, default=300)
    parser.add_argument("--rcgan-steps", type=int, default=800)
    parser.add_argument("--work", default=str(ROOT / "runs" / "ablation"), help="data and run folders")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="where the tables go")
    args = parser.parse_args()
    work, out = Path(args.work).resolve(), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    log = work / "ablation.log"
    if args.quick:
        train_n, test_n, s2s_steps, gan_steps, seeds, size = 32, 16, 3, 3, args.seeds[:1], 32
        s2s_extra = ["--num-workers", "0", "--eval-clips", "16", "--classifier-steps", "5"]
        gan_extra = ["--num-workers", "0", "--eval-clips", "16", "--classifier-steps", "5"]
    else:
        train_n, test_n, s2s_steps, gan_steps, seeds, size = (
            256,
            256,
            args.seq2seq_steps,
            args.rcgan_steps,
            args.seeds,
            64,
        )
        s2s_extra, gan_extra = ["--eval-clips", "256"], ["--eval-clips", "256", "--classifier-steps", "300"]
    started = time.perf_counter()
    common = ["--train", str(train_n), "--val", "0", "--test", str(test_n)]
    s2s = experiment(
        "seq2seq",
        "seq2seq",
        [*common, "--frames", "30", "--canvas", str(size)],
        20,
        24,
        s2s_steps,
        seeds,
        s2s_extra,
        work,
        log,
    )
    print(f"seq2seq done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    gan = experiment(
        "rcgan",
        "rcgan",
        [*common, "--frames", "14", "--canvas", "32", "--digits", "1"],
        10,
        12,
        gan_steps,
        seeds,
        gan_extra,
        work,
        log,
    )
    seconds = time.perf_counter() - started
    env = {
        "tempaug": tempaug.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_threads": torch.get_num_threads(),
        "seconds": round(seconds, 1),
    }
    payload = {"seq2seq": s2s, "rcgan": gan, "env": env, "quick": args.quick}
    stem = "ablation_quick" if args.quick else "ablation"
    (out / f"{stem}.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# Temporal augmentation ablation",
        "",
        f"tempaug {env['tempaug']}, torch {env['torch']}, {env['cpu_threads']} CPU threads; "
        f"{(s2s['train_seconds'] + gan['train_seconds']) / 60:.0f} min of training in all. "
        f"Mean ± std over seeds {seeds}; bold marks the better mean.",
        "",
        f"## Seq2Seq (ConvLSTM), {train_n} training clips, {s2s_steps} steps",
        "",
        *table(s2s, [("mse", "test MSE / frame (lower)", "low"), ("ssim", "test SSIM (higher)", "high")]),
        "",
        f"## RCGAN, {train_n} training clips, {gan_steps} steps",
        "",
        *table(
            gan,
            [
                ("frechet", "Fréchet distance, probe features (lower)", "low"),
                ("label_accuracy", "probe accuracy on generated (higher)", "high"),
                ("tstr", "TSTR accuracy (higher)", "high"),
            ],
        ),
        "",
        f"Real-vs-real Fréchet distance (two halves of the test clips, the floor at this sample size): "
        f"{gan['results']['none']['frechet_real']['mean']:.4g}; probe accuracy on real test clips (TRTR): "
        f"{gan['results']['none']['trtr']['mean']:.3f}. The distance is not FVD.",
        "",
        "## Commands",
        "",
        "```",
        *s2s["commands"],
        *gan["commands"],
        "```",
        "",
    ]
    (out / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
