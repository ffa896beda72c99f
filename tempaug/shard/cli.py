"""``python -m tempaug.shard``: build, verify, inspect and preview WebDataset shard folders.

Example:
    >>> from tempaug.shard.cli import parser
    >>> args = parser().parse_args(["build", "--train", "10", "--shard-size", "5"])
    >>> args.command, args.train, args.shard_size, args.out
    ('build', 10, 5, 'data/mmnist')
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

from ..core.errors import TempaugError
from .build import build
from .config import DEFAULT_OUT, DEFAULT_SPLIT_SIZES, BuildConfig
from .preview import preview_main
from .stats import inspect_main
from .verify import verify_main

__all__ = ["main", "parser"]


def _build_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "build",
        help="write a dataset as WebDataset shards (default: Moving MNIST train/val/test in ./data/mmnist)",
        description="Write clips as WebDataset tar shards with an index.json manifest. Re-running the same command "
        "resumes an interrupted build.",
    )
    src = p.add_argument_group("source")
    src.add_argument(
        "--source",
        default="mmnist",
        help="mmnist (default), folder:DIR (one sub-folder per class) "
        "or manifest:FILE (.csv/.jsonl with path[,label][,split] columns)",
    )
    src.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    mm = p.add_argument_group("Moving MNIST (--source mmnist)")
    for split in ("train", "val", "test"):
        mm.add_argument(
            f"--{split}",
            type=int,
            default=DEFAULT_SPLIT_SIZES[split],
            help=f"{split} clips (default {DEFAULT_SPLIT_SIZES[split]})",
        )
    mm.add_argument("--digits", type=int, default=2, help="digits per clip (default 2)")
    mm.add_argument("--frames", type=int, default=20, help="frames per clip (default 20)")
    mm.add_argument("--canvas", type=int, default=64, help="canvas height and width (default 64)")
    mm.add_argument("--stochastic", action="store_true", help="random direction after each bounce")
    vid = p.add_argument_group("video sources (folder:, manifest:)")
    vid.add_argument("--split", default="train", help="split of inputs with no split column (default train)")
    vid.add_argument("--clip-len", type=int, default=16, help="frames per clip (default 16; 0 takes whole videos)")
    vid.add_argument("--stride", type=int, default=1, help="step between frames taken (default 1)")
    vid.add_argument("--clips-per-video", type=int, default=1, help="clips spread evenly over each video (default 1)")
    vid.add_argument("--size", default=None, help="resize: S (short side) or HxW (default: keep)")
    enc = p.add_argument_group("encoding and sharding")
    enc.add_argument("--format", choices=("mp4", "npy"), default="mp4", help="mp4 (h264) or npy (lossless uint8)")
    enc.add_argument("--crf", type=int, default=18, help="h264 quality: 0 best .. 51 worst (default 18)")
    enc.add_argument("--fps", type=float, default=None, help="frame rate to record (default: the source's)")
    enc.add_argument("--shard-size", type=int, default=1000, help="samples per shard (default 1000)")
    enc.add_argument("--shard-bytes", type=float, default=1.0, help="GiB per shard at most (default 1)")
    aug = p.add_argument_group("offline augmentation")
    aug.add_argument("--augment", default=None, help="pipeline file (.json/.yaml) written by tempaug's save()")
    aug.add_argument("--copies", type=int, default=0, help="augmented copies per clip")
    aug.add_argument("--no-original", action="store_true", help="write only the augmented copies")
    aug.add_argument("--seed", type=int, default=0, help="seed of the dataset and of every copy (default 0)")
    syn = p.add_argument_group("synthetic clips")
    syn.add_argument(
        "--synthesize", default=None, metavar="CKPT", help="RCGAN checkpoint (or run folder) to generate with"
    )
    syn.add_argument(
        "--synthetic-per-class", type=int, default=0, help="generated clips added to the training split per class"
    )
    run = p.add_argument_group("running")
    run.add_argument("--workers", type=int, default=0, help="local worker processes (default: one per core)")
    run.add_argument("--engine", choices=("local", "ray"), default="local", help="local process pool or Ray")
    run.add_argument("--ray-address", default=None, help="Ray cluster address, e.g. auto (default: start locally)")
    run.add_argument(
        "--max-failures",
        type=int,
        default=None,
        help="exit non-zero when more inputs than this fail (default: report failures, exit 0)",
    )
    run.add_argument("--overwrite", action="store_true", help="rebuild from scratch over an existing dataset")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors and the failures")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m tempaug.shard``."""
    p = argparse.ArgumentParser(prog="python -m tempaug.shard", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    _build_parser(sub)
    for name, text in (
        ("verify", "re-hash every shard against index.json and decode every sample"),
        ("inspect", "print counts per split, labels, clip length, resolution and bytes"),
    ):
        q = sub.add_parser(name, help=text, description=text)
        q.add_argument("folder", help="a shard folder (holding index.json)")
        if name == "verify":
            q.add_argument("--quiet", action="store_true", help="print only problems and the summary")
    q = sub.add_parser(
        "preview", help="write a GIF grid of random samples", description="write a GIF grid of random samples"
    )
    q.add_argument("folder", help="a shard folder (holding index.json)")
    q.add_argument("--out", default="preview.gif", help="GIF to write (default preview.gif)")
    q.add_argument("--count", type=int, default=8, help="samples in the grid (default 8)")
    q.add_argument("--split", default=None, help="take samples from this split only")
    q.add_argument("--seed", type=int, default=0, help="which samples (default 0)")
    return p


def _run_build(args: argparse.Namespace, argv: Sequence[str]) -> int:
    cfg = BuildConfig(
        source=args.source,
        out=args.out,
        train=args.train,
        val=args.val,
        test=args.test,
        digits=args.digits,
        frames=args.frames,
        canvas=args.canvas,
        stochastic=args.stochastic,
        split=args.split,
        clip_len=args.clip_len or None,
        stride=args.stride,
        clips_per_video=args.clips_per_video,
        size=args.size,
        format=args.format,
        crf=args.crf,
        fps=args.fps,
        shard_size=args.shard_size,
        shard_bytes=max(1, int(args.shard_bytes * 2**30)),
        augment=args.augment,
        copies=args.copies,
        no_original=args.no_original,
        seed=args.seed,
        synthesize=args.synthesize,
        synthetic_per_class=args.synthetic_per_class,
        workers=args.workers,
        engine=args.engine,
        ray_address=args.ray_address,
        max_failures=args.max_failures,
        overwrite=args.overwrite,
        quiet=args.quiet,
    )
    summary = build(cfg, command=shlex.join(["python", "-m", "tempaug.shard", *argv]))
    if summary.run_samples == 0 and summary.complete and not args.quiet:
        print(f"{summary.out} is already complete; pass --overwrite to rebuild it", file=sys.stderr)
    print(summary.line())
    if summary.failed:
        print(f"{summary.failed} inputs failed: see {summary.out}/failures.jsonl", file=sys.stderr)
    if args.max_failures is not None and summary.failed > args.max_failures:
        print(f"error: {summary.failed} failures exceed --max-failures {args.max_failures}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m tempaug.shard`` with ``argv``; returns the exit code.

    Example:
        >>> from tempaug.shard.cli import main
        >>> main(["inspect", "/no/such/folder"])
        2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    try:
        if args.command == "build":
            return _run_build(args, argv)
        if args.command == "verify":
            return verify_main(args)
        if args.command == "inspect":
            return inspect_main(args)
        return preview_main(args)
    except (TempaugError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: committed shards are kept; run the same command again to resume", file=sys.stderr)
        return 130
