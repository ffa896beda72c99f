"""Writing and reading WebDataset shards: tempaug.shard.build against a plain webdataset.ShardWriter loop, and
tempaug.data.make_loader against a plain Dataset over loose mp4 files.

Build. The script first writes its inputs: h264 mp4 videos (``write_video``, crf 23) of a gradient with a moving
box and mild noise, in two class folders. Both contenders turn every video into ``clips_per_video`` clips of 16
frames (``uniform_clips`` starts, decoded with ``VideoReader``), resize them with the same ``Resize`` op, encode
each as an h264 record with ``encode_record`` (crf 18, one x264 thread) and write the records into tar shards of
the same size. tempaug runs ``tempaug.shard.build(BuildConfig(source="folder:..."))``; the plain loop lists the
files, decodes, resizes, encodes and writes with ``webdataset.ShardWriter`` and nothing else (no index, no fsync,
no checksums, no resume). A second case does the same from the Moving MNIST source (16 frames, 64x64 canvas, no
resize). After the timings the report checks that both contenders wrote byte-identical records (same keys, same
members, same bytes), so both did exactly the same work.

Parallelism is equal: ``workers=1`` (tempaug runs the tasks in its own process) against the plain loop in this
process; ``workers=2`` (tempaug's spawned process pool) against the plain loop run as 2 spawned processes over the
two halves of the inputs, each process with one torch and one OpenCV thread as tempaug's workers have. Process
start-up counts on both sides. Each build writes into an empty folder and is timed end to end; contenders run in
interleaved rounds (a rotating order) and the median round is kept. Rates are samples per second (and per worker);
the ratio is tempaug's rate over the plain loop's (above 1: tempaug is faster). The target is a ratio of at least
0.9 (tempaug within 10% of the plain loop); a miss never fails the run.

Read. The shards of tempaug's ``workers=1`` folder build are read through ``make_loader(folder, batch_size=16,
num_workers=2, shuffle=64)``; the peer is a ``torch.utils.data.Dataset`` over the same clips written out as loose
.mp4 files (the very bytes of the shards' mp4 members), decoded with ``tempaug.io.decode.read_clip`` in a
``DataLoader(batch_size=16, num_workers=2, shuffle=True)``. Each reader runs one warm-up epoch, then timed epochs
alternate between the two; the median epoch is kept. Rates are clips per second; the ratio is tempaug's over the
loose files' (above 1: the shards are faster).

Usage:
    python benchmarks/bench_shard.py [--quick] [--out benchmarks/results] [--profile]

Results go to ``<out>/bench_shard.{json,md}`` (``_quick`` added with ``--quick``). ``--profile`` only prints a
cProfile of one ``workers=1`` folder build and of the plain loop (sorted by own time) and writes nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import hashlib
import io
import multiprocessing
import os
import pstats
import shutil
import statistics
import tarfile
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import av
import numpy as np
import torch
import webdataset as wds
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
from torch.utils.data import DataLoader, Dataset

import tempaug
from tempaug.data import make_loader
from tempaug.datasets.moving_mnist import MovingMNIST
from tempaug.io.decode import VideoReader, read_clip
from tempaug.io.encode import write_video
from tempaug.io.records import encode_record, make_key
from tempaug.io.samplers import uniform_clips
from tempaug.ops.geometric import Resize
from tempaug.shard.build import build
from tempaug.shard.config import BuildConfig
from tempaug.shard.sources import MMNIST_FPS

#: Least tempaug / plain build rate the project aims for (tempaug within 10% of the plain loop).
BUILD_TARGET = 0.9
CLIP_LEN = 16
CRF = 18
SPLIT = "train"
CLASSES = ("ball", "box")
READ_BATCH = 16
READ_SHUFFLE = 64
READ_WORKERS = 2


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How much work each case does."""

    videos: int
    video_frames: int
    height: int
    width: int
    clips_per_video: int
    size: tuple[int, int]
    shard_size: int
    mmnist_samples: int
    rounds: int
    read_epochs: int


