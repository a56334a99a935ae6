"""Diagram benchmark: drawing big estates (collapsed automatically) against plain dot on the raw graph.

(a) ``diagram`` at 10k and 100k components, as a user runs it (a fresh process,
    cache warm): load, collapse, build the DOT, and Graphviz ``dot -Tsvg``;
(b) the baseline: ``dot -Tsvg`` on the raw graph (``export --to dot``, every node
    and edge) of a 1,000 and a 2,000-component estate; larger raw graphs take
    minutes (the issue measured about 2 minutes at 14k).

    python benchmarks/bench_diagram.py
"""

from __future__ import annotations

import statistics

from estates import GRAPHANALYZER, WORK, estate, timed


def main() -> None:
    print("diagram: auto-collapsed diagrams vs dot on the raw graph (seconds, medians of 3 runs)")
    for size in (10_000, 100_000):
        path = estate(WORK, size)
        out = WORK / f"diagram-{size}.svg"
        command = (*GRAPHANALYZER, "diagram", str(path), "-o", str(out), "--force")
        timed(*command)  # fills the cache
        print(f"  diagram, {size:>7,} components: {statistics.median(timed(*command) for _ in range(3)):7.2f} s")
    for size in (1_000, 2_000):
        path = estate(WORK, size)
        raw = WORK / f"raw-{size}.dot"
        timed(*GRAPHANALYZER, "export", str(path), "--to", "dot", "-o", str(raw), "--force")
        seconds = timed("dot", "-Tsvg", str(raw), "-o", str(WORK / f"raw-{size}.svg"))
        print(f"  dot on the raw graph, {size:>5,} components: {seconds:7.2f} s")


if __name__ == "__main__":
    main()
