"""Dependency cycles: components that need each other, directly or through others.

Cycles are legal (DESIGN section 2: a cycle stays up until something breaks it),
but they deserve a look — the outage in which the tools needed to repair the
network needed the network.  Each strongly connected set of components yields
one cycle through it, starting at its earliest-declared component; placement
(``in``) counts as a need, and a redundancy group is passed through.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "dns": Component("dns", "dns", requires=(Group(("auth", "cache")),)),
...     "auth": Component("auth", "service", requires=("dns",)),
...     "cache": Component("cache", "service"),
...     "loop": Component("loop", "service", requires=("loop",)),
... }))
>>> cycles(g)
[['dns', 'auth'], ['loop']]
>>> found(g.graph["inventory"]) == cycles(g)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphanalyzer.graph import Node, build, components_needing_cycles, on_cycles
from graphanalyzer.model import Inventory

if TYPE_CHECKING:
    import networkx as nx


def found(inventory: Inventory) -> list[list[str]]:
    """:func:`cycles` of the inventory's graph, building only the part that may hold cycles (often none of it)."""
    looped = components_needing_cycles(inventory)
    return cycles(build(inventory, only=looped)) if looped else []


def cycles(graph: nx.DiGraph[Node], looped: set[Node] | None = None) -> list[list[str]]:
    """One cycle of component ids per strongly connected set, in declaration order.

    ``looped``: ``on_cycles(graph)``, when worked out already.
    """
    import networkx as nx

    inventory: Inventory = graph.graph["inventory"]
    order = {cid: n for n, cid in enumerate(inventory.components)}
    found = []
    for members in nx.strongly_connected_components(graph.subgraph(on_cycles(graph) if looped is None else looped)):
        start = min((m for m in members if isinstance(m, str)), key=order.__getitem__, default=None)
        if start is None or (len(members) == 1 and not graph.has_edge(start, start)):
            continue
        inside = graph.subgraph(members)
        paths = nx.single_source_shortest_path(inside, start)
        closing = min(inside.predecessors(start), key=lambda p: (len(paths[p]), str(p)))
        found.append([n for n in paths[closing] if isinstance(n, str)])
    return sorted(found, key=lambda cycle: order[cycle[0]])
