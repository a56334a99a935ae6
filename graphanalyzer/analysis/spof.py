"""Single points of failure, minimal cut sets, and redundancy that is not.

A *SPOF* is a component whose unplugging alone takes down a target other than
itself (DESIGN section 2); targets are the services unless others are named.
With ``order`` K above 1, the minimal cut sets of 2..K components are listed too,
each with the targets for which it is minimal.  *Illusory redundancy* is a group
that looks redundant (it needs fewer members than it lists) but which a single
component defeats, because that component takes down enough of its members:
"checkout needs 2 of its 3 replicas, and feed-x takes 2 of them".  ``takes`` says
how many members each ``shared`` component takes down (at least as many as the
group can not spare).  ``shared`` leaves out the components that take the
group's owner down anyway through another requirement (a rack's PDU pair and the
room the rack stands in): there the group's redundancy is not what fails.

The sets come from :mod:`graphanalyzer.analysis.cutsets`; this module ranks and
shapes them into DESIGN's ``spof`` JSON.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "feed": Component("feed", "power"),
...     "pdu-a": Component("pdu-a", "power", requires=("feed",)),
...     "pdu-b": Component("pdu-b", "power", requires=("feed",)),
...     "app": Component("app", "service", requires=(Group(("pdu-a", "pdu-b")),)),
... }))
>>> result = spof(g)
>>> result["spofs"]
[{'component': 'feed', 'kind': 'power', 'breaks': ['app']}]
>>> result["illusory_redundancy"]
[{'group_of': 'app', 'members': ['pdu-a', 'pdu-b'], 'at_least': 1, 'shared': ['feed'], 'takes': {'feed': 2}}]
>>> spof(g, order=2)["cut_sets"]
[{'components': ['pdu-a', 'pdu-b'], 'breaks': ['app']}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from graphanalyzer.analysis.cutsets import cut_sets_of_two, minimal_cut_sets, single_failures
from graphanalyzer.bulk import paused_gc
from graphanalyzer.graph import Node, check_ids, internals
from graphanalyzer.model import Inventory


def spof(
    graph: nx.DiGraph[Node],
    targets: Iterable[str] | None = None,
    order: int = 1,
    singles: Mapping[Node, frozenset[str]] | None = None,
) -> dict[str, Any]:
    """DESIGN's ``spof`` result (with ``illusory_redundancy``) for the targets, services by default.

    ``singles``: ``single_failures(graph, targets)`` when it was worked out already
    (exactly that: every node of the targets' cones, and no other).
    """
    inventory: Inventory = graph.graph["inventory"]
    chosen = check_ids(graph, targets) if targets else inventory.services()
    position = {cid: n for n, cid in enumerate(inventory.components)}
    if singles is None:
        singles = single_failures(graph, chosen)

    breaks: dict[str, list[str]] = {}
    for target in chosen:
        for cid in singles[target]:
            if cid != target:
                breaks.setdefault(cid, []).append(target)
    spofs: list[dict[str, Any]] = [
        {"component": cid, "kind": inventory.components[cid].kind, "breaks": broken}
        for cid, broken in sorted(breaks.items(), key=lambda item: (-len(item[1]), position[item[0]]))
    ]
    accepted = inventory.accepted_now()
    for entry in spofs:
        if entry["component"] in accepted:
            acceptance = accepted[entry["component"]]
            entry["accepted"] = {"reason": acceptance.reason, "until": acceptance.until}

    cut_sets: list[dict[str, Any]] = []
    if order >= 2:
        minimal_for: dict[frozenset[str], list[str]] = {}
        # Millions of small sets that all stay alive: collections would scan them, and find nothing to free.
        with paused_gc():
            if order == 2:  # the pairs, from the single failures
                pairs = cut_sets_of_two(graph, chosen, singles)
                for target in chosen:
                    for cut in pairs[target]:
                        minimal_for.setdefault(cut, []).append(target)
            else:
                for target, family in minimal_cut_sets(graph, chosen, order).items():
                    for cut in family:
                        if len(cut) >= 2:
                            minimal_for.setdefault(cut, []).append(target)
        ranked = sorted(
            minimal_for.items(),
            key=lambda item: (len(item[0]), -len(item[1]), sorted(map(position.__getitem__, item[0]))),
        )
        cut_sets = [{"components": sorted(cut, key=position.__getitem__), "breaks": b} for cut, b in ranked]

    nodes, succ, _ = internals(graph)
    illusory: list[dict[str, Any]] = []
    for node, defeat in singles.items():
        gate = nodes[node].get("gate")
        if gate is None or gate.at_least >= len(gate.members) or not defeat:
            continue
        owner = node[0]
        anyway = frozenset().union(*(singles[r] for r in succ[owner] if r != node))
        shared = sorted(defeat - anyway, key=position.__getitem__)
        if shared:
            takes = {cid: sum(cid in singles[m] for m in gate.members) for cid in shared}
            illusory.append(
                {
                    "group_of": owner,
                    "members": list(gate.members),
                    "at_least": gate.at_least,
                    "shared": shared,
                    "takes": takes,
                }
            )
    illusory.sort(key=lambda entry: (position[entry["group_of"]], entry["members"]))
    return {"inventory": inventory.name, "spofs": spofs, "cut_sets": cut_sets, "illusory_redundancy": illusory}
