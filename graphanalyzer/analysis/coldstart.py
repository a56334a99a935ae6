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
    candidates: set[Node] = {node for node in nodes if not is_gate(node)}
    while candidates:
        wave = [n for n in candidates if _settle(nodes, succ, n, states) is not DOWN]
        if not wave:
            break
        settled = {node: _settle(nodes, succ, node, states) for node in wave}
        states.update(settled)  # all at once: a wave needs only earlier waves
        up = set(wave)
        gates = {p for n in wave for p in preds[n] if is_gate(p)}
        for gate in gates:
            states[gate] = evaluate(nodes, succ, gate, states)
        waves.append([cid for cid in graph.graph["inventory"].components if cid in up])
        candidates = {p for n in (*wave, *gates) for p in preds[n] if not is_gate(p) and states[p] is DOWN}
    inventory = graph.graph["inventory"]
    deadlocked = [cid for cid in inventory.components if states[cid] is DOWN]
    stuck = graph.subgraph([n for n in nodes if states[n] is DOWN])
    return {"waves": waves, "deadlocked": deadlocked, "cycles": cycles(stuck)}


def _settle(nodes: dict[Node, dict[str, Any]], succ: Any, node: Node, states: dict[Node, State]) -> State:
    """A component's state from its requirements, gates evaluated from their members as they are now."""
    if states[node] is not DOWN:
        return states[node]
    view = {r: evaluate(nodes, succ, r, states) for r in succ[node] if is_gate(r)}
    return evaluate(nodes, succ, node, {**states, **view}) if view else evaluate(nodes, succ, node, states)
