"""Chaos: the batch evaluator against the engine, exact against enumeration and SCRAM, sampling statistics."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from conftest import EXAMPLES, INVENTORIES, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import inventories
from test_export import TOP_EVENTS, needs_scram, run_scram

from graphanalyzer.analysis.chaos import batches, chaos, compile_plan, local, run_batch, sample, simulate, summarise
from graphanalyzer.analysis.exact import MAX_NODES, exact, shape, unavailabilities, unavailability
from graphanalyzer.analysis.failure import DOWN, UP, propagate
from graphanalyzer.cli import resolve
from graphanalyzer.graph import build, load
from graphanalyzer.model import Component, Group, Inventory
from graphanalyzer.render.mef import fault_tree


@settings(max_examples=300)
@given(inventories(max_components=10, with_text=False), st.data())
def test_batch_evaluation_equals_the_engine(inventory: Inventory, data: st.DataObject) -> None:
    """Every trial of a batch, every component: the same state as the worklist engine gives."""
    names = list(inventory.components)
    trials = data.draw(st.lists(st.lists(st.sampled_from(names), max_size=4, unique=True), min_size=1, max_size=20))
    graph = build(inventory)
    down, notup = simulate(compile_plan(graph, names), trials)
    for t, unplugged in enumerate(trials):
        states = propagate(graph, unplugged)
        for k, cid in enumerate(names):
            state = states.get(cid, UP)
            assert (bool(down[t, k]), bool(notup[t, k])) == (state is DOWN, state is not UP), (unplugged, cid)


def enumerate_exactly(inventory: Inventory, target: str) -> tuple[float, float, dict[str, tuple[float, float]]]:
    """P(down), P(degraded) and, per component, P(down | it down) and P(down | it up): all 2^n cases."""
    graph = build(inventory)
    names = list(inventory.components)
    p = {c: 1 - inventory.components[c].availability for c in names}
    down = degraded = 0.0
    given_down = dict.fromkeys(names, 0.0)
    given_up = dict.fromkeys(names, 0.0)
    for size in range(len(names) + 1):
        for failed in combinations(names, size):
            weight = math.prod(p[c] if c in failed else 1 - p[c] for c in names)
            state = propagate(graph, failed).get(target, UP)
            down += weight * (state is DOWN)
            degraded += weight * (state is not UP and state is not DOWN)
            for c in names:
                if state is DOWN:
                    if c in failed:
                        given_down[c] += weight / p[c]
                    else:
                        given_up[c] += weight / (1 - p[c])
    return down, degraded, {c: (given_down[c], given_up[c]) for c in names}


@settings(max_examples=60)
@given(inventories(max_components=6, with_text=False), st.data())
def test_exact_equals_enumeration(inventory: Inventory, data: st.DataObject) -> None:
    inventory = Inventory(
        inventory.name,
        {cid: _with_availability(c, data.draw(st.floats(0.05, 0.95))) for cid, c in inventory.components.items()},
    )
    target = data.draw(st.sampled_from(list(inventory.components)))
    found = exact(build(inventory), [target])["services"][target]
    down, degraded, conditional = enumerate_exactly(inventory, target)
    assert found["availability"] == pytest.approx(1 - down, abs=1e-12)
    assert found["degraded"] == pytest.approx(degraded, abs=1e-12)
    for entry in found["importance"]:
        when_down, when_up = conditional[entry["component"]]
        assert entry["birnbaum"] == pytest.approx(when_down - when_up, abs=1e-9)


@settings(max_examples=60)
@given(inventories(max_components=8, with_text=False), st.data())
def test_exact_is_the_same_to_the_bit_in_cudd_and_in_dds_own_diagrams(
    inventory: Inventory, data: st.DataObject
) -> None:
    import graphanalyzer.analysis.exact as module

    assert type(module.manager()).__module__ == "dd.cudd"  # dd's wheels bring CUDD: the tests run with both
    inventory = Inventory(
        inventory.name,
        {cid: _with_availability(c, data.draw(st.floats(0.05, 0.95))) for cid, c in inventory.components.items()},
    )
    graph = build(inventory)
    targets = list(inventory.components)
    in_c = exact(graph, targets)
    with patch.object(module, "cudd", None):
        assert type(module.manager()).__module__ == "dd.autoref"
        assert exact(graph, targets) == in_c


def test_a_passing_diagrams_nodes_are_forgotten_once_answered() -> None:
    """Importance conditions on every component in turn: those diagrams must not all stay in memory."""
    from graphanalyzer.analysis.exact import _Diagrams

    graph = load(resolve("liveaudio"))
    target = graph.graph["inventory"].services()[0]
    diagrams = _Diagrams(graph, [target])
    try:
        risk = diagrams.chance(diagrams.down[target])
        remembered = len(diagrams.memo)
        fixed = [diagrams.bdd.let({v: True}, diagrams.down[target]) for v in diagrams.variable.values()]
        passing = []
        for u in fixed:
            passing.append(diagrams.chance(u, lasting=False))
            assert len(diagrams.memo) == remembered
        assert passing == [diagrams.chance(u) for u in fixed]  # the same figures as when they are kept
        assert len(diagrams.memo) > remembered and min(passing) >= risk
    finally:
        diagrams.close()


def _twin(component: Component, prefix: str) -> Component:
    """The component of a copy of the estate whose ids all begin with ``prefix``."""
    requires = tuple(
        prefix + r if isinstance(r, str) else Group(tuple(prefix + m for m in r.members), r.at_least, r.demand)
        for r in component.requires
    )
    container = None if component.container is None else prefix + component.container
    return replace(component, id=prefix + component.id, requires=requires, container=container)


@settings(max_examples=60)
@given(inventories(max_components=7, with_text=False), st.data())
def test_targets_built_alike_share_one_diagram_and_get_what_each_gets_alone(
    inventory: Inventory, data: st.DataObject
) -> None:
    """An estate and its copy: each target has the shape of its twin, and the unavailabilities found together
    (one diagram per shape) are those found one target at a time, to the bit."""
    components = {
        cid: _with_availability(c, data.draw(st.sampled_from([0.5, 0.9, 0.99, 1.0])))
        for cid, c in inventory.components.items()
    }
    twins = {f"b-{cid}": _twin(c, "b-") for cid, c in components.items()}
    graph = build(Inventory(inventory.name, {**components, **twins}))
    targets = list(components) + list(twins)
    for cid in components:
        assert shape(graph, cid) == shape(graph, f"b-{cid}")
    together = unavailabilities(graph, targets, MAX_NODES)
    assert together == {t: unavailability(graph, t) for t in targets}
    assert len({shape(graph, t) for t in targets}) <= len(components)


def test_a_shape_tells_apart_what_changes_a_diagram() -> None:
    """Alike but for a quorum, a chance, what one host stands in, or what one host needs: as many shapes as
    unavailabilities."""
    parts = {f"r{i}": Component(f"r{i}", "rack", availability=0.99) for i in range(1, 4)}
    parts |= {f"h{i}": Component(f"h{i}", "host", container=f"r{i % 3 + 1}", availability=0.9) for i in range(12)}
    parts |= {
        "two-of-three": Component("two-of-three", "service", requires=(Group(("h0", "h1", "h2"), 2),)),
        "one-of-three": Component("one-of-three", "service", requires=(Group(("h3", "h4", "h5"), 1),)),
        "likelier": Component("likelier", "service", requires=(Group(("h6", "h7", "h8"), 2),), availability=0.9),
        "same-rack": Component("same-rack", "service", requires=(Group(("h9", "h10", "h11"), 2),)),
    }
    parts["h11"] = replace(parts["h11"], container="r1")  # h9, h11 in r1: the rack takes the quorum down
    # As many nodes, each needing as many: b needs a rack, y a host.
    parts |= {cid: Component(cid, "host", requires=(need,)) for cid, need in (("a", "r1"), ("x", "r1"))}
    parts |= {"b": Component("b", "host", requires=("r2", "r1")), "y": Component("y", "host", requires=("r2", "x"))}
    parts |= {
        s: Component(s, "service", requires=(Group(pair),)) for s, pair in (("ab", ("a", "b")), ("xy", ("x", "y")))
    }
    graph = build(Inventory("alike", parts))
    services = ["two-of-three", "one-of-three", "likelier", "same-rack", "ab", "xy"]
    assert len({shape(graph, s) for s in services}) == 6
    assert len(set(unavailabilities(graph, services, MAX_NODES).values())) == 6


def _with_availability(component: Component, availability: float) -> Component:
    fields = {**component.__dict__, "availability": availability}
    return Component(**fields)


@pytest.mark.parametrize("name", EXAMPLES)
def test_monte_carlo_agrees_with_exact_on_every_example(name: str) -> None:
    graph = load(resolve(name))
    sampled = chaos(graph, 100_000, seed=11)["services"]
    truth = exact(graph)["services"]
    for sid, service in truth.items():
        q = 1 - service["availability"]
        error = math.sqrt(q * (1 - q) / 100_000)
        assert abs(sampled[sid]["availability"] - service["availability"]) <= 4 * error, sid
        assert abs(sampled[sid]["degraded"] - service["degraded"]) <= 4 * math.sqrt(
            service["degraded"] * (1 - service["degraded"]) / 100_000 + 1e-12
        ), sid


def scram_importance(document: str) -> tuple[float, dict[str, dict[str, float]]]:
    """SCRAM's exact P(top) and its importance factors per basic event (by component id)."""
    results, labels = run_scram(document, "--probability", "true", "--importance", "true")
    (top,) = results.findall("sum-of-products")
    factors = {
        labels[e.get("name")]: {
            k: float(v) for k, v in e.attrib.items() if k in ("MIF", "CIF", "RAW", "RRW", "probability")
        }
        for e in results.iter("basic-event")
        if "MIF" in e.attrib
    }
    return float(top.get("probability", "0")), factors


