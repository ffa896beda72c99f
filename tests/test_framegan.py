"""FrameGAN (the image GAN on frames), ``python -m tempaug.train framegan`` and ``rcgan --init-from``: the transfer
copies what it reports, tensor by tensor, and refuses what does not fit."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from tempaug.core.errors import DTypeError, InvalidArgumentError, InvalidInputError, ShapeError
from tempaug.models import RCGAN, FrameGAN
from tempaug.shard import BuildConfig, build
from tempaug.train.__main__ import main
from tempaug.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tempaug.train.config import DEFAULT_WIDTH, TrainConfig
from tempaug.train.run import build_model
from tempaug.train.transfer import TRANSFERRED, init_from

TINY = {"num_classes": 3, "size": 16, "z_dim": 8, "hidden": 16, "width": 4}


def class_bars() -> tuple[torch.Tensor, torch.Tensor]:
    """Six 3-frame 16x16 clips: a bar whose column depends on the class, moving 1 px per frame."""
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    clips = torch.zeros(6, 3, 1, 16, 16)
    for i, label in enumerate(labels.tolist()):
        for t in range(3):
            x0 = 1 + 5 * label + t
            clips[i, t, 0, 4:12, x0 : x0 + 3] = 1.0
    return clips, labels


def test_generate_float_and_uint8_frames_repeatably() -> None:
    gan = FrameGAN(**TINY)
    x = gan.generate(torch.tensor([0, 1, 2]), generator=torch.Generator().manual_seed(0))
    assert x.shape == (3, 1, 16, 16) and x.dtype == torch.float32 and not x.requires_grad
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    again = gan.generate(torch.tensor([0, 1, 2]), generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, again)
    y = gan.generate([2, 0, 1], uint8=True, generator=torch.Generator().manual_seed(0))
    assert y.shape == (3, 1, 16, 16) and y.dtype == torch.uint8
    rgb = FrameGAN(num_classes=2, in_channels=3, size=28, z_dim=4, hidden=8, width=4)
    assert rgb.generate([1]).shape == (1, 3, 28, 28) and rgb.kind == "framegan"


def test_train_step_keeps_every_loss_finite_and_the_aux_head_overfits_a_tiny_batch() -> None:
    torch.manual_seed(0)
    gan = FrameGAN(**TINY)
    clips, labels = class_bars()
    opts = gan.configure_optimizers(1e-2)
    g_before = [p.detach().clone() for p in gan.generator.parameters()]
    history = [gan.train_step(clips, labels, opts) for _ in range(20)]
    assert set(history[0]) == {"d_loss", "d_adv", "d_aux", "d_r1", "g_loss", "g_adv", "g_aux"}
    assert all(math.isfinite(v) for h in history for v in h.values())
    assert history[0]["d_aux"] == pytest.approx(math.log(3), abs=0.1)  # chance at the start
    assert min(h["d_aux"] for h in history[-5:]) < history[0]["d_aux"] / 2, [round(h["d_aux"], 3) for h in history]
    assert any(not torch.equal(a, b) for a, b in zip(g_before, gan.generator.parameters()))
    assert all(p.requires_grad for p in gan.discriminator.parameters())


def test_frames_of_picks_one_frame_of_each_clip_and_passes_frames_through() -> None:
    gan = FrameGAN(**TINY)
    clips = torch.arange(4.0).view(1, 4, 1, 1, 1).expand(5, 4, 1, 16, 16)
    picked = gan.frames_of(clips, torch.Generator().manual_seed(3))
    assert picked.shape == (5, 1, 16, 16)
    assert all(float(f.std()) == 0 and float(f[0, 0, 0]) in (0.0, 1.0, 2.0, 3.0) for f in picked)
    frames = torch.rand(2, 1, 16, 16)
    assert gan.frames_of(frames) is frames
    with pytest.raises(ShapeError, match="expected"):
        gan.frames_of(torch.rand(16, 16))


def test_bad_batches_and_single_loss_use_are_refused() -> None:
    gan = FrameGAN(**TINY)
    opts = gan.configure_optimizers(1e-3)
    with pytest.raises(ShapeError, match=r"expected \(B,1,16,16\) frames"):
        gan.train_step(torch.rand(2, 3, 1, 8, 8), torch.tensor([0, 1]), opts)
    with pytest.raises(DTypeError, match="float frames"):
        gan.train_step(torch.zeros(2, 3, 1, 16, 16, dtype=torch.uint8), torch.tensor([0, 1]), opts)
    with pytest.raises(ShapeError, match="1 labels for a batch of 2 frames"):
        gan.train_step(torch.rand(2, 3, 1, 16, 16), torch.tensor([0]), opts)
    with pytest.raises(InvalidArgumentError, match=r"labels must lie in \[0, 3\)"):
        gan.generate([3])
    with pytest.raises(InvalidArgumentError, match="lr"):
        gan.configure_optimizers(0.0)
    with pytest.raises(NotImplementedError, match="train_step"):
        gan.loss(torch.rand(2, 3, 1, 16, 16), torch.tensor([0, 1]))


def test_frame_networks_have_the_rcgans_names_and_shapes() -> None:
    frames, clips = FrameGAN(**TINY).state_dict(), RCGAN(length=4, **TINY).state_dict()
    shared = [name for name in frames if name.startswith(TRANSFERRED)]
    assert shared == [name for name in clips if name.startswith(TRANSFERRED)]
    assert len(shared) > 10 and all(frames[n].shape == clips[n].shape for n in shared)
    assert frames["generator.embed.weight"].shape == clips["generator.embed.weight"].shape


def test_default_framegan_and_rcgan_runs_are_built_to_transfer() -> None:
    assert DEFAULT_WIDTH["framegan"] == DEFAULT_WIDTH["rcgan"]
    shape = {"channels": 1, "size": 32, "length": 4, "num_classes": 10}
    frames = build_model(TrainConfig(kind="framegan"), **shape).state_dict()
    clips = build_model(TrainConfig(kind="rcgan"), **shape).state_dict()
    assert all(frames[n].shape == clips[n].shape for n in frames if n.startswith(TRANSFERRED))


def _framegan_checkpoint(path: Path, seed: int = 1, **overrides: object) -> Path:
    torch.manual_seed(seed)
    model = FrameGAN(**{**TINY, **overrides})
    for p in model.parameters():  # nothing left at its initial value, so a copy cannot pass by chance
        p.data.add_(torch.rand_like(p))
    save_checkpoint(path, kind="framegan", model=model, optimizers={}, config={"width": TINY["width"]}, step=1)
    return path


def test_init_from_copies_exactly_the_tensors_it_reports_and_leaves_the_rest(tmp_path: Path) -> None:
    path = _framegan_checkpoint(tmp_path / "last.pt")
    source = load_checkpoint(path)["model"]
    torch.manual_seed(0)
    gan = RCGAN(length=4, **TINY)
    before = {k: v.clone() for k, v in gan.state_dict().items()}
    report = init_from(gan, path)
    after = gan.state_dict()
    transferred = {n for n in after if n.startswith(TRANSFERRED)}
    assert set(report.copied) == transferred | {"generator.embed.weight"}
    assert set(report.copied) | set(report.not_copied) == set(after) and not set(report.copied) & set(report.not_copied)
    for name in report.copied:
        assert torch.equal(after[name], source[name]), name
    for name in report.not_copied:
        assert torch.equal(after[name], before[name]), name
    assert report.values == sum(after[n].numel() for n in report.copied)
    assert report.summary() == f"initialised {len(report.copied)} tensors ({report.values} values) from {path}"
    assert report.not_copied["generator.rnn.weight_hh_l0"] == "the framegan has no tensor of that name"
    assert "shape (3, 32) here, (3, 16) in the framegan" in report.not_copied["discriminator.embed.weight"]
    assert "generator.project.weight" in report.not_copied["generator.project.bias"]  # layers go whole


def test_init_from_refuses_another_width_naming_both_shapes_and_copies_nothing(tmp_path: Path) -> None:
    path = _framegan_checkpoint(tmp_path / "last.pt", width=8)
    gan = RCGAN(length=4, **TINY)
    before = {k: v.clone() for k, v in gan.state_dict().items()}
    with pytest.raises(InvalidInputError, match=r"generator\.decoder\.0\.weight is \(8,\) in this rcgan but \(16,\)"):
        init_from(gan, path)
    assert all(torch.equal(v, before[k]) for k, v in gan.state_dict().items())
    with pytest.raises(InvalidArgumentError, match="got a FrameGAN"):
        init_from(FrameGAN(**TINY), path)


def test_init_from_refuses_another_frame_size_and_a_checkpoint_of_another_kind(tmp_path: Path) -> None:
    path = _framegan_checkpoint(tmp_path / "last.pt", size=32)
    with pytest.raises(InvalidInputError, match=r"in this rcgan but (absent|\(\d+(, \d+)*\)) in the framegan"):
        init_from(RCGAN(length=4, **TINY), path)
    gan = RCGAN(length=4, **TINY)
    save_checkpoint(tmp_path / "gan.pt", kind="rcgan", model=gan, optimizers={}, config={}, step=1)
    with pytest.raises(CheckpointError, match="holds a 'rcgan' model, not a 'framegan' one"):
        init_from(gan, tmp_path / "gan.pt")


# The command line, on a tiny dataset.


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("digits")
    build(
        BuildConfig(
            out=str(out), train=16, val=0, test=8, frames=6, canvas=28, digits=1, format="npy", workers=1, quiet=True
        )
    )
    return out


def _args(kind: str, data: Path, out: Path, *extra: str) -> list[str]:
    return [
        kind,
        *("--data", str(data), "--out", str(out), "--width", "4", "--batch-size", "8", "--num-workers", "0"),
        *("--max-steps", "2", "--classifier-steps", "3", "--eval-clips", "8", "--quiet", *extra),
    ]


@pytest.fixture(scope="module")
def framegan_run(digits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("framegan") / "run"
    assert main(_args("framegan", digits, out)) == 0
    return out


def test_a_framegan_run_writes_its_checkpoint_gif_and_a_record(framegan_run: Path) -> None:
    ckpt = load_checkpoint(framegan_run / "last.pt", kind="framegan")
    assert ckpt["step"] == 2 and ckpt["config"]["kind"] == "framegan"
    assert ckpt["extra"]["model_args"] == {"channels": 1, "size": 28, "length": 6, "num_classes": 10}
    assert all(math.isfinite(v[-1][1]) for v in ckpt["extra"]["history"].values())
    record = json.loads((framegan_run / "metrics.jsonl").read_text().splitlines()[-1])
    assert record["samples"] == 10 and record["step"] == 2 and "metrics" not in record
    assert not (framegan_run / "metrics.png").exists()
    from PIL import Image

    with Image.open(framegan_run / "eval.gif") as gif:  # 10 classes, a real frame beside a generated one
        assert gif.size[0] == 2 * 28 + 2
    assert main(["eval", str(framegan_run), "--quiet"]) == 0
    assert json.loads((framegan_run / "metrics.jsonl").read_text().splitlines()[-1])["eval"] is True


def test_rcgan_init_from_a_framegan_run_starts_from_its_weights(
    digits: Path, framegan_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gan"
    # one step at a tiny learning rate: every Adam update is about 1e-12, so the weights stay where init put them
    args = _args("rcgan", digits, out, "--init-from", str(framegan_run), "--max-steps", "1", "--lr", "1e-12")
    assert main([a for a in args if a != "--quiet"]) == 0
    assert json.loads((out / "config.json").read_text())["init_from"] == str(framegan_run)
    source = load_checkpoint(framegan_run / "last.pt")["model"]
    trained = load_checkpoint(out / "last.pt", kind="rcgan")["model"]
    copied = [n for n in trained if n.startswith(TRANSFERRED)] + ["generator.embed.weight"]
    values = sum(trained[n].numel() for n in copied)
    assert f"rcgan: initialised {len(copied)} tensors ({values} values) from {framegan_run}" in capsys.readouterr().err
    for name in copied:
        assert torch.allclose(trained[name], source[name], atol=1e-6), name
    assert not torch.allclose(trained["generator.project.weight"][:, :4], source["generator.project.weight"][:, :4])


def test_rcgan_init_from_a_framegan_of_another_width_exits_2_naming_both_shapes(
    digits: Path, framegan_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wide = tmp_path / "wide"
    assert main(_args("framegan", digits, wide, "--max-steps", "1", "--width", "8")) == 0
    capsys.readouterr()
    assert main(_args("rcgan", digits, tmp_path / "gan", "--init-from", str(wide))) == 2
    err = capsys.readouterr().err
    assert "is (8,) in this rcgan but (16,) in the framegan" in err
    assert (
        "trained on 1x28x28 frames, 10 classes, width 8" in err
        and "built for 1x28x28 frames, 10 classes, width 4" in err
    )
    assert not (tmp_path / "gan").exists()  # refused before the run folder is made


def test_init_from_a_non_framegan_checkpoint_or_with_resume_exits_2(
    digits: Path, framegan_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gan = tmp_path / "gan"
    assert main(_args("rcgan", digits, gan, "--max-steps", "1")) == 0
    capsys.readouterr()
    assert main(_args("rcgan", digits, tmp_path / "g2", "--init-from", str(gan))) == 2
    assert "holds a 'rcgan' model, not a 'framegan' one" in capsys.readouterr().err
    assert main(_args("rcgan", digits, gan, "--resume", str(gan), "--init-from", str(framegan_run))) == 2
    assert "give only one" in capsys.readouterr().err
    assert main(_args("framegan", digits, tmp_path / "f2", "--init-from", str(framegan_run))) == 2
    assert "got kind 'framegan'" in capsys.readouterr().err
    assert main(_args("rcgan", digits, tmp_path / "g3", "--init-from", str(tmp_path / "nothing"))) == 2
    assert "no checkpoint at" in capsys.readouterr().err
