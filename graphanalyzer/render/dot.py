"""The raw dependency graph in Graphviz DOT: every node and edge, nothing collapsed.

Node names are generated (``n1``, ``n2``, ...) and every label is quoted and escaped
here, so no id, however odd, can break the file, whatever pydot's own quoting.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> print(raw(build(Inventory("x", {
...     "web-1": Component("web-1", "host"),
...     'say "hi"': Component('say "hi"', "service", requires=(Group(("web-1",)),)),
... }))), end="")
digraph dependencies {
rankdir=LR;
n1 [label="web-1", shape=box, tooltip="host web-1"];
n2 [label="say \\"hi\\"", shape=box, tooltip="service say \\"hi\\""];
n3 [label="any", shape=circle, width="0.3", fontsize="9"];
n2 -> n3;
n3 -> n1;
}
"""

from __future__ import annotations

import networkx as nx
import pydot

from graphanalyzer.graph import Node, internals


def quote(text: str) -> str:
    """A DOT string literal for any text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def raw(graph: nx.DiGraph[Node]) -> str:
    """Every component as a box, every group as a small circle, edges from a node to what it needs."""
    nodes, succ, _ = internals(graph)
    dot = pydot.Dot("dependencies", graph_type="digraph", rankdir="LR")
    names = {node: f"n{n}" for n, node in enumerate(nodes, start=1)}
    for node, data in nodes.items():
        gate = data.get("gate")
        if gate is None:
            record = data["component"]
            dot.add_node(
                pydot.Node(
                    names[node], label=quote(record.id), shape="box", tooltip=quote(f"{record.kind} {record.id}")
                )
            )
        else:
            text = "any" if gate.at_least == 1 else f"{gate.at_least} of {len(gate.members)}"
            dot.add_node(pydot.Node(names[node], label=quote(text), shape="circle", width='"0.3"', fontsize='"9"'))
    for u, targets in succ.items():
        for v, data in targets.items():
            edge = pydot.Edge(names[u], names[v])
            if data["via"] == "in":
                edge.set("label", quote("in"))
                edge.set("style", "dashed")
            dot.add_edge(edge)
    document: str = dot.to_string()
    return document
