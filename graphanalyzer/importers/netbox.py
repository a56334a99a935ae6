"""NetBox: sites, racks, the power chain, cabled uplinks, circuits, virtual machines and services.

Read live through pynetbox (:func:`from_netbox_api`) or from a folder of JSON
saved from the REST API (:func:`from_netbox_folder`, one file per endpoint named
after its path: ``dcim/power-ports/`` is ``dcim.power-ports.json``).  Both give
the same objects to one mapping (docs/importers.md has it in full):

* sites > locations (rooms) > racks by containment; devices in their rack (or
  location, site, or parent device for a blade);
* power panel > power feed > PDU (a device whose power outlets are cabled) >
  a device's power ports: several supplies on different sources need ``any``
  of them, a single supply needs its source;
* cables between interfaces: a device needs the device at the far end when
  that one is higher in the network (host < access switch < spine/core <
  firewall < router < circuit, from the device role); several are ``any``;
* circuits are carriers that need their provider (a carrier too);
* virtual machines sit on their host, or in their cluster, which needs any of
  its hosts;
* the targets: NetBox's ``services`` (one per name, needing any of the devices
  and virtual machines it runs on) and devices or VMs tagged ``service-NAME``.

>>> import json, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> site = {"id": 1, "name": "DC1", "slug": "dc1"}
>>> def save(name, objects):
...     _ = (folder / f"{name}.json").write_text(json.dumps({"count": len(objects), "next": None, "results": objects}))
>>> save("dcim.sites", [site])
>>> save("dcim.power-panels", [{"id": 1, "name": "panel-a", "site": site}])
>>> save("dcim.power-feeds", [{"id": 1, "name": "feed-a", "power_panel": {"id": 1}}])
>>> save("dcim.devices", [{"id": 1, "name": "db-1", "site": site, "role": {"slug": "server", "name": "Server"}}])
>>> save("dcim.power-ports", [{"id": 1, "name": "PSU1", "device": {"id": 1},
...       "link_peers_type": "dcim.powerfeed", "link_peers": [{"id": 1}]}])
>>> save("ipam.services", [{"id": 1, "name": "orders-db", "parent_object_type": "dcim.device", "parent": {"id": 1}}])
>>> result = from_netbox_folder(folder)
>>> for c in result.inventory.components.values():
...     print(c.id, c.kind, c.container, c.requires)
DC1 site None ()
panel-a power DC1 ()
feed-a power None ('panel-a',)
db-1 host DC1 ('feed-a',)
orders-db service None ('db-1',)
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphanalyzer.errors import InventoryError, Problem, SourceError
from graphanalyzer.importers import Imported, mapping, unique_ids, usable_id
from graphanalyzer.model import Component, Group, Inventory, Requirement

#: The endpoints read, as (app, API path); pynetbox names them with underscores.
ENDPOINTS = (
    ("dcim", "sites"),
    ("dcim", "locations"),
    ("dcim", "racks"),
    ("dcim", "devices"),
    ("dcim", "power-panels"),
    ("dcim", "power-feeds"),
    ("dcim", "power-ports"),
    ("dcim", "interfaces"),
    ("circuits", "providers"),
    ("circuits", "circuits"),
    ("virtualization", "clusters"),
    ("virtualization", "virtual-machines"),
    ("ipam", "services"),
)
#: Only cabled interfaces matter; the API filters the rest out.
FILTERS = {"interfaces": {"cabled": True}}
#: Words in a device role (slug or name) and the kind they give; first match wins.
ROLE_KINDS = (
    ("patch", "patch-panel"), ("pdu", "power"), ("ups", "power"), ("power", "power"),
    ("firewall", "router"), ("router", "router"), ("edge", "router"), ("border", "router"), ("gateway", "router"),
    ("load-balancer", "loadbalancer"), ("loadbalancer", "loadbalancer"),
    ("spine", "switch"), ("core", "switch"), ("aggregation", "switch"), ("distribution", "switch"),
    ("switch", "switch"), ("leaf", "switch"), ("access", "switch"), ("tor", "switch"), ("top-of-rack", "switch"),
)  # fmt: skip
#: How high a device stands in the network, from its role: a cable makes the lower one need the higher one.
TIERS = (
    (("router", "edge", "border", "gateway"), 4),
    (("firewall",), 3),
    (("spine", "core", "aggregation", "distribution"), 2),
    (("switch", "leaf", "access", "tor", "top-of-rack"), 1),
)
CIRCUIT_TIER = 5
SERVICE_TAG = "service-"
#: Statuses worth a note: NetBox says it is not in service, the model counts it in.
NOT_IN_SERVICE = {"offline", "failed", "planned", "decommissioning", "decommissioned", "inventory", "deprovisioning"}


def from_netbox_api(url: str, token: str | None, *, timeout: float = 60) -> Imported:
    """An inventory read from a live NetBox's REST API with pynetbox.

    Raises :class:`~graphanalyzer.errors.SourceError` (one line) when NetBox cannot be
    reached, refuses the token, or answers something that is not its API.
    """
    try:
        import pynetbox
        import requests
    except ImportError:
        raise SourceError("reading a live NetBox needs pynetbox: pip install 'graphanalyzer[netbox]'") from None

    if not re.match(r"https?://[^/\s]+", url):
        raise SourceError(f"{url}: not an http:// or https:// address")
    if not token:
        raise SourceError("NetBox needs an API token: --token TOKEN, or the NETBOX_TOKEN environment variable")
    session = requests.Session()
    session.request = _with_timeout(session.request, timeout)  # type: ignore[method-assign]
    api = pynetbox.api(url, token=token)
    api.http_session = session
    data: dict[str, list[dict[str, Any]]] = {}
    try:
        api.status()
        for app, path in ENDPOINTS:
            endpoint = getattr(getattr(api, app), path.replace("-", "_"))
            records = endpoint.filter(**FILTERS[path]) if path in FILTERS else endpoint.all()
            data[f"{app}.{path}"] = [dict(record) for record in records]
    except pynetbox.RequestError as error:
        raise SourceError(_refused(url, error.req)) from None
    except (pynetbox.ContentError, json.JSONDecodeError):  # requests' JSONDecodeError is one too
        raise SourceError(f"{url}: the answer is not NetBox's JSON (not a NetBox API, or cut short)") from None
    except requests.exceptions.Timeout:
        raise SourceError(f"{url}: no answer within {timeout:.0f} s") from None
    except requests.exceptions.ConnectionError as error:
        raise SourceError(f"{url}: cannot connect ({_reason(error)})") from None
    except (requests.exceptions.RequestException, ValueError) as error:
        raise SourceError(f"{url}: {_reason(error)}") from None
    name = re.sub(r"^https?://", "", url).split("/")[0].split(":")[0]
    return _Estate(data, [], name).imported()


def _with_timeout(request: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout)
        return request(*args, **kwargs)

    return timed


def _refused(url: str, response: Any) -> str:
    status = getattr(response, "status_code", "?")
    detail = ""
    with contextlib.suppress(ValueError, AttributeError):
        detail = str(response.json().get("detail", ""))
    if status in (401, 403):
        return f"{url}: NetBox refused the token ({status}{': ' + detail if detail else ''})"
    if status == 404:
        return f"{url}: no NetBox API there (404 for {getattr(response, 'url', url)})"
    return f"{url}: NetBox answered {status} {getattr(response, 'reason', '')}{': ' + detail if detail else ''}"


def _reason(error: BaseException) -> str:
    """The innermost reason of a requests error, e.g. 'Connection refused'."""
    text = str(error)
    for pattern in (r"\[Errno -?\d+\] ([^'\")\]]+)", r"Failed to resolve '[^']+'", r"Max retries exceeded"):
        found = re.search(pattern, text)
        if found:
            return found.group(1) if found.groups() else found.group(0)
    return text.splitlines()[0][:200] if text else type(error).__name__


def from_netbox_folder(folder: Path) -> Imported:
    """An inventory from JSON saved from NetBox's API: ``dcim.devices.json``..., pages ``dcim.devices.2.json``..."""
    if not folder.is_dir():
        raise InventoryError([Problem(str(folder), 1, 1, "not a folder: name the folder of saved NetBox JSON")])
    wanted = {f"{app}.{path}": f"{app}.{path}" for app, path in ENDPOINTS}
    wanted.update({key.replace("-", "_"): key for key in list(wanted)})
    data: dict[str, list[dict[str, Any]]] = {}
    unmapped: list[str] = []
    counts: dict[str, int] = {}
    for file in sorted(folder.glob("*.json"), key=lambda f: _page_order(f.name)):
        parts = file.name[: -len(".json")].split(".")
        key = wanted.get(".".join(parts[:2]))
        if key is None or len(parts) > 3:
            unmapped.append(f"{file.name}: not an endpoint this importer reads")
            continue
        objects, count = _read_page(file)
        data.setdefault(key, []).extend(objects)
        if count is not None:
            counts[key] = max(count, counts.get(key, 0))
    for key, count in counts.items():
        if len(data[key]) < count:
            saved = len(data[key])
            unmapped.append(f"{key}.json: {saved} of the {count} objects NetBox has are saved (pages missing?)")
    if not data:
        names = ", ".join(f"{app}.{path}.json" for app, path in ENDPOINTS[:4])
        raise InventoryError([Problem(str(folder), 1, 1, f"no saved NetBox API JSON here ({names}, ...)")])
    unmapped.extend(f"{app}.{path}.json: not in the folder" for app, path in ENDPOINTS if f"{app}.{path}" not in data)
    return _Estate(data, unmapped, folder.resolve().name).imported()


