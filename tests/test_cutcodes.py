"""Coded cut sets (analysis/cutcodes.py) against the cut-set engine they restate, on random inventories."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import changed_requirements, inventories

from graphanalyzer.analysis import cutcodes
from graphanalyzer.analysis.cutcodes import Coding, _grown, cut_set_codes, minimal
from graphanalyzer.analysis.cutsets import cut_set_table
from graphanalyzer.analysis.cutsets import minimal as minimal_sets
from graphanalyzer.graph import build
from graphanalyzer.model import Component, Group, Inventory

letters = st.frozensets(st.sampled_from("abcdefg"), min_size=1, max_size=3)


def decoded(coding: Coding, table: dict) -> dict:  # type: ignore[type-arg]
    return {node: frozenset(coding.sets(codes)) for node, codes in table.items()}


@pytest.mark.parametrize("few", [0, cutcodes.FEW, 1 << 10])  # groups on arrays, as many as usual, on tuples
@given(inventories(max_components=12, with_text=False), st.integers(min_value=0, max_value=3))
def test_coded_cut_sets_are_the_engines_for_every_node(few: int, inventory: Inventory, room: int) -> None:
    graph = build(inventory)
    ids = list(inventory.components)
    coding = Coding.of(ids, room)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cutcodes, "FEW", few)
        found = cut_set_codes(graph, ids, coding)
    assert all(len(set(codes.tolist())) == len(codes) for codes in found.values())
    assert decoded(coding, found) == cut_set_table(graph, ids, 3)


@st.composite
def quorums(draw: st.DrawFn) -> Inventory:
    """A service that needs at least some of up to nine members, each needing a few of six shared
    components or any of them: sets of three take many members down, or few."""
    shared = [f"s{n}" for n in range(draw(st.integers(1, 6)))]
    components = {cid: Component(cid, "host") for cid in shared}
    pairs = st.lists(st.sampled_from(shared), min_size=1, max_size=3, unique=True).map(lambda ids: Group(tuple(ids)))
    members = []
    for n in range(draw(st.integers(1, 9))):
        needs = draw(st.lists(st.sampled_from(shared) | pairs, max_size=2, unique=True))
        components[f"m{n}"] = Component(f"m{n}", "host", requires=tuple(needs))
        members.append(f"m{n}")
    at_least = draw(st.integers(1, len(members)))
    service = Component("app", "service", requires=(Group(tuple(members), at_least),))
    return Inventory("quorum", components | {"app": service})


@settings(max_examples=300)
@given(quorums(), st.sampled_from([0, cutcodes.FEW, 1 << 10]))
def test_a_quorums_sets_are_the_engines_whether_worked_on_arrays_or_tuples(inventory: Inventory, few: int) -> None:
    graph = build(inventory)
    coding = Coding.of(inventory.components)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cutcodes, "FEW", few)
        found = cut_set_codes(graph, ["app"], coding)
    assert frozenset(coding.sets(found["app"])) == cut_set_table(graph, ["app"], 3)["app"]


@given(inventories(max_components=9, with_text=False), st.data())
def test_coded_cut_sets_of_a_changed_design_from_the_known_ones_equal_a_full_recomputation(
    inventory: Inventory, data: st.DataObject
) -> None:
    ids = list(inventory.components)
    coding = Coding.of(ids)
    before = cut_set_codes(build(inventory), ids, coding)
    graph, stale = data.draw(changed_requirements(inventory))
    known = {node: codes for node, codes in before.items() if node not in stale}
    found = cut_set_codes(graph, ids, coding, known=known)
    assert {t: frozenset(coding.sets(found[t])) for t in ids} == {
        t: f for t, f in cut_set_table(graph, ids, 3).items() if t in ids
    }


@settings(max_examples=300)
@given(st.lists(letters, max_size=12), st.lists(letters, min_size=1, max_size=12), st.sampled_from([1, 2, 5, 1 << 20]))
def test_unions_and_minimal_families_equal_those_of_sets(
    left: list[frozenset[str]], right: list[frozenset[str]], block: int
) -> None:
    coding = Coding.of("abcdefg")
    starts = {cut: n % 3 for n, cut in enumerate(sorted(set(left), key=sorted))}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cutcodes, "_BLOCK", block)  # unions worked in blocks of every size
        found, counts = _grown(
            coding.encode(starts), np.array(list(starts.values()), dtype=np.int32), coding.encode(set(right)), coding
        )
    grown = {(a | b, starts[a] + 1) for a in starts for b in right if len(a | b) <= 3}
    assert set(zip(coding.sets(found), counts.tolist(), strict=True)) == grown
    assert set(coding.sets(minimal(np.sort(coding.encode(set(left))), coding))) == set(minimal_sets(left))


def test_a_coding_extended_keeps_its_codes_and_refuses_what_does_not_fit() -> None:
    coding = Coding.of("ab", room=1)
    more = coding.extended("abc")
    assert more is not None and more.position["c"] == 2 and more.encode(["ab"]) == coding.encode(["ab"])
    assert coding.extended("ab") is coding and coding.extended("abcd") is None
