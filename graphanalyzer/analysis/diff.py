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

from dataclasses import fields
from typing import Any

import networkx as nx

from graphanalyzer.analysis.coldstart import coldstart
from graphanalyzer.analysis.complexity import complexity
from graphanalyzer.analysis.cutsets import minimal_cut_sets
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import Node, cone
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
    # a service whose cone holds nothing touched has the same cut sets before and after
    common = [
        sid
        for sid in after.services()
        if touched
        and sid in before.components
        and touched & (_components(cone(old, [sid])) | _components(cone(new, [sid])))
    ]
    old_complexity, new_complexity = complexity(old, old_found), complexity(new, new_found)
    services: dict[str, Any] = {}
    for sid in after.services():
        then = old_complexity["services"].get(sid)
        if then is not None:  # blast radius: the other services that go down with it
            then = {**then, "blast_radius": len(old_spofs[sid]["breaks"]) if sid in old_spofs else 0}
        now = {
            **new_complexity["services"][sid],
            "blast_radius": len(new_spofs[sid]["breaks"]) if sid in new_spofs else 0,
        }
        if then is None:
            services[sid] = {"added": True, **_pairs(None, now)}
        elif any(then[k] != now[k] for k in _MEASURES) or set(then["spofs"]) != set(now["spofs"]):
            services[sid] = _pairs(then, now)
    still = set(after.services())
    for sid in before.services():
        if sid not in still:
            services[sid] = {"removed": True}
    old_cold, new_cold = coldstart(old), coldstart(new)
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
        "cut_sets": {"order": order, "lower_order": _lower_order(old, new, common, order, accepted)},
        "services": services,
        "cycles": {"added": [c for c in new_complexity["cycles"] if c not in old_complexity["cycles"]]},
        "deadlocked": {"added": [c for c in new_cold["deadlocked"] if c not in set(old_cold["deadlocked"])]},
    }


_MEASURES = ("depth", "support", "index", "blast_radius")


def _components(nodes: set[Node]) -> set[str]:
    return {n for n in nodes if isinstance(n, str)}


def _pairs(then: dict[str, Any] | None, now: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {k: {"old": None if then is None else then[k], "new": now[k]} for k in _MEASURES}
    result["spofs"] = {"old": None if then is None else len(then["spofs"]), "new": len(now["spofs"])}
    return result


def _lower_order(
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
