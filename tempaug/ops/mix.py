"""Mixers: each sample of a batch takes part of another sample, and its targets become the matching blend.

A mixer runs on a whole batch and its labels: ``mixer(Sample(video=clips, label=labels))`` returns the sample
with mixed clips and soft labels (a dict with ``video`` and ``label`` works the same way). Each sample draws a
partner (a random cyclic pairing: every clip is some other clip's partner exactly once) and either a blend
weight λ (:class:`MixUp`) or a box it takes from the partner: a box on every frame (:class:`CutMix`), a run of
frames (:class:`TemporalCutMix`) or a space-time cuboid (:class:`TubeMix`). The label weights are the shares of
pixels actually taken from each clip, counted on the mask that was used, so boxes clipped at the border are
accounted for exactly. :class:`MixChoice` picks one mixer per batch or per sample. The work is done by
:mod:`tempaug.functional.mix`.

Labels are class indices, int (B,), or rows (B, num_classes) (one-hot or already soft); soft labels come
back as float rows (B, num_classes) that sum to 1. A batch of one clip has no partner: it comes back
unmixed, with a warning.

Other targets follow the pixels: each sample keeps its own boxes and keypoints and gains its partner's
(concatenated after its own, so N becomes 2N), seen where the partner's pixels are kept: everywhere for
MixUp, inside the pasted region for the box mixers (own boxes the region hides entirely, and own keypoints
inside it, are marked absent). Masks are pasted like the pixels; under MixUp an integer mask is that of the
clip with the larger share. Frames taken whole from the partner carry its timeline, so its time segments
cover them.

Example:
    >>> import torch, tempaug
    >>> clips, labels = torch.rand(4, 8, 3, 16, 16), torch.tensor([0, 1, 2, 3])
    >>> mixer = tempaug.CutMix(alpha=1.0, num_classes=5)
    >>> out, params = mixer(tempaug.Sample(video=clips, label=labels), torch.Generator().manual_seed(0), True)
    >>> out.video.shape, out.label.shape, bool(torch.allclose(out.label.sum(1), torch.ones(4)))
    (torch.Size([4, 8, 3, 16, 16]), torch.Size([4, 5]), True)
    >>> mixer.apply(tempaug.Sample(video=clips, label=labels), params) == out
    True
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..core import rng
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.layout import check_clip
from ..core.params import Params
from ..core.sample import Sample, Targets
from ..core.transform import P, Shape, Transform
from ..core.validation import check_int
from ..functional import mix as kernels

__all__ = [
    "BoxMixParams",
    "CutMix",
    "CutMixParams",
    "MixChoice",
    "MixChoiceParams",
    "MixCollate",
    "MixParams",
    "MixUp",
    "MixUpParams",
    "Mixer",
    "TemporalCutMix",
    "TemporalCutMixParams",
    "TubeMix",
    "TubeMixParams",
]

Mixed = tuple[Tensor, Tensor]


# --------------------------------------------------------------------- params
@dataclasses.dataclass(frozen=True, eq=False)
class MixParams(Params):
    """Params every mixer shares.

    Attributes:
        applied: (B,) bool, the samples that take anything from a partner (the ``p`` gate; all False when the
            mixer is disabled or the batch has one clip).
        partner: (B,) long, the sample each one takes from. It indexes the batch the params were drawn for,
            so params replay on that whole batch, not on a slice of it.
    """

    partner: Tensor


@dataclasses.dataclass(frozen=True, eq=False)
class MixUpParams(MixParams):
    """Params of :class:`MixUp`: ``lam`` (B,) float32, each sample's own share (1 where not applied)."""

    lam: Tensor


@dataclasses.dataclass(frozen=True, eq=False)
class BoxMixParams(MixParams):
    """Params of a box mixer: ``box`` (B, 6) long ``(t0, t1, y0, y1, x0, x1)``, ends excluded, the cuboid taken
    from the partner, already clipped to the clip (empty, all zeros, where not applied)."""

    box: Tensor


@dataclasses.dataclass(frozen=True, eq=False)
class CutMixParams(BoxMixParams):
    """Params of :class:`CutMix`: ``box`` spans every frame."""


@dataclasses.dataclass(frozen=True, eq=False)
class TemporalCutMixParams(BoxMixParams):
    """Params of :class:`TemporalCutMix`: ``box`` spans the whole frame over a run of frames."""


@dataclasses.dataclass(frozen=True, eq=False)
class TubeMixParams(BoxMixParams):
    """Params of :class:`TubeMix`: ``box`` is a space-time cuboid."""


@dataclasses.dataclass(frozen=True, eq=False)
class MixChoiceParams(Params):
    """Params of :class:`MixChoice`: ``choice`` (B,) long, the mixer each sample ran, and each mixer's params."""

    choice: Tensor
    children: tuple[Params, ...]


# ------------------------------------------------------------------- helpers
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_alpha(op: str, alpha: Any) -> float:
    if not _is_number(alpha) or alpha <= 0:
        raise InvalidArgumentError(f"{op}: alpha must be a finite number > 0, got {alpha!r}", arg="alpha")
    return float(alpha)


