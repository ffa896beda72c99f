"""Pipelines and params survive to_dict/from_dict, save/load and JSON; malformed files fail with the key at fault."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
import yaml
from helpers import gen, random_batch

import tempaug
from tempaug import (
    Compose,
    FrameDrop,
    FrameDuplicate,
    FrameInterpolate,
    OneOf,
    RandomApply,
    SerializationError,
    SomeOf,
    SpeedJitter,
    TemporalCrop,
    TemporalReverse,
    TemporalSubsample,
    TimeWarp,
)
from tempaug.core import Params, params_from_dict


def _batch(b: int = 3, t: int = 12, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return random_batch(b, t, (2, 3, 3), dtype, seed=99)


def _nested() -> Compose:
    """Every container, nested, with non-default arguments everywhere."""
    return Compose(
        [
            OneOf(
                [
                    TemporalReverse(p=0.25),
                    Compose(
                        [
                            SpeedJitter(speed=(0.5, 2.0), boundary="loop", vary="smooth"),
                            TemporalCrop(12, mode="center"),
                        ],
                        fuse=False,
                    ),
                ],
                weights=[1, 3],
            ),
            SomeOf([FrameDrop(2, p=0.5), FrameDuplicate(3), TimeWarp(0.3, knots=3)], n=(1, 2), p=0.9, fuse=False),
            RandomApply(TemporalReverse(), p=0.5),
            TemporalSubsample(num_frames=5, stride=2, offset="start"),
        ],
        p=1.0,
    )


LEAVES = [
    TemporalReverse(p=0.3),
    TemporalCrop(6, mode="start"),
    TemporalCrop(5),
    TemporalSubsample(num_frames=4),
    TemporalSubsample(stride=3, offset="center"),
    SpeedJitter(speed=1.5, length=9, boundary="reflect", vary="frame", p=1.0),
    SpeedJitter(speed=(0.5, 2.0), p=0.5),
    FrameInterpolate(factor=3),
    FrameInterpolate(length=7),
    FrameDrop(3, p=0.8),
    FrameDuplicate(2),
    TimeWarp(0.7, knots=2, p=0.6),
]
CONTAINERS = [
    _nested(),
    Compose([]),
    Compose([TemporalReverse(), TemporalCrop(8), SpeedJitter()]),
    OneOf([TemporalCrop(6), TemporalSubsample(num_frames=6)]),
    SomeOf([TemporalReverse(), TimeWarp(), FrameDrop()], n=2),
    SomeOf([TemporalCrop(6), TemporalReverse()], n=2),
    RandomApply([TemporalReverse(), FrameDrop(2)], p=0.5),
    Compose(
        [OneOf([Compose([TemporalReverse(), TimeWarp()], p=0.5), SomeOf([FrameDrop(), FrameDuplicate()], n=(0, 2))])]
    ),
]
ALL = LEAVES + CONTAINERS


def _id(t: tempaug.Transform) -> str:
    return repr(t)[:60]


# ---------------------------------------------------------------- to_dict / from_dict
def test_nested_containers_round_trip_through_to_dict_and_from_dict() -> None:
    aug = _nested()
    data = aug.to_dict()
    again = tempaug.from_dict(data)
    assert again.to_dict() == data
    assert repr(again) == repr(aug)
    assert [type(t) for t in again.walk()] == [type(t) for t in aug.walk()]
    assert again is not aug and all(a is not b for a, b in zip(again.walk(), aug.walk()))


def test_nested_to_dict_is_plain_json_data_naming_every_child() -> None:
    data = _nested().to_dict()
    assert json.loads(json.dumps(data)) == data  # no tuples, tensors or objects left
    assert data["name"] == "Compose"
    one_of = data["transforms"][0]
    assert one_of["name"] == "OneOf" and one_of["weights"] == [1.0, 3.0]
    assert one_of["transforms"][1]["transforms"][0] == {
        "name": "SpeedJitter",
        "speed": [0.5, 2.0],
        "length": None,
        "boundary": "loop",
        "vary": "smooth",
        "p": 1.0,
    }
    assert data["transforms"][1]["n"] == [1, 2]
    assert data["transforms"][2] == {
        "name": "RandomApply",
        "transform": {"name": "TemporalReverse", "p": 1.0},
        "p": 0.5,
    }


@pytest.mark.parametrize("aug", ALL, ids=_id)
def test_rebuilt_transform_gives_the_same_output_for_the_same_seed(aug: tempaug.Transform) -> None:
    again = tempaug.from_dict(json.loads(json.dumps(aug.to_dict())))
    assert again.to_dict() == aug.to_dict()
    x = _batch()
    out, params = aug(x, generator=gen(7), return_params=True)
    out2, params2 = again(x, generator=gen(7), return_params=True)
    assert torch.equal(out, out2)
    assert params.equal(params2)


def test_from_dict_accepts_a_whole_saved_document() -> None:
    from tempaug.core.registry import file_dict

    doc = file_dict(_nested())
    assert doc["format_version"] == tempaug.FORMAT_VERSION == 1
    assert doc["tempaug_version"] == tempaug.__version__
    assert tempaug.from_dict(doc).to_dict() == _nested().to_dict()


def test_from_dict_fills_in_defaults_for_missing_optional_arguments() -> None:
    op = tempaug.from_dict({"name": "SpeedJitter"})
    assert op.to_dict() == SpeedJitter().to_dict()


# ------------------------------------------------------------------------ save / load
@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_save_then_load_gives_the_same_pipeline_and_output(tmp_path: Path, suffix: str) -> None:
    aug = _nested()
    path = tempaug.save(aug, tmp_path / f"aug{suffix}")
    assert path == tmp_path / f"aug{suffix}" and path.is_file()
    loaded = tempaug.load(path)
    assert loaded.to_dict() == aug.to_dict()
    x = _batch(4, 12, torch.uint8)
    assert torch.equal(loaded(x, generator=gen(11)), aug(x, generator=gen(11)))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"aug{suffix}"]  # no temporary file left behind


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_saved_file_is_readable_text_with_format_version(tmp_path: Path, suffix: str) -> None:
    path = tempaug.save(TemporalReverse(p=0.5), tmp_path / f"a{suffix}")
    text = path.read_text()
    doc = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    assert doc == {
        "format_version": 1,
        "tempaug_version": tempaug.__version__,
        "transform": {"name": "TemporalReverse", "p": 0.5},
    }


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "aug.yaml"
    tempaug.save(TemporalReverse(), path)
    tempaug.save(TemporalCrop(3, mode="center"), str(path))
    assert tempaug.load(str(path)).to_dict() == TemporalCrop(3, mode="center").to_dict()


def test_hand_written_yaml_loads(tmp_path: Path) -> None:
    path = tmp_path / "aug.yml"
    path.write_text(
        "format_version: 1\n"
        "transform:\n"
        "  name: Compose\n"
        "  transforms:\n"
        "    - {name: TemporalReverse, p: 0.5}\n"
        "    - {name: SpeedJitter, speed: [0.5, 2.0], boundary: reflect}\n"
    )
    aug = tempaug.load(path)
    assert (
        aug.to_dict() == Compose([TemporalReverse(p=0.5), SpeedJitter(speed=(0.5, 2.0), boundary="reflect")]).to_dict()
    )


def test_suffix_is_matched_case_insensitively(tmp_path: Path) -> None:
    path = tempaug.save(TemporalReverse(p=0.5), tmp_path / "AUG.YAML")
    assert tempaug.load(path).p == 0.5


# ------------------------------------------------------------------- bad documents
def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_unknown_transform_name_is_refused_naming_its_path_and_the_registered_names() -> None:
    data = {"name": "Compose", "transforms": [{"name": "TemporalReverse"}, {"name": "Blur", "sigma": 2}]}
    with pytest.raises(
        SerializationError,
        match=r"transform\.transforms\[1\]\.name: unknown transform 'Blur'; "
        r"registered transforms: .*Compose, .*TemporalReverse",
    ):
        tempaug.from_dict(data)


def test_unknown_name_inside_random_apply_names_its_path() -> None:
    with pytest.raises(SerializationError, match=r"transform\.transform\.name: unknown transform 'Nope'"):
        tempaug.from_dict({"name": "RandomApply", "transform": {"name": "Nope"}})


@pytest.mark.parametrize("name", ["Transform", "TemporalTransform", "_Container", "Params", ["Compose"], 3, None])
def test_base_classes_and_non_string_names_are_not_transforms(name) -> None:
    with pytest.raises(SerializationError, match=r"transform\.name: unknown transform"):
        tempaug.from_dict({"name": name})


def test_unknown_argument_is_refused_naming_the_key_path() -> None:
    data = {"name": "Compose", "transforms": [{"name": "SpeedJitter", "sped": [0.5, 2.0]}]}
    with pytest.raises(
        SerializationError,
        match=r"transform\.transforms\[0\]\.sped: unknown argument for SpeedJitter; "
        r"expected one of \['speed', 'length', 'boundary', 'vary', 'p'\]",
    ):
        tempaug.from_dict(data)


def test_unknown_argument_deep_in_a_file_names_the_file_and_key_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "aug.yaml",
        "format_version: 1\ntransform:\n  name: OneOf\n  transforms:\n"
        "    - {name: TemporalReverse}\n    - {name: Compose, transforms: [{name: TimeWarp, strenght: 0.5}]}\n",
    )
    with pytest.raises(
        SerializationError,
        match=rf"{path.name}: transform\.transforms\[1\]\.transforms\[0\]\.strenght: unknown argument",
    ):
        tempaug.load(path)


def test_self_is_not_an_argument() -> None:
    with pytest.raises(SerializationError, match=r"transform\.self: unknown argument for TemporalReverse"):
        tempaug.from_dict({"name": "TemporalReverse", "self": 1})


@pytest.mark.parametrize(
    "entry, pattern",
    [
        ({"name": "SpeedJitter", "speed": [2, 1]}, r"SpeedJitter: speed must have lo <= hi, got \[2, 1\]"),
        ({"name": "TemporalCrop", "length": "4"}, r"TemporalCrop: length must be an integer >= 1, got '4'"),
        ({"name": "TemporalReverse", "p": 2}, r"TemporalReverse: p must be a number in \[0, 1\], got 2"),
        ({"name": "TemporalCrop"}, r"TemporalCrop.*missing 1 required positional argument: 'length'"),
    ],
)
def test_bad_value_is_refused_naming_the_transform_path_op_and_argument(entry: dict, pattern: str) -> None:
    data = {"name": "Compose", "transforms": [{"name": "TemporalReverse"}, entry]}
    with pytest.raises(SerializationError, match=r"transform\.transforms\[1\](\.\w+)?: .*" + pattern):
        tempaug.from_dict(data)


def test_bad_value_error_names_the_full_key_path() -> None:
    data = {"name": "Compose", "transforms": [{"name": "TemporalReverse"}, {"name": "SpeedJitter", "speed": [2, 1]}]}
    with pytest.raises(SerializationError, match=r"transform\.transforms\[1\]\.speed\b"):
        tempaug.from_dict(data)


def test_missing_name_is_refused_naming_the_key() -> None:
    with pytest.raises(SerializationError, match=r"^transform\.name: missing"):
        tempaug.from_dict({"p": 0.5})


@pytest.mark.parametrize(
    "data, path",
    [
        (
            {"name": "Compose", "transforms": [{"name": "TemporalReverse"}, {"p": 0.5}]},
            r"transform\.transforms\[1\]\.name",
        ),
        ({"name": "RandomApply", "transform": {"p": 0.5}}, r"transform\.transform\.name"),
    ],
)
def test_missing_name_inside_a_container_names_the_key_path(data: dict, path: str) -> None:
    with pytest.raises(SerializationError, match=path + r": missing"):
        tempaug.from_dict(data)


@pytest.mark.parametrize("data", [[{"name": "TemporalReverse"}], "TemporalReverse", None, 3])
def test_from_dict_refuses_anything_but_a_mapping(data) -> None:
    with pytest.raises(
        SerializationError, match=rf"transform: expected a mapping with a 'name' key, got {type(data).__name__}"
    ):
        tempaug.from_dict(data)


def test_missing_format_version_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "aug.yaml", "transform: {name: TemporalReverse}\n")
    with pytest.raises(SerializationError, match=rf"{path.name}: format_version: missing"):
        tempaug.load(path)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_newer_format_version_is_refused_with_an_upgrade_hint(tmp_path: Path, suffix: str) -> None:
    doc = {"format_version": 2, "transform": {"name": "TemporalReverse"}}
    path = _write(tmp_path, f"aug{suffix}", json.dumps(doc))  # JSON is valid YAML too
    with pytest.raises(
        SerializationError, match=r"format_version: file has version 2, this tempaug reads up to 1; upgrade"
    ):
        tempaug.load(path)
    with pytest.raises(SerializationError, match=r"format_version: file has version 2"):
        tempaug.from_dict(doc)


@pytest.mark.parametrize(
    "version, pattern",
    [
        ("1", r"expected an integer, got '1'"),
        (True, r"expected an integer, got True"),
        (1.0, r"expected an integer, got 1\.0"),
        (0, r"0 is not a valid version"),
    ],
)
def test_format_version_must_be_a_positive_integer(tmp_path: Path, version, pattern: str) -> None:
    path = _write(
        tmp_path, "aug.json", json.dumps({"format_version": version, "transform": {"name": "TemporalReverse"}})
    )
    with pytest.raises(SerializationError, match=r"format_version: " + pattern):
        tempaug.load(path)


def test_document_without_a_transform_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "aug.json", '{"format_version": 1}')
    with pytest.raises(SerializationError, match=r"transform: missing"):
        tempaug.load(path)


@pytest.mark.parametrize(
    "name, text, kind",
    [
        ("a.yaml", "- 1\n- 2\n", "list"),
        ("a.json", '"TemporalReverse"', "str"),
        ("a.yaml", "", "NoneType"),
        ("a.json", "null", "NoneType"),
    ],
)
def test_top_level_that_is_not_a_mapping_is_refused(tmp_path: Path, name: str, text: str, kind: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(SerializationError, match=rf"{name}: expected a mapping at the top level, got {kind}"):
        tempaug.load(path)


@pytest.mark.parametrize(
    "name, text, fmt",
    [
        ("a.json", '{"format_version": 1, "transform": {"name": "TemporalReverse"}', "json"),
        ("a.json", "format_version: 1\n", "json"),
        ("a.yaml", "format_version: 1\ntransform: {name: [\n", "yaml"),
        ("a.yml", "format_version: 1\n\ttransform: x\n", "yaml"),
    ],
)
def test_invalid_text_is_refused_naming_file_and_format(tmp_path: Path, name: str, text: str, fmt: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(SerializationError, match=rf"{name}: not valid {fmt}: "):
        tempaug.load(path)


def test_yaml_python_tags_are_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = _write(
        tmp_path,
        "aug.yaml",
        f"format_version: 1\ntransform: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    with pytest.raises(SerializationError, match=r"aug\.yaml: not valid yaml"):
        tempaug.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("suffix", [".txt", ".toml", ""])
def test_unknown_suffix_is_refused_by_load_and_save(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path, f"aug{suffix}", '{"format_version": 1, "transform": {"name": "TemporalReverse"}}')
    with pytest.raises(SerializationError, match=rf"unknown file type '{suffix}'; use \.json, \.yaml or \.yml"):
        tempaug.load(path)
    with pytest.raises(SerializationError, match=rf"unknown file type '{suffix}'"):
        tempaug.save(TemporalReverse(), tmp_path / f"out{suffix}")
    assert not (tmp_path / f"out{suffix}").exists()


# ------------------------------------------------------------- nothing gets imported
@pytest.fixture
def trap_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """An importable module that leaves a marker file behind if it is ever imported."""
    name = "tempaug_trap_module_for_tests"
    marker = tmp_path / "imported"
    (tmp_path / f"{name}.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('yes')\nTrap = object\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name, marker


def test_trap_module_leaves_its_marker_when_imported(trap_module: tuple[str, Path]) -> None:
    import importlib

    module, marker = trap_module
    try:
        importlib.import_module(module)
        assert marker.exists()
    finally:
        sys.modules.pop(module, None)


@pytest.mark.parametrize("form", ["{m}", "{m}.Trap", "{m}:Trap"])
def test_a_name_that_is_not_registered_is_never_imported(trap_module: tuple[str, Path], form: str) -> None:
    module, marker = trap_module
    name = form.format(m=module)
    for data in (
        {"name": name},
        {"name": "Compose", "transforms": [{"name": name}]},
        {"name": "RandomApply", "transform": {"name": name}},
    ):
        with pytest.raises(SerializationError, match=r"unknown transform"):
            tempaug.from_dict(data)
    assert module not in sys.modules
    assert not marker.exists()
    assert name not in tempaug.registered_names()


def test_a_name_that_is_not_registered_is_never_imported_from_a_file(
    tmp_path: Path, trap_module: tuple[str, Path]
) -> None:
    module, marker = trap_module
    path = _write(tmp_path, "aug.json", json.dumps({"format_version": 1, "transform": {"name": f"{module}.Trap"}}))
    with pytest.raises(SerializationError, match=rf"transform\.name: unknown transform '{module}\.Trap'"):
        tempaug.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "subprocess.Popen", "tempaug.core.registry.REGISTRY"])
def test_dotted_names_of_callables_are_refused(name: str) -> None:
    with pytest.raises(SerializationError, match=rf"transform\.name: unknown transform '{name}'"):
        tempaug.from_dict({"name": name, "args": ["echo hi"]})


# ------------------------------------------------------------------------------ params
def _roundtrip(params: Params) -> Params:
    return params_from_dict(json.loads(json.dumps(params.to_dict())))


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8], ids=str)
@pytest.mark.parametrize("aug", ALL, ids=_id)
def test_params_through_json_are_equal_and_replay_the_same_output(aug: tempaug.Transform, dtype: torch.dtype) -> None:
    x = _batch(4, 12, dtype)
    out, params = aug(x, generator=gen(5), return_params=True)
    again = _roundtrip(params)
    assert type(again) is type(params)
    assert again.equal(params)
    assert torch.equal(aug.apply(x, again), out)


@pytest.mark.parametrize(
    "aug", [TemporalCrop(4), SpeedJitter(), _nested(), SomeOf([TimeWarp(), FrameDrop()], n=(0, 2))], ids=_id
)
def test_params_of_an_empty_batch_survive_json(aug: tempaug.Transform) -> None:
    x = _batch(0, 12)
    out, params = aug(x, return_params=True)
    again = _roundtrip(params)
    assert again.equal(params) and again.batch_size == 0
    assert aug.apply(x, again).shape == out.shape


def test_params_round_trip_keeps_dtypes_and_shapes() -> None:
    aug = Compose([OneOf([TemporalCrop(6), TemporalSubsample(num_frames=6)]), SomeOf([FrameDrop(2), TimeWarp()], n=1)])
    params = aug.sample((3, 12, 1, 1, 1), generator=gen(0))
    again = _roundtrip(params)
    one_of, some_of = again.children
    assert again.applied.dtype == torch.bool
    assert one_of.choice.dtype == torch.long and one_of.choice.shape == (3,)
    assert one_of.children[0].start.dtype == torch.long
    assert one_of.children[1].positions.dtype == torch.float32 and one_of.children[1].positions.shape == (3, 6)
    assert some_of.chosen.dtype == torch.bool and some_of.chosen.shape == (3, 2)
    assert some_of.children[1].knots.shape == (3, 5)


def test_params_from_a_slice_of_a_batch_replay_on_that_sample() -> None:
    aug = _nested()
    x = _batch(4, 12)
    out, params = aug(x, generator=gen(2), return_params=True)
    single = _roundtrip(params[2])
    assert torch.equal(aug.apply(x[2], single), out[2])


def test_params_equal_detects_a_changed_value() -> None:
    params = SpeedJitter().sample((2, 8, 1, 1, 1), generator=gen(0))
    data = params.to_dict()
    data["fields"]["positions"]["data"][3] += 0.25
    assert not params_from_dict(data).equal(params)
    assert Params.from_dict(params.to_dict()).equal(params)


def test_params_dict_names_the_params_type() -> None:
    data = TemporalReverse().sample((1, 3, 1, 1, 1)).to_dict()
    assert data == {
        "type": "TemporalReverseParams",
        "fields": {
            "applied": {"dtype": "bool", "shape": [1], "data": [True]},
            "positions": {"dtype": "float32", "shape": [1, 3], "data": [2.0, 1.0, 0.0]},
        },
    }


def _compose_params_dict() -> dict:
    aug = Compose([TemporalCrop(4), OneOf([TemporalReverse(), TimeWarp()])])
    return json.loads(json.dumps(aug.sample((2, 8, 1, 1, 1), generator=gen(0)).to_dict()))


@pytest.mark.parametrize(
    "corrupt, pattern",
    [
        (lambda d: d.update(type="os.system"), r"^params\.type: unknown params type 'os\.system'"),
        (
            lambda d: d["fields"]["children"][1]["fields"].pop("choice"),
            r"^params\.fields\.children\[1\]\.fields\.choice: missing",
        ),
        (
            lambda d: d["fields"]["children"][0]["fields"].update(extra=1),
            r"params\.fields\.children\[0\]\.fields: unknown field\(s\) \['extra'\]",
        ),
        (
            lambda d: d["fields"]["children"][0]["fields"]["start"].update(dtype="complex64"),
            r"children\[0\]\.fields\.start\.dtype: unknown dtype",
        ),
        (
            lambda d: d["fields"]["children"][0]["fields"]["start"].update(shape=[3]),
            r"children\[0\]\.fields\.start\.data: cannot build a tensor of shape \[3\]",
        ),
        (
            lambda d: d["fields"]["children"][0]["fields"]["start"].update(shape=[1], data=[1]),
            r"children\[0\]: TemporalCropParams: field 'start' has shape \(1,\)",
        ),
        (lambda d: d.pop("fields"), r"^params: expected a dict with keys 'type' and 'fields'"),
    ],
)
def test_corrupt_params_dict_is_refused_naming_the_key(corrupt, pattern: str) -> None:
    data = _compose_params_dict()
    corrupt(data)
    with pytest.raises(SerializationError, match=pattern):
        params_from_dict(data)


def test_params_type_names_are_never_imported(trap_module: tuple[str, Path]) -> None:
    module, marker = trap_module
    with pytest.raises(SerializationError, match=r"unknown params type"):
        params_from_dict({"type": f"{module}.Trap", "fields": {}})
    assert not marker.exists()
