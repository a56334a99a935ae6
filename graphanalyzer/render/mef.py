"""Open-PSA MEF fault trees: "S is down" for tools such as SCRAM.

The tree has one top event, the target being down, and only the gates its cone
reaches.  Every component of the cone is a basic event (named by its id where
that is a valid MEF name, else ``c__N`` with the id as its label) whose
probability is 1 - availability.  A component is down if its basic event occurs
or any requirement is down (``or``); a group needing ``k`` of ``n`` members is
down when ``n - k + 1`` are down (``atleast``; ``and`` when that is all of them).

Fault trees are acyclic, dependency graphs need not be.  Inside a dependency
cycle each node is expanded along the path that reached it, and a path coming
back to a node already on it contributes nothing (false): exactly the least fixed
point of unplugging, where a cycle cannot keep itself down.

Each distinct formula is written once, as one gate referred to by name wherever
it recurs: two gates whose ``or`` (or ``and``) flattens to the same set of
arguments are one gate.  An ``atleast`` whose arguments coincide (two members of
a quorum that reach each other through a cycle) is written as what it means, a
threshold expanded into ``or`` and ``and`` gates, so no tool has to merge
equal gates itself: SCRAM 0.16 merges them and then answers an ``atleast``
over repeated arguments wrongly (docs/export.md).

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "web-1": Component("web-1", "host"),
...     "web-2": Component("web-2", "host", availability=0.99),
...     "app": Component("app", "service", requires=(Group(("web-1", "web-2")),)),
... }))
>>> print(fault_tree(g, "app"))  # doctest: +ELLIPSIS
<?xml version="1.0" encoding="UTF-8"?>
<opsa-mef>
  <define-fault-tree name="app-down">
    <label>app is down</label>
    <define-gate name="G__2">
      <label>app is down</label>
      <or>
        <basic-event name="app" />
        <gate name="G__1" />
      </or>
    </define-gate>
    <define-gate name="G__1">
      <label>app: any of web-1, web-2</label>
      <and>
        <basic-event name="web-1" />
        <basic-event name="web-2" />
      </and>
    </define-gate>
  </define-fault-tree>
  <model-data>
    <define-basic-event name="web-1">
      <float value="0.001" />
    </define-basic-event>
    <define-basic-event name="web-2">
      <float value="0.01" />
    </define-basic-event>
...
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx

from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, internals, label

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
_FALSE = None  # a formula that can never hold
_TRUE = ("true", "")  # a formula that always holds: only inside a threshold's expansion

Formula = tuple[str, str] | None  # ("basic-event" | "gate", name), or false
#: What a formula means: an event or gate reference, or an operator over a set of meanings.
Key = tuple[Any, ...]


def fault_tree(graph: nx.DiGraph[Node], target: str) -> str:
    """The MEF document for "``target`` is down"."""
    return _Tree(graph, target).document()


class _Tree:
    def __init__(self, graph: nx.DiGraph[Node], target: str) -> None:
        self.graph = graph
        self.nodes, self.succ, _ = internals(graph)
        self.target = target
        self.cone: set[Node] = set(nx.descendants(graph, target))
        self.cone.add(target)
        self.cycle_of: dict[Node, int] = {}
        for n, members in enumerate(nx.strongly_connected_components(graph.subgraph(self.cone))):
            if len(members) > 1 or any(m in self.succ[m] for m in members):
                self.cycle_of.update(dict.fromkeys(members, n))
        self.events: dict[str, str] = {}
        self.taken: set[str] = set()
        for node in graph.graph["inventory"].components:
            if node in self.cone and _NAME.fullmatch(node):
                self.events[node] = node
                self.taken.add(node)
        self.gates: dict[str, ET.Element] = {}
        self.counts: dict[str, int] = {}
        self.memo: dict[Any, Formula] = {}
        self.keys: dict[tuple[str, str], Key] = {}
        self.shared: dict[Key, tuple[str, str]] = {}

    def name(self, prefix: str) -> str:
        """A fresh name ``PREFIX__N`` that no component's event already has."""
        while True:
            self.counts[prefix] = self.counts.get(prefix, 0) + 1
            name = f"{prefix}__{self.counts[prefix]}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def event(self, component: str) -> tuple[str, str]:
        if component not in self.events:
            self.events[component] = self.name("c")
        return ("basic-event", self.events[component])

    def formula(self, node: Node, path: frozenset[Node]) -> Formula:
        cycle = self.cycle_of.get(node)
        if cycle is not None and node in path:
            return _FALSE
        key = node if cycle is None else (node, path)
        if key in self.memo:
            return self.memo[key]
        inner = frozenset() if cycle is None else path | {node}
        arguments = []
        for requirement in self.succ[node]:
            # A path only matters inside one cycle: leaving it, it cannot come back.
            same = self.cycle_of.get(requirement) == cycle and cycle is not None
            arguments.append(self.formula(requirement, inner if same else frozenset()))
        gate = self.nodes[node].get("gate")
        result: Formula
        if gate is None:
            live = [self.event(node)] + [a for a in arguments if a is not _FALSE]  # type: ignore[arg-type]
            result = self.define(node, "or", live)
        else:
            live = [a for a in arguments if a is not _FALSE]
            need = len(arguments) - gate.at_least + 1
            if len(live) < need:
                result = _FALSE
            elif need == 1:
                result = self.define(node, "or", live)
            elif need == len(live):
                result = self.define(node, "and", live)
            else:
                result = self.define(node, "atleast", live, need)
        self.memo[key] = result
        return result

    def key(self, formula: tuple[str, str]) -> Key:
        """What ``formula`` means, up to order and nesting of ``or``/``and``."""
        return self.keys.get(formula, formula)

    def define(self, node: Node, operator: str, arguments: list[tuple[str, str]], need: int = 0) -> tuple[str, str]:
        """The formula ``operator(arguments)`` as a gate labelled for ``node``, written once per meaning."""
        if operator == "atleast":
            keys = [self.key(a) for a in arguments]
            if len(set(keys)) < len(keys):  # coinciding arguments: the threshold itself
                weights: dict[Key, int] = {}
                first: dict[Key, tuple[str, str]] = {}
                for argument, key in zip(arguments, keys, strict=True):
                    weights[key] = weights.get(key, 0) + 1
                    first.setdefault(key, argument)
                items = sorted(((first[k], w) for k, w in weights.items()), key=lambda item: -item[1])
                expanded = self.threshold(node, need, items)
                assert expanded is not _FALSE and expanded is not _TRUE, "need is within the weights"
                return expanded
            if need >= len(arguments):
                operator, need = "and", 0
        distinct: dict[Key, tuple[str, str]] = {}
        for argument in arguments:  # one requirement may arrive by two routes
            distinct.setdefault(self.key(argument), argument)
        unique = list(distinct.values())
        if len(unique) == 1 and node != self.target:
            return unique[0]
        if operator == "atleast":
            meaning: Key = ("atleast", need, frozenset(self.key(a) for a in unique))
        else:
            members: set[Key] = set()
            for reference in unique:
                key = self.key(reference)
                members.update(key[1] if key[0] == operator else (key,))
            meaning = (operator, frozenset(members))
        if meaning in self.shared and node != self.target:
            return self.shared[meaning]
        name = self.name("G")
        gate = ET.Element("define-gate", name=name)
        ET.SubElement(gate, "label").text = f"{node} is down" if isinstance(node, str) else label(node, self.graph)
        if len(unique) == 1:  # MEF operators take two or more: a lone argument stands by itself
            formula = gate
        else:
            formula = ET.SubElement(gate, operator, min=str(need)) if need else ET.SubElement(gate, operator)
        for kind, event in unique:
            ET.SubElement(formula, kind, name=event)
        self.gates[name] = gate
        result = ("gate", name)
        self.keys[result] = meaning
        self.shared.setdefault(meaning, result)
        return result

    def threshold(self, node: Node, need: int, items: list[tuple[tuple[str, str], int]]) -> Formula:
        """At least ``need`` down among arguments that count ``weight`` times each, in ``or``/``and``.

        Shannon's expansion on the first argument: it is down and ``need - weight``
        of the rest are, or ``need`` of the rest are.
        """
        if need <= 0:
            return _TRUE
        if sum(weight for _, weight in items) < need:
            return _FALSE
        (argument, weight), rest = items[0], items[1:]
        live: list[tuple[str, str]] = []
        with_it = self.threshold(node, need - weight, rest)
        if with_it is _TRUE:
            live.append(argument)
        elif with_it is not _FALSE:
            live.append(self.define(node, "and", [argument, with_it]))
        without = self.threshold(node, need, rest)
        if without is not _FALSE:
            live.append(without)
        if not live:
            return _FALSE
        return self.define(node, "or", live)

    def document(self) -> str:
        recursion = sys.getrecursionlimit()
        sys.setrecursionlimit(max(recursion, 20 * len(self.cone) + 1000))
        try:
            top = self.formula(self.target, frozenset())
        except RecursionError:
            raise UsageError(f"the dependency chains below '{self.target}' are too deep to export") from None
        finally:
            sys.setrecursionlimit(recursion)
        assert top is not None
        root = ET.Element("opsa-mef")
        tree = ET.SubElement(root, "define-fault-tree", name=f"{self.events.get(self.target, 'target')}-down")
        ET.SubElement(tree, "label").text = f"{self.target} is down"
        # Only the gates the top reaches: a branch that turned out false may have defined others.
        reached, stack = {top[1]: None}, [top[1]]
        while stack:
            for reference in self.gates[stack.pop()].iter("gate"):
                name = reference.get("name", "")
                if name not in reached:
                    reached[name] = None
                    stack.append(name)
        used: set[str | None] = set()
        for name in reached:
            tree.append(self.gates[name])
            used.update(event.get("name") for event in self.gates[name].iter("basic-event"))
        data = ET.SubElement(root, "model-data")
        components = self.graph.graph["inventory"].components
        for component in components:
            if component in self.events and self.events[component] in used:
                event = ET.SubElement(data, "define-basic-event", name=self.events[component])
                if self.events[component] != component:
                    ET.SubElement(event, "label").text = component
                probability = round(1 - components[component].availability, 15)
                ET.SubElement(event, "float", value=repr(probability))
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
