"""The design-review workflow: diff and its gates, accepted risks, SARIF, cold start, importers, pre-commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, INVENTORIES, ROOT, run_cli
from hypothesis import given, settings
from strategies import inventories

from graphanalyzer.analysis.coldstart import coldstart
from graphanalyzer.analysis.diff import diff, failures
from graphanalyzer.analysis.failure import DOWN, evaluate
from graphanalyzer.graph import build, internals
from graphanalyzer.model import Inventory

SAMPLES = ROOT / "samples"
EXAMPLE = (INVENTORIES / "example.yaml").read_text()
ONE_CARRIER = EXAMPLE.replace(
    "edge-2: {in: colo-sfo, depends_on: [carrier-zayo]}", "edge-2: {in: colo-sfo, depends_on: [carrier-ntt]}"
)


def designs(tmp_path: Path, after: str = ONE_CARRIER) -> tuple[Path, Path]:
    assert after != EXAMPLE or after is EXAMPLE
    old, new = tmp_path / "before.yaml", tmp_path / "after.yaml"
    old.write_text(EXAMPLE)
    new.write_text(after)
    return old, new


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_a_carrier_made_a_spof_fails_the_gate_with_sarif_on_its_line(tmp_path: Path) -> None:
    old, new = designs(tmp_path)
    result = run_cli("diff", str(old), str(new), "--fail-on", "new-spof", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    (finding,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "new-spof"]
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "after.yaml"
    assert location["region"] == {"startLine": line_of(new, "carrier-ntt:"), "startColumn": 3}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in log["runs"][0]["results"])


def test_diff_json_and_gates(tmp_path: Path) -> None:
    old, new = designs(tmp_path)
    data = json.loads(run_cli("diff", str(old), str(new), "--format", "json").stdout)
    assert data["components"] == {"added": [], "removed": [], "changed": {"edge-2": ["requires"]}}
    assert data["spofs"]["added"] == ["carrier-ntt"] and data["spofs"]["removed"] == []
    assert {c["service"] for c in data["cut_sets"]["lower_order"]} == {"zookeeper", "storefront", "checkout"}
    assert all(c["was"] == 2 for c in data["cut_sets"]["lower_order"])
    assert data["services"]["checkout"]["spofs"] == {"old": 7, "new": 8}
    for gate in ("new-spof", "lower-order", "any-risk"):
        assert run_cli("diff", str(old), str(new), "--fail-on", gate).returncode == 1
        assert run_cli("diff", str(old), str(old), "--fail-on", gate).returncode == 0
    back = run_cli("diff", str(new), str(old), "--fail-on", "any-risk", "--format", "json")
    assert back.returncode == 0 and json.loads(back.stdout)["spofs"]["removed"] == ["carrier-ntt"]
    md = run_cli("diff", str(old), str(new), "--fail-on", "new-spof", "--format", "markdown")
    assert "**The `--fail-on new-spof` gate fails.**" in md.stdout and "| carrier-ntt | new |" in md.stdout


def test_a_lower_order_without_a_new_spof(tmp_path: Path) -> None:
    """Moving rack-1's second PDU onto feed-a: rack-1 needed two power failures, now feed-a alone."""
    after = EXAMPLE.replace(
        "rack-1-pdu-b: {in: colo-sfo, depends_on: [feed-b]}", "rack-1-pdu-b: {in: colo-sfo, depends_on: [feed-a]}"
    )
    assert after != EXAMPLE
    old, new = designs(tmp_path, after)
    data = json.loads(run_cli("diff", str(old), str(new), "--format", "json").stdout)
    assert "feed-a" not in data["spofs"]["added"]  # feed-a was a SPOF already (rack 2)
    assert any(c["components"] == ["feed-a"] and c["service"] == "storefront" for c in data["cut_sets"]["lower_order"])
    assert run_cli("diff", str(old), str(new), "--fail-on", "new-spof").returncode == 0
    assert run_cli("diff", str(old), str(new), "--fail-on", "lower-order").returncode == 1


@pytest.mark.parametrize(("until", "code"), [("2099-12-31", 0), ("2020-01-01", 1), (None, 0)])
def test_accepted_risks_skip_the_gate_until_they_expire(tmp_path: Path, until: str | None, code: int) -> None:
    entry = {"spof": "carrier-ntt", "reason": "second carrier ordered, ticket NET-42"}
    if until:
        entry["until"] = until
    accept = "accept:\n  - " + json.dumps(entry) + "\n"
    old, new = designs(tmp_path, ONE_CARRIER.replace("\nsites:", "\n" + accept + "sites:", 1))
    result = run_cli("diff", str(old), str(new), "--fail-on", "any-risk", "--format", "json")
    assert result.returncode == code, result.stdout
    data = json.loads(result.stdout)
    assert (data["spofs"]["accepted"] != []) == (code == 0)
    sarif = json.loads(run_cli("diff", str(old), str(new), "--format", "sarif").stdout)
    (finding,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "new-spof"]
    assert ("suppressions" in finding) == (code == 0)
    spofs = json.loads(run_cli("spof", str(new), "--format", "json").stdout)["spofs"]
    ntt = next(e for e in spofs if e["component"] == "carrier-ntt")
    assert ("accepted" in ntt) == (code == 0)


