"""The command line end to end, in fresh processes: exit codes, formats, errors, stdin."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from conftest import EXAMPLES, INVENTORIES, ROOT, run_cli

from graphanalyzer.cli import app

COMMANDS = sorted(command.name or command.callback.__name__ for command in app.registered_commands)  # type: ignore[union-attr]


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"graphanalyzer \d+\.\d+\.\d+\n", result.stdout)


@pytest.mark.parametrize("name", EXAMPLES)
def test_validate_every_bundled_example_by_short_name(name: str) -> None:
    result = run_cli("validate", name, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["inventory", "components", "by_kind", "warnings"]
    assert data["components"] == sum(data["by_kind"].values()) > 20


def test_no_argument_means_the_readme_example() -> None:
    assert json.loads(run_cli("validate").stdout)["inventory"] == "shopfront"


def test_json_is_the_default_off_a_terminal_and_table_on_request() -> None:
    assert json.loads(run_cli("show", "example").stdout)["inventory"] == "shopfront"
    table = run_cli("show", "example", "--format", "table").stdout
    assert "storefront" in table and "any of web-1, web-2" in table and "┃" in table


def test_markdown_show() -> None:
    out = run_cli("show", "liveaudio", "--format", "markdown").stdout
    assert out.startswith("## Inventory `liveaudio`")
    assert "| spaces | any of audio-west-1" in out and "(demand 8,000,000)" in out


def test_bad_inventory_exits_2_with_positions_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("inventory: x\nhosts:\n  a: {capacty: 1}\n  b: {in: nowhere}\n")
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:3:7: unknown field 'capacty' (did you mean 'capacity'?)",
        f"{path}:4:11: unknown component 'nowhere'",
    ]


@pytest.mark.parametrize("command", ["validate", "show"])
def test_missing_file_exits_2(command: str) -> None:
    result = run_cli(command, "no/such/file.yaml")
    assert result.returncode == 2
    assert result.stderr == "no/such/file.yaml:1:1: cannot read: No such file or directory\n"
    assert "Traceback" not in result.stderr


def test_stdin_is_read_with_a_dash() -> None:
    result = run_cli("validate", "-", "--format", "json", stdin="inventory: piped\nsites: [s]\n")
    assert result.returncode == 0
    assert json.loads(result.stdout)["inventory"] == "piped"
    bad = run_cli("validate", "-", stdin="inventory: piped\nsites: {s: {in: t}}\n")
    assert (bad.returncode, bad.stderr) == (2, "<stdin>:2:17: unknown component 't'\n")


def test_usage_errors_exit_2() -> None:
    assert run_cli("validate", "--bogus").returncode == 2
    assert run_cli("show", "example", "--format", "yaml").returncode == 2
    assert run_cli("generate", "-n", "3").returncode == 2


def test_generate_writes_a_valid_estate_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "estate.yaml"
    result = run_cli("generate", "-n", "500", "-s", "9", "-o", str(out), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["components"] == 500
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_umask()
    assert json.loads(run_cli("validate", str(out)).stdout)["components"] == 500
    again = run_cli("generate", "-n", "500", "-s", "10", "-o", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run_cli("generate", "-n", "500", "-s", "10", "-o", str(out), "--force").returncode == 0
    assert list(tmp_path.iterdir()) == [out]


def test_generate_to_stdout_is_the_inventory() -> None:
    result = run_cli("generate", "-n", "60", "-s", "2")
    assert result.returncode == 0
    assert result.stdout.startswith("inventory: generated-60-seed-2\n")
    piped = run_cli("validate", "-", "--format", "json", stdin=result.stdout)
    assert json.loads(piped.stdout)["components"] == 60


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_a_readme_mention(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "Example: graphanalyzer " + command in " ".join(result.stdout.split())
    assert f"graphanalyzer {command}" in (ROOT / "README.md").read_text()


def test_bundled_examples_are_all_listed_in_help() -> None:
    names = {p.stem for p in INVENTORIES.glob("*.yaml")} | {
        p.name for p in INVENTORIES.iterdir() if (p / "main.yaml").is_file()
    }
    help_text = " ".join(run_cli("validate", "--help").stdout.split())
    assert all(name in help_text for name in names), names


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_usage_error_echoing_the_input_stays_on_one_line() -> None:
    result = run_cli("unplug", "example", "feed\nx\u2028y")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "'feed\\nx\\u2028y'" in result.stderr
