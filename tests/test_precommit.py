"""The shipped pre-commit hooks, run by the real pre-commit tool (``pre-commit try-repo``) on real git repositories.

pre-commit installs this repository into a virtual environment of its own (from the
committed tree; uncommitted changes to tracked files are included), so the first run
takes a while; the environments are kept for the session in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import INVENTORIES, ROOT, needs_git, needs_pre_commit

pytestmark = [needs_git, needs_pre_commit]

GOOD = {
    # Two root inventories at the top, one of them split with include; a root in a folder of its own;
    # fragments and a game-day scenario file that the hooks must not check alone.
    "inventories/shop.yaml": "inventory: shop\ninclude: [parts/power.yaml]\n"
    "sites: [dc]\nhosts:\n  web-1: {in: dc, depends_on: [feed]}\nservices:\n  web: {depends_on: [web-1]}\n",
    "inventories/parts/power.yaml": "power:\n  feed: {in: dc}\n",
    "inventories/billing.yaml": "inventory: billing\nsites: [dc]\nservices:\n  ledger: {in: dc}\n",
    "inventories/campus/main.yaml": "inventory: campus\ninclude: [racks.yaml]\nsites: [campus]\n",
    "inventories/campus/racks.yaml": "racks:\n  rack-1: {in: campus}\n",
    "inventories/scenarios/shop.yaml": "lose the feed: [feed]\n",
    "infra/estate.yml": "inventory: estate\nsites: [hq]\n",
}


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """What pre-commit runs with: its own home (hook environments kept for this module), git identity."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    yield {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }


def repository(folder: Path, files: dict[str, str], env: dict[str, str]) -> Path:
    """A git repository holding these files, staged (what pre-commit --all-files checks)."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(folder)], check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True, env=env)
    return folder


def try_repo(folder: Path, env: dict[str, str], *hook: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this repository's hooks on every file of ``folder``."""
    return subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), *hook, "--all-files", "--verbose"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hooks_check_every_root_inventory_and_no_fragment(tmp_path: Path, environment: dict[str, str]) -> None:
    result = try_repo(repository(tmp_path, GOOD, environment), environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 2
    checked = result.stdout.split("- hook id: graphanalyzer-validate")[1]
    for inventory in ("shop", "billing", "campus", "estate"):  # validate's JSON names each root it read
        assert f'"inventory": "{inventory}"' in checked, checked


def test_hooks_report_every_problem_of_every_file(tmp_path: Path, environment: dict[str, str]) -> None:
    broken = {
        **GOOD,
        "inventories/shop.yaml": GOOD["inventories/shop.yaml"].replace("depends_on: [feed]", "depends_on: [fed]"),
        "inventories/billing.yaml": GOOD["inventories/billing.yaml"].replace("in: dc", "capacty: 3"),
        "infra/loop.yaml": "inventory: loop\ncomponents:\n  a: {kind: service, depends_on: [b]}\n"
        "  b: {kind: service, depends_on: [a]}\n",
    }
    result = try_repo(repository(tmp_path, broken, environment), environment, "graphanalyzer-validate")
    assert result.returncode == 1
    assert "inventories/shop.yaml:5:32: unknown component 'fed' (did you mean 'feed'?)" in result.stdout
    assert "inventories/billing.yaml:4:12: unknown field 'capacty' (did you mean 'capacity'?)" in result.stdout
    coldstart = try_repo(tmp_path, environment, "graphanalyzer-coldstart")
    assert coldstart.returncode == 1 and "Failed" in coldstart.stdout


def test_this_repositorys_inventories_pass_validate(tmp_path: Path, environment: dict[str, str]) -> None:
    shutil.copytree(INVENTORIES, tmp_path / "inventories")
    repository(tmp_path, {}, environment)
    result = try_repo(tmp_path, environment, "graphanalyzer-validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"inventory": "midsize-dc"' in result.stdout  # midsize/main.yaml; its fragments alone would fail
