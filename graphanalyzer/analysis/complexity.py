"""Complexity: the Rube Goldberg report, numbers that show how intricate an estate has become.

Per service:

* ``depth``: components on the longest chain of requirements from the service down
  to a component that needs nothing (the service not counted; a dependency cycle
  counts each of its components once);
* ``support``: distinct components it needs, directly or not (itself not counted);
* ``spofs``: the components whose loss alone takes it down;
* ``index``: ``depth x log2(1 + support)``, how long the chain is times how many
  doublings of machinery it rests on.

Estate-wide: dependency ``cycles``, ``illusory`` redundancy, components ranked by
``blast_radius`` (services a single failure takes down), ``repeated`` structures
(containers whose contents are built alike, by Weisfeiler-Lehman hashes of their
subgraphs, at every zoom level: racks, rooms, sites...), and ``index``: the mean
service index, raised by up to half for the share of services that sit on a cycle
and up to half for the share behind redundancy that one failure defeats.

>>> from graphanalyzer.model import Component, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "feed": Component("feed", "power"),
...     "db": Component("db", "database", requires=("feed",)),
...     "app": Component("app", "service", requires=("db",)),
... }))
>>> complexity(g)["services"]["app"]
{'depth': 2, 'support': 2, 'spofs': ['feed', 'db'], 'index': 3.2}
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import networkx as nx
import numpy as np

from graphanalyzer.analysis import cones
from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import Node, internals, is_gate, kept_cone, sets_first
from graphanalyzer.model import Inventory
from graphanalyzer.workers import Shared, share

#: Containers with more components than this are not hashed for repetition (it would take long, and say little).
MAX_HASHED = 500
N = TypeVar("N", bound=Hashable)
#: Verdict bands of the overall index.
BANDS = ((20.0, "lean"), (45.0, "intricate"), (math.inf, "a Rube Goldberg machine"))

EXPLAIN = {
    "depth": "components on the longest chain of requirements below the service",
    "support": "distinct components the service needs, directly or not",
    "spofs": "components whose loss alone takes the service down",
    "index": "depth x log2(1 + support): how long the chain is times how many doublings of machinery it rests on",
    "cycles": "dependency cycles: they stay up only until something in them breaks, and cannot start cold",
    "illusory": "redundancy one failure defeats: the members share something",
    "blast_radius": "how many services one component takes down on its own",
    "repeated": "containers built alike (same shape of kinds and requirements): one fix, many places",
    "overall": "the mean service index, raised by up to half for the share of services on a dependency cycle "
    "and up to half for the share behind illusory redundancy",
}


def complexity(
    graph: nx.DiGraph[Node],
    found: dict[str, Any] | None = None,
    workers: int | None = None,
    apart: Callable[[], Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """The Rube Goldberg report's numbers: per service, estate-wide, and a verdict.

    ``found`` is the estate's ``spof`` result, when the caller has it already.
    ``workers``: the processes that share the work (:mod:`workers`); by default one
    per processor when the graph is large (:func:`workers.share`), else one.
    ``apart`` gives what :data:`APART` finds, in its order, when the caller has it found elsewhere.
    """
    inventory: Inventory = graph.graph["inventory"]
    services = inventory.services()
    if apart is None:  # they need nothing else: a worker finds them while this process finds SPOFs
        apart = Shared(lambda find: find(graph), APART, share(len(graph)) if workers is None else workers).results
    found = found or spof(graph)
    loops, patterns = apart()
    on_cycle = {m for cycle in loops for m in cycle}
    behind_illusion = {g["group_of"] for g in found["illusory_redundancy"]}
    per_service, (cycle, illusory) = _measured(graph, found, services, (on_cycle, behind_illusion))
    shares = {"cycle": cycle, "illusory": illusory}
    count = max(len(services), 1)
    mean = sum(s["index"] for s in per_service.values()) / count
    overall = round(mean * (1 + 0.5 * shares["cycle"] / count + 0.5 * shares["illusory"] / count), 1)
    result = {
        "inventory": inventory.name,
        "services": per_service,
        "cycles": sorted(rotated(cycle) for cycle in loops),
        "repeated": patterns,
        "illusory": found["illusory_redundancy"],
        "blast_radius": blast_radius(found),
        "index": overall,
    }
    result["verdict"] = verdict(result, shares)
    return result


def blast_radius(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The ten SPOFs of ``found`` (a ``spof`` result) that take down most services, most first.

    >>> blast_radius({"spofs": [{"component": "a", "kind": "power", "breaks": ["s"]},
    ...                         {"component": "b", "kind": "site", "breaks": ["s", "t"]}]})[0]
    {'component': 'b', 'kind': 'site', 'services': 2}
    """
    return sorted(
        ({"component": e["component"], "kind": e["kind"], "services": len(e["breaks"])} for e in found["spofs"]),
        key=lambda e: (-e["services"], e["component"]),
    )[:10]


