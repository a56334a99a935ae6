"""Id ranges, as in Ansible host patterns: ``web-[1:4]`` is web-1 .. web-4.

A range is ``[START:END]`` or ``[START:END:STEP]`` with numbers (leading zeros set
the width) or single lowercase letters.  Several ranges in one id multiply.

>>> expand("web-[1:3]")
['web-1', 'web-2', 'web-3']
>>> expand("rack-[08:10]")
['rack-08', 'rack-09', 'rack-10']
>>> expand("r[a:b]-h[1:5:2]")
['ra-h1', 'ra-h3', 'ra-h5', 'rb-h1', 'rb-h3', 'rb-h5']
>>> expand("db-1")
['db-1']
"""

from __future__ import annotations

import itertools
import re

#: The most ids one pattern may expand to.
MAX_EXPANSION = 2_000_000

_RANGE = re.compile(r"\[(?:([0-9]+):([0-9]+)|([a-z]):([a-z]))(?::([1-9][0-9]*))?\]")


def expand(pattern: str) -> list[str]:
    """All the ids a pattern stands for; raises ValueError for a malformed range."""
    if "[" not in pattern and "]" not in pattern:
        return [pattern]
    pieces: list[list[str]] = []
    pos = 0
    total = 1
    for match in _RANGE.finditer(pattern):
        literal = pattern[pos : match.start()]
        if "[" in literal or "]" in literal:
            break
        pieces.append([literal])
        pieces.append(_items(match, pattern))
        total *= len(pieces[-1])
        if total > MAX_EXPANSION:
            raise ValueError(f"id range '{pattern}' expands to more than {MAX_EXPANSION:,} ids")
        pos = match.end()
    tail = pattern[pos:]
    if "[" in tail or "]" in tail:
        raise ValueError(f"bad id range in '{pattern}': write [START:END] with numbers or letters, e.g. web-[1:4]")
    pieces.append([tail])
    return ["".join(parts) for parts in itertools.product(*pieces)]


def _items(match: re.Match[str], pattern: str) -> list[str]:
    start, end, first, last, step_text = match.groups()
    step = int(step_text or 1)
    if start is not None:
        low, high = int(start), int(end)
        if low > high:
            raise ValueError(f"id range '{pattern}' counts down: write the smaller number first")
        width = len(start) if start.startswith("0") and len(start) > 1 else 0
        if high - low >= MAX_EXPANSION * step:
            raise ValueError(f"id range '{pattern}' expands to more than {MAX_EXPANSION:,} ids")
        return [str(n).zfill(width) for n in range(low, high + 1, step)]
    if first > last:
        raise ValueError(f"id range '{pattern}' counts down: write the earlier letter first")
    return [chr(c) for c in range(ord(first), ord(last) + 1, step)]
