"""The transform contract: ``sample`` draws, ``apply`` is pure, ``__call__`` does both.

Every transform accepts a (T,C,H,W) clip or a (B,T,C,H,W) batch. Each sample
of a batch draws its own parameters in one vectorised step, and the ``p`` gate
is a per-sample boolean mask. Params are returned, never stored.

Example:
    >>> import torch, tempaug
    >>> op = tempaug.TemporalCrop(4)
    >>> batch = torch.rand(2, 8, 3, 16, 16)
    >>> out, params = op(batch, generator=torch.Generator().manual_seed(0), return_params=True)
    >>> torch.equal(op.apply(batch, params), out), tuple(out.shape)
    (True, (2, 4, 3, 16, 16))
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import torch
from torch import Tensor

from ..functional.geometric import SpaceMap
from ..functional.temporal import TimeMap, apply_map, gate_map, positions_to_map
from . import rng
from .errors import DTypeError, InvalidArgumentError, ShapeError
from .layout import batch_shape, check_clip, lift, lower
from .moves import move_in_time
from .params import Params
from .registry import from_dict, register
from .sample import Targets, TargetsError, identity_times, pack, unpack
from .validation import check_no_nan, check_probability

#: The params class of a transform: ``Transform[P]`` draws and applies params of class ``P``.
P = TypeVar("P", bound=Params)
#: The params class of a temporal op.
TP = TypeVar("TP", bound="TemporalParams")

__all__ = ["FrameTransform", "TemporalParams", "TemporalTransform", "Transform", "apply_select", "apply_where"]

Shape = tuple[int, ...]


class Transform(Generic[P]):
    """Base class of every transform.

    Subclasses implement ``_sample(shape, generator)`` returning their params for
    a (B,T,C,H,W) ``shape``, ``_apply(x, params)`` on a (B,T,C,H,W) batch, and
    ``_output_shape(shape)`` when they change the shape. Every constructor
    argument is kept as an attribute of the same name, which is what
    ``to_dict`` and ``repr`` read.

    Example:
        >>> import torch, tempaug
        >>> op = tempaug.TemporalReverse(p=0.5)
        >>> params = op.sample((4, 8, 3, 16, 16), generator=torch.Generator().manual_seed(0))
        >>> params.applied.shape
        torch.Size([4])
    """

    #: The params class the op draws; ``apply`` refuses params of another class.
    params_type: ClassVar[type[Any]] = Params

    # ------------------------------------------------------------------ traits
    # What the planner and the containers need to know about an op. Leaf ops declare them as class attributes
    # (``temporal = True``); containers compute them from their children.
    @property
    def temporal(self) -> bool:
        """True when the op only re-times the clip and can hand its work to the planner as a TimeMap."""
        return False

    @property
    def blends(self) -> bool:
        """True when the op may blend two source frames into one output frame."""
        return False

    @property
    def geometric(self) -> bool:
        """True when the op only moves pixels with an affine map and can hand its work to the planner as a SpaceMap."""
        return False

    @property
    def mixes(self) -> bool:
        """True when the op mixes the samples of a batch together with their labels (a mixer, ``Synthesize``): it
        needs a sample with a label, a batch-level place in a pipeline and ``p=1`` on its containers."""
        return False

    @property
    def needs_targets(self) -> bool:
        """True when the op's frames depend on the targets (a generator conditioned on the label), so it runs as
        itself inside a pipeline instead of being folded."""
        return False

    @property
    def grows_batch(self) -> bool:
        """True when the op adds samples to the batch (an appending ``Synthesize``), so it must come last."""
        return False

    def __init__(self, p: float = 1.0) -> None:
        self.p = check_probability(self.name, "p", p)
        self.training = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_") and not inspect.isabstract(cls) and "abstract" not in cls.__dict__:
            register(cls)

    # ------------------------------------------------------------------ naming
    @property
    def name(self) -> str:
        """The registered name of the transform (its class name)."""
        return type(self).__name__

    def children(self) -> tuple[Transform, ...]:
        """Direct child transforms (empty for a leaf op)."""
        return ()

    def walk(self) -> Iterator[Transform]:
        """This transform and all its descendants, depth first.

        Example:
            >>> import tempaug
            >>> [t.name for t in tempaug.Compose([tempaug.TemporalReverse()]).walk()]
            ['Compose', 'TemporalReverse']
        """
        yield self
        for child in self.children():
            yield from child.walk()

    def train(self, mode: bool = True) -> Transform:
        """Set training mode (ops with a random choice that has a deterministic eval form use it); returns self.

        Example:
            >>> import tempaug
            >>> tempaug.TemporalSubsample(num_frames=4).eval().training
            False
        """
        for t in self.walk():
            t.training = bool(mode)
        return self

    def eval(self) -> Transform:
        """Shorthand for ``train(False)``."""
        return self.train(False)

    # ---------------------------------------------------------------- contract
    def sample(
        self, shape: Sequence[int], generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> P:
        """Draw everything random for a clip or batch of ``shape``, one draw per sample, vectorised.

        Args:
            shape: (T,C,H,W) or (B,T,C,H,W); a clip gives params with a batch of one.
            generator: the only source of randomness when given; torch's default generator otherwise.
            device: where the returned params live (default: where they were drawn, the CPU
                unless ``generator`` lives elsewhere).

        Example:
            >>> import tempaug
            >>> tempaug.TemporalCrop(4).sample((8, 3, 16, 16)).start.shape
            torch.Size([1])
        """
        full = batch_shape(shape, self.name)
        self._check_shape(full)
        params = self._sample(full, generator)
        if self.p < 1.0 and self._output_shape(full) != full:
            raise ShapeError(
                f"{self.name}: p={self.p} needs an output of the input's shape, but the input {full} "
                f"becomes {self._output_shape(full)}; a batch cannot mix both, so use p=1"
            )
        return params.to(device)

    def apply(self, x: Any, params: P) -> Any:
        """Apply with given params: a pure function of ``x`` and ``params`` (x is never modified).

        ``x`` is a clip or batch tensor, a :class:`~tempaug.core.sample.Sample` or a dict with the same keys;
        the result is of the same kind, every target moved with the frames.

        Example:
            >>> import torch, tempaug
            >>> op, clip = tempaug.TemporalReverse(), torch.arange(3.0).view(3, 1, 1, 1)
            >>> op.apply(clip, op.sample(clip.shape)).flatten().tolist()
            [2.0, 1.0, 0.0]
        """
        if not isinstance(params, Params):
            hint = (
                "; labels travel with the clip in a sample: op.apply(tempaug.Sample(video=clips, label=labels), params)"
                if isinstance(params, Tensor)
                else ""
            )
            raise DTypeError(
                f"{self.name}: params must be {self.params_type.__name__}, got {type(params).__name__}{hint}"
            )
        if isinstance(x, Tensor) and not self.mixes:
            check_clip(x, self.name)
            xb, lifted = lift(x)
            self._check_params(params, xb.shape)
            return lower(self._apply(xb, params.to(xb.device)), lifted)
        video, targets, form = unpack(x, self.name)
        self._check_params(params, video.shape)
        out, moved = self._apply_sample(video, self._require_targets(targets, video), params.to(video.device))
        return pack(form, out, moved, x)

    def __call__(self, x: Any, generator: torch.Generator | None = None, return_params: bool = False) -> Any:
        """Sample params for ``x`` and apply them; with ``return_params=True`` return ``(out, params)``.

        ``x`` is a clip or batch tensor (a tensor comes back), a :class:`~tempaug.core.sample.Sample` (a Sample
        comes back, with its labels, boxes, keypoints, masks and segments moved with the frames) or a dict
        with the same keys (a dict comes back).

        Example:
            >>> import torch, tempaug
            >>> out, params = tempaug.SpeedJitter()(torch.rand(8, 3, 4, 4), return_params=True)
            >>> out.shape, params.batch_size
            (torch.Size([8, 3, 4, 4]), 1)
        """
        if generator is not None and not isinstance(generator, torch.Generator):
            raise DTypeError(
                f"{self.name}: the second argument is the torch.Generator to draw from, got a "
                f"{type(generator).__name__}; labels travel with the clip in a sample: call "
                "op(tempaug.Sample(video=clips, label=labels)) (see the migration notes in docs/index.md)"
            )
        if isinstance(x, Tensor) and not self.mixes:
            check_clip(x, self.name)
            xb, lifted = lift(x)
            if self.blends:
                check_no_nan(self.name, xb)
            params = self.sample(xb.shape, generator=generator, device=xb.device)
            out = lower(self._apply(xb, params), lifted)
            return (out, params) if return_params else out
        video, targets, form = unpack(x, self.name)
        targets = self._require_targets(targets, video)
        if self.blends:
            check_no_nan(self.name, video)
        params = self.sample(video.shape, generator=generator, device=video.device)
        result, moved = self._apply_sample(video, targets, params)
        out = pack(form, result, moved, x)
        return (out, params) if return_params else out

    def _require_targets(self, targets: Targets | None, video: Tensor) -> Targets:
        """The targets of a sample; a bare tensor has none, which ops that need a label refuse."""
        if targets is None:
            if self.mixes:
                raise self._label_needed()
            times, origin = identity_times(video.shape[0], video.shape[1], video.device)
            return Targets(times=times, origin=origin)
        return targets

    def _label_needed(self) -> TargetsError:
        return TargetsError(
            f"{self.name}: mixes or makes clips together with their labels, so it needs a sample with a label: "
            "op(tempaug.Sample(video=clips, label=labels)), or a dict with 'video' and 'label'"
        )

    def output_shape(self, shape: Sequence[int]) -> Shape:
        """The shape ``__call__`` returns for an input of ``shape`` (clip or batch).

        Example:
            >>> import tempaug
            >>> tempaug.FrameInterpolate(factor=2).output_shape((8, 3, 16, 16))
            (15, 3, 16, 16)
        """
        full = batch_shape(shape, self.name)
        self._check_shape(full)
        out = self._output_shape(full)
        return tuple(out) if len(tuple(shape)) == 5 else tuple(out[1:])

    def output_dtype(self, dtype: torch.dtype) -> torch.dtype:
        """The dtype ``__call__`` returns for an input of ``dtype``: the same, unless an op converts it.

        Ops that convert (``ToFloat``, ``Normalize``, ...) override this; containers chain it through their children.

        Example:
            >>> import torch, tempaug
            >>> tempaug.Compose([tempaug.TemporalReverse()]).output_dtype(torch.uint8)
            torch.uint8
        """
        for child in self.children():
            dtype = child.output_dtype(dtype)
        return dtype

    # ----------------------------------------------------------------- targets
    def map_targets(self, targets: Targets, params: P, shape: Shape) -> Targets:
        """Move ``targets`` as the op moves the frames of a (B,T,C,H,W) batch of ``shape`` with ``params``.

        Every op says how it moves labels, boxes, keypoints, masks and segments: temporal ops through their
        time map, geometric ops through their space map, photometric ops leave targets as they are, mixers
        combine them. Targets depend only on the params and the shape, never on the pixels.

        Example:
            >>> import torch, tempaug
            >>> from tempaug.core.sample import unpack
            >>> op = tempaug.TemporalReverse()
            >>> video, targets, _ = unpack({"video": torch.zeros(3, 1, 2, 2)}, "op")
            >>> op.map_targets(targets, op.sample(video.shape), tuple(video.shape)).times.tolist()
            [[2.0, 1.0, 0.0]]
        """
        raise TargetsError(f"{self.name}: does not say how it moves targets; pass the clip as a bare tensor")

    def _apply_sample(self, x: Tensor, targets: Targets, params: P) -> tuple[Tensor, Targets]:
        """The op on a (B,T,C,H,W) batch and its targets: the frames by :meth:`_apply`, the targets by
        :meth:`map_targets`. Ops whose frames depend on the targets (``needs_targets``) override it."""
        shape = tuple(x.shape)
        return self._apply(x, params), self.map_targets(targets, params, shape)

    # ------------------------------------------------------------ for subclasses
    def _sample(self, shape: Shape, generator: torch.Generator | None) -> P:
        raise NotImplementedError

    def _apply(self, x: Tensor, params: P) -> Tensor:
        raise NotImplementedError

    def _output_shape(self, shape: Shape) -> Shape:
        return tuple(shape)

    def _check_shape(self, shape: Shape) -> None:
        """Raise a ShapeError when the op cannot take a batch of ``shape``."""

    def _check_params(self, params: P, shape: Shape) -> None:
        expected = self.params_type
        if not isinstance(params, expected):
            raise DTypeError(f"{self.name}: params must be {expected.__name__}, got {type(params).__name__}")
        if params.batch_size != shape[0]:
            raise ShapeError(
                f"{self.name}: params describe {params.batch_size} samples but the input batch has shape {tuple(shape)}"
            )

    def time_map(self, params: P, length: int) -> TimeMap:
        """The op's work as a TimeMap over ``length`` input frames (temporal ops only)."""
        raise NotImplementedError(f"{self.name} is not a temporal op")

    def space_map(self, params: P, shape: Shape) -> SpaceMap:
        """The op's work on a batch of ``shape`` as a SpaceMap (geometric ops only)."""
        raise NotImplementedError(f"{self.name} is not a geometric op")

    # ---------------------------------------------------------- serialisation
    def _arg_names(self) -> list[str]:
        return [p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "args", "kwargs")]

    def to_dict(self) -> dict[str, Any]:
        """Plain data naming the registered transform and its constructor arguments.

        Example:
            >>> import tempaug
            >>> tempaug.TemporalReverse(p=0.5).to_dict()
            {'name': 'TemporalReverse', 'p': 0.5}
        """
        return {"name": self.name, **{arg: _encode(getattr(self, arg)) for arg in self._arg_names()}}

    @classmethod
    def _decode_arg(cls, key: str, value: Any, where: str) -> Any:
        if isinstance(value, dict):
            return from_dict(value, where)
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            return [from_dict(v, f"{where}[{i}]") if isinstance(v, dict) else v for i, v in enumerate(value)]
        return value

    def __repr__(self) -> str:
        args = ", ".join(f"{arg}={getattr(self, arg)!r}" for arg in self._arg_names())
        return f"{self.name}({args})"


