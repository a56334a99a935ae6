"""The command line: thin Typer commands that load, analyse and render.

Each command is a few lines: :func:`_load` (inventory and graph), an analysis
from :mod:`graphanalyzer.analysis`, then :func:`_emit` in the chosen format.
Errors the user can fix are :class:`~graphanalyzer.errors.GraphanalyzerError`:
:func:`main` prints them to stderr and exits with code 2.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from graphanalyzer import __version__
from graphanalyzer.analysis import capacity, gameday, summary
from graphanalyzer.analysis import chaos as monkey
from graphanalyzer.analysis import spof as spofs
from graphanalyzer.analysis import unplug as unplugging
from graphanalyzer.analysis.coldstart import coldstart as cold
from graphanalyzer.analysis.complexity import complexity as intricacy
from graphanalyzer.analysis.cycles import cycles
from graphanalyzer.analysis.diff import diff as changes
from graphanalyzer.analysis.diff import failures
from graphanalyzer.analysis.distribute import distribute
from graphanalyzer.analysis.exact import exact as exact_results
from graphanalyzer.analysis.review import review
from graphanalyzer.dump import dumps
from graphanalyzer.errors import GraphanalyzerError, InventoryError, UsageError
from graphanalyzer.generate import generate as generate_estate
from graphanalyzer.graph import check_ids, load
from graphanalyzer.importers import Imported
from graphanalyzer.importers.backstage import from_backstage
from graphanalyzer.importers.compose import from_compose
from graphanalyzer.importers.terraform import from_terraform
from graphanalyzer.model import Inventory
from graphanalyzer.output import write_atomic
from graphanalyzer.render import jsonout, render, sarif
from graphanalyzer.render.diagram import MAX_NODES, draw, image
from graphanalyzer.render.dot import raw
from graphanalyzer.render.mef import fault_tree
from graphanalyzer.render.nodelink import node_link
from graphanalyzer.render.report import html as page
from graphanalyzer.render.report import markdown_report

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="What breaks if I unplug this? Analyse an infrastructure inventory.",
)

#: Where bundled example inventories live: inside an installed wheel, or in the source tree.
_BUNDLED = (Path(__file__).parent / "inventories", Path(__file__).parent.parent / "inventories")
DEFAULT_INVENTORY = "example"


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


def resolve(name: str) -> str:
    """A path for an inventory argument: the file itself, or a bundled example's root file."""
    if name == "-" or Path(name).exists():
        return name
    for folder in _BUNDLED:
        for candidate in (folder / f"{name}.yaml", folder / name / "main.yaml"):
            if candidate.is_file():
                return str(candidate)
    return name


def _load(name: str) -> Inventory:
    inventory: Inventory = load(resolve(name)).graph["inventory"]
    return inventory


def _chosen(fmt: Format | None) -> str:
    return fmt.value if fmt is not None else ("table" if sys.stdout.isatty() else "json")


def _emit(view: str, result: Any, fmt: Format | None) -> None:
    output = render(view, result, _chosen(fmt))
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        Console(width=None if sys.stdout.isatty() else 120).print(output)


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
def validate(inventory: InventoryArgument = DEFAULT_INVENTORY, format: FormatOption = None) -> None:
    """Check an inventory and summarise it; every problem is reported as FILE:LINE:COL.

    Dependency cycles are legal, and listed as warnings.

    Example: graphanalyzer validate inventories/birdsite-2009.yaml --format json
    """
    graph = load(resolve(inventory))
    _emit("validate", summary.validate(graph.graph["inventory"], cycles(graph)), format)


@app.command()
def show(inventory: InventoryArgument = DEFAULT_INVENTORY, format: FormatOption = None) -> None:
    """Components by kind, and each service with what it needs directly.

    Example: graphanalyzer show liveaudio
    """
    _emit("show", summary.show(_load(inventory)), format)


