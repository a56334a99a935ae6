"""Failure-engine benchmark: SPOFs, cut sets and unplugging, against baselines, side by side.

(a) all SPOFs for all services (with illusory redundancy) at 10k and 100k components
    (and 1M with ``--million``), time beyond loading, and in all with peak memory;
(b) order-2 and order-3 cut sets for one service of a 10k estate, against SCRAM
    (Debian ``scram``) on the exported fault tree of the same service: SCRAM's own
    calculation time from its report, and its wall time as a process;
(c) unplugging one rack at 100k: time beyond loading, and how much broke;
(d) the naive method at 10k as the baseline for (a): unplug each component and
    recompute everything (the obvious fixed point over all nodes) — measured on a
    sample and scaled up, it takes far too long to run whole — and, less naive, the
    same with incremental propagation, run in full.

    python benchmarks/bench_spof.py              # (a) at 10k and 100k, (b), (c), (d)
    python benchmarks/bench_spof.py --million    # (a) at 1M too: about 2 minutes more
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
from estates import estate

from graphanalyzer.analysis.cutsets import minimal_cut_sets
from graphanalyzer.analysis.failure import DOWN, UP, State, propagate
from graphanalyzer.analysis.spof import spof
from graphanalyzer.analysis.unplug import unplug
from graphanalyzer.graph import Node, internals, load
from graphanalyzer.render.mef import fault_tree


def row(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<58} {seconds:>9.3f} s  {note}")


def all_spofs(path: Path, size: int) -> None:
    measure = r"""
import json, resource, sys, time
start = time.perf_counter()
from graphanalyzer.graph import load
from graphanalyzer.analysis.spof import spof
graph = load(sys.argv[1], use_cache=False)
loaded = time.perf_counter()
result = spof(graph)
end = time.perf_counter()
print(json.dumps({"load": loaded - start, "spof": end - loaded, "spofs": len(result["spofs"]),
                  "services": len(graph.graph["inventory"].services()),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""
    out = subprocess.run([sys.executable, "-c", measure, str(path)], check=True, capture_output=True, text=True).stdout
    figures = json.loads(out)
    row(f"(a) {size:,}: all SPOFs of {figures['services']:,} services, beyond loading", figures["spof"])
    row(
        f"    {size:,}: in all, with loading (cold, no cache)",
        figures["load"] + figures["spof"],
        f"peak {figures['peak']:.1f} GB, {figures['spofs']:,} SPOFs",
    )


def naive_state(graph: nx.DiGraph[Node], unplugged: set[str]) -> dict[Node, State]:
    """The obvious greatest fixed point: every node recomputed until nothing changes."""
    nodes, succ, _ = internals(graph)
    state: dict[Node, State] = {node: DOWN if node in unplugged else UP for node in nodes}
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if node in unplugged:
                continue
            gate = nodes[node].get("gate")
            needs = [state[r] for r in succ[node]]
            if gate is None:
                new = max(needs, default=UP)
            else:
                alive = [m for m in succ[node] if state[m] != DOWN]
                capacity = sum(nodes[m]["component"].capacity or 0 for m in alive)
                if len(alive) < gate.at_least:
                    new = DOWN
                elif sum(s == UP for s in needs) < gate.at_least or (
                    gate.demand is not None and capacity < gate.demand
                ):
                    new = State.DEGRADED
                else:
                    new = UP
            if new != state[node]:
                state[node], changed = new, True
    return state


def naive_baselines(path: Path, fast_seconds: float) -> None:
    graph = load(path)
    components = list(graph.graph["inventory"].components)
    services = graph.graph["inventory"].services()
    sample = random.Random(1).sample(components, 20)
    start = time.perf_counter()
    for cid in sample:
        state = naive_state(graph, {cid})
        _ = [s for s in services if state[s] is DOWN]
    per = (time.perf_counter() - start) / len(sample)
    estimate = per * len(components)
    row(
        "(d) 10,000: naive, unplug each and recompute all (estimated)",
        estimate,
        f"{per * 1000:.0f} ms a component on {len(sample)} sampled; {estimate / fast_seconds:,.0f}x (a)",
    )
    start = time.perf_counter()
    for cid in components:
        states = propagate(graph, [cid])
        _ = [s for s in services if states.get(s) is DOWN]
    seconds = time.perf_counter() - start
    row("    10,000: unplug each, incremental propagation (full run)", seconds, f"{seconds / fast_seconds:,.0f}x (a)")


def scram_seconds(document: str, order: int) -> tuple[float, float, str]:
    """SCRAM's fastest algorithm here (BDD, ZBDD or MOCUS): its own calculation time and its wall time."""
    best: tuple[float, float, str] | None = None
    with tempfile.TemporaryDirectory() as folder:
        model, report = Path(folder) / "m.xml", Path(folder) / "r.xml"
        model.write_text(document)
        for algorithm in ("--bdd", "--zbdd", "--mocus"):
            start = time.perf_counter()
            command = ["scram", str(model), algorithm, "--limit-order", str(order), "-o", str(report)]
            subprocess.run(command, check=True)
            wall = time.perf_counter() - start
            inner = sum(float(e.text or 0) for e in ET.parse(report).getroot().iter("products"))
            if best is None or wall < best[1]:
                best = (inner, wall, algorithm[2:])
    assert best is not None
    return best


def cut_sets_against_scram(path: Path) -> None:
    graph = load(path)
    services = graph.graph["inventory"].services()
    # The service with the largest cone: the hardest question of its kind in this estate.
    service = max(services[-50:], key=lambda s: len(nx.descendants(graph, s)))
    document = fault_tree(graph, service)
    for order in (2, 3):
        runs = []
        for _ in range(9):
            start = time.perf_counter()
            found = minimal_cut_sets(graph, [service], order)[service]
            runs.append(time.perf_counter() - start)
        ours = statistics.median(runs)
        inner, wall, algorithm = scram_seconds(document, order)
        row(
            f"(b) 10,000: order-{order} cut sets of {service}",
            ours,
            f"{len(found):,} sets; SCRAM ({algorithm}, its fastest) {inner:.3f} s calculating, "
            f"{wall:.3f} s as a process: {wall / ours:.1f}x ours",
        )


def unplug_rack(path: Path) -> None:
    graph = load(path)
    racks = [c.id for c in graph.graph["inventory"].components.values() if c.kind == "rack"]
    runs = []
    for rack in racks[:5]:
        start = time.perf_counter()
        result = unplug(graph, [rack])
        runs.append(time.perf_counter() - start)
    broke = len(result["components"])
    row(
        "(c) 100,000: unplug one rack, beyond loading (median of 5)",
        statistics.median(runs),
        f"{broke} components not up",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--million", action="store_true", help="also (a) at 1,000,000 components")
    args = parser.parse_args()
    if shutil.which("scram") is None:
        sys.exit("SCRAM is needed for (b): apt-get install scram")
    work = Path(tempfile.mkdtemp(prefix="ga-bench-"))
    sizes = [10_000, 100_000] + ([1_000_000] if args.million else [])
    paths = {size: estate(work, size) for size in sizes}
    print("graphanalyzer failure engine (generated estates, seed 1)")
    for size in sizes:
        all_spofs(paths[size], size)
    graph = load(paths[10_000])
    start = time.perf_counter()
    spof(graph)
    fast = time.perf_counter() - start
    naive_baselines(paths[10_000], fast)
    cut_sets_against_scram(paths[10_000])
    unplug_rack(paths[100_000])
    print(f"  (this process's peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GB)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
