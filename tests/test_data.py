"""tempaug.data: shard folders, lists and patterns read into batches through a webdataset pipeline."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from tempaug.core.errors import DTypeError, InvalidArgumentError, InvalidInputError, ShapeError
from tempaug.data import Batch, make_loader, resolve_shards, stages
from tempaug.data.stages import Delivery, SkipTally, deliver_batches
from tempaug.io.records import RecordError, encode_record, make_key

SHAPE = (4, 1, 16, 16)


# ----------------------------------------------------------------------------- building test shards
def record(split: str, i: int, shape: tuple[int, ...] = SHAPE) -> tuple[str, dict[str, bytes]]:
    """Key and members of sample ``i``: a clip filled with ``i % 256``, label ``i % 3``, meta ``index=i``."""
    clip = torch.full(shape, i % 256, dtype=torch.uint8)
    return make_key(split, i), encode_record(clip, {"label": i % 3, "index": i}, fmt="npy")


def write_tar(path: Path, records: list[tuple[str, dict[str, bytes]]]) -> None:
    with tarfile.open(path, "w") as tar:
        for key, members in records:
            for ext, data in members.items():
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size, info.mtime = len(data), 0
                tar.addfile(info, io.BytesIO(data))


def write_index(folder: Path, entries: list[tuple[str, str, int]], complete: bool = True) -> None:
    shards = []
    for name, split, samples in entries:
        data = (folder / name).read_bytes()
        shards.append({"name": name, "split": split, "samples": samples, "bytes": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()})
    (folder / "index.json").write_text(json.dumps({"complete": complete, "shards": shards}))


def make_folder(folder: Path, sizes: dict[str, list[int]]) -> dict[str, list[str]]:
    """Shards ``{split}-{n:06d}.tar`` of the given sizes plus index.json; returns the keys per split."""
    folder.mkdir(parents=True, exist_ok=True)
    entries, keys = [], {}
    for split, counts in sizes.items():
        first, keys[split] = 0, []
        for n, count in enumerate(counts):
            records = [record(split, i) for i in range(first, first + count)]
            name = f"{split}-{n:06d}.tar"
            write_tar(folder / name, records)
            entries.append((name, split, count))
            keys[split] += [k for k, _ in records]
            first += count
    write_index(folder, entries)
    return keys


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    folder = tmp_path_factory.mktemp("shards")
    keys = make_folder(folder, {"train": [5, 3, 4, 6], "val": [2]})
    write_tar(folder / "train-000099.tar", [record("train", 999)])  # not in index.json: must be ignored
    return folder, keys


def keys_of(batches: list[Batch]) -> list[str]:
    return [m["__key__"] for b in batches for m in b.meta]


def noise(clip: torch.Tensor) -> torch.Tensor:
    """A random per-clip transform whose output is its random draws alone."""
    return torch.randint(0, 256, clip.shape, dtype=torch.uint8)


# ----------------------------------------------------------------------------- sources
def test_folder_reads_only_shards_its_index_lists(dataset):
    folder, keys = dataset
    shards = resolve_shards(folder)
    assert [Path(s.url).name for s in shards] == [f"train-{n:06d}.tar" for n in range(4)]
    assert [s.samples for s in shards] == [5, 3, 4, 6]
    assert sorted(keys_of(list(make_loader(folder, batch_size=4)))) == sorted(keys["train"])


def test_split_picks_its_shards_and_none_reads_all(dataset):
    folder, keys = dataset
    assert keys_of(list(make_loader(folder, split="val", batch_size=8))) == keys["val"]
    everything = keys_of(list(make_loader(folder, split=None, batch_size=8)))
    assert sorted(everything) == sorted(keys["train"] + keys["val"])


def test_list_and_brace_pattern_sources_read_the_same_shards(dataset):
    folder, keys = dataset
    listed = [folder / f"train-{n:06d}.tar" for n in range(4)]
    pattern = str(folder / "train-{000000..000003}.tar")
    assert [s.url for s in resolve_shards(pattern)] == [str(p) for p in listed]
    assert keys_of(list(make_loader(listed, batch_size=5))) == keys["train"]
    assert keys_of(list(make_loader(pattern, batch_size=5))) == keys["train"]


def test_missing_folder_or_index_or_split_raise_clear_errors(dataset, tmp_path):
    folder, _ = dataset
    with pytest.raises(InvalidInputError, match="is no folder, file, URL or brace pattern"):
        make_loader(tmp_path / "missing")
    with pytest.raises(InvalidInputError, match="holds no index.json"):
        make_loader(tmp_path)
    with pytest.raises(InvalidArgumentError, match=r"split='test' has no shards.*\['train', 'val'\]") as err:
        make_loader(folder, split="test")
    assert err.value.arg == "split"
    with pytest.raises(InvalidInputError, match="does not exist"):
        make_loader([folder / "train-000000.tar", folder / "nope.tar"])
    with pytest.raises(InvalidInputError, match="does not exist"):
        make_loader(str(folder / "nope-{0..1}.tar"))
    with pytest.raises(DTypeError):
        make_loader(42)


def test_broken_index_files_are_named(tmp_path):
    make_folder(tmp_path, {"train": [2]})
    index = json.loads((tmp_path / "index.json").read_text())
    (tmp_path / "index.json").write_text(json.dumps({**index, "complete": False}))
    with pytest.raises(InvalidInputError, match="complete.*allow_incomplete=True"):
        make_loader(tmp_path)
    assert len(list(make_loader(tmp_path, allow_incomplete=True))) == 1
    (tmp_path / "index.json").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        make_loader(tmp_path)
    (tmp_path / "index.json").write_text(json.dumps({**index, "shards": [{"name": "../x.tar", "split": "train",
                                                                            "samples": 1}]}))
    with pytest.raises(InvalidInputError, match="not a path inside the folder"):
        make_loader(tmp_path)
    (tmp_path / "index.json").write_text(json.dumps({**index, "shards": [{"name": "gone.tar", "split": "train",
                                                                            "samples": 1}]}))
    with pytest.raises(InvalidInputError, match="gone.tar.*does not exist"):
        make_loader(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"on_error": "ignore"}, "on_error"),
        ({"batch_size": 0}, "batch_size"),
        ({"num_workers": -1}, "num_workers"),
        ({"shuffle": True}, "shuffle"),
        ({"shuffle": -5}, "shuffle"),
        ({"resampled": True}, "epoch_length"),
        ({"epoch_length": 10}, "epoch_length"),
        ({"resampled": True, "epoch_length": 0}, "epoch_length"),
        ({"rank": 0}, "rank"),
        ({"rank": 2, "world_size": 2}, "rank"),
        ({"rank": 0, "world_size": 0}, "world_size"),
        ({"rank": 0, "world_size": 5}, "world_size"),
        ({"device": "nodevice"}, "device"),
        ({"decode_backend": "ffmpeg"}, "decode_backend"),
        ({"prefetch_factor": 0, "num_workers": 1}, "prefetch_factor"),
    ],
)
def test_bad_arguments_name_the_argument(dataset, kwargs, arg):
    folder, _ = dataset
    with pytest.raises(InvalidArgumentError) as err:
        make_loader(folder, **kwargs)
    assert err.value.arg == arg
    assert arg in str(err.value)


def test_transform_must_be_callable(dataset):
    with pytest.raises(DTypeError, match="transform must be callable"):
        make_loader(dataset[0], transform="flip")


# ----------------------------------------------------------------------------- batches
def test_batches_hold_uint8_clips_int64_labels_and_meta(dataset):
    folder, _ = dataset
    batches = list(make_loader(folder, batch_size=4))
    first = batches[0]
    assert isinstance(first, Batch)
    assert first.clips.shape == (4, *SHAPE) and first.clips.dtype == torch.uint8
    assert first.labels.dtype == torch.int64
    for clip, label, meta in zip(first.clips, first.labels.tolist(), first.meta):
        assert label == meta["index"] % 3 and bool((clip == meta["index"]).all())
        assert meta["__url__"].endswith("train-000000.tar") and meta["__key__"] == make_key("train", meta["index"])
    assert [len(b.meta) for b in batches] == [4, 4, 4, 4, 2]  # one reader: shards in order, one short batch


def test_workers_read_every_sample_once_and_len_counts_the_batches(dataset):
    folder, keys = dataset
    loader = make_loader(folder, batch_size=2, num_workers=2, shuffle=8, seed=1)
    for _ in range(2):
        expected = len(loader)
        batches = list(loader)
        assert len(batches) == expected
        assert sorted(keys_of(batches)) == sorted(keys["train"])
    loader = make_loader(folder, batch_size=2, num_workers=2, drop_last=True)
    assert len(list(loader)) == len(loader) == 8  # per-worker sample counts 9 and 9: 4 + 4 full batches


def test_mp4_records_decode_in_the_workers(tmp_path):
    clips = [torch.full((4, 3, 32, 32), 40 * i, dtype=torch.uint8) for i in range(4)]
    records = [(make_key("train", i), encode_record(c, {"label": i}, fmt="mp4")) for i, c in enumerate(clips)]
    write_tar(tmp_path / "a.tar", records[:2])
    write_tar(tmp_path / "b.tar", records[2:])
    batches = list(make_loader([tmp_path / "a.tar", tmp_path / "b.tar"], batch_size=2, num_workers=2))
    for batch in batches:
        assert batch.clips.shape == (2, 4, 3, 32, 32) and batch.clips.dtype == torch.uint8
        for clip, label in zip(batch.clips, batch.labels.tolist()):
            assert (clip.float() - clips[label].float()).abs().mean() < 3  # h264 is lossy


def test_the_worker_dataset_pickles_for_spawned_workers(dataset):
    loader = make_loader(dataset[0], transform=noise, batch_size=4, shuffle=4)
    copy = pickle.loads(pickle.dumps(loader._dataset))
    assert [d.batch.meta[0]["__key__"] for d in copy] == [d.batch.meta[0]["__key__"] for d in loader._dataset]


def test_len_is_unknown_without_sample_counts(dataset):
    loader = make_loader([dataset[0] / "train-000000.tar"], batch_size=2)
    with pytest.raises(TypeError, match="unknown"):
        len(loader)


def test_clips_of_different_shapes_raise_naming_keys_and_shapes(tmp_path):
    write_tar(tmp_path / "a.tar", [record("train", 0), record("train", 1, shape=(6, 1, 16, 16))])
    with pytest.raises(ShapeError, match=r"'train-00000000-0-0' \(4, 1, 16, 16\), 'train-00000001-0-0' \(6, 1, 16, 16\)"
                       r".*transform"):
        list(make_loader([tmp_path / "a.tar"], batch_size=2))


def test_transform_runs_per_clip_and_batch_transform_after_collation_in_the_main_process(dataset):
    folder, _ = dataset
    seen = []

    def to_float(clips: torch.Tensor) -> torch.Tensor:
        seen.append((os.getpid(), tuple(clips.shape), clips.device.type))
        return clips.float() / 255

    def crop(clip: torch.Tensor) -> torch.Tensor:
        assert clip.shape == SHAPE
        return clip[:2]

    batches = list(make_loader(folder, transform=crop, batch_transform=to_float, batch_size=3, num_workers=2))
    assert all(b.clips.dtype == torch.float32 and b.clips.shape[1:] == (2, 1, 16, 16) for b in batches)
    assert {pid for pid, _, _ in seen} == {os.getpid()} and seen[0][1:] == ((3, 2, 1, 16, 16), "cpu")


# ----------------------------------------------------------------------------- order and seeds
def test_same_seed_gives_identical_batches_and_another_seed_another_order(dataset):
    folder, _ = dataset

    def run(seed: int) -> list[Batch]:
        return list(make_loader(folder, transform=noise, batch_size=3, num_workers=2, shuffle=6, seed=seed))

    a, b, c = run(5), run(5), run(6)
    assert keys_of(a) == keys_of(b)
    assert all(torch.equal(x.clips, y.clips) and torch.equal(x.labels, y.labels) for x, y in zip(a, b))
    assert keys_of(a) != keys_of(c) and sorted(keys_of(a)) == sorted(keys_of(c))


def test_random_transform_draws_differ_between_workers(tmp_path):
    make_folder(tmp_path, {"train": [3, 3]})  # one shard per worker; batches alternate worker 0, worker 1
    first, second = list(make_loader(tmp_path, transform=noise, batch_size=3, num_workers=2))
    assert first.meta[0]["__url__"] != second.meta[0]["__url__"]
    assert not torch.equal(first.clips, second.clips)


def test_main_process_transform_is_seeded_and_leaves_the_global_rng_alone(dataset):
    folder, _ = dataset
    state = torch.get_rng_state()
    a = list(make_loader(folder, transform=noise, batch_size=9, seed=3))
    assert torch.equal(torch.get_rng_state(), state)
    b = list(make_loader(folder, transform=noise, batch_size=9, seed=3))
    assert all(torch.equal(x.clips, y.clips) for x, y in zip(a, b))


def test_set_epoch_reshuffles_reproducibly(dataset):
    folder, _ = dataset
    loader = make_loader(folder, batch_size=4, num_workers=2, shuffle=5, seed=2)
    epoch0, epoch1 = keys_of(list(loader)), keys_of(list(loader))  # the epoch moves on after each pass
    assert epoch0 != epoch1 and sorted(epoch0) == sorted(epoch1)
    other = make_loader(folder, batch_size=4, num_workers=2, shuffle=5, seed=2)
    other.set_epoch(1)
    assert keys_of(list(other)) == epoch1
    other.set_epoch(0)
    assert keys_of(list(other)) == epoch0


def test_shuffle_buffer_works_on_raw_samples_before_decoding(dataset, monkeypatch):
    folder, keys = dataset
    decoded = []

    def recording_decode(members, key="?", backend="decord"):
        decoded.append(key)
        return real_decode(members, key=key, backend=backend)

    real_decode = stages.decode_record
    monkeypatch.setattr(stages, "decode_record", recording_decode)
    delivered = keys_of(list(make_loader(folder, batch_size=4, shuffle=10, shuffle_shards=False, seed=0)))
    assert delivered == decoded  # each sample is decoded as it leaves the buffer
    assert delivered != keys["train"]


def test_ranks_read_disjoint_shards_that_cover_the_split(dataset):
    folder, keys = dataset
    for epoch in (0, 1):
        parts = []
        for rank in (0, 1):
            loader = make_loader(folder, batch_size=2, shuffle=4, rank=rank, world_size=2)
            loader.set_epoch(epoch)
            expected = len(loader)
            batches = list(loader)
            assert len(batches) == expected
            parts.append(set(keys_of(batches)))
        assert not parts[0] & parts[1] and parts[0] | parts[1] == set(keys["train"])


def test_resampled_epochs_have_epoch_length_samples_per_rank(dataset):
    folder, keys = dataset
    loader = make_loader(folder, batch_size=3, num_workers=2, shuffle=4, resampled=True, epoch_length=10, seed=4)
    assert len(loader) == 4  # 5 samples per worker: batches of 3 and 2
    epochs = []
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == 4 and sum(len(b.meta) for b in batches) == 10
        assert set(keys_of(batches)) <= set(keys["train"])
        epochs.append(keys_of(batches))
    assert epochs[0] != epochs[1]
    again = make_loader(folder, batch_size=3, num_workers=2, shuffle=4, resampled=True, epoch_length=10, seed=4)
    assert keys_of(list(again)) == epochs[0]
    rank1 = make_loader(folder, batch_size=3, shuffle=4, resampled=True, epoch_length=10, seed=4, rank=1,
                        world_size=2)
    assert sum(len(b.meta) for b in rank1) == 10


def test_more_ranks_than_shards_is_refused_unless_resampled(dataset):
    folder, _ = dataset
    with pytest.raises(InvalidArgumentError, match="4 shards cannot be split over world_size=5"):
        make_loader(folder, rank=0, world_size=5)
    assert len(make_loader(folder, rank=4, world_size=5, resampled=True, epoch_length=3, batch_size=3)) == 1
    with pytest.warns(UserWarning, match="ranks read different amounts"):
        make_loader(folder, rank=0, world_size=3)


# ----------------------------------------------------------------------------- broken data
def broken_folder(folder: Path) -> None:
    """train-000000: fine (3); train-000001: garbage mp4 in its 2nd of 3; train-000002: truncated mid-member."""
    make_folder(folder, {"train": [3, 3, 3]})
    records = [record("train", i) for i in range(3, 6)]
    key, members = records[1]
    records[1] = (key, {"mp4": b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 60, "json": members["json"],
                        "cls": members["cls"]})
    write_tar(folder / "train-000001.tar", records)
    data = (folder / "train-000002.tar").read_bytes()
    (folder / "train-000002.tar").write_bytes(data[:5096])  # inside the second record's npy (records: 4096 bytes)
    index = json.loads((folder / "index.json").read_text())
    index["shards"][1]["bytes"] = (folder / "train-000001.tar").stat().st_size
    (folder / "index.json").write_text(json.dumps(index))


def test_corrupt_shards_raise_naming_shard_and_key(tmp_path):
    broken_folder(tmp_path)
    with pytest.raises(InvalidInputError, match=r"train-000002.tar.*holds 5096 bytes.*index.json says"):
        make_loader(tmp_path)
    with pytest.raises(RecordError, match=r"train-000001.tar.*'train-00000004-0-0': mp4 member is unreadable"):
        list(make_loader([tmp_path / "train-000001.tar"]))
    with pytest.raises(InvalidInputError, match=r"train-000002.tar.*tar stream unreadable after record "
                                                r"'train-00000006-0-0'"):
        list(make_loader([tmp_path / "train-000002.tar"]))


@pytest.mark.parametrize("num_workers", [0, 2])
def test_skip_counts_unreadable_samples_and_broken_streams_across_workers(tmp_path, num_workers):
    broken_folder(tmp_path)
    loader = make_loader(tmp_path, batch_size=2, num_workers=num_workers, on_error="skip")
    keys = keys_of(list(loader))
    assert loader.skipped == 2  # the garbage mp4 and the truncated stream
    assert sorted(keys) == [make_key("train", i) for i in (0, 1, 2, 3, 5, 6)]
    assert any("train-00000004-0-0" in r for r in loader.skip_reasons)
    assert any("train-000002.tar" in r and "tar stream unreadable" in r for r in loader.skip_reasons)
    list(loader)
    assert loader.skipped == 4  # counts add up over passes


def test_a_shard_shorter_than_its_index_says_is_an_error(tmp_path):
    make_folder(tmp_path, {"train": [3]})
    index = json.loads((tmp_path / "index.json").read_text())
    index["shards"][0]["samples"] = 4
    (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(InvalidInputError, match="holds 3 samples, its index says 4"):
        list(make_loader(tmp_path))
    loader = make_loader(tmp_path, on_error="skip")
    assert len(keys_of(list(loader))) == 3 and loader.skipped == 1


def test_a_record_cut_before_its_cls_member_is_unreadable(tmp_path):
    key, members = record("train", 0)
    write_tar(tmp_path / "a.tar", [(key, {"npy": members["npy"], "json": members["json"]})])
    with pytest.raises(RecordError, match="no cls member"):
        list(make_loader([tmp_path / "a.tar"]))


def test_skips_after_the_last_batch_still_reach_the_loader(tmp_path):
    write_tar(tmp_path / "a.tar", [record("train", 0), ("train-00000001-0-0", {"json": b"{}"})])
    (tmp_path / "b.tar").write_bytes(b"not a tar at all" * 64)
    loader = make_loader([tmp_path / "a.tar", tmp_path / "b.tar"], num_workers=2, on_error="skip")
    assert len(list(loader)) == 1 and loader.skipped == 2
    tally = SkipTally()
    tally.add("x")
    assert list(deliver_batches([], tally, batch_size=2)) == [Delivery(None, 1, ("x",))]


def test_resampling_broken_shards_stops_with_an_error(tmp_path):
    (tmp_path / "b.tar").write_bytes(b"not a tar at all" * 64)
    loader = make_loader([tmp_path / "b.tar"], resampled=True, epoch_length=4, on_error="skip")
    with pytest.raises(InvalidInputError, match="gave no readable sample"):
        list(loader)


class Payload:
    """Unpickling this creates ``path``: a stand-in for code run by a malicious pickle."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


