"""The audit: a verdict per service against its SLO, a ranked risk register, and verified fixes.

For every target the audit gives its predicted availability, whether it meets its
``slo``, the expected downtime per year, and the components (and pairs of them)
that carry most of its unavailability.  Availability is exact where the target's
cone allows a small binary decision diagram (:func:`exact.unavailability`, one
diagram per cone); otherwise it is a *bound* from the minimal cut sets of up to
three components, as fault-tree tools compute it: ``1 - prod(1 - P(C))`` over the
cut sets ``C``, with an error that covers both the approximation (the gap to the
second Bonferroni bound) and every failure of four or more components of the cone
(the chance that four or more fail at all, single points of failure left out), so
the exact value lies within ``error`` of the figure.

Risks are findings of the engine (:func:`spof.spof`, :func:`capacity.headroom`):
a single point of failure, redundancy one failure defeats, a group whose demand
survives no failure, a service missing its SLO.  Each comes with a proposed
change from a small vocabulary — move a member of a group to a failure domain its
siblings do not share, add a peer in another domain, add capacity — and every
change is applied to a copy of the design and analysed again by the same engine:
the risk register reports the measured gain, and a change that does not remove
its finding is never proposed.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "feed-a": Component("feed-a", "power"), "feed-b": Component("feed-b", "power"),
...     "pdu-1": Component("pdu-1", "power", requires=("feed-a",)),
...     "pdu-2": Component("pdu-2", "power", requires=("feed-a",)),
...     "app": Component("app", "service", requires=(Group(("pdu-1", "pdu-2")),), slo=0.9995),
... }))
>>> result = audit(g)
>>> app = result["services"]["app"]
>>> app["method"], round(app["availability"], 6), app["meets_slo"]
('exact', 0.998, False)
>>> risk = next(r for r in result["risks"] if r["kind"] == "illusory")
>>> risk["kind"], risk["components"], risk["fix"]["description"]
('illusory', ['feed-a'], 'make pdu-2 depend on feed-b instead of feed-a')
>>> risk["fix"]["gain"]["spofs_removed"], [round(a, 6) for a in risk["fix"]["gain"]["availability"]["app"]]
(['feed-a'], [0.998, 0.998996])
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import Any

import networkx as nx
import numpy as np

from graphanalyzer import cache
from graphanalyzer.analysis import capacity, cones, exact, spof
from graphanalyzer.analysis.cutcodes import ORDER, Coding, cut_set_codes
from graphanalyzer.analysis.cutsets import single_failures
from graphanalyzer.analysis.diff import singles_again
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.bulk import paused_gc
from graphanalyzer.dump import component_fields, scalar
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, build, check_ids, cone, kept_cone, kept_on, needing, with_groups, within
from graphanalyzer.model import SECTIONS, Component, Group, Inventory, Requirement, number
from graphanalyzer.workers import Shared, each, share

MINUTES_PER_YEAR = 365.25 * 24 * 60
#: Cones with at most this many components get an exact diagram ...
EXACT_COMPONENTS = 80
#: ... unless it grows past this many nodes; then the cut-set bound is used.
EXACT_NODES = 40_000
#: Cut sets of up to this many components make the bound.
BOUND_ORDER = ORDER  # as many as a code holds (:mod:`cutcodes`)
#: Contributors listed per service.
CONTRIBUTORS = 5
#: Overlapping pairs of cut sets the bound's lower end visits at most (the likeliest cut sets are taken first).
MOST_OVERLAPS = 5_000
#: A move fix moves members of at most this many groups (a culprit that defeats more needs another fix).
MOST_GROUPS = 12
#: Components the fixes of one audit may add (peers), coded beside those of the design.
ROOM = 1024
#: The slices of the targets each process of an audit takes its verdicts in, one at a time as it comes free: the
#: finer, the less one waits for another at the end.
PARTS = 8
#: An audit whose targets' cones hold this many components in all (counted once per target) shares its work.
SHARED_FROM = 10_000
#: Kinds a fix may add a peer of, or a second one to need: interchangeable infrastructure.
INTERCHANGEABLE = frozenset({"power", "carrier", "switch", "router", "loadbalancer", "dns", "host", "vm"})


@dataclass(frozen=True)
class Fix:
    """A proposed change: components replaced or added, in words and as YAML to paste."""

    description: str
    changes: tuple[Component, ...]

    def apply(self, inventory: Inventory) -> Inventory:
        """The inventory with the change made (a new one: the input is never touched)."""
        components = dict(inventory.components)
        for component in self.changes:
            components[component.id] = component
        return replace(inventory, components=components, origins={}, warnings=())

    def patch(self, inventory: Inventory) -> str:
        """The YAML the change adds or edits, under the sections it belongs in."""
        sections = {kind: section for section, kind in SECTIONS.items()}
        by_section: dict[str, list[str]] = {}
        for component in self.changes:
            verb = "edit" if component.id in inventory.components else "add"
            section = sections.get(component.kind, "components")
            fields = component_fields(component, with_kind=section == "components")
            by_section.setdefault(section, []).append(f"  {scalar(component.id)}: {fields}  # {verb}")
        return "".join(f"{section}:\n" + "\n".join(lines) + "\n" for section, lines in by_section.items())


@dataclass(frozen=True)
class Audit:
    """An audit's JSON result, and the verified fix of each risk by id (for ``--apply``)."""

    result: dict[str, Any]
    fixes: dict[str, Fix]

    def apply(self, inventory: Inventory, ids: Sequence[str]) -> Inventory:
        """The inventory with the fixes of risks ``ids`` (``R1``...) applied, in that order."""
        risks = [r["id"] for r in self.result["risks"]]
        for rid in ids:
            if rid not in risks:
                raise UsageError(f"no risk {rid!r} in this audit (risks: {', '.join(risks) or 'none'})")
            if rid not in self.fixes:
                raise UsageError(f"{rid} has no verified fix to apply")
            inventory = self.fixes[rid].apply(inventory)
        return inventory

    def first(self, top: int) -> Audit:
        """This audit with its ``top`` costliest risks only (all of them for 0), as an audit of ``top`` is."""
        risks = self.result["risks"][: top or None]
        ids = {r["id"] for r in risks}
        fixes = {rid: fix for rid, fix in self.fixes.items() if rid in ids}
        return Audit({**self.result, "risks": risks}, fixes)


def audit(graph: nx.DiGraph[Node], targets: Iterable[str] | None = None, top: int = 10) -> dict[str, Any]:
    """The verdict per target (services by default) and the ``top`` risks with verified fixes."""
    return run(graph, targets, top).result


