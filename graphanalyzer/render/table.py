"""Terminal tables with Rich.  Each function returns a renderable; the CLI prints it.

Every piece of inventory text goes through :func:`rich.markup.escape` or
``Text``, so an id like ``[bold]`` is shown, not interpreted.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from graphanalyzer.render.text import requirement_text


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
