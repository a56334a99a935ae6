"""Test set-up: a private cache folder for every test, Hypothesis settings for this machine, external tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile("default")

ROOT = Path(__file__).resolve().parent.parent
INVENTORIES = ROOT / "inventories"
#: The bundled examples, by the short names the command line takes.
EXAMPLES = sorted(
    [p.stem for p in INVENTORIES.glob("*.yaml")]
    + [p.name for p in INVENTORIES.iterdir() if (p / "main.yaml").is_file()]
)


#: In CI (``CI=true``) every external tool must be there: a test that needs a missing one runs, and fails.
CI = bool(os.environ.get("CI"))


def needs(program: str, install: str) -> pytest.MarkDecorator:
    """Mark a test that runs an external program: skipped with a reason where it is missing, except in CI.

    >>> needs("sh", "Debian: apt-get install dash").mark.args
    (False,)
    """
    missing = shutil.which(program) is None
    return pytest.mark.skipif(missing and not CI, reason=f"{program} is not installed ({install})")


needs_graphviz = needs("dot", "Debian: apt-get install graphviz")
needs_git = needs("git", "Debian: apt-get install git")
needs_pre_commit = needs("pre-commit", "pip install -e '.[test]'")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own cache folder, so no test sees another's entries."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GRAPHANALYZER_CACHE_DIR", str(folder))
    monkeypatch.delenv("GRAPHANALYZER_CACHE", raising=False)
    yield folder


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed command line as a user would, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "graphanalyzer", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        timeout=600,
    )
