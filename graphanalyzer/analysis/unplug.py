"""What breaks if I unplug these: every component's state, and why, hop by hop.

:func:`unplug` returns DESIGN's ``unplug`` JSON: the services up, degraded and down,
and every component that is not up with ``because``, the requirements that put it
in its state (and for a component degraded by capacity, ``shortfall``: each of its
groups whose surviving capacity is below demand, with both figures).  A redundancy
group is not a component, so where a group is the reason, ``because`` names the
group's members that failed it: the chain can always be followed back, id by id,
to what was unplugged.

:func:`chains` turns that into what a person reads in a minute: for each broken
service, the shortest chain of reasons back to what was unplugged.  A component
follows the one reason nearest to what was unplugged (the others are named in
``also``); a redundancy group says in one line why its members failed, by the
fewest components that account for all of them, nearest first ("any of lb-1,
lb-2: 0 of 2 left — both in rack-2"), each of which is then explained in turn.
:func:`explain` keeps the full derivation tree (``unplug --explain full``): each
hop says how the node depends on the next (``in`` a container, ``needs`` it, or
a group ``any of ...``/``2 of ...`` and how many of its members are left).
Both are trees of the same hops, read from the engine's states
(:func:`~graphanalyzer.analysis.failure.because`), never worked out again.

The work is that of :func:`~graphanalyzer.analysis.failure.propagate`: proportional
to what breaks, plus one pass over the services to list those still up.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("tiny", {
...     "rack-1": Component("rack-1", "rack"),
...     "web-1": Component("web-1", "host", container="rack-1", capacity=10),
...     "web-2": Component("web-2", "host", capacity=10),
...     "app": Component("app", "service", requires=(Group(("web-1", "web-2"), demand=15),)),
... }))
>>> result = unplug(g, ["rack-1"])
>>> result["services"]
{'up': [], 'degraded': ['app'], 'down': []}
>>> result["components"]["app"]["shortfall"]
[{'members': ['web-1', 'web-2'], 'capacity': 10, 'demand': 15}]
>>> explain(g, ["rack-1"])["app"]["because"][0]["text"]
'any of web-1, web-2 (demand 15): 1 of 2 left, capacity 10 of 15'
>>> chains(g, ["rack-1"])["app"]["because"][0]["text"]
'any of web-1, web-2 (demand 15): 1 of 2 left, capacity 10 of 15 — web-1 in rack-1 (unplugged)'
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import networkx as nx

from graphanalyzer.analysis.capacity import shortfalls, surviving
from graphanalyzer.analysis.failure import DEGRADED, DOWN, UP, State, because, propagate, short_of_demand
from graphanalyzer.graph import Node, check_ids, internals
from graphanalyzer.model import Group, Inventory, number
from graphanalyzer.render.text import listing

_NAMES = {State.UP: "up", State.DEGRADED: "degraded", State.DOWN: "down"}


def unplug(
    graph: nx.DiGraph[Node], ids: Iterable[str], explain: str | None = None, most: int | None = None
) -> dict[str, Any]:
    """DESIGN's ``unplug`` result for unplugging ``ids`` (UsageError for an unknown id).

    With ``explain`` (``"short"``: :func:`chains`, ``"full"``: :func:`explain`), also
    the explanations of the first ``most`` services not up, from the same states.
    """
    unplugged = check_ids(graph, ids)
    states = propagate(graph, unplugged)
    inventory: Inventory = graph.graph["inventory"]
    services: dict[str, list[str]] = {"up": [], "degraded": [], "down": []}
    for sid in inventory.services():
        services[_NAMES[states.get(sid, UP)]].append(sid)
    components: dict[str, dict[str, Any]] = {}
    for node, state in states.items():
        if isinstance(node, str):
            entry: dict[str, Any] = {"state": _NAMES[state], "because": _component_reasons(graph, states, node)}
            short = shortfalls(graph, states, node) if state is State.DEGRADED else []
            if short:
                entry["shortfall"] = short
            components[node] = entry
    result: dict[str, Any] = {"unplugged": unplugged, "services": services, "components": components}
    if explain is not None:
        explained = _chains if explain == "short" else _trees
        result["explain"] = explain
        result["explanations"] = explained(graph, states, set(unplugged), _broken(graph, states, most))
    return result


def _component_reasons(graph: nx.DiGraph[Node], states: dict[Node, State], node: str) -> list[str]:
    """``because`` with each group replaced by the members that failed it."""
    reasons: dict[str, None] = {}
    for reason in because(graph, states, node):
        if isinstance(reason, tuple):
            reasons.update(dict.fromkeys(m for m in because(graph, states, reason) if isinstance(m, str)))
        else:
            reasons[reason] = None
    return list(reasons)


def explain(graph: nx.DiGraph[Node], ids: Iterable[str], most: int | None = None) -> dict[str, dict[str, Any]]:
    """For each service not up (the first ``most`` of them), a tree of hops back to what was unplugged.

    A hop is ``{"node", "state", "text", "because": [hops]}``; a node already
    explained earlier in the same tree is not expanded again (``"seen": true``).
    """
    unplugged = set(check_ids(graph, ids))
    states = propagate(graph, unplugged)
    return _trees(graph, states, unplugged, _broken(graph, states, most))


def _broken(graph: nx.DiGraph[Node], states: dict[Node, State], most: int | None) -> list[str]:
    """The first ``most`` services not up, in the inventory's order."""
    inventory: Inventory = graph.graph["inventory"]
    return [sid for sid in inventory.services() if sid in states][:most]


