"""Engines run a build's tasks: a local process pool (default) or a Ray cluster. Both run :func:`run_task`.

An engine yields each :class:`TaskResult` as its task finishes, in any order; the build puts the shards in order.
A task is idempotent (it rewrites its own temporary shards from scratch), so a retried task is harmless.

Example:
    >>> import tempfile
    >>> from tempaug.shard.config import BuildConfig
    >>> from tempaug.shard.engines import LocalEngine
    >>> from tempaug.shard.sources import list_inputs
    >>> from tempaug.shard.tasks import plan_tasks
    >>> cfg = BuildConfig(train=2, val=0, test=0, frames=3, canvas=28, digits=1, shard_size=1, format="npy")
    >>> tasks = plan_tasks(list_inputs(cfg).inputs, cfg, tempfile.mkdtemp())["train"]
    >>> sorted(r.number for r in LocalEngine(workers=1).run(tasks, cfg))
    [0, 1]
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import torch

from ..core.errors import InvalidArgumentError, TempaugError
from .config import BuildConfig
from .tasks import Task, TaskResult, run_task

__all__ = ["EngineError", "LocalEngine", "RayEngine", "make_engine"]


class EngineError(TempaugError, RuntimeError):
    """A worker died or the cluster could not be reached; finished shards stay, and re-running resumes."""


_progress: Any = None


def _init_worker(progress: Any) -> None:
    global _progress
    _progress = progress
    torch.set_num_threads(1)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - opencv is a dependency
        pass


def _report(samples: int) -> None:
    if _progress is not None:
        _progress.put(samples)


def _pool_task(task: Task, cfg: BuildConfig) -> TaskResult:
    return run_task(task, cfg, report=_report)


class LocalEngine:
    """Run tasks on this machine: in-process with one worker, else in a pool of spawned worker processes.

    Args:
        workers: worker processes; 0 uses one per CPU core.

    Example:
        >>> from tempaug.shard.engines import LocalEngine
        >>> LocalEngine(workers=0).workers == (__import__("os").cpu_count() or 1)
        True
    """

    name = "local"

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or os.cpu_count() or 1

    def run(
        self, tasks: list[Task], cfg: BuildConfig, on_samples: Callable[[int], None] | None = None
    ) -> Iterator[TaskResult]:
        """Run ``tasks``, yielding each result as it finishes; ``on_samples`` hears of every input written."""
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # as in the pool: one thread per task is faster than several fighting
            try:
                for task in tasks:
                    yield run_task(task, cfg, report=on_samples)
            finally:
                torch.set_num_threads(threads)
            return
        ctx = multiprocessing.get_context("spawn")
        progress = ctx.Queue()
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(tasks)), mp_context=ctx, initializer=_init_worker, initargs=(progress,)
        )
        try:
            pending: set[Future[TaskResult]] = {pool.submit(_pool_task, task, cfg) for task in tasks}
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(progress, on_samples)
                for future in done:
                    try:
                        result = future.result()
                    except BrokenProcessPool as err:
                        raise EngineError(
                            f"a build worker died ({err}); finished shards are kept, re-run to resume"
                        ) from err
                    _drain(progress, on_samples)
                    yield result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            progress.close()


def _drain(progress: Any, on_samples: Callable[[int], None] | None) -> None:
    while True:
        try:
            count = progress.get_nowait()
        except queue.Empty:
            return
        if on_samples is not None:
            on_samples(count)


def _ray_task(task: Task, cfg: BuildConfig) -> TaskResult:
    torch.set_num_threads(1)
    return run_task(task, cfg)


class RayEngine:
    """Run tasks on a Ray cluster, one CPU each; ``--out`` must be a folder every node can write.

    Args:
        address: the cluster (``"auto"`` for the one this machine belongs to); None starts a local Ray instance,
            or uses the one already initialised in this process.
        max_retries: times Ray reruns a task whose worker died.

    Example:
        >>> from tempaug.shard.engines import RayEngine
        >>> RayEngine(address="auto").address
        'auto'
    """

    name = "ray"

    def __init__(self, address: str | None = None, max_retries: int = 3) -> None:
        self.address, self.max_retries = address, max_retries

    def run(
        self, tasks: list[Task], cfg: BuildConfig, on_samples: Callable[[int], None] | None = None
    ) -> Iterator[TaskResult]:
        """Run ``tasks`` as Ray tasks, yielding each result as it finishes; progress is told per task."""
        try:
            import ray
        except ImportError:
            raise EngineError("--engine ray needs Ray: pip install 'tempaug[ray]'") from None
        if not tasks:
            return
        started = not ray.is_initialized()
        if started:
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError) as err:
                raise EngineError(f"could not reach the Ray cluster at {self.address!r}: {err}") from None
        try:
            remote = ray.remote(num_cpus=1, max_retries=self.max_retries)(_ray_task)
            cfg_ref = ray.put(cfg)
            pending = [remote.remote(task, cfg_ref) for task in tasks]
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                try:
                    result: TaskResult = ray.get(done[0])
                except ray.exceptions.RayError as err:
                    raise EngineError(f"a Ray task failed: {err}") from None
                if on_samples is not None:
                    on_samples(result.samples)
                yield result
        finally:
            if started:
                ray.shutdown()


def make_engine(cfg: BuildConfig) -> LocalEngine | RayEngine:
    """The engine ``cfg.engine`` names.

    Example:
        >>> from tempaug.shard.config import BuildConfig
        >>> from tempaug.shard.engines import make_engine
        >>> make_engine(BuildConfig(workers=2)).workers
        2
    """
    if cfg.engine == "local":
        return LocalEngine(cfg.workers)
    if cfg.engine == "ray":
        return RayEngine(cfg.ray_address)
    raise InvalidArgumentError(f"engine must be 'local' or 'ray', got {cfg.engine!r}", "engine")
