"""Throughput of tempaug's temporal ops against the plain-torch code a user would write by hand.

For every temporal op, at T = 16 and T = 256 frames, two scenarios are measured:

* ``clip``: one uint8 (T, 3, 112, 112) clip on the CPU, as in a DataLoader worker;
* ``batch``: one float32 (B, T, 3, 112, 112) batch (B = 8 at T = 16, B = 4 at T = 256
  to keep memory bounded) on ``--device``.

Three callables are timed for each case, interleaved round by round so that
machine noise hits them alike:

* ``op(x)``: tempaug's full call (drawing the params, then applying them);
* ``op.apply(x, params)``: replaying fixed params;
* ``peer``: the plain-torch equivalent (``x.flip``, slicing, ``index_select``,
  ``torch.lerp``), with its indices prepared from the same params outside the
  timed region. Every peer gives bit-for-bit the output of ``op.apply``; the
  ``=peer`` column checks it.

The rate is clips per second (B clips per call for a batch); the ratios are
tempaug's rate divided by the peer's (above 1: tempaug is faster). The ``view``
column says whether ``op.apply``'s output shares the input's storage, and
``copied`` how many bytes it wrote to a new one.

Usage:
    python benchmarks/temporal_throughput.py [--quick] [--out benchmarks/results] [--device cpu|cuda]

Results go to ``<out>/temporal_throughput.{json,md}``; a ``--quick`` run or a run
on another device adds a suffix (``_quick``, ``_cuda``) so it never overwrites
the full CPU results.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
import time
from pathlib import Path
from typing import Any, Callable

import torch
from _harness import (
    CONTENDED,
    CUDA_NOTE,
    RESULTS_DIR,
    CpuMeter,
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
from tempaug import (
    Compose,
    FrameDrop,
    FrameDuplicate,
    FrameInterpolate,
    Params,
    SpeedJitter,
    TemporalCrop,
    TemporalReverse,
    TemporalSubsample,
    TimeWarp,
    Transform,
)

SIZE = (3, 112, 112)
FRAME_COUNTS = (16, 256)
Peer = Callable[[Tensor], Tensor]


# --------------------------------------------------------------------- settings
@dataclasses.dataclass(frozen=True)
class Settings(MeasureSettings):
    """The shared time budget, block length and round limits, plus the batch size B for each T."""

    batch_sizes: dict[int, int]


FULL = Settings(budget_s=0.6, block_s=0.01, min_rounds=5, max_rounds=40, batch_sizes={16: 8, 256: 4})
QUICK = Settings(budget_s=0.05, block_s=0.002, min_rounds=1, max_rounds=5, batch_sizes={16: 4, 256: 1})


# ------------------------------------------------------------------------ peers
def _shared_row(rows: Tensor) -> Tensor | None:
    """The first row when every row of a (B, N) tensor is the same, else None."""
    return rows[0] if bool((rows == rows[0]).all()) else None


def slice_peer(starts: list[int], length: int, step: int, batched: bool) -> Peer:
    """``x[s : s + length : step]``; per-sample slices stacked when a batch's starts differ."""
    if not batched:
        s = starts[0]
        return lambda x: x[s : s + length : step]
    if len(set(starts)) == 1:
        s = starts[0]
        return lambda x: x[:, s : s + length : step]
    return lambda x: torch.stack([x[b, s : s + length : step] for b, s in enumerate(starts)])


def gather_peer(index: Tensor, batched: bool, shared: bool) -> Peer:
    """``x.index_select(t, idx)`` when every sample reads the same frames, ``x[b, idx]`` otherwise."""
    if shared or not batched:
        row, dim = index[0], (1 if batched else 0)
        return lambda x: x.index_select(dim, row)
    rows = torch.arange(index.shape[0], device=index.device).view(-1, 1)
    return lambda x: x[rows, index]


