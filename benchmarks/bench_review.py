"""Review-workflow benchmark: complexity, coldstart, report and diff on big estates, as a user runs them.

Each figure is one fresh process with the cache warm (loading included). ``diff``
is run twice: against an identical design (nothing to recompute), and against a
design in which one site's second router moves onto the first one's carrier
(a new SPOF: cut sets recomputed for every service of that site). The baseline
for ``coldstart`` is the obvious least fixed point (recompute every node until
nothing comes up), timed in this process.

    python benchmarks/bench_review.py
"""

from __future__ import annotations

import time
from pathlib import Path

from estates import GRAPHANALYZER, WORK, estate
from estates import timed as run_timed

from graphanalyzer.analysis.coldstart import coldstart
from graphanalyzer.analysis.failure import DOWN, evaluate
from graphanalyzer.graph import internals, load


def timed(*args: str) -> float:
    """Seconds one graphanalyzer command takes, in a fresh process."""
    return run_timed(*GRAPHANALYZER, *args)


def obvious_coldstart(path: Path) -> float:
    graph = load(path)
    nodes, succ, _ = internals(graph)
    start = time.perf_counter()
    states = dict.fromkeys(nodes, DOWN)
    changed = True
    while changed:
        changed = False
        for node in nodes:
            new = evaluate(nodes, succ, node, states)
            if new is not states[node]:
                states[node], changed = new, True
    return time.perf_counter() - start


def main() -> None:
    print("review workflow: seconds per command (a fresh process, cache warm)")
    for size in (10_000, 100_000):
        path = estate(WORK, size)
        changed = WORK / f"estate-{size}-one-carrier.yaml"
        text = path.read_text()
        changed.write_text(
            text.replace(
                's01-rtr-b: {"in": "site-01", "depends_on": ["carrier-03"]}',
                's01-rtr-b: {"in": "site-01", "depends_on": ["carrier-02"]}',
            )
        )
        timed("validate", str(path))
        timed("validate", str(changed))
        report = WORK / f"report-{size}.html"
        graph = load(path)
        start = time.perf_counter()
        coldstart(graph)
        ours = time.perf_counter() - start
        print(f"  {size:>7,} components:")
        print(
            f"    complexity {timed('complexity', str(path)):7.1f}   coldstart {timed('coldstart', str(path)):6.1f}"
            f"   report {timed('report', str(path), '-o', str(report), '--force'):6.1f}"
        )
        print(
            f"    diff, identical {timed('diff', str(path), str(path)):6.1f}"
            f"   diff, one carrier made a SPOF {timed('diff', str(path), str(changed)):6.1f}"
        )
        print(f"    coldstart beyond loading {ours:6.2f}   obvious fixed point {obvious_coldstart(path):6.2f}")


if __name__ == "__main__":
    main()
