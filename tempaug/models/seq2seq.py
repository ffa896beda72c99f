"""A ConvLSTM encoder-forecaster for next-frame prediction (Shi et al. 2015, "Convolutional LSTM Network").

A strided convolutional stem shrinks each frame by ``downsample`` (2 or 4); a stack of ConvLSTM cells reads the
context frames; a second stack (the forecaster), started from the encoder's states, rolls forward one step per
predicted frame, fed the stem features of the frame before (the last context frame, then its own predictions);
a transposed-convolution head turns the forecaster's hidden states back into frames through a sigmoid.
Clips are float (B,T,C,H,W) in [0, 1] (tempaug's layout).

Example:
    >>> import torch
    >>> from tempaug.models.seq2seq import Seq2Seq
    >>> model = Seq2Seq(hidden=(8, 8), context=3, horizon=2)
    >>> model(torch.rand(2, 3, 1, 32, 32)).shape
    torch.Size([2, 2, 1, 32, 32])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.errors import InvalidArgumentError, ShapeError

__all__ = ["ConvLSTMCell", "Seq2Seq"]


def _check_int(owner: str, name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{owner}: {name} must be an int >= {minimum}, got {value!r}", name)


class ConvLSTMCell(nn.Module):
    """One ConvLSTM cell: the four LSTM gates from one convolution over the input and the hidden state.

    Args:
        in_channels: channels of the input feature map.
        hidden_channels: channels of the hidden and cell states.
        kernel: odd kernel size of the gate convolution (padding keeps the spatial size).

    Example:
        >>> import torch
        >>> from tempaug.models.seq2seq import ConvLSTMCell
        >>> cell = ConvLSTMCell(4, 8)
        >>> h, c = cell(torch.rand(2, 4, 16, 16))          # zero initial state
        >>> h, c = cell(torch.rand(2, 4, 16, 16), (h, c))
        >>> h.shape, c.shape
        (torch.Size([2, 8, 16, 16]), torch.Size([2, 8, 16, 16]))
    """

    in_channels: int
    hidden_channels: int
    gates: nn.Conv2d

    def __init__(self, in_channels: int, hidden_channels: int, kernel: int = 3) -> None:
        super().__init__()
        _check_int("ConvLSTMCell", "in_channels", in_channels)
        _check_int("ConvLSTMCell", "hidden_channels", hidden_channels)
        _check_int("ConvLSTMCell", "kernel", kernel)
        if kernel % 2 == 0:
            raise InvalidArgumentError(f"ConvLSTMCell: kernel must be odd, got {kernel}", "kernel")
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.gates = nn.Conv2d(in_channels + hidden_channels, 4 * hidden_channels, kernel, padding=kernel // 2)
        bias = self.gates.bias
        assert bias is not None  # nn.Conv2d has a bias unless built with bias=False
        with torch.no_grad():  # forget-gate bias 1: remember by default at the start of training
            bias.zero_()
            bias[hidden_channels : 2 * hidden_channels].fill_(1.0)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """Step the cell on ``x`` (B, in_channels, H, W); returns the new ``(h, c)``, each (B, hidden, H, W)."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ShapeError(f"ConvLSTMCell: expected (B,{self.in_channels},H,W) input, got shape {tuple(x.shape)}")
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_channels, x.shape[2], x.shape[3])
            state = (zeros, zeros)
        h, c = state
        i, f, g, o = self.gates(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class Seq2Seq(nn.Module):
    """ConvLSTM encoder-forecaster: ``context`` frames in, ``horizon`` predicted frames out, in [0, 1].

    Args:
        in_channels: C of the clips.
        hidden: hidden channels of each ConvLSTM layer (the encoder and the forecaster have the same stack).
        kernel: kernel size of the ConvLSTM gates.
        context: frames the model reads (``loss`` takes them from the start of each clip).
        horizon: frames ``forward`` predicts (``predict`` can roll out any number).
        downsample: spatial factor of the stem, 2 or 4; H and W must be multiples of it.
        stem: channels of the stem's first convolution (the stem's output has ``2 * stem``).

    Example:
        >>> import torch
        >>> from tempaug.models.seq2seq import Seq2Seq
        >>> model = Seq2Seq(hidden=(8, 8), context=4, horizon=3)
        >>> clips = torch.rand(2, 7, 1, 32, 32)
        >>> loss, terms = model.loss(clips, torch.zeros(2, dtype=torch.long))
        >>> loss.shape, sorted(terms)
        (torch.Size([]), ['bce', 'mse'])
        >>> model.predict(clips[:, :4], horizon=5).shape
        torch.Size([2, 5, 1, 32, 32])
    """

    kind = "seq2seq"

    in_channels: int
    hidden: tuple[int, ...]
    context: int
    horizon: int
    downsample: int
    stem: nn.Sequential
    encoder: nn.ModuleList
    forecaster: nn.ModuleList
    head: nn.Sequential

    def __init__(
        self,
        in_channels: int = 1,
        hidden: tuple[int, ...] = (32, 32),
        kernel: int = 3,
        context: int = 10,
        horizon: int = 10,
        downsample: int = 4,
        stem: int = 16,
    ) -> None:
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("kernel", kernel),
            ("context", context),
            ("horizon", horizon),
            ("stem", stem),
        ):
            _check_int("Seq2Seq", name, value)
        hidden = tuple(hidden)
        if not hidden:
            raise InvalidArgumentError("Seq2Seq: hidden must name at least one layer, got ()", "hidden")
        for width in hidden:
            _check_int("Seq2Seq", "hidden", width)
        if downsample not in (2, 4):
            raise InvalidArgumentError(f"Seq2Seq: downsample must be 2 or 4, got {downsample!r}", "downsample")
        self.in_channels = in_channels
        self.hidden = hidden
        self.context = context
        self.horizon = horizon
        self.downsample = downsample

        act = nn.LeakyReLU(0.2)
        feat = 2 * stem
        if downsample == 4:
            self.stem = nn.Sequential(
                nn.Conv2d(in_channels, stem, 3, stride=2, padding=1), act, nn.Conv2d(stem, feat, 3, 2, 1), act
            )
        else:
            self.stem = nn.Sequential(
                nn.Conv2d(in_channels, stem, 3, stride=1, padding=1), act, nn.Conv2d(stem, feat, 3, 2, 1), act
            )
        ins = (feat, *hidden[:-1])
        self.encoder = nn.ModuleList(ConvLSTMCell(i, h, kernel) for i, h in zip(ins, hidden))
        self.forecaster = nn.ModuleList(ConvLSTMCell(i, h, kernel) for i, h in zip(ins, hidden))
        up: list[nn.Module] = [nn.Conv2d(sum(hidden), feat, 1), act]
        up += [nn.ConvTranspose2d(feat, stem, 4, stride=2, padding=1), act]
        if downsample == 4:
            up += [nn.ConvTranspose2d(stem, stem, 4, stride=2, padding=1), act]
        up += [nn.Conv2d(stem, in_channels, 3, padding=1)]
        self.head = nn.Sequential(*up)

    def _check_clips(self, clips: Tensor, what: str, min_length: int = 1) -> None:
        if clips.dim() != 5 or clips.shape[2] != self.in_channels:
            raise ShapeError(
                f"Seq2Seq: expected {what} of shape (B,T,{self.in_channels},H,W), got shape {tuple(clips.shape)}"
            )
        if clips.shape[1] < min_length:
            raise ShapeError(
                f"Seq2Seq: {what} has {clips.shape[1]} frames; needs at least {min_length}"
                + (f" (context {self.context} + horizon {self.horizon})" if what == "clips" else "")
            )
        h, w = clips.shape[-2:]
        if h % self.downsample or w % self.downsample:
            raise ShapeError(
                f"Seq2Seq: frame size {h}x{w} must be a multiple of downsample={self.downsample}; "
                f"got {what} of shape {tuple(clips.shape)}"
            )

    def _encode(self, frames: Tensor) -> Tensor:
        b, t = frames.shape[:2]
        feats = self.stem(frames.flatten(0, 1))
        return feats.unflatten(0, (b, t))

    def _rollout(self, context: Tensor, horizon: int) -> Tensor:
        """Logits (B, horizon, C, H, W) of the predicted frames; each prediction is fed back as a probability."""
        feats = self._encode(context)
        states: list[tuple[Tensor, Tensor] | None] = [None] * len(self.encoder)
        for t in range(feats.shape[1]):
            x = feats[:, t]
            for i, cell in enumerate(self.encoder):
                state: tuple[Tensor, Tensor] = cell(x, states[i])
                states[i] = state
                x = state[0]
        frame = context[:, -1]
        preds = []
        for _ in range(horizon):
            x = self.stem(frame)
            for i, cell in enumerate(self.forecaster):
                state = cell(x, states[i])
                states[i] = state
                x = state[0]
            hs = torch.cat([s[0] for s in states if s is not None], dim=1)
            logits = self.head(hs)
            frame = torch.sigmoid(logits)
            preds.append(logits)
        return torch.stack(preds, dim=1)

    def forward(self, context: Tensor) -> Tensor:
        """Predict ``horizon`` frames (B, horizon, C, H, W) in [0, 1] from ``context`` (B, Tc, C, H, W), Tc >= 1."""
        self._check_clips(context, "context")
        return torch.sigmoid(self._rollout(context, self.horizon))

    @torch.no_grad()
    def predict(self, context: Tensor, horizon: int | None = None) -> Tensor:
        """Like ``forward`` without gradients, rolling out ``horizon`` frames (default ``self.horizon``).

        Example:
            >>> import torch
            >>> from tempaug.models.seq2seq import Seq2Seq
            >>> out = Seq2Seq(hidden=(4,), context=2, horizon=2).predict(torch.rand(1, 2, 1, 16, 16), horizon=3)
            >>> out.shape, bool(((out >= 0) & (out <= 1)).all())
            (torch.Size([1, 3, 1, 16, 16]), True)
        """
        horizon = self.horizon if horizon is None else horizon
        _check_int("Seq2Seq.predict", "horizon", horizon)
        self._check_clips(context, "context")
        return torch.sigmoid(self._rollout(context, horizon))

    def loss(self, clips: Tensor, labels: Tensor | None = None) -> tuple[Tensor, dict[str, float]]:
        """Binary cross-entropy of the predicted frames ``context : context + horizon`` of each clip.

        Cross-entropy on the logits (as Shi et al. train on Moving MNIST) keeps gradients alive where a squared
        error through the sigmoid stalls on an all-black prediction; the mean squared error is reported beside it.

        Args:
            clips: float (B,T,C,H,W) in [0, 1], T >= context + horizon (later frames are ignored).
            labels: unused (the trainer's interface passes them).

        Returns:
            ``(loss, {"bce": float, "mse": float})``.

        Raises:
            ShapeError: the clips are not (B,T,C,H,W), or too short, or of a size the stem cannot divide.
        """
        self._check_clips(clips, "clips", self.context + self.horizon)
        target = clips[:, self.context : self.context + self.horizon]
        logits = self._rollout(clips[:, : self.context], self.horizon)
        bce = F.binary_cross_entropy_with_logits(logits, target)
        mse = F.mse_loss(torch.sigmoid(logits.detach()), target)
        return bce, {"bce": float(bce.detach()), "mse": float(mse)}
