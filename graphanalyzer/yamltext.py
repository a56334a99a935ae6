"""Strict YAML for inventories: every scalar stays the text that was written.

PyYAML's loaders lose data (``no`` becomes False, ``010`` becomes 8, a repeated key
silently wins) and can be made to explode (alias bombs, deep nesting).  This module
reads YAML into plain ``dict``/``list``/``str`` trees where every scalar is text,
plain ``~``/``null``/empty is ``None``, and nothing else is interpreted.  Types are
the inventory schema's business (:mod:`graphanalyzer.inventory`).

Two readers give the same tree:

* :func:`parse_exact` walks libyaml's event stream.  It records where every node
  and key starts, reports duplicate keys, aliases and tags, and stops pulling
  events as soon as nesting passes :data:`MAX_DEPTH`, so libyaml never parses a
  nesting bomb (walking 2 million ``[`` takes libyaml minutes; stopping early, a
  millisecond).  libyaml's scanner reads up to 1,024 characters ahead of the
  events, and the libyaml in PyYAML 6.0.4 stops at 1,000 flow levels while doing
  so; when it stops there, the text up to that point is walked again, and the
  walk stops at our limit, where it was passed.
* :func:`parse_fast` is a pure-Python reader for the plain subset that large,
  generated inventories use: block mappings and sequences, one-line flow
  collections, plain and simply quoted scalars.  A flow collection written the
  JSON way (``{"in": "rack-1", "capacity": 200}``, as :mod:`graphanalyzer.dump`
  writes them) goes to the C ``json`` scanner with numbers kept as text; libyaml
  reads such text the same way.  What large files repeat line after line is read
  without Python work a line: runs of ``key: {json}`` lines (one C scan of all
  their values), and entries of ``field: text`` blocks as ``yaml.safe_dump``
  writes components (regular expressions).  The reader is many times faster than
  libyaml through PyYAML and returns ``None`` for anything outside the subset, for
  which callers use :func:`parse_exact`.  Property tests check that wherever it
  answers, it answers exactly as :func:`parse_exact`.

>>> parse_fast("a: no\\nb: [010, '1e3']\\nc:\\n")
{'a': 'no', 'b': ['010', '1e3'], 'c': None}
>>> doc = parse_exact("a: no\\nb: [010, '1e3']\\nc:\\n", "x.yaml")
>>> doc.data == parse_fast("a: no\\nb: [010, '1e3']\\nc:\\n"), doc.mark(("b", 1))
(True, (1, 9))
"""

from __future__ import annotations

import json
import json.scanner
import re
from dataclasses import dataclass, field
from itertools import accumulate, chain, count, repeat
from operator import add, itemgetter
from typing import Any

from graphanalyzer.errors import Problem

#: Plain scalars that YAML reads as null.  Quoted, they are text.
NULLS = frozenset({"", "~", "null", "Null", "NULL"})
#: Deepest nesting accepted.  Inventories need about 7 levels.
MAX_DEPTH = 64
DEEP = f"nesting deeper than {MAX_DEPTH} levels"

Path = tuple[str | int, ...]
Mark = tuple[int, int]  # 0-based line and column

# Characters YAML 1.1 forbids in a stream (section 5.1), and those parse_fast avoids.
_GLUED = "a comment needs a space before '#'"
_GLUED_HASH = re.compile(r"[|>](?:[^\n#]*\S)?#")  # a block scalar's header with a comment glued to it
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A comment with a '#' glued to what is before it, which parse_exact refuses (or text like one).
_GLUED_COMMENT = re.compile(r"(?:^|[ \t])#(?:[^\n]*[^ \t\n])?#", re.MULTILINE)
_DIRECTIVE = re.compile(r"^ *%", re.MULTILINE)
_FAST_ASCII = bytes(range(0x20, 0x7F)) + b"\n"  # what _NOT_FAST allows of ASCII
_NOT_FAST = re.compile("[^\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")


