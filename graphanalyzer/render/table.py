"""Terminal tables with Rich.  Each function returns a renderable; the CLI prints it.

Every piece of inventory text goes through :func:`rich.markup.escape` or
``Text``, so an id like ``[bold]`` is shown, not interpreted.  Every table is made
by :func:`_table`: its cells wrap at spaces to fit the terminal (80 columns
included), and a word too long for its column is folded onto the next line,
never cut short with an ellipsis, so an id is always there in full.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text
from rich.tree import Tree

from graphanalyzer.model import magnitude
from graphanalyzer.render.text import (
    audit_releases,
    audit_risks,
    audit_services,
    availability_text,
    chain_lines,
    decimals,
    defeat_text,
    degraded_text,
    hops_text,
    importance_text,
    listing,
    many,
    needs_text,
    percent,
    release_lines,
    requirement_text,
    shortfall_text,
    slo_text,
)


class Fitted(Table):
    """A Rich table that shares out the width so that every column is at least as wide as its longest word.

    Rich narrows the widest columns first, even below their longest word, and
    then cuts that word short; here each column first gets its longest word
    (an id is never split while the terminal is wide enough for that), and what
    is left goes to the columns that would like more, in proportion.
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        ranges = [self._measure(console, options, column) for column in self.columns]
        overhead = 3 * len(self.columns) + 1  # a border and a space each side of every cell
        room = options.max_width - overhead
        if sum(most for _, most in ranges) > room:
            least = sum(fewest for fewest, _ in ranges)
            spare, wants = max(room - least, 0), [most - fewest for fewest, most in ranges]
            for column, (fewest, _), want in zip(self.columns, ranges, wants, strict=True):
                column.width = fewest + (spare * want // max(sum(wants), 1))
        yield from super().__rich_console__(console, options)

    @staticmethod
    def _measure(console: Console, options: ConsoleOptions, column: Column) -> tuple[int, int]:
        """The narrowest and widest a column's content (header included) can be."""
        sizes = [Measurement.get(console, options, cell) for cell in (column.header, *column.cells)]
        return max(size.minimum for size in sizes), max(size.maximum for size in sizes)


def _table(title: str, columns: list[str], right: tuple[str, ...] = (), caption: str | None = None) -> Table:
    """A table with these columns (those in ``right`` aligned right, for numbers) that wraps and never cuts."""
    table = Fitted(title=title, title_justify="left", caption=caption, caption_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left", overflow="fold")
    return table


def _kinds(by_kind: dict[str, int], title: str) -> Table:
    table = _table(title, ["kind", "count"], right=("count",))
    for kind, count in by_kind.items():
        table.add_row(Text(kind), str(count))
    return table


def validate(result: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = [
        Text.assemble(
            ("valid ", "bold green"), (result["inventory"], "bold"), f": {many(result['components'], 'component')}"
        ),
        _kinds(result["by_kind"], "components by kind"),
    ]
    for warning in result["warnings"]:
        parts.append(Text(warning, style="yellow"))
    return Group(*parts)


def show(result: dict[str, Any]) -> RenderableType:
    heading = Text.assemble((result["inventory"], "bold"), f": {many(result['components'], 'component')}")
    if result.get("description"):
        heading.append(f" ({result['description']})")
    services = _table("services and what they need directly", ["service", "needs", "slo", "owner"], right=("slo",))
    for service in result["services"]:
        needs = "\n".join(requirement_text(r) for r in service["requires"]) or "(nothing)"
        services.add_row(
            Text(service["id"], style="bold"),
            Text(needs),
            Text(slo_text(service.get("slo"))),
            Text(service["owner"] or ""),
        )
    return Group(heading, _kinds(result["by_kind"], "components by kind"), services)


def generate(result: dict[str, Any]) -> RenderableType:
    heading = Text.assemble(
        "wrote ",
        (result["file"], "bold"),
        f": inventory {result['inventory']}, {many(result['components'], 'component')}",
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
            f" of {many(sum(map(len, services.values())), 'service')}; "
            f"{many(len(result['components']), 'component')} not up",
        ),
    ]
    full = result.get("explain") == "full"
    for sid, hop in result.get("explanations", {}).items():
        label = _hop_label(hop)
        label.append(shortfall_text(result["components"][sid]), style=_STYLE["degraded"])
        if full:
            tree = Tree(label)
            _tree(hop, tree)
            parts.append(tree)
            continue
        if hop.get("also"):
            label.append(f"  (also broken: {listing(hop['also'], 3)})", style="dim")
        lines = Table.grid(padding=(0, 1))
        lines.add_column(no_wrap=True, style="dim")
        lines.add_column()
        states = {0: hop["state"]}
        for depth, hops in chain_lines(hop):
            before = states[depth] if depth == 1 and 1 in states else states[depth - 1]
            lead = " ←" if depth == 1 and len(hops) == 1 else "    " * (depth - 1) + " └"
            lines.add_row(lead, Text(hops_text(hops, before)))
            states[depth] = hops[-1]["state"]
        parts.append(Group(label, lines))
    return Group(*parts)


def spof(result: dict[str, Any]) -> RenderableType:
    spofs, cuts, illusory = result["spofs"], result["cut_sets"], result["illusory_redundancy"]
    parts: list[RenderableType] = [
        Text.assemble(
            (result["inventory"], "bold"),
            ": ",
            (many(len(spofs), "single point of failure", "single points of failure"), "bold red" if spofs else "green"),
            f", {many(len(illusory), 'redundancy group')} a single failure defeats",
        )
    ]
    if spofs:
        table = _table(
            "single points of failure: unplug one and these go down",
            ["component", "kind", "breaks", "targets"],
            right=("breaks",),
        )
        for entry in spofs:
            table.add_row(
                Text(entry["component"], style="bold"),
                Text(entry["kind"]),
                str(len(entry["breaks"])),
                Text(listing(entry["breaks"])),
            )
        parts.append(table)
    if cuts:
        table = _table(
            "minimal cut sets: unplug all of a set and these go down",
            ["components", "breaks", "targets"],
            right=("breaks",),
        )
        for entry in cuts:
            table.add_row(
                Text(" + ".join(entry["components"])), str(len(entry["breaks"])), Text(listing(entry["breaks"]))
            )
        parts.append(table)
    if illusory:
        parts.append(_illusory(illusory))
    return Group(*parts)


def _illusory(illusory: list[dict[str, Any]]) -> Table:
    table = _table(
        "illusory redundancy: one failure takes enough members to defeat the group",
        ["group of", "needs", "one failure defeats it"],
    )
    for entry in illusory:
        table.add_row(Text(entry["group_of"], style="bold"), Text(needs_text(entry)), Text(defeat_text(entry)))
    return table


def export(result: dict[str, Any]) -> RenderableType:
    return Text.assemble("wrote ", (result["file"], "bold"), f" ({result['to']}, {many(result['nodes'], 'node')})")


def headroom(result: dict[str, Any]) -> RenderableType:
    table = _table(
        "capacity against demand: N+k, and the failure domains a group cannot lose",
        ["group of", "members", "capacity", "demand", "tolerates", "fragile to"],
        right=("members", "capacity", "demand", "tolerates"),
    )
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
    columns = ["group of", "capacity", "demand then", "saturates at", "short by", "add members"]
    table = _table("groups with a demand that it relies on, first to saturate first", columns, right=tuple(columns[1:]))
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
        else f"{many(result['trials'], 'trial')}, seed {result['seed']}"
    )
    table = _table(
        f"availability of each service, {how}",
        ["service", "availability", "degraded", "matters most"],
        right=("availability", "degraded"),
        caption="matters most: Birnbaum importance, P(down | it down) - P(down | it up)",
    )
    places = decimals(result["services"].values())
    for sid, service in result["services"].items():
        table.add_row(
            Text(sid, style="bold"),
            availability_text(service, places),
            percent(service["degraded"], places),
            Text(importance_text(service["importance"], service=sid)),
        )
    return table


def gameday(result: dict[str, Any]) -> RenderableType:
    table = _table(
        "game day: what each scenario leaves up, degraded and down", ["scenario", "takes out", "down", "degraded", "up"]
    )
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

    numbers = ("depth", "support", "SPOFs", "index")
    services = _table("services, most intricate first", ["service", *numbers], right=numbers, caption=EXPLAIN["index"])
    ranked = sorted(result["services"].items(), key=lambda item: (-item[1]["index"], item[0]))
    for sid, s in ranked:
        services.add_row(
            Text(sid), str(s["depth"]), str(s["support"]), str(len(s["spofs"])), Text(str(s["index"]), style="bold")
        )
    parts: list[RenderableType] = [Text(result["verdict"], style="bold"), services]
    if result["blast_radius"]:
        blast = _table(
            f"blast radius: {EXPLAIN['blast_radius']}", ["component", "kind", "services down"], ("services down",)
        )
        for e in result["blast_radius"]:
            blast.add_row(Text(e["component"], style="bold"), Text(e["kind"]), str(e["services"]))
        parts.append(blast)
    if result["illusory"]:
        parts.append(_illusory(result["illusory"]))
    if result["cycles"]:
        parts.append(Text(f"dependency cycles ({EXPLAIN['cycles']}):", style="yellow"))
        parts.extend(Text("  " + " -> ".join([*c, c[0]])) for c in result["cycles"])
    if result["repeated"]:
        repeated = _table(
            f"repeated structures: {EXPLAIN['repeated']}",
            ["kind", "components each", "times", "where"],
            right=("components each", "times"),
        )
        for g in result["repeated"][:10]:
            repeated.add_row(g["kind"], str(g["size"]), str(len(g["instances"])), Text(listing(g["instances"], 6)))
        parts.append(repeated)
    return Group(*parts)


def diagram(result: dict[str, Any]) -> RenderableType:
    level = f", collapsed to {result['level']}" if result["level"] else ""
    return Text.assemble("wrote ", (result["file"], "bold"), f": {many(result['boxes'], 'box', 'boxes')}{level}")


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


def audit(result: dict[str, Any]) -> RenderableType:
    services = _table(
        f"{result['inventory']}: verdict per service",
        ["service", "availability", "SLO", "down/yr", "method", "carried by"],
        right=("availability", "down/yr"),
    )
    for row in audit_services(result):
        services.add_row(*(Text(v) for v in row))
    shown = len(result["risks"])
    risks = _table(
        f"risks, costliest first ({shown:,} of {result['risks_found']:,})", ["risk", "finding", "verified fix", "gain"]
    )
    for row in audit_risks(result):
        risks.add_row(*(Text(v) for v in row))
    rows = audit_releases(result)
    if not rows:
        return Group(services, risks)
    releases = _table("release risks (distribute)", ["risk", "finding", "fix", "release time"])
    for row in rows:
        releases.add_row(*(Text(v) for v in row))
    return Group(services, risks, releases)


def distribute(result: dict[str, Any]) -> RenderableType:
    from graphanalyzer.units import duration_text, size_text

    releases = result["distributions"]
    if not releases:
        return Text(f"{result['inventory']}: no distributions (declare them under 'distributions:')")
    columns = ["release", "size", "to", "central", "swarm", "window"]
    table = _table("releases: the time to reach every receiver", columns, right=tuple(columns[1:]))
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