QUICK = Sizes(8, 32, 120, 160, 2, (96, 128), 4, 32, 1, 2)
FULL = Sizes(48, 48, 120, 160, 4, (96, 128), 48, 384, 4, 8)


# ------------------------------------------------------------------------ inputs
def moving_video(index: int, frames: int, height: int, width: int) -> torch.Tensor:
    """A uint8 (T,3,H,W) clip: a drifting colour gradient, a red box on its own path, and mild noise."""
    rng = np.random.default_rng(index)
    t = np.arange(frames)[:, None, None]
    y, x = np.mgrid[0:height, 0:width]
    video = np.empty((frames, height, width, 3), np.int16)
    video[..., 0] = (x * 255 // width + 3 * t) % 256
    video[..., 1] = (y * 255 // height + 0 * t) % 256
    video[..., 2] = (x + y + 17 * index + 0 * t) % 256
    for i in range(frames):
        cx = (5 * i + 13 * index) % width
        cy = int(height / 2 + height / 3 * np.sin(i / 6 + index))
        video[i, max(0, cy - 12) : cy + 12, max(0, cx - 16) : cx + 16] = (230, 40, 40)
    video += rng.integers(-6, 7, video.shape, dtype=np.int16)
    return torch.from_numpy(np.clip(video, 0, 255).astype(np.uint8)).permute(0, 3, 1, 2).contiguous()


def write_inputs(root: Path, sizes: Sizes) -> list[Path]:
    """Write the input videos into ``root/<class>/`` (classes alternate); return their paths."""
    paths = []
    for i in range(sizes.videos):
        folder = root / CLASSES[i % len(CLASSES)]
        folder.mkdir(parents=True, exist_ok=True)
        clip = moving_video(i, sizes.video_frames, sizes.height, sizes.width)
        paths.append(Path(write_video(clip, folder / f"v{i:04d}.mp4", fps=25.0, crf=23)))
    return paths


# ---------------------------------------------------------------------- contenders
@dataclasses.dataclass(frozen=True)
class Case:
    """One build case: its source (``folder`` or ``mmnist``), inputs and clip settings."""

    name: str
    source: str
    root: str
    sizes: Sizes

    @property
    def samples(self) -> int:
        """Samples the case writes."""
        s = self.sizes
        return s.videos * s.clips_per_video if self.source == "folder" else s.mmnist_samples

    @property
    def inputs(self) -> int:
        """Inputs (videos or Moving MNIST samples) the case reads."""
        return self.sizes.videos if self.source == "folder" else self.sizes.mmnist_samples


def tempaug_config(case: Case, out: Path, workers: int) -> BuildConfig:
    """The BuildConfig of ``case``: one split, mp4 records of 16 frames."""
    s = case.sizes
    if case.source == "folder":
        return BuildConfig(
            source=f"folder:{case.root}",
            out=str(out),
            split=SPLIT,
            clip_len=CLIP_LEN,
            clips_per_video=s.clips_per_video,
            size=f"{s.size[0]}x{s.size[1]}",
            format="mp4",
            crf=CRF,
            shard_size=s.shard_size,
            workers=workers,
            quiet=True,
        )
    return BuildConfig(
        source="mmnist",
        out=str(out),
        train=s.mmnist_samples,
        val=0,
        test=0,
        frames=CLIP_LEN,
        format="mp4",
        crf=CRF,
        shard_size=s.shard_size,
        workers=workers,
        quiet=True,
    )


def run_tempaug(case: Case, out: Path, workers: int) -> int:
    """Build ``case`` into ``out`` with tempaug; return the samples written."""
    summary = build(tempaug_config(case, out, workers), command="bench_shard")
    assert summary.complete and summary.failed == 0, summary.line()
    return summary.run_samples


def list_videos(root: Path) -> list[tuple[Path, int]]:
    """(path, label) for every mp4 under ``root/<class>/``, classes sorted, files sorted within a class."""
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    return [(p.absolute(), label) for label, c in enumerate(classes) for p in sorted((root / c).rglob("*.mp4"))]


def plain_folder(case: Case, out: Path, part: int, parts: int) -> int:
    """The plain loop over part ``part`` of ``parts`` of the videos: decode, resize, encode, ShardWriter."""
    s = case.sizes
    items = list_videos(Path(case.root))
    lo, hi = len(items) * part // parts, len(items) * (part + 1) // parts
    resize = Resize(s.size)
    written = 0
    with wds.ShardWriter(str(out / f"{SPLIT}-p{part}-%06d.tar"), maxcount=s.shard_size, verbose=0) as sink:
        for index in range(lo, hi):
            path, label = items[index]
            reader = VideoReader(path)
            try:
                for c, plan in enumerate(uniform_clips(len(reader), CLIP_LEN, s.clips_per_video)):
                    clip = resize(reader.read(plan).frames)
                    key = make_key(SPLIT, index, c, 0)
                    meta = {"key": key, "split": SPLIT, "input": index, "clip": c, "copy": 0, "source": str(path)}
                    meta.update(label=label, frames=plan.tolist(), fps=float(reader.fps))
                    sink.write({"__key__": key, **encode_record(clip, meta, fmt="mp4", fps=reader.fps, crf=CRF)})
                    written += 1
            finally:
                reader.close()
    return written


def plain_mmnist(case: Case, out: Path, part: int, parts: int) -> int:
    """The plain loop over part ``part`` of ``parts`` of the Moving MNIST samples: generate, encode, ShardWriter."""
    s = case.sizes
    ds = MovingMNIST(num_digits=2, size=64, length=CLIP_LEN, seed=0, split=SPLIT, num_samples=s.mmnist_samples)
    lo, hi = s.mmnist_samples * part // parts, s.mmnist_samples * (part + 1) // parts
    written = 0
    with wds.ShardWriter(str(out / f"{SPLIT}-p{part}-%06d.tar"), maxcount=s.shard_size, verbose=0) as sink:
        for index in range(lo, hi):
            clip, labels = ds[index]
            key = make_key(SPLIT, index, 0, 0)
            meta = {
                "key": key,
                "split": SPLIT,
                "input": index,
                "clip": 0,
                "copy": 0,
                "source": f"mmnist:{SPLIT}/{index}",
            }
            meta.update(label=None, labels=labels.tolist(), frames=list(range(CLIP_LEN)), fps=MMNIST_FPS)
            sink.write({"__key__": key, **encode_record(clip, meta, fmt="mp4", fps=MMNIST_FPS, crf=CRF)})
            written += 1
    return written


def plain_part(case: Case, out: Path, part: int, parts: int) -> int:
    """Run the plain loop of ``case`` over one part of its inputs."""
    return (plain_folder if case.source == "folder" else plain_mmnist)(case, out, part, parts)


def _init_plain_worker() -> None:
    """What tempaug's pool initialiser does in each worker: one torch thread, one OpenCV thread."""
    torch.set_num_threads(1)
    import cv2

    cv2.setNumThreads(1)


def run_plain(case: Case, out: Path, workers: int) -> int:
    """The plain loop: in this process for one worker, else over ``workers`` spawned processes, one part each."""
    out.mkdir(parents=True, exist_ok=True)
    if workers == 1:
        return plain_part(case, out, 0, 1)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_plain_worker) as pool:
        futures = [pool.submit(plain_part, case, out, part, workers) for part in range(workers)]
        return sum(f.result() for f in futures)


CONTENDERS: dict[str, Callable[[Case, Path, int], int]] = {"tempaug": run_tempaug, "plain": run_plain}


def _ready(_: int) -> int:
    return os.getpid()


def pool_startup_s(workers: int) -> float:
    """Seconds to start ``workers`` spawned processes (importing torch and tempaug) and run an empty task on each."""
    ctx = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_plain_worker) as pool:
        list(pool.map(_ready, range(workers)))
    return time.perf_counter() - start


