"""python -m tempaug.shard verify / inspect / preview: faults found one by one, dataset summaries, GIF previews."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import torch
from PIL import Image

import tempaug
from tempaug.core.errors import InvalidArgumentError
from tempaug.io.encode import write_video
from tempaug.shard import BuildConfig, build, read_index
from tempaug.shard.cli import main
from tempaug.shard.preview import common_size, fit_clip, pick_samples, preview
from tempaug.shard.stats import inspect_dataset
from tempaug.shard.tarwriter import ShardFile, sha256_file
from tempaug.shard.verify import verify

ROOT = Path(__file__).resolve().parents[1]
FRAMES = 4


@pytest.fixture(scope="module")
def mmnist_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Moving MNIST: train 4 (shards of 3 and 1), val 2; mp4."""
    out = tmp_path_factory.mktemp("mmnist") / "data"
    build(
        BuildConfig(out=str(out), train=4, val=2, test=0, frames=FRAMES, canvas=32, shard_size=3, workers=1, quiet=True)
    )
    return out


@pytest.fixture(scope="module")
def folder_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Videos in class folders: cat 2 at 32x32 (6 frames), dog 1 at 48x64 (5 frames); clips of 4 frames."""
    root = tmp_path_factory.mktemp("videos")
    ramp = torch.arange(6).view(6, 1, 1, 1) * 40
    for name, count, (h, w), n in (("cat", 2, (32, 32), 6), ("dog", 1, (48, 64), 5)):
        (root / "src" / name).mkdir(parents=True)
        for i in range(count):
            clip = (ramp[:n] + torch.arange(w).view(1, 1, 1, w) * 8 + i * 30).expand(n, 3, h, w) % 256
            write_video(clip.to(torch.uint8), root / "src" / name / f"v{i}.mp4", fps=12)
    out = root / "data"
    build(BuildConfig(source=f"folder:{root / 'src'}", out=str(out), clip_len=FRAMES, workers=1, quiet=True))
    return out


@pytest.fixture
def copy(mmnist_build: Path, tmp_path: Path) -> Path:
    """A private copy of the Moving MNIST build, free to damage."""
    return Path(shutil.copytree(mmnist_build, tmp_path / "data"))


def _verify(folder: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
    code = main(["verify", str(folder), *flags])
    return code, capsys.readouterr().out


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def _data_offset(path: Path, suffix: str) -> int:
    """Where the data of the first member named ``*suffix`` starts in the tar."""
    with tarfile.open(path) as tar:
        return next(m.offset_data for m in tar.getmembers() if m.name.endswith(suffix))


def _rewrite(folder: Path, name: str, records: list[tuple[str, dict[str, bytes]]]) -> None:
    """Replace a shard with ``records`` and record its new size and hash in the index, so only its content is off."""
    with ShardFile(folder / name) as shard:
        for key, members in records:
            shard.write(key, members)
    index = json.loads((folder / "index.json").read_text())
    entry = next(s for s in index["shards"] if s["name"] == name)
    entry["bytes"], entry["sha256"] = (folder / name).stat().st_size, sha256_file(folder / name)
    (folder / "index.json").write_text(json.dumps(index))


def _members(path: Path) -> list[tuple[str, dict[str, bytes]]]:
    records: dict[str, dict[str, bytes]] = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            key, _, ext = m.name.partition(".")
            records.setdefault(key, {})[ext] = tar.extractfile(m).read()
    return list(records.items())


# verify


def test_verify_passes_a_fresh_build_with_a_line_per_shard(
    mmnist_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _verify(mmnist_build, capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "train-000000.tar: ok, 3 samples, 20.0 KiB",
        "train-000001.tar: ok, 1 sample, 10.0 KiB",
        "val-000000.tar: ok, 2 samples, 10.0 KiB",
    ]
    assert lines[3] == f"{mmnist_build}: ok: 3 shards, 6 samples, 40.0 KiB checked; build complete"


def test_verify_quiet_prints_only_the_summary_when_all_is_well(
    mmnist_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _verify(mmnist_build, capsys, "--quiet")
    assert code == 0 and len(out.splitlines()) == 1 and ": ok: " in out


def test_verify_reports_a_deleted_shard_as_missing(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (copy / "train-000001.tar").unlink()
    code, out = _verify(copy, capsys, "--quiet")
    assert code == 1
    assert "train-000001.tar: MISSING" in out and "train-000000.tar" not in out
    assert "FAILED: 3 shards (2 ok, 1 missing), 5 samples read, 0 unreadable" in out


def test_verify_reports_a_truncated_shard(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy / "train-000000.tar"
    path.write_bytes(path.read_bytes()[:5000])
    code, out = _verify(copy, capsys)
    assert code == 1
    assert "train-000000.tar: TRUNCATED, 1 sample" in out
    assert "5000 of the 20480 bytes index.json lists" in out and "tar ends early, after 1 complete sample" in out
    report = verify(copy)
    assert [s.status for s in report.shards] == ["truncated", "ok", "ok"]


def test_verify_notices_a_tar_cut_between_members_by_its_missing_end_blocks(copy: Path) -> None:
    path = copy / "train-000000.tar"
    with tarfile.open(path) as tar:
        second = tar.getmembers()[2].offset  # first member of the second record
    path.write_bytes(path.read_bytes()[:second])
    shard = verify(copy).shards[0]
    assert shard.status == "truncated" and shard.samples == 1
    assert any(f"no end-of-archive blocks after byte {second}" in p.message for p in shard.problems)


def test_verify_reports_a_flipped_byte_in_mp4_data_as_a_hash_mismatch_and_an_unreadable_sample(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy / "train-000000.tar"
    _flip(path, _data_offset(path, ".mp4"))  # the size of the mp4's first box
    code, out = _verify(copy, capsys)
    assert code == 1
    assert "train-000000.tar: CORRUPT, 3 samples" in out
    assert "differs from index.json's" in out
    assert "sample train-00000000-0-0: mp4 member is unreadable" in out
    assert "1 unreadable" in out.splitlines()[-1]


def test_verify_reports_a_flipped_byte_deep_in_mp4_data_by_its_hash(copy: Path) -> None:
    path = copy / "val-000000.tar"
    _flip(path, _data_offset(path, ".mp4") + 1500)
    report = verify(copy)
    assert not report.ok and report.shards[2].status == "corrupt"
    assert any("sha256" in p.message for p in report.shards[2].problems)


def test_verify_reports_a_damaged_tar_header_as_corrupt(copy: Path) -> None:
    _flip(copy / "train-000001.tar", 100)  # inside the first member's header: its checksum no longer matches
    shard = verify(copy).shards[1]
    assert shard.status == "corrupt"
    assert any("unreadable tar after 0 complete samples: bad checksum" in p.message for p in shard.problems)


def test_verify_reports_samples_with_wrong_members_and_a_sample_count_off_the_index(copy: Path) -> None:
    records = _members(copy / "train-000000.tar")
    (k0, m0), (k1, m1), _ = records
    _rewrite(copy, "train-000000.tar", [(k0, {**m0, "pyd": b"x"}), (k1, {"mp4": m1["mp4"]})])
    shard = verify(copy).shards[0]
    assert shard.status == "corrupt" and shard.samples == 2
    messages = {(p.key, p.message) for p in shard.problems}
    assert (k0, "members ['pyd'] are not part of a tempaug record") in messages
    assert (k1, "no json member") in messages
    assert (None, "2 samples, index.json lists 3") in messages


def test_verify_checks_cls_against_the_json_label(copy: Path) -> None:
    records = _members(copy / "val-000000.tar")
    key, members = records[0]
    _rewrite(copy, "val-000000.tar", [(key, {**members, "cls": b"4"}), records[1]])
    problems = verify(copy).problems
    assert [(p.key, p.message) for p in problems] == [(key, "cls member says 4, json label says None")]


def test_verify_lists_a_stray_tar_as_not_in_index_and_still_passes(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (copy / "train-000007.tar").write_bytes(b"not listed")
    code, out = _verify(copy, capsys, "--quiet")
    assert code == 0
    assert "train-000007.tar: not in index" in out
    assert "1 file not in index (ignored)" in out


def test_verify_fails_when_the_index_says_the_build_is_not_complete(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = json.loads((copy / "index.json").read_text())
    index["complete"] = False
    index["splits"]["train"]["tasks_done"] = 1
    (copy / "index.json").write_text(json.dumps(index))
    code, out = _verify(copy, capsys, "--quiet")
    assert code == 1
    assert "index.json says the build is not complete (train 1/2 tasks, val 1/1 tasks)" in out
    assert out.splitlines()[-1].endswith("build NOT complete")


def test_verify_refuses_index_entries_that_point_outside_the_folder(copy: Path) -> None:
    index = json.loads((copy / "index.json").read_text())
    index["shards"][0]["name"] = "../train-000000.tar"
    (copy / "index.json").write_text(json.dumps(index))
    report = verify(copy)
    assert "'../train-000000.tar' is not a file name in the folder" in report.index_problems[0].message
    assert report.not_in_index == ["train-000000.tar"]


def test_verify_without_decoding_still_checks_members_and_labels(copy: Path) -> None:
    records = _members(copy / "val-000000.tar")
    key, members = records[1]
    _rewrite(copy, "val-000000.tar", [records[0], (key, {**members, "mp4": b"garbage"})])
    assert verify(copy, decode=False).ok
    assert [p.key for p in verify(copy).problems] == [key]


def test_cli_exit_codes_end_to_end(mmnist_build: Path, copy: Path) -> None:
    (copy / "val-000000.tar").unlink()
    codes = {}
    for folder in (mmnist_build, copy):
        result = subprocess.run(
            [sys.executable, "-m", "tempaug.shard", "verify", "--quiet", str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
        )
        codes[folder] = result.returncode, result.stdout
    assert codes[mmnist_build][0] == 0, codes[mmnist_build]
    assert codes[copy][0] == 1 and "val-000000.tar: MISSING" in codes[copy][1]


# inspect


def test_inspect_summarises_a_moving_mnist_build(mmnist_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(mmnist_build)]) == 0
    out = capsys.readouterr().out
    index = read_index(mmnist_build)
    assert f"built by: {index.command}" in out and f"tempaug version: {tempaug.__version__}" in out
    table = [line.split() for line in out.splitlines() if line.split()[:1] in (["train"], ["val"], ["total"])]
    assert table == [
        ["train", "2", "4", "30.0", "KiB", "4", "4", "0"],
        ["val", "1", "2", "10.0", "KiB", "2", "2", "0"],
        ["total", "3", "6", "40.0", "KiB", "6", "6", "0"],
    ]
    for line in ("clip length: 4 frames", "frame size: 32x32", "channels: 1", "format: mp4; crf: 18", "fps: 10"):
        assert line in out.splitlines()
    assert "augmented copies: none (originals only)" in out
    assert "Moving MNIST clips have no single label; counting the digits of each clip" in out
    stats = inspect_dataset(mmnist_build)
    assert stats.label_kind == "digits" and sum(stats.splits["train"].labels.values()) == 2 * 4


def test_inspect_shows_class_names_label_counts_and_varying_sizes(
    folder_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(folder_build)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "source: folder:" in "\n".join(out) and "(2 classes)" in "\n".join(out)
    assert "frame size: 32x32 (2), 48x64 (1)" in out
    assert "channels: 3" in out and "fps: 12" in out and "clip length: 4 frames" in out
    labels = out[out.index("labels: the label of each sample (its json 'label', the cls member)") + 1 :]
    assert [line.split() for line in labels[:3]] == [
        ["label", "train", "total"],
        ["0", "cat", "2", "2"],
        ["1", "dog", "1", "1"],
    ]


def test_inspect_reads_no_clip_data_and_flags_an_unreadable_shard(copy: Path) -> None:
    (copy / "val-000000.tar").unlink()
    stats = inspect_dataset(copy)
    assert stats.samples_read == 4
    assert stats.problems == ["val-000000.tar: missing; run verify"]
    assert "warning: read 4 samples' json, the index lists 6; run verify" in stats.lines()


def test_inspect_and_verify_exit_2_on_a_folder_without_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(tmp_path)]) == 2
    assert main(["verify", str(tmp_path)]) == 2
    assert "holds no index.json" in capsys.readouterr().err


# preview


def test_preview_writes_a_gif_with_one_frame_per_clip_frame(
    mmnist_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.gif"
    assert main(["preview", str(mmnist_build), "--out", str(out), "--count", "3", "--seed", "1"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    with Image.open(out) as gif:
        assert gif.n_frames == FRAMES
        width, height = gif.size
    assert width > 3 * 32 and height > 32  # three clips in a row, captions below


def test_preview_is_seeded_and_keeps_to_its_split(mmnist_build: Path, tmp_path: Path) -> None:
    a = preview(mmnist_build, tmp_path / "a.gif", count=2, seed=3)
    b = preview(mmnist_build, tmp_path / "b.gif", count=2, seed=3)
    assert a.read_bytes() == b.read_bytes()
    shards = read_index(mmnist_build).shards
    assert pick_samples(shards, 2, seed=3) == pick_samples(shards, 2, seed=3)
    assert pick_samples(shards, 6, seed=0) == {
        "train-000000.tar": [0, 1, 2],
        "train-000001.tar": [0],
        "val-000000.tar": [0, 1],
    }
    val = [s for s in shards if s.split == "val"]
    assert list(pick_samples(val, 8, seed=0)) == ["val-000000.tar"]
    preview(mmnist_build, tmp_path / "v.gif", split="val")
    with pytest.raises(InvalidArgumentError, match="no split 'test'"):
        preview(mmnist_build, tmp_path / "t.gif", split="test")


def test_preview_brings_clips_of_different_sizes_to_one(folder_build: Path, tmp_path: Path) -> None:
    path = preview(folder_build, tmp_path / "f.gif", count=8, columns=2)
    with Image.open(path) as gif:
        assert gif.n_frames == FRAMES
    assert common_size([torch.zeros(1, 3, 16, 16), torch.zeros(1, 3, 24, 32)]) == (16, 16)
    fitted = fit_clip(torch.full((1, 1, 24, 32), 255, dtype=torch.uint8), (16, 16))
    assert fitted.shape == (1, 3, 16, 16)
    assert fitted[0, :, 0].sum() == 0 and fitted[0, :, 8].min() == 255  # letterboxed: black bars above and below
