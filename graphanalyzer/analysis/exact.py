"""Exact availability and importance with binary decision diagrams, for small inventories.

Each node's "down" and "not up" are Boolean functions of which components failed
(DESIGN section 2 depends on nothing else), built as BDDs with ``dd``, requirements
first: a component is its own failure or any requirement's; a group of ``k`` is
down when fewer than ``k`` members are alive (a threshold built member by member),
and not up when fewer than ``k`` are up or the capacity of the alive members, summed
in member order, is below the demand.  A dependency cycle is iterated from "all up"
until its functions stop changing: the greatest fixed point.  Probabilities follow
by Shannon expansion; importance conditions on one component at a time, which is
what SCRAM reports as MIF (Birnbaum), RAW, and CIF (Fussell-Vesely in its reduction form,
``(Q - Q0) / Q``, which equals ``p (Q1 - Q0) / Q``).

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "feed": Component("feed", "power", availability=0.9),
...     "web-1": Component("web-1", "host", availability=0.5),
...     "web-2": Component("web-2", "host", availability=0.5),
...     "app": Component("app", "service", requires=("feed", Group(("web-1", "web-2"))), availability=1),
... }))
>>> app = exact(g)["services"]["app"]
>>> feed = app["importance"][0]
>>> round(app["availability"], 12), feed["component"], round(feed["birnbaum"], 12), round(feed["raw"], 4)
(0.675, 'feed', 0.75, 3.0769)
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
from dd import autoref

try:  # CUDD's diagrams, in C, which dd's wheels bring; else dd's own, in Python (the same diagrams, slower)
    from dd import cudd
except ImportError:  # dd built from source without CUDD
    cudd = None

from graphanalyzer.analysis.chaos import measures
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, cone, internals, is_gate, sets_first

#: The largest diagram (in BDD nodes) --exact builds before it gives up.
MAX_NODES = 2_000_000
#: The diagram's size is read after this many nodes' functions are built, and at the end (CUDD counts in a sweep).
CHECK_EVERY = 16


class TooLarge(UsageError):
    """Raised when a diagram would pass its node limit."""


class _Diagrams:
    """Each node's "down" and "not up" as BDDs over the failures of a cone's components."""

    def __init__(
        self, graph: nx.DiGraph[Node], chosen: Sequence[str], limit: int | None = None, *, degraded: bool = True
    ) -> None:
        limit = limit or MAX_NODES
        self.graph = graph
        self.degraded = degraded
        self.bdd = manager()
        self.down: dict[Node, autoref.Function] = {}
        self.notup: dict[Node, autoref.Function] = {}
        self.variable: dict[str, str] = {}
        self.probability: dict[str, float] = {}
        self.memo: dict[int, tuple[float, float, Any]] = {}  # the pair of a node, and the node kept alive
        nodes, succ, _ = internals(graph)
        bdd, down, notup = self.bdd, self.down, self.notup

        def evaluate(node: Node) -> tuple[autoref.Function, autoref.Function]:
            requirements = list(succ[node])
            gate = nodes[node].get("gate")
            if gate is None:
                d = n = bdd.var(self.variable[node])  # type: ignore[index]
                for r in requirements:
                    d = d | down.get(r, bdd.false)
                    if degraded:
                        n = n | notup.get(r, bdd.false)
                return d, n if degraded else bdd.false
            alive = [~down.get(m, bdd.false) for m in requirements]
            d = ~_at_least(bdd, gate.at_least, alive)
            if not degraded:  # only "down" is wanted: "not up" stays false
                return d, bdd.false
            up = [~notup.get(m, bdd.false) for m in requirements]
            n = d | ~_at_least(bdd, gate.at_least, up)
            if gate.demand is not None:
                capacity = [float(nodes[m]["component"].capacity or 0) for m in requirements]
                n |= _short(bdd, alive, capacity, float(gate.demand))
            return d, n

        for member in _depth_first(succ, chosen):  # the variable order: what each target needs, depth first
            if not is_gate(member):
                self.variable[member] = name = f"x{len(self.variable)}"  # type: ignore[index]
                bdd.declare(name)
                self.probability[name] = 1.0 - nodes[member]["component"].availability
        reached = cone(graph, chosen)
        unchecked = 0
        for members in sets_first(graph, reached):
            cyclic = len(members) > 1 or any(m in succ[m] for m in members)
            changed = True
            while changed:  # once for a single node; to the greatest fixed point in a cycle
                changed = False
                for member in members:
                    old = down.get(member, bdd.false), notup.get(member, bdd.false)
                    d, n = evaluate(member)
                    down[member], notup[member] = d | old[0], n | old[1]
                    changed |= cyclic and (down[member] != old[0] or notup[member] != old[1])
                unchecked += len(members)
                if unchecked >= CHECK_EVERY:
                    unchecked = 0
                    self._within(limit)
        self._within(limit)

    def _within(self, limit: int) -> None:
        """Raise :class:`TooLarge` (releasing the diagram) when it has passed ``limit`` nodes."""
        if len(self.bdd) > limit:
            self.close()
            raise TooLarge(f"the inventory is too large for --exact (over {limit:,} diagram nodes)")

    def chance(self, u: autoref.Function, lasting: bool = True) -> float:
        """The probability that ``u`` holds (Shannon expansion over the diagram's own nodes, memoized).

        ``lasting=False``: the nodes ``u`` has that were not remembered yet are forgotten
        once it is answered (``u`` is one of many passing functions, such as a
        diagram with one component's state fixed: keeping them all would hold every
        one of those diagrams in memory)."""
        return self._both(u, lasting)[0]

    def _both(self, u: autoref.Function, lasting: bool = True) -> tuple[float, float]:
        """``(P(u), P(not u))``, each summed on its own so that neither is one minus a number near one.

        A negated edge swaps the pair; a node's pair is its variable's chance of
        each branch (``high`` when the component failed) times the branch's pair.
        Nodes are visited children first, without recursion (a path is as long as
        the cone has components), and each is kept while its pair is remembered.
        """
        memo, true = self.memo, self.bdd.true
        added: list[int] = []
        stack = [_regular(u)]
        while stack:
            node = stack[-1]
            if int(node) in memo:
                stack.pop()
                continue
            if node == true:
                memo[int(node)] = (1.0, 0.0, node)
                added.append(int(node))
                stack.pop()
                continue
            high, low = node.high, node.low
            assert high is not None and low is not None  # a node that is not a constant has both branches
            branches = _regular(high), _regular(low)
            waiting = [b for b in branches if int(b) not in memo]
            if waiting:
                stack.extend(waiting)
                continue
            (h1, h0, _), (l1, l0, _) = memo[int(branches[0])], memo[int(branches[1])]
            if high.negated:
                h1, h0 = h0, h1
            if low.negated:
                l1, l0 = l0, l1
            p = self.probability[str(node.var)]
            memo[int(node)] = (p * h1 + (1 - p) * l1, p * h0 + (1 - p) * l0, node)
            added.append(int(node))
            stack.pop()
        held, failed, _ = memo[int(_regular(u))]
        if not lasting:
            for key in added:
                del memo[key]
        return (failed, held) if u.negated else (held, failed)

    def close(self) -> None:
        """Release the diagram's nodes while the manager lives (dd checks at exit)."""
        self.down.clear()
        self.notup.clear()
        if self.degraded:
            gc.collect()  # the capacity sums of _short (only with degraded) leave cycles that hold nodes


def manager() -> autoref.BDD:
    """An empty BDD manager that keeps the variables in the order they are declared: CUDD's where dd has it.

    >>> bdd = manager()
    >>> bdd.declare("x", "y")
    >>> bdd.var("x") & ~bdd.var("x") == bdd.false
    True
    """
    if cudd is None:
        return autoref.BDD()
    bdd: autoref.BDD = cudd.BDD(memory_estimate=2**24, initial_cache_size=2**12)  # sized for small cones; both grow
    bdd.configure(reordering=False)
    return bdd


def _regular(u: autoref.Function) -> autoref.Function:
    """``u`` without its negation: the node a negated edge points to."""
    return ~u if u.negated else u


def _depth_first(succ: Any, roots: Sequence[Node]) -> list[Node]:
    """The nodes below ``roots``, each after what it needs (depth first, requirements in the order written).

    As a variable order this keeps a component next to what it fails with (a host
    after its rack, power and switches), so that a quorum over hosts in a few racks
    stays a small diagram; declaration order would put every rack before every host.

    >>> _depth_first({"app": ["h1", "h2"], "h1": ["r1"], "h2": ["r2"], "r1": [], "r2": []}, ["app"])
    ['r1', 'h1', 'r2', 'h2', 'app']
    """
    order: list[Node] = []
    seen: set[Node] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack: list[tuple[Node, Any]] = [(root, iter(succ[root]))]
        while stack:
            node, below = stack[-1]
            for child in below:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, iter(succ[child])))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def unavailability(graph: nx.DiGraph[Node], target: str, limit: int | None = None) -> float:
    """The exact probability that ``target`` is down, from a diagram of its cone alone.

    Raises :class:`TooLarge` when the diagram would pass ``limit`` nodes.

    >>> from graphanalyzer.model import Component, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {"feed": Component("feed", "power", availability=0.9),
    ...                           "app": Component("app", "service", requires=("feed",), availability=1)}))
    >>> round(unavailability(g, "app"), 12)
    0.1
    """
    diagrams = _Diagrams(graph, [target], limit, degraded=False)
    try:
        return diagrams.chance(diagrams.down[target])
    finally:
        diagrams.close()


