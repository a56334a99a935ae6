"""Fan-out: how long a release takes to reach every receiver, what limits it, and what a swarm changes.

A *distribution* (:class:`~graphanalyzer.model.Distribution`) copies an artifact
of ``F`` bits from its sources (upload ``u_s``, their bandwidths together) to
``N`` receivers; a component's ``bandwidth`` is what it can send and what it can
receive, each way.  ``d_min`` is the smallest receiver's bandwidth and ``U`` the
receivers' bandwidths together.

* **Central** (every receiver fetches from a source): every receiver gets the
  artifact at the same rate, so the time is the largest of ``N F / u_s`` (the
  sources' links), ``F / d_min`` (the slowest receiver) and, for each shared
  link ``L`` with a bandwidth in the inventory (a top-of-rack switch, a router),
  ``n_L F / b_L``, where ``n_L`` receivers sit across ``L`` from the sources.
* **Lower bound** for any peer-to-peer scheme (Kumar and Ross, 2006): the largest
  of ``F / u_s``, ``F / d_min`` and ``N F / (u_s + U)``.  (The functions take
  uploads and downloads apart; with one bandwidth for both, as inventories
  give it, the third term never exceeds the second.)
* **Swarm**: the schedule of that paper, which meets the bound in a fluid model,
  made of pieces.  The sources cut the artifact into one share per receiver
  (proportional to its bandwidth) and, when they have upload to spare, a
  remainder they send to everyone; each receiver passes its share on to all the
  others, :data:`PIECES` pieces of it, each as soon as it has it.  Passing on a
  piece costs one piece's time, so the swarm takes exactly ``(1 + 1/PIECES)``
  times the bound: 5 % above it.  Where the inventory gives shared links a
  bandwidth, the swarm's traffic across each is computed; a link it would
  overload slows the whole schedule down by the overload (``swarm_stretch``,
  ``swarm_bottleneck``), so the time stays one the network can carry.

Which receivers are across a link is the failure engine's answer: unplugging
the link (:func:`~graphanalyzer.analysis.failure.propagate`) takes them down, and
not the sources (or the other way round).  A receiver with redundant paths is
across none of them.  A link with sources on both sides is left out.

A release needs one of its sources up: :func:`stopped_by` lists the components
whose loss alone stops it (the single failures common to every source, from
:func:`~graphanalyzer.analysis.cutsets.single_failures`); one source is always a
single point of failure for releases.  A swarm still needs it until the
artifact has left it once.

>>> from graphanalyzer.model import Component, Distribution, Inventory
>>> from graphanalyzer.graph import build
>>> gbit = 1e9
>>> hosts = {f"web-{i}": Component(f"web-{i}", "host", bandwidth=gbit) for i in range(1, 101)}
>>> g = build(Inventory("x", {"deploy": Component("deploy", "host", bandwidth=gbit), **hosts},
...     distributions=(Distribution("release", 125_000_000, ("deploy",), tuple(hosts), window=60.0),)))
>>> r = distribute(g)["distributions"]["release"]
>>> r["central_seconds"], r["lower_bound_seconds"], r["swarm_seconds"], r["bottleneck"], r["fits"]
(100.0, 1.0, 1.05, 'deploy', False)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx

from graphanalyzer.analysis.cutsets import single_failures
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node
from graphanalyzer.model import Distribution, Inventory, Origin
from graphanalyzer.units import duration_text

#: Pieces of each receiver's share in the swarm schedule: the swarm takes (1 + 1/PIECES) times the bound.
PIECES = 20
#: A central distribution is a risk, even without a window, when a swarm would be this many times faster.
SWARM_GAIN = 10


def central_seconds(
    bits: float, source: float, receivers: Sequence[float], links: Iterable[tuple[int, float]] = ()
) -> float:
    """Every receiver fetches from the sources: ``max(N F / u_s, F / d_min, n_L F / b_L for each link)``.

    ``links`` are ``(n_L, b_L)``: receivers across a shared link, and its bandwidth.

    >>> central_seconds(8e9, 1e9, [1e9] * 40)  # 1 GB to 40 hosts through a 1 Gbit/s link
    320.0
    >>> central_seconds(8e9, 1e9, [1e9] * 40, links=[(40, 10e9)]), central_seconds(8e9, 100e9, [1e9, 0.5e9])
    (320.0, 16.0)
    """
    return max(len(receivers) * bits / source, bits / min(receivers), *(n * bits / b for n, b in links))


def lower_bound_seconds(
    bits: float, source: float, uploads: Sequence[float], downloads: Sequence[float] | None = None
) -> float:
    """No peer-to-peer scheme is faster: ``max(F / u_s, F / d_min, N F / (u_s + U))``.

    ``downloads`` default to the ``uploads`` (one bandwidth, both ways).

    >>> lower_bound_seconds(8e9, 1e9, [1e9] * 40), lower_bound_seconds(8e9, 10e9, [1e8] * 4)
    (8.0, 80.0)
    >>> lower_bound_seconds(8e9, 1e9, [0.1e9] * 400, [10e9] * 400)  # 400 F over the 41 Gbit/s uploaded together
    78.04878048780488
    """
    downloads = uploads if downloads is None else downloads
    return max(bits / source, bits / min(downloads), len(uploads) * bits / (source + sum(uploads)))


@dataclass(frozen=True)
class Schedule:
    """The swarm schedule's rates (bits per second), one entry per receiver.

    ``share[i]``: the sources send receiver i its share at this rate, and i passes
    it on to each other receiver at the same rate; ``remainder``: the rate at
    which the sources send every receiver the part nobody passes on.  Each
    receiver gets ``rate`` in all, and the fluid schedule ends at ``seconds``
    (the lower bound); pieced, it ends at ``seconds * (1 + 1/pieces)``.
    """

    bits: float
    share: tuple[float, ...]
    remainder: float
    rate: float
    seconds: float
    pieces: int = PIECES

    @cached_property
    def shared(self) -> float:
        """The shares' rates together: what every receiver gets passed on, with its own share."""
        return sum(self.share)

    @property
    def swarm_seconds(self) -> float:
        """When the last piece arrives: each share's last piece is passed on one piece's time after it came."""
        return self.seconds * (1 + 1 / self.pieces)


