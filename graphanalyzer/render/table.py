"""Terminal tables with Rich.  Each function returns a renderable; the CLI prints it.

Every piece of inventory text goes through :func:`rich.markup.escape` or
``Text``, so an id like ``[bold]`` is shown, not interpreted.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from graphanalyzer.model import magnitude
from graphanalyzer.render.text import (
    availability_text,
    degraded_text,
    importance_text,
    listing,
    release_lines,
    requirement_text,
    shortfall_text,
)


def _kinds(by_kind: dict[str, int], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for kind, count in by_kind.items():
        table.add_row(Text(kind), str(count))
    return table


def validate(result: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = [
        Text.assemble(("valid ", "bold green"), (result["inventory"], "bold"), f": {result['components']} components"),
        _kinds(result["by_kind"], "components by kind"),
    ]
    for warning in result["warnings"]:
        parts.append(Text(warning, style="yellow"))
    return Group(*parts)


def show(result: dict[str, Any]) -> RenderableType:
    heading = Text.assemble((result["inventory"], "bold"), f": {result['components']} components")
    if result.get("description"):
        heading.append(f" ({result['description']})")
    services = Table(title="services and what they need directly", title_justify="left")
    services.add_column("service", style="bold")
    services.add_column("needs")
    services.add_column("owner")
    for service in result["services"]:
        needs = "\n".join(requirement_text(r) for r in service["requires"]) or "(nothing)"
        services.add_row(Text(service["id"]), Text(needs), Text(service["owner"] or ""))
    return Group(heading, _kinds(result["by_kind"], "components by kind"), services)


def generate(result: dict[str, Any]) -> RenderableType:
    heading = Text.assemble(
        "wrote ", (result["file"], "bold"), f": inventory {result['inventory']}, {result['components']} components"
    )
    return Group(heading, _kinds(result["by_kind"], "components by kind"))


_STYLE = {"down": "bold red", "degraded": "yellow", "up": "green"}


def _hop_label(hop: dict[str, Any]) -> Text:
    label = Text(hop["text"], style="bold" if hop.get("node") and not hop["text"].startswith(("in ", "needs ")) else "")
    label.append(f"  {hop['state']}", style=_STYLE[hop["state"]])
    if hop.get("seen"):
        label.append("  (see above)", style="dim")
    return label


def _tree(hop: dict[str, Any], tree: Tree) -> None:
    for child in hop["because"]:
        _tree(child, tree.add(_hop_label(child)))


def unplug(result: dict[str, Any]) -> RenderableType:
    services = result["services"]
    parts: list[RenderableType] = [
        Text.assemble(("unplugged ", "bold"), ", ".join(result["unplugged"])),
        Text.assemble(
            (f"{len(services['down'])} down", _STYLE["down"]),
            ", ",
            (f"{len(services['degraded'])} degraded", _STYLE["degraded"]),
            ", ",
            (f"{len(services['up'])} up", _STYLE["up"]),
            f" of {sum(map(len, services.values()))} services; {len(result['components'])} components not up",
        ),
    ]
    for sid, hop in result.get("explanations", {}).items():
        label = _hop_label(hop)
        label.append(shortfall_text(result["components"][sid]), style=_STYLE["degraded"])
        tree = Tree(label)
        _tree(hop, tree)
        parts.append(tree)
    return Group(*parts)


def spof(result: dict[str, Any]) -> RenderableType:
    spofs, cuts, illusory = result["spofs"], result["cut_sets"], result["illusory_redundancy"]
    parts: list[RenderableType] = [
        Text.assemble(
            (result["inventory"], "bold"),
            ": ",
            (f"{len(spofs)} single points of failure", "bold red" if spofs else "green"),
            f", {len(illusory)} redundancy groups a single failure defeats",
        )
    ]
    if spofs:
        table = Table(title="single points of failure: unplug one and these go down", title_justify="left")
        for column, justify in (("component", "left"), ("kind", "left"), ("breaks", "right"), ("targets", "left")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for entry in spofs:
            table.add_row(
                Text(entry["component"], style="bold"),
                Text(entry["kind"]),
                str(len(entry["breaks"])),
                Text(listing(entry["breaks"])),
            )
        parts.append(table)
    if cuts:
        table = Table(title="minimal cut sets: unplug all of a set and these go down", title_justify="left")
        for column, justify in (("components", "left"), ("breaks", "right"), ("targets", "left")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for entry in cuts:
            table.add_row(
                Text(" + ".join(entry["components"])), str(len(entry["breaks"])), Text(listing(entry["breaks"]))
            )
        parts.append(table)
    if illusory:
        table = Table(title="illusory redundancy: groups one failure defeats", title_justify="left")
        for column in ("group of", "members", "all need"):
            table.add_column(column)
        for entry in illusory:
            table.add_row(
                Text(entry["group_of"], style="bold"), Text(listing(entry["members"])), Text(", ".join(entry["shared"]))
            )
        parts.append(table)
    return Group(*parts)


def export(result: dict[str, Any]) -> RenderableType:
    return Text.assemble("wrote ", (result["file"], "bold"), f" ({result['to']}, {result['nodes']} nodes)")


def headroom(result: dict[str, Any]) -> RenderableType:
    table = Table(
        title="capacity against demand: N+k, and the failure domains a group cannot lose", title_justify="left"
    )
    columns = (("group of", "left"), ("members", "right"), ("capacity", "right"), ("demand", "right"))
    for column, justify in (*columns, ("tolerates", "right"), ("fragile to", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for group in result["groups"]:
        k = group["tolerates"]
        table.add_row(
            Text(group["service"], style="bold"),
            str(len(group["members"])),
            magnitude(group["capacity"]),
            magnitude(group["demand"]),
            Text("short" if k < 0 else f"N+{k}", style="bold red" if k <= 0 else ""),
            Text(listing(group["fragile_to"]), style="red" if group["fragile_to"] else ""),
        )
    return table


def surge(result: dict[str, Any]) -> RenderableType:
    groups = result["groups"]
    parts: list[RenderableType] = [
        Text.assemble(
            (result["service"], "bold"),
            f" at {magnitude(result['demand'])}: {result['factor']:.2f} times today's demand",
        )
    ]
    first = groups[0] if groups else None
    if first is not None and first["short_by"] > 0:
        parts.append(
            Text.assemble(
                ("first to saturate: ", "bold red"),
                (first["service"], "bold"),
                f" at {magnitude(first['saturates_at'])}; short by {magnitude(first['short_by'])}: add "
                f"{magnitude(first['add_capacity'])} of capacity "
                f"({'?' if first['add_members'] is None else first['add_members']} members of its average size)",
            )
        )
    elif first is not None:
        parts.append(
            Text(
                f"every group carries it; the first to saturate is {first['service']}, at "
                f"{magnitude(first['saturates_at'])}",
                style="green",
            )
        )
    table = Table(title="groups with a demand that it relies on, first to saturate first", title_justify="left")
    for column in ("group of", "capacity", "demand then", "saturates at", "short by", "add members"):
        table.add_column(column, justify="left" if column == "group of" else "right")
    for group in groups:
        short = group["short_by"] > 0
        table.add_row(
            Text(group["service"], style="bold"),
            magnitude(group["capacity"]),
            magnitude(group["demand"]),
            magnitude(group["saturates_at"]),
            Text(magnitude(group["short_by"]) if short else "-", style="red" if short else ""),
            ("?" if group["add_members"] is None else str(group["add_members"])) if short else "-",
        )
    parts.append(table)
    return Group(*parts)


def chaos(result: dict[str, Any]) -> RenderableType:
    how = (
        "exactly (binary decision diagrams)"
        if result.get("exact")
        else f"{result['trials']:,} trials, seed {result['seed']}"
    )
    table = Table(title=f"availability of each service, {how}", title_justify="left")
    for column, justify in (("service", "left"), ("availability", "right"), ("degraded", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("matters most (Birnbaum: P(down | it down) - P(down | it up))")
    for sid, service in result["services"].items():
        table.add_row(
            Text(sid, style="bold"),
            availability_text(service),
            f"{100 * service['degraded']:.3f}%",
            Text(importance_text(service["importance"])),
        )
    return table


def gameday(result: dict[str, Any]) -> RenderableType:
    table = Table(title="game day: what each scenario leaves up, degraded and down", title_justify="left")
    for column in ("scenario", "takes out", "down", "degraded", "up"):
        table.add_column(column, no_wrap=column == "degraded")
    for scenario in result["scenarios"]:
        services = scenario["services"]
        degraded = [degraded_text(sid, scenario["shortfall"]) for sid in services["degraded"]]
        table.add_row(
            Text(scenario["name"], style="bold"),
            Text(listing(scenario["unplugged"])),
            Text(listing(services["down"]), style=_STYLE["down"]),
            Text(listing(degraded), style=_STYLE["degraded"]),
            Text(listing(services["up"]), style=_STYLE["up"]),
        )
    return table


def complexity(result: dict[str, Any]) -> RenderableType:
    from graphanalyzer.analysis.complexity import EXPLAIN

    services = Table(title="services, most intricate first", title_justify="left", caption=EXPLAIN["index"])
    for column, justify in (("service", "left"), ("depth", "right"), ("support", "right"), ("SPOFs", "right")):
        services.add_column(column, justify=justify)  # type: ignore[arg-type]
    services.add_column("index", justify="right", style="bold")
    ranked = sorted(result["services"].items(), key=lambda item: (-item[1]["index"], item[0]))
    for sid, s in ranked:
        services.add_row(Text(sid), str(s["depth"]), str(s["support"]), str(len(s["spofs"])), str(s["index"]))
    parts: list[RenderableType] = [Text(result["verdict"], style="bold"), services]
    if result["cycles"]:
        parts.append(Text(f"dependency cycles ({EXPLAIN['cycles']}):", style="yellow"))
        parts.extend(Text("  " + " -> ".join([*c, c[0]])) for c in result["cycles"])
    if result["repeated"]:
        repeated = Table(title=f"repeated structures: {EXPLAIN['repeated']}", title_justify="left")
        for column in ("kind", "components each", "times", "where"):
            repeated.add_column(column)
        for g in result["repeated"][:10]:
            repeated.add_row(g["kind"], str(g["size"]), str(len(g["instances"])), Text(listing(g["instances"], 6)))
        parts.append(repeated)
    return Group(*parts)


def diagram(result: dict[str, Any]) -> RenderableType:
    level = f", collapsed to {result['level']}" if result["level"] else ""
    return Text.assemble("wrote ", (result["file"], "bold"), f": {result['boxes']:,} boxes{level}")


def coldstart(result: dict[str, Any]) -> RenderableType:
    from graphanalyzer.render import markdown

    return _markdown_text(markdown.coldstart(result))


def diff(result: dict[str, Any]) -> RenderableType:
    from graphanalyzer.render import markdown

    return _markdown_text(markdown.diff(result))


def _markdown_text(text: str) -> RenderableType:
    """Rich's Markdown rendering, for reports whose structure is best written once, as Markdown."""
    from rich.markdown import Markdown

    return Markdown(text)