def _encode(value: Any) -> Any:
    if isinstance(value, Transform):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


# ----------------------------------------------------------------- gating
def _mask_shape(mask: Tensor, x: Tensor) -> Tensor:
    return mask.view(-1, *([1] * (x.dim() - 1)))


def apply_where(fn: Callable[[Tensor, P], Tensor], x: Tensor, params: P, mask: Tensor) -> Tensor:
    """``fn(x, params)`` for samples where ``mask`` (B,) is True; other samples stay as they are.

    On the CPU only the selected samples are computed; on an accelerator the
    whole batch is computed and selected with ``torch.where`` (no host sync).
    ``fn`` must keep the shape.

    Example:
        >>> import torch, tempaug
        >>> from tempaug.core.transform import apply_where
        >>> op, x = tempaug.TemporalReverse(), torch.arange(4.0).view(2, 2, 1, 1, 1)
        >>> apply_where(op._apply, x, op.sample(x.shape), torch.tensor([True, False])).flatten().tolist()
        [1.0, 0.0, 2.0, 3.0]
    """
    if mask.device.type == "cpu":
        count = int(mask.sum())
        if count == mask.shape[0]:
            return fn(x, params)
        if count == 0:
            return x
        idx = mask.nonzero().squeeze(1)
        out = x.clone()
        out[idx.to(x.device)] = fn(x[idx.to(x.device)], params[idx])
        return out
    return torch.where(_mask_shape(mask, x), fn(x, params), x)


