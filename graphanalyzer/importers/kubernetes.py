"""Kubernetes: what ``kubectl get ... -A -o yaml`` prints (a ``List``), or plain manifests.

Nodes sit in their zone and the zone in its region (``topology.kubernetes.io/zone``
and ``/region`` labels); pods sit on their node (``spec.nodeName``); a workload
(Deployment, StatefulSet, DaemonSet, or a ReplicaSet or pod owner without one)
needs its pods, any of them or as many as its PodDisruptionBudget keeps
available; a Service (the targets) needs the workloads whose pods its selector
picks; a workload needs the Services its containers' environment names by DNS
name (``svc``, ``svc.ns``, ``svc.ns.svc.cluster.local``, with or without a port
or a URL around it): those are reported as inferred.  docs/importers.md has the
details.

>>> result = from_kubernetes_text('''
... apiVersion: v1
... kind: List
... items:
... - {apiVersion: v1, kind: Node, metadata: {name: n1, labels: {topology.kubernetes.io/zone: z1}}}
... - apiVersion: apps/v1
...   kind: Deployment
...   metadata: {name: web, namespace: shop}
...   spec:
...     replicas: 2
...     selector: {matchLabels: {app: web}}
...     template:
...       metadata: {labels: {app: web}}
...       spec: {containers: [{name: web, env: [{name: DB_HOST, value: db.data}]}]}
... - apiVersion: v1
...   kind: Pod
...   metadata:
...     name: web-1
...     namespace: shop
...     labels: {app: web}
...     ownerReferences: [{kind: Deployment, name: web, controller: true}]
...   spec: {nodeName: n1}
...   status: {phase: Running}
... - {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, spec: {selector: {app: web}}}
... - {apiVersion: v1, kind: Service, metadata: {name: db, namespace: data}, spec: {type: ExternalName}}
... ''', "cluster")
>>> for c in result.inventory.components.values():
...     print(c.id, c.kind, c.container, c.requires)
z1 zone None ()
n1 host z1 ()
shop/web-1 pod n1 ()
shop/deploy/web deployment None ('shop/web-1', 'data/db')
shop/web service None ('shop/deploy/web',)
data/db service None ()
>>> result.inferred
['shop/deploy/web needs data/db (env DB_HOST=db.data in container web)']
>>> result.unmapped
['Service data/db: ExternalName (a name outside the cluster): modelled without requirements']
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.importers import Imported, mapping, unique_ids
from graphanalyzer.model import Component, Group, Inventory, Requirement

#: Workload kinds, and the short names kubectl gives them (used in ids: ``shop/deploy/web``).
WORKLOADS = {"Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds", "ReplicaSet": "rs"}
MAPPED = {"Node", "Pod", "Service", "PodDisruptionBudget", *WORKLOADS}
ZONE = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
REGION = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
#: Environment variables whose bare value (no dot, port or scheme) is read as a host name.
ADDRESS_NAMES = re.compile(r"HOST|ADDR|URL|URI|ENDPOINT|SERVER|SERVICE|DSN|BROKER|UPSTREAM|BACKEND", re.IGNORECASE)
_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


#: Kinds that live outside namespaces.
CLUSTER_SCOPED = {"Node", "Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding"}


@dataclass
class _Object:
    """One Kubernetes object as read."""

    kind: str
    namespace: str  # "" for cluster-scoped kinds
    name: str
    body: dict[str, Any]

    @property
    def metadata(self) -> dict[str, Any]:
        return mapping(self.body.get("metadata"))

    @property
    def spec(self) -> dict[str, Any]:
        return mapping(self.body.get("spec"))

    @property
    def labels(self) -> dict[str, Any]:
        return mapping(self.metadata.get("labels"))


@dataclass
class _Workload:
    """A set of pods run by one controller, and the pod template they come from."""

    namespace: str
    kind: str
    name: str
    source: _Object | None = None
    pods: list[_Object] = field(default_factory=list)
    replicas: list[str] = field(default_factory=list)  # synthesised ids, for manifests without pods

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.kind, self.name)

    @property
    def template_labels(self) -> dict[str, Any]:
        if self.source is None:
            return {}
        return mapping(mapping(mapping(self.source.spec.get("template")).get("metadata")).get("labels"))

    def label(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def from_kubernetes(path: Path) -> Imported:
    """An inventory from a kubectl dump or manifests: a file, every YAML/JSON file under a folder, or ``-``."""
    if str(path) == "-":
        return from_kubernetes_text(sys.stdin.read(), "cluster", "<stdin>")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
        if not files:
            raise InventoryError([Problem(str(path), 1, 1, "no .yaml, .yml or .json files in this folder")])
    else:
        files = [path]
    objects: list[_Object] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise InventoryError([Problem(str(file), 1, 1, f"cannot read: {reason}")]) from None
        objects.extend(_objects(text, str(file)))
    return _import(objects, path.stem if path.is_file() else path.resolve().name, str(path))


def from_kubernetes_text(text: str, name: str, file: str = "<manifests>") -> Imported:
    """An inventory from the text of a kubectl dump or of manifests."""
    return _import(_objects(text, file), name, file)


def _objects(text: str, file: str) -> list[_Object]:
    """The Kubernetes objects in a YAML (or JSON) text, ``List`` items unpacked; errors positioned.

    ``kubectl -o json`` goes to the JSON decoder, many times faster than YAML's; when
    something is wrong with it, the YAML reader reads it again to say where.
    """
    if text.lstrip()[:1] == "{":
        with contextlib.suppress(ValueError, InventoryError):
            return list(_unpack(json.loads(text), None, file))
    return list(_yaml_objects(text, file))


def _yaml_objects(text: str, file: str) -> Iterator[_Object]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            if data is None:
                continue
            yield from _unpack(data, node, file)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise InventoryError([Problem(file, line, column, str(error.problem or error))]) from None
    except yaml.YAMLError as error:
        raise InventoryError([Problem(file, 1, 1, str(error))]) from None
    finally:
        loader.dispose()


def _unpack(data: Any, node: yaml.Node | None, file: str, list_kind: str = "") -> Iterator[_Object]:
    """The object in a document or list item (``node`` is where it starts); a list's items, each checked."""
    if not isinstance(data, dict):
        raise InventoryError(
            [_problem(node, file, "not a Kubernetes object: expected a mapping with apiVersion and kind")]
        )
    kind = data.get("kind") or (list_kind[: -len("List")] if list_kind.endswith("List") and list_kind != "List" else "")
    if not isinstance(kind, str) or not kind or not (isinstance(data.get("apiVersion"), str) or list_kind):
        if isinstance(data.get("items"), list) and "kind" not in data:  # kubectl writes kind: List after the items
            message = "items without 'kind: List' after them: is the file cut short?"
        else:
            message = "not a Kubernetes object: no apiVersion and kind"
        raise InventoryError([_problem(node, file, message)])
    if kind.endswith("List") and "items" in data:
        items = data["items"] or []
        item_nodes = next((v for k, v in node.value if k.value == "items"), None) if node is not None else None
        if not isinstance(items, list):
            raise InventoryError([_problem(item_nodes or node, file, f"the items of a {kind} must be a list")])
        nodes = item_nodes.value if isinstance(item_nodes, yaml.SequenceNode) else [node] * len(items)
        for item, item_node in zip(items, nodes, strict=False):
            yield from _unpack(item, item_node, file, kind)
        return
    metadata = mapping(data.get("metadata"))
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise InventoryError([_problem(node, file, f"{kind} without metadata.name")])
    namespace = "" if kind in CLUSTER_SCOPED else str(metadata.get("namespace") or "default")
    yield _Object(kind, namespace, name, data)


