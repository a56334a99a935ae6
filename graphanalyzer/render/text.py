"""Plain-text pieces shared by the table and Markdown renderers.

>>> requirement_text({"at_least": 2, "of": ["zk-1", "zk-2", "zk-3"]})
'2 of zk-1, zk-2, zk-3'
>>> requirement_text({"at_least": 1, "of": ["web-1", "web-2"], "demand": 1500})
'any of web-1, web-2 (demand 1,500)'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
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


def decimals(services: Iterable[dict[str, Any]]) -> int:
    """Decimals for every percentage of one availability table, so that its figures share one precision.

    Enough for two significant digits of the smallest standard error (sampled) or,
    for exact figures, of the smallest unavailability; at least 3, at most 10.

    >>> decimals([{"availability": 0.99386, "stderr": 0.00025}, {"availability": 0.9, "stderr": 0.003}])
    3
    >>> decimals([{"availability": 0.998896, "stderr": 0.0}, {"availability": 0.999999, "stderr": 0.0}])
    5
    """
    spreads = [s["stderr"] or 1 - s["availability"] for s in services]
    smallest = min((x for x in spreads if x > 0), default=None)
    if smallest is None:
        return 3
    return min(10, max(3, 1 - math.floor(math.log10(100 * smallest))))


def percent(fraction: float, places: int) -> str:
    """A fraction as a percentage with a fixed number of decimals.

    >>> percent(0.0005, 3), percent(0.0005, 5)
    ('0.050%', '0.05000%')
    """
    return f"{100 * fraction:.{places}f}%"


def availability_text(service: dict[str, Any], places: int | None = None) -> str:
    """A chaos result's availability as people read it: percent, error, expected downtime a year.

    ``places`` is the table's precision (:func:`decimals`); by default, the service's own.

    >>> availability_text({"availability": 0.99386, "stderr": 0.00025})
    '99.386% ± 0.025% (~2.2 d down a year)'
    >>> availability_text({"availability": 0.999999, "stderr": 0.0})
    '99.99990% (~32 s down a year)'
    """
    places = decimals([service]) if places is None else places
    text = percent(service["availability"], places)
    if service["stderr"]:
        text += f" ± {percent(service['stderr'], places)}"
    seconds = (1 - service["availability"]) * 365.25 * 86400
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{text} (~{seconds / size:.1f} {unit} down a year)"
    return f"{text} (~{seconds:.0f} s down a year)"


def importance_text(entries: list[dict[str, Any]], most: int = 3, service: str | None = None) -> str:
    """The components that matter most to a service, with their Birnbaum importance.

    The service itself is left out: its own failure is not something it depends on.

    >>> ranked = [{"component": "app", "birnbaum": 0.999}, {"component": "feed", "birnbaum": 0.9981}]
    >>> importance_text(ranked, service="app")
    'feed (0.998)'
    """
    others = [e for e in entries if e["component"] != service]
    return ", ".join(f"{e['component']} ({e['birnbaum']:.3g})" for e in others[:most])


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


def downtime_text(minutes: float) -> str:
    """Expected downtime a year, in the unit people reason in.

    >>> downtime_text(525.96), downtime_text(4.38), downtime_text(0.2), downtime_text(2880)
    ('8.8 h', '4.4 min', '12 s', '2.0 d')
    """
    for size, unit in ((1440, "d"), (60, "h"), (1, "min")):
        if minutes >= size:
            return f"{minutes / size:,.1f} {unit}"
    return f"{minutes * 60:.0f} s"


def percent_text(fraction: float, error: float | None = None) -> str:
    """An availability as a percentage, with decimals enough for two digits of its unavailability, and its error.

    An error too small to show at those decimals is said as less than their last digit.

    >>> percent_text(0.998001), percent_text(0.99999123, 2e-7), percent_text(1.0)
    ('99.80%', '99.99912% ± 0.00002%', '100%')
    >>> percent_text(0.9979, 3e-7)
    '99.79% ± <0.01%'
    """
    if fraction >= 1:
        return "100%"
    digits = max(2, min(8, -math.floor(math.log10(1 - fraction)) - 1))
    text = f"{100 * fraction:.{digits}f}%"
    if not error:
        return text
    if round(100 * error, digits) == 0:
        return f"{text} ± <{10.0**-digits:.{digits}f}%"
    return f"{text} ± {100 * error:.{digits}f}%"


def audit_services(result: dict[str, Any]) -> list[list[str]]:
    """The audit's verdict rows, shared by the table and Markdown: one per service."""
    rows = []
    for sid, s in result["services"].items():
        verdict = "no SLO" if s["meets_slo"] is None else "meets" if s["meets_slo"] else "MISSES"
        slo = "" if s["slo"] is None else f" {slo_text(s['slo'])}"
        top = ", ".join(f"{c['component']} {100 * c['share']:.0f}%" for c in s["contributors"][:3])
        rows.append(
            [
                sid,
                percent_text(s["availability"], s["error"] if s["method"] != "exact" else None),
                f"{verdict}{slo}",
                downtime_text(s["downtime_minutes_per_year"]),
                s["method"],
                top,
            ]
        )
    return rows


