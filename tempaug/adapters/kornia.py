"""Run 2D kornia augmentations over the frames of clips and batches: one draw per clip, replayably.

:class:`FromKornia` draws kornia's parameters once per clip, for a batch of B frames of the
clip's frame size, repeats each clip's row over its T frames, and runs the augmentation once
on all B*T frames with ``aug(frames, params=...)``, as ``kornia.augmentation.VideoSequential``
does: every frame of a clip gets the same flip, affine map or colour change.

Randomness: kornia draws from torch's global generator. The adapter draws one seed from
tempaug's generator and calls ``aug.forward_parameters`` inside ``torch.random.fork_rng`` seeded
with it, so ``torch.manual_seed`` or an explicit ``generator`` decide everything and the global
generator's state is left as it was. The drawn tensors are stored in the params (one row per clip),
so ``apply(x, params)`` replays exactly without drawing again. Params kornia draws once per call
rather than per sample (``ColorJiggle``'s ``order``) are kept once per clip in ``shared``; clips
whose shared params differ are run in separate calls.

Data: kornia works on float frames. float16, bfloat16, float32 and float64 clips are augmented in
their own dtype (kornia expects values in [0, 1]); uint8 clips are scaled to float32 in [0, 1],
augmented, then scaled back, rounded and clamped to uint8. The work happens on the clip's device.

Shapes: an augmentation that changes the frame size (``RandomCrop``, ``Resize``) is supported; the
output size is found by running the augmentation once on a blank frame of that size and cached per
frame size. It needs ``p=1`` on the kornia augmentation, since kornia leaves the frames it skips
at their size.

Supported augmentations and serialisation: any 2D augmentation of ``kornia.augmentation``
(a subclass of ``AugmentationBase2D``: flips, affine maps, crops, colour, noise, blur, erasing...)
runs. Mix augmentations (``RandomMixUpV2``, ``RandomCutMixV2``, ``RandomMosaic``, ``RandomJigsaw``)
and containers are refused, as they mix the frames of a batch, and so are ``RandomChannelDropout``
(its params index the batch) and ``RandomDissolving`` (it draws while applying). ``to_dict`` stores
the class name and the constructor arguments, which it reads back from the instance and checks by
rebuilding it; that works for augmentations built from plain data (numbers, strings, booleans,
None, tuples of those, kornia's enums, small tensors of numbers), such as ``RandomHorizontalFlip``,
``RandomVerticalFlip``, ``RandomAffine``, ``RandomShear``, ``RandomPerspective``, ``ColorJiggle``,
``ColorJitter``, ``RandomBrightness``, ``RandomContrast``, ``RandomGrayscale``,
``RandomGaussianNoise``, ``RandomGaussianBlur``, ``RandomErasing``, ``RandomCrop``,
``RandomResizedCrop``, ``CenterCrop``, ``Resize`` and ``Normalize``. Augmentations that keep an
argument in a form that cannot be read back (``RandomRotation``, ``RandomRotation90``,
``RandomFisheye``) run, but raise a SerializationError when written; ``RandomAffine(degrees=...)``
is a rotation that can be stored. Reading looks the class name up only among the attributes of
``kornia.augmentation`` and checks that it is a 2D augmentation; no module named in a file is
imported.

Example:
    >>> import kornia.augmentation as K, torch, tempaug
    >>> op = tempaug.FromKornia(K.RandomAffine(degrees=30.0, p=1.0))
    >>> batch = torch.rand(2, 4, 3, 8, 8)
    >>> out, params = op(batch, generator=torch.Generator().manual_seed(0), return_params=True)
    >>> params.kornia["angle"].shape, torch.equal(op.apply(batch, params), out)
    (torch.Size([2]), True)
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
from enum import Enum
from typing import Any, ClassVar

import kornia.augmentation as K
import torch
from kornia.augmentation import AugmentationBase2D, IntensityAugmentationBase2D
from torch import Tensor

from ..core import rng
from ..core.errors import InvalidArgumentError, SerializationError, ShapeError
from ..core.params import Params
from ..core.sample import Targets, TargetsError
from ..core.transform import FrameTransform, Shape

__all__ = ["FromKornia", "FromKorniaParams"]

#: The seed of kornia's draw is uniform in [0, SEED_RANGE).
SEED_RANGE = 2**62

FrameShape = tuple[int, int, int]

#: kornia's abstract bases: subclasses of AugmentationBase2D that are not augmentations themselves.
_BASES = tuple(
    cls
    for cls in (
        vars(K).get(name)
        for name in (
            "AugmentationBase2D",
            "GeometricAugmentationBase2D",
            "IntensityAugmentationBase2D",
            "RigidAffineAugmentationBase2D",
        )
    )
    if cls is not None
)


#: 2D augmentations the adapter refuses, and why.
_UNSUPPORTED = {
    "RandomChannelDropout": "its params name samples of the batch by index, which do not carry over to frames",
    "RandomDissolving": "it draws during application, so it cannot replay",
}


@dataclasses.dataclass(frozen=True, eq=False)
class FromKorniaParams(Params):
    """Params of :class:`FromKornia`.

    Attributes:
        applied: (B,) bool, the ``p`` gate.
        kornia: the tensors kornia drew, one row per clip, under kornia's names (e.g. ``angle`` (B,)
            for ``RandomAffine``; ``batch_prob`` (B,) is kornia's own ``p`` gate).
        shared: the tensors kornia draws once per call rather than per sample (e.g. ``order`` for
            ``ColorJiggle``), one copy per clip.
    """

    kornia: dict[str, Tensor]
    shared: dict[str, Tensor]


class FromKornia(FrameTransform[FromKorniaParams]):
    """Run a 2D kornia augmentation over the frames of a clip or batch, one parameter draw per clip.

    Args:
        augmentation: an instance of a 2D augmentation of ``kornia.augmentation``
            (``K.RandomAffine(degrees=10)``, ``K.ColorJiggle(0.2, 0.2)``, ...).
        p: probability, per sample, of running the augmentation (kornia's own ``p`` still applies
            inside, per clip).

    Example:
        >>> import kornia.augmentation as K, torch, tempaug
        >>> op = tempaug.FromKornia(K.ColorJiggle(brightness=0.3, contrast=0.3, p=1.0))
        >>> clip = torch.rand(1, 3, 4, 4).expand(5, 3, 4, 4)       # five equal frames
        >>> out = op(clip, generator=torch.Generator().manual_seed(0))
        >>> all(torch.equal(out[0], frame) for frame in out)         # stay equal: one draw per clip
        True
    """

    params_type: ClassVar[type[Any]] = FromKorniaParams

    def __init__(self, augmentation: AugmentationBase2D, p: float = 1.0) -> None:
        super().__init__(p=p)
        if not isinstance(augmentation, AugmentationBase2D):
            raise InvalidArgumentError(
                f"{self.name}: augmentation must be a 2D augmentation of kornia.augmentation, "
                f"got {type(augmentation).__name__}",
                arg="augmentation",
            )
        why = _UNSUPPORTED.get(type(augmentation).__name__)
        if why is not None:
            raise InvalidArgumentError(
                f"{self.name}: {type(augmentation).__name__} cannot run under the adapter: {why}", arg="augmentation"
            )
        self.augmentation = augmentation
        self._per_sample: dict[FrameShape, frozenset[str]] = {}
        self._frame_shapes: dict[FrameShape, FrameShape] = {}

    @property
    def _kind(self) -> str:
        return type(self.augmentation).__name__

    # ------------------------------------------------------------------ contract
    def _sample(self, shape: Shape, generator: torch.Generator | None) -> FromKorniaParams:
        b = shape[0]
        frame = (shape[2], shape[3], shape[4])
        applied = rng.gate(b, self.p, generator)
        seed = int(torch.randint(0, SEED_RANGE, (1,), generator=generator, device=rng.generator_device(generator)))
        per_sample = self._per_sample_keys(frame)
        drawn = self._draw(max(b, 1), frame, seed)
        kornia: dict[str, Tensor] = {}
        shared: dict[str, Tensor] = {}
        for key, value in drawn.items():
            if key == "forward_input_shape":  # the input's shape: set again for each call
                continue
            if not isinstance(value, Tensor):
                raise InvalidArgumentError(
                    f"{self.name}: {self._kind} drew {key!r} as a {type(value).__name__}; the adapter keeps tensors only"
                )
            value = value.to(applied.device)
            if key in per_sample:
                kornia[key] = value[:b]
            else:
                shared[key] = value.unsqueeze(0).expand(b, *value.shape).clone()
        return FromKorniaParams(applied=applied, kornia=kornia, shared=shared)

    def _check_params(self, params: FromKorniaParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        expected = set(self._per_sample_keys((shape[2], shape[3], shape[4])))
        got = set(params.kornia)
        if not expected <= got:
            raise ShapeError(
                f"{self.name}: params for {self._kind} lack {sorted(expected - got)}; were they drawn by another op?"
            )

    def _check_shape(self, shape: Shape) -> None:
        self._frame_shape((shape[2], shape[3], shape[4]))

    def _output_shape(self, shape: Shape) -> Shape:
        c, h, w = self._frame_shape((shape[2], shape[3], shape[4]))
        return (shape[0], shape[1], c, h, w)

    def map_targets(self, targets: Targets, params: FromKorniaParams, shape: Shape) -> Targets:
        """Intensity augmentations leave targets as they are; for a geometric one the adapter cannot say where
        boxes, keypoints or masks go, so a sample holding them is refused."""
        if targets.spatial and not isinstance(self.augmentation, IntensityAugmentationBase2D):
            raise TargetsError(
                f"{self.name}: {self._kind} moves pixels, and the adapter cannot move boxes, keypoints or masks with "
                "them; use tempaug's own geometric ops for samples that hold them"
            )
        return targets

    def _transform(self, x: Tensor, params: FromKorniaParams) -> Tensor:
        out_shape = self._output_shape(tuple(x.shape))
        if x.shape[0] == 0:
            return x.new_empty(out_shape)
        work = x.to(torch.float32).div_(255) if x.dtype == torch.uint8 else x
        kornia: dict[str, Tensor] = params.kornia
        groups = _groups(params.shared, x.shape[0])
        if len(groups) == 1:
            out = self._run(work, kornia, groups[0][1])
        else:
            out = work.new_empty(out_shape)
            for index, shared in groups:
                out[index] = self._run(work[index], {k: v[index] for k, v in kornia.items()}, shared)
        if tuple(out.shape) != out_shape:
            raise ShapeError(
                f"{self.name}: {self._kind} turned frames of shape {tuple(x.shape[2:])} into {tuple(out.shape[2:])}, "
                f"but a first run on frames of that size gave {out_shape[2:]}"
            )
        if x.dtype == torch.uint8:
            return out.mul(255).round_().clamp_(0, 255).to(torch.uint8)
        return out.to(x.dtype)

    # ------------------------------------------------------------------ helpers
    def _run(self, frames: Tensor, kornia: dict[str, Tensor], shared: dict[str, Tensor]) -> Tensor:
        """The augmentation on (n,T,C,H,W) ``frames``, each clip's row of params repeated over its frames."""
        n, t, c, h, w = frames.shape
        params = {key: value.repeat_interleave(t, dim=0) for key, value in kornia.items()}
        params.update(shared)
        params["forward_input_shape"] = torch.tensor([n * t, c, h, w], dtype=torch.long)
        out = self.augmentation(frames.reshape(n * t, c, h, w), params=params)
        return out.reshape(n, t, *out.shape[1:])

    def _draw(self, batch: int, frame: FrameShape, seed: int) -> dict[str, Any]:
        """kornia's params for ``batch`` frames of ``frame`` (C,H,W), drawn with torch's generator seeded by ``seed``."""
        device = torch.device(getattr(self.augmentation, "device", "cpu"))
        accelerator = device.type != "cpu"
        with torch.random.fork_rng(devices=[device] if accelerator else [], device_type=device.type):
            torch.random.default_generator.manual_seed(seed)
            if accelerator:  # kornia samples where the augmentation was moved
                module = getattr(torch, device.type)
                if hasattr(module, "device"):
                    with module.device(device):
                        module.manual_seed(seed)
                else:
                    module.manual_seed(seed)
            return dict(self.augmentation.forward_parameters(torch.Size((batch, *frame))))

    def _per_sample_keys(self, frame: FrameShape) -> frozenset[str]:
        """Names of kornia's params that have one row per sample (found from draws for 1 and 2 samples)."""
        if frame not in self._per_sample:
            one, two = self._draw(1, frame, 0), self._draw(2, frame, 0)
            self._per_sample[frame] = frozenset(
                key
                for key, value in two.items()
                if key != "forward_input_shape"
                and isinstance(value, Tensor)
                and value.dim() > 0
                and value.shape[0] == 2
                and isinstance(one.get(key), Tensor)
                and one[key].dim() > 0
                and one[key].shape[0] == 1
            )
        return self._per_sample[frame]

    def _frame_shape(self, frame: FrameShape) -> FrameShape:
        """(C,H,W) of the frames the augmentation makes from ``frame``-sized ones, from one cached blank run."""
        if frame not in self._frame_shapes:
            try:
                params = self._draw(1, frame, 0)
                if "batch_prob" in params:
                    params["batch_prob"] = torch.ones_like(params["batch_prob"])
                out = self.augmentation(torch.zeros(1, *frame), params=params)
            except Exception as err:  # any failure of kornia on this frame size
                raise ShapeError(
                    f"{self.name}: {self._kind} cannot run on frames of (C,H,W) {frame}: {type(err).__name__}: {err}"
                ) from err
            out_frame = (int(out.shape[-3]), int(out.shape[-2]), int(out.shape[-1]))
            aug = self.augmentation
            if out_frame != frame and (aug.p < 1 or aug.p_batch < 1):
                raise ShapeError(
                    f"{self.name}: {self._kind} turns frames of (C,H,W) {frame} into {out_frame} but has "
                    f"p={aug.p}, p_batch={aug.p_batch}; kornia leaves the frames it skips at their size, "
                    "so give it p=1"
                )
            self._frame_shapes[frame] = out_frame
        return self._frame_shapes[frame]

    # ------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """The adapter's arguments, the augmentation as its kornia class name and constructor arguments.

        Example:
            >>> import kornia.augmentation as K, tempaug
            >>> tempaug.FromKornia(K.RandomHorizontalFlip(p=0.5)).to_dict()["augmentation"]
            {'class': 'RandomHorizontalFlip', 'p': 0.5, 'p_batch': 1.0, 'same_on_batch': False, 'keepdim': False}
        """
        return {"name": self.name, "augmentation": _encode(self.augmentation, f"{self.name}.augmentation"), "p": self.p}

    @classmethod
    def _decode_arg(cls, key: str, value: Any, where: str) -> Any:
        if key != "augmentation":
            return super()._decode_arg(key, value, where)
        return _decode(value, where)


# ---------------------------------------------------------------- grouping
def _groups(shared: dict[str, Tensor], batch: int) -> list[tuple[Tensor | None, dict[str, Tensor]]]:
    """Samples that share the same once-per-call params: (index or None for all, those params)."""
    if not shared:
        return [(None, {})]
    flat = torch.cat([v.reshape(batch, -1).to(torch.float64) for v in shared.values()], dim=1)
    rows, inverse = torch.unique(flat, dim=0, return_inverse=True)
    if rows.shape[0] == 1:
        return [(None, {key: value[0] for key, value in shared.items()})]
    groups = []
    for g in range(rows.shape[0]):
        index = (inverse == g).nonzero().squeeze(1)
        groups.append((index, {key: value[index[0]] for key, value in shared.items()}))
    return groups


# ------------------------------------------------------------ serialisation
def _plain(value: Any, where: str) -> Any:
    if isinstance(value, Enum):
        return value.name
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Tensor) and value.numel() <= 64 and not value.is_complex():
        return value.tolist()  # kornia keeps some number arguments as tensors; they are built back from numbers
    raise SerializationError(
        f"{where}: a {type(value).__name__} cannot be written to a file; FromKornia stores augmentations whose "
        "arguments are numbers, strings, booleans, None or tuples of those"
    )


def _tuples(value: Any) -> Any:
    """Lists read from a file become tuples, the form kornia's arguments take."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _constructor_args(aug: AugmentationBase2D, where: str) -> dict[str, Any]:
    """The constructor arguments of ``aug``, read from its flags, its attributes and its parameter generator."""
    generator = getattr(aug, "_param_generator", None)
    sources = [aug.flags, vars(aug), vars(generator) if generator is not None else {}]
    args: dict[str, Any] = {}
    for name, parameter in inspect.signature(type(aug).__init__).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        for source, key in itertools.product(sources, (name, *_STORED_AS.get(name, ()))):
            if key in source:
                args[name] = source[key]
                break
        else:
            if parameter.default is inspect.Parameter.empty:
                raise SerializationError(
                    f"{where}.{name}: the value of {type(aug).__name__}'s argument {name!r} cannot be read back"
                )
    return args


