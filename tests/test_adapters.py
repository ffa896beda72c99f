"""Adapters: albumentations and kornia transforms run per clip, replay exactly, and survive save/load."""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import gen

import tempaug
from tempaug import DTypeError, InvalidArgumentError, SerializationError, ShapeError
from tempaug.adapters.albumentations import FromAlbumentations, FromAlbumentationsParams
from tempaug.adapters.kornia import FromKornia, FromKorniaParams

# isort: split
import albumentations as A  # after the adapter, which turns albumentations' update check off
import kornia.augmentation as K

ALBUMENTATIONS = {
    "HorizontalFlip": lambda: A.HorizontalFlip(p=0.5),
    "ColorJitter": lambda: A.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.2, p=1.0),
    "RandomCrop": lambda: A.RandomCrop(5, 6, p=1.0),
}
KORNIA = {
    "RandomHorizontalFlip": lambda: K.RandomHorizontalFlip(p=0.5),
    "ColorJiggle": lambda: K.ColorJiggle(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.2, p=1.0),
    "RandomAffine": lambda: K.RandomAffine(degrees=30.0, translate=(0.2, 0.2), p=1.0),
}


def _uint8_batch(b: int, t: int, c: int = 3, h: int = 8, w: int = 9, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (b, t, c, h, w), generator=gen(seed), dtype=torch.uint8)


def _float_batch(b: int, t: int, c: int = 3, h: int = 8, w: int = 9, seed: int = 0) -> torch.Tensor:
    return torch.rand(b, t, c, h, w, generator=gen(seed))


def _still(batch: torch.Tensor) -> torch.Tensor:
    """Every clip of ``batch`` with all its frames equal to its first."""
    return batch[:, :1].expand_as(batch).contiguous()


def _frames_equal(clip: torch.Tensor) -> bool:
    return all(torch.equal(clip[0], frame) for frame in clip)


def _any_change(op: tempaug.Transform, x: torch.Tensor, seeds: range) -> bool:
    return any(
        tuple(op.output_shape(x.shape)) != tuple(x.shape) or not torch.equal(op(x, generator=gen(s)), x) for s in seeds
    )


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.strip()


# --------------------------------------------------------------------------- albumentations
@pytest.mark.parametrize("name", sorted(ALBUMENTATIONS))
def test_albumentations_vary_clip_gives_every_frame_of_a_clip_the_same_draw(name: str) -> None:
    op = FromAlbumentations(ALBUMENTATIONS[name](), vary="clip")
    x = _still(_uint8_batch(4, 6))
    assert _any_change(op, x, range(4)), "the transform never acted, so the test could not fail"
    for seed in range(4):
        out = op(x, generator=gen(seed))
        assert all(_frames_equal(clip) for clip in out)


@pytest.mark.parametrize("name", sorted(ALBUMENTATIONS))
def test_albumentations_vary_frame_draws_for_each_frame(name: str) -> None:
    op = FromAlbumentations(ALBUMENTATIONS[name](), vary="frame")
    x = _still(_uint8_batch(2, 12))
    out, params = op(x, generator=gen(0), return_params=True)
    assert params.seed.shape == (2, 12)
    assert not all(_frames_equal(clip) for clip in out)


@pytest.mark.parametrize("vary", ["clip", "frame"])
@pytest.mark.parametrize("name", sorted(ALBUMENTATIONS))
def test_albumentations_replay_with_returned_params_is_exact(name: str, vary: str) -> None:
    op = FromAlbumentations(ALBUMENTATIONS[name](), vary=vary)
    x = _uint8_batch(3, 5)
    out, params = op(x, generator=gen(1), return_params=True)
    assert isinstance(params, FromAlbumentationsParams)
    assert torch.equal(op.apply(x, params), out)
    again = tempaug.core.params_from_dict(json.loads(json.dumps(params.to_dict())))
    assert torch.equal(op.apply(x, again), out)


@pytest.mark.parametrize("name", sorted(ALBUMENTATIONS))
def test_albumentations_same_seed_same_output_and_other_seeds_differ(name: str) -> None:
    op = FromAlbumentations(ALBUMENTATIONS[name]())
    x = _uint8_batch(2, 4)
    first = op(x, generator=gen(3))
    assert torch.equal(op(x, generator=gen(3)), first)
    assert any(not torch.equal(op(x, generator=gen(s)), first) for s in range(4, 10))
    torch.manual_seed(5)
    a = op(x)
    torch.manual_seed(5)
    assert torch.equal(op(x), a)


