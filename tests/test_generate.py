"""Synthetic estates: exact sizes, deterministic, valid, and shaped like real ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.dump import dumps
from graphanalyzer.errors import UsageError
from graphanalyzer.generate import MIN_COMPONENTS, generate
from graphanalyzer.graph import build
from graphanalyzer.inventory import load
from graphanalyzer.model import Group


@pytest.mark.parametrize("size", [MIN_COMPONENTS, 41, 97, 1000, 20_000])
def test_exact_size_and_it_loads_back(tmp_path: Path, size: int) -> None:
    inventory = generate(size, seed=3)
    assert len(inventory.components) == size
    path = tmp_path / "g.yaml"
    path.write_text(dumps(inventory))
    assert load(path) == inventory


def test_same_seed_same_estate_other_seed_other_estate() -> None:
    assert dumps(generate(2000, seed=5)) == dumps(generate(2000, seed=5))
    assert dumps(generate(2000, seed=5)) != dumps(generate(2000, seed=6))


def test_the_estate_has_the_promised_shape() -> None:
    inventory = generate(20_000, seed=1)
    kinds = inventory.by_kind()
    for kind in ("site", "room", "rack", "power", "switch", "router", "carrier", "host", "service", "dns"):
        assert kinds.get(kind, 0) > 0, kind
    groups = [r for c in inventory.components.values() for r in c.requires if isinstance(r, Group)]
    assert any(g.at_least > 1 for g in groups), "quorums"
    assert any(g.demand is not None for g in groups), "demand"
    racks = [c for c in inventory.components.values() if c.kind == "rack"]
    feeds = {tuple(inventory.components[p].requires) for r in racks for p in r.requires[0].members}
    assert feeds, "PDUs fed from power feeds"
    shared = [r for r in racks if len({inventory.components[p].requires for p in r.requires[0].members}) == 1]
    assert shared, "some racks have both PDUs on one feed: redundancy that is not"
    graph = build(inventory)
    one_rack = racks[0].id
    states = propagate(graph, [one_rack])
    assert any(s == DOWN for n, s in states.items() if n != one_rack), "unplugging a rack breaks something"


def test_too_small_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        generate(MIN_COMPONENTS - 1)


@pytest.mark.slow
def test_reaches_a_million_components() -> None:
    inventory = generate(1_000_000, seed=1)
    assert len(inventory.components) == 1_000_000