def distribute(result: dict[str, Any]) -> RenderableType:
    from graphanalyzer.units import duration_text, size_text

    releases = result["distributions"]
    if not releases:
        return Text(f"{result['inventory']}: no distributions (declare them under 'distributions:')")
    table = Table(title="releases: the time to reach every receiver", title_justify="left")
    for column in ("release", "size", "to", "central", "swarm", "window"):
        table.add_column(column, justify="left" if column == "release" else "right")
    for name, entry in releases.items():
        window = "-" if entry["window_seconds"] is None else duration_text(entry["window_seconds"])
        table.add_row(
            Text(name, style="bold"),
            size_text(entry["artifact_bytes"]),
            f"{entry['receivers']:,}",
            Text(duration_text(entry["central_seconds"]), style="bold" if entry["scheme"] == "central" else ""),
            Text(duration_text(entry["swarm_seconds"]), style="bold" if entry["scheme"] == "swarm" else ""),
            Text(window, style={True: "green", False: "bold red"}.get(entry["fits"], "")),
        )
    parts: list[RenderableType] = [table]
    for name, entry in releases.items():
        lines = Table.grid(padding=(0, 1))
        lines.add_column(style="bold", no_wrap=True)
        lines.add_column()
        for label, text in release_lines(entry):
            style = "bold red" if label == "fix" or "misses" in text else ""
            lines.add_row(label, Text(text, style=style))
        parts.extend([Text(name, style="bold underline"), lines])
    return Group(*parts)
