"""Diagrams, complexity and the review report: golden files, order independence, escaping, a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pydot
import pytest
from conftest import EXAMPLES, INVENTORIES, needs_graphviz, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from graphanalyzer.analysis.complexity import complexity
from graphanalyzer.cli import resolve
from graphanalyzer.graph import build, load
from graphanalyzer.model import Component, Group, Inventory
from graphanalyzer.render import markdown
from graphanalyzer.render.diagram import draw

GOLDEN = Path(__file__).parent / "golden"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Chromium is not installed (Debian: apt-get install chromium)"
)


def example() -> Inventory:
    inventory: Inventory = load(resolve("example")).graph["inventory"]
    return inventory


def shuffled(inventory: Inventory, order: list[int]) -> Inventory:
    ids = list(inventory.components)
    return Inventory(inventory.name, {ids[i]: inventory.components[ids[i]] for i in order})


def golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; GRAPHANALYZER_GOLDEN=write rewrites it (then review the diff)."""
    path = GOLDEN / name
    if os.environ.get("GRAPHANALYZER_GOLDEN") == "write":
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed: rerun with GRAPHANALYZER_GOLDEN=write and review the diff"


def test_golden_diagram_of_the_example() -> None:
    golden("example-unplug-feed-a.dot", draw(build(example()), unplugged=["feed-a"]).dot)


def test_golden_complexity_markdown_of_midsize() -> None:
    golden("midsize-complexity.md", markdown.complexity(complexity(load(resolve("midsize")))))


@settings(max_examples=15)
@given(st.permutations(range(31)))
def test_diagram_and_complexity_do_not_depend_on_declaration_order(order: list[int]) -> None:
    base = example()
    other = shuffled(base, order)
    assert draw(build(other), unplugged=["feed-a"]).dot == draw(build(base), unplugged=["feed-a"]).dot
    assert markdown.complexity(complexity(build(other))) == markdown.complexity(complexity(build(base)))


def test_diagram_parts() -> None:
    graph = build(example())
    dot = draw(graph, unplugged=["feed-a"]).dot
    parsed = pydot.graph_from_dot_data(dot)
    assert parsed is not None
    labels = {(n.get_label() or "").strip('"'): n for n in parsed[0].get_node_list() + _nested_nodes(parsed[0])}
    assert labels["feed-a\\n(unplugged)\\nSPOF"].get("fillcolor") == '"#2c3e50"'
    assert labels["zk-1"].get("fillcolor") == '"#e74c3c"'  # down
    assert labels["storefront\\nSPOF"].get("fillcolor") == '"#f5b041"'  # degraded
    assert "2 of 3" in labels and "legend" not in labels and "down" in labels  # junctions, legend entries
    clusters = re.findall(r"subgraph (cluster_\w+)", dot)
    assert len(clusters) == 4  # colo-sfo, rack-1, rack-2, legend
    plain = draw(graph).dot
    assert "unplugged" not in plain and "SPOF" in plain


def _nested_nodes(graph: pydot.Graph) -> list[pydot.Node]:
    found = []
    for sub in graph.get_subgraph_list():
        found.extend(sub.get_node_list())
        found.extend(_nested_nodes(sub))
    return found


def test_focus_and_level() -> None:
    graph = load(resolve("liveaudio"))
    focused = draw(graph, focus="etcd-2", depth=1)
    assert focused.boxes < 10 and "etcd-2" in focused.dot and "audio-west-1" not in focused.dot
    racks = draw(graph, level="rack")
    assert racks.level == "rack" and 'label="audio-west-1' not in racks.dot and "west-rack-1\\n3 inside" in racks.dot
    with pytest.raises(Exception, match="no component of kind 'pod'"):
        draw(graph, level="pod")