@dataclass
class Document:
    """A parsed YAML file: its tree, where nodes start, and what was wrong.

    ``exact`` documents (from :func:`parse_exact`) know every node's position; the
    others (from :func:`read` taking the fast path) only those of the first two levels
    of keys, which is where components are declared.
    """

    data: Any
    exact: bool = True
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def mark(self, path: Path, *, key: bool = False) -> Mark:
        """Where ``path`` starts (its key with ``key=True``), else its nearest ancestor."""
        path = tuple(path)
        while path:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (0, 0))


def position(text: str, offset: int) -> Mark:
    """The 0-based line and column of a character offset.

    >>> position("ab\\ncd", 4)
    (1, 1)
    """
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset), offset - line_start


def forbidden_characters(text: str, name: str) -> list[Problem]:
    """Problems for characters YAML does not allow (control characters and the like)."""
    problems = []
    for match in _FORBIDDEN.finditer(text):
        line, col = position(text, match.start())
        problems.append(Problem(name, line + 1, col + 1, f"character {ord(match.group()):#06x} is not allowed in YAML"))
        if len(problems) == 20:
            break
    return problems


# ---------------------------------------------------------------------------------------------
# parse_exact: libyaml events


_MISSING: Any = object()  # a mapping frame waiting for its next key
_SKIP: Any = object()  # the value of a rejected key: parsed, then dropped


class _Frame:
    __slots__ = ("column", "flow", "key", "node", "path", "start")

    def __init__(self, node: dict[str, Any] | list[Any], path: Path | None, flow: bool, column: int) -> None:
        self.node = node
        self.path = path
        self.flow = flow
        self.column = column  # of a block collection: its indentation
        self.key: Any = _MISSING
        self.start = -1  # of a flow collection in a block one: where it starts


_UNINDENTED = "a line inside a flow collection or quoted text must be indented more than its key"


def _unindented(text: str, start: int, end: int, indent: int) -> tuple[str, int] | None:
    """Where a line after the first of a flow collection or quoted text in a block collection is not indented."""
    at = text.find("\n", start, end)
    while at >= 0:
        line = text[at + 1 : text.find("\n", at + 1, end) % (end + 1) or end]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            return _UNINDENTED, at + 1
        at = text.find("\n", at + 1, end)
    return None


def parse_exact(text: str, name: str) -> Document:
    """Parse one YAML document, keeping every node's position and collecting problems.

    Syntax errors end the parse: the returned document then has ``data`` None and one
    problem.  Duplicate keys, aliases and tags are reported and parsing goes on, so one
    run reports them all.

    >>> parse_exact("a: 1\\na: 2\\n", "x.yaml").problems[0].message
    "duplicate key 'a' (first at line 1, column 1)"
    >>> parse_exact("[" * 100000, "bomb.yaml").problems[0].message
    'nesting deeper than 64 levels'
    """
    doc = Document(data=None)
    bad = forbidden_characters(text, name)
    if bad:
        doc.problems.extend(bad)
        return doc
    _walk(text, name, doc)
    return doc


