"""``python -m tempaug.demo``: augment a built-in clip with every temporal op and write a side-by-side GIF.

Example:
    >>> import os, tempfile
    >>> from tempaug.demo import main
    >>> main(["--out", os.path.join(tempfile.mkdtemp(), "demo.gif"), "--frames", "8", "--size", "32"])
    tempaug demo: 9 augmentations of a 8-frame 32x32 clip -> ...
    0
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from . import Compose, save
from .datasets.synthetic import clock_clip
from .io.preview import clip_grid, save_gif
from .ops.temporal import (
    FrameDrop,
    FrameDuplicate,
    FrameInterpolate,
    SpeedJitter,
    TemporalCrop,
    TemporalReverse,
    TemporalSubsample,
    TimeWarp,
)

__all__ = ["demo_pipelines", "main"]


def demo_pipelines(frames: int) -> dict[str, Compose]:
    """The pipelines the demo shows, by caption, for a clip of ``frames`` frames.

    Example:
        >>> from tempaug.demo import demo_pipelines
        >>> sorted(demo_pipelines(16))[:2]
        ['crop', 'drop']
    """
    return {
        "reverse": Compose([TemporalReverse()]),
        "slow": Compose([SpeedJitter(speed=(0.5, 0.5))]),
        "fast": Compose([SpeedJitter(speed=(2.0, 2.0), boundary="loop")]),
        "warp": Compose([TimeWarp(strength=1.0)]),
        "drop": Compose([FrameDrop(max_frames=frames // 3)]),
        "dup": Compose([FrameDuplicate(max_frames=frames // 3)]),
        "crop": Compose([TemporalCrop(frames // 2), FrameInterpolate(length=frames)]),
        "stride": Compose([TemporalSubsample(stride=2, offset="start"), FrameInterpolate(length=frames)]),
        "mix": Compose([TemporalReverse(p=0.5), SpeedJitter(speed=(0.5, 2.0), boundary="reflect")]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m tempaug.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo.gif"), help="GIF to write (default: demo.gif)")
    parser.add_argument("--frames", type=int, default=24, help="frames in the input clip")
    parser.add_argument("--size", type=int, default=64, help="frame height and width")
    parser.add_argument("--seed", type=int, default=0, help="seed of the clip and of every draw")
    parser.add_argument("--save-pipeline", type=Path, default=None, help="also write the 'mix' pipeline as .yaml/.json")
    args = parser.parse_args(argv)
    if args.frames < 4 or args.size < 8:
        parser.error("--frames must be >= 4 and --size >= 8")

    started = time.perf_counter()
    clip = clock_clip(frames=args.frames, size=args.size, seed=args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    outputs, labels = [clip], ["input"]
    for label, pipeline in demo_pipelines(args.frames).items():
        out, params = pipeline(clip, generator=generator, return_params=True)
        assert torch.equal(pipeline.apply(clip, params), out)
        outputs.append(out)
        labels.append(label)
        print(f"  {label:8s} {pipeline}", file=sys.stderr)
    path = save_gif(clip_grid(outputs, labels), args.out, fps=8, scale=2 if args.size <= 64 else 1)
    if args.save_pipeline is not None:
        save(demo_pipelines(args.frames)["mix"], args.save_pipeline)
    print(
        f"tempaug demo: {len(outputs) - 1} augmentations of a {args.frames}-frame {args.size}x{args.size} clip "
        f"-> {path} ({path.stat().st_size} bytes, {time.perf_counter() - started:.2f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
