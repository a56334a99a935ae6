"""The NetBox importer against a real NetBox (tests/netbox_server.py starts one), filled through its REST API.

The site: one hall with two racks; two power panels with two feeds each; a PDU
pair per rack (A side from panel A, B side from panel B); servers with dual
power supplies on the two PDUs, and one with a single supply; a top-of-rack
switch per rack, servers dual-homed to both; two core switches and two edge
routers, each cabled to the pair above it; both edge routers' circuits from
the same provider (the second provider's circuit is still planned); a VMware
cluster on three hypervisors with virtual machines; NetBox services, and tags.

Locally these tests skip when NetBox cannot be started (no Python 3.12, no
PostgreSQL or Redis); in CI (CI=true) they fail instead. ``-m "not netbox"``
leaves them out.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from netbox_server import NetBox, Unavailable, running

from graphanalyzer.analysis.spof import spof
from graphanalyzer.analysis.unplug import unplug
from graphanalyzer.dump import dumps_block
from graphanalyzer.graph import load
from graphanalyzer.importers.netbox import ENDPOINTS, FILTERS, from_netbox_api, from_netbox_folder

if os.environ.get("CI"):  # CI installs the test extra: a missing pynetbox is a failure there
    import pynetbox
else:
    pynetbox = pytest.importorskip("pynetbox", reason="pynetbox is not installed (pip install -e '.[test]')")

pytestmark = pytest.mark.netbox

#: Every target of the site.
SERVICES = {"shop-web", "orders-db", "billing", "session-cache", "batch"}


@pytest.fixture(scope="session")
def netbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetBox]:
    """A running NetBox with the site below in it."""
    try:
        with running(tmp_path_factory.mktemp("netbox")) as server:
            fill(pynetbox.api(server.url, token=server.token))
            yield server
    except Unavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must be able to start NetBox: {error}")
        pytest.skip(f"NetBox cannot be started here: {error}")


def fill(nb: Any) -> None:
    """The site, created through NetBox's REST API as an operator's script would (in bulk, where the API allows)."""
    site = nb.dcim.sites.create(name="AMS1", slug="ams1", status="active")
    hall = nb.dcim.locations.create(name="hall-1", slug="hall-1", site=site.id)
    racks = {
        r.name: r
        for r in nb.dcim.racks.create([{"name": n, "site": site.id, "location": hall.id} for n in ("r1", "r2")])
    }
    vendor = nb.dcim.manufacturers.create(name="Generic", slug="generic")
    roles = {
        r.slug: r
        for r in nb.dcim.device_roles.create([
            {"name": name, "slug": slug, "color": color}
            for slug, name, color in [
                ("pdu", "PDU", "9e9e9e"), ("server", "Server", "2196f3"), ("hypervisor", "Hypervisor", "3f51b5"),
                ("access-switch", "Access switch", "4caf50"), ("core-switch", "Core switch", "009688"),
                ("router", "Router", "ff9800"), ("patch-panel", "Patch panel", "795548"),
            ]
        ])
    }  # fmt: skip
    specs = {  # model: power ports, power outlets, interfaces
        "PDU-8": (["input"], [f"outlet-{n}" for n in range(1, 9)], []),
        "R650": (["PSU1", "PSU2"], [], ["eth0", "eth1", "ipmi"]),
        "R250": (["PSU1"], [], ["eth0", "eth1"]),
        "QFX5120": (["PSU1", "PSU2"], [], [f"xe-0/0/{n}" for n in range(12)]),
        "MX204": (["PSU1", "PSU2"], [], [f"et-0/0/{n}" for n in range(4)]),
        "PP-24": ([], [], []),
    }
    types = {
        t.model: t
        for t in nb.dcim.device_types.create(
            [{"manufacturer": vendor.id, "model": model, "slug": model.lower(), "u_height": 1} for model in specs]
        )
    }
    for model, (psus, outlets, interfaces) in specs.items():  # templates: each device gets its ports
        kind = types[model].id
        if psus:
            nb.dcim.power_port_templates.create(
                [{"device_type": kind, "name": n, "type": "iec-60320-c14"} for n in psus]
            )
        if outlets:
            nb.dcim.power_outlet_templates.create(
                [{"device_type": kind, "name": n, "type": "iec-60320-c13"} for n in outlets]
            )
        if interfaces:
            nb.dcim.interface_templates.create(
                [{"device_type": kind, "name": n, "type": "1000base-t" if n == "ipmi" else "10gbase-x-sfpp",
                  "mgmt_only": n == "ipmi"} for n in interfaces]
            )  # fmt: skip

    network = [
        ("edge-1", "MX204", "router", "r1"), ("edge-2", "MX204", "router", "r2"),
        ("core-1", "QFX5120", "core-switch", "r1"), ("core-2", "QFX5120", "core-switch", "r2"),
        ("tor-r1", "QFX5120", "access-switch", "r1"), ("tor-r2", "QFX5120", "access-switch", "r2"),
    ]  # fmt: skip
    servers = [
        ("hv-1", "R650", "hypervisor", "r1"), ("hv-2", "R650", "hypervisor", "r1"), ("db-1", "R650", "server", "r1"),
        ("hv-3", "R650", "hypervisor", "r2"), ("db-2", "R650", "server", "r2"), ("app-1", "R250", "server", "r2"),
    ]  # fmt: skip
    pdus = [(f"pdu-{rack}-{side}", "PDU-8", "pdu", rack) for rack in ("r1", "r2") for side in "ab"]
    devices = {
        d.name: d
        for d in nb.dcim.devices.create([
            {"name": name, "device_type": types[model].id, "role": roles[role].id, "site": site.id,
             "location": hall.id, "rack": racks[rack].id, "status": "active"}
            for name, model, role, rack in [*pdus, *network, *servers, ("pp-r1", "PP-24", "patch-panel", "r1")]
        ])
    }  # fmt: skip
    by_device = {d.id: name for name, d in devices.items()}
    ports = {
        (kind, by_device[p.device.id], p.name): p
        for kind, endpoint in (("power", nb.dcim.power_ports), ("outlet", nb.dcim.power_outlets),
                               ("interface", nb.dcim.interfaces))
        for p in endpoint.filter(site_id=site.id)
    }  # fmt: skip
    cables: list[dict[str, Any]] = []

    def cable(a_type: str, a: Any, b_type: str, b: Any) -> None:
        cables.append({
            "a_terminations": [{"object_type": a_type, "object_id": a.id}],
            "b_terminations": [{"object_type": b_type, "object_id": b.id}],
        })  # fmt: skip

    panels = {p.name: p for p in nb.dcim.power_panels.create(
        [{"site": site.id, "location": hall.id, "name": f"panel-{side}"} for side in "ab"]
    )}  # fmt: skip
    feeds = nb.dcim.power_feeds.create([
        {"power_panel": panels[f"panel-{side}"].id, "rack": racks[rack].id, "name": f"feed-{side}-{rack}",
         "type": "primary" if side == "a" else "redundant", "supply": "ac", "phase": "single-phase",
         "voltage": 230, "amperage": 16, "status": "active"}
        for rack in ("r1", "r2") for side in "ab"
    ])  # fmt: skip
    for feed in feeds:  # feed-a-r1 powers pdu-r1-a
        side, rack = feed.name.split("-")[1:]
        cable("dcim.powerfeed", feed, "dcim.powerport", ports["power", f"pdu-{rack}-{side}", "input"])
    outlets_used = dict.fromkeys((name for name, *_ in pdus), 0)

    def plug(name: str, psu: str, pdu: str) -> None:
        outlets_used[pdu] += 1
        cable("dcim.powerport", ports["power", name, psu], "dcim.poweroutlet",
              ports["outlet", pdu, f"outlet-{outlets_used[pdu]}"])  # fmt: skip

    for name, _, _, rack in network + servers:  # supply 1 on the A side, supply 2 (if any) on the B side
        plug(name, "PSU1", f"pdu-{rack}-a")
        if ("power", name, "PSU2") in ports:
            plug(name, "PSU2", f"pdu-{rack}-b")

    def link(a: str, a_port: str, b: str, b_port: str) -> None:
        cable("dcim.interface", ports["interface", a, a_port], "dcim.interface", ports["interface", b, b_port])

    for n, core in enumerate(("core-1", "core-2")):  # each core to both edge routers, each ToR to both cores
        link(core, "xe-0/0/0", "edge-1", f"et-0/0/{n}")
        link(core, "xe-0/0/1", "edge-2", f"et-0/0/{n}")
        link("tor-r1", f"xe-0/0/{n}", core, "xe-0/0/2")
        link("tor-r2", f"xe-0/0/{n}", core, "xe-0/0/3")
    link("core-1", "xe-0/0/7", "core-2", "xe-0/0/7")  # the cores' peer link
    for n, (name, *_) in enumerate(servers, start=2):  # every server dual-homed to both ToRs
        link(name, "eth0", "tor-r1", f"xe-0/0/{n}")
        if name != "db-2":
            link(name, "eth1", "tor-r2", f"xe-0/0/{n}")
    # db-2's second link runs through a patch panel in rack r1; db-1's IPMI port is cabled to its ToR
    rear = nb.dcim.rear_ports.create(device=devices["pp-r1"].id, name="rear-1", type="8p8c", positions=1)
    front = nb.dcim.front_ports.create(
        device=devices["pp-r1"].id, name="front-1", type="8p8c",
        rear_ports=[{"position": 1, "rear_port": rear.id, "rear_port_position": 1}],
    )  # fmt: skip
    cable("dcim.interface", ports["interface", "db-2", "eth1"], "dcim.frontport", front)
    cable("dcim.rearport", rear, "dcim.interface", ports["interface", "tor-r2", "xe-0/0/6"])
    link("db-1", "ipmi", "tor-r1", "xe-0/0/10")

    transit, metro = nb.circuits.providers.create(
        [{"name": "Transit Co", "slug": "transit-co"}, {"name": "Metro Fiber", "slug": "metro-fiber"}]
    )
    internet = nb.circuits.circuit_types.create(name="Internet transit", slug="internet-transit")
    circuits = nb.circuits.circuits.create([
        {"cid": "CID-1", "provider": transit.id, "type": internet.id, "status": "active"},
        {"cid": "CID-2", "provider": transit.id, "type": internet.id, "status": "active"},
        {"cid": "CID-3", "provider": metro.id, "type": internet.id, "status": "planned"},  # the second provider: ordered
    ])  # fmt: skip
    terminations = nb.circuits.circuit_terminations.create(
        [
            {"circuit": c.id, "term_side": "A", "termination_type": "dcim.site", "termination_id": site.id}
            for c in circuits
        ]
    )
    for edge, termination in zip(("edge-1", "edge-2"), terminations, strict=False):
        cable("dcim.interface", ports["interface", edge, "et-0/0/3"], "circuits.circuittermination", termination)
    nb.dcim.cables.create(cables)

    vmware = nb.virtualization.cluster_types.create(name="VMware vSphere", slug="vmware-vsphere")
    cluster = nb.virtualization.clusters.create(
        name="prod-vsphere", type=vmware.id, scope_type="dcim.site", scope_id=site.id, status="active"
    )
    nb.dcim.devices.update([{"id": devices[name].id, "cluster": cluster.id} for name in ("hv-1", "hv-2", "hv-3")])
    tags = {
        t.slug: t
        for t in nb.extras.tags.create([{"name": n, "slug": n} for n in ("service-shop-web", "service-batch")])
    }
    vms = {
        vm.name: vm
        for vm in nb.virtualization.virtual_machines.create([
            {"name": name, "cluster": cluster.id, "status": "active",
             **({"device": devices[host].id} if host else {}), **({"tags": [tags[tag].id]} if tag else {})}
            for name, host, tag in [
                ("web-1", "hv-1", None), ("web-2", "hv-3", None), ("web-3", None, "service-shop-web"),
                ("cache-1", "hv-2", None), ("batch-1", "hv-2", "service-batch"),
            ]
        ])
    }  # fmt: skip
    nb.ipam.services.create([
        {"name": name, "parent_object_type": kind, "parent_object_id": parent.id, "protocol": "tcp", "ports": [port]}
        for name, kind, parent, port in [
            ("shop-web", "virtualization.virtualmachine", vms["web-1"], 443),
            ("shop-web", "virtualization.virtualmachine", vms["web-2"], 443),
            ("session-cache", "virtualization.virtualmachine", vms["cache-1"], 6379),
            ("orders-db", "dcim.device", devices["db-1"], 5432),
            ("orders-db", "dcim.device", devices["db-2"], 5432),
            ("billing", "dcim.device", devices["app-1"], 8443),
        ]
    ])  # fmt: skip


@pytest.fixture(scope="session")
def imported(netbox: NetBox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site imported with the command line, the token from the environment."""
    out = tmp_path_factory.mktemp("netbox-import") / "ams1.yaml"
    result = run_with({"NETBOX_TOKEN": netbox.token}, "import", "netbox", "--url", netbox.url, "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def run_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command line with more environment (a token), as :func:`conftest.run_cli` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "graphanalyzer", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
        timeout=600,
        check=False,
    )


