"""Containers built alike (complexity.repeated) against NetworkX's hash of each container's subgraph."""

from __future__ import annotations

import warnings
from dataclasses import replace

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import inventories

from graphanalyzer.analysis.complexity import MAX_HASHED, alike, complexity, repeated
from graphanalyzer.generate import generate
from graphanalyzer.graph import build, is_gate
from graphanalyzer.model import Component, Group, Inventory


def copied(inventory: Inventory, prefix: str, order: list[int], dropped: set[int]) -> dict[str, Component]:
    """A renamed copy of the inventory, declared in another order, without the requirements of ``dropped``."""

    def renamed(requirement: str | Group) -> str | Group:
        if isinstance(requirement, str):
            return prefix + requirement
        return replace(requirement, members=tuple(prefix + m for m in requirement.members))

    components = list(inventory.components.values())
    copies = [
        replace(
            c,
            id=prefix + c.id,
            container=None if c.container is None else prefix + c.container,
            requires=() if n in dropped else tuple(renamed(r) for r in c.requires),
        )
        for n, c in enumerate(components)
    ]
    return {copies[n].id: copies[n] for n in order}


def obvious(graph: nx.DiGraph) -> list[dict[str, object]]:
    """Each container's contents (and their groups) hashed by NetworkX, grouped by kind and hash."""
    inventory = graph.graph["inventory"]
    groups: dict[tuple[str, str], list[str]] = {}
    sizes: dict[tuple[str, str], int] = {}
    for container in {c.container for c in inventory.components.values() if c.container is not None}:
        inside = {c for c in inventory.components if container in _containers(inventory, c)} | {container}
        if len(inside) > MAX_HASHED:
            continue
        keep = inside | {n for m in inside for n in graph.successors(m) if is_gate(n)}
        sub = nx.DiGraph(graph.subgraph(keep))
        for node in sub:
            gate = graph.nodes[node].get("gate")
            kind = graph.nodes[node]["component"].kind if gate is None else f"{gate.at_least} of {len(gate.members)}"
            sub.nodes[node]["label"] = "*" if node == container else kind
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            key = (
                inventory.components[container].kind,
                nx.weisfeiler_lehman_graph_hash(sub, node_attr="label", iterations=2),
            )
        groups.setdefault(key, []).append(container)
        sizes[key] = len(inside)
    return alike(groups, sizes)  # the same result shape: what differs is the hash, per container


def _containers(inventory: Inventory, cid: str) -> set[str]:
    """The containers a component stands in, transitively."""
    found: set[str] = set()
    while (cid := inventory.components[cid].container) is not None:
        found.add(cid)
    return found


@settings(max_examples=150)
@given(inventories(max_components=8, with_text=False), st.data())
def test_repeated_equals_networkx_hash_of_each_container(inventory: Inventory, data: st.DataObject) -> None:
    """Copies declared in other orders, some with requirements dropped: containers alike in labels, not edges."""
    count = len(inventory.components)
    components = dict(inventory.components)
    for prefix in ("twin ", "cousin "):
        order = data.draw(st.permutations(range(count)))
        dropped = data.draw(st.sets(st.integers(0, count - 1))) if prefix == "cousin " else set()
        components.update(copied(inventory, prefix, order, dropped))
    graph = build(Inventory(inventory.name, components))
    assert repeated(graph) == obvious(graph)


def test_complexity_shared_between_two_processes_answers_exactly_as_one_process_does() -> None:
    graph = build(generate(3_000, seed=4))
    alone = complexity(graph, workers=1)
    assert complexity(graph, workers=2) == alone
    assert alone["repeated"] and alone["services"]
