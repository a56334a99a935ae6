"""Loading benchmark: what every command pays before it analyses anything.

For generated estates of 10k and 100k components it prints, side by side:

* ``yaml.load(CSafeLoader)``: the baseline, plain PyYAML with libyaml, no validation;
* graphanalyzer cold: read, validate and build the graph, with no cache;
* graphanalyzer warm: the same file again, unchanged, from the content-keyed cache;

with wall time, components per second, the ratio to the baseline and peak memory.
Each figure is the median of ``--repeat`` runs, every run a fresh Python process
(so imports and a cold heap count, as for a user).

    python benchmarks/bench_load.py                 # 10k and 100k
    python benchmarks/bench_load.py --sizes 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_MEASURE = r"""
import json, resource, sys, time
start = time.perf_counter()
mode, path = sys.argv[1], sys.argv[2]
if mode == "csafeloader":
    import yaml
    with open(path, "rb") as handle:
        data = yaml.load(handle, Loader=yaml.CSafeLoader)
    count = sum(len(v) for k, v in data.items() if isinstance(v, dict))
else:
    from graphanalyzer.graph import load
    graph = load(path, use_cache=(mode == "warm"))
    count = len(graph.graph["inventory"].components)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "components": count, "peak_mb": peak}))
"""


def measure(mode: str, path: Path, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, mode, str(path)], env=env, check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ga-bench-"))
    env = {**os.environ, "GRAPHANALYZER_CACHE_DIR": str(work / "cache")}
    header = (
        f"{'components':>10} {'file':>8}  {'method':<34} {'seconds':>8} {'comp/s':>10} {'vs yaml':>8} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        path = work / f"estate-{size}.yaml"
        subprocess.run(
            [sys.executable, "-m", "graphanalyzer", "generate", "-n", str(size), "-s", str(args.seed), "-o", str(path)],
            check=True,
            capture_output=True,
        )
        megabytes = path.stat().st_size / 2**20
        rows = [
            ("csafeloader", "yaml.load(CSafeLoader), no checks"),
            ("cold", "graphanalyzer load+validate+graph"),
            ("warm", "graphanalyzer, unchanged (cache)"),
        ]
        baseline = None
        measure("warm", path, env)  # fill the cache once
        for mode, label in rows:
            runs = [measure(mode, path, env) for _ in range(args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            baseline = baseline or seconds
            print(
                f"{size:>10,} {megabytes:>6.1f}MB  {label:<34} {seconds:>8.2f} {size / seconds:>10,.0f} "
                f"{baseline / seconds:>7.1f}x {peak:>8.0f}"
            )


if __name__ == "__main__":
    main()
