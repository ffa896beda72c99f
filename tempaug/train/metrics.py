"""Evaluation metrics for predicted and generated clips: per-frame errors, SSIM, Fréchet distance, classifier scores.

Frame metrics take float frames in ``[0, data_range]`` laid out as (..., C, H, W) — usually (B,T,C,H,W) — and return
one value per frame, usually (B,T). They are batched: no Python loop runs over the batch or the time axis.

Conventions, chosen to match the video-prediction literature:

- :func:`frame_mse` and :func:`frame_mae` are *summed* over the pixels and channels of a frame, not averaged (the
  Moving MNIST "MSE per frame" of ConvLSTM / PredRNN papers is a sum over 64x64 pixels).
- :func:`frame_psnr` uses the *mean* squared error of the frame; identical frames give ``inf`` (no cap).
- :func:`frame_ssim` matches ``skimage.metrics.structural_similarity(..., gaussian_weights=True, sigma=1.5,
  use_sample_covariance=False, data_range=...)``: an 11x11 Gaussian window (sigma 1.5, truncated at 3.5 sigma),
  K1 = 0.01, K2 = 0.03, averaged over the pixels whose window lies inside the frame and over channels.

Example:
    >>> import torch
    >>> from tempaug.train.metrics import frame_mse, frame_psnr, summarise
    >>> target = torch.zeros(2, 3, 1, 4, 4)
    >>> pred = torch.full((2, 3, 1, 4, 4), 0.5)
    >>> frame_mse(pred, target)  # 16 pixels * 0.25
    tensor([[4., 4., 4.],
            [4., 4., 4.]])
    >>> summarise({"mse": frame_mse(pred, target)})["mse"]["mean"]
    4.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..models.classifier import VideoClassifier

__all__ = [
    "best_of_n",
    "classifier_accuracy",
    "classifier_features",
    "fit_classifier",
    "frame_mae",
    "frame_mse",
    "frame_psnr",
    "frame_ssim",
    "frechet_distance",
    "summarise",
    "tstr",
]

SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03


def _check_pair(name: str, pred: Tensor, target: Tensor) -> None:
    if not isinstance(pred, Tensor) or not isinstance(target, Tensor):
        raise DTypeError(f"{name}: pred and target must be tensors, got {type(pred).__name__}, {type(target).__name__}")
    if not pred.is_floating_point() or not target.is_floating_point():
        raise DTypeError(
            f"{name}: expected float frames, got {pred.dtype} and {target.dtype}; convert uint8 with x.float() / 255"
        )
    if pred.dim() < 3 or pred.shape != target.shape:
        raise ShapeError(
            f"{name}: pred and target must share one (..., C, H, W) shape, got {tuple(pred.shape)} "
            f"and {tuple(target.shape)}"
        )


def frame_mse(pred: Tensor, target: Tensor) -> Tensor:
    """Squared error of each frame, summed over its channels and pixels: (..., C, H, W) -> (...), usually (B,T).

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import frame_mse
        >>> frame_mse(torch.ones(1, 2, 1, 2, 2), torch.zeros(1, 2, 1, 2, 2))
        tensor([[4., 4.]])
    """
    _check_pair("frame_mse", pred, target)
    return (pred - target).square().sum(dim=(-3, -2, -1))


def frame_mae(pred: Tensor, target: Tensor) -> Tensor:
    """Absolute error of each frame, summed over its channels and pixels: (..., C, H, W) -> (...), usually (B,T).

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import frame_mae
        >>> frame_mae(torch.full((1, 1, 3, 2, 2), 0.25), torch.zeros(1, 1, 3, 2, 2))
        tensor([[3.]])
    """
    _check_pair("frame_mae", pred, target)
    return (pred - target).abs().sum(dim=(-3, -2, -1))


def frame_psnr(pred: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """Peak signal-to-noise ratio of each frame in dB, from its mean squared error: (..., C, H, W) -> (...).

    ``10 * log10(data_range**2 / mean((pred - target)**2))``; identical frames give ``inf`` (not capped), so
    averages over sets that contain a perfect frame are ``inf`` too.

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import frame_psnr
        >>> frame_psnr(torch.full((1, 2, 1, 4, 4), 0.1), torch.zeros(1, 2, 1, 4, 4))  # mse 0.01 -> 20 dB
        tensor([[20., 20.]])
        >>> frame_psnr(torch.zeros(1, 1, 1, 4, 4), torch.zeros(1, 1, 1, 4, 4))
        tensor([[inf]])
    """
    _check_pair("frame_psnr", pred, target)
    if not data_range > 0:
        raise InvalidArgumentError(f"frame_psnr: data_range must be > 0, got {data_range!r}", "data_range")
    mse = (pred - target).square().mean(dim=(-3, -2, -1))
    return 10.0 * torch.log10(data_range**2 / mse)


def _gaussian_kernel(dtype: torch.dtype, device: torch.device) -> Tensor:
    radius = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)  # 5, as scipy.ndimage.gaussian_filter -> an 11-tap window
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (x / SSIM_SIGMA) ** 2)
    return (k / k.sum()).to(dtype=dtype, device=device)


def frame_ssim(pred: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """Structural similarity of each frame: (..., C, H, W) -> (...), usually (B,T); grey (C=1) or RGB (C=3).

    Matches ``skimage.metrics.structural_similarity(p, t, data_range=data_range, gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, channel_axis=...)``: local means, variances and covariance come from
    an 11x11 Gaussian window (sigma 1.5), ``C1 = (0.01 * data_range)**2``, ``C2 = (0.03 * data_range)**2``, and
    the SSIM map is averaged over the positions whose whole window lies inside the frame (scikit-image crops
    the 5-pixel border the same way) and then over channels. Frames must be at least 11x11. The statistics are
    computed in float64 (the result has the input's dtype).

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import frame_ssim
        >>> x = torch.rand(2, 3, 1, 16, 16)
        >>> frame_ssim(x, x)
        tensor([[1., 1., 1.],
                [1., 1., 1.]])
        >>> a, b = torch.full((1, 1, 1, 11, 11), 0.2), torch.full((1, 1, 1, 11, 11), 0.6)
        >>> round(frame_ssim(a, b).item(), 4)  # (2*0.2*0.6 + 1e-4) / (0.2**2 + 0.6**2 + 1e-4)
        0.6001
    """
    _check_pair("frame_ssim", pred, target)
    if not data_range > 0:
        raise InvalidArgumentError(f"frame_ssim: data_range must be > 0, got {data_range!r}", "data_range")
    *lead, c, h, w = pred.shape
    kernel = _gaussian_kernel(torch.float64, pred.device)
    size = kernel.numel()
    if h < size or w < size:
        raise ShapeError(f"frame_ssim: frames must be at least {size}x{size} for the Gaussian window, got {h}x{w}")
    # float64 inside, as scikit-image: the variances are differences of close numbers and float32 loses ~1e-4.
    x = pred.reshape(-1, 1, h, w).double()
    y = target.reshape(-1, 1, h, w).double()
    # Five maps filtered at once: one grouped pass along rows, one along columns ("valid" = the border crop).
    stack = torch.cat([x, y, x * x, y * y, x * y], dim=1)
    stack = F.conv2d(stack, kernel.view(1, 1, 1, size).expand(5, 1, 1, size), groups=5)
    stack = F.conv2d(stack, kernel.view(1, 1, size, 1).expand(5, 1, size, 1), groups=5)
    ux, uy, uxx, uyy, uxy = stack.unbind(dim=1)
    vx = uxx - ux * ux
    vy = uyy - uy * uy
    vxy = uxy - ux * uy
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    ssim_map = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return ssim_map.reshape(*lead, c, -1).mean(dim=(-2, -1)).to(pred.dtype)


def summarise(per_frame: Mapping[str, Tensor]) -> dict[str, dict[str, float | list[float]]]:
    """Per-time-step means and the overall mean of each (B,T) metric, as plain floats (JSON-ready).

    Returns ``{name: {"mean": float, "per_step": [T floats]}}``; ``per_step[t]`` averages over the batch.

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import summarise
        >>> summarise({"mse": torch.tensor([[1.0, 2.0], [3.0, 6.0]])})
        {'mse': {'mean': 3.0, 'per_step': [2.0, 4.0]}}
    """
    out: dict[str, dict[str, float | list[float]]] = {}
    for name, values in per_frame.items():
        if not isinstance(values, Tensor) or values.dim() != 2:
            shape = tuple(values.shape) if isinstance(values, Tensor) else type(values).__name__
            raise ShapeError(f"summarise: metric {name!r} must be a (B,T) tensor, got {shape}")
        v = values.detach().double()
        out[name] = {"mean": float(v.mean()), "per_step": [float(s) for s in v.mean(dim=0)]}
    return out


def best_of_n(samples: Tensor, target: Tensor, data_range: float = 1.0) -> dict[str, Tensor]:
    """Pick, for each clip, the sample with the lowest mean per-frame MSE, and score it (the VAE convention).

    Args:
        samples: (N,B,T,C,H,W) float, N samples for each of B clips.
        target: (B,T,C,H,W) float ground truth.
        data_range: value range for PSNR and SSIM.

    Returns:
        ``{"index": (B,) long, "best": (B,T,C,H,W), "mse", "mae", "psnr": (B,T)}`` plus ``"ssim"`` (B,T) when the
        frames are at least 11x11.

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import best_of_n
        >>> target = torch.zeros(2, 3, 1, 4, 4)
        >>> samples = torch.stack([torch.full_like(target, 0.5), torch.full_like(target, 0.1)])
        >>> samples[1, 1] = 0.9  # the second clip is closer to its first sample
        >>> best_of_n(samples, target)["index"]
        tensor([1, 0])
    """
    if not isinstance(samples, Tensor) or samples.dim() != 6 or samples.shape[1:] != target.shape:
        shape = tuple(samples.shape) if isinstance(samples, Tensor) else type(samples).__name__
        raise ShapeError(
            f"best_of_n: samples must be (N,B,T,C,H,W) with (B,T,C,H,W) = target {tuple(target.shape)}, got {shape}"
        )
    if samples.shape[0] == 0:
        raise ShapeError("best_of_n: samples must hold at least one sample (N >= 1)")
    scores = frame_mse(samples, target.unsqueeze(0).expand_as(samples)).mean(dim=-1)  # (N,B)
    index = scores.argmin(dim=0)
    best = samples[index, torch.arange(samples.shape[1], device=samples.device)]
    out = {
        "index": index,
        "best": best,
        "mse": frame_mse(best, target),
        "mae": frame_mae(best, target),
        "psnr": frame_psnr(best, target, data_range),
    }
    size = _gaussian_kernel(torch.float64, torch.device("cpu")).numel()
    if min(target.shape[-2:]) >= size:
        out["ssim"] = frame_ssim(best, target, data_range)
    return out


def _trace_sqrt_product(cov_a: np.ndarray, cov_b: np.ndarray, method: str = "auto") -> float:
    """``trace(sqrtm(cov_a @ cov_b))`` via scipy's ``sqrtm`` (``method="scipy"``) or symmetric eigen-decompositions."""
    if method == "auto":
        try:
            import scipy.linalg

            method = "scipy"
        except ImportError:
            method = "eigh"
    if method == "scipy":
        import scipy.linalg

        root = scipy.linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():  # near-singular product: nudge both, as pytorch-fid does
            offset = np.eye(cov_a.shape[0]) * 1e-6
            root = scipy.linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
        return float(np.real(np.trace(root)))
    if method == "eigh":
        # sqrtm(A B) is similar to sqrtm(A^1/2 B A^1/2), a symmetric PSD matrix: its trace is the sum of the roots of
        # that matrix's eigenvalues.
        w, v = np.linalg.eigh(cov_a)
        root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
        middle = root_a @ cov_b @ root_a
        eig = np.linalg.eigvalsh((middle + middle.T) / 2)
        return float(np.sqrt(np.clip(eig, 0, None)).sum())
    raise InvalidArgumentError(f"frechet_distance: method must be 'auto', 'scipy' or 'eigh', got {method!r}", "method")


def frechet_distance(feats_a: Tensor, feats_b: Tensor, method: str = "auto") -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N,D) and (M,D).

    ``|mu_a - mu_b|**2 + trace(S_a + S_b - 2 sqrtm(S_a S_b))`` with unbiased covariances (N-1), computed in
    float64. The matrix square root comes from ``scipy.linalg.sqrtm`` when scipy is installed
    (``method="auto"`` or ``"scipy"``), otherwise (or with ``method="eigh"``) from symmetric eigen-decompositions.

    This is the formula behind FID/FVD, but with features from tempaug's small :class:`VideoClassifier` (see
    :func:`classifier_features`) it is **not FVD**: FVD uses an I3D network trained on Kinetics, so these numbers
    are only comparable with each other (same probe weights, same data), never with published FVD values.

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import frechet_distance
        >>> a = torch.randn(200, 4, generator=torch.Generator().manual_seed(0))
        >>> round(frechet_distance(a, a + torch.tensor([3.0, 0.0, 0.0, 4.0])), 4)  # shift only: |shift|**2
        25.0
    """
    for name, f in (("feats_a", feats_a), ("feats_b", feats_b)):
        if not isinstance(f, Tensor) or f.dim() != 2 or f.shape[0] < 2:
            shape = tuple(f.shape) if isinstance(f, Tensor) else type(f).__name__
            raise ShapeError(f"frechet_distance: {name} must be (N,D) with N >= 2, got {shape}")
    if feats_a.shape[1] != feats_b.shape[1]:
        raise ShapeError(f"frechet_distance: feature sizes differ, {tuple(feats_a.shape)} and {tuple(feats_b.shape)}")
    a = feats_a.detach().cpu().double().numpy()
    b = feats_b.detach().cpu().double().numpy()
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    diff = mu_a - mu_b
    value = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * _trace_sqrt_product(cov_a, cov_b, method)
    return float(max(value, 0.0))


def _float_clips(name: str, clips: Tensor, model: VideoClassifier) -> Tensor:
    if not isinstance(clips, Tensor) or clips.dim() != 5:
        shape = tuple(clips.shape) if isinstance(clips, Tensor) else type(clips).__name__
        raise ShapeError(f"{name}: expected (B,T,C,H,W) clips, got {shape}")
    if clips.dtype == torch.uint8:
        clips = clips.float() / 255
    elif not clips.is_floating_point():
        raise DTypeError(f"{name}: expected float or uint8 clips, got {clips.dtype}")
    param = next(model.parameters())
    return clips.to(device=param.device, dtype=param.dtype)


@torch.no_grad()
def _batched(model: VideoClassifier, clips: Tensor, batch_size: int, fn: Callable[[Tensor], Tensor]) -> Tensor:
    was_training = model.training
    model.eval()
    try:
        return torch.cat([fn(clips[i : i + batch_size]) for i in range(0, clips.shape[0], batch_size)])
    finally:
        model.train(was_training)


def classifier_features(model: VideoClassifier, clips: Tensor, batch_size: int = 64) -> Tensor:
    """Penultimate features (B, 4*width) of a :class:`VideoClassifier`: pooled conv features, before the head.

    Runs in eval mode without gradients, ``batch_size`` clips at a time; the model's mode is restored afterwards.
    Clips are (B,T,C,H,W) float in [0, 1] (uint8 is divided by 255). Feed these to :func:`frechet_distance`.

    Example:
        >>> import torch
        >>> from tempaug.models.classifier import VideoClassifier
        >>> from tempaug.train.metrics import classifier_features
        >>> classifier_features(VideoClassifier(10, width=8), torch.rand(5, 4, 1, 16, 16), batch_size=2).shape
        torch.Size([5, 32])
    """
    clips = _float_clips("classifier_features", clips, model)
    return _batched(model, clips, batch_size, model.embed)


def classifier_accuracy(model: VideoClassifier, clips: Tensor, labels: Tensor, batch_size: int = 64) -> float:
    """Fraction of clips whose arg-max logit equals the label (eval mode, no gradients, batched).

    Example:
        >>> import torch
        >>> from tempaug.models.classifier import VideoClassifier
        >>> from tempaug.train.metrics import classifier_accuracy
        >>> model = VideoClassifier(3, width=4)
        >>> acc = classifier_accuracy(model, torch.rand(4, 4, 1, 8, 8), torch.tensor([0, 1, 2, 0]))
        >>> 0.0 <= acc <= 1.0
        True
    """
    clips = _float_clips("classifier_accuracy", clips, model)
    if not isinstance(labels, Tensor) or labels.shape != clips.shape[:1]:
        shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
        raise ShapeError(f"classifier_accuracy: labels must be ({clips.shape[0]},), got {shape}")
    if clips.shape[0] == 0:
        raise ShapeError("classifier_accuracy: no clips given")
    pred = _batched(model, clips, batch_size, lambda x: model(x).argmax(dim=1))
    return float((pred == labels.to(pred.device)).float().mean())


def _check_labelled(owner: str, name: str, clips: Tensor, labels: Tensor) -> None:
    if not isinstance(clips, Tensor) or clips.dim() != 5 or clips.shape[0] == 0:
        shape = tuple(clips.shape) if isinstance(clips, Tensor) else type(clips).__name__
        raise ShapeError(f"{owner}: {name}_clips must be non-empty (B,T,C,H,W), got {shape}")
    if not isinstance(labels, Tensor) or labels.shape != clips.shape[:1]:
        shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
        raise ShapeError(f"{owner}: {name}_labels must be ({clips.shape[0]},), got {shape}")


def fit_classifier(
    clips: Tensor,
    labels: Tensor,
    num_classes: int,
    steps: int = 200,
    seed: int = 0,
    batch_size: int = 32,
    lr: float = 1e-3,
    width: int = 16,
    input_size: int | None = None,
) -> VideoClassifier:
    """Train a fresh :class:`VideoClassifier` on labelled clips for ``steps`` Adam steps; returned in eval mode.

    The weights are initialised and the mini-batches drawn from ``seed`` alone (the global RNG is left as it was),
    so the same clips and arguments give the same classifier on the CPU: a fixed probe for Fréchet distances.

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import fit_classifier
        >>> x, y = torch.rand(8, 4, 1, 8, 8), torch.arange(8) % 2
        >>> a = fit_classifier(x, y, num_classes=2, steps=2, width=4)
        >>> b = fit_classifier(x, y, num_classes=2, steps=2, width=4)
        >>> torch.equal(a.head[1].weight, b.head[1].weight), a.training
        (True, False)
    """
    for name, value in (("num_classes", num_classes), ("steps", steps), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(f"fit_classifier: {name} must be an int >= 1, got {value!r}", name)
    _check_labelled("fit_classifier", "train", clips, labels)
    if int(labels.min()) < 0 or int(labels.max()) >= num_classes:
        raise InvalidArgumentError(
            f"fit_classifier: labels span [{int(labels.min())}, {int(labels.max())}], outside [0, {num_classes})",
            "labels",
        )
    device = clips.device
    with torch.random.fork_rng(devices=[]), torch.enable_grad():
        torch.manual_seed(seed)
        model = VideoClassifier(num_classes, in_channels=clips.shape[2], width=width, input_size=input_size)
        model = model.to(device)
        x = _float_clips("fit_classifier", clips, model)
        y = labels.to(device=device, dtype=torch.long)
        generator = torch.Generator().manual_seed(seed)
        optimiser = torch.optim.Adam(model.parameters(), lr=lr)
        model.train()
        n = x.shape[0]
        for _ in range(steps):
            idx = torch.randperm(n, generator=generator)[: min(batch_size, n)].to(device)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return model.eval()


def tstr(
    train_clips: Tensor,
    train_labels: Tensor,
    test_clips: Tensor,
    test_labels: Tensor,
    num_classes: int,
    steps: int = 200,
    seed: int = 0,
    batch_size: int = 32,
    lr: float = 1e-3,
    width: int = 16,
    input_size: int | None = None,
) -> float:
    """Train on Synthetic, Test on Real: fit a fresh :class:`VideoClassifier` on generated clips, score real ones.

    The classifier is trained by :func:`fit_classifier` (same arguments) on ``train_clips`` / ``train_labels``
    (generated), and its accuracy on ``test_clips`` / ``test_labels`` (real) is returned. Compare with the same
    call on real training clips (TRTR) to read the gap.

    Example:
        >>> import torch
        >>> from tempaug.train.metrics import tstr
        >>> x, y = torch.rand(8, 4, 1, 8, 8), torch.arange(8) % 2
        >>> acc = tstr(x, y, x, y, num_classes=2, steps=2, width=4)
        >>> 0.0 <= acc <= 1.0
        True
    """
    _check_labelled("tstr", "train", train_clips, train_labels)
    _check_labelled("tstr", "test", test_clips, test_labels)
    if train_clips.shape[2] != test_clips.shape[2]:
        raise ShapeError(
            f"tstr: train and test clips differ in channels, {tuple(train_clips.shape)} and {tuple(test_clips.shape)}"
        )
    model = fit_classifier(
        train_clips, train_labels, num_classes, steps, seed, batch_size, lr, width, input_size=input_size
    )
    return classifier_accuracy(model, test_clips, test_labels.to(train_clips.device))
