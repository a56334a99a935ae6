"""Diagrams, complexity and the review report: golden files, order independence, escaping, a real browser."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import hypothesis
import pydot
import pytest
from conftest import EXAMPLES, INVENTORIES, needs_graphviz, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import inventories

from graphanalyzer.analysis import domains
from graphanalyzer.analysis.complexity import complexity
from graphanalyzer.analysis.failure import State, propagate
from graphanalyzer.analysis.review import review
from graphanalyzer.analysis.spof import spof
from graphanalyzer.cli import resolve
from graphanalyzer.generate import generate
from graphanalyzer.graph import build, load
from graphanalyzer.model import Component, Group, Inventory
from graphanalyzer.render import markdown
from graphanalyzer.render.diagram import KIND_STYLE, draw, measure
from graphanalyzer.render.report import (
    Figure,
    RenderError,
    Section,
    build_report,
    render_markdown,
    report_html,
    report_markdown,
)

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


def _nested_nodes(graph: pydot.Graph) -> list[pydot.Node]:
    found = []
    for sub in graph.get_subgraph_list():
        found.extend(sub.get_node_list())
        found.extend(_nested_nodes(sub))
    return found


def _labels(dot: str) -> dict[str, dict[str, str]]:
    """Every node of a DOT text by its label (the attributes as written)."""
    parsed = pydot.graph_from_dot_data(dot)
    assert parsed is not None
    found = {}
    for node in parsed[0].get_node_list() + _nested_nodes(parsed[0]):
        label = (node.get_label() or "").strip('"')
        found[label] = {k: str(v).strip('"') for k, v in node.get_attributes().items()}
    return found


def _edges(dot: str) -> list[dict[str, str]]:
    parsed = pydot.graph_from_dot_data(dot)
    assert parsed is not None
    edges = parsed[0].get_edge_list() + [e for sub in _subgraphs(parsed[0]) for e in sub.get_edge_list()]
    return [
        {
            "tail": e.get_source(),
            "head": e.get_destination(),
            **{k: str(v).strip('"') for k, v in e.get_attributes().items()},
        }
        for e in edges
    ]


def _subgraphs(graph: pydot.Graph) -> list[pydot.Graph]:
    found = []
    for sub in graph.get_subgraph_list():
        found.append(sub)
        found.extend(_subgraphs(sub))
    return found


def test_diagram_parts() -> None:
    graph = build(example())
    dot = draw(graph, unplugged=["feed-a"]).dot
    labels = _labels(dot)
    assert labels["feed-a\\n(unplugged)"]["fillcolor"] == "#2c3e50"
    assert labels["feed-a\\n(unplugged)"]["color"] == "#c0392b"  # a SPOF: a red border
    assert labels["zk-1 … zk-3\\n3 hosts"]["fillcolor"] == "#e74c3c"  # three hosts alike, one box, down
    assert labels["storefront"]["fillcolor"] == "#f5b041"  # degraded
    assert "2 of 3\\nlost with\\nrack-2 +2 more" in labels and "any\\n1,600" in labels  # junctions
    clusters = re.findall(r"subgraph (cluster_\w+)", dot)
    assert len(clusters) == 4  # colo-sfo, rack-1, rack-2, legend
    assert not {"colo-sfo", "rack-1", "rack-2"} & set(labels)  # containers are drawn once, as clusters
    assert 'label="rack-2 (down)"' in dot and 'label="rack-1"' in dot
    plain = draw(graph).dot
    assert "unplugged" not in plain and "SPOF" in plain


def test_one_junction_per_distinct_group() -> None:
    graph = load(resolve("birdsite-2009"))
    inventory = graph.graph["inventory"]
    groups = {
        (g.at_least, g.demand, frozenset(g.members))
        for c in inventory.components.values()
        for g in c.requires
        if isinstance(g, Group)
    }
    dot = draw(graph).dot
    assert len(groups) == 11 and len(re.findall(r"\nj\d+ \[", dot)) == 11  # not one per owner (34)
    (rails,) = [a["tooltip"] for a in _names(dot).values() if "rails-01: any of pdu-1a" in a.get("tooltip", "")]
    assert "rails-05: any of pdu-1a, pdu-1b" in rails and "and 3 more" in rails  # rack 1's PDU pair, for all 9 in it


def test_groups_one_failure_defeats_are_marked_with_what() -> None:
    labels = _labels(draw(build(example())).dot)
    pdus = labels["any\\nlost with\\nfeed-a"]
    assert pdus["color"] == "#c0392b" and "one failure defeats it: feed-a" in pdus["tooltip"]
    assert labels["any\\nlost with\\ncore-1"]["color"] == "#c0392b"  # orders-db's pair: colo-sfo is wider
    assert "color" not in labels["any\\n1,600"]  # the web hosts stand in two racks on two feeds


def test_unplug_paints_the_path_and_says_what_it_did() -> None:
    graph = build(example())
    picture = draw(graph, unplugged=["feed-a"])
    labels = _labels(picture.dot)
    names = {attributes.get("label", ""): name for name, attributes in _names(picture.dot).items()}
    edges = {(e["tail"], e["head"]): e for e in _edges(picture.dot)}
    storefront, demand = names["storefront"], names["any\\n1,600"]
    assert edges[(storefront, demand)]["color"] == "#d68910"  # the failure reached storefront as a degradation
    assert labels["any\\n1,600"]["fillcolor"] == "#f5b041"
    web = names["web-4 … web-6\\n3 hosts"]
    assert edges[(demand, web)]["color"] == "#c0392b" and edges[(demand, web)]["style"] == "dashed"
    assert "color" not in edges[(names["checkout"], storefront)]  # checkout is down for zookeeper, not storefront
    assert edges[(names["checkout"], names["zookeeper"])]["color"] == "#c0392b"
    assert picture.caption == (
        "shopfront: unplugging feed-a takes down 2 of 3 services (checkout, zookeeper) and degrades 1 (storefront); "
        "12 other components are not up."
    )


def _names(dot: str) -> dict[str, dict[str, str]]:
    parsed = pydot.graph_from_dot_data(dot)
    assert parsed is not None
    nodes = parsed[0].get_node_list() + _nested_nodes(parsed[0])
    return {n.get_name(): {k: str(v).strip('"') for k, v in n.get_attributes().items()} for n in nodes}


def test_dependency_cycles_are_highlighted() -> None:
    dot = draw(load(resolve("backbone-2021"))).dot
    assert len([e for e in _edges(dot) if e.get("color") == "#8e44ad"]) >= 3
    assert "on a dependency cycle" in dot
    assert "#8e44ad" not in draw(build(example())).dot


def test_the_legend_explains_every_encoding() -> None:
    graph = build(example())
    dot = draw(graph, unplugged=["feed-a"]).dot
    legend = dot[dot.index("subgraph cluster_legend") :]
    for words in (
        "a SPOF", "unplugged", "down", "degraded", "a redundancy group", "its demand", "a group one failure defeats",
        "needs", "member of the group", "the failure spread this way", "placement",
    ):  # fmt: skip
        assert words in legend, words
    kinds = {c.kind for c in graph.graph["inventory"].components.values()}
    assert all(f'label="{kind}", shape={KIND_STYLE[kind][0]}' in legend for kind in kinds)
    assert "the failure spread" not in draw(graph).dot  # only what the picture uses


def test_racks_are_in_name_order() -> None:
    racks = {f"rack-{n}": Component(f"rack-{n}", "rack") for n in (10, 2, 1)}
    hosts = {f"h{n}": Component(f"h{n}", "host", container=f"rack-{n}") for n in (10, 2, 1)}
    app = Component("app", "service", requires=(Group(tuple(hosts)),))
    dot = draw(build(Inventory("x", {**racks, **hosts, "app": app}))).dot
    assert re.findall(r'label="(rack-\d+)"', dot) == ["rack-1", "rack-2", "rack-10"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_pictures_fit_a_slide(name: str) -> None:
    if shutil.which("dot") is None and not os.environ.get("CI"):
        pytest.skip("Graphviz is not installed (Debian: apt-get install graphviz)")
    graph = load(resolve(name))
    width, height = measure(draw(graph, layout=measure).dot)
    if name != "deploys-2010":  # its 40 racks show larger stacked (portrait) than in one row 115 inches wide
        assert width > height  # landscape

    def fit(size: tuple[float, float]) -> float:
        return min(13.33 / size[0], 7.5 / size[1])

    across, down = (measure(draw(graph, rankdir=way).dot) for way in ("LR", "TB"))
    assert fit((width, height)) == max(fit(across), fit(down))  # the flow that shows larger on a 16:9 slide


def test_focus_never_hides_the_focused_component(tmp_path: Path) -> None:
    graph = load(resolve("liveaudio"))
    focused = draw(graph, focus="etcd-2", level="rack")
    labels = _labels(focused.dot)
    assert labels["etcd-2"]["color"] == "#2e86c1"  # itself, outlined, though its rack is collapsed
    assert 'label="east-rack-3 (and 1 component not drawn apart)"' in focused.dot  # and where it stands
    assert "region-east" in focused.dot and "west-rack-2\\n1 host" in labels  # where its group's members are
    estate = tmp_path / "estate.yaml"
    assert run_cli("generate", "-n", "3000", "-s", "4", "-o", str(estate)).returncode == 0
    big = load(str(estate))
    host = next(c for c, r in big.graph["inventory"].components.items() if r.kind == "host")
    tight = draw(big, focus=host, depth=3, max_nodes=20)
    assert tight.level is not None and _labels(tight.dot)[host]["color"] == "#2e86c1"


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


def test_a_level_is_drawn_when_its_boxes_just_fit() -> None:
    """Components in nothing are a box each at any level but the summary: a level is given up unseen only when
    they alone are too many, and one whose boxes are exactly as many as allowed is drawn."""
    components = {f"r{n}": Component(f"r{n}", "rack") for n in range(3)}
    components |= {f"h{n}": Component(f"h{n}", "host", container=f"r{n % 3}") for n in range(9)}
    components |= {f"s{n}": Component(f"s{n}", "service", requires=(f"h{n}",)) for n in range(9)}
    graph = build(Inventory("x", components))  # 12 in nothing (3 racks, 9 services); by rack, 12 boxes
    assert draw(graph, max_nodes=12).level == "rack"
    assert draw(graph, max_nodes=11).level == "summary"


def test_a_big_estate_shows_where_its_risk_is(tmp_path: Path) -> None:
    estate = tmp_path / "estate.yaml"
    assert run_cli("generate", "-n", "10000", "-s", "1", "-o", str(estate)).returncode == 0
    graph = load(str(estate))
    found = spof(graph)
    breaks = {e["component"]: len(e["breaks"]) for e in found["spofs"]}
    picture = draw(graph, found=found)
    assert picture.level == "summary" and "collapsed to one box per room or site" in picture.caption
    labels = _labels(picture.dot)
    rooms = {
        label: a
        for label, a in labels.items()
        if label.split("\\n")[0].endswith(tuple(f"room-{n:02d}" for n in range(1, 30)))
    }
    assert len(rooms) == 23
    for label, attributes in rooms.items():
        room = label.split("\\n")[0]
        if room in breaks:  # what losing it does, as the engine says
            assert f"losing it: {breaks[room]} services down" in label and attributes["color"] == "#c0392b"
    assert len({a["fillcolor"] for a in rooms.values()}) > 5  # redder where more is at risk
    for label in labels:  # a box of many never reads as if all it holds were a SPOF
        assert not re.search(r"^[\d,]+ \w+( \w+)?\\nSPOF", label)
    assert "134 SPOFs among\\n343 services" in labels


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
    assert _same_content(md.stdout, text)
    assert len(md.stdout) < 60_000  # a pull-request comment holds 65,536


def _markdown_content(text: str) -> dict[str, Any]:
    """Headings, table rows, list items and folded parts of Markdown, read from its lines (not by a parser)."""
    lines = text.splitlines()
    return {
        "headings": [
            html.unescape(m.group(2).replace("`", "")) for m in (re.match(r"(#{1,6}) (.*)", x) for x in lines) if m
        ],
        "rows": sum(1 for x in lines if x.startswith("|") and not re.fullmatch(r"\|(:?-+:?\|)+", x)),
        "items": sum(1 for x in lines if re.match(r"\s*[-*] ", x)),
        "folds": text.count("<details>"),
    }


class _Page(HTMLParser):
    """Headings, table rows, list items and folded parts of an HTML page (outside the SVG)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, Any] = {"headings": [], "rows": 0, "items": 0, "folds": 0}
        self.heading: list[str] | None = None
        self.in_svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_svg += tag == "svg"
        if self.in_svg:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = []
        counted = {"tr": "rows", "li": "items", "details": "folds"}
        if tag in counted:
            self.found[counted[tag]] += 1

    def handle_endtag(self, tag: str) -> None:
        self.in_svg -= tag == "svg"
        if re.fullmatch(r"h[1-6]", tag) and self.heading is not None:
            self.found["headings"].append("".join(self.heading))
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.heading.append(data)


