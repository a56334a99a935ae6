"""Backstage software catalogs: Component, Resource and System entities, and ``spec.dependsOn``.

Components become services, Resources take their ``spec.type`` as kind (database,
queue...), and a System needs every component that names it in ``spec.system``.
Entity references (``resource:default/orders-db``, ``orders-db``) are resolved in
the default namespace; other namespaces prefix the id (``payments.orders-db``).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "catalog-info.yaml").write_text('''
... apiVersion: backstage.io/v1alpha1
... kind: Component
... metadata: {name: checkout, description: takes the money}
... spec: {type: service, owner: team-pay, system: shop, dependsOn: ["resource:orders-db"]}
... ---
... apiVersion: backstage.io/v1alpha1
... kind: Resource
... metadata: {name: orders-db}
... spec: {type: database, owner: team-pay}
... ---
... apiVersion: backstage.io/v1alpha1
... kind: System
... metadata: {name: shop}
... spec: {owner: team-pay}
... ---
... apiVersion: backstage.io/v1alpha1
... kind: Group
... metadata: {name: team-pay}
... spec: {type: team}
... ''')
>>> result = from_backstage(folder)
>>> for c in result.inventory.components.values():
...     print(c.id, c.kind, c.requires, c.owner)
checkout service ('orders-db',) team-pay
orders-db database () team-pay
shop system ('checkout',) team-pay
>>> result.unmapped
['Group team-pay: not a Component, Resource or System']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.importers import Imported, mapping, names, read_yaml, safe_id
from graphanalyzer.model import KINDS, Component, Inventory

MAPPED = {"Component", "Resource", "System"}


def from_backstage(path: Path) -> Imported:
    """An inventory from a catalog file, or from every ``*.yaml`` catalog file under a folder."""
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()) if path.is_dir() else [path]
    )
    entities: list[dict[str, Any]] = []
    for file in files:
        for document in read_yaml(file, many=True):
            if isinstance(document, dict) and str(document.get("apiVersion", "")).startswith("backstage.io/"):
                entities.append(document)
    if not entities:
        raise InventoryError([Problem(str(path), 1, 1, "no Backstage entities (apiVersion: backstage.io/...) found")])
    unmapped: list[str] = []
    found: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    for entity in entities:
        kind, metadata, spec = str(entity.get("kind")), mapping(entity.get("metadata")), mapping(entity.get("spec"))
        name = str(metadata.get("name", ""))
        if not name:
            unmapped.append(f"{kind} in {path}: no metadata.name")
            continue
        if kind not in MAPPED:
            unmapped.append(f"{kind} {name}: not a Component, Resource or System")
            continue
        found[_ref(name, kind, metadata.get("namespace"))] = (kind, metadata, spec)
    members: dict[str, list[str]] = {}
    for ref, (kind, _, spec) in found.items():
        if kind == "Component" and spec.get("system"):
            members.setdefault(_ref(str(spec["system"]), "System"), []).append(ref)
    components: dict[str, Component] = {}
    for ref, (kind, metadata, spec) in found.items():
        needs = []
        for target in names(spec.get("dependsOn")):
            other = _ref(target, "Component")
            if other in found:
                needs.append(safe_id(other))
            else:
                unmapped.append(f"{metadata.get('name')}: depends on '{target}', which is not in the catalog")
        if kind == "System":
            needs.extend(safe_id(m) for m in members.get(ref, []))
        cid = safe_id(ref)
        components[cid] = Component(
            cid,
            _kind(kind, spec),
            requires=tuple(dict.fromkeys(needs)),
            description=str(metadata["description"]) if metadata.get("description") is not None else None,
            owner=str(spec["owner"]).split("/")[-1].split(":")[-1] if spec.get("owner") else None,
        )
    return Imported(Inventory(path.stem if path.is_file() else path.name, components), unmapped)


def _ref(text: str, default_kind: str, namespace: Any = None) -> str:
    """An entity reference ``[kind:][namespace/]name`` as ``name`` or ``namespace.name``."""
    body = text.split(":", 1)[1] if ":" in text else text
    space, _, name = body.rpartition("/")
    space = space or (str(namespace) if namespace else "default")
    return name if space == "default" else f"{space}.{name}"


def _kind(kind: str, spec: dict[str, Any]) -> str:
    if kind == "System":
        return "system"
    if kind == "Component":
        return "service"
    kind_of = str(spec.get("type", "")).lower()
    return kind_of if kind_of in KINDS else "database" if "db" in kind_of or "sql" in kind_of else "resource"
