"""Inventory format v1: YAML files in, a validated :class:`~graphanalyzer.model.Inventory` out.

The format is DESIGN section 1.  Loading reads the root file and its ``include``
files, checks every field, expands id ranges, applies ``defaults`` and checks
every reference.  All problems of all files are collected and raised together as
one :class:`~graphanalyzer.errors.InventoryError`, each at its ``FILE:LINE:COL``.

Files are read with :func:`graphanalyzer.yamltext.read`: the fast reader when the
text allows, which keeps positions only for declarations; when something is
wrong, the file is parsed again exactly so every problem gets its position.
Loading never writes anything.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "estate.yaml").write_text('''
... inventory: birdsite
... carriers: [ntt]
... hosts:
...   web-[1:2]: {depends_on: [ntt], capacity: 10}
... services:
...   timeline: {depends_on: [{any: [web-1, web-2], demand: 15}]}
... ''')
>>> inv = load(folder / "estate.yaml")
>>> inv.by_kind()
{'host': 2, 'carrier': 1, 'service': 1}
>>> inv.components["timeline"].requires
(Group(members=('web-1', 'web-2'), at_least=1, demand=15),)
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import hashlib
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphanalyzer import units
from graphanalyzer.bulk import paused_gc, record
from graphanalyzer.errors import InventoryError, Problem
from graphanalyzer.idranges import expand
from graphanalyzer.model import (
    KINDS,
    SECTIONS,
    Acceptance,
    Component,
    Distribution,
    Group,
    Inventory,
    Origin,
    Requirement,
)

if TYPE_CHECKING:  # the YAML reader is imported when a file is read: a cached inventory needs none of it
    from graphanalyzer.yamltext import Document
    from graphanalyzer.yamltext import Path as YPath

#: The largest inventory file read: about 1.5 million generated components.
MAX_BYTES = 256 * 2**20

_TOP = ("inventory", "description", "defaults", "include", "accept", "distributions", "components", *SECTIONS)
_DISTRIBUTION = ("artifact", "from", "to", "window", "scheme", "description")
_SCHEMES = ("central", "swarm")
_GROUP = ("any", "at_least", "of", "demand")
_GROUP_NAMES = frozenset(_GROUP)
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_INTEGER = re.compile(r"[-+]?[0-9]+")
_INVALID: Any = object()  # a field value already reported as wrong


def load(source: str | os.PathLike[str]) -> Inventory:
    """Load and validate an inventory file (``-`` reads standard input).

    Raises :class:`InventoryError` with every problem found.  (To load straight into
    the dependency graph, through the cache, use :func:`graphanalyzer.graph.load`.)
    """
    name, path, raw = read_root(source)
    return load_bytes(raw, name, path).inventory


@dataclass(frozen=True)
class Loaded:
    """A loaded inventory and what was read for it: each file with its digest, each folder listed."""

    inventory: Inventory
    files: tuple[tuple[str, str], ...]
    folders: tuple[tuple[str, tuple[str, ...]], ...]


def read_root(source: str | os.PathLike[str]) -> tuple[str, Path | None, bytes]:
    """The name, resolved path (None for standard input) and bytes of an inventory's root file."""
    if str(source) == "-":
        return "<stdin>", None, sys.stdin.buffer.read(MAX_BYTES + 1)
    name = str(source)
    try:
        return name, Path(source).resolve(), _read_bytes(Path(source))
    except OSError as error:
        raise InventoryError([Problem(name, 1, 1, f"cannot read: {error.strerror or error}")]) from None


def load_bytes(raw: bytes, name: str, path: Path | None) -> Loaded:
    """Load an inventory whose root file has been read; includes are relative to ``path``."""
    loader = _Loader(path.parent if path is not None else Path.cwd().resolve())
    with paused_gc():
        inventory = loader.run(raw, name, path)
    return Loaded(inventory, tuple(loader.read_files), tuple(loader.listed_dirs))


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder: name the inventory's root file")
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (or UTF-16 with a byte order mark) to text, or an InventoryError at the bad byte.

    >>> decode(b"a: \\xff", "x.yaml")
    Traceback (most recent call last):
    ...
    graphanalyzer.errors.InventoryError: x.yaml:1:4: not valid UTF-8 (byte 0xff)
    """
    try:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start
        line_start = raw.rfind(b"\n", 0, start) + 1
        column = len(raw[line_start:start].decode("utf-8", "replace")) + 1
        line = raw.count(b"\n", 0, start) + 1
        message = f"not valid UTF-8 (byte {raw[start]:#04x})"
        raise InventoryError([Problem(name, line, column, message)]) from None


@dataclass
class _Source:
    name: str
    path: Path | None
    text: str
    doc: Document


@dataclass
class _Issue:
    source: int
    path: YPath
    message: str
    key: bool = False
    related: tuple[int, YPath] | None = None  # "{first}" in message: where this was first seen


@dataclass
class _Defaults:
    """What ``defaults:`` sets: a component's record before its own fields, and the tags it starts with."""

    record: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)