@needs_scram
@pytest.mark.parametrize(
    ("name", "target"),
    TOP_EVENTS,
)
def test_scram_agrees_with_exact_and_monte_carlo(name: str, target: str) -> None:
    """SCRAM's exact probability and Birnbaum (MIF): --exact matches them, Monte Carlo is within 4 standard errors."""
    graph = load(resolve(name))
    q, factors = scram_importance(fault_tree(graph, target))
    truth = exact(graph, [target])["services"][target]
    trials = 200_000
    sampled = chaos(graph, trials, seed=5, targets=[target])["services"][target]
    assert 1 - truth["availability"] == pytest.approx(q, rel=1e-4)
    assert abs((1 - sampled["availability"]) - q) <= 4 * math.sqrt(q * (1 - q) / trials)
    exact_by_id = {e["component"]: e for e in truth["importance"]}
    sampled_by_id = {e["component"]: e for e in sampled["importance"]}
    assert set(factors) <= set(exact_by_id)
    for cid, factor in factors.items():
        assert exact_by_id[cid]["birnbaum"] == pytest.approx(factor["MIF"], rel=1e-3, abs=1e-9), cid
        assert exact_by_id[cid]["raw"] == pytest.approx(factor["RAW"], rel=1e-3), cid
        # (Q - Q0) / Q = p (Q1 - Q0) / Q: SCRAM's criticality factor
        assert exact_by_id[cid]["fussell_vesely"] == pytest.approx(factor["CIF"], rel=1e-3, abs=1e-9), cid
        p = factor["probability"]
        when_down, when_up = factor["RAW"] * q, q / factor["RRW"]
        error = math.sqrt(when_down * (1 - when_down) / (trials * p) + when_up * (1 - when_up) / (trials * (1 - p)))
        if cid in sampled_by_id:  # components that never failed in any trial have no estimate
            assert abs(sampled_by_id[cid]["birnbaum"] - factor["MIF"]) <= 4 * error + 1e-9, cid