@needs_graphviz
def test_big_estates_collapse_by_themselves(tmp_path: Path) -> None:
    estate = tmp_path / "estate.yaml"
    assert run_cli("generate", "-n", "5000", "-s", "2", "-o", str(estate)).returncode == 0
    result = run_cli("diagram", str(estate), "-o", str(tmp_path / "estate.svg"), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "too many to draw one by one: collapsed to" in result.stderr
    assert json.loads(result.stdout)["level"] is not None
    assert (tmp_path / "estate.svg").read_text().lstrip().startswith("<?xml")
    by_rack = run_cli("diagram", str(estate), "-o", str(tmp_path / "racks.dot"), "--level", "rack", "--format", "json")
    assert by_rack.returncode == 0 and "too many to draw by rack: collapsed to" in by_rack.stderr
    assert json.loads(by_rack.stdout)["level"] in ("room", "site", "summary")


@needs_graphviz
def test_diagram_formats_and_a_missing_dot(tmp_path: Path) -> None:
    for suffix in ("svg", "png", "dot"):
        out = tmp_path / f"example.{suffix}"
        result = run_cli("diagram", "example", "-o", str(out), "--unplug", "feed-a")
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 1000
    assert (tmp_path / "example.png").read_bytes().startswith(b"\x89PNG")
    bad = run_cli("diagram", "example", "-o", str(tmp_path / "example.pdf"))
    assert bad.returncode == 2 and "must end in .svg, .png or .dot" in bad.stderr
    no_dot = subprocess.run(
        [sys.executable, "-m", "graphanalyzer", "diagram", "example", "-o", str(tmp_path / "nodot.svg")],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(Path(sys.executable).parent)},
    )
    assert no_dot.returncode == 2
    assert "Graphviz 'dot' was not found" in no_dot.stderr and "nodot.dot instead" in no_dot.stderr
    assert (tmp_path / "nodot.dot").read_text().startswith("digraph estate")
    assert not (tmp_path / "nodot.svg").exists()


def test_complexity_numbers() -> None:
    graph = build(
        Inventory(
            "x",
            {
                "site": Component("site", "site"),
                "feed": Component("feed", "power", container="site"),
                "a": Component("a", "host", container="site", requires=("feed", "b")),
                "b": Component("b", "host", container="site", requires=("a",)),
                "db": Component("db", "database", requires=(Group(("a", "b")),)),
                "app": Component("app", "service", requires=("db",)),
            },
        )
    )
    result = complexity(graph)
    app = result["services"]["app"]
    # app -> db -> {a, b} (a cycle, both counted) -> feed -> site: 5 components below app
    assert (app["depth"], app["support"]) == (5, 5)
    assert app["spofs"] == ["site", "feed", "a", "b", "db"]
    assert result["cycles"] == [["a", "b"]]
    data = json.loads(run_cli("complexity", "midsize", "--format", "json").stdout)
    assert {"services", "cycles", "repeated", "index"} <= set(data)
    assert set(next(iter(data["services"].values()))) == {"depth", "support", "spofs", "index"}
    assert isinstance(data["index"], float) and data["verdict"]


@needs_graphviz
@pytest.mark.parametrize("name", EXAMPLES)
def test_report_on_every_example(name: str, tmp_path: Path) -> None:
    result = run_cli("report", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (page,) = tmp_path.iterdir()  # NAME.html in the current folder, and no folder made
    assert page.suffix == ".html" and result.stdout == f"wrote {page.name}\n"
    text = page.read_text()
    assert "<svg" in text and "Single points of failure" in text and "What if" in text and "Complexity" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)  # nothing fetched
    md = run_cli("report", name, "--format", "markdown")
    assert md.returncode == 0 and md.stdout.startswith("# Design review")


HOSTILE = "<img src=x onerror=alert(1)>"


def hostile_inventory(folder: Path) -> Path:
    path = folder / "hostile.yaml"
    path.write_text(
        "inventory: '<script>alert(2)</script>'\n"
        "components:\n"
        f"  feed: {{kind: power, description: '{HOSTILE}', owner: '<b onmouseover=alert(3)>x</b>'}}\n"
        "  'a<b>&c': {kind: host, depends_on: [feed], description: '\"quoted\" & <i>'}\n"
        "  app: {kind: service, depends_on: ['a<b>&c']}\n"
    )
    return path