def kept(graph: nx.DiGraph[Node], targets: Sequence[str] | None = None, top: int = 10) -> Audit | None:
    """The audit of these targets kept beside the inventory's cache entry (:func:`remembered`), if one
    with at least ``top`` risks was kept: risks are ranked before their fixes are sought, so its first
    ``top`` are those an audit of ``top`` finds.  None when there is none."""
    note = cache.noted(graph, "audit")
    if note is None:
        return None
    targets_kept, top_kept, done = note
    if targets_kept != (tuple(targets) if targets else None):
        return None
    if top_kept and (not top or top > top_kept) and done.result["risks_found"] > top_kept:
        return None
    first: Audit = done.first(top)
    return first


def remembered(graph: nx.DiGraph[Node], targets: Sequence[str] | None = None, top: int = 10) -> Audit:
    """:func:`run`, answered by the audit kept beside the inventory's cache entry when there is one
    (:func:`kept`); else run, and kept there (an unchanged design is audited once: ``audit``,
    ``audit --apply`` and ``report`` share it).  Like every note, it is valid exactly as long as the
    entry: the same files, and the same graphanalyzer."""
    done = kept(graph, targets, top)
    if done is None:
        done = run(graph, targets, top)
        cache.keep_noted(graph, "audit", (tuple(targets) if targets else None, top, done))
    return done


def run(
    graph: nx.DiGraph[Node], targets: Iterable[str] | None = None, top: int = 10, workers: int | None = None
) -> Audit:
    """:func:`audit`, keeping each proposed :class:`Fix` for ``--apply``.

    ``workers``: the processes that share the work (:mod:`workers`); by default one
    per processor when the targets' cones hold :data:`SHARED_FROM` components in all,
    else one.  The result does not depend on it."""
    inventory: Inventory = graph.graph["inventory"]
    chosen = check_ids(graph, targets) if targets else inventory.services()
    if not chosen:
        raise UsageError("the inventory has no services: name targets with --service")
    codes = Codes.of(_chances(inventory), room=ROOM)
    positions = _cones(graph, chosen, codes)
    if workers is None:
        workers = share(sum(map(len, positions.values())), SHARED_FROM)
    # Exact diagrams need no cut sets, nor do the SPOFs and the capacity headroom: workers work them out while
    # this process finds the cut sets.  These are found in halves, smaller cones (needed by larger ones) first,
    # and workers give the first half its verdicts by the bound while this process finds the second's, then join.
    small = _small(chosen, positions)
    jobs: list[Callable[[], Any]] = [partial(exact.unavailabilities, graph, small, EXACT_NODES)]
    jobs.append(partial(_spofs, graph, chosen))
    drawn: Shared[Callable[[], Any], Any] = Shared(lambda job: job(), jobs, workers)
    tried = set(small)
    families: dict[Node, np.ndarray] = {}
    bounded = []
    for half in _halves(chosen, positions) if workers > 1 else [chosen]:
        families = cut_set_codes(graph, half, codes.coding, known=families)
        large = [t for t in half if t not in tried]
        some = partial(verdicts, graph, families=families, codes=codes, positions=positions, found={})
        parts = min(PARTS * workers, len(large))
        bounded.append(Shared(some, [large[k::parts] for k in range(parts)], workers))
    services = {t: v for shared in bounded for part in shared.results() for t, v in part.items()}
    *diagrams, (every, single, room) = drawn.results()
    found_exactly = {t: q for one in diagrams for t, q in one.items()}
    services.update(verdicts(graph, small, families, codes, positions, found_exactly))
    services = {t: services[t] for t in chosen}
    every = _singles(graph, every)  # kept for the fixes (in every worker they fork)
    breaks = {entry["component"]: set(entry["breaks"]) for entry in single["spofs"]}
    found = findings(graph, single, services, room)
    before = Before(services, breaks, families, codes, every)
    risks, fixes = [], {}
    ranked = found[: top or None]
    proposals = each(lambda finding: propose(graph, finding, before), ranked, workers)
    for rank, (finding, proposed) in enumerate(zip(ranked, proposals, strict=True), 1):
        rid = f"R{rank}"
        if proposed is not None:
            fixes[rid] = proposed[1]
        risks.append({"id": rid, **finding, "fix": None if proposed is None else proposed[0]})
    unaccepted = sorted(
        {c for f in found if f["kind"] in ("spof", "illusory") and not f["accepted"] for c in f["components"]}
    )
    result = {
        "inventory": inventory.name,
        "services": services,
        "risks": risks,
        "risks_found": len(found),
        "unaccepted_spofs": unaccepted,
        "releases": releases(graph),
    }
    return Audit(result, fixes)


def releases(graph: nx.DiGraph[Node]) -> list[dict[str, Any]]:
    """The release risks of the inventory's distributions (:func:`distribute.release_risks`), as D1, D2...

    Each says the time a release takes today and with its fix, both computed by
    the fan-out model on the design (with the scheme changed, or one more source).
    """
    inventory: Inventory = graph.graph["inventory"]
    if not inventory.distributions:
        return []
    from graphanalyzer.analysis.distribute import release_risks
    from graphanalyzer.units import duration_text

    found = []
    for n, risk in enumerate(release_risks(inventory, graph), 1):
        today = f"{risk.scheme}, {duration_text(risk.seconds)}"
        name = f"distribution {risk.distribution}"
        if risk.risk == "misses its window":
            finding = f"{name} misses its {duration_text(risk.window_seconds or 0)} window ({today})"
        elif risk.risk == "slow central fetch":
            finding = f"{name} is fetched centrally through {risk.bottleneck} ({today})"
        else:
            more = len(risk.stopped_by) - 4
            some = ", ".join(risk.stopped_by[:4]) + (f" and {more} more" if more > 0 else "")
            finding = f"losing any one of {some} stops {name}"
        patch = None
        if risk.fix.startswith("distribute peer to peer"):
            patch = f"distributions:\n  {scalar(risk.distribution)}: {{scheme: swarm}}  # edit\n"
        found.append(
            {
                "id": f"D{n}",
                "kind": "release",
                "risk": risk.risk,
                "distribution": risk.distribution,
                "finding": finding,
                "components": list(risk.stopped_by if risk.source_is_spof else (risk.bottleneck,)),
                "fix": {
                    "description": risk.fix,
                    "patch": patch,
                    "gain": {"release_seconds": [risk.seconds, risk.fix_seconds]},
                },
            }
        )
    return found


# ---------------------------------------------------------------------------------------------
# Verdicts


