"""A small 3-D convolutional video classifier: the probe behind tempaug's experiments and metrics.

Three strided 3-D convolutions with batch norm, global average pooling over time and space, and a linear head.
It takes float (B,T,C,H,W) clips (tempaug's layout) and returns (B, num_classes) logits. :meth:`VideoClassifier.loss`
is the cross-entropy against class indices (B,) or soft rows (B, num_classes), what ``python -m tempaug.train
classifier`` minimises (so mixers' soft labels train it as they are).

Example:
    >>> import torch
    >>> from tempaug.models.classifier import VideoClassifier
    >>> model = VideoClassifier(num_classes=10, in_channels=1)
    >>> model(torch.rand(2, 8, 1, 32, 32)).shape
    torch.Size([2, 10])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.errors import InvalidArgumentError, ShapeError

__all__ = ["VideoClassifier"]


class VideoClassifier(nn.Module):
    """Conv3d(in, w, stride (1,2,2)) -> Conv3d(w, 2w, stride 2) -> Conv3d(2w, 4w, stride 2) -> pool -> Linear.

    Args:
        num_classes: output logits.
        in_channels: C of the clips.
        width: channels of the first convolution (doubled twice).
        dropout: dropout before the head.
        input_size: when set, frames are area-resized to ``input_size`` x ``input_size`` first (a cheaper probe
            for large clips; part of the model, so features and logits always see the same input).

    Example:
        >>> import torch
        >>> from tempaug.models.classifier import VideoClassifier
        >>> sum(p.numel() for p in VideoClassifier(10, width=8).parameters()) < 50_000
        True
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int = 1,
        width: int = 16,
        dropout: float = 0.1,
        input_size: int | None = None,
    ) -> None:
        super().__init__()
        checked = [("num_classes", num_classes), ("in_channels", in_channels), ("width", width)]
        if input_size is not None:
            checked.append(("input_size", input_size))
        for name, value in checked:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgumentError(f"VideoClassifier: {name} must be an int >= 1, got {value!r}", name)
        self.num_classes, self.in_channels, self.width, self.input_size = num_classes, in_channels, width, input_size

        def block(cin: int, cout: int, stride: tuple[int, int, int]) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm3d(cout), nn.ReLU()
            )

        self.features = nn.Sequential(
            block(in_channels, width, (1, 2, 2)),
            block(width, 2 * width, (2, 2, 2)),
            block(2 * width, 4 * width, (2, 2, 2)),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * width, num_classes))

    def embed(self, clips: Tensor) -> Tensor:
        """Pooled features (B, 4*width) for float clips (B,T,C,H,W): the input of the head.

        Example:
            >>> import torch
            >>> from tempaug.models.classifier import VideoClassifier
            >>> VideoClassifier(10, width=4, input_size=8).embed(torch.rand(3, 4, 1, 32, 32)).shape
            torch.Size([3, 16])
        """
        if clips.dim() != 5 or clips.shape[2] != self.in_channels:
            raise ShapeError(
                f"VideoClassifier: expected (B,T,{self.in_channels},H,W) clips, got shape {tuple(clips.shape)}"
            )
        if self.input_size is not None and tuple(clips.shape[-2:]) != (self.input_size, self.input_size):
            b, t = clips.shape[:2]
            frames = F.interpolate(clips.flatten(0, 1), size=(self.input_size, self.input_size), mode="area")
            clips = frames.view(b, t, *frames.shape[1:])
        x = self.features(clips.transpose(1, 2))  # (B,C,T,H,W) for Conv3d
        return torch.flatten(x.mean(dim=(2, 3, 4)), 1)

    def forward(self, clips: Tensor) -> Tensor:
        """Logits (B, num_classes) for float clips (B,T,C,H,W)."""
        return self.head(self.embed(clips))

    def loss(self, clips: Tensor, labels: Tensor) -> tuple[Tensor, dict[str, float]]:
        """Cross-entropy of the logits of float clips (B,T,C,H,W) against ``labels``: class indices (B,) or soft
        rows (B, num_classes) (a mixer's, summing to 1); the terms hold the batch's accuracy against the arg-max
        of the labels.

        Raises:
            ShapeError: labels that are neither (B,) nor (B, num_classes).

        Example:
            >>> import torch
            >>> from tempaug.models.classifier import VideoClassifier
            >>> model = VideoClassifier(3, width=4)
            >>> clips = torch.rand(2, 4, 1, 8, 8)
            >>> hard, _ = model.eval().loss(clips, torch.tensor([0, 2]))
            >>> soft, terms = model.loss(clips, torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
            >>> bool(torch.isclose(hard, soft)), sorted(terms)
            (True, ['accuracy'])
        """
        b = clips.shape[0]
        soft = labels.dim() == 2 and labels.shape == (b, self.num_classes)
        if not soft and labels.shape != (b,):
            raise ShapeError(
                f"VideoClassifier.loss: labels must be class indices ({b},) or soft rows ({b}, {self.num_classes}) "
                f"for clips of shape {tuple(clips.shape)}, got {tuple(labels.shape)}"
            )
        logits = self(clips)
        target = labels.to(logits.dtype) if soft else labels.long()
        loss = F.cross_entropy(logits, target)
        hard = labels.argmax(dim=1) if soft else labels
        accuracy = (logits.detach().argmax(dim=1) == hard).float().mean()
        return loss, {"accuracy": float(accuracy)}