def down(path: Path, *ids: str) -> set[str]:
    return set(unplug(load(path), list(ids))["services"]["down"])


def test_the_site_imports_and_validates(imported: Path) -> None:
    check = json.loads(run_cli("validate", str(imported), "--format", "json").stdout)
    assert check["warnings"] == []
    assert check["by_kind"] == {
        "host": 6, "power": 10, "switch": 4, "vm": 5, "service": 5, "carrier": 5, "router": 2, "rack": 2,
        "cluster": 1, "room": 1, "site": 1,
    }  # fmt: skip
    inventory = load(imported).graph["inventory"]
    assert set(inventory.services()) == SERVICES
    components = inventory.components
    assert components["hv-1"].container == "r1" and components["r1"].container == "hall-1"
    assert components["feed-a-r1"].requires == ("panel-a",) and components["panel-a"].container == "hall-1"
    assert components["pdu-r1-a"].requires == ("feed-a-r1",)
    assert [r.describe() for r in components["db-1"].requires if not isinstance(r, str)] == [
        "any of pdu-r1-a, pdu-r1-b", "any of tor-r1, tor-r2",
    ]  # fmt: skip
    assert components["db-2"].requires[1].members == ("tor-r1", "tor-r2")  # its second link: through the patch panel
    assert components["app-1"].requires[0] == "pdu-r2-a"  # one supply: it needs that PDU
    assert components["CID-1"].requires == ("Transit Co",)
    assert components["web-1"].container == "hv-1" and components["web-3"].container == "prod-vsphere"
    assert components["prod-vsphere"].requires[0].members == ("hv-1", "hv-2", "hv-3")
    assert components["shop-web"].requires[0].members == ("web-1", "web-2", "web-3")  # services and a tag
    assert components["batch"].requires == ("batch-1",)  # a tag alone