def _trees(
    graph: nx.DiGraph[Node], states: dict[Node, State], unplugged: set[str], broken: list[str]
) -> dict[str, dict[str, Any]]:
    return {sid: _hop(graph, states, unplugged, sid, None, set()) for sid in broken}


def _hop(
    graph: nx.DiGraph[Node],
    states: dict[Node, State],
    unplugged: set[str],
    node: Node,
    parent: Node | None,
    seen: set[Node],
) -> dict[str, Any]:
    nodes, succ, _ = internals(graph)
    state = states.get(node, UP)
    hop: dict[str, Any] = {"node": node if isinstance(node, str) else None, "state": _NAMES[state]}
    if isinstance(node, tuple):
        hop["text"] = _group_text(nodes[node]["gate"], [states.get(m, UP) for m in succ[node]], graph, node, states)
    else:
        via = "" if parent is None else succ[parent][node]["via"]
        prefix = {"in": "in ", "needs": "needs ", "member": ""}.get(via, "")
        hop["text"] = prefix + node + (" (unplugged)" if node in unplugged else "")
    if node in seen:
        hop["because"] = []
        if node not in unplugged:  # an unplugged node has nothing more to show
            hop["seen"] = True
        return hop
    seen.add(node)
    hop["because"] = [_hop(graph, states, unplugged, r, node, seen) for r in because(graph, states, node)]
    return hop


def _group_text(
    gate: Group,
    member_states: list[State],
    graph: nx.DiGraph[Node],
    node: Node,
    states: dict[Node, State],
    short: bool = False,
) -> str:
    left = sum(state != DOWN for state in member_states)
    text = f"{_head(gate, 4) if short else gate.describe()}: {left} of {len(member_states)} left"
    if gate.demand is not None:
        text += f", capacity {number(surviving(graph, node, states))} of {number(gate.demand)}"
    return text


def chains(graph: nx.DiGraph[Node], ids: Iterable[str], most: int | None = None) -> dict[str, dict[str, Any]]:
    """For each service not up (the first ``most`` of them), the shortest chain of reasons to what was unplugged.

    Hops as in :func:`explain`.  A component hop follows its reason nearest to
    what was unplugged and names the others in ``also``; a group hop names the
    fewest components that account for its failed members in ``causes``
    (``{"cause", "members", "via"}``, ``via`` being ``in``, ``needs`` or ``is``)
    and says so in its text; each cause that was not itself unplugged follows.
    """
    unplugged = set(check_ids(graph, ids))
    states = propagate(graph, unplugged)
    return _chains(graph, states, unplugged, _broken(graph, states, most))


