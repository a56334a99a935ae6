"""Diagrams for design reviews: the estate as Graphviz DOT, built with pydot, drawn by ``dot``.

What the picture says, each encoding explained by its legend:

* containers (site, room, rack...) are nested clusters, drawn once, shaded by
  depth; components are shaped and coloured by kind; racks and every other box
  in name order (``rack-2`` before ``rack-10``);
* a redundancy group is one small junction (``any``, ``2 of 3``, its demand
  below) however many components need it; a group that one failure defeats is
  red and names what defeats it (the narrowest such components);
* a SPOF has a thick red border; a box of many components that holds SPOFs has a
  dashed one and says how many ("14 SPOFs among 3,772 hosts"), never more;
* after ``unplug``, unplugged, down and degraded boxes, junctions and clusters
  are painted, and so are the edges along which the failure spread (the engine's
  reasons, :func:`~graphanalyzer.analysis.failure.because`);
* edges on a dependency cycle are purple;
* a caption says what the picture shows, and what was unplugged did.

``focus`` keeps a component's neighbourhood and the containers its members stand
in, and never collapses the component itself.  ``level`` collapses everything
inside a kind into it (hosts into racks, racks into rooms); above
:data:`MAX_NODES` the picture collapses by itself, rack, then room, then site,
then to a summary: one box per room (or site), heat-coloured by the SPOFs it
holds and what losing it takes down, and one box per kind of what stands in no
room, so that any estate draws in seconds and shows where its risk is.

Output is deterministic and independent of declaration order (ids in name
order); node names are generated and every label and tooltip is quoted here, so
no id can break the file.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "rack-1": Component("rack-1", "rack"),
...     "web-1": Component("web-1", "host", container="rack-1"),
...     "web-2": Component("web-2", "host", container="rack-1"),
...     "app": Component("app", "service", requires=(Group(("web-1", "web-2")),)),
... }))
>>> picture = draw(g)
>>> picture.level, 'label="rack-1"' in picture.dot, 'label="any\\\\nlost with\\\\nrack-1"' in picture.dot
(None, True, True)
>>> picture.caption
'x: 4 components, 1 service; 1 SPOF, 1 redundancy group one failure defeats.'
>>> draw(g, level="rack").level, draw(g, unplugged=["rack-1"]).caption
('rack', 'x: unplugging rack-1 takes down 1 of 1 service (app); 2 other components are not up.')
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pydot

from graphanalyzer.analysis.failure import DOWN, UP, State, because, propagate
from graphanalyzer.analysis.spof import spof
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, check_ids, internals, is_gate
from graphanalyzer.model import Component, Group, Inventory, narrowest, number
from graphanalyzer.render.dot import quote
from graphanalyzer.render.text import listing, plural

#: Above this size (boxes and junctions, plus a third of the edges) a diagram collapses by itself:
#: ``dot`` takes minutes for thousands of nodes, seconds for hundreds.
MAX_NODES = 600
#: Shape and fill of each known kind; others are plain boxes.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "site": ("house", "#d6eaf8"),
    "room": ("tab", "#d6eaf8"),
    "rack": ("box3d", "#e8eef4"),
    "power": ("invtriangle", "#fcf3cf"),
    "switch": ("hexagon", "#d5f5e3"),
    "router": ("octagon", "#d5f5e3"),
    "carrier": ("cds", "#e8daef"),
    "loadbalancer": ("trapezium", "#d1f2eb"),
    "host": ("box", "#f8f9f9"),
    "vm": ("box", "#fdfefe"),
    "database": ("cylinder", "#fdebd0"),
    "queue": ("box", "#fdebd0"),
    "dns": ("note", "#ebdef0"),
    "service": ("ellipse", "#d4e6f1"),
}
#: Cluster shading by nesting depth, outermost first.
DEPTH_FILL = ("#f4f6f7", "#eaf2f8", "#e8f6f3", "#fef9e7", "#fbeee6", "#f5eef8")
STATE_STYLE = {
    "unplugged": {"fillcolor": "#2c3e50", "fontcolor": "white"},
    "down": {"fillcolor": "#e74c3c", "fontcolor": "white"},
    "degraded": {"fillcolor": "#f5b041", "fontcolor": "black"},
}
#: Cluster fills for the same states: light, so that what stands inside stays readable.
CLUSTER_STATE = {"unplugged": "#aeb6bf", "down": "#f5b7b1", "degraded": "#fad7a0"}
#: Edge colours: a failure spreading to a down or degraded node; a dependency cycle.
PATH_COLOR = {State.DOWN: "#c0392b", State.DEGRADED: "#d68910"}
CYCLE_COLOR = "#8e44ad"
SPOF_COLOR = "#c0392b"
COLLAPSE_ORDER = ("rack", "room", "site")
#: How a summary box of every component of a kind is named (no id starts so).
EACH = "\x00each "
#: How a box of alike siblings is named: this, then its first member's id.
ALIKE = "\x00alike "
#: Siblings alike (same place, kind, state and connections) are drawn as one box from this many on.
MERGED = 3
#: Rooms a summary draws apart: those with most at risk (SPOFs inside, services their loss takes down).
ROOMS = 24
_STATE_NAMES = {State.UP: "up", State.DEGRADED: "degraded", State.DOWN: "down"}


@dataclass(frozen=True)
class Picture:
    """A diagram: its DOT text, the level it was collapsed to and why, its size, and its caption."""

    dot: str
    level: str | None
    note: str | None = None
    boxes: int = 0
    caption: str = ""


@dataclass
class _Box:
    """One drawn box: a component, or several collapsed into one."""

    name: str
    rep: str
    members: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=2**18)  # a large estate's picture sorts the same ids again and again
def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts ``rack-2`` before ``rack-10``.

    >>> sorted(["rack-10", "rack-2", "rack-1b", "Rack-3"], key=natural)
    ['rack-1b', 'rack-2', 'Rack-3', 'rack-10']
    """
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in _DIGITS.split(text) if part)


