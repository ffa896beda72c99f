"""The evaluation that ends every run (and ``python -m tempaug.train eval RUN``): metrics on the fixed test split,
a GIF to look at, the loss curves.

Seq2Seq and VAE: per-frame MSE and MAE (summed over the pixels of [0, 1] frames), PSNR and SSIM, per predicted
time step and averaged; the VAE scores the best of ``eval_samples`` samples per clip.

RCGAN, with a probe classifier trained on the real training clips (:mod:`tempaug.train.probe`):

- ``frechet``: the Fréchet distance between the probe's features of one half of the real test clips and of clips
  generated for the labels of the other half; ``frechet_real`` is the distance between the two real halves, the
  floor a perfect generator would reach at this sample size. **Not FVD**, and not comparable to published FVD figures.
- ``label_accuracy``: the probe's accuracy on the generated clips (does a clip show its label?); ``real_accuracy``
  is its accuracy on the real test clips.
- ``tstr``: a fresh classifier trained the same way on generated clips only, tested on the real test clips;
  ``trtr`` is ``real_accuracy`` (trained on real clips), the number ``tstr`` is read against.

Classifier: ``accuracy`` on the test clips (their label, the first digit for Moving MNIST clips) and
``balanced_accuracy`` (the mean of the per-class accuracies, over the classes present); the record holds the
confusion matrix (``confusion``, rows true, columns predicted) and ``confusion.png`` draws it.

FrameGAN (the image GAN an RCGAN can start from): no scores, a GIF of one real frame per class (the first frame
of a test clip of that class) beside a generated frame of each class; the record says how many (``samples``).

Example:
    >>> from tempaug.train.evaluate import rcgan_gif_rows
    >>> import torch
    >>> real, fake = rcgan_gif_rows(torch.rand(6, 2, 1, 4, 4), torch.tensor([1, 0, 1, 2, 0, 2]), torch.rand(3, 2, 1, 4, 4))
    >>> real.shape, fake.shape
    (torch.Size([3, 2, 1, 4, 4]), torch.Size([3, 2, 1, 4, 4]))
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..core.errors import InvalidInputError
from ..core.registry import from_dict
from ..data import dataset_info
from .config import EvalArgs, TrainConfig, resolve_device
from .loop import resume_from, write_json_line
from .metrics import (
    best_of_n,
    classifier_accuracy,
    classifier_features,
    frame_mae,
    frame_mse,
    frame_psnr,
    frame_ssim,
    frechet_distance,
    summarise,
    tstr,
)
from .model_data import build_model, check_data_fits, data_shape
from .plots import comparison_gif, confusion_png, loss_curves_png, panels_png
from .probe import PROBE_NAME, Probe, load_probe, read_clips, save_probe, train_probe_on

__all__ = [
    "FVD_NOTE",
    "classifier_scores",
    "confusion_matrix",
    "evaluate",
    "evaluate_run",
    "framegan_samples",
    "metrics_png",
    "rcgan_gif_rows",
]

#: What every RCGAN record says about its distance.
FVD_NOTE = (
    "frechet is a Fréchet distance in the features of a VideoClassifier probe trained on this dataset; "
    "it is not FVD and not comparable to published FVD figures"
)


def _to_unit(clips: Tensor) -> Tensor:
    return clips.float() / 255 if clips.dtype == torch.uint8 else clips.float()


def _prediction_metrics(pred: Tensor, target: Tensor) -> dict[str, Tensor]:
    found = {"mse": frame_mse(pred, target), "mae": frame_mae(pred, target), "psnr": frame_psnr(pred, target)}
    if min(target.shape[-2:]) >= 11:
        found["ssim"] = frame_ssim(pred, target)
    return found


def rcgan_gif_rows(real: Tensor, labels: Tensor, samples: Tensor) -> tuple[Tensor, Tensor]:
    """One real clip per class (the first of each label; a blank clip for a class absent from ``real``) beside
    ``samples`` (one per class, in label order)."""
    rows = torch.zeros_like(samples)
    for c in range(samples.shape[0]):
        hit = (labels == c).nonzero()
        if len(hit):
            rows[c] = real[int(hit[0])].to(rows)
    return rows, samples


def _predict(model: Any, cfg: TrainConfig, clips: Tensor) -> dict[str, Any]:
    context, target = clips[:, : cfg.context], clips[:, cfg.context : cfg.context + cfg.horizon]
    preds = []
    for start in range(0, len(clips), cfg.batch_size):
        part = context[start : start + cfg.batch_size]
        if cfg.kind == "seq2seq":
            preds.append(model.predict(part, cfg.horizon))
        else:
            gen = torch.Generator().manual_seed(cfg.seed + start)
            samples = torch.stack([model.predict(part, cfg.horizon, generator=gen) for _ in range(cfg.eval_samples)])
            preds.append(best_of_n(samples, target[start : start + cfg.batch_size])["best"])
    pred = torch.cat(preds)
    record: dict[str, Any] = {"metrics": summarise(_prediction_metrics(pred, target))}
    if cfg.kind == "vae":
        record["best_of"] = cfg.eval_samples
    record["_gif"] = (
        [clips[:4].cpu(), torch.cat([context[:4], pred[:4]], dim=1).cpu()],
        ["ground truth", "context + prediction"],
    )
    return record


def _probe(
    cfg: TrainConfig, out: Path, info: Any, num_classes: int, length: int, device: torch.device, log: Any
) -> tuple[Probe, Tensor | None]:
    """The probe (``--classifier``, the run's own, or a new one) and, when trained here, its training labels."""
    if cfg.classifier is not None:
        return load_probe(cfg.classifier, info.fingerprint, num_classes), None
    own = out / PROBE_NAME
    if own.is_file():
        probe = load_probe(own, info.fingerprint, num_classes)
        if probe.steps == cfg.classifier_steps:
            return probe, None
    log(f"training the probe classifier on real clips ({cfg.classifier_steps} steps)")
    clips, labels = read_clips(cfg.data, "train", max(cfg.eval_clips, 1024))
    clips = clips[:, :length]
    probe = train_probe_on(clips.to(device), labels.to(device), num_classes, cfg.classifier_steps, info.fingerprint)
    save_probe(probe, own)
    return probe, labels


def _generate(model: Any, labels: Tensor, length: int, seed: int, batch_size: int) -> Tensor:
    gen = torch.Generator().manual_seed(seed)
    parts = [
        model.generate(labels[i : i + batch_size], length=length, generator=gen)
        for i in range(0, len(labels), batch_size)
    ]
    return torch.cat(parts)


def _rcgan_scores(
    model: Any, cfg: TrainConfig, out: Path, test: Tensor, test_labels: Tensor, info: Any, log: Any
) -> dict[str, Any]:
    num_classes = int(model.num_classes)
    device = next(model.parameters()).device
    length = int(model.length)  # the length it was trained on; real clips are cut to their first frames
    if test.shape[1] < length:
        raise InvalidInputError(f"rcgan: the test clips have {test.shape[1]} frames, the model makes {length}")
    probe, train_labels = _probe(cfg, out, info, num_classes, length, device, log)
    probe.model.to(device)
    if train_labels is None:  # TSTR generates for the labels of the clips the probe trained on
        train_labels = read_clips(cfg.data, "train", probe.clips)[1]
    test, test_labels, train_labels = test[:, :length].to(device), test_labels.to(device), train_labels.to(device)
    fake_test = _generate(model, test_labels, length, cfg.seed, cfg.batch_size)
    fake_train = _generate(model, train_labels, length, cfg.seed + 1, cfg.batch_size)
    if len(test) < 4:
        raise InvalidInputError(f"rcgan: the evaluation needs at least 4 test clips, got {len(test)}")
    # Reference: half A of the real test clips. Half B, and the clips generated for half B's labels, are scored
    # against it at the same sample size, so frechet_real is the floor frechet is read against.
    half = len(test) // 2
    feats = classifier_features(probe.model, test)
    fake_feats = classifier_features(probe.model, fake_test)
    reference, other = feats[:half], feats[half : 2 * half]
    real_accuracy = classifier_accuracy(probe.model, test, test_labels)
    metrics = {
        "frechet": frechet_distance(reference, fake_feats[half : 2 * half], method="eigh"),
        "frechet_real": frechet_distance(reference, other, method="eigh"),
        "label_accuracy": classifier_accuracy(probe.model, fake_test, test_labels),
        "real_accuracy": real_accuracy,
        "tstr": tstr(
            fake_train,
            train_labels,
            test,
            test_labels,
            num_classes,
            steps=probe.steps,
            width=probe.model.width,
            input_size=probe.model.input_size,
        ),
        "trtr": real_accuracy,
    }
    samples = _generate(model, torch.arange(num_classes, device=device), length, cfg.seed, cfg.batch_size)
    real_rows, fake_rows = rcgan_gif_rows(_to_unit(test), test_labels, samples)
    return {
        "metrics": {k: round(float(v), 6) for k, v in metrics.items()},
        "probe": probe.describe(),
        "note": FVD_NOTE,
        "_gif": ([real_rows, fake_rows], ["real, one per class", "generated"]),
    }


def framegan_samples(model: Any, cfg: TrainConfig, test: Tensor, test_labels: Tensor) -> dict[str, Any]:
    """A FrameGAN's evaluation: one frame generated per class (seeded by ``cfg.seed``) beside the first frame of a
    real ``test`` clip of that class, as T=1 clips for ``eval.gif``; no scores.

    Example:
        >>> import torch
        >>> from tempaug.models import FrameGAN
        >>> from tempaug.train.config import TrainConfig
        >>> from tempaug.train.evaluate import framegan_samples
        >>> gan = FrameGAN(num_classes=3, size=16, z_dim=4, hidden=8, width=4)
        >>> found = framegan_samples(gan, TrainConfig(kind="framegan"), torch.rand(5, 2, 1, 16, 16), torch.tensor([2, 0, 2, 1, 0]))
        >>> found["samples"], [tuple(rows.shape) for rows in found["_gif"][0]]
        (3, [(3, 1, 1, 16, 16), (3, 1, 1, 16, 16)])
    """
    num_classes = int(model.num_classes)
    device = next(model.parameters()).device
    classes = torch.arange(num_classes, device=device)
    samples = model.generate(classes, generator=torch.Generator().manual_seed(cfg.seed)).unsqueeze(1).cpu()
    real_rows, fake_rows = rcgan_gif_rows(_to_unit(test[:, :1]).cpu(), test_labels.cpu(), samples)
    return {"samples": num_classes, "_gif": ([real_rows, fake_rows], ["real, one per class", "generated"])}


def confusion_matrix(pred: Tensor, labels: Tensor, num_classes: int) -> Tensor:
    """(K, K) int64 counts: row ``i``, column ``j`` counts the clips of label ``i`` predicted as ``j``.

    Example:
        >>> import torch
        >>> from tempaug.train.evaluate import confusion_matrix
        >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2).tolist()
        [[1, 1], [0, 1]]
    """
    flat = labels.long().cpu() * num_classes + pred.long().cpu()
    return torch.bincount(flat, minlength=num_classes * num_classes).view(num_classes, num_classes)


@torch.no_grad()
def classifier_scores(model: Any, clips: Tensor, labels: Tensor, out: Path, batch_size: int = 64) -> dict[str, Any]:
    """A classifier's evaluation on float ``clips`` and their class ``labels``: accuracy, balanced accuracy and the
    confusion matrix, drawn into ``out/confusion.png``.

    Example:
        >>> import tempfile, torch
        >>> from pathlib import Path
        >>> from tempaug.models import VideoClassifier
        >>> from tempaug.train.evaluate import classifier_scores
        >>> model = VideoClassifier(3, width=4).eval()
        >>> found = classifier_scores(model, torch.rand(5, 4, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1]), Path(tempfile.mkdtemp()))
        >>> sorted(found["metrics"]), sum(map(sum, found["confusion"]))
        (['accuracy', 'balanced_accuracy'], 5)
    """
    device = next(model.parameters()).device
    num_classes = int(model.num_classes)
    if len(clips) == 0:
        raise InvalidInputError("classifier: no test clips to evaluate")
    if int(labels.max()) >= num_classes:
        raise InvalidInputError(
            f"classifier: a test clip has label {int(labels.max())}, the model has {num_classes} classes"
        )
    pred = torch.cat(
        [model(clips[i : i + batch_size].to(device)).argmax(dim=1).cpu() for i in range(0, len(clips), batch_size)]
    )
    matrix = confusion_matrix(pred, labels, num_classes)
    seen = matrix.sum(dim=1)
    recall = matrix.diagonal()[seen > 0].double() / seen[seen > 0]
    metrics = {
        "accuracy": round(float(matrix.diagonal().sum()) / len(clips), 6),
        "balanced_accuracy": round(float(recall.mean()), 6),
    }
    confusion_png(matrix.tolist(), out / "confusion.png", title=f"test accuracy {metrics['accuracy']:.3f}")
    return {"metrics": metrics, "confusion": matrix.tolist()}


@torch.no_grad()
def evaluate(
    model: nn.Module,
    cfg: TrainConfig,
    device: torch.device,
    out: Path,
    step: int,
    history: dict[str, list[list[float]]],
) -> dict[str, Any]:
    """Evaluate ``model`` on the test split; write ``eval.gif`` (``confusion.png`` for a classifier),
    ``metrics.png`` (when the model has scores) and ``loss.png`` into ``out``; return the record."""
    model.eval()
    info = dataset_info(cfg.data)
    split = info.eval_split()
    clips, labels = read_clips(cfg.data, split, cfg.eval_clips)
    clips = _to_unit(clips)

    def log(text: str) -> None:
        if not cfg.quiet:
            print(f"eval: {text}", file=sys.stderr)

    record: dict[str, Any] = {"step": step, "split": split, "clips": len(clips)}
    if cfg.kind in ("seq2seq", "vae"):
        found = _predict(model, cfg, clips.to(device))
    elif cfg.kind == "framegan":
        found = framegan_samples(model, cfg, clips, labels)
    elif cfg.kind == "classifier":
        found = classifier_scores(model, clips, labels, out, cfg.batch_size)
    else:
        found = _rcgan_scores(model, cfg, out, clips, labels, info, log)
    if "_gif" in found:
        rows, captions = found.pop("_gif")
        comparison_gif([r.cpu() for r in rows], captions, out / "eval.gif")
    if found.get("metrics"):
        metrics_png({**record, **found}, out)
    if history:
        loss_curves_png({k: [(int(s), float(v)) for s, v in pts] for k, pts in history.items()}, out / "loss.png")
    return {**record, **found}


def metrics_png(record: dict[str, Any], out: Path) -> Path:
    """Plot an evaluation into ``out/metrics.png``: each metric per predicted frame (``seq2seq``, ``vae``), or each
    RCGAN score (classifier accuracy) against the training step over every evaluation in ``metrics.jsonl`` and
    this one."""
    metrics = record["metrics"]
    if all(isinstance(v, dict) for v in metrics.values()):
        panels = {name: {name: [(i + 1, float(v)) for i, v in enumerate(m["per_step"])]} for name, m in metrics.items()}
        return panels_png(panels, out / "metrics.png", xlabel="predicted frame")
    if "frechet" in metrics:
        key = "frechet"
        groups = {
            "Frechet distance (probe features; not FVD)": ("frechet", "frechet_real"),
            "accuracy": ("label_accuracy", "real_accuracy", "tstr"),
        }
    else:
        key = "accuracy"
        groups = {"test accuracy": tuple(metrics)}
    records = []
    if (out / "metrics.jsonl").is_file():
        for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines():
            past = json.loads(line)
            if key in past.get("metrics", {}) and set(groups[next(iter(groups))]) <= set(past["metrics"]):
                records.append(past)
    records.append(record)
    panels = {
        title: {name: [(int(r["step"]), float(r["metrics"][name])) for r in records] for name in names}
        for title, names in groups.items()
    }
    return panels_png(panels, out / "metrics.png", xlabel="training step")


def evaluate_run(args: EvalArgs) -> dict[str, Any]:
    """``python -m tempaug.train eval RUN``: rebuild a run's model from its checkpoint, evaluate it, append the
    record (marked ``"eval": true``) to the run's ``metrics.jsonl`` and return it.

    Raises:
        InvalidInputError: no run there, or a dataset whose clips or labels do not fit the checkpoint.
    """
    run = Path(args.run)
    if not (run / "last.pt").is_file():
        raise InvalidInputError(f"{run} holds no last.pt: not a run folder")
    ckpt = resume_from(str(run), kind=None)
    cfg = TrainConfig.from_dict({**ckpt["config"], **args.overrides(), "resume": None})
    device = resolve_device(cfg.device)
    shape = ckpt["extra"].get("model_args")
    if not shape:
        raise InvalidInputError(f"{run}/last.pt does not record its model's shape; evaluate it with the run")
    pipeline = from_dict(ckpt["pipeline"]) if ckpt.get("pipeline") else None  # what the model saw in training
    check_data_fits(cfg, data_shape(cfg, pipeline), shape, f"{run}/last.pt")
    model = build_model(cfg, **shape).to(device)
    model.load_state_dict(ckpt["model"])
    history = ckpt["extra"].get("history", {})
    record = {**evaluate(model, cfg, device, run, ckpt["step"], history), "eval": True, "data": cfg.data}
    write_json_line(run / "metrics.jsonl", record)
    return record
