"""Fan-out (issue 14): formulas against hand computations and against simulations in rounds; units; the CLI."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from strategies import inventories, swarms

from graphanalyzer import units
from graphanalyzer.analysis.distribute import (
    PIECES,
    Schedule,
    central_seconds,
    distribute,
    lower_bound_seconds,
    release_risks,
    schedule,
    stopped_by,
    swarm_load,
)
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.cli import resolve
from graphanalyzer.graph import build, load
from graphanalyzer.inventory import load as load_inventory
from graphanalyzer.render import render

GBIT = 1e9

# -- formulas against hand computations ------------------------------------------------------


def test_central_and_bound_by_hand() -> None:
    # 1 GB (8 Gbit) to 40 hosts at 1 Gbit/s from a 1 Gbit/s source: 40 x 8 s centrally; 8 s at best.
    assert central_seconds(8e9, GBIT, [GBIT] * 40) == 320
    assert lower_bound_seconds(8e9, GBIT, [GBIT] * 40) == 8
    # A fast source and one slow receiver (100 Mbit/s): 80 s either way.
    assert central_seconds(8e9, 100 * GBIT, [GBIT, GBIT, 0.1 * GBIT]) == 80
    assert lower_bound_seconds(8e9, 100 * GBIT, [GBIT, GBIT, 0.1 * GBIT]) == 80
    # Receivers that upload little: 10 of them at 0.1 Gbit/s up, 10 Gbit/s down, source 1 Gbit/s:
    # F/u_s = 8, F/d_min = 0.8, N F / (u_s + U) = 80 / 2 = 40.
    assert lower_bound_seconds(8e9, GBIT, [0.1 * GBIT] * 10, [10 * GBIT] * 10) == 40
    # A rack of 30 behind a 10 Gbit/s uplink, from a 100 Gbit/s source: 30 x 8 / 10 = 24 s.
    assert central_seconds(8e9, 100 * GBIT, [GBIT] * 60, links=[(30, 10 * GBIT)]) == 24


def test_schedule_shares_by_hand() -> None:
    # The source is narrowest ((N-1) u_s <= U): shares in proportion to uploads, no remainder.
    plan = schedule(8e9, GBIT, [GBIT, 3 * GBIT])
    assert plan.share == (0.25 * GBIT, 0.75 * GBIT) and plan.remainder == 0 and plan.seconds == 8
    # A fast source (10 Gbit/s) and 3 receivers at 1 Gbit/s up, 10 down: shares u_i / (N-1) = 0.5,
    # remainder (10 - 3 / 2) / 3; each receives (u_s + U) / N = 13 / 3 Gbit/s.
    plan = schedule(8e9, 10 * GBIT, [GBIT] * 3, [10 * GBIT] * 3)
    assert plan.share == (0.5 * GBIT,) * 3
    assert plan.remainder == pytest.approx(8.5 / 3 * GBIT)
    assert plan.rate == pytest.approx(13 / 3 * GBIT) and plan.seconds == pytest.approx(8e9 / (13 / 3 * GBIT))
    assert plan.swarm_seconds == pytest.approx(plan.seconds * (1 + 1 / PIECES))


def test_swarm_load_by_hand() -> None:
    # 4 receivers, shares 0.25 Gbit/s each; 2 across the link.  In: 2 x 0.25 from the source, and the
    # 2 near shares passed to each of the 2 far receivers (4 x 0.25); out: 2 far shares to 2 near ones.
    plan = schedule(8e9, GBIT, [GBIT] * 4)
    assert swarm_load(plan, [0, 1]) == pytest.approx(1.5 * GBIT)
    assert swarm_load(plan, [0, 1, 2, 3]) == pytest.approx(GBIT)  # everything comes from the source


# -- the schedule executed in rounds, and a greedy swarm that never beats the bound -----------


def run_schedule(plan: Schedule, case: dict[str, Any], stretch: float) -> float:
    """Execute the swarm schedule piece by piece in rounds of one piece's time; check every capacity.

    Round t: the source sends piece t of every share to its receiver (and the remainder to
    everyone); each receiver passes on piece t-1 of its share, which it must already hold, to
    every other receiver.  Rates are the schedule's, divided by ``stretch``.  Returns the time
    at which every receiver holds the whole artifact.
    """
    n, m = len(plan.share), plan.pieces
    tau = plan.seconds * stretch / m
    tolerance = 1 + 1e-9
    holds: list[set[tuple[int, int]]] = [set() for _ in range(n)]
    remainder = [0.0] * n
    across = set(case["across"])
    for t in range(m + 1):
        sends = [0.0] * n
        receives = [0.0] * n
        source_sends = 0.0
        into = out = 0.0
        arrived: list[set[tuple[int, int]]] = [set() for _ in range(n)]
        if t < m:
            for i in range(n):
                rate = (plan.share[i] + plan.remainder) / stretch
                source_sends += rate
                receives[i] += rate
                into += rate if i in across else 0
                remainder[i] += plan.remainder / stretch * tau
                if plan.share[i]:
                    arrived[i].add((i, t))
        if t >= 1:
            for i in range(n):
                if not plan.share[i]:
                    continue
                assert (i, t - 1) in holds[i], "a piece passed on before it arrived"
                for j in range(n):
                    if j != i:
                        rate = plan.share[i] / stretch
                        sends[i] += rate
                        receives[j] += rate
                        into += rate if j in across and i not in across else 0
                        out += rate if i in across and j not in across else 0
                        arrived[j].add((i, t - 1))
        assert source_sends <= case["source"] * tolerance
        for i in range(n):
            assert sends[i] <= case["uploads"][i] * tolerance
            assert receives[i] <= case["downloads"][i] * tolerance
            holds[i] |= arrived[i]
        assert max(into, out) <= case["link"] * tolerance or not across
    for i in range(n):  # every piece of every share, and the remainder: the whole artifact
        pieces = sum(plan.share[j] * plan.seconds / m for j, k in holds[i])
        assert pieces + remainder[i] == pytest.approx(plan.bits)
    return (m + 1) * tau


@given(swarms())
def test_the_swarm_schedule_runs_as_reported_within_its_factor(case: dict[str, Any]) -> None:
    bits, source, uploads, downloads = case["bits"], case["source"], case["uploads"], case["downloads"]
    plan = schedule(bits, source, uploads, downloads, pieces=case["pieces"])
    bound = lower_bound_seconds(bits, source, uploads, downloads)
    assert plan.seconds == pytest.approx(bound)  # the fluid schedule meets the bound
    across = case["across"]
    stretch = max(1.0, swarm_load(plan, across) / case["link"]) if across else 1.0
    took = run_schedule(plan, case, stretch)
    assert took >= bound * (1 - 1e-9)  # never faster than the bound
    assert took == pytest.approx(plan.swarm_seconds * stretch)  # the time reported
    if stretch == 1:
        assert plan.swarm_seconds <= (1 + 1 / case["pieces"]) * bound * (1 + 1e-9)  # the stated factor


def greedy_swarm(case: dict[str, Any], pieces: int, seed: int) -> float:
    """A BitTorrent-like swarm in rounds: each round every holder sends pieces it had at the round's
    start (rarest first) to receivers lacking them, within whole-piece upload and download budgets."""
    rng = random.Random(seed)
    n = len(case["uploads"])
    piece = case["bits"] / pieces
    slowest = min(case["source"], *case["uploads"], *case["downloads"])
    tau = piece / slowest  # one piece per round on the slowest link; others floor(b / slowest)
    has = [set() for _ in range(n)]
    rounds = 0
    while any(len(h) < pieces for h in has):
        rounds += 1
        before = [set(h) for h in has]
        room = [int(d // slowest) for d in case["downloads"]]
        uploaders = [("source", int(case["source"] // slowest), set(range(pieces)))]
        uploaders += [(i, int(case["uploads"][i] // slowest), before[i]) for i in rng.sample(range(n), n)]
        for who, budget, holding in uploaders:
            for _ in range(budget):
                wanting = [(j, p) for j in range(n) if room[j] and j != who for p in holding - has[j]]
                if not wanting:
                    break
                count = {p: sum(p in h for h in has) for _, p in wanting}
                j, p = min(wanting, key=lambda jp: (count[jp[1]], rng.random()))
                has[j].add(p)
                room[j] -= 1
    return rounds * tau


@given(swarms(), st.integers(min_value=1, max_value=10), st.integers(min_value=0, max_value=2**16))
def test_a_greedy_swarm_never_beats_the_lower_bound(case: dict[str, Any], pieces: int, seed: int) -> None:
    bound = lower_bound_seconds(case["bits"], case["source"], case["uploads"], case["downloads"])
    assert greedy_swarm(case, pieces, seed) >= bound * (1 - 1e-9)


# -- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parse", "value", "shown"),
    [
        ("10 Gbit/s", units.bandwidth, 1e10, "10 Gbit/s"),
        ("400 Mbit/s", units.bandwidth, 4e8, "400 Mbit/s"),
        ("1.25 GB/s", units.bandwidth, 1e10, "10 Gbit/s"),
        ("1.5 GB", units.size, 1_500_000_000, "1.5 GB"),
        ("300 MB", units.size, 300_000_000, "300 MB"),
        ("2 GiB", units.size, 2 * 2**30, "2.15 GB"),
        ("5 min", units.duration, 300, "5 min"),
        ("90 s", units.duration, 90, "1.5 min"),
        ("1.5 h", units.duration, 5400, "1.5 h"),
    ],
)
def test_units_as_written(text: str, parse: Any, value: float, shown: str) -> None:
    assert parse(text) == value
    text_of = {units.bandwidth: units.bandwidth_text, units.size: units.size_text, units.duration: units.duration_text}
    assert text_of[parse](value) == shown
    assert parse(shown) == pytest.approx(value, rel=5e-3)  # shown to three figures


@given(st.floats(min_value=1e3, max_value=1e14))
def test_units_round_trip(value: float) -> None:
    assert units.bandwidth(units.bandwidth_text(value)) == pytest.approx(value, rel=5e-3)
    assert units.size(units.size_text(value)) == pytest.approx(value, rel=5e-3)
    assert units.duration(units.duration_text(value / 1e6)) == pytest.approx(value / 1e6, rel=5e-3)


@pytest.mark.parametrize("text", ["10 Gb/s", "10", "fast", "10 Gbit", "0 Gbit/s", "-1 Gbit/s", "1e999 Gbit/s", "5 %"])
def test_bad_bandwidths_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="bandwidth"):
        units.bandwidth(text)


# -- inventories ------------------------------------------------------------------------------

RACKS = """\
inventory: racks
switches:
  core: {{bandwidth: 100 Gbit/s}}
  tor-1: {{depends_on: core, bandwidth: {tor}}}
  tor-2: {{depends_on: core, bandwidth: 10 Gbit/s}}
  tor-3: {{depends_on: core, bandwidth: 10 Gbit/s}}