_DIGITS = re.compile(r"(\d+)")


@dataclass
class _Facts:
    """What the picture needs to know about the estate, computed once."""

    graph: nx.DiGraph[Node]
    inventory: Inventory
    states: dict[Node, State]
    unplugged: set[str]
    spofs: dict[str, list[str]]  # SPOF -> services it takes down
    defeated: dict[tuple[str, tuple[str, ...]], list[str]]  # (owner, members) -> what alone defeats the group
    cycle_of: dict[Node, int]  # node -> its dependency cycle (strongly connected set), if on one; found when needed
    focus: str | None


def draw(
    graph: nx.DiGraph[Node],
    *,
    unplugged: Iterable[str] = (),
    focus: str | None = None,
    depth: int = 2,
    level: str | None = None,
    max_nodes: int = MAX_NODES,
    found: dict[str, Any] | None = None,
    layout: Callable[[str], tuple[float, float]] | None = None,
    rankdir: str | None = None,
) -> Picture:
    """The diagram of an estate (or of ``focus``'s neighbourhood), collapsed as asked or as needed.

    ``found`` is the estate's ``spof`` result, when the caller has it already.
    ``layout`` measures a DOT text's drawing (width and height, as :func:`measure`
    does with Graphviz): given it, the picture flows left to right or top to bottom,
    whichever fits a 16:9 slide larger; without it, left to right.  ``rankdir``
    (``LR`` or ``TB``) says which instead.
    """
    inventory: Inventory = graph.graph["inventory"]
    unplugged = check_ids(graph, unplugged)
    shown = list(inventory.components)
    if focus is not None:
        (focus,) = check_ids(graph, [focus])
        shown = _neighbourhood(graph, focus, depth)
    shown.sort(key=natural)
    kinds = {c.kind for c in inventory.components.values()}
    if level is not None and level not in kinds and level != "summary":
        raise UsageError(f"no component of kind '{level}' to collapse into (kinds: {', '.join(sorted(kinds))})")
    found = spof(graph) if found is None else found
    facts = _Facts(
        graph,
        inventory,
        propagate(graph, unplugged) if unplugged else {},
        set(unplugged),
        {e["component"]: sorted(e["breaks"], key=natural) for e in found["spofs"]},  # in name order: the same
        {(e["group_of"], tuple(e["members"])): sorted(e["shared"], key=natural) for e in found["illusory_redundancy"]},
        {},
        focus,
    )

    built: dict[str | None, tuple[_Wiring, pydot.Dot, int]] = {}  # by level: boxes and edges, drawing, size
    alone = sum(inventory.components[cid].container is None for cid in shown)  # a box each, at any level but summary

    def attempt(at: str | None, final: bool) -> tuple[str, int, int]:
        """The DOT text (when ``final``), size and boxes of the picture at level ``at``; a level's picture
        is built once, and takes the caption as it stands when its text is asked for."""
        if at not in built:
            if at != "summary" and alone > max_nodes:  # too big already, without collapsing to see
                return "", alone, alone
            for reps in _collapse(inventory, shown, at, focus, risk):
                boxes = len(set(reps.values()))
                if boxes <= max_nodes or at != "summary":
                    break
            if at != "summary" and boxes > max_nodes:  # too big already: do not build it
                return "", boxes, boxes
            if at != "summary":
                reps = _alike(facts, reps)
                if not facts.cycle_of:  # cycles are drawn between boxes of one component or few, not in a summary
                    facts.cycle_of.update(_cycles(graph))
            wired = _wiring(facts, reps, at)
            built[at] = (wired, *_dot(facts, wired, rankdir or "LR"))
        wired, drawing, size = built[at]
        reps = wired.reps
        if not final:
            return "", size, len(set(reps.values()))
        drawing.set("label", _wrapped(caption))
        dot: str = drawing.to_string()
        if layout is not None and rankdir is None:
            upright, _ = _dot(facts, wired, "TB")
            upright.set("label", _wrapped(caption))
            text = upright.to_string()
            if _fit(layout(text)) > _fit(layout(dot)):
                dot = text
        return dot, size, len(set(reps.values()))

    risk = dict.fromkeys(facts.spofs, 0)  # SPOFs inside each container, and what losing it takes down
    for cid in facts.spofs:
        walk = inventory.components[cid].container
        while walk is not None:
            risk[walk] = risk.get(walk, 0) + 1
            walk = inventory.components[walk].container
    for cid, lost in facts.spofs.items():
        risk[cid] += len(lost)
    caption = _caption(facts, shown)
    note = None
    size = attempt(level, False)[1]
    if size > max_nodes and level != "summary":
        asked = level
        coarser = [k for k in COLLAPSE_ORDER if k in kinds]
        if level in coarser:
            coarser = coarser[coarser.index(level) + 1 :]
        for candidate in (*coarser, "summary"):
            level = candidate
            _, size, boxes = attempt(candidate, False)
            if size <= max_nodes:
                break
        note = (
            f"{len(shown):,} components are too many to draw "
            + ("one by one" if asked is None else f"by {asked}")
            + ": collapsed to "
            + (_summary_words(inventory, shown) if level == "summary" else f"{level}s")
            + f" ({boxes:,} boxes); use --focus ID, --level KIND or --max-boxes N for detail"
        )
        caption += f" {note[0].upper()}{note[1:]}."
    dot, size, boxes = attempt(level, True)
    return Picture(dot, level, note, boxes, caption)


def _summary_words(inventory: Inventory, shown: list[str]) -> str:
    rooms = sum(1 for cid in shown if inventory.components[cid].kind == "room")
    if rooms > ROOMS:
        others = f"the other {rooms - ROOMS:,} in their sites"
        return f"the {ROOMS} rooms with most at risk ({others}) and one box per kind of the rest"
    return "one box per room or site and one per kind of the rest"