def _problem(node: yaml.Node | None, file: str, message: str) -> Problem:
    if node is None:  # read as JSON: the caller reads it again as YAML, for the position
        return Problem(file, 1, 1, message)
    return Problem(file, node.start_mark.line + 1, node.start_mark.column + 1, message)


def _import(objects: list[_Object], name: str, file: str) -> Imported:
    if not objects:
        raise InventoryError([Problem(file, 1, 1, "no Kubernetes objects (apiVersion and kind) found")])
    return _Cluster(objects).inventory(name)


class _Cluster:
    """The objects of one dump, indexed, and the inventory they make."""

    def __init__(self, objects: list[_Object]) -> None:
        self.unmapped: list[str] = []
        self.inferred: list[str] = []
        self.by_kind: dict[str, list[_Object]] = {}
        seen: dict[tuple[str, str, str], _Object] = {}
        for obj in objects:
            key = (obj.kind, obj.namespace, obj.name)
            if key in seen:  # the same object in two files: the later one wins, as kubectl apply would
                self.by_kind[obj.kind].remove(seen[key])
            seen[key] = obj
            self.by_kind.setdefault(obj.kind, []).append(obj)
        skipped = {kind: len(found) for kind, found in self.by_kind.items() if kind not in MAPPED}
        self.unmapped.extend(
            f"{count} {kind}{'s' if count > 1 else ''} not modelled" for kind, count in sorted(skipped.items())
        )

    def of(self, kind: str) -> list[_Object]:
        return self.by_kind.get(kind, [])

    # -- the inventory --------------------------------------------------------------------

    def inventory(self, name: str) -> Imported:
        nodes = self._nodes()
        pods = self._pods(nodes)
        workloads = self._workloads(pods)
        labels = _Labels(workloads, synthesised=not self.of("Pod"))
        services = {(s.namespace, s.name): s for s in self.of("Service")}
        at_least = self._budgets(workloads, labels)

        ids = unique_ids(
            {
                **{("zone", z): [z, f"zone/{z}"] for z in nodes.zones},
                **{("region", r): [r, f"region/{r}"] for r in nodes.regions},
                **{("node", n): [n, f"node/{n}"] for n in nodes.names},
                **{
                    ("pod", p.namespace, p.name): [f"{p.namespace}/{p.name}", f"{p.namespace}/pod/{p.name}"]
                    for p in pods
                },
                **{
                    ("replica", w.key, r): [f"{w.namespace}/{r}", f"{w.namespace}/pod/{r}"]
                    for w in workloads.values()
                    for r in w.replicas
                },
                **{
                    ("workload", *w.key): [f"{w.namespace}/{WORKLOADS.get(w.kind, w.kind.lower())}/{w.name}"]
                    for w in workloads.values()
                    if w.kind != "Pod"
                },
                **{("service", *k): [f"{k[0]}/{k[1]}", f"{k[0]}/svc/{k[1]}"] for k in services},
            }
        )
        components: dict[str, Component] = {}
        for region in nodes.regions:
            components[ids["region", region]] = Component(ids["region", region], "region")
        for zone in nodes.zones:
            in_region = nodes.zone_region.get(zone)
            container = ids["region", in_region] if in_region else None
            components[ids["zone", zone]] = Component(ids["zone", zone], "zone", container)
        for node in nodes.names:
            in_zone, in_region = nodes.zone.get(node), nodes.region.get(node)
            container = ids["zone", in_zone] if in_zone else ids["region", in_region] if in_region else None
            components[ids["node", node]] = Component(ids["node", node], "host", container)
        for pod in pods:
            on = mapping(pod.body.get("spec")).get("nodeName")
            cid = ids["pod", pod.namespace, pod.name]
            components[cid] = Component(cid, "pod", ids["node", on] if on in nodes.names else None)
        for workload in workloads.values():
            for replica in workload.replicas:
                cid = ids["replica", workload.key, replica]
                description = f"replica {workload.replicas.index(replica) + 1} of {workload.label()}, from its manifest"
                components[cid] = Component(cid, "pod", description=description)

        members_of: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for key, workload in workloads.items():
            members_of[key] = tuple(ids["pod", p.namespace, p.name] for p in workload.pods) + tuple(
                ids["replica", key, r] for r in workload.replicas
            )
        service_of = {k: ids["service", *k] for k in services}
        selected = {k: self._selected(service, labels) for k, service in services.items()}

        def workload_id(key: tuple[str, str, str]) -> str:  # a bare pod stands for itself
            return ids["pod", key[0], key[2]] if key[1] == "Pod" else ids["workload", *key]

        for key, workload in workloads.items():
            cid = workload_id(key)
            members = members_of[key]
            needs: list[Requirement] = []
            if workload.kind == "Pod":
                needs.extend(components[cid].requires)
            elif len(members) == 1:
                needs.append(members[0])
            elif members:
                needs.append(Group(members, at_least.get(key, 1)))
            else:
                self.unmapped.append(f"{workload.label()}: no running pods: modelled without them")
            for other, reason in _named_services(workload, services, selected):
                if service_of[other] not in needs:
                    needs.append(service_of[other])
                    self.inferred.append(f"{cid} needs {service_of[other]} ({reason})")
            if workload.kind == "Pod":
                components[cid] = replace(components[cid], requires=tuple(needs))
            else:
                components[cid] = Component(cid, workload.kind.lower(), requires=tuple(needs))
        for named in services:
            cid = service_of[named]
            picked = selected[named]
            requirement: tuple[Requirement, ...] = ()
            if len(picked) == 1:
                requirement = (workload_id(picked[0]),)
            elif picked:
                requirement = (Group(tuple(map(workload_id, picked))),)
            components[cid] = Component(cid, "service", requires=requirement)
        return Imported(Inventory(name, components), self.unmapped, self.inferred)

    # -- nodes and pods -------------------------------------------------------------------

    def _nodes(self) -> _Nodes:
        nodes = _Nodes()
        for node in self.of("Node"):
            nodes.names.setdefault(node.name, None)
            zone = next((str(node.labels[k]) for k in ZONE if node.labels.get(k)), None)
            region = next((str(node.labels[k]) for k in REGION if node.labels.get(k)), None)
            if zone:
                nodes.zone[node.name] = zone
                nodes.zones.setdefault(zone, None)
                if region:
                    nodes.zone_region.setdefault(zone, region)
            if region:
                nodes.region[node.name] = region
                nodes.regions.setdefault(region, None)
            if not zone:
                self.unmapped.append(f"Node {node.name}: no topology.kubernetes.io/zone label: not in a zone")
            conditions = mapping(node.body.get("status")).get("conditions")
            ready = [c for c in conditions or [] if isinstance(c, dict) and c.get("type") == "Ready"]
            if ready and ready[0].get("status") != "True":
                self.unmapped.append(f"Node {node.name} is not Ready: modelled as up")
        return nodes

    def _pods(self, nodes: _Nodes) -> list[_Object]:
        running: list[_Object] = []
        not_running: dict[str, list[str]] = {}
        for pod in self.of("Pod"):
            phase = mapping(pod.body.get("status")).get("phase")
            node = mapping(pod.body.get("spec")).get("nodeName")
            if phase not in (None, "Running") or not node:
                not_running.setdefault(str(phase or "not scheduled"), []).append(f"{pod.namespace}/{pod.name}")
                continue
            if node not in nodes.names:
                nodes.names.setdefault(node, None)
                self.unmapped.append(f"Node {node}: not in the input (its pods are): its zone is unknown")
            running.append(pod)
        for phase, names in sorted(not_running.items()):
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            plural = "s" if len(names) > 1 else ""
            self.unmapped.append(f"{len(names)} pod{plural} {phase}, not running: not modelled ({shown})")
        return running

    # -- workloads ------------------------------------------------------------------------

    def _workloads(self, pods: list[_Object]) -> dict[tuple[str, str, str], _Workload]:
        workloads: dict[tuple[str, str, str], _Workload] = {}
        replica_sets = {(o.namespace, o.name): o for o in self.of("ReplicaSet")}
        deployments = {(o.namespace, o.name) for o in self.of("Deployment")}
        for kind in ("Deployment", "StatefulSet", "DaemonSet"):
            for obj in self.of(kind):
                workloads[obj.namespace, kind, obj.name] = _Workload(obj.namespace, kind, obj.name, obj)
        for rs in replica_sets.values():
            owner = _controller(rs)
            if owner is None or owner[0] != "Deployment":
                workloads[rs.namespace, "ReplicaSet", rs.name] = _Workload(rs.namespace, "ReplicaSet", rs.name, rs)
        for pod in pods:
            owner = _controller(pod)
            if owner is None:
                continue
            kind, name = owner
            if kind == "ReplicaSet":
                owning = replica_sets.get((pod.namespace, name))
                deployment = _controller(owning) if owning is not None else None
                if deployment is not None and deployment[0] == "Deployment":
                    kind, name = deployment
                elif owning is None:  # ReplicaSet not dumped: its name is the Deployment's and the template hash
                    base = name.rsplit("-", 1)[0]
                    if (pod.namespace, base) in deployments and "-" in name:
                        kind, name = "Deployment", base
            key = (pod.namespace, kind, name)
            if key not in workloads:
                workloads[key] = _Workload(pod.namespace, kind, name)
                self.unmapped.append(f"{kind} {pod.namespace}/{name}: not in the input: its pods grouped by owner")
            workloads[key].pods.append(pod)
        owned = {id(p) for w in workloads.values() for p in w.pods}
        for pod in pods:  # a bare pod is a workload of one
            if id(pod) not in owned:
                workloads[pod.namespace, "Pod", pod.name] = _Workload(pod.namespace, "Pod", pod.name, pod, [pod])
        if not pods:  # manifests: replicas from the specs, placement unknown
            for workload in workloads.values():
                count = _integer(workload.source.spec.get("replicas", 1)) if workload.source is not None else None
                if workload.kind == "DaemonSet" or count is None:
                    continue
                workload.replicas = [f"{workload.name}-{i}" for i in range(count)]
            if any(w.replicas for w in workloads.values()):
                self.unmapped.append("no pods in the input: replicas made from spec.replicas, on no node")
        return workloads

    def _budgets(
        self, workloads: dict[tuple[str, str, str], _Workload], labels: _Labels
    ) -> dict[tuple[str, str, str], int]:
        """How many pods each workload needs, from the PodDisruptionBudgets."""
        result: dict[tuple[str, str, str], int] = {}
        for pdb in self.of("PodDisruptionBudget"):
            covered = [workloads[key] for key in labels.pick(pdb.namespace, pdb.spec.get("selector"))]
            if len(covered) != 1:
                what = "no workload's pods" if not covered else "pods of several workloads"
                self.unmapped.append(f"PodDisruptionBudget {pdb.namespace}/{pdb.name}: selects {what}: not applied")
                continue
            workload = covered[0]
            running = len(workload.pods) + len(workload.replicas)
            needed = healthy_needed(pdb.spec, _expected(workload, running))
            if needed is None:
                self.unmapped.append(
                    f"PodDisruptionBudget {pdb.namespace}/{pdb.name}: no usable minAvailable "
                    "or maxUnavailable: not applied"
                )
                continue
            if needed > running:
                self.unmapped.append(
                    f"PodDisruptionBudget {pdb.namespace}/{pdb.name} keeps {needed} available, "
                    f"but {running} pods run: all of them are needed"
                )
            result[workload.key] = min(max(needed, 1), max(running, 1))
        return result

    # -- services -------------------------------------------------------------------------

    def _selected(self, service: _Object, labels: _Labels) -> list[tuple[str, str, str]]:
        """The workloads whose pods a Service's selector picks."""
        if service.spec.get("type") == "ExternalName":
            self.unmapped.append(
                f"Service {service.namespace}/{service.name}: ExternalName (a name outside the "
                "cluster): modelled without requirements"
            )
            return []
        selector = service.spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            self.unmapped.append(
                f"Service {service.namespace}/{service.name}: no selector (endpoints managed by "
                "hand): modelled without requirements"
            )
            return []
        picked = labels.pick(service.namespace, {"matchLabels": selector})
        if not picked:
            self.unmapped.append(
                f"Service {service.namespace}/{service.name}: selects no running pod "
                "(it has no endpoints): modelled without requirements"
            )
        return picked