def lerp_peer(positions: Tensor, length: int, batched: bool) -> Peer:
    """Linear resampling at fractional (B, T_out) ``positions`` over ``length`` frames with ``torch.lerp``.

    ``i = floor(pos)``, ``j = min(i + 1, T - 1)``, ``w = pos - i``; uint8 frames are
    blended in float32, then rounded and clamped back.
    """
    shared = _shared_row(positions) is not None
    first = positions.floor()
    weight = positions - first
    first = first.long()
    second = (first + 1).clamp(max=length - 1)
    take_first, take_second = gather_peer(first, batched, shared), gather_peer(second, batched, shared)
    w = weight[0].view(-1, 1, 1, 1) if shared or not batched else weight.view(*weight.shape, 1, 1, 1)

    def run(x: Tensor) -> Tensor:
        a, b = take_first(x), take_second(x)
        if x.dtype == torch.uint8:
            return torch.lerp(a.float(), b.float(), w).round_().clamp_(0, 255).to(torch.uint8)
        return torch.lerp(a, b, w.to(x.dtype))

    return run


def make_peer(op: Transform, params: Params, shape: tuple[int, ...]) -> Peer:
    """The hand-written plain-torch equivalent of ``op.apply(x, params)`` for an ``x`` of ``shape``.

    The params must already live on x's device; whatever the peer needs from them
    (slice starts, index rows, weights) is computed here, outside any timed region.
    """
    batched = len(shape) == 5
    tdim = len(shape) - 4
    length = shape[tdim]
    if isinstance(op, Compose):
        peers: list[Peer] = []
        for child, child_params in zip(op.transforms, params.children):  # type: ignore[attr-defined]
            peers.append(make_peer(child, child_params, shape))
            shape = child.output_shape(shape)

        def chain(y: Tensor) -> Tensor:
            for peer in peers:
                y = peer(y)
            return y

        return chain
    if isinstance(op, TemporalReverse):
        return lambda y: y.flip(tdim)
    if isinstance(op, TemporalCrop):
        return slice_peer(params.start.tolist(), op.length, 1, batched)  # type: ignore[attr-defined]
    if isinstance(op, TemporalSubsample):
        n, k = op._plan(length)
        return slice_peer(params.offset.tolist(), (n - 1) * k + 1, k, batched)  # type: ignore[attr-defined]
    if isinstance(op, (FrameDrop, FrameDuplicate)):
        index = params.positions.long()  # type: ignore[attr-defined]
        return gather_peer(index, batched, _shared_row(index) is not None)
    if isinstance(op, (SpeedJitter, FrameInterpolate, TimeWarp)):
        return lerp_peer(params.positions, length, batched)  # type: ignore[attr-defined]
    raise TypeError(f"no peer for {op!r}")


# ------------------------------------------------------------------------ cases
@dataclasses.dataclass(frozen=True)
class OpCase:
    """One row family: a label, the op for a clip of T frames, and the peer's code for the legend."""

    label: str
    build: Callable[[int], Transform]
    peer_code: str