def _neighbourhood(graph: nx.DiGraph[Node], focus: str, depth: int) -> list[str]:
    """Components within ``depth`` hops of ``focus`` either way (groups are no hop), and the containers they are in."""
    _, succ, preds = internals(graph)
    components = graph.graph["inventory"].components
    reached = {focus: 0}
    frontier = [focus]
    for hop in range(1, depth + 1):
        following: list[str] = []
        for node in frontier:
            stack: list[Node] = [*succ[node], *preds[node]]
            while stack:
                other = stack.pop()
                if is_gate(other):
                    stack.extend(n for n in (*succ[other], *preds[other]) if n != node)
                elif other not in reached:
                    reached[other] = hop  # type: ignore[index]
                    following.append(other)  # type: ignore[arg-type]
        frontier = following
    for cid in list(reached):  # where each of them stands
        walk = components[cid].container
        while walk is not None and walk not in reached:
            reached[walk] = depth + 1
            walk = components[walk].container
    return [cid for cid in components if cid in reached]


def _collapse(
    inventory: Inventory, shown: list[str], level: str | None, focus: str | None, risk: dict[str, int]
) -> Iterable[dict[str, str]]:
    """Each shown component's box: itself, its nearest container of kind ``level``, or a summary box.

    For ``summary``, first one box per room (or site, where there is no room) and
    one per kind (:data:`EACH` and the kind) of what stands in neither; then,
    coarser, one box per site.  Of more than :data:`ROOMS` rooms, those with most
    at ``risk`` get a box, the others stand in their site.  The focus and sites
    stay themselves.
    """
    components = inventory.components
    holders = {c.container for c in components.values()}
    ordered = shown  # in name order: the same picture whatever the declaration order

    known: dict[tuple[str | None, tuple[str, ...]], str | None] = {}  # by container: what it stands in decides

    def nearest(cid: str, kinds: tuple[str, ...]) -> str | None:
        container = components[cid].container
        if (container, kinds) not in known:
            known[container, kinds] = _nearest(components, container, kinds)
        return known[container, kinds]

    if level != "summary":
        yield {cid: cid if level is None or cid == focus else (nearest(cid, (level,)) or cid) for cid in ordered}
        return
    rooms = [cid for cid in ordered if components[cid].kind == "room"]
    if len(rooms) > ROOMS:  # the rooms with most at risk, the others inside their site
        rooms = sorted(rooms, key=lambda room: (-risk.get(room, 0), natural(room)))[:ROOMS]
    kept = set(rooms)
    for kinds in (("room", "site"), ("site",)):
        reps = {}
        for cid in ordered:
            component = components[cid]
            if cid == focus or (component.container is None and cid in holders) or component.kind == "site":
                reps[cid] = cid
                continue
            rep = nearest(cid, kinds)
            if rep is not None and components[rep].kind == "room" and rep not in kept:
                rep = nearest(rep, ("site",))
            if cid in kept and "room" in kinds:
                rep = cid
            top = component.container
            while rep is None and top is not None:  # the top-level container it stands in
                rep, top = (top, None) if components[top].container is None else (None, components[top].container)
            reps[cid] = rep if rep is not None else EACH + component.kind
        yield reps


def _nearest(components: Mapping[str, Component], walk: str | None, kinds: tuple[str, ...]) -> str | None:
    """The nearest container of the first of ``kinds`` there is, from ``walk`` outwards."""
    for kind in kinds:
        up = walk
        while up is not None:
            if components[up].kind == kind:
                return up
            up = components[up].container
    return None


def _alike(facts: _Facts, reps: dict[str, str]) -> dict[str, str]:
    """Boxes of :data:`MERGED` or more siblings alike drawn as one ("web-1 … web-3, 3 hosts").

    Alike: the same container, kind and state, needing the same boxes and groups,
    needed by the same boxes and groups; none a SPOF, unplugged, the focus, or
    holding anything drawn.
    """
    components = facts.inventory.components
    nodes, succ, preds = internals(facts.graph)

    def group(gate: Node) -> str:
        g: Group = nodes[gate]["gate"]
        return repr((g.at_least, g.demand, sorted({reps[m] for m in g.members if m in reps}, key=natural)))

    def link(node: Node) -> tuple[str, str]:
        return ("g", group(node)) if isinstance(node, tuple) else ("c", reps.get(node, ""))

    holding = {components[c].container for c in reps}
    kinds: dict[tuple[Any, ...], list[str]] = {}
    for cid, rep in reps.items():
        if rep != cid or cid in holding or cid in facts.spofs or cid in facts.unplugged or cid == facts.focus:
            continue
        component = components[cid]
        needs = sorted(link(r) for r in succ[cid] if r != component.container)
        needed = sorted(link(p) for p in preds[cid] if is_gate(p) or components[p].container != cid)  # type: ignore[index]
        key = (component.container, component.kind, facts.states.get(cid, UP), repr(needs), repr(needed))
        kinds.setdefault(key, []).append(cid)
    merged = dict(reps)
    for alike in kinds.values():
        if len(alike) >= MERGED:
            name = ALIKE + alike[0]
            merged.update(dict.fromkeys(alike, name))
    return merged


def _cycles(graph: nx.DiGraph[Node]) -> dict[Node, int]:
    """Each node on a dependency cycle, with the number of its strongly connected set."""
    on: dict[Node, int] = {}
    for n, members in enumerate(nx.strongly_connected_components(graph)):
        if len(members) > 1 or graph.has_edge(next(iter(members)), next(iter(members))):
            on.update(dict.fromkeys(members, n))
    return on


