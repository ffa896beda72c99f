"""RCGAN: sampling shapes and determinism, the training step, and that both players can learn on a tiny batch."""

from __future__ import annotations

import math

import pytest
import torch

from tempaug.core.errors import DTypeError, InvalidArgumentError, ShapeError
from tempaug.models import RCGAN, RCDiscriminator, RCGenerator
from tempaug.models.rcgan import motion_statistics, r1_penalty, temporal_consistency

TINY = {"num_classes": 3, "length": 4, "size": 32, "z_dim": 8, "hidden": 32, "width": 8}


def tiny_gan(seed: int = 0, **overrides: object) -> RCGAN:
    torch.manual_seed(seed)
    return RCGAN(**{**TINY, **overrides})


def moving_squares() -> tuple[torch.Tensor, torch.Tensor]:
    """Six 4-frame 32x32 clips: a bar whose start column depends on the class, moving 2 px per frame."""
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    clips = torch.zeros(6, 4, 1, 32, 32)
    for i, label in enumerate(labels.tolist()):
        for t in range(4):
            x0 = 4 + 6 * label + 2 * t
            clips[i, t, 0, 8:16, x0 : x0 + 6] = 1.0
    return clips, labels


@pytest.fixture(scope="module")
def trained() -> tuple[RCGAN, list[dict[str, float]]]:
    """A tiny GAN after 30 train steps on the moving squares (lr 2e-3), with the terms of every step."""
    gan = tiny_gan()
    clips, labels = moving_squares()
    opts = gan.configure_optimizers(2e-3)
    history = [gan.train_step(clips, labels, opts) for _ in range(30)]
    return gan, history


def test_generate_float_and_uint8_shapes_dtypes_and_ranges() -> None:
    gan = tiny_gan()
    x = gan.generate(torch.tensor([0, 1, 2]))
    assert x.shape == (3, 4, 1, 32, 32) and x.dtype == torch.float32
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert not x.requires_grad
    y = gan.generate([2, 0], length=7, uint8=True)
    assert y.shape == (2, 7, 1, 32, 32) and y.dtype == torch.uint8


def test_generate_uint8_is_the_rounded_float_clip() -> None:
    gan = tiny_gan()
    x = gan.generate([1], generator=torch.Generator().manual_seed(5))
    y = gan.generate([1], generator=torch.Generator().manual_seed(5), uint8=True)
    assert torch.equal(y, (x * 255).round().to(torch.uint8))


