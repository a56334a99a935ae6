"""Capacity: what survives a failure but can no longer carry the load.

A group with a ``demand`` is degraded when the summed capacity of its members that
are not down falls below the demand (DESIGN section 2).  :func:`shortfalls` says by
how much, for the groups a component owns; :func:`surge` what a service's demand
rising does to the groups it relies on; :func:`headroom` says, for every group
with a demand, how much it has to spare:

* ``capacity``: all members' capacity together;
* ``tolerates``: N+k — the most members it can lose, the largest first, and still
  meet the demand with enough members for its quorum (-1: short even with all up);
* ``fragile_to``: the failure domains (sites, rooms, racks, power, carriers) whose
  loss alone takes it below demand: what losing one takes down is what it is a
  single failure of, as the one failure engine finds them (none for a group that
  is short with nothing lost).

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "west": Component("west", "site"), "east": Component("east", "site"),
...     "w1": Component("w1", "host", container="west", capacity=4),
...     "e1": Component("e1", "host", container="east", capacity=3),
...     "e2": Component("e2", "host", container="east", capacity=3),
...     "app": Component("app", "service", requires=(Group(("w1", "e1", "e2"), demand=6),)),
... }))
>>> headroom(g)["groups"]
[{'service': 'app', 'members': ['w1', 'e1', 'e2'], 'demand': 6, 'capacity': 10, 'tolerates': 1, 'fragile_to': ['east']}]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx

from graphanalyzer.analysis.cutsets import single_failures
from graphanalyzer.analysis.failure import DOWN, UP, State
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, cone, internals
from graphanalyzer.model import Group, Inventory, Number

#: The kinds of component that are failure domains.
DOMAINS = frozenset({"site", "room", "rack", "power", "carrier"})


def surviving(graph: nx.DiGraph[Node], gate: Node, states: dict[Node, State]) -> Number:
    """The summed capacity of a group's members that are not down."""
    nodes, succ, _ = internals(graph)
    return sum(nodes[m]["component"].capacity or 0 for m in succ[gate] if states.get(m, UP) is not DOWN)


def shortfalls(graph: nx.DiGraph[Node], states: dict[Node, State], owner: str) -> list[dict[str, Any]]:
    """The owner's groups whose surviving capacity is below their demand: members, capacity, demand."""
    nodes, succ, _ = internals(graph)
    found = []
    for gate in succ[owner]:
        group: Group | None = nodes[gate].get("gate")
        if group is not None and group.demand is not None:
            capacity = surviving(graph, gate, states)
            if capacity < group.demand:
                found.append({"members": list(group.members), "capacity": capacity, "demand": group.demand})
    return found


def tolerates(group: Group, capacities: list[Number]) -> int:
    """N+k: members that can be lost, largest first, keeping the demand and the quorum met.

    >>> tolerates(Group(("a", "b", "c"), demand=5), [3, 3, 3])
    1
    >>> tolerates(Group(("a", "b"), at_least=2, demand=1), [5, 5]), tolerates(Group(("a",), demand=9), [5])
    (0, -1)
    """
    demand = group.demand or 0
    ordered = sorted(capacities, reverse=True)
    if math.fsum(ordered) < demand:
        return -1
    lost = 0
    # Exact sums of what remains: subtracting one by one would leave float residue.
    while (
        lost < len(ordered) and len(ordered) - lost - 1 >= group.at_least and math.fsum(ordered[lost + 1 :]) >= demand
    ):
        lost += 1
    return lost


