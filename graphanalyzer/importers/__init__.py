"""Importers: turn what teams already have into a v1 inventory, and say what could not be mapped.

Each importer returns an :class:`Imported`: the inventory (written with
:func:`graphanalyzer.dump.dumps_block`, so it validates), the list of things it
could not map, and the dependencies it inferred rather than read; the command
prints both lists to stderr.  docs/importers.md documents every mapping.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.model import Inventory


@dataclass(frozen=True)
class Imported:
    """An imported inventory, what the importer could not map, and what it inferred."""

    inventory: Inventory
    unmapped: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)


K = TypeVar("K", bound=Hashable)


def unique_ids(candidates: Mapping[K, Sequence[str]]) -> dict[K, str]:
    """An id for each key: its first candidate when no other key wants that first, else its next free one.

    Foreign names are unique only in their scope (a rack's name in its site); the
    later candidates qualify them.  Last resort: the last candidate numbered.

    >>> unique_ids({1: ["rack-1", "dc1.rack-1"], 2: ["rack-1", "dc2.rack-1"], 3: ["pdu", "x"], 4: ["pdu", "x"]})
    {1: 'dc1.rack-1', 2: 'dc2.rack-1', 3: 'x', 4: 'x-2'}
    """
    firsts: dict[str, int] = {}
    for options in candidates.values():
        firsts[options[0]] = firsts.get(options[0], 0) + 1
    used = set(firsts)
    result: dict[K, str] = {}
    for key, options in candidates.items():
        if firsts[options[0]] == 1:
            result[key] = options[0]
    for key, options in candidates.items():
        if key in result:
            continue
        choice = next((option for option in options[1:] if option not in used), None)
        number = 2
        while choice is None:
            if f"{options[-1]}-{number}" not in used:
                choice = f"{options[-1]}-{number}"
            number += 1
        used.add(choice)
        result[key] = choice
    return result


def safe_id(text: str) -> str:
    """An inventory id for a foreign name: letters, digits, ``.``, ``_`` and ``-`` (no id-range brackets).

    >>> safe_id('aws_instance.web["blue"]'), safe_id("module.vpc.aws_subnet.a[0]")
    ('aws_instance.web-blue', 'module.vpc.aws_subnet.a-0')
    """
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._-]", "-", text)).strip("-") or "unnamed"


def usable_id(text: str) -> str:
    """A foreign name as an inventory id, kept as written where it can be: brackets (id ranges) become
    parentheses, control characters and outer spaces go.

    >>> usable_id(" web [blue]\t"), usable_id("Transit Co")
    ('web (blue)', 'Transit Co')
    """
    text = "".join(ch if ch.isprintable() else " " for ch in text).replace("[", "(").replace("]", ")")
    return text.strip()


def mapping(value: Any) -> dict[Any, Any]:
    """A foreign field that should be a mapping: itself, or empty when it is anything else."""
    return value if isinstance(value, dict) else {}


def names(value: Any) -> list[str]:
    """A foreign field that lists names: a list, the keys of a mapping, or nothing (a lone name is one).

    >>> names(["a", 1]), names({"db": {"condition": "x"}}), names("db"), names(5)
    (['a', '1'], ['db'], ['db'], [])
    """
    if isinstance(value, dict | list):
        return [str(v) for v in value]
    return [value] if isinstance(value, str) else []


def read_yaml(path: Path, *, many: bool = False) -> Any:
    """A foreign YAML file (PyYAML's safe loader), errors as FILE:LINE:COL."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InventoryError(
            [Problem(name, 1, 1, f"cannot read: {getattr(error, 'strerror', None) or error}")]
        ) from None
    try:
        return list(yaml.safe_load_all(text)) if many else yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise InventoryError([Problem(name, line, column, str(error.problem or error))]) from None
    except yaml.YAMLError as error:
        raise InventoryError([Problem(name, 1, 1, str(error))]) from None
