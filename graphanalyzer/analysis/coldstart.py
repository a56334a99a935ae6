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

from typing import Any

import networkx as nx

from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.failure import DOWN, State, evaluate
from graphanalyzer.graph import Node, internals, is_gate


def coldstart(graph: nx.DiGraph[Node]) -> dict[str, Any]:
    """``{"waves": [[ids]], "deadlocked": [ids], "cycles": [[ids]]}`` for starting the estate cold."""
    nodes, succ, preds = internals(graph)
    states: dict[Node, State] = dict.fromkeys(nodes, DOWN)
    waves: list[list[str]] = []
    position = {cid: n for n, cid in enumerate(graph.graph["inventory"].components)}
    candidates: set[Node] = {node for node in nodes if not is_gate(node)}
    while candidates:  # gates in states are always current: re-evaluated as soon as a member comes up
        settled = {n: state for n in candidates if (state := evaluate(nodes, succ, n, states)) is not DOWN}
        if not settled:
            break
        states.update(settled)  # all at once: a wave needs only earlier waves
        gates = {p for n in settled for p in preds[n] if is_gate(p)}
        for gate in gates:
            states[gate] = evaluate(nodes, succ, gate, states)
        waves.append(sorted(settled, key=position.__getitem__))  # type: ignore[arg-type]
        candidates = {p for n in (*settled, *gates) for p in preds[n] if not is_gate(p) and states[p] is DOWN}
    inventory = graph.graph["inventory"]
    deadlocked = [cid for cid in inventory.components if states[cid] is DOWN]
    stuck = graph.subgraph([n for n in nodes if states[n] is DOWN])
    return {"waves": waves, "deadlocked": deadlocked, "cycles": cycles(stuck)}