def measures(graph: nx.DiGraph[Node], found: dict[str, Any], services: list[str]) -> dict[str, dict[str, Any]]:
    """``depth``, ``support``, ``spofs`` and ``index`` of these services (``found``: the ``spof`` result)."""
    return _measured(graph, found, services)[0]


def _measured(
    graph: nx.DiGraph[Node], found: dict[str, Any], services: list[str], marked: Sequence[set[str]] = ()
) -> tuple[dict[str, dict[str, Any]], list[int]]:
    """:func:`measures`, and for each set of components in ``marked``, how many services' cones meet it.

    The services' cones are read all at once (:mod:`graphanalyzer.analysis.cones`):
    one by one, they walked the same shared machinery again and again.
    """
    spofs: dict[str, list[str]] = {sid: [] for sid in services}
    for entry in found["spofs"]:
        for sid in entry["breaks"]:
            if sid in spofs:
                spofs[sid].append(entry["component"])
    inventory: Inventory = graph.graph["inventory"]
    reached = kept_cone(graph, services)
    sets = list(sets_first(graph, reached))
    depth = _depths(graph, sets)
    order = tuple(inventory.components)  # as the audit reads them: a review finds them once (:func:`cones.kept`)
    masks = [np.array([node in chosen for node in order], dtype=np.bool_) for chosen in marked]
    meeting = [0] * len(masks)
    per_service: dict[str, Any] = {}
    for sid, rows in zip(services, cones.kept(graph, services, order, sets), strict=True):
        support = len(rows) - 1
        chain = depth[sid] - 1
        per_service[sid] = {
            "depth": chain,
            "support": support,
            "spofs": spofs[sid],
            "index": round(chain * math.log2(1 + support), 1),
        }
        for n, mask in enumerate(masks):
            meeting[n] += bool(mask[rows].any())
    return per_service, meeting


def _depths(graph: nx.DiGraph[Node], sets: Sequence[set[Node]]) -> dict[Node, int]:
    """For every node of a cone (its strongly connected ``sets``, requirements first), the components on
    the longest requirement chain from it down (itself included)."""
    _, succ, _ = internals(graph)
    depth: dict[Node, int] = {}
    for members in sets:
        below = max((depth[r] for m in members for r in succ[m] if r not in members), default=0)
        weight = sum(not is_gate(m) for m in members)
        for member in members:
            depth[member] = below + weight
    return depth


def repeated(graph: nx.DiGraph[Node]) -> list[dict[str, Any]]:
    """Containers whose contents have the same structure, largest first: ``{kind, size, instances}``."""
    inventory: Inventory = graph.graph["inventory"]
    nodes, succ, _ = internals(graph)
    contents: dict[str, list[str]] = {}
    for cid, component in inventory.components.items():
        if component.container is not None:
            contents.setdefault(component.container, []).append(cid)
    groups: dict[tuple[str, str], list[str]] = {}
    sizes: dict[tuple[str, str], int] = {}
    digests: dict[tuple[tuple[str, ...], tuple[tuple[int, int], ...]], str] = {}
    for container in contents:
        inside = [container]
        for cid in inside:  # grows as it goes: everything inside, transitively
            inside.extend(contents.get(cid, ()))
            if len(inside) > MAX_HASHED:
                break
        if len(inside) > MAX_HASHED:
            continue
        # Numbered in a fixed order (the contents as declared, then their groups): containers
        # declared alike read the same, and their hash is computed once.
        keep = inside + [n for m in inside for n in succ[m] if is_gate(n)]
        number = {node: n for n, node in enumerate(keep)}
        labels = ["*"]
        for node in keep[1:]:
            gate = nodes[node].get("gate")
            labels.append(nodes[node]["component"].kind if gate is None else f"{gate.at_least} of {len(gate.members)}")
        edges = tuple((number[u], number[v]) for u in keep for v in succ[u] if v in number)
        shape = (tuple(labels), edges)
        digest = digests.get(shape)
        if digest is None:
            digest = digests[shape] = wl_hash(dict(enumerate(labels)), list(edges))
        key = (inventory.components[container].kind, digest)
        groups.setdefault(key, []).append(container)
        sizes[key] = len(inside)
    return alike(groups, sizes)


