"""What the renderers say is true, in tables, Markdown, SARIF and HTML alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_cli

from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import build
from graphanalyzer.model import Component, Group, Inventory
from graphanalyzer.render import markdown, sarif, table
from graphanalyzer.render.report import Report, Section, report_html


def quorum_across_sites() -> Inventory:
    """A 2-of-3 quorum with two members in site-b and one in site-a: site-b defeats it without taking all."""
    return Inventory(
        "quorum",
        {
            "site-a": Component("site-a", "site"),
            "site-b": Component("site-b", "site"),
            "zk-1": Component("zk-1", "host", container="site-b"),
            "zk-2": Component("zk-2", "host", container="site-b"),
            "zk-3": Component("zk-3", "host", container="site-a"),
            "app": Component("app", "service", requires=(Group(("zk-1", "zk-2", "zk-3"), at_least=2),)),
        },
        origins={"app": ("quorum.yaml", 9, 3)},
    )


def test_illusory_redundancy_of_a_quorum_says_it_takes_enough_members_not_all() -> None:
    result = spof(build(quorum_across_sites()))
    (entry,) = result["illusory_redundancy"]
    assert entry == {
        "group_of": "app",
        "members": ["zk-1", "zk-2", "zk-3"],
        "at_least": 2,
        "shared": ["site-b"],
        "takes": {"site-b": 2},
    }
    wording = "site-b takes 2 of the 3 members (1 left; 2 needed)"
    md = markdown.spof(result)
    assert f"| app | 2 of zk-1, zk-2, zk-3 | {wording} |" in md
    assert "all need" not in md
    page = report_html(Report("quorum", (Section("SPOFs", (md,)),), "footer"))
    assert wording in page and "all need" not in page
    log = sarif.spof_log(result, quorum_across_sites())
    (finding,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "illusory-redundancy"]
    assert finding["message"]["text"] == f"app needs 2 of zk-1, zk-2, zk-3, but one failure defeats it: {wording}"
    assert "all of them" not in json.dumps(log)
    from rich.console import Console

    console = Console(width=80, record=True)
    console.print(table.spof(result))
    assert "site-b takes 2 of the 3" in " ".join(console.export_text().split())


def test_counts_take_the_plural_only_when_more_than_one() -> None:
    text = run_cli("spof", "liveaudio", "--format", "markdown").stdout
    assert "1 redundancy group a single failure defeats" in text and "1 redundancy groups" not in text
    assert "3 single points of failure" in text
    lone = run_cli("validate", "-", "--format", "markdown", stdin="inventory: one\nsites: [s]\n").stdout
    assert "1 component, valid." in lone


@pytest.mark.parametrize("how", [["--trials", "20000"], ["--exact"]])
def test_a_service_is_not_among_what_matters_most_to_itself(how: list[str]) -> None:
    rows = [line for line in run_cli("chaos", "example", *how, "--format", "markdown").stdout.splitlines()]
    services = [line.split(" | ")[0].strip("| ") for line in rows if line.startswith("| ") and "%" in line]
    assert services == ["zookeeper", "storefront", "checkout"]
    for line in rows:
        if line.startswith("| ") and "%" in line:
            service, importance = line.split(" | ")[0].strip("| "), line.split(" | ")[-1]
            assert f"{service} (" not in importance, line


@pytest.mark.parametrize("name", ["example", "liveaudio"])
def test_figures_of_one_availability_table_share_one_precision(name: str) -> None:
    for how in (["--trials", "20000"], ["--exact"]):
        text = run_cli("chaos", name, *how, "--format", "markdown").stdout
        places = {len(d) for d in re.findall(r"\d+\.(\d+)%", text)}
        assert len(places) == 1, (how, places, text)


def test_complexity_table_shows_blast_radius_and_illusory_redundancy() -> None:
    text = " ".join(re.sub("[│┃]", " ", run_cli("complexity", "midsize", "--format", "table").stdout).split())
    assert "blast radius" in text and "dc-ams site 4" in text
    assert "one failure defeats it" in text and "b-04 takes 2 of the 3 members" in text


def test_surge_help_says_its_options_are_required(tmp_path: Path) -> None:
    help_text = " ".join(run_cli("surge", "--help").stdout.split())
    assert re.search(r"--service <str> The service whose demand rises\. \[required\]", help_text)
