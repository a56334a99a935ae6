"""The command line: thin Typer commands that load, analyse and render.

Each command is a few lines: :func:`_graph` (inventory and graph), an analysis
from :mod:`graphanalyzer.analysis`, then :func:`_emit` in the chosen format.
Each command imports what it uses in its own body, so that ``--version``,
``--help`` and a quick ``validate`` do not pay for NetworkX's algorithms, numpy,
Graphviz or the binary decision diagrams.  (For the same reason the annotations
here are objects, not strings: there is no ``from __future__ import annotations``,
whose strings Typer would evaluate again on every run.)  Errors the user can fix
are :class:`~graphanalyzer.errors.GraphanalyzerError`: :func:`main` prints them
to stderr and exits with code 2.
"""

import enum
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from graphanalyzer import __version__
from graphanalyzer.errors import GraphanalyzerError, InventoryError, UsageError

if TYPE_CHECKING:
    import networkx as nx

    from graphanalyzer.errors import Problem
    from graphanalyzer.graph import Node
    from graphanalyzer.importers import Imported
    from graphanalyzer.model import Inventory


class Commands(TyperGroup):
    """The command list of ``--help``: each command's first sentence in full, wrapped, never cut short."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


EPILOG = """\b
Examples:
  graphanalyzer spof example --order 2   SPOFs and double faults
  graphanalyzer unplug example feed-a    what breaks, and why
  graphanalyzer validate a.yaml b.yaml   several inventories at once
  graphanalyzer COMMAND --help           its options, with an example
"""

app = typer.Typer(
    cls=Commands,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="What breaks if I unplug this? Analyse an infrastructure inventory.",
    epilog=EPILOG,
)

#: Where bundled example inventories live: inside an installed wheel, or in the source tree.
_BUNDLED = (Path(__file__).parent / "inventories", Path(__file__).parent.parent / "inventories")
DEFAULT_INVENTORY = "example"
#: The largest estate ``generate`` makes: it is built whole in memory before it is written.
MAX_GENERATED = 10_000_000


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


def _format_for(ctx: typer.Context, value: Format | None) -> Format | None:
    """Refuse ``--format sarif`` before any work where it does not apply."""
    if value is Format.sarif and ctx.info_name not in ("spof", "diff"):
        raise typer.BadParameter("sarif is for spof and diff")
    return value


#: ``--service``: the targets of an analysis, every service by default.
TargetsOption = Annotated[
    list[str] | None, typer.Option("--service", "-s", help="A target (repeat for more); default: every service.")
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="table, json or markdown (default: table on a terminal, else json); sarif for spof, diff",
        callback=_format_for,
    ),
]
InventoryArgument = Annotated[
    str,
    typer.Argument(
        help="Inventory file, '-' for standard input, or a bundled example's name "
        "(example, birdsite-2009, liveaudio, midsize, backbone-2021, deploys-2010).",
        show_default=True,
    ),
]
InventoriesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Inventory files, '-' for standard input, or bundled examples' names "
        "(example, birdsite-2009, liveaudio, midsize, backbone-2021, deploys-2010); default: example.",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the inventory here (default: standard output).")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]


def resolve(name: str) -> str:
    """A path for an inventory argument: the file itself, or a bundled example's root file."""
    if name == "-" or Path(name).exists():
        return name
    for folder in _BUNDLED:
        for candidate in (folder / f"{name}.yaml", folder / name / "main.yaml"):
            if candidate.is_file():
                return str(candidate)
    return name


def _graph(name: str) -> "nx.DiGraph[Node]":
    """The graph of an inventory argument (a file, ``-`` or a bundled example)."""
    from graphanalyzer.graph import load

    return load(resolve(name))


def _load(name: str) -> "Inventory":
    inventory: Inventory = _graph(name).graph["inventory"]
    return inventory


