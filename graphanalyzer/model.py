"""The inventory model: frozen records that every analysis reads.

A :class:`Component` needs each of its ``requires`` (and its container, if it has
one); a requirement is another component's id or a :class:`Group`.

>>> web = Component("web-1", "host", container="rack-1", capacity=1000)
>>> timeline = Component("timeline", "service", requires=(Group(("web-1", "web-2"), demand=1500),))
>>> timeline.requires[0].describe()
'any of web-1, web-2 (demand 1,500)'
>>> Group(("zk-1", "zk-2", "zk-3"), at_least=2).describe()
'at least 2 of zk-1, zk-2, zk-3'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date

from graphanalyzer.errors import Problem

# Records are frozen dataclasses without __slots__: a cached estate of 100,000
# components then unpickles in C, with no Python __setstate__ call per record.

#: Kinds the tool knows, and the inventory sections that list them.
SECTIONS: Mapping[str, str] = {
    "sites": "site",
    "rooms": "room",
    "racks": "rack",
    "power": "power",
    "switches": "switch",
    "routers": "router",
    "carriers": "carrier",
    "loadbalancers": "loadbalancer",
    "hosts": "host",
    "vms": "vm",
    "databases": "database",
    "queues": "queue",
    "dns": "dns",
    "services": "service",
}
KINDS: tuple[str, ...] = tuple(SECTIONS.values())
#: The availability of a component that sets none (DESIGN section 3).
DEFAULT_AVAILABILITY = 0.999

Number = int | float


def magnitude(value: Number) -> str:
    """A large number shortened as people say it in a summary.

    >>> magnitude(5_000_000), magnitude(8e6), magnitude(1_600), magnitude(2.5e9), magnitude(0.5)
    ('5.0 M', '8.0 M', '1,600', '2.5 G', '0.5')
    """
    for size, unit in ((1e9, "G"), (1e6, "M")):
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return number(value)


def number(value: Number) -> str:
    """A number as people read it in a report.

    >>> number(8000000), number(2500.0), number(0.9995), number(1e20)
    ('8,000,000', '2,500', '0.9995', '1e+20')
    """
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


@dataclass(frozen=True)
class Group:
    """A redundancy requirement: at least ``at_least`` of ``members`` must be up.

    With ``demand``, the summed capacity of the members that are not down must
    also reach it, or the group is degraded.
    """

    members: tuple[str, ...]
    at_least: int = 1
    demand: Number | None = None

    def describe(self) -> str:
        """Plain words for the group, as explanations show it."""
        head = "any of" if self.at_least == 1 else f"at least {self.at_least} of"
        tail = "" if self.demand is None else f" (demand {number(self.demand)})"
        return f"{head} {', '.join(self.members)}{tail}"


Requirement = str | Group


@dataclass(frozen=True)
class Component:
    """One thing that can be unplugged: a site, a rack, a carrier, a host, a service..."""

    id: str
    kind: str
    container: str | None = None
    requires: tuple[Requirement, ...] = ()
    capacity: Number | None = None
    availability: float = DEFAULT_AVAILABILITY
    description: str | None = None
    owner: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    #: The availability objective, a fraction in (0, 1] (``slo: 99.95%`` in the inventory).
    slo: float | None = None
    bandwidth: float | None = None  # bits per second it can send, and receive (``bandwidth: 10 Gbit/s``)


#: The fields of a component record, in order.
COMPONENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Component))

#: Where a component was declared: file, and 1-based line and column of its key.
#: A plain tuple, as a loaded estate holds one per component.
Origin = tuple[str, int, int]


@dataclass(frozen=True)
class Acceptance:
    """A risk the owners accepted: a SPOF that gates skip until ``until`` (an ISO date), with why.

    >>> from datetime import date
    >>> a = Acceptance("carrier-ntt", "second carrier ordered", "2026-12-31")
    >>> a.active(date(2026, 11, 21)), a.active(date(2027, 1, 1))
    (True, False)
    """

    spof: str
    reason: str
    until: str | None = None
    origin: Origin | None = None

    def active(self, today: date) -> bool:
        """Whether the acceptance holds on ``today`` (an expired one counts as not accepted)."""
        return self.until is None or date.fromisoformat(self.until) >= today


@dataclass(frozen=True)
class Distribution:
    """A release copied to many components: ``artifact`` bytes from ``sources`` to each of ``receivers``.

    The release needs one of its sources up; ``window`` is the time (seconds) it
    must fit in, judged for ``scheme``: ``central`` (every receiver fetches from a
    source) or ``swarm`` (receivers pass pieces on to each other).

    >>> Distribution("release", 300_000_000, ("deploy-1",), ("web-1", "web-2"), window=300.0).scheme
    'central'
    """

    name: str
    artifact: int
    sources: tuple[str, ...]
    receivers: tuple[str, ...]
    window: float | None = None
    scheme: str = "central"
    origin: Origin | None = None


@dataclass(frozen=True)
class Inventory:
    """A validated inventory: its components in declaration order, and where each came from."""

    name: str
    components: Mapping[str, Component]
    description: str | None = None
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)
    files: tuple[str, ...] = field(default=(), compare=False)
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    accepted: tuple[Acceptance, ...] = ()
    distributions: tuple[Distribution, ...] = ()

    def accepted_now(self, today: date | None = None) -> dict[str, Acceptance]:
        """The acceptances that hold today, by SPOF id."""
        when = today or date.today()
        return {a.spof: a for a in self.accepted if a.active(when)}

    def services(self) -> list[str]:
        """The ids of components of kind ``service``: the default targets of every analysis."""
        return [c.id for c in self.components.values() if c.kind == "service"]

    def by_kind(self) -> dict[str, int]:
        """How many components of each kind, most common first, then by name."""
        counts: dict[str, int] = {}
        for component in self.components.values():
            counts[component.kind] = counts.get(component.kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def narrowest(components: Mapping[str, Component], ids: list[str]) -> list[str]:
    """The ids that contain none of the others (a rack rather than its room and site).

    >>> narrowest({"site": Component("site", "site"), "rack": Component("rack", "rack", container="site")},
    ...           ["site", "rack"])
    ['rack']
    """
    holding: set[str] = set()
    for cid in ids:
        walk = components[cid].container
        while walk is not None:
            holding.add(walk)
            walk = components[walk].container
    return [cid for cid in ids if cid not in holding]
