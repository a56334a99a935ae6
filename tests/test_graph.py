"""The dependency graph: the direct build equals the obvious one through NetworkX's public API."""

from __future__ import annotations

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st
from strategies import inventories

from graphanalyzer.graph import build, check_ids, is_gate, label
from graphanalyzer.model import Group, Inventory


def obvious(inventory: Inventory) -> nx.DiGraph:
    graph = nx.DiGraph(inventory=inventory)
    for cid, component in inventory.components.items():
        graph.add_node(cid, component=component)
        for n, requirement in enumerate(component.requires):
            if isinstance(requirement, Group):
                graph.add_node((cid, n), gate=requirement)
    for cid, component in inventory.components.items():
        for n, requirement in enumerate(component.requires):
            if isinstance(requirement, str):
                graph.add_edge(cid, requirement, via="needs")
            else:
                graph.add_edge(cid, (cid, n), via="needs")
                for member in requirement.members:
                    graph.add_edge((cid, n), member, via="member")
        if component.container is not None:
            graph.add_edge(cid, component.container, via="in")
    return graph


@given(inventories(with_text=False))
def test_direct_build_equals_public_api_build(inventory: Inventory) -> None:
    fast, slow = build(inventory), obvious(inventory)
    assert nx.utils.graphs_equal(fast, slow)
    assert dict(fast.pred) == dict(slow.pred)
    assert list(fast.edges(data=True)) == list(slow.edges(data=True))


@given(inventories(with_text=False))
def test_every_edge_points_from_a_node_to_what_it_needs(inventory: Inventory) -> None:
    graph = build(inventory)
    for node in graph:
        if is_gate(node):
            assert set(graph.successors(node)) == set(graph.nodes[node]["gate"].members)
        else:
            component = graph.nodes[node]["component"]
            expected = {r if isinstance(r, str) else (node, n) for n, r in enumerate(component.requires)}
            if component.container is not None:
                expected.add(component.container)
            assert set(graph.successors(node)) == expected


def test_copy_is_independent_of_shared_edge_data() -> None:
    from graphanalyzer.model import Component

    graph = build(Inventory("x", {"a": Component("a", "host", requires=("b",)), "b": Component("b", "host")}))
    copy = graph.copy()
    copy.edges["a", "b"]["via"] = "changed"
    assert graph.edges["a", "b"]["via"] == "needs"


def test_labels_and_unknown_ids() -> None:
    import pytest

    from graphanalyzer.errors import UsageError
    from graphanalyzer.model import Component, Group

    graph = build(
        Inventory(
            "x", {"web-1": Component("web-1", "host"), "s": Component("s", "service", requires=(Group(("web-1",)),))}
        )
    )
    assert label(("s", 0), graph) == "s: any of web-1"
    assert check_ids(graph, ["web-1", "web-1"]) == ["web-1"]
    with pytest.raises(UsageError, match="did you mean 'web-1'"):
        check_ids(graph, ["web-2"])


def test_a_small_cone_gives_the_sets_of_the_whole_graph_requirements_first() -> None:
    """sets_first on a small cone (Tarjan's algorithm on the cone alone) gives the strongly connected
    sets the whole graph has there, each after every set it needs.  (Exact diagrams take their variable
    order from exact._depth_first, not from this order.)"""
    from graphanalyzer.graph import cone, sets_first
    from graphanalyzer.model import Component

    parts = {f"r{i}": Component(f"r{i}", "rack", requires=(f"r{(i + 1) % 3}",) if i < 3 else ()) for i in range(30)}
    parts |= {f"h{i}": Component(f"h{i}", "host", container=f"r{i}") for i in range(30)}
    parts |= {f"x{i}": Component(f"x{i}", "widget") for i in range(100)}  # outside the cone: make it small
    graph = build(Inventory("x", parts))
    wanted = cone(graph, [f"h{i}" for i in range(30)])
    found = list(sets_first(graph, wanted))
    whole = [members for members in sets_first(graph) if members <= wanted]
    assert sorted(map(sorted, found)) == sorted(map(sorted, whole))
    assert {"r0", "r1", "r2"} in found
    seen: set[str] = set()
    for members in found:
        assert all(need in seen or need in members for m in members for need in graph.successors(m))
        seen |= members