def schedule(
    bits: float,
    source: float,
    uploads: Sequence[float],
    downloads: Sequence[float] | None = None,
    pieces: int = PIECES,
) -> Schedule:
    """The swarm schedule of Kumar and Ross for these bandwidths, scaled to the slowest receiver.

    When the sources are the narrowest part (``(N - 1) u_s <= U``) every byte leaves
    them once, as shares proportional to the receivers' bandwidths; otherwise each
    receiver's share uses its whole upload and the sources' spare upload goes to
    everyone as the remainder.

    >>> s = schedule(8e9, 1e9, [1e9, 1e9, 2e9, 4e9])
    >>> s.share, s.remainder, s.rate, s.seconds
    ((125000000.0, 125000000.0, 250000000.0, 500000000.0), 0.0, 1000000000.0, 8.0)
    """
    downloads = uploads if downloads is None else downloads
    n, total = len(uploads), sum(uploads)
    if (n - 1) * source <= total:
        share, remainder = [source * u / total for u in uploads], 0.0
    else:
        share, remainder = [u / (n - 1) for u in uploads], (source - total / (n - 1)) / n
    edge = sum(share) + remainder
    scale = min(1.0, min(downloads) / edge)  # no receiver takes more than it can
    rate = edge * scale
    return Schedule(bits, tuple(x * scale for x in share), remainder * scale, rate, bits / rate, pieces)


def swarm_load(plan: Schedule, across: Sequence[int]) -> float:
    """The fluid schedule's traffic (bits per second) over a link with receivers ``across`` on the far side.

    Into the far side: the sources' sends to them, and every near receiver's
    share passed to each of them; out of it: their shares passed to every near
    receiver.  A link carries each way at its bandwidth, so the larger counts.

    >>> plan = schedule(8e9, 1e9, [1e9] * 4)
    >>> swarm_load(plan, [0, 1])  # in: 2 x 0.25 from the source + 2 near shares x 2; out: 2 shares x 2
    1500000000.0
    """
    inside = set(across)
    n, far = len(plan.share), len(inside)
    far_share = sum(plan.share[i] for i in inside)
    near_share = plan.shared - far_share
    into = far_share + far * plan.remainder + near_share * far
    out = far_share * (n - far)
    return max(into, out)