def _caption(facts: _Facts, shown: list[str]) -> str:
    """What the picture shows, and what unplugging did, in one or two sentences."""
    inventory = facts.inventory
    services = sorted(inventory.services(), key=natural)
    where = inventory.name
    if facts.focus is not None:
        where += f", around {facts.focus} ({len(shown):,} components)"
    if facts.unplugged:
        down = [s for s in services if facts.states.get(s) is DOWN and s not in facts.unplugged]
        degraded = [s for s in services if facts.states.get(s) is State.DEGRADED]
        kept = set(services) | facts.unplugged
        others = sum(1 for n in facts.states if isinstance(n, str) and n not in kept)
        count = len([s for s in services if s not in facts.unplugged])
        text = f"{where}: unplugging {listing(sorted(facts.unplugged, key=natural), 4)} takes down "
        text += f"{len(down):,} of {count:,} {'service' if count == 1 else 'services'}"
        text += f" ({listing(down, 4)})" if down else ""
        text += f" and degrades {len(degraded):,} ({listing(degraded, 4)})" if degraded else ""
        return text + f"; {others:,} other {'component is' if others == 1 else 'components are'} not up."
    spofs, groups = len(facts.spofs), len(facts.defeated)
    return (
        f"{where}: {len(inventory.components):,} components, {len(services):,} "
        f"{'service' if len(services) == 1 else 'services'}; {spofs:,} {'SPOF' if spofs == 1 else 'SPOFs'}, "
        f"{groups:,} redundancy {'group' if groups == 1 else 'groups'} one failure defeats."
    )


@dataclass(frozen=True)
class _Wiring:
    """A picture's boxes (by what each stands for), where each is drawn (inside which box), its heat, and its
    junctions and edges: all but the direction it flows in (:func:`_dot` draws it either way)."""

    reps: dict[str, str]
    level: str | None
    boxes: dict[str, _Box]
    parents: dict[str, str | None]
    children: dict[str | None, list[str]]
    heat: dict[str, float]
    junctions: dict[tuple[str, tuple[str, ...]], _Junction]
    edges: dict[tuple[str, str], _Edge]


def _wiring(facts: _Facts, reps: dict[str, str], level: str | None) -> _Wiring:
    """The boxes of ``reps`` (component -> the box it is drawn in), nested, and the junctions and edges
    between them."""
    graph, components = facts.graph, facts.inventory.components
    nodes, succ, _ = internals(graph)
    summary = level == "summary"
    boxes: dict[str, _Box] = {}
    for rep in sorted(set(reps.values()), key=natural):
        boxes[rep] = _Box(f"n{len(boxes) + 1}", rep)
    for cid, rep in reps.items():
        boxes[rep].members.append(cid)

    def parent(rep: str) -> str | None:
        """The box a box is drawn inside: the box of its container, if drawn as itself."""
        if rep.startswith(ALIKE):
            rep = boxes[rep].members[0]
        if rep not in components:
            return None
        walk = components[rep].container
        while walk is not None:
            if walk in boxes and reps.get(walk) == walk:
                return walk
            walk = components[walk].container
        return None

    parents = {rep: parent(rep) for rep in boxes}
    children: dict[str | None, list[str]] = {}
    for rep in boxes:
        children.setdefault(parents[rep], []).append(rep)
    heat = _heat(facts, boxes) if level is not None else {}
    reasons = _reasons(facts, reps)
    junctions: dict[tuple[str, tuple[str, ...]], _Junction] = {}
    edges: dict[tuple[str, str], _Edge] = {}

    inside: dict[str, set[str]] = {}

    def around(rep: str) -> set[str]:
        """The clusters a box is drawn inside."""
        if rep not in inside:
            found = inside[rep] = set()
            walk = parents[rep] if rep in boxes else None
            while walk is not None:
                found.add(walk)
                walk = parents[walk]
        return inside[rep]

    def connect(tail: str, head: str, kind: str, path: State | None, cycle: bool) -> None:
        if head in around(tail) or tail in around(head):  # what stands inside needs its container: the nesting says so
            return
        edge = edges.setdefault((tail, head), _Edge(kind))
        if path is not None and (edge.path is None or path > edge.path):
            edge.path = path
        edge.cycle = edge.cycle or cycle

    for cid, rep in reps.items():
        for requirement in succ[cid]:
            cyclic = facts.cycle_of.get(cid) is not None and facts.cycle_of.get(cid) == facts.cycle_of.get(requirement)
            if not is_gate(requirement):
                target = reps.get(requirement)  # type: ignore[arg-type]
                if target is not None and target != rep and components[cid].container != requirement:
                    connect(rep, target, "needs", reasons.get((cid, requirement)), cyclic)
                continue
            gate: Group = nodes[requirement]["gate"]
            members = tuple(sorted({reps[m] for m in gate.members if m in reps}, key=natural))
            if not members or members == (rep,):
                continue
            if summary:  # boxes of many components: their groups are drawn as plain requirements
                through = reasons.get((cid, requirement))
                for m in gate.members:
                    if m in reps and reps[m] != rep:
                        connect(rep, reps[m], "needs", through and reasons.get((requirement, m)), cyclic)
                continue
            text = "any" if gate.at_least == 1 else f"{gate.at_least} of {len(gate.members)}"
            if gate.demand is not None:
                text += f"\n{number(gate.demand)}"
            junction = junctions.setdefault((text, members), _Junction(f"j{len(junctions) + 1}", text))
            junction.owners.append(cid)
            junction.gates.append(requirement)
            junction.defeated.extend(facts.defeated.get((cid, gate.members), ()))
            connect(rep, junction.name, "needs", reasons.get((cid, requirement)), cyclic)
            for m in gate.members:
                if m in reps and reps[m] != rep:
                    on_cycle = facts.cycle_of.get(requirement) is not None and facts.cycle_of.get(
                        requirement
                    ) == facts.cycle_of.get(m)
                    connect(junction.name, reps[m], "member", reasons.get((requirement, m)), on_cycle)
    return _Wiring(reps, level, boxes, parents, children, heat, junctions, edges)


