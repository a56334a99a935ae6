"""Start-up benchmark: what a command costs before it does anything, beside ``python -c pass``.

Each figure is the median of several fresh processes (the inventory cache warm),
so it is what a user, a pre-commit hook or a shell loop waits for. ``python -c
pass`` is the interpreter alone; ``import typer`` the floor of any Typer command
line. The targets: ``--version`` and ``--help`` within 0.15 s, ``validate`` of
the bundled example within 0.4 s.

    python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from estates import GRAPHANALYZER, timed

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per figure (the median is shown)")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        os.environ["GRAPHANALYZER_CACHE_DIR"] = cache
        print(f"start-up: median seconds of {runs} fresh processes (cache warm)")
        for label, command in CASES:
            timed(*command)  # warms the cache and the file system
            median = statistics.median(timed(*command) for _ in range(runs))
            print(f"  {label:<34} {median:6.3f}")


if __name__ == "__main__":
    main()
