"""A griffe extension that reads tempaug's docstrings the way its authors write Google style.

Two habits of the code base that griffe's Google parser reads differently, rewritten before parsing:

- ``Example:`` (singular) heads a runnable doctest section; griffe would render it as an admonition of plain
  text, so it becomes ``Examples:`` and the doctests render as code.
- ``a, b: description`` in an ``Args:`` or ``Attributes:`` section documents several names at once; it becomes
  one entry per name, each with the shared description, so every name matches the signature.

mkdocs.yml loads this file through the ``extensions`` option of the python handler.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$")
_SECTION = re.compile(r"^(\s*)(Args|Arguments|Parameters|Other Parameters|Attributes):\s*$")
_MULTI = re.compile(r"^(\s+)([A-Za-z_]\w*(?:,\s*[A-Za-z_]\w*)+):(.*)$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def rewrite(text: str) -> str:
    """The docstring ``text`` with singular ``Example:`` headings and multi-name entries rewritten.

    Example:
        >>> print(rewrite("Args:\\n    a, b: two numbers.\\n\\nExample:\\n    rewrite(text)"))
        Args:
            a: two numbers.
            b: two numbers.
        <BLANKLINE>
        Examples:
            rewrite(text)
    """
    lines = text.splitlines()
    out: list[str] = []
    section_indent: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() and section_indent is not None and _indent(line) <= section_indent:
            section_indent = None
        header = _SECTION.match(line)
        if header:
            section_indent = len(header.group(1))
        example = _EXAMPLE.match(line)
        multi = _MULTI.match(line) if section_indent is not None else None
        if example:
            out.append(f"{example.group(1)}Examples:")
        elif multi:
            item_indent = len(multi.group(1))
            rest = []
            while i + 1 < len(lines) and (not lines[i + 1].strip() or _indent(lines[i + 1]) > item_indent):
                if not lines[i + 1].strip() and (i + 2 >= len(lines) or _indent(lines[i + 2]) <= item_indent):
                    break
                rest.append(lines[i + 1])
                i += 1
            for name in re.split(r",\s*", multi.group(2)):
                out += [f"{multi.group(1)}{name}:{multi.group(3)}", *rest]
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


class GoogleHabits(griffe.Extension):
    """Rewrite every docstring with :func:`rewrite` once the object tree is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
