"""Tests of the next-frame models: the ConvLSTM encoder-forecaster and the stochastic video VAE."""

from __future__ import annotations

import pytest
import torch

from tempaug.core.errors import InvalidArgumentError, ShapeError
from tempaug.models.seq2seq import ConvLSTMCell, Seq2Seq
from tempaug.models.vae import VAEOutput, VideoVAE

NO_LABELS = torch.zeros(2, dtype=torch.long)


def moving_squares(b: int, t: int, size: int, seed: int = 0) -> torch.Tensor:
    """(B,T,1,size,size) clips of one 8x8 white square moving in a straight line on black."""
    g = torch.Generator().manual_seed(seed)
    clips = torch.zeros(b, t, 1, size, size)
    for i in range(b):
        y, x = torch.randint(0, size - 8, (2,), generator=g).tolist()
        dy, dx = torch.randint(-2, 3, (2,), generator=g).tolist()
        for k in range(t):
            yy = min(max(y + dy * k, 0), size - 8)
            xx = min(max(x + dx * k, 0), size - 8)
            clips[i, k, 0, yy : yy + 8, xx : xx + 8] = 1.0
    return clips


def in_unit_range(x: torch.Tensor) -> bool:
    return bool(((x >= 0) & (x <= 1)).all())


# --- ConvLSTMCell ---------------------------------------------------------------------------------------------


def test_convlstm_cell_keeps_spatial_size_and_carries_state():
    cell = ConvLSTMCell(3, 5, kernel=5)
    x = torch.rand(2, 3, 9, 11)
    h1, c1 = cell(x)
    h2, _ = cell(x, (h1, c1))
    assert h1.shape == c1.shape == (2, 5, 9, 11)
    assert not torch.allclose(h1, h2)  # the state changes the output


def test_convlstm_cell_rejects_even_kernel_and_wrong_channels():
    with pytest.raises(InvalidArgumentError, match="kernel"):
        ConvLSTMCell(3, 5, kernel=4)
    with pytest.raises(ShapeError, match="ConvLSTMCell"):
        ConvLSTMCell(3, 5)(torch.rand(2, 4, 8, 8))


# --- Seq2Seq --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("downsample", [2, 4])
def test_seq2seq_forward_shape_dtype_and_range(downsample):
    model = Seq2Seq(in_channels=2, hidden=(4, 6), context=3, horizon=4, downsample=downsample, stem=4)
    out = model(torch.rand(2, 3, 2, 16, 24))
    assert out.shape == (2, 4, 2, 16, 24)
    assert out.dtype == torch.float32
    assert in_unit_range(out)


def test_seq2seq_predict_rolls_out_any_horizon_without_gradients():
    model = Seq2Seq(hidden=(4,), context=2, horizon=2, stem=4)
    out = model.predict(torch.rand(1, 2, 1, 16, 16), horizon=5)
    assert out.shape == (1, 5, 1, 16, 16) and not out.requires_grad
    assert model.predict(torch.rand(1, 2, 1, 16, 16)).shape == (1, 2, 1, 16, 16)


def test_seq2seq_loss_uses_the_frames_after_the_context():
    torch.manual_seed(0)
    model = Seq2Seq(hidden=(4,), context=2, horizon=2, stem=4)
    clips = torch.rand(2, 6, 1, 16, 16)
    loss, terms = model.loss(clips, NO_LABELS)
    changed = clips.clone()
    changed[:, 4:] = 0  # frames past context + horizon are ignored
    assert torch.equal(loss, model.loss(changed, NO_LABELS)[0])
    changed[:, 2] = 0  # a target frame counts
    assert not torch.equal(loss, model.loss(changed, NO_LABELS)[0])
    assert sorted(terms) == ["bce", "mse"] and model.kind == "seq2seq"


def test_seq2seq_overfits_two_clips():
    torch.manual_seed(0)
    clips = moving_squares(2, 8, 32)
    black = float(clips[:, 4:].pow(2).mean())  # the mse of predicting an empty frame
    model = Seq2Seq(hidden=(8, 8), context=4, horizon=4, downsample=2, stem=8)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = last = None
    for _ in range(60):
        loss, terms = model.loss(clips, NO_LABELS)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = terms if first is None else first
        last = terms
    assert last["bce"] < first["bce"] / 5  # measured: 0.67 -> 0.015 (44x)
    assert last["mse"] < black / 2  # measured: 0.0045 against 0.0625 for an empty prediction