@dataclass
class _Nodes:
    names: dict[str, None] = field(default_factory=dict)
    zone: dict[str, str] = field(default_factory=dict)
    region: dict[str, str] = field(default_factory=dict)
    zones: dict[str, None] = field(default_factory=dict)
    regions: dict[str, None] = field(default_factory=dict)
    zone_region: dict[str, str] = field(default_factory=dict)


def _named_services(
    workload: _Workload,
    services: dict[tuple[str, str], _Object],
    selected: dict[tuple[str, str], list[tuple[str, str, str]]],
) -> Iterator[tuple[tuple[str, str], str]]:
    """The Services a workload's environment names (not its own), each with the variable that names it."""
    source = workload.source if workload.source is not None else (workload.pods[0] if workload.pods else None)
    if source is None:
        return
    spec = source.spec if source.kind == "Pod" else mapping(mapping(source.spec.get("template")).get("spec"))
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        container = mapping(container)
        for variable in container.get("env") or []:
            variable = mapping(variable)
            value = variable.get("value")
            if not isinstance(value, str):
                continue
            for host in hosts(value, str(variable.get("name", ""))):
                target = _service_named(host, workload.namespace, services)
                if target is not None and workload.key not in selected[target]:
                    yield target, f"env {variable.get('name')}={value} in container {container.get('name')}"