def _walk(text: str, name: str, doc: Document) -> None:
    """Fill ``doc`` from libyaml's events (the body of :func:`parse_exact`)."""
    import yaml  # here: the fast reader, which most large files take, needs none of PyYAML

    stack: list[_Frame] = []
    documents = 0
    read = 0  # where the last event started: the walk has checked everything before it

    def problem(mark: Any, message: str) -> None:
        doc.problems.append(Problem(name, mark.line + 1, mark.column + 1, message))

    def attach(value: Any, mark: Any) -> Path | None:
        """Put a value where the parse is; return its path, or None if it is dropped."""
        where = (mark.line, mark.column)
        if not stack:
            doc.data = value
            doc.values[()] = where
            return ()
        frame = stack[-1]
        node, parent = frame.node, frame.path
        if isinstance(node, list):
            node.append(value)
            path = None if parent is None else (*parent, len(node) - 1)
        elif frame.key is _MISSING:
            if not isinstance(value, str):
                problem(mark, "a key must be plain text")
                frame.key = _SKIP
            elif value in node:
                line, col = doc.keys.get((*(parent or ()), value), (0, 0))
                problem(mark, f"duplicate key '{value}' (first at line {line + 1}, column {col + 1})")
                frame.key = _SKIP
            else:
                frame.key = value
                node[value] = None
                if parent is not None:
                    doc.keys[(*parent, value)] = where
            return None
        else:
            key, frame.key = frame.key, _MISSING
            if key is _SKIP:
                return None
            node[key] = value
            path = None if parent is None else (*parent, key)
        if path is not None:
            doc.values[path] = where
        return path

    def unsure(event: Any) -> tuple[str, int] | None:
        """Why libyaml may not read this event as YAML does (it is refused then) and where, or None.

        libyaml accepts some invalid YAML and misreads some valid YAML (the YAML test
        suite shows which): comments glued to a token, keys written ``?x``, anchors
        followed by ``:``, lines of spaces in block scalars, continuation lines of flow
        collections and quoted text that are not indented, a lone ``-``.  Those, and
        directives (an inventory never needs them), are refused rather than read the
        way libyaml guesses.
        """
        start = event.start_mark.index
        glued = text.find("#", after, start)
        while glued > 0:
            if text[glued - 1] not in " \t\r\n":
                return _GLUED, glued
            glued = text.find("#", glued + 1, start)
        anchor = getattr(event, "anchor", None)
        if (
            anchor is not None
            and not isinstance(event, yaml.AliasEvent)
            and text[start + len(anchor) + 1 : start + len(anchor) + 2] == ":"
        ):
            return f"an anchor name (&{anchor}) followed by ':' is read differently by YAML readers: remove it", start
        if isinstance(event, yaml.DocumentStartEvent) and (event.version or event.tags):
            return "directives (%YAML, %TAG) are not supported", start
        if not (isinstance(event, yaml.ScalarEvent) or getattr(event, "flow_style", False)) or not stack:
            return None
        frame = stack[-1]
        if frame.node.__class__ is dict and frame.key is _MISSING:
            before = start - 1
            while before >= 0 and text[before] in " \t":
                before -= 1
            if before >= 0 and text[before] == "?":
                return "keys written with '?' are not supported: write key: value", before
        style = getattr(event, "style", None)
        if style in ("|", ">"):
            glued_in_header = _GLUED_HASH.match(text, start)
            return None if glued_in_header is None else (_GLUED, glued_in_header.end() - 1)
        if not style and isinstance(event, yaml.ScalarEvent) and event.value == "-":
            return "a lone '-' is not a value: quote it", start
        if style in ("'", '"') and not frame.flow:
            return _unindented(text, start, event.end_mark.index, frame.column)
        return None

    def spaces_in_block(start: int, end: int) -> tuple[str, int] | None:
        """Where a block scalar (with the blank lines after it) has a line of spaces deeper than its text."""
        lines = text[start:end].split("\n")
        if end < content_end:
            lines = lines[:-1]  # the indentation of what comes next
        indents = [len(line) - len(line.lstrip(" ")) for line in lines[1:] if line.strip(" ")]
        deepest = indents[0] if indents else -1
        offset = start
        for line in lines:
            if offset > start and line and not line.strip(" \t") and len(line) > deepest:
                return "a line of only spaces, deeper than the text, in a block scalar (| or >)", offset
            offset += len(line) + 1
        return None

    content_end = len(text.rstrip())
    block: Any = None  # the last block scalar's start mark, until the next event
    after = 0  # where the last event ended
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            read = event.start_mark.index  # type: ignore[union-attr]  # libyaml marks every event
            why = unsure(event) or (block is not None and spaces_in_block(block, read)) or None
            if isinstance(event, yaml.CollectionEndEvent) and stack and stack[-1].flow and stack[-1].start >= 0:
                inside = stack[-2].column
                why = why or _unindented(text, stack[-1].start, event.end_mark.index, inside)  # type: ignore[union-attr]
            if why is not None:
                line, column = position(text, why[1])
                doc.problems.append(Problem(name, line + 1, column + 1, why[0]))
                doc.data = None
                return
            after = event.end_mark.index  # type: ignore[union-attr]
            block = read if getattr(event, "style", None) in ("|", ">") else None

            if isinstance(event, yaml.ScalarEvent):
                if event.tag is not None:
                    problem(event.start_mark, f"tags ({event.tag}) are not supported: values are text")
                plain = not event.style  # libyaml says "" for plain, PyYAML None
                attach(None if plain and event.value in NULLS else event.value, event.start_mark)
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    problem(event.start_mark, DEEP)
                    doc.data = None
                    return
                if event.tag is not None:
                    problem(event.start_mark, f"tags ({event.tag}) are not supported")
                node: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
                column = event.start_mark.column  # type: ignore[union-attr]
                frame = _Frame(node, attach(node, event.start_mark), bool(event.flow_style), column)
                if frame.flow and stack and not stack[-1].flow:  # flow inside block: check its lines at its end
                    frame.start = event.start_mark.index  # type: ignore[union-attr]
                stack.append(frame)
            elif isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
            elif isinstance(event, yaml.AliasEvent):
                problem(event.start_mark, f"aliases (*{event.anchor}) are not allowed: write the value out")
                attach(None, event.start_mark)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    problem(event.start_mark, "only one YAML document is allowed in an inventory file")
                    return
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        end = len(text) if mark is None else mark.index
        openers = text.count("[", read, end) + text.count("{", read, end)
        if end < len(text) and openers > MAX_DEPTH - len(stack):
            # libyaml's scanner stopped ahead of the events, maybe at its own nesting
            # limit: walk the text up to there again, and the events reach ours.
            ahead = Document(data=None)
            _walk(text[:end], name, ahead)
            if ahead.problems and ahead.problems[-1].message == DEEP:
                doc.data, doc.values, doc.keys, doc.problems[:] = None, {}, {}, ahead.problems
                return
        message = error.problem or "YAML syntax error"
        if error.context:
            message = f"{message} ({error.context})"
        doc.data = None
        doc.problems.append(Problem(name, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, message))
    except yaml.YAMLError as error:
        doc.data = None
        doc.problems.append(Problem(name, 1, 1, f"YAML error: {error}"))


