"""The dependency graph: a NetworkX DiGraph whose edges point from a component to what it needs.

Component nodes are their ids (``str``) and carry ``component``; every redundancy
group is an explicit gate node, a tuple ``(owner, n)``, carrying ``gate`` (a
:class:`~graphanalyzer.model.Group`).  Edges carry ``via``: ``"in"`` (placement in a
container), ``"needs"`` (a requirement), ``"member"`` (gate to member).

>>> from graphanalyzer.model import Component, Group, Inventory
>>> inv = Inventory("tiny", {
...     "rack-1": Component("rack-1", "rack"),
...     "web-1": Component("web-1", "host", container="rack-1"),
...     "web-2": Component("web-2", "host"),
...     "app": Component("app", "service", requires=(Group(("web-1", "web-2")),)),
... })
>>> g = build(inv)
>>> sorted(g.successors("app")), sorted(g.successors(("app", 0)))
([('app', 0)], ['web-1', 'web-2'])
>>> g.edges["web-1", "rack-1"]["via"], label(("app", 0), g)
('in', 'app: any of web-1, web-2')
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from itertools import chain, compress, filterfalse
from operator import add, attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from graphanalyzer import cache
from graphanalyzer import inventory as inventory_module
from graphanalyzer.bulk import paused_gc
from graphanalyzer.errors import UsageError
from graphanalyzer.model import Component, Group, Inventory

if TYPE_CHECKING:  # NetworkX is imported when a graph is built: validate often needs none
    import networkx as nx

Node = str | tuple[str, int]
T = TypeVar("T")
_NEEDS, _MEMBER, _IN = {"via": "needs"}, {"via": "member"}, {"via": "in"}
#: A cone holding more than one KEPT_FROM-th of a graph's nodes reads the strongly connected sets kept on the
#: graph, when they are (:func:`sets_first`): picking its own out of them costs less than finding them anew.
KEPT_FROM = 16


def build(inventory: Inventory, only: set[str] | None = None) -> nx.DiGraph[Node]:
    """The dependency graph of an inventory (the graph also keeps it as ``graph["inventory"]``).

    With ``only``, the graph of those components and their gates, and the edges
    between them.  The adjacency is assembled directly, which here takes half the
    time of ``add_nodes_from``/``add_edges_from`` (the tests check both give the same
    graph).  Edges of one kind share one attribute dict: treat the graph as
    read-only, or ``copy()`` it first.
    """
    import networkx as nx

    nodes: dict[Node, dict[str, Any]] = {}
    succ: dict[Node, dict[Node, dict[str, str]]] = {}
    with paused_gc():
        for cid, record in inventory.components.items():
            if only is not None and cid not in only:
                continue
            nodes[cid] = {"component": record}
            needs: dict[Node, dict[str, str]] = {}
            succ[cid] = needs
            for n, requirement in enumerate(record.requires):
                if requirement.__class__ is str:
                    needs[requirement] = _NEEDS
                else:
                    gate = (cid, n)
                    nodes[gate] = {"gate": requirement}
                    needs[gate] = _NEEDS
                    succ[gate] = dict.fromkeys(requirement.members, _MEMBER)  # type: ignore[union-attr]
            if record.container is not None:
                needs[record.container] = _IN
        if only is not None:
            for targets in succ.values():
                for outside in [node for node in targets if node not in nodes]:
                    del targets[outside]
        pred: dict[Node, dict[Node, dict[str, str]]] = {node: {} for node in nodes}
        for u, targets in succ.items():
            for v, data in targets.items():
                pred[v][u] = data
        graph: nx.DiGraph[Node] = nx.DiGraph(inventory=inventory)
        graph._node, graph._adj, graph._succ, graph._pred = nodes, succ, succ, pred  # type: ignore[attr-defined]
    return graph


Adjacency = dict[Node, dict[Node, dict[str, str]]]


def internals(graph: nx.DiGraph[Node]) -> tuple[dict[Node, dict[str, Any]], Adjacency, Adjacency]:
    """The node, successor and predecessor dicts behind a graph, for hot loops: read, never change.

    They are NetworkX's documented internal attributes (``G._node``, ``G._succ``,
    ``G._pred``); reading them directly spares a view object per access.
    """
    return graph._node, graph._succ, graph._pred  # type: ignore[attr-defined]


def load(source: str | os.PathLike[str], *, use_cache: bool = True) -> nx.DiGraph[Node]:
    """Load an inventory and build its graph; an unchanged inventory comes from the cache.

    The cache (:mod:`graphanalyzer.cache`) keeps the validated inventory, keyed by the
    content of every file the load read, so it is never stale.  ``-`` reads standard
    input (never cached).
    """
    name, path, raw = inventory_module.read_root(source)
    return load_read(name, path, raw, use_cache=use_cache)


def load_read(name: str, path: Path | None, raw: bytes, *, use_cache: bool = True) -> nx.DiGraph[Node]:
    """:func:`load` for a root file already read (:func:`graphanalyzer.inventory.read_root`).

    A graph whose inventory the cache keeps knows its entry (``graph.graph["entry"]``), so analyses
    can keep results beside it (:func:`cache.noted`)."""
    graph = build(cache.load(name, path, raw, use_cache=use_cache))
    if path is not None and use_cache:
        graph.graph["entry"] = (path, raw, name)
    return graph


def cone(graph: nx.DiGraph[Node], nodes: Iterable[Node]) -> set[Node]:
    """The nodes and everything they need, directly or not, in one traversal."""
    _, succ, _ = internals(graph)
    return _reached(succ, set(nodes))


def kept_cone(graph: nx.DiGraph[Node], targets: Sequence[Node]) -> frozenset[Node]:
    """:func:`cone` of ``targets``, kept on the graph for the next analysis that asks about the same targets
    (graphs are read-only): the analyses of one review each ask about the services'.

    >>> from graphanalyzer.model import Component, Inventory
    >>> g = build(Inventory("x", {"h": Component("h", "host"), "s": Component("s", "service", requires=("h",))}))
    >>> sorted(kept_cone(g, ["s"])), kept_cone(g, ["s"]) is kept_cone(g, ["s"])
    (['h', 's'], True)
    """
    key = tuple(targets)
    return kept_on(graph, "kept_cone", key, lambda: frozenset(cone(graph, key)))


def kept_on(graph: nx.DiGraph[Node], name: str, key: Hashable, work: Callable[[], T]) -> T:
    """``work()``, kept on the graph under ``name`` for the next call with the same ``key`` (graphs are
    read-only): one value a name, the last asked for.

    >>> g = build(Inventory("x", {}))
    >>> kept_on(g, "n", 1, lambda: [1]) is kept_on(g, "n", 1, lambda: [2]), kept_on(g, "n", 2, lambda: [2])
    (True, [2])
    """
    found: tuple[Hashable, T] | None = graph.graph.get(name)
    if found is None or found[0] != key:
        found = graph.graph[name] = (key, work())
    return found[1]


def within(graph: nx.DiGraph[Node], node: Node, most: int) -> bool:
    """Whether the node's cone holds at most ``most`` components (its gates not counted), walked no further
    than that: a cheap test of a cone many thousands of nodes large.

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> g = build(Inventory("x", {"a": Component("a", "host"), "b": Component("b", "host"),
    ...                           "s": Component("s", "service", requires=(Group(("a", "b")),))}))
    >>> within(g, "s", 3), within(g, "s", 2)
    (True, False)
    """
    _, succ, _ = internals(graph)
    seen = {node}
    stack = [node]
    left = most - (not is_gate(node))
    while stack:
        for other in succ[stack.pop()]:
            if other not in seen:
                seen.add(other)
                stack.append(other)
                if not is_gate(other):
                    left -= 1
                    if left < 0:
                        return False
    return left >= 0


def needing(graph: nx.DiGraph[Node], nodes: Iterable[Node]) -> set[Node]:
    """The nodes that need these, directly or not, and these (those in the graph): a cone upside down.

    >>> from graphanalyzer.model import Component, Inventory
    >>> g = build(Inventory("x", {"r": Component("r", "rack"), "h": Component("h", "host", container="r"),
    ...                           "s": Component("s", "service", requires=("h",))}))
    >>> sorted(needing(g, ["h", "gone"]))
    ['h', 's']
    """
    _, _, pred = internals(graph)
    return _reached(pred, {n for n in nodes if n in pred})


def with_groups(graph: nx.DiGraph[Node], ids: Iterable[str]) -> list[Node]:
    """Components and their groups (a changed component changes its groups too: they are its requirements).

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> g = build(Inventory("x", {"a": Component("a", "host"), "b": Component("b", "host"),
    ...                           "s": Component("s", "service", requires=(Group(("a", "b")),))}))
    >>> with_groups(g, ["s", "gone"])
    ['s', 'gone', ('s', 0)]
    """
    _, succ, _ = internals(graph)
    ids = list(ids)
    return [*ids, *(g for cid in ids if cid in succ for g in succ[cid] if is_gate(g))]


def _reached(adjacency: Adjacency, start: set[Node]) -> set[Node]:
    """``start`` and every node the adjacency leads to from it (``start`` is extended in place)."""
    stack = list(start)
    while stack:
        for other in adjacency[stack.pop()]:
            if other not in start:
                start.add(other)
                stack.append(other)
    return start


def on_cycles(graph: nx.DiGraph[Node]) -> set[Node]:
    """The nodes that may lie on a dependency cycle: all but those that need, or are needed by, no cycle.

    Nodes that need nothing are peeled off, then those that need only peeled ones, and
    so on; the same from the other end.  What is left holds every cycle (and may hold
    paths between cycles), usually a small part of an estate.
    """
    _, succ, pred = internals(graph)
    return _unpeeled(succ, pred)


def components_needing_cycles(inventory: Inventory) -> set[str]:
    """The components that lie on a dependency cycle or need one, found without building the graph.

    A component is peeled off once all it needs (its container, what it requires, the
    members of its groups) is peeled; what is never peeled is left.  The peeling goes
    over all components in passes, each one set operation a component in C: an estate
    a few levels deep takes a few passes.  An estate still peeling after many passes
    (a chain of thousands declared backwards) gives what is left then: more components,
    never fewer.
    """
    ids = list(inventory.components)
    records = inventory.components.values()
    needs: list[tuple[Any, ...]] = list(map(add, map(_REQUIRES, records), zip(map(_CONTAINER, records))))
    for n, need in enumerate(needs):
        if any(map(_IS_GROUP, need)):  # a group stands for its members
            needs[n] = tuple(chain.from_iterable(r.members if r.__class__ is Group else (r,) for r in need))
    need_of = dict(zip(ids, needs, strict=True))
    done: set[str | None] = {None}
    left = ids
    for _ in range(_PASSES):
        done.update(compress(left, map(done.issuperset, map(need_of.__getitem__, left))))
        still = list(filterfalse(done.__contains__, left))
        if len(still) == len(left):
            break
        left = still
    return set(left)


_REQUIRES, _CONTAINER, _IS_GROUP = attrgetter("requires"), attrgetter("container"), Group.__instancecheck__
_PASSES = 100


def _unpeeled(succ: dict[Any, Any], pred: dict[Any, Any]) -> set[Any]:
    """The nodes left when those leading to none of them are peeled, one way, then the other."""
    left = set(succ)
    for ahead, behind in ((succ, pred), (pred, succ)):
        if len(left) == len(succ):
            count = {node: len(ahead[node]) for node in left}
        else:
            count = {node: len(ahead[node].keys() & left) for node in left}
        stack = [node for node, n in count.items() if n == 0]
        while stack:
            node = stack.pop()
            left.discard(node)
            for other in behind[node]:
                if other in left:
                    count[other] -= 1
                    if count[other] == 0:
                        stack.append(other)
    return left


def sets_first(graph: nx.DiGraph[Node], cone: Collection[Node] | None = None) -> Iterator[set[Node]]:
    """Strongly connected sets of the graph (those in ``cone``), each after all it needs.

    The whole graph's are found once and kept on it (graphs are read-only): a cone
    reads them when it is most of the graph, or when they are kept already and the cone
    is more than a :data:`KEPT_FROM`-th of it (the analyses of one review ask about the
    same large cones); a small cone gets Tarjan's algorithm on it alone.
    """
    # Tarjan's algorithm emits a set only after every set reachable from it, and peeling
    # places a node only after all it needs; edges point to what a node needs, so
    # requirements come first.  A strongly connected set lies wholly inside a cone or
    # wholly outside it.
    size = graph.number_of_nodes()
    if cone is None or 2 * len(cone) > size or ("sets_first" in graph.graph and KEPT_FROM * len(cone) > size):
        # The same for every analysis of a graph: found once (graphs are read-only).
        ordered: list[set[Node]] | None = graph.graph.get("sets_first")
        if ordered is None:
            ordered = graph.graph["sets_first"] = _whole_sets_first(graph)
        for members in ordered:
            if cone is None or next(iter(members)) in cone:
                yield members
    else:  # a small cone: Tarjan's algorithm on it alone
        yield from sets_below(graph, cone)


def _whole_sets_first(graph: nx.DiGraph[Node]) -> list[set[Node]]:
    """The strongly connected sets of the whole graph, each after all it needs.

    An estate is mostly acyclic: a node whose requirements are all placed is placed
    next, alone (peeled, as a topological sort does); what is never placed lies on a
    cycle or needs one, and gets Tarjan's algorithm (:func:`sets_below`), after the rest.

    >>> from graphanalyzer.model import Component, Inventory
    >>> g = build(Inventory("x", {"a": Component("a", "host", requires=("b",)), "b": Component("b", "host",
    ...     requires=("a",)), "c": Component("c", "rack"), "s": Component("s", "service", requires=("a", "c"))}))
    >>> [sorted(members) for members in _whole_sets_first(g)]
    [['c'], ['a', 'b'], ['s']]
    """
    _, succ, pred = internals(graph)
    count = dict(zip(succ, map(len, succ.values()), strict=True))  # requirements not placed yet
    placed = [node for node, left in count.items() if not left]
    for node in placed:  # grows as it goes
        for needer in pred[node]:
            count[needer] -= 1
            if not count[needer]:
                placed.append(needer)
    ordered = [{node} for node in placed]
    if len(placed) < len(count):
        ordered.extend(sets_below(graph, {node for node, left in count.items() if left}))
    return ordered


def sets_below(graph: nx.DiGraph[Node], cone: Collection[Node]) -> Iterator[set[Node]]:
    """:func:`sets_first` over a set of nodes (edges leaving it are left out), by Tarjan's algorithm on
    the adjacency itself: for the many small cones of incremental work, NetworkX's subgraph views cost more
    than the algorithm.  (Sets come requirements first; their order may differ from :func:`sets_first`'s.)
    """
    _, succ, _ = internals(graph)
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    stack: list[Node] = []
    on_stack: set[Node] = set()
    for root in cone:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(succ[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in cone:
                    continue  # below the cone's edge: worked out already
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(succ[child])))
                    break
                if child in on_stack and index[child] < low[node]:
                    low[node] = index[child]
            else:
                work.pop()
                if work and low[node] < low[work[-1][0]]:
                    low[work[-1][0]] = low[node]
                if low[node] == index[node]:
                    members = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.add(member)
                        if member == node:
                            break
                    yield members


def is_gate(node: Node) -> bool:
    """Whether a node is a redundancy gate rather than a component."""
    return isinstance(node, tuple)


def component(graph: nx.DiGraph[Node], node: str) -> Component:
    """The component record of a component node."""
    record: Component = graph.nodes[node]["component"]
    return record


def label(node: Node, graph: nx.DiGraph[Node]) -> str:
    """How a node is named to people: its id, or ``owner: any of a, b`` for a gate."""
    if isinstance(node, tuple):
        gate: Group = graph.nodes[node]["gate"]
        return f"{node[0]}: {gate.describe()}"
    return node


def check_ids(graph: nx.DiGraph[Node], ids: Iterable[str], what: str = "component") -> list[str]:
    """The ids, all known components, in order; else a UsageError naming the unknown one."""
    result = list(dict.fromkeys(ids))
    for cid in result:
        if not isinstance(cid, str) or cid not in graph or is_gate(cid):
            close = difflib.get_close_matches(str(cid), [n for n in graph if isinstance(n, str)], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(f"no {what} '{cid}' in inventory{hint}")
    return result