def _same_content(markdown_text: str, page: str) -> bool:
    parser = _Page()
    parser.feed(page)
    expected = _markdown_content(markdown_text)
    assert parser.found == expected, (parser.found, expected)
    return True


@pytest.mark.slow
def test_report_of_a_generated_estate_keeps_every_item_and_fits_a_comment(tmp_path: Path) -> None:
    estate = tmp_path / "estate.yaml"
    assert run_cli("generate", "-n", "10000", "-s", "3", "-o", str(estate)).returncode == 0
    out = tmp_path / "estate.html"
    assert run_cli("report", str(estate), "-o", str(out)).returncode == 0
    md = run_cli("report", str(estate), "--format", "markdown").stdout
    assert _same_content(md, out.read_text())
    assert len(md) < 60_000, len(md)
    assert _markdown_content(md)["items"] > 50 and "<details>" in md


def test_markdown_is_never_dropped_silently() -> None:
    """markdown-it stops parsing 20 levels deep and drops the rest: the report refuses instead."""
    deep = "".join("  " * n + f"- level {n}\n" for n in range(12)) + "\nafter\n"
    with pytest.raises(RenderError, match="nested 20 levels deep"):
        render_markdown(deep)
    shallow = "".join("  " * n + f"- level {n}\n" for n in range(8)) + "\nafter\n"
    assert render_markdown(shallow).count("<li>") == 8 and "after" in render_markdown(shallow)


