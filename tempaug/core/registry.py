"""The transform registry and serialisation: ``to_dict`` / ``from_dict`` / ``save`` / ``load``.

A transform class registers itself when it is defined. ``from_dict`` only
builds registered classes: it never imports a module or a name read from a
file. A saved file is versioned::

    format_version: 1
    tempaug_version: 0.1.0
    transform:
      name: Compose
      transforms:
        - {name: TemporalReverse, p: 0.5}
        - {name: SpeedJitter, speed: [0.5, 2.0]}

Example:
    >>> import tempaug
    >>> aug = tempaug.Compose([tempaug.TemporalReverse(p=0.5), tempaug.SpeedJitter(speed=(0.5, 2.0))])
    >>> again = tempaug.from_dict(aug.to_dict())
    >>> again.to_dict() == aug.to_dict()
    True
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgumentError, SerializationError
from .version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .transform import Transform

__all__ = ["FORMAT_VERSION", "REGISTRY", "from_dict", "load", "register", "registered_names", "save"]

#: Version of the file format written by :func:`save`; files of a newer version are refused.
FORMAT_VERSION = 1

#: Every registered transform by name.
REGISTRY: dict[str, type[Transform]] = {}

#: Transforms that live in modules ``import tempaug`` leaves out (they import heavy libraries), by name: the
#: module that defines them is imported the first time ``from_dict`` meets the name. A fixed table of ours;
#: nothing read from a file is ever imported.
_LAZY_MODULES: dict[str, str] = {
    "FromAlbumentations": "tempaug.adapters.albumentations",
    "FromKornia": "tempaug.adapters.kornia",
}


def _lookup(name: Any, where: str) -> type[Transform] | None:
    """The registered class called ``name``, importing its module first when it is one of ``_LAZY_MODULES``."""
    if not isinstance(name, str):
        return None
    if name not in REGISTRY and name in _LAZY_MODULES:
        import importlib

        try:
            importlib.import_module(_LAZY_MODULES[name])
        except ImportError as err:
            raise SerializationError(
                f"{where}.name: {name} needs {_LAZY_MODULES[name]}, which could not be imported: {err}"
            ) from None
    return REGISTRY.get(name)


def register(cls: type[Transform]) -> type[Transform]:
    """Register a transform class under its class name (done automatically for every subclass).

    Example:
        >>> from tempaug.core.registry import REGISTRY
        >>> "TemporalReverse" in REGISTRY
        True
    """
    name = cls.__name__
    existing = REGISTRY.get(name)
    if existing is not None and (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
        raise InvalidArgumentError(
            f"register: a transform named {name!r} is already registered ({existing.__module__}.{existing.__qualname__})"
        )
    if "name" in inspect.signature(cls.__init__).parameters:
        raise InvalidArgumentError(f"register: {name} may not take an argument called 'name' (it names the transform)")
    REGISTRY[name] = cls
    return cls


def registered_names() -> list[str]:
    """Sorted names of every registered transform.

    Example:
        >>> from tempaug.core.registry import registered_names
        >>> "Compose" in registered_names()
        True
    """
    return sorted(REGISTRY)


def from_dict(data: dict[str, Any], where: str = "transform") -> Transform:
    """Build a transform from :meth:`Transform.to_dict` output (or a whole saved file's dict).

    Errors name the key at fault, e.g. ``transform.transforms[1].speed``.

    Example:
        >>> import tempaug
        >>> tempaug.from_dict({"name": "TemporalCrop", "length": 8})
        TemporalCrop(length=8, mode='random', p=1.0)
    """
    if isinstance(data, dict) and "format_version" in data:
        return _from_file_dict(data)
    if not isinstance(data, dict):
        raise SerializationError(f"{where}: expected a mapping with a 'name' key, got {type(data).__name__}")
    if "name" not in data:
        raise SerializationError(f"{where}.name: missing (every transform entry needs its registered name)")
    name = data["name"]
    cls = _lookup(name, where)
    if cls is None:
        raise SerializationError(
            f"{where}.name: unknown transform {name!r}; registered transforms: {', '.join(registered_names())}"
        )
    signature = inspect.signature(cls.__init__)
    accepted = [p for p in signature.parameters if p != "self"]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "name":
            continue
        if key not in accepted:
            raise SerializationError(f"{where}.{key}: unknown argument for {name}; expected one of {accepted}")
        kwargs[key] = cls._decode_arg(key, value, f"{where}.{key}")
    try:
        return cls(**kwargs)
    except SerializationError:
        raise
    except (ValueError, TypeError) as err:
        arg = getattr(err, "arg", None)
        raise SerializationError(f"{where}.{arg}: {err}" if arg in kwargs else f"{where}: {err}") from None


def _from_file_dict(data: dict[str, Any]) -> Transform:
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SerializationError(f"format_version: expected an integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise SerializationError(
            f"format_version: file has version {version}, this tempaug reads up to {FORMAT_VERSION}; upgrade tempaug"
        )
    if version < 1:
        raise SerializationError(f"format_version: {version} is not a valid version")
    if "transform" not in data:
        raise SerializationError("transform: missing (the file holds no pipeline)")
    return from_dict(data["transform"], "transform")


def file_dict(transform: Transform) -> dict[str, Any]:
    """The whole versioned document :func:`save` writes.

    Example:
        >>> import tempaug
        >>> from tempaug.core.registry import file_dict
        >>> file_dict(tempaug.TemporalReverse())["format_version"]
        1
    """
    return {"format_version": FORMAT_VERSION, "tempaug_version": __version__, "transform": transform.to_dict()}


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise SerializationError(f"{path}: unknown file type {suffix!r}; use .json, .yaml or .yml")


def save(transform: Transform, path: str | os.PathLike[str]) -> Path:
    """Write a pipeline to ``.json`` or ``.yaml``; the file is replaced atomically.

    Example:
        >>> import tempfile, os, tempaug
        >>> path = os.path.join(tempfile.mkdtemp(), "aug.yaml")
        >>> _ = tempaug.save(tempaug.TemporalReverse(p=0.5), path)
        >>> tempaug.load(path)
        TemporalReverse(p=0.5)
    """
    path = Path(path)
    doc = file_dict(transform)
    if _format_of(path) == "json":
        text = json.dumps(doc, indent=2) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(doc, sort_keys=False)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def load(path: str | os.PathLike[str]) -> Transform:
    """Read a pipeline written by :func:`save` (or by hand) from ``.json`` or ``.yaml``.

    Example:
        >>> import tempfile, os, tempaug
        >>> path = os.path.join(tempfile.mkdtemp(), "aug.json")
        >>> _ = tempaug.save(tempaug.TemporalCrop(4), path)
        >>> tempaug.load(path).length
        4
    """
    path = Path(path)
    fmt = _format_of(path)
    text = path.read_text()
    try:
        if fmt == "json":
            doc = json.loads(text)
        else:
            import yaml

            doc = yaml.safe_load(text)
    except Exception as err:  # noqa: BLE001 - parse errors of either library
        raise SerializationError(f"{path}: not valid {fmt}: {err}") from None
    if not isinstance(doc, dict):
        raise SerializationError(f"{path}: expected a mapping at the top level, got {type(doc).__name__}")
    if "format_version" not in doc:
        raise SerializationError(f"{path}: format_version: missing")
    try:
        return _from_file_dict(doc)
    except SerializationError as err:
        raise SerializationError(f"{path}: {err}") from None
