"""Minimal cut sets of at most three components, each held as one integer: :func:`cutsets.cut_set_table` in arrays.

The audit needs the cut sets of up to three components of every service of an
estate, hundreds of thousands of sets per design; as frozensets of ids, merging
and minimising them is a handful of Python passes per set.  Here a set is a
*code*: its components' positions (in a :class:`Coding`), smallest first,
``bits`` bits each, padded with ``pad`` (the position after the last), and a
family is an array of distinct codes.  Unions, products and minimisation are
then array operations; the rules are those of
:func:`graphanalyzer.analysis.cutsets.cut_set_table` (a property test holds the
two equal on random inventories), which documents why they are right, but for
one: a group's sets are grown member by member as one array, each set with how
many of the members seen it takes down (the most it is found with, so each set
is kept once), rather than one family per count, and a set that can no longer
take enough members down with those left is dropped.  The minimal sets are the
same: every set of the engine's families is found, with at least its count, and
every set found takes down as many members as its count says.  Two shortcuts
leave them the same too: a group that no three components can defeat (:func:`_beyond_reach`)
has none, and members with few sets are joined on Python tuples (:func:`_few`).

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> hosts = {h: Component(h, "host") for h in "abc"}
>>> g = build(Inventory("x", hosts | {"app": Component("app", "service", requires=(Group(("a", "b", "c"), 2),))}))
>>> coding = Coding.of(g.graph["inventory"].components)
>>> sorted(sorted(s) for s in coding.sets(cut_set_codes(g, ["app"], coding)["app"]))
[['a', 'b'], ['a', 'c'], ['app'], ['b', 'c']]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import networkx as nx
import numpy as np

from graphanalyzer.analysis.cutsets import needed_beyond, settle
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, cone, internals, sets_below, sets_first

#: The most components a coded set holds.
ORDER = 3
_NONE = np.zeros(0, dtype=np.int64)
_NO_COUNTS = np.zeros(0, dtype=np.int32)
#: Candidate unions worked out at once (bounds the memory of one product).
_BLOCK = 1 << 20
#: Groups whose members have at most this many sets in all are worked out on Python tuples (:func:`_few`).
FEW = 24
#: Codes: an array of them, or one.
Packed = TypeVar("Packed", np.ndarray, int)


@dataclass(frozen=True)
class Coding:
    """Positions of components (``ids`` in order, then ``room`` free ones) and the codes of sets of them.

    >>> coding = Coding.of(["a", "b", "c"])
    >>> codes = coding.encode([frozenset("ca"), frozenset("b")])
    >>> coding.decode(codes).tolist(), coding.sets(codes) == [frozenset("ac"), frozenset("b")]
    ([[0, 2, 3], [1, 3, 3]], True)
    """

    ids: tuple[str, ...]
    position: dict[str, int]
    pad: int
    bits: int

    @classmethod
    def of(cls, ids: Iterable[str], room: int = 0) -> Coding:
        """The coding of ``ids``, with ``room`` positions to spare."""
        ids = tuple(ids)
        pad = len(ids) + room
        bits = max(1, pad.bit_length())
        if bits * ORDER > 63:
            raise UsageError(f"the audit reads at most {2 ** (63 // ORDER) - 1 - room:,} components")
        return cls(ids, {cid: k for k, cid in enumerate(ids)}, pad, bits)

    def extended(self, ids: Iterable[str]) -> Coding | None:
        """This coding with the components of ``ids`` it lacks added in its room (self when it lacks none;
        None when they do not fit): codes of the others keep their meaning."""
        added = [cid for cid in ids if cid not in self.position]
        if not added:
            return self
        if len(self.ids) + len(added) > self.pad:
            return None
        position = dict(self.position)
        position.update((cid, len(self.ids) + k) for k, cid in enumerate(added))
        return Coding((*self.ids, *added), position, self.pad, self.bits)

    def encode(self, sets: Iterable[Iterable[str]]) -> np.ndarray:
        """The codes of sets of ids (each of at most :data:`ORDER`)."""
        rows = [sorted(self.position[cid] for cid in cut) for cut in sets]
        if any(len(row) > ORDER for row in rows):
            raise ValueError(f"a cut set of more than {ORDER} components (at most {ORDER} are coded)")
        table = np.full((len(rows), ORDER), self.pad, dtype=np.int64)
        for n, row in enumerate(rows):
            table[n, : len(row)] = row
        return self.packed(table)

    def code(self, positions: tuple[int, ...]) -> int:
        """The code of one set of positions, ascending (:meth:`packed` of one row, unpadded).

        >>> coding = Coding.of("abc")
        >>> coding.code((0, 2)) == int(coding.encode([frozenset("ac")])[0])
        True
        """
        first, second, third = (*positions, self.pad, self.pad)[:ORDER]
        return first | second << self.bits | third << 2 * self.bits

    def packed(self, table: np.ndarray) -> np.ndarray:
        """The codes of rows of positions, each sorted and padded."""
        shifts = np.arange(0, ORDER * self.bits, self.bits, dtype=np.int64)
        codes: np.ndarray = (table << shifts).sum(axis=1)
        return codes

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """The rows of positions of codes (sorted, padded with ``pad``): :meth:`columns` side by side."""
        return np.stack(self.columns(codes), axis=1)

    def sets(self, codes: np.ndarray) -> list[frozenset[str]]:
        """The sets of ids of codes."""
        ids, pad = self.ids, self.pad
        return [frozenset(ids[p] for p in row if p != pad) for row in self.decode(codes).tolist()]

    def single(self, cid: str) -> int:
        """The code of ``{cid}``."""
        return int(self.pair(self.position[cid], self.pad))

    def pair(self, first: Any, second: Any) -> Any:
        """The codes of sets of two positions, ``first`` below ``second`` (of one, when ``second`` is ``pad``)."""
        return first | second << self.bits | self.pad << 2 * self.bits

    def columns(self, codes: Packed) -> tuple[Packed, Packed, Packed]:
        """Each code's three positions, smallest first, as three arrays (``pad`` where a set has fewer); of
        one code (a Python integer), its three positions."""
        mask = (1 << self.bits) - 1
        return codes & mask, (codes >> self.bits) & mask, codes >> 2 * self.bits


def cut_set_codes(
    graph: nx.DiGraph[Node],
    targets: Iterable[Node],
    coding: Coding,
    known: Mapping[Node, np.ndarray] | None = None,
) -> dict[Node, np.ndarray]:
    """``cut_set_table(graph, targets, 3, known=known)`` as codes of ``coding`` (which knows every component).

    Each value is an array of distinct codes, one per minimal cut set of at most
    three components of the node; ``known`` as for ``cut_set_table``, in codes.
    """
    nodes, succ, _ = internals(graph)
    result: dict[Node, np.ndarray] = {}
    cyclic: set[Node] = set()

    def evaluate(node: Node) -> np.ndarray:
        gate = nodes[node].get("gate")
        if gate is None:
            assert isinstance(node, str)  # a component
            itself = np.array([coding.single(node)], dtype=np.int64)
            families = [f for f in (result.get(r, _NONE) for r in succ[node]) if len(f)]
            if node in cyclic:
                return minimal(distinct(np.concatenate([itself, *families])), coding)
            # No set below can hold this node: adding {node} to their minimal union keeps it minimal.
            if not families:
                return itself
            below = families[0] if len(families) == 1 else minimal(distinct(np.concatenate(families)), coding)
            return np.concatenate([below, itself])
        families = [result.get(member, _NONE) for member in succ[node]]
        need = len(families) - gate.at_least + 1
        if need > ORDER and _beyond_reach(families, need, coding):
            return _NONE
        if sum(map(len, families)) <= FEW:
            return _few(families, need, coding)
        return _taken_down(families, need, coding)

    if known:
        result.update(known)
        ordered = sets_below(graph, needed_beyond(succ, targets, result))
    else:
        ordered = sets_first(graph, cone(graph, targets))
    settle(ordered, succ, evaluate, result, _NONE, cyclic=cyclic, same=_same)
    return result


def _taken_down(families: list[np.ndarray], need: int, coding: Coding) -> np.ndarray:
    """The minimal sets of at most three components that take ``need`` of the members (whose ``families``
    these are) down.

    The sets taking members seen so far down are kept each with how many it takes
    (at most ``need``): taking more is what counts, so each set is kept once, with
    the most it takes; one that can no longer reach ``need`` with the members left
    goes.

    >>> coding = Coding.of("abc")
    >>> sorted(map(sorted, coding.sets(_taken_down([coding.encode(["a", "b"]), coding.encode(["a", "c"])], 2, coding))))
    [['a'], ['b', 'c']]
    """
    codes, taken = _NONE, _NO_COUNTS
    for n, family in enumerate(families):
        if len(family) and not len(codes):  # the first member down: its sets, each taking one
            codes = distinct(family)
            taken = np.ones(len(codes), dtype=np.int32)
        elif len(family):
            more = taken < need
            grown, counts = _grown(codes[more], taken[more], family, coding)
            codes, taken = _most(
                np.concatenate([codes, family, grown]),
                np.concatenate([taken, np.ones(len(family), dtype=np.int32), counts]),
            )
        left = len(families) - n - 1
        if left < need:
            kept = taken >= need - left
            codes, taken = codes[kept], taken[kept]
    return minimal(codes, coding)


def _few(families: list[np.ndarray], need: int, coding: Coding) -> np.ndarray:
    """:func:`_taken_down` on Python tuples of positions, for members with few sets in all (at most
    :data:`FEW`), where numpy's cost per call would be most of the work.

    A set in every member's family is one of the group's (it takes them all down,
    and a smaller one would be smaller than a member's minimal set), and any other
    set holding it is not: only the members' other sets are joined.

    >>> coding = Coding.of("abc")
    >>> sorted(map(sorted, coding.sets(_few([coding.encode(["a", "b"]), coding.encode(["a", "c"])], 2, coding))))
    [['a'], ['b', 'c']]
    """
    pad = coding.pad

    def positions(code: int) -> tuple[int, ...]:
        return tuple(p for p in coding.columns(code) if p != pad)

    lists = [family.tolist() for family in families]
    common = set(lists[0]).intersection(*lists[1:])
    taken: dict[tuple[int, ...], int] = {}
    for n, family in enumerate(lists):
        sets = [positions(code) for code in family if code not in common]
        if sets and not taken:
            taken = dict.fromkeys(sets, 1)
        elif sets:
            grown = dict.fromkeys(sets, 1) | taken
            for cut, count in taken.items():
                if count < need:
                    for other in sets:
                        union = tuple(sorted({*cut, *other}))
                        if len(union) <= ORDER and grown.get(union, 0) <= count:
                            grown[union] = count + 1
            taken = grown
        left = len(lists) - n - 1
        if left < need:
            taken = {cut: count for cut, count in taken.items() if count >= need - left}
    taken.update(dict.fromkeys(map(positions, common), need))
    ones = {cut[0] for cut in taken if len(cut) == 1}
    twos = {cut for cut in taken if len(cut) == 2}
    kept = [  # the minimal sets: those holding no single nor (if of three) pair found
        cut
        for cut in taken
        if len(cut) == 1 or (not ones.intersection(cut) and (len(cut) == 2 or not {cut[:2], cut[::2], cut[1:]} & twos))
    ]
    return np.array(sorted(map(coding.code, kept)), dtype=np.int64)


def _beyond_reach(families: list[np.ndarray], need: int, coding: Coding) -> bool:
    """Whether no set of at most three components takes ``need`` members down, their families said so:
    a member it takes down has a set inside it, so it holds a component of that member's sets, and it
    takes down at most as many members as its three components' sets are found in.

    >>> coding = Coding.of("abcd")
    >>> _beyond_reach([coding.encode(["a"]), coding.encode(["ab"]), coding.encode(["c"])], 3, coding)
    False
    >>> _beyond_reach([coding.encode(["a"]), coding.encode(["b"]), coding.encode(["c", "d"])], 4, coding)
    True
    """
    found: Counter[int] = Counter()  # how many members' sets each component is found in
    for family in families:
        held = {p for code in family.tolist() for p in coding.columns(code)}
        held.discard(coding.pad)
        found.update(held)
    return sum(count for _, count in found.most_common(ORDER)) < need


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and bool(np.array_equal(np.sort(a), np.sort(b)))


def minimal(codes: np.ndarray, coding: Coding) -> np.ndarray:
    """The codes (distinct, sorted) of sets that hold no other set of them.

    >>> coding = Coding.of("abcd")
    >>> sorted(map(sorted, coding.sets(minimal(np.sort(coding.encode(["ab", "a", "bc", "bcd"])), coding))))
    [['a'], ['b', 'c']]
    """
    pad = coding.pad
    first, second, third = coding.columns(codes)
    ones = second == pad
    threes = third != pad
    keep = np.ones(len(codes), dtype=bool)
    if ones.any() and not ones.all():  # a set holding a set of one goes
        hit = np.zeros(pad + 1, dtype=bool)
        hit[first[ones]] = True
        hit[pad] = False
        keep = ones | ~(hit[first] | hit[second] | hit[third])
    twos = ~ones & ~threes & keep
    pairs = codes[twos]
    if len(pairs) and threes.any():  # a set of three holding a pair goes
        rows = np.flatnonzero(threes & keep)
        paired = np.zeros(pad + 1, dtype=np.int8)  # in a pair: only a set of three with two such can hold one
        paired[first[twos]] = 1
        paired[second[twos]] = 1
        rows = rows[paired[first[rows]] + paired[second[rows]] + paired[third[rows]] >= 2]
        a, b, c = first[rows], second[rows], third[rows]
        held = among(coding.pair(a, b), pairs) | among(coding.pair(a, c), pairs) | among(coding.pair(b, c), pairs)
        keep[rows[held]] = False
    return codes if keep.all() else codes[keep]


def _grown(codes: np.ndarray, counts: np.ndarray, family: np.ndarray, coding: Coding) -> tuple[np.ndarray, np.ndarray]:
    """The unions of a set of ``codes`` and one of ``family`` that hold at most three components, each with
    the count of the set it grew from plus one (a set may come more than once).

    >>> coding = Coding.of("abcde")
    >>> found, counts = _grown(coding.encode(["ab", "cde"]), np.array([1, 2]), coding.encode(["a", "e"]), coding)
    >>> sorted(zip(map(sorted, coding.sets(found)), counts.tolist()))
    [(['a', 'b'], 2), (['a', 'b', 'e'], 2), (['c', 'd', 'e'], 3)]
    """
    found, grown = [_NONE], [_NO_COUNTS]
    full = codes >> 2 * coding.bits != coding.pad
    if full.any():  # a set of three is a union only with a set inside it: itself
        threes = codes[full]
        held = _holds(threes, distinct(family), coding)
        found.append(threes[held])
        grown.append(counts[full][held] + 1)
        codes, counts = codes[~full], counts[~full]
    step = max(1, _BLOCK // len(family))
    for start in range(0, len(codes), step):
        part = codes[start : start + step]
        unions, fits = _unions(np.repeat(part, len(family)), np.tile(family, len(part)), coding)
        found.append(unions)
        grown.append(np.repeat(counts[start : start + step], len(family))[fits] + 1)
    return np.concatenate(found), np.concatenate(grown)


def _most(codes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each code once (sorted), with the largest of its counts."""
    order = np.lexsort((counts, codes))
    codes, counts = codes[order], counts[order]
    last = np.ones(len(codes), dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=last[:-1])
    return codes[last], counts[last]


def _holds(threes: np.ndarray, ordered: np.ndarray, coding: Coding) -> np.ndarray:
    """For each code of three components, whether it holds a set of ``ordered`` (sorted codes)."""
    pad, pair = coding.pad, coding.pair
    a, b, c = coding.columns(threes)
    parts = [pair(a, pad), pair(b, pad), pair(c, pad), pair(a, b), pair(a, c), pair(b, c), threes]
    found = among(np.concatenate(parts), ordered).reshape(len(parts), len(threes))
    held: np.ndarray = np.asarray(found.any(axis=0))
    return held


def distinct(codes: np.ndarray) -> np.ndarray:
    """The distinct codes, sorted (``np.unique``, without its fixed cost on the many small arrays here)."""
    codes = np.sort(codes)
    if len(codes) < 2:
        return codes
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def among(codes: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """For each code, whether it is one of ``ordered`` (sorted): ``np.isin`` for a sorted right side."""
    at = np.searchsorted(ordered, codes)
    at[at == len(ordered)] = 0
    found: np.ndarray = ordered[at] == codes
    return found


def _unions(a: np.ndarray, b: np.ndarray, coding: Coding) -> tuple[np.ndarray, np.ndarray]:
    """The codes of the unions of ``a[i]`` and ``b[i]`` (codes) that hold at most three components, and
    their ``i``."""
    pad = coding.pad
    a0, a1, a2 = coding.columns(a)
    b0, b1, b2 = coding.columns(b)
    new0 = (a0 != b0) & (a1 != b0) & (a2 != b0)
    new1 = (b1 != pad) & (a0 != b1) & (a1 != b1) & (a2 != b1)
    new2 = (b2 != pad) & (a0 != b2) & (a1 != b2) & (a2 != b2)
    size = (a1 != pad).view(np.int8) + (a2 != pad).view(np.int8) + new0.view(np.int8)
    size += new1.view(np.int8)
    size += new2.view(np.int8)
    fits = np.flatnonzero(size <= ORDER - 1)
    if not len(fits):
        return _NONE, fits
    both = np.stack(
        [
            a0[fits],
            a1[fits],
            a2[fits],
            np.where(new0[fits], b0[fits], pad),
            np.where(new1[fits], b1[fits], pad),
            np.where(new2[fits], b2[fits], pad),
        ],
        axis=1,
    )
    both.sort(axis=1)
    return coding.packed(both[:, :ORDER]), fits
