"""The command line end to end, in fresh processes: exit codes, formats, errors, stdin."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
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


def test_validate_takes_several_inventories_and_reports_every_problem_of_every_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("inventory: x\nhosts:\n  a: {in: nowhere}\n")
    worse = tmp_path / "worse.yaml"
    worse.write_text("inventory: y\nhosts:\n  b: {capacty: 1}\n")
    both = run_cli("validate", "example", str(bad), "liveaudio", str(worse))
    assert both.returncode == 2 and both.stdout == ""
    assert both.stderr.splitlines() == [
        f"{bad}:3:11: unknown component 'nowhere'",
        f"{worse}:3:7: unknown field 'capacty' (did you mean 'capacity'?)",
    ]
    good = run_cli("validate", "example", "liveaudio", "--format", "json")
    assert good.returncode == 0, good.stderr
    assert [entry["inventory"] for entry in json.loads(good.stdout)] == ["shopfront", "liveaudio"]
    table = run_cli("validate", "example", "midsize", "--format", "table").stdout
    assert "example\n" in table and "midsize\n" in table and "valid midsize-dc" in table


def test_coldstart_takes_several_inventories_and_fails_if_any_deadlocks() -> None:
    result = run_cli("coldstart", "example", "backbone-2021", "--fail-on", "deadlock", "--format", "json")
    assert result.returncode == 1
    first, second = json.loads(result.stdout)
    assert first["deadlocked"] == [] and second["deadlocked"]
    assert run_cli("coldstart", "example", "liveaudio", "--fail-on", "deadlock").returncode == 0


def test_diff_with_two_missing_files_names_both() -> None:
    result = run_cli("diff", "no/before.yaml", "no/after.yaml")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "no/after.yaml:1:1: cannot read: No such file or directory",
        "no/before.yaml:1:1: cannot read: No such file or directory",
    ]


def test_diagram_help_names_the_collapse_threshold_it_uses() -> None:
    from graphanalyzer.render.diagram import MAX_NODES

    assert f"(default {MAX_NODES};" in " ".join(run_cli("diagram", "--help").stdout.split())


def test_surge_says_its_options_are_required() -> None:
    result = run_cli("surge", "liveaudio")
    assert result.returncode == 2 and "Missing option '--service'" in result.stderr
    assert " ".join(run_cli("surge", "--help").stdout.split()).count("required") == 2


def test_top_level_help_has_an_example_and_cuts_no_description() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graphanalyzer", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert "Example" in result.stdout and "graphanalyzer spof example" in result.stdout
    commands = result.stdout.split("Commands:")[1]
    assert "..." not in commands
    assert max(map(len, result.stdout.splitlines())) <= 80

    def words(text: str) -> str:  # as wrapped text reads: a line may break after a hyphen
        return re.sub(r"-\s+", "-", " ".join(text.split()))

    for command in COMMANDS:
        first = run_cli(command, "--help").stdout.split("\n\n")[1]  # the docstring's first paragraph
        assert words(first) in words(commands), command


@pytest.mark.parametrize(
    "command",
    [
        ["generate", "-n", "50"],
        ["export", "example", "--to", "dot"],
        ["import", "compose", str(ROOT / "samples" / "compose" / "docker-compose.yaml")],
        ["report", "example", "--format", "markdown"],
    ],
)
def test_every_writing_command_keeps_one_policy(command: list[str], tmp_path: Path) -> None:
    existing = tmp_path / "out.md"
    existing.write_text("keep me\n")
    refused = run_cli(*command, "-o", str(existing))
    assert refused.returncode == 2
    assert refused.stderr == f"graphanalyzer: error: {existing}: already exists (use --force to replace it)\n"
    assert existing.read_text() == "keep me\n"
    assert run_cli(*command, "-o", str(existing), "--force").returncode == 0
    assert existing.read_text() != "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_report_writes_beside_the_user_and_never_makes_a_folder(tmp_path: Path) -> None:
    first = run_cli("report", "example", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["shopfront.html"]
    again = run_cli("report", "example", cwd=tmp_path)
    assert again.returncode == 2 and "shopfront.html: already exists (use --force to replace it)" in again.stderr
    assert run_cli("report", "example", "--force", cwd=tmp_path).returncode == 0