def _chains(
    graph: nx.DiGraph[Node], states: dict[Node, State], unplugged: set[str], broken: list[str]
) -> dict[str, dict[str, Any]]:
    reasons = _Reasons(graph, states, unplugged, broken)
    return {sid: reasons.hop(sid, "", set()) for sid in broken}


class _Reasons:
    """The engine's reasons for what ``start`` leads to, and each one's distance (in reasons) to a first cause.

    A first cause is an unplugged component, or a degraded group whose demand
    exceeds its members' whole capacity (it was degraded before anything was
    unplugged): the engine's seeds.
    """

    def __init__(
        self, graph: nx.DiGraph[Node], states: dict[Node, State], unplugged: set[str], start: Iterable[Node]
    ) -> None:
        self.graph, self.states, self.unplugged = graph, states, unplugged
        self.nodes, self.succ, _ = internals(graph)
        self.order = {cid: n for n, cid in enumerate(graph.graph["inventory"].components)}
        short = set(short_of_demand(graph))
        self.because: dict[Node, list[Node]] = {}  # what the reasons of ``start`` lead to, and no more
        stack = list(start)
        while stack:
            node = stack.pop()
            if node in self.because:
                continue
            seed = node in unplugged or (node in short and states[node] is DEGRADED)
            self.because[node] = [] if seed else [r for r in because(graph, states, node) if r in states]
            stack.extend(r for r in self.because[node] if r not in self.because)
        needed_by: dict[Node, list[Node]] = {}
        for node, reasons in self.because.items():
            for reason in reasons:
                needed_by.setdefault(reason, []).append(node)
        self.distance = {node: 0 for node, reasons in self.because.items() if not reasons}
        queue = deque(self.distance)
        while queue:
            node = queue.popleft()
            for other in needed_by.get(node, ()):
                if other not in self.distance:
                    self.distance[other] = self.distance[node] + 1
                    queue.append(other)
        self.explained: dict[Node, dict[Node, tuple[int, bool]]] = {}

    def position(self, node: Node) -> tuple[int, int]:
        return (self.order[node], -1) if isinstance(node, str) else (self.order[node[0]], node[1])

    def hop(self, node: Node, prefix: str, seen: set[Node]) -> dict[str, Any]:
        state = self.states[node]
        hop: dict[str, Any] = {"node": node if isinstance(node, str) else None, "state": _NAMES[state]}
        gate: Group | None = self.nodes[node].get("gate")
        if gate is None:
            hop["text"] = prefix + str(node) + (" (unplugged)" if node in self.unplugged else "")
        if node in seen:
            if gate is not None:
                hop["text"] = _group_text(
                    gate, [self.states.get(m, UP) for m in self.succ[node]], self.graph, node, self.states
                )
            hop["because"] = []
            if node not in self.unplugged:
                hop["seen"] = True
            return hop
        seen.add(node)
        if gate is not None:
            causes = self.causes(node)
            hop["text"] = self.group_text(node, gate, causes)
            hop["causes"] = [{"cause": c, "members": m, "via": via} for c, m, via in causes]
            hop["because"] = [self.hop(c, "", seen) for c, _, _ in causes if c not in self.unplugged]
            return hop
        reasons = self.because[node]
        if not reasons:
            hop["because"] = []
            return hop
        best = min(reasons, key=lambda r: self.distance.get(r, len(self.states)))
        via = self.succ[node][best]["via"]
        hop["because"] = [self.hop(best, {"in": "in ", "needs": "needs "}.get(via, ""), seen)]
        if len(reasons) > 1:
            hop["also"] = [self.label(r) for r in reasons if r != best]
        return hop

    def label(self, node: Node) -> str:
        gate: Group | None = self.nodes[node].get("gate")
        return str(node) if gate is None else _head(gate, 3)

    def causes(self, gate: Node) -> list[tuple[str, list[str], str]]:
        """The fewest components whose failure accounts for the group's failed members, nearest first.

        Greedy set cover over what explains each failed member (:meth:`explains`):
        the component accounting for most of the members not yet accounted for,
        then one other than a member itself, then the nearest to them, then the
        nearest to a first cause.
        """
        members = self.because[gate]
        found = {m: self.explains(m) for m in members}
        cover: dict[Node, set[Node]] = {}
        for member, causes in found.items():
            for node in causes:
                if isinstance(node, str):
                    cover.setdefault(node, set()).add(member)
        left = set(members)
        chosen: list[tuple[str, list[str], str]] = []
        while left:

            def rank(candidate: Node) -> tuple[int, bool, int, int, tuple[int, int]]:
                mine = cover[candidate] & left
                return (
                    -len(mine),
                    mine == {candidate} and candidate not in self.unplugged,
                    max((found[m][candidate][0] for m in mine), default=0),
                    self.distance.get(candidate, len(self.states)),
                    self.position(candidate),
                )

            cause = min(cover, key=rank)
            mine = [m for m in members if m in cover[cause] and m in left]
            left.difference_update(mine)
            placed = all(found[m][cause][1] for m in mine)
            via = "is" if mine == [cause] else "in" if placed else "needs"
            chosen.append((cause, mine, via))  # type: ignore[arg-type]
        return chosen

    def explains(self, node: Node) -> dict[Node, tuple[int, bool]]:
        """What alone accounts for ``node``'s state, with how many reasons away and whether only by placement.

        ``node`` itself; for a component, whatever accounts for any of its
        reasons (one broken requirement is enough); for a group, whatever
        accounts for every one of its failed members.  Inside a dependency
        cycle a node met again counts as itself only, so what is said stays true.
        """
        known = self.explained.get(node)
        if known is not None:
            return known
        own: dict[Node, tuple[int, bool]] = {node: (0, True)}
        self.explained[node] = own  # while in progress: itself only
        reasons = self.because[node]
        if isinstance(node, str):
            for reason in reasons:
                by_placement = self.succ[node][reason]["via"] == "in"
                for cause, (steps, placed) in self.explains(reason).items():
                    candidate = (steps + 1, placed and by_placement)
                    if cause not in own or (candidate[0], not candidate[1]) < (own[cause][0], not own[cause][1]):
                        own[cause] = candidate
        elif reasons:
            each = [self.explains(m) for m in reasons]
            for cause in set(each[0]).intersection(*each[1:]):
                own[cause] = (1 + max(e[cause][0] for e in each), False)
        return own

    def group_text(self, node: Node, gate: Group, causes: list[tuple[str, list[str], str]]) -> str:
        member_states = [self.states.get(m, UP) for m in self.succ[node]]
        text = _group_text(gate, member_states, self.graph, node, self.states, short=True)
        if not causes:
            return text + " — short of its demand even with every member up"
        failed = sum(len(members) for _, members, _ in causes)
        parts: list[str] = []
        unplugged_members = [c for c, _, via in causes if via == "is" and c in self.unplugged]
        for cause, members, via in causes:
            if via == "is":
                if cause not in self.unplugged:
                    parts.append(f"{cause} {_NAMES[self.states[cause]]}")
                elif cause == unplugged_members[0]:
                    parts.append(f"{_who(unplugged_members, failed, len(gate.members))} unplugged")
                continue
            who = _who(members, failed, len(gate.members))
            verb = "in" if via == "in" else ("needs" if who == members[0] else "need")
            parts.append(f"{who} {verb} {cause}" + (" (unplugged)" if cause in self.unplugged else ""))
        return f"{text} — {'; '.join(parts)}"


def _who(members: list[str], failed: int, size: int) -> str:
    """Failed members named as a sentence's subject: "both", "all 3", or their ids."""
    if len(members) == failed == size:
        return "both" if size == 2 else f"all {size}"
    if len(members) == failed and failed > 4:
        return f"the {failed} lost"
    return listing(members, 4)


def _head(gate: Group, most: int = 6) -> str:
    """A group in words, its member list cut after ``most``."""
    head = "any of" if gate.at_least == 1 else f"at least {gate.at_least} of"
    tail = "" if gate.demand is None else f" (demand {number(gate.demand)})"
    return f"{head} {listing(list(gate.members), most)}{tail}"