@dataclass(frozen=True)
class ReleaseRisk:
    """A release the audit should list: what is wrong, and the fix with the time it would take.

    ``risk`` is one of ``"misses its window"``, ``"slow central fetch"`` (a swarm
    would be :data:`SWARM_GAIN` times faster and no window says the time is fine)
    and ``"source is a SPOF for releases"``.  Times are seconds; ``seconds`` is
    the time of the scheme used today; ``fix_seconds`` the time with the fix.
    """

    distribution: str
    risk: str
    scheme: str
    bottleneck: str
    central_seconds: float
    swarm_seconds: float
    seconds: float
    window_seconds: float | None
    misses_window: bool
    source_is_spof: bool
    stopped_by: tuple[str, ...]
    fix: str
    fix_seconds: float
    origin: Origin | None = None


def distribute(graph: nx.DiGraph[Node], names: Iterable[str] | None = None) -> dict[str, Any]:
    """The ``distribute`` result: for each distribution (those named, or all), its times, limits and risk.

    Raises :class:`~graphanalyzer.errors.UsageError` for a name the inventory does not declare.
    """
    inventory: Inventory = graph.graph["inventory"]
    result = {}
    for distribution in _chosen(inventory, names):
        figures = fanout(graph, distribution)
        figures["risks"] = [
            {"risk": r.risk, "fix": r.fix, "fix_seconds": r.fix_seconds} for r in _risks(graph, distribution, figures)
        ]
        result[distribution.name] = figures
    return {"inventory": inventory.name, "distributions": result}


def fanout(graph: nx.DiGraph[Node], distribution: Distribution) -> dict[str, Any]:
    """One distribution's figures (the values of ``distribute``'s ``distributions`` mapping)."""
    inventory: Inventory = graph.graph["inventory"]
    components = inventory.components
    bits = distribution.artifact * 8
    sources, receivers = distribution.sources, distribution.receivers
    source = sum(_bandwidth(components[s].bandwidth) for s in sources)
    speeds = [_bandwidth(components[r].bandwidth) for r in receivers]
    n = len(receivers)
    links = _links(graph, distribution)

    plan = schedule(bits, source, speeds)
    lower = lower_bound_seconds(bits, source, speeds)
    slowest = receivers[min(range(n), key=speeds.__getitem__)]
    shared: list[dict[str, Any]] = [
        {
            "component": link,
            "receivers_across": len(across),
            "bits_per_second": width,
            "central_seconds": len(across) * bits / width,
            "swarm_utilization": swarm_load(plan, across) / width,
        }
        for link, across, _ in links
        for width in [_bandwidth(components[link].bandwidth)]
    ]
    shared.sort(key=lambda entry: -entry["central_seconds"])
    # (time, bottleneck, kind, its bandwidth, the receivers it serves): the largest time wins, ties the sources
    terms: list[tuple[float, str, str, float, int]] = [
        (n * bits / source, sources[0], "source", source, n),
        (bits / min(speeds), slowest, "receiver", min(speeds), 1),
        *((e["central_seconds"], e["component"], "link", e["bits_per_second"], e["receivers_across"]) for e in shared),
    ]
    central, bottleneck, bottleneck_kind, width, served = max(terms, key=lambda term: term[0])
    busiest = max(shared, key=lambda entry: entry["swarm_utilization"], default=None)
    stretch = max(1.0, busiest["swarm_utilization"] if busiest else 1.0)
    swarm = plan.swarm_seconds * stretch
    limit = max(
        (bits / source, "source upload"),
        (bits / min(speeds), "slowest download"),
        (n * bits / (source + sum(speeds)), "total upload"),
        key=lambda term: term[0],
    )[1]
    seconds = central if distribution.scheme == "central" else swarm
    window = distribution.window
    stops = stopped_by(graph, sources)
    return {
        "receivers": n,
        "artifact_bytes": distribution.artifact,
        "scheme": distribution.scheme,
        "central_seconds": central,
        "lower_bound_seconds": lower,
        "swarm_seconds": swarm,
        "bottleneck": bottleneck,
        "window_seconds": window,
        "fits": None if window is None else seconds <= window,
        "source_is_spof": bool(stops),
        "sources": list(sources),
        "source_bits_per_second": source,
        "seconds": seconds,
        "bottleneck_kind": bottleneck_kind,
        "bottleneck_bits_per_second": width,
        "bottleneck_receivers": served,
        "slowest_receiver": slowest,
        "swarm_limit": limit,
        "swarm_factor": 1 + 1 / plan.pieces,
        "swarm_stretch": stretch,
        "swarm_bottleneck": busiest["component"] if busiest and stretch > 1 else None,
        "swarm_overloads": sum(entry["swarm_utilization"] > 1 for entry in shared),
        "links": shared[:5],
        "stopped_by": stops,
        "source_needed_seconds": central if distribution.scheme == "central" else plan.seconds * stretch,
        "declared_at": ":".join(map(str, distribution.origin)) if distribution.origin else None,
    }