def apply_select(
    fns: Sequence[Callable[[Tensor, Any], Tensor]],
    x: Tensor,
    params: Sequence[Params],
    choice: Tensor,
    out_shape: Shape,
) -> Tensor:
    """Per sample, ``fns[choice[b]]``; ``choice == -1`` leaves the sample unchanged (same shape only).

    Example:
        >>> import torch, tempaug
        >>> from tempaug.core.transform import apply_select
        >>> op, x = tempaug.TemporalReverse(), torch.arange(4.0).view(2, 2, 1, 1, 1)
        >>> apply_select([op._apply], x, [op.sample(x.shape)], torch.tensor([-1, 0]), x.shape).flatten().tolist()
        [0.0, 1.0, 3.0, 2.0]
    """
    if choice.device.type == "cpu":
        out: Tensor | None = None
        for k in choice.unique().tolist():
            idx = (choice == k).nonzero().squeeze(1)
            part = x[idx.to(x.device)] if k < 0 else fns[k](x[idx.to(x.device)], params[k][idx])
            if idx.shape[0] == choice.shape[0]:
                return part
            if out is None:
                out = x.new_empty(out_shape)
            out[idx.to(x.device)] = part
        return out if out is not None else x.new_empty(out_shape)
    acc = x if tuple(x.shape) == tuple(out_shape) else None
    for k, fn in enumerate(fns):
        result = fn(x, params[k])
        acc = result if acc is None else torch.where(_mask_shape(choice == k, x), result, acc)
    return acc if acc is not None else x.new_empty(out_shape)