# ------------------------------------------------------------------------- timing
class TreeCpuMeter(CpuMeter):
    """A :class:`CpuMeter` that counts the CPU time of this process's finished child processes as its own."""

    @staticmethod
    def _own_s() -> float:
        return cpu_s()


def cpu_s() -> float:
    """CPU seconds used by this process and its finished (joined) child processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_builds(cases: list[Case], workers: list[int], work: Path, rounds: int) -> list[dict[str, Any]]:
    """Time every case x workers x contender in interleaved rounds; one row per case x workers x contender.

    The outputs of the last round stay under ``work/<case>-w<workers>-<contender>``.
    """
    keys = [(case, w, name) for case in cases for w in workers for name in CONTENDERS]
    seconds: dict[tuple[Case, int, str], list[float]] = {k: [] for k in keys}
    cpu: dict[tuple[Case, int, str], list[float]] = {k: [] for k in keys}
    shares: dict[tuple[Case, int, str], float] = dict.fromkeys(keys, 0.0)
    for r in range(rounds):
        for case in cases:
            for w in workers:
                names = list(CONTENDERS)
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    out = work / f"{case.name}-w{w}-{name}"
                    shutil.rmtree(out, ignore_errors=True)
                    meter = TreeCpuMeter()
                    start, start_cpu = time.perf_counter(), cpu_s()
                    samples = CONTENDERS[name](case, out, w)
                    spent = time.perf_counter() - start
                    cpu[(case, w, name)].append(cpu_s() - start_cpu)
                    assert samples == case.samples, f"{name} wrote {samples} samples, expected {case.samples}"
                    seconds[(case, w, name)].append(spent)
                    shares[(case, w, name)] = max(shares[(case, w, name)], meter.other_share() or 0.0)
                    print(f"  round {r}: {case.name:<6} workers={w} {name:<7} {case.samples / spent:8.1f} samples/s")
    rows = []
    for case, w, name in keys:
        median = statistics.median(seconds[(case, w, name)])
        rows.append(
            {
                "case": case.name,
                "workers": w,
                "contender": name,
                "samples": case.samples,
                "inputs": case.inputs,
                "median_s": round(median, 3),
                "min_s": round(min(seconds[(case, w, name)]), 3),
                "rounds": len(seconds[(case, w, name)]),
                "samples_per_s": case.samples / median,
                "samples_per_s_per_worker": case.samples / median / w,
                "cpu_ms_per_sample": 1000 * statistics.median(cpu[(case, w, name)]) / case.samples,
                "other_processes_cpu_share": round(shares[(case, w, name)], 3),
            }
        )
    return rows


def build_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """tempaug's build rate over the plain loop's for each case and worker count, judged against the target."""
    rate = {(r["case"], r["workers"], r["contender"]): r["samples_per_s"] for r in rows}
    best = {(r["case"], r["workers"], r["contender"]): r["min_s"] for r in rows}
    out = []
    for case, w in dict.fromkeys((r["case"], r["workers"]) for r in rows):
        ratio = rate[(case, w, "tempaug")] / rate[(case, w, "plain")]
        out.append(
            {
                "case": case,
                "workers": w,
                "tempaug_samples_per_s": rate[(case, w, "tempaug")],
                "plain_samples_per_s": rate[(case, w, "plain")],
                "tempaug_over_plain": ratio,
                "tempaug_over_plain_best_rounds": best[(case, w, "plain")] / best[(case, w, "tempaug")],
                "target": BUILD_TARGET,
                "status": "PASS" if ratio >= BUILD_TARGET else "MISS",
            }
        )
    return out


def tar_records(folder: Path) -> dict[str, dict[str, str]]:
    """key -> {extension: sha256 of the member} over every tar in ``folder``."""
    records: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.tar")):
        with tarfile.open(path) as tar:
            for member in tar:
                key, _, ext = member.name.partition(".")
                data = tar.extractfile(member)
                assert data is not None
                records.setdefault(key, {})[ext] = hashlib.sha256(data.read()).hexdigest()
    return records


def same_records(work: Path, cases: list[Case], workers: list[int]) -> dict[str, bool]:
    """Whether tempaug and the plain loop wrote byte-identical records, per case and worker count."""
    return {
        f"{case.name} workers={w}": tar_records(work / f"{case.name}-w{w}-tempaug")
        == tar_records(work / f"{case.name}-w{w}-plain")
        for case in cases
        for w in workers
    }


# ---------------------------------------------------------------------------- read
class LooseClips(Dataset):
    """(clip, label) items decoded from loose mp4 files with ``read_clip``."""

    def __init__(self, items: list[tuple[str, int]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        path, label = self.items[i]
        return read_clip(path).frames, label


def write_loose(shards: Path, loose: Path) -> list[tuple[str, int]]:
    """Write the mp4 member of every record in the ``shards`` folder as ``loose/<key>.mp4``; return (path, label)."""
    loose.mkdir(parents=True, exist_ok=True)
    items = []
    for path in sorted(shards.glob("*.tar")):
        members: dict[str, dict[str, bytes]] = {}
        with tarfile.open(path) as tar:
            for member in tar:
                key, _, ext = member.name.partition(".")
                data = tar.extractfile(member)
                assert data is not None
                members.setdefault(key, {})[ext] = data.read()
        for key, record in members.items():
            target = loose / f"{key}.mp4"
            target.write_bytes(record["mp4"])
            items.append((str(target), int(record["cls"]) if "cls" in record else -1))
    return items


def time_reads(shards: Path, items: list[tuple[str, int]], epochs: int) -> list[dict[str, Any]]:
    """One warm-up epoch per reader, then ``epochs`` timed epochs alternating between them; one row per reader."""
    sharded = make_loader(
        str(shards), batch_size=READ_BATCH, num_workers=READ_WORKERS, shuffle=READ_SHUFFLE, split=SPLIT, seed=0
    )
    loose = DataLoader(
        LooseClips(items),
        batch_size=READ_BATCH,
        shuffle=True,
        num_workers=READ_WORKERS,
        generator=torch.Generator().manual_seed(0),
    )

    def epoch_sharded() -> tuple[int, tuple[int, ...]]:
        n, shape = 0, ()
        for batch in sharded:
            n += batch.clips.shape[0]
            shape = tuple(batch.clips.shape[1:])
        return n, shape

    def epoch_loose() -> tuple[int, tuple[int, ...]]:
        n, shape = 0, ()
        for clips, _ in loose:
            n += clips.shape[0]
            shape = tuple(clips.shape[1:])
        return n, shape

    readers = {"tempaug shards": epoch_sharded, "loose mp4": epoch_loose}
    seconds: dict[str, list[float]] = {name: [] for name in readers}
    shares = dict.fromkeys(readers, 0.0)
    shapes: dict[str, tuple[int, ...]] = {}
    for name, fn in readers.items():
        clips, shapes[name] = fn()  # warm-up epoch
        assert clips == len(items), f"{name}: {clips} clips in an epoch, expected {len(items)}"
    names = list(readers)
    for e in range(epochs):
        for name in names[e % 2 :] + names[: e % 2]:
            meter = TreeCpuMeter()
            start = time.perf_counter()
            clips, _ = readers[name]()
            seconds[name].append(time.perf_counter() - start)
            shares[name] = max(shares[name], meter.other_share() or 0.0)
            assert clips == len(items)
            print(f"  epoch {e}: {name:<15} {clips / seconds[name][-1]:8.1f} clips/s")
    return [
        {
            "reader": name,
            "clips_per_epoch": len(items),
            "epochs": epochs,
            "median_epoch_s": round(statistics.median(seconds[name]), 3),
            "clips_per_s": len(items) / statistics.median(seconds[name]),
            "clip_shape": list(shapes[name]),
            "other_processes_cpu_share": round(shares[name], 3),
        }
        for name in readers
    ]


def read_ratio(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The shards' read rate over the loose files'."""
    rate = {r["reader"]: r["clips_per_s"] for r in rows}
    return {
        "tempaug_clips_per_s": rate["tempaug shards"],
        "loose_clips_per_s": rate["loose mp4"],
        "tempaug_over_loose": rate["tempaug shards"] / rate["loose mp4"],
    }


