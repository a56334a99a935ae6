"""Exports: SCRAM agrees with spof --order 3 on MEF fault trees; JSON and DOT read back."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pydot
import pytest
from conftest import needs, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import inventories

from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import build
from graphanalyzer.model import Component, Group, Inventory
from graphanalyzer.render.mef import fault_tree

SCRAM = shutil.which("scram")
needs_scram = needs("scram", "Debian: apt-get install scram")


def run_scram(document: str, *options: str) -> tuple[ET.Element, dict[str | None, str | None]]:
    """Run SCRAM on a MEF document: its report's results, and component ids by basic-event name."""
    assert SCRAM is not None, "CI must install SCRAM"
    labels = {
        e.get("name"): (e.findtext("label") or e.get("name"))
        for e in ET.fromstring(document).iter("define-basic-event")
    }
    with tempfile.TemporaryDirectory() as folder:
        model, report = Path(folder) / "model.xml", Path(folder) / "report.xml"
        model.write_text(document)
        subprocess.run([SCRAM, str(model), *options, "-o", str(report)], check=True, capture_output=True)
        results = ET.parse(report).getroot().find("results")
    assert results is not None
    return results, labels


#: A service of each bundled example, the top event of the SCRAM cross-checks.
TOP_EVENTS = [
    ("example", "checkout"),
    ("birdsite-2009", "timeline"),
    ("liveaudio", "spaces"),
    ("midsize", "billing"),
    ("backbone-2021", "feed"),
    ("deploys-2010", "memcached"),  # the deploy rack; SCRAM does not finish the 20-rack front end
]


def scram_cut_sets(document: str, order: int) -> set[frozenset[str]]:
    """Run SCRAM on a MEF document; its minimal cut sets, by component id."""
    results, events = run_scram(document, "--limit-order", str(order))
    (top,) = results.findall("sum-of-products")
    return {frozenset(events[e.get("name")] for e in product.iter("basic-event")) for product in top.iter("product")}  # type: ignore[misc]


def spof_cut_sets(inventory: Inventory, target: str, order: int) -> set[frozenset[str]]:
    """What ``spof --service TARGET --order K`` says, as sets: SPOFs, cut sets, and the target itself."""
    result = spof(build(inventory), [target], order)
    return (
        {frozenset((target,))}
        | {frozenset((s["component"],)) for s in result["spofs"]}
        | {frozenset(c["components"]) for c in result["cut_sets"]}
    )


def formula_cut_sets(document: str, order: int) -> set[frozenset[str]]:
    """The minimal cut sets of a MEF document up to ``order``, by evaluating its formula directly."""
    root = ET.fromstring(document)
    gates = {g.get("name"): g for g in root.iter("define-gate")}
    labels = {e.get("name"): (e.findtext("label") or e.get("name")) for e in root.iter("define-basic-event")}

    def holds(element: ET.Element, down: set[str | None]) -> bool:
        if element.tag == "basic-event":
            return element.get("name") in down
        if element.tag == "gate":
            return holds(gates[element.get("name")], down)
        if element.tag == "define-gate":
            (body,) = [child for child in element if child.tag != "label"]
            return holds(body, down)
        values = [holds(child, down) for child in element]
        if element.tag == "or":
            return any(values)
        if element.tag == "and":
            return all(values)
        assert element.tag == "atleast", element.tag
        return sum(values) >= int(element.get("min", "0"))

    top = next(iter(root.iter("define-fault-tree"))).find("define-gate")
    assert top is not None
    found: set[frozenset[str | None]] = set()
    for size in range(1, order + 1):
        for events in itertools.combinations(sorted(labels), size):
            down = set(events)
            if not any(cut <= down for cut in found) and holds(top, down):
                found.add(frozenset(down))
    return {frozenset(labels[e] for e in cut) for cut in found}  # type: ignore[misc]


def assert_scram_agrees(document: str, engine: set[frozenset[str]], order: int) -> None:
    """SCRAM's cut sets equal the engine's; if not, the exported formula itself says which side is wrong."""
    scram = scram_cut_sets(document, order)
    if scram == engine:
        return
    truth = formula_cut_sets(document, order)
    wrong = [side for side, answer in (("SCRAM", scram), ("the engine", engine)) if answer != truth]
    pytest.fail(
        f"{' and '.join(wrong)} disagree{'s' if len(wrong) == 1 else ''} with the exported formula "
        f"(the export is {'right' if engine == truth else 'wrong or the engine is'}):\n"
        f"  formula:    {sorted(map(sorted, truth))}\n  engine:     {sorted(map(sorted, engine))}\n"
        f"  SCRAM:      {sorted(map(sorted, scram))}\n{document}"
    )


@needs_scram
@settings(max_examples=40)
@given(inventories(max_components=10, with_text=False), st.data())
def test_scram_finds_the_same_minimal_cut_sets(inventory: Inventory, data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(list(inventory.components)))
    document = fault_tree(build(inventory), target)
    assert_scram_agrees(document, spof_cut_sets(inventory, target, 3), 3)


