"""The evaluation that ends every run: metrics on the fixed test split, a GIF to look at, the loss curves.

Seq2Seq and VAE: per-frame MSE and MAE (summed over the pixels of [0, 1] frames), PSNR and SSIM, per predicted
time step and averaged; the VAE scores the best of ``eval_samples`` samples per clip. RCGAN: a GIF of samples
per class (its Fréchet distance and TSTR scores are not computed by this evaluation yet).

Example:
    >>> from tempaug.train.evaluate import eval_split
    >>> eval_split({"train": 1, "test": 2}), eval_split({"train": 1, "val": 1})
    ('test', 'val')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..core.errors import InvalidInputError
from .config import TrainConfig
from .metrics import best_of_n, frame_mae, frame_mse, frame_psnr, frame_ssim, summarise
from .plots import comparison_gif, loss_curves_png

__all__ = ["eval_split", "evaluate"]


def eval_split(splits: dict[str, int]) -> str:
    """The split evaluated: ``test`` when the dataset has one, else ``val``."""
    for name in ("test", "val"):
        if splits.get(name):
            return name
    raise InvalidInputError(f"the dataset has no test or val split to evaluate on (splits: {sorted(splits)})")


def _test_clips(cfg: TrainConfig, device: torch.device) -> tuple[Tensor, Tensor, list[dict[str, Any]]]:
    from ..data import make_loader
    from ..data.sources import resolve_shards

    splits: dict[str, int] = {}
    for shard in resolve_shards(cfg.data, split=None):
        name = Path(shard.url).name.split("-")[0]
        splits[name] = splits.get(name, 0) + shard.samples
    loader = make_loader(cfg.data, split=eval_split(splits), batch_size=cfg.batch_size, num_workers=0, seed=0)
    clips, labels, meta = [], [], []
    for batch in loader:
        clips.append(batch.clips)
        labels.append(batch.labels)
        meta.extend(batch.meta)
        if sum(len(c) for c in clips) >= cfg.eval_clips:
            break
    x = torch.cat(clips)[: cfg.eval_clips].to(device)
    return (x.float() / 255 if x.dtype == torch.uint8 else x), torch.cat(labels)[: cfg.eval_clips], meta


def _prediction_metrics(pred: Tensor, target: Tensor) -> dict[str, Tensor]:
    found = {"mse": frame_mse(pred, target), "mae": frame_mae(pred, target), "psnr": frame_psnr(pred, target)}
    if min(target.shape[-2:]) >= 11:
        found["ssim"] = frame_ssim(pred, target)
    return found


@torch.no_grad()
def evaluate(
    model: nn.Module,
    cfg: TrainConfig,
    device: torch.device,
    out: Path,
    step: int,
    history: dict[str, list[list[float]]],
) -> dict[str, Any]:
    """Evaluate ``model`` on the test split; write ``eval.gif`` and ``loss.png`` into ``out``; return the record."""
    model.eval()
    clips, _, _ = _test_clips(cfg, device)
    record: dict[str, Any] = {"step": step, "clips": len(clips)}
    if cfg.kind in ("seq2seq", "vae"):
        context, target = clips[:, : cfg.context], clips[:, cfg.context : cfg.context + cfg.horizon]
        preds = []
        for start in range(0, len(clips), cfg.batch_size):
            part = context[start : start + cfg.batch_size]
            if cfg.kind == "seq2seq":
                preds.append(model.predict(part, cfg.horizon))
            else:
                gen = torch.Generator().manual_seed(cfg.seed + start)
                samples = torch.stack(
                    [model.predict(part, cfg.horizon, generator=gen) for _ in range(cfg.eval_samples)]
                )
                preds.append(best_of_n(samples, target[start : start + cfg.batch_size])["best"])
        pred = torch.cat(preds)
        record["metrics"] = summarise(_prediction_metrics(pred, target))
        if cfg.kind == "vae":
            record["best_of"] = cfg.eval_samples
        comparison_gif(
            [clips[:4].cpu(), torch.cat([context[:4], pred[:4]], dim=1).cpu()],
            ["ground truth", "context + prediction"],
            out / "eval.gif",
        )
    else:
        classes = torch.arange(model.num_classes if hasattr(model, "num_classes") else 10, device=device)
        samples = model.generate(classes, length=clips.shape[1], generator=torch.Generator().manual_seed(cfg.seed))
        comparison_gif([samples.cpu()], ["samples, one row per class"], out / "eval.gif")
        record["samples"] = len(classes)
    if history:
        loss_curves_png({k: [(int(s), float(v)) for s, v in pts] for k, pts in history.items()}, out / "loss.png")
    return record