# ------------------------------------------------------------- frame-wise ops
class FrameTransform(Transform[P]):
    """Base of ops that act inside frames (spatial, photometric): output frame t depends on input frame t only.

    Subclasses implement ``_sample(shape, generator)`` (its params start with the ``p`` gate
    ``applied``, e.g. from :func:`tempaug.core.rng.gate`) and ``_transform(x, params)``, which
    acts on every sample of a (B,T,C,H,W) batch; the base applies the gate, computing only the
    gated samples on the CPU and selecting with ``torch.where`` elsewhere.

    Example:
        >>> import tempaug
        >>> issubclass(tempaug.TemporalReverse, tempaug.core.transform.FrameTransform)
        False
    """

    abstract = True

    def map_targets(self, targets: Targets, params: P, shape: Shape) -> Targets:
        """Photometric ops change pixel values only: every target stays as it is (the same tensors)."""
        return targets

    def _transform(self, x: Tensor, params: P) -> Tensor:
        raise NotImplementedError

    def _apply(self, x: Tensor, params: P) -> Tensor:
        if self.p >= 1.0:
            return self._transform(x, params)
        return apply_where(self._transform, x, params, params.applied)


# --------------------------------------------------------------- temporal ops
@dataclasses.dataclass(frozen=True, eq=False)
class TemporalParams(Params):
    """Params of a temporal op.

    Attributes:
        applied: (B,) bool, the ``p`` gate.
        positions: (B, T_out) float32 source position of every output frame (whole numbers
            gather a frame, fractions blend two). Use it to remap per-frame labels or timestamps.
    """

    positions: Tensor


