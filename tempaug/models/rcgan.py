"""A recurrent conditional GAN for short clips (a small RC-GAN / AC-GAN hybrid, sized for CPU training).

The generator runs a GRU over time, fed at every step with one clip-level noise vector, a fresh per-step noise
vector and a class embedding; a shared transposed-convolution decoder turns each hidden state into a frame
through a sigmoid. The discriminator encodes each frame with strided convolutions, reads the frame features with a
bidirectional GRU, averages over time, and has two heads: a real/fake logit conditioned on the label by projection
(Miyato & Koyama 2018) and an auxiliary classifier over the classes (Odena et al. 2017, AC-GAN).
Clips are float (B,T,C,H,W) in [0, 1] (tempaug's layout).

Losses (:meth:`RCGAN.train_step` takes one D step then one G step):

* discriminator: ``softplus(-D(x, y)) + softplus(D(G(z, y), y))`` (the non-saturating logistic loss)
  ``+ aux_weight * CE(aux(x), y)`` (real clips only) ``+ r1_gamma / 2 * E ||grad_x D(x, y)||^2`` (R1 on real clips,
  Mescheder et al. 2018: the squared norm is summed over all of a clip's pixels and averaged over the batch);
* generator: ``softplus(-D(G(z, y), y)) + aux_weight * CE(aux(G(z, y)), y) + temporal_weight * L_temp``, where
  ``L_temp = |mean(m_fake) - mean(m_real)| + |std(m_fake) - std(m_real)|`` and ``m`` is the per-frame-pair motion
  ``m[b, t] = mean_{c,h,w} |x[b, t+1] - x[b, t]|``, its mean and (biased) std taken over all ``(b, t)`` of the batch.
  The generated clips are drawn for the batch's own labels, so they and the real clips have the same length and
  class mix. ``L_temp`` is 0 for single-frame clips.

Example:
    >>> import torch
    >>> from tempaug.models.rcgan import RCGAN
    >>> gan = RCGAN(num_classes=3, length=4, size=16, z_dim=8, hidden=16, width=8)
    >>> gan.generate(torch.tensor([0, 2]), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 4, 1, 16, 16])
    >>> opts = gan.configure_optimizers(2e-4)
    >>> sorted(gan.train_step(torch.rand(2, 4, 1, 16, 16), torch.tensor([0, 1]), opts))
    ['d_adv', 'd_aux', 'd_loss', 'd_r1', 'g_adv', 'g_aux', 'g_loss', 'g_temporal']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.errors import DTypeError, InvalidArgumentError, ShapeError

__all__ = [
    "RCGAN",
    "ConditionalGAN",
    "RCDiscriminator",
    "RCGenerator",
    "frame_decoder",
    "frame_encoder",
    "frame_grid",
    "motion_statistics",
    "r1_penalty",
    "temporal_consistency",
]


def _check_int(owner: str, name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{owner}: {name} must be an int >= {minimum}, got {value!r}", name)


def _check_weight(owner: str, name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value == float("inf"):
        raise InvalidArgumentError(f"{owner}: {name} must be a finite number >= 0, got {value!r}", name)


def _levels(owner: str, size: object) -> tuple[int, int]:
    """Halvings between ``size`` and the base grid (side < 8) and the base side: 64 -> (4, 4), 48 -> (3, 6)."""
    _check_int(owner, "size", size, 8)
    assert isinstance(size, int)
    levels, side = 0, size
    while side % 2 == 0 and side >= 8:
        side //= 2
        levels += 1
    if side >= 8:
        raise InvalidArgumentError(
            f"{owner}: size must halve down to a side below 8 (e.g. 16, 32, 48, 64), got {size}", "size"
        )
    return levels, side


def _channels(width: int, levels: int) -> list[int]:
    """Channels at each resolution from the base grid up: width * 2**k, capped at 4 * width, ending at width."""
    return [width * 2 ** min(levels - 1 - i, 2) for i in range(levels)]


def frame_grid(size: int, width: int, owner: str = "frame_grid") -> tuple[int, int]:
    """``(channels, side)`` of the grid a :func:`frame_decoder` starts from: ``side`` < 8 is ``size`` halved until
    it is below 8, ``channels`` is ``width`` doubled per halving, capped at ``4 * width``.

    Example:
        >>> from tempaug.models.rcgan import frame_grid
        >>> frame_grid(64, 16), frame_grid(48, 16), frame_grid(28, 4)
        ((64, 4), (64, 6), (8, 7))
    """
    _check_int(owner, "width", width)
    levels, side = _levels(owner, size)
    return _channels(width, levels)[0], side


def frame_decoder(in_channels: int, size: int, width: int, owner: str = "frame_decoder") -> nn.Sequential:
    """The frame decoder of :class:`RCGenerator` (and of the image GAN pretrained for it): a ``frame_grid`` grid
    (B, channels, side, side) -> GroupNorm + ReLU -> [ConvTranspose2d(4, stride 2) + GroupNorm + ReLU] per
    doubling up to ``size`` -> a 3x3 convolution to ``in_channels`` logits (B, in_channels, size, size).

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import frame_decoder, frame_grid
        >>> channels, side = frame_grid(32, 8)
        >>> frame_decoder(1, 32, 8)(torch.rand(2, channels, side, side)).shape
        torch.Size([2, 1, 32, 32])
    """
    _check_int(owner, "in_channels", in_channels)
    _check_int(owner, "width", width)
    levels, _ = _levels(owner, size)
    channels = _channels(width, levels)
    blocks: list[nn.Module] = []
    for cin, cout in zip(channels, [*channels[1:], width]):
        blocks += [
            nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1),
            nn.GroupNorm(min(8, cout), cout),
            nn.ReLU(),
        ]
    return nn.Sequential(
        nn.GroupNorm(min(8, channels[0]), channels[0]),
        nn.ReLU(),
        *blocks,
        nn.Conv2d(width, in_channels, 3, padding=1),
    )


def frame_encoder(in_channels: int, size: int, width: int, hidden: int, owner: str = "frame_encoder") -> nn.Sequential:
    """The per-frame encoder of :class:`RCDiscriminator` (and of the image GAN pretrained for it): frames
    (B, in_channels, size, size) -> [Conv2d(4, stride 2) + LeakyReLU(0.2)] per halving (``width`` channels doubled
    per halving, capped at ``4 * width``) -> flatten -> Linear to ``hidden`` -> LeakyReLU(0.2): features (B, hidden).

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import frame_encoder
        >>> frame_encoder(1, 32, 8, hidden=16)(torch.rand(2, 1, 32, 32)).shape
        torch.Size([2, 16])
    """
    for name, value in (("in_channels", in_channels), ("width", width), ("hidden", hidden)):
        _check_int(owner, name, value)
    levels, side = _levels(owner, size)
    layers: list[nn.Module] = []
    cin = in_channels
    for cout in reversed(_channels(width, levels)):  # width ... up to 4*width
        layers += [nn.Conv2d(cin, cout, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        cin = cout
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(cin * side * side, hidden), nn.LeakyReLU(0.2))


def _check_labels(owner: str, labels: object, num_classes: int, device: torch.device) -> Tensor:
    """Labels as a 1-D long tensor on ``device``; raise on floats, wrong rank or values outside the classes."""
    if isinstance(labels, Tensor):
        if labels.dtype.is_floating_point or labels.dtype.is_complex or labels.dtype == torch.bool:
            raise DTypeError(f"{owner}: labels must be an integer tensor, got dtype {labels.dtype}")
        tensor = labels
    elif isinstance(labels, Sequence) and all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
        tensor = torch.tensor(list(labels), dtype=torch.long)
    else:
        raise DTypeError(
            f"{owner}: labels must be an integer tensor or a sequence of ints, got {type(labels).__name__}"
        )
    if tensor.dim() != 1 or tensor.numel() == 0:
        raise ShapeError(f"{owner}: labels must be a non-empty 1-D tensor (B,), got shape {tuple(tensor.shape)}")
    low, high = int(tensor.min()), int(tensor.max())
    if low < 0 or high >= num_classes:
        raise InvalidArgumentError(
            f"{owner}: labels must lie in [0, {num_classes}), got values in [{low}, {high}]", "labels"
        )
    return tensor.to(device=device, dtype=torch.long)


def motion_statistics(clips: Tensor) -> tuple[Tensor, Tensor]:
    """Mean and (biased) std over ``(b, t)`` of ``m[b, t] = mean_{c,h,w} |x[b, t+1] - x[b, t]|`` for (B,T,C,H,W).

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import motion_statistics
        >>> x = torch.zeros(1, 3, 1, 2, 2); x[:, 1] = 1.0
        >>> [round(float(v), 3) for v in motion_statistics(x)]
        [1.0, 0.0]
    """
    if clips.dim() != 5 or clips.shape[1] < 2:
        raise ShapeError(f"motion_statistics: expected (B,T>=2,C,H,W) clips, got shape {tuple(clips.shape)}")
    motion = (clips[:, 1:] - clips[:, :-1]).abs().mean(dim=(2, 3, 4))
    return motion.mean(), motion.std(unbiased=False) if motion.numel() > 1 else motion.new_zeros(())


def temporal_consistency(fake: Tensor, real: Tensor) -> Tensor:
    """``|mean(m_fake) - mean(m_real)| + |std(m_fake) - std(m_real)|`` (see :func:`motion_statistics`); 0 if T == 1.

    Gradients reach ``fake`` only (the real statistics are constants).

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import temporal_consistency
        >>> still, flicker = torch.zeros(2, 4, 1, 8, 8), torch.rand(2, 4, 1, 8, 8)
        >>> float(temporal_consistency(still, still)), float(temporal_consistency(flicker, still)) > 0.2
        (0.0, True)
    """
    if fake.shape[1] < 2 or real.shape[1] < 2:
        return fake.new_zeros(())
    fake_mean, fake_std = motion_statistics(fake)
    with torch.no_grad():
        real_mean, real_std = motion_statistics(real)
    return (fake_mean - real_mean).abs() + (fake_std - real_std).abs()


class RCGenerator(nn.Module):
    """GRU over time fed with [clip noise, step noise, class embedding]; a shared deconvolution decoder per frame.

    The clip noise and the class embedding also set the GRU's initial state. The decoder maps the hidden state and
    the class embedding through a linear layer to a ``4*width`` x s x s grid (s < 8) and doubles it with
    ConvTranspose2d(4, stride 2) + GroupNorm + ReLU up to ``size``, ending in a 3x3 convolution and a sigmoid.

    Args:
        num_classes: number of labels.
        in_channels: C of the clips produced.
        z_dim: size of each noise vector and of the class embedding.
        hidden: GRU state size.
        size: H = W of the frames (a side that halves down below 8: 16, 32, 48, 64, ...).
        width: channels at full resolution (up to 4x that at the base grid).

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import RCGenerator
        >>> g = RCGenerator(num_classes=10, size=32, z_dim=8, hidden=16, width=8)
        >>> labels, z_clip, z_steps = torch.tensor([1, 7]), torch.randn(2, 8), torch.randn(2, 5, 8)
        >>> x = g(labels, z_clip, z_steps)
        >>> x.shape, bool(x.min() >= 0 and x.max() <= 1)
        (torch.Size([2, 5, 1, 32, 32]), True)
    """

    num_classes: int
    in_channels: int
    z_dim: int
    size: int
    side: int
    first_channels: int
    embed: nn.Embedding
    init_state: nn.Linear
    rnn: nn.GRU
    project: nn.Linear
    decoder: nn.Sequential

    def __init__(
        self,
        num_classes: int,
        in_channels: int = 1,
        z_dim: int = 32,
        hidden: int = 128,
        size: int = 64,
        width: int = 32,
    ) -> None:
        super().__init__()
        for name, value in (
            ("num_classes", num_classes),
            ("in_channels", in_channels),
            ("z_dim", z_dim),
            ("hidden", hidden),
            ("width", width),
        ):
            _check_int("RCGenerator", name, value)
        first_channels, side = frame_grid(size, width, "RCGenerator")
        self.num_classes, self.in_channels, self.z_dim, self.size = num_classes, in_channels, z_dim, size
        self.side = side
        self.embed = nn.Embedding(num_classes, z_dim)
        self.init_state = nn.Linear(2 * z_dim, hidden)
        self.rnn = nn.GRU(3 * z_dim, hidden, batch_first=True)
        self.project = nn.Linear(hidden + z_dim, first_channels * side * side)
        self.decoder = frame_decoder(in_channels, size, width, "RCGenerator")
        self.first_channels = first_channels

    def forward(self, labels: Tensor, z_clip: Tensor, z_steps: Tensor) -> Tensor:
        """Clips (B,T,C,size,size) in [0, 1] for labels (B,), clip noise (B, z_dim) and step noise (B, T, z_dim)."""
        b = labels.shape[0]
        if (
            z_clip.shape != (b, self.z_dim)
            or z_steps.dim() != 3
            or z_steps.shape[0] != b
            or z_steps.shape[2] != self.z_dim
        ):
            raise ShapeError(
                f"RCGenerator: expected z_clip (B={b},{self.z_dim}) and z_steps ({b},T,{self.z_dim}), "
                f"got {tuple(z_clip.shape)} and {tuple(z_steps.shape)}"
            )
        t = z_steps.shape[1]
        emb = self.embed(labels)  # (B, z)
        h0 = torch.tanh(self.init_state(torch.cat([z_clip, emb], dim=1))).unsqueeze(0)
        steps = torch.cat([z_clip.unsqueeze(1).expand(b, t, -1), z_steps, emb.unsqueeze(1).expand(b, t, -1)], dim=2)
        out, _ = self.rnn(steps, h0)  # (B, T, hidden)
        feats = torch.cat([out, emb.unsqueeze(1).expand(b, t, -1)], dim=2).reshape(b * t, -1)
        grid = self.project(feats).view(b * t, self.first_channels, self.side, self.side)
        frames = torch.sigmoid(self.decoder(grid))
        return frames.view(b, t, self.in_channels, self.size, self.size)


class RCDiscriminator(nn.Module):
    """Per-frame strided convolutions, a bidirectional GRU over the frame features, mean over time, two heads.

    The real/fake logit is ``linear(f) + <embed(y), f>`` (projection conditioning); the auxiliary head gives class
    logits from the same pooled features ``f``. No normalisation layers, so the R1 penalty is per-sample.

    Args:
        num_classes: number of labels.
        in_channels: C of the clips.
        hidden: size of the frame features and of each GRU direction.
        width: channels of the first convolution (doubled per halving, capped at 4x).
        size: H = W of the frames.

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import RCDiscriminator
        >>> d = RCDiscriminator(num_classes=10, size=32, hidden=16, width=8)
        >>> logit, aux = d(torch.rand(2, 5, 1, 32, 32), torch.tensor([1, 7]))
        >>> logit.shape, aux.shape
        (torch.Size([2]), torch.Size([2, 10]))
    """

    num_classes: int
    in_channels: int
    size: int
    frames: nn.Sequential
    rnn: nn.GRU
    real_fake: nn.Linear
    embed: nn.Embedding
    aux: nn.Linear

    def __init__(
        self, num_classes: int, in_channels: int = 1, hidden: int = 128, width: int = 32, size: int = 64
    ) -> None:
        super().__init__()
        for name, value in (
            ("num_classes", num_classes),
            ("in_channels", in_channels),
            ("hidden", hidden),
            ("width", width),
        ):
            _check_int("RCDiscriminator", name, value)
        self.num_classes, self.in_channels, self.size = num_classes, in_channels, size
        self.frames = frame_encoder(in_channels, size, width, hidden, "RCDiscriminator")
        self.rnn = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.real_fake = nn.Linear(2 * hidden, 1)
        self.embed = nn.Embedding(num_classes, 2 * hidden)
        self.aux = nn.Linear(2 * hidden, num_classes)

    def check_clips(self, clips: Tensor, owner: str = "RCDiscriminator") -> None:
        """Raise unless ``clips`` is float (B,T,in_channels,size,size) with B, T >= 1."""
        expected = (self.in_channels, self.size, self.size)
        if clips.dim() != 5 or tuple(clips.shape[2:]) != expected or clips.shape[0] < 1 or clips.shape[1] < 1:
            raise ShapeError(
                f"{owner}: expected (B,T,{self.in_channels},{self.size},{self.size}) clips, got shape "
                f"{tuple(clips.shape)}"
            )
        if not clips.dtype.is_floating_point:
            raise DTypeError(f"{owner}: expected float clips in [0, 1], got dtype {clips.dtype}")

    def features(self, clips: Tensor) -> Tensor:
        """Pooled clip features (B, 2*hidden)."""
        b, t = clips.shape[:2]
        f = self.frames(clips.reshape(b * t, *clips.shape[2:])).view(b, t, -1)
        out, _ = self.rnn(f)
        return out.mean(dim=1)

    def forward(self, clips: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """Real/fake logits (B,) and class logits (B, num_classes) for clips (B,T,C,H,W) and labels (B,)."""
        self.check_clips(clips)
        f = self.features(clips)
        logit = self.real_fake(f).squeeze(1) + (self.embed(labels) * f).sum(dim=1)
        return logit, self.aux(f)


def r1_penalty(discriminator: nn.Module, clips: Tensor, labels: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """R1: ``E_b ||grad_x D(x_b, y_b)||^2`` (summed over pixels), plus the logits and class logits of ``clips``.

    The penalty keeps its graph (``create_graph=True``) so it can be minimised. cuDNN is switched off for the
    forward pass, as cuDNN's GRU has no double backward.

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import RCDiscriminator, r1_penalty
        >>> d = RCDiscriminator(3, size=16, hidden=8, width=4)
        >>> penalty, logit, aux = r1_penalty(d, torch.rand(2, 3, 1, 16, 16), torch.tensor([0, 2]))
        >>> bool(penalty > 0), penalty.requires_grad
        (True, True)
    """
    x = clips.detach().requires_grad_(True)
    with torch.backends.cudnn.flags(enabled=False):
        logit, aux = discriminator(x, labels)
        (grad,) = torch.autograd.grad(logit.sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(dim=1).mean(), logit, aux


class ConditionalGAN(nn.Module):
    """What the conditional GANs (:class:`RCGAN`, :class:`~tempaug.models.FrameGAN`) share: Adam for each
    network, the discriminator's loss, the generator's adversarial terms and the alternating training step.

    A subclass sets ``generator``, ``discriminator`` (``discriminator(x, labels)`` returns real/fake logits (B,)
    and class logits (B, num_classes), for clips or frames alike), ``num_classes``, ``aux_weight`` and
    ``r1_gamma``, and defines ``generator_loss(real, labels, fake)``.

    Example:
        >>> from tempaug.models.rcgan import RCGAN, ConditionalGAN
        >>> gan = RCGAN(num_classes=2, length=2, size=16, z_dim=4, hidden=8, width=4)
        >>> isinstance(gan, ConditionalGAN), sorted(gan.configure_optimizers(1e-3))
        (True, ['discriminator', 'generator'])
    """

    generator: nn.Module
    discriminator: nn.Module
    num_classes: int
    aux_weight: float
    r1_gamma: float

    def _device(self) -> torch.device:
        return next(self.parameters()).device

    def _labels(self, labels: object) -> Tensor:
        return _check_labels(type(self).__name__, labels, self.num_classes, self._device())

    @staticmethod
    def _output(x: Tensor, uint8: bool) -> Tensor:
        return (x * 255.0).round().clamp(0, 255).to(torch.uint8) if uint8 else x

    def loss(self, clips: Tensor, labels: Tensor) -> tuple[Tensor, dict[str, float]]:
        """Not available: a GAN has two losses; train with :meth:`configure_optimizers` and :meth:`train_step`."""
        raise NotImplementedError(
            f"{type(self).__name__} has two losses (discriminator and generator); use configure_optimizers(lr) and "
            "train_step(clips, labels, optimizers), which steps both"
        )

    def configure_optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Adam with betas (0.5, 0.999) for each network: ``{"generator": ..., "discriminator": ...}``."""
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < float("inf"):
            raise InvalidArgumentError(f"{type(self).__name__}: lr must be a finite number > 0, got {lr!r}", "lr")
        return {
            "generator": torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.999)),
            "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
        }

    def discriminator_loss(self, real: Tensor, labels: Tensor, fake: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """D's loss on ``real`` and generated ``fake`` (detached), and its terms: ``softplus(-D(real, y)) +
        softplus(D(fake, y)) + aux_weight * CE(aux(real), y) + r1_gamma / 2 * R1(real)`` (:func:`r1_penalty`)."""
        r1, real_logit, real_aux = r1_penalty(self.discriminator, real, labels)
        fake_logit, _ = self.discriminator(fake.detach(), labels)
        adv = F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()
        aux = F.cross_entropy(real_aux, labels)
        total = adv + self.aux_weight * aux + 0.5 * self.r1_gamma * r1
        return total, {"d_adv": adv, "d_aux": aux, "d_r1": r1}

    def adversarial_terms(self, fake: Tensor, labels: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """G's adversarial loss for generated ``fake`` and its terms: ``softplus(-D(fake, y)) + aux_weight *
        CE(aux(fake), y)``."""
        logit, aux_logits = self.discriminator(fake, labels)
        adv = F.softplus(-logit).mean()
        aux = F.cross_entropy(aux_logits, labels)
        return adv + self.aux_weight * aux, {"g_adv": adv, "g_aux": aux}

    def generator_loss(self, real: Tensor, labels: Tensor, fake: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """G's loss for generated ``fake`` against the ``real`` batch, and its terms (set by the subclass)."""
        raise NotImplementedError(f"{type(self).__name__} defines no generator_loss")

    def alternating_step(
        self,
        real: Tensor,
        labels: Tensor,
        optimizers: dict[str, torch.optim.Optimizer],
        sample: Callable[[], Tensor],
    ) -> dict[str, float]:
        """One discriminator step then one generator step on a checked ``real`` batch; every loss term as a float.

        ``sample()`` draws a generated batch for ``labels``. During the generator step the discriminator's weights
        do not require gradients.
        """
        opt_d, opt_g = optimizers["discriminator"], optimizers["generator"]

        with torch.no_grad():
            fake = sample()
        opt_d.zero_grad(set_to_none=True)
        d_loss, d_terms = self.discriminator_loss(real, labels, fake)
        d_loss.backward()
        opt_d.step()

        self.discriminator.requires_grad_(False)
        try:
            opt_g.zero_grad(set_to_none=True)
            g_loss, g_terms = self.generator_loss(real, labels, sample())
            g_loss.backward()
            opt_g.step()
        finally:
            self.discriminator.requires_grad_(True)
        terms = {"d_loss": d_loss, **d_terms, "g_loss": g_loss, **g_terms}
        return {k: float(v.detach()) for k, v in terms.items()}


class RCGAN(ConditionalGAN):
    """A conditional recurrent GAN: :class:`RCGenerator` + :class:`RCDiscriminator` and their training step.

    Args:
        num_classes: number of labels.
        in_channels: C of the clips.
        length: T of the clips :meth:`generate` makes by default.
        size: H = W of the clips.
        z_dim: noise and embedding size of the generator.
        hidden: GRU sizes of both networks.
        width: convolution widths of both networks.
        aux_weight: weight of the auxiliary classification terms (D on real, G on fake).
        temporal_weight: weight of the motion-statistics term on generated clips (module docstring).
        r1_gamma: R1 weight; the D loss adds ``r1_gamma / 2`` times the penalty.

    Example:
        >>> import torch
        >>> from tempaug.models.rcgan import RCGAN
        >>> gan = RCGAN(num_classes=10, length=3, size=16, z_dim=8, hidden=16, width=8)
        >>> x = gan.generate([3, 4], uint8=True, generator=torch.Generator().manual_seed(1))
        >>> x.shape, x.dtype
        (torch.Size([2, 3, 1, 16, 16]), torch.uint8)
    """

    kind = "rcgan"

    generator: RCGenerator
    discriminator: RCDiscriminator
    in_channels: int
    length: int
    size: int
    temporal_weight: float

    def __init__(
        self,
        num_classes: int,
        in_channels: int = 1,
        length: int = 20,
        size: int = 64,
        z_dim: int = 32,
        hidden: int = 128,
        width: int = 32,
        aux_weight: float = 1.0,
        temporal_weight: float = 1.0,
        r1_gamma: float = 1.0,
    ) -> None:
        super().__init__()
        _check_int("RCGAN", "length", length)
        for name, value in (("aux_weight", aux_weight), ("temporal_weight", temporal_weight), ("r1_gamma", r1_gamma)):
            _check_weight("RCGAN", name, value)
        self.num_classes, self.in_channels, self.length, self.size = num_classes, in_channels, length, size
        self.aux_weight, self.temporal_weight, self.r1_gamma = (
            float(aux_weight),
            float(temporal_weight),
            float(r1_gamma),
        )
        self.generator = RCGenerator(num_classes, in_channels, z_dim=z_dim, hidden=hidden, size=size, width=width)
        self.discriminator = RCDiscriminator(num_classes, in_channels, hidden=hidden, width=width, size=size)

    def sample(
        self, labels: Tensor | Sequence[int], length: int | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        """Float clips (B,T,C,H,W) in [0, 1], differentiable in the generator's weights.

        Noise is drawn on the CPU (from ``generator`` when given, else torch's default generator) and moved to the
        model's device, so a seeded generator gives the same clips on every device up to float rounding.
        """
        length = self.length if length is None else length
        _check_int("RCGAN", "length", length)
        device = self._device()
        labels = self._labels(labels)
        z_dim = self.generator.z_dim
        z_clip = torch.randn(labels.shape[0], z_dim, generator=generator)
        z_steps = torch.randn(labels.shape[0], length, z_dim, generator=generator)
        return self.generator(labels, z_clip.to(device), z_steps.to(device))

    def forward(
        self, labels: Tensor | Sequence[int], length: int | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        """Same as :meth:`sample`."""
        return self.sample(labels, length, generator)

    @torch.no_grad()
    def generate(
        self,
        labels: Tensor | Sequence[int],
        length: int | None = None,
        generator: torch.Generator | None = None,
        uint8: bool = False,
    ) -> Tensor:
        """Clips (B,T,C,H,W) for ``labels`` (B,): float in [0, 1], or uint8 in [0, 255] when ``uint8``.

        Args:
            labels: class of each clip, ints in ``[0, num_classes)``.
            length: T (default: the model's ``length``).
            generator: the ``torch.Generator`` the noise comes from (for repeatable samples).
            uint8: round to uint8 (tempaug's stored layout) instead of returning floats.
        """
        return self._output(self.sample(labels, length, generator), uint8)

    def check_batch(self, clips: Tensor, labels: Tensor) -> Tensor:
        """Validate a training batch; returns the labels as a long tensor on the model's device."""
        self.discriminator.check_clips(clips, "RCGAN")
        labels = self._labels(labels)
        if labels.shape[0] != clips.shape[0]:
            raise ShapeError(f"RCGAN: {labels.shape[0]} labels for a batch of {clips.shape[0]} clips")
        return labels

    def generator_loss(self, clips: Tensor, labels: Tensor, fake: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """G's loss for generated ``fake`` against the batch of real ``clips``, and its terms (module docstring)."""
        adversarial, terms = self.adversarial_terms(fake, labels)
        temporal = temporal_consistency(fake, clips)
        return adversarial + self.temporal_weight * temporal, {**terms, "g_temporal": temporal}

    def train_step(
        self, clips: Tensor, labels: Tensor, optimizers: dict[str, torch.optim.Optimizer]
    ) -> dict[str, float]:
        """One discriminator step then one generator step on a real batch; returns every loss term as a float.

        Both steps generate clips of the batch's length for the batch's labels, from torch's default generator.
        During the generator step the discriminator's weights do not require gradients.
        """
        labels = self.check_batch(clips, labels)
        length = clips.shape[1]
        return self.alternating_step(clips, labels, optimizers, lambda: self.sample(labels, length))