# ---------------------------------------------------------------------------------------------
# parse_fast: the plain subset, in Python


class _Bail(Exception):
    """Raised inside parse_fast when the text leaves the subset it reads."""


_KEY = re.compile(
    r"""(?:(?P<plain>[A-Za-z0-9_./(][A-Za-z0-9_./()\-\[\]:+=@$^~]*?)
         |'(?P<sq>(?:[^']|'')*)'
         |"(?P<dq>[^"\\]*)")
        [ ]*:(?:[ ]+|$)""",
    re.VERBOSE,
)
_FLOW = re.compile(
    r"""[ ]*(?:(?P<ind>[\[\]{},])
         |(?P<colon>:)(?=[ \[\]{},]|$)
         |'(?P<sq>(?:[^']|'')*)'
         |"(?P<dq>[^"\\]*)"
         |(?P<plain>[^\s\[\]{},:#'"&*!|>%@`?\-][^\[\]{},:#'"]*)
         |(?P<end>(?:(?<=[ ])\#.*)?$))""",
    re.VERBOSE,
)
# The start of a line of a run: a plain key without ':', then a flow collection written the JSON way.
_RUN_KEY = re.compile(r"""([A-Za-z0-9_./(][A-Za-z0-9_./()\-\[\]+=@$^~]*)[ ]*:[ ]+(?=[\[{]"|\{}|\[])""")
# An entry of block fields: `key:`, then lines `field: text` indented alike (plain text without ':' or '#'
# or an indicator first), then a line indented as the key or less, or the end (see _FastReader.entries).
_KEY_TEXT = r"[A-Za-z0-9_./(][A-Za-z0-9_./()\-\[\]+=@$^~]*"
_PLAIN_TEXT = r"""[^\-?:,\[\]{}#&*!|>'"%@`\s](?:[^:#\n]*[^:#\n ])?"""
_FIELD = re.compile(rf"[ ]*({_KEY_TEXT})[ ]*:[ ]+({_PLAIN_TEXT})[ ]*\n")
_ENTRIES: dict[tuple[int, int], re.Pattern[str]] = {}


