"""Scale benchmark: loading, the review commands and a one-line diff, on two estate shapes, beside baselines.

Shapes: ``generated`` (``graphanalyzer generate``: flow mappings one per line, three
service tiers) and ``layered`` (benchmarks/layered.py: block YAML as ``safe_dump``
writes it, eight layers of services, quorums up to 5 of 9).  For each shape and size:

* loading, a fresh process each, as a user pays it: ``yaml.load`` with
  ``CSafeLoader`` (no checks: the baseline), ``validate`` with an empty cache (cold:
  it also fills the cache), ``validate`` again (warm), and the warm load of the
  graph alone (what every other command pays first);
* ``complexity``, ``spof --order 2``, ``chaos --trials 10000``, ``report`` (HTML)
  as the first command to audit the design, ``audit``, and ``report`` again, which
  reads the audit kept beside the cache entry (as in CI, where ``audit --fail-on``
  gates and the report is kept), cache warm, with the time beyond loading (the
  command less the warm graph load);
* ``diff`` of a one-line change (generated: one router moved onto its twin's
  carrier; layered: one quorum raised from 2 of 3 to 3 of 3), both designs cached,
  against the full recomputation in one process (both designs' SPOFs, complexity,
  cold start and every touched service's cut sets: what ``diff`` computed before it
  became incremental), with a check that both give the same lower-order cut sets.

    python benchmarks/bench_scale.py                       # 10k and 100k, both shapes
    python benchmarks/bench_scale.py --sizes 10000 --shapes layered
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from estates import GRAPHANALYZER, WORK
from layered import dump, layered

#: Seconds after which the full recomputation is given up (and shown as "> N").
BASELINE_LIMIT = 600

_YAML = r"""
import sys, yaml
with open(sys.argv[1], "rb") as handle:
    yaml.load(handle, Loader=yaml.CSafeLoader)
"""
_GRAPH = r"""
import sys
from graphanalyzer.graph import load
load(sys.argv[1])
"""
_FULL_DIFF = r"""
import json, sys, time
from graphanalyzer.graph import load
old, new = load(sys.argv[1]), load(sys.argv[2])
start = time.perf_counter()
from graphanalyzer.analysis.coldstart import coldstart
from graphanalyzer.analysis.complexity import complexity
from graphanalyzer.analysis.diff import full_lower_order
from graphanalyzer.analysis.spof import spof
from graphanalyzer.graph import cone
before, after = old.graph["inventory"], new.graph["inventory"]
changed = {c for c in before.components.keys() & after.components.keys() if before.components[c] != after.components[c]}
touched = changed | (before.components.keys() ^ after.components.keys())
for graph in (old, new):
    complexity(graph, spof(graph))
    coldstart(graph)
common = [s for s in after.services() if s in before.components and touched & (cone(old, [s]) | cone(new, [s]))]
lower = full_lower_order(old, new, common, 2, after.accepted_now())
print(json.dumps({"seconds": time.perf_counter() - start, "lower_order": lower}))
"""


#: Each command's output as CI keeps it: the report as its HTML page, the rest as JSON.
_FORMAT = {"report": ()} | dict.fromkeys(("complexity", "spof", "chaos", "audit"), ("--format", "json"))


def timed(*command: str, env: dict[str, str] | None = None, timeout: float | None = None) -> tuple[float, str]:
    """Seconds a command takes (it must succeed, or exit 1 for a gate), and its output."""
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if run.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stderr[-2000:]}")
    return time.perf_counter() - start, run.stdout


def estates(shape: str, size: int) -> tuple[Path, Path]:
    """The estate and its one-line change, written once into the benchmarks' folder."""
    WORK.mkdir(exist_ok=True)
    path, changed = WORK / f"{shape}-{size}.yaml", WORK / f"{shape}-{size}-changed.yaml"
    if not path.exists():
        if shape == "generated":
            timed(*GRAPHANALYZER, "generate", "-n", str(size), "-s", "1", "-o", str(path))
        else:
            path.write_text(dump(layered(size)), encoding="utf-8")
    if not changed.exists():
        text = path.read_text(encoding="utf-8")
        if shape == "generated":  # s01-rtr-b onto the carrier of s01-rtr-a: one line
            twin = re.search(r's01-rtr-a: \{"in": "site-01", "depends_on": \["(carrier-\d+)"\]\}', text)
            assert twin is not None
            router = r'(s01-rtr-b: \{"in": "site-01", "depends_on": \[)"carrier-\d+"'
            new = re.sub(router, rf'\1"{twin[1]}"', text, count=1)
        else:  # the first 2-of-3 quorum of the bottom layer becomes 3 of 3: one line
            quorum = r"(svc-l0-\d+:\n    depends_on:\n    - at_least: )2(\n      of:\n(?:      - .*\n){3})"
            new = re.sub(quorum, r"\g<1>3\2", text, count=1)
        assert new != text
        changed.write_text(new, encoding="utf-8")
    return path, changed


