"""Fan-out benchmark: ``distribute`` beside ``validate`` of the same file, on two estate shapes.

* generated: ``graphanalyzer generate`` estates (hosts in racks behind redundant
  switch pairs), every host and switch given a bandwidth, one release from a host
  to every other host;
* racks: hosts single-homed on their top-of-rack switch, 40 a rack, as in
  ``deploys-2010``: every switch is a link the release crosses.

For each, at 10k and 100k components, in one process: loading the inventory
(uncached: read, check, build the graph), then ``distribute`` on the loaded
graph beside ``spof`` on the same graph (the baseline: every SPOF of every
service).  Each figure is the median of ``--repeat`` runs.

    python benchmarks/bench_distribute.py
    python benchmarks/bench_distribute.py --sizes 10000
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from estates import WORK, estate

from graphanalyzer.analysis.distribute import distribute
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import load


def generated(size: int) -> Path:
    """A generated estate with bandwidths and a release to every host."""
    path = WORK / f"estate-{size}-bandwidth.yaml"
    if not path.exists():
        section = ""
        lines = []
        for line in estate(WORK, size).read_text().splitlines():
            if re.match(r"\w", line):
                section = line.split(":")[0]
            if section in ("hosts", "switches", "routers") and line.startswith("  ") and line.endswith("}"):
                speed = "1 Gbit/s" if section == "hosts" else "40 Gbit/s"
                line = f'{line[:-1]}, "bandwidth": "{speed}"}}'
            lines.append(line)
        first = next(line.split(":")[0].strip() for line in lines if line.startswith("  host-"))
        lines += ["distributions:", f"  release: {{artifact: 500 MB, from: {first}, to: host, window: 10 min}}"]
        path.write_text("\n".join(lines) + "\n")
    return path


def racks(size: int) -> Path:
    """About ``size`` components: racks of 40 single-homed hosts behind their switch, one deploy server."""
    path = WORK / f"racks-{size}.yaml"
    if not path.exists():
        count = max(1, size // 42)
        lines = [
            f"inventory: racks-{size}",
            "switches:",
            "  core: {bandwidth: 1 Tbit/s}",
            "components:",
            "  deploy: {kind: host, depends_on: core, bandwidth: 10 Gbit/s}",
        ]
        for r in range(count):
            lines.append(f"  rack-{r}: {{kind: rack}}")
            lines.append(f"  tor-{r}: {{kind: switch, in: rack-{r}, depends_on: core, bandwidth: 20 Gbit/s}}")
            lines.append(f"  h-{r}-[1:40]: {{kind: host, in: rack-{r}, depends_on: tor-{r}, bandwidth: 1 Gbit/s}}")
        lines += ["distributions:", "  release: {artifact: 500 MB, from: deploy, to: host, window: 10 min}"]
        path.write_text("\n".join(lines) + "\n")
    return path


def seconds(work: Callable[[], Any], repeat: int) -> float:
    """The median wall time of ``work``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    print(f"{'estate':<20} {'load':>8} {'spof':>8} {'distribute':>11} {'links':>6} {'receivers':>10}")
    for size in options.sizes:
        for shape, make in (("generated", generated), ("racks", racks)):
            path = make(size)
            loading = seconds(lambda: load(path, use_cache=False), 1)  # noqa: B023
            graph = load(path, use_cache=False)
            baseline = seconds(lambda: spof(graph), options.repeat)  # noqa: B023
            fresh = lambda: (graph.graph.pop("distribution_links", None), distribute(graph))  # noqa: B023, E731
            fanout = seconds(fresh, options.repeat)  # each run finds the links again
            release = distribute(graph)["distributions"]["release"]
            links = len(graph.graph["distribution_links"][graph.graph["inventory"].distributions[0]])
            print(
                f"{shape + f' {size:,}':<20} {loading:>7.2f}s {baseline:>7.2f}s {fanout:>10.2f}s "
                f"{links:>6,} {release['receivers']:>10,}"
            )


if __name__ == "__main__":
    main()