#: A quorum whose members reach each other through a dependency cycle.  The export used to
#: write two equal gates under two names under one ``atleast``; SCRAM 0.16.2 merged them and
#: answered {n}, {yes} instead of the six single faults below (issue 16).
QUORUM_IN_A_CYCLE = Inventory(
    "quorum in a cycle",
    {
        "n": Component("n", "service", requires=(Group(("on", "yes", "y"), at_least=2),)),
        "on": Component("on", "host", requires=("c.1",)),
        "c.1": Component("c.1", "host", requires=("off", "y")),
        "off": Component("off", "host", requires=("no",)),
        "y": Component("y", "host", requires=("on",)),
        "yes": Component("yes", "host"),
        "no": Component("no", "host"),
    },
)


def test_an_atleast_over_coinciding_arguments_is_written_as_what_it_means() -> None:
    document = fault_tree(build(QUORUM_IN_A_CYCLE), "n")
    expected = {frozenset((c,)) for c in ("n", "on", "c.1", "off", "no", "y")}
    assert spof_cut_sets(QUORUM_IN_A_CYCLE, "n", 3) == expected
    assert formula_cut_sets(document, 3) == expected
    for atleast in ET.fromstring(document).iter("atleast"):
        names = [(a.tag, a.get("name")) for a in atleast]
        assert len(names) == len(set(names)), "an atleast gate names one argument twice"
    # One gate per meaning: no two gates have the same operator over the same arguments.
    bodies = [
        (body.tag, body.get("min"), frozenset((a.tag, a.get("name")) for a in body))
        for gate in ET.fromstring(document).iter("define-gate")
        for body in gate
        if body.tag != "label"
    ]
    assert len(bodies) == len(set(bodies))


@needs_scram
def test_scram_answers_the_quorum_in_a_cycle_rightly() -> None:
    document = fault_tree(build(QUORUM_IN_A_CYCLE), "n")
    assert_scram_agrees(document, spof_cut_sets(QUORUM_IN_A_CYCLE, "n", 3), 3)


@needs_scram
@pytest.mark.parametrize(
    ("name", "target"),
    TOP_EVENTS,
)
def test_scram_agrees_on_the_bundled_examples(name: str, target: str) -> None:
    from graphanalyzer.cli import resolve
    from graphanalyzer.graph import load

    graph = load(resolve(name))
    assert_scram_agrees(fault_tree(graph, target), spof_cut_sets(graph.graph["inventory"], target, 3), 3)


def test_export_cli_writes_each_format_and_never_overwrites(tmp_path: Path) -> None:
    mef, links, dot = tmp_path / "t.xml", tmp_path / "g.json", tmp_path / "g.dot"
    assert run_cli("export", "example", "--to", "mef", "--service", "checkout", "-o", str(mef)).returncode == 0
    root = ET.parse(mef).getroot()
    assert root.tag == "opsa-mef" and len(root.findall("define-fault-tree")) == 1
    assert run_cli("export", "example", "--to", "json", "-o", str(links)).returncode == 0
    graph = nx.node_link_graph(json.loads(links.read_text()), edges="links")
    assert graph.has_edge("web-1", "rack-1") and graph.nodes["storefront#group2"]["at_least"] == 1
    assert run_cli("export", "example", "--to", "dot", "-o", str(dot)).returncode == 0
    (parsed,) = pydot.graph_from_dot_data(dot.read_text())
    assert len(parsed.get_nodes()) > 30
    again = run_cli("export", "example", "--to", "dot", "-o", str(dot))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_mef_needs_a_service_when_there_are_several() -> None:
    result = run_cli("export", "example", "--to", "mef")
    assert result.returncode == 2
    assert "--service" in result.stderr and "checkout" in result.stderr


@needs_scram
def test_spof_unplug_and_export_on_a_generated_estate(tmp_path: Path) -> None:
    estate = tmp_path / "estate.yaml"
    assert run_cli("generate", "-n", "3000", "-s", "4", "-o", str(estate)).returncode == 0
    spofs = json.loads(run_cli("spof", str(estate), "--order", "2").stdout)
    assert spofs["spofs"] and spofs["cut_sets"] and spofs["illusory_redundancy"]
    rack = next(s["component"] for s in spofs["spofs"] if "rack" in s["component"])
    unplugged = run_cli("unplug", str(estate), rack, "--fail-on", "down")
    assert unplugged.returncode == 1 and json.loads(unplugged.stdout)["services"]["down"]
    from graphanalyzer.graph import load

    graph = load(estate)
    inventory = graph.graph["inventory"]
    for service in inventory.services()[-3:]:
        assert_scram_agrees(fault_tree(graph, service), spof_cut_sets(inventory, service, 2), 2)