#: What the numbers need beside the SPOFs, found from the graph alone: its cycles and repeated patterns.
APART: tuple[Callable[[nx.DiGraph[Node]], Any], ...] = (cycles, repeated)


def alike(groups: dict[tuple[str, str], list[str]], sizes: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """:func:`repeated`'s result from containers grouped by ``(kind, hash)`` and each group's size.

    >>> alike({("rack", "h1"): ["r2", "r1"], ("rack", "h2"): ["r3"]}, {("rack", "h1"): 4, ("rack", "h2"): 9})
    [{'kind': 'rack', 'size': 4, 'instances': ['r1', 'r2']}]
    """
    found = [
        {"kind": kind, "size": sizes[(kind, digest)], "instances": sorted(instances)}
        for (kind, digest), instances in groups.items()
        if len(instances) >= 2
    ]
    return sorted(found, key=lambda g: (-g["size"] * len(g["instances"]), g["kind"], g["instances"][0]))


def wl_hash(labels: dict[N, str], edges: list[tuple[N, N]], iterations: int = 2) -> str:
    """The Weisfeiler-Lehman hash of a directed graph with labelled nodes, computed as NetworkX does.

    ``nx.weisfeiler_lehman_graph_hash(G, node_attr="label", iterations=2)`` gives the same
    digest (a test checks it); building a DiGraph for each of thousands of racks cost more
    than the hashing.
    """
    ahead: dict[N, list[N]] = {node: [] for node in labels}
    behind: dict[N, list[N]] = {node: [] for node in labels}
    for u, v in edges:
        ahead[u].append(v)
        behind[v].append(u)
    counts: list[tuple[str, int]] = []
    for _ in range(iterations):
        labels = {
            node: _digest(
                label
                + "".join(sorted("s_" + labels[n] for n in ahead[node]))
                + "".join(sorted("p_" + labels[n] for n in behind[node]))
            )
            for node, label in labels.items()
        }
        counts.extend(sorted(Counter(labels.values()).items()))
    return _digest(str(tuple(counts)))


@functools.lru_cache(maxsize=65536)  # racks built alike hash the same labels again and again
def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def verdict(result: dict[str, Any], shares: dict[str, int]) -> str:
    """The overall index in plain words, naming what drives it."""
    name = next(label for bound, label in BANDS if result["index"] < bound)
    services = result["services"]
    if not services:
        return f"{name[0].upper()}{name[1:]}: no services to judge."
    worst = max(services, key=lambda sid: (services[sid]["index"], sid))
    w = services[worst]
    drivers = [
        f"{worst} sits {_many(w['depth'], 'component')} deep on {_many(w['support'], 'component')} (index {w['index']})"
    ]
    if result["cycles"]:
        drivers.append(
            f"{shares['cycle']} of {_many(len(services), 'service')} rest on "
            f"{_many(len(result['cycles']), 'dependency cycle')}"
        )
    if result["illusory"]:
        drivers.append(
            f"{shares['illusory']} of {_many(len(services), 'service')} {'is' if shares['illusory'] == 1 else 'are'} "
            "behind "
            f"{_many(len(result['illusory']), 'redundancy group')} that one failure defeats"
        )
    if result["blast_radius"]:
        top = result["blast_radius"][0]
        drivers.append(f"{top['component']} alone takes down {top['services']} of {_many(len(services), 'service')}")
    return f"{name[0].upper()}{name[1:]} (index {result['index']}): " + "; ".join(drivers) + "."


def _many(n: int, thing: str) -> str:
    return f"{n} {thing}" + ("" if n == 1 else "s")


def rotated(cycle: list[str]) -> list[str]:
    """A cycle starting at its smallest id, so that it reads the same whatever the declaration order."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]