def verdicts(
    graph: nx.DiGraph[Node],
    targets: Sequence[str],
    families: Mapping[Node, np.ndarray],
    codes: Codes,
    positions: Mapping[str, np.ndarray],
    found: Mapping[str, float],
) -> dict[str, dict[str, Any]]:
    """:func:`verdict` of each target: exact where ``found`` (:func:`exact.unavailabilities`) has it, else
    the bound.

    ``families``: :func:`cutcodes.cut_set_codes` of the graph in ``codes``; ``positions``: the targets'
    cones in them (:func:`_cones`)."""
    return {t: verdict(graph, t, codes.cuts(families[t], positions[t]), found.get(t)) for t in targets}


def _halves(targets: Sequence[str], positions: Mapping[str, np.ndarray]) -> list[list[str]]:
    """The targets in two halves of about as many cone components each, smaller cones first (a target needs
    only targets whose cones are smaller, or of its size when they lie on one cycle)."""
    ordered = sorted(targets, key=lambda t: len(positions[t]))
    sizes = np.cumsum([len(positions[t]) for t in ordered])
    middle = int(np.searchsorted(sizes, sizes[-1] / 2)) + 1
    return [half for half in (ordered[:middle], ordered[middle:]) if half]


def availabilities(
    graph: nx.DiGraph[Node],
    targets: Sequence[str],
    families: Mapping[Node, np.ndarray],
    codes: Codes,
) -> dict[str, float]:
    """The availability :func:`verdicts` gives each target, alone (no error, downtime or contributors).

    Only whether a cone is small is asked of it (:func:`graph.within`): the figure of the bound needs none."""
    found = exact.unavailabilities(graph, [t for t in targets if within(graph, t, EXACT_COMPONENTS)], EXACT_NODES)
    figures = {t: _figure(codes.chances(codes.coding.decode(families[t]))) for t in targets if t not in found}
    return {t: 1 - found[t] if t in found else 1 - figures[t] for t in targets}


def _small(targets: Sequence[str], positions: Mapping[str, np.ndarray]) -> list[str]:
    """The targets whose cone is small enough for an exact diagram to be tried."""
    return [t for t in targets if len(positions[t]) <= EXACT_COMPONENTS]


def _cones(graph: nx.DiGraph[Node], targets: Sequence[str], codes: Codes) -> dict[str, np.ndarray]:
    """The positions (in ``codes``) of the components of each target's cone (kept on the graph: :func:`cones.kept`)."""
    return dict(zip(targets, cones.kept(graph, targets, codes.coding.ids), strict=True))


def prepare(graph: nx.DiGraph[Node]) -> dict[Node, frozenset[str]]:
    """Work out what an audit of the services reads first, and the rest of a review reads too, keeping it on
    the graph: the single failures of every node (:func:`_singles`) and the services' cones (:func:`_cones`,
    in the inventory's order).  A worker forked afterwards finds them there.  The single failures of the
    services (:func:`singles_of`) are returned.

    The single failures come first: they find the whole graph's strongly connected sets, which the cones
    then read (:func:`graph.sets_first`).  What is built here stays for the whole review: the collector is
    paused while it is built, and it is frozen after (:func:`bulk.paused_gc`).
    """
    inventory: Inventory = graph.graph["inventory"]
    services = inventory.services()
    with paused_gc():
        _singles(graph)
        cones.kept(graph, services, tuple(inventory.components))
        return singles_of(graph, services)


def _chances(inventory: Inventory) -> dict[str, float]:
    return {cid: 1 - c.availability for cid, c in inventory.components.items()}


def verdict(graph: nx.DiGraph[Node], target: str, cuts: Cuts, unavailable: float | None = None) -> dict[str, Any]:
    """One target's availability (exact when ``unavailable`` is given, else the bound), SLO, downtime, contributors."""
    inventory: Inventory = graph.graph["inventory"]
    method, error = "exact", 0.0
    if unavailable is None:
        unavailable, error = bound(cuts, BOUND_ORDER)
        method = "bound"
    availability = 1 - unavailable
    slo = inventory.components[target].slo
    return {
        "availability": availability,
        "method": method,
        "error": error,
        "slo": slo,
        "meets_slo": None if slo is None else availability >= slo,
        "downtime_minutes_per_year": unavailable * MINUTES_PER_YEAR,
        "contributors": contributors(graph, cuts, unavailable),
    }


@dataclass(frozen=True)
class Cuts:
    """A family of cut sets as codes (:mod:`cutcodes`) and a table of component positions, and the chance
    of each set.

    ``table`` has a row per set (in ``codes`` order) of positions into ``q``, the
    chance each component fails; short rows are padded with the last position,
    whose chance is 1.  ``cone``: the positions of the components of the target's
    cone, ascending; ``ids``: the components by position; ``ranks``: each
    position's place among the ids sorted, -1 at the padding (so that a set's
    ranks, sorted and padded, compare as its ids do); ``grouped``: the table's
    entries by component (:func:`_by_component`), when they are known already.

    >>> cuts = Cuts.of([frozenset("ab"), frozenset("c")], {"a": 0.1, "b": 0.2, "c": 0.5})
    >>> cuts.table.tolist(), [round(p, 12) for p in cuts.chances.tolist()], cuts.ids_of(0)
    ([[0, 1, 3], [2, 3, 3]], [0.02, 0.5], ['a', 'b'])
    """

    codes: np.ndarray
    table: np.ndarray
    q: np.ndarray
    chances: np.ndarray
    cone: np.ndarray
    ids: tuple[str, ...]
    ranks: np.ndarray
    grouped: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, family: Iterable[frozenset[str]], q: Mapping[str, float]) -> Cuts:
        """The table of ``family`` over the components of ``q``, all of them the cone."""
        codes = Codes.of(q)
        return codes.cuts(codes.coding.encode(family))

    @cached_property
    def by_chance(self) -> np.ndarray:
        """The rows, likeliest first (ties in row order)."""
        return np.argsort(-self.chances, kind="stable")

    def ids_of(self, row: int) -> list[str]:
        """The ids of one set, sorted."""
        pad = len(self.q) - 1
        return sorted(self.ids[p] for p in self.table[row].tolist() if p != pad)

    def likeliest(self, overlaps: int) -> Cuts:
        """The likeliest sets, as many as share components in at most ``overlaps`` pairs (counted per component).

        >>> cuts = Cuts.of([frozenset("ab"), frozenset("bc"), frozenset("c")], {"a": 0.1, "b": 0.2, "c": 0.5})
        >>> one = cuts.likeliest(1)
        >>> [one.ids_of(i) for i in range(len(one.codes))], len(cuts.likeliest(0).codes), len(cuts.likeliest(2).codes)
        ([['c'], ['b', 'c']], 1, 3)
        """
        order = self.by_chance
        prefix = 1024  # the pairs of a prefix are counted in it alone: grow it until they pass ``overlaps``
        while True:
            head = self.table[order[:prefix]]
            entries, _, earlier = _by_component(head, len(self.q) - 1)
            before = np.zeros(head.size, dtype=np.int64)  # for each entry: likelier sets holding its component
            before[entries] = earlier
            pairs = np.cumsum(before.reshape(head.shape).sum(axis=1))
            if prefix >= len(order) or (len(pairs) and pairs[-1] > overlaps):
                break
            prefix *= 2
        kept = int(np.searchsorted(pairs, overlaps, side="right"))
        chosen = order[:kept]
        # The entries of the first rows, still by component and in row order: each as many after its first.
        inside = entries < kept * head.shape[1]
        entries, earlier = entries[inside], earlier[inside]
        grouped = entries, np.arange(len(entries)) - earlier, earlier
        return replace(self, codes=self.codes[chosen], table=head[:kept], chances=self.chances[chosen], grouped=grouped)


