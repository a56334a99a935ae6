"""What every importer owes: block-style output that loads back, compose targets, no overwrite, clean errors."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_cli
from hypothesis import given
from strategies import inventories

from graphanalyzer.analysis.spof import spof
from graphanalyzer.dump import dumps_block
from graphanalyzer.graph import load as load_graph
from graphanalyzer.inventory import load
from graphanalyzer.model import Inventory

SAMPLES = ROOT / "samples"
#: Every importer with a sample it reads.
SOURCES = [
    ("compose", SAMPLES / "compose" / "docker-compose.yaml"),
    ("backstage", SAMPLES / "backstage"),
    ("terraform", SAMPLES / "terraform" / "terraform-1.9.dot"),
    ("kubernetes", SAMPLES / "kubernetes" / "cluster.yaml"),
    ("kubernetes", SAMPLES / "kubernetes" / "manifests"),
]


@given(inventories())
def test_block_style_loads_back_as_the_same_model(inventory: Inventory) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "inv.yaml"
        path.write_text(dumps_block(inventory), encoding="utf-8")
        assert load(path) == inventory


def test_block_style_reads_like_the_hand_written_examples() -> None:
    text = run_cli("import", "compose", str(SAMPLES / "compose" / "docker-compose.yaml")).stdout
    assert "{" not in text.replace("{}", "")
    assert "  web:\n    depends_on: [db, cache, api]\n" in text
    assert "  db:\n    tags:\n      image: 'postgres:16'\n      role: database\n" in text


def test_compose_services_stay_targets_and_db_breaks_web_and_api(tmp_path: Path) -> None:
    out = tmp_path / "shop.yaml"
    assert (
        run_cli("import", "compose", str(SAMPLES / "compose" / "docker-compose.yaml"), "-o", str(out)).returncode == 0
    )
    graph = load_graph(out)
    assert graph.graph["inventory"].services() == ["proxy", "web", "api", "worker", "db", "cache", "queue"]
    breaks = {entry["component"]: entry["breaks"] for entry in spof(graph)["spofs"]}
    assert {"web", "api"} <= set(breaks["db"])
    assert set(breaks["web"]) == {"proxy"}  # web is behind the nginx proxy, and is still a target itself
    data = json.loads(run_cli("spof", str(out), "--service", "web", "--format", "json").stdout)
    assert {"db", "cache", "api", "queue"} <= {entry["component"] for entry in data["spofs"]}


def test_the_first_users_compose_file(tmp_path: Path) -> None:
    """web on nginx -> api -> db, and a cache: web stays a target, and db breaks it."""
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  web: {image: nginx:1.27, depends_on: [api], ports: ['80:80']}\n"
        "  api: {build: ., depends_on: [db, cache]}\n"
        "  db: {image: postgres:16}\n"
        "  cache: {image: redis:7}\n"
    )
    out = tmp_path / "estate.yaml"
    assert run_cli("import", "compose", str(compose), "-o", str(out)).returncode == 0
    data = json.loads(run_cli("spof", str(out), "--format", "json").stdout)
    breaks = {entry["component"]: set(entry["breaks"]) for entry in data["spofs"]}
    assert breaks["db"] == {"web", "api"} and breaks["api"] == {"web"}
    assert yaml.safe_load(out.read_text())["services"]["web"]["tags"]["role"] == "loadbalancer"


@pytest.mark.parametrize(("importer", "source"), SOURCES, ids=lambda value: getattr(value, "name", value))
def test_every_importer_writes_a_valid_inventory_and_never_overwrites(
    tmp_path: Path, importer: str, source: Path
) -> None:
    out = tmp_path / "estate.yaml"
    first = run_cli("import", importer, str(source), "-o", str(out), "--format", "json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    check = json.loads(run_cli("validate", str(out), "--format", "json").stdout)
    assert check["components"] == summary["components"] > 0 and check["warnings"] == []
    written = out.read_text()
    again = run_cli("import", importer, str(source), "-o", str(out))
    assert (again.returncode, again.stdout) == (2, "") and "already exists (use --force" in again.stderr
    assert out.read_text() == written
    assert run_cli("import", importer, str(source), "-o", str(out), "--force").returncode == 0


@pytest.mark.parametrize(
    ("importer", "name", "text"),
    [
        ("compose", "compose.yaml", "services:\n  web: {image: nginx\n"),
        ("backstage", "catalog.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: [a\n"),
        ("terraform", "plan.dot", 'digraph {\n  "a" -> "b'),
        (
            "kubernetes",
            "cluster.yaml",
            "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n}\n",
        ),
        ("kubernetes", "manifest.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [web\n"),
    ],
)
def test_cut_short_input_is_one_line_exit_2_and_no_file(tmp_path: Path, importer: str, name: str, text: str) -> None:
    source, out = tmp_path / name, tmp_path / "estate.yaml"
    source.write_text(text)
    result = run_cli("import", importer, str(source), "-o", str(out))
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"{source}:"), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_foreign_names_become_usable_ids(tmp_path: Path) -> None:
    """NetBox names may hold brackets (id-range syntax here) and repeat across sites: the ids stay unique and load."""
    folder = tmp_path / "saved"
    folder.mkdir()
    sites = [{"id": 1, "name": "AMS1", "slug": "ams1"}, {"id": 2, "name": "FRA1", "slug": "fra1"}]
    racks = [{"id": n, "name": "r1", "site": sites[n - 1]} for n in (1, 2)]
    devices = [
        {"id": 1, "name": "web [blue]", "site": sites[0], "rack": {"id": 1}, "role": {"slug": "server"}},
        {"id": 2, "name": None, "site": sites[1], "rack": {"id": 2}, "role": {"slug": "storage"}},
    ]
    for name, objects in (("dcim.sites", sites), ("dcim.racks", racks), ("dcim.devices", devices)):
        (folder / f"{name}.json").write_text(json.dumps({"count": len(objects), "next": None, "results": objects}))
    out = tmp_path / "estate.yaml"
    result = run_cli("import", "netbox", str(folder), "-o", str(out))
    assert result.returncode == 0, result.stderr
    components = load(out).components
    assert components["web (blue)"].container == "AMS1.r1" and components["device-2"].container == "FRA1.r1"
    assert components["device-2"].kind == "host"  # "storage" is not a top-of-rack switch
    assert "graphanalyzer: not mapped: dcim.power-feeds.json: not in the folder" in result.stderr
