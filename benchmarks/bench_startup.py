"""Start-up benchmark: what a command costs before it does anything, beside ``python -c pass``.

Each figure is the median of several fresh processes (the inventory cache warm),
so it is what a user, a pre-commit hook or a shell loop waits for: the wall-clock
time, and the CPU time the process used (user + system), which is what the wall
clock shows on an idle machine and does not grow when other work shares the
cores. ``python -c pass`` is the interpreter alone; ``import typer`` the floor
of any Typer command line. The targets: ``--version`` and ``--help`` within
0.15 s, ``validate`` of the bundled example within 0.4 s.

    python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from estates import GRAPHANALYZER

CASES = [
    ("python -c pass", (sys.executable, "-c", "pass")),
    ("python -c 'import typer'", (sys.executable, "-c", "import typer")),
    ("graphanalyzer --version", (*GRAPHANALYZER, "--version")),
    ("graphanalyzer --help", (*GRAPHANALYZER, "--help")),
    ("graphanalyzer spof --help", (*GRAPHANALYZER, "spof", "--help")),
    ("validate example", (*GRAPHANALYZER, "validate", "example")),
    ("validate example --format json", (*GRAPHANALYZER, "validate", "example", "--format", "json")),
    ("validate midsize (5 files)", (*GRAPHANALYZER, "validate", "midsize")),
    ("spof example", (*GRAPHANALYZER, "spof", "example")),
]


def timed(*command: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run of a command, which must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per figure")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        os.environ["GRAPHANALYZER_CACHE_DIR"] = cache
        # As an installed package runs: modules compiled once, their byte code kept (the warm-up run writes it).
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        print(f"start-up: median seconds of {runs} fresh processes (cache warm)")
        print(f"  {'':<34} {'wall':>6} {'CPU':>6}")
        for label, command in CASES:
            timed(*command)  # warms the cache and the file system
            walls, cpus = zip(*(timed(*command) for _ in range(runs)), strict=True)
            print(f"  {label:<34} {statistics.median(walls):6.3f} {statistics.median(cpus):6.3f}")


if __name__ == "__main__":
    main()
