"""The review: what a design review needs, gathered from the other analyses.

The audit first (the verdict per service and the :data:`AUDITED` costliest risks
with verified fixes), then SPOFs with double faults (order 2), the complexity numbers, the services x
failure-domain matrix, "what if" for the components with the largest blast radius
(each unplugged alone, with the shortest chains of reasons), the input's digest,
and the findings: every SPOF and every redundancy group that one failure defeats,
said in plain sentences and sorted into

* ``fix``: what a change to the design removes;
* ``by_design``: the only site (or room) of the estate, and services that other
  services need, where nothing else explains them;
* ``accepted``: SPOFs the inventory accepts (``accept:``), with the reason.

A redundancy group is said once, with what defeats it; groups alike (the same
kinds, in the same numbers, defeated by the same kind) are said in one line
when there are :data:`PATTERN` or more.  Each SPOF falls in exactly one of the
three, so the counts agree with the SPOF table.  Rendered by
:mod:`graphanalyzer.render.report`.

>>> from graphanalyzer.model import Component, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {"feed": Component("feed", "power"),
...     "app": Component("app", "service", requires=("feed",))}))
>>> data = review(g)
>>> [r["unplugged"] for r in data["what_if"]], [f["text"] for f in data["findings"]["fix"]]
([['feed']], ['feed (power) alone takes down 1 service (app).'])
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from functools import cache, partial
from pathlib import Path
from typing import Any

import networkx as nx

from graphanalyzer import __version__
from graphanalyzer.analysis import audit, domains
from graphanalyzer.analysis.complexity import APART, blast_radius, complexity
from graphanalyzer.analysis.spof import spof
from graphanalyzer.analysis.unplug import unplug
from graphanalyzer.graph import Node, internals
from graphanalyzer.model import Group, Inventory, narrowest
from graphanalyzer.render.text import listing, plural
from graphanalyzer.workers import Shared, share, started

#: How many of the costliest risks the review's audit proposes fixes for.
AUDITED = 5
#: How many of the largest blast radii get a "what if" section, and how many services each explains.
WHAT_IF = 3
EXPLAINED = 5
#: Findings alike are said in one line from this many on.
PATTERN = 4
#: The parts the failure domains are worked out in when the report audits (whichever process is free takes one).
DOMAIN_PARTS = 4


def review(
    graph: nx.DiGraph[Node], workers: int | None = None, drawing: Callable[[dict[str, Any]], Any] | None = None
) -> dict[str, Any]:
    """The report's content as plain data (what ``report --format json`` prints).

    ``drawing``, given the estate's SPOFs, draws its picture (under ``"picture"``).
    ``workers``: the processes that share the work (:mod:`workers`); by default one
    per processor when the graph is large (:func:`workers.share`), else one.  The
    audit and the rest need nothing of each other, so they are worked out side by
    side.  An audit kept beside the inventory's cache entry (:func:`audit.kept`: an
    ``audit`` of the unchanged design ran before) is read instead; the failure
    domains, the picture and the "what if" cases are then worked out beside the
    rest.  The result does not depend on it."""
    inventory: Inventory = graph.graph["inventory"]
    shared = (share(len(graph)) if workers is None else workers) > 1
    kept = audit.kept(graph, None, AUDITED) if inventory.services() else None
    found: dict[str, Any] | None = kept.result if kept is not None else None
    if kept is None and inventory.services():
        # The failure domains (in parts), the cycles and the repeated patterns need nothing else: a worker starts
        # on them while this process works out what the audit and the rest both read (:func:`audit.prepare`); then
        # a worker audits while this process works out the rest, taking what the first has not begun.
        parts, merged = domains.divided(graph, parts=DOMAIN_PARTS)
        jobs: list[Callable[[], Any]] = [*parts, *(partial(find, graph) for find in APART)]
        done = cache(Shared(lambda job: job(), jobs, 2 if shared else 1).results)
        singles = audit.prepare(graph)
        audited = (started if shared else cache)(lambda: audit.remembered(graph, None, AUDITED).result)
        rest = _rest(
            graph, drawing, lambda job: job, lambda: merged(done()[: len(parts)]), singles, lambda: done()[len(parts) :]
        )
        found = audited()
    else:
        begin = started if shared else lambda job: job
        rest = _rest(graph, drawing, begin, begin(lambda: domains.matrix(graph)))
    return {
        "inventory": inventory.name,
        "services": len(inventory.services()),
        "audit": found,
        **rest,
        "source": source(inventory),
        "version": __version__,
        "date": date.today().isoformat(),
    }


def _rest(
    graph: nx.DiGraph[Node],
    drawing: Callable[[dict[str, Any]], Any] | None,
    begin: Callable[[Callable[[], Any]], Callable[[], Any]],
    failure_domains: Callable[[], Any],
    singles: dict[Node, frozenset[str]] | None = None,
    apart: Callable[[], list[Any]] | None = None,
) -> dict[str, Any]:
    """The review beside the audit: findings, failure domains (``failure_domains`` gives them), SPOFs,
    complexity, what if (and the picture).

    ``begin`` starts a job and returns what gives its result: :func:`workers.started` works out the
    picture and the "what if" cases once the SPOFs are known, beside the rest.  ``singles``: the
    services' single failures, and ``apart``, what gives the cycles and repeated patterns, when they
    are known (:func:`spof.spof`, :func:`complexity.complexity`)."""
    found = spof(graph, order=2, singles=singles)
    picture = begin(lambda: drawing(found)) if drawing is not None else None
    said = findings(graph, found)
    fixable = {cid for f in said["fix"] for cid in f["components"]}
    ranked = sorted(blast_radius(found), key=lambda e: e["component"] not in fixable)  # stable: by radius
    what_if = [begin(partial(_what_if, graph, entry["component"])) for entry in ranked[:WHAT_IF]]
    measured = complexity(graph, found, apart=apart)
    explained = [job() for job in what_if]
    drawn = picture() if picture is not None else None
    result = {
        "findings": said,
        "domains": failure_domains(),
        "spof": found,
        "complexity": measured,
        "what_if": explained,
    }
    return result if drawn is None else {**result, "picture": drawn}


def _what_if(graph: nx.DiGraph[Node], unplugged: str) -> dict[str, Any]:
    """``unplug`` of one component, with the shortest chains of reasons of the services it breaks."""
    return unplug(graph, [unplugged], "short", most=EXPLAINED)


def source(inventory: Inventory) -> dict[str, Any]:
    """The input's digest: SHA-256 of the one file (as ``sha256sum`` prints it), or of the list of each file's.

    Read from standard input, the files are gone: the digest is then that of the
    inventory as read (its components' records).
    """
    paths = [Path(f) for f in inventory.files if f != "<stdin>"]
    if not paths or not all(p.is_file() for p in paths):
        records = repr(sorted((cid, repr(c)) for cid, c in inventory.components.items())).encode()
        return {"files": [], "sha256": hashlib.sha256(records).hexdigest(), "of": "the inventory as read"}
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    if len(paths) == 1:
        return {"files": [str(paths[0])], "sha256": digests[0], "of": paths[0].name}
    root = paths[0].parent
    lines = "".join(f"{d}  {_relative(p, root)}\n" for d, p in zip(digests, paths, strict=True))
    return {
        "files": [str(p) for p in paths],
        "sha256": hashlib.sha256(lines.encode()).hexdigest(),
        "of": f"{len(paths)} files' SHA-256 list",
    }


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def findings(graph: nx.DiGraph[Node], found: dict[str, Any]) -> dict[str, Any]:
    """Every SPOF and defeated group of a ``spof`` result in sentences: ``{"fix", "by_design", "accepted"}``.

    Each finding is ``{"text", "components", "services"}``: what it is about, and
    the services it takes down (never counting a component as taking itself down).
    ``spofs`` sorts every SPOF into the same three.
    """
    inventory: Inventory = graph.graph["inventory"]
    components = inventory.components
    counts = inventory.by_kind()
    spofs = {e["component"]: e for e in found["spofs"]}
    reason: dict[str, str] = {}  # by-design reasons
    for cid, entry in spofs.items():
        kind = components[cid].kind
        if "accepted" not in entry and kind in ("site", "room") and counts[kind] == 1:
            reason[cid] = f"the only {kind}"
    accepted = {cid for cid, e in spofs.items() if "accepted" in e}

    def breaks(ids: list[str]) -> list[str]:
        broken = {s for cid in ids if cid in spofs for s in spofs[cid]["breaks"]}
        return [s for s in inventory.services() if s in broken]

    fix: list[dict[str, Any]] = []
    defeated_by: dict[str, list[str]] = {}  # owners of groups defeated only by by-design or accepted components
    alike: dict[tuple[tuple[str, ...], int, tuple[str, ...]], list[str]] = {}  # the same group, several owners
    for entry in found["illusory_redundancy"]:
        gate = _gate(graph, entry["group_of"], entry["members"])
        shared = [cid for cid in entry["shared"] if cid not in reason and cid not in accepted]
        if not shared:
            for cid in entry["shared"]:
                defeated_by.setdefault(cid, []).append(entry["group_of"])
            continue
        alike.setdefault((gate.members, gate.at_least, tuple(shared)), []).append(entry["group_of"])
    shapes: dict[tuple[Any, ...], list[tuple[list[str], Group, list[str]]]] = {}
    for (members, at_least, defeaters), owners in alike.items():
        shared = list(defeaters)
        shape = (
            components[owners[0]].kind,
            tuple(sorted({components[m].kind for m in members})),
            tuple(sorted({components[c].kind for c in narrowest(components, list(shared))})),
        )
        shapes.setdefault(shape, []).append((owners, Group(members, at_least), list(shared)))
    covered: set[str] = set()
    for shape, entries in shapes.items():
        covered.update(c for _, _, shared in entries for c in shared)
        if len(entries) >= PATTERN:
            fix.append(_pattern(shape, entries, spofs, components))
        else:
            fix.extend(_defeated(owners, gate, shared, spofs) for owners, gate, shared in entries)
    by_design: list[dict[str, Any]] = []
    for cid, why in reason.items():
        lost = spofs[cid]["breaks"]
        text = f"{cid} is {why}: losing it takes down {_services(lost, len(inventory.services()))}."
        if defeated_by.get(cid):
            owners = defeated_by[cid]
            text = text[:-1] + f"; it also defeats the redundancy of {listing(owners, 4)}."
        by_design.append({"text": text, "components": [cid], "services": lost})
    needed = [
        cid
        for cid in spofs
        if components[cid].kind == "service" and cid not in covered and cid not in accepted and cid not in reason
    ]
    if needed:
        users = breaks(needed)
        are = "is a service" if len(needed) == 1 else "are services"
        need = "needs" if len(users) == 1 else "need"
        by_design.append(
            {
                "text": f"{_and(needed, 6)} {are} that {_and(users, 6)} {need}: a dependency between services is "
                "by design (their own SPOFs are findings of their own).",
                "components": needed,
                "services": users,
            }
        )
    rest: dict[str, list[str]] = {}
    for cid in spofs:
        if cid not in covered and cid not in accepted and cid not in reason and cid not in needed:
            rest.setdefault(components[cid].kind, []).append(cid)
    for kind, ids in rest.items():
        if len(ids) >= PATTERN:
            sizes = [len(spofs[c]["breaks"]) for c in ids]
            worst = ids[sizes.index(max(sizes))]
            spread = f"{min(sizes):,} to {max(sizes):,}" if min(sizes) != max(sizes) else f"{max(sizes):,}"
            fix.append(
                {
                    "text": f"{len(ids):,} {plural(kind)} are each a single point of failure, taking down "
                    f"{spread} services each (most: {worst}, {max(sizes):,}).",
                    "components": ids,
                    "services": breaks(ids),
                }
            )
            continue
        for cid in ids:
            lost = spofs[cid]["breaks"]
            fix.append(
                {"text": f"{cid} ({kind}) alone takes down {_services(lost)}.", "components": [cid], "services": lost}
            )
    accepted_findings = []
    for cid in accepted:
        entry = spofs[cid]
        until = f" until {entry['accepted']['until']}" if entry["accepted"].get("until") else ""
        accepted_findings.append(
            {
                "text": f"{cid} ({entry['kind']}) alone takes down {_services(entry['breaks'])}; "
                f"accepted{until}: {entry['accepted']['reason']}",
                "components": [cid],
                "services": entry["breaks"],
            }
        )
    fix.sort(key=lambda f: -len(f["services"]))  # stable: the order found otherwise
    design = {*reason, *needed}
    return {
        "fix": fix,
        "by_design": by_design,
        "accepted": accepted_findings,
        "spofs": {
            "fix": [c for c in spofs if c not in design and c not in accepted],
            "by_design": [c for c in spofs if c in design],
            "accepted": [c for c in spofs if c in accepted],
        },
    }


def _gate(graph: nx.DiGraph[Node], owner: str, members: list[str]) -> Group:
    """The owner's group with these members."""
    nodes, succ, _ = internals(graph)
    gate: Group = next(
        nodes[g]["gate"] for g in succ[owner] if "gate" in nodes[g] and list(nodes[g]["gate"].members) == members
    )
    return gate


def _and(ids: list[str], most: int) -> str:
    """Ids as a list in a sentence: "a", "a and b", "a, b and c", "a, b, c and 4 more".

    >>> _and(["a"], 3), _and(["a", "b"], 3), _and(["a", "b", "c"], 3), _and(list("abcde"), 3)
    ('a', 'a and b', 'a, b and c', 'a, b, c and 2 more')
    """
    if len(ids) > most:
        return listing(ids, most)
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"


def _services(ids: list[str], total: int | None = None) -> str:
    """How many services, and which while they are few: "3 services (a, b, c)", "all 3 services", "328 services".

    >>> _services(["a"]), _services(["a", "b"], 2), _services([str(n) for n in range(9)])
    ('1 service (a)', 'all 2 services', '9 services')
    """
    if total is not None and len(ids) == total and total > 1:
        return f"all {total:,} services"
    noun = "service" if len(ids) == 1 else "services"
    return f"{len(ids):,} {noun}" + (f" ({', '.join(ids)})" if len(ids) <= 6 else "")


def _enough(gate: Group) -> str:
    if gate.at_least > 1:
        return "enough of them"
    return "both" if len(gate.members) == 2 else f"all {len(gate.members)}"


def _defeated(owners: list[str], gate: Group, shared: list[str], spofs: dict[str, Any]) -> dict[str, Any]:
    """One group (or owners of the same group) that one failure defeats, in a sentence."""
    head = "any of" if gate.at_least == 1 else f"at least {gate.at_least} of"
    who = listing(owners, 4)
    needs = "needs" if len(owners) == 1 else "need"
    defeaters = " or ".join([", ".join(shared[:-1]), shared[-1]]) if len(shared) > 1 else shared[0]
    takes = "takes" if len(shared) == 1 else "each take"
    text = f"{who} {needs} {head} {listing(list(gate.members), 6)}, but {defeaters} alone {takes} down {_enough(gate)}"
    lost = _worst(shared, spofs)[1]
    return {"text": text + _losing(shared, spofs), "components": shared, "services": lost, "groups_of": owners}


def _worst(ids: list[str], spofs: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The one of ``ids`` that takes down most services on its own, and those services."""
    best: tuple[str | None, list[str]] = (None, [])
    for cid in ids:
        if cid in spofs and len(spofs[cid]["breaks"]) > len(best[1]):
            best = (cid, spofs[cid]["breaks"])
    return best


def _losing(shared: list[str], spofs: dict[str, Any]) -> str:
    """What losing one of ``shared`` takes down, as the end of a sentence."""
    worst, lost = _worst(shared, spofs)
    if worst is None:
        return ", though no service goes down with it." if len(shared) == 1 else ", though no service goes down."
    if len(shared) == 1:
        return f": losing {worst} takes down {_services(lost)}."
    if all(spofs.get(c, {}).get("breaks") == lost for c in shared):
        return f": losing any of these takes down {_services(lost)}."
    return f": the worst, {worst}, takes down {_services(lost)}."


def _pattern(
    shape: tuple[Any, ...], entries: list[tuple[list[str], Group, list[str]]], spofs: dict[str, Any], components: Any
) -> dict[str, Any]:
    """Groups alike, in one line: "65 racks each need any of 2 power units, but one power unit alone ..."."""
    owner_kind, member_kinds, shared_kinds = shape
    members = " or ".join(plural(k) for k in member_kinds)
    sizes = sorted({len(g.members) for _, g, _ in entries})
    quorum = any(g.at_least > 1 for _, g, _ in entries)
    size = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}"
    head = f"a group of {size} {members}" if quorum or len(sizes) > 1 else f"any of {size} {members}"
    enough = "both" if not quorum and sizes == [2] else ("all" if not quorum else "enough of them")
    by = " or ".join(f"one {_singular(k)}" for k in shared_kinds)
    owners, gate, shared = entries[0]
    example = f"{owners[0]}: {listing(list(gate.members), 3)}, and {listing(narrowest(components, shared), 2)}"
    shared_ids = sorted({c for _, _, s in entries for c in s})
    worst, lost = _worst(sorted({c for _, _, s in entries for c in narrowest(components, s)}), spofs)
    text = (
        f"{len(entries):,} {plural(owner_kind)} each need {head}, but {by} alone takes down {enough} (e.g. {example})"
    )
    if worst is None:
        text += "; no service goes down with any of them."
    else:
        text += f"; the worst of these, {worst}, takes down {_services(lost)}."
    return {
        "text": text,
        "components": shared_ids,
        "services": lost,
        "groups_of": [o for owners, _, _ in entries for o in owners],
    }


def _singular(kind: str) -> str:
    """A kind as a noun: "power unit", "DNS server", "rack"."""
    return {"power": "power unit", "dns": "DNS server"}.get(kind, kind)