def test_unplugging_a_power_panel_takes_down_exactly_the_single_supply_server(imported: Path) -> None:
    assert down(imported, "panel-a") == {"billing"}
    assert down(imported, "panel-b") == set()
    result = unplug(load(imported), ["panel-a"])
    assert set(result["components"]) == {
        "panel-a", "feed-a-r1", "feed-a-r2", "pdu-r1-a", "pdu-r2-a", "app-1", "billing",
    }  # fmt: skip
    assert down(imported, "panel-a", "panel-b") == SERVICES


def test_the_single_supply_server_is_a_spof_for_its_service(imported: Path) -> None:
    data = json.loads(run_cli("spof", str(imported), "--format", "json").stdout)
    breaks = {entry["component"]: set(entry["breaks"]) for entry in data["spofs"]}
    for component in ("app-1", "pdu-r2-a", "feed-a-r2", "panel-a"):
        assert breaks[component] == {"billing"}, component
    for component in ("db-1", "pdu-r1-a", "pdu-r1-b", "tor-r1", "core-1", "edge-1", "hv-3", "CID-1"):
        assert component not in breaks, component
    assert breaks["hv-2"] == {"session-cache", "batch"}  # the VMs pinned to it


def test_a_provider_shared_by_both_uplinks_is_illusory_redundancy(imported: Path) -> None:
    result = spof(load(imported))
    breaks = {entry["component"]: set(entry["breaks"]) for entry in result["spofs"]}
    assert breaks["Transit Co"] == SERVICES
    assert "Metro Fiber" not in breaks  # its circuit is only planned: nothing uses it
    shared = {(e["group_of"], tuple(e["members"])): e["shared"] for e in result["illusory_redundancy"]}
    assert shared["core-1", ("edge-1", "edge-2")] == ["Transit Co"]
    assert shared["core-2", ("edge-1", "edge-2")] == ["Transit Co"]


