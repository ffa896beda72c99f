"""Containers: Compose, OneOf, SomeOf, RandomApply.

Containers record every choice in their params (which child, which subset, the
``p`` gate), so ``apply(x, params)`` replays exactly. Runs of temporal ops fold
into one resampling of the frames; the result is bit-for-bit the step-by-step
result (two ops that both blend frames are never folded together).

A ``Compose`` may also hold mixers (``MixUp``, ``CutMix``, ...), which mix the
samples of a batch together with their labels: such a pipeline is called as
``aug(clips, labels)`` and returns ``(clips, soft_labels)``; the per-clip ops
see the clips only. Mixers cannot go in ``OneOf``, ``SomeOf`` or ``RandomApply``
(their per-sample choices would split the batch a mixer pairs across).

Example:
    >>> import torch, tempaug
    >>> aug = tempaug.Compose([tempaug.TemporalReverse(p=0.5), tempaug.SpeedJitter(speed=(0.5, 2.0))])
    >>> batch = torch.rand(4, 16, 3, 8, 8)
    >>> out, params = aug(batch, generator=torch.Generator().manual_seed(0), return_params=True)
    >>> torch.equal(aug.apply(batch, params), out)
    True
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Sequence

import torch
from torch import Tensor

from ..functional.geometric import matrix_boxes
from ..functional.temporal import TimeMap, apply_map, compose_maps, identity_map, select_maps
from . import rng
from .errors import InvalidArgumentError, ShapeError
from .geometry import SpaceMap, apply_space_map, compose_space_maps
from .layout import check_clip
from .params import Params
from .transform import Shape, Transform, apply_select, apply_where, gated_time_map
from .validation import check_no_nan

__all__ = [
    "Compose",
    "OneOf",
    "SomeOf",
    "RandomApply",
    "ComposeParams",
    "OneOfParams",
    "SomeOfParams",
    "RandomApplyParams",
]


@dataclasses.dataclass(frozen=True, eq=False)
class ComposeParams(Params):
    """Params of :class:`Compose`: its gate and each child's params, in order."""

    children: tuple[Params, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class OneOfParams(Params):
    """Params of :class:`OneOf`: ``choice`` (B,) long is the child each sample ran."""

    choice: Tensor
    children: tuple[Params, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class SomeOfParams(Params):
    """Params of :class:`SomeOf`: ``chosen`` (B, K) bool marks the children each sample ran."""

    chosen: Tensor
    children: tuple[Params, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class RandomApplyParams(Params):
    """Params of :class:`RandomApply`: the gate and the child's params."""

    children: tuple[Params, ...]


def _mixes(t: Transform) -> bool:
    """True when ``t`` mixes the samples of a batch with their labels (a mixer, or a Compose holding one)."""
    return bool(getattr(t, "mixes", False))


def _refuse_mixer(op: str, t: Transform, arg: str) -> None:
    if _mixes(t):
        raise InvalidArgumentError(
            f"{op}: {arg} ({t.name}) mixes samples of a batch with their labels and cannot be chosen per sample; "
            "put the mixer in a Compose, after the per-clip ops",
            arg=arg.split("[")[0],
        )


def _check_transforms(op: str, transforms: Any, minimum: int, mixers: bool = False) -> list[Transform]:
    if isinstance(transforms, Transform) or not isinstance(transforms, Sequence):
        raise InvalidArgumentError(f"{op}: transforms must be a list of transforms, got {type(transforms).__name__}")
    items = list(transforms)
    for i, t in enumerate(items):
        if not isinstance(t, Transform):
            raise InvalidArgumentError(f"{op}: transforms[{i}] is a {type(t).__name__}, not a tempaug transform")
        if not mixers:
            _refuse_mixer(op, t, f"transforms[{i}]")
    if len(items) < minimum:
        raise InvalidArgumentError(f"{op}: needs at least {minimum} transform(s), got {len(items)}")
    return items


def _loses_box_path(inner: SpaceMap, outer: SpaceMap, joined: SpaceMap) -> bool:
    """On the CPU, whole-pixel box maps run as slicing plus a uint8 resize; a fold that turns two
    of them into a fractional box would send the clip through a float warp instead, so it is not done."""
    sizes = (inner.size, outer.size, joined.size)
    parts = [bool(matrix_boxes(m.matrix.cpu(), size)[2].all()) for m, size in zip((inner, outer, joined), sizes)]
    return parts[0] and parts[1] and not parts[2]


def _fold(maps: Sequence[TimeMap]) -> TimeMap | None:
    """One map for a chain of maps, or None when two of them blend."""
    acc = maps[0]
    for m in maps[1:]:
        acc = compose_maps(acc, m)
        if acc is None:
            return None
    return acc


def _chain_input_shapes(transforms: Sequence[Transform], shape: Shape) -> list[Shape]:
    """The input shape each transform of a chain sees."""
    shapes = []
    for t in transforms:
        shapes.append(shape)
        shape = t._output_shape(shape)
    return shapes


class _Container(Transform):
    abstract = True
    transforms: list[Transform]

    def children(self) -> tuple[Transform, ...]:
        return tuple(self.transforms)

    @property
    def blends(self) -> bool:  # type: ignore[override]
        return any(t.blends for t in self.transforms)

    def _check_params(self, params: Params, shape: Shape) -> None:
        super()._check_params(params, shape)
        children = params.children  # type: ignore[attr-defined]
        if len(children) != len(self.transforms):
            raise ShapeError(
                f"{self.name}: params hold {len(children)} children, the container has {len(self.transforms)}"
            )
        for t, cp, child_shape in zip(self.transforms, children, self._child_input_shapes(shape)):
            t._check_params(cp, child_shape)

    def _child_input_shapes(self, shape: Shape) -> list[Shape]:
        """The input shape each child sees (the container's input for parallel containers)."""
        return [shape] * len(self.transforms)

    def _child_shapes(self, shape: Shape) -> list[Shape]:
        return [t._output_shape(shape) for t in self.transforms]

    def _require_same_shape(self, shape: Shape, why: str) -> None:
        for t, out in zip(self.transforms, self._child_shapes(shape)):
            if out != shape:
                raise ShapeError(f"{self.name}: {t.name} turns {shape} into {out}, but {why}")


class Compose(_Container):
    """Apply transforms in order; runs of temporal ops fold into one resampling.

    A pipeline holding a mixer (``MixUp``, ``CutMix``, ...) takes a batch and its labels:
    ``aug(clips, labels)`` returns ``(clips, soft_labels)`` and ``aug.apply(clips, labels, params)``
    replays it. Per-clip ops see the clips only; each mixer gets the clips as they are at its place in
    the list, and the labels. Such a pipeline needs ``p=1`` (gate the mixer with its own ``p``). A pipeline
    without a mixer called with labels returns them unchanged.

    Args:
        transforms: the ops, applied first to last.
        p: probability that the whole pipeline runs for a sample (needs a shape-keeping pipeline when < 1).
        fuse: fold consecutive temporal ops into one pass over the frames (exact; on by default).

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.Compose([tempaug.TemporalReverse(), tempaug.TemporalCrop(4, mode="start")])
        >>> aug(torch.arange(8.0).view(8, 1, 1, 1)).flatten().tolist()
        [7.0, 6.0, 5.0, 4.0]
        >>> mixing = tempaug.Compose([tempaug.TemporalCrop(4), tempaug.CutMix(num_classes=3)])
        >>> clips, soft = mixing(torch.rand(2, 8, 3, 8, 8), torch.tensor([0, 2]))
        >>> clips.shape, soft.shape
        (torch.Size([2, 4, 3, 8, 8]), torch.Size([2, 3]))
    """

    def __init__(self, transforms: Sequence[Transform], p: float = 1.0, fuse: bool = True) -> None:
        super().__init__(p=p)
        self.transforms = _check_transforms(self.name, transforms, 0, mixers=True)
        for i, t in enumerate(self.transforms[:-1]):
            if getattr(t, "grows_batch", False):
                raise InvalidArgumentError(
                    f"{self.name}: transforms[{i}] ({t.name}) adds samples to the batch, so it must be the last op "
                    "of the pipeline",
                    arg="transforms",
                )
        self.fuse = bool(fuse)
        if self.mixes and self.p < 1.0:
            raise InvalidArgumentError(
                f"{self.name}: p={self.p} cannot gate a pipeline that holds a mixer ({self._mixer_names()}); "
                "use p=1 and gate the mixer with its own p",
                arg="p",
            )

    params_type: ClassVar[type[Params]] = ComposeParams

    @property
    def grows_batch(self) -> bool:
        """True when the last op adds samples to the batch (an appending ``Synthesize``)."""
        return bool(self.transforms) and bool(getattr(self.transforms[-1], "grows_batch", False))

    @property
    def mixes(self) -> bool:
        """True when the pipeline holds a mixer, so that it takes ``(clips, labels)``."""
        return any(_mixes(t) for t in self.transforms)

    def _mixer_names(self) -> str:
        """The mixers of the pipeline, those of nested pipelines included."""
        return ", ".join(t._mixer_names() if isinstance(t, Compose) else t.name for t in self.transforms if _mixes(t))

    def _labels_needed(self) -> InvalidArgumentError:
        return InvalidArgumentError(
            f"{self.name}: its mixer(s) {self._mixer_names()} mix clips together with their labels; "
            "call it as aug(clips, labels) and replay it as aug.apply(clips, labels, params)",
            arg="labels",
        )

    def __call__(  # type: ignore[override]
        self,
        x: Tensor,
        labels: Any = None,
        generator: torch.Generator | None = None,
        return_params: bool = False,
    ) -> Any:
        """``aug(x)`` as for every transform; ``aug(clips, labels)`` returns ``(clips, labels)``, mixed by its mixers.

        A ``torch.Generator`` in the place of ``labels`` is taken as the generator, as in ``aug(x, generator)``.

        Example:
            >>> import torch, tempaug
            >>> aug = tempaug.Compose([tempaug.TemporalReverse(), tempaug.MixUp(num_classes=2)])
            >>> (clips, soft), params = aug(torch.rand(2, 4, 1, 8, 8), torch.tensor([0, 1]), return_params=True)
            >>> soft.shape, len(params.children)
            (torch.Size([2, 2]), 2)
        """
        if isinstance(labels, torch.Generator):
            labels, generator = None, labels
        if labels is None:
            if self.mixes:
                raise self._labels_needed()
            return super().__call__(x, generator=generator, return_params=return_params)
        self._check_labelled_batch(x)
        if self.blends:
            check_no_nan(self.name, x)
        params = self.sample(x.shape, generator=generator, device=x.device)
        out = self._mix(x, labels, params)
        return (out, params) if return_params else out

    def apply(self, x: Tensor, labels: Any = None, params: Params | None = None) -> Any:  # type: ignore[override]
        """Replay: ``aug.apply(x, params)``, or ``aug.apply(clips, labels, params)`` for a pipeline given labels.

        Example:
            >>> import torch, tempaug
            >>> aug = tempaug.Compose([tempaug.TemporalReverse(), tempaug.TubeMix(num_classes=2)])
            >>> clips, labels = torch.rand(2, 4, 1, 8, 8), torch.tensor([0, 1])
            >>> (out, soft), params = aug(clips, labels, return_params=True)
            >>> again, soft_again = aug.apply(clips, labels, params)
            >>> torch.equal(again, out) and torch.equal(soft_again, soft)
            True
        """
        if isinstance(labels, Params) and params is None:
            labels, params = None, labels
        if params is None:
            raise InvalidArgumentError(f"{self.name}: apply needs the params to replay", arg="params")
        if labels is None:
            if self.mixes:
                raise self._labels_needed()
            return super().apply(x, params)
        self._check_labelled_batch(x)
        self._check_params(params, tuple(x.shape))
        return self._mix(x, labels, params.to(x.device))

    def _check_labelled_batch(self, x: Any) -> None:
        check_clip(x, self.name)
        if x.dim() != 5:
            raise ShapeError(
                f"{self.name}: labels come with a (B,T,C,H,W) batch, got one clip of shape {tuple(x.shape)}"
            )

    def _mix(self, x: Tensor, labels: Any, params: Params) -> tuple[Tensor, Any]:
        """The pipeline on a batch and its labels: per-clip ops on the clips, mixers on both."""
        if not self.mixes:
            return self._apply(x, params), labels
        return self._run_labelled(x, labels, params)

    @property
    def temporal(self) -> bool:  # type: ignore[override]
        return self.fuse and all(t.temporal for t in self.transforms) and sum(t.blends for t in self.transforms) <= 1

    def _check_shape(self, shape: Shape) -> None:
        for t in self.transforms:
            t._check_shape(shape)
            shape = t._output_shape(shape)

    def _output_shape(self, shape: Shape) -> Shape:
        for t in self.transforms:
            shape = t._output_shape(shape)
        return shape

    def _child_input_shapes(self, shape: Shape) -> list[Shape]:
        return _chain_input_shapes(self.transforms, shape)

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> Params:
        applied = rng.gate(shape[0], self.p, generator)
        children = []
        for t in self.transforms:
            children.append(t.sample(shape, generator))
            shape = t._output_shape(shape)
        return ComposeParams(applied=applied, children=tuple(children))

    def time_map(self, params: Params, length: int) -> TimeMap:
        """The whole pipeline as one TimeMap (temporal pipelines only)."""
        maps, input_length = [], length
        for t, cp in zip(self.transforms, params.children):  # type: ignore[attr-defined]
            maps.append(t.time_map(cp, length))
            length = maps[-1].length
        folded = _fold(maps) if maps else identity_map(params.batch_size, length, params.device)
        if folded is None:  # pragma: no cover - excluded by `temporal`
            raise InvalidArgumentError(f"{self.name}: two frame-blending ops cannot fold into one map")
        if self.p < 1.0:
            folded = gated_time_map(folded, params.applied, input_length, self.name)
        return folded

    def _run(self, x: Tensor, params: Params) -> Tensor:
        """Children in order; runs of temporal ops fold into one TimeMap, runs of geometric ops into one SpaceMap."""
        return self._run_labelled(x, None, params)[0]

    def _run_labelled(self, x: Tensor, labels: Any, params: Params) -> tuple[Tensor, Any]:
        """:meth:`_run` carrying the labels of the batch to the mixers (None: there are none)."""
        timing: TimeMap | None = None
        space: SpaceMap | None = None
        for t, cp in zip(self.transforms, params.children):  # type: ignore[attr-defined]
            if self.fuse and t.temporal:
                if space is not None:
                    x, space = apply_space_map(x, space), None
                m = t.time_map(cp, x.shape[1] if timing is None else timing.length)
                folded = m if timing is None else compose_maps(timing, m)
                if folded is None:
                    x, folded = apply_map(x, timing), m  # type: ignore[arg-type]
                timing = folded
                continue
            if timing is not None:
                x, timing = apply_map(x, timing), None
            if self.fuse and getattr(t, "geometric", False):
                shape = tuple(x.shape) if space is None else (*x.shape[:3], *space.size)
                s = t.space_map(cp, shape)  # type: ignore[attr-defined]
                joined = s if space is None else compose_space_maps(space, s)
                if (
                    joined is not None
                    and space is not None
                    and x.device.type == "cpu"
                    and _loses_box_path(space, s, joined)
                ):
                    joined = None
                if joined is None:
                    x, joined = apply_space_map(x, space), s  # type: ignore[arg-type]
                space = joined
                continue
            if space is not None:
                x, space = apply_space_map(x, space), None
            if _mixes(t):
                if labels is None:
                    raise self._labels_needed()
                x, labels = t._mix(x, labels, cp)  # type: ignore[attr-defined]
                continue
            x = t._apply(x, cp)
        if timing is not None:
            x = apply_map(x, timing)
        return (apply_space_map(x, space) if space is not None else x), labels

    def _apply(self, x: Tensor, params: Params) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        if self.p < 1.0:
            return apply_where(self._run, x, params, params.applied)
        return self._run(x, params)


class OneOf(_Container):
    """Each sample runs one child, picked with probability proportional to ``weights``.

    All children must give the same output shape. The pick is recorded in
    ``params.choice``.

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.OneOf([tempaug.TemporalReverse(), tempaug.TemporalCrop(8, mode="start")], weights=[1, 0])
        >>> aug(torch.arange(8.0).view(8, 1, 1, 1)).flatten().tolist()
        [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    """

    params_type: ClassVar[type[Params]] = OneOfParams

    def __init__(self, transforms: Sequence[Transform], weights: Sequence[float] | None = None, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.transforms = _check_transforms(self.name, transforms, 1)
        if weights is not None:
            weights = [float(w) for w in weights]
            if len(weights) != len(self.transforms) or any(w < 0 for w in weights) or sum(weights) <= 0:
                raise InvalidArgumentError(
                    arg="weights",
                    message=f"{self.name}: weights must be {len(self.transforms)} non-negative numbers with a positive sum, "
                    f"got {weights}",
                )
        self.weights = weights

    @property
    def temporal(self) -> bool:  # type: ignore[override]
        return all(t.temporal for t in self.transforms)

    def _check_shape(self, shape: Shape) -> None:
        for t in self.transforms:
            t._check_shape(shape)
        outs = self._child_shapes(shape)
        if len(set(outs)) > 1:
            raise ShapeError(
                f"{self.name}: children give different output shapes for input {shape}: "
                + ", ".join(f"{t.name} -> {o}" for t, o in zip(self.transforms, outs))
            )

    def _output_shape(self, shape: Shape) -> Shape:
        return self.transforms[0]._output_shape(shape)

    def _check_params(self, params: Params, shape: Shape) -> None:
        super()._check_params(params, shape)
        choice = params.choice  # type: ignore[attr-defined]
        if (
            choice.device.type == "cpu"
            and choice.numel()
            and not bool(((choice >= 0) & (choice < len(self.transforms))).all())
        ):
            raise ShapeError(
                f"{self.name}: params.choice names a child outside 0..{len(self.transforms) - 1}: {choice.tolist()}"
            )

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> Params:
        b = shape[0]
        applied = rng.gate(b, self.p, generator)
        k = len(self.transforms)
        if k == 1 or b == 0:
            choice = torch.zeros(b, dtype=torch.long, device=applied.device)
        else:
            w = torch.tensor(self.weights or [1.0] * k, dtype=torch.float32, device=applied.device)
            choice = torch.multinomial(w.expand(b, k), 1, replacement=True, generator=generator).squeeze(1)
        children = tuple(t.sample(shape, generator) for t in self.transforms)
        return OneOfParams(applied=applied, choice=choice, children=children)

    def time_map(self, params: Params, length: int) -> TimeMap:
        """Per sample, the chosen child's TimeMap (temporal children only)."""
        maps = [t.time_map(cp, length) for t, cp in zip(self.transforms, params.children)]  # type: ignore[attr-defined]
        chosen = select_maps(maps, params.choice)  # type: ignore[attr-defined]
        return gated_time_map(chosen, params.applied, length, self.name) if self.p < 1.0 else chosen

    def _apply(self, x: Tensor, params: Params) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        choice = params.choice if self.p >= 1.0 else torch.where(params.applied, params.choice, -1)  # type: ignore[attr-defined]
        out_shape = (x.shape[0], *self._output_shape(tuple(x.shape))[1:])
        return apply_select([t._apply for t in self.transforms], x, params.children, choice, out_shape)  # type: ignore[attr-defined]


class SomeOf(_Container):
    """Each sample runs a random subset of the children, in the listed order.

    Args:
        transforms: the candidate ops; each must keep the shape unless ``n`` picks them all.
        n: how many children per sample: an int, or a ``(lo, hi)`` range drawn per sample.
        p: probability that the container runs at all for a sample.
        fuse: fold runs of temporal children into one resampling (exact).

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.SomeOf([tempaug.TemporalReverse(), tempaug.FrameDrop(2)], n=(0, 2))
        >>> params = aug.sample((4, 8, 3, 8, 8))
        >>> params.chosen.shape
        torch.Size([4, 2])
    """

    params_type: ClassVar[type[Params]] = SomeOfParams

    def __init__(
        self, transforms: Sequence[Transform], n: int | Sequence[int] = 1, p: float = 1.0, fuse: bool = True
    ) -> None:
        super().__init__(p=p)
        self.transforms = _check_transforms(self.name, transforms, 1)
        k = len(self.transforms)
        pair = (n, n) if isinstance(n, int) and not isinstance(n, bool) else n
        if (
            not isinstance(pair, Sequence)
            or len(pair) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            or not 0 <= pair[0] <= pair[1] <= k
        ):
            raise InvalidArgumentError(
                f"{self.name}: n must be an int or a (lo, hi) pair with 0 <= lo <= hi <= {k}, got {n!r}", arg="n"
            )
        self.n = n if isinstance(n, int) else (int(pair[0]), int(pair[1]))
        self._range = (int(pair[0]), int(pair[1]))
        self.fuse = bool(fuse)

    @property
    def _takes_all(self) -> bool:
        return self._range[0] == len(self.transforms) and self.p >= 1.0

    @property
    def temporal(self) -> bool:  # type: ignore[override]
        return self.fuse and all(t.temporal for t in self.transforms) and sum(t.blends for t in self.transforms) <= 1

    def _check_shape(self, shape: Shape) -> None:
        if self._takes_all:
            return Compose(self.transforms)._check_shape(shape)
        for t in self.transforms:
            t._check_shape(shape)
        self._require_same_shape(shape, "SomeOf skips children for some samples, so each must keep the shape")

    def _output_shape(self, shape: Shape) -> Shape:
        for t in self.transforms:
            shape = t._output_shape(shape)
        return shape

    def _child_input_shapes(self, shape: Shape) -> list[Shape]:
        return _chain_input_shapes(self.transforms, shape)

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> Params:
        b, k = shape[0], len(self.transforms)
        applied = rng.gate(b, self.p, generator)
        lo, hi = self._range
        count = rng.randint(lo, hi, (b,), generator) if lo != hi else torch.full((b,), lo, device=applied.device)
        chosen = (rng.ranks(rng.rand((b, k), generator)) < count.view(-1, 1)) & applied.view(-1, 1)
        children = []
        for t in self.transforms:
            children.append(t.sample(shape, generator))
            shape = t._output_shape(shape)
        return SomeOfParams(applied=applied, chosen=chosen, children=tuple(children))

    def time_map(self, params: Params, length: int) -> TimeMap:
        """The chosen children's TimeMaps folded into one (temporal children only)."""
        maps = []
        for i, (t, cp) in enumerate(zip(self.transforms, params.children)):  # type: ignore[attr-defined]
            m = t.time_map(cp, length)
            maps.append(m if self._takes_all else gated_time_map(m, params.chosen[:, i], length, self.name))  # type: ignore[attr-defined]
            length = m.length
        folded = _fold(maps)
        assert folded is not None  # excluded by `temporal`
        return folded

    def _apply(self, x: Tensor, params: Params) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        for i, (t, cp) in enumerate(zip(self.transforms, params.children)):  # type: ignore[attr-defined]
            x = t._apply(x, cp) if self._takes_all else apply_where(t._apply, x, cp, params.chosen[:, i])  # type: ignore[attr-defined]
        return x


class RandomApply(_Container):
    """Run ``transform`` on each sample with probability ``p`` (the child must keep the shape).

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.RandomApply(tempaug.TemporalReverse(), p=0.5)
        >>> aug.sample((6, 4, 1, 2, 2), generator=torch.Generator().manual_seed(0)).applied.shape
        torch.Size([6])
    """

    params_type: ClassVar[type[Params]] = RandomApplyParams

    def __init__(self, transform: Transform, p: float = 0.5) -> None:
        super().__init__(p=p)
        if isinstance(transform, Sequence) and not isinstance(transform, str):
            transform = Compose(list(transform))
        if not isinstance(transform, Transform):
            raise InvalidArgumentError(
                f"{self.name}: transform must be a tempaug transform, got {type(transform).__name__}"
            )
        _refuse_mixer(self.name, transform, "transform")
        self.transform = transform
        self.transforms = [transform]

    @property
    def temporal(self) -> bool:  # type: ignore[override]
        return self.transform.temporal

    def _check_shape(self, shape: Shape) -> None:
        self.transform._check_shape(shape)
        if self.p < 1.0:
            self._require_same_shape(shape, "RandomApply with p < 1 leaves some samples as they are")

    def _output_shape(self, shape: Shape) -> Shape:
        return self.transform._output_shape(shape)

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> Params:
        applied = rng.gate(shape[0], self.p, generator)
        return RandomApplyParams(applied=applied, children=(self.transform.sample(shape, generator),))

    def time_map(self, params: Params, length: int) -> TimeMap:
        """The child's TimeMap for gated samples, the identity for the rest."""
        m = self.transform.time_map(params.children[0], length)  # type: ignore[attr-defined]
        return gated_time_map(m, params.applied, length, self.name) if self.p < 1.0 else m

    def _apply(self, x: Tensor, params: Params) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        if self.p >= 1.0:
            return self.transform._apply(x, params.children[0])  # type: ignore[attr-defined]
        return apply_where(self.transform._apply, x, params.children[0], params.applied)  # type: ignore[attr-defined]
