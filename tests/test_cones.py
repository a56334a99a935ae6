"""Many cones at once (analysis/cones.py) against the obvious one cone per target."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import inventories

from graphanalyzer.analysis import cones
from graphanalyzer.graph import build, cone
from graphanalyzer.model import Inventory


@settings(max_examples=300)
@given(inventories(max_components=12, with_text=False), st.data(), st.sampled_from([1, 3, 70, 4096]))
def test_cones_at_once_equal_one_cone_per_target(inventory: Inventory, data: st.DataObject, chunk: int) -> None:
    """Any targets (repeats too), any order of any nodes, chunks of any size: the positions one cone each gives."""
    graph = build(inventory)
    every = list(graph)
    targets = data.draw(st.lists(st.sampled_from(every), max_size=150))  # over 64: several words
    order = data.draw(st.permutations(every)).copy()[: data.draw(st.integers(0, len(every)))]
    position = {node: n for n, node in enumerate(order)}
    old = cones.CHUNK
    cones.CHUNK = chunk  # several chunks in one call
    try:
        found = [rows.tolist() for rows in cones.cones(graph, targets, order)]
    finally:
        cones.CHUNK = old
    assert found == [sorted(position[n] for n in cone(graph, [t]) if n in position) for t in targets]