def _controller(obj: _Object) -> tuple[str, str] | None:
    """The (kind, name) of an object's controlling owner."""
    owners = [mapping(o) for o in obj.metadata.get("ownerReferences") or []]
    chosen = next((o for o in owners if o.get("controller") is True), owners[0] if owners else None)
    if chosen is None or not chosen.get("kind") or not chosen.get("name"):
        return None
    return str(chosen["kind"]), str(chosen["name"])


class _Labels:
    """The label sets of each workload's pods (its template's, for manifests without pods), indexed for selectors."""

    def __init__(self, workloads: dict[tuple[str, str, str], _Workload], *, synthesised: bool) -> None:
        self.labels: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self.position = {key: n for n, key in enumerate(workloads)}
        self.in_namespace: dict[str, list[tuple[str, str, str]]] = {}
        self.having: dict[tuple[str, str, str], set[tuple[str, str, str]]] = {}  # (namespace, label, value)
        for key, workload in workloads.items():
            distinct = {tuple(sorted(map(str, p.labels.items()))): p.labels for p in workload.pods}
            sets = list(distinct.values()) or ([workload.template_labels] if synthesised else [])
            self.labels[key] = sets
            self.in_namespace.setdefault(workload.namespace, []).append(key)
            for labels in sets:
                for label, value in labels.items():
                    self.having.setdefault((workload.namespace, str(label), str(value)), set()).add(key)

    def pick(self, namespace: str, selector: Any) -> list[tuple[str, str, str]]:
        """The workloads of a namespace whose pods a LabelSelector picks, in input order."""
        match_labels = mapping(mapping(selector).get("matchLabels"))
        if match_labels:
            found = [self.having.get((namespace, str(k), str(v)), set()) for k, v in match_labels.items()]
            candidates = sorted(set.intersection(*found), key=self.position.__getitem__)
        else:
            candidates = self.in_namespace.get(namespace, [])
        return [key for key in candidates if any(_matches(selector, labels) for labels in self.labels[key])]


