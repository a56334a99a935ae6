"""``terraform graph`` output: resources and what each depends on, read with pydot.

Older Terraform wraps everything in ``subgraph "root"`` and names nodes
``"[root] aws_instance.web (expand)"``; newer prints bare ``aws_instance.web``.
Both are read: every subgraph is walked, names are unquoted and stripped of
``[root]`` and ``(expand)``/``(close)``.  Providers, variables, locals, outputs,
data sources and Terraform's own meta nodes are not infrastructure that fails on
its own: they are counted as not mapped.

>>> result = from_terraform_text('''digraph {
...   compound = "true"
...   subgraph "root" {
...     "[root] aws_instance.web (expand)" [label = "aws_instance.web", shape = "box"]
...     "[root] aws_db_instance.main (expand)" [label = "aws_db_instance.main", shape = "box"]
...     "[root] provider[\\\\"registry.terraform.io/hashicorp/aws\\\\"]" [label = "provider", shape = "diamond"]
...     "[root] aws_instance.web (expand)" -> "[root] aws_db_instance.main (expand)"
...     "[root] aws_db_instance.main (expand)" -> "[root] provider[\\\\"registry.terraform.io/hashicorp/aws\\\\"]"
...   }
... }''', "plan")
>>> {c.id: (c.kind, c.requires) for c in result.inventory.components.values()}
{'aws_db_instance.main': ('database', ()), 'aws_instance.web': ('host', ('aws_db_instance.main',))}
>>> result.unmapped[0]
'1 provider not modelled'
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pydot

from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.importers import Imported, safe_id
from graphanalyzer.model import Component, Inventory

#: Resource types (by a part of their name) and the kind they become; first match wins.
KINDS = (
    ("db_instance", "database"), ("rds", "database"), ("dynamodb", "database"), ("sql", "database"),
    ("elasticache", "database"), ("_lb", "loadbalancer"), ("elb", "loadbalancer"), ("load_balancer", "loadbalancer"),
    ("sqs", "queue"), ("sns", "queue"), ("pubsub", "queue"), ("kinesis", "queue"), ("route53", "dns"), ("dns", "dns"),
    ("ecs_cluster", "host"), ("eks_cluster", "host"), ("kubernetes_cluster", "host"), ("ecs_service", "service"),
    ("lambda_function", "service"), ("cloud_run", "service"), ("deployment", "service"),
    ("app_service", "service"), ("instance", "host"), ("virtual_machine", "host"), ("autoscaling_group", "host"),
    ("vpc", "switch"), ("subnet", "switch"), ("network", "switch"), ("nat_gateway", "router"),
    ("internet_gateway", "router"), ("vpn", "carrier"), ("direct_connect", "carrier"),
)  # fmt: skip
SKIPPED = {"provider": "provider", "var.": "variable", "local.": "local", "output.": "output", "data.": "data source",
           "meta.": "meta node", "root": "meta node"}  # fmt: skip


def from_terraform(path: Path) -> Imported:
    """An inventory from a file of ``terraform graph`` output."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InventoryError([Problem(str(path), 1, 1, f"cannot read: {error}")]) from None
    return from_terraform_text(text, path.stem, str(path))


def from_terraform_text(text: str, name: str, file: str = "<terraform graph>") -> Imported:
    with contextlib.redirect_stdout(io.StringIO()):  # pydot prints its parse errors; ours says where
        graphs = pydot.graph_from_dot_data(text)
    if not graphs:
        raise InventoryError([Problem(file, 1, 1, "not Graphviz DOT: expected the output of 'terraform graph'")])
    nodes: dict[str, None] = {}
    edges: list[tuple[str, str]] = []
    stack: list[pydot.Graph] = list(graphs)
    while stack:  # the graphs and every subgraph in them, however deep
        graph = stack.pop(0)
        for node in graph.get_node_list():
            if node.get_name() not in ("node", "edge", "graph"):
                nodes[_clean(node.get_name())] = None
        for edge in graph.get_edge_list():
            tail, head = _clean(str(edge.get_source())), _clean(str(edge.get_destination()))
            nodes.setdefault(tail, None)
            nodes.setdefault(head, None)
            edges.append((tail, head))
        stack.extend(graph.get_subgraph_list())
    skipped: dict[str, int] = {}
    kept: dict[str, str] = {}
    for found in nodes:
        what = next((label for prefix, label in SKIPPED.items() if found == prefix or found.startswith(prefix)), None)
        if what is not None or not found:
            skipped[what or "meta node"] = skipped.get(what or "meta node", 0) + 1
        else:
            kept[found] = safe_id(found)
    needs: dict[str, list[str]] = {cid: [] for cid in kept.values()}
    for tail, head in edges:
        if tail in kept and head in kept and kept[tail] != kept[head]:
            needs[kept[tail]].append(kept[head])
    components = {cid: Component(cid, _kind(cid), requires=tuple(dict.fromkeys(needs[cid]))) for cid in sorted(needs)}
    unmapped = [f"{count} {what}{'s' if count > 1 else ''} not modelled" for what, count in sorted(skipped.items())]
    if not any(c.kind == "service" for c in components.values()):
        unmapped.append("no resource is a service: mark the targets with kind: service by hand")
    return Imported(Inventory(name, components), unmapped)


def _clean(name: str) -> str:
    """A node name without quotes, ``[root]``, and ``(expand)``/``(close)``."""
    name = name.strip().strip('"').replace('\\"', '"')
    name = re.sub(r"^\[root\]\s*", "", name)
    return re.sub(r"\s*\((expand|close)\)$", "", name).strip()


def _kind(cid: str) -> str:
    kind_of = cid.split(".")[-2] if "." in cid else cid  # module.x.aws_instance.web -> aws_instance
    for part, kind in KINDS:
        if part in kind_of:
            return kind
    return "resource"
