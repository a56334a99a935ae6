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


def render(result: Any) -> str:
    """Indented JSON, keys in the order the result gives them, non-ASCII kept."""
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