class _Loader:
    """One load: the files read, the components declared, the issues found."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: list[_Source] = []
        self.issues: list[_Issue] = []
        self.warnings: list[_Issue] = []
        self.components: dict[str, Component] = {}
        self.declared: dict[str, tuple[int, YPath]] = {}
        self.read_files: list[tuple[str, str]] = []
        self.listed_dirs: list[tuple[str, tuple[str, ...]]] = []
        self.seen: set[Path] = set()
        self.interned: dict[Any, Any] = {}
        self.read_once: dict[tuple[str, type, Any], Any] = {}  # (field, value as written) -> value read
        self.name = ""
        self.description: str | None = None
        self.accepted: list[tuple[int, YPath, Acceptance]] = []
        self.distributions: dict[str, tuple[int, YPath, dict[str, Any]]] = {}
        self.bad_bandwidth: set[str] = set()  # already reported: not "missing" too

    # -- driving --------------------------------------------------------------------------

    def run(self, raw: bytes, name: str, path: Path | None) -> Inventory:
        if path is not None:
            self.seen.add(path)
        index = self._source(raw, name, path)
        if index is not None:
            self._file(index, _Defaults(dict(_BLANK)), root=True)
        self._check_references()
        distributions = self._resolve_distributions()
        problems = [p for s in self.sources for p in s.doc.problems]
        if problems or self.issues:
            raise InventoryError(problems + self._problems(self.issues))
        origins: dict[str, Origin] = {}
        for cid, (index, where) in self.declared.items():
            source = self.sources[index]
            line, column = source.doc.keys.get(where) or source.doc.mark(where, key=True)
            origins[cid] = (source.name, line + 1, column + 1)
        accepted = []
        for index, where, acceptance in self.accepted:
            line, column = self._exact(index).doc.mark(where)
            accepted.append(replace(acceptance, origin=(self.sources[index].name, line + 1, column + 1)))
        return Inventory(
            name=self.name,
            components=self.components,
            description=self.description,
            origins=origins,
            files=tuple(s.name for s in self.sources),
            warnings=tuple(sorted(self._problems(self.warnings))),
            accepted=tuple(accepted),
            distributions=distributions,
        )

    def _source(self, raw: bytes, name: str, path: Path | None) -> int | None:
        self.read_files.append((str(path or name), hashlib.blake2b(raw).hexdigest()))
        if len(raw) > MAX_BYTES:
            problem = Problem(name, 1, 1, f"file is larger than {MAX_BYTES // 2**20} MiB")
            raise InventoryError([problem])
        text = decode(raw, name)
        from graphanalyzer.yamltext import read

        self.sources.append(_Source(name, path, text, read(text, name)))
        return len(self.sources) - 1

    def issue(self, source: int, path: YPath, message: str, *, key: bool = False) -> Any:
        self.issues.append(_Issue(source, path, message, key))
        return _INVALID

    def _problems(self, issues: Iterable[_Issue]) -> list[Problem]:
        """Positions for issues, parsing a file exactly where the fast reader left gaps."""
        problems = []
        for issue in issues:
            source = self._exact(issue.source)
            line, column = source.doc.mark(issue.path, key=issue.key)
            message = issue.message
            if issue.related is not None:
                other = self._exact(issue.related[0])
                at_line, at_column = other.doc.mark(issue.related[1], key=True)
                message = message.format(first=f"{other.name}:{at_line + 1}:{at_column + 1}")
            problems.append(Problem(source.name, line + 1, column + 1, message))
        return problems

    def _exact(self, index: int) -> _Source:
        source = self.sources[index]
        if not source.doc.exact:
            from graphanalyzer.yamltext import parse_exact

            source.doc = parse_exact(source.text, source.name)
        return source

    # -- files ----------------------------------------------------------------------------

    def _file(self, index: int, inherited: _Defaults, *, root: bool) -> None:
        data = self.sources[index].doc.data
        if data is None and self.sources[index].doc.problems:
            return
        if not isinstance(data, dict):
            self.issue(index, (), "an inventory file is a mapping: inventory, components, hosts, ...")
            return
        allowed = _TOP if root else _TOP[1:]
        for key in data:
            if key == "inventory" and not root:
                self.issue(index, (key,), "only the root file names the inventory", key=True)
            elif key not in allowed:
                self.issue(index, (key,), _unknown("field", key, allowed), key=True)
        if root:
            if "inventory" not in data:
                self.issue(index, (), "missing field 'inventory' (the inventory's name)")
            else:
                name = self._text(index, ("inventory",), data["inventory"], "inventory")
                if name is None or name is _INVALID or not name.strip():
                    self.issue(index, ("inventory",), "inventory needs a name")
                else:
                    self.name = name
            description = self._text(index, ("description",), data.get("description"), "description")
            self.description = description if isinstance(description, str) else None
        elif "description" in data:
            self._text(index, ("description",), data["description"], "description")
        defaults = self._defaults(index, data.get("defaults"), inherited)
        if "components" in data:
            self._components(index, "components", data["components"], None, defaults)
        for section, kind in SECTIONS.items():
            if section in data:
                self._components(index, section, data[section], kind, defaults)
        if "include" in data:
            self._includes(index, data["include"], defaults)
        if "accept" in data:
            self._accept(index, data["accept"])
        if "distributions" in data:
            self._distributions(index, data["distributions"])

    def _accept(self, index: int, value: Any) -> None:
        """``accept: [{spof: ID, reason: TEXT, until: YYYY-MM-DD}]``: risks the owners accepted."""
        if not isinstance(value, list):
            self.issue(index, ("accept",), "accept is a list of {spof: ID, reason: TEXT, until: DATE}")
            return
        for i, entry in enumerate(value):
            path: YPath = ("accept", i)
            if not isinstance(entry, dict):
                self.issue(index, path, "an accepted risk is a mapping {spof: ID, reason: TEXT, until: DATE}")
                continue
            for key in entry:
                if key not in ("spof", "reason", "until"):
                    self.issue(index, (*path, key), _unknown("field", key, ("spof", "reason", "until")), key=True)
            spof, reason, until = entry.get("spof"), entry.get("reason"), entry.get("until")
            if not isinstance(spof, str) or not spof:
                self.issue(index, path, "an accepted risk names the component: spof: ID")
                continue
            if not isinstance(reason, str) or not reason.strip():
                self.issue(index, path, f"accepting '{spof}' needs a reason: reason: TEXT")
                continue
            if until is not None and not _is_date(until):
                self.issue(index, (*path, "until"), f"until must be a date like 2026-12-31, not {until!r}")
                continue
            self.accepted.append((index, path, Acceptance(spof, reason, until)))

    # -- distributions ----------------------------------------------------------------------

    def _distributions(self, index: int, value: Any) -> None:
        """``distributions: {NAME: {artifact: SIZE, from: ID, to: RECEIVERS, window: TIME, scheme: ...}}``.

        Sizes and times are read here; ``from`` and ``to`` once every component is known.
        """
        if not isinstance(value, dict):
            self.issue(index, ("distributions",), "distributions is a mapping of name: {artifact, from, to}")
            return
        for name, entry in value.items():
            where: YPath = ("distributions", name)
            if not isinstance(entry, dict):
                self.issue(index, where, f"distribution '{name}' is a mapping: {{artifact: SIZE, from: ID, to: ...}}")
                continue
            first = self.distributions.get(name)
            if first is not None:
                message = f"duplicate distribution '{name}' (first declared at {{first}})"
                self.issues.append(_Issue(index, where, message, True, first[:2]))
                continue
            for key in entry.keys() - set(_DISTRIBUTION):
                self.issue(index, (*where, key), _unknown("field", key, _DISTRIBUTION), key=True)
            fields: dict[str, Any] = {}
            for key, parse in (("artifact", units.size), ("window", units.duration)):
                if key in entry:
                    try:
                        fields[key] = parse(entry[key])
                    except ValueError as error:
                        self.issue(index, (*where, key), str(error))
            scheme = entry.get("scheme", "central")
            if scheme not in _SCHEMES:
                self.issue(index, (*where, "scheme"), f"scheme is central or swarm, not {_describe(scheme)}")
            fields["scheme"] = scheme
            for key in ("artifact", "from", "to"):
                if entry.get(key) is None:
                    self.issue(index, where, f"distribution '{name}' needs '{key}'", key=True)
            self._text(index, (*where, "description"), entry.get("description"))
            self.distributions[name] = (index, where, fields)

    def _resolve_distributions(self) -> tuple[Distribution, ...]:
        """Each distribution with its sources and receivers, now that every component is known."""
        result = []
        for name, (index, where, fields) in self.distributions.items():
            entry = _get(self.sources[index].doc.data, where)
            issues = len(self.issues)
            sources = self._distribution_sources(index, (*where, "from"), entry.get("from"))
            receivers = self._receivers(index, (*where, "to"), entry.get("to"), set(sources))
            for path, ids, what in (((*where, "from"), sources, "source"), ((*where, "to"), receivers, "receiver")):
                slow = [cid for cid in ids if self.components[cid].bandwidth is None and cid not in self.bad_bandwidth]
                if slow:
                    noun = f"{what} {slow[0]} has" if len(slow) == 1 else f"{len(slow):,} {what}s have"
                    example = f" ({', '.join(slow[:3])}{', ...' if len(slow) > 3 else ''})" if len(slow) > 1 else ""
                    them = "it" if len(slow) == 1 else "them"
                    self.issue(index, path, f"{noun} no bandwidth{example}: give {them} one, e.g. bandwidth: 1 Gbit/s")
            if len(self.issues) > issues or "artifact" not in fields:
                continue
            line, column = self.sources[index].doc.mark(where, key=True)  # a second-level key: known even when fast
            origin = (self.sources[index].name, line + 1, column + 1)
            result.append(
                Distribution(
                    name, fields["artifact"], sources, receivers, fields.get("window"), fields["scheme"], origin
                )
            )
        return tuple(result)

    def _distribution_sources(self, index: int, path: YPath, value: Any) -> tuple[str, ...]:
        """``from``: a component id, or a list of them (the release needs one of them up)."""
        if value is None:
            return ()
        items = [(path, value)] if isinstance(value, str) else None
        if isinstance(value, list) and value:
            items = [((*path, i), item) for i, item in enumerate(value)]
        if items is None:
            self.issue(index, path, "from names the source: an id, or a list of ids")
            return ()
        sources: dict[str, None] = {}
        for where, item in items:
            if not isinstance(item, str):
                self.issue(index, where, f"a source is an id, not {_describe(item)}")
                continue
            for cid in self._ids(index, where, item):
                if cid in self.components:
                    sources[cid] = None
                else:
                    self.issue(index, where, _unknown_id(cid, self.components))
        return tuple(sources)

    def _receivers(self, index: int, path: YPath, value: Any, sources: set[str]) -> tuple[str, ...]:
        """``to``: a kind, ``{kind: K, tags: {name: text}}``, or a list of ids; the sources left out."""
        components = self.components
        if value is None:
            return ()
        if isinstance(value, list):
            receivers: dict[str, None] = {}
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    self.issue(index, (*path, i), f"a receiver is an id, not {_describe(item)}")
                    continue
                for cid in self._ids(index, (*path, i), item):
                    if cid in components:
                        receivers[cid] = None
                    else:
                        self.issue(index, (*path, i), _unknown_id(cid, components))
            chosen = list(receivers)
            what = "the ids listed"
        elif isinstance(value, str):
            kinds = {c.kind for c in components.values()}
            if value not in kinds:
                close = difflib.get_close_matches(value, sorted(kinds), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                if value in components or "[" in value:
                    hint = f" (to name components, list them: to: [{value}])"
                self.issue(index, path, f"no component has kind '{value}'{hint}")
                return ()
            chosen = [cid for cid, c in components.items() if c.kind == value]
            what = f"kind '{value}'"
        elif isinstance(value, dict) and value and value.keys() <= {"kind", "tags"}:
            kind, tags = value.get("kind"), value.get("tags", {})
            if kind is not None and not isinstance(kind, str):
                self.issue(index, (*path, "kind"), f"kind must be text, not {_describe(kind)}")
                return ()
            if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
                self.issue(index, (*path, "tags"), "tags is a mapping of name: text that receivers carry")
                return ()
            wanted = set(tags.items())
            chosen = [
                cid for cid, c in components.items() if (kind is None or c.kind == kind) and wanted <= set(c.tags)
            ]
            what = " and ".join([*([f"kind '{kind}'"] if kind else []), *(f"tag {k}={v}" for k, v in tags.items())])
        else:
            self.issue(index, path, "to is a kind, {kind: K, tags: {name: text}}, or a list of ids")
            return ()
        chosen = [cid for cid in chosen if cid not in sources]
        if not chosen:
            self.issue(index, path, f"no receivers: nothing but the source matches {what}")
        return tuple(chosen)

    def _defaults(self, index: int, value: Any, inherited: _Defaults) -> _Defaults:
        result = _Defaults(dict(inherited.record), dict(inherited.tags))
        if value is None:
            return result
        if not isinstance(value, dict):
            self.issue(index, ("defaults",), f"defaults must be a mapping of {', '.join(_DEFAULTS)}")
            return result
        for key, item in value.items():
            path = ("defaults", key)
            if key not in _DEFAULTS:
                self.issue(index, path, _unknown("default", key, _DEFAULTS), key=True)
            elif key == "tags":
                tags = self._tags(index, path, item)
                result.tags.update(tags if isinstance(tags, dict) else {})
            else:
                spec = FIELDS[key]
                read = _BLANK[spec.attribute] if item is None else spec.read(self, index, path, item)
                result.record[spec.attribute] = _BLANK[spec.attribute] if read is _INVALID else read
        items = tuple(result.tags.items())
        result.record["tags"] = self.interned.setdefault(items, items)
        return result

    def _includes(self, index: int, value: Any, defaults: _Defaults) -> None:
        source = self.sources[index]
        entries: list[tuple[YPath, Any]]
        if isinstance(value, str):
            entries = [(("include",), value)]
        elif isinstance(value, list):
            entries = [(("include", i), item) for i, item in enumerate(value)]
        else:
            self.issue(index, ("include",), "include is a list of files and folders")
            return
        base = source.path.parent if source.path is not None else Path.cwd()
        shown_base = os.path.dirname(source.name) if source.path is not None else ""
        for where, entry in entries:
            if not isinstance(entry, str) or not entry:
                self.issue(index, where, "an include is a file or folder name")
                continue
            target = (base / entry).resolve()
            if not target.is_relative_to(self.root):
                self.issue(index, where, f"include '{entry}' leaves the inventory's folder")
                continue
            if target.is_dir():
                files = sorted(
                    f
                    for f in target.rglob("*")
                    if f.suffix in (".yaml", ".yml") and f.is_file() and f.resolve().is_relative_to(self.root)
                )
                self.listed_dirs.append((str(target), tuple(str(f.relative_to(target)) for f in files)))
                if not files:
                    self.issue(index, where, f"folder '{entry}' holds no .yaml or .yml files")
                files = [f for f in files if f.resolve() not in self.seen]
            elif target.is_file():
                if target in self.seen:
                    self.issue(index, where, f"'{entry}' is already part of the inventory")
                    continue
                files = [target]
            else:
                self.issue(index, where, f"cannot include '{entry}': no such file or folder")
                continue
            for file in files:
                resolved = file.resolve()
                self.seen.add(resolved)
                shown = os.path.normpath(os.path.join(shown_base, entry, os.path.relpath(file, target)))
                try:
                    raw = _read_bytes(resolved)
                except OSError as error:
                    self.issue(index, where, f"cannot read '{shown}': {error.strerror or error}")
                    continue
                included = self._source(raw, shown, resolved)
                if included is not None:
                    self._file(included, defaults, root=False)

    # -- components -----------------------------------------------------------------------

    def _components(self, index: int, section: str, value: Any, kind: str | None, defaults: _Defaults) -> None:
        if value is None:
            return
        entries: Iterator[tuple[YPath, Any, Any]]
        if isinstance(value, dict):
            if _plain_ids(value) and self.declared.keys().isdisjoint(value):
                # The common case, declared for all at once: ids as written, none declared before.
                self.declared.update(zip(value, zip(repeat(index), zip(repeat(section), value)), strict=True))
                for cid, fields in value.items():
                    self._declare(index, (section, cid), cid, fields, kind, defaults, [cid])
                return
            entries = (((section, cid), cid, fields) for cid, fields in value.items())
        elif isinstance(value, list) and kind is not None:
            entries = self._listed(index, section, value)
        else:
            form = "id: {fields}" if kind is None else "id: {fields}, or a list of ids"
            self.issue(index, (section,), f"{section} must be a mapping of {form}")
            return
        for where, cid, fields in entries:
            self._declare(index, where, cid, fields, kind, defaults)

    def _listed(self, index: int, section: str, items: list[Any]) -> Iterator[tuple[YPath, Any, Any]]:
        for i, item in enumerate(items):
            if isinstance(item, str):
                yield (section, i), item, None
            elif isinstance(item, dict) and len(item) == 1:
                ((cid, fields),) = item.items()
                yield (section, i, cid), cid, fields
            else:
                self.issue(index, (section, i), f"each entry of {section} is an id or {{id: {{fields}}}}")

    def _declare(
        self,
        index: int,
        where: YPath,
        raw_id: str,
        fields: Any,
        kind: str | None,
        defaults: _Defaults,
        declared: list[str] | None = None,
    ) -> None:
        """Declare the components ``raw_id`` names (``declared``: its ids, when already declared)."""
        if fields is None:
            fields = {}
        elif fields.__class__ is not dict:
            self.issue(index, where, f"'{raw_id}' needs a mapping of fields, e.g. {{kind: host}}")
            return
        issues = len(self.issues)
        ids = declared
        if ids is None:
            ids = []
            for cid in [raw_id] if _plain_id(raw_id) else self._ids(index, where, raw_id, key=True):
                first = self.declared.get(cid)
                if first is None:
                    self.declared[cid] = (index, where)
                    ids.append(cid)
                else:
                    message = f"duplicate id '{cid}' (first declared at {{first}})"
                    self.issues.append(_Issue(index, where, message, True, first))
        if not _NAMES.issuperset(fields):
            for name in fields.keys() - _NAMES:
                self.issue(index, (*where, name), _unknown("field", name, sorted(_NAMES)), key=True)
        if kind is None or "kind" in fields:
            kind = self._kind(index, where, raw_id, fields, kind)
            if kind is None:
                return
        values = defaults.record.copy()
        values["kind"] = kind
        read_once = self.read_once
        for name, written in fields.items():
            spec = FIELDS.get(name)
            if spec is None or written is None:
                continue
            # The same value as written reads the same wherever it is written.
            cls = written.__class__
            form = written if cls is str else _form(written)
            try:
                value = read_once[name, cls, form]
            except KeyError:
                before = len(self.issues)
                value = spec.read(self, index, (*where, name), written)
                if len(self.issues) == before:
                    read_once[name, cls, form] = value
            values[spec.attribute] = value
        if defaults.tags and "tags" in fields and values["tags"] is not _INVALID:
            merged = tuple({**defaults.tags, **dict(values["tags"])}.items())
            values["tags"] = self.interned.setdefault(merged, merged)
        if len(self.issues) > issues:
            # The load will fail, but a best-effort record still has its references
            # checked, so that one run reports every problem.
            if values.get("bandwidth") is _INVALID:
                self.bad_bandwidth.update(ids)  # reported: not "missing" too
            values = {name: _BLANK[name] if value is _INVALID else value for name, value in values.items()}
        for cid in ids:
            values["id"] = cid
            self.components[cid] = record(Component, values if len(ids) == 1 else values.copy())

    def _kind(self, index: int, where: YPath, raw_id: str, fields: dict[str, Any], kind: str | None) -> Any:
        """The component's kind: its section's, or its ``kind`` field's; None when it has none."""
        if kind is not None:
            if "kind" in fields and fields["kind"] != kind:
                self.issue(index, (*where, "kind"), f"components under this section have kind '{kind}'")
            return kind
        if "kind" not in fields:
            self.issue(index, where, f"'{raw_id}' needs a kind (host, rack, service, ...)", key=True)
            return None
        kind = self._text(index, (*where, "kind"), fields["kind"])
        if kind is None:
            self.issue(index, (*where, "kind"), "kind must not be empty")
            return None
        if kind is not _INVALID and kind not in KINDS:
            close = difflib.get_close_matches(kind, KINDS, n=1, cutoff=0.75)
            if close:
                message = f"'{raw_id}' has kind '{kind}': did you mean '{close[0]}'?"
                self.warnings.append(_Issue(index, where, message, key=True))
        return kind

    # -- field readers: the text tree as written -> the model's value, or _INVALID -----------

    def _container(self, index: int, path: YPath, value: Any) -> Any:
        if _plain_id(value):
            return value
        return self._single_id(index, path, value)

    def _bandwidth(self, index: int, path: YPath, value: Any) -> Any:
        try:
            return units.bandwidth(value)
        except ValueError as error:
            return self.issue(index, path, str(error))

    def _capacity(self, index: int, path: YPath, value: Any) -> Any:
        if value.__class__ is str and value.isascii() and value.isdigit():
            return int(value)
        return self._field_number(index, path, value)

    def _field_number(self, index: int, path: YPath, value: Any) -> Any:
        name = str(path[-1])
        number = self._number(index, path, value, name)
        if number is None or number is _INVALID:
            return number
        if name == "availability" and not 0 < number <= 1:
            return self.issue(index, path, f"availability must be in (0, 1], not {value}")
        if number < 0:
            return self.issue(index, path, f"{name} must not be negative, not {value}")
        return number

    def _slo(self, index: int, path: YPath, value: Any) -> Any:
        """An availability objective: ``99.95%`` or ``0.9995``, as a fraction in (0, 1]."""
        text = value.strip() if isinstance(value, str) else value
        percent = isinstance(text, str) and text.endswith("%")
        number = self._number(index, path, text[:-1].rstrip() if percent else text, "slo")
        if number is None or number is _INVALID:
            return number
        if percent and not 0 < number <= 100:
            return self.issue(index, path, f"slo must be a percentage in (0, 100], not {value}")
        if not percent and not 0 < number <= 1:
            return self.issue(index, path, f"slo must be in (0, 1] or a percentage like 99.95%, not {value}")
        return round(number / 100, 12) if percent else number

    def _tag_items(self, index: int, path: YPath, value: Any) -> Any:
        tags = self._tags(index, path, value)
        if tags is _INVALID:
            return _INVALID
        items = tuple(tags.items())
        return self.interned.setdefault(items, items)  # hosts share a few tag sets

    def _requirements(self, index: int, path: YPath, value: Any) -> Any:
        if value.__class__ is list:
            items, listed = value, True
        elif isinstance(value, (str, dict)):
            items, listed = [value], False
        else:
            self.issue(index, path, "depends_on is a list of ids and groups")
            return ()
        result: list[Requirement] = []
        for i, item in enumerate(items):
            if item.__class__ is str and _plain_id(item):
                result.append(item)
                continue
            where = (*path, i) if listed else path
            if item.__class__ is str:
                result.extend(self._ids(index, where, item))
            elif item.__class__ is dict:
                group = self._group(index, where, item)
                if group is not _INVALID:
                    result.append(group)
            else:
                self.issue(index, where, "a requirement is an id, {any: [ids]} or {at_least: K, of: [ids]}")
        return tuple(dict.fromkeys(result))

    def _group(self, index: int, where: YPath, item: dict[str, Any]) -> Any:
        unknown = item.keys() - _GROUP_NAMES
        for key in unknown:
            self.issue(index, (*where, key), _unknown("field", key, _GROUP), key=True)
        if "any" in item and ("at_least" in item or "of" in item):
            return self.issue(index, where, "a group has either 'any: [ids]' or 'at_least: K' with 'of: [ids]'")
        if "any" in item:
            members, at_least = self._id_list(index, (*where, "any"), item["any"]), 1
        elif "at_least" in item and "of" in item:
            members = self._id_list(index, (*where, "of"), item["of"])
            at_least = self._number(index, (*where, "at_least"), item["at_least"], "at_least", integer=True)
            if at_least is None:
                at_least = self.issue(index, (*where, "at_least"), "at_least needs a whole number")
            elif at_least is not _INVALID and at_least < 1:
                at_least = self.issue(index, (*where, "at_least"), f"at_least must be 1 or more, not {at_least}")
        elif "at_least" in item:
            return self.issue(index, where, "at_least needs 'of: [ids]'")
        elif "of" in item:
            return self.issue(index, where, "'of' needs 'at_least: K' (or write 'any: [ids]')")
        elif unknown:
            return _INVALID
        else:
            return self.issue(index, where, "a group needs 'any: [ids]' or 'at_least: K' with 'of: [ids]'")
        demand = item.get("demand")
        if demand is not None:
            demand = self._field_number(index, (*where, "demand"), demand)
        if members is _INVALID:
            return _INVALID
        if at_least is not _INVALID and at_least > len(members):
            noun = "member" if len(members) == 1 else "members"
            message = f"at_least {at_least} is more than the {len(members)} {noun} listed"
            at_least = self.issue(index, (*where, "at_least"), message)
        group = Group(tuple(members), _valid(at_least, 1), _valid(demand, None))
        return self.interned.setdefault(group, group)  # e.g. the same DNS pair behind every service

    def _id_list(self, index: int, path: YPath, value: Any) -> Any:
        if value.__class__ is list:
            items, listed = value, True
        elif isinstance(value, str):
            items, listed = [value], False
        else:
            return self.issue(index, path, "a group lists ids: [a, b] (quote ranges: ['web-[1:4]'])")
        if not items:
            return self.issue(index, path, "a group needs at least one member")
        members: dict[str, None] = {}
        for i, item in enumerate(items):
            if item.__class__ is str and _plain_id(item) and item not in members:
                members[item] = None
                continue
            where = (*path, i) if listed else path
            if not isinstance(item, str):
                self.issue(index, where, f"a member is an id, not {_describe(item)}")
                continue
            for cid in [item] if _plain_id(item) else self._ids(index, where, item):
                if cid in members:
                    self.issue(index, where, f"'{cid}' is listed twice in this group")
                members[cid] = None
        return list(members) if members else _INVALID

    def _ids(self, index: int, where: YPath, text: str, *, key: bool = False) -> list[str]:
        if _plain_id(text):
            return [text]
        if not text or not text.isprintable() or text[0] == " " or text[-1] == " ":
            self.issue(
                index, where, f"'{text}' is not a usable id (empty, control characters or outer spaces)", key=key
            )
            return []
        try:
            return expand(text)
        except ValueError as error:
            self.issue(index, where, str(error), key=key)
            return []

    def _single_id(self, index: int, path: YPath, value: Any) -> Any:
        if not isinstance(value, str):
            return self.issue(index, path, f"'in' names one container, not {_describe(value)}")
        ids = self._ids(index, path, value)
        if len(ids) != 1:
            return _INVALID if not ids else self.issue(index, path, "'in' names one container, not a range")
        return ids[0]

    # -- scalars --------------------------------------------------------------------------

    def _text(self, index: int, path: YPath, value: Any, name: str | None = None) -> Any:
        if value is None or isinstance(value, str):
            return value
        return self.issue(index, path, f"{name or path[-1]} must be text, not {_describe(value)}")

    def _number(self, index: int, path: YPath, value: Any, name: str, *, integer: bool = False) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            if _INTEGER.fullmatch(value):
                return int(value)
            if not integer and _NUMBER.fullmatch(value) and math.isfinite(float(value)):
                return float(value)
        kind = "a whole number" if integer else "a number"
        return self.issue(index, path, f"{name} must be {kind}, not {_describe(value)}")

    def _tags(self, index: int, path: YPath, value: Any) -> Any:
        if not isinstance(value, dict):
            return self.issue(index, path, "tags must be a mapping of name: text")
        for key, item in value.items():
            if not isinstance(item, str):
                self.issue(index, (*path, key), f"tag '{key}' must be text, not {_describe(item)}")
        return value

    # -- across files ---------------------------------------------------------------------

    def _check_references(self) -> None:
        components, declared = self.components, self.declared
        records = components.values()
        requirements = {r for c in records for r in c.requires}  # ids and (interned) groups
        groups = [r for r in requirements if r.__class__ is Group]
        named = {c.container for c in records}
        named.update(r for r in requirements if r.__class__ is str)
        named.update(m for g in groups for m in g.members)
        named.discard(None)
        short = {
            g
            for g in groups
            if g.demand is not None and all(components[m].capacity is None for m in g.members if m in components)
        }
        if short or not named <= declared.keys() or any(c.container == c.id for c in records):
            self._check_each_reference()
        for index, where, acceptance in self.accepted:
            if acceptance.spof not in declared:
                self.issue(index, (*where, "spof"), _unknown_id(acceptance.spof, components))
        self._check_containment()

    def _check_each_reference(self) -> None:
        """Locate each reference to nothing, and each demand on members without capacity."""
        components, declared = self.components, self.declared
        for cid, component in components.items():
            container = component.container
            if container is not None:
                if container == cid:
                    self._locate(cid, "in", cid, "a component cannot be in itself")
                elif container not in declared:
                    self._locate(cid, "in", container, _unknown_id(container, components))
            for requirement in component.requires:
                if isinstance(requirement, str):
                    if requirement not in declared:
                        self._locate(cid, "depends_on", requirement, _unknown_id(requirement, components))
                    continue
                for member in requirement.members:
                    if member not in declared:
                        self._locate(cid, "depends_on", member, _unknown_id(member, components))
                if requirement.demand is not None and all(
                    components[m].capacity is None for m in requirement.members if m in components
                ):
                    index, where = declared[cid]
                    message = f"'{cid}' sets a demand on {requirement.describe()} but none of them has a capacity"
                    self.warnings.append(_Issue(index, where, message, key=True))

    def _check_containment(self) -> None:
        # Chains that end (a site in nothing, then its rooms, its racks...) are peeled off a
        # level at a time; what is left is walked one by one: cycles, and what is in them.
        inside = {cid: c.container for cid, c in self.components.items() if c.container is not None}
        for _ in range(16):
            deeper = {cid: container for cid, container in inside.items() if container in inside}
            if len(deeper) == len(inside):
                break
            inside = deeper
        state: dict[str, int] = {}
        for start in inside:
            chain = []
            cid: str | None = start
            while cid in inside and state.get(cid, 0) == 0:
                state[cid] = 1
                chain.append(cid)
                cid = inside[cid]
            if cid in inside and state[cid] == 1:  # the chain came back to itself
                cycle = chain[chain.index(cid) :]
                if len(cycle) > 1:  # a component in itself is reported on its own
                    self._locate(cycle[0], "in", cycle[1], "containment cycle: " + " in ".join([*cycle, cycle[0]]))
            for member in chain:
                state[member] = 2

    def _locate(self, cid: str, field_name: str, ref: str, message: str) -> None:
        """Report a problem with reference ``ref`` at the place in ``cid``'s declaration naming it."""
        index, where = self.declared[cid]
        fields = _get(self.sources[index].doc.data, where)
        for path in _paths_naming(fields.get(field_name) if isinstance(fields, dict) else None, ref):
            self.issue(index, (*where, field_name, *path), message)
            return
        self.issue(index, where, message, key=True)


