"""``python -m tempaug.layers``: the import graph between tempaug's layers, and the imports that break its rules.

The sources are parsed with :mod:`ast`; nothing is imported. Each module belongs to a layer: its subpackage
(``core``, ``functional``, ``ops``, ``adapters``, ``io``, ``datasets``, ``shard``, ``data``, ``models``,
``train``), or, for a module at the top of the package, the module itself (``demo``, ``gallery``, ``layers``;
``__init__`` is the package's own ``__init__.py``). The rules:

- ``core`` and ``functional`` import nothing else of tempaug (not even the package's ``__init__``): only
  each other (and not in a cycle);
- nothing imports ``train`` or ``shard`` except their own modules (their ``__main__`` included);
- every import of a tempaug module is at the top of its module: a function-local one is a violation too (it
  usually dodges an import cycle, a sign that the code is in the wrong layer);
- layers do not import each other in a cycle (imports of the package's ``__init__`` aside).

The graph is printed as one line per layer (``ops -> core, functional``), then the violations, each with its file
and line; the exit code is 1 when there are any, 0 otherwise. ``--root`` checks another package folder.

Example:
    >>> from tempaug.layers import check_package
    >>> report = check_package()
    >>> report.graph["ops"] >= {"core", "functional"}, "train" in report.graph["data"]
    (True, False)
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "APPLICATIONS",
    "FOUNDATION",
    "LAYERS",
    "ImportEdge",
    "LayerReport",
    "Violation",
    "check",
    "check_package",
    "find_imports",
    "format_report",
    "import_graph",
    "main",
]

#: The subpackages, lowest first.
LAYERS = ("core", "functional", "ops", "adapters", "io", "datasets", "models", "data", "shard", "train")
#: Layers that import nothing of the package but each other.
FOUNDATION = ("core", "functional")
#: Layers that only their own modules import.
APPLICATIONS = ("shard", "train")
#: The layer name of the package's ``__init__.py``.
PACKAGE_INIT = "__init__"


@dataclass(frozen=True)
class ImportEdge:
    """One import of a module of the package by another.

    Attributes:
        source: the importing module (``tempaug.data.info``).
        target: the imported module (``tempaug.io.shard_index``; the package itself for ``from .. import x``
            where ``x`` is not a module).
        path: the importing file, relative to the package's parent folder (``tempaug/data/info.py``).
        line: line of the import statement.
        local: the import is inside a function.
    """

    source: str
    target: str
    path: str
    line: int
    local: bool

    @property
    def source_layer(self) -> str:
        """The layer of :attr:`source`."""
        return layer_of(self.source)

    @property
    def target_layer(self) -> str:
        """The layer of :attr:`target`."""
        return layer_of(self.target)


@dataclass(frozen=True)
class Violation:
    """A broken layer rule, where it is broken, and which rule.

    Attributes:
        path: the file (``tempaug/core/registry.py``).
        line: the line of the import.
        message: what is wrong, naming both layers or the module imported.
    """

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class LayerReport:
    """The result of :func:`check_package`.

    Attributes:
        graph: layer -> the other layers it imports.
        violations: every broken rule, ordered by file and line.
        edges: every import between modules of the package.
    """

    graph: dict[str, set[str]]
    violations: list[Violation]
    edges: list[ImportEdge] = field(default_factory=list)


def layer_of(module: str) -> str:
    """The layer a dotted module name of the package belongs to.

    Example:
        >>> from tempaug.layers import layer_of
        >>> layer_of("tempaug.ops.synthesize"), layer_of("tempaug.gallery"), layer_of("tempaug")
        ('ops', 'gallery', '__init__')
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE_INIT