def _dot(facts: _Facts, wired: _Wiring, rankdir: str) -> tuple[pydot.Dot, int]:
    """The drawing, its caption (``label``) left for the caller to set, and its size: boxes and junctions,
    plus a third of the edges."""
    reps, boxes, parents, children, heat = wired.reps, wired.boxes, wired.parents, wired.children, wired.heat
    junctions, edges = wired.junctions, wired.edges
    summary = wired.level == "summary"
    dot = pydot.Dot(
        "estate",
        graph_type="digraph",
        rankdir=rankdir,
        compound="true",
        newrank="true",
        ordering="out",  # what a box needs in name order: racks side by side as rack-1, rack-2...
        fontname='"Helvetica"',
        label='""',  # the caption, set by the caller
        labelloc="b",
        labeljust="l",
        fontsize="14",
        nodesep="0.25",
        ranksep="0.6",
    )
    dot.set_node_defaults(fontname='"Helvetica"', fontsize="10", style='"filled"')
    dot.set_edge_defaults(color='"#7f8c8d"', arrowsize="0.6")
    anchor: dict[str, str] = {}  # a cluster's box -> the invisible point edges attach to

    def place(container: Any, rep: str, nesting: int) -> None:
        box = boxes[rep]
        inside = children.get(rep, [])
        if not inside:
            container.add_node(_node(facts, box, summary, heat.get(rep)))
            return
        cluster = _cluster(facts, box, nesting)
        clusters[rep] = cluster
        anchor[rep] = f"a{box.name[1:]}"
        cluster.add_node(pydot.Node(anchor[rep], shape="point", style="invis", width="0.01", label='""'))
        for child in inside:
            place(cluster, child, nesting + 1)
            # What stands inside needs its container: laid out before the container's own needs.
            cluster.add_edge(pydot.Edge(anchor.get(child, boxes[child].name), anchor[rep], style="invis"))
        leaves = [boxes[c].name for c in inside if c not in anchor]
        if summary and len(leaves) > 6:  # many boxes of many: a grid, in name order, rather than one long line
            # Lines along the flow: two long ones when it flows down (a tall block beside others), short ones
            # when it flows across.
            across = min(math.ceil(len(leaves) / 2), 6) if rankdir == "TB" else math.ceil(math.sqrt(len(leaves)))
            for start in range(0, len(leaves), across):
                for a, b in itertools.pairwise(leaves[start : start + across]):
                    cluster.add_edge(pydot.Edge(a, b, style="invis"))
        container.add_subgraph(cluster)  # a Cluster is a Subgraph (pydot's hints say otherwise)

    clusters: dict[str, pydot.Cluster] = {}
    for rep in children.get(None, []):
        place(dot, rep, 0)

    def home(involved: Iterable[str]) -> Any:
        """The innermost cluster around every box ``involved`` (the whole picture if none)."""
        chains = []
        for rep in involved:
            chain: list[str] = []
            walk = parents[rep]
            while walk is not None:
                chain.append(walk)
                walk = parents[walk]
            chains.append(chain[::-1])
        common = None
        for level in zip(*chains, strict=False):
            if len(set(level)) != 1:
                break
            common = level[0]
        return dot if common is None else clusters[common]

    def end(rep: str) -> tuple[str, dict[str, str]]:
        """Where an edge to or from a box attaches: the box, or its cluster's anchor."""
        return (anchor[rep], {"cluster": f"cluster_c{boxes[rep].name}"}) if rep in anchor else (boxes[rep].name, {})

    for junction in junctions.values():  # each inside the innermost container of what it joins
        joined = {reps[o] for o in junction.owners} | {head for (tail, head) in edges if tail == junction.name}
        home(joined).add_node(_junction_node(facts, junction))
    ordered = sorted(
        edges.items(), key=lambda item: (_order(_name(item[0][0], boxes)), _order(_name(item[0][1], boxes)))
    )
    for (tail, head), edge in ordered:
        tail_name, tail_extra = end(tail) if tail in boxes else (tail, {})
        head_name, head_extra = end(head) if head in boxes else (head, {})
        line = pydot.Edge(tail_name, head_name)
        if "cluster" in tail_extra:
            line.set("ltail", tail_extra["cluster"])
        if "cluster" in head_extra:
            line.set("lhead", head_extra["cluster"])
        if edge.kind == "member":
            line.set("arrowhead", "none")
            line.set("style", "dashed")
        if edge.cycle:
            line.set("color", quote(CYCLE_COLOR))
            line.set("penwidth", "2")
        if edge.path is not None:
            line.set("color", quote(PATH_COLOR[edge.path]))
            line.set("penwidth", "2.2")
        dot.add_edge(line)
    dot.add_subgraph(_legend(facts, boxes, junctions, edges, bool(heat), rankdir))  # type: ignore[arg-type]
    return dot, len(boxes) + len(junctions) + len(edges) // 3


@dataclass
class _Junction:
    name: str
    text: str
    owners: list[str] = field(default_factory=list)
    gates: list[Node] = field(default_factory=list)
    defeated: list[str] = field(default_factory=list)


@dataclass
class _Edge:
    kind: str
    path: State | None = None
    cycle: bool = False


def _wrapped(text: str, width: int = 110) -> str:
    """A DOT string of ``text`` in left-justified lines of at most ``width`` characters."""
    lines = textwrap.wrap(text, width) or [""]
    return '"' + "".join(quote(line)[1:-1] + "\\l" for line in lines) + '"'


def _name(key: str, boxes: dict[str, _Box]) -> str:
    return boxes[key].name if key in boxes else key


def _order(name: str) -> tuple[str, int]:
    return (name[0], int(name[1:]))


def _reasons(facts: _Facts, reps: dict[str, str]) -> dict[tuple[Node, Node], State]:
    """Requirement edges along which the failure spread (the engine's reasons), with the state they carried."""
    if not facts.states:
        return {}
    spread: dict[tuple[Node, Node], State] = {}
    for node in facts.states:
        owner = node[0] if isinstance(node, tuple) else node
        if owner not in reps or node in facts.unplugged:
            continue
        for reason in because(facts.graph, facts.states, node):
            spread[(node, reason)] = facts.states.get(reason, UP)
    return spread