def _entry(outer: int, inner: int) -> re.Pattern[str]:
    """The pattern of an entry of block fields, its key indented by ``outer``, its fields by ``inner``."""
    pattern = _ENTRIES.get((outer, inner))
    if pattern is None:
        field = rf"[ ]{{{inner}}}{_KEY_TEXT}[ ]*:[ ]+{_PLAIN_TEXT}[ ]*\n"
        entry = rf"[ ]{{{outer}}}({_KEY_TEXT})[ ]*:[ ]*\n((?:{field})+)(?=[ ]{{0,{outer}}}[^ \n#]|\Z)"
        pattern = _ENTRIES[outer, inner] = re.compile(entry)
    return pattern


_PLAIN_START_BAD = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")  # JSON pairs them, libyaml refuses them


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise ValueError("duplicate key")
    return mapping


def _no_constant(name: str) -> Any:
    raise ValueError(name)


# The decoder's C scanner itself: decode() and raw_decode() only wrap it in Python.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique, parse_int=str, parse_float=str, parse_constant=_no_constant)
_JSON_SCAN = json.scanner.make_scanner(_DECODER)  # type: ignore[arg-type]  # the stub names the class, not its argument


def _json(text: str) -> Any:
    """One JSON value filling ``text`` (numbers as their text), else ValueError."""
    try:
        value, end = _JSON_SCAN(text, 0)
    except StopIteration:
        raise ValueError(text) from None
    if end != len(text):
        raise ValueError(text)
    return value


def read(text: str, name: str) -> Document:
    """Parse a file the fast way when it can be, else exactly.

    >>> doc = read("hosts:\\n  web-1: {in: rack-1}\\n", "x.yaml")
    >>> doc.exact, doc.mark(("hosts", "web-1"), key=True)
    (False, (1, 2))
    """
    doc = Document(data=None, exact=False)
    data = parse_fast(text, doc)
    if data is None:
        return parse_exact(text, name)
    doc.data = data
    return doc


def parse_fast(text: str, marks: Document | None = None) -> Any:
    """Parse the plain subset of YAML into the tree :func:`parse_exact` gives, or return None.

    With ``marks``, the positions of the first two levels of keys are recorded in it.

    >>> parse_fast("web-[1:4]: {kind: host, in: rack-1}\\n")
    {'web-[1:4]': {'kind': 'host', 'in': 'rack-1'}}
    >>> parse_fast("a: &anchor 1\\n") is None  # outside the subset
    True
    """
    if text.isascii():
        if text.encode("ascii").translate(None, _FAST_ASCII):
            return None
    elif _NOT_FAST.search(text):
        return None
    if ("%" in text and _DIRECTIVE.search(text)) or ("#" in text and _GLUED_COMMENT.search(text)):
        return None
    if text.startswith(("---", "...")) or "\n---" in text or "\n..." in text:
        return None  # the start or end of a document
    try:
        return _FastReader(text, marks).document()
    except (_Bail, RecursionError):
        return None