def test_albumentations_with_a_generator_leaves_torch_numpy_and_python_rngs_alone() -> None:
    op = FromAlbumentations(A.Compose([A.HorizontalFlip(), A.ColorJitter(p=1.0)]))
    x = _uint8_batch(2, 3)
    states = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    op(x, generator=gen(0))
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1])
    assert random.getstate() == states[2]


@pytest.mark.parametrize("vary", ["clip", "frame"])
def test_albumentations_batch_equals_each_clip_with_its_own_params(vary: str) -> None:
    op = FromAlbumentations(A.Compose([A.HorizontalFlip(), A.ColorJitter(p=1.0), A.RandomCrop(4, 4)]), vary=vary)
    x = _uint8_batch(4, 3)
    out, params = op(x, generator=gen(2), return_params=True)
    assert out.shape == (4, 3, 3, 4, 4)
    for i in range(4):
        assert torch.equal(op.apply(x[i], params[i]), out[i])


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_albumentations_pipeline_survives_save_and_load(tmp_path: Path, suffix: str) -> None:
    aug = tempaug.Compose(
        [
            tempaug.TemporalReverse(p=0.5),
            FromAlbumentations(
                A.Compose([A.OneOf([A.HorizontalFlip(p=1.0), A.VerticalFlip(p=1.0)]), A.ColorJitter(hue=0.1)]),
                vary="frame",
                p=0.7,
            ),
        ]
    )
    path = tempaug.save(aug, tmp_path / f"aug{suffix}")
    again = tempaug.load(path)
    assert again.to_dict() == aug.to_dict()
    x = _uint8_batch(3, 4)
    assert torch.equal(again(x, generator=gen(4)), aug(x, generator=gen(4)))


def test_albumentations_float_clips_keep_their_dtype() -> None:
    op = FromAlbumentations(A.Compose([A.HorizontalFlip(p=1.0), A.RandomBrightnessContrast(p=1.0)]))
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        x = _float_batch(2, 3).to(dtype)
        out, params = op(x, generator=gen(0), return_params=True)
        assert out.dtype == dtype and out.shape == x.shape
        assert torch.equal(op.apply(x, params), out)


def test_albumentations_flip_of_a_one_channel_clip_is_exact_and_leaves_the_input_alone() -> None:
    x = _uint8_batch(2, 3, c=1)
    before = x.clone()
    out = FromAlbumentations(A.HorizontalFlip(p=1.0))(x)
    assert torch.equal(out, x.flip(-1))
    assert torch.equal(x, before)


def test_albumentations_output_shape_comes_from_a_run_on_a_blank_frame() -> None:
    op = FromAlbumentations(A.RandomCrop(3, 2))
    assert op.output_shape((7, 3, 8, 9)) == (7, 3, 3, 2)
    assert op.output_shape((2, 7, 1, 8, 9)) == (2, 7, 1, 3, 2)


def test_albumentations_transform_that_changes_the_dtype_is_refused_naming_op_and_dtypes() -> None:
    op = FromAlbumentations(A.ToFloat())
    with pytest.raises(DTypeError, match=r"FromAlbumentations: ToFloat turned uint8 frames into float32"):
        op(_uint8_batch(1, 2))


def test_albumentations_transform_whose_size_depends_on_the_draw_is_refused() -> None:
    op = FromAlbumentations(A.RandomScale(scale_limit=0.5, p=1.0))
    with pytest.raises(ShapeError, match=r"RandomScale .*output size does not depend on the random draw"):
        for seed in range(10):
            op(_uint8_batch(1, 2, h=32, w=32), generator=gen(seed))


def test_albumentations_transform_that_cannot_run_on_the_frame_size_raises_a_shape_error() -> None:
    with pytest.raises(
        ShapeError, match=r"FromAlbumentations: RandomCrop cannot run on frames of \(C,H,W\) \(3, 2, 2\)"
    ):
        FromAlbumentations(A.RandomCrop(4, 4))(torch.zeros(3, 3, 2, 2, dtype=torch.uint8))


