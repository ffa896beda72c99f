"""Run any albumentations transform over the frames of clips and batches, replayably.

:class:`FromAlbumentations` hands each clip's frames to albumentations in one call,
``transform(images=frames)``, which applies one parameter draw to every image it is given:
with ``vary="clip"`` every frame of a clip gets the same flip, crop or colour change, with
``vary="frame"`` each frame is a call of its own and draws its own.

Randomness: the params hold one integer seed per clip (or per frame), drawn from tempaug's
generator, and the adapter seeds the wrapped transform with it right before each call
(``set_random_state`` with a fresh ``numpy.random.Generator`` and ``random.Random``, shared by
every child of a pipeline). So ``torch.manual_seed`` or an explicit ``generator`` decide
everything, ``apply(x, params)`` replays exactly, and a seed given to ``A.Compose(seed=...)``
has no effect here.

Data: frames go from torch (T,C,H,W) to numpy (T,H,W,C) and back. uint8 stays uint8 and float32
stays float32 (albumentations expects floats in [0, 1]); float16, bfloat16 and float64 frames are
computed in float32 and converted back to their dtype. Albumentations runs on the CPU: a batch on
an accelerator is copied to the CPU and the result copied back, and ``apply`` reads the seeds on
the host. A transform that changes the dtype (``A.ToFloat``) is refused with a DTypeError.

Shapes: the output size may differ from the input's (``A.RandomCrop``, ``A.Resize``). To declare
it, ``output_shape`` runs the transform once on a blank frame of that size (uint8, or float32 when
the transform refuses uint8) and caches the result per frame size; a transform whose output size
depends on the random draw (``A.RandomScale``) is refused with a ShapeError when a run disagrees.

Serialisation goes through albumentations' own ``A.to_dict`` / ``A.from_dict``, which build only
classes in albumentations' registry; nothing named in a file is imported.

Importing this module imports albumentations with its update check off (it would otherwise query
PyPI), unless ``NO_ALBUMENTATIONS_UPDATE`` is already set.

Example:
    >>> import albumentations as A, torch, tempaug
    >>> op = tempaug.FromAlbumentations(A.Compose([A.HorizontalFlip(), A.RandomCrop(8, 8)]))
    >>> clip = torch.randint(0, 256, (4, 3, 16, 16), dtype=torch.uint8)
    >>> out, params = op(clip, generator=torch.Generator().manual_seed(0), return_params=True)
    >>> tuple(out.shape), out.dtype, torch.equal(op.apply(clip, params), out)
    ((4, 3, 8, 8), torch.uint8, True)
"""

from __future__ import annotations

import dataclasses
import os
import random
import threading
from enum import Enum
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # its import would otherwise ask PyPI for a newer version

import albumentations as A
from albumentations.core.composition import BaseCompose
from albumentations.core.serialization import SERIALIZABLE_REGISTRY, shorten_class_name
from albumentations.core.transforms_interface import BasicTransform

from ..core import rng
from ..core.errors import DTypeError, InvalidArgumentError, SerializationError, ShapeError
from ..core.params import Params
from ..core.sample import Targets, TargetsError
from ..core.transform import FrameTransform, Shape
from ..core.validation import check_choice

__all__ = ["FromAlbumentations", "FromAlbumentationsParams"]

#: Seeds are drawn uniformly from [0, SEED_RANGE).
SEED_RANGE = 2**32

FrameShape = tuple[int, int, int]


@dataclasses.dataclass(frozen=True, eq=False)
class FromAlbumentationsParams(Params):
    """Params of :class:`FromAlbumentations`.

    Attributes:
        applied: (B,) bool, the ``p`` gate.
        seed: int64 seeds albumentations draws from: (B,) with ``vary="clip"`` (one draw per clip),
            (B, T) with ``vary="frame"`` (one draw per frame).
    """

    seed: Tensor


def _pixel_only(transform: Any) -> bool:
    """True when ``transform`` (or every transform of a pipeline) only changes pixel values."""
    if isinstance(transform, BaseCompose):
        return all(_pixel_only(t) for t in transform.transforms)
    return isinstance(transform, A.ImageOnlyTransform)


