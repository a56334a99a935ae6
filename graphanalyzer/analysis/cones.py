"""The cones of many targets at once: for each target, which nodes it needs, directly or not.

:func:`graphanalyzer.graph.cone` of one target after another walks the same shared
machinery again and again: thousands of services each resting on thousands of
components cost millions of set insertions.  Here every node of the targets' cones
gets one bit per target, "this target needs me": a target's bit is set on itself and
passed down each requirement, strongly connected sets first taking the union of what
enters them (all their members are needed by the same targets).  Bits are Python
integers, so a node costs one OR of a few machine words per edge into it, and the
targets are taken :data:`CHUNK` at a time so that memory stays bounded.  The bits are
then read out, per target, as the sorted positions of its nodes in an order the
caller chooses.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "feed": Component("feed", "power"),
...     "db": Component("db", "database", requires=("feed",)),
...     "cache": Component("cache", "database"),
...     "app": Component("app", "service", requires=("db", Group(("cache", "feed")))),
...     "api": Component("api", "service", requires=("cache",)),
... }))
>>> order = ["feed", "db", "cache", "app", "api"]
>>> [[order[i] for i in rows] for rows in cones(g, ["app", "api"], order)]
[['feed', 'db', 'cache', 'app'], ['cache', 'api']]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import networkx as nx
import numpy as np
import numpy.typing as npt

from graphanalyzer.graph import Node, internals, kept_cone, kept_on, sets_first

Index = npt.NDArray[np.int64]

#: Targets whose bits are carried at once: at most CHUNK / 8 bytes per node of their cones (each chunk walks
#: the cones once: the services of a 100k estate, some thousands, are taken in one walk).
CHUNK = 8192


def cones(
    graph: nx.DiGraph[Node],
    targets: Sequence[Node],
    order: Sequence[Node],
    sets: Sequence[set[Node]] | None = None,
) -> Iterator[Index]:
    """For each target in turn, the positions in ``order`` of the nodes of its cone, ascending.

    Nodes of a cone that are not in ``order`` are left out (``order`` may list the
    components only, say); so are nodes of ``order`` that no target needs.
    Equal to ``sorted(order.index(n) for n in cone(graph, [target]) if n in order)``.
    ``sets``: the strongly connected sets of the targets' cone, requirements first
    (:func:`~graphanalyzer.graph.sets_first`), when the caller has them already.
    """
    targets = list(targets)
    _, _, pred = internals(graph)
    if sets is None:
        sets = list(sets_first(graph, kept_cone(graph, targets)))
    needers_first = sets[::-1]
    for start in range(0, len(targets), CHUNK):
        chunk = targets[start : start + CHUNK]
        bits: dict[Node, int] = {}
        for n, target in enumerate(chunk):
            bits[target] = bits.get(target, 0) | (1 << n)
        for members in needers_first:
            value = 0
            for member in members:
                value |= bits.get(member, 0)
                for needer in pred[member]:
                    value |= bits.get(needer, 0)
            if value:
                for member in members:
                    bits[member] = value
        yield from _read_out(bits, len(chunk), order)


def kept(
    graph: nx.DiGraph[Node], targets: Sequence[Node], order: Sequence[Node], sets: Sequence[set[Node]] | None = None
) -> list[Index]:
    """:func:`cones` as a list, worked out once per graph, targets and order and kept on the graph (graphs are
    read-only): the audit and the complexity of one review read the same cones.

    >>> from graphanalyzer.model import Component, Inventory
    >>> from graphanalyzer.graph import build
    >>> g = build(Inventory("x", {"h": Component("h", "host"), "s": Component("s", "service", requires=("h",))}))
    >>> kept(g, ["s"], ["h", "s"])[0].tolist(), kept(g, ["s"], ["h", "s"]) is kept(g, ["s"], ["h", "s"])
    ([0, 1], True)
    """
    return kept_on(graph, "cones", (tuple(targets), tuple(order)), lambda: list(cones(graph, targets, order, sets)))


def _read_out(bits: dict[Node, int], count: int, order: Sequence[Node]) -> Iterator[Index]:
    """Per target bit ``0..count-1``, the ascending positions in ``order`` of the nodes carrying it (only the
    nodes that carry a bit are unpacked: a few targets' cones in a large design are a small part of it)."""
    words = max(1, -(-count // 64))
    size = 8 * words
    carried = [(n, value) for n, node in enumerate(order) if (value := bits.get(node, 0))]
    positions = np.fromiter((n for n, _ in carried), dtype=np.int64, count=len(carried))
    packed = b"".join(value.to_bytes(size, "little") for _, value in carried)
    matrix = np.frombuffer(packed, dtype=np.uint8).reshape(len(carried), size)
    for word in range(words):
        # The nodes carrying a bit of this word's 64 targets; row t of the block: target t, over those nodes.
        column = np.ascontiguousarray(matrix[:, 8 * word : 8 * word + 8])
        rows = np.flatnonzero(column.view(np.uint64).ravel())
        block = np.unpackbits(np.ascontiguousarray(column[rows].T), axis=0, bitorder="little")
        found = positions[rows]
        for t in range(min(64, count - 64 * word)):
            yield found[np.flatnonzero(block[t].view(np.bool_))]