def test_what_was_not_mapped_is_listed(netbox: NetBox) -> None:
    result = from_netbox_api(netbox.url, netbox.token)
    assert "1 patch panel not modelled (passive; cables are traced through them): pp-r1" in result.unmapped
    assert "1 cabled pair of devices at the same tier (peer links): not dependencies" in result.unmapped
    assert "1 management interface: not dependencies" in result.unmapped
    assert "circuit CID-3: planned in NetBox, modelled as in service" in result.unmapped
    assert result.inferred == []


def save_api(netbox: NetBox, folder: Path) -> None:
    """Save what NetBox's REST API answers, page by page, as a user would with curl."""
    folder.mkdir()
    for app, path in ENDPOINTS:
        query = "&".join(f"{k}={str(v).lower()}" for k, v in FILTERS.get(path, {}).items())
        url: str | None = f"{netbox.url}/api/{app}/{path}/?limit=7&{query}"
        page = 1
        while url:
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {netbox.token}"})
            with urllib.request.urlopen(request, timeout=60) as answer:
                body = answer.read()
            name = f"{app}.{path}.json" if page == 1 else f"{app}.{path}.{page}.json"
            (folder / name).write_bytes(body)
            url, page = json.loads(body)["next"], page + 1


def test_a_folder_of_saved_api_json_imports_the_same(netbox: NetBox, tmp_path: Path) -> None:
    folder = tmp_path / "ams1"
    save_api(netbox, folder)
    assert (folder / "dcim.interfaces.2.json").is_file()  # a few pages
    live = from_netbox_api(netbox.url, netbox.token)
    saved = from_netbox_folder(folder)
    assert dumps_block(saved.inventory).replace("inventory: ams1", "inventory: x") == dumps_block(
        live.inventory
    ).replace("inventory: 127.0.0.1", "inventory: x")
    assert saved.unmapped == live.unmapped
    (folder / "dcim.interfaces.3.json").unlink()  # a page lost on the way
    interfaces = json.loads((folder / "dcim.interfaces.json").read_bytes())["count"]
    assert (
        f"dcim.interfaces.json: {interfaces - 7} of the {interfaces} objects NetBox has are saved (pages missing?)"
        in (from_netbox_folder(folder).unmapped)
    )