def _heat(facts: _Facts, boxes: dict[str, _Box]) -> dict[str, float]:
    """For boxes of many components: a share of the worst box's risk (SPOFs it holds, services its loss takes down)."""
    risk = {}
    for rep, box in boxes.items():
        if len(box.members) > 1:
            risk[rep] = sum(1 for m in box.members if m in facts.spofs) + len(facts.spofs.get(rep, ()))
    top = max(risk.values(), default=0)
    return {rep: value / top for rep, value in risk.items()} if top else {}


def _blend(colour: str, share: float, to: str = "#ec7063") -> str:
    """``colour`` moved ``share`` of the way towards ``to`` (both ``#rrggbb``)."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(to[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _kind(box: _Box, components: Any) -> str:
    """The kind of what a box shows."""
    if box.rep in components:
        return str(components[box.rep].kind)
    if box.rep.startswith(EACH):
        return box.rep.removeprefix(EACH)
    return str(components[box.members[0]].kind)


def _contents(box: _Box, components: Any) -> str:
    """What a box of many components holds, by kind: "16 hosts, 2 power units"."""
    counts: dict[str, int] = {}
    for m in box.members:
        if m != box.rep:
            kind = components[m].kind
            counts[kind] = counts.get(kind, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"{n:,} {kind if n == 1 else plural(kind)}" for kind, n in ranked[:3]]
    if len(ranked) > 3:
        parts.append(f"{sum(n for _, n in ranked[3:]):,} more")
    return ", ".join(parts)


def _risk_lines(facts: _Facts, box: _Box) -> list[str]:
    """What a box of many components holds at risk: its SPOFs (never more than there are), what its loss does."""
    lines = []
    inside = [m for m in box.members if m != box.rep and m in facts.spofs]
    if inside:
        lines.append(f"{len(inside):,} {'SPOF' if len(inside) == 1 else 'SPOFs'} inside")
    if box.rep in facts.spofs:
        lost = len(facts.spofs[box.rep])
        lines.append(f"losing it: {lost:,} {'service' if lost == 1 else 'services'} down")
    return lines


def _state_of(facts: _Facts, box: _Box) -> str | None:
    """The state a box is painted in: its own component's; for a kind box, one its members all share."""
    if not facts.states and not facts.unplugged:
        return None
    if box.rep in facts.inventory.components:
        if box.rep in facts.unplugged:
            return "unplugged"
        state = facts.states.get(box.rep, UP)
        return None if state is UP else _STATE_NAMES[state]
    states = {facts.states.get(m, UP) for m in box.members}
    if len(states) == 1 and UP not in states:
        return _STATE_NAMES[states.pop()]
    return None


def _broken_inside(facts: _Facts, box: _Box) -> str | None:
    """For a box of many components with the failure inside it: "3 of 16 down"."""
    if not facts.states or len(box.members) == 1 or box.rep.startswith(ALIKE):
        return None
    others = [m for m in box.members if m != box.rep]
    down = sum(1 for m in others if facts.states.get(m) is DOWN)
    degraded = sum(1 for m in others if facts.states.get(m) is State.DEGRADED)
    parts = [f"{down:,} down"] if down else []
    parts += [f"{degraded:,} degraded"] if degraded else []
    return f"of {len(others):,}: {' and '.join(parts)}" if parts else None


def _node(facts: _Facts, box: _Box, summary: bool, heat: float | None) -> pydot.Node:
    components = facts.inventory.components
    rep = box.rep
    record: Component | None = components.get(rep)
    kind = _kind(box, components)
    shape, fill = KIND_STYLE.get(kind, ("box", "#f8f9f9"))
    if heat:
        fill = _blend(fill, heat)
    attributes: dict[str, str] = {"shape": shape, "fillcolor": quote(fill), "tooltip": quote(_tooltip(facts, box))}
    if rep.startswith(ALIKE):  # siblings alike
        label = f"{box.members[0]} … {box.members[-1]}\n{len(box.members):,} {plural(kind)}"
    elif record is None:  # a box of so many of a kind
        count = len(box.members)
        label = f"{count:,} {kind if count == 1 else plural(kind)}"
        spofs = sum(1 for m in box.members if m in facts.spofs)
        if spofs:
            label = f"{spofs:,} {'SPOF' if spofs == 1 else 'SPOFs'} among\n{label}"
            attributes.update({"color": quote(SPOF_COLOR), "penwidth": "2", "style": '"filled,dashed"'})
    else:
        label = rep
        if len(box.members) > 1:
            label += f"\n{_contents(box, components)}" if not summary else f"\n{len(box.members) - 1:,} components"
            risk = _risk_lines(facts, box)
            label += "".join(f"\n{line}" for line in risk)
            if any(m != rep and m in facts.spofs for m in box.members):
                attributes.update({"color": quote(SPOF_COLOR), "penwidth": "2", "style": '"filled,dashed"'})
        if rep in facts.spofs:
            attributes.update({"color": quote(SPOF_COLOR), "penwidth": "2.5", "style": '"filled"'})
    broken = _broken_inside(facts, box)
    if broken:
        label += f"\n{broken}"
    state = _state_of(facts, box)
    if state is not None:
        attributes.update({k: quote(v) for k, v in STATE_STYLE[state].items()})
        if state == "unplugged":
            label += "\n(unplugged)"
    if rep == facts.focus:
        attributes.update({"penwidth": "3.5", "color": '"#2e86c1"', "fontname": '"Helvetica-Bold"'})
    return _with(pydot.Node(box.name, label=quote(label)), attributes)