def _load_all(names: list[str]) -> "list[nx.DiGraph[Node]]":
    """The graphs of several inventories; every problem of every file is raised together."""
    graphs: list[nx.DiGraph[Node]] = []
    problems: list[Problem] = []
    for name in names:
        try:
            graphs.append(_graph(name))
        except InventoryError as error:
            problems.extend(error.problems)
    if problems:
        raise InventoryError(problems)
    return graphs


def _chosen(fmt: Format | None) -> str:
    return fmt.value if fmt is not None else ("table" if sys.stdout.isatty() else "json")


def _emit(view: str, result: Any, fmt: Format | None) -> None:
    from graphanalyzer.render import render

    output = render(view, result, _chosen(fmt))
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        from rich.console import Console

        # On a terminal (or with COLUMNS set) tables fit its width; piped, they are 120 wide.
        Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120).print(output)


def _emit_each(view: str, names: list[str], results: list[Any], fmt: Format | None) -> None:
    """One result as :func:`_emit` gives it; several as a JSON list, or one after another under their names."""
    if len(results) == 1:
        _emit(view, results[0], fmt)
    elif _chosen(fmt) == "json":
        from graphanalyzer.render import jsonout

        sys.stdout.write(jsonout.render(results))
    else:
        for n, (name, result) in enumerate(zip(names, results, strict=True)):
            sys.stdout.write(("\n" if n else "") + (f"# `{name}`\n\n" if _chosen(fmt) == "markdown" else f"{name}\n"))
            sys.stdout.flush()
            _emit(view, result, fmt)


