"""Containers: Compose, OneOf, SomeOf, RandomApply.

Containers are plain sequences of ops that record every choice in their params
(which child, which subset, the ``p`` gate), so ``apply(x, params)`` replays
exactly. Folding runs of temporal ops into one resampling and runs of geometric
ops into one warp is the planner's job (:mod:`tempaug.core.fuse`); a fold is
exact or is not done.

Targets move with the frames: each container moves them through its children
as the children move the frames, with the same choices.

A ``Compose`` may also hold mixers (``MixUp``, ``CutMix``, ...) and ``Synthesize``,
which mix the samples of a batch together with their labels: such a pipeline takes
a :class:`~tempaug.core.sample.Sample` (or dict) with a ``label`` and gives back
soft labels. Mixers cannot go in ``OneOf``, ``SomeOf`` or ``RandomApply`` (their
per-sample choices would split the batch a mixer pairs across).

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
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, TypeVar

import torch
from torch import Tensor

from ..functional.temporal import TimeMap, apply_map, identity_map, select_maps
from . import rng
from .errors import InvalidArgumentError, ShapeError
from .fuse import fold_time, run
from .params import Params
from .sample import Targets, TargetsError
from .transform import Shape, Transform, apply_select, apply_where, gated_time_map

__all__ = [
    "Compose",
    "ComposeParams",
    "ContainerParams",
    "OneOf",
    "OneOfParams",
    "RandomApply",
    "RandomApplyParams",
    "SomeOf",
    "SomeOfParams",
]


@dataclasses.dataclass(frozen=True, eq=False)
class ContainerParams(Params):
    """Params every container shares: its ``p`` gate and each child's params, in order."""

    children: tuple[Params, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class ComposeParams(ContainerParams):
    """Params of :class:`Compose`: its gate and each child's params, in order."""


@dataclasses.dataclass(frozen=True, eq=False)
class OneOfParams(ContainerParams):
    """Params of :class:`OneOf`: ``choice`` (B,) long is the child each sample ran."""

    choice: Tensor


@dataclasses.dataclass(frozen=True, eq=False)
class SomeOfParams(ContainerParams):
    """Params of :class:`SomeOf`: ``chosen`` (B, K) bool marks the children each sample ran."""

    chosen: Tensor


@dataclasses.dataclass(frozen=True, eq=False)
class RandomApplyParams(ContainerParams):
    """Params of :class:`RandomApply`: the gate and the child's params."""


#: The params class of a container.
CP = TypeVar("CP", bound=ContainerParams)


def _refuse_mixer(op: str, t: Transform, arg: str) -> None:
    if t.mixes:
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


def _chain_input_shapes(transforms: Sequence[Transform], shape: Shape) -> list[Shape]:
    """The input shape each transform of a chain sees."""
    shapes = []
    for t in transforms:
        shapes.append(shape)
        shape = t._output_shape(shape)
    return shapes


class _Container(Transform[CP]):
    abstract = True
    transforms: list[Transform]

    def children(self) -> tuple[Transform, ...]:
        return tuple(self.transforms)

    # a container is a plain sequence of ops
    def __len__(self) -> int:
        """The number of child ops."""
        return len(self.transforms)

    def __iter__(self) -> Iterator[Transform]:
        """The child ops, in order.

        Example:
            >>> import tempaug
            >>> [t.name for t in tempaug.Compose([tempaug.TemporalReverse(), tempaug.HorizontalFlip()])]
            ['TemporalReverse', 'HorizontalFlip']
        """
        return iter(self.transforms)

    def __getitem__(self, index: int) -> Transform:
        """The child op at ``index``."""
        return self.transforms[index]

    @property
    def blends(self) -> bool:
        return any(t.blends for t in self.transforms)

    @property
    def mixes(self) -> bool:
        """True when a child mixes the samples of a batch (only a Compose may hold one)."""
        return any(t.mixes for t in self.transforms)

    @property
    def needs_targets(self) -> bool:
        """True when a child's frames depend on the targets."""
        return any(t.needs_targets for t in self.transforms)

    def _check_params(self, params: CP, shape: Shape) -> None:
        super()._check_params(params, shape)
        children = params.children
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


class Compose(_Container[ComposeParams]):
    """Apply transforms in order; the planner folds runs of temporal ops into one resampling and runs of
    geometric ops into one warp where that is exact (:mod:`tempaug.core.fuse`).

    A pipeline may hold mixers (``MixUp``, ``CutMix``, ...) and ``Synthesize``, which work on a batch and its
    labels: call it on a :class:`~tempaug.core.sample.Sample` (or dict) with a ``label``, and the sample comes
    back with soft labels. Each mixer gets the clips as they are at its place in the list. Such a pipeline
    needs ``p=1`` (gate the mixer with its own ``p``).

    Args:
        transforms: the ops, applied first to last.
        p: probability that the whole pipeline runs for a sample (needs a shape-keeping pipeline when < 1).
        fuse: let the planner fold runs of temporal and geometric ops (on by default).

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.Compose([tempaug.TemporalReverse(), tempaug.TemporalCrop(4, mode="start")])
        >>> aug(torch.arange(8.0).view(8, 1, 1, 1)).flatten().tolist()
        [7.0, 6.0, 5.0, 4.0]
        >>> mixing = tempaug.Compose([tempaug.TemporalCrop(4), tempaug.CutMix(num_classes=3)])
        >>> out = mixing(tempaug.Sample(video=torch.rand(2, 8, 3, 8, 8), label=torch.tensor([0, 2])))
        >>> out.video.shape, out.label.shape
        (torch.Size([2, 4, 3, 8, 8]), torch.Size([2, 3]))
    """

    def __init__(self, transforms: Sequence[Transform], p: float = 1.0, fuse: bool = True) -> None:
        super().__init__(p=p)
        self.transforms = _check_transforms(self.name, transforms, 0, mixers=True)
        for i, t in enumerate(self.transforms[:-1]):
            if t.grows_batch:
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

    params_type: ClassVar[type[Any]] = ComposeParams

    @property
    def grows_batch(self) -> bool:
        """True when the last op adds samples to the batch (an appending ``Synthesize``)."""
        return bool(self.transforms) and self.transforms[-1].grows_batch

    def _mixer_names(self) -> str:
        """The mixers of the pipeline, those of nested pipelines included."""
        return ", ".join(t._mixer_names() if isinstance(t, Compose) else t.name for t in self.transforms if t.mixes)

    def _label_needed(self) -> TargetsError:
        return TargetsError(
            f"{self.name}: its mixer(s) {self._mixer_names()} mix clips together with their labels, so it needs a "
            "sample with a label: op(tempaug.Sample(video=clips, label=labels)), or a dict with 'video' and 'label'"
        )

    def _apply_sample(self, x: Tensor, targets: Targets, params: ComposeParams) -> tuple[Tensor, Targets]:
        if not self.needs_targets:
            return self._apply(x, params), self.map_targets(targets, params, tuple(x.shape))
        # an op whose frames depend on the targets runs as itself; the ops around it still fold
        pending: list[tuple[Transform, Params]] = []
        for t, cp in zip(self.transforms, params.children):
            if not t.needs_targets:
                pending.append((t, cp))
                continue
            x, targets = self._run_sample(pending, x, targets)
            pending = []
            x, targets = t._apply_sample(x, targets, cp)
        return self._run_sample(pending, x, targets)

    def _run_sample(
        self, chain: Sequence[tuple[Transform, Params]], x: Tensor, targets: Targets
    ) -> tuple[Tensor, Targets]:
        shape: Shape = tuple(x.shape)
        for t, cp in chain:
            targets = t.map_targets(targets, cp, shape)
            shape = t._output_shape(shape)
        return run([t for t, _ in chain], [cp for _, cp in chain], x, self.fuse), targets

    def map_targets(self, targets: Targets, params: ComposeParams, shape: Shape) -> Targets:
        """Each child's move in turn; with ``p < 1`` samples left out keep their targets.

        Example:
            >>> import torch, tempaug
            >>> aug = tempaug.Compose([tempaug.TemporalReverse(), tempaug.TemporalCrop(2, mode="start")])
            >>> out = aug(tempaug.Sample(video=torch.zeros(4, 1, 2, 2), segments=[(0, 1, "a"), (3, 4, "b")]))
            >>> out.segments
            [(0.0, 1.0, 'b')]
        """
        out = targets
        children = params.children
        for t, cp, child_shape in zip(self.transforms, children, self._child_input_shapes(shape)):
            out = t.map_targets(out, cp, child_shape)
        if self.p < 1.0:
            out = out.where(params.applied.to(targets.times.device), targets)
        return out

    @property
    def temporal(self) -> bool:
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

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> ComposeParams:
        applied = rng.gate(shape[0], self.p, generator)
        children = []
        for t in self.transforms:
            children.append(t.sample(shape, generator))
            shape = t._output_shape(shape)
        return ComposeParams(applied=applied, children=tuple(children))

    def time_map(self, params: ComposeParams, length: int) -> TimeMap:
        """The whole pipeline as one TimeMap (temporal pipelines only)."""
        maps, input_length = [], length
        for t, cp in zip(self.transforms, params.children):
            maps.append(t.time_map(cp, length))
            length = maps[-1].length
        folded = fold_time(maps) if maps else identity_map(params.batch_size, length, params.device)
        if folded is None:  # pragma: no cover - excluded by `temporal`
            raise InvalidArgumentError(f"{self.name}: two frame-blending ops cannot fold into one map")
        if self.p < 1.0:
            folded = gated_time_map(folded, params.applied, input_length, self.name)
        return folded

    def _run(self, x: Tensor, params: ComposeParams) -> Tensor:
        """Children in order, through the planner."""
        return run(self.transforms, params.children, x, self.fuse)

    def _apply(self, x: Tensor, params: ComposeParams) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        if self.p < 1.0:
            return apply_where(self._run, x, params, params.applied)
        return self._run(x, params)


class OneOf(_Container[OneOfParams]):
    """Each sample runs one child, picked with probability proportional to ``weights``.

    All children must give the same output shape. The pick is recorded in
    ``params.choice``.

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.OneOf([tempaug.TemporalReverse(), tempaug.TemporalCrop(8, mode="start")], weights=[1, 0])
        >>> aug(torch.arange(8.0).view(8, 1, 1, 1)).flatten().tolist()
        [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    """

    params_type: ClassVar[type[Any]] = OneOfParams

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
    def temporal(self) -> bool:
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

    def _check_params(self, params: OneOfParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        choice = params.choice
        if (
            choice.device.type == "cpu"
            and choice.numel()
            and not bool(((choice >= 0) & (choice < len(self.transforms))).all())
        ):
            raise ShapeError(
                f"{self.name}: params.choice names a child outside 0..{len(self.transforms) - 1}: {choice.tolist()}"
            )

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> OneOfParams:
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

    def time_map(self, params: OneOfParams, length: int) -> TimeMap:
        """Per sample, the chosen child's TimeMap (temporal children only)."""
        maps = [t.time_map(cp, length) for t, cp in zip(self.transforms, params.children)]
        chosen = select_maps(maps, params.choice)
        return gated_time_map(chosen, params.applied, length, self.name) if self.p < 1.0 else chosen

    def map_targets(self, targets: Targets, params: OneOfParams, shape: Shape) -> Targets:
        """Per sample, the chosen child's move (none where the gate left the sample out)."""
        choice = params.choice if self.p >= 1.0 else torch.where(params.applied, params.choice, -1)
        choice = choice.to(targets.times.device)
        out = targets
        for k, (t, cp) in enumerate(zip(self.transforms, params.children)):
            picked = choice == k
            if picked.device.type == "cpu" and not bool(picked.any()):
                continue
            out = t.map_targets(targets, cp, shape).where(picked, out)
        return out

    def _apply(self, x: Tensor, params: OneOfParams) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        choice = params.choice if self.p >= 1.0 else torch.where(params.applied, params.choice, -1)
        out_shape = (x.shape[0], *self._output_shape(tuple(x.shape))[1:])
        return apply_select([t._apply for t in self.transforms], x, params.children, choice, out_shape)


class SomeOf(_Container[SomeOfParams]):
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

    params_type: ClassVar[type[Any]] = SomeOfParams

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
    def temporal(self) -> bool:
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

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> SomeOfParams:
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

    def time_map(self, params: SomeOfParams, length: int) -> TimeMap:
        """The chosen children's TimeMaps folded into one (temporal children only)."""
        maps = []
        for i, (t, cp) in enumerate(zip(self.transforms, params.children)):
            m = t.time_map(cp, length)
            maps.append(m if self._takes_all else gated_time_map(m, params.chosen[:, i], length, self.name))
            length = m.length
        folded = fold_time(maps)
        assert folded is not None  # excluded by `temporal`
        return folded

    def map_targets(self, targets: Targets, params: SomeOfParams, shape: Shape) -> Targets:
        """The chosen children's moves, in the listed order."""
        children = params.children
        for i, (t, cp, child_shape) in enumerate(zip(self.transforms, children, self._child_input_shapes(shape))):
            moved = t.map_targets(targets, cp, child_shape)
            targets = moved if self._takes_all else moved.where(params.chosen[:, i], targets)
        return targets

    def _apply(self, x: Tensor, params: SomeOfParams) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        for i, (t, cp) in enumerate(zip(self.transforms, params.children)):
            x = t._apply(x, cp) if self._takes_all else apply_where(t._apply, x, cp, params.chosen[:, i])
        return x


class RandomApply(_Container[RandomApplyParams]):
    """Run ``transform`` on each sample with probability ``p`` (the child must keep the shape).

    Example:
        >>> import torch, tempaug
        >>> aug = tempaug.RandomApply(tempaug.TemporalReverse(), p=0.5)
        >>> aug.sample((6, 4, 1, 2, 2), generator=torch.Generator().manual_seed(0)).applied.shape
        torch.Size([6])
    """

    params_type: ClassVar[type[Any]] = RandomApplyParams

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
    def temporal(self) -> bool:
        return self.transform.temporal

    def _check_shape(self, shape: Shape) -> None:
        self.transform._check_shape(shape)
        if self.p < 1.0:
            self._require_same_shape(shape, "RandomApply with p < 1 leaves some samples as they are")

    def _output_shape(self, shape: Shape) -> Shape:
        return self.transform._output_shape(shape)

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> RandomApplyParams:
        applied = rng.gate(shape[0], self.p, generator)
        return RandomApplyParams(applied=applied, children=(self.transform.sample(shape, generator),))

    def time_map(self, params: RandomApplyParams, length: int) -> TimeMap:
        """The child's TimeMap for gated samples, the identity for the rest."""
        m = self.transform.time_map(params.children[0], length)
        return gated_time_map(m, params.applied, length, self.name) if self.p < 1.0 else m

    def map_targets(self, targets: Targets, params: RandomApplyParams, shape: Shape) -> Targets:
        """The child's move for the samples the gate let through."""
        moved = self.transform.map_targets(targets, params.children[0], shape)
        return moved if self.p >= 1.0 else moved.where(params.applied, targets)

    def _apply(self, x: Tensor, params: RandomApplyParams) -> Tensor:
        if self.temporal:
            return apply_map(x, self.time_map(params, x.shape[1]))
        if self.p >= 1.0:
            return self.transform._apply(x, params.children[0])
        return apply_where(self.transform._apply, x, params.children[0], params.applied)
