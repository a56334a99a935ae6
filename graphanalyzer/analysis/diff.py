"""Diff two designs: what changed, and whether the change adds risk.

Components added, removed and changed (which fields); SPOFs introduced and
removed; cut sets whose order dropped (a set of components that takes a service
down and that, before, needed more failures: a double fault that became a single
one); services whose SPOFs, complexity or blast radius (the other services that
go down with them) changed; dependency cycles and deadlocks
introduced.  Accepted risks (``accept:`` in the new inventory, not expired) are
listed as accepted and do not count for ``--fail-on``.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> old = build(Inventory("x", {
...     "a": Component("a", "carrier"), "b": Component("b", "carrier"),
...     "app": Component("app", "service", requires=(Group(("a", "b")),)),
... }))
>>> new = build(Inventory("x", {
...     "a": Component("a", "carrier"),
...     "app": Component("app", "service", requires=("a",)),
... }))
>>> result = diff(old, new, order=2)
>>> result["spofs"]["added"], result["cut_sets"]["lower_order"]
(['a'], [{'service': 'app', 'components': ['a'], 'order': 1, 'was': 2}])
>>> failures(result, "new-spof")
['a is a new single point of failure']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from functools import partial
from itertools import combinations
from typing import Any

import networkx as nx

from graphanalyzer.analysis.coldstart import deadlocked
from graphanalyzer.analysis.complexity import measures, rotated
from graphanalyzer.analysis.cutsets import (
    ALREADY,
    Family,
    Ones,
    cut_set_table,
    family_of_ones,
    minimal_cut_sets,
    ones_table,
    single_failures,
)
from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import Node, cone, internals, needing, on_cycles, with_groups
from graphanalyzer.model import Inventory
from graphanalyzer.workers import called, share

FAIL_ON = ("new-spof", "lower-order", "any-risk")


def diff(old: nx.DiGraph[Node], new: nx.DiGraph[Node], order: int = 2, workers: int | None = None) -> dict[str, Any]:
    """The changes from ``old`` to ``new`` and the risks they add (cut sets up to ``order``).

    ``workers``: the processes that share the work (:mod:`workers`); by default one
    per processor when the designs are large (:func:`workers.share`), else one.
    The result does not depend on it."""
    before: Inventory = old.graph["inventory"]
    after: Inventory = new.graph["inventory"]
    accepted = after.accepted_now()
    changed = {}
    for cid in before.components.keys() & after.components.keys():
        a, b = before.components[cid], after.components[cid]
        if a != b:
            changed[cid] = [f.name for f in fields(a) if getattr(a, f.name) != getattr(b, f.name)]
    touched = {*changed, *before.components.keys() ^ after.components.keys()}
    old_singles = single_failures(old, before.services())
    new_singles = singles_again(old_singles, new, touched)
    old_found, new_found = spof(old, singles=old_singles), spof(new, singles=new_singles)
    old_spofs = {e["component"]: e for e in old_found["spofs"]}
    new_spofs = {e["component"]: e for e in new_found["spofs"]}
    added = [cid for cid in new_spofs if cid not in old_spofs]
    # A service whose cone holds nothing touched has the same cut sets, depth, support
    # and SPOFs before and after: only the others are worked out again.
    above = needing(old, touched & before.components.keys()) | needing(new, touched & after.components.keys())
    common = [sid for sid in after.services() if sid in above and sid in before.components]
    # A set of components can take a service down in one design and not in the other
    # only if it holds something whose failure reaches a touched component.
    reach = _components(cone(old, touched & before.components.keys()) | cone(new, touched & after.components.keys()))
    both = reach & before.components.keys() & after.components.keys()
    radius = {  # blast radius: the other services that go down with it
        "old": {sid: len(old_spofs[sid]["breaks"]) if sid in old_spofs else 0 for sid in before.services()},
        "new": {sid: len(new_spofs[sid]["breaks"]) if sid in new_spofs else 0 for sid in after.services()},
    }
    redo = [
        sid
        for sid in after.services()
        if sid in above or sid not in before.components or radius["old"].get(sid) != radius["new"][sid]
    ]

    def rest() -> tuple[dict[str, Any], dict[str, Any], list[str], set[str], list[list[str]], list[list[str]]]:
        """The services' measures, what starts cold and what loops, in both designs."""
        old_measures = measures(old, old_found, [sid for sid in redo if sid in radius["old"]])
        new_measures = measures(new, new_found, redo)
        # Only what needs a touched component (or group) can start cold in one design and not the other.
        looped = {"old": on_cycles(old), "new": on_cycles(new)}  # what may lie on a cycle: read once
        stuck = deadlocked(new, needing(new, with_groups(new, touched)), looped["new"])
        was_stuck = set(deadlocked(old, [cid for cid in stuck if cid in before.components], looped["old"]))
        return old_measures, new_measures, stuck, was_stuck, _cycles(old, looped["old"]), _cycles(new, looped["new"])

    def lowered() -> list[dict[str, Any]]:
        return lower_order(old, new, common, order, accepted, both, (old_singles, new_singles))

    # Two halves that take about as long each at 100,000 components: shared when there are two processors.
    halves: list[Callable[[], Any]] = [lowered, rest]
    cut, (old_measures, new_measures, stuck, was_stuck, old_cycles, new_cycles) = called(
        halves, share(len(old) + len(new)) if workers is None else workers
    )
    services: dict[str, Any] = {}
    for sid in redo:
        then = old_measures.get(sid)
        if then is not None:
            then = {**then, "blast_radius": radius["old"][sid]}
        now = {**new_measures[sid], "blast_radius": radius["new"][sid]}
        if then is None:
            services[sid] = {"added": True, **_pairs(None, now)}
        elif any(then[k] != now[k] for k in _MEASURES) or set(then["spofs"]) != set(now["spofs"]):
            services[sid] = _pairs(then, now)
    still = set(after.services())
    for sid in before.services():
        if sid not in still:
            services[sid] = {"removed": True}
    return {
        "old": before.name,
        "new": after.name,
        "components": {
            "added": [cid for cid in after.components if cid not in before.components],
            "removed": [cid for cid in before.components if cid not in after.components],
            "changed": changed,
        },
        "spofs": {
            "added": [cid for cid in added if cid not in accepted],
            "removed": [cid for cid in old_spofs if cid not in new_spofs],
            "accepted": [
                {"component": cid, "reason": accepted[cid].reason, "until": accepted[cid].until}
                for cid in added
                if cid in accepted
            ],
            "breaks": {cid: new_spofs[cid]["breaks"] for cid in added},
        },
        "cut_sets": {
            "order": order,
            "lower_order": cut,
        },
        "services": services,
        "cycles": {"added": [c for c in new_cycles if c not in old_cycles]},
        "deadlocked": {"added": [cid for cid in stuck if cid not in was_stuck]},
    }


