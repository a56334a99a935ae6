"""docker-compose files: services, ``depends_on`` (short and long forms) and ``links``.

Every compose service is a component of kind ``service``, so every one is a
target of the analyses (they are what the file runs).  What the image suggests
it is (a database, a queue, a load balancer) is kept in its ``role`` tag, with
the image itself in ``image``.

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
{'web': ('service', ('api',)), 'api': ('service', ('db',)), 'db': ('service', ())}
>>> dict(result.inventory.components["db"].tags)
{'image': 'postgres:16', 'role': 'database'}
>>> result.unmapped
['api: deploy.replicas 3 modelled as one component', 'db: volumes not modelled', 'volumes: not modelled']
"""

from __future__ import annotations

from pathlib import Path

from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.importers import Imported, mapping, names, read_yaml, safe_id
from graphanalyzer.model import Component, Inventory

#: Image names that say what a container is (its ``role`` tag).
ROLES = {
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
        image = spec.get("image")
        tags = {"image": str(image)} if isinstance(image, str | int | float) else {}
        role = _role(str(image if image is not None else name))
        if role is not None:
            tags["role"] = role
        components[ids[name]] = Component(
            ids[name], "service", requires=tuple(dict.fromkeys(needs)), tags=tuple(tags.items())
        )
    unmapped.extend(f"{key}: not modelled" for key in data if key not in ("services", "version", "name"))
    return Imported(Inventory(str(data.get("name") or path.stem), components), unmapped)


def _role(image: str) -> str | None:
    """What an image's name says the container is, if it says.

    >>> _role("registry.example.com/ops/postgres:16@sha256:0123"), _role("ghcr.io/shop/api:2.4")
    ('database', None)
    """
    base = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0].lower()
    for role, images in ROLES.items():
        if any(base.startswith(n) for n in images):
            return role
    return None
