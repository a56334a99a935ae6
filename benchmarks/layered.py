"""A second estate shape for the benchmarks: layered services, larger quorums, block-style YAML.

graphanalyzer's own generator (``graphanalyzer generate``) writes one flow mapping per
line and services three tiers deep.  This one differs on purpose, so that no figure
flatters one shape:

* the YAML is block style, every field on its own line, as PyYAML's ``safe_dump``
  writes it (written with libyaml's emitter, ``CSafeDumper``, for speed);
* zones of racks of hosts, each rack behind a pair of power feeds and a pair of
  switches of its zone;
* services in eight layers: each needs a quorum of its own hosts (``at_least`` 2 of 3
  up to 5 of 9) and two or three services of the layers below, so cones are deep and
  cut sets of order 2 and 3 are many.

    python benchmarks/layered.py 100000 estate.yaml
"""

from __future__ import annotations

import random
import sys
from typing import Any

import yaml

LAYERS = 8
HOSTS_PER_RACK = 20
RACKS_PER_ZONE = 25
QUORUMS = ((2, 3), (3, 5), (4, 7), (5, 9))


def layered(components: int, seed: int = 1) -> dict[str, Any]:
    """The inventory of exactly ``components`` components, as plain data for ``yaml.safe_dump``."""
    rng = random.Random(seed)
    services_count = max(LAYERS, components // 20)
    per_zone = 3 + RACKS_PER_ZONE * (1 + HOSTS_PER_RACK)  # feeds a/b, switch pair counted below
    zones = max(1, round((components - services_count) / (per_zone + 2)))
    sites: dict[str, Any] = {}
    power: dict[str, Any] = {}
    switches: dict[str, Any] = {}
    racks: dict[str, Any] = {}
    hosts: dict[str, Any] = {}
    rack_hosts: list[list[str]] = []
    budget = components - services_count
    for z in range(zones):
        zone = f"zone-{z + 1:03d}"
        sites[zone] = {"availability": 0.9999}
        feeds = [f"{zone}-feed-{x}" for x in "ab"]
        for feed in feeds:
            power[feed] = {"in": zone, "availability": 0.9995}
        pair = [f"{zone}-sw-{x}" for x in "ab"]
        for switch in pair:
            switches[switch] = {"in": zone}
        budget -= 5
        for r in range(RACKS_PER_ZONE):
            if budget <= 1:
                break
            rack = f"{zone}-rack-{r + 1:02d}"
            # Lists of their own: PyYAML writes a list met twice as an anchor and aliases.
            racks[rack] = {"in": zone, "depends_on": [{"any": list(feeds)}, {"any": list(pair)}]}
            budget -= 1
            rack_hosts.append([])
    r = 0
    while budget > 0:  # hosts fill the estate to exactly the size asked
        rack = list(racks)[r % len(racks)]
        host = f"host-{len(hosts) + 1:07d}"
        hosts[host] = {"in": rack, "capacity": rng.choice((100, 200, 400))}
        rack_hosts[r % len(racks)].append(host)
        budget -= 1
        r += 1
    services: dict[str, Any] = {}
    layers: list[list[str]] = [[] for _ in range(LAYERS)]
    for n in range(services_count):
        layer = n * LAYERS // services_count
        name = f"svc-l{layer}-{n + 1:06d}"
        at_least, of = rng.choice(QUORUMS)
        chosen = rng.sample(range(len(rack_hosts)), min(of, len(rack_hosts)))
        members = list(dict.fromkeys(rng.choice(rack_hosts[k]) for k in chosen if rack_hosts[k]))
        requires: list[Any] = [{"at_least": min(at_least, len(members)), "of": members}]
        below = [s for level in layers[max(0, layer - 2) : layer] for s in level]
        requires.extend(rng.sample(below, min(len(below), rng.choice((2, 3)))))
        services[name] = {"depends_on": requires, "owner": f"team-{n % 40:02d}"}
        layers[layer].append(name)
    return {
        "inventory": f"layered-{components}-seed-{seed}",
        "description": f"{zones} zones, {len(racks)} racks, {len(hosts)} hosts, {services_count} services",
        "sites": sites,
        "power": power,
        "switches": switches,
        "racks": racks,
        "hosts": hosts,
        "services": services,
    }


def dump(data: dict[str, Any]) -> str:
    """Block-style YAML, as ``yaml.safe_dump(data, sort_keys=False)`` writes it."""
    return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


if __name__ == "__main__":
    size, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dump(layered(size)))
