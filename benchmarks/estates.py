"""Generated estates shared by the benchmarks, kept in the temporary folder between runs."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

WORK = Path(tempfile.gettempdir()) / "graphanalyzer-bench"


def estate(work: Path, size: int) -> Path:
    """The estate of ``size`` components (seed 1), generated once."""
    work.mkdir(exist_ok=True)
    path = work / f"estate-{size}.yaml"
    if not path.exists():
        command = [sys.executable, "-m", "graphanalyzer", "generate", "-n", str(size), "-s", "1", "-o", str(path)]
        subprocess.run(command, check=True, capture_output=True)
    return path
