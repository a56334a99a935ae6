"""diff's incremental work against whole recomputations on random designs and their changes."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from strategies import changed_requirements, inventories
from test_review import changed_designs

from graphanalyzer.analysis.cutsets import (
    ALREADY,
    cut_set_table,
    family_of_ones,
    minimal_cut_sets,
    ones_table,
    single_failures,
)
from graphanalyzer.analysis.diff import _ones_from, _value, diff, full_lower_order, ones_with_down, with_down
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.analysis.spof import spof
from graphanalyzer.generate import generate
from graphanalyzer.graph import build, cone
from graphanalyzer.model import Component, Group, Inventory


def _two_services(requires: tuple[str | Group, ...]) -> Inventory:
    """app1 needs what is given; app2 needs app1 or x (x under nothing that changes)."""
    hosts = {h: Component(h, "host") for h in ("a", "b", "c", "x")}
    app1 = Component("app1", "service", requires=requires)
    app2 = Component("app2", "service", requires=(Group(("app1", "x")),))
    return Inventory("x", {**hosts, "app1": app1, "app2": app2})


@settings(max_examples=200)
@given(changed_designs(), st.data())
def test_cut_sets_of_one_with_some_unplugged_from_the_single_failures_are_the_engines(
    designs: tuple[Inventory, Inventory], data: st.DataObject
) -> None:
    """Kept where nothing unplugged is needed, down already where one unplugged component does it alone."""
    inventory = designs[1]
    graph = build(inventory)
    services = inventory.services()
    down = frozenset(data.draw(st.lists(st.sampled_from(sorted(inventory.components)), min_size=1, max_size=3)))
    singles = single_failures(graph, services)
    within = data.draw(st.sampled_from([None, cone(graph, services)]))
    found = ones_with_down(graph, services, down, singles, within)
    assert {t: family_of_ones(v) for t, v in found.items()} == minimal_cut_sets(graph, services, 1, down)


@given(changed_designs(), st.data())
def test_cut_sets_of_no_component_say_whether_what_is_unplugged_takes_a_target_down(
    designs: tuple[Inventory, Inventory], data: st.DataObject
) -> None:
    """What ``diff --order 1`` reads for its candidates (before, the rules for one or more components were
    applied to none: sets that did not fit, and on some dependency cycles a fixed point never reached)."""
    inventory = designs[1]
    graph = build(inventory)
    services = inventory.services()
    down = frozenset(data.draw(st.lists(st.sampled_from(sorted(inventory.components)), min_size=1, max_size=3)))
    singles = data.draw(st.sampled_from([None, single_failures(graph, services)]))
    found = with_down(graph, services, 0, down, lambda nodes: {}, singles=singles)
    states = propagate(graph, down)
    assert found == {t: ALREADY if states.get(t) is DOWN else frozenset() for t in services}
    with pytest.raises(ValueError):
        cut_set_table(graph, services, 0)


@settings(max_examples=300)
@given(inventories(max_components=10, with_text=False), st.data())
def test_cut_sets_of_one_with_one_more_unplugged_from_those_with_one_are_the_engines(
    inventory: Inventory, data: st.DataObject
) -> None:
    """What ``diff`` reads for a set of two it checks: worked out from every node's values with one of them
    unplugged, only where the other one is needed."""
    graph = build(inventory)
    ids = sorted(inventory.components)
    assume(len(ids) > 1)
    d, x = data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
    singles = single_failures(graph, ids)
    nodes: dict = {}  # type: ignore[type-arg]
    first = _ones_from(graph, ids, frozenset({d}), frozenset({d}), singles.__getitem__, cone(graph, ids), nodes)
    assert first == ones_with_down(graph, ids, frozenset({d}), singles)
    targets = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    value = partial(_value, nodes, singles, d)
    found = _ones_from(graph, targets, frozenset({d, x}), frozenset({x}), value, cone(graph, targets))
    assert {t: family_of_ones(v) for t, v in found.items()} == minimal_cut_sets(graph, targets, 1, {d, x})


@settings(max_examples=200)
@given(inventories(max_components=9, with_text=False), st.data())
def test_cut_sets_of_one_of_a_changed_design_from_the_known_ones_equal_a_full_recomputation(
    inventory: Inventory, data: st.DataObject
) -> None:
    """``ones_table`` reusing the values of every node that needs nothing changed, some components unplugged."""
    ids = list(inventory.components)
    down = frozenset(data.draw(st.lists(st.sampled_from(ids), max_size=2)))
    before = ones_table(build(inventory), ids, down)
    graph, stale = data.draw(changed_requirements(inventory))
    known = {node: value for node, value in before.items() if node not in stale}
    found = ones_table(graph, ids, down, known)
    assert {t: family_of_ones(found[t]) for t in ids} == minimal_cut_sets(graph, ids, 1, down)


@settings(max_examples=200)
@given(changed_designs(), st.booleans(), st.integers(min_value=1, max_value=3))
# A new SPOF that needed three before; {a, x} is a candidate that holds nothing else reaching the change.
@example((_two_services((Group(("a", "b", "c")),)), _two_services(("a",))), False, 2)
def test_diff_finds_what_whole_analyses_of_both_designs_find(
    designs: tuple[Inventory, Inventory], back: bool, order: int
) -> None:
    """SPOFs added and removed, and cut sets of a lower order, as from both designs worked out whole."""
    before, after = designs[::-1] if back else designs
    old, new = build(before), build(after)
    result = diff(old, new, order)
    then = [e["component"] for e in spof(old)["spofs"]]
    now = spof(new)["spofs"]
    assert result["spofs"]["added"] == [e["component"] for e in now if e["component"] not in then]
    assert result["spofs"]["removed"] == [c for c in then if c not in {e["component"] for e in now}]
    services = [s for s in after.services() if s in before.components]
    assert result["cut_sets"]["lower_order"] == full_lower_order(old, new, services, order, {})


def test_a_diff_shared_between_two_processes_answers_exactly_as_one_process_does() -> None:
    before = generate(3_000, seed=1)
    # One line: the first group of a service that has one becomes its first member alone.
    owner = next(
        c for c in before.components.values() if c.kind == "service" and any(isinstance(r, Group) for r in c.requires)
    )
    requires = tuple(r.members[0] if isinstance(r, Group) else r for r in owner.requires)
    after = replace(before, components={**before.components, owner.id: replace(owner, requires=requires)})
    old, new = build(before), build(after)
    alone, shared = diff(old, new, 2, workers=1), diff(old, new, 2, workers=2)
    assert shared == alone
    assert alone["cut_sets"]["lower_order"] and alone["services"]