power:
  feed: {{}}
racks:
  rack-[1:3]: {{depends_on: feed}}
hosts:
  src-1: {{in: rack-3, depends_on: tor-3, bandwidth: {source}}}
  src-2: {{in: {second}, depends_on: {second_tor}, bandwidth: {source}}}
  web-[1:4]: {{in: rack-1, depends_on: tor-1, bandwidth: 1 Gbit/s}}
  web-[5:8]: {{in: rack-2, depends_on: tor-2, bandwidth: 1 Gbit/s}}
  dual: {{depends_on: [{{any: [tor-1, tor-2]}}], bandwidth: 1 Gbit/s}}
distributions:
  image: {{artifact: 1 GB, from: {sources}, to: host, window: 30 s, scheme: {scheme}}}
"""


def racks(tmp_path: Path, **values: str) -> dict[str, Any]:
    fields = {"tor": "10 Gbit/s", "source": "10 Gbit/s", "second": "rack-3", "second_tor": "tor-3", "sources": "src-1"}
    fields["scheme"] = "central"
    fields.update(values)
    path = tmp_path / "racks.yaml"
    path.write_text(RACKS.format(**fields))
    result: dict[str, Any] = distribute(load(path))["distributions"]["image"]
    return result


def test_a_top_of_rack_uplink_is_the_bottleneck(tmp_path: Path) -> None:
    # 1 GB (8 Gbit) to 10 hosts (src-2 too).  Source 10 Gbit/s: 10 x 8 / 10 = 8 s.  tor-1 at 1 Gbit/s
    # carries its 4 hosts: 4 x 8 / 1 = 32 s.  tor-3 (the sources' rack) carries all 9 others out:
    # 9 x 8 / 10 = 7.2 s.  The dual-homed host is across neither tor-1 nor tor-2.
    result = racks(tmp_path, tor="1 Gbit/s")
    assert result["receivers"] == 10 and result["central_seconds"] == 32
    assert result["bottleneck"] == "tor-1" and result["bottleneck_kind"] == "link"
    links = {e["component"]: e["receivers_across"] for e in result["links"]}
    assert links == {"tor-1": 4, "tor-2": 4, "tor-3": 9}
    assert result["fits"] is False  # central, today, in 30 s
    assert result["lower_bound_seconds"] == 8  # F / d_min: 8 Gbit at 1 Gbit/s
    assert result["swarm_bottleneck"] == "tor-1" and result["swarm_stretch"] > 1


def test_the_source_link_is_the_bottleneck_and_a_spof_for_releases(tmp_path: Path) -> None:
    result = racks(tmp_path, source="1 Gbit/s")
    assert result["central_seconds"] == 80 and result["bottleneck"] == "src-1"
    assert result["source_is_spof"] is True
    assert result["stopped_by"] == ["src-1", "rack-3", "feed", "core", "tor-3"]  # the source, then by section
    assert result["swarm_seconds"] == pytest.approx(8 * (1 + 1 / PIECES))


def test_a_swarm_is_judged_by_its_own_time(tmp_path: Path) -> None:
    result = racks(tmp_path, source="1 Gbit/s", scheme="swarm")
    assert result["seconds"] == result["swarm_seconds"] == pytest.approx(8.4) and result["fits"] is True
    assert result["source_needed_seconds"] == 8  # the artifact leaves the source once
    (risk,) = result["risks"]
    # One more 1 Gbit/s source: F / u_s = 4 s, but the slowest receiver still needs 8: 8.4 s.
    assert risk["risk"] == "source is a SPOF for releases" and risk["fix_seconds"] == pytest.approx(8.4)


def test_two_sources_are_stopped_only_by_what_they_share(tmp_path: Path) -> None:
    shared = racks(tmp_path, sources="[src-1, src-2]", second="rack-2")  # src-2 hangs off tor-3 too
    assert shared["source_is_spof"] is True and shared["stopped_by"] == ["feed", "core", "tor-3"]
    assert shared["receivers"] == 9 and shared["bottleneck"] == "web-1"  # 20 Gbit/s of sources: 8 s per host
    apart = racks(tmp_path, sources="[src-1, src-2]", second="rack-2", second_tor="tor-2")
    assert apart["stopped_by"] == ["feed", "core"]  # neither rack nor switch alone stops releases now


@given(inventories(max_components=9, with_text=False), st.data())
def test_what_stops_releases_is_what_the_engine_says(inventory: Any, data: st.DataObject) -> None:
    """A component stops releases exactly when unplugging it alone takes every source down."""
    graph = build(inventory)
    sources = data.draw(st.lists(st.sampled_from(list(inventory.components)), min_size=1, max_size=3, unique=True))
    expected = [
        cid for cid in inventory.components if all(s == cid or propagate(graph, [cid]).get(s) is DOWN for s in sources)
    ]
    assert sorted(stopped_by(graph, sources)) == sorted(expected)


def test_release_risks_name_the_fix_and_its_time() -> None:
    graph = load(resolve("deploys-2010"))
    risks = {(r.distribution, r.risk): r for r in release_risks(graph.graph["inventory"], graph)}
    window = risks["release", "misses its window"]
    assert window.central_seconds == 2400 and window.misses_window and window.bottleneck == "deploy-1"
    assert window.fix.startswith("distribute peer to peer: ") and window.fix_seconds == window.swarm_seconds < 60
    spof = risks["release", "source is a SPOF for releases"]
    assert spof.fix.startswith("add sources in other racks") and spof.fix_seconds == 1200
    assert {"deploy-1", "rack-21", "tor-21", "colo-sac"} <= set(spof.stopped_by)
    assert ("config", "misses its window") not in risks  # 32 s fits its minute


# -- the bundled example and the command line -------------------------------------------------


def test_the_2010_deploys_example() -> None:
    result = run_cli("distribute", "deploys-2010", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    release = data["distributions"]["release"]
    issue = {
        "receivers": int, "artifact_bytes": int, "scheme": str, "central_seconds": float,
        "lower_bound_seconds": float, "swarm_seconds": float, "bottleneck": str, "window_seconds": float,
        "fits": bool, "source_is_spof": bool,
    }  # fmt: skip
    assert data["inventory"] == "deploys-2010" and list(release)[: len(issue)] == list(issue)
    assert all(isinstance(release[key], kind) for key, kind in issue.items())
    assert release["receivers"] == 800 and release["artifact_bytes"] == 375_000_000
    assert 600 <= release["central_seconds"] < 3600  # tens of minutes
    assert release["swarm_seconds"] < 60 and release["lower_bound_seconds"] == 3  # seconds
    assert release["bottleneck"] == "deploy-1" and release["source_is_spof"] is True
    assert release["fits"] is False and release["scheme"] == "central"


def test_fail_on_window_and_names() -> None:
    assert run_cli("distribute", "deploys-2010", "--fail-on", "window").returncode == 1
    assert run_cli("distribute", "deploys-2010", "--name", "config", "--fail-on", "window").returncode == 0
    unknown = run_cli("distribute", "deploys-2010", "--name", "relase")
    assert unknown.returncode == 2 and "did you mean 'release'" in unknown.stderr
    none = run_cli("distribute", "example", "--format", "json")
    assert none.returncode == 0 and json.loads(none.stdout)["distributions"] == {}


def test_table_fits_80_columns_and_markdown_says_the_same() -> None:
    data = distribute(load(resolve("deploys-2010")))
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render("distribute", data, "table"))
    text = console.export_text()
    assert max(map(len, text.splitlines())) <= 80
    for word in ("40 min", "deploy-1", "SPOF for releases", "distribute peer to peer", "tor-21", "rack-21"):
        assert word in text, word
    markdown = render("distribute", data, "markdown")
    assert "| release | 375 MB | 800 | 40 min (today) |" in markdown
    assert "distribute peer to peer" in markdown and "add sources in other racks" in markdown


BAD = """\
inventory: bad
hosts:
  deploy: {bandwidth: 1 Gbit/s}
  web-[1:3]: {bandwidth: 10 Gb/s}
