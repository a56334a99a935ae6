"""unplug: DESIGN's JSON, reasons that lead back to what was unplugged, explanations, exit codes."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import pytest
from conftest import run_cli
from hypothesis import given
from hypothesis.strategies import sampled_from
from strategies import inventories, scenarios

from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.failure import DEGRADED, because, propagate, short_of_demand
from graphanalyzer.analysis.unplug import chains, explain, unplug
from graphanalyzer.cli import resolve
from graphanalyzer.graph import Node, build, internals, is_gate, load
from graphanalyzer.model import Inventory
from graphanalyzer.render import table


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
    assert "any of rack-2-pdu-a, rack-2-pdu-b: 0 of 2 left — both need feed-a (unplugged)" in result.stdout
    assert "at least 2 of zk-1, zk-2, zk-3: 0 of 3 left — all 3 in rack-2" in result.stdout
    full = run_cli("unplug", "example", "feed-a", "--explain", "full", "--format", "table")
    assert "needs feed-a (unplugged)" in full.stdout and "(see above)" in full.stdout
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


def _reasons(graph: nx.DiGraph[Node], ids: list[str]) -> tuple[dict[Node, list[Node]], dict[Node, int]]:
    """The engine's reasons for every node not up, and the obvious distance to a first cause (BFS from each)."""
    states = propagate(graph, ids)
    seeds = {*ids, *(g for g in short_of_demand(graph) if states.get(g) is DEGRADED)}
    reasons = {n: [] if n in seeds else [r for r in because(graph, states, n) if r in states] for n in states}

    def distance(node: Node) -> int:
        frontier, seen, steps = [node], {node}, 0
        while frontier:
            if any(not reasons[n] for n in frontier):
                return steps
            frontier = [r for n in frontier for r in reasons[n] if r not in seen]
            seen.update(frontier)
            steps += 1
        raise AssertionError(f"{node} leads to no first cause")

    return reasons, {n: distance(n) for n in states}


def _accounts_for(reasons: dict[Node, list[Node]]) -> dict[Node, set[Node]]:
    """What alone accounts for each node's state, the obvious way: a node itself; for a component, whatever
    accounts for one of its reasons; for a group, whatever accounts for all its failed members (least fixed point)."""
    found: dict[Node, set[Node]] = {n: {n} for n in reasons}
    changed = True
    while changed:
        changed = False
        for node, why in reasons.items():
            sets = [found[r] for r in why]
            more = set().union(*sets) if not is_gate(node) else (set.intersection(*sets) if sets else set())
            if not more <= found[node]:
                found[node] |= more
                changed = True
    return found


@given(scenarios(min_unplugged=1, max_unplugged=3))
def test_short_chains_follow_the_engine_to_a_first_cause(scenario: tuple[Inventory, list[str]]) -> None:
    """Every hop is one of the engine's reasons, the nearest one; a group's causes account for every failed member."""
    inventory, ids = scenario
    graph = build(inventory)
    nodes, _, _ = internals(graph)
    reasons, distance = _reasons(graph, ids)
    accounts = _accounts_for(reasons)
    result = unplug(graph, ids)
    found = chains(graph, ids)
    assert set(found) == set(result["services"]["down"]) | set(result["services"]["degraded"])

    def check(hop: dict, node: Node) -> None:
        assert hop["state"] == propagate(graph, ids)[node].name.lower()
        if hop.get("seen") or not reasons[node]:
            assert hop["because"] == []
            return
        if is_gate(node):
            failed = reasons[node]
            accounted = [m for cause in hop["causes"] for m in cause["members"]]
            assert sorted(accounted, key=str) == sorted(failed, key=str)  # each failed member, once
            for cause in hop["causes"]:
                assert all(cause["cause"] in accounts[m] for m in cause["members"])
            children = [c["cause"] for c in hop["causes"] if c["cause"] not in ids]
            assert [c["node"] for c in hop["because"]] == children
            for child, cause in zip(hop["because"], children, strict=True):
                check(child, cause)
            return
        (child,) = hop["because"]
        target = child["node"]
        if target is None:  # a group hop: the group among the reasons whose failed members it accounts for
            members = sorted((m for c in child["causes"] for m in c["members"]), key=str)
            target = next(r for r in reasons[node] if is_gate(r) and sorted(reasons[r], key=str) == members)
        assert target in reasons[node]
        assert distance[target] == min(distance[r] for r in reasons[node])  # the nearest reason
        assert distance[node] == distance[target] + 1
        check(child, target)

    for sid, hop in found.items():
        assert hop["node"] == sid and nodes[sid]["component"].kind == "service"
        check(hop, sid)


@given(scenarios(min_unplugged=1, max_unplugged=3), sampled_from(["short", "full"]), sampled_from([None, 1]))
def test_unplug_explains_from_its_own_states_what_chains_and_explain_give(
    scenario: tuple[Inventory, list[str]], kind: str, most: int | None
) -> None:
    """One propagation: ``unplug(..., kind)`` is ``unplug`` with the explanations of ``chains``/``explain``."""
    inventory, ids = scenario
    graph = build(inventory)
    separately = {**unplug(graph, ids), "explain": kind}
    separately["explanations"] = (chains if kind == "short" else explain)(graph, ids, most)
    assert unplug(graph, ids, kind, most) == separately


def test_each_explanation_of_a_lost_site_fits_on_a_screen() -> None:
    """On the example with its only site unplugged: a few lines a service, where the full tree takes 138."""
    from rich.console import Console

    graph = load(resolve("example"))
    result = unplug(graph, ["colo-sfo"])
    result["explanations"] = chains(graph, ["colo-sfo"])
    console = Console(width=80, record=True)
    console.print(table.unplug(result))
    lines = console.export_text().splitlines()
    starts = [n for n, line in enumerate(lines) if line.split()[0] in result["explanations"]]
    blocks = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    assert len(blocks) == 3 and all(len(block) <= 8 for block in blocks), lines
    assert max(len(line) for line in lines) <= 80
    assert "all 3 in rack-2" in "\n".join(lines) and "both in colo-sfo (unplugged)" in "\n".join(lines)
    result["explain"], result["explanations"] = "full", explain(graph, ["colo-sfo"])
    console = Console(width=80, record=True)
    console.print(table.unplug(result))
    assert len(console.export_text().splitlines()) > 100


def test_explain_full_in_json_and_markdown() -> None:
    short = json.loads(run_cli("unplug", "example", "colo-sfo", "--explain", "--format", "json").stdout)
    full = json.loads(run_cli("unplug", "example", "--explain", "full", "colo-sfo", "--format", "json").stdout)
    assert (short["explain"], full["explain"]) == ("short", "full")
    assert list(short)[:3] == list(full)[:3] == ["unplugged", "services", "components"]
    assert short["components"] == full["components"]
    assert json.dumps(full).count('"text"') > 3 * json.dumps(short).count('"text"')
    md = run_cli("unplug", "example", "colo-sfo", "--format", "markdown").stdout
    assert "- **storefront** is **down**" in md and "  - ← any of lb-1, lb-2: 0 of 2 left — both in colo-sfo" in md
    nothing = run_cli("unplug", "example", "full", "--explain")
    assert nothing.returncode == 2 and "name the components to unplug" in nothing.stderr
