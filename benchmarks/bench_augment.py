"""Throughput of a standard video training pipeline: tempaug against albumentations and kornia.

Two pipelines, the same for every library:

* A: RandomResizedCrop(112) + HorizontalFlip(p=0.5) + ColorJitter(0.4, 0.4, 0.4, 0.1);
* B: SpeedJitter(speed=(0.5, 2.0)) in front of A.

Neither peer has a temporal op, so for B each peer gets a speed jitter written by
hand (:func:`np_speed_jitter`, :func:`torch_speed_jitter`) that follows tempaug's
rule for ``SpeedJitter(vary="clip", boundary="clamp")``: a log-uniform speed, a
random whole-frame start where the sped-up clip fits, positions
``start + speed * i`` clamped to the clip, and a linear blend of the two nearest
frames. The report checks that rule against tempaug's own positions and blend.

The input is the same random uint8 clip, (T, C, H, W) = (16, 3, 128, 171), in
every library's natural layout, prepared outside the timed region:

* ``per-clip cpu``: one clip per call on ONE CPU thread, as in a DataLoader worker.
  tempaug gets the (T, C, H, W) uint8 tensor; albumentations a (T, H, W, C) uint8
  array passed as ``images=`` (one parameter draw for the whole clip); kornia's
  ``VideoSequential(..., same_on_frame=True)`` a (1, T, C, H, W) uint8 tensor that
  is turned into float in [0, 1] inside the timed region, since kornia needs float
  and a user has to convert.
* ``batched cpu``: a (32, T, C, H, W) batch per call on one CPU thread, per-sample
  params: tempaug on uint8, kornia on float (converted inside the timed region).
* ``batched cuda`` (with ``--device cuda``): the same batch on the GPU, uint8 for
  tempaug, float for kornia; CUDA is synchronised around every timed block.

Every call draws fresh params, as in training. Calls are timed in interleaved
rounds (one block per library per round, in a rotating order) and the median
block is reported; rates are clips per second and ratios are tempaug's rate over
the peer's (above 1: tempaug is faster). Targets are printed as PASS or MISS; a
miss never fails the run.

Usage:
    python benchmarks/bench_augment.py [--quick] [--device cpu|cuda] [--out benchmarks/results] [--profile]

Results go to ``<out>/bench_augment.{json,md}``; ``--quick`` adds ``_quick`` and
``--device cuda`` adds ``_cuda`` to the name. ``--profile`` only prints a cProfile
of tempaug's per-clip path (sorted by own time) and writes nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import math
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _harness import (
    CUDA_NOTE,
    RESULTS_DIR,
    CpuMeter,
    Fn,
    MeasureSettings,
    bullets,
    command_line,
    contended_rows,
    contention_line,
    finish_info,
    machine_info,
    machine_lines,
    measure,
    rate_text,
    timed_call,
    write_reports,
)
from torch import Tensor

import tempaug
from tempaug import ColorJitter, Compose, HorizontalFlip, RandomResizedCrop, SpeedJitter

try:
    import cv2
except ImportError:  # albumentations needs it, but the tempaug rows do not
    cv2 = None  # type: ignore[assignment]

CLIP = (16, 3, 128, 171)  # T, C, H, W
CROP = 112
BATCH = 32
SPEED = (0.5, 2.0)
JITTER = (0.4, 0.4, 0.4, 0.1)
#: (section, peer, least tempaug/peer ratio) for every target; each is judged for pipelines A and B.
TARGETS = (("per-clip cpu", "albumentations", 1.5), ("batched cpu", "kornia", 5.0), ("batched cuda", "kornia", 2.0))


# --------------------------------------------------------------------- settings
FULL = {
    "per-clip cpu": MeasureSettings(budget_s=4.0, block_s=0.05, min_rounds=7, max_rounds=60),
    "batched cpu": MeasureSettings(budget_s=14.0, block_s=0.0, min_rounds=5, max_rounds=15),
    "batched cuda": MeasureSettings(budget_s=3.0, block_s=0.05, min_rounds=7, max_rounds=60),
}
QUICK = {
    "per-clip cpu": MeasureSettings(budget_s=0.5, block_s=0.02, min_rounds=3, max_rounds=10),
    "batched cpu": MeasureSettings(budget_s=0.0, block_s=0.0, min_rounds=1, max_rounds=1),
    "batched cuda": MeasureSettings(budget_s=0.5, block_s=0.02, min_rounds=3, max_rounds=10),
}


# ------------------------------------------------------------------- pipelines
def tempaug_pipeline(speed: bool) -> Compose:
    """Pipeline A, or B with ``speed=True``, as a tempaug Compose."""
    ops = [RandomResizedCrop(CROP), HorizontalFlip(p=0.5), ColorJitter(*JITTER)]
    return Compose(([SpeedJitter(speed=SPEED)] if speed else []) + ops)


def albumentations_pipeline(seed: int) -> Any:
    """Pipeline A in albumentations; ColorJitter gets ``p=1.0`` (its default is 0.5) to match the others."""
    import albumentations as A

    return A.Compose(
        [A.RandomResizedCrop(size=(CROP, CROP)), A.HorizontalFlip(p=0.5), A.ColorJitter(*JITTER, p=1.0)], seed=seed
    )


def kornia_pipeline() -> Any:
    """Pipeline A in kornia: one VideoSequential over (B, T, C, H, W), the same params for every frame of a clip."""
    import kornia.augmentation as K

    return K.VideoSequential(
        K.RandomResizedCrop((CROP, CROP)),
        K.RandomHorizontalFlip(),
        K.ColorJiggle(*JITTER),
        data_format="BTCHW",
        same_on_frame=True,
    )


# ------------------------------------------------- speed jitter written by hand
def clamp_positions(start: np.ndarray | Tensor, speed: np.ndarray | Tensor, t: int) -> Any:
    """(B, T) positions ``start + speed * i``, i = 0..T-1, clamped to [0, T - 1] (numpy or torch, (B,) inputs)."""
    if isinstance(speed, Tensor):
        steps = torch.arange(t, dtype=torch.float32, device=speed.device)
        return (start.view(-1, 1).to(torch.float32) + speed.view(-1, 1) * steps).clamp(0.0, t - 1.0)
    steps = np.arange(t, dtype=np.float32)
    return np.clip(start.reshape(-1, 1).astype(np.float32) + speed.reshape(-1, 1) * steps, 0.0, t - 1.0)


def np_speed_jitter(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Speed jitter of one (T, H, W, C) uint8 clip in numpy: draw speed and start, blend the two nearest frames."""
    t = x.shape[0]
    speed = np.exp(rng.uniform(math.log(SPEED[0]), math.log(SPEED[1]), size=1)).astype(np.float32)
    slack = max(0, math.floor((t - 1) - float(speed[0]) * (t - 1)))
    start = rng.integers(0, slack, size=1, endpoint=True)
    return np_lerp_frames(x, clamp_positions(start, speed, t)[0])