distributions:
  release:
    artifact: 3 apples
    from: deploy
    to: [web-1, web-9]
    window: soon
"""


def test_bad_units_and_unknown_receivers_are_positioned(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    result = run_cli("distribute", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = BAD.splitlines()

    def at(line: int, text: str) -> str:
        return f"{path}:{line}:{lines[line - 1].index(text) + 1}: "

    errors = result.stderr.splitlines()
    expected = [
        at(4, "10 Gb/s") + "'10 Gb/s' is not a bandwidth: 'Gb' is gilbert",
        at(7, "3 apples") + "size has an unknown unit 'apples'",
        at(9, "web-9") + "unknown component 'web-9'",
        at(10, "soon") + "duration is a number and a unit",
    ]
    assert len(errors) == len(expected)
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith(start), (error, start)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{artifact: 1 GB, from: deploy, to: hots}", "no component has kind 'hots' (did you mean 'host'?)"),
        ("{artifact: 1 GB, from: deploy, to: {tags: {role: web}}}", "no receivers: nothing but the source matches"),
        ("{artifact: 1 GB, from: deploy, to: host, scheme: torrent}", "scheme is central or swarm"),
        ("{artifact: 1 GB, from: deploy, to: [db]}", "receiver db has no bandwidth"),
        ("{artifact: 1 GB, from: nope, to: host}", "unknown component 'nope'"),
        ("{artifact: 1 GB, to: host}", "distribution 'release' needs 'from'"),
        ("{artifact: 1 GB, from: deploy, to: host, colour: red}", "unknown field 'colour'"),
    ],
)
def test_distribution_problems(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "inventory: d\nhosts:\n  deploy: {bandwidth: 1 Gbit/s}\n  web-1: {bandwidth: 1 Gbit/s}\n"
        f"databases:\n  db: {{}}\ndistributions:\n  release: {entry}\n"
    )
    with pytest.raises(Exception, match=r"d\.yaml:8:\d+: ") as caught:
        load_inventory(path)
    assert message in str(caught.value)


def test_distributions_load_as_records() -> None:
    inventory = load_inventory(resolve("deploys-2010"))
    release, config = inventory.distributions
    assert release.sources == ("deploy-1",) and len(release.receivers) == 800 and release.window == 900
    assert release.receivers[0] == "fe-01-01" and "deploy-1" not in config.receivers
    assert inventory.components["tor-01"].bandwidth == 20e9
    lines = Path(resolve("deploys-2010")).read_text().splitlines()
    assert release.origin is not None and lines[release.origin[1] - 1] == "  release:" and release.origin[2] == 3
    assert math.isclose(build(inventory).graph["inventory"].components["deploy-1"].bandwidth or 0, GBIT)
