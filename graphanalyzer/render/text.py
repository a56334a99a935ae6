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


def release_lines(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """One distribution of a ``distribute`` result as labelled lines of words, verdict first.

    >>> entry = {"scheme": "central", "seconds": 2400.0, "window_seconds": 300.0, "fits": False,
    ...     "bottleneck": "deploy-1", "bottleneck_kind": "source", "bottleneck_bits_per_second": 1e9,
    ...     "bottleneck_receivers": 800, "artifact_bytes": 375_000_000, "swarm_seconds": 3.15,
    ...     "lower_bound_seconds": 3.0, "swarm_limit": "source upload", "swarm_bottleneck": None,
    ...     "swarm_stretch": 1.0, "swarm_factor": 1.05, "source_is_spof": True, "stopped_by": ["deploy-1", "rack-20"],
    ...     "risks": [{"risk": "misses its window", "fix": "distribute peer to peer: 3.15 s instead of 40 min"}]}
    >>> for label, text in release_lines(entry):
    ...     print(f"{label}: {text}")
    today: central, 40 min: misses its 5 min window
    bottleneck: deploy-1's link, 1 Gbit/s for 800 receivers of 375 MB
    swarm: 3.15 s, 1.05 times the least any peer-to-peer scheme needs (3 s, set by source upload)
    releases stop: if any one of deploy-1, rack-20 fails: the source is a SPOF for releases
    fix: distribute peer to peer: 3.15 s instead of 40 min
    """
    from graphanalyzer.units import bandwidth_text, duration_text, size_text

    verdict = "no window set"
    if entry["fits"] is not None:
        verdict = ("fits its " if entry["fits"] else "misses its ") + f"{duration_text(entry['window_seconds'])} window"
    lines = [("today", f"{entry['scheme']}, {duration_text(entry['seconds'])}: {verdict}")]
    what = {"source": "'s link", "receiver": "'s link (the slowest receiver)", "link": " (a shared link)"}
    lines.append(
        (
            "bottleneck",
            f"{entry['bottleneck']}{what[entry['bottleneck_kind']]}, "
            f"{bandwidth_text(entry['bottleneck_bits_per_second'])} for {entry['bottleneck_receivers']:,} "
            f"receiver{'s' if entry['bottleneck_receivers'] != 1 else ''} of {size_text(entry['artifact_bytes'])}",
        )
    )
    factor = entry["swarm_seconds"] / entry["lower_bound_seconds"]
    swarm = (
        f"{duration_text(entry['swarm_seconds'])}, {factor:.3g} times the least any peer-to-peer scheme needs "
        f"({duration_text(entry['lower_bound_seconds'])}, set by {entry['swarm_limit']})"
    )
    if entry["swarm_bottleneck"]:
        more = entry.get("swarm_overloads", 1) - 1
        others = f" (and {more} more link{'s' if more != 1 else ''} it overloads)" if more > 0 else ""
        swarm = (
            f"{duration_text(entry['swarm_seconds'])}, slowed {entry['swarm_stretch']:.3g} times by "
            f"{entry['swarm_bottleneck']}{others}; any peer-to-peer scheme needs "
            f"{duration_text(entry['lower_bound_seconds'])}"
        )
    lines.append(("swarm", swarm))
    if entry["source_is_spof"]:
        stops = listing(entry["stopped_by"])
        lines.append(("releases stop", f"if any one of {stops} fails: the source is a SPOF for releases"))
    lines.extend(("fix", risk["fix"]) for risk in entry["risks"])
    return lines
