"""Evaluation metrics and plots: hand-computed values, identities, the scikit-image SSIM, and the files written."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tempaug.core.errors import DTypeError, ShapeError
from tempaug.models.classifier import VideoClassifier
from tempaug.train.metrics import (
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
from tempaug.train.plots import comparison_gif, loss_curves_png


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --- per-frame errors ---


def test_frame_mse_and_mae_sum_over_pixels_and_channels_per_frame() -> None:
    target = torch.zeros(1, 2, 3, 2, 2)
    pred = torch.zeros(1, 2, 3, 2, 2)
    pred[0, 0, 0, 0, 0] = 0.5  # frame 0: one pixel off by 0.5
    pred[0, 1] = 0.1  # frame 1: all 12 values off by 0.1
    torch.testing.assert_close(frame_mse(pred, target), torch.tensor([[0.25, 12 * 0.01]]))
    torch.testing.assert_close(frame_mae(pred, target), torch.tensor([[0.5, 12 * 0.1]]))


def test_frame_mse_of_a_64x64_frame_is_a_sum_not_a_mean() -> None:
    pred, target = torch.full((1, 1, 1, 64, 64), 0.5), torch.zeros(1, 1, 1, 64, 64)
    assert frame_mse(pred, target).item() == pytest.approx(64 * 64 * 0.25)


def test_identical_frames_give_zero_error_ssim_one_and_infinite_psnr() -> None:
    x = torch.rand(3, 4, 3, 16, 16, generator=_gen())
    assert frame_mse(x, x).eq(0).all()
    assert frame_mae(x, x).eq(0).all()
    assert torch.isinf(frame_psnr(x, x)).all()
    torch.testing.assert_close(frame_ssim(x, x), torch.ones(3, 4))


def test_frame_psnr_matches_hand_computed_values() -> None:
    target = torch.zeros(1, 2, 1, 2, 2)
    pred = torch.stack([torch.full((1, 2, 2), 0.1), torch.tensor([[[1.0, 0.0], [0.0, 0.0]]])]).unsqueeze(0)
    # frame 0: mean squared error 0.01 -> 20 dB; frame 1: 1/4 -> 10*log10(4)
    torch.testing.assert_close(frame_psnr(pred, target), torch.tensor([[20.0, 10 * math.log10(4)]]))
    # data_range 2 adds 20*log10(2)
    torch.testing.assert_close(
        frame_psnr(pred, target, data_range=2.0), torch.tensor([[20.0, 10 * math.log10(4)]]) + 20 * math.log10(2)
    )


def test_frame_metrics_reject_integer_frames_and_mismatched_shapes() -> None:
    with pytest.raises(DTypeError, match="frame_mse"):
        frame_mse(torch.zeros(1, 1, 1, 2, 2, dtype=torch.uint8), torch.zeros(1, 1, 1, 2, 2, dtype=torch.uint8))
    with pytest.raises(ShapeError, match="frame_psnr"):
        frame_psnr(torch.zeros(1, 1, 1, 2, 2), torch.zeros(1, 2, 1, 2, 2))
    with pytest.raises(ShapeError, match="11x11"):
        frame_ssim(torch.zeros(1, 1, 1, 8, 8), torch.zeros(1, 1, 1, 8, 8))


# --- SSIM ---


def test_frame_ssim_of_constant_frames_is_the_luminance_term() -> None:
    # Constant frames have zero variance, so SSIM = (2ab + C1) / (a^2 + b^2 + C1) with C1 = (0.01 * range)^2.
    a, b = 0.2, 0.6
    pred, target = torch.full((1, 1, 1, 12, 13), a), torch.full((1, 1, 1, 12, 13), b)
    expected = (2 * a * b + 1e-4) / (a * a + b * b + 1e-4)
    assert frame_ssim(pred, target).item() == pytest.approx(expected, rel=1e-6)
    # on a 0..255 scale the constants scale with data_range and the value is unchanged
    assert frame_ssim(pred * 255, target * 255, data_range=255.0).item() == pytest.approx(expected, rel=1e-6)


def test_frame_ssim_averages_the_channels_of_rgb_frames() -> None:
    x = torch.rand(2, 3, 3, 16, 16, generator=_gen(1))
    y = torch.rand(2, 3, 3, 16, 16, generator=_gen(2))
    per_channel = torch.stack([frame_ssim(x[:, :, c : c + 1], y[:, :, c : c + 1]) for c in range(3)])
    torch.testing.assert_close(frame_ssim(x, y), per_channel.mean(dim=0))


def test_frame_ssim_is_batched_like_one_frame_at_a_time() -> None:
    x = torch.rand(3, 2, 1, 16, 16, generator=_gen(3))
    y = (x + 0.1 * torch.randn(3, 2, 1, 16, 16, generator=_gen(4))).clamp(0, 1)
    one_by_one = torch.tensor(
        [[frame_ssim(x[i : i + 1, t : t + 1], y[i : i + 1, t : t + 1]).item() for t in range(2)] for i in range(3)]
    )
    torch.testing.assert_close(frame_ssim(x, y), one_by_one)
    assert (frame_ssim(x, y) < 1).all()


def test_frame_ssim_matches_scikit_image() -> None:
    metrics = pytest.importorskip("skimage.metrics")
    x = torch.rand(2, 2, 3, 20, 24, generator=_gen(5), dtype=torch.float64)
    y = (x + 0.2 * torch.randn(2, 2, 3, 20, 24, generator=_gen(6), dtype=torch.float64)).clamp(0, 1)
    ours = frame_ssim(x, y)
    for i in range(2):
        for t in range(2):
            kw = {"data_range": 1.0, "gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}
            rgb = metrics.structural_similarity(x[i, t].numpy(), y[i, t].numpy(), channel_axis=0, **kw)
            grey = metrics.structural_similarity(x[i, t, 0].numpy(), y[i, t, 0].numpy(), **kw)
            assert ours[i, t].item() == pytest.approx(rgb, abs=1e-6)
            assert frame_ssim(x[i : i + 1, t : t + 1, :1], y[i : i + 1, t : t + 1, :1]).item() == pytest.approx(
                grey, abs=1e-6
            )


# --- summaries and best-of-N ---


def test_summarise_gives_per_step_and_overall_means() -> None:
    out = summarise({"mse": torch.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]), "ssim": torch.ones(2, 3)})
    assert out["mse"] == {"mean": 3.0, "per_step": [2.0, 3.0, 4.0]}
    assert out["ssim"] == {"mean": 1.0, "per_step": [1.0, 1.0, 1.0]}
    with pytest.raises(ShapeError, match="summarise"):
        summarise({"mse": torch.zeros(3)})


def test_best_of_n_picks_the_sample_with_the_lowest_mean_mse_per_clip() -> None:
    target = torch.rand(3, 4, 1, 12, 12, generator=_gen(7))
    noise = torch.randn(4, 3, 4, 1, 12, 12, generator=_gen(8))
    scale = torch.tensor([[0.3, 0.1, 0.2], [0.05, 0.3, 0.2], [0.2, 0.2, 0.01], [0.1, 0.05, 0.3]])  # (N,B)
    samples = target + scale.view(4, 3, 1, 1, 1, 1) * noise
    out = best_of_n(samples, target)
    assert out["index"].tolist() == [1, 3, 2]
    best = samples[[1, 3, 2], [0, 1, 2]]
    torch.testing.assert_close(out["best"], best)
    torch.testing.assert_close(out["mse"], frame_mse(best, target))
    torch.testing.assert_close(out["mae"], frame_mae(best, target))
    torch.testing.assert_close(out["psnr"], frame_psnr(best, target))
    torch.testing.assert_close(out["ssim"], frame_ssim(best, target))


def test_best_of_n_judges_the_mean_over_time_not_one_frame() -> None:
    target = torch.zeros(1, 2, 1, 2, 2)
    a = torch.tensor([0.0, 0.9]).view(1, 2, 1, 1, 1).expand(1, 2, 1, 2, 2)  # perfect first frame, bad second
    b = torch.full((1, 2, 1, 2, 2), 0.3)
    out = best_of_n(torch.stack([a, b]), target)
    assert out["index"].tolist() == [1]
    assert "ssim" not in out  # 2x2 frames are too small for the 11x11 window


def test_best_of_n_rejects_samples_that_do_not_match_the_target() -> None:
    with pytest.raises(ShapeError, match="best_of_n"):
        best_of_n(torch.zeros(2, 1, 3, 1, 4, 4), torch.zeros(1, 2, 1, 4, 4))


# --- Fréchet distance ---


@pytest.mark.parametrize("method", ["auto", "eigh"])
def test_frechet_distance_of_identical_sets_is_zero(method: str) -> None:
    a = torch.randn(300, 6, generator=_gen(9))
    assert frechet_distance(a, a, method=method) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("method", ["auto", "eigh"])
def test_frechet_distance_of_shifted_sets_is_the_squared_shift(method: str) -> None:
    a = torch.randn(300, 6, generator=_gen(10))
    shift = torch.tensor([1.0, -2.0, 0.5, 0.0, 0.0, 3.0])
    assert frechet_distance(a, a + shift, method=method) == pytest.approx(float(shift.square().sum()), rel=1e-6)


@pytest.mark.parametrize("method", ["auto", "eigh"])
def test_frechet_distance_trace_term_of_diagonal_gaussians(method: str) -> None:
    # Features with exact sample means and diagonal covariances: columns of +-s patterns (orthogonal, zero mean).
    signs = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]], dtype=torch.float64)
    sd_a, sd_b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 0.5])
    n = signs.shape[0]
    a = signs * sd_a * math.sqrt((n - 1) / n)  # unbiased covariance diag(sd_a^2)
    b = signs * sd_b * math.sqrt((n - 1) / n) + torch.tensor([1.0, 1.0])
    expected = 2.0 + float((sd_a - sd_b).square().sum())  # |mu|^2 + sum (sd_a - sd_b)^2
    assert frechet_distance(a, b, method=method) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_scipy_and_eigen_paths_agree() -> None:
    pytest.importorskip("scipy")  # the eigen path is the fallback; this only compares the two when scipy exists
    a = torch.randn(200, 5, generator=_gen(11))
    b = torch.randn(150, 5, generator=_gen(12)) @ torch.randn(5, 5, generator=_gen(13)) + 0.3
    assert frechet_distance(a, b, method="scipy") == pytest.approx(frechet_distance(a, b, method="eigh"), rel=1e-6)


def test_frechet_distance_rejects_mismatched_features() -> None:
    with pytest.raises(ShapeError, match="frechet_distance"):
        frechet_distance(torch.zeros(4, 3), torch.zeros(4, 2))
    with pytest.raises(ShapeError, match="N >= 2"):
        frechet_distance(torch.zeros(1, 3), torch.zeros(4, 3))


# --- classifier-based scores ---


def _toy_clips(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Class 0: dark clips, class 1: bright clips, with noise; any classifier separates them quickly."""
    labels = torch.arange(n) % 2
    noise = 0.1 * torch.rand(n, 4, 1, 8, 8, generator=_gen(seed))
    return (0.2 + 0.6 * labels.float()).view(n, 1, 1, 1, 1) + noise, labels


