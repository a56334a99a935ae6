"""Diagrams for design reviews: the estate as Graphviz DOT, built with pydot, drawn by ``dot``.

Containers are nested clusters (site, room, rack...), shaded by nesting depth;
components are shaped and coloured by kind; redundancy groups are small junctions
labelled ``any`` or ``2 of 3``; SPOFs have a thick red border.  After ``unplug``,
unplugged, down and degraded components are painted (a legend says which is
which).  ``focus`` keeps a neighbourhood; ``level`` collapses everything inside a
kind into it (hosts into racks, racks into rooms); above :data:`MAX_NODES` the
picture collapses by itself, rack, then room, then site, then to one box per kind
and top-level container, so that any estate draws in seconds.

Output is deterministic and independent of declaration order (ids sorted); node names are
generated and every label and tooltip is quoted here, so no id can break the file.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "rack-1": Component("rack-1", "rack"),
...     "web-1": Component("web-1", "host", container="rack-1"),
...     "web-2": Component("web-2", "host", container="rack-1"),
...     "app": Component("app", "service", requires=(Group(("web-1", "web-2")),)),
... }))
>>> picture = draw(g)
>>> picture.level, "subgraph cluster_rack" in picture.dot, '"any"' in picture.dot
(None, False, True)
>>> "SPOF" in draw(g).dot, draw(g, level="rack").level
(True, 'rack')
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pydot

from graphanalyzer.analysis.cutsets import single_failures
from graphanalyzer.analysis.failure import DOWN, UP, State, propagate
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, check_ids, internals, is_gate
from graphanalyzer.model import Component, Inventory, number
from graphanalyzer.render.dot import quote

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
COLLAPSE_ORDER = ("rack", "room", "site")


@dataclass(frozen=True)
class Picture:
    """A diagram: its DOT text, the level it was collapsed to, and why (for stderr)."""

    dot: str
    level: str | None
    note: str | None = None
    boxes: int = 0


@dataclass
class _Box:
    """One drawn box: a component, or several collapsed into one."""

    name: str
    rep: str
    members: list[str] = field(default_factory=list)


def draw(
    graph: nx.DiGraph[Node],
    *,
    unplugged: Iterable[str] = (),
    focus: str | None = None,
    depth: int = 2,
    level: str | None = None,
    max_nodes: int = MAX_NODES,
    spofs: set[str] | None = None,
) -> Picture:
    """The diagram of an estate (or of ``focus``'s neighbourhood), collapsed as asked or as needed.

    ``spofs`` are the estate's SPOFs, when the caller has them already.
    """
    inventory: Inventory = graph.graph["inventory"]
    unplugged = check_ids(graph, unplugged)
    shown = list(inventory.components)
    if focus is not None:
        (focus,) = check_ids(graph, [focus])
        shown = _neighbourhood(graph, focus, depth)
    kinds = {c.kind for c in inventory.components.values()}
    if level is not None and level not in kinds and level != "summary":
        raise UsageError(f"no component of kind '{level}' to collapse into (kinds: {', '.join(sorted(kinds))})")
    states = propagate(graph, unplugged) if unplugged else {}
    spofs = _spofs(graph) if spofs is None else spofs

    def attempt(at: str | None) -> tuple[str, int, int]:
        reps = _collapse(inventory, shown, at)
        boxes = len(set(reps.values()))
        if at != "summary" and boxes > max_nodes:  # too big already: do not build it
            return "", boxes, boxes
        return (*_dot(graph, inventory, reps, states, set(unplugged), spofs, at == "summary", focus), boxes)

    note = None
    dot, size, boxes = attempt(level)
    if size > max_nodes and level != "summary":
        asked = level
        coarser = [k for k in COLLAPSE_ORDER if k in kinds]
        if level in coarser:
            coarser = coarser[coarser.index(level) + 1 :]
        for candidate in (*coarser, "summary"):
            level = candidate
            dot, size, boxes = attempt(candidate)
            if size <= max_nodes:
                break
        note = (
            f"{len(shown):,} components are too many to draw "
            + ("one by one" if asked is None else f"by {asked}")
            + ": collapsed to "
            + ("one box per kind and top-level container" if level == "summary" else f"{level}s")
            + f" ({boxes:,} boxes); use --focus ID, --level KIND or --max-boxes N for detail"
        )
    return Picture(dot, level, note, boxes)


def _neighbourhood(graph: nx.DiGraph[Node], focus: str, depth: int) -> list[str]:
    """Components within ``depth`` hops of ``focus``, either way along requirements (groups are no hop)."""
    _, succ, preds = internals(graph)
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
    order = graph.graph["inventory"].components
    return [cid for cid in order if cid in reached]


def _collapse(inventory: Inventory, shown: list[str], level: str | None) -> dict[str, str]:
    """Each shown component's box: itself, its nearest container of kind ``level``, or a summary box."""
    components = inventory.components
    containers = {c.container for c in components.values()}
    reps: dict[str, str] = {}
    for cid in sorted(shown):  # sorted ids: the same picture whatever the declaration order
        rep = cid
        if level == "summary":
            top = cid
            while components[top].container is not None:
                top = components[top].container  # type: ignore[assignment]
            rep = f"{components[cid].kind} in {top}" if top != cid else f"{components[cid].kind}"
            if components[cid].container is None and cid in containers:
                rep = cid  # a top-level container stays itself
        elif level is not None:
            walk: str | None = components[cid].container
            while walk is not None:
                if components[walk].kind == level:
                    rep = walk
                    break
                walk = components[walk].container
        reps[cid] = rep
    return reps


def _spofs(graph: nx.DiGraph[Node]) -> set[str]:
    services = graph.graph["inventory"].services()
    singles = single_failures(graph, services)
    return {cid for sid in services for cid in singles[sid] if cid != sid}


def _dot(
    graph: nx.DiGraph[Node],
    inventory: Inventory,
    reps: dict[str, str],
    states: dict[Node, State],
    unplugged: set[str],
    spofs: set[str],
    summary: bool,
    focus: str | None = None,
) -> tuple[str, int]:
    """DOT text, and its size: boxes and junctions, plus a third of the edges."""
    components = inventory.components
    _, succ, _ = internals(graph)
    boxes: dict[str, _Box] = {}
    for cid, rep in reps.items():  # in id order: deterministic names
        if rep not in boxes:
            boxes[rep] = _Box(f"n{len(boxes) + 1}", rep)
        boxes[rep].members.append(cid)

    def parent(rep: str) -> str | None:
        """The box a box is drawn inside: the box of its container, if drawn and not itself."""
        if rep not in components:
            top = rep.rsplit(" in ", 1)[-1] if " in " in rep else None
            return top if top in boxes else None
        walk = components[rep].container
        while walk is not None:
            if walk in boxes and reps.get(walk) == walk:
                return walk
            walk = components[walk].container
        return None

    children: dict[str | None, list[str]] = {}
    for rep in boxes:
        children.setdefault(parent(rep), []).append(rep)
    dot = pydot.Dot("estate", graph_type="digraph", rankdir="LR", compound="true", fontname='"Helvetica"')
    dot.set_node_defaults(fontname='"Helvetica"', fontsize="10", style='"filled"')
    dot.set_edge_defaults(color='"#7f8c8d"', arrowsize="0.6")

    def place(container: Any, rep: str, nesting: int) -> None:
        box = boxes[rep]
        inside = children.get(rep, [])
        node = _node(box, components, states, unplugged, spofs, summary)
        if focus in box.members:
            node.set("penwidth", "3")
            node.set("color", '"#2e86c1"')
            node.set("fontname", '"Helvetica-Bold"')
        if not inside:
            container.add_node(node)
            return
        cluster = pydot.Cluster(
            f"c{box.name}",
            label=quote(rep),
            style='"filled,rounded"',
            fillcolor=quote(DEPTH_FILL[nesting % len(DEPTH_FILL)]),
            color='"#aab7b8"',
            fontname='"Helvetica-Bold"',
            fontsize="11",
            tooltip=quote(_tooltip(box, components)),
        )
        cluster.add_node(node)
        for child in inside:
            place(cluster, child, nesting + 1)
        container.add_subgraph(cluster)  # a Cluster is a Subgraph (pydot's hints say otherwise)

    for rep in children.get(None, []):
        place(dot, rep, 0)

    junctions: dict[tuple[str, str, tuple[str, ...]], str] = {}
    edges: set[tuple[str, str, str]] = set()
    for cid, rep in reps.items():
        for requirement in succ[cid]:
            if not is_gate(requirement):
                target = reps.get(requirement)  # type: ignore[arg-type]
                if target is not None and target != rep and components[cid].container != requirement:
                    edges.add((boxes[rep].name, boxes[target].name, "needs"))
                continue
            gate = graph.nodes[requirement]["gate"]
            members = tuple(dict.fromkeys(reps[m] for m in gate.members if m in reps))
            if not members or members == (rep,):
                continue
            if summary:  # boxes of many components: their groups are drawn as plain requirements
                edges.update((boxes[rep].name, boxes[m].name, "needs") for m in members if m != rep)
                continue
            text = "any" if gate.at_least == 1 else f"{gate.at_least} of {len(gate.members)}"
            if gate.demand is not None:
                text += f"\n{number(gate.demand)}"
            key = (rep, text, members)
            if key not in junctions:
                junctions[key] = f"j{len(junctions) + 1}"
                dot.add_node(
                    pydot.Node(
                        junctions[key],
                        label=quote(text),
                        shape="circle",
                        width='"0.3"',
                        fixedsize="false",
                        fontsize="8",
                        fillcolor='"white"',
                        tooltip=quote(f"{cid}: {gate.describe()}"),
                    )
                )
                edges.add((boxes[rep].name, junctions[key], "needs"))
                edges.update((junctions[key], boxes[m].name, "member") for m in members if m != rep)
    for tail, head, via in sorted(edges, key=lambda e: (_order(e[0]), _order(e[1]))):
        edge = pydot.Edge(tail, head)
        if via == "member":
            edge.set("arrowhead", "none")
            edge.set("style", "dashed")
        dot.add_edge(edge)
    dot.add_subgraph(_legend(bool(states or unplugged)))  # type: ignore[arg-type]
    document: str = dot.to_string()
    return document, len(boxes) + len(junctions) + len(edges) // 3


def _order(name: str) -> tuple[str, int]:
    return (name[0], int(name[1:]))


def _node(
    box: _Box,
    components: Any,
    states: dict[Node, State],
    unplugged: set[str],
    spofs: set[str],
    summary: bool,
) -> pydot.Node:
    rep = box.rep
    record: Component | None = components.get(rep)
    kind = record.kind if record is not None else rep.split(" in ", 1)[0]
    shape, fill = KIND_STYLE.get(kind, ("box", "#f8f9f9"))
    if record is None:  # a summary box: so many of a kind
        label = f"{len(box.members):,} {kind if len(box.members) == 1 else plural(kind)}"
    else:
        label = rep
        if len(box.members) > 1:
            label += f"\n{len(box.members) - 1:,} inside"
    worst = max((states.get(m, UP) for m in box.members), default=UP)
    attributes: dict[str, str] = {"shape": shape, "fillcolor": quote(fill), "tooltip": quote(_tooltip(box, components))}
    if set(box.members) & unplugged:
        attributes.update({k: quote(v) for k, v in STATE_STYLE["unplugged"].items()})
        label += "\n(unplugged)"
    elif worst is DOWN:
        attributes.update({k: quote(v) for k, v in STATE_STYLE["down"].items()})
    elif worst is not UP:
        attributes.update({k: quote(v) for k, v in STATE_STYLE["degraded"].items()})
    if set(box.members) & spofs:
        attributes.update({"color": '"#c0392b"', "penwidth": "2.5"})
        label += "\nSPOF"
    return _with(pydot.Node(box.name, label=quote(label)), attributes)


def plural(kind: str) -> str:
    """A kind in the plural, as people write it.

    >>> plural("switch"), plural("power"), plural("dns"), plural("db cluster")
    ('switches', 'power units', 'DNS servers', 'db clusters')
    """
    special = {"power": "power units", "dns": "DNS servers"}
    if kind in special:
        return special[kind]
    return kind + ("es" if kind.endswith(("s", "sh", "ch", "x")) else "s")


def _with(node: pydot.Node, attributes: dict[str, str]) -> pydot.Node:
    for key, value in attributes.items():
        node.set(key, value)
    return node


def _tooltip(box: _Box, components: Any) -> str:
    """A component's details, or the first members of a collapsed box."""
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
        return "\n".join(lines)
    shown = box.members[:12]
    more = len(box.members) - len(shown)
    return f"{box.rep}: {len(box.members):,} components\n" + ", ".join(shown) + (f" and {more:,} more" if more else "")


def _legend(with_states: bool) -> pydot.Cluster:
    legend = pydot.Cluster("legend", label='"legend"', style='"rounded"', color='"#aab7b8"', fontsize="10")
    entries = [("SPOF", {"color": '"#c0392b"', "penwidth": "2.5", "fillcolor": '"white"'})]
    if with_states:
        for state, style in STATE_STYLE.items():
            entries.append((state, {k: quote(v) for k, v in style.items()}))
    for n, (text, style) in enumerate(entries):
        legend.add_node(_with(pydot.Node(f"legend{n}", label=quote(text), shape="box"), style))
    legend.add_node(pydot.Node("legendj", label='"any"', shape="circle", fontsize="8", fillcolor='"white"'))
    return legend


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
