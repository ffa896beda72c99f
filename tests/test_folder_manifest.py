"""VideoFolder lists class folders; read_manifest reads CSV and JSON Lines manifests with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tempaug.core.errors import InvalidArgumentError, InvalidInputError
from tempaug.datasets import ManifestDataset, ManifestEntry, ManifestError, VideoFolder, read_manifest
from tempaug.io import load_npy, save_npy


def touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()


def test_classes_are_sorted_folder_names_and_items_follow_them(tmp_path: Path) -> None:
    touch(tmp_path, "zebra/1.mp4", "ant/b.avi", "ant/a.MKV", "mole/deep/x.webm", "mole/c.npy")
    ds = VideoFolder(tmp_path)
    assert ds.classes == ["ant", "mole", "zebra"]
    assert ds.class_to_idx == {"ant": 0, "mole": 1, "zebra": 2}
    got = [(p.relative_to(tmp_path).as_posix(), label) for p, label in ds.items]
    assert got == [("ant/a.MKV", 0), ("ant/b.avi", 0), ("mole/c.npy", 1), ("mole/deep/x.webm", 1), ("zebra/1.mp4", 2)]
    assert ds.labels == [0, 0, 1, 1, 2] and len(ds) == 5


def test_order_does_not_depend_on_creation_order(tmp_path: Path) -> None:
    touch(tmp_path / "one", "b/3.mp4", "a/2.mp4", "a/1.mp4")
    touch(tmp_path / "two", "a/1.mp4", "b/3.mp4", "a/2.mp4")
    rel = [[p.relative_to(tmp_path / r) for p, _ in VideoFolder(tmp_path / r).items] for r in ("one", "two")]
    assert rel[0] == rel[1]


def test_other_files_hidden_entries_and_loose_files_are_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "a/v.mp4", "a/notes.txt", "a/.hidden.mp4", ".cache/x.mp4", "loose.mp4", "b/.git/y.mp4")
    ds = VideoFolder(tmp_path)
    assert ds.classes == ["a", "b"]
    assert [p.name for p, _ in ds.items] == ["v.mp4"]


def test_extensions_can_be_narrowed(tmp_path: Path) -> None:
    touch(tmp_path, "a/v.mp4", "a/w.npy")
    assert [p.name for p, _ in VideoFolder(tmp_path, extensions=(".npy",)).items] == ["w.npy"]


def test_loader_turns_paths_into_clips(tmp_path: Path) -> None:
    clip = torch.randint(0, 256, (3, 1, 4, 4), dtype=torch.uint8)
    (tmp_path / "c").mkdir()
    save_npy(clip, tmp_path / "c" / "v.npy")
    out, label = VideoFolder(tmp_path, loader=load_npy)[0]
    assert torch.equal(out, clip) and label == 0


def test_folder_errors_name_the_root(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="missing"):
        VideoFolder(tmp_path / "missing")
    with pytest.raises(InvalidInputError, match="no class"):
        VideoFolder(tmp_path)
    touch(tmp_path, "a/readme.txt")
    with pytest.raises(InvalidInputError, match="no file"):
        VideoFolder(tmp_path)
    with pytest.raises(InvalidArgumentError, match="extensions"):
        VideoFolder(tmp_path, extensions=".mp4")


def test_csv_manifest_keeps_extra_columns_and_resolves_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    file = tmp_path / "sub" / "m.csv"
    file.write_text("path,label,fps,split\nclips/a.mp4,2,30,train\n\n/abs/b.mp4,,25,test\n")
    entries = read_manifest(file)
    assert entries == [
        ManifestEntry(tmp_path / "sub" / "clips" / "a.mp4", 2, {"fps": "30", "split": "train"}, 2),
        ManifestEntry(Path("/abs/b.mp4"), None, {"fps": "25", "split": "test"}, 4),
    ]


def test_jsonl_manifest_keeps_values_as_written(tmp_path: Path) -> None:
    file = tmp_path / "m.jsonl"
    file.write_text('{"path": "a.mp4", "label": 1, "tags": ["x"]}\n\n{"path": "b.mp4"}\n')
    entries = read_manifest(file)
    assert [(e.path, e.label, e.meta, e.line) for e in entries] == [
        (tmp_path / "a.mp4", 1, {"tags": ["x"]}, 1),
        (tmp_path / "b.mp4", None, {}, 3),
    ]


def test_label_names_map_through_classes(tmp_path: Path) -> None:
    file = tmp_path / "m.csv"
    file.write_text("path,label\na.mp4,dog\nb.mp4,0\n")
    assert [e.label for e in read_manifest(file, classes=["cat", "dog"])] == [1, 0]
    with pytest.raises(ManifestError, match=r"m\.csv, line 2: label 'dog' is not one of"):
        read_manifest(file, classes=["cat"])


@pytest.mark.parametrize(
    "name, text, match",
    [
        ("m.csv", "file,label\na.mp4,1\n", r"m\.csv, line 1: .*no 'path' column"),
        ("m.csv", "path,label\na.mp4,1\n,2\n", r"m\.csv, line 3: 'path' must be a non-empty string"),
        ("m.csv", "path,label\na.mp4,one\n", r"m\.csv, line 2: label must be a class index"),
        ("m.csv", "path,label\na.mp4,-1\n", r"m\.csv, line 2: label must be a class index"),
        ("m.csv", "path,label\na.mp4,1,extra\n", r"m\.csv, line 2: malformed line: 3 fields for 2 columns"),
        ("m.csv", "", r"m\.csv: empty file"),
        ("m.jsonl", '{"path": "a.mp4"}\n{"label": 1}\n', r"m\.jsonl, line 2: no 'path' column"),
        ("m.jsonl", '{"path": "a.mp4"}\n{"path": 3}\n', r"m\.jsonl, line 2: 'path' must be a non-empty string"),
        ("m.jsonl", '{"path": "a.mp4", "label": 1.5}\n', r"m\.jsonl, line 1: label must be a class index"),
        ("m.jsonl", '{"path": "a.mp4", "label": true}\n', r"m\.jsonl, line 1: label must be a class index"),
        ("m.jsonl", '{"path": "a.mp4"}\n\n{"path": \n', r"m\.jsonl, line 3: malformed line: not JSON"),
        ("m.jsonl", '["a.mp4", 1]\n', r"m\.jsonl, line 1: malformed line: expected a JSON object"),
    ],
)
def test_manifest_errors_name_the_file_and_line(tmp_path: Path, name: str, text: str, match: str) -> None:
    file = tmp_path / name
    file.write_text(text)
    with pytest.raises(ManifestError, match=match) as err:
        read_manifest(file)
    assert isinstance(err.value, ValueError) and err.value.file == file


def test_manifest_format_comes_from_the_suffix(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="txt"):
        read_manifest(tmp_path / "m.txt")
    with pytest.raises(FileNotFoundError):
        read_manifest(tmp_path / "absent.csv")


def test_manifest_dataset_loads_through_the_loader(tmp_path: Path) -> None:
    clip = torch.randint(0, 256, (2, 3, 4, 4), dtype=torch.uint8)
    save_npy(clip, tmp_path / "v.npy")
    (tmp_path / "m.csv").write_text("path,label\nv.npy,4\n")
    ds = ManifestDataset(tmp_path / "m.csv", loader=load_npy)
    out, label = ds[0]
    assert len(ds) == 1 and torch.equal(out, clip) and label == 4