_MEASURES = ("depth", "support", "index", "blast_radius")
#: Above this many components reaching a change, cut sets are compared whole (:func:`full_lower_order`).
_MOST_REACHED = 24
#: Above this share of a cone to work out again, single failures are worked out whole.  (At 100,000
#: components, 47 % of the cone again took 0.9 s; the whole 0.6-0.7 s, after 0.75 s to find the
#: graph's order, which nothing else in a diff finds for the new design.)
_MOST_AGAIN = 0.75


def _components(nodes: set[Node]) -> set[str]:
    return {n for n in nodes if isinstance(n, str)}


def _cycles(graph: nx.DiGraph[Node], looped: set[Node]) -> list[list[str]]:
    return sorted(rotated(cycle) for cycle in cycles(graph, looped))


def _pairs(then: dict[str, Any] | None, now: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {k: {"old": None if then is None else then[k], "new": now[k]} for k in _MEASURES}
    result["spofs"] = {"old": None if then is None else len(then["spofs"]), "new": len(now["spofs"])}
    return result


def lower_order(
    old: nx.DiGraph[Node],
    new: nx.DiGraph[Node],
    services: list[str],
    order: int,
    accepted: dict[str, Any],
    both: set[str],
    singles: tuple[Mapping[Node, frozenset[str]], Mapping[Node, frozenset[str]]],
) -> list[dict[str, Any]]:
    """:func:`full_lower_order`, looking only at the sets that hold a component of ``both``.

    ``both`` holds the components of both designs whose failure reaches a changed,
    added or removed one; ``found`` is the two designs' ``spof`` results.  A set
    without any of them takes a service down in both designs or in neither, so it is
    no new cut set: the candidates are the sets {d} + Y where Y, with d unplugged,
    takes the service down in the new design (cut sets of one order less, given d),
    each checked for minimality, and for the order it had before, with the engine.
    The cut sets given some components unplugged are worked out only for what needs
    them (:func:`with_down`).
    """
    if not services:
        return []
    if len(both) > _MOST_REACHED:  # a change under much of the estate: the whole families cost less
        return full_lower_order(old, new, services, order, accepted)
    graphs = {"old": old, "new": new}
    single = {"old": singles[0], "new": singles[1]}
    states: dict[tuple[str, frozenset[str]], dict[Node, Any]] = {}
    # (design, d) -> cut sets with d unplugged; of one component (order 2), as sets of ids (:func:`ones_with_down`)
    given: dict[tuple[str, str], Mapping[str, Ones]] = {}
    bases: dict[tuple[str, int], dict[Node, Family]] = {}  # (design, order) -> families, nothing unplugged

    def base(design: str, size: int) -> Callable[[Iterable[Node]], dict[Node, Family]]:
        """The families of cut sets of at most ``size`` components of some nodes, nothing unplugged."""
        known = bases.setdefault((design, size), {})
        if size == 1:  # from the single failures: no need to work them out again

            def read(nodes: Iterable[Node]) -> dict[Node, Family]:
                nodes = list(nodes)
                for n in nodes:
                    if n not in known:
                        known[n] = family_of_ones(single[design][n])
                return {n: known[n] for n in nodes}

            return read

        def families(nodes: Iterable[Node]) -> dict[Node, Family]:
            nodes = list(nodes)
            missing = [n for n in nodes if n not in known]
            if missing:
                known.update(cut_set_table(graphs[design], missing, size, known=known))
            return {n: known[n] for n in nodes}

        return families

    def cut_sets(design: str, targets: list[str], size: int, down: frozenset[str]) -> Mapping[str, Family]:
        if size == order - 1 and len(down) == 1 and (design, next(iter(down))) in given:
            if size > 1:  # of every service: worked out already
                return given[design, next(iter(down))]
            return _families(given[design, next(iter(down))], targets)
        if size == 1 and len(down) == 2:  # from the values with one of them unplugged, when worked out
            d = next((d for d in sorted(down) if (design, d) in kept), None)
            if d is not None:
                value = kept[design, d]
                found = _ones_from(graphs[design], targets, down, down - {d}, value, cone(graphs[design], targets))
                return _families(found, targets)
        return with_down(graphs[design], targets, size, down, base(design, size), singles=single[design])

    reached = {design: cone(graph, services) for design, graph in graphs.items()}

    # (design, d) -> every node's cut sets of one component with d unplugged (order 2), for sets holding d
    kept: dict[tuple[str, str], Callable[[Node], Ones]] = {}

    def given_down(design: str, d: str) -> Mapping[str, Ones]:
        if (design, d) not in given:
            graph, down = graphs[design], frozenset((d,))
            if order == 2:
                nodes: dict[Node, Ones] = {}
                given[design, d] = _ones_from(
                    graph, services, down, down, single[design].__getitem__, reached[design], nodes
                )
                kept[design, d] = partial(_value, nodes, single[design], d)
            else:
                given[design, d] = with_down(
                    graph, services, order - 1, down, base(design, order - 1), reached[design], singles=single[design]
                )
        return given[design, d]

    def is_cut(design: str, cut: frozenset[str], sid: str) -> bool:
        """Whether the set takes the service down: from the SPOFs, the cut sets given one of ``both``, or the engine."""
        if len(cut) == 1:
            (cid,) = cut
            return cid in single[design][sid]
        reaching = cut & both
        if reaching:  # any of them will do: one whose cut sets are worked out already, if there is one
            d = next((d for d in reaching if (design, d) in given), min(reaching))
            rest = cut - {d}
            value = given_down(design, d)[sid]
            if order == 2:  # a set of ids
                return value is ALREADY or not value.isdisjoint(rest)
            return any(y <= rest for y in value)
        if (design, cut) not in states:
            states[design, cut] = propagate(graphs[design], cut)
        return states[design, cut].get(sid) is DOWN

    def minimal_in(design: str, cut: frozenset[str], sid: str) -> bool:
        return not any(
            is_cut(design, frozenset(part), sid) for size in range(1, len(cut)) for part in combinations(cut, size)
        )

    candidates: dict[str, set[frozenset[str]]] = {sid: set() for sid in services}
    components = old.graph["inventory"].components.keys()
    for d in sorted(both):
        for sid, value in given_down("new", d).items():
            alone = single["new"][sid]  # a set holding one of them is no minimal cut set (but for itself)
            if order == 2 and value is not ALREADY:  # a set of ids
                candidates[sid].update(frozenset((x, d)) for x in value - alone if x in components)
                continue
            candidates[sid].update(
                cut | {d} for cut in value if len(cut) < order and alone.isdisjoint(cut) and cut <= components
            )
    found_lower = []
    wanted: dict[frozenset[str], list[str]] = {}  # a new cut set -> the services it may be a lower order for
    for sid in services:
        for cut in sorted(candidates[sid], key=lambda c: (len(c), sorted(c))):
            if sid in cut or not minimal_in("new", cut, sid) or is_cut("old", cut, sid):
                continue
            if len(cut) == 1 and next(iter(cut)) in accepted:
                continue
            wanted.setdefault(cut, []).append(sid)
            found_lower.append((sid, cut))
    was: dict[tuple[str, frozenset[str]], int] = {}
    for cut, sids in wanted.items():
        for size in range(len(cut) + 1, order + 2):
            sids = [sid for sid in sids if (sid, cut) not in was]  # the smallest order it had is the one
            if not sids:
                break
            more = cut_sets("old", sids, size - len(cut), cut)
            for sid in sids:
                for extra in more[sid]:
                    whole = cut | extra
                    if len(whole) == size and minimal_in("old", whole, sid):
                        was[sid, cut] = size
                        break
    return [
        {"service": sid, "components": sorted(cut), "order": len(cut), "was": was[sid, cut]}
        for sid, cut in found_lower
        if (sid, cut) in was
    ]


def with_down(
    graph: nx.DiGraph[Node],
    targets: list[str],
    order: int,
    down: frozenset[str],
    base: Callable[[Iterable[Node]], Mapping[Node, Family]],
    within: set[Node] | None = None,
    singles: Mapping[Node, frozenset[str]] | None = None,
) -> dict[str, Family]:
    """``minimal_cut_sets(graph, targets, order, down)``, working out only what needs ``down``.

    ``base`` gives the families of nodes with nothing unplugged (of at most ``order``
    components): a node that does not need ``down`` has that family, and the engine
    (:func:`graphanalyzer.analysis.cutsets.cut_set_table`) starts from them at the
    edge of what does.  For one component, :func:`ones_with_down` (from ``singles``,
    the single failures with nothing unplugged, when given), which also tells, for
    ``order`` 0, whether ``down`` alone takes each target down.  ``within``: the
    targets' cone, when known.
    """
    if order <= 1:
        if singles is None and order == 0:
            singles = single_failures(graph, targets if within is None else within)
        elif singles is None:
            whole = base(cone(graph, targets) if within is None else within)
            singles = {n: frozenset(c for (c,) in family) for n, family in whole.items()}
        ones = ones_with_down(graph, targets, down, singles, within)
        if order == 0:  # the empty set alone: whether what is unplugged takes each target down
            return {t: ALREADY if ones[t] is ALREADY else frozenset() for t in targets}
        return _families(ones, targets)
    region = _needing(graph, down, cone(graph, targets) if within is None else within)
    _, succ, _ = internals(graph)
    edge = {other for node in region for other in succ[node] if other not in region}
    table = cut_set_table(graph, [t for t in targets if t in region], order, down, known=base(edge)) if region else {}
    rest = base([t for t in targets if t not in region])
    return {t: table[t] if t in region else rest[t] for t in targets}


def ones_with_down(
    graph: nx.DiGraph[Node],
    targets: list[str],
    down: frozenset[str],
    singles: Mapping[Node, frozenset[str]],
    within: set[Node] | None = None,
) -> dict[str, Ones]:
    """``ones_table(graph, targets, down)`` of the targets, working out only what needs ``down``.

    ``singles``: the single failures (nothing unplugged) of the nodes of the targets'
    cone (``within``, when known).  A node that does not need ``down`` keeps its
    single failures; one that a component of ``down`` alone takes down is down
    already; the engine (:func:`graphanalyzer.analysis.cutsets.ones_table`) works out
    the others, starting from those at their edge.
    """
    within = cone(graph, targets) if within is None else within
    return _ones_from(graph, targets, down, down, singles.__getitem__, within)


def _ones_from(
    graph: nx.DiGraph[Node],
    targets: list[str],
    down: frozenset[str],
    extra: frozenset[str],
    value: Callable[[Node], Ones],
    within: set[Node],
    nodes: dict[Node, Ones] | None = None,
) -> dict[str, Ones]:
    """``ones_table(graph, targets, down)`` of the targets, from ``value``: each node's with ``down - extra``
    unplugged (the single failures when ``extra`` is ``down``), of the nodes of ``within`` (the targets' cone).

    Only a node that needs one of ``extra`` can change.  One that was down already
    stays down, as does one that a component of ``extra`` takes down alone; the
    engine works out the others, starting from the nodes at their edge.
    ``nodes``, when given, receives the value of every one of them it worked out.
    """
    later = _needing(graph, extra, within)
    region = {n for n in later if (v := value(n)) is not ALREADY and extra.isdisjoint(v)}  # the others: down
    _, succ, _ = internals(graph)
    edge = {other for node in region for other in succ[node] if other not in region}
    known = {n: ALREADY if n in later else value(n) for n in edge}
    chosen = list(region) if nodes is not None else [t for t in targets if t in region]
    table = ones_table(graph, chosen, down, known) if region else {}
    if nodes is not None:
        nodes.update((n, table[n]) for n in region)
    return {t: table[t] if t in region else ALREADY if t in later else value(t) for t in targets}


def _value(nodes: Mapping[Node, Ones], singles: Mapping[Node, frozenset[str]], d: str, node: Node) -> Ones:
    """A node's cut sets of one component with ``d`` unplugged, from those :func:`_ones_from` worked out
    (``nodes``, with ``extra`` of ``{d}``) and the single failures."""
    found = nodes.get(node)
    if found is not None:
        return found
    return ALREADY if d in singles[node] else singles[node]


def _needing(graph: nx.DiGraph[Node], down: frozenset[str], within: set[Node]) -> set[Node]:
    """The nodes of ``within`` that need one of ``down`` (those of ``down`` in it included)."""
    _, _, pred = internals(graph)
    region: set[Node] = {d for d in down if d in within}
    stack = list(region)
    while stack:
        for other in pred[stack.pop()]:
            if other in within and other not in region:
                region.add(other)
                stack.append(other)
    return region


def _families(table: Mapping[str, Ones], targets: Iterable[str]) -> dict[str, Family]:
    """Cut sets of one component as sets of ids (:func:`ones_table`) -> as families of sets."""
    return {t: family_of_ones(table[t]) for t in targets}


def singles_again(
    known: Mapping[Node, frozenset[str]], new: nx.DiGraph[Node], touched: set[str], most: float = _MOST_AGAIN
) -> dict[Node, frozenset[str]]:
    """``single_failures(new, services)`` from ``known``, those of another design (of its services).

    A node whose cone holds nothing ``touched`` (changed, added or removed, with
    their groups) has the same cone, hence the same single failures, in both
    designs: only those that need something touched are worked out again, by the
    engine, from the others (all of them when more than ``most`` of the cone).

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> from graphanalyzer.graph import build
    >>> def design(at_least: int) -> nx.DiGraph[Node]:
    ...     return build(Inventory("x", {"a": Component("a", "host"), "b": Component("b", "host"),
    ...         "app": Component("app", "service", requires=(Group(("a", "b"), at_least),))}))
    >>> old, new = design(1), design(2)
    >>> sorted(singles_again(single_failures(old, ["app"]), new, {"app"}, most=1)["app"])
    ['a', 'app', 'b']
    """
    _, succ, _ = internals(new)
    services = new.graph["inventory"].services()
    reached = cone(new, services)
    region = needing(new, with_groups(new, touched)) & reached
    if len(region) > most * len(reached):
        return single_failures(new, services)
    missing = [n for n in reached if n not in region and n not in known]
    # Their cones hold nothing touched.  (The engine takes any node, group or not, as a target.)
    found = {**single_failures(new, missing)} if missing else {}
    edge = {other for node in region for other in succ[node] if other not in region}
    table = ones_table(new, region, known={n: found[n] if n in found else known[n] for n in edge})
    for node in region:
        value = table[node]
        if value is ALREADY:  # down with nothing unplugged: left to the engine as a whole
            return single_failures(new, services)
        found[node] = value
    return {n: found[n] if n in found else known[n] for n in reached}


def full_lower_order(
    old: nx.DiGraph[Node], new: nx.DiGraph[Node], services: list[str], order: int, accepted: dict[str, Any]
) -> list[dict[str, Any]]:
    """Minimal cut sets of the new design that, in the old one, were only part of larger cut sets."""
    if not services:
        return []
    then = minimal_cut_sets(old, services, order + 1)
    now = minimal_cut_sets(new, services, order)
    found = []
    for sid in services:
        known = then[sid]
        for cut in sorted(now[sid], key=lambda c: (len(c), sorted(c))):
            if sid in cut or any(other <= cut for other in known):
                continue  # itself, or a cut set (or part of one) before
            was = min((len(other) for other in known if cut < other), default=None)
            if was is None or (len(cut) == 1 and next(iter(cut)) in accepted):
                continue  # a new cut set, not a lower order of an old one; or an accepted SPOF
            found.append({"service": sid, "components": sorted(cut), "order": len(cut), "was": was})
    return found


def failures(result: dict[str, Any], fail_on: str) -> list[str]:
    """Why ``--fail-on`` holds, in words: empty when the change passes the gate."""
    reasons = []
    if fail_on in ("new-spof", "any-risk"):
        reasons += [f"{cid} is a new single point of failure" for cid in result["spofs"]["added"]]
    if fail_on in ("lower-order", "any-risk"):
        reasons += [
            f"{' + '.join(c['components'])} now takes {c['service']} down" + f" (before: {c['was']} failures)"
            for c in result["cut_sets"]["lower_order"]
        ]
    if fail_on == "any-risk":
        reasons += [f"new dependency cycle {' -> '.join(c)}" for c in result["cycles"]["added"]]
        reasons += [f"{cid} can no longer start cold" for cid in result["deadlocked"]["added"]]
    return reasons
