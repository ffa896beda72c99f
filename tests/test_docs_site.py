"""The documentation site builds with ``mkdocs build --strict``, and its API reference covers every public name."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import tempaug

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API = DOCS / "api"

#: Public modules whose ``__all__`` the API reference must cover (beside ``tempaug.__all__`` itself).
MODULES = ("data", "shard", "train", "models", "datasets", "io", "functional")


def api_identifiers() -> set[str]:
    """Every ``::: identifier`` of the API pages."""
    return {
        ident for page in API.glob("*.md") for ident in re.findall(r"^::: ([\w.]+)", page.read_text(), re.MULTILINE)
    }


def public_names() -> set[str]:
    """Dotted paths of every public name: ``tempaug.X`` for ``tempaug.__all__``, ``tempaug.mod.X`` for the modules."""
    names = {f"tempaug.{name}" for name in tempaug.__all__}
    for module in MODULES:
        mod = importlib.import_module(f"tempaug.{module}")
        names |= {f"tempaug.{module}.{name}" for name in getattr(mod, "__all__", ())}
    return names


def train_modules() -> set[str]:
    """The modules of ``tempaug.train`` that declare public names (the package itself declares none)."""
    import tempaug.train

    found = set()
    for info in pkgutil.iter_modules(tempaug.train.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"tempaug.train.{info.name}")
        if hasattr(mod, "__all__"):
            found.add(f"tempaug.train.{info.name}")
    return found


def resolve(ident: str) -> object:
    """The object a dotted identifier names: the longest importable module, then attributes."""
    parts = ident.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(ident)


def nav_pages(node: object) -> set[str]:
    """Every page path in an mkdocs nav tree."""
    if isinstance(node, str):
        return {node}
    if isinstance(node, dict):
        return set().union(*(nav_pages(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(nav_pages(v) for v in node))
    return set()


def test_every_public_name_has_an_api_entry() -> None:
    missing = sorted(public_names() - api_identifiers())
    assert not missing, f"add '::: name' blocks to docs/api/*.md for: {', '.join(missing)}"


def test_every_train_module_with_public_names_has_an_api_entry() -> None:
    missing = sorted(train_modules() - api_identifiers())
    assert not missing, f"add to docs/api/train.md: {', '.join(missing)}"


def test_every_registered_transform_has_an_api_entry() -> None:
    import tempaug.adapters.albumentations  # registers FromAlbumentations
    import tempaug.adapters.kornia  # registers FromKornia

    documented = {ident.rsplit(".", 1)[-1] for ident in api_identifiers()}
    missing = sorted(set(tempaug.registered_names()) - documented)
    assert not missing, f"registered transforms without an API entry: {', '.join(missing)}"


def test_api_entries_name_objects_that_exist() -> None:
    broken = []
    for ident in sorted(api_identifiers()):
        try:
            resolve(ident)
        except (ImportError, AttributeError):
            broken.append(ident)
    assert not broken, f"API entries naming nothing: {', '.join(broken)}"


def test_every_docs_page_is_in_the_nav() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    missing = sorted(pages - nav_pages(config["nav"]))
    assert not missing, f"pages missing from the nav in mkdocs.yml: {', '.join(missing)}"


def test_docstring_rewrite_reads_the_code_base_google_style() -> None:
    pytest.importorskip("griffe")
    spec = importlib.util.spec_from_file_location("griffe_google", API / "griffe_google.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "Summary.\n\nArgs:\n    a, b: shared.\n        More.\n    c: own.\n\nExample:\n    >>> 1\n    1"
    assert module.rewrite(text) == (
        "Summary.\n\nArgs:\n    a: shared.\n        More.\n    b: shared.\n        More.\n    c: own.\n\n"
        "Examples:\n    >>> 1\n    1"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built by ``python -m mkdocs build --strict`` into a temporary folder."""
    pytest.importorskip("mkdocs")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return out


def test_site_builds_strict(site: Path) -> None:
    assert (site / "index.html").is_file() and (site / "api" / "index.html").is_file()


def test_built_api_pages_document_every_public_name(site: Path) -> None:
    html = "\n".join(page.read_text() for page in (site / "api").rglob("*.html"))
    missing = sorted(name for name in public_names() if f'id="{name}"' not in html)
    assert not missing, f"no heading in the built API reference for: {', '.join(missing)}"


def test_built_site_has_the_gallery_and_guide_pages(site: Path) -> None:
    for page in ("getting-started", "coming-from", "gallery", "performance"):
        assert (site / page / "index.html").is_file(), page
    assert list((site / "gallery").glob("*.gif")), "the gallery's GIFs are published with the site"