#: Other names under which kornia keeps some constructor arguments (checked by rebuilding, like every other).
_STORED_AS = {"max_size": ("size",), "order": ("_fixed_order",)}

_SKIP = ("_params", "training", "_transform_matrix", "_lazy_matrix_args")
_HOOKS = ("_forward", "_backward", "_state_dict", "_load_state_dict", "_non_persistent", "_is_full_backward")


def _fingerprint(obj: Any, depth: int = 0) -> Any:
    """Comparable summary of an augmentation's configuration (not its last draw)."""
    if isinstance(obj, Tensor):
        return ("tensor", str(obj.dtype), tuple(obj.shape), obj.detach().cpu().reshape(-1).tolist())
    if isinstance(obj, (list, tuple)):
        return ("seq", tuple(_fingerprint(v, depth + 1) for v in obj))
    if isinstance(obj, dict):
        items = sorted(((str(k), v) for k, v in obj.items()), key=lambda kv: kv[0])
        return ("map", tuple((k, _fingerprint(v, depth + 1)) for k, v in items if not k.startswith(_SKIP + _HOOKS)))
    module = type(obj).__module__ or ""
    if depth < 8 and hasattr(obj, "__dict__") and (module.startswith(("kornia", "torch.distributions"))):
        return (type(obj).__qualname__, _fingerprint(vars(obj), depth + 1))
    return repr(obj)