CASES: list[OpCase] = [
    OpCase("TemporalReverse()", lambda t: TemporalReverse(), "x.flip(t)"),
    OpCase("TemporalCrop(T/2)", lambda t: TemporalCrop(t // 2), "x[s:s+L]; batch: stack of per-sample slices"),
    OpCase(
        "TemporalSubsample(num_frames=8)",
        lambda t: TemporalSubsample(num_frames=8),
        "x[o:o+7k+1:k]; batch: stack of per-sample slices",
    ),
    OpCase(
        "SpeedJitter((0.5, 2))",
        lambda t: SpeedJitter(speed=(0.5, 2.0)),
        "torch.lerp(x[i], x[j], w) at the same positions",
    ),
    OpCase(
        "FrameInterpolate(factor=2)",
        lambda t: FrameInterpolate(factor=2),
        "torch.lerp(x[i], x[j], w) at the same positions",
    ),
    OpCase("FrameDrop(T/8)", lambda t: FrameDrop(max_frames=t // 8), "x.index_select(t, idx); batch: x[b, idx]"),
    OpCase(
        "FrameDuplicate(T/8)", lambda t: FrameDuplicate(max_frames=t // 8), "x.index_select(t, idx); batch: x[b, idx]"
    ),
    OpCase("TimeWarp(0.5)", lambda t: TimeWarp(strength=0.5), "torch.lerp(x[i], x[j], w) at the same positions"),
    OpCase(
        "Compose[Reverse, Crop(T/2), SpeedJitter]",
        lambda t: Compose([TemporalReverse(), TemporalCrop(t // 2), SpeedJitter(speed=(0.5, 2.0))]),
        "the three peers in sequence: flip, slice, lerp",
    ),
    OpCase(
        "same Compose, fuse=False",
        lambda t: Compose([TemporalReverse(), TemporalCrop(t // 2), SpeedJitter(speed=(0.5, 2.0))], fuse=False),
        "the three peers in sequence: flip, slice, lerp",
    ),
]


# ----------------------------------------------------------------------- a case
def _shares_storage(out: Tensor, x: Tensor) -> bool:
    """True when ``out`` is a view into ``x``'s storage."""
    return out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


def run_case(
    case: OpCase, scenario: str, t: int, device: torch.device, settings: Settings, seed: int
) -> dict[str, Any]:
    """Measure one op on one input; returns a JSON-ready row."""
    meter = CpuMeter()
    torch.manual_seed(seed)
    if scenario == "clip":
        x = torch.randint(0, 256, (t, *SIZE), dtype=torch.uint8)
        batch = 1
    else:
        batch = settings.batch_sizes[t]
        x = torch.rand((batch, t, *SIZE), device=device)
    op = case.build(t)
    params = op.sample(x.shape, generator=torch.Generator().manual_seed(seed), device=x.device)
    peer = make_peer(op, params, tuple(x.shape))

    estimates: dict[str, float] = {}
    reference, estimates["apply"] = timed_call(lambda: op.apply(x, params), x.device)
    peer_out, estimates["peer"] = timed_call(lambda: peer(x), x.device)
    _, estimates["call"] = timed_call(lambda: op(x), x.device)
    same: bool | str = reference.shape == peer_out.shape and bool(torch.equal(reference, peer_out))
    if not same and reference.shape == peer_out.shape and reference.dtype == torch.uint8:
        # uint8 blends on the CPU round with OpenCV's addWeighted, the torch peer with round(lerp):
        # equal up to one level on the rare pixels where the two roundings part
        if int((reference.int() - peer_out.int()).abs().max()) <= 1:
            same = "±1"
    view = _shares_storage(reference, x)
    peer_view = _shares_storage(peer_out, x)
    out_shape = tuple(reference.shape)
    copied = 0 if view else reference.numel() * reference.element_size()
    del reference, peer_out

    timings = measure(
        {"call": lambda: op(x), "apply": lambda: op.apply(x, params), "peer": lambda: peer(x)},
        estimates,
        x.device,
        settings,
    )
    rate = {name: batch / tm.median_s for name, tm in timings.items()}
    del x
    gc.collect()
    return {
        "op": case.label,
        "transform": repr(op),
        "scenario": scenario,
        "T": t,
        "B": batch,
        "dtype": "uint8" if scenario == "clip" else "float32",
        "device": "cpu" if scenario == "clip" else str(device),
        "out_shape": list(out_shape),
        "same_as_peer": same,
        "view": view,
        "peer_view": peer_view,
        "copied_bytes": copied,
        "peer_code": case.peer_code,
        "timings": {name: dataclasses.asdict(tm) for name, tm in timings.items()},
        "clips_per_s": rate,
        "ratio_call": rate["call"] / rate["peer"],
        "ratio_apply": rate["apply"] / rate["peer"],
        "other_processes_cpu_share": meter.other_share(),
    }


# ---------------------------------------------------------------------- reports
def _same(value: bool | str) -> str:
    """The =peer cell: yes, NO, or the tolerance it held to."""
    return value if isinstance(value, str) else ("yes" if value else "NO")


def _bytes(n: int) -> str:
    """Bytes in B, KB or MB (powers of 1000)."""
    if n == 0:
        return "0"
    for unit, scale in (("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _micros(seconds: float) -> str:
    """Seconds as microseconds or milliseconds."""
    us = seconds * 1e6
    return f"{us:,.0f} µs" if us < 10_000 else f"{us / 1000:,.1f} ms"


def results_table(rows: list[dict[str, Any]]) -> str:
    """The main markdown table, one line per (scenario, T, op)."""
    head = (
        "| scenario | T | B | op | tempaug op(x) clips/s | tempaug apply clips/s | peer clips/s "
        "| op(x)/peer | apply/peer | op(x) per call | view | copied | =peer |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        where = f"{r['scenario']} {r['dtype']} {r['device']}"
        lines.append(
            f"| {where} | {r['T']} | {r['B']} | {r['op']} | {rate_text(r['clips_per_s']['call'])} "
            f"| {rate_text(r['clips_per_s']['apply'])} | {rate_text(r['clips_per_s']['peer'])} "
            f"| {r['ratio_call']:.2f} | {r['ratio_apply']:.2f} | {_micros(r['timings']['call']['median_s'])} "
            f"| {'yes' if r['view'] else 'no'} | {_bytes(r['copied_bytes'])} | {_same(r['same_as_peer'])} |"
        )
    return "\n".join(lines)


def view_summary(rows: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Markdown table and data for the no-copy check: single uint8 CPU clip, T = 16 against T = 256."""
    lines = [
        "| op | view T=16 | view T=256 | copied T=256 | op(x) T=16 | op(x) T=256 | T=256 / T=16 | flat |",
        "|---|---|---|---|---|---|---|---|",
    ]
    data = []
    for label in ("TemporalCrop(T/2)", "TemporalSubsample(num_frames=8)", "TemporalReverse()"):
        by_t = {r["T"]: r for r in rows if r["scenario"] == "clip" and r["op"] == label}
        if set(by_t) != set(FRAME_COUNTS):
            continue
        small, large = by_t[16], by_t[256]
        growth = large["timings"]["call"]["median_s"] / small["timings"]["call"]["median_s"]
        flat = growth < 2.0
        data.append(
            {
                "op": label,
                "view": {16: small["view"], 256: large["view"]},
                "copied_bytes_T256": large["copied_bytes"],
                "call_s": {16: small["timings"]["call"]["median_s"], 256: large["timings"]["call"]["median_s"]},
                "growth": growth,
                "flat": flat,
            }
        )
        lines.append(
            f"| {label} | {'yes' if small['view'] else 'no'} | {'yes' if large['view'] else 'no'} "
            f"| {_bytes(large['copied_bytes'])} | {_micros(small['timings']['call']['median_s'])} "
            f"| {_micros(large['timings']['call']['median_s'])} | {growth:.2f} | {'yes' if flat else 'no'} |"
        )
    return "\n".join(lines), data


def notes(settings: Settings, device: torch.device) -> list[str]:
    """Plain-language notes printed under the table."""
    sizes = ", ".join(f"B={b} at T={t}" for t, b in settings.batch_sizes.items())
    items = [
        "clip: one uint8 (T,3,112,112) clip on the CPU; batch: one float32 (B,T,3,112,112) batch "
        f"on {device} ({sizes}, to keep memory bounded). Rates are clips per second (B clips per batch call).",
        "op(x) times tempaug's full call (drawing params, then applying them); apply times "
        "op.apply(x, params) with fixed params; the peer is the plain-torch code listed below, with its "
        "indices prepared outside the timed region from the same params. Ratios are tempaug's rate over the "
        "peer's: above 1 means tempaug is faster.",
        "=peer: the peer's output equals op.apply's bit for bit (±1: uint8 blends within one level, from OpenCV's rounding). view: op.apply's output shares the input's "
        "storage; copied: bytes written to new storage for the output.",
        "PyTorch tensors cannot have negative strides, so a reversed clip is always a copy (x.flip copies too).",
        "Random ops draw new params on every op(x) call; for a batch, per-sample starts/offsets differ, so "
        "TemporalCrop and TemporalSubsample gather a copy there (only a single clip, or a batch whose samples "
        "share one placement, can be a view on the CPU).",
        "Timings: time.perf_counter, one warmup call each (its time sets the block length), then interleaved "
        f"rounds of op(x), apply and peer (>= {settings.min_rounds} rounds, ~{settings.budget_s:g} s per case); "
        "the median block is reported, the best one is in the JSON.",
        "Every copying call allocates its output afresh. The JSON records minor page faults per call: where "
        "mapping fresh memory is slow, they dominate the rows with large outputs and make them vary from run "
        "to run; tempaug and the peer allocate the same output, so the ratios stay comparable.",
    ]
    if device.type == "cuda":
        items.append(CUDA_NOTE)
    return items


def legend() -> str:
    """One line per op: the peer's code."""
    return "\n".join(f"- {case.label}: `{case.peer_code}`" for case in CASES)


def markdown_report(info: dict[str, Any], table: str, view_table: str, settings: Settings, device: torch.device) -> str:
    """The .md file: machine info, the command, both tables, the legend and the notes."""
    return (
        "# Temporal op throughput\n\n"
        f"Command: `{info['command']}`\n\n"
        f"{machine_lines(info)}\n\n"
        "## Throughput\n\n"
        f"{table}\n\n"
        f"{contention_line(info)}\n\n"
        "## No needless copies (single uint8 clip on the CPU)\n\n"
        f"{view_table}\n\n"
        "flat: op(x) at T=256 takes less than twice its time at T=16 (no per-frame work).\n\n"
        "## Peers\n\n"
        f"{legend()}\n\n"
        "## Notes\n\n" + bullets(notes(settings, device)) + "\n"
    )


# ------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short budgets, B=4 at T=16 and B=1 at T=256 (< 20 s)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the JSON and .md")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="device of the batch scenario")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run every case, print the markdown table and write the JSON and .md reports."""
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is available")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    settings = QUICK if args.quick else FULL
    info = machine_info(device, command_line(argv), {"tempaug": tempaug.__version__})
    print(
        f"tempaug {info['tempaug']} | torch {info['torch']} | {info['cpu_model']} | "
        f"{info['cpus_usable']} CPUs usable | torch threads {info['torch_threads']} | device {device}",
        flush=True,
    )

    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    seed = 0
    for scenario in ("clip", "batch"):
        for t in FRAME_COUNTS:
            for case in CASES:
                row = run_case(case, scenario, t, device, settings, seed)
                seed += 1
                rows.append(row)
                print(
                    f"  {scenario:5s} T={t:<3d} {case.label:42s} op(x)/peer {row['ratio_call']:5.2f}  "
                    f"apply/peer {row['ratio_apply']:5.2f}",
                    file=sys.stderr,
                    flush=True,
                )
    finish_info(info, started)

    busy = contended_rows(rows)
    info["contended_cases"] = [f"{r['scenario']} T={r['T']} {r['op']}" for r in busy]
    table = results_table(rows)
    view_table, view_data = view_summary(rows)
    print()
    print(table)
    print()
    print(view_table)
    print()
    print(bullets(notes(settings, device)))
    print(f"\n{len(rows)} cases in {info['elapsed_s']} s")
    if busy:
        print(
            f"warning: other processes used > {CONTENDED:.0%} of the CPUs during: " + "; ".join(info["contended_cases"])
        )

    payload = {
        "machine": info,
        "settings": dataclasses.asdict(settings),
        "results": rows,
        "view_check": view_data,
        "notes": notes(settings, device),
    }
    markdown = markdown_report(info, table, view_table, settings, device)
    write_reports(args.out, "temporal_throughput", args.quick, device, payload, markdown)


if __name__ == "__main__":
    main()
