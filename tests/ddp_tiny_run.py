"""Run by tests/test_train_loop.py under torchrun: the training loop with a stand-in model on 2 CPU processes."""

from __future__ import annotations

import json
import os
import sys

import torch
from torch import nn

from tempaug.train import run as run_module
from tempaug.train.config import TrainConfig


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(1, 1)

    def predict(self, context: torch.Tensor, horizon: int) -> torch.Tensor:
        """Repeat the last context frame (the evaluation's stand-in prediction)."""
        return context[:, -1:].repeat(1, horizon, 1, 1, 1)

    def loss(self, clips: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        loss = ((self.lin(clips.mean(dim=(1, 2, 3, 4)).unsqueeze(-1)) - 0.3) ** 2).mean()
        return loss, {}


if __name__ == "__main__":
    data, out = sys.argv[1], sys.argv[2]
    models: list[Tiny] = []

    def build(*args: object, **kwargs: object) -> Tiny:
        models.append(Tiny())
        return models[-1]

    run_module.build_model = build
    cfg = TrainConfig(
        kind="seq2seq", data=data, out=out, batch_size=2, num_workers=0, context=2, horizon=2, max_steps=3, quiet=True
    )
    result = run_module.train(cfg)
    weight = models[0].lin.weight.detach().clone()
    rank = int(os.environ["RANK"])
    with open(f"{out}.rank{rank}.json", "w") as f:
        json.dump(
            {"rank": rank, "ranks": result["ranks"], "weight": weight.flatten().tolist(), "steps": result["step"]}, f
        )
