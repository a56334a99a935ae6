"""Minimal cut sets and single points of failure against brute force on random inventories."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import changed_requirements, inventories
from test_failure import reference

from graphanalyzer.analysis.cutsets import minimal_cut_sets, single_failures
from graphanalyzer.analysis.failure import DOWN
from graphanalyzer.graph import build
from graphanalyzer.model import Inventory


def brute_force(inventory: Inventory, order: int) -> dict[str, set[frozenset[str]]]:
    """Every set of at most ``order`` components, unplugged the obvious way; keep the minimal cuts."""
    ids = list(inventory.components)
    cuts: dict[str, set[frozenset[str]]] = {cid: set() for cid in ids}
    for size in range(1, order + 1):
        for chosen in combinations(ids, size):
            candidate = frozenset(chosen)
            states = reference(inventory, set(candidate))
            for target, state in states.items():
                if state == DOWN and not any(found < candidate for found in cuts[target]):
                    cuts[target].add(candidate)
    return cuts


@given(inventories(max_components=9, with_text=False), st.integers(min_value=1, max_value=3))
def test_cut_sets_equal_brute_force(inventory: Inventory, order: int) -> None:
    graph = build(inventory)
    expected = brute_force(inventory, order)
    found = minimal_cut_sets(graph, list(inventory.components), order)
    assert {t: set(f) for t, f in found.items()} == expected


@given(inventories(max_components=10, with_text=False))
def test_single_failures_equal_brute_force(inventory: Inventory) -> None:
    graph = build(inventory)
    expected = brute_force(inventory, 1)
    singles = single_failures(graph)
    assert {cid: {frozenset((x,)) for x in singles[cid]} for cid in inventory.components} == expected
    targets = list(inventory.components)[:2]
    restricted = single_failures(graph, targets)
    assert all(restricted[t] == singles[t] for t in targets)


def test_spof_json_keeps_to_design_and_finds_the_shared_feed() -> None:
    import json

    from conftest import run_cli

    result = run_cli("spof", "example", "--order", "2", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["inventory", "spofs", "cut_sets", "illusory_redundancy"]
    feed = next(s for s in data["spofs"] if s["component"] == "feed-a")
    assert feed == {"component": "feed-a", "kind": "power", "breaks": ["zookeeper", "checkout"]}
    assert {"components": ["rack-2-pdu-a", "rack-2-pdu-b"], "breaks": ["zookeeper", "checkout"]} in data["cut_sets"]
    assert all(2 <= len(c["components"]) <= 2 for c in data["cut_sets"])
    zookeeper = next(g for g in data["illusory_redundancy"] if g["group_of"] == "zookeeper")
    assert zookeeper["members"] == ["zk-1", "zk-2", "zk-3"] and "feed-a" in zookeeper["shared"]


def test_spof_for_named_targets_and_formats() -> None:
    import json

    from conftest import run_cli

    data = json.loads(run_cli("spof", "birdsite-2009", "--service", "post-tweet").stdout)
    assert {s["component"] for s in data["spofs"]} >= {"ntt", "mysql-primary", "utility-feed", "ups-1", "core-sw"}
    assert all(s["breaks"] == ["post-tweet"] for s in data["spofs"])
    assert data["cut_sets"] == []
    table = run_cli("spof", "birdsite-2009", "--format", "table").stdout
    assert "single points of failure" in table and "ntt" in table
    markdown = run_cli("spof", "liveaudio", "--order", "2", "--format", "markdown").stdout
    assert markdown.startswith("## Single points of failure in `liveaudio`")
    assert run_cli("spof", "example", "--service", "nope").returncode == 2
    assert run_cli("spof", "example", "--order", "9").returncode == 2


@given(inventories(max_components=10, with_text=False))
def test_illusory_redundancy_is_exactly_the_single_failures_the_group_alone_suffers(inventory: Inventory) -> None:
    from graphanalyzer.analysis.failure import propagate
    from graphanalyzer.analysis.spof import spof
    from graphanalyzer.graph import is_gate

    graph = build(inventory)
    targets = list(inventory.components)
    reported = {(e["group_of"], tuple(e["members"])): e["shared"] for e in spof(graph, targets)["illusory_redundancy"]}
    expected: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for node in graph:
        if not is_gate(node):
            continue
        gate = graph.nodes[node]["gate"]
        if gate.at_least >= len(gate.members):
            continue
        others = [r for r in graph.successors(node[0]) if r != node]
        shared = []
        for cid in inventory.components:
            states = propagate(graph, [cid])
            if states.get(node) == DOWN and not any(states.get(r) == DOWN for r in others):
                shared.append(cid)
        if shared:
            expected[(node[0], gate.members)] = shared
    assert reported == expected


@given(inventories(max_components=8, with_text=False), st.integers(min_value=1, max_value=2), st.data())
def test_cut_sets_given_some_already_down_equal_brute_force(
    inventory: Inventory, order: int, data: st.DataObject
) -> None:
    """With ``down`` unplugged already: the minimal sets that take each target down together with them."""
    from graphanalyzer.analysis.cutsets import family_of_ones, ones_table

    ids = list(inventory.components)
    down = frozenset(data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)))
    expected: dict[str, set[frozenset[str]]] = {cid: set() for cid in ids}
    for size in range(order + 1):
        for chosen in combinations([c for c in ids if c not in down], size):
            candidate = frozenset(chosen)
            for target, state in reference(inventory, set(candidate | down)).items():
                if state == DOWN and not any(found <= candidate for found in expected[target]):
                    expected[target].add(candidate)
    graph = build(inventory)
    found = minimal_cut_sets(graph, ids, order, down=down)
    assert {t: set(f) for t, f in found.items()} == expected
    if order == 1:
        ones = ones_table(graph, ids, down)
        assert {t: family_of_ones(ones[t]) for t in ids} == found


@given(inventories(max_components=9, with_text=False), st.integers(min_value=1, max_value=3), st.data())
def test_cut_sets_of_a_changed_design_from_the_known_ones_equal_a_full_recomputation(
    inventory: Inventory, order: int, data: st.DataObject
) -> None:
    """Reusing the families of every node that needs nothing changed gives what a full recomputation gives."""

    from graphanalyzer.analysis.cutsets import cut_set_table

    ids = list(inventory.components)
    before = cut_set_table(build(inventory), ids, order)
    graph, stale = data.draw(changed_requirements(inventory))
    known = {node: family for node, family in before.items() if node not in stale}
    found = cut_set_table(graph, ids, order, known=known)
    assert {t: found[t] for t in ids} == minimal_cut_sets(graph, ids, order)


@settings(max_examples=400)
@given(
    st.lists(
        st.lists(st.frozensets(st.sampled_from("abcde"), min_size=1, max_size=3), max_size=8), min_size=1, max_size=4
    )
)
def test_merging_minimal_families_equals_minimising_their_union(families: list[list[frozenset[str]]]) -> None:
    from graphanalyzer.analysis.cutsets import merged, minimal

    minimals = [minimal(family) for family in families]
    assert merged(minimals) == minimal(frozenset().union(*minimals))
