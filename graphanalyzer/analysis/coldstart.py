"""Cold start: the estate started from nothing, the least fixed point of DESIGN section 2.

Everything starts down; a component comes up (is no longer down) once its
requirements are met by what is already up, by the same rules as everywhere
(:func:`graphanalyzer.analysis.failure.evaluate`).  Components come up in waves:
wave 0 needs nothing, wave ``n`` needs only what came up in earlier waves.  What
never comes up is deadlocked, and the dependency cycles among the deadlocked are
what blocks them: the tools needed to repair the network needed the network.

>>> from graphanalyzer.model import Component, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "power": Component("power", "power"),
...     "dns": Component("dns", "dns", requires=("power", "backbone")),
...     "backbone": Component("backbone", "router", requires=("power", "dns")),
...     "app": Component("app", "service", requires=("dns",)),
... }))
>>> coldstart(g)
{'waves': [['power']], 'deadlocked': ['dns', 'backbone', 'app'], 'cycles': [['dns', 'backbone']]}
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import networkx as nx

from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.failure import DOWN, UP, State, evaluate
from graphanalyzer.graph import Node, cone, internals, is_gate, needing, on_cycles


def coldstart(graph: nx.DiGraph[Node]) -> dict[str, Any]:
    """``{"waves": [[ids]], "deadlocked": [ids], "cycles": [[ids]]}`` for starting the estate cold."""
    nodes, _, _ = internals(graph)
    states, waves = _started(graph, nodes.keys())
    inventory = graph.graph["inventory"]
    deadlocked = [cid for cid in inventory.components if states[cid] is DOWN]
    stuck = graph.subgraph([n for n in nodes if states[n] is DOWN])
    return {"waves": waves, "deadlocked": deadlocked, "cycles": cycles(stuck)}


def deadlocked(
    graph: nx.DiGraph[Node], among: Iterable[Node] | None = None, looped: set[Node] | None = None
) -> list[str]:
    """``coldstart(graph)["deadlocked"]`` (those ``among`` some nodes), starting only what may stay down.

    Only what needs a dependency cycle, or a group needing more members than it has,
    can stay down: the rest comes up wave by wave whatever happens, and is left out.
    ``looped``: ``on_cycles(graph)``, when worked out already.

    >>> from graphanalyzer.model import Component, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {
    ...     "dns": Component("dns", "dns", requires=("backbone",)),
    ...     "backbone": Component("backbone", "router", requires=("dns",)),
    ...     "app": Component("app", "service", requires=("dns",)), "web": Component("web", "service"),
    ... }))
    >>> deadlocked(g), deadlocked(g, ["app", "web"])
    (['dns', 'backbone', 'app'], ['app'])
    """
    nodes, succ, _ = internals(graph)
    short = [node for node, data in nodes.items() if "gate" in data and data["gate"].at_least > len(succ[node])]
    maybe = needing(graph, (on_cycles(graph) if looped is None else looped).union(short))
    if among is not None:
        maybe.intersection_update(among)
    if not maybe:
        return []
    states, _ = _started(graph, cone(graph, maybe), waves=False)
    return [cid for cid in graph.graph["inventory"].components if cid in maybe and states[cid] is DOWN]


def _started(
    graph: nx.DiGraph[Node], within: Collection[Node], waves: bool = True
) -> tuple[dict[Node, State], list[list[str]]]:
    """The states of a cold start of ``within`` (which holds all its nodes need), and its waves."""
    nodes, succ, preds = internals(graph)
    states: dict[Node, State] = dict.fromkeys(within, DOWN)
    found: list[list[str]] = []
    position = {cid: n for n, cid in enumerate(graph.graph["inventory"].components)} if waves else {}
    candidates: set[Node] = {node for node in within if not is_gate(node)}
    while candidates:  # gates in states are always current: re-evaluated as soon as a member comes up
        settled = {n: state for n in candidates if (state := evaluate(nodes, succ, n, states)) is not DOWN}
        if not settled:
            break
        states.update(settled)  # all at once: a wave needs only earlier waves
        gates = {p for n in settled for p in preds[n] if is_gate(p) and p in states}
        for gate in gates:
            states[gate] = evaluate(nodes, succ, gate, states)
        if waves:
            found.append(sorted(settled, key=position.__getitem__))  # type: ignore[arg-type]
        candidates = {p for n in (*settled, *gates) for p in preds[n] if not is_gate(p) and states.get(p, UP) is DOWN}
    return states, found