@needs_scram
@settings(max_examples=25)
@given(inventories(max_components=8, with_text=False), st.data())
def test_scram_probability_equals_exact_on_random_inventories(inventory: Inventory, data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(list(inventory.components)))
    graph = build(inventory)
    q, _ = scram_importance(fault_tree(graph, target))
    found = 1 - exact(graph, [target])["services"][target]["availability"]
    assert found == pytest.approx(q, rel=1e-4, abs=1e-12)


def test_sampling_draws_distinct_trials_at_the_rate_asked() -> None:
    probability = np.array([0.0, 0.001, 0.1, 0.3, 0.9])
    rng = np.random.default_rng(3)
    size = 50_000
    component, trial, counts = sample(rng, probability, size)
    assert np.array_equal(np.bincount(component, minlength=5), counts)
    assert len(set(zip(component.tolist(), trial.tolist(), strict=True))) == component.size
    assert np.all(np.diff(component) >= 0) and trial.min() >= 0 and trial.max() < size
    for c, p in enumerate(probability):
        assert abs(counts[c] - p * size) <= 5 * math.sqrt(size * p * (1 - p)) + 1e-9
    # and the trials of a component are uniform: the two halves get about as many
    half = trial[component == 2] < size // 2
    assert abs(half.mean() - 0.5) < 5 * math.sqrt(0.25 / half.size)


