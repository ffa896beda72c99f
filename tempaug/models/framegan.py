"""A conditional image GAN on single frames (DCGAN-style, with AC-GAN and projection heads) whose networks are
built from the same frame decoder and frame encoder as :class:`~tempaug.models.RCGAN`'s, so that a FrameGAN
pretrained on frames initialises an RCGAN's frame pathway (:mod:`tempaug.train.transfer`).

The generator maps noise ``z`` (``z_dim``) and a class embedding (``z_dim``) through a linear layer to a grid
and decodes it with :func:`~tempaug.models.rcgan.frame_decoder` and a sigmoid into frames (B,C,H,W) in [0, 1].
The discriminator encodes a frame with :func:`~tempaug.models.rcgan.frame_encoder` into ``hidden`` features ``f``
and has two heads: a real/fake logit ``linear(f) + <embed(y), f>`` (projection conditioning) and an auxiliary
classifier. Losses are the RCGAN's without its temporal term: the non-saturating logistic loss, ``aux_weight``
times the class cross-entropy (D on real frames, G on generated ones) and ``r1_gamma / 2`` times the R1 penalty
on real frames. :meth:`FrameGAN.train_step` takes clips (B,T,C,H,W) and trains on one random frame of each.

Example:
    >>> import torch
    >>> from tempaug.models.framegan import FrameGAN
    >>> gan = FrameGAN(num_classes=3, size=16, z_dim=8, hidden=16, width=8)
    >>> gan.generate(torch.tensor([0, 2]), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 1, 16, 16])
    >>> opts = gan.configure_optimizers(2e-4)
    >>> sorted(gan.train_step(torch.rand(2, 4, 1, 16, 16), torch.tensor([0, 1]), opts))
    ['d_adv', 'd_aux', 'd_loss', 'd_r1', 'g_adv', 'g_aux', 'g_loss']
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..core.errors import DTypeError, ShapeError
from .rcgan import ConditionalGAN, _check_int, _check_weight, frame_decoder, frame_encoder, frame_grid

__all__ = ["FrameDiscriminator", "FrameGAN", "FrameGenerator"]


class FrameGenerator(nn.Module):
    """[noise, class embedding] -> linear -> grid -> :func:`~tempaug.models.rcgan.frame_decoder` -> sigmoid.

    Its ``embed`` and ``decoder`` have the names and shapes of :class:`~tempaug.models.RCGenerator`'s for the same
    ``num_classes``, ``in_channels``, ``z_dim``, ``size`` and ``width``.

    Args:
        num_classes: number of labels.
        in_channels: C of the frames produced.
        z_dim: size of the noise vector and of the class embedding.
        size: H = W of the frames (a side that halves down below 8: 16, 28, 32, 48, 64, ...).
        width: channels at full resolution (up to 4x that at the base grid).

    Example:
        >>> import torch
        >>> from tempaug.models.framegan import FrameGenerator
        >>> g = FrameGenerator(num_classes=10, size=32, z_dim=8, width=8)
        >>> x = g(torch.tensor([1, 7]), torch.randn(2, 8))
        >>> x.shape, bool(x.min() >= 0 and x.max() <= 1)
        (torch.Size([2, 1, 32, 32]), True)
    """

    num_classes: int
    in_channels: int
    z_dim: int
    size: int
    first_channels: int
    side: int
    embed: nn.Embedding
    project: nn.Linear
    decoder: nn.Sequential

    def __init__(
        self, num_classes: int, in_channels: int = 1, z_dim: int = 32, size: int = 64, width: int = 32
    ) -> None:
        super().__init__()
        for name, value in (("num_classes", num_classes), ("in_channels", in_channels), ("z_dim", z_dim)):
            _check_int("FrameGenerator", name, value)
        first_channels, side = frame_grid(size, width, "FrameGenerator")
        self.num_classes, self.in_channels, self.z_dim, self.size = num_classes, in_channels, z_dim, size
        self.first_channels, self.side = first_channels, side
        self.embed = nn.Embedding(num_classes, z_dim)
        self.project = nn.Linear(2 * z_dim, first_channels * side * side)
        self.decoder = frame_decoder(in_channels, size, width, "FrameGenerator")

    def forward(self, labels: Tensor, z: Tensor) -> Tensor:
        """Frames (B,C,size,size) in [0, 1] for labels (B,) and noise (B, z_dim)."""
        b = labels.shape[0]
        if z.shape != (b, self.z_dim):
            raise ShapeError(f"FrameGenerator: expected z (B={b},{self.z_dim}), got {tuple(z.shape)}")
        grid = self.project(torch.cat([z, self.embed(labels)], dim=1))
        return torch.sigmoid(self.decoder(grid.view(b, self.first_channels, self.side, self.side)))


class FrameDiscriminator(nn.Module):
    """:func:`~tempaug.models.rcgan.frame_encoder` features ``f`` (``hidden``), a projection-conditioned real/fake
    logit ``linear(f) + <embed(y), f>`` and an auxiliary classifier over ``f``.

    Its ``frames`` has the names and shapes of :class:`~tempaug.models.RCDiscriminator`'s for the same
    ``in_channels``, ``hidden``, ``width`` and ``size``. No normalisation layers, so the R1 penalty is per-sample.

    Args:
        num_classes: number of labels.
        in_channels: C of the frames.
        hidden: size of the frame features.
        width: channels of the first convolution (doubled per halving, capped at 4x).
        size: H = W of the frames.

    Example:
        >>> import torch
        >>> from tempaug.models.framegan import FrameDiscriminator
        >>> d = FrameDiscriminator(num_classes=10, size=32, hidden=16, width=8)
        >>> logit, aux = d(torch.rand(2, 1, 32, 32), torch.tensor([1, 7]))
        >>> logit.shape, aux.shape
        (torch.Size([2]), torch.Size([2, 10]))
    """

    num_classes: int
    in_channels: int
    size: int
    frames: nn.Sequential
    real_fake: nn.Linear
    embed: nn.Embedding
    aux: nn.Linear

    def __init__(
        self, num_classes: int, in_channels: int = 1, hidden: int = 128, width: int = 32, size: int = 64
    ) -> None:
        super().__init__()
        _check_int("FrameDiscriminator", "num_classes", num_classes)
        self.num_classes, self.in_channels, self.size = num_classes, in_channels, size
        self.frames = frame_encoder(in_channels, size, width, hidden, "FrameDiscriminator")
        self.real_fake = nn.Linear(hidden, 1)
        self.embed = nn.Embedding(num_classes, hidden)
        self.aux = nn.Linear(hidden, num_classes)

    def check_frames(self, frames: Tensor, owner: str = "FrameDiscriminator") -> None:
        """Raise unless ``frames`` is float (B,in_channels,size,size) with B >= 1."""
        expected = (self.in_channels, self.size, self.size)
        if frames.dim() != 4 or tuple(frames.shape[1:]) != expected or frames.shape[0] < 1:
            raise ShapeError(
                f"{owner}: expected (B,{self.in_channels},{self.size},{self.size}) frames, got shape "
                f"{tuple(frames.shape)}"
            )
        if not frames.dtype.is_floating_point:
            raise DTypeError(f"{owner}: expected float frames in [0, 1], got dtype {frames.dtype}")

    def forward(self, frames: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """Real/fake logits (B,) and class logits (B, num_classes) for frames (B,C,H,W) and labels (B,)."""
        self.check_frames(frames)
        f = self.frames(frames)
        logit = self.real_fake(f).squeeze(1) + (self.embed(labels) * f).sum(dim=1)
        return logit, self.aux(f)


class FrameGAN(ConditionalGAN):
    """A conditional image GAN: :class:`FrameGenerator` + :class:`FrameDiscriminator` and their training step.

    Built with the ``in_channels``, ``size``, ``z_dim``, ``hidden`` and ``width`` of an RCGAN, its generator's
    ``embed`` and ``decoder`` and its discriminator's ``frames`` have the RCGAN's names and shapes.

    Args:
        num_classes: number of labels.
        in_channels: C of the frames.
        size: H = W of the frames.
        z_dim: noise and embedding size of the generator.
        hidden: size of the discriminator's frame features (an RCGAN's GRU size).
        width: convolution widths of both networks.
        aux_weight: weight of the auxiliary classification terms (D on real, G on fake).
        r1_gamma: R1 weight; the D loss adds ``r1_gamma / 2`` times the penalty.

    Example:
        >>> import torch
        >>> from tempaug.models.framegan import FrameGAN
        >>> gan = FrameGAN(num_classes=10, size=16, z_dim=8, hidden=16, width=8)
        >>> x = gan.generate([3, 4], uint8=True, generator=torch.Generator().manual_seed(1))
        >>> x.shape, x.dtype
        (torch.Size([2, 1, 16, 16]), torch.uint8)
    """

    kind = "framegan"

    generator: FrameGenerator
    discriminator: FrameDiscriminator
    in_channels: int
    size: int

    def __init__(
        self,
        num_classes: int,
        in_channels: int = 1,
        size: int = 64,
        z_dim: int = 32,
        hidden: int = 128,
        width: int = 32,
        aux_weight: float = 1.0,
        r1_gamma: float = 1.0,
    ) -> None:
        super().__init__()
        for name, value in (("aux_weight", aux_weight), ("r1_gamma", r1_gamma)):
            _check_weight("FrameGAN", name, value)
        self.num_classes, self.in_channels, self.size = num_classes, in_channels, size
        self.aux_weight, self.r1_gamma = float(aux_weight), float(r1_gamma)
        self.generator = FrameGenerator(num_classes, in_channels, z_dim=z_dim, size=size, width=width)
        self.discriminator = FrameDiscriminator(num_classes, in_channels, hidden=hidden, width=width, size=size)

    def sample(self, labels: Tensor | Sequence[int], generator: torch.Generator | None = None) -> Tensor:
        """Float frames (B,C,H,W) in [0, 1], differentiable in the generator's weights.

        Noise is drawn on the CPU (from ``generator`` when given, else torch's default generator) and moved to the
        model's device, so a seeded generator gives the same frames on every device up to float rounding.
        """
        labels = self._labels(labels)
        z = torch.randn(labels.shape[0], self.generator.z_dim, generator=generator)
        return self.generator(labels, z.to(self._device()))

    def forward(self, labels: Tensor | Sequence[int], generator: torch.Generator | None = None) -> Tensor:
        """Same as :meth:`sample`."""
        return self.sample(labels, generator)

    @torch.no_grad()
    def generate(
        self, labels: Tensor | Sequence[int], generator: torch.Generator | None = None, uint8: bool = False
    ) -> Tensor:
        """Frames (B,C,H,W) for ``labels`` (B,): float in [0, 1], or uint8 in [0, 255] when ``uint8``.

        Args:
            labels: class of each frame, ints in ``[0, num_classes)``.
            generator: the ``torch.Generator`` the noise comes from (for repeatable samples).
            uint8: round to uint8 instead of returning floats.
        """
        return self._output(self.sample(labels, generator), uint8)

    def frames_of(self, clips: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """One random frame of each clip: (B,T,C,H,W) -> (B,C,H,W); frames (B,C,H,W) pass unchanged.

        The frame indices are drawn on the CPU from ``generator`` (torch's default generator when None).

        Example:
            >>> import torch
            >>> from tempaug.models.framegan import FrameGAN
            >>> gan = FrameGAN(num_classes=2, size=16, z_dim=4, hidden=8, width=4)
            >>> clips = torch.arange(3.0).view(1, 3, 1, 1, 1).expand(2, 3, 1, 16, 16)
            >>> picked = gan.frames_of(clips, torch.Generator().manual_seed(0))
            >>> picked.shape, all(float(f.std()) == 0 and float(f[0, 0, 0]) in (0, 1, 2) for f in picked)
            (torch.Size([2, 1, 16, 16]), True)
        """
        if clips.dim() == 4:
            return clips
        if clips.dim() != 5 or clips.shape[0] < 1 or clips.shape[1] < 1:
            raise ShapeError(f"FrameGAN: expected (B,T,C,H,W) clips or (B,C,H,W) frames, got {tuple(clips.shape)}")
        b, t = clips.shape[:2]
        index = torch.randint(t, (b,), generator=generator).to(clips.device)
        return clips[torch.arange(b, device=clips.device), index]

    def check_batch(self, frames: Tensor, labels: Tensor) -> Tensor:
        """Validate a batch of frames; returns the labels as a long tensor on the model's device."""
        self.discriminator.check_frames(frames, "FrameGAN")
        labels = self._labels(labels)
        if labels.shape[0] != frames.shape[0]:
            raise ShapeError(f"FrameGAN: {labels.shape[0]} labels for a batch of {frames.shape[0]} frames")
        return labels

    def generator_loss(self, frames: Tensor, labels: Tensor, fake: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """G's loss for generated ``fake`` frames, and its terms (module docstring); ``frames`` is unused."""
        return self.adversarial_terms(fake, labels)

    def train_step(
        self, clips: Tensor, labels: Tensor, optimizers: dict[str, torch.optim.Optimizer]
    ) -> dict[str, float]:
        """One discriminator step then one generator step on one random frame of each clip of a real batch
        (clips (B,T,C,H,W), or frames (B,C,H,W)); returns every loss term as a float.

        Both steps generate frames for the batch's labels from torch's default generator, which also picks the
        frames. During the generator step the discriminator's weights do not require gradients.
        """
        frames = self.frames_of(clips)
        labels = self.check_batch(frames, labels)
        return self.alternating_step(frames, labels, optimizers, lambda: self.sample(labels))
