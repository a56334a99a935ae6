"""Inventory model to YAML text: one line per component, under its kind's section.

The inverse of :func:`graphanalyzer.inventory.load` (property tests check the round
trip).  Ids and names are written plain where that is unambiguous, else quoted;
each component's fields are a flow mapping written the JSON way, which is YAML
too, and which the loader's fast path hands to the C JSON decoder: a generated
estate of 100,000 components loads several times faster so.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> print(dumps(Inventory("tiny", {
...     "web-1": Component("web-1", "host", capacity=10, description="front, left"),
...     "app": Component("app", "service", requires=(Group(("web-1",), demand=5), "no")),
...     "no": Component("no", "widget"),
... })), end="")
inventory: tiny
hosts:
  web-1: {"capacity": 10, "description": "front, left"}
services:
  app: {"depends_on": [{"any": ["web-1"], "demand": 5}, "no"]}
components:
  no: {"kind": "widget"}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from graphanalyzer.model import DEFAULT_AVAILABILITY, SECTIONS, Component, Distribution, Group, Inventory
from graphanalyzer.yamltext import NULLS

_PLAIN = re.compile(r"[A-Za-z0-9_./(][A-Za-z0-9_./()+=$^~-]*")
_NEEDS_ESCAPE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def scalar(text: str) -> str:
    """A string as a YAML scalar that reads back as the same text.

    >>> [scalar(t) for t in ["web-1", "no", "a, b", "it's", "two\\nlines", "null"]]
    ['web-1', 'no', "'a, b'", "'it''s'", '"two\\\\nlines"', "'null'"]
    """
    if _PLAIN.fullmatch(text) and text not in NULLS:
        return text
    if not _NEEDS_ESCAPE.search(text):
        return "'" + text.replace("'", "''") + "'"
    return quoted(text)


def quoted(text: str) -> str:
    """A string double-quoted with escapes that YAML and JSON read alike.

    >>> print(quoted('say "hi"\\n'))
    "say \\"hi\\"\\n"
    """
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "\\n" if code == 0x0A else f"\\u{code:04x}"  # every such character is in the BMP


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def _ids(ids: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(quoted, ids)) + "]"


def _requirement(requirement: str | Group) -> str:
    if isinstance(requirement, str):
        return quoted(requirement)
    if requirement.at_least == 1:
        text = f'"any": {_ids(requirement.members)}'
    else:
        text = f'"at_least": {requirement.at_least}, "of": {_ids(requirement.members)}'
    if requirement.demand is not None:
        text += f', "demand": {_number(requirement.demand)}'
    return "{" + text + "}"


def component_fields(component: Component, *, with_kind: bool) -> str:
    """A component's fields as a one-line flow mapping, written the JSON way."""
    fields = []
    if with_kind:
        fields.append(f'"kind": {quoted(component.kind)}')
    if component.container is not None:
        fields.append(f'"in": {quoted(component.container)}')
    if component.requires:
        fields.append('"depends_on": [' + ", ".join(map(_requirement, component.requires)) + "]")
    if component.capacity is not None:
        fields.append(f'"capacity": {_number(component.capacity)}')
    if component.availability != DEFAULT_AVAILABILITY:
        fields.append(f'"availability": {_number(component.availability)}')
    if component.slo is not None:
        fields.append(f'"slo": {_number(component.slo)}')
    if component.bandwidth is not None:
        fields.append(f'"bandwidth": {quoted(_bandwidth(component.bandwidth))}')
    if component.description is not None:
        fields.append(f'"description": {quoted(component.description)}')
    if component.owner is not None:
        fields.append(f'"owner": {quoted(component.owner)}')
    if component.tags:
        tags = ", ".join(f"{quoted(k)}: {quoted(v)}" for k, v in component.tags)
        fields.append(f'"tags": {{{tags}}}')
    return "{" + ", ".join(fields) + "}"