def np_lerp_frames(x: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Frames of a (T, H, W, C) uint8 clip at fractional ``positions``: linear blend in float32, rounded."""
    first = np.floor(positions).astype(np.int64)
    second = np.minimum(first + 1, x.shape[0] - 1)
    w = (positions - first).astype(np.float32).reshape(-1, 1, 1, 1)
    a = x[first].astype(np.float32)
    out = a + (x[second].astype(np.float32) - a) * w
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def torch_speed_jitter(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Speed jitter of a (B, T, C, H, W) float batch in torch, one speed and start per sample, drawn on x's device."""
    b, t = x.shape[:2]
    lo, hi = math.log(SPEED[0]), math.log(SPEED[1])
    speed = torch.exp(torch.rand(b, device=x.device, generator=generator) * (hi - lo) + lo)
    slack = torch.floor((t - 1) - speed * (t - 1)).clamp(min=0)
    start = torch.floor(torch.rand(b, device=x.device, generator=generator) * (slack + 1)).clamp(max=slack)
    return torch_lerp_frames(x, clamp_positions(start, speed, t))


def torch_lerp_frames(x: Tensor, positions: Tensor) -> Tensor:
    """Frames of a (B, T, C, H, W) batch at (B, T') fractional ``positions`` via ``torch.lerp``; uint8 is rounded."""
    first = positions.floor()
    w = (positions - first).view(*positions.shape, 1, 1, 1)
    first = first.long()
    second = (first + 1).clamp(max=x.shape[1] - 1)
    rows = torch.arange(x.shape[0], device=x.device).view(-1, 1)
    a, b = x[rows, first], x[rows, second]
    if x.dtype == torch.uint8:
        return torch.lerp(a.float(), b.float(), w).round_().clamp_(0, 255).to(torch.uint8)
    return torch.lerp(a, b, w.to(x.dtype))


def check_speed_jitter(seed: int) -> dict[str, Any]:
    """Compare the hand-written speed jitter with tempaug's SpeedJitter on the same params.

    ``positions_max_diff``: the hand rule ``clamp(start + speed * i)`` against
    ``params.positions``; ``torch_equal`` and ``numpy_max_diff``: the hand blends
    at those positions against ``SpeedJitter.apply`` on a uint8 clip.
    """
    op = SpeedJitter(speed=SPEED)
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (8, *CLIP), dtype=torch.uint8, generator=g)
    params = op.sample(x.shape, generator=g)
    reference = op.apply(x, params)
    positions = params.positions  # type: ignore[attr-defined]
    rule = clamp_positions(params.start, params.speed, CLIP[0])  # type: ignore[attr-defined]
    by_torch = torch_lerp_frames(x, positions)
    by_numpy = np.stack(
        [np_lerp_frames(x[i].permute(0, 2, 3, 1).numpy(), positions[i].numpy()) for i in range(x.shape[0])]
    )
    numpy_diff = np.abs(by_numpy.astype(np.int16) - reference.permute(0, 1, 3, 4, 2).numpy().astype(np.int16))
    return {
        "clips": int(x.shape[0]),
        "positions_max_diff": float((rule - positions).abs().max()),
        "torch_equal": bool(torch.equal(by_torch, reference)),
        "numpy_max_diff": int(numpy_diff.max()),
        "numpy_share_differing": float((numpy_diff > 0).mean()),
    }