# ------------------------------------------------------------------------- profile
def profile_builds(case: Case, work: Path, top: int) -> str:
    """cProfile (by own time) of one workers=1 tempaug build and one in-process plain loop of ``case``."""
    text = []
    for name, fn in CONTENDERS.items():
        out = work / f"profile-{name}"
        shutil.rmtree(out, ignore_errors=True)
        profiler = cProfile.Profile()
        profiler.enable()
        fn(case, out, 1)
        profiler.disable()
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime").print_stats(top)
        text.append(f"==== {name} ({case.samples} samples)\n{stream.getvalue()}")
    return "\n".join(text)


# ------------------------------------------------------------------------- reports
def markdown(
    info: dict[str, Any],
    settings: dict[str, Any],
    rows: list[dict[str, Any]],
    ratios: list[dict[str, Any]],
    identical: dict[str, bool],
    reads: list[dict[str, Any]],
    read: dict[str, Any],
) -> str:
    """The report as a markdown page."""
    paragraphs = (__doc__ or "").split("\n\n")
    lines = [
        "# Writing and reading shards: tempaug vs a plain webdataset loop",
        "",
        f"Command: `{info['command']}`",
        "",
        *(p.replace("\n", " ") + "\n" for p in paragraphs[1:4]),
        "## Build",
        "",
        (
            f"Inputs: {settings['videos']} videos of {settings['video_frames']} frames at "
            f"{settings['width']}x{settings['height']}, {settings['clips_per_video']} clips of {CLIP_LEN} frames per "
            f"video resized to {settings['size'][1]}x{settings['size'][0]}; Moving MNIST: {settings['mmnist_samples']} "
            f"samples of {CLIP_LEN} frames at 64x64. Shards of {settings['shard_size']} samples; "
            f"{settings['rounds']} round(s), median kept."
        ),
        "",
        (
            "| case | workers | tempaug samples/s | plain samples/s | tempaug / worker | plain / worker "
            f"| tempaug CPU ms / sample | plain CPU ms / sample | tempaug / plain | same, best rounds "
            f"| target ≥ {BUILD_TARGET:g} |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    row = {(r["case"], r["workers"], r["contender"]): r for r in rows}
    for rr in ratios:
        t, p = row[(rr["case"], rr["workers"], "tempaug")], row[(rr["case"], rr["workers"], "plain")]
        lines.append(
            f"| {rr['case']} | {rr['workers']} | {rate_text(rr['tempaug_samples_per_s'])} "
            f"| {rate_text(rr['plain_samples_per_s'])} | {rate_text(t['samples_per_s_per_worker'])} "
            f"| {rate_text(p['samples_per_s_per_worker'])} | {t['cpu_ms_per_sample']:.1f} | {p['cpu_ms_per_sample']:.1f} "
            f"| {rr['tempaug_over_plain']:.2f} | {rr['tempaug_over_plain_best_rounds']:.2f} | {rr['status']} |"
        )
    same = all(identical.values())
    lines += [
        "",
        (
            "tempaug / plain compares the median rounds (the verdict); 'same, best rounds' compares each side's "
            "fastest round, which other load on the machine can only slow down."
        ),
        "",
        (
            "CPU ms / sample: CPU time of the benchmark process and its joined worker processes (all threads), over "
            "samples written; less sensitive than the rates to other load on the machine."
        ),
        "",
        (
            f"Starting {settings['pool_workers']} spawned worker processes that import torch and tempaug and run an "
            f"empty task takes {settings['pool_startup_s']:.1f} s on this machine; every workers=2 build pays it, on "
            "both sides."
        ),
        "",
        "Records written by both contenders are byte-identical: "
        + ("yes, in every case." if same else "NO: " + ", ".join(k for k, v in identical.items() if not v) + "."),
        "",
        "## Read",
        "",
        (
            f"{reads[0]['clips_per_epoch']} clips of shape {tuple(reads[0]['clip_shape'])} per epoch, batch "
            f"{READ_BATCH}, {READ_WORKERS} workers, one warm-up epoch, then {reads[0]['epochs']} timed epochs per "
            "reader; median epoch kept."
        ),
        "",
        "| reader | median epoch | clips/s |",
        "|---|---:|---:|",
    ]
    for r in reads:
        lines.append(f"| {r['reader']} | {r['median_epoch_s']:.2f} s | {rate_text(r['clips_per_s'])} |")
    lines += [
        "",
        f"tempaug shards / loose mp4: {read['tempaug_over_loose']:.2f}",
        "",
        contention_line(info),
        "",
        "## Machine",
        "",
        machine_lines(info),
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few small inputs, one round (smoke run, < 60 s)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON and .md")
    parser.add_argument(
        "--profile", action="store_true", help="only print a cProfile of a workers=1 folder build and the plain loop"
    )
    parser.add_argument("--profile-top", type=int, default=25, help="lines of each profile to print")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Write the inputs, time the builds and the reads, print the tables and write the reports."""
    args = parse_args(argv)
    started = time.perf_counter()
    import cv2
    import decord

    sizes = QUICK if args.quick else FULL
    info = machine_info(
        torch.device("cpu"),
        command_line(argv),
        {
            "tempaug": tempaug.__version__,
            "webdataset": getattr(wds, "__version__", "?"),
            "decord": decord.__version__,
            "av": av.__version__,
            "cv2": cv2.__version__,
        },
    )
    with tempfile.TemporaryDirectory(prefix="bench_shard-") as tmp:
        root, work = Path(tmp) / "videos", Path(tmp) / "work"
        t0 = time.perf_counter()
        write_inputs(root, sizes)
        print(f"wrote {sizes.videos} input videos in {time.perf_counter() - t0:.1f} s")
        folder = Case("folder", "folder", str(root), sizes)
        if args.profile:
            print(profile_builds(folder, work, args.profile_top))
            return
        cases, workers = [folder, Case("mmnist", "mmnist", "", sizes)], [1, 2]
        startup = statistics.median(pool_startup_s(max(workers)) for _ in range(2))
        print(f"starting {max(workers)} spawned workers: {startup:.2f} s")
        rows = time_builds(cases, workers, work, sizes.rounds)
        ratios = build_ratios(rows)
        identical = same_records(work, cases, workers)
        shards = work / "folder-w1-tempaug"
        items = write_loose(shards, Path(tmp) / "loose")
        reads = time_reads(shards, items, sizes.read_epochs)
        read = read_ratio(reads)
    finish_info(info, started)
    info["contended_cases"] = [
        f"build {r['case']} workers={r['workers']} {r['contender']}"
        for r in rows
        if r["other_processes_cpu_share"] > 0.1
    ] + [f"read {r['reader']}" for r in reads if r["other_processes_cpu_share"] > 0.1]
    for rr in ratios:
        print(
            f"{rr['status']:4s}  build {rr['case']:<6} workers={rr['workers']}: tempaug "
            f"{rate_text(rr['tempaug_samples_per_s'])} samples/s, plain {rate_text(rr['plain_samples_per_s'])} "
            f"samples/s, tempaug/plain = {rr['tempaug_over_plain']:.2f} (best rounds "
            f"{rr['tempaug_over_plain_best_rounds']:.2f}; target ≥ {BUILD_TARGET:g})"
        )
    print(f"records identical: {identical}")
    print(
        f"read: tempaug shards {rate_text(read['tempaug_clips_per_s'])} clips/s, loose mp4 "
        f"{rate_text(read['loose_clips_per_s'])} clips/s, tempaug/loose = {read['tempaug_over_loose']:.2f}"
    )
    settings = {
        **dataclasses.asdict(sizes),
        "clip_len": CLIP_LEN,
        "crf": CRF,
        "read_batch_size": READ_BATCH,
        "read_shuffle": READ_SHUFFLE,
        "read_workers": READ_WORKERS,
        "build_target": BUILD_TARGET,
        "pool_workers": max(workers),
        "pool_startup_s": round(startup, 3),
    }
    payload = {
        "machine": info,
        "settings": settings,
        "build": rows,
        "build_ratios": ratios,
        "records_identical": identical,
        "read": reads,
        "read_ratio": read,
    }
    report = markdown(info, settings, rows, ratios, identical, reads, read)
    write_reports(args.out, "bench_shard", args.quick, torch.device("cpu"), payload, report)


if __name__ == "__main__":
    main()
