"""The Kubernetes importer: a kubectl dump and plain manifests, answered by the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_cli

from graphanalyzer.analysis.spof import spof
from graphanalyzer.analysis.unplug import unplug
from graphanalyzer.dump import dumps_block
from graphanalyzer.graph import load
from graphanalyzer.importers.kubernetes import from_kubernetes, from_kubernetes_text, healthy_needed, hosts

SAMPLES = ROOT / "samples" / "kubernetes"
CLUSTER = SAMPLES / "cluster.yaml"
MANIFESTS = SAMPLES / "manifests"
#: The sample's nodes: the checkout Deployment's three replicas all landed on NODE_A2.
NODE_A1 = "ip-10-20-1-37.eu-west-1.compute.internal"
NODE_A2 = "ip-10-20-1-204.eu-west-1.compute.internal"
NODE_B1 = "ip-10-20-2-91.eu-west-1.compute.internal"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("k8s") / "cluster.yaml"
    result = run_cli("import", "kubernetes", str(CLUSTER), "-o", str(out), "--format", "json")
    assert result.returncode == 0, result.stderr
    return out


def down(path: Path, *ids: str) -> set[str]:
    return set(unplug(load(path), list(ids))["services"]["down"])


def test_the_dump_imports_into_an_inventory_that_validates(cluster: Path) -> None:
    check = json.loads(run_cli("validate", str(cluster), "--format", "json").stdout)
    assert check["warnings"] == []
    assert check["by_kind"] == {
        "pod": 22, "service": 8, "deployment": 5, "host": 4, "zone": 3, "daemonset": 2, "region": 1, "statefulset": 1,
    }  # fmt: skip
    written = yaml.safe_load(cluster.read_text())
    assert written["hosts"][NODE_A2] == {"in": "eu-west-1a"}
    assert written["components"]["eu-west-1a"] == {"kind": "zone", "in": "eu-west-1"}
    assert "{" not in cluster.read_text().split("services:", 1)[1].split("\n", 3)[1]  # block style, not JSON


def test_unplugging_a_node_or_a_zone_takes_down_the_right_services(cluster: Path) -> None:
    # checkout's three replicas share NODE_A2, and storefront needs checkout (inferred from its environment)
    assert down(cluster, NODE_A2) == {"shop/checkout", "shop/storefront"}
    # zone b holds the only session-cache pod; postgres keeps 2 of 3 (its PDB's minAvailable), catalog one of two
    assert down(cluster, "eu-west-1b") == {"shop/session-cache", "shop/storefront"}
    # both CoreDNS replicas are in zone a
    assert down(cluster, "eu-west-1a") == {"kube-system/kube-dns", "shop/checkout", "shop/storefront"}
    # one node of zone a: storefront keeps 2 of 3 pods (PDB minAvailable 50% of 3, rounded up), CoreDNS one of two
    assert down(cluster, NODE_A1) == set()
    # two of postgres's three pods: below its PDB's minAvailable 2, and everything using it goes
    postgres = load(cluster).graph["inventory"].components["data/sts/postgres"].requires[0]
    assert (postgres.at_least, len(postgres.members)) == (2, 3)
    assert down(cluster, "data/postgres-0", "data/postgres-1") == {
        "data/postgres", "shop/catalog", "shop/checkout", "shop/storefront",
    }  # fmt: skip


def test_the_deployment_on_one_node_is_illusory_redundancy(cluster: Path) -> None:
    result = spof(load(cluster))
    illusory = {entry["group_of"]: entry["shared"] for entry in result["illusory_redundancy"]}
    assert NODE_A2 in illusory["shop/deploy/checkout"]
    assert illusory["kube-system/deploy/coredns"] == ["eu-west-1", "eu-west-1a"]  # both replicas in one zone
    assert "shop/deploy/storefront" not in illusory  # spread over three zones
    breaks = {entry["component"]: set(entry["breaks"]) for entry in result["spofs"]}
    assert breaks[NODE_A2] == {"shop/checkout", "shop/storefront"}
    assert breaks["shop/session-cache-mbj57gdfk-gkjrt"] == {"shop/session-cache", "shop/storefront"}  # one replica


def test_what_was_inferred_and_not_mapped_is_listed() -> None:
    result = run_cli("import", "kubernetes", str(CLUSTER))
    inferred = [line for line in result.stderr.splitlines() if line.startswith("graphanalyzer: inferred:")]
    assert len(inferred) == 5
    assert (
        "graphanalyzer: inferred: shop/deploy/storefront needs shop/checkout "
        "(env CHECKOUT_URL=http://checkout:8080/api in container storefront)"
    ) in inferred
    assert not any("shop/deploy/checkout needs shop/checkout" in line for line in inferred)  # SERVICE_NAME: itself
    assert "1 pod Pending, not running: not modelled (shop/catalog-b6mjkjnfk-clnv2)" in result.stderr
    assert "Service default/kubernetes: no selector" in result.stderr


def test_manifests_make_replicas_and_apply_budgets() -> None:
    inventory = from_kubernetes(MANIFESTS).inventory
    api = inventory.components["shop/deploy/api"]
    assert (api.requires[0].at_least, len(api.requires[0].members)) == (2, 4)  # maxUnavailable 30% of 4: 2 may go
    assert api.requires[1] == "data/orders-db"  # ORDERS_DB_HOST=orders-db.data
    assert inventory.components["shop/web"].requires == ("shop/deploy/web",)
    assert inventory.components["shop/api-3"].container is None
    assert inventory.services() == ["data/orders-db", "shop/web", "shop/api"]


def test_one_manifest_from_standard_input() -> None:
    manifest = (MANIFESTS / "data.yaml").read_text()
    result = run_cli("import", "kubernetes", "-", stdin=manifest)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["services"]["data/orders-db"] == {"depends_on": ["data/sts/orders-db"]}


@pytest.mark.parametrize(
    ("spec", "expected", "healthy"),
    [
        ({"minAvailable": 2}, 3, 2),
        ({"minAvailable": "50%"}, 7, 4),  # Kubernetes' documentation: 7 pods at 50% keep 4
        ({"minAvailable": "50%"}, 3, 2),
        ({"minAvailable": "100%"}, 3, 3),
        ({"maxUnavailable": 1}, 3, 2),
        ({"maxUnavailable": "30%"}, 4, 2),  # 1.2 pods may be disrupted: rounded up to 2
        ({"maxUnavailable": "10%"}, 10, 9),
        ({"maxUnavailable": "100%"}, 3, 0),
        ({"minAvailable": "half"}, 3, None),
    ],
)
def test_budgets_round_as_kubernetes_does(spec: dict[str, object], expected: int, healthy: int | None) -> None:
    assert healthy_needed(spec, expected) == healthy


@pytest.mark.parametrize(
    ("value", "variable", "found"),
    [
        ("checkout", "CHECKOUT_HOST", ["checkout"]),
        ("checkout:8080", "UPSTREAM", ["checkout"]),
        ("checkout", "MODE", []),  # a bare word in a variable that does not hold an address
        ("checkout.shop", "X", ["checkout.shop"]),
        ("checkout.shop.svc.cluster.local:8080", "X", ["checkout.shop.svc.cluster.local"]),
        ("amqp://user:secret@queue.data:5672/vhost", "X", ["queue.data"]),
        ("10.0.0.7:5432", "DB_HOST", []),
        ("2s", "TIMEOUT", []),
    ],
)
def test_host_names_in_environment_values(value: str, variable: str, found: list[str]) -> None:
    assert hosts(value, variable) == found


def test_service_dns_names_resolve_from_the_workloads_namespace(tmp_path: Path) -> None:
    manifests = tmp_path / "m.yaml"
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}}}\n"
        "spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n"
        "  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
        "    spec: {{containers: [{{name: c, env: [{{name: TARGET_HOST, value: '{value}'}}]}}]}}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{selector: {{app: {name}}}}}\n"
    )
    manifests.write_text(
        "---\n".join(
            [
                deployment.format(name="a", ns="one", value="b"),  # same namespace
                deployment.format(name="b", ns="one", value="c.two.svc.cluster.local"),
                deployment.format(name="c", ns="two", value="b.one:80"),  # a cycle: legal, and reported
                deployment.format(name="d", ns="two", value="b"),  # no Service b in two
            ]
        )
    )
    result = from_kubernetes(manifests)
    needs = {c.id: c.requires[1:] for c in result.inventory.components.values() if c.kind == "deployment"}
    assert needs == {
        "one/deploy/a": ("one/b",), "one/deploy/b": ("two/c",), "two/deploy/c": ("one/b",), "two/deploy/d": (),
    }  # fmt: skip
    assert len(result.inferred) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# compose\nservices:\n  web: {image: nginx}\n", ":2:1: not a Kubernetes object: no apiVersion and kind"),
        ("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n1}\n", ":1:1: items without"),
        (
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: [\n",
            ":7:1: did not find expected node content",
        ),
        ("apiVersion: v1\nkind: Pod\nmetadata: {namespace: x}\n", ":1:1: Pod without metadata.name"),
        ("- 1\n- 2\n", ":1:1: not a Kubernetes object"),
        ("", ":1:1: no Kubernetes objects"),
    ],
)
def test_bad_input_is_one_positioned_line_and_nothing_written(tmp_path: Path, text: str, message: str) -> None:
    source, out = tmp_path / "in.yaml", tmp_path / "out.yaml"
    source.write_text(text)
    result = run_cli("import", "kubernetes", str(source), "-o", str(out))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(str(source) + message), result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [source]


def test_a_cut_short_dump_is_refused(tmp_path: Path) -> None:
    text = CLUSTER.read_text()
    for size in (len(text) // 3, len(text) - 40):
        source = tmp_path / "cut.yaml"
        source.write_text(text[:size])
        result = run_cli("import", "kubernetes", str(source))
        assert (result.returncode, result.stdout) == (2, ""), size
        assert result.stderr.startswith(f"{source}:") and "Traceback" not in result.stderr


def test_the_output_is_never_replaced_without_force(tmp_path: Path) -> None:
    out = tmp_path / "estate.yaml"
    out.write_text("mine\n")
    result = run_cli("import", "kubernetes", str(CLUSTER), "-o", str(out))
    assert result.returncode == 2 and "already exists (use --force" in result.stderr
    assert out.read_text() == "mine\n"
    assert run_cli("import", "kubernetes", str(CLUSTER), "-o", str(out), "--force").returncode == 0
    assert yaml.safe_load(out.read_text())["inventory"] == "cluster"


def test_pods_of_an_owner_not_in_the_dump_are_grouped_by_it(tmp_path: Path) -> None:
    """An Argo Rollout (a custom resource kubectl was not asked for) owns its pods through ReplicaSets."""
    pod = (
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: {name}\n    namespace: shop\n    labels: {{app: api}}\n"
        "    ownerReferences: [{{apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: api, controller: true}}]\n"
        "  spec: {{nodeName: {node}}}\n  status: {{phase: Running}}\n"
    )
    dump = tmp_path / "cluster.yaml"
    dump.write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        + pod.format(name="api-1", node="n1")
        + pod.format(name="api-2", node="n1")
        + "- {apiVersion: v1, kind: Service, metadata: {name: api, namespace: shop}, spec: {selector: {app: api}}}\n"
    )
    result = from_kubernetes(dump)
    components = result.inventory.components
    assert components["shop/rollout/api"].requires[0].members == ("shop/api-1", "shop/api-2")
    assert components["shop/api"].requires == ("shop/rollout/api",)
    assert "Rollout shop/api: not in the input: its pods grouped by owner" in result.unmapped
    assert "Node n1: not in the input (its pods are): its zone is unknown" in result.unmapped


def test_kubectl_json_imports_as_its_yaml_does(tmp_path: Path) -> None:
    """kubectl -o json goes through the JSON decoder; a bad object in it is still reported where it is."""
    dump = json.dumps(yaml.safe_load(CLUSTER.read_text()), indent=4)
    assert dumps_block(from_kubernetes_text(dump, "cluster").inventory) == dumps_block(
        from_kubernetes(CLUSTER).inventory
    )
    broken = tmp_path / "cluster.json"
    broken.write_text(dump.replace('"kind": "Service"', '"knd": "Service"', 1))
    kind_line = dump[: dump.index('"kind": "Service"')].count("\n") + 1
    result = run_cli("import", "kubernetes", str(broken))
    assert result.returncode == 2 and "not a Kubernetes object: no apiVersion and kind" in result.stderr
    file, line, _ = result.stderr.split(":", 2)
    assert file == str(broken) and kind_line - 30 < int(line) < kind_line  # the object's opening brace
