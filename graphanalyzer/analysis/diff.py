"""Diff two designs: what changed, and whether the change adds risk.

Components added, removed and changed (which fields); SPOFs introduced and
removed; cut sets whose order dropped (a set of components that takes a service
down and that, before, needed more failures: a double fault that became a single
one); services whose SPOFs, complexity or blast radius (the other services that
go down with them) changed; dependency cycles and deadlocks
introduced.  Accepted risks (``accept:`` in the new inventory, not expired) are
listed as accepted and do not count for ``--fail-on``.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> old = build(Inventory("x", {
...     "a": Component("a", "carrier"), "b": Component("b", "carrier"),
...     "app": Component("app", "service", requires=(Group(("a", "b")),)),
... }))
>>> new = build(Inventory("x", {
...     "a": Component("a", "carrier"),
...     "app": Component("app", "service", requires=("a",)),
... }))
>>> result = diff(old, new, order=2)
>>> result["spofs"]["added"], result["cut_sets"]["lower_order"]
(['a'], [{'service': 'app', 'components': ['a'], 'order': 1, 'was': 2}])
>>> failures(result, "new-spof")
['a is a new single point of failure']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from itertools import combinations
from typing import Any

import networkx as nx

from graphanalyzer.analysis.coldstart import coldstart
from graphanalyzer.analysis.complexity import measures, rotated
from graphanalyzer.analysis.cutsets import Family, cut_sets_of_one, minimal_cut_sets
from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import Node, cone, needing
from graphanalyzer.model import Inventory

FAIL_ON = ("new-spof", "lower-order", "any-risk")


def diff(old: nx.DiGraph[Node], new: nx.DiGraph[Node], order: int = 2) -> dict[str, Any]:
    """The changes from ``old`` to ``new`` and the risks they add (cut sets up to ``order``)."""
    before: Inventory = old.graph["inventory"]
    after: Inventory = new.graph["inventory"]
    accepted = after.accepted_now()
    changed = {}
    for cid in before.components.keys() & after.components.keys():
        a, b = before.components[cid], after.components[cid]
        if a != b:
            changed[cid] = [f.name for f in fields(a) if getattr(a, f.name) != getattr(b, f.name)]
    old_found, new_found = spof(old), spof(new)
    old_spofs = {e["component"]: e for e in old_found["spofs"]}
    new_spofs = {e["component"]: e for e in new_found["spofs"]}
    added = [cid for cid in new_spofs if cid not in old_spofs]
    touched = {*changed, *before.components.keys() ^ after.components.keys()}
    # A service whose cone holds nothing touched has the same cut sets, depth, support
    # and SPOFs before and after: only the others are worked out again.
    above = needing(old, touched & before.components.keys()) | needing(new, touched & after.components.keys())
    common = [sid for sid in after.services() if sid in above and sid in before.components]
    # A set of components can take a service down in one design and not in the other
    # only if it holds something whose failure reaches a touched component.
    reach = _components(cone(old, touched & before.components.keys()) | cone(new, touched & after.components.keys()))
    both = reach & before.components.keys() & after.components.keys()
    radius = {  # blast radius: the other services that go down with it
        "old": {sid: len(old_spofs[sid]["breaks"]) if sid in old_spofs else 0 for sid in before.services()},
        "new": {sid: len(new_spofs[sid]["breaks"]) if sid in new_spofs else 0 for sid in after.services()},
    }
    redo = [
        sid
        for sid in after.services()
        if sid in above or sid not in before.components or radius["old"].get(sid) != radius["new"][sid]
    ]
    old_measures = measures(old, old_found, [sid for sid in redo if sid in radius["old"]])
    new_measures = measures(new, new_found, redo)
    services: dict[str, Any] = {}
    for sid in redo:
        then = old_measures.get(sid)
        if then is not None:
            then = {**then, "blast_radius": radius["old"][sid]}
        now = {**new_measures[sid], "blast_radius": radius["new"][sid]}
        if then is None:
            services[sid] = {"added": True, **_pairs(None, now)}
        elif any(then[k] != now[k] for k in _MEASURES) or set(then["spofs"]) != set(now["spofs"]):
            services[sid] = _pairs(then, now)
    still = set(after.services())
    for sid in before.services():
        if sid not in still:
            services[sid] = {"removed": True}
    old_cold, new_cold = coldstart(old), coldstart(new)
    old_cycles = _cycles(old)
    return {
        "old": before.name,
        "new": after.name,
        "components": {
            "added": [cid for cid in after.components if cid not in before.components],
            "removed": [cid for cid in before.components if cid not in after.components],
            "changed": changed,
        },
        "spofs": {
            "added": [cid for cid in added if cid not in accepted],
            "removed": [cid for cid in old_spofs if cid not in new_spofs],
            "accepted": [
                {"component": cid, "reason": accepted[cid].reason, "until": accepted[cid].until}
                for cid in added
                if cid in accepted
            ],
            "breaks": {cid: new_spofs[cid]["breaks"] for cid in added},
        },
        "cut_sets": {
            "order": order,
            "lower_order": lower_order(old, new, common, order, accepted, both, (old_found, new_found)),
        },
        "services": services,
        "cycles": {"added": [c for c in _cycles(new) if c not in old_cycles]},
        "deadlocked": {"added": [c for c in new_cold["deadlocked"] if c not in set(old_cold["deadlocked"])]},
    }


_MEASURES = ("depth", "support", "index", "blast_radius")
#: Above this many components reaching a change, cut sets are compared whole (:func:`full_lower_order`).
_MOST_REACHED = 24


def _components(nodes: set[Node]) -> set[str]:
    return {n for n in nodes if isinstance(n, str)}


def _cycles(graph: nx.DiGraph[Node]) -> list[list[str]]:
    return sorted(rotated(cycle) for cycle in cycles(graph))


def _pairs(then: dict[str, Any] | None, now: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {k: {"old": None if then is None else then[k], "new": now[k]} for k in _MEASURES}
    result["spofs"] = {"old": None if then is None else len(then["spofs"]), "new": len(now["spofs"])}
    return result


def lower_order(
    old: nx.DiGraph[Node],
    new: nx.DiGraph[Node],
    services: list[str],
    order: int,
    accepted: dict[str, Any],
    both: set[str],
    found: tuple[dict[str, Any], dict[str, Any]],
) -> list[dict[str, Any]]:
    """:func:`full_lower_order`, looking only at the sets that hold a component of ``both``.

    ``both`` holds the components of both designs whose failure reaches a changed,
    added or removed one; ``found`` is the two designs' ``spof`` results.  A set
    without any of them takes a service down in both designs or in neither, so it is
    no new cut set: the candidates are the sets {d} + Y where Y, with d unplugged,
    takes the service down in the new design (cut sets of one order less, given d),
    each checked for minimality, and for the order it had before, with the engine.
    """
    if not services:
        return []
    if len(both) > _MOST_REACHED:  # a change under much of the estate: the whole families cost less
        return full_lower_order(old, new, services, order, accepted)
    graphs = {"old": old, "new": new}
    singles = {"old": _singles(found[0]), "new": _singles(found[1])}
    states: dict[tuple[str, frozenset[str]], dict[Node, Any]] = {}
    given: dict[tuple[str, str], dict[str, Family]] = {}  # (design, d) -> cut sets with d unplugged

    def given_down(design: str, d: str) -> dict[str, Family]:
        if (design, d) not in given:
            given[design, d] = _cut_sets(graphs[design], services, order - 1, [d])
        return given[design, d]

    def is_cut(design: str, cut: frozenset[str], sid: str) -> bool:
        """Whether the set takes the service down: from the SPOFs, the cut sets given one of ``both``, or the engine."""
        if len(cut) == 1:
            (cid,) = cut
            return cid == sid or sid in singles[design].get(cid, ())
        for d in cut & both:
            rest = cut - {d}
            return any(y <= rest for y in given_down(design, d)[sid])
        if (design, cut) not in states:
            states[design, cut] = propagate(graphs[design], cut)
        return states[design, cut].get(sid) is DOWN

    def minimal_in(design: str, cut: frozenset[str], sid: str) -> bool:
        return not any(
            is_cut(design, frozenset(part), sid) for size in range(1, len(cut)) for part in combinations(cut, size)
        )

    candidates: dict[str, set[frozenset[str]]] = {sid: set() for sid in services}
    for d in sorted(both):
        for sid, family in given_down("new", d).items():
            candidates[sid].update(
                cut | {d} for cut in family if len(cut) < order and cut <= old.graph["inventory"].components.keys()
            )
    found_lower = []
    wanted: dict[frozenset[str], list[str]] = {}  # a new cut set -> the services it may be a lower order for
    for sid in services:
        for cut in sorted(candidates[sid], key=lambda c: (len(c), sorted(c))):
            if sid in cut or not minimal_in("new", cut, sid) or is_cut("old", cut, sid):
                continue
            if len(cut) == 1 and next(iter(cut)) in accepted:
                continue
            wanted.setdefault(cut, []).append(sid)
            found_lower.append((sid, cut))
    was: dict[tuple[str, frozenset[str]], int] = {}
    for cut, sids in wanted.items():
        for size in range(len(cut) + 1, order + 2):
            sids = [sid for sid in sids if (sid, cut) not in was]  # the smallest order it had is the one
            if not sids:
                break
            more = _cut_sets(old, sids, size - len(cut), cut)
            for sid in sids:
                for extra in more[sid]:
                    whole = cut | extra
                    if len(whole) == size and minimal_in("old", whole, sid):
                        was[sid, cut] = size
                        break
    return [
        {"service": sid, "components": sorted(cut), "order": len(cut), "was": was[sid, cut]}
        for sid, cut in found_lower
        if (sid, cut) in was
    ]


def _cut_sets(graph: nx.DiGraph[Node], targets: list[str], order: int, down: Iterable[str]) -> dict[str, Family]:
    if order == 1:
        return cut_sets_of_one(graph, targets, down)
    return minimal_cut_sets(graph, targets, order, down)


def _singles(found: dict[str, Any]) -> dict[str, set[str]]:
    """For each SPOF in a ``spof`` result, the services it takes down."""
    return {e["component"]: set(e["breaks"]) for e in found["spofs"]}


def full_lower_order(
    old: nx.DiGraph[Node], new: nx.DiGraph[Node], services: list[str], order: int, accepted: dict[str, Any]
) -> list[dict[str, Any]]:
    """Minimal cut sets of the new design that, in the old one, were only part of larger cut sets."""
    if not services:
        return []
    then = minimal_cut_sets(old, services, order + 1)
    now = minimal_cut_sets(new, services, order)
    found = []
    for sid in services:
        known = then[sid]
        for cut in sorted(now[sid], key=lambda c: (len(c), sorted(c))):
            if sid in cut or any(other <= cut for other in known):
                continue  # itself, or a cut set (or part of one) before
            was = min((len(other) for other in known if cut < other), default=None)
            if was is None or (len(cut) == 1 and next(iter(cut)) in accepted):
                continue  # a new cut set, not a lower order of an old one; or an accepted SPOF
            found.append({"service": sid, "components": sorted(cut), "order": len(cut), "was": was})
    return found


def failures(result: dict[str, Any], fail_on: str) -> list[str]:
    """Why ``--fail-on`` holds, in words: empty when the change passes the gate."""
    reasons = []
    if fail_on in ("new-spof", "any-risk"):
        reasons += [f"{cid} is a new single point of failure" for cid in result["spofs"]["added"]]
    if fail_on in ("lower-order", "any-risk"):
        reasons += [
            f"{' + '.join(c['components'])} now takes {c['service']} down" + f" (before: {c['was']} failures)"
            for c in result["cut_sets"]["lower_order"]
        ]
    if fail_on == "any-risk":
        reasons += [f"new dependency cycle {' -> '.join(c)}" for c in result["cycles"]["added"]]
        reasons += [f"{cid} can no longer start cold" for cid in result["deadlocked"]["added"]]
    return reasons