def test_a_seed_gives_one_result_whatever_the_batch_order() -> None:
    graph = load(resolve("birdsite-2009"))
    plan = compile_plan(graph, graph.graph["inventory"].services(), 150_000)
    work = list(batches(plan, 150_000))
    assert len(work) == 3
    forward = local(plan, 9, iter(work), lambda done: None)
    tallies = [run_batch(plan, 9, i, n) for i, n in reversed(work)]
    backward = tallies[0]
    for tally in tallies[1:]:
        backward = backward + tally
    assert summarise(plan, forward) == summarise(plan, backward)
    assert chaos(graph, 5000, seed=1) == chaos(graph, 5000, seed=1)
    assert chaos(graph, 5000, seed=1) != chaos(graph, 5000, seed=2)


def test_small_batches_give_the_same_estimates_as_large() -> None:
    """A run split over many small batches is still a valid sample (checked against exact)."""
    import graphanalyzer.analysis.chaos as module

    graph = load(resolve("liveaudio"))
    truth = exact(graph)["services"]
    saved = module.MAX_BATCH
    module.MAX_BATCH = 512
    try:
        sampled = chaos(graph, 60_000, seed=4)["services"]
    finally:
        module.MAX_BATCH = saved
    for sid, service in truth.items():
        q = 1 - service["availability"]
        assert abs(sampled[sid]["availability"] - service["availability"]) <= 4 * math.sqrt(q * (1 - q) / 60_000)


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local_cluster:
        yield local_cluster