@pytest.mark.parametrize("ext", ["pyd", "pickle"])
def test_pickle_members_are_refused_never_unpickled(tmp_path, ext):
    marker = tmp_path / "unpickled"
    key, members = record("train", 0)
    write_tar(tmp_path / "a.tar", [(key, {**members, ext: pickle.dumps(Payload(str(marker)))}), record("train", 1)])
    with pytest.raises(RecordError, match=rf"members \['{ext}'\] are not part of a tempaug record"):
        list(make_loader([tmp_path / "a.tar"], num_workers=1))
    loader = make_loader([tmp_path / "a.tar"], on_error="skip")
    assert keys_of(list(loader)) == [make_key("train", 1)] and loader.skipped == 1
    assert not marker.exists()


def test_an_object_npy_holding_a_pickle_is_refused(tmp_path):
    marker = tmp_path / "unpickled"
    buf = io.BytesIO()
    np.save(buf, np.array([Payload(str(marker))], dtype=object), allow_pickle=True)
    key, members = record("train", 0)
    write_tar(tmp_path / "a.tar", [(key, {**members, "npy": buf.getvalue()})])
    loader = make_loader([tmp_path / "a.tar"], on_error="skip")
    assert list(loader) == [] and loader.skipped == 1
    assert "npy member is unreadable" in loader.skip_reasons[0]
    assert not marker.exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_batches_move_to_the_device_before_the_batch_transform(dataset):
    devices = []

    def record_device(clips: torch.Tensor) -> torch.Tensor:
        devices.append(clips.device.type)
        return clips.float()

    loader = make_loader(dataset[0], batch_transform=record_device, batch_size=4, num_workers=2, device="cuda")
    batches = list(loader)
    assert loader.pin_memory and set(devices) == {"cuda"}
    assert all(b.clips.is_cuda and b.labels.is_cuda for b in batches)