class _FastReader:
    """Recursive descent over block structure, a line at a time; flow collections on one line.

    A method takes the index of the line it starts at and returns its value with the
    index of the line after it.  Runs of lines that generated inventories repeat by
    the thousand (:meth:`run`, :meth:`entries`) are read by regular expressions and
    the C JSON scanner, with no Python work a line.
    """

    def __init__(self, text: str, marks: Document | None) -> None:
        self.text = text
        self.lines = text.split("\n")
        self._offsets: list[int] | None = None
        self.keys = None if marks is None else marks.keys
        self.values = None if marks is None else marks.values

    def at(self, i: int) -> tuple[int, int, str]:
        """The first line from ``i`` with content: its index (the number of lines if none), indentation
        and content without outer spaces."""
        lines = self.lines
        end = len(lines)
        while i < end:
            line = lines[i]
            content = line.lstrip(" ")
            if content and content[0] != "#":
                return i, len(line) - len(content), content.rstrip(" ")
            i += 1
        return end, -1, ""

    def document(self) -> Any:
        i, indent, _ = self.at(0)
        if indent < 0:
            return None
        if self.values is not None:
            self.values[()] = (i, indent)
        value, i = self.block(i, 1, ())
        if self.at(i)[1] >= 0:
            raise _Bail
        return value

    def block(self, i: int, depth: int, path: Path) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise _Bail
        i, indent, content = self.at(i)
        if content == "-" or content.startswith("- "):
            return self.sequence(i, indent, depth, path)
        return self.mapping(i, indent, depth, path)

    def mapping(self, i: int, indent: int, depth: int, path: Path) -> tuple[dict[str, Any], int]:
        keys = self.keys if depth <= 2 else None
        lines = self.lines
        end = len(lines)
        result: dict[str, Any] = {}
        key_match = _KEY.match
        while i < end:
            line = lines[i]
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                i += 1
                continue
            if len(line) - len(content) != indent:
                if len(line) - len(content) < indent:
                    break
                raise _Bail
            if content[-1] == " ":
                content = content.rstrip(" ")
            if content[-1] in "}]":
                ran = self.run(i, indent, depth, result, keys, path)
                if ran:
                    i = ran
                    continue
            elif content[-1] == ":" and 2 <= depth < MAX_DEPTH:
                ran = self.entries(i, indent, result, keys, path)
                if ran:
                    i = ran
                    continue
            match = key_match(content)
            if match is None:
                if content == "-" or content.startswith("- "):
                    break
                raise _Bail
            key = match.group("plain")
            if key is not None:
                if key in NULLS:
                    raise _Bail
            else:
                key = _quoted(match.group("sq"), match.group("dq"))
            if key in result:
                raise _Bail
            if keys is not None:
                keys[(*path, key)] = (i, indent)
            rest = content[match.end() :]
            i += 1
            if not rest or rest[0] == "#":
                j, inner, after = self.at(i)
                if inner > indent:
                    value, i = self.block(j, depth + 1, (*path, key))
                elif inner == indent and (after == "-" or after.startswith("- ")):
                    value, i = self.sequence(j, indent, depth + 1, (*path, key))
                else:
                    value = None
            elif rest[0] not in _PLAIN_START_BAD and ":" not in rest and "#" not in rest:
                value = None if rest in NULLS else rest  # plain text: what _inline would give
            else:
                value = _inline(rest, MAX_DEPTH - depth)
            result[key] = value
        return result, i

    def run(
        self, i: int, indent: int, depth: int, result: dict[str, Any], keys: dict[Path, Mark] | None, path: Path
    ) -> int:
        """Read consecutive ``key: {"json": ...}`` lines from line ``i`` into ``result``, their values in one go;
        return the index of the line after them, or 0 when line ``i`` does not start such a run.

        Generated inventories declare one component a line this way.  The values are
        scanned by the C JSON scanner without a Python call per line; where that fails
        or JSON could read them otherwise than YAML, each is read as :func:`_inline` does.
        """
        lines, start, spaces = self.lines, i, " " * indent
        end = len(lines)
        names, texts = [], []
        match = _RUN_KEY.match
        while i < end:
            line = lines[i]
            found = match(line, indent) if line.startswith(spaces) else None
            if found is None:
                break
            names.append(found.group(1))
            texts.append(line[found.end() :])
            i += 1
        if i == start:
            return 0
        if not NULLS.isdisjoint(names):
            raise _Bail
        if max(map(add, map(str.count, texts, repeat("[")), map(str.count, texts, repeat("{")))) > MAX_DEPTH - depth:
            raise _Bail  # maybe nested too deep: parse_exact says where
        values = _json_values(texts)
        if values is None:
            values = [_inline(text.rstrip(" "), MAX_DEPTH - depth) for text in texts]
        size = len(result)
        result.update(zip(names, values, strict=True))
        if len(result) != size + len(names):
            raise _Bail  # a key repeated
        if keys is not None:
            keys.update(zip(map(path.__add__, zip(names)), zip(range(start, i), repeat(indent)), strict=True))
        return i

    def entries(self, i: int, indent: int, result: dict[str, Any], keys: dict[Path, Mark] | None, path: Path) -> int:
        """Read consecutive entries ``key:`` whose value is a block of ``field: plain text`` lines from line ``i``
        into ``result``; return the index of the line after them, or 0 when line ``i`` does not start one.

        This is how ``yaml.safe_dump`` writes a component of simple fields.  Each entry
        is matched by one regular expression, its fields by another, with no Python work
        a line.  The fields' keys are not recorded (they are deeper than two levels).
        """
        below = self.lines[i + 1] if i + 1 < len(self.lines) else ""
        inner = len(below) - len(below.lstrip(" "))
        if inner <= indent:
            return 0
        if self._offsets is None:  # where each line starts in the text (lines rewritten keep their length)
            self._offsets = list(map(add, accumulate(map(len, self.lines), initial=0), count()))
        # Each match starts where the last one ended; the first that fails ends them.
        scanner = _entry(indent, inner).scanner(self.text, self._offsets[i])  # type: ignore[attr-defined]
        found = list(iter(scanner.match, None))
        if not found:
            return 0
        names = list(map(_GROUP, found, repeat(1)))
        bodies = list(map(_GROUP, found, repeat(2)))
        if not NULLS.isdisjoint(names):
            raise _Bail
        pairs = list(map(_FIELD.findall, bodies))
        fields = list(map(dict, pairs))
        if list(map(len, fields)) != list(map(len, pairs)):
            raise _Bail  # a field repeated
        if not NULLS.isdisjoint(chain.from_iterable(chain.from_iterable(pairs))):
            if not NULLS.isdisjoint(chain.from_iterable(fields)):
                raise _Bail  # a field named null
            fields = [{key: None if value in NULLS else value for key, value in p} for p in pairs]
        size = len(result)
        result.update(zip(names, fields, strict=True))
        if len(result) != size + len(names):
            raise _Bail  # a key repeated
        rows: list[int] = list(accumulate(map(add, map(len, pairs), repeat(1)), initial=i))  # key and fields
        if keys is not None:
            keys.update(zip(map(path.__add__, zip(names)), zip(rows, repeat(indent)), strict=False))
        return rows[-1]

    def sequence(self, i: int, indent: int, depth: int, path: Path) -> tuple[list[Any], int]:
        result: list[Any] = []
        values = self.values if depth <= 2 else None
        lines = self.lines
        end = len(lines)
        while i < end:
            line = lines[i]
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                i += 1
                continue
            if len(line) - len(content) != indent or (content[0] != "-" or content[1:2] not in ("", " ")):
                break
            content = content.rstrip(" ")
            stripped = content[2:].lstrip(" ")
            column = indent + len(content) - len(stripped)
            if values is not None:
                values[(*path, len(result))] = (i, column)
            if not stripped or stripped[0] == "#":
                j, inner, _ = self.at(i + 1)
                if inner > indent:
                    value, i = self.block(j, depth + 1, (*path, len(result)))
                else:
                    value, i = None, i + 1
            elif stripped == "-" or stripped.startswith("- ") or _KEY.match(stripped):
                lines[i] = " " * column + line[column:]  # its own block starts here (line lengths stay)
                value, i = self.block(i, depth + 1, (*path, len(result)))
            elif stripped[0] not in _PLAIN_START_BAD and ":" not in stripped and "#" not in stripped:
                value, i = None if stripped in NULLS else stripped, i + 1
            else:
                value, i = _inline(stripped, MAX_DEPTH - depth), i + 1
            result.append(value)
        return result, i


