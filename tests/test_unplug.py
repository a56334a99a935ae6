"""unplug: DESIGN's JSON, reasons that lead back to what was unplugged, explanations, exit codes."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import pytest
from conftest import run_cli
from hypothesis import given
from strategies import inventories, scenarios

from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.failure import propagate
from graphanalyzer.analysis.unplug import explain, unplug
from graphanalyzer.graph import build, is_gate
from graphanalyzer.model import Inventory


@given(scenarios(min_unplugged=1, max_unplugged=3))
def test_result_matches_the_failure_engine(scenario: tuple[Inventory, list[str]]) -> None:
    inventory, ids = scenario
    graph = build(inventory)
    result = unplug(graph, ids)
    states = propagate(graph, ids)
    assert list(result) == ["unplugged", "services", "components"]
    assert result["unplugged"] == ids
    assert {cid: c["state"] for cid, c in result["components"].items()} == {
        n: s.name.lower() for n, s in states.items() if isinstance(n, str)
    }
    services = inventory.services()
    assert sorted(s for group in result["services"].values() for s in group) == sorted(services)
    for sid in result["services"]["down"]:
        assert result["components"][sid]["state"] == "down"


@given(scenarios(min_unplugged=1, max_unplugged=3))
def test_every_down_component_traces_back_to_something_unplugged(scenario: tuple[Inventory, list[str]]) -> None:
    inventory, ids = scenario
    result = unplug(build(inventory), ids)
    components = result["components"]
    for cid, entry in components.items():
        if entry["state"] != "down" or cid in ids:
            continue
        assert entry["because"], cid
        seen, frontier = {cid}, [cid]
        while frontier and not seen & set(ids):
            frontier = [r for c in frontier for r in components[c]["because"] if r not in seen]
            seen.update(frontier)
        assert seen & set(ids), cid


@given(scenarios(min_unplugged=1, max_unplugged=3))
def test_explanations_cover_every_broken_service(scenario: tuple[Inventory, list[str]]) -> None:
    inventory, ids = scenario
    graph = build(inventory)
    trees = explain(graph, ids)
    result = unplug(graph, ids)
    assert set(trees) == set(result["services"]["down"]) | set(result["services"]["degraded"])
    for sid, tree in trees.items():
        assert tree["node"] == sid and tree["state"] == result["components"][sid]["state"]


@given(inventories(max_components=10, with_text=False))
def test_each_reported_cycle_is_real_and_each_tangle_reported_once(inventory: Inventory) -> None:
    graph = build(inventory)
    found = cycles(graph)
    tangles = [
        scc
        for scc in nx.strongly_connected_components(graph)
        if len(scc) > 1 or graph.has_edge(next(iter(scc)), next(iter(scc)))
    ]
    assert len(found) == len(tangles)
    for cycle in found:
        hops = [*cycle, cycle[0]]
        for a, b in itertools.pairwise(hops):
            through_gate = any(is_gate(g) and graph.has_edge(g, b) for g in graph.successors(a))
            assert graph.has_edge(a, b) or through_gate, (a, b)


def test_live_audio_loses_a_region() -> None:
    result = run_cli("unplug", "liveaudio", "region-west", "--format", "json", "--explain")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["services"] == {"up": ["signalling"], "degraded": ["spaces"], "down": []}
    text = json.dumps(data["explanations"]["spaces"])
    assert "capacity 5,000,000 of 8,000,000" in text
    assert run_cli("unplug", "liveaudio", "region-west", "--fail-on", "down").returncode == 0
    assert run_cli("unplug", "liveaudio", "region-west", "--fail-on", "degraded").returncode == 1


def test_maintenance_question_fails_when_a_service_goes_down() -> None:
    result = run_cli("unplug", "example", "feed-a", "--fail-on", "down", "--format", "table")
    assert result.returncode == 1
    assert "needs feed-a (unplugged)" in result.stdout
    assert "at least 2 of zk-1, zk-2, zk-3: 0 of 3 left" in result.stdout
    assert run_cli("unplug", "example", "carrier-ntt", "--fail-on", "down").returncode == 0


def test_json_keeps_to_design_without_explain() -> None:
    data = json.loads(run_cli("unplug", "example", "rack-1").stdout)
    assert list(data) == ["unplugged", "services", "components"]
    assert data["components"]["web-1"] == {"state": "down", "because": ["rack-1"]}


def test_markdown_lists_the_chains() -> None:
    out = run_cli("unplug", "birdsite-2009", "ntt", "--format", "markdown").stdout
    assert out.startswith("## Unplugging `ntt`")
    assert "- **timeline** is **down**" in out


@pytest.mark.parametrize("ids", [["nope"], ["web-1", "web1"]])
def test_unknown_component_is_a_usage_error(ids: list[str]) -> None:
    result = run_cli("unplug", "example", *ids)
    assert result.returncode == 2
    assert result.stderr.startswith("graphanalyzer: error: no component")