def test_dask_gives_the_same_result_as_local(cluster) -> None:  # type: ignore[no-untyped-def]
    from graphanalyzer.analysis.chaos import on_dask

    graph = load(resolve("example"))
    here = chaos(graph, 300_000, seed=8)
    there = chaos(graph, 300_000, seed=8, executor=on_dask(cluster.scheduler_address))
    assert here == there
    result = run_cli(
        "chaos", "example", "--trials", "300000", "--seed", "8", "--top", "0", "--executor", "dask",
        "--scheduler", cluster.scheduler_address, "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == here


def test_cli_chaos_json_is_designs_shape() -> None:
    result = run_cli("chaos", "example", "--trials", "2000", "--seed", "3", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["trials", "seed", "services"] and data["trials"] == 2000 and data["seed"] == 3
    assert set(data["services"]) == {"zookeeper", "storefront", "checkout"}
    for service in data["services"].values():
        assert list(service) == ["availability", "stderr", "degraded", "importance"]
        assert 0 < len(service["importance"]) <= 10
        assert list(service["importance"][0]) == ["component", "birnbaum", "fussell_vesely", "raw"]
        births = [e["birnbaum"] for e in service["importance"]]
        assert births == sorted(births, reverse=True)


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_chaos_runs_on_every_example(name: str, fmt: str) -> None:
    result = run_cli("chaos", name, "--trials", "5000", "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert "availability" in result.stdout.lower()
    exact_run = run_cli("chaos", name, "--exact", "--format", fmt)
    assert exact_run.returncode == 0 and exact_run.stderr == "", exact_run.stderr


def test_game_day_table() -> None:
    result = run_cli(
        "chaos", "liveaudio", "--scenarios", str(INVENTORIES / "scenarios" / "liveaudio.yaml"), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    table = {s["name"]: s for s in json.loads(result.stdout)["scenarios"]}
    west = table["lose region-west"]
    assert west["services"] == {"up": ["signalling"], "degraded": ["spaces"], "down": []}
    assert west["shortfall"]["spaces"][0]["capacity"] == 5_000_000
    assert table["lose region-east"]["services"]["down"] == ["signalling", "spaces"]
    assert table["both west transits"]["unplugged"] == ["transit-west-a", "transit-west-b"]
    shown = run_cli(
        "chaos", "liveaudio", "--scenarios", str(INVENTORIES / "scenarios" / "liveaudio.yaml"), "-f", "table"
    )
    assert "spaces (5.0 M of 8.0 M)" in shown.stdout


def test_game_day_file_errors_point_at_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "days.yaml"
    bad.write_text("lose west: [region-west]\nbad one:\n  - region-wset\n  - east-rack-4\nempty: []\n")
    result = run_cli("chaos", "liveaudio", "--scenarios", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:3:5: no component 'region-wset' in inventory (did you mean 'region-west'?)",
        f"{bad}:5:8: scenario 'empty': expected a list of component ids",
    ]
    missing = run_cli("chaos", "liveaudio", "--scenarios", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "nope.yaml:1:1: cannot read" in missing.stderr


def test_exact_refuses_diagrams_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphanalyzer.analysis.exact as module

    monkeypatch.setattr(module, "MAX_NODES", 50)
    with pytest.raises(Exception, match="too large for --exact"):
        exact(load(resolve("midsize")))


def test_chaos_needs_targets() -> None:
    graph = build(Inventory("x", {"feed": Component("feed", "power")}))
    with pytest.raises(Exception, match="no services"):
        chaos(graph, 100)
    assert chaos(graph, 100, targets=["feed"])["services"]["feed"]["availability"] <= 1


def test_game_day_bad_id_range_points_at_it(tmp_path: Path) -> None:
    days = tmp_path / "days.yaml"
    days.write_text('x: ["bad-[1:"]\n')
    result = run_cli("chaos", "example", "--scenarios", str(days))
    assert result.returncode == 2 and result.stderr.startswith(f"{days}:1:5: bad id range in 'bad-[1:'")


def test_a_runaway_trial_count_holds_memory_flat_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    def resident_kib(pid: int) -> int:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))

    out = tmp_path / "out.json"
    with out.open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "graphanalyzer", "chaos", "example", "--trials", str(10**12)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            samples = []
            for _ in range(6):
                time.sleep(1.5)
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                samples.append(resident_kib(process.pid))
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
    # Once running, memory does not grow with the trials done (the batch plan is never listed).
    assert max(samples[2:]) - min(samples[2:]) < 20_000, samples
    assert max(samples) < 400_000, samples
    # Ctrl-C: the conventional status (128 + SIGINT), no traceback, nothing half-written.
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert out.read_text() == ""
