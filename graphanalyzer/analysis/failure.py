"""Failure semantics (DESIGN section 2), implemented once: what is up, degraded or down.

Unplugged components are down.  Every other node takes the worst state over its
requirements (a component's container counts as one).  A gate requiring ``K`` of
its members is down when fewer than ``K`` members are not down; degraded when fewer
than ``K`` are fully up, or when it has a ``demand`` and the summed capacity of
the members that are not down is below it; up otherwise.

States are the greatest fixed point: everything starts up and failures spread
until nothing changes, so a dependency cycle stays up until something breaks it.
:func:`propagate` computes it with a worklist seeded by the unplugged components
and by the gates whose demand exceeds their members' whole capacity (those are
degraded before anything is unplugged).  A node is re-evaluated only when one of
its requirements got worse, and states only ever get worse, so each node changes
at most twice and the work is proportional to what breaks (times the gates' sizes).

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("tiny", {
...     "pdu-a": Component("pdu-a", "power"),
...     "web-1": Component("web-1", "host", requires=("pdu-a",), capacity=10),
...     "web-2": Component("web-2", "host", capacity=10),
...     "app": Component("app", "service", requires=(Group(("web-1", "web-2"), demand=15),)),
... }))
>>> states = propagate(g, ["pdu-a"])
>>> {node: state.name for node, state in states.items()}
{'pdu-a': 'DOWN', 'web-1': 'DOWN', ('app', 0): 'DEGRADED', 'app': 'DEGRADED'}
>>> because(g, states, "app"), because(g, states, ("app", 0))
([('app', 0)], ['web-1'])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import Any

import networkx as nx

from graphanalyzer.graph import Adjacency, Node, internals


class State(IntEnum):
    """A node's state; a larger value is worse."""

    UP = 0
    DEGRADED = 1
    DOWN = 2


UP, DEGRADED, DOWN = State.UP, State.DEGRADED, State.DOWN


def evaluate(nodes: dict[Node, dict[str, Any]], succ: Adjacency, node: Node, states: Mapping[Node, State]) -> State:
    """The state ``node`` takes from its requirements' current states (absent means up)."""
    gate = nodes[node].get("gate")
    if gate is None:
        worst = UP
        for requirement in succ[node]:
            state = states.get(requirement, UP)
            if state > worst:
                worst = state
                if worst is DOWN:
                    break
        return worst
    alive = up = 0
    capacity = 0.0
    for member in succ[node]:
        state = states.get(member, UP)
        if state is not DOWN:
            alive += 1
            if state is UP:
                up += 1
            if gate.demand is not None:
                capacity += nodes[member]["component"].capacity or 0
    if alive < gate.at_least:
        return DOWN
    if up < gate.at_least or (gate.demand is not None and capacity < gate.demand):
        return DEGRADED
    return UP


def propagate(graph: nx.DiGraph[Node], unplugged: Iterable[str]) -> dict[Node, State]:
    """The state of every node that is not up once ``unplugged`` are down (greatest fixed point)."""
    nodes, succ, preds = internals(graph)
    states: dict[Node, State] = {}
    queue: deque[Node] = deque(short_of_demand(graph))
    for cid in unplugged:
        states[cid] = DOWN
        queue.extend(preds[cid])
    fixed = set(states)
    while queue:
        node = queue.popleft()
        if node in fixed:
            continue
        state = evaluate(nodes, succ, node, states)
        if state > states.get(node, UP):
            states[node] = state
            queue.extend(preds[node])
    return states


def short_of_demand(graph: nx.DiGraph[Node]) -> tuple[Node, ...]:
    """The gates whose demand exceeds the capacity of all their members (memoized on the graph)."""
    short: tuple[Node, ...] | None = graph.graph.get("short_of_demand")
    if short is None:
        nodes, succ, _ = internals(graph)
        short = tuple(
            node
            for node, data in nodes.items()
            if (gate := data.get("gate")) is not None
            and gate.demand is not None
            and sum(nodes[m]["component"].capacity or 0 for m in succ[node]) < gate.demand
        )
        graph.graph["short_of_demand"] = short
    return short


def because(graph: nx.DiGraph[Node], states: Mapping[Node, State], node: Node) -> list[Node]:
    """The requirements that put ``node`` in its state: empty for an unplugged or up node.

    For a component, the requirements in its (worst) state; for a gate, the members
    that are down, and when it is only degraded, the members that are not up (all
    of them when its demand exceeds their capacity with every one up).
    """
    state = states.get(node, UP)
    if state is UP:
        return []
    nodes, adjacency, _ = internals(graph)
    succ = adjacency[node]
    if "gate" in nodes[node]:
        worse_than = UP if state is DEGRADED else DEGRADED
        return [m for m in succ if states.get(m, UP) > worse_than] or list(succ)
    return [r for r in succ if states.get(r, UP) is state]
