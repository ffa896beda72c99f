"""python -m tempaug.shard build: samples, shards, manifest, nothing lost, resume, offline augmentation, engines."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import torch

from tempaug import Compose, SpeedJitter, TemporalReverse
from tempaug.core.errors import InvalidArgumentError, InvalidInputError
from tempaug.core.params import params_from_dict
from tempaug.core.registry import from_dict, save
from tempaug.io.encode import write_video
from tempaug.io.records import decode_record, split_name
from tempaug.shard import BuildConfig, DatasetMismatchError, build, read_index
from tempaug.shard.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"frames": 4, "canvas": 32, "digits": 1, "workers": 1, "quiet": True}


def _records(folder: Path) -> dict[str, dict[str, bytes]]:
    """Every record of every shard the index lists, by key; fails on a key seen twice."""
    records: dict[str, dict[str, bytes]] = {}
    for shard in read_index(folder).shards:
        with tarfile.open(folder / shard.name) as tar:
            seen = {}
            for member in tar.getmembers():
                key, ext = split_name(member.name)
                seen.setdefault(key, {})[ext] = tar.extractfile(member).read()
        assert not set(seen) & set(records), "a key appears in two shards"
        records.update(seen)
    return records


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.tar"))}


def _videos(root: Path, bad: int = 0) -> Path:
    """Two classes of tiny h264 videos (10 frames each), plus ``bad`` files that are not videos."""
    g = torch.Generator().manual_seed(0)
    for label, name in enumerate(("cat", "dog")):
        (root / name).mkdir(parents=True)
        for i in range(3):
            clip = torch.randint(0, 256, (10, 3, 24, 32), generator=g, dtype=torch.uint8)
            write_video(clip, root / name / f"v{i}.mp4", fps=10 + label)
    for i in range(bad):
        (root / "dog" / f"broken{i}.mp4").write_bytes(b"not a video at all" * 50)
    return root


def test_default_source_writes_decodable_records_with_full_metadata(tmp_path: Path) -> None:
    out = tmp_path / "mm"
    summary = build(BuildConfig(out=str(out), train=5, val=2, test=3, shard_size=2, **SMALL))
    assert (summary.inputs, summary.written, summary.failed, summary.samples) == (10, 10, 0, 10)
    assert sorted(p.name for p in out.glob("*.tar")) == [
        "test-000000.tar",
        "test-000001.tar",
        "train-000000.tar",
        "train-000001.tar",
        "train-000002.tar",
        "val-000000.tar",
    ]
    assert not list(out.glob("*.partial")) and not (out / ".tmp").exists()
    records = _records(out)
    assert len(records) == 10 and all("." not in key for key in records)
    for key, members in records.items():
        assert list(members) == ["mp4", "json"]  # Moving MNIST clips carry several digits, not one class
        record = decode_record(members, key=key)
        meta = record.meta
        assert record.clip.shape == (4, 1, 32, 32) and record.label == -1
        assert meta["key"] == key and meta["split"] == key.split("-")[0]
        assert meta["source"] == f"mmnist:{meta['split']}/{meta['input']}"
        assert meta["frames"] == [0, 1, 2, 3] and meta["fps"] == 10.0 and meta["size"] == [32, 32]
        assert len(meta["labels"]) == 1 and meta["copy"] == 0 and "augment" not in meta


def test_index_lists_every_shard_with_counts_bytes_and_hashes(tmp_path: Path) -> None:
    build(BuildConfig(out=str(tmp_path), train=7, val=0, test=0, shard_size=3, **SMALL), command="my command")
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["complete"] and index["command"] == "my command" and index["tempaug_version"]
    assert index["totals"] == {
        "inputs": 7,
        "written": 7,
        "failed": 0,
        "samples": 7,
        "shards": 3,
        "bytes": sum(p.stat().st_size for p in tmp_path.glob("*.tar")),
    }
    for entry in index["shards"]:
        data = (tmp_path / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert [e["samples"] for e in index["shards"]] == [3, 3, 1]


def test_same_input_and_seed_give_byte_identical_shards_whatever_the_worker_count(tmp_path: Path) -> None:
    cfg = {**SMALL, "train": 6, "val": 2, "test": 0, "shard_size": 2}
    build(BuildConfig(out=str(tmp_path / "a"), **cfg))
    build(BuildConfig(out=str(tmp_path / "b"), **{**cfg, "workers": 2}))
    build(BuildConfig(out=str(tmp_path / "c"), **{**cfg, "seed": 1}))
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a").keys() == _digests(tmp_path / "c").keys()
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")
    with tarfile.open(tmp_path / "a" / "train-000000.tar") as tar:
        assert {m.mtime for m in tar.getmembers()} == {946684800}
        assert {(m.uid, m.gid, m.uname, m.gname) for m in tar.getmembers()} == {(0, 0, "", "")}


def test_shards_roll_over_by_bytes_within_a_task(tmp_path: Path) -> None:
    build(
        BuildConfig(
            out=str(tmp_path), train=6, val=0, test=0, shard_size=100, shard_bytes=30_000, format="npy", **SMALL
        )
    )  # each npy record is 4*32*32 + headers, about 6 KiB
    index = read_index(tmp_path)
    assert len(index.shards) > 1 and sum(s.samples for s in index.shards) == 6
    assert [s.name for s in index.shards] == [f"train-{i:06d}.tar" for i in range(len(index.shards))]
    assert all(s.task == 0 for s in index.shards) and [s.part for s in index.shards] == list(range(len(index.shards)))
    assert all(s.bytes <= 30_000 for s in index.shards) and max(s.samples for s in index.shards) >= 2


def test_npy_format_is_lossless(tmp_path: Path) -> None:
    from tempaug.datasets.moving_mnist import MovingMNIST

    build(BuildConfig(out=str(tmp_path), train=2, val=0, test=0, format="npy", **SMALL))
    record = decode_record(_records(tmp_path)["train-00000001-0-0"])
    expected = MovingMNIST(num_digits=1, size=32, length=4, num_samples=2)[1][0]
    assert torch.equal(record.clip, expected)


def test_folder_source_clips_labels_resize_and_class_names(tmp_path: Path) -> None:
    videos = _videos(tmp_path / "videos")
    cfg = BuildConfig(
        source=f"folder:{videos}",
        out=str(tmp_path / "out"),
        clip_len=4,
        stride=2,
        clips_per_video=2,
        size="16",
        workers=1,
        quiet=True,
    )
    summary = build(cfg)
    assert (summary.inputs, summary.written, summary.samples) == (6, 6, 12)
    assert read_index(tmp_path / "out").classes == ["cat", "dog"]
    records = _records(tmp_path / "out")
    first = decode_record(records["train-00000000-0-0"])
    assert first.clip.shape == (4, 3, 16, 21) and first.label == 0
    assert first.meta["frames"] == [0, 2, 4, 6] and first.meta["fps"] == 5.0
    assert decode_record(records["train-00000000-1-0"]).meta["frames"] == [3, 5, 7, 9]
    assert decode_record(records["train-00000005-0-0"]).label == 1
    assert records["train-00000005-0-0"]["cls"] == b"1"


def test_every_input_ends_written_or_failed_and_failures_are_logged(tmp_path: Path) -> None:
    videos = _videos(tmp_path / "videos", bad=2)
    out = tmp_path / "out"
    summary = build(
        BuildConfig(source=f"folder:{videos}", out=str(out), clip_len=4, shard_size=3, workers=1, quiet=True)
    )
    assert (summary.inputs, summary.written, summary.failed) == (8, 6, 2)
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert sorted(Path(f["source"]).name for f in failures) == ["broken0.mp4", "broken1.mp4"]
    assert all(f["reason"].startswith("VideoDecodeError") for f in failures)
    written = {decode_record(m).meta["source"] for m in _records(out).values()}
    assert len(written) == 6 and not written & {f["source"] for f in failures}
    assert read_index(out).complete


def test_exit_code_reflects_max_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    videos = _videos(tmp_path / "videos", bad=1)
    args = ["build", "--source", f"folder:{videos}", "--clip-len", "4", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr()
    assert "inputs 7, written 6, failed 1, shards 1, samples 6" in out.out and "failures.jsonl" in out.err
    assert main([*args, "--out", str(tmp_path / "b"), "--max-failures", "0"]) == 1
    assert main([*args, "--out", str(tmp_path / "c"), "--max-failures", "1"]) == 0


def test_manifest_source_splits_and_keeps_extra_columns(tmp_path: Path) -> None:
    videos = _videos(tmp_path / "videos")
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,label,split,camera\n"
        f"{videos}/cat/v0.mp4,4,train,left\nvideos/dog/v1.mp4,2,val,right\nvideos/dog/v2.mp4,,train,top\n"
    )
    build(BuildConfig(source=f"manifest:{manifest}", out=str(tmp_path / "out"), clip_len=3, workers=1, quiet=True))
    records = {k: decode_record(m) for k, m in _records(tmp_path / "out").items()}
    assert sorted(records) == ["train-00000000-0-0", "train-00000001-0-0", "val-00000000-0-0"]
    assert records["val-00000000-0-0"].label == 2 and records["val-00000000-0-0"].meta["meta"] == {"camera": "right"}
    assert records["train-00000001-0-0"].label == -1 and records["train-00000001-0-0"].meta["label"] is None


def test_offline_copies_are_seeded_and_reproducible_from_their_json(tmp_path: Path) -> None:
    pipeline = Compose([TemporalReverse(p=0.5), SpeedJitter(speed=(0.5, 1.5))])
    save(pipeline, tmp_path / "aug.yaml")
    cfg = {**SMALL, "train": 3, "val": 0, "test": 0, "format": "npy", "augment": str(tmp_path / "aug.yaml")}
    build(BuildConfig(out=str(tmp_path / "a"), copies=2, **cfg))
    records = {k: decode_record(m) for k, m in _records(tmp_path / "a").items()}
    assert len(records) == 9
    original = records["train-00000002-0-0"]
    for copy in (1, 2):
        record = records[f"train-00000002-0-{copy}"]
        info = record.meta["augment"]
        replay = from_dict(info["pipeline"])
        params = params_from_dict(info["params"])
        assert torch.equal(replay.apply(original.clip[None], params)[0], record.clip)
        again, _ = replay(original.clip, generator=torch.Generator().manual_seed(info["seed"]), return_params=True)
        assert torch.equal(again, record.clip)
    assert (
        records["train-00000002-0-1"].meta["augment"]["seed"] != records["train-00000002-0-2"].meta["augment"]["seed"]
    )
    build(BuildConfig(out=str(tmp_path / "b"), copies=2, no_original=True, **cfg))
    assert sorted(_records(tmp_path / "b")) == sorted(k for k in records if not k.endswith("-0"))


def test_a_folder_holding_another_dataset_is_left_alone_without_overwrite(tmp_path: Path) -> None:
    cfg = {**SMALL, "train": 3, "val": 0, "test": 0}
    build(BuildConfig(out=str(tmp_path), **cfg))
    before = _digests(tmp_path), (tmp_path / "index.json").read_bytes()
    with pytest.raises(DatasetMismatchError, match=r"seed: 0 -> 1.*--overwrite"):
        build(BuildConfig(out=str(tmp_path), seed=1, **cfg))
    assert (_digests(tmp_path), (tmp_path / "index.json").read_bytes()) == before
    build(BuildConfig(out=str(tmp_path), seed=1, overwrite=True, **cfg))
    assert _digests(tmp_path) != before[0] and read_index(tmp_path).identity["seed"] == 1


def test_bad_sources_raise_clear_errors_and_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    out = tmp_path / "out"
    with pytest.raises(InvalidInputError, match="no file ending in"):
        build(BuildConfig(source=f"folder:{tmp_path / 'empty'}", out=str(out), quiet=True))
    with pytest.raises(InvalidInputError, match="does not exist"):
        build(BuildConfig(source=f"folder:{tmp_path / 'nowhere'}", out=str(out), quiet=True))
    bad = tmp_path / "bad.csv"
    bad.write_text("path,label\na.mp4,1\nb.mp4,x\n")
    with pytest.raises(InvalidInputError, match=r"bad.csv, line 3"):
        build(BuildConfig(source=f"manifest:{bad}", out=str(out), quiet=True))
    (tmp_path / "nopath.csv").write_text("file,label\na.mp4,1\n")
    with pytest.raises(InvalidInputError, match="no 'path' column"):
        build(BuildConfig(source=f"manifest:{tmp_path / 'nopath.csv'}", out=str(out), quiet=True))
    with pytest.raises(InvalidInputError, match="--augment"):
        build(BuildConfig(out=str(out), augment=str(tmp_path / "none.yaml"), copies=1, quiet=True))
    assert not out.exists()
    (out / "notes").mkdir(parents=True)
    with pytest.raises(InvalidInputError, match="not empty"):
        build(BuildConfig(out=str(out), train=1, val=0, test=0, **{k: v for k, v in SMALL.items() if k != "quiet"}))
    assert [p.name for p in out.iterdir()] == ["notes"]


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"copies": 2}, "copies"),
        ({"augment": "a.yaml"}, "copies"),
        ({"shard_size": 0}, "shard_size"),
        ({"format": "gif"}, "format"),
        ({"source": "s3:bucket"}, "source"),
        ({"crf": 60}, "crf"),
        ({"size": "12y3"}, "size"),
        ({"source": "folder:"}, "source"),
        ({"engine": "dask"}, "engine"),
    ],
)
def test_bad_options_name_the_option(kwargs: dict, arg: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        BuildConfig(**kwargs)
    assert err.value.arg == arg


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_build_killed_mid_shard_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    args = [
        "--train",
        "120",
        "--val",
        "30",
        "--test",
        "0",
        "--frames",
        "6",
        "--canvas",
        "48",
        "--shard-size",
        "10",
        "--workers",
        "2",
    ]
    command = [sys.executable, "-m", "tempaug.shard", "build", *args]
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [*command, "--out", str(killed)],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def mid_shard() -> bool:
            try:
                index = json.loads((killed / "index.json").read_text())
            except (OSError, ValueError):
                return False
            return bool(index["shards"]) and any((killed / ".tmp").glob("*.partial"))

        assert _wait_for(mid_shard, 120), "the build never reached a state with a shard half written"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    index = read_index(killed)
    assert not index.complete and 0 < len(index.shards) < 15
    assert any((killed / ".tmp").glob("*.partial"))
    again = subprocess.run(
        [*command, "--out", str(killed)], check=False, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "resuming" in again.stderr
    assert not (killed / ".tmp").exists() and not list(killed.glob("*.partial"))
    keys = _records(killed)  # raises on a duplicate key
    assert sorted(keys) == sorted([f"train-{i:08d}-0-0" for i in range(120)] + [f"val-{i:08d}-0-0" for i in range(30)])
    clean = tmp_path / "clean"
    fresh = subprocess.run(
        [*command, "--out", str(clean), "--quiet"], check=False, cwd=ROOT, capture_output=True, timeout=300
    )
    assert fresh.returncode == 0
    assert _digests(killed) == _digests(clean)
    assert read_index(killed).shards == read_index(clean).shards


def test_shard_renamed_but_not_recorded_is_replaced_on_resume(tmp_path: Path) -> None:
    cfg = {**SMALL, "train": 4, "val": 0, "test": 0, "shard_size": 2}
    build(BuildConfig(out=str(tmp_path), **cfg))
    index = json.loads((tmp_path / "index.json").read_text())
    # as if killed between renaming the second shard and rewriting the index
    index["complete"], index["splits"]["train"]["tasks_done"] = False, 1
    index["splits"]["train"]["written"], index["shards"] = 2, index["shards"][:1]
    (tmp_path / "index.json").write_text(json.dumps(index))
    good = _digests(tmp_path)
    (tmp_path / "train-000001.tar").write_bytes(b"half a shard")
    summary = build(BuildConfig(out=str(tmp_path), **cfg))
    assert summary.complete and summary.run_samples == 2 and _digests(tmp_path) == good


def test_cli_build_reports_and_a_second_run_finds_it_complete(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "tempaug.shard",
        "build",
        "--train",
        "6",
        "--val",
        "2",
        "--test",
        "2",
        "--frames",
        "4",
        "--canvas",
        "32",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "d"),
    ]
    first = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "inputs 10, written 10, failed 0, shards 3, samples 10" in first.stdout
    assert "train-000000.tar: 6 samples" in first.stderr  # not a terminal: one log line per shard
    second = subprocess.run([*command, "--quiet"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and second.stderr == "" and "samples 10" in second.stdout
    other = subprocess.run(
        [*command[:-2], "--seed", "3", "--out", str(tmp_path / "d")],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode == 2 and "--overwrite" in other.stderr and "seed" in other.stderr


def test_ray_engine_writes_the_same_bytes_as_the_local_pool(tmp_path: Path) -> None:
    import ray

    cfg = {**SMALL, "train": 6, "val": 3, "test": 0, "shard_size": 2}
    build(BuildConfig(out=str(tmp_path / "local"), **cfg))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        summary = build(BuildConfig(out=str(tmp_path / "ray"), engine="ray", **cfg))
    finally:
        ray.shutdown()
    assert summary.complete and summary.samples == 9
    assert _digests(tmp_path / "local") == _digests(tmp_path / "ray")
    assert read_index(tmp_path / "local").shards == read_index(tmp_path / "ray").shards


def test_mp4_records_encode_to_the_same_bytes_every_time() -> None:
    from tempaug.datasets.moving_mnist import MovingMNIST
    from tempaug.io.records import encode_record

    clips = [MovingMNIST(length=6, size=48, num_samples=4)[i][0] for i in range(4)]
    first = [encode_record(c, {}, fmt="mp4", fps=10.0)["mp4"] for c in clips]
    for _ in range(10):
        assert [encode_record(c, {}, fmt="mp4", fps=10.0)["mp4"] for c in clips] == first


def test_build_with_no_source_writes_moving_mnist_train_val_test_under_data_mmnist(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tempaug.shard", "build", "--train", "12", "--val", "4", "--test", "4"]
    result = subprocess.run(command, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "data" / "mmnist"
    index = read_index(out)
    assert index.complete and index.identity["source"] == "mmnist"
    assert sorted(p.name for p in out.glob("*.tar")) == ["test-000000.tar", "train-000000.tar", "val-000000.tar"]
    record = decode_record(next(iter(_records(out).values())))
    assert record.clip.shape == (20, 1, 64, 64) and len(record.meta["labels"]) == 2


def test_progress_draws_a_bar_on_a_terminal_and_log_lines_elsewhere() -> None:
    import io

    from tempaug.core.progress import Progress

    screen = io.StringIO()
    bar = Progress(total=200, stream=screen, interactive=True)
    bar.update(50, postfix="loss 0.25")
    text = screen.getvalue()
    assert text.rstrip().endswith("loss 0.25")
    assert text.startswith("\r[#######") and "25%" in text and "50/200 samples" in text and "ETA" in text
    bar.log("train-000000.tar: 50 samples")
    assert "\r\033[K" in screen.getvalue() and screen.getvalue().endswith("train-000000.tar: 50 samples\n")
    log = io.StringIO()
    lines = Progress(total=200, stream=log, interactive=False, every=3600)
    lines.update(10)
    assert log.getvalue() == ""  # at most one line per `every` seconds
    quiet = io.StringIO()
    Progress(total=5, stream=quiet, interactive=True, enabled=False).update(5)
    assert quiet.getvalue() == ""