def stopped_by(graph: nx.DiGraph[Node], sources: Sequence[str]) -> list[str]:
    """The components whose loss alone stops a release from these sources (it needs one of them up).

    The sources' common single failures (from the one engine's cut sets): the
    sources first, then the others in declaration order.
    """
    singles = single_failures(graph, sources)
    common = frozenset.intersection(*(singles[s] | {s} for s in sources))
    inventory: Inventory = graph.graph["inventory"]
    first = [s for s in sources if s in common]  # one source: itself; several: none of them alone
    return [*first, *(cid for cid in inventory.components if cid in common and cid not in first)]


def release_risks(inventory: Inventory, graph: nx.DiGraph[Node]) -> list[ReleaseRisk]:
    """The release risks of every distribution, for the audit, each with its fix and the time it would take.

    * ``misses its window``: the scheme used today does not fit the window.  Fix:
      distribute peer to peer, when the swarm fits; else say what limits every scheme.
    * ``slow central fetch``: no window, but a swarm would be :data:`SWARM_GAIN` or
      more times faster.  Fix: distribute peer to peer ("3.15 s instead of 40 min").
    * ``source is a SPOF for releases``: one component's loss stops every release
      (the source itself, its rack, its feed...).  Fix: add sources in other racks,
      with the time the release takes once one more source of the same bandwidth helps.

    >>> from graphanalyzer.model import Component, Distribution, Inventory
    >>> from graphanalyzer.graph import build
    >>> hosts = {f"web-{i}": Component(f"web-{i}", "host", bandwidth=1e9) for i in range(1, 401)}
    >>> inv = Inventory("x", {"deploy": Component("deploy", "host", bandwidth=1e9), **hosts},
    ...     distributions=(Distribution("release", 300_000_000, ("deploy",), tuple(hosts)),))
    >>> for risk in release_risks(inv, build(inv)):
    ...     print(f"{risk.risk}: {risk.fix}")
    slow central fetch: distribute peer to peer: 2.52 s instead of 16 min
    source is a SPOF for releases: add sources in other racks: with 2 sources, 8 min central
    """
    risks = []
    for distribution in inventory.distributions:
        risks.extend(_risks(graph, distribution, fanout(graph, distribution)))
    return risks