def _module_name(path: Path, root: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(root: Path, module: str) -> bool:
    relative = Path(*module.split(".")[1:]) if "." in module else Path()
    folder = root / relative
    return folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()


def _walk(node: ast.AST, local: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, local
        inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from _walk(child, inner)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, root: Path) -> list[str]:
    package = root.name
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name == package or a.name.startswith(package + ".")]
    if node.level == 0:
        base = node.module or ""
        if base != package and not base.startswith(package + "."):
            return []
    else:
        parts = module.split(".") if is_package else module.split(".")[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    found = []
    for alias in node.names:  # ``from pkg import sub`` imports the module pkg.sub, else a name of pkg
        sub = f"{base}.{alias.name}"
        found.append(sub if alias.name != "*" and _is_module(root, sub) else base)
    return found


def find_imports(root: str | Path) -> list[ImportEdge]:
    """Every import of one of the package's modules in the package's sources under ``root``, parsed, not run.

    Args:
        root: the package folder (holding ``__init__.py``); its name is the package's name.

    Example:
        >>> from pathlib import Path
        >>> import tempaug
        >>> from tempaug.layers import find_imports
        >>> edges = find_imports(Path(tempaug.__file__).parent)
        >>> any(e.source == "tempaug.ops.synthesize" and e.target_layer == "models" for e in edges)
        True
    """
    root = Path(root)
    edges = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        shown = path.relative_to(root.parent).as_posix()
        for node, local in _walk(tree):
            for target in dict.fromkeys(_targets(node, module, path.name == "__init__.py", root)):
                edges.append(ImportEdge(module, target, shown, node.lineno, local))
    return edges


def import_graph(edges: Iterable[ImportEdge]) -> dict[str, set[str]]:
    """Layer -> the other layers it imports (a layer's imports of itself left out).

    Example:
        >>> from tempaug.layers import ImportEdge, import_graph
        >>> import_graph([ImportEdge("tempaug.ops.mix", "tempaug.core.errors", "tempaug/ops/mix.py", 3, False)])
        {'ops': {'core'}, 'core': set()}
    """
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source_layer, set())
        graph.setdefault(edge.target_layer, set())
        if edge.source_layer != edge.target_layer:
            graph[edge.source_layer].add(edge.target_layer)
    return graph


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one layer (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def check(edges: Sequence[ImportEdge]) -> list[Violation]:
    """The imports among ``edges`` that break the layer rules (see the module docstring), by file and line.

    Example:
        >>> from tempaug.layers import ImportEdge, check
        >>> edge = ImportEdge("tempaug.data.info", "tempaug.shard.index", "tempaug/data/info.py", 73, True)
        >>> for v in check([edge]): print(v)
        tempaug/data/info.py:73: data imports shard (tempaug.shard.index): only shard's own modules import shard
        tempaug/data/info.py:73: function-local import of tempaug.shard.index: import it at the top of the module
    """
    found = []
    for e in edges:
        src, dst = e.source_layer, e.target_layer
        if src in FOUNDATION and dst not in FOUNDATION:
            found.append(
                Violation(
                    e.path,
                    e.line,
                    f"{src} imports {dst} ({e.target}): {' and '.join(FOUNDATION)} import nothing else of the package",
                )
            )
        if dst in APPLICATIONS and src != dst:
            found.append(
                Violation(e.path, e.line, f"{src} imports {dst} ({e.target}): only {dst}'s own modules import {dst}")
            )
        if e.local:
            found.append(
                Violation(e.path, e.line, f"function-local import of {e.target}: import it at the top of the module")
            )
    layered = [e for e in edges if e.target_layer != PACKAGE_INIT]
    for component in _cycles(import_graph(layered)):
        first = min(
            (
                e
                for e in layered
                if e.source_layer != e.target_layer and e.source_layer in component and e.target_layer in component
            ),
            key=lambda e: (e.path, e.line),
            default=None,
        )
        where = (first.path, first.line) if first is not None else ("?", 0)
        found.append(Violation(*where, f"layers import each other in a cycle: {', '.join(component)}"))
    return sorted(found, key=lambda v: (v.path, v.line, v.message))


def check_package(root: str | Path | None = None) -> LayerReport:
    """Parse the package under ``root`` (tempaug's own folder by default) and check its layers.

    Example:
        >>> from tempaug.layers import check_package
        >>> report = check_package()
        >>> sorted(report.graph["models"])
        ['core']
    """
    edges = find_imports(Path(__file__).resolve().parent if root is None else Path(root))
    return LayerReport(import_graph(edges), check(edges), edges)


def format_report(report: LayerReport) -> list[str]:
    """The lines ``python -m tempaug.layers`` prints: one per layer (subpackages lowest first, then the top-level
    modules), then the violations or ``no violations``.

    Example:
        >>> from tempaug.layers import LayerReport, format_report
        >>> format_report(LayerReport({"ops": {"functional", "core"}, "core": set()}, []))
        ['core -> (nothing)', 'ops -> core, functional', 'no violations']
    """
    rank = {name: i for i, name in enumerate(LAYERS)}

    def order(name: str) -> tuple[int, str]:
        return (rank.get(name, len(LAYERS) + (name != PACKAGE_INIT)), name)

    lines = [
        f"{layer} -> {', '.join(sorted(report.graph[layer], key=order)) or '(nothing)'}"
        for layer in sorted(report.graph, key=order)
    ]
    if report.violations:
        count = len(report.violations)
        lines.append(f"{count} violation{'' if count == 1 else 's'}:")
        lines.extend(f"  {v}" for v in report.violations)
    else:
        lines.append("no violations")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m tempaug.layers`` with ``argv``: print the graph and the violations; 1 if any, else 0.

    Example:
        >>> from tempaug.layers import main
        >>> main(["--root", "/no/such/package"])
        2
    """
    p = argparse.ArgumentParser(prog="python -m tempaug.layers", description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default=None, help="the package folder to check (default: tempaug's own)")
    args = p.parse_args(argv)
    if args.root is not None and not (Path(args.root) / "__init__.py").is_file():
        print(f"error: {args.root} is not a package folder (no __init__.py)", file=sys.stderr)
        return 2
    report = check_package(args.root)
    print("\n".join(format_report(report)))
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
