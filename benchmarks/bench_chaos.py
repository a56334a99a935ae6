"""Chaos benchmark: the vectorised Monte Carlo against a per-trial Python loop, side by side.

(a) 100,000 trials on a 10k-component estate (goal <= 10 s), all services;
(b) 10,000 trials on a 100k-component estate (goal <= 20 s), all services;
    both timed beyond loading, in one process each run;
(c) the baseline: a loop that samples each trial's failures and runs the failure
    engine (``propagate``) on them, then counts: timed on a sample of trials and
    scaled to the same number of trials (running it whole would take hours).

    python benchmarks/bench_chaos.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from estates import estate

from graphanalyzer.analysis.chaos import chaos
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.graph import load


def per_trial_loop(graph, trials: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds per trial of the obvious method: sample, propagate, count."""
    inventory = graph.graph["inventory"]
    ids = list(inventory.components)
    p = np.array([1 - inventory.components[c].availability for c in ids])
    services = inventory.services()
    rng = np.random.default_rng(seed)
    down = dict.fromkeys(services, 0)
    start = time.perf_counter()
    for _ in range(trials):
        failed = [ids[i] for i in np.flatnonzero(rng.random(len(ids)) < p)]
        states = propagate(graph, failed)
        for sid in services:
            down[sid] += states.get(sid) is DOWN
    return (time.perf_counter() - start) / trials


def main() -> None:
    work = Path(tempfile.gettempdir()) / "graphanalyzer-bench"
    work.mkdir(exist_ok=True)
    print("chaos: vectorised Monte Carlo vs a per-trial loop (seconds beyond loading; medians of 3 runs)")
    for size, trials, goal in ((10_000, 100_000, 10.0), (100_000, 10_000, 20.0)):
        graph = load(estate(work, size))
        services = len(graph.graph["inventory"].services())
        times = []
        for seed in range(3):
            start = time.perf_counter()
            chaos(graph, trials, seed=seed)
            times.append(time.perf_counter() - start)
        ours = statistics.median(times)
        sample = 200 if size <= 10_000 else 50
        loop = per_trial_loop(graph, sample, 1) * trials
        print(
            f"  {size:>7,} components, {services:,} services, {trials:>7,} trials: "
            f"{ours:7.2f} s (goal {goal:.0f} s) | per-trial loop {loop:9.1f} s "
            f"(from {sample} trials) | {loop / ours:7.0f}x"
        )


if __name__ == "__main__":
    main()
