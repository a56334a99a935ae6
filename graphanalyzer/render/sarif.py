"""SARIF 2.1.0 for code review: each finding on the line that declares the component.

``spof --format sarif`` and ``diff --format sarif`` write one run whose results
point at the inventory file and line where the component was declared (positions
kept from loading), so code review shows a new SPOF on the carrier's own line.
Accepted risks carry a SARIF suppression with the reason.

>>> from graphanalyzer.model import Component, Inventory
>>> inv = Inventory("x", {"ntt": Component("ntt", "carrier")}, origins={"ntt": ("estate.yaml", 7, 3)})
>>> log = spof_log({"spofs": [{"component": "ntt", "kind": "carrier", "breaks": ["app"]}],
...     "illusory_redundancy": []}, inv)
>>> result = log["runs"][0]["results"][0]
>>> result["ruleId"], result["locations"][0]["physicalLocation"]["region"]
('spof', {'startLine': 7, 'startColumn': 3})
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphanalyzer import __version__
from graphanalyzer.model import Inventory
from graphanalyzer.render.text import defeat_text, needs_text

RULES = {
    "spof": ("Single point of failure", "A component whose loss alone takes a service down."),
    "illusory-redundancy": (
        "Illusory redundancy",
        "A redundancy group that one failure defeats, because it takes down enough of the group's members.",
    ),
    "new-spof": ("New single point of failure", "The change makes this component a single point of failure."),
    "lower-order": ("Fewer failures take a service down", "The change lowers the order of a minimal cut set."),
}


def spof_log(result: dict[str, Any], inventory: Inventory) -> dict[str, Any]:
    """SARIF for a ``spof`` result."""
    results = [
        _result(
            "spof",
            "error",
            f"{e['component']} ({e['kind']}) is a single point of failure: losing it takes down "
            f"{', '.join(e['breaks'])}",
            inventory,
            e["component"],
            e.get("accepted"),
        )
        for e in result["spofs"]
    ]
    results += [
        _result(
            "illusory-redundancy",
            "warning",
            f"{g['group_of']} needs {needs_text(g, most=len(g['members']))}, but one failure defeats it: "
            f"{defeat_text(g, most=len(g['shared']))}",
            inventory,
            g["group_of"],
        )
        for g in result.get("illusory_redundancy", [])
    ]
    return _log(results)


def diff_log(result: dict[str, Any], inventory: Inventory) -> dict[str, Any]:
    """SARIF for a ``diff`` result: findings point into the new design."""
    spofs = result["spofs"]
    results = [
        _result(
            "new-spof",
            "error",
            f"{cid} becomes a single point of failure: losing it takes down {', '.join(spofs['breaks'][cid])}",
            inventory,
            cid,
        )
        for cid in spofs["added"]
    ]
    results += [
        _result(
            "new-spof",
            "error",
            f"{a['component']} becomes a single point of failure (accepted: {a['reason']})",
            inventory,
            a["component"],
            a,
        )
        for a in spofs["accepted"]
    ]
    results += [
        _result(
            "lower-order",
            "warning",
            f"{' + '.join(c['components'])} now {'take' if len(c['components']) > 1 else 'takes'} {c['service']} down"
            + (f" (before: {c['was']} failures)" if c["was"] else ""),
            inventory,
            c["components"][0],
        )
        for c in result["cut_sets"]["lower_order"]
        if c["order"] > 1
    ]
    return _log(results)


def _result(
    rule: str, level: str, text: str, inventory: Inventory, cid: str, accepted: dict[str, Any] | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": list(RULES).index(rule),
        "level": level,
        "message": {"text": text},
    }
    origin = inventory.origins.get(cid)
    if origin is not None:
        file, line, column = origin
        entry["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(file)},
                    "region": {"startLine": line, "startColumn": column},
                },
                "logicalLocations": [{"name": cid, "kind": "member"}],
            }
        ]
    if accepted is not None:
        until = f" (until {accepted['until']})" if accepted.get("until") else ""
        entry["suppressions"] = [{"kind": "inSource", "justification": f"{accepted['reason']}{until}"}]
    return entry


def _uri(file: str) -> str:
    """A path relative to the current folder where it lies inside it (as code review expects), else a file URI."""
    path = Path(file)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_uri()


def _log(results: list[dict[str, Any]]) -> dict[str, Any]:
    rules = [
        {"id": rule, "name": name.title().replace(" ", ""), "shortDescription": {"text": name},
         "fullDescription": {"text": text}}
        for rule, (name, text) in RULES.items()
    ]  # fmt: skip
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": {"name": "graphanalyzer", "version": __version__, "rules": rules}}, "results": results}
        ],
    }
