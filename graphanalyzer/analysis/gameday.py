"""Game days: named failure scenarios, and which services each leaves up, degraded or down.

A scenarios file is YAML mapping each scenario's name to the components or failure
domains it takes out (ids and id ranges, as in inventories)::

    lose region-west: [region-west]
    carrier maintenance: [carrier-ntt]
    rack A power work: [rack-a-pdu-[1:2]]

Each scenario is an :func:`~graphanalyzer.analysis.unplug.unplug`, so it is judged
by the one failure engine.

>>> from graphanalyzer.model import Component, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {"feed": Component("feed", "power"),
...     "app": Component("app", "service", requires=("feed",))}))
>>> gameday(g, [Scenario("power cut", ("feed",))])["scenarios"][0]["services"]
{'up': [], 'degraded': [], 'down': ['app']}
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from graphanalyzer.analysis.unplug import unplug
from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.graph import Node, is_gate
from graphanalyzer.idranges import expand
from graphanalyzer.inventory import decode
from graphanalyzer.yamltext import parse_exact


@dataclass(frozen=True)
class Scenario:
    """A named set of components to take out together."""

    name: str
    unplugged: tuple[str, ...]


def read_scenarios(path: Path, graph: nx.DiGraph[Node]) -> list[Scenario]:
    """The scenarios of a file, every id checked against the inventory (errors at FILE:LINE:COL)."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InventoryError([Problem(name, 1, 1, f"cannot read: {error.strerror or error}")]) from None
    doc = parse_exact(decode(raw, name), name)
    if doc.problems:
        raise InventoryError(doc.problems)

    def at(path: tuple[Any, ...], message: str, key: bool = False) -> Problem:
        line, column = doc.mark(path, key=key)
        return Problem(name, line + 1, column + 1, message)

    if not isinstance(doc.data, dict) or not doc.data:
        raise InventoryError([at((), "expected a mapping of scenario names to lists of component ids")])
    known = [n for n in graph if not is_gate(n)]
    problems: list[Problem] = []
    scenarios: list[Scenario] = []
    for title, ids in doc.data.items():
        if not isinstance(ids, list) or not ids:
            problems.append(at((title,), f"scenario '{title}': expected a list of component ids"))
            continue
        unplugged: list[str] = []
        for i, pattern in enumerate(ids):
            if not isinstance(pattern, str):
                problems.append(at((title, i), "expected a component id"))
                continue
            try:
                expanded = expand(pattern)
            except ValueError as error:
                problems.append(at((title, i), str(error)))
                continue
            for cid in expanded:
                if cid in graph and not is_gate(cid):
                    unplugged.append(cid)
                    continue
                close = difflib.get_close_matches(cid, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(at((title, i), f"no component '{cid}' in inventory{hint}"))
        scenarios.append(Scenario(str(title), tuple(dict.fromkeys(unplugged))))
    if problems:
        raise InventoryError(problems)
    return scenarios


def gameday(graph: nx.DiGraph[Node], scenarios: list[Scenario]) -> dict[str, Any]:
    """For each scenario, the services up, degraded and down (with the shortfall of the degraded)."""
    table = []
    for scenario in scenarios:
        result = unplug(graph, scenario.unplugged)
        shortfall = {
            sid: result["components"][sid]["shortfall"]
            for sid in result["services"]["degraded"]
            if "shortfall" in result["components"][sid]
        }
        table.append(
            {
                "name": scenario.name,
                "unplugged": result["unplugged"],
                "services": result["services"],
                "shortfall": shortfall,
            }
        )
    return {"scenarios": table}