def test_accept_entries_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "inventory: x\naccept:\n  - {spof: ntt, reason: ok}\n  - {spof: app, reason: ok, until: 2026-02-30}\n"
        "  - {spof: app}\n  - {spof: app, reason: ok, by: me}\ncomponents:\n  app: {kind: service}\n"
    )
    result = run_cli("validate", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:3:12: unknown component 'ntt'",
        f"{bad}:4:36: until must be a date like 2026-12-31, not '2026-02-30'",
        f"{bad}:5:5: accepting 'app' needs a reason: reason: TEXT",
        f"{bad}:6:29: unknown field 'by' (expected one of: spof, reason, until)",
    ]


def test_spof_sarif_points_at_each_declaration(tmp_path: Path) -> None:
    result = run_cli("spof", "midsize", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 0
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"spof", "illusory-redundancy"}
    for r in results:
        location = r["locations"][0]["physicalLocation"]
        name = r["locations"][0]["logicalLocations"][0]["name"]
        path = Path(location["artifactLocation"]["uri"].removeprefix("file://"))
        line = path.read_text().splitlines()[location["region"]["startLine"] - 1]
        assert line[location["region"]["startColumn"] - 1 :].startswith(name.split("-")[0]), (name, line)
    assert run_cli("validate", "example", "--format", "sarif").returncode == 2


def test_coldstart_finds_the_backbone_deadlock() -> None:
    result = run_cli("coldstart", "backbone-2021", "--format", "json", "--fail-on", "deadlock")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert {"backbone-east", "config-push", "sso", "badge-access", "feed"} <= set(data["deadlocked"])
    assert data["waves"][0] == ["dc-east", "dc-west", "campus", "transit-a", "transit-b"]
    (cycle,) = data["cycles"]
    assert "config-push" in cycle and any(c.startswith("backbone") for c in cycle)
    for name in (e for e in EXAMPLES if e != "backbone-2021"):
        assert run_cli("coldstart", name, "--fail-on", "deadlock").returncode == 0


def reference_coldstart(inventory: Inventory) -> set[str]:
    """Least fixed point the obvious way: all down, recompute everything until nothing comes up."""
    graph = build(inventory)
    nodes, succ, _ = internals(graph)
    states = dict.fromkeys(nodes, DOWN)
    changed = True
    while changed:
        changed = False
        for node in nodes:
            new = evaluate(nodes, succ, node, states)
            if new is not states[node]:
                states[node], changed = new, True
    return {cid for cid in inventory.components if states[cid] is DOWN}


@given(inventories(max_components=10, with_text=False))
def test_coldstart_equals_the_obvious_least_fixed_point(inventory: Inventory) -> None:
    graph = build(inventory)
    result = coldstart(graph)
    assert set(result["deadlocked"]) == reference_coldstart(inventory)
    started: set[str] = set()
    _, succ, _ = internals(graph)
    for wave in result["waves"]:  # each wave needs only what came up before it
        for cid in wave:
            for requirement in succ[cid]:
                if isinstance(requirement, str):
                    assert requirement in started
        started.update(wave)
    assert started | set(result["deadlocked"]) == set(inventory.components)
    assert bool(result["deadlocked"]) == bool(result["cycles"])