def test_albumentations_gate_zero_is_the_identity_and_other_objects_are_refused() -> None:
    x = _uint8_batch(2, 3)
    assert torch.equal(FromAlbumentations(A.ColorJitter(p=1.0), p=0.0)(x), x)
    with pytest.raises(InvalidArgumentError, match="transform must be an albumentations transform"):
        FromAlbumentations(tempaug.TemporalReverse())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="vary must be one of"):
        FromAlbumentations(A.HorizontalFlip(), vary="smooth")


def test_albumentations_params_of_the_other_vary_mode_are_refused() -> None:
    x = _uint8_batch(2, 3)
    params = FromAlbumentations(A.HorizontalFlip(), vary="frame").sample(x.shape)
    with pytest.raises(ShapeError, match=r"seeds of shape \(2, 3\), but vary='clip'"):
        FromAlbumentations(A.HorizontalFlip(), vary="clip").apply(x, params)


def test_albumentations_adapter_pickles_for_dataloader_workers() -> None:
    op = FromAlbumentations(A.ColorJitter(p=1.0))
    again = pickle.loads(pickle.dumps(op))
    x = _uint8_batch(2, 3)
    assert torch.equal(again(x, generator=gen(0)), op(x, generator=gen(0)))


@pytest.mark.parametrize(
    ("transform", "where"),
    [
        ({"__version__": "2.0.8"}, r"transform\.transform: expected albumentations' own dict"),
        ("HorizontalFlip", r"transform\.transform: expected albumentations' own dict"),
        (
            {"transform": {"__class_fullname__": "NoSuchTransform", "p": 1.0}},
            r"transform\.transform\.transform\.__class_fullname__: 'NoSuchTransform' is not a transform",
        ),
        (
            {
                "transform": {
                    "__class_fullname__": "Compose",
                    "transforms": [{"__class_fullname__": "HorizontalFlip"}, {}],
                }
            },
            r"transform\.transform\.transform\.transforms\[1\]\.__class_fullname__: missing",
        ),
        (
            {"transform": {"__class_fullname__": "RandomCrop", "height": "tall", "width": 2, "p": 1.0}},
            r"transform\.transform: albumentations could not build the transform",
        ),
    ],
)
def test_a_bad_albumentations_entry_raises_a_serialization_error_naming_the_key(transform: object, where: str) -> None:
    with pytest.raises(SerializationError, match=where):
        tempaug.from_dict({"name": "FromAlbumentations", "transform": transform})


def _same_image(image: np.ndarray, **kwargs: object) -> np.ndarray:
    return image


def test_a_transform_albumentations_cannot_store_is_refused_when_writing() -> None:
    op = FromAlbumentations(A.Lambda(image=_same_image))
    with pytest.raises(SerializationError, match=r"FromAlbumentations\.transform"):
        op.to_dict()


# --------------------------------------------------------------------------------- kornia
@pytest.mark.parametrize("name", sorted(KORNIA))
def test_kornia_params_are_drawn_per_clip_and_shared_by_its_frames(name: str) -> None:
    op = FromKornia(KORNIA[name]())
    x = _still(_float_batch(4, 5))
    out, params = op(x, generator=gen(0), return_params=True)
    assert isinstance(params, FromKorniaParams)
    assert all(value.shape[0] == 4 for value in [*params.kornia.values(), *params.shared.values()])
    assert all(_frames_equal(clip) for clip in out)
    assert _any_change(op, x, range(4)), "the augmentation never acted, so the test could not fail"


def test_kornia_clips_of_a_batch_draw_their_own_params() -> None:
    op = FromKornia(K.RandomAffine(degrees=30.0, p=1.0))
    params = op.sample((8, 3, 3, 4, 4), generator=gen(0))
    assert len(set(params.kornia["angle"].tolist())) == 8


@pytest.mark.parametrize("name", sorted(KORNIA))
def test_kornia_replay_and_batch_equal_each_clip_with_its_own_params(name: str) -> None:
    op = FromKornia(KORNIA[name]())
    x = _float_batch(3, 4)
    out, params = op(x, generator=gen(1), return_params=True)
    assert torch.equal(op.apply(x, params), out)
    again = tempaug.core.params_from_dict(json.loads(json.dumps(params.to_dict())))
    assert again.equal(params)
    assert torch.equal(op.apply(x, again), out)
    for i in range(3):
        assert torch.equal(op.apply(x[i], params[i]), out[i])