def headroom(graph: nx.DiGraph[Node], singles: Mapping[Node, frozenset[str]] | None = None) -> dict[str, Any]:
    """Every group with a demand: its capacity, N+k, and the failure domains it cannot lose.

    Losing a failure domain alone takes down exactly the members it is a single
    failure of (:func:`~graphanalyzer.analysis.cutsets.single_failures`; ``singles``:
    those of every node of the groups' cones, when the caller has them), so each
    group weighs only the domains among its members' single failures: the work is
    the size of those, not a cascade per domain.
    """
    nodes, succ, _ = internals(graph)
    inventory: Inventory = graph.graph["inventory"]
    demanding = {
        gate: data["gate"] for gate, data in nodes.items() if data.get("gate") and data["gate"].demand is not None
    }
    if singles is None:
        singles = single_failures(graph, demanding)
    place = {cid: n for n, cid in enumerate(inventory.components)}
    groups = []
    for gate, group in demanding.items():
        capacities = [inventory.components[m].capacity or 0 for m in group.members]
        fragile = []
        if sum(capacities) >= (group.demand or 0):  # below demand with nothing lost: no domain "takes" it there
            members = succ[gate]
            lost = {cid for m in members for cid in singles[m] if inventory.components[cid].kind in DOMAINS}
            for domain in sorted(lost, key=place.__getitem__):
                down = {m: DOWN for m in members if domain in singles[m]}  # what losing it alone takes down
                if surviving(graph, gate, down) < (group.demand or 0):
                    fragile.append(domain)
        groups.append(
            {
                "service": gate[0],
                "members": list(group.members),
                "demand": group.demand,
                "capacity": sum(capacities),
                "tolerates": tolerates(group, capacities),
                "fragile_to": fragile,
            }
        )
    return {"groups": groups}


def surge(graph: nx.DiGraph[Node], service: str, demand: Number) -> dict[str, Any]:
    """What a service's demand rising to ``demand`` does to the groups it relies on.

    The service's own group with a demand sets the scale: ``factor`` is the new
    demand over its current one, and every group with a demand in the service's
    cone is assumed to grow by the same factor (load flows down proportionally).
    Each group gets the service demand at which it saturates (``saturates_at``),
    its demand and shortfall at the surge, and what it would need added: the
    capacity, and as many members of its average size.  First to saturate first.

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {
    ...     "a1": Component("a1", "host", capacity=5), "a2": Component("a2", "host", capacity=5),
    ...     "db": Component("db", "database", capacity=30),
    ...     "store": Component("store", "service", requires=(Group(("db",), demand=10),)),
    ...     "app": Component("app", "service", requires=(Group(("a1", "a2"), demand=8), "store")),
    ... }))
    >>> result = surge(g, "app", 12)
    >>> result["factor"], [(x["service"], x["saturates_at"], x["short_by"], x["add_members"]) for x in result["groups"]]
    (1.5, [('app', 10.0, 2.0, 1), ('store', 24.0, 0.0, 0)])
    """
    nodes, succ, _ = internals(graph)
    own = [nodes[g]["gate"] for g in succ.get(service, {}) if nodes[g].get("gate") and nodes[g]["gate"].demand]
    if len(own) != 1:
        raise UsageError(f"'{service}' needs exactly one group with a demand for --demand to scale (it has {len(own)})")
    current = own[0].demand
    factor = demand / current
    inventory: Inventory = graph.graph["inventory"]
    groups = []
    reached = cone(graph, [service])
    for gate, data in nodes.items():  # declaration order
        group: Group | None = data.get("gate")
        if group is None or not group.demand or gate not in reached:
            continue
        capacities = [inventory.components[m].capacity or 0 for m in group.members]
        capacity = math.fsum(capacities)
        scaled = group.demand * factor
        short = max(0.0, scaled - capacity)
        average = capacity / len(capacities) if capacity else 0
        groups.append(
            {
                "service": gate[0],
                "members": list(group.members),
                "capacity": capacity,
                "demand": scaled,
                "saturates_at": current * capacity / group.demand,
                "short_by": short,
                "add_capacity": short,
                "add_members": _members_for(short, average),
            }
        )
    groups.sort(key=lambda entry: entry["saturates_at"])
    return {"service": service, "demand": demand, "factor": factor, "groups": groups}


def _members_for(short: float, average: float) -> int | None:
    """How many members of the average size cover a shortfall (None if they have next to no capacity)."""
    if not short:
        return 0
    needed = short / average if average else math.inf
    return math.ceil(needed) if math.isfinite(needed) else None