def _json_values(texts: list[str]) -> list[Any] | None:
    """Each text read as one JSON value (numbers as their text), in one C loop; None if one is not,
    or if JSON and YAML may read one differently (see :func:`_inline`)."""
    joined = "\n".join(texts)
    if "true" in joined or "false" in joined or ("\\" in joined and _SURROGATE_ESCAPE.search(joined)):
        return None
    try:
        scanned = list(map(_JSON_SCAN, texts, repeat(0)))  # a text that is no JSON stops the list short
    except ValueError:
        return None
    if list(map(_SECOND, scanned)) != list(map(len, texts)):
        return None
    return list(map(_FIRST, scanned))


_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_GROUP = re.Match.group


def _quoted(single: str | None, double: str | None) -> str:
    return single.replace("''", "'") if single is not None else double  # type: ignore[return-value]


def _inline(rest: str, room: int) -> Any:
    """A value that starts on the current line and ends on it, in which ``room`` collections may open."""
    first = rest[0]
    if first in "[{'\"":
        if rest.count("[") + rest.count("{") > room:
            raise _Bail  # maybe nested too deep: parse_exact says where
        jsonish = first == '"' or rest[1:2] == '"' or rest in ("{}", "[]")
        # JSON's true and false and its surrogate-pair escapes mean other things to YAML.
        same_in_yaml = (
            "true" not in rest and "false" not in rest and not ("\\" in rest and _SURROGATE_ESCAPE.search(rest))
        )
        if jsonish and same_in_yaml:
            try:
                return _json(rest)
            except ValueError:
                pass
        return _flow(rest)
    if first in _PLAIN_START_BAD:
        raise _Bail
    cut = rest.find(" #")
    if cut >= 0:
        rest = rest[:cut].rstrip(" ")
    if ": " in rest or rest.endswith(":"):
        raise _Bail
    return None if rest in NULLS else rest


