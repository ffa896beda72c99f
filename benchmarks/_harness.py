"""Measurement and report machinery shared by the benchmark scripts in this folder.

Timing (interleaved rounds of blocks, median block kept, minor page faults per
call), a meter of the CPU time other processes take, the machine description
written with every result, and the helpers that format and write the reports.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

try:
    import resource
except ImportError:  # not on every platform
    resource = None  # type: ignore[assignment]

#: A case is flagged when other processes used more than this share of the CPUs while it ran.
CONTENDED = 0.1
#: The note every report adds when the batch ran on a GPU.
CUDA_NOTE = "CUDA: torch.cuda.synchronize() before and after every timed block."
#: Where the reports go unless ``--out`` says otherwise.
RESULTS_DIR = Path(__file__).resolve().parent / "results"
Fn = Callable[[], Any]


# --------------------------------------------------------------------- settings
@dataclasses.dataclass(frozen=True)
class MeasureSettings:
    """How long to measure a case: time budget, block length and round limits."""

    budget_s: float
    block_s: float
    min_rounds: int
    max_rounds: int


# ----------------------------------------------------------------------- timing
@dataclasses.dataclass
class Timing:
    """Per-call cost of one callable: median and best block (seconds), calls and rounds timed, minor page faults."""

    median_s: float
    min_s: float
    calls: int
    rounds: int
    page_faults: float


def sync(device: torch.device) -> None:
    """Wait for queued kernels on an accelerator (no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def minor_faults() -> int:
    """Minor page faults of this process so far (0 where getrusage is unavailable)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


def timed_call(fn: Fn, device: torch.device) -> tuple[Any, float]:
    """One call of ``fn``, synchronised: its output and the seconds it took."""
    sync(device)
    start = time.perf_counter()
    out = fn()
    sync(device)
    return out, time.perf_counter() - start


def time_block(fn: Fn, calls: int, device: torch.device) -> tuple[float, float]:
    """Seconds and minor page faults per call over ``calls`` back-to-back calls, synchronised before and after."""
    sync(device)
    faults = minor_faults()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    sync(device)
    elapsed = time.perf_counter() - start
    return elapsed / calls, (minor_faults() - faults) / calls


def measure(
    fns: Mapping[str, Fn], estimates: Mapping[str, float], device: torch.device, settings: MeasureSettings
) -> dict[str, Timing]:
    """Time warmed-up callables in interleaved rounds, one block each per round in a rotating order.

    A block is about ``settings.block_s`` of calls (at least one, sized from the
    ``estimates`` in seconds per call); rounds run until the budget is spent, at
    least ``min_rounds`` and at most ``max_rounds``; the median block is kept.
    """
    inner = {name: max(1, min(10_000, math.ceil(settings.block_s / max(estimates[name], 1e-7)))) for name in fns}
    seconds: dict[str, list[float]] = {name: [] for name in fns}
    faults: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    start = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        rounds = 0
        while rounds < settings.max_rounds and (
            rounds < settings.min_rounds or time.perf_counter() - start < settings.budget_s
        ):
            for name in names[rounds % len(names) :] + names[: rounds % len(names)]:
                per_call, per_call_faults = time_block(fns[name], inner[name], device)
                seconds[name].append(per_call)
                faults[name].append(per_call_faults)
            rounds += 1
    finally:
        if gc_was_enabled:
            gc.enable()
    return {
        name: Timing(
            statistics.median(seconds[name]),
            min(seconds[name]),
            inner[name] * rounds,
            rounds,
            statistics.median(faults[name]),
        )
        for name in names
    }


# ------------------------------------------------------------------- contention
class CpuMeter:
    """Share of the machine's CPU time used by other processes between two readings (Linux /proc/stat)."""

    def __init__(self) -> None:
        self.wall, self.busy, self.own = time.perf_counter(), self._busy_s(), self._own_s()

    @staticmethod
    def _busy_s() -> float | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        # user, nice, system, (idle, iowait), irq, softirq, steal
        return (sum(fields[0:3]) + sum(fields[5:8])) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_s() -> float:
        t = os.times()
        return t.user + t.system

    def other_share(self) -> float | None:
        """Fraction of all CPUs' time since construction spent outside this process, less two ticks (None off Linux)."""
        busy = self._busy_s()
        if busy is None or self.busy is None:
            return None
        wall = time.perf_counter() - self.wall
        other = (busy - self.busy) - (self._own_s() - self.own)
        resolution = 2.0 / os.sysconf("SC_CLK_TCK")  # both counters tick in jiffies
        return max(0.0, other - resolution) / (wall * (os.cpu_count() or 1))


def contended_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The result rows during which other processes used more than ``CONTENDED`` of the CPUs."""
    return [r for r in rows if (r["other_processes_cpu_share"] or 0.0) > CONTENDED]


def contention_line(info: dict[str, Any]) -> str:
    """A line naming the cases during which other processes took a noticeable share of the CPUs."""
    cases = info.get("contended_cases") or []
    if not cases:
        return f"Other processes used at most {CONTENDED:.0%} of the CPUs during every case."
    return f"Warning: other processes used more than {CONTENDED:.0%} of the CPUs during: {'; '.join(cases)}."


# ---------------------------------------------------------------------- machine
def git(*args: str) -> str | None:
    """Output of a git command run in the repository, or None when git is unavailable."""
    try:
        return subprocess.run(
            ["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what the platform module knows."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return model


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, rounded (None where the platform has none)."""
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def command_line(argv: list[str] | None) -> str:
    """The command that ran this script, as a shell line."""
    return "python " + shlex.join(sys.argv if argv is None else [sys.argv[0], *argv])


def machine_info(
    device: torch.device, command: str, versions: Mapping[str, Any], threads: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """CPU, GPU, library versions, threads, git commit, date and the command line of this run.

    ``threads`` (thread counts of other libraries) follow torch's thread count;
    ``versions`` (library versions) follow torch's version, in the given order.
    """
    dirty = git("status", "--porcelain", "--", "tempaug")
    info: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        **(threads or {}),
        "torch": torch.__version__,
        **versions,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "tempaug_modified_since_commit": None if dirty is None else bool(dirty),
        "load_average_at_start": load_average(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": str(device),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cuda"] = torch.version.cuda
    return info


def finish_info(info: dict[str, Any], started: float) -> None:
    """Add the run's elapsed seconds since ``started`` (a perf_counter reading) and the load average at its end."""
    info["elapsed_s"] = round(time.perf_counter() - started, 1)
    end = load_average()
    if end is not None:
        info["load_average_at_end"] = end


# ---------------------------------------------------------------------- reports
def rate_text(v: float) -> str:
    """A rate with about three significant digits and thousands separators."""
    return f"{v:,.0f}" if v >= 100 else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def bullets(items: list[str]) -> str:
    """Markdown bullet list, one item a line."""
    return "\n".join(f"- {item}" for item in items)


def machine_lines(info: dict[str, Any], skip: tuple[str, ...] = ("command",)) -> str:
    """The machine info as ``- key: value`` lines, leaving out the keys in ``skip``."""
    return "\n".join(f"- {k}: {v}" for k, v in info.items() if k not in skip)


def write_reports(
    out: Path, stem: str, quick: bool, device: torch.device, payload: dict[str, Any], markdown: str
) -> tuple[Path, Path]:
    """Write ``<out>/<stem><suffix>.{json,md}`` and say so; ``_quick`` and ``_cuda`` mark quick and GPU runs."""
    suffix = ("_quick" if quick else "") + ("" if device.type == "cpu" else f"_{device.type}")
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}{suffix}.json", out / f"{stem}{suffix}.md"
    json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    print(f"wrote {json_path} and {md_path}")
    return json_path, md_path


# ------------------------------------------------------------------ experiments that run tempaug CLIs
def run_logged(cmd: list[str], log: Path, cwd: Path | None = None) -> float:
    """Run a command with its output appended to ``log`` (after a ``$ command`` line); its wall time in seconds."""
    start = time.perf_counter()
    with open(log, "a", encoding="utf-8") as f:
        f.write("$ " + shlex.join(cmd) + "\n")
        f.flush()
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT, cwd=cwd)
    return time.perf_counter() - start


def shown_command(cmd: list[str], work: Path) -> str:
    """A command as the docs show it: ``python`` for the interpreter, paths relative to the work folder."""
    return shlex.join(["python", *cmd[1:]]).replace(str(work) + "/", "").replace(str(work), ".")


def mean_std(values: list[float]) -> dict[str, Any]:
    """Mean, sample standard deviation (0 for one value) and the values."""
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "values": values,
    }