@dataclass(frozen=True)
class Field:
    """How a component field is read: the Component attribute it sets, and its reader.

    A reader takes the source, the field's path and the value as written (text, a
    list or a mapping; never None, which means "not set"), and gives the model's
    value, or reports what is wrong with ``issue`` and gives ``_INVALID``.  A value
    written as text is read once per distinct text and field.
    """

    attribute: str
    read: Callable[[_Loader, int, YPath, Any], Any]
    defaults: bool = False  # whether ``defaults:`` may set it


#: The fields of a component as written in YAML (``kind`` is read with the section).
#: To add a field: an attribute of :class:`~graphanalyzer.model.Component`, a line
#: here, and a reader if the value needs more than being text.
FIELDS: dict[str, Field] = {
    "in": Field("container", _Loader._container),
    "depends_on": Field("requires", _Loader._requirements),
    "capacity": Field("capacity", _Loader._capacity, defaults=True),
    "availability": Field("availability", _Loader._field_number, defaults=True),
    "slo": Field("slo", _Loader._slo, defaults=True),
    "description": Field("description", _Loader._text),
    "owner": Field("owner", _Loader._text, defaults=True),
    "tags": Field("tags", _Loader._tag_items, defaults=True),
    "bandwidth": Field("bandwidth", _Loader._bandwidth),
}
_NAMES = frozenset(("kind", *FIELDS))
_DEFAULTS = tuple(sorted(name for name, spec in FIELDS.items() if spec.defaults))
#: A record before its fields are read: every attribute at its default (and the stand-in
#: for a value reported as wrong).
_BLANK: dict[str, Any] = {
    f.name: None if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(Component)
} | {"kind": "?"}