def test_report_is_a_list_of_sections_a_caller_can_put_first() -> None:
    graph = build(example())
    data = {**review(graph), "diagram": Figure(None, "a picture")}
    document = build_report(data)
    titles = [s.title for s in document.sections]
    assert titles == [
        "Verdict", "Findings", "Failure domains", "Diagram", "What if", "Details", "Appendix: double faults"
    ]  # fmt: skip
    note = Section("Note", ("**A change under review.**",))
    first = document.first(note)
    assert [s.title for s in first.sections][:2] == ["Note", "Verdict"]
    md, page = report_markdown(first), report_html(first)
    assert md.index("## Note") < md.index("## Verdict") and page.index(">Note<") < page.index(">Verdict<")
    assert _same_content(md, page)


def test_report_counts_agree() -> None:
    """A SPOF is in one kind of finding; each table and sentence counts the services it takes down alike."""
    graph = build(example())
    data = review(graph)
    kinds = data["findings"]["spofs"]
    spofs = {e["component"]: e for e in data["spof"]["spofs"]}
    assert sorted(kinds["fix"] + kinds["by_design"] + kinds["accepted"]) == sorted(spofs)
    assert kinds["by_design"] == ["colo-sfo", "zookeeper", "storefront"]
    for result in data["what_if"]:  # what-if counts the services down as the SPOF table does
        (cid,) = result["unplugged"]
        down = [s for s in result["services"]["down"] if s != cid]
        assert sorted(down) == sorted(spofs[cid]["breaks"])
    md = report_markdown(build_report({**data, "diagram": Figure(None, "x")}))
    assert "Takes down 3 services" in md and "| core-1 | switch | to fix | 3 |" in md
    assert "rack-2 needs any of rack-2-pdu-a, rack-2-pdu-b, but feed-a alone takes down both: losing feed-a takes " \
           "down 2 services (zookeeper, checkout)." in md  # fmt: skip
    assert "| storefront | up, 125% capacity | degraded: rack-1, 75% capacity | down: colo-sfo |" in md
    assert re.search(r"Made by graphanalyzer [\d.]+ on \d{4}-\d\d-\d\d from example.yaml, SHA-256 [0-9a-f]{64}\.", md)