@given(inventories(with_text=False), st.data())
def test_a_cones_sets_are_the_whole_graphs_there_requirements_first_whether_those_are_kept_or_not(
    inventory: Inventory, data: st.DataObject
) -> None:
    from graphanalyzer.graph import cone, sets_first

    graph = build(inventory)
    wanted = cone(graph, data.draw(st.sets(st.sampled_from(list(graph)), min_size=1)))
    alone = list(sets_first(graph, wanted))  # nothing kept yet: its own, unless it is most of the graph
    assert "sets_first" in graph.graph or 2 * len(wanted) <= len(graph)
    every = list(sets_first(graph))  # now kept on the graph: NetworkX's sets, each after all it needs
    assert len(every) == len(graph) - sum(len(m) - 1 for m in every)
    assert set(map(frozenset, every)) == set(map(frozenset, nx.strongly_connected_components(graph)))
    whole = [members for members in every if members <= wanted]
    for found in (every, alone, list(sets_first(graph, wanted))):
        if found is not every:
            assert len(found) == len(whole) and set(map(frozenset, found)) == set(map(frozenset, whole))
        seen: set[object] = set()
        for members in found:
            assert all(need in seen or need in members for m in members for need in graph.successors(m))
            seen |= members


@given(inventories(with_text=False), st.data())
def test_build_of_some_components_is_the_subgraph_of_them_and_their_gates(inventory: Inventory, data) -> None:  # type: ignore[no-untyped-def]
    from graphanalyzer.graph import build

    only = data.draw(st.sets(st.sampled_from(list(inventory.components))))
    whole = build(inventory)

    def kept(node: object) -> bool:
        return (node[0] if is_gate(node) else node) in only  # type: ignore[index,operator]

    part = build(inventory, only=only)
    assert list(part) == [n for n in whole if kept(n)]
    for node in part:
        assert part.nodes[node] == whole.nodes[node]
        assert list(part.succ[node].items()) == [(v, d) for v, d in whole.succ[node].items() if kept(v)]
        assert list(part.pred[node].items()) == [(u, d) for u, d in whole.pred[node].items() if kept(u)]


@given(inventories(with_text=False), st.integers(0, 12), st.data())
def test_a_cone_is_within_a_size_when_it_holds_that_many_components_or_fewer(
    inventory: Inventory, most: int, data: st.DataObject
) -> None:
    from graphanalyzer.graph import within

    graph = build(inventory)
    node = data.draw(st.sampled_from(list(graph)))
    components = [n for n in nx.descendants(graph, node) | {node} if not is_gate(n)]
    assert within(graph, node, most) == (len(components) <= most)


def needing_cycles(graph: nx.DiGraph) -> set[str]:
    """The obvious reference: components from which a dependency cycle can be reached."""
    looped = {n for members in nx.strongly_connected_components(graph) for n in members if len(members) > 1}
    looped.update(n for n in graph if graph.has_edge(n, n))
    return {n for n in graph if not is_gate(n) and (n in looped or nx.descendants(graph, n) & looped)}


@given(inventories(with_text=False, max_components=14))
def test_cycles_found_from_the_records_are_those_of_the_whole_graph(inventory: Inventory) -> None:
    """The components peeling the records leaves are those that lie on or need a cycle, and the cycles
    found from them are those of the whole graph."""
    from graphanalyzer.analysis.cycles import cycles, found
    from graphanalyzer.graph import components_needing_cycles

    graph = build(inventory)
    assert components_needing_cycles(inventory) == needing_cycles(graph)
    assert found(inventory) == cycles(graph)


def test_a_long_chain_declared_backwards_still_gives_the_cycles() -> None:
    """Past the passes' limit, peeling stops with more components left (never fewer): the cycles found stay right."""
    from graphanalyzer.analysis.cycles import cycles, found
    from graphanalyzer.graph import components_needing_cycles
    from graphanalyzer.model import Component

    chain = {f"c{n}": Component(f"c{n}", "service", requires=(f"c{n + 1}",)) for n in range(300)}
    chain["c300"] = Component("c300", "service", requires=("loop",))
    chain["loop"] = Component("loop", "service", requires=("loop",))
    inventory = Inventory("chain", chain)
    assert {"c0", "loop"} <= components_needing_cycles(inventory)
    assert found(inventory) == cycles(build(inventory)) == [["loop"]]
    acyclic = Inventory("chain", {**chain, "loop": Component("loop", "service")})
    assert found(acyclic) == cycles(build(acyclic)) == []