@pytest.mark.parametrize(
    ("importer", "sample", "components"),
    [
        ("compose", "compose/docker-compose.yaml", 7),
        ("backstage", "backstage", 7),
        ("terraform", "terraform/terraform-0.15.dot", 7),
        ("terraform", "terraform/terraform-1.9.dot", 8),
    ],
)
def test_importers_write_inventories_that_validate(tmp_path: Path, importer: str, sample: str, components: int) -> None:
    out = tmp_path / "estate.yaml"
    result = run_cli("import", importer, str(SAMPLES / sample), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert ("not mapped:" in result.stderr) == (sample != "terraform/terraform-1.9.dot")  # that one maps entirely
    check = json.loads(run_cli("validate", str(out), "--format", "json").stdout)
    assert check["components"] == components
    again = run_cli("import", importer, str(SAMPLES / sample), "-o", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run_cli("import", importer, str(SAMPLES / sample), "-o", str(out), "--force").returncode == 0


def test_importers_map_what_matters() -> None:
    compose = yaml.safe_load(run_cli("import", "compose", str(SAMPLES / "compose" / "docker-compose.yaml")).stdout)
    assert compose["services"]["web"]["depends_on"] == ["db", "cache", "api"]  # long form
    assert compose["services"]["api"]["depends_on"] == ["db", "queue", "cache"]  # short form and links
    assert compose["services"]["db"]["tags"] == {"image": "postgres:16", "role": "database"}  # still a target
    backstage = yaml.safe_load(run_cli("import", "backstage", str(SAMPLES / "backstage")).stdout)
    assert backstage["services"]["shop-api"]["depends_on"] == ["orders-db", "payments.payment-gateway"]
    assert backstage["components"]["storefront"]["depends_on"] == ["shop-web", "shop-api"]
    old = yaml.safe_load(run_cli("import", "terraform", str(SAMPLES / "terraform" / "terraform-0.15.dot")).stdout)
    assert old["hosts"]["aws_instance.web"]["depends_on"] == ["aws_subnet.private", "aws_db_instance.orders"]
    new = yaml.safe_load(run_cli("import", "terraform", str(SAMPLES / "terraform" / "terraform-1.9.dot")).stdout)
    assert "aws_subnet.private-0" in new["switches"] and "module.vpc.aws_vpc.this" in new["switches"]


def test_importer_errors(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  web: {image: nginx\n")
    result = run_cli("import", "compose", str(broken))
    assert result.returncode == 2 and result.stderr.startswith(f"{broken}:3:1:")
    empty = tmp_path / "empty.yaml"
    empty.write_text("x: 1\n")
    assert "not a docker-compose file" in run_cli("import", "compose", str(empty)).stderr
    assert run_cli("import", "backstage", str(empty)).returncode == 2
    assert run_cli("import", "terraform", str(empty)).returncode == 2


def test_pre_commit_hook_runs_validate() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    validate = next(h for h in hooks if h["id"] == "graphanalyzer-validate")
    assert validate["entry"].startswith("graphanalyzer validate") and validate["language"] == "python"
    readme = (ROOT / "README.md").read_text()
    assert "--fail-on new-spof" in readme and ".pre-commit-hooks.yaml" in readme


def test_diff_reports_a_services_blast_radius(tmp_path: Path) -> None:
    """checkout stops needing zookeeper: zookeeper no longer takes checkout down with it."""
    after = EXAMPLE.replace("      - orders-db\n      - zookeeper\n", "      - orders-db\n")
    assert after != EXAMPLE
    old, new = designs(tmp_path, after)
    data = json.loads(run_cli("diff", str(old), str(new), "--format", "json", "--fail-on", "any-risk").stdout)
    assert data["services"]["zookeeper"]["blast_radius"] == {"old": 1, "new": 0}
    assert data["spofs"]["removed"] == ["zookeeper"]  # it was a SPOF of checkout
    assert data["services"]["checkout"]["spofs"] == {"old": 7, "new": 4}
    assert data["fail_on"]["reasons"] == []


@settings(max_examples=40)
@given(inventories(max_components=8, with_text=False))
def test_a_design_compared_with_itself_changes_nothing(inventory: Inventory) -> None:
    result = diff(build(inventory), build(inventory), order=2)
    assert result["components"] == {"added": [], "removed": [], "changed": {}}
    assert result["spofs"]["added"] == result["spofs"]["removed"] == []
    assert result["cut_sets"]["lower_order"] == [] and result["services"] == {}
    assert failures(result, "any-risk") == []


def test_importers_survive_odd_shapes(tmp_path: Path) -> None:
    """Foreign files that are valid YAML but not the expected shapes: mapped as far as they go, never a traceback."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: just-a-string\nspec: [1, 2]\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a, description: 42}\n"
        "spec: {dependsOn: component:b}\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: b}\nspec: {dependsOn: 7}\n"
    )
    out = tmp_path / "from-catalog.yaml"
    result = run_cli("import", "backstage", str(catalog), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "no metadata.name" in result.stderr
    assert yaml.safe_load(out.read_text())["services"]["a"] == {"depends_on": ["b"], "description": "42"}
    assert run_cli("validate", str(out)).returncode == 0
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web: {image: nginx, links: db, deploy: 3, depends_on: 5}\n  db: [1]\n")
    imported = yaml.safe_load(run_cli("import", "compose", str(compose)).stdout)
    assert imported["services"]["web"]["depends_on"] == ["db"]  # a lone link is one name, not letters
    dot = tmp_path / "bad.dot"
    dot.write_text("digraph { a -> }\n")
    bad = run_cli("import", "terraform", str(dot))
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        2,
        "",
        f"{dot}:1:1: not Graphviz DOT: expected the output of 'terraform graph'\n",
    )
