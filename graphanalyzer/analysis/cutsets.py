"""Minimal cut sets: the sets of components whose unplugging takes a target down.

A *cut set* of a node is a set of components whose unplugging makes it ``down``
(DESIGN section 2); a *minimal* one has no smaller cut set inside it.  Being down
depends only on what is down, so the cut sets of a node follow from those of its
requirements:

* a component is down when it is unplugged or any requirement (its container
  too) is down: its family is ``{{c}}`` together with its requirements' families;
* a group needing ``k`` of its ``n`` members is down when ``t = n - k + 1`` members
  are down: its family is built member by member, keeping for each ``j <= t`` the
  sets that take ``j`` of the members seen so far down (``any`` is ``t = n``, a
  product; needing all members is ``t = 1``, a union).

Method.  Families are propagated bottom-up, requirements first, over the
strongly connected sets of the target's cone (Tarjan's order: a set comes after
every set it needs).  Only sets of at most ``order`` components are kept, which is
exact — a cut set of size ``s`` of a node contains a cut set of size at most ``s``
of the requirement through which it acts — and every family is kept minimal by
dropping supersets.  Inside a dependency cycle the families start empty and are
recomputed until they stop growing: the least fixed point, which is what
unplugging does (a cycle stays up until something in it breaks).  For order 1 the
families are plain sets of ids (unions, intersections, counts).

Cost.  Each node is visited once outside cycles (a few times inside); the work at
a node is the size of its requirements' families: for order 1, about the depth of
the estate (site, room, rack, power, network) per node; for order ``K`` at most
``F^2`` set unions per product, where ``F`` is a family's size, minimised at once.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "feed": Component("feed", "power"),
...     "pdu-a": Component("pdu-a", "power", requires=("feed",)),
...     "pdu-b": Component("pdu-b", "power", requires=("feed",)),
...     "web-1": Component("web-1", "host"),
...     "web-2": Component("web-2", "host"),
...     "app": Component("app", "service", requires=(Group(("pdu-a", "pdu-b")), Group(("web-1", "web-2")))),
... }))
>>> single_failures(g)["app"] == {"app", "feed"}
True
>>> sorted(sorted(s) for s in minimal_cut_sets(g, ["app"], 2)["app"])
[['app'], ['feed'], ['pdu-a', 'pdu-b'], ['web-1', 'web-2']]
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

import networkx as nx

from graphanalyzer.graph import Node, cone, internals, kept_cone, sets_below, sets_first

Family = frozenset[frozenset[str]]
_EMPTY: Family = frozenset()
_ALREADY: Family = frozenset((frozenset(),))  # down with nothing more: the family of what is unplugged already


def single_failures(graph: nx.DiGraph[Node], targets: Iterable[Node] | None = None) -> dict[Node, frozenset[str]]:
    """For each node (of the targets' cones, or all), the components whose unplugging alone takes it down.

    That is :func:`ones_table` with nothing unplugged.
    """
    return ones_table(graph, targets)


def minimal_cut_sets(
    graph: nx.DiGraph[Node], targets: Iterable[str], order: int, down: Iterable[str] = ()
) -> dict[str, Family]:
    """The minimal cut sets of at most ``order`` components of each target (itself included).

    With ``down``, those components are unplugged already: the sets are those that
    take a target down together with them (the empty set when they do it alone).
    """
    targets = list(targets)
    table = cut_set_table(graph, targets, order, down)
    return {target: table[target] for target in targets}


def cut_set_table(
    graph: nx.DiGraph[Node],
    targets: Iterable[Node],
    order: int,
    down: Iterable[str] = (),
    known: Mapping[Node, Family] | None = None,
) -> dict[Node, Family]:
    """:func:`minimal_cut_sets` of every node the targets need (themselves included), by node.

    ``known``: families already worked out for nodes whose cones hold nothing that
    differs from the design they were worked out on (the same ``order`` and
    ``down``); they are taken as they are, and what lies below them is not visited.
    This is how a changed design is analysed again: only what needs a change is.

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {"a": Component("a", "host"), "b": Component("b", "host"),
    ...                           "app": Component("app", "service", requires=(Group(("a", "b")),))}))
    >>> table = cut_set_table(g, ["app"], 2)
    >>> sorted(map(str, table)), sorted(sorted(s) for s in table["app"])
    (["('app', 0)", 'a', 'app', 'b'], [['a', 'b'], ['app']])
    >>> cut_set_table(g, ["app"], 2, known={("app", 0): frozenset()})["app"] == {frozenset({"app"})}
    True
    """
    if order < 1:  # a component's own set would not fit: the rules below need room for it
        raise ValueError(f"cut sets of at most {order} components")
    nodes, succ, _ = internals(graph)
    down = frozenset(down)
    result: dict[Node, Family] = dict.fromkeys(down, _ALREADY)

    def evaluate(node: Node) -> Family:
        gate = nodes[node].get("gate")
        if gate is None:
            assert isinstance(node, str)  # a component
            itself = frozenset((node,))
            families = [f for f in (result.get(r, _EMPTY) for r in succ[node]) if f]
            if node in cyclic or _ALREADY in families or order > 3:
                return minimal({itself}.union(*families))
            # No set below can hold this node: adding {node} to their minimal union keeps it minimal.
            return (merged(families) if len(families) > 1 else families[0] if families else _EMPTY) | {itself}
        need = len(succ[node]) - gate.at_least + 1
        # taken[j]: sets taking at least j of the members seen so far down.
        taken: list[Family] = [frozenset((frozenset(),))] + [_EMPTY] * need
        for member in succ[node]:
            family = result.get(member, _EMPTY)
            for j in range(need, 0, -1):
                if taken[j - 1] and family:
                    taken[j] = taken[j] | _product(taken[j - 1], family, order)
        return minimal(taken[need])

    cyclic: set[Node] = set()
    if known:
        result.update(known)
        reached = needed_beyond(succ, targets, result)
        ordered = sets_below(graph, reached)
    else:
        reached = cone(graph, targets)
        ordered = sets_first(graph, reached)
    settle(ordered, succ, evaluate, result, _EMPTY, down, cyclic)
    return result


def needed_beyond(succ: Mapping[Node, Iterable[Node]], targets: Iterable[Node], known: Mapping[Node, Any]) -> set[Node]:
    """The nodes the targets need, directly or not, through nodes not in ``known`` (the known ones left out)."""
    start = {t for t in targets if t not in known}
    stack = list(start)
    while stack:
        for other in succ[stack.pop()]:
            if other not in start and other not in known:
                start.add(other)
                stack.append(other)
    return start


def settle(  # type: ignore[no-untyped-def]
    ordered: Iterable[set[Node]],
    succ: Mapping[Node, Iterable[Node]],
    evaluate,
    result: dict,  # type: ignore[type-arg]
    empty: object,
    down: frozenset[str] = frozenset(),
    cyclic: set[Node] | None = None,
    same=operator.eq,
) -> None:
    """Give the nodes of the strongly connected sets ``ordered`` (requirements first) their values.

    A node on no cycle is evaluated once; a cycle's nodes are recomputed from
    ``empty`` until nothing changes (values only grow: the least fixed point).
    Nodes of ``down`` are left out; ``cyclic``, when given, collects the nodes on
    cycles before they are evaluated; ``same`` tells whether two values are equal.
    """
    for members in ordered:
        if down and not members.isdisjoint(down):
            members = members - down
            if not members:
                continue
        if len(members) == 1:
            (node,) = members
            if node not in succ[node]:
                result[node] = evaluate(node)
                continue
        if cyclic is not None:
            cyclic |= members
        for node in members:
            result[node] = empty
        changed = True
        while changed:
            changed = False
            for node in members:
                value = evaluate(node)
                if not same(value, result[node]):
                    result[node] = value
                    changed = True


def _product(left: Family, right: Family, order: int) -> Family | set[frozenset[str]]:
    """The unions of a set of ``left`` and one of ``right`` of at most ``order`` components.

    A set of ``left`` that is full already is one of them only when it holds a set
    of ``right`` (it is then their union): that is tested without building unions.

    >>> sorted(sorted(s) for s in _product({frozenset("ab"), frozenset("cde")}, {frozenset("a"), frozenset("e")}, 3))
    [['a', 'b'], ['a', 'b', 'e'], ['c', 'd', 'e']]
    """
    if len(left) == 1 and frozenset() in left:
        return right
    found = {union for a in left if len(a) < order for b in right if len(union := a | b) <= order}
    full = [a for a in left if len(a) >= order]
    if frozenset() in right:  # down already: every set of left is a union
        found.update(full)
    elif full:
        within = set().union(*right)
        found.update([a for a in full if not within.isdisjoint(a) and any(b <= a for b in right)])
    return found


def minimal(family: Iterable[frozenset[str]]) -> Family:
    """The sets of a family that contain no other set of it.

    Sets are taken by size, smallest first: a set is kept when it holds no kept
    single component and, for three, no kept pair (looked up through each
    component's partners in the kept pairs), for more, no kept smaller set.

    >>> sorted(sorted(s) for s in minimal([frozenset("ab"), frozenset("a"), frozenset("bc"), frozenset("bcd")]))
    [['a'], ['b', 'c']]
    """
    by_size: dict[int, list[frozenset[str]]] = {}
    for cut in family:
        by_size.setdefault(len(cut), []).append(cut)
    if 0 in by_size:
        return _ALREADY
    kept = by_size.pop(1, [])
    singles: set[str] = set().union(*kept)
    partners: dict[str, set[str]] = {}  # for each component, those it makes a kept pair with
    smaller: set[frozenset[str]] = set()  # the kept sets of two or more
    for size in sorted(by_size):
        sets = by_size[size]
        if singles:
            sets = [cut for cut in sets if singles.isdisjoint(cut)]
        if size == 2:
            for a, b in sets:
                partners.setdefault(a, set()).add(b)
                partners.setdefault(b, set()).add(a)
        elif size == 3 and partners:
            sets = [cut for cut in sets if not _holds_pair(cut, partners)]
        elif size > 3 and smaller:
            sets = [
                cut
                for cut in sets
                if not any(frozenset(part) in smaller for k in range(2, size) for part in combinations(cut, k))
            ]
        kept += sets
        smaller.update(sets)
    return frozenset(kept)


def merged(families: list[Family]) -> Family:
    """:func:`minimal` of the union of families that are minimal each, of sets of at most three components.

    Working from the largest family: only the sets the others add can hold a set
    of the union, and only added sets of one or two components, all of them among
    the largest's components, can lie inside a set of the largest, which is
    scanned (for sets holding one of those components) only when there are such.

    >>> sorted(sorted(s) for s in merged([frozenset({frozenset("abc"), frozenset("d")}), frozenset({frozenset("ab")})]))
    [['a', 'b'], ['d']]
    """
    largest = max(families, key=len)
    extra = frozenset().union(*(f for f in families if f is not largest)) - largest
    if not extra:
        return largest
    if frozenset() in extra or frozenset() in largest:
        return _ALREADY
    small = [cut for cut in largest if len(cut) <= 2]
    added = minimal([*small, *extra]) & extra  # the added sets that hold no other set
    within = set().union(*largest)  # only added sets inside these components can lie in a set of largest
    ones = {c for cut in added if len(cut) == 1 for c in cut} & within
    partners: dict[str, set[str]] = {}
    for cut in added:
        if len(cut) == 2 and cut <= within:
            a, b = cut
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
    if not ones and not partners:
        return largest | added
    hit = ones.union(partners)
    gone = [
        cut
        for cut in largest
        if not hit.isdisjoint(cut) and (not ones.isdisjoint(cut) or (len(cut) == 3 and _holds_pair(cut, partners)))
    ]
    return largest.difference(gone).union(added)


def _holds_pair(cut: frozenset[str], partners: dict[str, set[str]]) -> bool:
    """Whether a set of three holds one of the pairs that ``partners`` indexes."""
    a, b, c = cut
    with_a = partners.get(a)
    if with_a is not None and (b in with_a or c in with_a):
        return True
    with_b = partners.get(b)
    return with_b is not None and c in with_b


#: The cut sets of one component of a node as the set of their ids, or ``ALREADY`` (see :func:`ones_table`).
Ones = frozenset[Any]  # frozenset[str], or ALREADY (a Family)
#: The family of a node that what is unplugged already takes down: that of the empty set.
ALREADY = _ALREADY


def ones_table(
    graph: nx.DiGraph[Node],
    targets: Iterable[Node] | None,
    down: Iterable[str] = (),
    known: Mapping[Node, Ones] | None = None,
) -> dict[Node, Ones]:
    """The cut sets of one component, with ``down`` unplugged already, of every node the targets need (all
    nodes when ``targets`` is None).

    A node's value is the set of the ids that take it down together with ``down``,
    or ``{frozenset()}`` (the family of the empty set) when ``down`` alone does.
    ``known``: values already worked out for nodes whose cones hold nothing that
    differs from the design they were worked out on (with the same ``down``); they
    are taken as they are, and what lies below them is not visited, as in
    :func:`cut_set_table`.

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {"a": Component("a", "host"), "b": Component("b", "host"),
    ...                           "app": Component("app", "service", requires=(Group(("a", "b")),))}))
    >>> sorted(ones_table(g, ["app"], ["a"])["app"])
    ['app', 'b']
    >>> sorted(ones_table(g, ["app"], ["a"], known={("app", 0): frozenset("c")})["app"])
    ['app', 'c']
    >>> ones_table(g, ["app"], ["a", "b"])["app"]
    frozenset({frozenset()})
    """
    nodes, succ, _ = internals(graph)
    down = frozenset(down)
    result: dict[Node, Any] = dict.fromkeys(down, _ALREADY)
    empty: frozenset[str] = frozenset()

    def evaluate(node: Node) -> Any:
        gate = nodes[node].get("gate")
        families = [result.get(r, empty) for r in succ[node]]
        if gate is None:
            return _ALREADY if down and _ALREADY in families else empty.union({node}, *families)
        need = len(families) - gate.at_least + 1  # members still to take down
        if down:
            need -= families.count(_ALREADY)
            families = [f for f in families if f is not _ALREADY]
            if need <= 0:
                return _ALREADY
        if need == len(families):
            return frozenset.intersection(*families) if families else empty
        if need == 1:
            return empty.union(*families)
        counts: dict[str, int] = {}
        for family in families:
            for cid in family:
                counts[cid] = counts.get(cid, 0) + 1
        return frozenset(cid for cid, count in counts.items() if count >= need)

    if known:
        assert targets is not None
        result.update(known)
        ordered = sets_below(graph, needed_beyond(succ, targets, result))
    else:
        ordered = sets_first(graph, None if targets is None else cone(graph, targets))
    settle(ordered, succ, evaluate, result, empty, down)
    return result


def family_of_ones(value: Ones) -> Family:
    """A value of :func:`ones_table` as the family of sets of one component it stands for.

    >>> sorted(map(sorted, family_of_ones(frozenset({"a", "b"})))), family_of_ones(ALREADY) is ALREADY
    ([['a'], ['b']], True)
    """
    return _ALREADY if value is _ALREADY else frozenset(frozenset((cid,)) for cid in value)


def cut_sets_of_two(
    graph: nx.DiGraph[Node], targets: Iterable[Node], singles: Mapping[Node, frozenset[str]] | None = None
) -> dict[Node, Family]:
    """The minimal cut sets of two components of every node the targets need.

    With ``singles`` (:func:`single_failures` of the targets, worked out when not
    given), ``minimal_cut_sets(graph, targets, 2)`` is, for each target, the single
    failures (each a set of one) and these.  A pair is minimal when neither of its
    components takes the node down alone, the only smaller sets there are: no
    general superset check is needed.  A component's pairs are its requirements',
    less those that hold one of its single failures; a group's are the pairs that
    take enough of its members down (counted with bit masks of members), from its
    members' pairs and single failures.

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {h: Component(h, "host") for h in "abc"} | {
    ...     "app": Component("app", "service", requires=(Group(("a", "b", "c"), 2),))}))
    >>> sorted(sorted(pair) for pair in cut_sets_of_two(g, ["app"])["app"])
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    nodes, succ, _ = internals(graph)
    targets = list(targets)
    if singles is None:
        singles = single_failures(graph, targets)
    empty: frozenset[Any] = frozenset()
    nothing = (empty, empty)
    # Per node: its pairs, and the components they hold (to tell at once whether a single failure meets one).
    result: dict[Node, tuple[Family, frozenset[str]]] = {}

    def kept(parts: list[tuple[Family, frozenset[str]]], alone: frozenset[str]) -> tuple[Family, frozenset[str]]:
        """The pairs of ``parts`` that hold none of ``alone``."""
        if len(parts) == 1 and parts[0][1].isdisjoint(alone):
            return parts[0]
        if all(held.isdisjoint(alone) for _, held in parts):
            return empty.union(*(pairs for pairs, _ in parts)), empty.union(*(held for _, held in parts))
        found = frozenset(pair for pairs, _ in parts for pair in pairs if pair.isdisjoint(alone))
        return found, empty.union(*found)

    def evaluate(node: Node) -> tuple[Family, frozenset[str]]:
        gate = nodes[node].get("gate")
        alone = singles[node]
        members = succ[node]
        if gate is None or len(members) - gate.at_least == 0:  # a component, or a group needing all its members
            parts = [value for r in members if (value := result.get(r, nothing))[0]]
            return kept(parts, alone) if parts else nothing
        need = len(members) - gate.at_least + 1  # members that must be down
        masks: dict[str, int] = {}  # for each component that is no single failure of the group, the members it takes
        by_pair: dict[frozenset[str], int] = {}  # for each pair of a member, the members it takes (as a pair)
        for n, member in enumerate(members):
            bit = 1 << n
            for cid in singles[member]:
                if cid not in alone:
                    masks[cid] = masks.get(cid, 0) | bit
            for pair in result.get(member, nothing)[0]:
                if pair.isdisjoint(alone):
                    by_pair[pair] = by_pair.get(pair, 0) | bit
        found = []
        for pair, mask in by_pair.items():
            a, b = pair
            if (mask | masks.get(a, 0) | masks.get(b, 0)).bit_count() >= need:
                found.append(pair)
        ranked = sorted(((mask.bit_count(), mask, cid) for cid, mask in masks.items()), reverse=True)
        for n, (count, mask, cid) in enumerate(ranked):
            for other_count, other_mask, other in ranked[n + 1 :]:
                if count + other_count < need:
                    break  # the others take fewer members still
                if (mask | other_mask).bit_count() >= need:
                    pair = frozenset((cid, other))
                    if pair not in by_pair:
                        found.append(pair)
        return (frozenset(found), empty.union(*found)) if found else nothing

    settle(sets_first(graph, kept_cone(graph, targets)), succ, evaluate, result, nothing)
    return {node: pairs for node, (pairs, _) in result.items()}
