"""Summaries of an inventory: what ``validate`` and ``show`` report.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> inv = Inventory("tiny", {
...     "web-1": Component("web-1", "host", capacity=10),
...     "app": Component("app", "service", requires=(Group(("web-1",), demand=5), "web-1")),
... })
>>> validate(inv)
{'inventory': 'tiny', 'components': 2, 'by_kind': {'host': 1, 'service': 1}, 'warnings': []}
>>> validate(inv, cycles=[["app"]])["warnings"]
['?:1:1: warning: dependency cycle: app → app (legal: it stays up until something in it breaks)']
>>> show(inv)["services"][0]["requires"]
[{'at_least': 1, 'of': ['web-1'], 'demand': 5}, 'web-1']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphanalyzer import cache
from graphanalyzer.errors import Problem
from graphanalyzer.inventory import read_root
from graphanalyzer.model import Group, Inventory, Requirement


def validate(inventory: Inventory, cycles: Iterable[list[str]] = ()) -> dict[str, Any]:
    """DESIGN's ``validate`` JSON, plus ``warnings``: the loader's, and one per dependency cycle."""
    warnings = list(inventory.warnings)
    for cycle in cycles:
        file, line, column = inventory.origins.get(cycle[0], ("?", 1, 1))
        path = " → ".join([*cycle, cycle[0]])
        message = f"dependency cycle: {path} (legal: it stays up until something in it breaks)"
        warnings.append(Problem(file, line, column, message))
    return {
        "inventory": inventory.name,
        "components": len(inventory.components),
        "by_kind": inventory.by_kind(),
        "warnings": [f"{w.file}:{w.line}:{w.column}: warning: {w.message}" for w in sorted(warnings)],
    }


def validated(source: str) -> dict[str, Any]:
    """:func:`validate` for an inventory file, with its cycles; kept beside its cache entry.

    An unchanged inventory is answered from the note without loading it again.  The
    graph is built only where cycles may be (NetworkX is not even imported when there
    can be none).
    """
    name, path, raw = read_root(source)
    if path is not None:
        kept: dict[str, Any] | None = cache.note(path, raw, name, "validate")
        if kept is not None:
            return kept
    from graphanalyzer.analysis.cycles import found

    inventory = cache.load(name, path, raw)
    result = validate(inventory, found(inventory))
    if path is not None:
        cache.keep_note(path, raw, name, "validate", result)
    return result


def requirement(item: Requirement) -> str | dict[str, Any]:
    """A requirement as JSON: an id, or ``{"at_least", "of", "demand"?}``."""
    if isinstance(item, Group):
        data: dict[str, Any] = {"at_least": item.at_least, "of": list(item.members)}
        if item.demand is not None:
            data["demand"] = item.demand
        return data
    return item


def show(inventory: Inventory) -> dict[str, Any]:
    """Counts by kind, and every service with its direct requirements."""
    services = []
    for sid in inventory.services():
        service = inventory.components[sid]
        services.append(
            {
                "id": sid,
                "in": service.container,
                "owner": service.owner,
                "slo": service.slo,
                "requires": [requirement(r) for r in service.requires],
            }
        )
    return {
        "inventory": inventory.name,
        "description": inventory.description,
        "components": len(inventory.components),
        "by_kind": inventory.by_kind(),
        "services": services,
    }
