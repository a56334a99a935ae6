"""The dependency graph as node-link JSON (as d3 and ``networkx.node_link_graph(data, edges="links")`` read it).

Components carry their fields; a redundancy group is a node ``OWNER#groupN`` with
``at_least`` and ``demand``; each link has ``via``: ``in``, ``needs`` or ``member``.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> data = node_link(build(Inventory("x", {
...     "web-1": Component("web-1", "host", capacity=10),
...     "app": Component("app", "service", requires=(Group(("web-1",)),)),
... })))
>>> data["nodes"][1], data["links"][0]
({'id': 'app', 'kind': 'service', 'availability': 0.999}, {'source': 'app', 'target': 'app#group1', 'via': 'needs'})
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graphanalyzer.graph import Node, internals
from graphanalyzer.model import Component, Group, Inventory


def gate_ids(graph: nx.DiGraph[Node]) -> dict[Node, str]:
    """A text id for every node: components keep theirs, groups become ``OWNER#groupN`` (unique)."""
    nodes, _, _ = internals(graph)
    names: dict[Node, str] = {node: node for node in nodes if isinstance(node, str)}
    taken = set(names.values())
    for node in nodes:
        if isinstance(node, tuple):
            name = f"{node[0]}#group{node[1] + 1}"
            while name in taken:
                name += "'"
            names[node] = name
            taken.add(name)
    return names


def _fields(record: Component | Group) -> dict[str, Any]:
    if isinstance(record, Group):
        fields: dict[str, Any] = {"at_least": record.at_least, "of": len(record.members)}
        if record.demand is not None:
            fields["demand"] = record.demand
        return fields
    fields = {"kind": record.kind, "availability": record.availability}
    for key, value in (
        ("in", record.container),
        ("capacity", record.capacity),
        ("description", record.description),
        ("owner", record.owner),
    ):
        if value is not None:
            fields[key] = value
    if record.tags:
        fields["tags"] = dict(record.tags)
    return fields


def node_link(graph: nx.DiGraph[Node]) -> dict[str, Any]:
    """The graph as a node-link document, nodes and links in declaration order."""
    nodes, succ, _ = internals(graph)
    names = gate_ids(graph)
    inventory: Inventory = graph.graph["inventory"]
    return {
        "directed": True,
        "multigraph": False,
        "graph": {"inventory": inventory.name},
        "nodes": [
            {"id": names[node], **_fields(data.get("component") or data["gate"])} for node, data in nodes.items()
        ],
        "links": [
            {"source": names[u], "target": names[v], "via": data["via"]}
            for u, targets in succ.items()
            for v, data in targets.items()
        ],
    }