def beta(alpha: float, n: int, generator: torch.Generator | None = None) -> Tensor:
    """``n`` draws of Beta(alpha, alpha) as float32, all from ``generator`` (torch's default one without it).

    Each draw is ``Ga / (Ga + Gb)`` for two Gamma(alpha) draws, taken in log space as
    ``Gamma(alpha + 1) * U ** (1 / alpha)`` so that a small ``alpha`` (draws near 0 and 1) never divides 0 by 0.

    Example:
        >>> import torch
        >>> from tempaug.ops.mix import beta
        >>> lam = beta(0.4, 1000, torch.Generator().manual_seed(0))
        >>> bool(((lam >= 0) & (lam <= 1)).all()), abs(lam.mean().item() - 0.5) < 0.05
        (True, True)
    """
    device = rng.generator_device(generator)
    concentration = torch.full((2, n), alpha + 1.0, dtype=torch.float64, device=device)
    gamma = torch._standard_gamma(concentration, generator=generator)
    u = torch.rand((2, n), generator=generator, dtype=torch.float64, device=device)
    log_gamma = gamma.clamp_min(1e-300).log() + u.clamp_min(1e-300).log() / alpha
    return torch.sigmoid(log_gamma[0] - log_gamma[1]).to(torch.float32)


def partners(batch: int, generator: torch.Generator | None = None) -> Tensor:
    """A random pairing without fixed points: sample ``order[k]`` takes from ``order[k + 1]`` (cyclically).

    Every sample is some other sample's partner exactly once (for ``batch >= 2``).

    Example:
        >>> import torch
        >>> from tempaug.ops.mix import partners
        >>> p = partners(6, torch.Generator().manual_seed(0))
        >>> sorted(p.tolist()), bool((p != torch.arange(6)).all())
        ([0, 1, 2, 3, 4, 5], True)
    """
    device = rng.generator_device(generator)
    order = torch.randperm(batch, generator=generator, device=device)
    return torch.empty_like(order).scatter_(0, order, order.roll(-1))


def _box_bounds(size: int, cut: Tensor, center: Tensor) -> tuple[Tensor, Tensor]:
    """[lo, hi) of ``cut`` cells centred on ``center``, clipped to [0, size]."""
    lo = center - torch.div(cut, 2, rounding_mode="floor")
    return lo.clamp(0, size), (lo + cut).clamp(0, size)


def _draw_box(shape: Shape, lam: Tensor, axes: tuple[bool, bool, bool], generator: torch.Generator | None) -> Tensor:
    """(B, 6) boxes covering a share ``1 - lam`` of the cut axes (T, H, W), centred uniformly, then clipped.

    Each cut axis keeps ``round(size * (1 - lam) ** (1 / n))`` cells, ``n`` the number of cut axes; the
    others span the whole clip. Clipping at the border shrinks a box; its label weight is counted later.
    """
    b, t, _, h, w = shape
    sizes = (t, h, w)
    n = sum(axes)
    ratio = (1.0 - lam.to(torch.float64)).clamp_min(0.0) ** (1.0 / n)
    centers = rng.rand((b, n), generator).to(torch.float64)
    bounds: list[Tensor] = []
    k = 0
    for size, cut_axis in zip(sizes, axes):
        if cut_axis:
            cut = torch.round(ratio * size).to(torch.long)
            center = torch.floor(centers[:, k] * size).to(torch.long).clamp(0, max(size - 1, 0))
            bounds.extend(_box_bounds(size, cut, center))
            k += 1
        else:
            bounds.extend([torch.zeros_like(lam, dtype=torch.long), torch.full_like(lam, size, dtype=torch.long)])
    return torch.stack(bounds, dim=1)