def _cluster(facts: _Facts, box: _Box, nesting: int) -> pydot.Cluster:
    """A container drawn once, as the cluster around what stands in it, in its own state."""
    rep = box.rep
    label = rep
    if len(box.members) > 1:
        others = len(box.members) - 1
        label += f" (and {others:,} {'component' if others == 1 else 'components'} not drawn apart)"
    fill = DEPTH_FILL[nesting % len(DEPTH_FILL)]
    attributes = {
        "label": quote(label),
        "style": '"filled,rounded"',
        "fillcolor": quote(fill),
        "color": '"#aab7b8"',
        "fontname": '"Helvetica-Bold"',
        "fontsize": "11",
        "tooltip": quote(_tooltip(facts, box)),
    }
    state = _state_of(facts, box)
    if state is not None:
        attributes["fillcolor"] = quote(CLUSTER_STATE[state])
        attributes["label"] = quote(f"{label} ({state})")
    if rep in facts.spofs:
        attributes.update({"color": quote(SPOF_COLOR), "penwidth": "2.5"})
    if rep == facts.focus:
        attributes.update({"color": '"#2e86c1"', "penwidth": "3.5"})
    cluster = pydot.Cluster(f"c{box.name}")
    for key, value in attributes.items():
        cluster.set(key, value)
    return cluster


def _junction_node(facts: _Facts, junction: _Junction) -> pydot.Node:
    """A redundancy group: red, naming what defeats it, when one failure does."""
    label = junction.text
    tooltip = "; ".join(
        f"{owner}: {facts.graph.nodes[gate]['gate'].describe()}"
        for owner, gate in zip(junction.owners[:6], junction.gates[:6], strict=True)
    )
    if len(junction.owners) > 6:
        tooltip += f"; and {len(junction.owners) - 6:,} more"
    attributes = {"shape": "circle", "width": '"0.3"', "fixedsize": "false", "fontsize": "8", "fillcolor": '"white"'}
    if junction.defeated:
        defeaters = list(dict.fromkeys(junction.defeated))
        narrow = narrowest(facts.inventory.components, defeaters)
        label += "\nlost with\n" + listing(_nearest_first(facts, junction, narrow), 1).replace(" and ", " +")
        tooltip += f"\none failure defeats it: {', '.join(defeaters)}"
        attributes.update(
            {"color": quote(SPOF_COLOR), "penwidth": "2", "fillcolor": '"#fdedec"', "fontcolor": '"#922b21"'}
        )
    states = [facts.states.get(g, UP) for g in junction.gates]
    worst = max(states, default=UP)
    if worst is not UP:
        attributes.update({k: quote(v) for k, v in STATE_STYLE[_STATE_NAMES[worst]].items()})
    attributes["tooltip"] = quote(tooltip)
    return _with(pydot.Node(junction.name, label=quote(label)), attributes)


def _nearest_first(facts: _Facts, junction: _Junction, ids: list[str]) -> list[str]:
    """``ids`` ranked by how many of the group's members stand in or directly need each, then by name."""
    nodes, succ, _ = internals(facts.graph)
    members = {m for gate in junction.gates for m in nodes[gate]["gate"].members}
    direct = {cid: sum(1 for m in members if cid in succ[m]) for cid in ids}
    return sorted(ids, key=lambda cid: (-direct[cid], natural(cid)))


def _with(node: pydot.Node, attributes: dict[str, str]) -> pydot.Node:
    for key, value in attributes.items():
        node.set(key, value)
    return node


def _tooltip(facts: _Facts, box: _Box) -> str:
    """A component's details, or what a box of many holds and its SPOFs."""
    components = facts.inventory.components
    if len(box.members) == 1 and box.rep in components:
        c: Component = components[box.rep]
        lines = [f"{c.kind} {c.id}"]
        if c.owner:
            lines.append(f"owner: {c.owner}")
        if c.description:
            lines.append(c.description)
        lines.append(f"availability {c.availability}")
        if c.capacity is not None:
            lines.append(f"capacity {number(c.capacity)}")
        if c.id in facts.spofs:
            lines.append(f"SPOF: alone takes down {listing(facts.spofs[c.id], 6)}")
        return "\n".join(lines)
    shown = box.members[:12]
    more = len(box.members) - len(shown)
    if box.rep.startswith(ALIKE):
        title = f"{len(box.members):,} {plural(_kind(box, components))} alike: the same place, needs and state"
    elif box.rep in components:
        title = f"{box.rep}: {len(box.members):,} components"
    else:
        title = f"{len(box.members):,} {plural(_kind(box, components))}"
    text = f"{title}\n" + ", ".join(shown) + (f" and {more:,} more" if more else "")
    spofs = [m for m in box.members if m in facts.spofs]
    if spofs:
        text += f"\nSPOFs: {listing(spofs, 12)}"
    return text