def test_repeated_findings_are_one_line() -> None:
    """backbone-2021: six groups with the same pair, defeated by the same two services, are said once."""
    found = review(load(resolve("backbone-2021")))["findings"]
    texts = [f["text"] for f in found["fix"]]
    (line,) = [t for t in texts if "backbone-east, backbone-west" in t and "edge-east" in t]
    assert "bastion-east" in line and "and 2 more need any of backbone-east, backbone-west" in line
    assert found["by_design"] == []  # sso and config-push defeat redundancy: to fix, not by design


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
        # What the browser built holds every heading, table row, list item and folded part of the Markdown.
        md = run_cli("report", name, "--format", "markdown").stdout
        assert _same_content(md, dom.stdout)
        for title in ("Findings", "Failure domains", "Diagram", "What if", "Details"):
            assert f">{title}</h2>" in dom.stdout


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

    from strategies import groups

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


@settings(max_examples=150)
@given(changed_designs(), st.booleans())
def test_deadlocked_and_cycles_added_are_those_of_whole_designs(
    designs: tuple[Inventory, Inventory], back: bool
) -> None:
    from graphanalyzer.analysis.coldstart import coldstart, deadlocked
    from graphanalyzer.analysis.complexity import rotated
    from graphanalyzer.analysis.cycles import cycles as whole_cycles
    from graphanalyzer.analysis.diff import diff

    before, after = (build(inventory) for inventory in (designs[::-1] if back else designs))
    then, now = coldstart(before)["deadlocked"], coldstart(after)["deadlocked"]
    assert deadlocked(after) == now
    assert deadlocked(after, now[::2]) == now[::2]
    result = diff(before, after)
    assert result["deadlocked"]["added"] == [cid for cid in now if cid not in then]
    then_cycles = sorted(rotated(c) for c in whole_cycles(before))
    assert result["cycles"]["added"] == [
        c for c in sorted(rotated(c) for c in whole_cycles(after)) if c not in then_cycles
    ]


