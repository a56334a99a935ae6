"""Failure semantics (DESIGN section 2): the worklist engine against the slow, obvious fixed point."""

from __future__ import annotations

from hypothesis import given
from strategies import scenarios

from graphanalyzer.analysis.failure import DEGRADED, DOWN, UP, State, because, propagate
from graphanalyzer.graph import build
from graphanalyzer.model import Component, Group, Inventory


def reference(inventory: Inventory, unplugged: set[str]) -> dict[str, State]:
    """Greatest fixed point the obvious way: start all up, recompute everything until stable."""
    state = {cid: DOWN if cid in unplugged else UP for cid in inventory.components}

    def group(g: Group) -> State:
        alive = [m for m in g.members if state[m] != DOWN]
        if len(alive) < g.at_least:
            return DOWN
        capacity = sum(inventory.components[m].capacity or 0 for m in alive)
        if sum(state[m] == UP for m in g.members) < g.at_least or (g.demand is not None and capacity < g.demand):
            return DEGRADED
        return UP

    changed = True
    while changed:
        changed = False
        for cid, component in inventory.components.items():
            if cid in unplugged:
                continue
            needs = [state[r] if isinstance(r, str) else group(r) for r in component.requires]
            if component.container is not None:
                needs.append(state[component.container])
            new = max(needs, default=UP)
            if new != state[cid]:
                state[cid] = new
                changed = True
    return state


@given(scenarios())
def test_worklist_equals_reference(scenario: tuple[Inventory, list[str]]) -> None:
    inventory, unplugged = scenario
    graph = build(inventory)
    states = propagate(graph, unplugged)
    expected = {cid: s for cid, s in reference(inventory, set(unplugged)).items() if s != UP}
    assert {n: s for n, s in states.items() if isinstance(n, str)} == expected


@given(scenarios())
def test_because_names_requirements_in_the_state(scenario: tuple[Inventory, list[str]]) -> None:
    inventory, unplugged = scenario
    graph = build(inventory)
    states = propagate(graph, unplugged)
    for node, state in states.items():
        if node in unplugged:
            continue
        reasons = because(graph, states, node)
        members = list(graph.successors(node))
        if isinstance(node, str):  # a component: the requirements in its own state
            assert reasons == [r for r in members if states.get(r, UP) == state], node
        elif state == DOWN:  # a gate: the members that are down
            assert reasons == [m for m in members if states.get(m, UP) == DOWN]
        else:  # degraded: the members not up, or all of them when capacity falls short
            assert reasons == ([m for m in members if states.get(m, UP) != UP] or members)
        assert reasons, node


def chain() -> Inventory:
    return Inventory(
        "x",
        {
            "a": Component("a", "host", requires=("b",)),
            "b": Component("b", "host", requires=("a",)),
            "c": Component("c", "host", requires=("a",)),
            "w1": Component("w1", "host", capacity=10),
            "w2": Component("w2", "host", capacity=10),
            "w3": Component("w3", "host", capacity=10, container="a"),
            "s": Component("s", "service", requires=(Group(("w1", "w2", "w3"), at_least=2, demand=25),)),
        },
    )


def test_a_cycle_stays_up_until_something_breaks_it() -> None:
    graph = build(chain())
    assert propagate(graph, []) == {}
    assert {n for n, s in propagate(graph, ["b"]).items() if s == DOWN} == {"a", "b", "c", "w3"}


def test_quorum_and_demand() -> None:
    graph = build(chain())
    assert propagate(graph, ["w1"])["s"] == DEGRADED  # 2 of 3 still up, but 20 < 25
    assert propagate(graph, ["w1", "w2"])["s"] == DOWN  # fewer than 2 not down
    assert "s" not in propagate(graph, [])
