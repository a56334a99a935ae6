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


def plural(kind: str) -> str:
    """A kind in the plural, as people write it.

    >>> plural("switch"), plural("power"), plural("dns"), plural("db cluster")
    ('switches', 'power units', 'DNS servers', 'db clusters')
    """
    special = {"power": "power units", "dns": "DNS servers"}
    if kind in special:
        return special[kind]
    return kind + ("es" if kind.endswith(("s", "sh", "ch", "x")) else "s")


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


def chain_lines(hop: dict[str, Any]) -> list[tuple[int, list[dict[str, Any]]]]:
    """A short explanation (``unplug.chains``) as lines under its service: ``(depth, hops on the line)``.

    The chain from the service is one hop a line at depth 1; where a group's
    members failed for several causes, each cause's own chain is one line, a
    level deeper, its hops joined.  Lists then nest only where chains branch.

    >>> leaf = {"text": "in rack-1 (unplugged)", "state": "down", "because": []}
    >>> hop = {"text": "app", "state": "down", "because": [{"text": "needs db", "state": "down", "because": [leaf]}]}
    >>> [(depth, [h["text"] for h in hops]) for depth, hops in chain_lines(hop)]
    [(1, ['needs db']), (1, ['in rack-1 (unplugged)'])]
    """
    lines: list[tuple[int, list[dict[str, Any]]]] = []

    def follow(start: dict[str, Any], depth: int, inline: bool) -> None:
        run = [start]
        while len(run[-1]["because"]) == 1:
            run.append(run[-1]["because"][0])
        lines.extend([(depth, run)] if inline else [(depth, [h]) for h in run])
        if len(run[-1]["because"]) > 1:
            for child in run[-1]["because"]:
                follow(child, depth + 1, True)

    children = hop["because"]
    if len(children) == 1:
        follow(children[0], 1, False)
    else:
        for child in children:
            follow(child, 1, True)
    return lines


def hops_text(hops: list[dict[str, Any]], state: str) -> str:
    """Hops joined as one line, each state said where it differs from the one before (``state``).

    >>> hops_text([{"text": "rack-2", "state": "down"}, {"text": "in site (unplugged)", "state": "down"}], "degraded")
    'rack-2 (down) ← in site (unplugged)'
    """
    parts = []
    for hop in hops:
        seen = " (see above)" if hop.get("seen") else ""
        changed = f" ({hop['state']})" if hop["state"] != state and not hop["text"].endswith("(unplugged)") else ""
        parts.append(f"{hop['text']}{changed}{seen}")
        state = hop["state"]
    return " ← ".join(parts)