@app.command()
def spof(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    order: Annotated[
        int, typer.Option("--order", "-k", min=1, max=4, help="Also list minimal cut sets of 2 up to this many.")
    ] = 1,
    service: Annotated[
        list[str] | None, typer.Option("--service", "-s", help="A target (repeat for more); default: every service.")
    ] = None,
    format: FormatOption = None,
) -> None:
    """Single points of failure, minimal cut sets, and redundancy a single failure defeats.

    Example: graphanalyzer spof birdsite-2009 --order 2
    """
    graph = load(resolve(inventory))
    result = spofs.spof(graph, service, order)
    if format is Format.sarif:
        sys.stdout.write(jsonout.render(sarif.spof_log(result, graph.graph["inventory"])))
        return
    _emit("spof", result, format)


@app.command()
def headroom(inventory: InventoryArgument = DEFAULT_INVENTORY, format: FormatOption = None) -> None:
    """Capacity against demand for every group with a demand: N+k, and the domains it cannot lose.

    Example: graphanalyzer headroom liveaudio
    """
    _emit("headroom", capacity.headroom(load(resolve(inventory))), format)


@app.command()
def surge(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    service: Annotated[str, typer.Option("--service", "-s", help="The service whose demand rises.")] = "",
    demand: Annotated[float, typer.Option("--demand", "-d", help="Its new demand, in its own units.", min=0)] = 0,
    format: FormatOption = None,
) -> None:
    """Which group saturates first when a service's demand rises, by how much, and what to add.

    Example: graphanalyzer surge liveaudio --service spaces --demand 12000000
    """
    if not service or not demand:
        raise UsageError("surge needs --service S and --demand X")
    graph = load(resolve(inventory))
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
    service: Annotated[
        list[str] | None, typer.Option("--service", "-s", help="A target (repeat for more); default: every service.")
    ] = None,
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
    graph = load(resolve(inventory))
    if scenarios is not None:
        _emit("gameday", gameday.gameday(graph, gameday.read_scenarios(scenarios, graph)), format)
        return
    targets = check_ids(graph, service) if service else None
    if exact:
        _emit("chaos", exact_results(graph, targets, top=top), format)
        return
    run = monkey.on_dask(scheduler) if executor is Executor.dask else monkey.local
    with _progress(trials) as advance:
        result = monkey.chaos(graph, trials, seed, targets, top=top, executor=run, progress=advance)
    _emit("chaos", result, format)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; yields the function that advances it."""
    if not sys.stderr.isatty():
        yield lambda done: None
        return
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
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
        int,
        typer.Option("--max-boxes", min=10, help="Collapse further above this many boxes (dot slows down past 1,000)."),
    ] = MAX_NODES,
    format: FormatOption = None,
) -> None:
    """A Graphviz diagram: nested sites, rooms and racks, redundancy junctions, SPOFs marked.

    Large estates are collapsed automatically (a note on stderr says how).

    Example: graphanalyzer diagram example -o example.svg --unplug feed-a
    """
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("svg", "png", "dot"):
        raise UsageError(f"{output}: the output must end in .svg, .png or .dot")
    graph = load(resolve(inventory))
    _not_an_input(output, graph.graph["inventory"])
    picture = draw(graph, unplugged=unplug or (), focus=focus, depth=depth, level=level, max_nodes=max_boxes)
    if picture.note:
        sys.stderr.write(f"graphanalyzer: note: {picture.note}\n")
    if suffix == "dot":
        write_atomic(output, picture.dot)
    else:
        try:
            write_atomic(output, image(picture.dot, suffix))
        except UsageError as error:
            write_atomic(output.with_suffix(".dot"), picture.dot)
            raise UsageError(f"{error}; wrote {output.with_suffix('.dot')} instead") from None
    _emit("diagram", {"file": str(output), "boxes": picture.boxes, "level": picture.level}, format)


@app.command()
def complexity(inventory: InventoryArgument = DEFAULT_INVENTORY, format: FormatOption = None) -> None:
    """The Rube Goldberg report: depth, support and SPOFs per service, cycles, repetition, a verdict.

    Example: graphanalyzer complexity midsize --format markdown
    """
    _emit("complexity", intricacy(load(resolve(inventory))), format)


@app.command()
def report(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the HTML (default: reports/NAME.html)."),
    ] = None,
    format: FormatOption = None,
) -> None:
    """A self-contained HTML report for a design review (--format markdown: the same, for a pull request).

    Example: graphanalyzer report birdsite-2009 -o reports/birdsite.html
    """
    chosen = format.value if format in (Format.json, Format.markdown) else "html"  # a table report is the page
    graph = load(resolve(inventory))
    if output is not None:
        _not_an_input(output, graph.graph["inventory"])
        wanted = (".md", ".markdown") if chosen == "markdown" else (".html", ".htm")
        if chosen != "json" and output.suffix.lower() not in wanted:
            raise UsageError(f"{output}: the report's file name should end in {wanted[0]}")
    data = review(graph)
    picture = draw(graph, spofs={e["component"] for e in data["spof"]["spofs"]})
    if picture.note:
        data["diagram_note"] = picture.note
    if chosen == "json":
        if output is None:
            _emit("report", data, format)
        else:
            write_atomic(output, jsonout.render(data))
        return
    data["markdown"] = markdown_report(data)
    if chosen == "markdown":
        if output is None:
            sys.stdout.write(data["markdown"])
        else:
            write_atomic(output, data["markdown"])
        return
    try:
        data["svg"] = image(picture.dot, "svg").decode()
    except UsageError as error:
        data["diagram_note"] = f"no diagram: {error}"
    target = output or Path("reports") / f"{_filename(data['inventory'])}.html"
    write_atomic(target, page(data))
    print(f"wrote {target}")


def _not_an_input(output: Path, inventory: Inventory) -> None:
    """Refuse to write over a file of the inventory: graphanalyzer never changes an inventory."""
    if any(Path(f).resolve() == output.resolve() for f in inventory.files):
        raise UsageError(f"{output}: is a file of the inventory; choose another output")


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
    after = load(resolve(new))
    result = changes(load(resolve(old)), after, order)
    if fail_on is not None:
        result["fail_on"] = {"condition": fail_on.value, "reasons": failures(result, fail_on.value)}
    if format is Format.sarif:
        sys.stdout.write(jsonout.render(sarif.diff_log(result, after.graph["inventory"])))
    else:
        _emit("diff", result, format)
    if fail_on is not None and result["fail_on"]["reasons"]:
        raise typer.Exit(1)


class ColdFailOn(enum.StrEnum):
    deadlock = "deadlock"


@app.command()
def coldstart(
    inventory: InventoryArgument = DEFAULT_INVENTORY,
    fail_on: Annotated[
        ColdFailOn | None, typer.Option("--fail-on", help="Exit 1 if some component can never start.")
    ] = None,
    format: FormatOption = None,
) -> None:
    """The estate started from nothing: boot order in waves, what can never start, and the cycles to blame.

    Example: graphanalyzer coldstart backbone-2021 --fail-on deadlock
    """
    result = cold(load(resolve(inventory)))
    _emit("coldstart", result, format)
    if fail_on is not None and result["deadlocked"]:
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
    result = distribute(load(resolve(inventory)), name)
    _emit("distribute", result, format)
    if fail_on is not None and any(entry["fits"] is False for entry in result["distributions"].values()):
        raise typer.Exit(1)


importer = typer.Typer(help="Write a v1 inventory from what teams already have.", no_args_is_help=True)
app.add_typer(importer, name="import")
SourceArgument = Annotated[Path, typer.Argument(help="The file (or, for backstage, folder) to read.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the inventory here (default: standard output).")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]


@importer.command("compose")
def import_compose(
    source: SourceArgument, output: OutputOption = None, force: ForceOption = False, format: FormatOption = None
) -> None:
    """docker-compose services and their depends_on (short and long forms) and links.

    Example: graphanalyzer import compose docker-compose.yaml -o estate.yaml
    """
    _imported(from_compose(source), output, force, format)


@importer.command("backstage")
def import_backstage(
    source: SourceArgument, output: OutputOption = None, force: ForceOption = False, format: FormatOption = None
) -> None:
    """A Backstage catalog (a catalog-info.yaml or a folder of them): Components, Resources, Systems.

    Example: graphanalyzer import backstage catalog/ -o estate.yaml
    """
    _imported(from_backstage(source), output, force, format)


@importer.command("terraform")
def import_terraform(
    source: SourceArgument, output: OutputOption = None, force: ForceOption = False, format: FormatOption = None
) -> None:
    """The output of 'terraform graph' (old and new styles): resources and their dependencies.

    Example: terraform graph > plan.dot && graphanalyzer import terraform plan.dot -o estate.yaml
    """
    _imported(from_terraform(source), output, force, format)


def _imported(result: Imported, output: Path | None, force: bool, fmt: Format | None) -> None:
    """Write an imported inventory, say on stderr what could not be mapped, and summarise a written file."""
    written = _write(output, dumps(result.inventory), force)
    for item in result.unmapped:
        sys.stderr.write(f"graphanalyzer: not mapped: {item}\n")
    if written:
        summary_ = {**summary.validate(result.inventory), "file": str(output), "unmapped": result.unmapped}
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
        bool, typer.Option("--explain", help="Add the chains of reasons to JSON output (tables always show them).")
    ] = False,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Exit 1 if a service is down (or, with 'degraded', not fully up)."),
    ] = None,
    format: FormatOption = None,
) -> None:
    """Unplug components and show what goes down or degraded, hop by hop back to them.

    Example: graphanalyzer unplug example feed-a --fail-on down
    """
    graph = load(resolve(inventory))
    result = unplugging.unplug(graph, ids)
    if explain or _chosen(format) != "json":
        result["explanations"] = unplugging.explain(graph, ids)
    _emit("unplug", result, format)
    services = result["services"]
    if fail_on is not None and (services["down"] or (fail_on is FailOn.degraded and services["degraded"])):
        raise typer.Exit(1)


@app.command()
def generate(
    components: Annotated[int, typer.Option("--components", "-n", help="How many components, exactly.")] = 1000,
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
    inventory = generate_estate(components, seed)
    if _write(output, dumps(inventory), force):
        result = {**summary.validate(inventory), "file": str(output)}
        del result["warnings"]
        _emit("generate", result, format)


def _write(output: Path | None, text: str, force: bool) -> bool:
    """Write to the output file (never replacing one without --force), or to stdout; True for a file."""
    if output is None:
        sys.stdout.write(text)
        return False
    if output.exists() and not force:
        raise UsageError(f"{output}: already exists (use --force to replace it)")
    write_atomic(output, text)
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
    graph = load(resolve(inventory))
    if to is ExportFormat.mef:
        services = graph.graph["inventory"].services()
        if service is None and len(services) != 1:
            raise UsageError(f"name the top event with --service (one of: {', '.join(services) or 'no services'})")
        target = check_ids(graph, [service or services[0]])[0]
        text = fault_tree(graph, target)
    elif to is ExportFormat.json:
        text = jsonout.render(node_link(graph))
    else:
        text = raw(graph)
    if _write(output, text, force):
        _emit("export", {"file": str(output), "to": to.value, "nodes": graph.number_of_nodes()}, format)


def main() -> None:
    """Entry point: run the app, turning the user's errors into exit code 2."""
    try:
        app(prog_name="graphanalyzer")
    except InventoryError as error:
        sys.stderr.write(f"{error}\n")
        sys.exit(2)
    except GraphanalyzerError as error:
        sys.stderr.write(f"graphanalyzer: error: {error}\n")
        sys.exit(2)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