# ------------------------------------------------------------------------ cases
@dataclasses.dataclass
class Contender:
    """One library's callable for a case, what its timed region holds, and its output (from the warmup call)."""

    fn: Fn
    timed: str


def per_clip_contenders(speed: bool, peers: dict[str, bool], seed: int) -> dict[str, Contender]:
    """The per-clip callables for pipeline A (or B with ``speed``), each on its own layout of one shared clip."""
    clip = torch.randint(0, 256, CLIP, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))
    aug = tempaug_pipeline(speed)
    out: dict[str, Contender] = {
        "tempaug": Contender(lambda: aug(clip), "aug(x): (T,C,H,W) uint8 tensor in, uint8 out"),
    }
    if peers["albumentations"]:
        alb = albumentations_pipeline(seed)
        frames = np.ascontiguousarray(clip.permute(0, 2, 3, 1).numpy())
        if speed:
            rng = np.random.default_rng(seed)
            out["albumentations"] = Contender(
                lambda: alb(images=np_speed_jitter(frames, rng))["images"],
                "alb(images=np_speed_jitter(x))['images']: (T,H,W,C) uint8 array in, uint8 out",
            )
        else:
            out["albumentations"] = Contender(
                lambda: alb(images=frames)["images"], "alb(images=x)['images']: (T,H,W,C) uint8 array in, uint8 out"
            )
    if peers["kornia"]:
        kor = kornia_pipeline()
        video = clip.unsqueeze(0)
        if speed:
            out["kornia"] = Contender(
                lambda: kor(torch_speed_jitter(video.float().div_(255))),
                "kor(torch_speed_jitter(x.float().div_(255))): (1,T,C,H,W) uint8 in, float32 out",
            )
        else:
            out["kornia"] = Contender(
                lambda: kor(video.float().div_(255)), "kor(x.float().div_(255)): (1,T,C,H,W) uint8 in, float32 out"
            )
    return out


def batched_contenders(speed: bool, peers: dict[str, bool], device: torch.device, seed: int) -> dict[str, Contender]:
    """The batched callables for pipeline A (or B with ``speed``) on one (B,T,C,H,W) uint8 batch on ``device``."""
    g = torch.Generator().manual_seed(seed)
    batch = torch.randint(0, 256, (BATCH, *CLIP), dtype=torch.uint8, generator=g).to(device)
    aug = tempaug_pipeline(speed)
    out: dict[str, Contender] = {
        "tempaug": Contender(lambda: aug(batch), "aug(x): (B,T,C,H,W) uint8 in, uint8 out, per-sample params"),
    }
    if peers["kornia"]:
        kor = kornia_pipeline()
        if speed:
            out["kornia"] = Contender(
                lambda: kor(torch_speed_jitter(batch.float().div_(255))),
                "kor(torch_speed_jitter(x.float().div_(255))): (B,T,C,H,W) uint8 in, float32 out",
            )
        else:
            out["kornia"] = Contender(
                lambda: kor(batch.float().div_(255)), "kor(x.float().div_(255)): (B,T,C,H,W) uint8 in, float32 out"
            )
    return out