def _where_rows(mask: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """Per sample, ``a`` where ``mask`` (B,) holds, else ``b``."""
    return torch.where(mask.to(a.device).view(-1, *([1] * (a.dim() - 1))), a, b)


# ----------------------------------------------------------------------- base
def check_batch_labels(owner: str, labels: Any, shape: Sequence[int], num_classes: int) -> None:
    """Raise a clear error unless ``labels`` fit a batch of ``shape``: (B,) class indices in [0, num_classes), or
    (B, num_classes) rows. The range of class indices is checked for labels on the CPU only (elsewhere it would wait
    for the device).

    Example:
        >>> import torch
        >>> from tempaug.ops.mix import check_batch_labels
        >>> check_batch_labels("Op", torch.tensor([0, 2]), (2, 4, 1, 8, 8), num_classes=3)
    """
    b, k = int(shape[0]), num_classes
    if not isinstance(labels, Tensor):
        raise DTypeError(
            f"{owner}: labels must be a tensor of class indices (B,) or rows (B, {k}), got {type(labels).__name__}"
        )
    if (labels.dtype == torch.bool and labels.dim() == 1) or labels.is_complex():
        raise DTypeError(f"{owner}: labels must hold class indices or real rows, got dtype {labels.dtype}")
    if labels.dim() == 1:
        if labels.is_floating_point():
            raise DTypeError(
                f"{owner}: labels of shape {tuple(labels.shape)} must be integer class indices, "
                f"got {labels.dtype}; soft labels are rows of shape (B, {k})"
            )
    elif labels.dim() != 2:
        raise ShapeError(
            f"{owner}: labels must be (B,) class indices or (B, {k}) rows, got shape {tuple(labels.shape)}"
        )
    if labels.shape[0] != b:
        raise ShapeError(
            f"{owner}: labels of shape {tuple(labels.shape)} do not match the batch of shape {tuple(shape)}: "
            f"expected {b} labels"
        )
    if labels.dim() == 2 and labels.shape[1] != k:
        raise ShapeError(
            f"{owner}: label rows must have num_classes={k} columns, got labels of shape {tuple(labels.shape)}"
        )
    if labels.dim() == 1 and labels.device.type == "cpu" and labels.numel():
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= k:
            raise InvalidArgumentError(
                f"{owner}: labels hold class indices in [{lo}, {hi}], outside [0, {k}) for num_classes={k}",
                arg="labels",
            )


class Mixer(Transform[P]):
    """Base of the mixers: transforms of a batch *and its labels*, ``mixer(Sample(video=clips, label=labels))``.

    Subclasses implement ``_draw(shape, generator)`` (params for a batch of at least two clips, with
    mixing enabled), ``_identity(shape, device)`` (params that mix nothing), ``_apply(x, params)`` (the
    clips) and ``_mix_targets(targets, params, shape)`` (the targets, labels already soft rows). A mixer
    keeps the shape and dtype of the clips, and never modifies its inputs.

    Args:
        num_classes: the number of classes K; soft labels are (B, K).
        label_smoothing: ``s`` in [0, 1]: one-hot rows become ``1 - s + s / K`` on the class, ``s / K`` elsewhere.
        p: probability, per sample, of mixing; a sample left out keeps its clip (others may still take from it).
        enabled: False turns mixing off (clips unchanged, labels one-hot and smoothed), e.g. for the last
            epochs of training; it is an attribute, ``mixer.enabled = False``, read at each draw.

    Example:
        >>> import torch, tempaug
        >>> mixer = tempaug.MixUp(0.4, num_classes=3, enabled=False)
        >>> clips = torch.rand(2, 4, 1, 8, 8)
        >>> out = mixer({"video": clips, "label": torch.tensor([0, 2])})
        >>> torch.equal(out["video"], clips), out["label"].tolist()
        (True, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    """

    abstract = True
    mixes: ClassVar[bool] = True
    params_type: ClassVar[type[Any]] = MixParams

    def __init__(self, num_classes: int, label_smoothing: float = 0.0, p: float = 1.0, enabled: bool = True) -> None:
        super().__init__(p=p)
        self.num_classes = check_int(self.name, "num_classes", num_classes, 1)
        if not _is_number(label_smoothing) or not 0.0 <= label_smoothing <= 1.0:
            raise InvalidArgumentError(
                f"{self.name}: label_smoothing must be a number in [0, 1], got {label_smoothing!r}",
                arg="label_smoothing",
            )
        self.label_smoothing = float(label_smoothing)
        if not isinstance(enabled, bool):
            raise InvalidArgumentError(f"{self.name}: enabled must be True or False, got {enabled!r}", arg="enabled")
        self.enabled = enabled

    def sample(
        self, shape: Sequence[int], generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> P:
        """Draw the partner and the mix of every sample of a (B,T,C,H,W) batch.

        Example:
            >>> import torch, tempaug
            >>> params = tempaug.MixUp(num_classes=2).sample((4, 8, 3, 8, 8), torch.Generator().manual_seed(0))
            >>> params.partner.shape, params.lam.shape
            (torch.Size([4]), torch.Size([4]))
        """
        if len(tuple(shape)) != 5:
            raise ShapeError(f"{self.name}: mixes the clips of a (B,T,C,H,W) batch, got shape {tuple(shape)}")
        return super().sample(shape, generator=generator, device=device)

    def collate(self, batch: Sequence[tuple[Tensor, Any]]) -> Mixed:
        """A DataLoader ``collate_fn``: stack ``(clip, label)`` pairs into a batch, then mix it.

        Example:
            >>> import torch, tempaug
            >>> pairs = [(torch.rand(4, 3, 8, 8), i % 2) for i in range(4)]
            >>> clips, soft = tempaug.CutMix(num_classes=2).collate(pairs)
            >>> clips.shape, soft.shape
            (torch.Size([4, 4, 3, 8, 8]), torch.Size([4, 2]))
        """
        return MixCollate(self)(batch)

    def map_targets(self, targets: Targets, params: P, shape: Shape) -> Targets:
        """Labels become soft rows mixed by the shares actually taken; boxes, keypoints, masks and frame times
        follow the pixels (see the module docstring).

        Example:
            >>> import torch, tempaug
            >>> from tempaug.core.sample import unpack
            >>> mixer = tempaug.MixUp(num_classes=2, enabled=False)
            >>> video, targets, _ = unpack({"video": torch.zeros(2, 1, 1, 2, 2), "label": torch.tensor([0, 1])}, "op")
            >>> mixer.map_targets(targets, mixer.sample(video.shape), tuple(video.shape)).label.tolist()
            [[1.0, 0.0], [0.0, 1.0]]
        """
        if targets.label is None:
            raise self._label_needed()
        self.check_labels(targets.label, shape)
        return self._mix_targets(targets.replace(label=self.soft_labels(targets.label)), params, shape)

    def check_labels(self, labels: Any, shape: Sequence[int]) -> None:
        """Raise a clear error unless ``labels`` fit a batch of ``shape``: (B,) class indices in [0, K), or (B, K) rows.

        The range of class indices is checked for labels on the CPU (elsewhere it would wait for the device).

        Example:
            >>> import torch, tempaug
            >>> tempaug.MixUp(num_classes=3).check_labels(torch.tensor([0, 5]), (2, 4, 1, 8, 8))
            Traceback (most recent call last):
            ...
            tempaug.core.errors.InvalidArgumentError: MixUp: labels hold class indices in [0, 5], outside [0, 3) ...
        """
        check_batch_labels(self.name, labels, shape, self.num_classes)

    def soft_labels(self, labels: Tensor) -> Tensor:
        """The (B, K) rows of ``labels`` with this mixer's label smoothing, unmixed.

        Example:
            >>> import torch, tempaug
            >>> tempaug.MixUp(num_classes=2, label_smoothing=0.5).soft_labels(torch.tensor([1])).tolist()
            [[0.25, 0.75]]
        """
        return kernels.soft_labels(labels, self.num_classes, self.label_smoothing)

    # -------------------------------------------------------- for subclasses
    def _sample(self, shape: Shape, generator: torch.Generator | None) -> P:
        if self.enabled and shape[0] == 1:
            warnings.warn(
                f"{self.name}: a batch of one clip has no partner to mix with; it is returned unmixed",
                UserWarning,
                stacklevel=5,
            )
        if not self.enabled or shape[0] < 2:
            return self._identity(shape, rng.generator_device(generator))
        return self._draw(shape, generator)

    def _gate_and_partner(self, b: int, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        return rng.gate(b, self.p, generator), partners(b, generator)

    def _draw(self, shape: Shape, generator: torch.Generator | None) -> P:
        raise NotImplementedError

    def _identity(self, shape: Shape, device: torch.device) -> P:
        raise NotImplementedError

    def _mix_targets(self, targets: Targets, params: P, shape: Shape) -> Targets:
        """Mix ``targets`` whose label already holds the (B, K) soft rows."""
        raise NotImplementedError

    def _check_params(self, params: P, shape: Shape) -> None:
        super()._check_params(params, shape)
        partner = getattr(params, "partner", None)
        if partner is None:
            return
        b = shape[0]
        if partner.dim() != 1:
            raise ShapeError(f"{self.name}: params.partner must have shape (B,), got {tuple(partner.shape)}")
        if partner.device.type == "cpu" and partner.numel() and not bool(((partner >= 0) & (partner < b)).all()):
            raise ShapeError(
                f"{self.name}: params.partner names samples outside 0..{b - 1} for a batch of shape {tuple(shape)}: "
                f"{partner.tolist()}"
            )


def _identity_partner(b: int, device: torch.device) -> tuple[Tensor, Tensor]:
    return torch.zeros(b, dtype=torch.bool, device=device), torch.arange(b, device=device)


# ---------------------------------------------------------------------- MixUp
class _AlphaMixer(Mixer[P]):
    """A mixer whose share taken from the partner follows λ ~ Beta(alpha, alpha)."""

    abstract = True

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        num_classes: int,
        label_smoothing: float = 0.0,
        p: float = 1.0,
        enabled: bool = True,
    ) -> None:
        super().__init__(num_classes=num_classes, label_smoothing=label_smoothing, p=p, enabled=enabled)
        self.alpha = _check_alpha(self.name, alpha)


class MixUp(_AlphaMixer[MixUpParams]):
    """Blend each clip with its partner: ``λ x + (1 - λ) x_partner``, λ ~ Beta(alpha, alpha) per sample.

    The soft label is ``λ y + (1 - λ) y_partner`` with the same λ the pixels used. uint8 blends are rounded,
    never wrapped.

    Args:
        alpha: the Beta distribution's parameter, > 0 (small values keep λ near 0 or 1; 1 is uniform).
        num_classes, label_smoothing, p, enabled: see :class:`Mixer`.

    Example:
        >>> import torch, tempaug
        >>> clips = torch.stack([torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)])
        >>> s = tempaug.Sample(video=clips, label=torch.tensor([0, 1]))
        >>> out, params = tempaug.MixUp(1.0, num_classes=2)(s, return_params=True)
        >>> lam = params.lam[0].item()
        >>> abs(out.video[0].mean().item() - (1 - lam)) < 1e-6 and abs(out.label[0, 0].item() - lam) < 1e-6
        True
    """

    params_type: ClassVar[type[Any]] = MixUpParams
    blends: ClassVar[bool] = True

    def _draw(self, shape: Shape, generator: torch.Generator | None) -> MixUpParams:
        applied, partner = self._gate_and_partner(shape[0], generator)
        lam = beta(self.alpha, shape[0], generator)
        return MixUpParams(applied=applied, partner=partner, lam=torch.where(applied, lam, 1.0))

    def _identity(self, shape: Shape, device: torch.device) -> MixUpParams:
        applied, partner = _identity_partner(shape[0], device)
        return MixUpParams(applied=applied, partner=partner, lam=torch.ones(shape[0], device=device))

    def _check_params(self, params: MixUpParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        lam = params.lam
        if lam.dim() != 1:
            raise ShapeError(f"{self.name}: params.lam must have shape (B,), got {tuple(lam.shape)}")

    @staticmethod
    def _own(params: MixUpParams) -> Tensor:
        return torch.where(params.applied, params.lam, 1.0).clamp(0.0, 1.0)

    def _apply(self, x: Tensor, params: MixUpParams) -> Tensor:
        own = self._own(params)
        if own.device.type == "cpu" and not bool((own < 1).any()):
            return x
        return kernels.blend(x, params.partner, own)

    def _mix_targets(self, targets: Targets, params: MixUpParams, shape: Shape) -> Targets:
        own = self._own(params).to(targets.times.device)
        partner = params.partner
        assert targets.label is not None
        changes: dict[str, Tensor] = {"label": kernels.mix_labels(targets.label, partner, own, 1.0 - own)}
        if targets.boxes is not None and targets.box_valid is not None:
            changes["boxes"], changes["box_valid"] = kernels.blend_targets(
                targets.boxes, targets.box_valid, partner, own
            )
            if targets.outline is not None and targets.outline_used is not None:
                changes["outline"] = torch.cat([targets.outline, targets.outline.index_select(0, partner)], dim=2)
                changes["outline_used"] = torch.cat(
                    [targets.outline_used, targets.outline_used.index_select(0, partner)], dim=2
                )
        if targets.keypoints is not None and targets.keypoint_visible is not None:
            changes["keypoints"], changes["keypoint_visible"] = kernels.blend_targets(
                targets.keypoints, targets.keypoint_visible, partner, own
            )
        if targets.mask is not None:
            changes["mask"] = kernels.blend_mask(targets.mask, partner, own)
        return targets.replace(**changes)


# ----------------------------------------------------------------- box mixers
class _BoxMixer(_AlphaMixer[BoxMixParams]):
    """A mixer that pastes a box of the partner: the box's axes are set by ``AXES`` (T, H, W)."""

    abstract = True
    AXES: ClassVar[tuple[bool, bool, bool]] = (True, True, True)

    def _draw(self, shape: Shape, generator: torch.Generator | None) -> BoxMixParams:
        applied, partner = self._gate_and_partner(shape[0], generator)
        lam = beta(self.alpha, shape[0], generator)
        box = _draw_box(shape, lam, self.AXES, generator)
        box = torch.where(applied.view(-1, 1), box, 0)
        return self.params_type(applied=applied, partner=partner, box=box)

    def _identity(self, shape: Shape, device: torch.device) -> BoxMixParams:
        applied, partner = _identity_partner(shape[0], device)
        box = torch.zeros(shape[0], 6, dtype=torch.long, device=device)
        return self.params_type(applied=applied, partner=partner, box=box)

    def _check_params(self, params: BoxMixParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        box = params.box
        if box.dim() != 2 or box.shape[1] != 6 or box.is_floating_point():
            raise ShapeError(
                f"{self.name}: params.box must be (B, 6) integers (t0, t1, y0, y1, x0, x1), got {tuple(box.shape)} "
                f"{box.dtype}"
            )

    @staticmethod
    def _box(params: BoxMixParams) -> Tensor:
        return torch.where(params.applied.view(-1, 1), params.box, 0)

    def _apply(self, x: Tensor, params: BoxMixParams) -> Tensor:
        box = self._box(params)
        if box.device.type == "cpu" and not bool(
            ((box[:, 1] > box[:, 0]) & (box[:, 3] > box[:, 2]) & (box[:, 5] > box[:, 4])).any()
        ):
            return x
        return kernels.paste_box(x, params.partner, box)

    def _mix_targets(self, targets: Targets, params: BoxMixParams, shape: Shape) -> Targets:
        size = (shape[1], shape[3], shape[4])
        box = self._box(params).to(targets.times.device)
        partner = params.partner.to(targets.times.device)
        own, taken = kernels.box_weights(box, size)
        assert targets.label is not None
        changes: dict[str, Tensor] = {"label": kernels.mix_labels(targets.label, partner, own, taken)}
        if targets.outline is not None and targets.outline_used is not None and targets.box_valid is not None:
            changes["boxes"], changes["box_valid"], changes["outline"], changes["outline_used"] = (
                kernels.paste_outlines(targets.outline, targets.outline_used, targets.box_valid, partner, box, size)
            )
        if targets.keypoints is not None and targets.keypoint_visible is not None:
            changes["keypoints"], changes["keypoint_visible"] = kernels.paste_points(
                targets.keypoints, targets.keypoint_visible, partner, box, size
            )
        if targets.mask is not None:
            changes["mask"] = kernels.paste_box(targets.mask, partner, box)
        whole = kernels.frames_taken(box, size)
        changes["times"] = torch.where(whole, targets.times.index_select(0, partner), targets.times)
        changes["origin"] = torch.where(whole, targets.origin.index_select(0, partner), targets.origin)
        return targets.replace(**changes)


class CutMix(_BoxMixer):
    """Paste a box of the partner's frames into each clip, the same box on every frame.

    Per sample, λ ~ Beta(alpha, alpha); the box has sides ``round(H sqrt(1 - λ))`` by ``round(W sqrt(1 - λ))``,
    a centre uniform over the frame, and is clipped to the frame, as in timm. The label weight is the share
    of pixels actually pasted (the clipped box's area over ``H W``), not the drawn λ.

    Args:
        alpha: the Beta distribution's parameter, > 0.
        num_classes, label_smoothing, p, enabled: see :class:`Mixer`.

    Example:
        >>> import torch, tempaug
        >>> clips = torch.stack([torch.zeros(2, 1, 8, 8), torch.ones(2, 1, 8, 8)])
        >>> out = tempaug.CutMix(num_classes=2)(tempaug.Sample(video=clips, label=torch.tensor([0, 1])))
        >>> share = out.video[0].mean().item()          # the share of pixels sample 0 took from sample 1
        >>> abs(out.label[0, 1].item() - share) < 1e-6 and bool((out.video[:, 0] == out.video[:, 1]).all())
        True
    """

    params_type: ClassVar[type[Any]] = CutMixParams
    AXES: ClassVar[tuple[bool, bool, bool]] = (False, True, True)


class TemporalCutMix(_BoxMixer):
    """Splice a contiguous run of the partner's frames into each clip, at the same times.

    Per sample, λ ~ Beta(alpha, alpha); the run has ``round(T (1 - λ))`` frames, a centre uniform over the
    clip, and is clipped to it. The label weight is the run's share of the frames actually spliced.

    Args:
        alpha: the Beta distribution's parameter, > 0.
        num_classes, label_smoothing, p, enabled: see :class:`Mixer`.

    Example:
        >>> import torch, tempaug
        >>> clips = torch.stack([torch.zeros(8, 1, 2, 2), torch.ones(8, 1, 2, 2)])
        >>> s = tempaug.Sample(video=clips, label=torch.tensor([0, 1]))
        >>> out, params = tempaug.TemporalCutMix(num_classes=2)(s, return_params=True)
        >>> t0, t1 = params.box[0, :2].tolist()
        >>> out.video[0, :, 0, 0, 0].tolist() == [float(t0 <= t < t1) for t in range(8)]
        True
        >>> out.label[0, 1].item() == (t1 - t0) / 8
        True
    """

    params_type: ClassVar[type[Any]] = TemporalCutMixParams
    AXES: ClassVar[tuple[bool, bool, bool]] = (True, False, False)


class TubeMix(_BoxMixer):
    """Paste a space-time cuboid of the partner into each clip: a box over a run of frames.

    Per sample, λ ~ Beta(alpha, alpha); each of T, H and W keeps ``round(size (1 - λ) ** (1/3))`` cells
    around a uniform centre, clipped to the clip. The label weight is the cuboid's share of the clip's volume
    after clipping.

    Args:
        alpha: the Beta distribution's parameter, > 0.
        num_classes, label_smoothing, p, enabled: see :class:`Mixer`.

    Example:
        >>> import torch, tempaug
        >>> clips = torch.stack([torch.zeros(4, 1, 8, 8), torch.ones(4, 1, 8, 8)])
        >>> out, params = tempaug.TubeMix(num_classes=2)({"video": clips, "label": torch.tensor([0, 1])}, None, True)
        >>> t0, t1, y0, y1, x0, x1 = params.box[0].tolist()
        >>> int(out["video"][0].sum()) == (t1 - t0) * (y1 - y0) * (x1 - x0)
        True
        >>> abs(out["label"][0, 1].item() - out["video"][0].mean().item()) < 1e-6
        True
    """

    params_type: ClassVar[type[Any]] = TubeMixParams
    AXES: ClassVar[tuple[bool, bool, bool]] = (True, True, True)


# ------------------------------------------------------------------ MixChoice
class MixChoice(Mixer[MixChoiceParams]):
    """Run one of several mixers, picked per batch (as timm switches between mixup and cutmix) or per sample.

    The mixers must agree on ``num_classes`` and ``label_smoothing``. Every mixer draws its params for the
    whole batch; ``params.choice`` records which one each sample ran. Per sample, each chosen mixer runs over
    the whole batch and the samples are then selected, so per-sample choice costs one pass per mixer used.

    Args:
        mixers: the mixers to pick from.
        weights: relative probability of each mixer (default: equal).
        per_sample: pick a mixer for each sample instead of one for the whole batch.
        p: probability, per sample, of mixing at all.
        enabled: False turns mixing off (see :class:`Mixer`).

    Example:
        >>> import torch, tempaug
        >>> choice = tempaug.MixChoice([tempaug.MixUp(0.8, num_classes=4), tempaug.CutMix(1.0, num_classes=4)],
        ...                            weights=[0.5, 0.5])
        >>> s = tempaug.Sample(video=torch.rand(4, 8, 3, 8, 8), label=torch.tensor([0, 1, 2, 3]))
        >>> out, params = choice(s, return_params=True)
        >>> len(set(params.choice.tolist())), out.label.shape
        (1, torch.Size([4, 4]))
    """

    params_type: ClassVar[type[Any]] = MixChoiceParams

    def __init__(
        self,
        mixers: Sequence[Mixer],
        weights: Sequence[float] | None = None,
        per_sample: bool = False,
        p: float = 1.0,
        enabled: bool = True,
    ) -> None:
        name = type(self).__name__
        if isinstance(mixers, Transform) or not isinstance(mixers, Sequence) or not len(mixers):
            raise InvalidArgumentError(
                f"{name}: mixers must be a non-empty list of mixers, got {mixers!r}", arg="mixers"
            )
        items = list(mixers)
        for i, m in enumerate(items):
            if not isinstance(m, Mixer):
                raise InvalidArgumentError(
                    f"{name}: mixers[{i}] is a {type(m).__name__}, not a mixer (MixUp, CutMix, TemporalCutMix, "
                    "TubeMix, MixChoice)",
                    arg="mixers",
                )
        classes = sorted({m.num_classes for m in items})
        smoothing = sorted({m.label_smoothing for m in items})
        if len(classes) > 1 or len(smoothing) > 1:
            raise InvalidArgumentError(
                f"{name}: the mixers must agree on num_classes and label_smoothing, got "
                + ", ".join(
                    f"{m.name}(num_classes={m.num_classes}, label_smoothing={m.label_smoothing})" for m in items
                ),
                arg="mixers",
            )
        super().__init__(num_classes=classes[0], label_smoothing=smoothing[0], p=p, enabled=enabled)
        self.mixers = items
        if weights is not None:
            if (
                isinstance(weights, (str, bytes))
                or not isinstance(weights, Sequence)
                or not all(map(_is_number, weights))
            ):
                raise InvalidArgumentError(f"{name}: weights must be a list of numbers, got {weights!r}", arg="weights")
            weights = [float(w) for w in weights]
            if len(weights) != len(items) or any(w < 0 for w in weights) or sum(weights) <= 0:
                raise InvalidArgumentError(
                    f"{name}: weights must be {len(items)} non-negative numbers with a positive sum, got {weights}",
                    arg="weights",
                )
        self.weights = weights
        if not isinstance(per_sample, bool):
            raise InvalidArgumentError(
                f"{name}: per_sample must be True or False, got {per_sample!r}", arg="per_sample"
            )
        self.per_sample = per_sample

    @property
    def blends(self) -> bool:
        return any(m.blends for m in self.mixers)

    def children(self) -> tuple[Transform, ...]:
        return tuple(self.mixers)

    def _draw(self, shape: Shape, generator: torch.Generator | None) -> MixChoiceParams:
        b, k = shape[0], len(self.mixers)
        applied = rng.gate(b, self.p, generator)
        w = torch.tensor(self.weights or [1.0] * k, dtype=torch.float32, device=applied.device)
        if k == 1:
            choice = torch.zeros(b, dtype=torch.long, device=applied.device)
        elif self.per_sample:
            choice = torch.multinomial(w.expand(b, k), 1, replacement=True, generator=generator).squeeze(1)
        else:
            choice = torch.multinomial(w, 1, generator=generator).expand(b).contiguous()
        children = tuple(m.sample(shape, generator) for m in self.mixers)
        return MixChoiceParams(applied=applied, choice=choice, children=children)

    def _identity(self, shape: Shape, device: torch.device) -> MixChoiceParams:
        b = shape[0]
        return MixChoiceParams(
            applied=torch.zeros(b, dtype=torch.bool, device=device),
            choice=torch.zeros(b, dtype=torch.long, device=device),
            children=tuple(m._identity(shape, device) for m in self.mixers),
        )

    def _check_params(self, params: MixChoiceParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        choice, children = params.choice, params.children
        if len(children) != len(self.mixers):
            raise ShapeError(f"{self.name}: params hold {len(children)} children, the choice has {len(self.mixers)}")
        if (
            choice.device.type == "cpu"
            and choice.numel()
            and not bool(((choice >= 0) & (choice < len(self.mixers))).all())
        ):
            raise ShapeError(
                f"{self.name}: params.choice names a mixer outside 0..{len(self.mixers) - 1}: {choice.tolist()}"
            )
        for m, cp in zip(self.mixers, children):
            m._check_params(cp, shape)

    def _choice(self, params: MixChoiceParams) -> Tensor:
        return torch.where(params.applied, params.choice, -1)

    def _apply(self, x: Tensor, params: MixChoiceParams) -> Tensor:
        choice = self._choice(params)
        out = x
        for k, (m, cp) in enumerate(zip(self.mixers, params.children)):
            picked = choice == k
            if picked.device.type == "cpu":
                count = int(picked.sum())
                if count == 0:
                    continue
                if count == picked.shape[0]:
                    return m._apply(x, cp)
            out = _where_rows(picked, m._apply(x, cp), out)
        return out

    def _mix_targets(self, targets: Targets, params: MixChoiceParams, shape: Shape) -> Targets:
        choice = self._choice(params).to(targets.times.device)
        first = self.mixers[0]
        out = first._mix_targets(targets, first._identity(shape, targets.times.device), shape)
        for k, (m, cp) in enumerate(zip(self.mixers, params.children)):
            picked = choice == k
            if picked.device.type == "cpu" and not bool(picked.any()):
                continue
            out = m._mix_targets(targets, cp, shape).where(picked, out)
        return out


# -------------------------------------------------------------------- collate
def _stack_pairs(batch: Sequence[Any], where: str) -> tuple[Tensor, Tensor]:
    """Stack ``(clip, label)`` pairs into (B,T,C,H,W) clips and (B,) or (B, K) labels."""
    if isinstance(batch, (str, bytes)) or not isinstance(batch, Sequence) or not len(batch):
        raise InvalidArgumentError(f"{where}: expected a non-empty list of (clip, label) pairs, got {batch!r:.80}")
    clips, labels = [], []
    for i, item in enumerate(batch):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InvalidArgumentError(f"{where}: batch[{i}] must be a (clip, label) pair, got {type(item).__name__}")
        clip, label = item
        check_clip(clip, f"{where}: batch[{i}]")
        if clip.dim() != 4:
            raise ShapeError(f"{where}: batch[{i}] must be a (T,C,H,W) clip, got shape {tuple(clip.shape)}")
        clips.append(clip)
        labels.append(label)
    shapes = {tuple(c.shape) for c in clips}
    if len(shapes) > 1:
        raise ShapeError(f"{where}: the clips of one batch differ in shape: {sorted(shapes)}; make them one size first")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
        label_tensor = torch.tensor(labels, dtype=torch.long)
    elif all(isinstance(v, Tensor) for v in labels):
        if len({tuple(v.shape) for v in labels}) > 1:
            raise ShapeError(
                f"{where}: the labels of one batch differ in shape: {sorted({tuple(v.shape) for v in labels})}"
            )
        label_tensor = torch.stack(labels)
    else:
        raise DTypeError(
            f"{where}: labels must all be ints or all tensors, got {sorted({type(v).__name__ for v in labels})}"
        )
    return torch.stack(clips), label_tensor


class MixCollate:
    """A DataLoader ``collate_fn`` that stacks ``(clip, label)`` pairs and mixes the batch.

    ``transform`` is a mixer, or a ``Compose`` that holds one (batch-level ops run there, after collation).
    Draws come from torch's default generator, which the DataLoader seeds differently in every worker.

    Args:
        transform: a mixer, or a Compose holding a mixer; it runs on ``Sample(video=clips, label=labels)``.

    Example:
        >>> import torch, tempaug
        >>> from torch.utils.data import DataLoader
        >>> pairs = [(torch.rand(4, 3, 8, 8), i % 3) for i in range(8)]
        >>> loader = DataLoader(pairs, batch_size=4, collate_fn=tempaug.MixCollate(tempaug.MixUp(num_classes=3)))
        >>> clips, soft = next(iter(loader))
        >>> clips.shape, soft.shape
        (torch.Size([4, 4, 3, 8, 8]), torch.Size([4, 3]))
    """

    def __init__(self, transform: Transform) -> None:
        if not isinstance(transform, Transform) or not transform.mixes:
            raise InvalidArgumentError(
                f"MixCollate: transform must be a mixer or a Compose holding one, got {transform!r:.80}",
                arg="transform",
            )
        self.transform = transform

    def __call__(self, batch: Sequence[tuple[Tensor, Any]]) -> Mixed:
        """Stack the pairs, then return the mixed ``(clips, soft_labels)``."""
        clips, labels = _stack_pairs(batch, f"{self.transform.name}.collate")
        out = self.transform(Sample(video=clips, label=labels))
        return out.video, out.label

    def __repr__(self) -> str:
        return f"MixCollate({self.transform!r})"
