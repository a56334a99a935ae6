"""Renderers: one module per output format, one function per command, behind :func:`render`.

Every command's result is plain data (what ``--format json`` prints); the table and
Markdown renderers read the same data, so the formats never disagree.

>>> print(render("validate", {"inventory": "x", "components": 1, "by_kind": {"site": 1}, "warnings": []}, "markdown"))
## Inventory `x`
<BLANKLINE>
1 component, valid.
<BLANKLINE>
| kind | count |
|---|---:|
| site | 1 |
<BLANKLINE>
"""

from __future__ import annotations

import importlib
from typing import Any

FORMATS = ("table", "json", "markdown")
#: The module that renders each format (imported when first asked for: JSON needs no Rich).
MODULES = {
    "table": "graphanalyzer.render.table",
    "json": "graphanalyzer.render.jsonout",
    "markdown": "graphanalyzer.render.markdown",
}


def render(view: str, result: Any, fmt: str) -> Any:
    """The output of command ``view`` in format ``fmt``: text, or a Rich renderable for tables."""
    module = importlib.import_module(MODULES[fmt])
    if fmt == "json":
        return module.render(result)
    return getattr(module, view)(result)