def test_a_cut_short_saved_answer_is_one_positioned_line(netbox: NetBox, tmp_path: Path) -> None:
    folder = tmp_path / "ams1"
    save_api(netbox, folder)
    devices = folder / "dcim.devices.json"
    devices.write_bytes(devices.read_bytes()[:900])
    out = tmp_path / "estate.yaml"
    result = run_cli("import", "netbox", str(folder), "-o", str(out))
    assert (result.returncode, result.stdout, out.exists()) == (2, "", False)
    assert result.stderr.startswith(f"{devices}:1:") and result.stderr.count("\n") == 1, result.stderr
    assert "not valid JSON" in result.stderr


def test_a_refused_token_is_one_line_and_nothing_written(netbox: NetBox, tmp_path: Path) -> None:
    out = tmp_path / "estate.yaml"
    bad = "nbt_" + "x" * 12 + "." + "y" * 40
    result = run_with({"NETBOX_TOKEN": ""}, "import", "netbox", "--url", netbox.url, "--token", bad, "-o", str(out))
    assert (result.returncode, result.stdout, out.exists()) == (2, "", False)
    assert result.stderr.startswith(f"graphanalyzer: error: {netbox.url}: NetBox refused the token (403")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    result = run_with({"NETBOX_TOKEN": ""}, "import", "netbox", "--url", netbox.url, "-o", str(out))
    assert result.returncode == 2 and "NETBOX_TOKEN" in result.stderr


def test_an_unreachable_netbox_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    out = tmp_path / "estate.yaml"
    result = run_with({"NETBOX_TOKEN": "nbt_a.b"}, "import", "netbox", "--url", url, "-o", str(out))
    assert (result.returncode, result.stdout, out.exists()) == (2, "", False)
    assert result.stderr == f"graphanalyzer: error: {url}: cannot connect (Connection refused)\n"


def test_a_cut_short_api_answer_is_one_line(tmp_path: Path) -> None:
    """A proxy that cuts NetBox's answers short (the answers themselves are NetBox's shape, truncated)."""

    class CutShort(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"django-version": "6.1.2", "netbox-version": "4.7.3", "plug'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("API-Version", "4.7")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), CutShort)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        out = tmp_path / "estate.yaml"
        result = run_with({"NETBOX_TOKEN": "nbt_a.b"}, "import", "netbox", "--url", url, "-o", str(out))
    finally:
        server.shutdown()
    assert (result.returncode, result.stdout, out.exists()) == (2, "", False)
    assert (
        result.stderr
        == f"graphanalyzer: error: {url}: the answer is not NetBox's JSON (not a NetBox API, or cut short)\n"
    )


def test_the_command_line_wants_a_url_or_a_folder(tmp_path: Path) -> None:
    assert "either --url URL or a folder" in run_cli("import", "netbox").stderr
    existing = tmp_path / "estate.yaml"
    existing.write_text("mine\n")
    refused = run_with(
        {"NETBOX_TOKEN": "nbt_a.b"}, "import", "netbox", "--url", "http://127.0.0.1:9", "-o", str(existing)
    )
    assert refused.returncode == 2 and "already exists (use --force" in refused.stderr  # before asking NetBox
    assert existing.read_text() == "mine\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("import", "netbox", str(empty))
    assert result.returncode == 2 and result.stderr.startswith(f"{empty}:1:1: no saved NetBox API JSON here")
