"""docker-compose files: services, ``depends_on`` (short and long forms) and ``links``.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "compose.yaml"
>>> _ = path.write_text('''
... services:
...   web: {image: "nginx:1.27", depends_on: [api], ports: ["80:80"]}
...   api: {build: ., depends_on: {db: {condition: service_healthy}}, deploy: {replicas: 3}}
...   db: {image: postgres:16, volumes: [data:/var/lib/postgresql/data]}
... volumes: {data: {}}
... ''')
>>> result = from_compose(path)
>>> {c.id: (c.kind, c.requires) for c in result.inventory.components.values()}
{'web': ('loadbalancer', ('api',)), 'api': ('service', ('db',)), 'db': ('database', ())}
>>> result.unmapped
['api: deploy.replicas 3 modelled as one component', 'db: volumes not modelled', 'volumes: not modelled']
"""

from __future__ import annotations

from pathlib import Path

from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.importers import Imported, mapping, names, read_yaml, safe_id
from graphanalyzer.model import Component, Inventory

#: Image names that say what a container is; anything else is a service.
KINDS = {
    "database": ("postgres", "mysql", "mariadb", "mongo", "redis", "valkey", "memcached", "cassandra", "elasticsearch"),
    "queue": ("rabbitmq", "kafka", "nats", "activemq", "zookeeper"),
    "loadbalancer": ("nginx", "traefik", "haproxy", "envoy", "caddy"),
}
_IGNORED = {"image", "build", "container_name", "command", "entrypoint", "environment", "env_file", "ports",
            "expose", "restart", "healthcheck", "labels", "working_dir", "user", "hostname", "depends_on", "links",
            "deploy", "profiles", "platform", "logging", "init", "stop_grace_period"}  # fmt: skip


def from_compose(path: Path) -> Imported:
    """An inventory from a docker-compose file: one component per service, edges from depends_on and links."""
    data = read_yaml(path)
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or not services:
        raise InventoryError([Problem(str(path), 1, 1, "no 'services' mapping: not a docker-compose file")])
    ids = {name: safe_id(str(name)) for name in services}
    unmapped: list[str] = []
    components: dict[str, Component] = {}
    for name, spec in services.items():
        spec = mapping(spec)
        needs: list[str] = []
        for other in [*names(spec.get("depends_on")), *(link.split(":")[0] for link in names(spec.get("links")))]:
            if other in ids:
                needs.append(ids[other])
            else:
                unmapped.append(f"{name}: depends on '{other}', which is not a service here")
        replicas = mapping(spec.get("deploy")).get("replicas")
        if replicas not in (None, 1):
            unmapped.append(f"{name}: deploy.replicas {replicas} modelled as one component")
        unmapped.extend(f"{name}: {key} not modelled" for key in spec if key not in _IGNORED)
        components[ids[name]] = Component(
            ids[name], _kind(str(spec.get("image", name))), requires=tuple(dict.fromkeys(needs))
        )
    unmapped.extend(f"{key}: not modelled" for key in data if key not in ("services", "version", "name"))
    return Imported(Inventory(str(data.get("name") or path.stem), components), unmapped)


def _kind(image: str) -> str:
    base = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0].lower()
    for kind, images in KINDS.items():
        if any(base.startswith(n) for n in images):
            return kind
    return "service"
