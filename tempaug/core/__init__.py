"""The algebra: transform base, params, containers, registry and serialisation, rng, layouts, errors."""

from .containers import Compose, ComposeParams, OneOf, OneOfParams, RandomApply, RandomApplyParams, SomeOf, SomeOfParams
from .errors import (
    DTypeError,
    InvalidArgumentError,
    InvalidInputError,
    SerializationError,
    ShapeError,
    TempaugError,
)
from .layout import from_tchw, to_tchw
from .params import Params, params_from_dict
from .registry import FORMAT_VERSION, REGISTRY, from_dict, load, registered_names, save
from .sample import BOX_FORMATS, Sample, Targets, TargetsError, convert_boxes
from .transform import FrameTransform, TemporalParams, TemporalTransform, Transform
from .validation import nan_check, set_nan_check

__all__ = [
    "BOX_FORMATS",
    "FORMAT_VERSION",
    "REGISTRY",
    "Compose",
    "ComposeParams",
    "DTypeError",
    "FrameTransform",
    "InvalidArgumentError",
    "InvalidInputError",
    "OneOf",
    "OneOfParams",
    "Params",
    "RandomApply",
    "RandomApplyParams",
    "Sample",
    "SerializationError",
    "ShapeError",
    "SomeOf",
    "SomeOfParams",
    "Targets",
    "TargetsError",
    "TempaugError",
    "TemporalParams",
    "TemporalTransform",
    "Transform",
    "convert_boxes",
    "from_dict",
    "from_tchw",
    "load",
    "nan_check",
    "params_from_dict",
    "registered_names",
    "save",
    "set_nan_check",
    "to_tchw",
]
