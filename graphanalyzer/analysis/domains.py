"""Failure domains: what each service keeps when it loses the worst single one of each kind.

For each kind of failure domain (host, rack, room, site, power, carrier), every
component of that kind that some service needs, directly or not, is unplugged
alone with the one failure engine (:func:`~graphanalyzer.analysis.failure.propagate`).
Each service keeps its worst outcome per kind: its state, the component that did
it, and the capacity left to its own groups with a demand, as a share of that
demand (the smallest share when it has several; none when it has no such group).
Worst means down before degraded before up, then less capacity left.

The work is one cascade per domain component, each proportional to what it
breaks: hosts are many but break little.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "r1": Component("r1", "rack"), "r2": Component("r2", "rack"),
...     "w1": Component("w1", "host", container="r1", capacity=6),
...     "w2": Component("w2", "host", container="r2", capacity=6),
...     "w3": Component("w3", "host", container="r2", capacity=6),
...     "app": Component("app", "service", requires=(Group(("w1", "w2", "w3"), demand=10),)),
... }))
>>> result = matrix(g)
>>> result["kinds"], result["services"]["app"]["rack"]
(['host', 'rack'], {'state': 'degraded', 'worst': 'r2', 'capacity': 0.6})
>>> result["services"]["app"]["host"]
{'state': 'up', 'worst': 'w1', 'capacity': 1.2}
>>> matrix(g, ["app"])["services"]["app"]["host"]["worst"]
'w1'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from graphanalyzer.analysis.capacity import surviving
from graphanalyzer.analysis.failure import UP, State, propagate
from graphanalyzer.graph import Node, check_ids, cone, internals
from graphanalyzer.model import Inventory

#: The kinds of failure domain the matrix has a column for, in its order.
KINDS = ("host", "rack", "room", "site", "power", "carrier")
_NAMES = {State.UP: "up", State.DEGRADED: "degraded", State.DOWN: "down"}


def matrix(graph: nx.DiGraph[Node], targets: Iterable[str] | None = None) -> dict[str, Any]:
    """Per service and kind: ``{"state", "worst", "capacity"}`` after losing the worst single domain of that kind.

    ``kinds`` lists the kinds the estate has; ``worst`` is ``None`` when losing
    any one component of the kind changes nothing for the service.
    """
    inventory: Inventory = graph.graph["inventory"]
    services = check_ids(graph, targets) if targets else inventory.services()
    nodes, succ, preds = internals(graph)
    owned = {
        sid: [g for g in succ[sid] if "gate" in nodes[g] and nodes[g]["gate"].demand is not None] for sid in services
    }
    owner = {gate: sid for sid, gates in owned.items() for gate in gates}
    wanted = set(services)

    def share(sid: str, states: dict[Node, State]) -> float | None:
        gates = owned[sid]
        if not gates:
            return None
        return float(min(surviving(graph, g, states) / nodes[g]["gate"].demand for g in gates))

    nothing = propagate(graph, [])
    worst: dict[str, dict[str, tuple[State, float, str | None]]] = {}
    for sid in services:
        calm = share(sid, nothing)
        worst[sid] = {kind: (nothing.get(sid, UP), -(calm if calm is not None else 1.0), None) for kind in KINDS}
    below = cone(graph, services)
    kinds_present = [k for k in KINDS if any(c.kind == k for c in inventory.components.values())]
    for cid, component in inventory.components.items():
        if component.kind not in KINDS or cid not in below:
            continue
        states = propagate(graph, [cid])
        touched = {n for n in states if n in wanted}
        touched.update(owner[p] for n in states for p in preds[n] if p in owner)
        for sid in touched:
            left = share(sid, states)
            outcome = (states.get(sid, UP), -(left if left is not None else 1.0), cid)
            if outcome[:2] > worst[sid][component.kind][:2]:
                worst[sid][component.kind] = outcome
    return {
        "kinds": kinds_present,
        "services": {
            sid: {
                kind: {
                    "state": _NAMES[state],
                    "worst": cid,
                    "capacity": None if not owned[sid] else round(-negative, 4),
                }
                for kind, (state, negative, cid) in worst[sid].items()
                if kind in kinds_present
            }
            for sid in services
        },
    }