@pytest.mark.parametrize("name", sorted(KORNIA))
def test_kornia_same_seed_same_output_and_the_global_rng_is_left_alone(name: str) -> None:
    op = FromKornia(KORNIA[name]())
    x = _float_batch(2, 3)
    state = torch.get_rng_state()
    first = op(x, generator=gen(7))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(op(x, generator=gen(7)), first)
    torch.manual_seed(3)
    a = op(x)
    torch.manual_seed(3)
    assert torch.equal(op(x), a)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_kornia_pipeline_survives_save_and_load(tmp_path: Path, suffix: str) -> None:
    aug = tempaug.Compose(
        [
            FromKornia(K.RandomAffine(degrees=(-10, 20), translate=(0.1, 0.2), padding_mode="reflection"), p=0.8),
            FromKornia(K.ColorJiggle(0.2, (0.8, 1.2), 0.1, 0.05, order=(1, 0, 3))),
            FromKornia(K.RandomResizedCrop((4, 5), scale=(0.5, 1.0))),
        ]
    )
    path = tempaug.save(aug, tmp_path / f"aug{suffix}")
    again = tempaug.load(path)
    assert again.to_dict() == aug.to_dict()
    x = _float_batch(3, 4)
    out = aug(x, generator=gen(4))
    assert out.shape == (3, 4, 3, 4, 5)
    assert torch.equal(again(x, generator=gen(4)), out)


def test_kornia_uint8_clips_are_augmented_in_float_and_come_back_as_uint8() -> None:
    x = _uint8_batch(2, 3)
    op = FromKornia(K.RandomHorizontalFlip(p=1.0))
    out = op(x)
    assert out.dtype == torch.uint8
    assert torch.equal(out, x.flip(-1))
    jiggled = FromKornia(K.ColorJiggle(0.3, 0.3))(x, generator=gen(0))
    assert jiggled.dtype == torch.uint8 and not torch.equal(jiggled, x)


def test_kornia_clips_whose_once_per_call_params_differ_run_apart() -> None:
    op = FromKornia(K.ColorJiggle(0.3, 0.3, 0.3, 0.1))
    x = _float_batch(2, 3)
    orders = {}
    for seed in range(50):
        params = op.sample(x[:1].shape, generator=gen(seed))
        orders.setdefault(tuple(params.shared["order"][0].tolist()), params)
        if len(orders) == 2:
            break
    a, b = orders.values()
    both = FromKorniaParams(
        applied=torch.cat([a.applied, b.applied]),
        kornia={k: torch.cat([a.kornia[k], b.kornia[k]]) for k in a.kornia},
        shared={k: torch.cat([a.shared[k], b.shared[k]]) for k in a.shared},
    )
    out = op.apply(x, both)
    assert torch.equal(out[0], op.apply(x[0], a))
    assert torch.equal(out[1], op.apply(x[1], b))


def test_params_holding_named_tensors_check_the_batch_dimension_and_name_bad_entries() -> None:
    with pytest.raises(ValueError, match=r"field kornia\['angle'\] has shape \(3,\), expected a leading batch"):
        FromKorniaParams(applied=torch.ones(2, dtype=torch.bool), kornia={"angle": torch.zeros(3)}, shared={})
    params = FromKornia(K.RandomAffine(10.0)).sample((2, 3, 1, 4, 4), generator=gen(0))
    data = params.to_dict()
    data["fields"]["kornia"]["tensors"]["angle"] = {"dtype": "float32", "shape": [2]}
    with pytest.raises(SerializationError, match=r"params\.fields\.kornia\.tensors\.angle: expected a tensor entry"):
        tempaug.core.params_from_dict(data)


