"""Loading benchmark: what every command pays before it analyses anything.

For generated estates of 10k and 100k components it prints, side by side:

* ``yaml.load(CSafeLoader)``: the baseline, plain PyYAML with libyaml, no validation;
* cold: read, validate and build the dependency graph, cache off;
* first run: the same with the cache on and empty, so it also writes the cache;
* unchanged: the same file again, from the content-keyed cache;

with wall time (a fresh Python process each run, imports included, as a user
pays it), the part of it spent importing, components per second, the ratio to the
baseline and peak memory.  Each figure is the median of ``--repeat`` runs.

    python benchmarks/bench_load.py                 # 10k and 100k
    python benchmarks/bench_load.py --sizes 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
    imported = time.perf_counter()
    with open(path, "rb") as handle:
        data = yaml.load(handle, Loader=yaml.CSafeLoader)
    count = sum(len(v) for k, v in data.items() if isinstance(v, dict))
else:
    from graphanalyzer.graph import load
    imported = time.perf_counter()
    graph = load(path, use_cache=(mode != "cold"))
    count = len(graph.graph["inventory"].components)
end = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": end - start, "imports": imported - start, "components": count, "peak_mb": peak}))
"""

ROWS = [
    ("csafeloader", "yaml.load(CSafeLoader), no checks"),
    ("cold", "graphanalyzer cold (cache off)"),
    ("first", "graphanalyzer first run (fills cache)"),
    ("warm", "graphanalyzer unchanged (from cache)"),
]


def measure(mode: str, path: Path, cache: Path) -> dict[str, float]:
    if mode == "first":
        shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "GRAPHANALYZER_CACHE_DIR": str(cache)}
    command = [sys.executable, "-c", _MEASURE, mode, str(path)]
    result: dict[str, float] = json.loads(subprocess.run(command, env=env, check=True, capture_output=True).stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ga-bench-"))
    cache = work / "cache"
    header = (
        f"{'components':>10} {'file':>8}  {'method':<38} {'seconds':>8} {'imports':>8} "
        f"{'comp/s':>10} {'vs yaml':>8} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        path = work / f"estate-{size}.yaml"
        generate = [sys.executable, "-m", "graphanalyzer", "generate", "-n", str(size), "-s", str(args.seed)]
        subprocess.run([*generate, "-o", str(path)], check=True, capture_output=True)
        megabytes = path.stat().st_size / 2**20
        baseline = None
        for mode, label in ROWS:
            if mode == "warm":
                measure("first", path, cache)
            runs = [measure(mode, path, cache) for _ in range(args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            imports = statistics.median(r["imports"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            baseline = baseline or seconds
            print(
                f"{size:>10,} {megabytes:>6.1f}MB  {label:<38} {seconds:>8.2f} {imports:>8.2f} "
                f"{size / seconds:>10,.0f} {baseline / seconds:>7.1f}x {peak:>8.0f}"
            )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