def _flow(text: str) -> Any:
    tokens: list[tuple[str, Any]] = []
    pos, end = 0, len(text)
    match = _FLOW.match
    while True:
        m = match(text, pos)
        if m is None:
            raise _Bail
        kind = m.lastgroup
        if kind == "end":
            break
        if kind == "ind":
            tokens.append((m.group("ind"), None))
        elif kind == "colon":
            tokens.append((":", None))
        elif kind == "plain":
            value = m.group("plain").rstrip(" ")
            tokens.append(("s", None if value in NULLS else value))
        else:
            tokens.append(("s", _quoted(m.group("sq"), m.group("dq"))))
        pos = m.end()
        if pos >= end:
            break
    value, i = _flow_node(tokens, 0, 1)
    if i != len(tokens):
        raise _Bail
    return value


def _flow_node(tokens: list[tuple[str, Any]], i: int, depth: int) -> tuple[Any, int]:
    if depth > MAX_DEPTH or i >= len(tokens):
        raise _Bail
    kind, value = tokens[i]
    if kind == "s":
        return value, i + 1
    if kind == "[":
        items: list[Any] = []
        i += 1
        while tokens[i][0] != "]" if i < len(tokens) else False:
            item, i = _flow_node(tokens, i, depth + 1)
            items.append(item)
            if i < len(tokens) and tokens[i][0] == ",":
                i += 1
                if i < len(tokens) and tokens[i][0] == "]":
                    raise _Bail  # a trailing comma: leave it to libyaml
            elif i >= len(tokens) or tokens[i][0] != "]":
                raise _Bail
        if i >= len(tokens):
            raise _Bail
        return items, i + 1
    if kind == "{":
        mapping: dict[str, Any] = {}
        i += 1
        while i < len(tokens) and tokens[i][0] != "}":
            key_kind, key = tokens[i]
            if key_kind != "s" or key is None or key in mapping:
                raise _Bail
            if i + 1 >= len(tokens) or tokens[i + 1][0] != ":":
                raise _Bail
            mapping[key], i = _flow_node(tokens, i + 2, depth + 1)
            if i < len(tokens) and tokens[i][0] == ",":
                i += 1
                if i < len(tokens) and tokens[i][0] == "}":
                    raise _Bail
            elif i >= len(tokens) or tokens[i][0] != "}":
                raise _Bail
        if i >= len(tokens):
            raise _Bail
        return mapping, i + 1
    raise _Bail