def _encode(aug: AugmentationBase2D, where: str) -> dict[str, Any]:
    cls = type(aug)
    if vars(K).get(cls.__name__) is not cls:
        raise SerializationError(f"{where}: {cls.__qualname__} is not a class of kornia.augmentation")
    args = {name: _plain(value, f"{where}.{name}") for name, value in _constructor_args(aug, where).items()}
    try:  # what reading the file back will build
        rebuilt = cls(**{name: _tuples(value) for name, value in args.items()})
    except Exception as err:  # noqa: BLE001 - kornia's own checks of the recovered arguments
        raise SerializationError(f"{where}: cannot rebuild {cls.__name__} from its arguments: {err}") from None
    if _fingerprint(rebuilt) != _fingerprint(aug):
        raise SerializationError(
            f"{where}: the constructor arguments of this {cls.__name__} cannot be read back from it; FromKornia "
            "stores augmentations whose arguments are numbers, strings, booleans, None or tuples of those"
        )
    return {"class": cls.__name__, **args}


def _decode(value: Any, where: str) -> AugmentationBase2D:
    if not isinstance(value, dict):
        raise SerializationError(f"{where}: expected a mapping with a 'class' entry, got {type(value).__name__}")
    name = value.get("class")
    if not isinstance(name, str):
        raise SerializationError(f"{where}.class: missing (the name of a kornia.augmentation class)")
    cls = vars(K).get(name) if name.isidentifier() and not name.startswith("_") else None
    if not (isinstance(cls, type) and issubclass(cls, AugmentationBase2D)) or cls in _BASES:
        raise SerializationError(f"{where}.class: {name!r} is not a 2D augmentation of kornia.augmentation")
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    args = {}
    for key, arg in value.items():
        if key == "class":
            continue
        if key not in accepted:
            raise SerializationError(f"{where}.{key}: unknown argument for kornia's {name}; expected one of {accepted}")
        args[key] = _tuples(arg)
    try:
        return cls(**args)
    except Exception as err:  # noqa: BLE001 - kornia's own checks of the arguments
        raise SerializationError(f"{where}: kornia could not build {name}: {type(err).__name__}: {err}") from None
