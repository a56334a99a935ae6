"""Terminal tables at 80 columns: every line fits, and no id is cut short or split.

Each command's table is rendered as a user on an 80-column terminal sees it; no
line may be wider, nothing may be cut with an ellipsis, and no piece of an id (a
dashed id broken across lines, ``region-we`` / ``st``) may appear where the JSON
of the same command has the whole id.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from conftest import INVENTORIES

CASES = [
    ["spof", "example", "--order", "2"],
    ["spof", "midsize", "--order", "2"],
    ["spof", "birdsite-2009"],
    ["unplug", "example", "feed-a"],
    ["unplug", "liveaudio", "region-west"],
    ["headroom", "liveaudio"],
    ["surge", "liveaudio", "--service", "spaces", "--demand", "12000000"],
    ["chaos", "example", "--trials", "2000"],
    ["chaos", "liveaudio", "--exact"],
    ["chaos", "liveaudio", "--scenarios", str(INVENTORIES / "scenarios" / "liveaudio.yaml")],
    ["chaos", "example", "--scenarios", str(INVENTORIES / "scenarios" / "example.yaml")],
    ["complexity", "midsize"],
    ["complexity", "backbone-2021"],
    ["coldstart", "backbone-2021"],
    ["show", "liveaudio"],
    ["validate", "midsize"],
]


def run(args: list[str], fmt: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "graphanalyzer", *args, "--format", fmt],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def strings(data: Any) -> set[str]:
    """Every string in a JSON document without a space in it: ids, kinds, names."""
    if isinstance(data, str):
        return {data} if " " not in data else set()
    if isinstance(data, dict):
        return set(data).union(*map(strings, data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*map(strings, data)) if data else set()
    return set()


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_tables_fit_80_columns_and_keep_every_id_whole(args: list[str]) -> None:
    table = run(args, "table")
    lines = table.splitlines()
    assert max(map(len, lines)) <= 80, "\n".join(line for line in lines if len(line) > 80)
    assert "…" not in table
    ids = {s for s in strings(json.loads(run(args, "json"))) if "-" in s}
    tokens = {t.strip(".,") for t in re.split(r"[\s│┃|,()\[\];]+", table)}
    # A dashed id broken across lines leaves a piece that is part of an id but not an id itself.
    pieces = {t for t in tokens if "-" in t and re.search("[a-z0-9]", t) and t not in ids and any(t in c for c in ids)}
    assert not pieces, pieces
