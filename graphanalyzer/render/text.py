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


def availability_text(service: dict[str, Any]) -> str:
    """A chaos result's availability as people read it: percent, error, expected downtime a year.

    >>> availability_text({"availability": 0.99386, "stderr": 0.00025})
    '99.386% ± 0.025% (~2.2 d down a year)'
    >>> availability_text({"availability": 0.999999, "stderr": 0.0})
    '99.9999% (~32 s down a year)'
    """
    percent = f"{100 * service['availability']:.6f}".rstrip("0").rstrip(".") + "%"
    if service["stderr"]:
        percent = f"{100 * service['availability']:.3f}% ± {100 * service['stderr']:.3f}%"
    seconds = (1 - service["availability"]) * 365.25 * 86400
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{percent} (~{seconds / size:.1f} {unit} down a year)"
    return f"{percent} (~{seconds:.0f} s down a year)"


def importance_text(entries: list[dict[str, Any]], most: int = 3) -> str:
    """The components that matter most to a service, with their Birnbaum importance.

    >>> importance_text([{"component": "feed", "birnbaum": 0.9981, "fussell_vesely": 0.3, "raw": 160.2}])
    'feed (0.998)'
    """
    return ", ".join(f"{e['component']} ({e['birnbaum']:.3g})" for e in entries[:most])


def degraded_text(sid: str, shortfalls: dict[str, list[dict[str, Any]]]) -> str:
    """A degraded service with its shortfall, if it has one.

    >>> degraded_text("spaces", {"spaces": [{"members": ["a"], "capacity": 5e6, "demand": 8e6}]})
    'spaces (5.0 M of 8.0 M)'
    """
    text = shortfall_text({"shortfall": shortfalls.get(sid, [])})
    return f"{sid} ({text[2:]})" if text else sid


def slo_text(slo: float | None) -> str:
    """An availability objective as people write it.

    >>> slo_text(0.9995), slo_text(None)
    ('99.95%', '')
    """
    return "" if slo is None else f"{100 * slo:.6g}%"