def _legend(
    facts: _Facts,
    boxes: dict[str, _Box],
    junctions: dict[Any, _Junction],
    edges: dict[tuple[str, str], _Edge],
    heated: bool,
    rankdir: str,
) -> pydot.Cluster:
    """Every encoding the picture uses, explained: kinds, borders, states, junctions, edges, clusters."""
    components = facts.inventory.components
    legend = pydot.Cluster(
        "legend", label='"legend"', style='"rounded"', color='"#aab7b8"', fontsize="11", fontname='"Helvetica-Bold"'
    )
    kinds = sorted(
        {_kind(b, components) for b in boxes.values()},
        key=lambda k: (list(KIND_STYLE).index(k) if k in KIND_STYLE else len(KIND_STYLE), k),
    )
    rows: list[tuple[str, str]] = []  # (cell markup, words)
    drawn = {b.rep for b in boxes.values()}
    if any(r in facts.spofs for r in drawn):
        rows.append((_cell("SPOF", border=SPOF_COLOR), "a SPOF: alone, it takes a service down"))
    if any(len(b.members) > 1 and any(m != b.rep and m in facts.spofs for m in b.members) for b in boxes.values()):
        rows.append((_cell("n SPOFs", border=SPOF_COLOR, dashed=True), "a box of many that holds that many SPOFs"))
    if heated:
        rows.append((_cell("room-1", fill=_blend("#d6eaf8", 1.0)), "a box of many: the redder, the more risk inside"))
    if facts.unplugged:
        for state, style in STATE_STYLE.items():
            rows.append((_cell(state, fill=style["fillcolor"], font=style["fontcolor"]), _STATE_WORDS[state]))
    if junctions:
        rows.append((_cell("any  2 of 3", round_=True), "a redundancy group: needs any or k of its members"))
        demands = [j.text.split("\n", 1)[1] for j in junctions.values() if "\n" in j.text]
        if demands:
            rows.append((_cell(demands[0], round_=True), "…and that much capacity from them (its demand)"))
        if any(j.defeated for j in junctions.values()):
            rows.append((_cell("lost with X", border=SPOF_COLOR, fill="#fdedec", round_=True), _DEFEATED))
    if any(e.kind == "needs" for e in edges.values()):
        rows.append((_line("#7f8c8d"), "needs (points to what it needs)"))
    if any(e.kind == "member" for e in edges.values()):
        rows.append((_line("#7f8c8d", dashed=True), "member of the group"))
    if any(e.path is not None for e in edges.values()):
        rows.append((_line(PATH_COLOR[State.DOWN]), "the failure spread this way (orange: degraded)"))
    if any(e.cycle for e in edges.values()):
        rows.append((_line(CYCLE_COLOR), "on a dependency cycle"))
    if any(b.rep in components and len(b.members) == 1 for b in boxes.values()) and any(
        c.container for c in components.values()
    ):
        rows.append((_cell("site / room / rack", fill=DEPTH_FILL[0]), "placement: what stands inside it fails with it"))
    cells = [f'<TD>{markup}</TD><TD ALIGN="LEFT">{html.escape(words)}</TD>' for markup, words in rows]
    if rankdir == "TB":  # a tall key, beside a wide picture
        table = "".join(f"<TR>{c}</TR>" for c in cells)
    else:  # two columns of entries: a wide key, under a tall picture
        half = (len(rows) + 1) // 2
        cells.append("<TD></TD><TD></TD>")
        table = "".join(f"<TR>{cells[n]}{cells[min(n + half, len(cells) - 1)]}</TR>" for n in range(half))
    legend.add_node(
        pydot.Node(
            "legendkey",
            shape="plaintext",
            style='""',
            label=f'<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="2">{table}</TABLE>>',
        )
    )
    # The legend runs along the flow (down when it flows down), beside the picture's long side: the key,
    # then the kinds in lines of up to 7 along the flow, side by side.
    lines = [kinds[n : n + 7] for n in range(0, len(kinds), 7)]
    names = {kind: f"legend{n}" for n, kind in enumerate(kinds)}
    for kind in kinds:
        shape, fill = KIND_STYLE.get(kind, ("box", "#f8f9f9"))
        legend.add_node(pydot.Node(names[kind], label=quote(kind), shape=shape, fillcolor=quote(fill), fontsize="9"))
    for line in lines:
        for a, b in itertools.pairwise(line):
            legend.add_edge(pydot.Edge(names[a], names[b], style="invis"))
    for step in range(len(lines[0]) if lines else 0):
        across = [names[line[step]] for line in lines if step < len(line)]
        if len(across) > 1:
            row = pydot.Subgraph(rank="same")
            for a, b in itertools.pairwise(across):
                row.add_edge(pydot.Edge(a, b, style="invis"))
            legend.add_subgraph(row)
    if lines:
        legend.add_edge(pydot.Edge("legendkey", names[lines[0][0]], style="invis"))
    return legend


_STATE_WORDS = {"unplugged": "unplugged", "down": "down", "degraded": "degraded: up, but short of something"}
_DEFEATED = "a group one failure defeats, and what does"


def _cell(text: str, *, fill: str = "white", font: str = "black", border: str = "#7f8c8d", dashed: bool = False,
          round_: bool = False) -> str:  # fmt: skip
    style = ' STYLE="DASHED"' if dashed else (' STYLE="ROUNDED"' if round_ else "")
    return (
        f'<TABLE BORDER="2" CELLBORDER="0" COLOR="{border}" BGCOLOR="{fill}"{style}><TR>'
        f'<TD><FONT COLOR="{font}" POINT-SIZE="9">{html.escape(text)}</FONT></TD></TR></TABLE>'
    )


def _line(colour: str, dashed: bool = False) -> str:
    glyph = "- - - -" if dashed else "———"
    return f'<FONT COLOR="{colour}" POINT-SIZE="14"><B>{glyph}</B></FONT>'


#: A slide, in inches (16:9).
SLIDE = (13.33, 7.5)


def _fit(size: tuple[float, float]) -> float:
    """How large a drawing of this width and height (inches) shows on a slide."""
    width, height = size
    return min(SLIDE[0] / max(width, 0.01), SLIDE[1] / max(height, 0.01))


def measure(dot: str) -> tuple[float, float]:
    """The width and height in inches of Graphviz's drawing of ``dot`` (UsageError without Graphviz)."""
    first = image(dot, "plain").split(b"\n", 1)[0].split()
    return float(first[2]), float(first[3])


def image(dot: str, fmt: str) -> bytes:
    """The picture drawn by Graphviz ``dot`` as ``svg`` or ``png`` (UsageError without ``dot``)."""
    program = shutil.which("dot")
    if program is None:
        raise UsageError("Graphviz 'dot' was not found: install graphviz (Debian: apt-get install graphviz)")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot.encode(), capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise UsageError("Graphviz 'dot' took over 10 minutes: draw less with --focus or --level") from None
    if done.returncode != 0:
        raise UsageError(f"Graphviz 'dot' failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