@needs_graphviz
def test_hostile_text_never_reaches_the_page_unescaped(tmp_path: Path) -> None:
    out = tmp_path / "hostile.html"
    result = run_cli("report", str(hostile_inventory(tmp_path)), "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "<img" not in page and "<script" not in page and "<b " not in page and "<i>" not in page
    assert "onerror=alert(1)&gt;" in page  # shown, as text
    svg = run_cli("diagram", str(tmp_path / "hostile.yaml"), "-o", str(tmp_path / "h.svg"))
    assert svg.returncode == 0
    assert "<img" not in (tmp_path / "h.svg").read_text()


@needs_chromium
@needs_graphviz
def test_the_report_loads_in_a_browser_without_errors(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CI must install Chromium"
    for name in ("midsize", str(hostile_inventory(tmp_path))):
        out = tmp_path / f"{Path(name).stem}.html"
        assert run_cli("report", name, "-o", str(out)).returncode == 0
        shot = tmp_path / f"{Path(name).stem}.png"
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
            "--window-size=1280,2000",
        ]  # fmt: skip
        run = subprocess.run(
            [CHROMIUM, *flags, f"--screenshot={shot}", out.as_uri()], capture_output=True, text=True, timeout=120
        )
        assert shot.exists() and shot.stat().st_size > 10_000, run.stderr[-2000:]
        console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Refused to" in line]
        assert console == [], console
        dom = subprocess.run(
            [CHROMIUM, *flags, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120
        )
        assert "<svg" in dom.stdout and "<img" not in dom.stdout and "<script" not in dom.stdout


def test_bundled_scenarios_name_real_components() -> None:
    for scenarios in (INVENTORIES / "scenarios").glob("*.yaml"):
        result = run_cli("chaos", scenarios.stem, "--scenarios", str(scenarios), "--format", "json")
        assert result.returncode == 0, result.stderr


def test_outputs_never_replace_the_inventory(tmp_path: Path) -> None:
    inventory = tmp_path / "estate.yaml"
    inventory.write_text((INVENTORIES / "example.yaml").read_text())
    before = inventory.read_bytes()
    for command in (["report", "--format", "json"], ["export", "--to", "dot"], ["import", "compose"]):
        refused = run_cli(*command, str(inventory), "-o", str(inventory), "--force")
        assert refused.returncode == 2
        assert refused.stderr == (
            f"graphanalyzer: error: {inventory}: is an input of this command; graphanalyzer never writes over its inputs\n"
        )
    wrong = run_cli("report", str(inventory), "-o", str(tmp_path / "report.txt"))
    assert wrong.returncode == 2 and "should end in .html" in wrong.stderr
    assert run_cli("report", str(inventory), "--format", "markdown", "-o", str(tmp_path / "r.md")).returncode == 0
    assert inventory.read_bytes() == before


@st.composite
def changed_designs(draw: st.DrawFn) -> tuple[Inventory, Inventory]:
    """A random design and the same one with a few components changed, added or removed."""
    from dataclasses import replace

    from strategies import groups, inventories

    drawn = draw(inventories(max_components=10, with_text=False))
    names = list(drawn.components)
    services = set(names[-3:])  # services at the top, as in an estate
    old = Inventory(
        drawn.name, {c: replace(r, kind="service") if c in services else r for c, r in drawn.components.items()}
    )
    components = dict(old.components)
    for cid in draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)):
        record = components[cid]
        reduced = [r for r in record.requires if isinstance(r, Group) and len(r.members) > 1]
        if reduced and draw(st.booleans()):  # less redundancy: the change a gate is for
            group = draw(st.sampled_from(reduced))
            fewer = draw(
                st.sampled_from(
                    [group.members[0], Group(group.members[:-1], min(group.at_least, len(group.members) - 1))]
                )
            )
            requires = tuple(fewer if r == group else r for r in record.requires)
        else:
            requires = tuple(draw(st.lists(st.sampled_from(names) | groups(names), max_size=3, unique=True)))
        components[cid] = replace(record, requires=tuple(dict.fromkeys(requires)))
    if draw(st.booleans()):
        added = draw(st.sampled_from(["new-a", "new-b"]))
        components[added] = Component(added, draw(st.sampled_from(["host", "service"])), requires=(names[0],))
        target = draw(st.sampled_from(names))
        components[target] = replace(components[target], requires=(*components[target].requires, added))
    return old, Inventory(old.name, components)


@settings(max_examples=150)
@given(changed_designs(), st.integers(min_value=1, max_value=3))
def test_lower_order_looks_only_where_a_change_reaches_and_finds_the_same(
    designs: tuple[Inventory, Inventory], order: int
) -> None:
    from graphanalyzer.analysis.diff import diff, full_lower_order

    before, after = (build(inventory) for inventory in designs)
    result = diff(before, after, order)
    services = [s for s in designs[1].services() if s in designs[0].components]
    assert result["cut_sets"]["lower_order"] == full_lower_order(before, after, services, order, {})


@given(
    st.dictionaries(st.integers(0, 7), st.sampled_from(["*", "host", "rack", "2 of 3", "power"]), min_size=1),
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20),
)
def test_our_weisfeiler_lehman_hash_is_networkx_s(labels: dict[int, str], pairs: list[tuple[int, int]]) -> None:
    import warnings

    import networkx as nx

    from graphanalyzer.analysis.complexity import wl_hash

    edges = list(dict.fromkeys((u, v) for u, v in pairs if u in labels and v in labels))
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from((node, {"label": label}) for node, label in labels.items())
    graph.add_edges_from(edges)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = nx.weisfeiler_lehman_graph_hash(graph, node_attr="label", iterations=2)
    assert wl_hash(dict(labels), edges) == expected  # type: ignore[arg-type]
