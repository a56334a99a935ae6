"""The README runs as written: its set-up commands, every line of its tour, and every command's help.

In the manner of sqlite-utils' docs tests: the commands are read out of README.md,
so a tour line that stops working, or a command that is not in the tour, fails
here. The tour runs in order (later lines read what earlier ones wrote) in a
copy of the repository, so nothing is left behind. A line's exit code must be 0,
or what its comment says (``# exits 1: ...``). A line that talks to a live service
names it with an environment variable (``--url $NETBOX_URL``); without the
variable set, that line is skipped with a reason that names it. A line that draws
with Graphviz is skipped where ``dot`` is missing, except in CI, where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import CI, ROOT, run_cli

from graphanalyzer.cli import app

README = (ROOT / "README.md").read_text()
#: A shell variable in a command: the address (or key) of a live service the line needs.
VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
EXITS = re.compile(r"#.*\bexits (\d+)")


def blocks(text: str, after: str) -> list[str]:
    """The lines of the ``sh`` code blocks of the README section whose heading is ``after``."""
    section = text.split(f"\n## {after}\n", 1)[1].split("\n## ", 1)[0]
    return [line for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL) for line in block.splitlines()]


def commands(lines: list[str]) -> list[str]:
    """The graphanalyzer command lines among ``lines``."""
    return [line.strip() for line in lines if line.strip().startswith("graphanalyzer ")]


TOUR = commands(blocks(README, "A short tour"))
SETUP = re.findall(r"```sh\n(.*?)```", README.split("\n## ", 1)[0], re.DOTALL)


def leaf_commands() -> list[str]:
    """Every command a user can run, by its full name (``import compose`` included)."""
    found: list[str] = []

    def walk(command: Any, prefix: str) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            full = f"{prefix} {name}".strip()
            if getattr(sub, "commands", None):
                walk(sub, full)
            else:
                found.append(full)

    walk(typer.main.get_command(app), "")
    return found


def test_the_readme_has_a_tour_and_two_set_up_commands() -> None:
    assert len(TOUR) >= 20
    venv, two = SETUP[0].splitlines(), SETUP[1].splitlines()
    assert venv == ["python3 -m venv .venv && . .venv/bin/activate"]
    assert two == ["pip install -e . && graphanalyzer spof", "pip install -e '.[test]' && python -m pytest"]


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == SETUP[1].splitlines()[1]


def test_the_main_job_runs() -> None:
    job = SETUP[1].splitlines()[0].split(" && ", 1)[1].split()
    assert job[0] == "graphanalyzer"
    result = run_cli(*job[1:])
    assert result.returncode == 0, result.stderr
    assert "single points of failure" in result.stdout or '"spofs"' in result.stdout


def test_no_doc_points_outside_the_repository() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        assert "../" not in text and "shared/" not in text and "DESIGN" not in text, page
        assert "pip install graphanalyzer" not in text, page  # no index serves it
        for link in re.findall(r"\]\(([^)#]+)", text):
            if not link.startswith(("http://", "https://")):
                assert (page.parent / link).exists(), (page, link)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository to run the tour in, with ``graphanalyzer`` on the PATH as this interpreter's."""
    folder = tmp_path_factory.mktemp("tour") / "graphanalyzer"
    shutil.copytree(
        ROOT,
        folder,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", ".*_cache", ".hypothesis", "*.egg-info", "build", "dist"
        ),
    )
    bin_folder = folder.parent / "bin"
    bin_folder.mkdir()
    script = bin_folder / "graphanalyzer"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m graphanalyzer "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


@pytest.mark.parametrize("line", TOUR)
def test_tour_line_runs_as_written(line: str, clone: Path) -> None:
    missing = [name for name in VARIABLE.findall(line.split(" #")[0]) if not os.environ.get(name)]
    if missing:
        pytest.skip(f"needs a live service: set {', '.join('$' + name for name in missing)} to run this line")
    if re.search(r"graphanalyzer diagram .*\.(svg|png)\b", line) and shutil.which("dot") is None and not CI:
        pytest.skip("dot is not installed (Debian: apt-get install graphviz)")
    expected = EXITS.search(line)
    env = {**os.environ, "PATH": f"{clone.parent / 'bin'}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        ["bash", "-c", line], cwd=clone, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    assert result.returncode == (int(expected.group(1)) if expected else 0), result.stderr[-3000:]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", leaf_commands())
def test_every_command_has_help_with_an_example_and_a_tour_line(command: str) -> None:
    result = run_cli(*command.split(), "--help")
    assert result.returncode == 0
    assert f"Example: graphanalyzer {command}" in " ".join(result.stdout.split()) or (
        f"&& graphanalyzer {command}" in " ".join(result.stdout.split())
    ), result.stdout
    assert any(line.startswith(f"graphanalyzer {command} ") for line in TOUR), f"no tour line for {command}"


def test_groups_of_commands_have_an_example_too() -> None:
    top = run_cli("--help").stdout
    assert "Examples:" in top and "graphanalyzer spof example" in top
    assert "Example: graphanalyzer import " in run_cli("import", "--help").stdout