def _form(written: list[Any] | dict[str, Any]) -> Any:
    """A key for a list or mapping as written: equal trees, equal keys.  The tuple of its items when
    they are scalars (as tags and most lists are), else its repr (equal trees have equal reprs).  The
    readers give scalars as text, booleans (JSON lines) or None, and no two different ones of those
    compare equal (numbers, which would, as ``1 == True``, are kept as text), so equal keys mean
    equal trees.

    >>> _form({"env": "prod"}), _form(["a", None]), _form([{"any": ["a"]}])
    ((('env', 'prod'),), ('a', None), "[{'any': ['a']}]")
    """
    form = tuple(written.items()) if written.__class__ is dict else tuple(written)
    try:
        hash(form)
    except TypeError:  # lists or mappings inside
        return repr(written)
    return form


def _plain_id(text: Any) -> bool:
    """Whether text is an id as written: no range, printable, no outer spaces (the common case)."""
    return (
        text.__class__ is str
        and "[" not in text
        and "]" not in text
        and text.isprintable()
        and text[:1] not in ("", " ")
        and text[-1] != " "
    )


def _plain_ids(ids: Iterable[str]) -> bool:
    """Whether every one of these texts is an id as written (:func:`_plain_id`), checked for all at once.

    >>> _plain_ids(["web-1", "db 2"]), _plain_ids(["web-[1:2]"]), _plain_ids(["web-1", " db"]), _plain_ids(["a", ""])
    (True, False, False, False)
    """
    lines = "\n" + "\n".join(ids) + "\n"
    return (
        "".join(ids).isprintable()  # no line breaks inside an id either
        and "[" not in lines
        and "]" not in lines
        and "\n " not in lines
        and " \n" not in lines
        and "\n\n" not in lines  # an empty id (or none at all)
    )


