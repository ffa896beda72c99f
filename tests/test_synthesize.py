"""Synthesize: generated clips replace or join a batch, keep its labels and layout, and replay exactly.

Like a mixer, Synthesize runs on a sample with a label, ``synth(Sample(video=clips, label=labels))``; the labels
of the generated clips come back in ``.label``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import tempaug
from tempaug import Sample
from tempaug.core.errors import DTypeError, InvalidArgumentError, SerializationError, ShapeError
from tempaug.core.sample import TargetsError
from tempaug.models import RCGAN
from tempaug.ops.synthesize import fit_frames, load_generator
from tempaug.shard import BuildConfig, build
from tempaug.train.checkpoint import CheckpointError
from tempaug.train.config import TrainConfig
from tempaug.train.run import train


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("digits")
    build(
        BuildConfig(
            out=str(out), train=16, val=0, test=8, frames=6, canvas=28, digits=1, format="npy", workers=1, quiet=True
        )
    )
    return out


def _run(data: Path, out: Path, kind: str) -> Path:
    cfg = TrainConfig(
        kind=kind,
        data=str(data),
        out=str(out),
        width=4,
        batch_size=8,
        num_workers=0,
        max_steps=1,
        context=3,
        horizon=3,
        classifier_steps=2,
        eval_clips=8,
        quiet=True,
    )
    train(cfg)
    return out


@pytest.fixture(scope="module")
def ckpt(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(data, tmp_path_factory.mktemp("gan") / "run", "rcgan") / "last.pt"


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _batch(b: int = 4, t: int = 6, c: int = 1, h: int = 28, w: int = 28) -> tuple[torch.Tensor, torch.Tensor]:
    clips = torch.randint(0, 256, (b, t, c, h, w), dtype=torch.uint8, generator=_gen(0))
    return clips, torch.arange(b) % 10


def test_replace_keeps_labels_shape_dtype_and_replaces_exactly_the_chosen_samples(ckpt: Path) -> None:
    synth = tempaug.Synthesize(str(ckpt), p=0.5)
    clips, labels = _batch(8)
    result, params = synth(Sample(video=clips, label=labels), generator=_gen(3), return_params=True)
    assert isinstance(result, Sample)
    out, out_labels = result.video, result.label
    assert out.shape == clips.shape and out.dtype == torch.uint8 and torch.equal(out_labels, labels)
    chosen = params.applied
    assert 0 < int(chosen.sum()) < 8  # this seed picks some samples and leaves others
    assert torch.equal(out[~chosen], clips[~chosen])
    assert not torch.equal(out[chosen], clips[chosen])
    assert torch.equal(params.condition, torch.full((8,), -1))


def test_replay_regenerates_identical_clips_even_from_a_fresh_instance(ckpt: Path) -> None:
    clips, labels = _batch()
    synth = tempaug.Synthesize(str(ckpt), p=1.0)
    sample = Sample(video=clips, label=labels)
    result, params = synth(sample, generator=_gen(5), return_params=True)
    out = result.video
    again = synth.apply(sample, params)
    fresh = tempaug.Synthesize(str(ckpt.parent), p=1.0).apply(sample, params)
    assert torch.equal(again.video, out) and torch.equal(fresh.video, out)
    assert again == result and fresh == result
    from_dict = synth.apply({"video": clips, "label": labels}, params)
    assert type(from_dict) is dict and torch.equal(from_dict["video"], out)
    other = synth(sample, generator=_gen(6)).video
    assert not torch.equal(other, out)


def test_each_clip_is_the_generator_output_for_its_label_and_seed(ckpt: Path) -> None:
    synth = tempaug.Synthesize(str(ckpt), p=1.0)
    clips, labels = _batch(3)
    result, params = synth(Sample(video=clips.float() / 255, label=labels), generator=_gen(1), return_params=True)
    out = result.video
    model = load_generator(str(ckpt))
    for i in range(3):
        g = torch.Generator().manual_seed(int(params.seeds[i]))
        z_clip = torch.randn(1, model.generator.z_dim, generator=g)
        z_steps = torch.randn(1, 6, model.generator.z_dim, generator=g)
        with torch.no_grad():
            expected = model.generator(labels[i : i + 1], z_clip, z_steps)
        assert torch.allclose(out[i : i + 1], expected, atol=1e-6)


def test_p_zero_is_the_identity(ckpt: Path) -> None:
    clips, labels = _batch()
    for mode in ("replace", "append"):
        result = tempaug.Synthesize(str(ckpt), p=0.0, mode=mode)(Sample(video=clips, label=labels), generator=_gen(0))
        assert torch.equal(result.video, clips) and torch.equal(result.label, labels)


def test_append_adds_the_clips_replace_would_have_put_in_place(ckpt: Path) -> None:
    clips, labels = _batch(6)
    replace = tempaug.Synthesize(str(ckpt), p=0.5)
    sample = Sample(video=clips, label=labels)
    swapped_sample, params = replace(sample, generator=_gen(2), return_params=True)
    swapped = swapped_sample.video
    grown_sample = tempaug.Synthesize(str(ckpt), p=0.5, mode="append").apply(sample, params)
    grown, grown_labels = grown_sample.video, grown_sample.label
    k = int(params.applied.sum())
    assert grown.shape == (6 + k, *clips.shape[1:]) and torch.equal(grown[:6], clips)
    assert torch.equal(grown[6:], swapped[params.applied])
    assert torch.equal(grown_labels, torch.cat([labels, labels[params.applied]]))


def test_vary_condition_generates_other_classes_and_relabels(ckpt: Path) -> None:
    clips, labels = _batch(8)
    synth = tempaug.Synthesize(str(ckpt), p=1.0, vary_condition=True)
    result, params = synth(Sample(video=clips, label=labels), generator=_gen(4), return_params=True)
    out_labels = result.label
    assert torch.equal(out_labels, params.condition) and bool((params.condition >= 0).all())
    assert not torch.equal(out_labels, labels)
    rows = torch.nn.functional.one_hot(labels, 10).float()
    out_rows = synth.apply(Sample(video=clips, label=rows), params).label
    assert torch.equal(out_rows, torch.nn.functional.one_hot(params.condition, 10).float())


def test_generated_clips_keep_none_of_the_replaced_clips_targets(ckpt: Path) -> None:
    clips, labels = _batch(4)
    boxes = torch.tensor([[2.0, 2, 10, 10]]).expand(4, 6, 1, 4)
    segments = [[(0, 6, f"s{i}")] for i in range(4)]
    sample = Sample(video=clips, label=labels, boxes=boxes, segments=segments)
    out, params = tempaug.Synthesize(str(ckpt), p=0.5)(sample, generator=_gen(2), return_params=True)
    chosen = params.applied.tolist()
    assert 0 < sum(chosen) < 4  # this seed replaces some samples and keeps others
    assert torch.equal(out.label, labels)
    for i, replaced in enumerate(chosen):
        if replaced:  # a generated clip: its label, no object, no segment
            assert not bool(out.box_valid[i].any()) and out.segments[i] == []
        else:
            assert bool(out.box_valid[i].all()) and torch.equal(out.boxes[i], boxes[i])
            assert out.segments[i] == [(0.0, 6.0, f"s{i}")]
    grown = tempaug.Synthesize(str(ckpt), p=0.5, mode="append").apply(sample, params)
    k = sum(chosen)
    assert grown.video.shape[0] == 4 + k and grown.boxes.shape == (4 + k, 6, 1, 4)
    assert bool(grown.box_valid[:4].all()) and not bool(grown.box_valid[4:].any())
    assert grown.segments == [[(0.0, 6.0, f"s{i}")] for i in range(4)] + [[]] * k
    assert torch.equal(grown.label, torch.cat([labels, labels[params.applied]]))


def test_generated_clips_match_the_batch_length_size_channels_and_float_range(ckpt: Path) -> None:
    clips = torch.rand(2, 9, 3, 24, 40)
    synth = tempaug.Synthesize(str(ckpt), p=1.0, value_range=(-1.0, 1.0))
    out = synth(Sample(video=clips, label=torch.tensor([1, 2])), generator=_gen(0)).video
    assert out.shape == clips.shape and out.dtype == torch.float32
    assert float(out.min()) >= -1.0 and float(out.max()) <= 1.0 and float(out.min()) < 0.0
    assert torch.equal(out[:, :, 0], out[:, :, 1]) and torch.equal(out[:, :, 1], out[:, :, 2])  # grey repeated
    half = synth(Sample(video=clips.half(), label=torch.tensor([1, 2])), generator=_gen(0)).video
    assert half.dtype == torch.float16


def test_fit_frames_resizes_to_cover_then_crops_the_centre() -> None:
    ramp = torch.linspace(0, 1, 8).view(1, 1, 1, 1, 8).expand(1, 1, 1, 8, 8)
    wide = fit_frames(ramp, 4, 8)
    assert wide.shape == (1, 1, 1, 4, 8) and torch.allclose(wide[0, 0, 0, 0], ramp[0, 0, 0, 0])
    assert fit_frames(ramp, 8, 8) is ramp


def test_a_checkpoint_that_is_not_an_rcgan_is_refused_naming_both_kinds(data: Path, tmp_path: Path) -> None:
    other = _run(data, tmp_path / "s2s", "seq2seq") / "last.pt"
    with pytest.raises(CheckpointError, match="holds a 'seq2seq' model, not a 'rcgan' one"):
        tempaug.Synthesize(str(other))
    with pytest.raises(InvalidArgumentError, match="must be an RCGAN"):
        tempaug.Synthesize(torch.nn.Linear(2, 2))


def test_labels_outside_the_generators_classes_and_unreachable_shapes_are_refused(ckpt: Path) -> None:
    synth = tempaug.Synthesize(str(ckpt), p=1.0)
    clips, _ = _batch(2)
    with pytest.raises(InvalidArgumentError, match=r"outside \[0, 10\)"):
        synth(Sample(video=clips, label=torch.tensor([3, 12])))
    with pytest.raises(ShapeError, match=r"the batch has 2 channels, the generator makes 1-channel clips"):
        synth(Sample(video=torch.rand(2, 4, 2, 28, 28), label=torch.tensor([0, 1])))
    with pytest.raises(
        TargetsError, match=r"^Synthesize: label of shape \(1,\) holds 1 label\(s\), but the video of shape \(2, 6, 1, 28, 28\) has 2 samples"
    ):
        synth(Sample(video=clips, label=torch.tensor([1])))
    needs_a_label = r"needs a sample with a label: op\(tempaug\.Sample\(video=clips, label=labels\)\)"
    for unlabelled in (clips, Sample(video=clips), {"video": clips}):
        with pytest.raises(TargetsError, match=rf"^Synthesize: .*{needs_a_label}"):
            synth(unlabelled)
    with pytest.raises(TargetsError, match=rf"^Synthesize: .*{needs_a_label}"):
        synth.apply(clips, synth.sample(clips.shape, generator=_gen(0)))
    # the 0.1 calls, labels as a second argument, say what the new call is
    with pytest.raises(
        DTypeError,
        match=r"^Synthesize: the second argument is the torch\.Generator .*got a Tensor; labels travel with the clip "
        r"in a sample: call op\(tempaug\.Sample\(video=clips, label=labels\)\)",
    ):
        synth(clips, torch.tensor([0, 1]))
    with pytest.raises(
        DTypeError,
        match=r"^Synthesize: .*labels travel with the clip in a sample: "
        r"op\.apply\(tempaug\.Sample\(video=clips, label=labels\), params\)",
    ):
        synth.apply(Sample(video=clips, label=torch.tensor([0, 1])), torch.tensor([0, 1]))


def test_joins_compose_and_serialises_by_checkpoint_path(ckpt: Path, tmp_path: Path) -> None:
    aug = tempaug.Compose([tempaug.TemporalReverse(), tempaug.Synthesize(str(ckpt), p=0.5)])
    clips, labels = _batch(6)
    sample = Sample(video=clips, label=labels)
    result, params = aug(sample, generator=_gen(7), return_params=True)
    out, out_labels = result.video, result.label
    assert out.shape == clips.shape and torch.equal(out_labels, labels)
    tempaug.save(aug, tmp_path / "aug.yaml")
    loaded = tempaug.load(tmp_path / "aug.yaml")
    assert loaded.to_dict() == aug.to_dict()
    assert torch.equal(loaded.apply(sample, params).video, out)
    with pytest.raises(InvalidArgumentError, match="must be the last op"):
        tempaug.Compose([tempaug.Synthesize(str(ckpt), mode="append"), tempaug.TemporalReverse()])
    with pytest.raises(InvalidArgumentError, match="cannot be chosen per sample"):
        tempaug.OneOf([tempaug.Synthesize(str(ckpt)), tempaug.TemporalReverse()])
    with pytest.raises(SerializationError, match="build it from the RCGAN checkpoint path"):
        tempaug.Synthesize(RCGAN(num_classes=2, size=16, z_dim=4, hidden=8, width=4)).to_dict()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_the_batch_device_and_matches_the_cpu(ckpt: Path) -> None:
    synth = tempaug.Synthesize(str(ckpt), p=1.0)
    clips, labels = _batch()
    result, params = synth(Sample(video=clips.float() / 255, label=labels), generator=_gen(0), return_params=True)
    cpu = result.video
    gpu = synth.apply(Sample(video=clips.cuda().float() / 255, label=labels.cuda()), params).video
    assert gpu.device.type == "cuda" and torch.allclose(gpu.cpu(), cpu, atol=1e-4)


# ------------------------------------------------------------------ dataset multiplier
def _shard_args(out: Path, ckpt: Path | str, *extra: str) -> list[str]:
    return [
        "build",
        "--out",
        str(out),
        "--train",
        "4",
        "--val",
        "0",
        "--test",
        "2",
        "--frames",
        "5",
        "--canvas",
        "28",
        "--digits",
        "1",
        "--format",
        "npy",
        "--workers",
        "1",
        "--synthesize",
        str(ckpt),
        "--quiet",
        *extra,
    ]


def test_build_adds_synthetic_clips_per_class_marked_and_counted_apart(
    ckpt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import tarfile

    from tempaug.data import make_loader
    from tempaug.io.records import decode_record, split_name
    from tempaug.shard import read_index
    from tempaug.shard.cli import main as shard_main

    out = tmp_path / "ds"
    assert shard_main(_shard_args(out, ckpt, "--synthetic-per-class", "2")) == 0
    index = read_index(out)
    assert index.splits["train"]["inputs"] == 4 + 20 and index.splits["train"]["synthetic"] == 20
    assert "synthetic" not in index.splits["test"]
    records: dict[str, dict[str, bytes]] = {}
    for shard in index.shards:
        with tarfile.open(out / shard.name) as tar:
            for m in tar.getmembers():
                key, ext = split_name(m.name)
                records.setdefault(key, {})[ext] = tar.extractfile(m).read()
    synthetic = {k: decode_record(r) for k, r in records.items() if json.loads(r["json"]).get("synthetic")}
    assert len(synthetic) == 20
    synth = tempaug.Synthesize(str(ckpt), p=1.0)
    like = torch.empty(1, 5, 1, 28, 28, dtype=torch.uint8)
    for rec in synthetic.values():
        cls, seed = rec.meta["generator"]["class"], rec.meta["generator"]["seed"]
        assert rec.meta["label"] == cls and rec.meta["labels"] == [cls] and rec.meta["split"] == "train"
        expected = synth.generate(torch.tensor([cls]), torch.tensor([seed]), like)[0]
        assert torch.equal(rec.clip, expected)  # npy is lossless: the stored clip is the generated one
    assert sorted(r.meta["label"] for r in synthetic.values()) == sorted(list(range(10)) * 2)
    batches = list(make_loader(str(out), split="train", batch_size=24, num_workers=0))
    flags = [bool(m.get("synthetic")) for b in batches for m in b.meta]
    assert sum(flags) == 20 and len(flags) == 24  # the flag survives the shard round trip
    capsys.readouterr()
    assert shard_main(["inspect", str(out)]) == 0
    assert "synthetic clips: train 20 of 24 (2 per class" in capsys.readouterr().out


def test_build_refuses_a_generator_that_is_not_an_rcgan_and_half_given_options(
    data: Path, ckpt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tempaug.shard.cli import main as shard_main

    other = _run(data, tmp_path / "s2s", "seq2seq")
    assert shard_main(_shard_args(tmp_path / "a", other, "--synthetic-per-class", "1")) == 2
    assert "holds a 'seq2seq' model, not a 'rcgan' one" in capsys.readouterr().err
    assert shard_main(_shard_args(tmp_path / "b", ckpt)) == 2
    assert "--synthetic-per-class N" in capsys.readouterr().err
    assert shard_main(_shard_args(tmp_path / "c", tmp_path / "nothing", "--synthetic-per-class", "1")) == 2
    assert "no checkpoint" in capsys.readouterr().err
