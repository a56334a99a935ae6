"""The errors graphanalyzer raises, all caught at the command line's edge.

Every error a user can cause is a :class:`GraphanalyzerError`; the CLI prints
it to stderr and exits with code 2.  Inventory problems carry positions:

>>> p = Problem("estate.yaml", 3, 5, "unknown field 'capacty' (did you mean 'capacity'?)")
>>> str(p)
"estate.yaml:3:5: unknown field 'capacty' (did you mean 'capacity'?)"
>>> str(InventoryError([p, Problem("estate.yaml", 1, 1, "missing field 'inventory'")]))
"estate.yaml:1:1: missing field 'inventory'\\nestate.yaml:3:5: unknown field 'capacty' (did you mean 'capacity'?)"

Whatever a message echoes from the input, one problem is one line:

>>> print(Problem("x.yaml", 2, 3, "unknown field 'a\\nb'"))
x.yaml:2:3: unknown field 'a\\nb'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Characters that would end a line or hide themselves on a terminal: line breaks
# (including NEL and the Unicode separators), other controls, and format characters.
_UNPRINTABLE = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def one_line(text: str) -> str:
    """``text`` with every character that could break or hide a line escaped, as Python writes it.

    >>> one_line("tab\\there\\nline\\u2028end é")
    'tab\\\\there\\\\nline\\\\u2028end é'
    """
    return _UNPRINTABLE.sub(lambda match: repr(match.group())[1:-1], text)


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with an input file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{one_line(self.file)}:{self.line}:{self.column}: {one_line(self.message)}"


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