def _version(value: bool) -> None:
    if value:
        print(f"graphanalyzer {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """What breaks if I unplug this? Analyse an infrastructure inventory."""


@app.command()
def validate(inventories: InventoriesArgument = None, format: FormatOption = None) -> None:
    """Check inventories and summarise them; every problem of every file is reported as FILE:LINE:COL.

    Dependency cycles are legal, and listed as warnings. With several inventories
    (as a pre-commit hook passes them), JSON output is a list in the order given.

    Example: graphanalyzer validate inventories/birdsite-2009.yaml --format json
    """
    from graphanalyzer.analysis import summary

    names = inventories or [DEFAULT_INVENTORY]
    results: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for name in names:
        try:
            results.append(summary.validated(resolve(name)))
        except InventoryError as error:
            problems.extend(error.problems)
    if problems:
        raise InventoryError(problems)
    _emit_each("validate", names, results, format)


@app.command()
def show(inventory: InventoryArgument = DEFAULT_INVENTORY, format: FormatOption = None) -> None:
    """Components by kind, and each service with what it needs directly.

    Example: graphanalyzer show liveaudio
    """
    from graphanalyzer.analysis import summary

    _emit("show", summary.show(_load(inventory)), format)


@app.command()
def spof(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    order: Annotated[
        int, typer.Option("--order", "-k", min=1, max=4, help="Also list minimal cut sets of 2 up to this many.")
    ] = 1,
    service: TargetsOption = None,
    format: FormatOption = None,
) -> None:
    """Single points of failure, minimal cut sets, and redundancy a single failure defeats.

    Example: graphanalyzer spof birdsite-2009 --order 2
    """
    from graphanalyzer.analysis import spof

    graph = _graph(inventory)
    result = spof.spof(graph, service, order)
    if format is Format.sarif:
        from graphanalyzer.render import jsonout, sarif

        sys.stdout.write(jsonout.render(sarif.spof_log(result, graph.graph["inventory"])))
        return
    _emit("spof", result, format)


@app.command()
def headroom(inventory: InventoryArgument = DEFAULT_INVENTORY, format: FormatOption = None) -> None:
    """Capacity against demand for every group with a demand: N+k, and the domains it cannot lose.

    Example: graphanalyzer headroom liveaudio
    """
    from graphanalyzer.analysis import capacity

    _emit("headroom", capacity.headroom(_graph(inventory)), format)


@app.command()
def surge(
    service: Annotated[str, typer.Option("--service", "-s", help="The service whose demand rises.")],
    demand: Annotated[float, typer.Option("--demand", "-d", help="Its new demand, in its own units.", min=0)],
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    format: FormatOption = None,
) -> None:
    """Which group saturates first when a service's demand rises, by how much, and what to add.

    Example: graphanalyzer surge liveaudio --service spaces --demand 12000000
    """
    from graphanalyzer.analysis import capacity
    from graphanalyzer.graph import check_ids

    graph = _graph(inventory)
    check_ids(graph, [service])
    _emit("surge", capacity.surge(graph, service, demand), format)


class Executor(enum.StrEnum):
    local = "local"
    dask = "dask"


@app.command()
def chaos(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    trials: Annotated[int, typer.Option("--trials", "-n", min=1, help="How many random trials.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The same seed gives the same result.")] = 0,
    service: TargetsOption = None,
    top: Annotated[
        int, typer.Option("--top", min=0, help="Components in each importance ranking (0: every one).")
    ] = 10,
    exact: Annotated[
        bool, typer.Option("--exact", help="Exact probabilities (binary decision diagrams) instead of sampling.")
    ] = False,
    scenarios: Annotated[
        Path | None,
        typer.Option("--scenarios", help="YAML of named failure scenarios: print the game-day table instead."),
    ] = None,
    executor: Annotated[
        Executor, typer.Option("--executor", help="Run the trials here, or as tasks on a Dask cluster.")
    ] = Executor.local,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="With --executor dask: the scheduler's address (default: a local cluster)."),
    ] = None,
    format: FormatOption = None,
) -> None:
    """Random failures, the Chaos-Monkey way: each service's availability and what matters most to it.

    Each component is down, independently, with probability 1 - availability.

    Example: graphanalyzer chaos example --trials 100000 --seed 7
    """
    from graphanalyzer.graph import check_ids

    graph = _graph(inventory)
    if scenarios is not None:
        from graphanalyzer.analysis import gameday

        _emit("gameday", gameday.gameday(graph, gameday.read_scenarios(scenarios, graph)), format)
        return
    targets = check_ids(graph, service) if service else None
    if exact:
        import graphanalyzer.analysis.exact

        _emit("chaos", graphanalyzer.analysis.exact.exact(graph, targets, top=top), format)
        return
    from graphanalyzer.analysis import chaos

    run = chaos.on_dask(scheduler) if executor is Executor.dask else chaos.local
    with _progress(trials) as advance:
        result = chaos.chaos(graph, trials, seed, targets, top=top, executor=run, progress=advance)
    _emit("chaos", result, format)


class AuditGate(enum.StrEnum):
    slo = "slo"
    spof = "spof"


@app.command("audit")
def audit_command(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    service: TargetsOption = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Risks to list with verified fixes (0: all).")] = 10,
    fail_on: Annotated[
        AuditGate | None,
        typer.Option("--fail-on", help="Exit 1 if a service misses its SLO, or an unaccepted SPOF remains."),
    ] = None,
    apply: Annotated[
        list[str] | None, typer.Option("--apply", help="Apply risk R1's fix (repeat for more); needs -o.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="With --apply: write the fixed design here.")
    ] = None,
    force: ForceOption = False,
    format: FormatOption = None,
) -> None:
    """Audit the design: availability against each SLO, the risks ranked, and fixes the engine verified.

    Example: graphanalyzer audit example --apply R1 -o fixed.yaml
    """
    from graphanalyzer.analysis import audit
    from graphanalyzer.dump import dumps
    from graphanalyzer.graph import check_ids
    from graphanalyzer.output import check_output

    if apply and output is None:
        raise UsageError("--apply writes the fixed design: name the file with -o FILE")
    graph = _graph(inventory)
    inputs = list(graph.graph["inventory"].files)
    if output is not None:
        check_output(output, force=force, inputs=inputs)
    targets = check_ids(graph, service) if service else None
    done = audit.remembered(graph, targets, top)
    if apply:
        assert output is not None
        _write(output, dumps(done.apply(graph.graph["inventory"], apply)), force, inputs)
        sys.stderr.write(f"wrote {output}: the design with {', '.join(apply)} applied\n")
    _emit("audit", done.result, format)
    if fail_on is AuditGate.slo and any(s["meets_slo"] is False for s in done.result["services"].values()):
        raise typer.Exit(1)
    if fail_on is AuditGate.spof and done.result["unaccepted_spofs"]:
        raise typer.Exit(1)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; yields the function that advances it."""
    if not sys.stderr.isatty():
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("trials"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} of {task.total:,.0f}, left"),
        TimeRemainingColumn(elapsed_when_finished=True),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("trials", total=total)
        yield lambda done: bar.advance(task, done)


@app.command()
def diagram(
    inventory: Annotated[str, typer.Argument(help="Inventory file, '-' for standard input, or a bundled example.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="FILE.svg, FILE.png or FILE.dot.")],
    unplug: Annotated[
        list[str] | None,
        typer.Option("--unplug", "-u", help="Paint what this takes down or degrades (repeat for more)."),
    ] = None,
    focus: Annotated[str | None, typer.Option("--focus", help="Draw only this component's neighbourhood.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, help="With --focus: how many hops around it.")] = 2,
    level: Annotated[
        str | None,
        typer.Option("--level", help="Collapse everything inside components of this kind into them (rack, room...)."),
    ] = None,
    max_boxes: Annotated[
        int | None,
        typer.Option(
            "--max-boxes",
            min=10,
            help="Collapse further above this many boxes (default 600; dot slows down past 1,000).",
        ),
    ] = None,
    force: ForceOption = False,
    format: FormatOption = None,
) -> None:
    """A Graphviz diagram: nested sites, rooms and racks, redundancy junctions, SPOFs marked.

    Large estates are collapsed automatically (a note on stderr says how).

    Example: graphanalyzer diagram example -o example.svg --unplug feed-a
    """
    from graphanalyzer.errors import OutputError
    from graphanalyzer.output import check_output, write_output
    from graphanalyzer.render.diagram import MAX_NODES, draw, image, measure

    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png", "dot"):
        raise UsageError(f"{output}: the output must end in .svg, .png or .dot")
    graph = _graph(inventory)
    inputs = graph.graph["inventory"].files
    check_output(output, force=force, inputs=inputs)
    layout = measure if shutil.which("dot") else None  # without Graphviz, the .dot written flows left to right
    picture = draw(
        graph,
        unplugged=unplug or (),
        focus=focus,
        depth=depth,
        level=level,
        max_nodes=max_boxes or MAX_NODES,
        layout=layout,
    )
    if picture.note:
        sys.stderr.write(f"graphanalyzer: note: {picture.note}\n")
    if suffix == "dot":
        write_output(output, picture.dot, force=force, inputs=inputs)
    else:
        try:
            write_output(output, image(picture.dot, suffix), force=force, inputs=inputs)
        except OutputError:
            raise
        except UsageError as error:
            fallback = output.with_suffix(".dot")
            try:
                write_output(fallback, picture.dot, force=force, inputs=inputs)
            except OutputError as refused:
                raise UsageError(f"{error}; {refused}") from None
            raise UsageError(f"{error}; wrote {fallback} instead") from None
    _emit("diagram", {"file": str(output), "boxes": picture.boxes, "level": picture.level}, format)


@app.command()
def complexity(inventory: InventoryArgument = DEFAULT_INVENTORY, format: FormatOption = None) -> None:
    """The Rube Goldberg report: depth, support and SPOFs per service, cycles, repetition, a verdict.

    Example: graphanalyzer complexity midsize --format markdown
    """
    from graphanalyzer.analysis import complexity

    _emit("complexity", complexity.complexity(_graph(inventory)), format)


@app.command()
def report(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write it (default: the HTML to NAME.html in the current folder, "
            "Markdown and JSON to standard output).",
        ),
    ] = None,
    force: ForceOption = False,
    format: FormatOption = None,
) -> None:
    """A self-contained HTML report for a design review, the audit's verdict first (--format markdown: for a PR).

    The HTML goes to NAME.html in the current folder (NAME: the inventory's name) unless -o says otherwise.

    Example: graphanalyzer report birdsite-2009 -o birdsite.html
    """
    from graphanalyzer.analysis.review import review
    from graphanalyzer.output import check_output, write_output
    from graphanalyzer.render import jsonout
    from graphanalyzer.render.diagram import draw, image, measure
    from graphanalyzer.render.report import Figure, build_report, report_html, report_markdown

    chosen = format.value if format in (Format.json, Format.markdown) else "html"  # a table report is the page
    graph = _graph(inventory)
    inputs = graph.graph["inventory"].files
    if output is not None:
        wanted = (".md", ".markdown") if chosen == "markdown" else (".html", ".htm")
        if chosen != "json" and output.suffix.lower() not in wanted:
            raise UsageError(f"{output}: the report's file name should end in {wanted[0]}")
    elif chosen == "html":
        output = Path(f"{_filename(graph.graph['inventory'].name)}.html")
    if output is not None:
        check_output(output, force=force, inputs=inputs)
    layout = measure if shutil.which("dot") else None
    data = review(graph, drawing=lambda found: draw(graph, found=found, layout=layout))
    picture = data.pop("picture")
    data["diagram"] = {"caption": picture.caption, "note": picture.note}
    if chosen == "json":
        if output is None:
            _emit("report", data, format)
        else:
            write_output(output, jsonout.render(data), force=force, inputs=inputs)
        return
    svg, caption = None, picture.caption
    if chosen == "html":
        try:
            svg = image(picture.dot, "svg").decode()
        except UsageError as error:
            caption += f" No picture: {error}."
    document = build_report({**data, "diagram": Figure(svg, caption)})
    if chosen == "markdown":
        if output is None:
            sys.stdout.write(report_markdown(document))
        else:
            write_output(output, report_markdown(document), force=force, inputs=inputs)
        return
    assert output is not None
    write_output(output, report_html(document), force=force, inputs=inputs)
    print(f"wrote {output}")


def _filename(name: str) -> str:
    """An inventory's name made safe as a file name."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip(".-")
    return safe or "report"


class DiffFailOn(enum.StrEnum):
    new_spof = "new-spof"
    lower_order = "lower-order"
    any_risk = "any-risk"


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The design before the change (file, '-' or bundled example).")],
    new: Annotated[str, typer.Argument(help="The design after the change.")],
    order: Annotated[
        int, typer.Option("--order", "-k", min=1, max=3, help="Compare minimal cut sets up to this many components.")
    ] = 2,
    fail_on: Annotated[
        DiffFailOn | None,
        typer.Option("--fail-on", help="Exit 1 if the change adds a SPOF, lowers a cut set's order, or any risk."),
    ] = None,
    format: FormatOption = None,
) -> None:
    """What a change does to a design: components, SPOFs, cut sets, services; a CI gate with --fail-on.

    Accepted risks (accept: in the new inventory) are shown but do not fail the gate.

    Example: graphanalyzer diff before.yaml after.yaml --fail-on new-spof --format sarif
    """
    from graphanalyzer.analysis import diff

    before, after = _load_all([old, new])
    result = diff.diff(before, after, order)
    if fail_on is not None:
        result["fail_on"] = {"condition": fail_on.value, "reasons": diff.failures(result, fail_on.value)}
    if format is Format.sarif:
        from graphanalyzer.render import jsonout, sarif

        sys.stdout.write(jsonout.render(sarif.diff_log(result, after.graph["inventory"])))
    else:
        _emit("diff", result, format)
    if fail_on is not None and result["fail_on"]["reasons"]:
        raise typer.Exit(1)


class ColdFailOn(enum.StrEnum):
    deadlock = "deadlock"


@app.command()
def coldstart(
    inventories: InventoriesArgument = None,
    fail_on: Annotated[
        ColdFailOn | None, typer.Option("--fail-on", help="Exit 1 if some component can never start.")
    ] = None,
    format: FormatOption = None,
) -> None:
    """The estate started from nothing: boot order in waves, what can never start, and the cycles to blame.

    With several inventories (as a pre-commit hook passes them), JSON output is a
    list in the order given, and --fail-on holds if it holds for any of them.

    Example: graphanalyzer coldstart backbone-2021 --fail-on deadlock
    """
    from graphanalyzer.analysis import coldstart

    names = inventories or [DEFAULT_INVENTORY]
    results = [coldstart.coldstart(graph) for graph in _load_all(names)]
    _emit_each("coldstart", names, results, format)
    if fail_on is not None and any(result["deadlocked"] for result in results):
        raise typer.Exit(1)


class DistributeFailOn(enum.StrEnum):
    window = "window"


@app.command("distribute")
def distribute_releases(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    name: Annotated[
        list[str] | None, typer.Option("--name", "-n", help="A distribution (repeat for more); default: all.")
    ] = None,
    fail_on: Annotated[
        DistributeFailOn | None, typer.Option("--fail-on", help="Exit 1 if a release misses its window.")
    ] = None,
    format: FormatOption = None,
) -> None:
    """Fan-out: how long a release takes to reach every receiver, what limits it, what a swarm would change.

    Central fetch and peer-to-peer swarm times, the bottleneck link, and the components whose loss stops releases.

    Example: graphanalyzer distribute deploys-2010 --fail-on window
    """
    from graphanalyzer.analysis.distribute import distribute

    result = distribute(_graph(inventory), name)
    _emit("distribute", result, format)
    if fail_on is not None and any(entry["fits"] is False for entry in result["distributions"].values()):
        raise typer.Exit(1)


importer = typer.Typer(
    cls=Commands,
    help="Write a v1 inventory from what teams already have.",
    no_args_is_help=True,
    epilog="\b\nExample: graphanalyzer import compose docker-compose.yaml -o estate.yaml",
)
app.add_typer(importer, name="import")
SourceArgument = Annotated[Path, typer.Argument(help="The file (or, for backstage, folder) to read.")]


@importer.command("compose")
def import_compose(
    source: SourceArgument, output: OutputOption = None, force: ForceOption = False, format: FormatOption = None
) -> None:
    """docker-compose services and their depends_on (short and long forms) and links.

    Example: graphanalyzer import compose docker-compose.yaml -o estate.yaml
    """
    from graphanalyzer.importers.compose import from_compose

    _imported(from_compose(source), output, force, format, inputs=[source])


@importer.command("backstage")
def import_backstage(
    source: SourceArgument, output: OutputOption = None, force: ForceOption = False, format: FormatOption = None
) -> None:
    """A Backstage catalog (a catalog-info.yaml or a folder of them): Components, Resources, Systems.

    Example: graphanalyzer import backstage catalog/ -o estate.yaml
    """
    from graphanalyzer.importers.backstage import from_backstage

    _imported(from_backstage(source), output, force, format, inputs=[source])


@importer.command("terraform")
def import_terraform(
    source: SourceArgument, output: OutputOption = None, force: ForceOption = False, format: FormatOption = None
) -> None:
    """The output of 'terraform graph' (old and new styles): resources and their dependencies.

    Example: terraform graph > plan.dot && graphanalyzer import terraform plan.dot -o estate.yaml
    """
    from graphanalyzer.importers.terraform import from_terraform

    _imported(from_terraform(source), output, force, format, inputs=[source])


@importer.command("kubernetes")
def import_kubernetes(
    source: Annotated[
        Path, typer.Argument(help="kubectl's YAML or JSON (a List) or manifests: a file, a folder of them, or '-'.")
    ],
    output: OutputOption = None,
    force: ForceOption = False,
    format: FormatOption = None,
) -> None:
    """Kubernetes: nodes in zones, pods on nodes, workloads with PDB quorums, Services as the targets.

    Services a workload's environment names by DNS name are inferred dependencies (listed on stderr).

    Example: kubectl get nodes,pods,deployments,statefulsets,daemonsets,replicasets,services,poddisruptionbudgets
    -A -o yaml > cluster.yaml && graphanalyzer import kubernetes cluster.yaml -o estate.yaml
    """
    from graphanalyzer.importers.kubernetes import from_kubernetes
    from graphanalyzer.output import check_output

    if output is not None:
        check_output(output, force=force, inputs=[source])
    _imported(from_kubernetes(source), output, force, format, inputs=[source])


@importer.command("netbox")
def import_netbox(
    source: Annotated[
        Path | None, typer.Argument(help="A folder of JSON saved from NetBox's REST API (instead of --url).")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="NetBox's address, e.g. https://netbox.example.com")] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="NETBOX_TOKEN", help="An API token; better in NETBOX_TOKEN, out of shell history."
        ),
    ] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    format: FormatOption = None,
) -> None:
    """NetBox: sites, racks, the power chain, cabled uplinks, circuits, VMs and services (docs/importers.md).

    The token is best given in NETBOX_TOKEN.

    Example: graphanalyzer import netbox --url https://netbox.example.com -o dc.yaml
    """
    from graphanalyzer.importers.netbox import from_netbox_api, from_netbox_folder
    from graphanalyzer.output import check_output

    if (source is None) == (url is None):
        raise UsageError("import netbox needs either --url URL or a folder of saved JSON, not both")
    inputs = [source] if source is not None else []
    if output is not None:
        check_output(output, force=force, inputs=inputs)  # before NetBox is asked
    result = from_netbox_folder(source) if source is not None else from_netbox_api(str(url), token)
    _imported(result, output, force, format, inputs=inputs)


def _imported(
    result: "Imported", output: Path | None, force: bool, fmt: Format | None, inputs: list[Path] | None = None
) -> None:
    """Write an imported inventory, say on stderr what was not mapped or was inferred, and summarise a written file."""
    from graphanalyzer.analysis import summary
    from graphanalyzer.dump import dumps_block

    written = _write(output, dumps_block(result.inventory), force, inputs)
    for item in result.unmapped:
        sys.stderr.write(f"graphanalyzer: not mapped: {item}\n")
    for item in result.inferred:
        sys.stderr.write(f"graphanalyzer: inferred: {item}\n")
    if written:
        summary_ = {**summary.validate(result.inventory), "file": str(output), "unmapped": result.unmapped}
        if result.inferred:
            summary_["inferred"] = result.inferred
        del summary_["warnings"]
        _emit("generate", summary_, fmt)


class FailOn(enum.StrEnum):
    down = "down"
    degraded = "degraded"


@app.command()
def unplug(
    inventory: Annotated[str, typer.Argument(help="Inventory file, '-' for standard input, or a bundled example.")],
    ids: Annotated[list[str], typer.Argument(help="The components to unplug.", show_default=False)],
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Add each broken service's shortest chain of reasons to JSON (tables and Markdown always show it); "
            "'--explain full' gives the whole derivation tree instead.",
        ),
    ] = False,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Exit 1 if a service is down (or, with 'degraded', not fully up)."),
    ] = None,
    format: FormatOption = None,
) -> None:
    """Unplug components and show what goes down or degraded, with the shortest chain of reasons back to them.

    Example: graphanalyzer unplug example colo-sfo --explain full --format markdown
    """
    from graphanalyzer.analysis import unplug

    graph = _graph(inventory)
    full = explain and "full" in ids and "full" not in graph  # '--explain full': Typer has no optional values
    if full:
        ids = [cid for cid in ids if cid != "full"]
        if not ids:
            raise UsageError("name the components to unplug: unplug INVENTORY ID... --explain full")
    explained = explain or _chosen(format) != "json"
    result = unplug.unplug(graph, ids, ("full" if full else "short") if explained else None)
    _emit("unplug", result, format)
    services = result["services"]
    if fail_on is not None and (services["down"] or (fail_on is FailOn.degraded and services["degraded"])):
        raise typer.Exit(1)


@app.command()
def generate(
    components: Annotated[
        int,
        typer.Option("--components", "-n", min=1, max=MAX_GENERATED, help="How many components, exactly."),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="The same seed gives the same estate.")] = 0,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the inventory here (default: standard output).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file.")] = False,
    format: FormatOption = None,
) -> None:
    """Write a realistic synthetic estate: sites, rooms, racks, power, carriers, hosts, services.

    Example: graphanalyzer generate --components 100000 --seed 1 -o estate.yaml
    """
    from graphanalyzer import generate
    from graphanalyzer.analysis import summary
    from graphanalyzer.dump import dumps
    from graphanalyzer.output import check_output

    if output is not None:
        check_output(output, force=force)
    inventory = generate.generate(components, seed)
    if _write(output, dumps(inventory), force):
        result = {**summary.validate(inventory), "file": str(output)}
        del result["warnings"]
        _emit("generate", result, format)


def _write(output: Path | None, text: str, force: bool, inputs: list[Path] | list[str] | None = None) -> bool:
    """Write to the output file (under :mod:`graphanalyzer.output`'s policy), or to stdout; True for a file."""
    from graphanalyzer.output import write_output

    if output is None:
        sys.stdout.write(text)
        return False
    write_output(output, text, force=force, inputs=inputs or ())
    return True


class ExportFormat(enum.StrEnum):
    mef = "mef"
    json = "json"
    dot = "dot"


@app.command()
def export(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    to: Annotated[ExportFormat, typer.Option("--to", help="mef (a fault tree for SCRAM), json (node-link) or dot.")] = (
        ExportFormat.mef
    ),
    service: Annotated[
        str | None, typer.Option("--service", "-s", help="The top event of the fault tree: this being down.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: standard output).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file.")] = False,
    format: FormatOption = None,
) -> None:
    """Export the dependency graph: an Open-PSA MEF fault tree, node-link JSON, or Graphviz DOT.

    Example: graphanalyzer export example --to mef --service checkout -o checkout.xml
    """
    from graphanalyzer.graph import check_ids
    from graphanalyzer.output import check_output

    graph = _graph(inventory)
    inputs = list(graph.graph["inventory"].files)
    if output is not None:
        check_output(output, force=force, inputs=inputs)
    if to is ExportFormat.mef:
        from graphanalyzer.render.mef import fault_tree

        services = graph.graph["inventory"].services()
        if service is None and len(services) != 1:
            raise UsageError(f"name the top event with --service (one of: {', '.join(services) or 'no services'})")
        target = check_ids(graph, [service or services[0]])[0]
        text = fault_tree(graph, target)
    elif to is ExportFormat.json:
        from graphanalyzer.render import jsonout
        from graphanalyzer.render.nodelink import node_link

        text = jsonout.render(node_link(graph))
    else:
        from graphanalyzer.render.dot import raw

        text = raw(graph)
    if _write(output, text, force, inputs):
        _emit("export", {"file": str(output), "to": to.value, "nodes": graph.number_of_nodes()}, format)


def main() -> None:
    """Entry point: run the app, turning the user's errors into exit code 2."""
    try:
        app(prog_name="graphanalyzer")
    except InventoryError as error:
        sys.stderr.write(f"{error}\n")
        sys.exit(2)
    except GraphanalyzerError as error:
        from graphanalyzer.errors import one_line

        sys.stderr.write(f"graphanalyzer: error: {one_line(str(error))}\n")
        sys.exit(2)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
