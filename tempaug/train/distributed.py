"""Data-parallel training under ``torchrun``: one process per device, gradients averaged across them.

Under ``torchrun`` (``WORLD_SIZE`` > 1 in the environment) :func:`setup` joins the process group (gloo on the
CPU, nccl on CUDA). A model with one loss trains through ``DistributedDataParallel``; a model that steps its own
optimisers (the GAN) gets its gradients averaged by hooks that run as each gradient is accumulated. The shard
reader splits shards by rank through ``torch.distributed``. Only rank 0 writes checkpoints, metrics and plots.

Example:
    >>> from tempaug.train.distributed import setup
    >>> ctx = setup("cpu")
    >>> ctx.rank, ctx.world_size, ctx.is_main
    (0, 1, True)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from .config import resolve_device

__all__ = ["DistContext", "average_gradients", "setup", "teardown"]


@dataclass(frozen=True)
class DistContext:
    """This process's place in the run: rank, world size and device."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Whether this process writes the run folder."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether more than one process trains."""
        return self.world_size > 1


def setup(device: str) -> DistContext:
    """Join the ``torchrun`` process group when there is one; pick this rank's device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext(0, 1, resolve_device(device))
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    chosen = resolve_device(device)
    if chosen.type == "cuda":
        chosen = torch.device("cuda", local)
        torch.cuda.set_device(chosen)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return DistContext(rank, world, chosen)


def teardown() -> None:
    """Leave the process group, if this process joined one."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def average_gradients(model: nn.Module, world_size: int) -> None:
    """Average each parameter's gradient across ranks as soon as it is accumulated (for self-stepping models)."""

    def hook(param: torch.Tensor) -> None:
        if param.grad is not None:
            dist.all_reduce(param.grad)
            param.grad.div_(world_size)

    for param in model.parameters():
        if param.requires_grad:
            param.register_post_accumulate_grad_hook(hook)


def broadcast_parameters(model: nn.Module) -> None:
    """Start every rank from rank 0's weights."""
    for tensor in list(model.parameters()) + list(model.buffers()):
        dist.broadcast(tensor.data, src=0)