class FromAlbumentations(FrameTransform[FromAlbumentationsParams]):
    """Run an albumentations transform or pipeline over the frames of a clip or batch.

    Args:
        transform: any albumentations transform or pipeline (``A.Compose``, ``A.OneOf``, ...). The
            adapter reseeds it before every call, so one instance should not run in two threads at
            once outside the adapter (the adapter itself serialises its calls with a lock).
        vary: ``"clip"`` draws albumentations' parameters once per clip and applies them to every
            frame; ``"frame"`` draws them for each frame on its own.
        p: probability, per sample, of running the transform (the transform's own ``p`` still
            applies inside).

    Example:
        >>> import albumentations as A, torch, tempaug
        >>> op = tempaug.FromAlbumentations(A.ColorJitter(p=1.0), vary="clip")
        >>> clip = torch.randint(0, 256, (1, 3, 4, 4), dtype=torch.uint8).expand(3, 3, 4, 4)
        >>> out = op(clip, generator=torch.Generator().manual_seed(0))
        >>> torch.equal(out[0], out[1]) and torch.equal(out[0], out[2])   # one draw for the clip
        True
    """

    params_type: ClassVar[type[Any]] = FromAlbumentationsParams
    VARY_MODES = ("clip", "frame")

    def __init__(self, transform: BasicTransform | BaseCompose, vary: str = "clip", p: float = 1.0) -> None:
        super().__init__(p=p)
        if not isinstance(transform, (BasicTransform, BaseCompose)):
            raise InvalidArgumentError(
                f"{self.name}: transform must be an albumentations transform or pipeline, "
                f"got {type(transform).__name__}",
                arg="transform",
            )
        self.transform = transform
        self.vary = check_choice(self.name, "vary", vary, self.VARY_MODES)
        self._lock = threading.Lock()
        self._frame_shapes: dict[FrameShape, FrameShape] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ contract
    def _sample(self, shape: Shape, generator: torch.Generator | None) -> FromAlbumentationsParams:
        b, t = shape[0], shape[1]
        applied = rng.gate(b, self.p, generator)
        size = (b,) if self.vary == "clip" else (b, t)
        seed = torch.randint(0, SEED_RANGE, size, generator=generator, device=rng.generator_device(generator))
        return FromAlbumentationsParams(applied=applied, seed=seed)

    def _check_params(self, params: FromAlbumentationsParams, shape: Shape) -> None:
        super()._check_params(params, shape)
        expected = (shape[0],) if self.vary == "clip" else (shape[0], shape[1])
        seed = params.seed
        if tuple(seed.shape) != expected:
            raise ShapeError(
                f"{self.name}: params hold seeds of shape {tuple(seed.shape)}, but vary={self.vary!r} and an input "
                f"of shape {tuple(shape)} need {expected}"
            )

    def _output_shape(self, shape: Shape) -> Shape:
        c, h, w = self._frame_shape(shape[2], shape[3], shape[4])
        return (shape[0], shape[1], c, h, w)

    def _check_shape(self, shape: Shape) -> None:
        self._frame_shape(shape[2], shape[3], shape[4])

    def map_targets(self, targets: Targets, params: FromAlbumentationsParams, shape: Shape) -> Targets:
        """Pixel-only albumentations transforms leave targets as they are; for one that moves pixels the adapter
        cannot say where boxes, keypoints or masks go, so a sample holding them is refused."""
        if targets.spatial and not _pixel_only(self.transform):
            raise TargetsError(
                f"{self.name}: {type(self.transform).__name__} may move pixels, and the adapter cannot move boxes, "
                "keypoints or masks with them; use tempaug's own geometric ops for samples that hold them"
            )
        return targets

    def _transform(self, x: Tensor, params: FromAlbumentationsParams) -> Tensor:
        b, t = x.shape[0], x.shape[1]
        _, _, oc, oh, ow = self._output_shape(tuple(x.shape))
        work = torch.uint8 if x.dtype == torch.uint8 else torch.float32
        out = torch.empty((b, t, oh, ow, oc), dtype=work)
        frames = x.detach().to(device="cpu", dtype=work).permute(0, 1, 3, 4, 2).numpy()
        seeds = params.seed.tolist()
        for i in range(b):
            runs = (
                [(slice(0, t), seeds[i])]
                if self.vary == "clip"
                else [(slice(k, k + 1), s) for k, s in enumerate(seeds[i])]
            )
            for frame_slice, seed in runs:
                # A contiguous copy: albumentations may write into its input.
                out[i, frame_slice] = torch.from_numpy(self._run(np.array(frames[i, frame_slice]), seed, (oh, ow, oc)))
        return out.permute(0, 1, 4, 2, 3).contiguous().to(device=x.device, dtype=x.dtype)

    # ------------------------------------------------------------------ helpers
    def _call(self, frames: np.ndarray, seed: int) -> np.ndarray:
        """The wrapped transform on (N,H,W,C) ``frames`` with one parameter draw seeded by ``seed``."""
        with self._lock:
            self.transform.set_random_state(np.random.default_rng(seed), random.Random(seed))
            result = np.array(self.transform(images=frames)["images"], order="C")  # a copy: flips return views
        return result[..., None] if result.ndim == 3 else result

    def _run(self, frames: np.ndarray, seed: int, expected: FrameShape) -> np.ndarray:
        result = self._call(frames, seed)
        if result.dtype != frames.dtype:
            raise DTypeError(
                f"{self.name}: {type(self.transform).__name__} turned {frames.dtype} frames into {result.dtype}; "
                "the adapter keeps the clip's dtype, so convert the clip outside it instead"
            )
        if result.shape != (frames.shape[0], *expected):
            raise ShapeError(
                f"{self.name}: {type(self.transform).__name__} turned {frames.shape[0]} frames of (H,W,C) "
                f"{frames.shape[1:]} into {result.shape}, but a first run on frames of that size gave {expected}; "
                "the adapter needs transforms whose output size does not depend on the random draw"
            )
        return result

    def _frame_shape(self, c: int, h: int, w: int) -> FrameShape:
        """(C,H,W) of the frames the transform makes from (c,h,w) frames, from one cached run on a blank frame."""
        key = (c, h, w)
        if key not in self._frame_shapes:
            error: Exception | None = None
            for dtype in (np.uint8, np.float32):
                try:
                    result = self._call(np.zeros((1, h, w, c), dtype=dtype), 0)
                except Exception as err:  # noqa: BLE001 - any failure of the wrapped library on this frame size
                    error = error or err
                    continue
                if result.ndim != 4 or result.shape[0] != 1:
                    raise ShapeError(
                        f"{self.name}: {type(self.transform).__name__} turned one frame of (H,W,C) {(h, w, c)} "
                        f"into an array of shape {result.shape}"
                    )
                self._frame_shapes[key] = (result.shape[3], result.shape[1], result.shape[2])
                break
            else:
                raise ShapeError(
                    f"{self.name}: {type(self.transform).__name__} cannot run on frames of (C,H,W) {key}: "
                    f"{type(error).__name__}: {error}"
                ) from error
        return self._frame_shapes[key]

    # ------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """The adapter's arguments, the transform as albumentations' own ``A.to_dict`` writes it.

        Example:
            >>> import albumentations as A, tempaug
            >>> d = tempaug.FromAlbumentations(A.HorizontalFlip(p=0.5)).to_dict()
            >>> d["transform"]["transform"]["__class_fullname__"], d["vary"]
            ('HorizontalFlip', 'clip')
        """
        where = f"{self.name}.transform"
        try:
            encoded = A.to_dict(self.transform)
        except Exception as err:  # noqa: BLE001 - albumentations refuses transforms it cannot serialise
            raise SerializationError(
                f"{where}: albumentations cannot serialise {type(self.transform).__name__}: {err}"
            ) from None
        encoded = _plain(encoded, where)
        _check_classes(encoded.get("transform"), f"{where}.transform")
        return {"name": self.name, "transform": encoded, "vary": self.vary, "p": self.p}

    @classmethod
    def _decode_arg(cls, key: str, value: Any, where: str) -> Any:
        if key != "transform":
            return super()._decode_arg(key, value, where)
        if not isinstance(value, dict) or "transform" not in value:
            raise SerializationError(
                f"{where}: expected albumentations' own dict (what A.to_dict writes) with a 'transform' entry"
            )
        _check_classes(value["transform"], f"{where}.transform")
        try:
            return A.from_dict(value)
        except Exception as err:  # noqa: BLE001 - albumentations' own validation of the arguments
            raise SerializationError(
                f"{where}: albumentations could not build the transform: {type(err).__name__}: {err}"
            ) from None


def _check_classes(node: Any, where: str) -> None:
    """Raise a SerializationError unless every transform named in ``node`` is in albumentations' registry."""
    if not isinstance(node, dict):
        raise SerializationError(f"{where}: expected a mapping, got {type(node).__name__}")
    name = node.get("__class_fullname__")
    if not isinstance(name, str):
        raise SerializationError(f"{where}.__class_fullname__: missing")
    if shorten_class_name(name) not in SERIALIZABLE_REGISTRY:
        raise SerializationError(
            f"{where}.__class_fullname__: {name!r} is not a transform albumentations can build from a file"
        )
    children = node.get("transforms")
    if children is not None:
        if not isinstance(children, list):
            raise SerializationError(f"{where}.transforms: expected a list, got {type(children).__name__}")
        for i, child in enumerate(children):
            _check_classes(child, f"{where}.transforms[{i}]")


def _plain(value: Any, where: str) -> Any:
    """``value`` as JSON- and YAML-ready data: lists for tuples, values for enums, Python numbers for numpy's."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    raise SerializationError(f"{where}: a {type(value).__name__} cannot be written to a file")
