"""Renderers: one module per output format, one function per command, behind :func:`render`.

Every command's result is plain data (what ``--format json`` prints); the table and
Markdown renderers read the same data, so the formats never disagree.

>>> print(render("validate", {"inventory": "x", "components": 1, "by_kind": {"site": 1}, "warnings": []}, "markdown"))
## Inventory `x`
<BLANKLINE>
1 components, valid.
<BLANKLINE>
| kind | count |
|---|---:|
| site | 1 |
<BLANKLINE>
"""

from __future__ import annotations

from typing import Any

from graphanalyzer.render import jsonout, markdown, table

FORMATS = ("table", "json", "markdown")


def render(view: str, result: Any, fmt: str) -> Any:
    """The output of command ``view`` in format ``fmt``: text, or a Rich renderable for tables."""
    if fmt == "json":
        return jsonout.render(result)
    module = table if fmt == "table" else markdown
    return getattr(module, view)(result)