@pytest.mark.parametrize(
    ("augmentation", "where"),
    [
        ("RandomHorizontalFlip", r"transform\.augmentation: expected a mapping with a 'class' entry"),
        ({"p": 0.5}, r"transform\.augmentation\.class: missing"),
        ({"class": "AugmentationSequential"}, r"transform\.augmentation\.class: 'AugmentationSequential' is not a 2D"),
        ({"class": "AugmentationBase2D"}, r"transform\.augmentation\.class: 'AugmentationBase2D' is not a 2D"),
        ({"class": "RandomMixUpV2"}, r"transform\.augmentation\.class: 'RandomMixUpV2' is not a 2D"),
        ({"class": "os.system"}, r"transform\.augmentation\.class: 'os.system' is not a 2D"),
        ({"class": "__builtins__"}, r"transform\.augmentation\.class: '__builtins__' is not a 2D"),
        ({"class": "RandomAffine", "degree": 3}, r"transform\.augmentation\.degree: unknown argument for kornia's"),
        ({"class": "RandomAffine", "degrees": "wide"}, r"transform\.augmentation: kornia could not build RandomAffine"),
    ],
)
def test_a_bad_kornia_entry_raises_a_serialization_error_naming_the_key(augmentation: object, where: str) -> None:
    with pytest.raises(SerializationError, match=where):
        tempaug.from_dict({"name": "FromKornia", "augmentation": augmentation})


def test_kornia_arguments_that_cannot_be_read_back_are_refused_when_writing() -> None:
    with pytest.raises(SerializationError, match=r"FromKornia\.augmentation\.degrees: .*cannot be read back"):
        FromKornia(K.RandomRotation(30.0)).to_dict()


def test_kornia_objects_that_are_not_frame_augmentations_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="augmentation must be a 2D augmentation of kornia.augmentation"):
        FromKornia(K.RandomMixUpV2())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="RandomChannelDropout cannot run under the adapter"):
        FromKornia(K.RandomChannelDropout())


def test_kornia_size_change_under_its_own_gate_is_refused() -> None:
    with pytest.raises(
        ShapeError,
        match=r"RandomCrop turns frames of \(C,H,W\) \(3, 8, 9\) into \(3, 4, 4\) but has p=1.0, p_batch=0.5",
    ):
        FromKornia(K.RandomCrop((4, 4), p=0.5))(_float_batch(1, 2))


def test_kornia_empty_batch_gives_an_empty_batch_of_the_declared_shape() -> None:
    op = FromKornia(K.RandomCrop((4, 4)))
    out = op(torch.zeros(0, 3, 3, 8, 9))
    assert out.shape == (0, 3, 3, 4, 4)


# ------------------------------------------------------------------------------ import cost
def test_import_tempaug_imports_neither_kornia_nor_albumentations() -> None:
    code = (
        "import sys, tempaug\n"
        "print(sorted(m for m in ('kornia', 'albumentations', 'tempaug.adapters') if m in sys.modules))\n"
        "tempaug.FromKornia\n"
        "print(sorted(m for m in ('kornia', 'albumentations') if m in sys.modules))"
    )
    assert _run(code).splitlines() == ["[]", "['kornia']"]


def test_from_dict_builds_an_adapter_without_importing_it_first() -> None:
    code = (
        "import json, sys, tempaug\n"
        "a = tempaug.from_dict({'name': 'FromKornia', 'augmentation': {'class': 'RandomHorizontalFlip'}})\n"
        "b = tempaug.from_dict({'name': 'FromAlbumentations', "
        "'transform': {'transform': {'__class_fullname__': 'HorizontalFlip', 'p': 1.0}}})\n"
        "print(type(a).__module__, type(b).__module__)"
    )
    assert _run(code) == "tempaug.adapters.kornia tempaug.adapters.albumentations"


# ---------------------------------------------------------------------------------- devices
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
def test_adapters_run_on_a_cuda_batch_and_match_the_cpu() -> None:
    x_cpu = _uint8_batch(3, 4)
    for op in (
        FromKornia(K.RandomHorizontalFlip(p=0.5)),
        FromAlbumentations(A.Compose([A.HorizontalFlip(), A.ColorJitter(p=1.0)]), vary="frame"),
    ):
        params = op.sample(x_cpu.shape, generator=gen(0))
        out = op.apply(x_cpu.cuda(), params.to("cuda"))
        assert out.device.type == "cuda" and out.dtype == torch.uint8
        assert torch.equal(out.cpu(), op.apply(x_cpu, params))