def test_seq2seq_rejects_bad_inputs_and_arguments():
    model = Seq2Seq(hidden=(4,), context=3, horizon=2, stem=4)
    with pytest.raises(ShapeError, match=r"4 frames.*context 3 \+ horizon 2"):
        model.loss(torch.rand(2, 4, 1, 16, 16), NO_LABELS)
    with pytest.raises(ShapeError, match=r"\(B,T,1,H,W\)"):
        model(torch.rand(2, 3, 3, 16, 16))
    with pytest.raises(ShapeError, match="multiple of downsample=4"):
        model(torch.rand(2, 3, 1, 18, 16))
    with pytest.raises(InvalidArgumentError, match="downsample"):
        Seq2Seq(downsample=3)
    with pytest.raises(InvalidArgumentError, match="hidden"):
        Seq2Seq(hidden=())
    with pytest.raises(InvalidArgumentError, match="horizon"):
        model.predict(torch.rand(1, 3, 1, 16, 16), horizon=0)


# --- VideoVAE -------------------------------------------------------------------------------------------------


def tiny_vae(size: int = 32, **kwargs) -> VideoVAE:
    return VideoVAE(z_dim=4, g_dim=16, rnn=32, width=8, size=size, **{"context": 3, "horizon": 3, **kwargs})


@pytest.mark.parametrize("size", [32, 64])
def test_vae_forward_shapes_dtypes_and_range(size):
    torch.manual_seed(0)
    out = tiny_vae(size, context=2, horizon=2)(torch.rand(2, 5, 1, size, size))
    assert isinstance(out, VAEOutput)
    assert out.recon.shape == (2, 4, 1, size, size) and out.recon.dtype == torch.float32
    assert in_unit_range(out.recon)
    assert out.mse.shape == out.kld.shape == out.loss.shape == ()
    assert float(out.kld.detach()) >= 0
    assert torch.allclose(out.loss, out.mse + 1e-4 * out.kld)


def test_vae_sample_is_deterministic_per_seed_and_differs_between_seeds():
    torch.manual_seed(0)
    model = tiny_vae()
    x = torch.rand(2, 3, 1, 32, 32)
    a = model.sample(x, 4, generator=torch.Generator().manual_seed(1))
    b = model.predict(x, 4, generator=torch.Generator().manual_seed(1))
    c = model.sample(x, 4, generator=torch.Generator().manual_seed(2))
    assert a.shape == (2, 4, 1, 32, 32) and in_unit_range(a) and not a.requires_grad
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert model.predict(x).shape == (2, 3, 1, 32, 32)  # default horizon


def test_vae_overfits_two_clips():
    torch.manual_seed(0)
    clips = moving_squares(2, 6, 32)
    black = float(clips[:, 1:].pow(2).mean())
    model = tiny_vae()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = last = None
    for _ in range(40):
        loss, terms = model.loss(clips, NO_LABELS)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = terms if first is None else first
        last = terms
    assert last["mse"] < first["mse"] / 5  # measured: 0.243 -> 0.020 (12x)
    assert last["mse"] < black / 2  # an empty prediction scores 0.0625
    assert sorted(last) == ["kld", "mse"] and model.kind == "vae"


def test_vae_rejects_bad_inputs_and_arguments():
    model = tiny_vae()
    with pytest.raises(ShapeError, match=r"5 frames.*context 3 \+ horizon 3"):
        model.loss(torch.rand(2, 5, 1, 32, 32), NO_LABELS)
    with pytest.raises(ShapeError, match=r"supported sizes \(32, 64, 128\)"):
        model.loss(torch.rand(2, 6, 1, 64, 64), NO_LABELS)
    with pytest.raises(ShapeError, match=r"\(B,T,1,H,W\)"):
        model.sample(torch.rand(2, 3, 32, 32), 2)
    with pytest.raises(InvalidArgumentError, match="size"):
        VideoVAE(size=48)
    with pytest.raises(InvalidArgumentError, match="beta"):
        VideoVAE(beta=-1.0)
    with pytest.raises(InvalidArgumentError, match="horizon"):
        model.sample(torch.rand(1, 3, 1, 32, 32), 0)
