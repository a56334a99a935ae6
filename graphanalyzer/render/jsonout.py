"""JSON output: the result itself, stable for scripts (DESIGN section 3).

>>> print(render({"b": [1, 2], "a": "x"}), end="")
{
  "b": [
    1,
    2
  ],
  "a": "x"
}
"""

from __future__ import annotations

import json
from typing import Any

#: Documents longer than this, written on one line, stay on one line: Python indents JSON without its C
#: encoder, three times slower (``spof --order 2`` of a 100k estate: 48 MB indented in 0.9 s, 30 MB in 0.3 s).
ONE_LINE_FROM = 1_000_000


def render(result: Any) -> str:
    """Indented JSON, keys in the order the result gives them, non-ASCII kept; a large document on one line.

    >>> render({"ids": ["x"] * 250_000})[:20]
    '{"ids":["x","x","x",'
    """
    line = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    if len(line) > ONE_LINE_FROM:
        return line + "\n"
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
