"""What breaks if I unplug these: every component's state, and why, hop by hop.

:func:`unplug` returns DESIGN's ``unplug`` JSON: the services up, degraded and down,
and every component that is not up with ``because``, the requirements that put it
in its state (and for a component degraded by capacity, ``shortfall``: each of its
groups whose surviving capacity is below demand, with both figures).  A redundancy
group is not a component, so where a group is the reason, ``because`` names the
group's members that failed it: the chain can always be followed back, id by id,
to what was unplugged.

:func:`explain` turns that into a tree per broken service for people: each hop
says how the node depends on the next (``in`` a container, ``needs`` it, or a
group ``any of ...``/``2 of ...`` and how many of its members are left).

The work is that of :func:`~graphanalyzer.analysis.failure.propagate`: proportional
to what breaks, plus one pass over the services to list those still up.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("tiny", {
...     "rack-1": Component("rack-1", "rack"),
...     "web-1": Component("web-1", "host", container="rack-1", capacity=10),
...     "web-2": Component("web-2", "host", capacity=10),
...     "app": Component("app", "service", requires=(Group(("web-1", "web-2"), demand=15),)),
... }))
>>> result = unplug(g, ["rack-1"])
>>> result["services"]
{'up': [], 'degraded': ['app'], 'down': []}
>>> result["components"]["app"]["shortfall"]
[{'members': ['web-1', 'web-2'], 'capacity': 10, 'demand': 15}]
>>> explain(g, ["rack-1"])["app"]["because"][0]["text"]
'any of web-1, web-2 (demand 15): 1 of 2 left, capacity 10 of 15'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from graphanalyzer.analysis.capacity import shortfalls, surviving
from graphanalyzer.analysis.failure import DOWN, UP, State, because, propagate
from graphanalyzer.graph import Node, check_ids, internals
from graphanalyzer.model import Group, Inventory, number

_NAMES = {State.UP: "up", State.DEGRADED: "degraded", State.DOWN: "down"}


def unplug(graph: nx.DiGraph[Node], ids: Iterable[str]) -> dict[str, Any]:
    """DESIGN's ``unplug`` result for unplugging ``ids`` (UsageError for an unknown id)."""
    unplugged = check_ids(graph, ids)
    states = propagate(graph, unplugged)
    inventory: Inventory = graph.graph["inventory"]
    services: dict[str, list[str]] = {"up": [], "degraded": [], "down": []}
    for sid in inventory.services():
        services[_NAMES[states.get(sid, UP)]].append(sid)
    components: dict[str, dict[str, Any]] = {}
    for node, state in states.items():
        if isinstance(node, str):
            entry: dict[str, Any] = {"state": _NAMES[state], "because": _component_reasons(graph, states, node)}
            short = shortfalls(graph, states, node) if state is State.DEGRADED else []
            if short:
                entry["shortfall"] = short
            components[node] = entry
    return {"unplugged": unplugged, "services": services, "components": components}


def _component_reasons(graph: nx.DiGraph[Node], states: dict[Node, State], node: str) -> list[str]:
    """``because`` with each group replaced by the members that failed it."""
    reasons: dict[str, None] = {}
    for reason in because(graph, states, node):
        if isinstance(reason, tuple):
            reasons.update(dict.fromkeys(m for m in because(graph, states, reason) if isinstance(m, str)))
        else:
            reasons[reason] = None
    return list(reasons)


def explain(graph: nx.DiGraph[Node], ids: Iterable[str], most: int | None = None) -> dict[str, dict[str, Any]]:
    """For each service not up (the first ``most`` of them), a tree of hops back to what was unplugged.

    A hop is ``{"node", "state", "text", "because": [hops]}``; a node already
    explained earlier in the same tree is not expanded again (``"seen": true``).
    """
    unplugged = set(check_ids(graph, ids))
    states = propagate(graph, unplugged)
    inventory: Inventory = graph.graph["inventory"]
    broken = [sid for sid in inventory.services() if sid in states][:most]
    return {sid: _hop(graph, states, unplugged, sid, None, set()) for sid in broken}


def _hop(
    graph: nx.DiGraph[Node],
    states: dict[Node, State],
    unplugged: set[str],
    node: Node,
    parent: Node | None,
    seen: set[Node],
) -> dict[str, Any]:
    nodes, succ, _ = internals(graph)
    state = states.get(node, UP)
    hop: dict[str, Any] = {"node": node if isinstance(node, str) else None, "state": _NAMES[state]}
    if isinstance(node, tuple):
        hop["text"] = _group_text(nodes[node]["gate"], [states.get(m, UP) for m in succ[node]], graph, node, states)
    else:
        via = "" if parent is None else succ[parent][node]["via"]
        prefix = {"in": "in ", "needs": "needs ", "member": ""}.get(via, "")
        hop["text"] = prefix + node + (" (unplugged)" if node in unplugged else "")
    if node in seen:
        hop["because"] = []
        if node not in unplugged:  # an unplugged node has nothing more to show
            hop["seen"] = True
        return hop
    seen.add(node)
    hop["because"] = [_hop(graph, states, unplugged, r, node, seen) for r in because(graph, states, node)]
    return hop


def _group_text(
    gate: Group, member_states: list[State], graph: nx.DiGraph[Node], node: Node, states: dict[Node, State]
) -> str:
    left = sum(state != DOWN for state in member_states)
    text = f"{gate.describe()}: {left} of {len(member_states)} left"
    if gate.demand is not None:
        text += f", capacity {number(surviving(graph, node, states))} of {number(gate.demand)}"
    return text