class TemporalTransform(Transform[TP]):
    """Base of ops that only re-time a clip: they draw source positions, the resampler does the rest.

    Subclasses implement ``_positions(shape, generator) -> (positions, extra_fields)``
    and, when they change the length, ``_output_shape``.

    Example:
        >>> import torch, tempaug
        >>> params = tempaug.TemporalReverse().sample((1, 4, 1, 1, 1))
        >>> params.positions.tolist()
        [[3.0, 2.0, 1.0, 0.0]]
    """

    abstract = True
    temporal: ClassVar[bool] = True
    params_type: ClassVar[type[Any]] = TemporalParams

    def _positions(self, shape: Shape, generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def _sample(self, shape: Shape, generator: torch.Generator | None) -> TP:
        b, t = shape[0], shape[1]
        applied = rng.gate(b, self.p, generator)
        positions, extra = self._positions(shape, generator)
        positions = positions.to(torch.float32)
        if self.blends:  # snap float noise (< 1e-4 frame) to whole frames so exact maps stay exact
            nearest = torch.round(positions)
            positions = torch.where((positions - nearest).abs() < 1e-4, nearest, positions)
            positions = torch.where(positions >= t, positions - t, positions)
        if self.p < 1.0 and positions.shape[-1] == t:
            identity = torch.arange(t, dtype=torch.float32, device=positions.device).expand(b, t)
            positions = torch.where(applied.view(-1, 1), positions, identity)
        return self.params_type(applied=applied, positions=positions, **extra)

    def _check_params(self, params: TP, shape: Shape) -> None:
        super()._check_params(params, shape)
        positions = params.positions
        expected = self._output_shape(tuple(shape))[1]
        if positions.shape[-1] != expected:
            raise ShapeError(
                f"{self.name}: params hold {positions.shape[-1]} positions but an input of shape {tuple(shape)} "
                f"gives {expected} frames"
            )
        t = shape[1]
        if (
            positions.device.type == "cpu"
            and positions.numel()
            and not bool(((positions >= 0) & (positions < t)).all())
        ):
            raise ShapeError(
                f"{self.name}: params hold source positions in [{positions.min().item():g}, {positions.max().item():g}] "
                f"that do not fit an input of {t} frames (shape {tuple(shape)}); were they drawn for another clip length?"
            )

    def time_map(self, params: TP, length: int) -> TimeMap:
        """The op's positions as a TimeMap over ``length`` input frames.

        Example:
            >>> import tempaug
            >>> op = tempaug.TemporalReverse()
            >>> op.time_map(op.sample((1, 3, 1, 1, 1)), 3).index.tolist()
            [[2, 1, 0]]
        """
        return positions_to_map(params.positions, length, blends=self.blends)

    def _apply(self, x: Tensor, params: TP) -> Tensor:
        return apply_map(x, self.time_map(params, x.shape[1]))

    def map_targets(self, targets: Targets, params: TP, shape: Shape) -> Targets:
        """Per-frame targets follow the op's time map (see :func:`tempaug.core.moves.move_in_time`)."""
        return move_in_time(targets, self.time_map(params, shape[1]))


def gated_time_map(tmap: TimeMap, mask: Tensor, length: int, where: str) -> TimeMap:
    """``tmap`` where ``mask`` holds and the identity elsewhere; refuses maps that change the length.

    Example:
        >>> import torch
        >>> from tempaug.functional.temporal import TimeMap
        >>> from tempaug.core.transform import gated_time_map
        >>> gated_time_map(TimeMap(torch.tensor([[1, 0]])), torch.tensor([False]), 2, "op").index.tolist()
        [[0, 1]]
    """
    if tmap.length != length:
        raise InvalidArgumentError(
            f"{where}: cannot skip an op that changes the length from {length} to {tmap.length} frames for some "
            "samples of a batch only"
        )
    return gate_map(tmap, mask)