def test_generate_is_deterministic_for_a_seeded_generator() -> None:
    gan = tiny_gan()
    a = gan.generate([0, 1], generator=torch.Generator().manual_seed(3))
    b = gan.generate([0, 1], generator=torch.Generator().manual_seed(3))
    c = gan.generate([0, 1], generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


def test_different_labels_give_different_clips_for_the_same_noise() -> None:
    gan = tiny_gan()
    a = gan.generate([0, 0], generator=torch.Generator().manual_seed(3))
    b = gan.generate([0, 2], generator=torch.Generator().manual_seed(3))
    assert torch.equal(a[0], b[0])
    assert (a[1] - b[1]).abs().max() > 1e-3


def test_frames_of_a_clip_differ_and_clips_of_a_batch_differ() -> None:
    x = tiny_gan().generate([1, 1], generator=torch.Generator().manual_seed(0))
    assert (x[0, 1] - x[0, 0]).abs().max() > 1e-4  # per-step noise moves the frames
    assert (x[0] - x[1]).abs().max() > 1e-4  # clip noise differs across the batch


def test_default_size_generates_64x64_clips_of_the_model_length() -> None:
    gan = RCGAN(num_classes=10, length=3)
    assert gan.kind == "rcgan"
    assert gan.generate([9]).shape == (1, 3, 1, 64, 64)
    assert RCGAN(num_classes=10).length == 20


def test_three_channel_clips_at_48x48() -> None:
    gan = RCGAN(num_classes=2, in_channels=3, length=2, size=48, z_dim=4, hidden=8, width=4)
    assert gan.generate([0, 1]).shape == (2, 2, 3, 48, 48)
    logit, aux = gan.discriminator(torch.rand(2, 2, 3, 48, 48), torch.tensor([0, 1]))
    assert logit.shape == (2,) and aux.shape == (2, 2)


def test_train_step_returns_finite_terms_and_updates_both_networks() -> None:
    gan = tiny_gan()
    clips, labels = moving_squares()
    g_before = [p.detach().clone() for p in gan.generator.parameters()]
    d_before = [p.detach().clone() for p in gan.discriminator.parameters()]
    terms = gan.train_step(clips, labels, gan.configure_optimizers(1e-3))
    expected = {"d_loss", "d_adv", "d_aux", "d_r1", "g_loss", "g_adv", "g_aux", "g_temporal"}
    assert set(terms) == expected
    assert all(isinstance(v, float) and math.isfinite(v) for v in terms.values())
    assert terms["d_r1"] > 0
    assert any(not torch.equal(a, b) for a, b in zip(g_before, gan.generator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d_before, gan.discriminator.parameters()))
    assert all(p.requires_grad for p in gan.discriminator.parameters())


def test_configure_optimizers_gives_adam_with_gan_betas_over_each_network() -> None:
    gan = tiny_gan()
    opts = gan.configure_optimizers(2e-4)
    assert set(opts) == {"generator", "discriminator"}
    for name, net in (("generator", gan.generator), ("discriminator", gan.discriminator)):
        opt = opts[name]
        assert isinstance(opt, torch.optim.Adam)
        assert opt.param_groups[0]["betas"] == (0.5, 0.999) and opt.param_groups[0]["lr"] == 2e-4
        assert {id(p) for g in opt.param_groups for p in g["params"]} == {id(p) for p in net.parameters()}


def test_discriminator_auxiliary_classifier_overfits_a_tiny_batch(trained) -> None:
    _, history = trained
    first = history[0]["d_aux"]
    assert first == pytest.approx(math.log(3), abs=0.1)  # chance level at the start
    last = min(h["d_aux"] for h in history[-5:])
    assert last < first / 2, [round(h["d_aux"], 3) for h in history]


def test_generator_learns_to_fool_a_fixed_discriminator(trained) -> None:
    """30 generator-only Adam steps on fixed noise against the trained, frozen D: adv + aux loss at least halves,
    and D ends up scoring the generated clips as more likely real than fake (mean sigmoid(logit) > 0.5)."""
    gan, _ = trained
    clips, labels = moving_squares()
    gen = torch.Generator().manual_seed(0)
    z_clip, z_steps = torch.randn(6, 8, generator=gen), torch.randn(6, 4, 8, generator=gen)
    opt = torch.optim.Adam(gan.generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    gan.discriminator.requires_grad_(False)
    try:
        losses = []
        for _ in range(30):
            _, terms = gan.generator_loss(clips, labels, gan.generator(labels, z_clip, z_steps))
            objective = terms["g_adv"] + terms["g_aux"]
            losses.append(float(objective.detach()))
            opt.zero_grad()
            objective.backward()
            opt.step()
        with torch.no_grad():
            logit, _ = gan.discriminator(gan.generator(labels, z_clip, z_steps), labels)
    finally:
        gan.discriminator.requires_grad_(True)
    assert losses[-1] < losses[0] / 2, [round(v, 3) for v in losses]
    assert float(torch.sigmoid(logit).mean()) > 0.5


def test_r1_penalty_is_positive_and_differentiable_in_the_discriminator() -> None:
    torch.manual_seed(0)
    d = RCDiscriminator(3, size=16, hidden=8, width=4)
    clips = torch.rand(2, 3, 1, 16, 16)
    penalty, logit, aux = r1_penalty(d, clips, torch.tensor([0, 2]))
    assert penalty.dim() == 0 and float(penalty.detach()) > 0 and penalty.requires_grad
    assert logit.shape == (2,) and aux.shape == (2, 3)
    penalty.backward()
    grads = [p.grad for p in d.parameters() if p.grad is not None]
    assert grads and any(float(g.abs().sum()) > 0 for g in grads)
    assert clips.grad is None  # the input is detached, the caller's clips are untouched


def test_r1_penalty_matches_a_direct_computation() -> None:
    torch.manual_seed(0)
    d = RCDiscriminator(3, size=16, hidden=8, width=4)
    clips, labels = torch.rand(2, 3, 1, 16, 16), torch.tensor([1, 2])
    penalty, _, _ = r1_penalty(d, clips, labels)
    expected = 0.0
    for i in range(2):
        x = clips[i : i + 1].clone().requires_grad_(True)
        (g,) = torch.autograd.grad(d(x, labels[i : i + 1])[0].sum(), x)
        expected += float(g.pow(2).sum()) / 2
    assert float(penalty.detach()) == pytest.approx(expected, rel=1e-4)


def test_temporal_consistency_compares_motion_statistics() -> None:
    still = torch.zeros(2, 4, 1, 8, 8)
    moving, _ = moving_squares()
    assert float(temporal_consistency(moving, moving)) == 0.0
    mean, std = motion_statistics(moving)
    assert float(temporal_consistency(still, moving)) == pytest.approx(float(mean + std))
    fake = torch.rand(2, 4, 1, 8, 8, requires_grad=True)
    temporal_consistency(fake, still).backward()
    assert fake.grad is not None and float(fake.grad.abs().sum()) > 0
    assert float(temporal_consistency(torch.rand(2, 1, 1, 8, 8), moving)) == 0.0  # one frame: no motion


@pytest.mark.parametrize("labels", [torch.tensor([0, 3]), torch.tensor([-1]), [5]])
def test_labels_outside_the_classes_are_rejected(labels) -> None:
    with pytest.raises(InvalidArgumentError, match=r"labels must lie in \[0, 3\)"):
        tiny_gan().generate(labels)


def test_labels_of_a_wrong_type_or_shape_are_rejected() -> None:
    gan = tiny_gan()
    with pytest.raises(DTypeError, match="integer"):
        gan.generate(torch.tensor([0.0, 1.0]))
    with pytest.raises(DTypeError):
        gan.generate("0")
    with pytest.raises(ShapeError, match="1-D"):
        gan.generate(torch.tensor([[0, 1]]))
    with pytest.raises(ShapeError, match="1-D"):
        gan.generate(torch.tensor([], dtype=torch.long))


@pytest.mark.parametrize("length", [0, -2, 1.5])
def test_length_below_one_is_rejected(length) -> None:
    with pytest.raises(InvalidArgumentError, match="length"):
        tiny_gan().generate([0], length=length)
    with pytest.raises(InvalidArgumentError, match="length"):
        RCGAN(num_classes=2, length=length)


@pytest.mark.parametrize(
    "shape", [(6, 4, 1, 16, 16), (6, 4, 3, 32, 32), (6, 4, 1, 32, 16), (4, 1, 32, 32), (6, 0, 1, 32, 32)]
)
def test_clips_of_a_wrong_size_or_channels_are_rejected(shape) -> None:
    gan = tiny_gan()
    _, labels = moving_squares()
    with pytest.raises(ShapeError, match=r"expected \(B,T,1,32,32\) clips"):
        gan.train_step(torch.rand(shape), labels, gan.configure_optimizers(1e-3))


def test_integer_clips_and_mismatched_label_counts_are_rejected() -> None:
    gan = tiny_gan()
    clips, labels = moving_squares()
    opts = gan.configure_optimizers(1e-3)
    with pytest.raises(DTypeError, match="float clips"):
        gan.train_step((clips * 255).to(torch.uint8), labels, opts)
    with pytest.raises(ShapeError, match="5 labels for a batch of 6 clips"):
        gan.train_step(clips, labels[:5], opts)
    with pytest.raises(InvalidArgumentError, match="labels"):
        gan.train_step(clips, labels + 1, opts)


def test_loss_points_at_train_step() -> None:
    clips, labels = moving_squares()
    with pytest.raises(NotImplementedError, match="train_step"):
        tiny_gan().loss(clips, labels)


@pytest.mark.parametrize(
    ("cls", "kwargs", "arg"),
    [
        (RCGenerator, {"num_classes": 0}, "num_classes"),
        (RCGenerator, {"num_classes": 2, "size": 33}, "size"),
        (RCGenerator, {"num_classes": 2, "size": 4}, "size"),
        (RCGenerator, {"num_classes": 2, "z_dim": 0}, "z_dim"),
        (RCDiscriminator, {"num_classes": 2, "hidden": 0}, "hidden"),
        (RCDiscriminator, {"num_classes": 2, "size": 40.0}, "size"),
        (RCGAN, {"num_classes": 2, "r1_gamma": -1.0}, "r1_gamma"),
        (RCGAN, {"num_classes": 2, "temporal_weight": float("nan")}, "temporal_weight"),
    ],
)
def test_bad_constructor_arguments_are_rejected(cls, kwargs, arg) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        cls(**kwargs)
    assert err.value.arg == arg


def test_configure_optimizers_rejects_a_bad_learning_rate() -> None:
    with pytest.raises(InvalidArgumentError, match="lr"):
        tiny_gan().configure_optimizers(0.0)
