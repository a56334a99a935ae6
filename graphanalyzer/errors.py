"""The errors graphanalyzer raises, all caught at the command line's edge.

Every error a user can cause is a :class:`GraphanalyzerError`; the CLI prints
it to stderr and exits with code 2.  Inventory problems carry positions:

>>> p = Problem("estate.yaml", 3, 5, "unknown field 'capacty' (did you mean 'capacity'?)")
>>> str(p)
"estate.yaml:3:5: unknown field 'capacty' (did you mean 'capacity'?)"
>>> str(InventoryError([p, Problem("estate.yaml", 1, 1, "missing field 'inventory'")]))
"estate.yaml:1:1: missing field 'inventory'\\nestate.yaml:3:5: unknown field 'capacty' (did you mean 'capacity'?)"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with an input file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class GraphanalyzerError(Exception):
    """Raised for anything the user can fix: bad input, bad usage, unwritable output."""


class InventoryError(GraphanalyzerError):
    """Raised when an inventory cannot be loaded; holds every problem found, sorted by position."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(map(str, self.problems)))


class UsageError(GraphanalyzerError):
    """Raised when the command line names something the inventory does not have."""


class OutputError(GraphanalyzerError):
    """Raised when an output file cannot be written."""


class SourceError(GraphanalyzerError):
    """Raised when what an importer reads from cannot be had: a server that refuses or does not answer."""