def test_classifier_features_are_the_pooled_penultimate_layer_and_keep_the_mode() -> None:
    torch.manual_seed(0)
    model = VideoClassifier(3, width=4).train()
    clips = torch.rand(5, 4, 1, 12, 12, generator=_gen(14))
    feats = classifier_features(model, clips, batch_size=2)
    assert feats.shape == (5, 16) and not feats.requires_grad
    assert model.training
    model.eval()
    with torch.no_grad():
        logits = model.head(feats)
        torch.testing.assert_close(logits, model(clips))
    u8 = (clips * 255).round().to(torch.uint8)
    torch.testing.assert_close(classifier_features(model, u8), classifier_features(model, u8.float() / 255))


def test_classifier_accuracy_counts_argmax_hits() -> None:
    torch.manual_seed(0)
    model = VideoClassifier(2, width=4)
    clips = torch.rand(6, 4, 1, 12, 12, generator=_gen(15))
    with torch.no_grad():
        pred = model.eval()(clips).argmax(dim=1)
    labels = pred.clone()
    labels[:2] = 1 - labels[:2]
    assert classifier_accuracy(model, clips, labels, batch_size=4) == pytest.approx(4 / 6)


def test_tstr_runs_fast_is_seeded_and_learns_an_easy_task() -> None:
    train_x, train_y = _toy_clips(16, seed=16)
    test_x, test_y = _toy_clips(10, seed=17)
    state = torch.random.get_rng_state()
    acc = tstr(train_x, train_y, test_x, test_y, num_classes=2, steps=20, seed=3, batch_size=8, width=4, lr=1e-2)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global RNG is untouched
    assert 0.0 <= acc <= 1.0
    assert acc >= 0.8
    assert (
        tstr(train_x, train_y, test_x, test_y, num_classes=2, steps=20, seed=3, batch_size=8, width=4, lr=1e-2) == acc
    )


