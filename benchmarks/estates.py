"""What the benchmarks share: generated estates (kept in the temporary folder between runs), and a timer."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(tempfile.gettempdir()) / "graphanalyzer-bench"
#: The command line, as a user runs it: a fresh process.
GRAPHANALYZER = (sys.executable, "-m", "graphanalyzer")


def estate(work: Path, size: int) -> Path:
    """The estate of ``size`` components (seed 1), generated once."""
    work.mkdir(exist_ok=True)
    path = work / f"estate-{size}.yaml"
    if not path.exists():
        timed(*GRAPHANALYZER, "generate", "-n", str(size), "-s", "1", "-o", str(path))
    return path


def timed(*command: str) -> float:
    """Seconds a command takes to run to success."""
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start
