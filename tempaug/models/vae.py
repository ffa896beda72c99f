"""A stochastic video model with a learned prior, in the spirit of SVG-LP (Denton & Fergus 2018).

A DCGAN-like convolutional encoder maps each frame to a ``g_dim`` vector (and skip features); an LSTM posterior
q(z_t | x_<=t) and an LSTM learned prior p(z_t | x_<t) give Gaussian latents; an LSTM frame predictor maps the
previous frame's code and z_t to the next frame's code, which the decoder turns into a frame through a sigmoid,
using the encoder's skip features of the last context frame. Training is teacher-forced: the loss is the mean
squared error of the reconstructions plus ``beta`` times the KL divergence from the posterior to the prior.
Clips are float (B,T,C,H,W) in [0, 1] (tempaug's layout), square frames of 32, 64 or 128 pixels.

Example:
    >>> import torch
    >>> from tempaug.models.vae import VideoVAE
    >>> model = VideoVAE(z_dim=4, g_dim=8, rnn=16, width=4, size=32, context=2, horizon=3)
    >>> out = model(torch.rand(2, 5, 1, 32, 32))
    >>> out.recon.shape, sorted(k for k in out._fields if k != "recon")
    (torch.Size([2, 4, 1, 32, 32]), ['kld', 'loss', 'mse'])
    >>> model.sample(torch.rand(2, 2, 1, 32, 32), horizon=3, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 3, 1, 32, 32])
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from ..core.errors import InvalidArgumentError, ShapeError

__all__ = ["VAEOutput", "VideoVAE"]

#: Frame sizes (square) the encoder and decoder support.
SUPPORTED_SIZES = (32, 64, 128)


class VAEOutput(NamedTuple):
    """What ``VideoVAE.forward`` returns: frames 1..T-1 reconstructed, and the loss with its two terms."""

    recon: Tensor  # (B, T-1, C, H, W) in [0, 1]
    mse: Tensor  # mean squared error per pixel, averaged over the frames
    kld: Tensor  # KL(q || p) summed over z, averaged over the batch and the frames
    loss: Tensor  # mse + beta * kld


def _check_int(name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"VideoVAE: {name} must be an int >= {minimum}, got {value!r}", name)


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels)


class _Encoder(nn.Module):
    """Strided 4x4 convolutions down to 4x4, then a 4x4 convolution to a ``g_dim`` vector; keeps the skips."""

    def __init__(self, in_channels: int, width: int, g_dim: int, size: int) -> None:
        super().__init__()
        levels = int(math.log2(size)) - 2
        chans = [in_channels] + [width * 2**i for i in range(levels)]
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1), _norm(cout), nn.LeakyReLU(0.2))
            for cin, cout in itertools.pairwise(chans)
        )
        self.out = nn.Sequential(nn.Conv2d(chans[-1], g_dim, 4, 1, 0), nn.Tanh())

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        skips = []
        for block in self.blocks:
            x = block(x)
            skips.append(x)
        return self.out(x).flatten(1), skips


class _Decoder(nn.Module):
    """The encoder mirrored: transposed convolutions up from the code, each level concatenated with its skip."""

    def __init__(self, in_channels: int, width: int, g_dim: int, size: int) -> None:
        super().__init__()
        levels = int(math.log2(size)) - 2
        chans = [width * 2**i for i in range(levels)]  # skip channels, finest first
        self.inp = nn.Sequential(nn.ConvTranspose2d(g_dim, chans[-1], 4, 1, 0), _norm(chans[-1]), nn.LeakyReLU(0.2))
        ups: list[nn.Module] = []
        for i in range(levels - 1, 0, -1):
            ups.append(
                nn.Sequential(
                    nn.ConvTranspose2d(2 * chans[i], chans[i - 1], 4, 2, 1), _norm(chans[i - 1]), nn.LeakyReLU(0.2)
                )
            )
        self.ups = nn.ModuleList(ups)
        self.out = nn.ConvTranspose2d(2 * chans[0], in_channels, 4, 2, 1)

    def forward(self, g: Tensor, skips: list[Tensor]) -> Tensor:
        x = self.inp(g[:, :, None, None])
        for up, skip in zip(self.ups, reversed(skips[1:])):
            x = up(torch.cat([x, skip], dim=1))
        return torch.sigmoid(self.out(torch.cat([x, skips[0]], dim=1)))


class _LSTM(nn.Module):
    """Linear embedding -> stacked LSTM cells -> a head; the state is passed in and out, never stored."""

    def __init__(self, in_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.embed = nn.Linear(in_dim, hidden)
        self.cells = nn.ModuleList(nn.LSTMCell(hidden, hidden) for _ in range(layers))

    def step(self, x: Tensor, state: list[tuple[Tensor, Tensor]] | None) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        h = self.embed(x)
        new = []
        for i, cell in enumerate(self.cells):
            hc = cell(h, None if state is None else state[i])
            new.append(hc)
            h = hc[0]
        return h, new


class _Gaussian(_LSTM):
    def __init__(self, in_dim: int, hidden: int, z_dim: int, layers: int) -> None:
        super().__init__(in_dim, hidden, layers)
        self.mu = nn.Linear(hidden, z_dim)
        self.logvar = nn.Linear(hidden, z_dim)

    def gaussian(self, x: Tensor, state: list[tuple[Tensor, Tensor]] | None) -> tuple[Tensor, Tensor, list]:
        h, state = self.step(x, state)
        return self.mu(h), self.logvar(h), state


class VideoVAE(nn.Module):
    """SVG-LP-style video model: conv frame encoder/decoder with skips, LSTM posterior, learned prior, predictor.

    Args:
        in_channels: C of the clips.
        z_dim: latent dimensions per frame.
        g_dim: size of a frame's code.
        rnn: hidden size of the three LSTMs.
        beta: weight of the KL term.
        context: frames given before sampling (``loss`` trains on the first ``context + horizon`` frames).
        horizon: frames ``predict`` samples by default.
        width: channels of the encoder's first convolution (doubled at each level).
        size: side of the square frames, one of 32, 64, 128.
        predictor_layers: LSTM layers of the frame predictor (the posterior and the prior have one).

    Example:
        >>> import torch
        >>> from tempaug.models.vae import VideoVAE
        >>> model = VideoVAE(z_dim=4, g_dim=8, rnn=16, width=4, size=32, context=2, horizon=2)
        >>> loss, terms = model.loss(torch.rand(2, 4, 1, 32, 32), torch.zeros(2, dtype=torch.long))
        >>> sorted(terms), model.kind
        (['kld', 'mse'], 'vae')
    """

    kind = "vae"

    def __init__(
        self,
        in_channels: int = 1,
        z_dim: int = 16,
        g_dim: int = 64,
        rnn: int = 128,
        beta: float = 1e-4,
        context: int = 10,
        horizon: int = 10,
        width: int = 32,
        size: int = 64,
        predictor_layers: int = 2,
    ) -> None:
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("z_dim", z_dim),
            ("g_dim", g_dim),
            ("rnn", rnn),
            ("context", context),
            ("horizon", horizon),
            ("width", width),
            ("predictor_layers", predictor_layers),
        ):
            _check_int(name, value)
        if size not in SUPPORTED_SIZES:
            raise InvalidArgumentError(f"VideoVAE: size must be one of {SUPPORTED_SIZES}, got {size!r}", "size")
        if not isinstance(beta, (int, float)) or isinstance(beta, bool) or not beta >= 0:
            raise InvalidArgumentError(f"VideoVAE: beta must be a float >= 0, got {beta!r}", "beta")
        self.in_channels = in_channels
        self.z_dim = z_dim
        self.beta = float(beta)
        self.context = context
        self.horizon = horizon
        self.size = size
        self.encoder = _Encoder(in_channels, width, g_dim, size)
        self.decoder = _Decoder(in_channels, width, g_dim, size)
        self.posterior = _Gaussian(g_dim, rnn, z_dim, 1)
        self.prior = _Gaussian(g_dim, rnn, z_dim, 1)
        self.predictor = _LSTM(g_dim + z_dim, rnn, predictor_layers)
        self.predictor_out = nn.Sequential(nn.Linear(rnn, g_dim), nn.Tanh())

    def _check_clips(self, clips: Tensor, what: str, min_length: int) -> None:
        if clips.dim() != 5 or clips.shape[2] != self.in_channels:
            raise ShapeError(
                f"VideoVAE: expected {what} of shape (B,T,{self.in_channels},H,W), got shape {tuple(clips.shape)}"
            )
        if tuple(clips.shape[-2:]) != (self.size, self.size):
            raise ShapeError(
                f"VideoVAE: built for {self.size}x{self.size} frames (size={self.size}; supported sizes "
                f"{SUPPORTED_SIZES}), got {what} of shape {tuple(clips.shape)}"
            )
        if clips.shape[1] < min_length:
            extra = f" (context {self.context} + horizon {self.horizon})" if what == "clips" else ""
            raise ShapeError(f"VideoVAE: {what} has {clips.shape[1]} frames; needs at least {min_length}{extra}")

    def _encode(self, clips: Tensor) -> tuple[Tensor, list[Tensor]]:
        b, t = clips.shape[:2]
        g, skips = self.encoder(clips.flatten(0, 1))
        return g.unflatten(0, (b, t)), [s.unflatten(0, (b, t)) for s in skips]

    def _predict(self, g: Tensor, z: Tensor, state: list | None) -> tuple[Tensor, list]:
        h, state = self.predictor.step(torch.cat([g, z], dim=1), state)
        return self.predictor_out(h), state

    def forward(self, clips: Tensor) -> VAEOutput:
        """Teacher-forced pass over clips (B,T,C,H,W), T >= 2: reconstruct frames 1..T-1 from z ~ q(z_t | x_<=t).

        The skip features come from the frame before while it is a context frame, then from the last context frame.
        """
        self._check_clips(clips, "clips", 2)
        g, skips = self._encode(clips)
        post = prior = pred = None
        recons, mses, klds = [], [], []
        for t in range(1, clips.shape[1]):
            src = min(t - 1, self.context - 1)
            mu, logvar, post = self.posterior.gaussian(g[:, t], post)
            mu_p, logvar_p, prior = self.prior.gaussian(g[:, t - 1], prior)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            code, pred = self._predict(g[:, t - 1], z, pred)
            frame = self.decoder(code, [s[:, src] for s in skips])
            recons.append(frame)
            mses.append((frame - clips[:, t]).pow(2).mean())
            kl = 0.5 * (logvar_p - logvar + (logvar.exp() + (mu - mu_p).pow(2)) / logvar_p.exp() - 1)
            klds.append(kl.sum(dim=1).mean())
        mse = torch.stack(mses).mean()
        kld = torch.stack(klds).mean()
        return VAEOutput(torch.stack(recons, dim=1), mse, kld, mse + self.beta * kld)

    def loss(self, clips: Tensor, labels: Tensor | None = None) -> tuple[Tensor, dict[str, float]]:
        """``mse + beta * kld`` of a teacher-forced pass over the first ``context + horizon`` frames.

        Args:
            clips: float (B,T,C,H,W) in [0, 1], T >= context + horizon, frames ``size`` x ``size``.
            labels: unused (the trainer's interface passes them).

        Returns:
            ``(loss, {"mse": float, "kld": float})``.

        Raises:
            ShapeError: the clips are not (B,T,C,size,size), or shorter than context + horizon.
        """
        self._check_clips(clips, "clips", self.context + self.horizon)
        out = self(clips[:, : self.context + self.horizon])
        return out.loss, {"mse": float(out.mse.detach()), "kld": float(out.kld.detach())}

    @torch.no_grad()
    def sample(self, context: Tensor, horizon: int | None = None, generator: torch.Generator | None = None) -> Tensor:
        """Sample ``horizon`` frames (B, horizon, C, H, W) in [0, 1] after ``context`` (B, Tc, C, H, W), Tc >= 1.

        The posterior reads the context frames to warm up the LSTMs; after it, z is drawn from the learned prior
        and each sampled frame is encoded and fed back. All noise comes from ``generator`` (drawn on its device,
        then moved) when given, else from torch's default generator.

        Example:
            >>> import torch
            >>> from tempaug.models.vae import VideoVAE
            >>> model = VideoVAE(z_dim=4, g_dim=8, rnn=16, width=4, size=32, context=2, horizon=2)
            >>> x = torch.rand(1, 2, 1, 32, 32)
            >>> a = model.sample(x, 3, generator=torch.Generator().manual_seed(1))
            >>> torch.equal(a, model.sample(x, 3, generator=torch.Generator().manual_seed(1)))
            True
        """
        horizon = self.horizon if horizon is None else horizon
        _check_int("horizon", horizon)
        self._check_clips(context, "context", 1)

        def noise(like: Tensor) -> Tensor:
            eps = torch.randn(
                like.shape,
                generator=generator,
                dtype=like.dtype,
                device=None if generator is None else generator.device,
            )
            return eps.to(like.device)

        g, skips = self._encode(context)
        last_skip = [s[:, -1] for s in skips]
        post = prior = pred = None
        tc = context.shape[1]
        for t in range(1, tc):
            mu, logvar, post = self.posterior.gaussian(g[:, t], post)
            _, _, prior = self.prior.gaussian(g[:, t - 1], prior)
            _, pred = self._predict(g[:, t - 1], mu + noise(mu) * torch.exp(0.5 * logvar), pred)
        g_prev = g[:, -1]
        frames = []
        for _ in range(horizon):
            mu_p, logvar_p, prior = self.prior.gaussian(g_prev, prior)
            code, pred = self._predict(g_prev, mu_p + noise(mu_p) * torch.exp(0.5 * logvar_p), pred)
            frame = self.decoder(code, last_skip)
            frames.append(frame)
            g_prev = self.encoder(frame)[0]
        return torch.stack(frames, dim=1)

    def predict(self, context: Tensor, horizon: int | None = None, generator: torch.Generator | None = None) -> Tensor:
        """One sample of ``horizon`` frames from the learned prior; see :meth:`sample`."""
        return self.sample(context, horizon, generator)