def dumps(inventory: Inventory) -> str:
    """The inventory as YAML (format v1), components grouped by kind in declaration order."""
    lines = [f"inventory: {scalar(inventory.name)}"]
    if inventory.description is not None:
        lines.append(f"description: {scalar(inventory.description)}")
    if inventory.accepted:
        lines.append("accept:")
        for a in inventory.accepted:
            entry = {"spof": a.spof, "reason": a.reason, **({"until": a.until} if a.until else {})}
            lines.append(f"  - {json.dumps(entry, ensure_ascii=False)}")
    by_section: dict[str, list[Component]] = {}
    kinds = {kind: section for section, kind in SECTIONS.items()}
    for component in inventory.components.values():
        by_section.setdefault(kinds.get(component.kind, "components"), []).append(component)
    for section in [*SECTIONS, "components"]:
        if section in by_section:
            lines.append(f"{section}:")
            with_kind = section == "components"
            lines.extend(f"  {scalar(c.id)}: {component_fields(c, with_kind=with_kind)}" for c in by_section[section])
    if inventory.distributions:
        lines.append("distributions:")
        for d in inventory.distributions:
            written = ", ".join(f"{quoted(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in _release(d))
            lines.append(f"  {scalar(d.name)}: {{{written}}}")
    return "\n".join(lines) + "\n"


def _release(distribution: Distribution) -> list[tuple[str, Any]]:
    """A distribution's fields as written: quantities with their units, receivers listed."""
    from graphanalyzer import units

    fields: list[tuple[str, Any]] = [
        ("artifact", _quantity(distribution.artifact, units.size_text, units.size, "B")),
        ("from", list(distribution.sources)),
        ("to", list(distribution.receivers)),
    ]
    if distribution.window is not None:
        fields.append(("window", _quantity(distribution.window, units.duration_text, units.duration, "s")))
    if distribution.scheme != "central":
        fields.append(("scheme", distribution.scheme))
    return fields


def _bandwidth(bits_per_second: float) -> str:
    from graphanalyzer import units

    return _quantity(bits_per_second, units.bandwidth_text, units.bandwidth, "bit/s")


def _quantity(value: float, shown: Callable[[float], str], read: Callable[[str], float], unit: str) -> str:
    """A quantity as people write it (``1 Gbit/s``) when that reads back as the same number, else in ``unit``.

    >>> from graphanalyzer import units
    >>> _quantity(1e9, units.bandwidth_text, units.bandwidth, "bit/s"), _quantity(1.234567e9, units.bandwidth_text,
    ...     units.bandwidth, "bit/s")
    ('1 Gbit/s', '1234567000.0 bit/s')
    """
    text = shown(value)
    return text if read(text) == value else f"{_number(value)} {unit}"


def dumps_block(inventory: Inventory) -> str:
    """The inventory as people write it (block style), for importers: components by kind, in order.

    >>> from graphanalyzer.model import Component, Group, Inventory
    >>> print(dumps_block(Inventory("shop", {
    ...     "db": Component("db", "service", tags=(("image", "postgres:16"),)),
    ...     "web": Component("web", "service", requires=("db", Group(("a", "b"), at_least=2))),
    ...     "a": Component("a", "host", container="rack 1"),
    ... })), end="")
    inventory: shop
    hosts:
      a:
        in: 'rack 1'
    services:
      db:
        tags:
          image: 'postgres:16'
      web:
        depends_on:
          - db
          - at_least: 2
            of: [a, b]
    """
    lines = [f"inventory: {_text(inventory.name)}"]
    if inventory.description is not None:
        lines.append(f"description: {_text(inventory.description)}")
    by_section: dict[str, list[Component]] = {}
    kinds = {kind: section for section, kind in SECTIONS.items()}
    for component in inventory.components.values():
        by_section.setdefault(kinds.get(component.kind, "components"), []).append(component)
    for section in [*SECTIONS, "components"]:
        if section in by_section:
            lines.append(f"{section}:")
            for component in by_section[section]:
                fields = _block_fields(component, with_kind=section == "components")
                lines.append(f"  {_text(component.id)}:" + ("" if fields else " {}"))
                lines.extend(f"    {line}" for line in fields)
    if inventory.distributions:
        lines.append("distributions:")
        for d in inventory.distributions:
            lines.append(f"  {_text(d.name)}:")
            for key, value in _release(d):
                if isinstance(value, list):
                    head, *rest = _id_list(tuple(value), 4 + len(key) + 2)
                    lines += [f"    {key}:{head}", *(f"    {r}" for r in rest)]
                else:
                    lines.append(f"    {key}: {_text(value)}")
    return "\n".join(lines) + "\n"


#: Lists of ids longer than this are written one id a line.
_FLOW_WIDTH = 100
#: YAML 1.1's implicit types (numbers, booleans, null, dates) by first character, as PyYAML resolves them.
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers


def _text(text: str) -> str:
    """A string as :func:`scalar` writes it, quoted too where other YAML readers would take it for a number or a flag.

    graphanalyzer reads ``42`` and ``no`` as text; yq and PyYAML would not.

    >>> [_text(t) for t in ["web-1", "42", "no", "2026-12-31", "a b"]]
    ['web-1', "'42'", "'no'", "'2026-12-31'", "'a b'"]
    """
    written = scalar(text)
    if written == text and any(regexp.match(text) for _, regexp in _IMPLICIT.get(text[:1], ())):
        return f"'{text}'"
    return written


def _id_list(ids: tuple[str, ...], indent: int) -> list[str]:
    """``[a, b]`` when it fits on a line, else one ``- id`` a line (the first element is the line's tail)."""
    flow = "[" + ", ".join(map(_text, ids)) + "]"
    if indent + len(flow) <= _FLOW_WIDTH:
        return [f" {flow}"]
    return ["", *(f"  - {_text(i)}" for i in ids)]


def _block_fields(component: Component, *, with_kind: bool) -> list[str]:
    lines = []
    if with_kind:
        lines.append(f"kind: {_text(component.kind)}")
    if component.container is not None:
        lines.append(f"in: {_text(component.container)}")
    if component.requires:
        if all(isinstance(r, str) for r in component.requires):
            head, *rest = _id_list(tuple(map(str, component.requires)), 16)
            lines += [f"depends_on:{head}", *rest]
        else:
            lines.append("depends_on:")
            for requirement in component.requires:
                if isinstance(requirement, str):
                    lines.append(f"  - {_text(requirement)}")
                    continue
                if requirement.at_least == 1:
                    head, *rest = _id_list(requirement.members, 13)
                    lines += [f"  - any:{head}", *(f"    {line}" for line in rest)]
                else:
                    head, *rest = _id_list(requirement.members, 12)
                    lines += [f"  - at_least: {requirement.at_least}", f"    of:{head}", *(f"    {r}" for r in rest)]
                if requirement.demand is not None:
                    lines.append(f"    demand: {_number(requirement.demand)}")
    if component.capacity is not None:
        lines.append(f"capacity: {_number(component.capacity)}")
    if component.availability != DEFAULT_AVAILABILITY:
        lines.append(f"availability: {_number(component.availability)}")
    if component.slo is not None:
        lines.append(f"slo: {_number(component.slo)}")
    if component.bandwidth is not None:
        lines.append(f"bandwidth: {_text(_bandwidth(component.bandwidth))}")
    if component.description is not None:
        lines.append(f"description: {_text(component.description)}")
    if component.owner is not None:
        lines.append(f"owner: {_text(component.owner)}")
    if component.tags:
        lines.append("tags:")
        lines.extend(f"  {_text(k)}: {_text(v)}" for k, v in component.tags)
    return lines