def _matches(selector: Any, labels: dict[str, Any]) -> bool:
    """Whether a LabelSelector (matchLabels, matchExpressions) picks these labels; an empty one picks nothing.

    >>> labels = {"app": "web", "tier": "front"}
    >>> _matches({"matchLabels": {"app": "web"}}, labels), _matches({"matchLabels": {"app": "db"}}, labels)
    (True, False)
    >>> _matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]},
    ...                                 {"key": "canary", "operator": "DoesNotExist"}]}, labels)
    True
    """
    selector = mapping(selector)
    match_labels = mapping(selector.get("matchLabels"))
    expressions = [mapping(e) for e in selector.get("matchExpressions") or []]
    if not match_labels and not expressions:
        return False
    if any(str(labels.get(k)) != str(v) or k not in labels for k, v in match_labels.items()):
        return False
    for expression in expressions:
        key, operator = str(expression.get("key")), expression.get("operator")
        values = {str(v) for v in expression.get("values") or []}
        present = key in labels
        if operator == "In" and not (present and str(labels[key]) in values):
            return False
        if operator == "NotIn" and present and str(labels[key]) in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _expected(workload: _Workload, running: int) -> int:
    """The pod count a budget's percentages refer to: the controller's scale, as the disruption controller uses."""
    if workload.source is not None and workload.kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        replicas = _integer(workload.source.spec.get("replicas", 1))
        if replicas is not None:
            return replicas
    if workload.source is not None and workload.kind == "DaemonSet":
        desired = _integer(mapping(workload.source.body.get("status")).get("desiredNumberScheduled"))
        if desired is not None:
            return desired
    return running


