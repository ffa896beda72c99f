"""mkdocs hooks: publish the benchmark result tables with the site, and point links to them there.

The result files live in ``benchmarks/results/`` beside the scripts that write them, outside ``docs/``. Pages link
them by their path in the repository (``../benchmarks/results/bench_augment.md`` from ``docs/performance.md``), which
works when the markdown is read in the repository; for the site, :func:`on_files` adds each result file as a page
``benchmarks/results/<name>.md`` and :func:`on_page_markdown` rewrites links to the files into links to those pages.
A link to a result file that does not exist stays as it is, so ``mkdocs build --strict`` reports it.

mkdocs.yml loads this file through ``hooks``.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

RESULTS = "benchmarks/results"

# A markdown link or image target that is a relative path: ](path) or ](path#anchor).
_LINK = re.compile(r"\]\((?![a-z]+:|#|/)([^)\s#]+)(#[^)\s]*)?\)")


def _root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_files(files: Files, config: Any) -> Files:
    """Add every ``benchmarks/results/*.md`` as a page of the site at the same path."""
    for path in sorted((_root(config) / RESULTS).glob("*.md")):
        files.append(File.generated(config, f"{RESULTS}/{path.name}", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Rewrite links that reach a result file through the repository into links to its page on the site."""
    results = (_root(config) / RESULTS).resolve()
    page_dir = (Path(config.docs_dir) / page.file.src_uri).resolve().parent

    def fix(match: re.Match[str]) -> str:
        target = (page_dir / match.group(1)).resolve()
        if target.parent != results or not target.is_file():
            return match.group(0)
        new = posixpath.relpath(f"{RESULTS}/{target.name}", posixpath.dirname(page.file.src_uri) or ".")
        return f"]({new}{match.group(2) or ''})"

    return _LINK.sub(fix, markdown)