def shape_of(value: Any) -> tuple[list[int], str]:
    """Shape and dtype of a tensor or array output."""
    return list(value.shape), str(value.dtype).replace("torch.", "")


def run_case(
    section: str,
    pipeline: str,
    contenders: dict[str, Contender],
    clips: int,
    device: torch.device,
    settings: MeasureSettings,
) -> dict[str, Any]:
    """Warm up every contender once, time them interleaved, and return a JSON-ready row."""
    meter = CpuMeter()
    estimates: dict[str, float] = {}
    outputs: dict[str, Any] = {}
    for name, c in contenders.items():
        c.fn()  # first call: lazy imports, caches, allocator
        out, estimates[name] = timed_call(c.fn, device)
        outputs[name] = shape_of(out)
        del out
    timings = measure({name: c.fn for name, c in contenders.items()}, estimates, device, settings)
    rates = {name: clips / tm.median_s for name, tm in timings.items()}
    gc.collect()
    return {
        "section": section,
        "pipeline": pipeline,
        "device": str(device),
        "clips_per_call": clips,
        "timed": {name: c.timed for name, c in contenders.items()},
        "output": {name: {"shape": s, "dtype": d} for name, (s, d) in outputs.items()},
        "timings": {name: dataclasses.asdict(tm) for name, tm in timings.items()},
        "clips_per_s": rates,
        "ratio": {name: rates["tempaug"] / rate for name, rate in rates.items() if name != "tempaug"},
        "other_processes_cpu_share": meter.other_share(),
    }


