"""The order-2 path of cut sets (pairs from the single failures) against the general engine."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import inventories

from graphanalyzer.analysis.cutsets import cut_sets_of_two, minimal_cut_sets, single_failures
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import build
from graphanalyzer.model import Inventory


@settings(max_examples=400)
@given(inventories(max_components=10, with_text=False), st.data())
def test_pairs_and_single_failures_are_the_minimal_cut_sets_of_order_two(
    inventory: Inventory, data: st.DataObject
) -> None:
    graph = build(inventory)
    ids = list(inventory.components)
    targets = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    singles = single_failures(graph, targets)
    pairs = cut_sets_of_two(graph, targets, data.draw(st.sampled_from([None, singles])))
    assert pairs.keys() == singles.keys()  # every node of the targets' cones, and no other
    expected = minimal_cut_sets(graph, targets, 2)
    assert {t: pairs[t] | {frozenset((c,)) for c in singles[t]} for t in targets} == expected


@settings(max_examples=200)
@given(inventories(max_components=10, with_text=False))
def test_spof_of_order_two_lists_the_engines_cut_sets(inventory: Inventory) -> None:
    """Each set of two or more, with the services it is minimal for, in the order spof ranks them."""
    graph = build(inventory)
    services = inventory.services()
    position = {cid: n for n, cid in enumerate(inventory.components)}
    minimal_for: dict[frozenset[str], list[str]] = {}
    for target, family in minimal_cut_sets(graph, services, 2).items():
        for cut in family:
            if len(cut) >= 2:
                minimal_for.setdefault(cut, []).append(target)
    found = spof(graph, order=2)["cut_sets"]
    assert sorted((tuple(sorted(e["components"])), tuple(e["breaks"])) for e in found) == sorted(
        (tuple(sorted(cut)), tuple(breaks)) for cut, breaks in minimal_for.items()
    )
    assert [e["components"] for e in found] == sorted(
        (sorted(e["components"], key=position.__getitem__) for e in found),
        key=lambda c: (len(c), -len(minimal_for[frozenset(c)]), sorted(map(position.__getitem__, c))),
    )