def _page_order(name: str) -> tuple[str, int]:
    parts = name.split(".")
    return ".".join(parts[:2]), int(parts[2]) if len(parts) == 4 and parts[2].isdigit() else 1


def _read_page(file: Path) -> tuple[list[dict[str, Any]], int | None]:
    """The objects in a saved answer (a page with ``results``, or a plain list), and NetBox's count of them all."""
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InventoryError([Problem(name, 1, 1, f"cannot read: {reason}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InventoryError([Problem(name, error.lineno, error.colno, f"not valid JSON: {error.msg}")]) from None
    count = None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        count = data["count"] if isinstance(data.get("count"), int) else None
        data = data["results"]
    if not isinstance(data, list) or not all(isinstance(item, dict) and "id" in item for item in data):
        message = "expected NetBox's answer: {count, next, results: [objects with an id]} or a list of objects"
        raise InventoryError([Problem(name, 1, 1, message)])
    return data, count


def _id(value: Any) -> Any:
    """The id of a nested object (``{"id": 3, ...}``), or the value itself when it is an id already."""
    return value.get("id") if isinstance(value, dict) else value


def _slug(value: Any) -> str:
    """A role or status as lowercase words: its value, slug or name."""
    if isinstance(value, dict):
        value = value.get("value") or value.get("slug") or value.get("name") or ""
    return str(value or "").lower()


def _words(role: Any) -> str:
    """A role's slug and name as one ``-word-word-`` string, so that keywords match whole words only."""
    text = f"{_slug(role)} {str(role.get('name') or '').lower()}" if isinstance(role, dict) else _slug(role)
    return "-" + "-".join(re.findall(r"[a-z0-9]+", text)) + "-"


def _has(words: str, keyword: str) -> bool:
    """Whether a role says the keyword, as whole words.

    >>> _has(_words({"slug": "core-switch", "name": "Core switch"}), "core"), _has(_words("storage"), "tor")
    (True, False)
    """
    return f"-{keyword}-" in words


#: A NetBox object: its type in this importer and its id, e.g. ("device", 12).
Key = tuple[str, Any]


@dataclass(frozen=True)
class _AnyOf:
    """A requirement on any of several NetBox objects (one alone is a plain requirement)."""

    members: tuple[Key, ...]


@dataclass
class _Ref:
    """A component to be: its kind, its container and its requirements, as NetBox objects."""

    kind: str
    container: Key | None = None
    requires: tuple[Key | _AnyOf, ...] = ()
    description: str | None = None


class _Estate:
    """NetBox's objects by endpoint, and the inventory they make."""

    def __init__(self, data: dict[str, list[dict[str, Any]]], unmapped: list[str], name: str) -> None:
        self.data, self.unmapped, self.name = data, unmapped, name
        self.racks = {rack["id"] for rack in self.get("dcim.racks")}

    def get(self, key: str) -> list[dict[str, Any]]:
        return [o for o in self.data.get(key, []) if isinstance(o, dict)]

    def imported(self) -> Imported:
        names: dict[tuple[str, Any], list[str]] = {}
        refs: dict[tuple[str, Any], _Ref] = {}
        sites = {s["id"]: s for s in self.get("dcim.sites")}
        site_name = {k: str(s.get("name") or s.get("slug") or f"site-{k}") for k, s in sites.items()}
        for key, site in sites.items():
            names["site", key] = [site_name[key], str(site.get("slug") or key)]
            refs["site", key] = _Ref("site", description=site.get("description") or None)
        locations = {o["id"]: o for o in self.get("dcim.locations")}
        for key, location in locations.items():
            scope = site_name.get(_id(location.get("site")), "")
            names["location", key] = [str(location.get("name") or f"location-{key}"), f"{scope}.{location.get('name')}"]
            parent = _id(location.get("parent"))
            refs["location", key] = _Ref("room", ("location", parent) if parent in locations else self._site(location))
        for rack in self.get("dcim.racks"):
            key = rack["id"]
            scope = site_name.get(_id(rack.get("site")), "")
            names["rack", key] = [str(rack.get("name") or f"rack-{key}"), f"{scope}.{rack.get('name')}", f"rack-{key}"]
            refs["rack", key] = _Ref("rack", self._place(rack, locations))

        panels = {p["id"]: p for p in self.get("dcim.power-panels")}
        for key, panel in panels.items():
            scope = site_name.get(_id(panel.get("site")), "")
            names["panel", key] = [str(panel.get("name") or f"panel-{key}"), f"{scope}.{panel.get('name')}"]
            refs["panel", key] = _Ref("power", self._place(panel, locations))
        feeds = {f["id"]: f for f in self.get("dcim.power-feeds")}
        for key, feed in feeds.items():
            panel = _id(feed.get("power_panel"))
            panel_name = str(mapping(feed.get("power_panel")).get("name") or panel)
            names["feed", key] = [str(feed.get("name") or f"feed-{key}"), f"{panel_name}.{feed.get('name')}"]
            refs["feed", key] = _Ref("power", requires=(("panel", panel),) if panel in panels else ())
            if panel not in panels:
                self.unmapped.append(f"power feed {feed.get('name')}: its panel is not in the data: fed by nothing")
            self._status("power feed", feed)

        devices = {d["id"]: d for d in self.get("dcim.devices")}
        power = self._power(devices, feeds)
        uplinks = self._uplinks(devices)
        patch_panels = []
        for key, device in devices.items():
            kind = _kind(device.get("role") or device.get("device_role"))
            if kind == "patch-panel":
                patch_panels.append(str(device.get("name") or key))
                continue
            if key in power.pdus:
                kind = "power"
            scope = site_name.get(_id(device.get("site")), "")
            name = str(device.get("name") or f"device-{key}")
            names["device", key] = [name, f"{scope}.{name}", f"device-{key}"]
            parent = _id(device.get("parent_device"))
            place = ("device", parent) if parent in devices else self._place(device, locations)
            needs = tuple(_AnyOf(group) for group in (power.get(key), uplinks.get(key)) if group)
            refs["device", key] = _Ref(kind, place, needs)
            self._status("device", device)
        if patch_panels:
            count, shown = len(patch_panels), ", ".join(patch_panels[:5])
            self.unmapped.append(
                f"{count} patch panel{'s' if count > 1 else ''} not modelled "
                f"(passive; cables are traced through them): {shown}"
            )

        providers = {p["id"]: p for p in self.get("circuits.providers")}
        for key, provider in providers.items():
            names["provider", key] = [str(provider.get("name") or f"provider-{key}"), str(provider.get("slug") or key)]
            refs["provider", key] = _Ref("carrier")
        for circuit in self.get("circuits.circuits"):
            key, provider = circuit["id"], _id(circuit.get("provider"))
            provider_name = str(mapping(circuit.get("provider")).get("name") or provider)
            names["circuit", key] = [
                str(circuit.get("cid") or f"circuit-{key}"),
                f"{provider_name}.{circuit.get('cid')}",
            ]
            refs["circuit", key] = _Ref("carrier", requires=(("provider", provider),) if provider in providers else ())
            self._status("circuit", circuit, circuit.get("cid"))

        self._virtual(devices, names, refs, locations)
        self._services(names, refs)

        ids = unique_ids({k: [usable_id(n) or f"{k[0]}-{k[1]}" for n in names[k]] for k in refs})
        components: dict[str, Component] = {}
        for key, ref in refs.items():
            cid = ids[key]
            requires: list[Requirement] = []
            for need in ref.requires:
                members = tuple(
                    dict.fromkeys(
                        ids[m]
                        for m in (need.members if isinstance(need, _AnyOf) else (need,))
                        if m in ids and ids[m] != cid
                    )
                )
                if len(members) > 1:
                    requires.append(Group(members))
                elif members:
                    requires.append(members[0])
            container = ids.get(ref.container) if ref.container is not None else None
            components[cid] = Component(
                cid, ref.kind, container, tuple(dict.fromkeys(requires)), description=ref.description
            )
        return Imported(Inventory(self.name, components), self.unmapped)

    # -- placement --------------------------------------------------------------------------

    def _site(self, obj: dict[str, Any]) -> tuple[str, Any] | None:
        site = _id(obj.get("site"))
        return ("site", site) if site is not None else None

    def _place(self, obj: dict[str, Any], locations: dict[Any, Any]) -> tuple[str, Any] | None:
        """The rack, location or site an object is in, the nearest first."""
        rack = _id(obj.get("rack"))
        if rack in self.racks:
            return ("rack", rack)
        location = _id(obj.get("location"))
        if location in locations:
            return ("location", location)
        return self._site(obj)

    def _status(self, what: str, obj: dict[str, Any], name: Any = None) -> None:
        status = _slug(obj.get("status"))
        if status in NOT_IN_SERVICE:
            self.unmapped.append(f"{what} {name or obj.get('name')}: {status} in NetBox, modelled as in service")

    # -- power ------------------------------------------------------------------------------

    def _power(self, devices: dict[Any, Any], feeds: dict[Any, Any]) -> _Power:
        """What powers each device: the PDUs (through power outlets) or feeds its power ports are cabled to."""
        sources: dict[Any, list[tuple[str, Any]]] = {}
        uncabled: dict[Any, list[str]] = {}
        pdus: set[Any] = set()
        for port in self.get("dcim.power-ports"):
            device = _id(port.get("device"))
            if device not in devices:
                continue
            peers = [p for p in port.get("link_peers") or [] if isinstance(p, dict)]
            kind = port.get("link_peers_type")
            if not peers:
                uncabled.setdefault(device, []).append(str(port.get("name")))
                continue
            for peer in peers:
                if kind == "dcim.poweroutlet" and _id(peer.get("device")) in devices:
                    pdus.add(_id(peer.get("device")))
                    sources.setdefault(device, []).append(("device", _id(peer.get("device"))))
                elif kind == "dcim.powerfeed" and peer.get("id") in feeds:
                    sources.setdefault(device, []).append(("feed", peer["id"]))
                else:
                    self.unmapped.append(
                        f"{devices[device].get('name')}: power port {port.get('name')} cabled to "
                        f"{kind or 'something'} not in the data"
                    )
        for device, ports in uncabled.items():
            note = "not cabled" if device in sources else "not cabled: its power is not modelled"
            self.unmapped.append(
                f"{devices[device].get('name')}: power port{'s' if len(ports) > 1 else ''} {', '.join(ports)} {note}"
            )
        return _Power({device: tuple(dict.fromkeys(found)) for device, found in sources.items()}, pdus)

    # -- network ----------------------------------------------------------------------------

    def _uplinks(self, devices: dict[Any, Any]) -> dict[Any, tuple[Key, ...]]:
        """Each device's uplinks: the higher devices and circuits its interfaces are cabled to."""
        tier = {key: _tier(d.get("role") or d.get("device_role")) for key, d in devices.items()}
        up: dict[Any, list[tuple[str, Any]]] = {}
        peers_same, management, dangling = 0, 0, 0
        seen_pairs: set[frozenset[Any]] = set()
        for interface in self.get("dcim.interfaces"):
            device = _id(interface.get("device"))
            if device not in devices:
                continue
            if interface.get("mgmt_only"):
                management += 1
                continue
            far = self._far_end(interface)
            if far is None:
                if interface.get("cable") is not None or interface.get("link_peers"):
                    dangling += 1
                continue
            kind, other = far
            if kind == "circuit":
                up.setdefault(device, []).append(("circuit", other))
                continue
            if other not in devices or other == device:
                continue
            if tier[device] < tier[other]:
                up.setdefault(device, []).append(("device", other))
            elif tier[device] == tier[other] and frozenset((device, other)) not in seen_pairs:
                seen_pairs.add(frozenset((device, other)))
                peers_same += 1
        if peers_same:
            self.unmapped.append(
                f"{peers_same} cabled pair{'s' if peers_same > 1 else ''} of devices at the same "
                "tier (peer links): not dependencies"
            )
        if management:
            self.unmapped.append(f"{management} management interface{'s' if management > 1 else ''}: not dependencies")
        if dangling:
            self.unmapped.append(
                f"{dangling} cabled interface{'s' if dangling > 1 else ''} with no device or circuit "
                "at the far end (an open patch panel port?)"
            )
        return {device: tuple(dict.fromkeys(found)) for device, found in up.items()}

    def _far_end(self, interface: dict[str, Any]) -> tuple[str, Any] | None:
        """What an interface's cable reaches: ("device", id) or ("circuit", id), traced through patch panels."""
        for kind_key, peers_key in (
            ("link_peers_type", "link_peers"),
            ("connected_endpoints_type", "connected_endpoints"),
        ):
            kind = interface.get(kind_key)
            peers = [p for p in interface.get(peers_key) or [] if isinstance(p, dict)]
            if not peers:
                continue
            if kind == "circuits.circuittermination":
                circuit = _id(peers[0].get("circuit"))
                if circuit is not None:
                    return ("circuit", circuit)
            if kind == "dcim.interface":
                device = _id(peers[0].get("device"))
                if device is not None:
                    return ("device", device)
        return None

    # -- virtualisation and services --------------------------------------------------------

    def _virtual(
        self,
        devices: dict[Any, Any],
        names: dict[tuple[str, Any], list[str]],
        refs: dict[tuple[str, Any], _Ref],
        locations: dict[Any, Any],
    ) -> None:
        clusters = {c["id"]: c for c in self.get("virtualization.clusters")}
        hosts: dict[Any, list[tuple[str, Any]]] = {}
        for key, device in devices.items():
            cluster = _id(device.get("cluster"))
            if cluster in clusters and ("device", key) in names:
                hosts.setdefault(cluster, []).append(("device", key))
        for key, cluster in clusters.items():
            names["cluster", key] = [str(cluster.get("name") or f"cluster-{key}"), f"cluster-{key}"]
            scope_type, scope = cluster.get("scope_type"), _id(cluster.get("scope") or cluster.get("scope_id"))
            container: Key | None
            if scope_type == "dcim.location" and scope in locations:
                container = ("location", scope)
            elif scope_type == "dcim.site" and scope is not None:
                container = ("site", scope)
            else:
                container = self._site(cluster)
            members = tuple(hosts.get(key, ()))
            refs["cluster", key] = _Ref("cluster", container, (_AnyOf(members),) if members else ())
            if not members:
                self.unmapped.append(f"cluster {cluster.get('name')}: no host devices in NetBox: needs nothing")
        for vm in self.get("virtualization.virtual-machines"):
            key = vm["id"]
            cluster, device = _id(vm.get("cluster")), _id(vm.get("device"))
            cluster_name = str(mapping(vm.get("cluster")).get("name") or cluster)
            names["vm", key] = [str(vm.get("name") or f"vm-{key}"), f"{cluster_name}.{vm.get('name')}", f"vm-{key}"]
            if ("device", device) in names:
                place: Key | None = ("device", device)
            elif cluster in clusters:
                place = ("cluster", cluster)
            else:
                place = None
                self.unmapped.append(f"virtual machine {vm.get('name')}: no cluster or host: placed nowhere")
            refs["vm", key] = _Ref("vm", place)
            self._status("virtual machine", vm)

    def _services(self, names: dict[tuple[str, Any], list[str]], refs: dict[tuple[str, Any], _Ref]) -> None:
        """Targets: NetBox services by name, and devices and VMs tagged ``service-NAME``."""
        runs_on: dict[str, list[tuple[str, Any]]] = {}
        ports: dict[str, set[str]] = {}
        for service in self.get("ipam.services"):
            parent_type = service.get("parent_object_type")
            if parent_type is not None:
                parent = _id(service.get("parent") or service.get("parent_object_id"))
                kind = {"dcim.device": "device", "virtualization.virtualmachine": "vm"}.get(str(parent_type))
            elif service.get("device") is not None:
                kind, parent = "device", _id(service.get("device"))
            else:
                kind, parent = "vm", _id(service.get("virtual_machine"))
            name = str(service.get("name") or f"service-{service['id']}")
            if kind is None or (kind, parent) not in names:
                self.unmapped.append(
                    f"service {name}: runs on {parent_type or 'nothing'} not in the data: not a target"
                )
                continue
            runs_on.setdefault(name, []).append((kind, parent))
            protocol = _slug(service.get("protocol"))
            ports.setdefault(name, set()).update(f"{protocol}/{p}" for p in service.get("ports") or [])
        for kind, endpoint in (("device", "dcim.devices"), ("vm", "virtualization.virtual-machines")):
            for obj in self.get(endpoint):
                for tag in obj.get("tags") or []:
                    slug = _slug(tag) if isinstance(tag, dict) else str(tag)
                    if slug.startswith(SERVICE_TAG) and slug != SERVICE_TAG and (kind, obj["id"]) in names:
                        runs_on.setdefault(slug[len(SERVICE_TAG) :], []).append((kind, obj["id"]))
        for name, parents in runs_on.items():
            names["service", name] = [name, f"service.{name}"]
            members = tuple(dict.fromkeys(parents))
            shown = ", ".join(sorted(ports.get(name, ()))) or None
            refs["service", name] = _Ref("service", requires=(_AnyOf(members),), description=shown)


@dataclass(frozen=True)
class _Power:
    """What each device's power ports reach, and the devices whose outlets feed others (PDUs)."""

    sources: dict[Any, tuple[Key, ...]]
    pdus: set[Any]

    def get(self, device: Any) -> tuple[Key, ...]:
        return self.sources.get(device, ())


def _kind(role: Any) -> str:
    return _kind_of(_words(role))


def _tier(role: Any) -> int:
    return _tier_of(_words(role))


@functools.cache
def _kind_of(words: str) -> str:
    return next((kind for word, kind in ROLE_KINDS if _has(words, word)), "host")


@functools.cache
def _tier_of(words: str) -> int:
    if _kind_of(words) in ("patch-panel", "power"):
        return 0
    return next((tier for found, tier in TIERS if any(_has(words, word) for word in found)), 0)


def endpoint_files(endpoints: Iterable[tuple[str, str]] = ENDPOINTS) -> list[str]:
    """The file names the folder mode reads, in order.

    >>> endpoint_files()[:3]
    ['dcim.sites.json', 'dcim.locations.json', 'dcim.racks.json']
    """
    return [f"{app}.{path}.json" for app, path in endpoints]
