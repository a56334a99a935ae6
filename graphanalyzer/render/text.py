"""Plain-text pieces shared by the table and Markdown renderers.

>>> requirement_text({"at_least": 2, "of": ["zk-1", "zk-2", "zk-3"]})
'2 of zk-1, zk-2, zk-3'
>>> requirement_text({"at_least": 1, "of": ["web-1", "web-2"], "demand": 1500})
'any of web-1, web-2 (demand 1,500)'
"""

from __future__ import annotations

from typing import Any

from graphanalyzer.model import magnitude, number


def requirement_text(requirement: str | dict[str, Any]) -> str:
    """One requirement from a result, as words."""
    if isinstance(requirement, str):
        return requirement
    k = requirement["at_least"]
    head = "any of" if k == 1 else f"{k} of"
    text = f"{head} {', '.join(requirement['of'])}"
    if "demand" in requirement:
        text += f" (demand {number(requirement['demand'])})"
    return text


def listing(ids: list[str], most: int = 8) -> str:
    """Ids joined with commas, the list cut after ``most`` with how many more.

    >>> listing(["a", "b", "c"], most=2)
    'a, b and 1 more'
    """
    if len(ids) <= most:
        return ", ".join(ids)
    return f"{', '.join(ids[:most])} and {len(ids) - most} more"


def shortfall_text(entry: dict[str, Any]) -> str:
    """A degraded component's shortfalls from an ``unplug`` result, as a suffix.

    >>> shortfall_text({"shortfall": [{"members": ["a"], "capacity": 5e6, "demand": 8e6}]})
    ', 5.0 M of 8.0 M'
    """
    return "".join(f", {magnitude(s['capacity'])} of {magnitude(s['demand'])}" for s in entry.get("shortfall", ()))