def audit_releases(result: dict[str, Any]) -> list[list[str]]:
    """The audit's release risks as rows: risk, finding, fix, the release time today and with the fix."""
    from graphanalyzer.units import duration_text

    rows = []
    for risk in result.get("releases", []):
        before, after = risk["fix"]["gain"]["release_seconds"]
        rows.append(
            [
                risk["id"],
                risk["finding"],
                risk["fix"]["description"],
                f"{duration_text(before)} → {duration_text(after)}",
            ]
        )
    return rows


def audit_risks(result: dict[str, Any]) -> list[list[str]]:
    """The risk register's rows, shared by the table and Markdown: finding, fix, measured gain."""
    rows = []
    for risk in result["risks"]:
        finding = (
            risk["finding"]
            + (" (by design)" if risk["by_design"] else "")
            + (" (accepted)" if risk["accepted"] else "")
        )
        fix = risk["fix"]
        if fix is None:
            rows.append([risk["id"], finding, "no verified fix", ""])
            continue
        gain = fix["gain"]
        parts = [f"-{downtime_text(gain['downtime_minutes_per_year'])} down/yr"]
        if gain["spofs_removed"]:
            parts.append(f"removes SPOF {', '.join(gain['spofs_removed'])}")
        rows.append([risk["id"], finding, fix["description"], "; ".join(parts)])
    return rows


def many(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular or plural as the count says.

    >>> many(1, "redundancy group"), many(3, "redundancy group")
    ('1 redundancy group', '3 redundancy groups')
    >>> many(2, "single point of failure", "single points of failure")
    '2 single points of failure'
    >>> many(1_500, "component")
    '1,500 components'
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def needs_text(entry: dict[str, Any], most: int = 8) -> str:
    """What an illusory redundancy group needs of its members.

    >>> needs_text({"members": ["zk-1", "zk-2", "zk-3"], "at_least": 2})
    '2 of zk-1, zk-2, zk-3'
    """
    head = "any of" if entry["at_least"] == 1 else f"{entry['at_least']} of"
    return f"{head} {listing(entry['members'], most)}"


def defeat_text(entry: dict[str, Any], most: int = 8) -> str:
    """How one failure defeats an illusory redundancy group: how many members each shared component takes.

    A group needing K of its N members fails when more than N - K of them are down;
    each shared component alone takes down that many or more.

    >>> defeat_text({"members": ["e-1", "e-2", "e-3"], "at_least": 2, "shared": ["b-04"], "takes": {"b-04": 2}})
    'b-04 takes 2 of the 3 members (1 left; 2 needed)'
    >>> defeat_text({"members": ["pdu-a", "pdu-b"], "at_least": 1, "shared": ["feed-a", "core-1"],
    ...              "takes": {"feed-a": 2, "core-1": 2}})
    'feed-a or core-1 takes both members'
    """
    n, k = len(entry["members"]), entry["at_least"]
    by_count: dict[int, list[str]] = {}
    for cid in entry["shared"]:
        by_count.setdefault(entry["takes"][cid], []).append(cid)
    parts = []
    for taken, cids in sorted(by_count.items(), key=lambda item: -item[0]):
        names = cids[0] if len(cids) == 1 else f"{listing(cids[:-1], most)} or {cids[-1]}"
        if len(cids) > most:
            names = f"{listing(cids, most)} (any one)"
        what = (
            "both members" if taken == n == 2 else f"all {n} members" if taken == n else f"{taken} of the {n} members"
        )
        left = "" if taken == n else f" ({n - taken} left; {k} needed)"
        parts.append(f"{names} takes {what}{left}")
    return "; ".join(parts)


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