def _risks(graph: nx.DiGraph[Node], distribution: Distribution, figures: dict[str, Any]) -> list[ReleaseRisk]:
    central, swarm, seconds = figures["central_seconds"], figures["swarm_seconds"], figures["seconds"]
    common = {
        "distribution": distribution.name,
        "scheme": distribution.scheme,
        "bottleneck": figures["bottleneck"],
        "central_seconds": central,
        "swarm_seconds": swarm,
        "seconds": seconds,
        "window_seconds": distribution.window,
        "misses_window": figures["fits"] is False,
        "source_is_spof": figures["source_is_spof"],
        "stopped_by": tuple(figures["stopped_by"]),
        "origin": distribution.origin,
    }
    risks = []
    peer_to_peer = f"distribute peer to peer: {duration_text(swarm)} instead of {duration_text(central)}"
    if figures["fits"] is False:
        if distribution.scheme == "central" and distribution.window is not None and swarm <= distribution.window:
            fix, fix_seconds = peer_to_peer, swarm
        else:
            lower = figures["lower_bound_seconds"]
            fix = (
                f"no scheme fits {duration_text(distribution.window or 0)}: any takes at least "
                f"{duration_text(lower)} ({figures['swarm_limit']}); add bandwidth there or widen the window"
            )
            fix_seconds = lower
        risks.append(ReleaseRisk(risk="misses its window", fix=fix, fix_seconds=fix_seconds, **common))
    elif distribution.scheme == "central" and figures["fits"] is None and central >= SWARM_GAIN * swarm:
        risks.append(ReleaseRisk(risk="slow central fetch", fix=peer_to_peer, fix_seconds=swarm, **common))
    if figures["source_is_spof"]:
        more = _with_another_source(graph, distribution, figures["swarm_stretch"])
        fix = (
            f"add sources in other racks: with {len(distribution.sources) + 1} sources, "
            f"{duration_text(more)} {distribution.scheme}"
        )
        risks.append(ReleaseRisk(risk="source is a SPOF for releases", fix=fix, fix_seconds=more, **common))
    return risks


def _with_another_source(graph: nx.DiGraph[Node], distribution: Distribution, stretch: float) -> float:
    """The release's time with one more source, as fast as its first, in another rack.

    Links on the receivers' side still count (central); the sources' own links no
    longer carry everything.  A swarm keeps the stretch its links impose today.
    """
    components = graph.graph["inventory"].components
    extra = _bandwidth(components[distribution.sources[0]].bandwidth)
    bits = distribution.artifact * 8
    source = extra + sum(_bandwidth(components[s].bandwidth) for s in distribution.sources)
    speeds = [_bandwidth(components[r].bandwidth) for r in distribution.receivers]
    if distribution.scheme == "swarm":
        return schedule(bits, source, speeds).swarm_seconds * stretch
    receivers_side = [
        (len(across), _bandwidth(components[link].bandwidth))
        for link, across, behind in _links(graph, distribution)
        if not behind
    ]
    return central_seconds(bits, source, speeds, receivers_side)


def _links(graph: nx.DiGraph[Node], distribution: Distribution) -> list[tuple[str, list[int], bool]]:
    """Shared links (components with a bandwidth, neither source nor receiver): the receivers across each,
    and whether the sources are behind it (memoized on the graph).

    A receiver is across a link when unplugging the link takes down the receiver
    but not the sources, or the sources but not the receiver.
    """
    memo: dict[Distribution, list[tuple[str, list[int], bool]]] = graph.graph.setdefault("distribution_links", {})
    if distribution in memo:
        return memo[distribution]
    inventory: Inventory = graph.graph["inventory"]
    position: dict[Node, int] = {r: i for i, r in enumerate(distribution.receivers)}
    found = []
    for cid, component in inventory.components.items():
        if component.bandwidth is None or cid in position or cid in distribution.sources:
            continue
        states = propagate(graph, [cid])  # proportional to what the link takes down
        cut_off = [states.get(s) is DOWN for s in distribution.sources]
        if any(cut_off) and not all(cut_off):
            continue  # sources on both sides: which way the bytes go is the schedule's choice
        behind = sorted(i for node, state in states.items() if state is DOWN and (i := position.get(node)) is not None)
        across = behind if not cut_off[0] else sorted(set(range(len(position))).difference(behind))
        if across:
            found.append((cid, across, cut_off[0]))
    memo[distribution] = found
    return found


def _bandwidth(value: float | None) -> float:
    if value is None:  # the loader requires a bandwidth of every source and receiver
        raise ValueError("a distribution's sources and receivers need a bandwidth")
    return value


def _chosen(inventory: Inventory, names: Iterable[str] | None) -> list[Distribution]:
    by_name = {d.name: d for d in inventory.distributions}
    if not names:
        return list(by_name.values())
    chosen = []
    for name in dict.fromkeys(names):
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (it has: {', '.join(by_name) or 'none'})"
            raise UsageError(f"no distribution '{name}' in inventory{hint}")
        chosen.append(by_name[name])
    return chosen
