"""Audit benchmark: ``audit`` beside ``spof`` on the same estates, two shapes, 10k and 100k components.

For each estate (``generated``: ``graphanalyzer generate``; ``layered``:
benchmarks/layered.py, eight layers of services with quorums up to 5 of 9) the graph
is loaded once (cache warm), then timed in the same process:

* ``spof`` (order 1) and ``spof --order 2``: the baseline, what a review runs today;
* ``audit``: availability per service (exact per cone, or the cut-set bound),
  contributors, findings, and a verified fix for each of the ten costliest risks;

with how many services were answered exactly, how many by the bound, and the risks.

    python benchmarks/bench_audit.py                     # 10k and 100k, both shapes
    python benchmarks/bench_audit.py --sizes 10000 --shapes generated
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from bench_scale import estates
from estates import WORK

from graphanalyzer.analysis import audit
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import load


def row(label: str, seconds: float, note: str = "") -> None:
    print(f"    {label:<34} {seconds:>8.2f} s  {note}")


def bench(shape: str, size: int) -> None:
    path, _ = estates(shape, size)
    os.environ["GRAPHANALYZER_CACHE_DIR"] = str(WORK / f"cache-{shape}-{size}")
    load(str(path))  # fills the cache
    start = time.perf_counter()
    graph = load(str(path))
    loaded = time.perf_counter() - start
    services = len(graph.graph["inventory"].services())
    print(f"  {shape}, {size:,} components, {services:,} services")
    row("graph load, warm", loaded)
    start = time.perf_counter()
    found = spof(graph)
    row("spof [baseline]", time.perf_counter() - start, f"{len(found['spofs']):,} SPOFs")
    start = time.perf_counter()
    spof(graph, order=2)
    row("spof --order 2 [baseline]", time.perf_counter() - start)
    start = time.perf_counter()
    done = audit.run(graph, None, 10)
    seconds = time.perf_counter() - start
    methods = Counter(s["method"] for s in done.result["services"].values())
    fixed = sum(r["fix"] is not None for r in done.result["risks"])
    goal = 5 if size <= 10_000 else 60
    row("audit --top 10", seconds, f"goal {goal} s; " + ", ".join(f"{n:,} {m}" for m, n in sorted(methods.items())))
    print(f"    {'':<34} {'':>10}  {done.result['risks_found']:,} risks, {fixed} of the top 10 with a verified fix")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--shapes", nargs="+", default=["generated", "layered"], choices=["generated", "layered"])
    args = parser.parse_args()
    print("audit beside spof: wall seconds in one process, the graph loaded from a warm cache")
    for size in args.sizes:
        for shape in args.shapes:
            bench(shape, size)


if __name__ == "__main__":
    main()
