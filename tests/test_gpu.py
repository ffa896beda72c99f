"""On a CUDA device: work stays on the device, with no host synchronisation inside ``apply``.

Skipped where no GPU is present.
"""

from __future__ import annotations

import pytest
import torch

import tempaug

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

PIPELINES = {
    "reverse": lambda: tempaug.TemporalReverse(p=0.5),
    "speed": lambda: tempaug.SpeedJitter(speed=(0.5, 2.0), boundary="loop", vary="smooth"),
    "compose": lambda: tempaug.Compose(
        [tempaug.TemporalCrop(12), tempaug.TemporalReverse(p=0.5), tempaug.SpeedJitter(length=8), tempaug.FrameDrop(2)]
    ),
    "one_of": lambda: tempaug.OneOf([tempaug.TimeWarp(), tempaug.FrameDuplicate(3), tempaug.TemporalReverse()]),
    "some_of_unfused": lambda: tempaug.SomeOf(
        [tempaug.TimeWarp(), tempaug.SpeedJitter(), tempaug.TemporalReverse()], n=(0, 3), fuse=False
    ),
    "random_apply": lambda: tempaug.RandomApply(
        tempaug.Compose([tempaug.FrameDrop(2), tempaug.TimeWarp()], fuse=False)
    ),
}


@cuda
@pytest.mark.parametrize("name", sorted(PIPELINES))
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32, torch.float16])
def test_apply_on_cuda_matches_cpu_without_host_sync(name: str, dtype: torch.dtype) -> None:
    op = PIPELINES[name]()
    g = torch.Generator().manual_seed(0)
    x_cpu = (torch.rand(6, 16, 3, 8, 8, generator=g) * (255 if dtype == torch.uint8 else 1)).to(dtype)
    params = op.sample(x_cpu.shape, generator=g)
    expected = op.apply(x_cpu, params)
    x = x_cpu.cuda()
    dev_params = params.to("cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        out = op.apply(x, dev_params)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert out.device == x.device and out.dtype == dtype
    if dtype == torch.uint8:  # the CPU blends uint8 with OpenCV: rounding may differ by one level
        assert (out.cpu().int() - expected.int()).abs().max() <= 1
    else:
        assert torch.equal(out.cpu(), expected)


@cuda
def test_call_with_a_cuda_generator_draws_on_the_device() -> None:
    g = torch.Generator(device="cuda").manual_seed(0)
    x = torch.rand(4, 16, 3, 8, 8, device="cuda")
    out, params = tempaug.SpeedJitter()(x, generator=g, return_params=True)
    assert params.device.type == "cuda" and out.device.type == "cuda"


SPATIAL = {
    "crop_flip": lambda: tempaug.Compose([tempaug.RandomResizedCrop(12), tempaug.HorizontalFlip(p=0.5)]),
    "affine_smooth": lambda: tempaug.RandomAffine(degrees=20, scale=(0.9, 1.1), vary="smooth", p=0.5),
    "mixed": lambda: tempaug.Compose(
        [tempaug.TemporalCrop(12), tempaug.RandomCrop(14, padding=2), tempaug.SpeedJitter(length=8), tempaug.Resize(10)]
    ),
}


@cuda
@pytest.mark.parametrize("name", sorted(SPATIAL))
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_spatial_apply_on_cuda_stays_on_device_without_host_sync(name: str, dtype: torch.dtype) -> None:
    op = SPATIAL[name]()
    g = torch.Generator().manual_seed(0)
    x_cpu = (torch.rand(6, 16, 3, 16, 20, generator=g) * (255 if dtype == torch.uint8 else 1)).to(dtype)
    params = op.sample(x_cpu.shape, generator=g)
    expected = op.apply(x_cpu, params)
    x, dev_params = x_cpu.cuda(), params.to("cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        out = op.apply(x, dev_params)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert out.device == x.device and out.dtype == dtype and out.shape == expected.shape
    # the CPU path resizes with antialiasing, the device path with grid_sample: close, not equal
    tolerance = 255 * 0.1 if dtype == torch.uint8 else 0.1  # measured on the CPU with grid_sample forced: <= 0.05
    assert (out.cpu().float() - expected.float()).abs().mean() < tolerance


def _sample_batch(device: str) -> tempaug.Sample:
    g = torch.Generator().manual_seed(1)
    b, t = 4, 8
    boxes = torch.tensor([[2.0, 2.0, 10.0, 12.0], [8.0, 4.0, 14.0, 15.0]]).expand(b, t, 2, 4)
    return tempaug.Sample(
        video=torch.rand(b, t, 3, 16, 16, generator=g).to(device),
        label=torch.tensor([0, 1, 2, 1], device=device),
        boxes=boxes.to(device),
        keypoints=(torch.rand(b, t, 2, 3, 2, generator=g) * 16).to(device),
        mask=torch.randint(0, 4, (b, t, 1, 16, 16), generator=g).to(device),
        segments=[[(1, 5, "a")], [(0, 8, "b")], [], [(2, 3, "a")]],
    )


@cuda
def test_targets_move_on_cuda_as_on_the_cpu() -> None:
    aug = tempaug.Compose(
        [
            tempaug.SpeedJitter((0.5, 2.0)),
            tempaug.TemporalReverse(p=0.5),
            tempaug.RandomResizedCrop(12),
            tempaug.HorizontalFlip(p=0.5, swap={0: 2}),
            tempaug.RandomAffine(15, p=0.5),
            tempaug.CutMix(num_classes=3),
        ]
    )
    expected, params = aug(_sample_batch("cpu"), generator=torch.Generator().manual_seed(0), return_params=True)
    out = aug.apply(_sample_batch("cuda"), params.to("cuda"))
    assert out.video.device.type == "cuda" and out.boxes.device.type == "cuda"
    assert out.video.shape == expected.video.shape  # frames: the CPU's box path and CUDA's warp differ by design
    assert torch.allclose(out.label.cpu(), expected.label)
    assert torch.allclose(out.boxes.cpu(), expected.boxes, atol=1e-3)
    assert torch.equal(out.box_valid.cpu(), expected.box_valid)
    assert torch.equal(out.mask.cpu(), expected.mask)
    assert out.segments == expected.segments
