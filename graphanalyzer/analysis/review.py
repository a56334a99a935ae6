"""The review: what a design review needs, gathered from the other analyses.

SPOFs with double faults (order 2), the complexity numbers, and "what if" for the
components with the largest blast radius (each unplugged alone, with the chains
of reasons).  Rendered by :mod:`graphanalyzer.render.report`.

>>> from graphanalyzer.model import Component, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {"feed": Component("feed", "power"),
...     "app": Component("app", "service", requires=("feed",))}))
>>> [r["unplugged"] for r in review(g)["what_if"]]
[['feed']]
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graphanalyzer.analysis.complexity import complexity
from graphanalyzer.analysis.spof import spof
from graphanalyzer.analysis.unplug import explain, unplug
from graphanalyzer.graph import Node

#: How many of the largest blast radii get a "what if" section, and how many services each explains.
WHAT_IF = 3
EXPLAINED = 5


def review(graph: nx.DiGraph[Node]) -> dict[str, Any]:
    """The report's content as plain data: ``{inventory, spof, complexity, what_if}``."""
    found = spof(graph, order=2)
    numbers = complexity(graph, found)
    what_if = []
    for entry in numbers["blast_radius"][:WHAT_IF]:
        result = unplug(graph, [entry["component"]])
        result["explanations"] = explain(graph, [entry["component"]], most=EXPLAINED)
        what_if.append(result)
    return {
        "inventory": graph.graph["inventory"].name,
        "spof": found,
        "complexity": numbers,
        "what_if": what_if,
    }
