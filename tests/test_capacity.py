"""Capacity: headroom (N+k, fragile failure domains) and shortfalls, against brute force."""

from __future__ import annotations

import json
import math
from itertools import combinations

from conftest import run_cli
from hypothesis import given
from strategies import inventories
from test_failure import reference

from graphanalyzer.analysis.capacity import DOMAINS, headroom
from graphanalyzer.analysis.failure import DOWN
from graphanalyzer.graph import build
from graphanalyzer.model import Group, Inventory


def brute_tolerates(inventory: Inventory, group: Group) -> int:
    """The most members whose loss, whichever they are, leaves demand and quorum met."""
    best = -1
    for k in range(len(group.members) + 1):
        for lost in combinations(group.members, k):
            left = [m for m in group.members if m not in lost]
            capacity = math.fsum(inventory.components[m].capacity or 0 for m in left)
            if capacity < (group.demand or 0) or len(left) < group.at_least:
                return best
        best = k
    return best


@given(inventories(max_components=9, with_text=False))
def test_headroom_equals_brute_force(inventory: Inventory) -> None:
    found = headroom(build(inventory))["groups"]
    expected = []
    for owner, component in inventory.components.items():
        for group in component.requires:
            if not isinstance(group, Group) or group.demand is None:
                continue
            fragile = []
            whole = sum(inventory.components[m].capacity or 0 for m in group.members)
            for domain, record in inventory.components.items():
                if record.kind in DOMAINS and whole >= group.demand:
                    states = reference(inventory, {domain})
                    alive = sum(inventory.components[m].capacity or 0 for m in group.members if states[m] != DOWN)
                    if alive < group.demand:
                        fragile.append(domain)
            expected.append(
                {
                    "service": owner,
                    "members": list(group.members),
                    "demand": group.demand,
                    "capacity": sum(inventory.components[m].capacity or 0 for m in group.members),
                    "tolerates": brute_tolerates(inventory, group),
                    "fragile_to": fragile,
                }
            )
    key = lambda g: (g["service"], g["members"])  # noqa: E731
    assert sorted(found, key=key) == sorted(expected, key=key)


def test_live_audio_headroom_and_the_lost_region() -> None:
    data = json.loads(run_cli("headroom", "liveaudio").stdout)
    spaces = next(g for g in data["groups"] if g["service"] == "spaces")
    assert spaces == {
        "service": "spaces",
        "members": [f"audio-west-{n}" for n in range(1, 5)] + [f"audio-east-{n}" for n in range(1, 6)],
        "demand": 8000000,
        "capacity": 9000000,
        "tolerates": 1,
        "fragile_to": ["region-west", "region-east"],
    }
    signalling = next(g for g in data["groups"] if g["service"] == "signalling")
    assert signalling["fragile_to"] == ["region-east", "east-rack-2"]
    unplugged = json.loads(run_cli("unplug", "liveaudio", "region-west").stdout)
    assert unplugged["components"]["spaces"]["shortfall"] == [
        {"members": spaces["members"], "capacity": 5000000, "demand": 8000000}
    ]
    table = run_cli("unplug", "liveaudio", "region-west", "--format", "table").stdout
    assert "spaces  degraded, 5.0 M of 8.0 M" in table
    assert "N+1" in run_cli("headroom", "liveaudio", "--format", "table").stdout
    assert run_cli("headroom", "example", "--format", "markdown").stdout.startswith("## Capacity headroom")


@given(inventories(max_components=9, with_text=False))
def test_surge_follows_its_definition(inventory: Inventory) -> None:
    import networkx as nx

    from graphanalyzer.analysis.capacity import surge

    graph = build(inventory)
    for owner, component in inventory.components.items():
        own = [r for r in component.requires if isinstance(r, Group) and r.demand]
        if len(own) != 1:
            continue
        result = surge(graph, owner, own[0].demand * 2)
        assert result["factor"] == 2
        needed = nx.descendants(graph, owner) | {owner}
        expected = {
            (n[0], g.members)
            for n, g in ((n, graph.nodes[n].get("gate")) for n in needed if isinstance(n, tuple))
            if g is not None and g.demand
        }
        assert {(e["service"], tuple(e["members"])) for e in result["groups"]} == expected
        for entry in result["groups"]:
            capacity = math.fsum(inventory.components[m].capacity or 0 for m in entry["members"])
            assert entry["capacity"] == capacity
            assert entry["short_by"] == max(0.0, entry["demand"] - capacity)
            if abs(entry["demand"] - capacity) > 1e-9 * max(1.0, capacity):  # away from the float boundary
                assert (entry["demand"] > capacity) == (result["demand"] > entry["saturates_at"])
        assert [e["saturates_at"] for e in result["groups"]] == sorted(e["saturates_at"] for e in result["groups"])


def test_surge_cli() -> None:
    data = json.loads(run_cli("surge", "liveaudio", "--service", "spaces", "--demand", "12000000").stdout)
    first = data["groups"][0]
    assert (data["factor"], first["service"], first["saturates_at"], first["short_by"], first["add_members"]) == (
        1.5,
        "spaces",
        9000000.0,
        3000000.0,
        3,
    )
    assert "first to saturate" in run_cli("surge", "liveaudio", "-s", "spaces", "-d", "12e6", "-f", "table").stdout
    wrong = run_cli("surge", "liveaudio", "--service", "signal-west-1", "--demand", "5")
    assert wrong.returncode == 2 and "exactly one group with a demand" in wrong.stderr
    assert run_cli("surge", "liveaudio").returncode == 2
