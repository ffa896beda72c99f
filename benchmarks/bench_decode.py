"""Random 16-frame clips per second decoded from h264 files: tempaug's decord backend against its PyAV backend.

The script writes its own inputs: two 10 s h264 (yuv420p, libx264 ``preset=fast``,
a keyframe every 2 s) mp4 files at 25 fps, 320x240 and 640x480, with moving
shapes over a gradient and mild noise. Each case keeps one
:class:`tempaug.io.VideoReader` open and reads random clips of 16 consecutive
frames (starts drawn by :func:`tempaug.io.random_clips` from a fixed seed, the
same starts for every backend), as a dataset worker does after opening a file.

Cases: each resolution x backend (``decord``, ``pyav``) x decoder threads
(``1``: single thread; ``auto``: the backend's own choice, ``num_threads=0``).
Cases are timed in interleaved rounds (one block of clips per case per round,
in a rotating order); the rate is clips decoded over seconds spent, summed over
rounds. The ratio is decord's rate over PyAV's (above 1: decord is faster).

Usage:
    python benchmarks/bench_decode.py [--quick] [--out benchmarks/results]

Results go to ``<out>/bench_decode.{json,md}`` (``_quick`` added with ``--quick``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import torch
from _harness import (
    RESULTS_DIR,
    CpuMeter,
    command_line,
    contention_line,
    finish_info,
    machine_info,
    machine_lines,
    rate_text,
    write_reports,
)

import tempaug
from tempaug.io import VideoReader, random_clips

CLIP_FRAMES = 16
FPS = 25
SECONDS = 10
RESOLUTIONS = ((320, 240), (640, 480))
BACKENDS = ("decord", "pyav")
THREADS = {"1": 1, "auto": 0}


def make_video(path: Path, width: int, height: int, seconds: int = SECONDS, fps: int = FPS) -> int:
    """Write an h264 mp4 of moving shapes over a gradient with mild noise; return its frame count."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], -1).astype(np.int16)
    n = seconds * fps
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "fast", "g": str(2 * fps), "crf": "23"}
        for i in range(n):
            img = base.copy()
            cx, cy = (i * 7) % width, int(height / 2 + height / 3 * np.sin(i / 10))
            img[max(0, cy - 20) : cy + 20, max(0, cx - 30) : cx + 30] = (230, 40, 40)
            img += rng.integers(-6, 7, img.shape, dtype=np.int16)
            frame = av.VideoFrame.from_ndarray(np.clip(img, 0, 255).astype(np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return n


def run(videos: dict[str, Path], rounds: int, block_s: float) -> list[dict[str, Any]]:
    """Time every case in interleaved rounds; one row per case."""
    readers: dict[tuple[str, str, str], VideoReader] = {}
    starts: dict[tuple[str, str, str], torch.Tensor] = {}
    for res, path in videos.items():
        for backend in BACKENDS:
            for tname, threads in THREADS.items():
                key = (res, backend, tname)
                readers[key] = reader = VideoReader(path, backend=backend, num_threads=threads)
                assert reader.backend == backend, f"{key}: decoded by {reader.backend}"
                starts[key] = random_clips(
                    len(reader), CLIP_FRAMES, num_clips=100_000, generator=torch.Generator().manual_seed(0)
                )
                reader.read(starts[key][0])  # warm up: open the decoder, fill caches
    done = dict.fromkeys(readers, 0)
    spent = dict.fromkeys(readers, 0.0)
    meters = {key: 0.0 for key in readers}
    keys = list(readers)
    for r in range(rounds):
        for key in keys[r % len(keys) :] + keys[: r % len(keys)]:
            reader, clips = readers[key], starts[key]
            meter = CpuMeter()
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < block_s:
                reader.read(clips[1 + done[key] % (len(clips) - 1)])
                done[key] += 1
            spent[key] += time.perf_counter() - t0
            meters[key] = max(meters[key], meter.other_share() or 0.0)
    rows = []
    for key in keys:
        res, backend, tname = key
        rows.append(
            {
                "resolution": res,
                "backend": backend,
                "threads": tname,
                "clips": done[key],
                "seconds": round(spent[key], 3),
                "clips_per_s": done[key] / spent[key],
                "other_processes_cpu_share": round(meters[key], 3),
            }
        )
        readers[key].close()
    return rows


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """decord's rate over PyAV's for each resolution and thread setting."""
    rate = {(r["resolution"], r["backend"], r["threads"]): r["clips_per_s"] for r in rows}
    return [
        {"resolution": res, "threads": t, "decord_over_pyav": rate[(res, "decord", t)] / rate[(res, "pyav", t)]}
        for res in dict.fromkeys(r["resolution"] for r in rows)
        for t in THREADS
    ]


def markdown(info: dict[str, Any], rows: list[dict[str, Any]], ratio_rows: list[dict[str, Any]]) -> str:
    """The report as a markdown page."""
    lines = [
        "# Decoding random 16-frame clips: decord vs PyAV (tempaug.io.VideoReader)",
        "",
        f"Command: `{info['command']}`",
        "",
        (__doc__ or "").split("\n\n")[1].replace("\n", " "),
        "",
        "| resolution | threads | decord clips/s | PyAV clips/s | decord / PyAV |",
        "|---|---|---:|---:|---:|",
    ]
    rate = {(r["resolution"], r["backend"], r["threads"]): r["clips_per_s"] for r in rows}
    for rr in ratio_rows:
        res, t = rr["resolution"], rr["threads"]
        lines.append(
            f"| {res} | {t} | {rate_text(rate[(res, 'decord', t)])} | {rate_text(rate[(res, 'pyav', t)])} "
            f"| {rr['decord_over_pyav']:.2f} |"
        )
    lines += ["", contention_line(info), "", "## Machine", "", machine_lines(info), ""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s videos and short blocks (smoke run, < 30 s)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON and .md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Write the videos, time every case, print the table and write the reports."""
    args = parse_args(argv)
    started = time.perf_counter()
    import decord

    info = machine_info(
        torch.device("cpu"),
        command_line(argv),
        {"tempaug": tempaug.__version__, "decord": decord.__version__, "av": av.__version__},
    )
    seconds, rounds, block_s = (2, 2, 0.3) if args.quick else (SECONDS, 5, 1.5)
    with tempfile.TemporaryDirectory() as tmp:
        videos = {}
        for w, h in RESOLUTIONS:
            path = Path(tmp) / f"{w}x{h}.mp4"
            make_video(path, w, h, seconds=seconds)
            videos[f"{w}x{h}"] = path
        rows = run(videos, rounds, block_s)
    ratio_rows = ratios(rows)
    finish_info(info, started)
    info["contended_cases"] = [
        f"{r['resolution']} {r['backend']} threads={r['threads']}" for r in rows if r["other_processes_cpu_share"] > 0.1
    ]
    for r in rows:
        print(
            f"{r['resolution']:>8} {r['backend']:>6} threads={r['threads']:<4} {rate_text(r['clips_per_s']):>8} clips/s"
        )
    for rr in ratio_rows:
        print(f"{rr['resolution']:>8} threads={rr['threads']:<4} decord/PyAV = {rr['decord_over_pyav']:.2f}")
    settings = {"clip_frames": CLIP_FRAMES, "fps": FPS, "video_seconds": seconds, "rounds": rounds, "block_s": block_s}
    payload = {"machine": info, "settings": settings, "results": rows, "ratios": ratio_rows}
    write_reports(args.out, "bench_decode", args.quick, torch.device("cpu"), payload, markdown(info, rows, ratio_rows))


if __name__ == "__main__":
    main()