def judge(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PASS, MISS or n/a (not measured) for every target and pipeline."""
    out = []
    for section, peer, least in TARGETS:
        for pipeline in ("A", "B"):
            row = next((r for r in rows if r["section"] == section and r["pipeline"] == pipeline), None)
            ratio = None if row is None else row["ratio"].get(peer)
            status = "n/a" if ratio is None else ("PASS" if ratio >= least else "MISS")
            out.append(
                {
                    "section": section,
                    "pipeline": pipeline,
                    "peer": peer,
                    "target": least,
                    "ratio": ratio,
                    "status": status,
                }
            )
    return out


# ---------------------------------------------------------------------- profile
def profile_per_clip(speed: bool, calls: int, top: int) -> str:
    """cProfile of ``calls`` per-clip tempaug calls of pipeline A (B with ``speed``), top ``top`` by own time."""
    clip = torch.randint(0, 256, CLIP, dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    aug = tempaug_pipeline(speed)
    for _ in range(3):
        aug(clip)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        aug(clip)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("tottime").print_stats(top)
    return stream.getvalue()


# ---------------------------------------------------------------------- reports
def library_info(peers: dict[str, str | None]) -> tuple[dict[str, Any], dict[str, Any]]:
    """OpenCV's thread count, and the versions of numpy, tempaug, the peers and OpenCV, for :func:`machine_info`."""
    threads = {"cv2_threads": cv2.getNumThreads() if cv2 is not None else None}
    versions = {
        "numpy": np.__version__,
        "tempaug": tempaug.__version__,
        "albumentations": peers["albumentations"],
        "kornia": peers["kornia"],
        "cv2": cv2.__version__ if cv2 is not None else None,
    }
    return threads, versions


def peer_versions() -> dict[str, str | None]:
    """Installed versions of the peers (None where one cannot be imported)."""
    versions: dict[str, str | None] = {}
    for name in ("albumentations", "kornia"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = None
    return versions


def time_text(seconds: float) -> str:
    """Seconds as µs, ms or s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    return f"{seconds * 1e3:,.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def results_table(rows: list[dict[str, Any]]) -> str:
    """Markdown table: one line per (section, pipeline, library)."""
    lines = [
        "| setting | pipeline | library | per call | clips/s | tempaug ÷ this | page faults / call | output |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        setting = f"{r['section']} (B={r['clips_per_call']})" if r["clips_per_call"] > 1 else r["section"]
        for name, rate in r["clips_per_s"].items():
            ratio = "—" if name == "tempaug" else f"{r['ratio'][name]:.2f}x"
            out = r["output"][name]
            lines.append(
                f"| {setting} | {r['pipeline']} | {name} | {time_text(r['timings'][name]['median_s'])} "
                f"| {rate_text(rate)} | {ratio} | {r['timings'][name]['page_faults']:,.0f} "
                f"| {out['dtype']} {tuple(out['shape'])} |"
            )
    return "\n".join(lines)


def targets_table(targets: list[dict[str, Any]]) -> str:
    """Markdown table of the targets and their verdicts."""
    lines = ["| target | pipeline | tempaug ÷ peer | verdict |", "|---|---|---|---|"]
    for t in targets:
        ratio = "not measured" if t["ratio"] is None else f"{t['ratio']:.2f}x"
        lines.append(f"| {t['section']}: ≥ {t['target']:g}x {t['peer']} | {t['pipeline']} | {ratio} | {t['status']} |")
    return "\n".join(lines)


def notes(check: dict[str, Any], device: torch.device) -> list[str]:
    """Plain-language notes printed under the tables."""
    if check["numpy_max_diff"] == 0:
        numpy_check = "numpy blend equal as well."
    else:
        numpy_check = (
            f"numpy blend max diff {check['numpy_max_diff']} "
            f"(on {check['numpy_share_differing']:.2%} of values, float rounding at .5)."
        )
    items = [
        (
            f"Input: the same random uint8 clip(s), (T,C,H,W) = {CLIP}; batched: B = {BATCH}. Each library gets "
            "its natural layout, prepared outside the timed region: tempaug (T,C,H,W) / (B,T,C,H,W) uint8 tensors, "
            "albumentations a (T,H,W,C) uint8 array, kornia (1,T,C,H,W) / (B,T,C,H,W) uint8 tensors."
        ),
        (
            "kornia works on float only: `x.float().div_(255)` is inside its timed region, as a user has to convert; "
            "its output is float32 where tempaug and albumentations return uint8."
        ),
        (
            "albumentations is called with `images=`: `BasicTransform.__call__` draws params once per call and "
            "`apply_to_images` applies them to every frame, so one draw covers the clip. Its ColorJitter is given "
            "`p=1.0` (its default is 0.5) so that all three libraries jitter every clip."
        ),
        (
            "Pipeline B: neither peer has a temporal op, so each gets a speed jitter written by hand with "
            "tempaug's rule (log-uniform speed in [0.5, 2], random whole-frame start where it fits, positions "
            "clamp(start + speed * i), blend of the two nearest frames): numpy in front of albumentations, "
            "torch (`torch.lerp`, per-sample gather) in front of kornia, after the float conversion. Check "
            f"against tempaug's SpeedJitter on the same params ({check['clips']} clips): rule vs params.positions "
            f"max diff {check['positions_max_diff']:.2g}; torch blend equal to SpeedJitter.apply: "
            f"{check['torch_equal']}; {numpy_check}"
        ),
        (
            "Params: every call draws new ones. albumentations draws one set per clip; kornia (same_on_frame=True) "
            "and tempaug one set per clip of a batch."
        ),
        (
            "Resize: on the CPU tempaug crops by slicing and resizes with antialiasing; on a GPU it warps with "
            "grid_sample (no antialiasing). albumentations (cv2 INTER_LINEAR) and kornia (bilinear) do not "
            "antialias."
        ),
        "CPU rows run on one thread: torch.set_num_threads(1) and cv2.setNumThreads(1).",
        (
            "Page faults: minor page faults per call (getrusage). Large outputs and intermediates are mapped "
            "afresh on every call; where faults are slow they take a large share of the batched rows and make "
            "them vary from run to run."
        ),
        (
            "Timings: time.perf_counter; two warmup calls each, then interleaved rounds (one block per library "
            "per round, rotating order); the median block is reported, the best one is in the JSON."
        ),
    ]
    if device.type == "cuda":
        items.append(CUDA_NOTE)
    return items


def markdown_report(info: dict[str, Any], table: str, target_table: str, note_list: list[str]) -> str:
    """The .md file: command, machine, results, targets and notes."""
    machine = machine_lines(info, skip=("command", "contended_cases", "timed_regions"))
    return (
        "# Augmentation pipeline throughput: tempaug, albumentations, kornia\n\n"
        f"Command: `{info['command']}`\n\n"
        "Pipeline A: RandomResizedCrop(112) + HorizontalFlip(p=0.5) + ColorJitter(0.4, 0.4, 0.4, 0.1); "
        "pipeline B: SpeedJitter(speed=(0.5, 2.0)) + A.\n\n"
        f"{machine}\n\n"
        "## Throughput\n\n"
        f"{table}\n\n"
        f"{contention_line(info)}\n\n"
        "## Targets\n\n"
        f"{target_table}\n\n"
        "## Timed regions\n\n"
        f"{bullets(info['timed_regions'])}\n\n"
        "## Notes\n\n" + bullets(note_list) + "\n"
    )


# ------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short budgets, one batched round (< 30 s)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="also time the batch on a GPU (cuda)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON and .md")
    parser.add_argument(
        "--profile", action="store_true", help="only print a cProfile (by own time) of tempaug's per-clip path"
    )
    parser.add_argument("--profile-top", type=int, default=15, help="lines of the profile to print")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run every case, print the tables and the verdicts, and write the JSON and .md reports."""
    args = parse_args(argv)
    torch.set_num_threads(1)
    if cv2 is not None:
        cv2.setNumThreads(1)
    if args.profile:
        for speed in (False, True):
            print(f"tempaug per-clip path, pipeline {'B' if speed else 'A'}, 200 calls, one thread:")
            print(profile_per_clip(speed, calls=200, top=args.profile_top))
        return

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("--device cuda: no CUDA device is available; timing the CPU only", file=sys.stderr)
        device = torch.device("cpu")
    versions = peer_versions()
    peers = {name: v is not None for name, v in versions.items()}
    threads, libraries = library_info(versions)
    info = machine_info(device, command_line(argv), libraries, threads)
    print(
        f"tempaug {info['tempaug']} | torch {info['torch']} | albumentations {versions['albumentations']} | "
        f"kornia {versions['kornia']} | {info['cpu_model']} | {info['cpus_usable']} CPUs usable | "
        f"torch threads {info['torch_threads']} | device {device}",
        flush=True,
    )
    for name, ok in peers.items():
        if not ok:
            print(f"warning: {name} is not installed; its rows are left out", file=sys.stderr)

    settings = QUICK if args.quick else FULL
    check = check_speed_jitter(seed=1)
    started = time.perf_counter()
    cpu = torch.device("cpu")
    rows: list[dict[str, Any]] = []
    plan: list[tuple[str, str, Callable[[], dict[str, Contender]], int, torch.device]] = []
    for pipeline, speed in (("A", False), ("B", True)):
        plan.append(("per-clip cpu", pipeline, lambda s=speed: per_clip_contenders(s, peers, 0), 1, cpu))
    for pipeline, speed in (("A", False), ("B", True)):
        plan.append(("batched cpu", pipeline, lambda s=speed: batched_contenders(s, peers, cpu, 0), BATCH, cpu))
    if device.type == "cuda":
        for pipeline, speed in (("A", False), ("B", True)):
            plan.append(
                ("batched cuda", pipeline, lambda s=speed: batched_contenders(s, peers, device, 0), BATCH, device)
            )
    for section, pipeline, build, clips, where in plan:
        torch.manual_seed(0)
        row = run_case(section, pipeline, build(), clips, where, settings[section])
        rows.append(row)
        ratios = "  ".join(f"tempaug/{k} {v:5.2f}x" for k, v in row["ratio"].items())
        rates = "  ".join(f"{k} {rate_text(v)}" for k, v in row["clips_per_s"].items())
        print(f"  {section:13s} {pipeline}  clips/s: {rates}  |  {ratios}", flush=True)
    finish_info(info, started)
    busy = contended_rows(rows)
    info["contended_cases"] = [f"{r['section']} {r['pipeline']}" for r in busy]
    info["timed_regions"] = sorted(
        {f"{r['section']} {r['pipeline']}, {k}: `{v}`" for r in rows for k, v in r["timed"].items()}
    )

    targets = judge(rows)
    table, target_table, note_list = results_table(rows), targets_table(targets), notes(check, device)
    print()
    print(table)
    print()
    print(target_table)
    print()
    for t in targets:
        ratio = "not measured" if t["ratio"] is None else f"{t['ratio']:.2f}x"
        print(
            f"{t['status']:4s}  {t['section']} pipeline {t['pipeline']}: tempaug/{t['peer']} {ratio} (target ≥ {t['target']:g}x)"
        )
    print()
    print(bullets(note_list))
    print(f"\n{len(rows)} cases in {info['elapsed_s']} s")
    if busy:
        print(contention_line(info))

    payload = {
        "machine": info,
        "settings": {k: dataclasses.asdict(v) for k, v in settings.items()},
        "speed_jitter_check": check,
        "results": rows,
        "targets": targets,
        "notes": note_list,
    }
    markdown = markdown_report(info, table, target_table, note_list)
    write_reports(args.out, "bench_augment", args.quick, device, payload, markdown)


if __name__ == "__main__":
    main()