def unavailabilities(graph: nx.DiGraph[Node], targets: Sequence[str], limit: int) -> dict[str, float]:
    """:func:`unavailability` of each target whose diagram stays within ``limit`` nodes (the others are left out).

    Targets of one :func:`shape` have one diagram: it is built once (an estate's many
    small services are often built alike: a pair of hosts in two racks, say).
    """
    found: dict[str, float] = {}
    built: dict[tuple[Any, ...], float | None] = {}
    for target in targets:
        key = shape(graph, target)
        if key not in built:
            built[key] = None
            with contextlib.suppress(TooLarge):
                built[key] = unavailability(graph, target, limit)
        chance = built[key]
        if chance is not None:
            found[target] = chance
    return found


def shape(graph: nx.DiGraph[Node], target: str) -> tuple[Any, ...]:
    """What the diagram of ``target``'s being down is made of, its nodes numbered in the diagram's variable
    order (:func:`_depth_first`): each component's chance of failing and each group's quorum, with what each
    needs.  Targets of one shape have the same diagram, with the same variables in the same order, and so
    the same unavailability, to the last bit.

    >>> from graphanalyzer.model import Component, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {"a": Component("a", "host"), "b": Component("b", "host"),
    ...     "s": Component("s", "service", requires=("a",)), "t": Component("t", "service", requires=("b",))}))
    >>> shape(g, "s") == shape(g, "t"), shape(g, "s") == shape(g, "a")
    (True, False)
    """
    nodes, succ, _ = internals(graph)
    order = _depth_first(succ, [target])
    number = {node: n for n, node in enumerate(order)}
    made = []
    for node in order:
        gate = nodes[node].get("gate")
        what = ("of", gate.at_least) if gate is not None else 1.0 - nodes[node]["component"].availability
        made.append((what, tuple(map(number.__getitem__, succ[node]))))
    return tuple(made)