@dataclass(frozen=True)
class Codes:
    """A design's components coded (:class:`cutcodes.Coding`, with room for components fixes add) and the
    chance each fails, by position (``q``; 1 at the padding, so that a set's chance is its row's product).

    >>> codes = Codes.of({"a": 0.1, "b": 0.2, "c": 0.5})
    >>> codes.cuts(codes.coding.encode([frozenset("c")]), np.array([2])).table.tolist()
    [[2, 3, 3]]
    >>> roomy = Codes.of({"a": 0.1, "b": 0.2}, room=1)
    >>> more = roomy.extended({"a": 0.1, "d": 0.3})
    >>> more.coding.position["d"], more.q.tolist(), roomy.extended({"a": 0.1}) is roomy, roomy.extended("cde")
    (2, [0.1, 0.2, 0.3, 1.0], True, None)
    """

    coding: Coding
    q: np.ndarray

    @classmethod
    def of(cls, q: Mapping[str, float], room: int = 0) -> Codes:
        coding = Coding.of(q, room)
        chances = np.ones(coding.pad + 1)
        chances[: len(q)] = np.fromiter(q.values(), dtype=float, count=len(q))
        return cls(coding, chances)

    def extended(self, q: Mapping[str, float]) -> Codes | None:
        """Codes for a changed design with the components of ``q`` (chance of failure by id): those these
        know keep their codes (so cut sets worked out before keep their meaning); None when the components
        they do not know do not fit in their room."""
        coding = self.coding.extended(q)
        if coding is None:
            return None
        at = np.fromiter(map(coding.position.__getitem__, q), dtype=np.int64, count=len(q))
        given = np.fromiter(q.values(), dtype=float, count=len(q))
        if coding is self.coding and np.array_equal(self.q[at], given):
            return self
        chances = self.q.copy()
        chances[at] = given
        return Codes(coding, chances)

    def cuts(self, codes: np.ndarray, cone: np.ndarray | None = None) -> Cuts:
        """The :class:`Cuts` of a family of codes; ``cone``: the positions of the target's cone (all by default)."""
        table = self.coding.decode(codes)
        ids = self.coding.ids
        chances = self.chances(table)
        return Cuts(codes, table, self.q, chances, np.arange(len(ids)) if cone is None else cone, ids, self.ranks)

    def chances(self, table: np.ndarray) -> np.ndarray:
        """The chance of each set of a family, by its table of positions (:meth:`Coding.decode`)."""
        chances: np.ndarray = math.prod(self.q[column] for column in table.T)  # a row's product, column by column
        return chances

    @cached_property
    def ranks(self) -> np.ndarray:
        """Each position's place among the ids sorted (:attr:`Cuts.ranks`)."""
        ids = self.coding.ids
        ranks = np.full(len(self.q), -1, dtype=np.int64)
        ranks[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
        return ranks


def bound(cuts: Cuts, order: int) -> tuple[float, float]:
    """Unavailability from the minimal cut sets of up to ``order`` components, and its error.

    The figure is the min-cut upper bound ``1 - prod(1 - P(C))``.  The exact value
    lies above the second Bonferroni bound of the likeliest of those cut sets (as
    many as :data:`MOST_OVERLAPS` overlapping pairs allow; any subfamily gives a
    lower bound), or that of a family of disjoint ones when it is higher, and below
    the figure plus the chance that more than ``order`` components of the cone
    fail that are not single points of failure, which every larger minimal cut set
    needs (a minimal cut set holds no smaller one).

    >>> q = {"a": 0.01, "b": 0.01, "s": 0.001}
    >>> bound(Cuts.of([frozenset("s"), frozenset("ab")], q), 2)  # sets sharing no component: exact
    (0.0010999, 0.0)
    >>> [round(x, 12) for x in bound(Cuts.of([frozenset("s")], q), 1)]  # {a, b} is left to the error
    [0.001, 0.0001]
    """
    figure = _figure(cuts.chances)
    likeliest = cuts.likeliest(MOST_OVERLAPS)
    lower = max(_disjoint(cuts), float(likeliest.chances.sum()) - _pairs(likeliest))
    singles = cuts.table[cuts.table[:, 1] == len(cuts.q) - 1, 0]  # rows of one position, then padding
    outside = np.ones(len(cuts.q), dtype=bool)
    outside[singles] = False
    beyond = cuts.cone[outside[cuts.cone]]
    return figure, max(0.0, figure - lower) + _more_than(order, cuts.q[beyond])


def _figure(chances: np.ndarray) -> float:
    """The min-cut upper bound ``1 - prod(1 - P(C))`` of cut sets of these chances."""
    return -math.expm1(float(np.log1p(-chances).sum())) if len(chances) else 0.0


def _disjoint(cuts: Cuts) -> float:
    """A lower bound: the chance that any of a family of cut sets sharing no component happens.

    Such cut sets fail independently, and each takes the target down; the family
    is chosen greedily, likeliest first.  The sets are visited in blocks, each
    block's sets that hold a component already used dropped at once: only the
    others are looked at one by one.

    >>> q = {"a": 0.5, "b": 0.2, "c": 0.25, "d": 0.2}
    >>> round(_disjoint(Cuts.of([frozenset("ab"), frozenset("bc"), frozenset("d")], q)), 12)
    0.28
    """
    order = cuts.by_chance
    pad = len(cuts.q) - 1
    used = bytearray(len(cuts.q))
    taken = np.frombuffer(used, dtype=bool)  # the same bytes, for a block at once
    kept, start, size = 1.0, 0, 32
    while start < len(order):
        block = order[start : start + size]
        held = taken[cuts.table[block]]
        rows = block[~(held[:, 0] | held[:, 1] | held[:, 2])]
        for (a, b, c), chance in zip(cuts.table[rows].tolist(), cuts.chances[rows].tolist(), strict=True):
            if not (used[a] or used[b] or used[c]):
                used[a] = used[b] = used[c] = 1
                used[pad] = 0
                kept *= 1 - chance
        start, size = start + size, min(2 * size, 4096)
    return 1 - kept


def _pairs(cuts: Cuts) -> float:
    """The sum over pairs of cut sets of the chance both happen.

    Disjoint pairs are independent: their sum is ``(sum P)^2 - sum P^2`` halved.
    Pairs that share components are found through the table sorted by component,
    each once, and corrected from ``P(Ci) P(Cj)`` to ``P(Ci | Cj)``: ``P(Ci)``
    times the chances of the components of ``Cj`` not in ``Ci``.

    >>> q = {"a": 0.1, "b": 0.2, "c": 0.5}
    >>> sets = [frozenset("ab"), frozenset("bc"), frozenset("c")]
    >>> slow = sum(math.prod(q[c] for c in sets[i] | sets[j]) for i in range(3) for j in range(i + 1, 3))
    >>> abs(_pairs(Cuts.of(sets, q)) - slow) < 1e-15
    True
    """
    table, chance, pad = cuts.table, cuts.chances, len(cuts.q) - 1
    total = float(chance.sum())
    pairs = (total * total - float((chance * chance).sum())) / 2
    entries, first, earlier = cuts.grouped or _by_component(table, pad)
    rows = entries // table.shape[1]
    later = np.repeat(np.arange(len(entries)), earlier)  # each entry, once per earlier one
    if not len(later):
        return pairs
    back = np.arange(len(later)) - np.repeat(np.cumsum(earlier) - earlier, earlier)
    firsts, seconds = rows[first[later] + back], rows[later]
    n = len(table)
    key = np.sort(np.minimum(firsts, seconds) * n + np.maximum(firsts, seconds))
    key = key[_changes(key)]  # each pair once
    one, other = key // n, key % n
    a = [column[one] for column in table.T]
    # a component of b's in a counts once (padding matches padding: a factor of 1 either way)
    factors = []
    for column in table.T:  # per column of b: which hold a component of a's, and the others' chances
        b = column[other]
        factors.append(np.where((b == a[0]) | (b == a[1]) | (b == a[2]), 1.0, cuts.q[b]))
    union = chance[one] * math.prod(factors)
    return pairs + float((union - chance[one] * chance[other]).sum())


def _by_component(table: np.ndarray, pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A table's entries (flat positions, padding left out) by component, in row order within one, with
    where each entry's component starts among them and how many entries of it come before.

    >>> entries, first, earlier = _by_component(np.array([[0, 1], [1, 2]]), 2)
    >>> entries.tolist(), first.tolist(), earlier.tolist()
    ([0, 1, 2], [0, 1, 1], [0, 0, 1])
    """
    flat = table.ravel()
    entries = np.flatnonzero(flat != pad)
    # By component, then entry: as keys each once, which a plain sort orders as a stable one would (and faster).
    members, entries = np.divmod(np.sort(flat[entries] * flat.size + entries), flat.size)
    starts = np.flatnonzero(_changes(members))
    first = np.repeat(starts, np.diff(np.append(starts, len(members))))
    return entries, first, np.arange(len(entries)) - first


def _changes(values: np.ndarray) -> np.ndarray:
    """Where a sorted array's value differs from the one before it (always at the first).

    >>> _changes(np.array([1, 1, 2, 5, 5])).tolist()
    [True, False, True, True, False]
    """
    changed = np.empty(len(values), dtype=bool)
    changed[:1] = True
    np.not_equal(values[1:], values[:-1], out=changed[1:])
    return changed


def _more_than(k: int, chances: np.ndarray) -> float:
    """The chance that more than ``k`` of independent events happen (the Poisson-binomial tail).

    At most ``k`` happen with chance ``prod(1 - p) * (e_0 + ... + e_k)``, where
    ``e_j`` is the ``j``-th elementary symmetric sum of the odds ``p / (1 - p)``,
    found from their power sums (Newton's identities); the tail is taken through
    logarithms, so that it is not one minus a number near one.

    >>> p = [0.1, 0.2, 0.3]
    >>> two_or_more = ({0, 1}, {0, 2}, {1, 2}, {0, 1, 2})
    >>> slow = sum(math.prod(p[i] if i in s else 1 - p[i] for i in range(3)) for s in two_or_more)
    >>> abs(_more_than(1, np.array(p)) - slow) < 1e-15
    True
    """
    if len(chances) <= k:
        return 0.0
    odds = chances / (1 - chances)
    powers = [float((odds**m).sum()) for m in range(1, k + 1)]
    sums = [1.0]  # e_0, e_1, ...
    for j in range(1, k + 1):
        sums.append(sum((-1) ** (i - 1) * sums[j - i] * powers[i - 1] for i in range(1, j + 1)) / j)
    return max(0.0, -math.expm1(float(np.log1p(-chances).sum()) + math.log1p(sum(sums[1:]))))


def contributors(graph: nx.DiGraph[Node], cuts: Cuts, unavailable: float) -> list[dict[str, Any]]:
    """The cut sets of one or two components that carry most of the unavailability, as shares (sum <= 1)."""
    inventory: Inventory = graph.graph["inventory"]
    small = np.flatnonzero(cuts.table[:, 2] == len(cuts.q) - 1)  # rows of at most two, then padding
    if len(small) > CONTRIBUTORS:  # the likeliest, ties at the last place included: only they can be listed
        likely = cuts.chances[small]
        small = small[likely >= np.partition(likely, len(likely) - CONTRIBUTORS)[len(likely) - CONTRIBUTORS]]
    total = max(unavailable, float(cuts.chances.sum()))
    # Likeliest first, then by ids: the ranks of a set's ids in order, -1 for none (a set of one), compare as they do.
    one, other = cuts.ranks[cuts.table[small, 0]], cuts.ranks[cuts.table[small, 1]]  # other: -1 at the padding
    first = np.where(other < 0, one, np.minimum(one, other))
    second = np.where(other < 0, -1, np.maximum(one, other))
    listed = []
    for i in small[np.lexsort((second, first, -cuts.chances[small]))[:CONTRIBUTORS]].tolist():
        ids = cuts.ids_of(i)
        entry: dict[str, Any] = {
            "component": " + ".join(ids),
            "kind": " + ".join(inventory.components[c].kind for c in ids),
            "share": float(cuts.chances[i]) / total if total else 0.0,
        }
        if len(ids) > 1:
            entry["components"] = ids
        listed.append(entry)
    return listed


# ---------------------------------------------------------------------------------------------
# Findings


def findings(
    graph: nx.DiGraph[Node], result: dict[str, Any], services: dict[str, Any], room: dict[str, Any]
) -> list[dict[str, Any]]:
    """Every risk, ranked by the downtime it costs a year (summed over what it breaks), then breadth.

    ``result`` is :func:`spof.spof`'s for the audited targets, ``room`` :func:`capacity.headroom`'s.
    """
    inventory: Inventory = graph.graph["inventory"]
    accepted = inventory.accepted_now()
    defeats: dict[str, list[dict[str, Any]]] = {}
    for entry in result["illusory_redundancy"]:
        for shared in entry["shared"]:
            defeats.setdefault(shared, []).append(entry)
    kinds = inventory.by_kind()
    found = []
    for entry in result["spofs"]:
        cid = entry["component"]
        component = inventory.components[cid]
        groups = defeats.get(cid, [])
        cost = (1 - component.availability) * MINUTES_PER_YEAR * len(entry["breaks"])
        if groups:
            group = groups[0]
            what = f"{cid} defeats the redundancy of {group['group_of']} ({', '.join(group['members'])})"
        else:
            what = f"losing {cid} takes down {_listing(entry['breaks'])}"
        found.append(
            {
                "kind": "illusory" if groups else "spof",
                "components": [cid],
                "groups": list(dict.fromkeys(g["group_of"] for g in groups)),
                "breaks": entry["breaks"],
                "finding": what,
                "by_design": component.kind == "service" or (component.kind == "site" and kinds["site"] == 1),
                "accepted": cid in accepted,
                "downtime_minutes_per_year": cost,
            }
        )
    for group in room["groups"]:
        if group["tolerates"] == 0 and group["service"] in services:
            found.append(
                {
                    "kind": "capacity",
                    "components": group["members"],
                    "breaks": [group["service"]],
                    "finding": f"{group['service']} needs {number(group['demand'])} of {number(group['capacity'])} "
                    f"from {', '.join(group['members'])}: losing any one leaves it short",
                    "by_design": False,
                    "accepted": False,
                    "downtime_minutes_per_year": 0.0,
                }
            )
    for sid, service in services.items():
        if service["meets_slo"] is False:
            found.append(
                {
                    "kind": "slo",
                    "components": [sid],
                    "breaks": [sid],
                    "finding": f"{sid} is predicted at {100 * service['availability']:.4f}%, "
                    f"below its objective of {100 * service['slo']:.4g}%",
                    "by_design": False,
                    "accepted": False,
                    "downtime_minutes_per_year": service["downtime_minutes_per_year"]
                    - (1 - service["slo"]) * MINUTES_PER_YEAR,
                }
            )
    found.sort(key=lambda f: (f["by_design"], f["accepted"], -f["downtime_minutes_per_year"], -len(f["breaks"])))
    return found


def _listing(ids: list[str], most: int = 4) -> str:
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most:,} more"


# ---------------------------------------------------------------------------------------------
# Fixes: candidate changes, each verified by the engine on the changed design


@dataclass(frozen=True)
class Before:
    """What fixes are measured against: the design's verdicts, the audited services each of its SPOFs
    breaks, the minimal cut sets of every node below them (:func:`cutcodes.cut_set_codes`) in ``codes``,
    and the single failures of every node (:func:`single_failures`)."""

    services: dict[str, Any]
    breaks: dict[str, set[str]]
    families: dict[Node, np.ndarray]
    codes: Codes
    singles: dict[Node, frozenset[str]]


def propose(graph: nx.DiGraph[Node], finding: dict[str, Any], before: Before) -> tuple[dict[str, Any], Fix] | None:
    """The first candidate change that removes the finding, with its measured gain; None if none does."""
    if finding["by_design"]:
        return None
    inventory: Inventory = graph.graph["inventory"]
    for fix in candidates(graph, finding):
        gain = verify(graph, fix, finding, before)
        if gain is not None:
            return {"description": fix.description, "patch": fix.patch(inventory), "gain": gain}, fix
    return None


def candidates(graph: nx.DiGraph[Node], finding: dict[str, Any]) -> list[Fix]:
    """Changes an architect would make for a finding, most local first (at most a handful)."""
    inventory: Inventory = graph.graph["inventory"]
    singles = _singles(graph)
    fixes: list[Fix] = []
    if finding["kind"] in ("spof", "illusory"):
        (culprit,) = finding["components"]
        fixes += _moves(inventory, singles, culprit, finding.get("groups", []))
        fixes += _peers(graph, inventory, singles, culprit)
    elif finding["kind"] == "capacity":
        fixes += _more_capacity(inventory, singles, finding)
    elif finding["kind"] == "slo":
        fixes += _slo_fixes(graph, finding)
    return list(dict.fromkeys(fixes[:8]))  # one fix for several groups is verified once


def _alternatives(inventory: Inventory, singles: dict[Node, frozenset[str]], like: str, avoid: str) -> list[str]:
    """Components of the same kind as ``like`` that ``avoid`` does not take down, nearest name first (three)."""
    return heapq.nsmallest(
        3,
        (
            cid
            for cid in _of_kind(inventory, inventory.components[like].kind)
            if cid != like and avoid not in singles.get(cid, frozenset((cid,)))
        ),
        key=lambda cid: (_distance(cid, like), cid),
    )


#: The ids of each kind of the inventory last asked about (fixes look for alternatives many times).
_KINDS: dict[int, tuple[Inventory, dict[str, list[str]]]] = {}


def _of_kind(inventory: Inventory, kind: str) -> list[str]:
    kept = _KINDS.get(id(inventory))
    if kept is None or kept[0] is not inventory:
        index: dict[str, list[str]] = {}
        for cid, component in inventory.components.items():
            index.setdefault(component.kind, []).append(cid)
        _KINDS.clear()
        _KINDS[id(inventory)] = kept = (inventory, index)
    return kept[1].get(kind, [])


def _singles(graph: nx.DiGraph[Node], found: dict[Node, frozenset[str]] | None = None) -> dict[Node, frozenset[str]]:
    """:func:`single_failures` of the whole graph, found once per graph (graphs are read-only); ``found``: them,
    worked out elsewhere."""
    if found is None:
        found = graph.graph.get("single_failures")
    if found is None:
        found = single_failures(graph)
    graph.graph["single_failures"] = found
    return found


def singles_of(graph: nx.DiGraph[Node], targets: list[str]) -> dict[Node, frozenset[str]]:
    """``single_failures(graph, targets)``, read from those of every node (:func:`_singles`); kept on the graph
    for the next that asks about the same targets (a review's SPOFs and its audit's)."""
    every = _singles(graph)
    return kept_on(
        graph, "singles_of", tuple(targets), lambda: {node: every[node] for node in kept_cone(graph, targets)}
    )


def _spofs(
    graph: nx.DiGraph[Node], targets: list[str]
) -> tuple[dict[Node, frozenset[str]] | None, dict[str, Any], dict[str, Any]]:
    """The single failures of every node (:func:`_singles`), and what reads them: :func:`spof.spof` of the
    targets and the capacity headroom (:func:`capacity.headroom`).  The single failures are None when they
    were kept on the graph already (:func:`prepare`): a worker need not send back what its parent has."""
    known = "single_failures" in graph.graph
    every = _singles(graph)
    found = spof.spof(graph, targets, singles=singles_of(graph, targets))
    return (None if known else every), found, capacity.headroom(graph, every)


def _distance(a: str, b: str) -> int:
    common = len(next((a[:i] for i in range(min(len(a), len(b)), 0, -1) if a[:i] == b[:i]), ""))
    return -common


def _swap(component: Component, old: str, new: str) -> Component:
    """``component`` needing ``new`` where it needed ``old`` (as container or requirement)."""
    requires: list[Requirement] = [new if r == old else r for r in component.requires]
    container = new if component.container == old else component.container
    return replace(component, requires=tuple(requires), container=container)


def _moves(inventory: Inventory, singles: dict[Node, frozenset[str]], culprit: str, owners: list[str]) -> list[Fix]:
    """Move members of the groups the culprit defeats (those of ``owners``) to domains their siblings do not share.

    A group needing ``k`` of ``n`` survives the culprit once at most ``n - k`` of its
    members depend on it: so many members are moved, each to the nearest domain of
    the same kind that does not depend on the culprit (spread over the candidates).
    A member is moved only when one of its needs (its container, or one
    requirement) is how the culprit reaches it.  One fix per group (one group freed
    may free the others), then one that moves what every group needs moved.
    """
    per_group: list[dict[str, tuple[Component, str]]] = []
    for owner in (inventory.components[o] for o in owners[:MOST_GROUPS]):
        for requirement in owner.requires:
            if not isinstance(requirement, Group) or len(requirement.members) < 2 or culprit in requirement.members:
                continue
            hit = [m for m in requirement.members if culprit in singles.get(m, frozenset((m,)))]
            excess = len(hit) - (len(requirement.members) - requirement.at_least)
            moved: dict[str, tuple[Component, str]] = {}
            for member in reversed(hit):
                if len(moved) == excess:
                    break
                record = inventory.components[member]
                needs = [*(r for r in record.requires if isinstance(r, str)), *filter(None, [record.container])]
                carriers = [n for n in needs if n == culprit or culprit in singles.get(n, frozenset())]
                others = _alternatives(inventory, singles, carriers[0], culprit) if len(carriers) == 1 else []
                if others:
                    (need,) = carriers
                    other = others[len(moved) % len(others)]
                    verb = f"move {member} from {need} to" if need == record.container else f"make {member} depend on"
                    text = f"{verb} {other}" + ("" if need == record.container else f" instead of {need}")
                    moved[member] = (_swap(record, need, other), text)
            if excess > 0 and len(moved) == excess:
                per_group.append(moved)
    fixes = [Fix("; ".join(t for _, t in m.values()), tuple(c for c, _ in m.values())) for m in per_group]
    if len(per_group) > 1:
        every = {member: change for m in per_group for member, change in m.items()}
        fixes.append(Fix("; ".join(t for _, t in every.values()), tuple(c for c, _ in every.values())))
    return fixes


def _peers(
    graph: nx.DiGraph[Node], inventory: Inventory, singles: dict[Node, frozenset[str]], culprit: str
) -> list[Fix]:
    """Give the first single dependency on the culprit a peer in another domain: any of the two."""
    fixes = []
    dependents = [c for c in inventory.components.values() if culprit in c.requires and c.kind not in capacity.DOMAINS]
    record = inventory.components[culprit]
    for dependent in dependents[:2]:
        for other in _alternatives(inventory, singles, culprit, culprit):
            if other in dependent.requires or record.kind not in INTERCHANGEABLE:
                continue
            requires = tuple(Group((culprit, other)) if r == culprit else r for r in dependent.requires)
            text = f"give {dependent.id} a second {record.kind}: any of {culprit}, {other}"
            fixes.append(Fix(text, (replace(dependent, requires=requires),)))
    if record.kind in INTERCHANGEABLE:
        peer = _peer_of(inventory, singles, record)
        if peer is not None:
            users = [c for c in inventory.components.values() if culprit in c.requires][:50]
            changed = [
                replace(u, requires=tuple(Group((culprit, peer.id)) if r == culprit else r for r in u.requires))
                for u in users
            ]
            if changed:
                where = peer.container or "another domain"
                text = f"add {peer.id}, a peer of {culprit} in {where}, and need any of the two"
                fixes.append(Fix(text, (peer, *changed)))
    return fixes


def _peer_of(inventory: Inventory, singles: dict[Node, frozenset[str]], record: Component) -> Component | None:
    """A copy of ``record`` under a new id, each need moved to another of its kind where there is one."""
    suffix = 2
    while f"{record.id}-{suffix}" in inventory.components:
        suffix += 1
    peer = replace(record, id=f"{record.id}-{suffix}")
    for need in [*(r for r in record.requires if isinstance(r, str)), *filter(None, [record.container])]:
        others = _alternatives(inventory, singles, need, need)
        if others:
            peer = _swap(peer, need, others[0])
    return peer


def _more_capacity(inventory: Inventory, singles: dict[Node, frozenset[str]], finding: dict[str, Any]) -> list[Fix]:
    """Add a member like the largest one, in another domain, to reach N+1."""
    members = [inventory.components[m] for m in finding["components"]]
    largest = max(members, key=lambda c: c.capacity or 0)
    peer = _peer_of(inventory, singles, largest)
    if peer is None:
        return []
    (service,) = finding["breaks"]
    owner = inventory.components[service]
    requires = tuple(
        Group((*r.members, peer.id), r.at_least, r.demand)
        if isinstance(r, Group) and r.members == tuple(finding["components"])
        else r
        for r in owner.requires
    )
    where = f" in {peer.container}" if peer.container else ""
    text = f"add {peer.id} (capacity {number(largest.capacity or 0)}, like {largest.id}) to {service}'s group{where}"
    return [Fix(text, (peer, replace(owner, requires=requires)))]


def _slo_fixes(graph: nx.DiGraph[Node], finding: dict[str, Any]) -> list[Fix]:
    """For a service below its objective: the fixes of its own single points of failure, likeliest first."""
    (service,) = finding["breaks"]
    inventory: Inventory = graph.graph["inventory"]
    culprits = single_failures(graph, [service])[service] - {service}
    singles = _singles(graph)
    owners = [
        c
        for c in cone(graph, [service])
        if isinstance(c, str) and any(isinstance(r, Group) for r in inventory.components[c].requires)
    ]
    fixes = []
    for culprit in sorted(culprits, key=lambda c: -(1 - inventory.components[c].availability))[:3]:
        fixes += _moves(inventory, singles, culprit, owners)[:1]
        fixes += _peers(graph, inventory, singles, culprit)[:1]
    return fixes


def verify(graph: nx.DiGraph[Node], fix: Fix, finding: dict[str, Any], before: Before) -> dict[str, Any] | None:
    """The engine's verdict on the changed design: the gain, or None when the finding remains or anything worsens.

    Only the services whose cone the change touches can change; they are analysed
    on the changed design restricted to their new cones, and of their cut sets only
    those of nodes that need a changed component are worked out again.
    """
    inventory: Inventory = graph.graph["inventory"]
    services, breaks = before.services, before.breaks
    fixed = fix.apply(inventory)
    touched = {c.id for c in fix.changes}
    above = needing(graph, touched)
    affected = [s for s in services if s in above]
    if not affected:
        return None
    if _unreached(finding, above):
        return None
    sub = _restricted(fixed, affected)
    after_graph = build(sub)
    if finding["kind"] in ("spof", "illusory") and finding["components"][0] in after_graph:
        # First what is cheap to learn: one failure unplugged, not every one.  A culprit that still takes down
        # a service alone is still a single point of failure (as the run below would find): no fix.
        (culprit,) = finding["components"]
        states = propagate(after_graph, [culprit])
        if any(states.get(s) is DOWN for s in affected if s != culprit):
            return None
    # The single failures of what needs no changed component are those of the design: only the rest is
    # worked out again (when every target is a service, as the single failures of the services are).
    again = singles_again(before.singles, after_graph, touched) if set(affected) <= set(sub.services()) else None
    after = spof.spof(after_graph, affected, singles=again)
    old = {c for c, broken in breaks.items() if not broken.isdisjoint(affected)}
    new = {s["component"] for s in after["spofs"]}
    if new - old - touched:
        return None  # a change that brings a new single point of failure is no fix
    # The finding first (a spof run answers it), then the availability of every service the change reaches.
    if finding["kind"] == "spof":
        (culprit,) = finding["components"]
        if not set(finding["breaks"]) <= set(affected) or culprit in new:
            return None  # the culprit still takes down a service it broke
    elif finding["kind"] == "illusory":
        (culprit,) = finding["components"]
        owners = set(finding["groups"])
        if culprit in new or not owners <= sub.components.keys():
            return None  # still a SPOF, or a group it defeats is beyond what the change reaches
        if any(e["group_of"] in owners and culprit in e["shared"] for e in after["illusory_redundancy"]):
            return None  # it still defeats one of the groups
    elif finding["kind"] == "capacity":
        (service,) = finding["breaks"]
        groups = [g for g in capacity.headroom(after_graph)["groups"] if g["service"] == service]
        if not groups or min(g["tolerates"] for g in groups) < 1:
            return None
    stale = needing(after_graph, with_groups(after_graph, touched))
    chances = _chances(sub)
    codes = before.codes.extended(chances)
    if codes is None:  # more components added than there is room for: codes anew, all worked out again
        codes, known = Codes.of(chances), {}
    else:
        known = dict(before.families)
        for node in stale:
            known.pop(node, None)
    families = cut_set_codes(after_graph, affected, codes.coding, known=known)
    now = availabilities(after_graph, affected, families, codes)
    availability = {s: [services[s]["availability"], now[s]] for s in affected}
    if any(b - a > 1e-12 for b, a in availability.values()):
        return None  # a change that makes any service worse is no fix
    if finding["kind"] == "slo":
        (service,) = finding["breaks"]
        if service not in availability or availability[service][1] < services[service]["slo"]:
            return None
    # Removed: no longer a SPOF of any audited service (those the change cannot reach keep theirs).
    removed = sorted(c for c in old - new if breaks.get(c, set()) <= set(affected))
    return {
        "spofs_removed": removed,
        "availability": availability,
        "downtime_minutes_per_year": sum((a - b) * MINUTES_PER_YEAR for b, a in availability.values()),
    }


def _unreached(finding: dict[str, Any], above: set[Node]) -> bool:
    """Whether a SPOF or defeated redundancy stays because the change misses one of what it is about
    (``above``: what needs a changed component).  Whatever needs no changed component keeps its single
    failures, and so its findings: a service the culprit took down, or an owner whose group it defeated,
    that the change does not reach is one it still does (:func:`verify` would find so on the changed design).

    >>> _unreached({"kind": "illusory", "groups": ["db", "app"]}, {"db", "host-1"})
    True
    """
    if finding["kind"] == "spof":
        return not above.issuperset(finding["breaks"])
    if finding["kind"] == "illusory":
        return not above.issuperset(finding["groups"])
    return False


def _restricted(inventory: Inventory, targets: list[str]) -> Inventory:
    """The inventory cut down to the targets' cones (all an analysis of those targets reads)."""
    keep: dict[str, None] = {}
    stack = list(targets)
    components = inventory.components
    while stack:
        cid = stack.pop()
        if cid in keep:
            continue
        keep[cid] = None
        record = components[cid]
        if record.container is not None:
            stack.append(record.container)
        for requirement in record.requires:
            stack.extend((requirement,) if isinstance(requirement, str) else requirement.members)
    return replace(inventory, components={c: components[c] for c in components if c in keep}, origins={})