def _quorum(at_least: int) -> Inventory:
    hosts = {h: Component(h, "host") for h in ("a", "b", "c")}
    return Inventory("x", {**hosts, "app": Component("app", "service", requires=(Group(("a", "b", "c"), at_least),))})


@settings(max_examples=150)
@given(changed_designs(), st.booleans())
@hypothesis.example((_quorum(2), _quorum(3)), False)  # a quorum raised, no cycle: the group itself is what changed
def test_single_failures_again_are_those_worked_out_whole(designs: tuple[Inventory, Inventory], back: bool) -> None:
    from graphanalyzer.analysis.cutsets import single_failures
    from graphanalyzer.analysis.diff import singles_again

    before, after = designs[::-1] if back else designs
    old, new = build(before), build(after)
    touched = {
        c
        for c in before.components.keys() | after.components.keys()
        if before.components.get(c) != after.components.get(c)
    }
    again = singles_again(single_failures(old, before.services()), new, touched, most=1)
    assert again == single_failures(new, after.services())
    assert spof(new, singles=again) == spof(new)


@settings(max_examples=150)
@given(changed_designs(), st.integers(min_value=1, max_value=3), st.data())
def test_cut_sets_with_some_unplugged_are_those_worked_out_whole(
    designs: tuple[Inventory, Inventory], order: int, data: st.DataObject
) -> None:
    from graphanalyzer.analysis.cutsets import cut_set_table, minimal_cut_sets
    from graphanalyzer.analysis.diff import with_down

    graph = build(designs[1])
    names = sorted(designs[1].components)
    down = frozenset(data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3)))
    services = designs[1].services()
    table = cut_set_table(graph, services, order)
    found = with_down(graph, services, order, down, lambda nodes: {n: table[n] for n in nodes})
    assert found == minimal_cut_sets(graph, services, order, down)


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


def test_a_review_shared_between_two_processes_answers_exactly_as_one_process_does() -> None:
    """Each on a graph of its own: what one review keeps on its graph (cones, single failures) is not the other's."""
    inventory = generate(2_000, seed=2)
    alone = review(build(inventory), workers=1)
    assert json.dumps(review(build(inventory), workers=2), sort_keys=True) == json.dumps(alone, sort_keys=True)
    assert alone["audit"]["services"] and alone["what_if"]
    # The complexity and SPOFs read what the audit kept on the graph: the same as worked out on their own.
    graph = build(inventory)
    assert alone["complexity"] == complexity(graph) and alone["spof"] == spof(graph, order=2)


@settings(max_examples=150)
@given(inventories(max_components=12, with_text=False), st.integers(2, 5))
def test_the_failure_domains_worked_out_in_parts_are_those_of_one_pass(inventory: Inventory, parts: int) -> None:
    """The report hands the matrix out in parts: put together, they name the same worst domain of each kind
    (the first of the worst outcome), and losing it leaves the service in the state the matrix says."""
    graph = build(inventory)
    jobs, merged = domains.divided(graph)
    whole = merged([job() for job in jobs])
    jobs, merged = domains.divided(graph, parts=parts)
    assert merged([job() for job in jobs]) == whole == domains.matrix(graph)
    names = {State.UP: "up", State.DEGRADED: "degraded", State.DOWN: "down"}
    for sid, kinds in whole["services"].items():
        for cell in kinds.values():
            if cell["worst"] is not None:
                assert names[propagate(graph, [cell["worst"]]).get(sid, State.UP)] == cell["state"]


def test_a_demand_of_nothing_is_never_short_and_the_report_says_so(tmp_path: Path) -> None:
    inventory = tmp_path / "zero.yaml"
    inventory.write_text(
        "inventory: zero\ncomponents:\n  h: {kind: host, capacity: 0}\n"
        "  s: {kind: service, depends_on: [{any: [h], demand: 0}]}\n"
    )
    done = run_cli("report", str(inventory), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["domains"]["services"]["s"]["host"] == {
        "state": "down",
        "worst": "h",
        "capacity": None,
    }
