"""Synthetic estates: realistic inventories of any size, the same for the same seed.

The shape follows a colocation estate: sites reached through carriers (some
through a single one), rooms with two power feeds, racks with two PDUs and two
top-of-rack switches, hosts in racks, and layers of services replicated across
racks with ``any`` groups (with ``demand``), ``at_least`` quorums and single
hosts.  Some redundancy is deliberately false: racks whose two PDUs share one
feed, services whose replicas sit in one rack, sites with one carrier, and a few
dependency cycles between service tiers.

>>> inv = generate(200, seed=7)
>>> len(inv.components), inv.by_kind()["host"] > 100
(200, True)
>>> generate(200, seed=7) == inv
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from graphanalyzer.errors import UsageError
from graphanalyzer.model import Component, Group, Inventory, Requirement

#: The smallest estate generated: one of everything.
MIN_COMPONENTS = 40
_HOSTS_PER_RACK = 16
_RACKS_PER_ROOM = 20
_COMPONENTS_PER_SITE = 60_000
_NAMES = (
    "auth", "billing", "cart", "catalog", "checkout", "feed", "identity", "inventory", "ledger",
    "media", "messaging", "notify", "orders", "payments", "profile", "recommend", "search",
    "session", "shipping", "streams", "timeline", "upload",
)  # fmt: skip
_MODELS = (("r640", 100), ("r740", 200), ("r750", 200), ("r7525", 400))


@dataclass
class _Estate:
    rng: random.Random
    components: dict[str, Component] = field(default_factory=dict)

    def add(self, cid: str, kind: str, **fields: object) -> str:
        self.components[cid] = Component(cid, kind, **fields)  # type: ignore[arg-type]
        return cid


def generate(components: int, seed: int = 0) -> Inventory:
    """An estate of exactly ``components`` components, determined by ``seed``."""
    if components < MIN_COMPONENTS:
        raise UsageError(f"--components must be at least {MIN_COMPONENTS}")
    estate = _Estate(random.Random(seed))
    rng = estate.rng
    sites = max(1 if components < 2000 else 2, round(components / _COMPONENTS_PER_SITE))
    services = max(3, components // 25)
    fixed = (sites + 2) + 9 * sites + services
    racks = max(sites, round((components - fixed) / (5 + _HOSTS_PER_RACK + 3 / _RACKS_PER_ROOM)))
    rooms = max(sites, -(-racks // _RACKS_PER_ROOM))
    hosts = components - fixed - 3 * rooms - 5 * racks
    while hosts < racks:  # tiny estates: fewer racks until every rack has a host
        racks -= 1
        rooms = max(sites, -(-racks // _RACKS_PER_ROOM))
        hosts = components - fixed - 3 * rooms - 5 * racks

    carriers = [estate.add(f"carrier-{n:02d}", "carrier", availability=0.9995) for n in range(1, sites + 3)]
    site_racks: list[list[str]] = []
    site_edges: list[tuple[str, ...]] = []
    rack_ids: list[str] = []
    for s in range(1, sites + 1):
        site = estate.add(f"site-{s:02d}", "site", availability=0.99995)
        single_carrier = sites > 1 and s % 5 == 0  # the lesson of 2009, kept on purpose
        pair = rng.sample(carriers, 2)
        if single_carrier:
            pair = [pair[0], pair[0]]
        routers = tuple(
            estate.add(f"s{s:02d}-rtr-{x}", "router", container=site, requires=(c,))
            for x, c in zip("ab", pair, strict=True)
        )
        spines = tuple(
            estate.add(f"s{s:02d}-spine-{x}", "switch", container=site, requires=(Group(routers),)) for x in "ab"
        )
        lbs = tuple(
            estate.add(f"s{s:02d}-lb-{x}", "loadbalancer", container=site, requires=(Group(spines),)) for x in "ab"
        )
        dns = tuple(estate.add(f"s{s:02d}-dns-{x}", "dns", container=site, requires=(Group(spines),)) for x in "ab")
        site_edges.append((*lbs, *dns))
        site_racks.append([])
    for r in range(rooms):
        s = r % sites
        site = f"site-{s + 1:02d}"
        room = estate.add(f"s{s + 1:02d}-room-{r // sites + 1:02d}", "room", container=site)
        feeds = [estate.add(f"{room}-feed-{x}", "power", container=room, availability=0.9999) for x in "ab"]
        if rng.random() < 0.05:  # both feeds from one utility intake
            feeds[1] = feeds[0]
        spines = tuple(f"s{s + 1:02d}-spine-{x}" for x in "ab")
        for k in range(r, racks, rooms):
            rack = f"{room}-rack-{k // rooms + 1:03d}"
            pdu_feeds = (feeds[0], feeds[0]) if rng.random() < 0.05 else (feeds[0], feeds[1])
            pdus = tuple(
                estate.add(f"{rack}-pdu-{x}", "power", container=room, requires=(f,))
                for x, f in zip("ab", pdu_feeds, strict=True)
            )
            tors = tuple(
                estate.add(f"{rack}-tor-{x}", "switch", container=room, requires=(Group(spines),)) for x in "ab"
            )
            estate.add(rack, "rack", container=room, requires=(Group(pdus), Group(tors)))
            site_racks[s].append(rack)
            rack_ids.append(rack)

    host_ids: list[list[str]] = [[] for _ in rack_ids]
    for h in range(hosts):
        k = h % len(rack_ids)
        model, capacity = rng.choice(_MODELS)
        tags = (("model", model), ("env", "prod" if k % 10 else "staging"))
        cid = f"host-{h + 1:07d}"
        host_ids[k].append(estate.add(cid, "host", container=rack_ids[k], capacity=capacity, tags=tags))
    rack_index = {rack: k for k, rack in enumerate(rack_ids)}
    _services(estate, services, site_racks, site_edges, [host_ids[rack_index[r]] for r in rack_ids])
    return Inventory(
        name=f"generated-{components}-seed-{seed}",
        description=f"synthetic estate: {sites} sites, {racks} racks, {hosts} hosts, {services} services and stores",
        components=estate.components,
    )


def _services(
    estate: _Estate,
    count: int,
    site_racks: list[list[str]],
    site_edges: list[tuple[str, ...]],
    rack_hosts: list[list[str]],
) -> None:
    """Three tiers: data stores and quorums, back ends, front ends; each needs the tiers below."""
    rng = estate.rng
    offsets = [0]
    for racks in site_racks:
        offsets.append(offsets[-1] + len(racks))
    site_pools = [range(offsets[s], offsets[s + 1]) for s in range(len(site_racks))]
    everywhere = range(offsets[-1])
    next_host = [0] * len(rack_hosts)
    tiers: list[list[str]] = [[], [], []]
    below: list[str] = []  # every service of the tiers under the current one
    for n in range(count):
        tier = 0 if n < max(1, count // 5) else 1 if n < max(2, count * 3 // 5) else 2
        if tier and not tiers[tier]:  # the first of a tier: the tiers below are complete
            below = [s for t in range(tier) for s in tiers[t]]
        site = rng.randrange(len(site_racks))
        regional = rng.random() < 0.3 and len(site_racks) > 1
        name = f"{_NAMES[n % len(_NAMES)]}-{n + 1:05d}"
        replicas = rng.choice((1, 2, 3, 3, 4, 5, 6)) if tier else rng.choice((1, 3, 3, 5))
        if rng.random() < 0.1:  # replicas racked together
            choice = [offsets[site] + rng.randrange(len(site_racks[site]))] * replicas
        else:
            pool = everywhere if regional else site_pools[site]
            choice = [rng.choice(pool) for _ in range(replicas)]
        members: list[str] = []
        for k in choice:
            hosts = rack_hosts[k]
            host = hosts[next_host[k] % len(hosts)]
            next_host[k] += 1
            if host not in members:
                members.append(host)
        requires: list[Requirement] = []
        if len(members) == 1:
            requires.append(members[0])
        elif tier == 0 and len(members) >= 3:
            requires.append(Group(tuple(members), at_least=len(members) // 2 + 1))
        else:
            capacity = sum(estate.components[m].capacity or 0 for m in members)
            requires.append(Group(tuple(members), demand=round(capacity * rng.uniform(0.4, 0.8))))
        edges = site_edges[site]
        requires.append(Group(edges[2:]))  # dns
        if tier == 2:
            requires.append(Group(edges[:2]))  # load balancers
        dependencies = rng.sample(below, min(len(below), rng.choice((1, 2, 3))))
        requires.extend(dependencies)
        if tier == 1 and dependencies and rng.random() < 0.03:  # a cycle: the store needs its client
            store = estate.components[dependencies[0]]
            estate.components[store.id] = replace(store, requires=(*store.requires, name))
        kind = "service" if tier else rng.choice(("database", "queue", "service"))
        if kind != "service":
            name = f"{'db' if kind == 'database' else 'mq'}-{n + 1:05d}"
        owner = f"team-{_NAMES[n * 7 % len(_NAMES)]}"
        estate.add(name, kind, requires=tuple(dict.fromkeys(requires)), owner=owner)
        tiers[tier].append(name)
