"""Import benchmark: a kubectl dump and a saved NetBox, against just parsing them.

For synthetic clusters and data centres of growing size it prints, side by side:

* the baseline: parsing the input and nothing else (``yaml.load(CSafeLoader)`` for
  kubectl's YAML, ``json.loads`` for its JSON and for NetBox's saved answers);
* graphanalyzer's import of the same input, to the inventory model, then written
  out as the block-style YAML the command writes;

with the median of ``--repeat`` runs, in this process (imports not counted).

    python benchmarks/bench_import.py                   # 2,000 and 20,000 pods / devices
    python benchmarks/bench_import.py --sizes 5000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from graphanalyzer.dump import dumps_block
from graphanalyzer.importers.kubernetes import from_kubernetes_text
from graphanalyzer.importers.netbox import from_netbox_folder


def cluster(pods: int) -> dict[str, Any]:
    """A kubectl List: 3 zones, a node per 25 pods, Deployments of 5 pods behind Services, each calling the next."""
    nodes = max(pods // 25, 3)
    deployments = pods // 5
    items: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": f"node-{n}", "labels": {"topology.kubernetes.io/zone": f"zone-{n % 3}"}}}
        for n in range(nodes)
    ]  # fmt: skip
    for d in range(deployments):
        namespace, app = f"team-{d % 40}", f"app-{d}"
        upstream = f"http://app-{(d + 1) % deployments}.team-{(d + 1) % deployments % 40}:8080"
        items.append({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app, "namespace": namespace},
            "spec": {"replicas": 5, "selector": {"matchLabels": {"app": app}}, "template": {
                "metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": app, "env": [{"name": "UPSTREAM_URL", "value": upstream}]}]}}},
        })  # fmt: skip
        for p in range(5):
            items.append({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"{app}-{p}", "namespace": namespace, "labels": {"app": app},
                             "ownerReferences": [{"kind": "Deployment", "name": app, "controller": True}]},
                "spec": {"nodeName": f"node-{(d * 5 + p) % nodes}"}, "status": {"phase": "Running"},
            })  # fmt: skip
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": namespace},
                      "spec": {"selector": {"app": app}}})  # fmt: skip
    return {"apiVersion": "v1", "kind": "List", "items": items}


def data_centre(devices: int, folder: Path) -> None:
    """Saved NetBox answers: racks of a PDU pair, a switch and 17 dual-powered, dual-homed servers."""
    site = {"id": 1, "name": "DC1", "slug": "dc1"}
    racks = [{"id": r, "name": f"rack-{r}", "site": site} for r in range(1, devices // 20 + 1)]
    found: dict[str, list[dict[str, Any]]] = {"dcim.devices": [], "dcim.power-ports": [], "dcim.interfaces": []}

    def add(endpoint: str, **fields: Any) -> dict[str, Any]:
        found[endpoint].append({"id": len(found[endpoint]) + 1, **fields})
        return found[endpoint][-1]

    for rack in racks:
        place = {"site": site, "rack": {"id": rack["id"]}}
        pdus = [add("dcim.devices", name=f"pdu-{rack['id']}-{s}", role={"slug": "pdu"}, **place) for s in "ab"]
        switches = [add("dcim.devices", name=f"tor-{rack['id']}", role={"slug": "access-switch"}, **place)]
        for h in range(17):
            server = add("dcim.devices", name=f"srv-{rack['id']}-{h}", role={"slug": "server"}, **place)
            for n, pdu in enumerate(pdus, start=1):
                outlet = [{"id": 1, "device": {"id": pdu["id"]}}]
                add("dcim.power-ports", name=f"PSU{n}", device={"id": server["id"]},
                    link_peers_type="dcim.poweroutlet", link_peers=outlet)  # fmt: skip
            port = [{"id": 1, "device": {"id": switches[0]["id"]}}]
            add("dcim.interfaces", name="eth0", device={"id": server["id"]}, cable={"id": 1},
                link_peers_type="dcim.interface", link_peers=port)  # fmt: skip
    for endpoint, objects in [("dcim.sites", [site]), ("dcim.racks", racks), *found.items()]:
        page = {"count": len(objects), "next": None, "previous": None, "results": objects}
        (folder / f"{endpoint}.json").write_text(json.dumps(page))


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    header = f"{'size':>8}  {'input':<24} {'method':<34} {'seconds':>8} {'vs parse':>9}"
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        dump = cluster(size)
        as_yaml = yaml.dump(dump, Dumper=yaml.CSafeDumper)
        as_json = json.dumps(dump)
        with tempfile.TemporaryDirectory() as folder:
            data_centre(size, Path(folder))
            saved = sorted(Path(folder).glob("*.json"))
            rows = [
                ("kubectl -o yaml", partial(yaml.load, as_yaml, Loader=yaml.CSafeLoader),
                 partial(kubernetes, as_yaml)),
                ("kubectl -o json", partial(json.loads, as_json), partial(kubernetes, as_json)),
                ("NetBox saved JSON", partial(read_all, saved), partial(netbox, Path(folder))),
            ]  # fmt: skip
            for label, parse, imported in rows:
                floor = median_seconds(parse, args.repeat)
                ours = median_seconds(imported, args.repeat)
                print(f"{size:>8,}  {label:<24} {'parse only (baseline)':<34} {floor:>8.2f} {1:>8.1f}x")
                name = "graphanalyzer import, written"
                print(f"{size:>8,}  {label:<24} {name:<34} {ours:>8.2f} {ours / floor:>8.1f}x")


def kubernetes(text: str) -> str:
    return dumps_block(from_kubernetes_text(text, "cluster").inventory)


def netbox(folder: Path) -> str:
    return dumps_block(from_netbox_folder(folder).inventory)


def read_all(files: list[Path]) -> list[Any]:
    return [json.loads(f.read_text()) for f in files]


if __name__ == "__main__":
    main()