def row(label: str, seconds: float, note: str = "") -> None:
    print(f"    {label:<48} {seconds:>8.2f} s  {note}")


def bench(shape: str, size: int) -> None:
    path, changed = estates(shape, size)
    cache = WORK / f"cache-{shape}-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "GRAPHANALYZER_CACHE_DIR": str(cache)}
    megabytes = path.stat().st_size / 2**20
    print(f"  {shape}, {size:,} components ({megabytes:.1f} MB of YAML)")
    baseline, _ = timed(sys.executable, "-c", _YAML, str(path), env=env)
    row("yaml.load(CSafeLoader), no checks [baseline]", baseline)
    cold, _ = timed(*GRAPHANALYZER, "validate", str(path), "--format", "json", env=env)
    row("validate, cold (fills the cache)", cold, f"goal 2 s; {baseline / cold:.1f}x the baseline")
    warm, _ = timed(*GRAPHANALYZER, "validate", str(path), "--format", "json", env=env)
    row("validate, warm", warm, f"goal 0.5 s; {baseline / warm:.0f}x the baseline")
    load, _ = timed(sys.executable, "-c", _GRAPH, str(path), env=env)
    row("graph load, warm (every other command's start)", load)
    out = WORK / f"report-{shape}-{size}.html"
    for label, args, goal in (
        ("complexity", ("complexity",), 4),
        ("spof --order 2", ("spof", "--order", "2"), 6),
        ("chaos --trials 10000", ("chaos", "--trials", "10000"), 6),
        ("report, auditing too", ("report", "-o", str(out), "--force"), 8),
        ("audit", ("audit",), 60),
        ("report, reading the audit kept", ("report", "-o", str(out), "--force"), 8),
    ):
        seconds, _ = timed(*GRAPHANALYZER, *args[:1], str(path), *args[1:], *_FORMAT[args[0]], env=env)
        row(label, seconds, f"{seconds - load:.2f} s beyond loading (goal {goal} s)")
    timed(*GRAPHANALYZER, "validate", str(changed), env=env)  # both designs cached
    seconds, output = timed(*GRAPHANALYZER, "diff", str(path), str(changed), "--format", "json", env=env)
    found = json.loads(output)["cut_sets"]["lower_order"]
    try:
        _, full = timed(sys.executable, "-c", _FULL_DIFF, str(path), str(changed), env=env, timeout=BASELINE_LIMIT)
        result = json.loads(full)
        same = "same lower-order cut sets" if result["lower_order"] == found else "DIFFERENT lower-order cut sets"
        row("diff, one-line change, both cached", seconds, f"goal 10 s; {len(found):,} lower-order cut sets")
        row("  full recomputation beyond loading [baseline]", result["seconds"], same)
    except subprocess.TimeoutExpired:
        row("diff, one-line change, both cached", seconds, f"goal 10 s; full recomputation > {BASELINE_LIMIT} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--shapes", nargs="+", default=["generated", "layered"], choices=["generated", "layered"])
    args = parser.parse_args()
    print("graphanalyzer at scale: wall seconds, a fresh process per command unless said otherwise")
    for size in args.sizes:
        for shape in args.shapes:
            bench(shape, size)


if __name__ == "__main__":
    main()
