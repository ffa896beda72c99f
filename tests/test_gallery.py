"""The gallery (``python -m tempaug.gallery``) has an entry for every registered transform and renders them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tempaug.gallery import ENTRIES, SECTIONS, build, main

ROOT = Path(__file__).resolve().parents[1]


def registered() -> set[str]:
    import tempaug.adapters.albumentations  # registers FromAlbumentations
    import tempaug.adapters.kornia  # registers FromKornia

    return set(tempaug.registered_names())


def test_every_registered_transform_has_a_gallery_entry() -> None:
    names = [entry.name for entry in ENTRIES]
    assert sorted(registered() - set(names)) == []
    assert sorted(set(names) - registered()) == [], "entries for names that are not registered transforms"
    assert len(names) == len(set(names)), "one entry per transform"


def test_every_entry_builds_the_transform_it_shows() -> None:
    for entry in ENTRIES:
        transform, before = build(entry)
        assert type(transform).__name__ == entry.name, entry.code
        assert entry.section in SECTIONS
        assert (before is None) == (entry.before is None)


def test_committed_gallery_shows_every_entry() -> None:
    page = (ROOT / "docs" / "gallery.md").read_text()
    for entry in ENTRIES:
        assert f"### {entry.name}\n" in page, f"regenerate: python -m tempaug.gallery --out docs/gallery ({entry.name})"
        assert (ROOT / "docs" / "gallery" / f"{entry.name}.gif").is_file(), entry.name
    size = sum(p.stat().st_size for p in (ROOT / "docs" / "gallery").iterdir())
    assert size < 4_000_000, f"the committed gallery is {size / 1e6:.1f} MB"


def test_renders_per_clip_container_and_batch_entries(tmp_path: Path) -> None:
    out = tmp_path / "gallery"
    assert main(["--out", str(out), "--only", "SpeedJitter", "Compose", "CutMix", "--quiet"]) == 0
    gifs = sorted(p.name for p in out.glob("*.gif"))
    assert gifs == ["Compose.gif", "CutMix.gif", "SpeedJitter.gif"]
    with Image.open(out / "CutMix.gif") as batch, Image.open(out / "SpeedJitter.gif") as clip:
        assert batch.n_frames > 1 and clip.n_frames > 1
        assert batch.size[1] > clip.size[1], "a batch entry shows one row per clip of two batches"
    page = (tmp_path / "gallery.md").read_text()
    assert "![CutMix: input and output](gallery/CutMix.gif)" in page
    assert "| Moving MNIST 0 |" in page and "CutMix(alpha=1.0, num_classes=10, label_smoothing=0.0" in page
    assert "### TemporalReverse" not in page


def test_rendering_is_repeatable(tmp_path: Path) -> None:
    for name in ("a", "b"):
        main(["--out", str(tmp_path / name), "--only", "TimeWarp", "--quiet"])
    assert (tmp_path / "a" / "TimeWarp.gif").read_bytes() == (tmp_path / "b" / "TimeWarp.gif").read_bytes()


def test_unknown_entry_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--out", "unused", "--only", "NoSuchTransform"])
    assert "no gallery entry for NoSuchTransform" in capsys.readouterr().err