def test_tstr_rejects_labels_that_do_not_match_the_clips() -> None:
    x, y = _toy_clips(4, seed=18)
    with pytest.raises(ShapeError, match="train_labels"):
        tstr(x, y[:3], x, y, num_classes=2, steps=1)


# --- plots ---


def test_loss_curves_png_writes_an_image_of_the_requested_size_with_coloured_lines(tmp_path: Path) -> None:
    history = {"train": [(i, 1.0 / (i + 1)) for i in range(100)], "val": [(0, 1.0), (50, 0.2), (99, float("nan"))]}
    path = loss_curves_png(history, tmp_path / "loss.png", title="run", size=(400, 300))
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == (400, 300)
        colours = {c for _, c in im.convert("RGB").getcolors(maxcolors=1 << 16)}
    assert (0, 114, 178) in colours and (213, 94, 0) in colours  # one colour per series
    assert loss_curves_png(history, tmp_path / "log.png", log_y=True).exists()


def test_loss_curves_png_handles_empty_and_single_point_series(tmp_path: Path) -> None:
    path = loss_curves_png({"a": [], "b": [(5, 2.0)]}, tmp_path / "x.png")
    with Image.open(path) as im:
        assert im.size == (640, 400)


def test_comparison_gif_pads_short_rows_and_stacks_the_batch(tmp_path: Path) -> None:
    truth = torch.rand(3, 6, 1, 16, 16, generator=_gen(19))
    pred = (torch.rand(3, 4, 3, 16, 16, generator=_gen(20)) * 255).to(torch.uint8)
    path = comparison_gif([truth, pred, truth[:, :5]], ["truth", "pred", "sample"], tmp_path / "c.gif", fps=5)
    with Image.open(path) as im:
        assert im.n_frames == 6
        assert im.size == (3 * 16 + 2 * 2, 3 * (16 + 12) + 2 * 2)
        assert im.info["duration"] == 200
        im.seek(5)  # the last frame: the pred column is blank (white)
        frame = np.asarray(im.convert("RGB"))
    assert (frame[:16, 18:34] == 255).all()


def test_comparison_gif_rejects_mismatched_rows(tmp_path: Path) -> None:
    with pytest.raises(ShapeError, match="comparison_gif"):
        comparison_gif([torch.rand(2, 3, 1, 8, 8), torch.rand(3, 3, 1, 8, 8)], ["a", "b"], tmp_path / "x.gif")
    with pytest.raises(ShapeError, match="labels"):
        comparison_gif([torch.rand(2, 3, 1, 8, 8)], ["a", "b"], tmp_path / "x.gif")


def test_comparison_gif_scales_frames_but_not_captions(tmp_path: Path) -> None:
    clips = torch.rand(2, 3, 1, 16, 16, generator=_gen(21))
    path = comparison_gif([clips, clips.flip(1)], ["truth", "prediction"], tmp_path / "s.gif", scale=3)
    with Image.open(path) as im:
        assert im.n_frames == 3
        assert im.size == (2 * 48 + 2, 2 * (48 + 12) + 2)