def _valid(value: Any, fallback: Any) -> Any:
    return fallback if value is _INVALID else value


def _paths_naming(value: Any, ref: str) -> Iterator[YPath]:
    """Paths inside a field's raw value where an id pattern expands to ``ref``."""
    if isinstance(value, str):
        try:
            if ref in expand(value):
                yield ()
        except ValueError:
            pass
    elif isinstance(value, list):
        for i, item in enumerate(value):
            for path in _paths_naming(item, ref):
                yield (i, *path)
    elif isinstance(value, dict):
        for key in ("any", "of"):
            for path in _paths_naming(value.get(key), ref):
                yield (key, *path)


def _get(data: Any, path: YPath) -> Any:
    for step in path:
        data = data[step]
    return data


def _unknown(what: str, name: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (expected one of: {', '.join(allowed)})"
    return f"unknown {what} '{name}'{hint}"


def _unknown_id(ref: str, components: dict[str, Component]) -> str:
    pool = [cid for cid in components if cid[:1] == ref[:1] and abs(len(cid) - len(ref)) <= 3]
    close = difflib.get_close_matches(ref, pool[:20000], n=1, cutoff=0.75)
    return f"unknown component '{ref}'" + (f" (did you mean '{close[0]}'?)" if close else "")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"'{value}'"


def _is_date(value: Any) -> bool:
    """An ISO calendar date, ``YYYY-MM-DD``."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
