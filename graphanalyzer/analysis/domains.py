"""Failure domains: what each service keeps when it loses the worst single one of each kind.

For each kind of failure domain (host, rack, room, site, power, carrier), every
component of that kind that some service needs, directly or not, is unplugged
alone with the one failure engine (:func:`~graphanalyzer.analysis.failure.propagate`).
Each service keeps its worst outcome per kind: its state, the component that did
it, and the capacity left to its own groups with a demand (of more than nothing), as a share of that
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

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import networkx as nx

from graphanalyzer.analysis.capacity import surviving
from graphanalyzer.analysis.failure import UP, State, propagate
from graphanalyzer.graph import Node, check_ids, cone, internals
from graphanalyzer.model import Inventory

#: The kinds of failure domain the matrix has a column for, in its order.
KINDS = ("host", "rack", "room", "site", "power", "carrier")
_NAMES = {State.UP: "up", State.DEGRADED: "degraded", State.DOWN: "down"}


#: Per service and kind: its state, minus the share of demand left, and the component that did it.
Worst = dict[str, dict[str, tuple[State, float, str | None]]]


def matrix(graph: nx.DiGraph[Node], targets: Iterable[str] | None = None) -> dict[str, Any]:
    """Per service and kind: ``{"state", "worst", "capacity"}`` after losing the worst single domain of that kind.

    ``kinds`` lists the kinds the estate has; ``worst`` is ``None`` when losing
    any one component of the kind changes nothing for the service.
    """
    jobs, merged = divided(graph, targets)
    return merged([job() for job in jobs])


def divided(
    graph: nx.DiGraph[Node], targets: Iterable[str] | None = None, parts: int = 1
) -> tuple[list[Callable[[], Worst]], Callable[[list[Worst]], dict[str, Any]]]:
    """The work of :func:`matrix` in ``parts`` jobs, to be run anywhere (forked workers, say), and what
    makes the matrix of their results.  Job ``k`` unplugs the domain components ``k``, ``k + parts``...
    (in the inventory's order: the few large ones, sites and rooms, fall in different jobs); of outcomes
    alike, the first domain's is named, as in one pass.

    >>> from graphanalyzer.model import Component, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {"r": Component("r", "rack"), "h": Component("h", "host", container="r"),
    ...                           "app": Component("app", "service", requires=("h",))}))
    >>> jobs, merged = divided(g, parts=2)
    >>> len(jobs), merged([job() for job in jobs])["services"]["app"]["rack"]
    (2, {'state': 'down', 'worst': 'r', 'capacity': None})
    """
    inventory: Inventory = graph.graph["inventory"]
    services = check_ids(graph, targets) if targets else inventory.services()
    nodes, succ, _ = internals(graph)
    owned = {
        sid: [g for g in succ[sid] if "gate" in nodes[g] and nodes[g]["gate"].demand] for sid in services
    }  # the service's groups with a demand (one of nothing is never short: it has no share to tell)
    nothing = propagate(graph, [])
    calm: Worst = {sid: dict.fromkeys(KINDS, _outcome(graph, owned[sid], sid, nothing, None)) for sid in services}
    below = cone(graph, services)
    domains = [cid for cid, c in inventory.components.items() if c.kind in KINDS and cid in below]
    place = {cid: n for n, cid in enumerate(domains)}
    jobs: list[Callable[[], Worst]] = [
        partial(_worst, graph, calm, owned, domains[k::parts]) for k in range(min(parts, len(domains)))
    ]
    kinds_present = [k for k in KINDS if any(c.kind == k for c in inventory.components.values())]

    def merged(found: list[Worst]) -> dict[str, Any]:
        worst = {sid: dict(kinds) for sid, kinds in calm.items()}
        for part in found:
            for sid, kinds in part.items():
                for kind, outcome in kinds.items():
                    now = worst[sid][kind]
                    if outcome[:2] > now[:2] or (outcome[:2] == now[:2] and _first(place, outcome[2], now[2])):
                        worst[sid][kind] = outcome
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

    return jobs, merged


def _first(place: dict[str, int], one: str | None, other: str | None) -> bool:
    """Whether domain ``one`` comes before ``other`` (None, nothing lost, comes first)."""
    return one is not None and other is not None and place[one] < place[other]


def _outcome(
    graph: nx.DiGraph[Node], gates: list[Node], sid: str, states: dict[Node, State], cid: str | None
) -> tuple[State, float, str | None]:
    """The service's state in ``states``, minus the smallest share of its demand each of its ``gates`` has
    left (-1 without such gates), and ``cid``, the domain lost (None for nothing lost)."""
    nodes, _, _ = internals(graph)
    left = min((surviving(graph, g, states) / nodes[g]["gate"].demand for g in gates), default=1.0)
    return states.get(sid, UP), -float(left), cid


def _worst(graph: nx.DiGraph[Node], calm: Worst, owned: dict[str, list[Node]], domains: list[str]) -> Worst:
    """The outcomes of losing each of ``domains`` alone that are worse than ``calm`` and than those before."""
    inventory: Inventory = graph.graph["inventory"]
    _, _, preds = internals(graph)
    owner = {gate: sid for sid, gates in owned.items() for gate in gates}
    found: Worst = {}
    for cid in domains:
        kind = inventory.components[cid].kind
        states = propagate(graph, [cid])
        touched = {n for n in states if n in calm}
        touched.update(owner[p] for n in states for p in preds[n] if p in owner)
        for sid in touched:
            outcome = _outcome(graph, owned[sid], sid, states, cid)
            if outcome[:2] > found.get(sid, {}).get(kind, calm[sid][kind])[:2]:
                found.setdefault(sid, {})[kind] = outcome
    return found
