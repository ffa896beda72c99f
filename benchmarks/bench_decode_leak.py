"""Resident memory over thousands of decoded clips: does decoding leak?

The script writes a 2 s h264 (yuv420p) mp4 at 320x240 and 25 fps, then for each
backend (``decord``, ``pyav``) decodes random 16-frame clips in a loop with
:func:`tempaug.io.read_clip` on the file's bytes, so every clip opens, probes,
decodes and closes its own reader: the path a dataset without a reader cache takes,
and the one most likely to leak. After a warm-up of 200 clips (allocator pools,
codec tables) the resident set size (``VmRSS``) is sampled every 500 clips; the
growth is the last sample less the first. The default is 2,500 clips per backend
(5,000 in all); the target is a growth under 50 MB per backend; a miss is reported,
never fatal.

Usage:
    python benchmarks/bench_decode_leak.py [--quick] [--clips 2500] [--out benchmarks/results]

Results go to ``<out>/decode_leak.{json,md}`` (``_quick`` added with ``--quick``).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import torch
from _harness import RESULTS_DIR, command_line, finish_info, machine_info, machine_lines, write_reports
from bench_decode import make_video

import tempaug
from tempaug.io import read_clip

CLIP_FRAMES = 16
WARMUP = 200
SAMPLE_EVERY = 500
TARGET_MB = 50.0


def rss_mb() -> float:
    """This process's resident set size in MiB, from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line in /proc/self/status")


def loop(data: bytes, num_video_frames: int, backend: str, clips: int, seed: int = 0) -> dict[str, Any]:
    """Decode ``clips`` random clips after the warm-up; RSS samples and the growth in MiB."""
    g = torch.Generator().manual_seed(seed)
    samples: list[tuple[int, float]] = []
    t0 = time.perf_counter()
    for i in range(WARMUP + clips):
        if i == WARMUP:
            gc.collect()
            samples.append((0, rss_mb()))
            t0 = time.perf_counter()
        start = int(torch.randint(0, num_video_frames - CLIP_FRAMES + 1, (1,), generator=g))
        clip = read_clip(data, num_frames=CLIP_FRAMES, start=start, backend=backend)
        assert clip.backend == backend and clip.frames.shape[0] == CLIP_FRAMES
        done = i + 1 - WARMUP
        if done > 0 and done % SAMPLE_EVERY == 0:
            gc.collect()
            samples.append((done, rss_mb()))
    elapsed = time.perf_counter() - t0
    if samples[-1][0] != clips:
        gc.collect()
        samples.append((clips, rss_mb()))
    growth = samples[-1][1] - samples[0][1]
    return {
        "backend": backend,
        "clips": clips,
        "seconds": round(elapsed, 1),
        "rss_start_mb": round(samples[0][1], 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "rss_peak_sample_mb": round(max(s for _, s in samples), 1),
        "growth_mb": round(growth, 1),
        "pass": growth < TARGET_MB,
        "samples": [(c, round(s, 1)) for c, s in samples],
    }


def markdown(info: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The report as a markdown page."""
    lines = [
        "# Resident memory while decoding clips (tempaug.io.read_clip)",
        "",
        f"Command: `{info['command']}`",
        "",
        (__doc__ or "").split("\n\n")[1].replace("\n", " "),
        "",
        "| backend | clips | seconds | RSS start (MiB) | RSS end (MiB) | growth (MiB) | target < 50 MiB |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['clips']:,} | {r['seconds']} | {r['rss_start_mb']} | {r['rss_end_mb']} "
            f"| {r['growth_mb']:+.1f} | {'PASS' if r['pass'] else 'MISS'} |"
        )
    lines += ["", "RSS samples (clips decoded, MiB):", ""]
    lines += [f"- {r['backend']}: " + ", ".join(f"{c}: {s}" for c, s in r["samples"]) for r in rows]
    lines += ["", "## Machine", "", machine_lines(info), ""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 clips per backend (smoke run)")
    parser.add_argument("--clips", type=int, default=2500, help="clips per backend after the warm-up")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON and .md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Write the video, run the loop per backend, print the growth and write the reports."""
    args = parse_args(argv)
    clips = 500 if args.quick else args.clips
    started = time.perf_counter()
    import decord

    info = machine_info(
        torch.device("cpu"),
        command_line(argv),
        {"tempaug": tempaug.__version__, "decord": decord.__version__, "av": av.__version__},
    )
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "320x240.mp4"
        num_video_frames = make_video(path, 320, 240, seconds=2)
        data = path.read_bytes()
    rows = []
    for backend in ("decord", "pyav"):
        row = loop(data, num_video_frames, backend, clips)
        rows.append(row)
        verdict = "PASS" if row["pass"] else "MISS"
        print(
            f"{backend:>6}: {clips} clips in {row['seconds']} s, RSS {row['rss_start_mb']} -> {row['rss_end_mb']} MiB "
            f"(growth {row['growth_mb']:+.1f} MiB, target < {TARGET_MB:.0f}: {verdict})"
        )
    finish_info(info, started)
    payload = {"machine": info, "settings": {"clip_frames": CLIP_FRAMES, "warmup": WARMUP}, "results": rows}
    write_reports(args.out, "decode_leak", args.quick, torch.device("cpu"), payload, markdown(info, rows))


if __name__ == "__main__":
    main()