def exact(graph: nx.DiGraph[Node], targets: Sequence[str] | None = None, *, top: int = 0) -> dict[str, Any]:
    """Exact results in the shape of :func:`~graphanalyzer.analysis.chaos.chaos` (``stderr`` is 0)."""
    chosen = list(targets) if targets else graph.graph["inventory"].services()
    if not chosen:
        raise UsageError("the inventory has no services: name targets with --service")
    diagrams = _Diagrams(graph, chosen)
    bdd, down, notup, chance = diagrams.bdd, diagrams.down, diagrams.notup, diagrams.chance
    try:
        services: dict[str, Any] = {}
        for target in chosen:
            risk, reached = chance(down[target]), cone(graph, [target])
            variables = [(cid, v) for cid, v in diagrams.variable.items() if cid in reached]
            importance = measures(
                [cid for cid, _ in variables],
                risk,
                np.array([chance(bdd.let({v: True}, down[target]), False) for _, v in variables], dtype=float),
                np.array([chance(bdd.let({v: False}, down[target]), False) for _, v in variables], dtype=float),
            )
            importance.sort(key=lambda entry: (-entry["birnbaum"], entry["component"]))
            services[target] = {
                "availability": 1 - risk,
                "stderr": 0.0,
                "degraded": chance(notup[target]) - risk,
                "importance": importance[:top] if top else importance,
            }
    finally:
        diagrams.close()
    return {"trials": None, "seed": None, "exact": True, "services": services}


def _at_least(bdd: autoref.BDD, k: int, functions: list[autoref.Function]) -> autoref.Function:
    """At least ``k`` of the functions hold (a running count, member by member)."""
    row = [bdd.true] + [bdd.false] * k
    for f in functions:
        for j in range(k, 0, -1):
            row[j] = row[j] | (row[j - 1] & f)
    return row[k]


def _short(bdd: autoref.BDD, alive: list[autoref.Function], capacity: list[float], demand: float) -> autoref.Function:
    """The capacity of the alive members, summed in member order, is below ``demand``."""
    memo: dict[tuple[int, float], autoref.Function] = {}

    def short(i: int, total: float) -> autoref.Function:
        if i == len(alive):
            return bdd.true if total < demand else bdd.false
        key = (i, total)
        if key not in memo:
            memo[key] = bdd.ite(alive[i], short(i + 1, total + capacity[i]), short(i + 1, total))
        return memo[key]

    return short(0, 0.0)