def healthy_needed(spec: dict[str, Any], expected: int) -> int | None:
    """Pods a PodDisruptionBudget keeps available out of ``expected``, rounded as Kubernetes rounds.

    An integer ``minAvailable`` is itself; a percentage is of ``expected``, rounded
    up; ``maxUnavailable`` (integer, or percentage rounded up) is taken from ``expected``.

    >>> healthy_needed({"minAvailable": 2}, 3), healthy_needed({"minAvailable": "50%"}, 7)
    (2, 4)
    >>> healthy_needed({"maxUnavailable": 1}, 3), healthy_needed({"maxUnavailable": "30%"}, 10)
    (2, 7)
    >>> healthy_needed({"maxUnavailable": "34%"}, 3), healthy_needed({}, 3)
    (1, None)
    """
    if spec.get("maxUnavailable") is not None:
        unavailable = _scaled(spec["maxUnavailable"], expected)
        return None if unavailable is None else max(expected - unavailable, 0)
    if spec.get("minAvailable") is not None:
        return _scaled(spec["minAvailable"], expected)
    return None


def _scaled(value: Any, total: int) -> int | None:
    """An IntOrString: an integer, or a percentage of total rounded up."""
    number = _integer(value)
    if number is not None:
        return number
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return -(-int(value[:-1]) * total // 100)
    return None


def hosts(value: str, variable: str = "") -> list[str]:
    """The host names an environment value mentions: URLs, ``host:port`` lists, or a bare name.

    A bare word (no dot, port or scheme) counts only when the variable's name says
    it holds an address (``DB_HOST``, ``CACHE_ADDR``, ``API_URL``...).

    >>> hosts("postgres://shop:pw@db.data:5432/orders"), hosts("kafka-0.kafka:9092,kafka-1.kafka:9092")
    (['db.data'], ['kafka-0.kafka', 'kafka-1.kafka'])
    >>> hosts("cache", "REDIS_HOST"), hosts("json", "LOG_FORMAT"), hosts("http://API:8080/v1")
    (['cache'], [], ['api'])
    """
    found = []
    for token in re.split(r"[\s,;]+", value.strip()):
        if not token:
            continue
        if "://" in token:
            try:
                host = urllib.parse.urlsplit(token).hostname or ""
            except ValueError:
                continue
            explicit = True
        else:
            host = token.rsplit("@", 1)[-1].split("/", 1)[0].split("?", 1)[0]
            explicit = False
            if re.fullmatch(r"[^:]+:[0-9]{1,5}", host):
                host, explicit = host.split(":", 1)[0], True
        host = host.lower().rstrip(".")
        if not _HOST.fullmatch(host) or host.replace(".", "").isdigit():
            continue
        if "." in host or explicit or ADDRESS_NAMES.search(variable):
            found.append(host)
    return found


def _service_named(host: str, namespace: str, services: dict[tuple[str, str], Any]) -> tuple[str, str] | None:
    """The Service a DNS name refers to from ``namespace``: svc, svc.ns, svc.ns.svc[.cluster domain]."""
    parts = host.split(".")
    if len(parts) == 1:
        candidates = [(namespace, parts[0])]
    elif len(parts) == 2:
        candidates = [(parts[1], parts[0]), (namespace, parts[1])]  # svc.ns, or pod.svc of a headless Service
    elif parts[2] == "svc":
        candidates = [(parts[1], parts[0])]
    elif len(parts) >= 4 and parts[3] == "svc":
        candidates = [(parts[2], parts[1])]  # pod.svc.ns.svc.cluster.local
    else:
        return None
    return next((c for c in candidates if c in services), None)
