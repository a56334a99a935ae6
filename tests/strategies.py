"""Hypothesis strategies, all in one place: random inventories and random YAML trees."""

from __future__ import annotations

import string
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from graphanalyzer.graph import Node, build, needing
from graphanalyzer.model import KINDS, Component, Group, Inventory

# Text a user may well write: YAML 1.1 booleans, octal-looking and sexagesimal numbers,
# words with spaces, quotes and colons, indicators, and a little Unicode.
TRICKY = [
    "no", "on", "off", "yes", "y", "n", "true", "False", "010", "0x1f", "1e3", "22:22", "1_000",
    ".inf", "-.5", "~", "null", "Null", "NULL", "", " ", "a b", "a: b", "a #b", "#x", "it's",
    'say "hi"', "- x", "? y", "[1]", "{a}", "&a", "*a", "!x", "%x", "@x", "`x", "|", ">", "web-[1:4]",
    "a,b", "\\", "é", "雪", "ünïcödé id", "\t", "tab\there", "line\nbreak", "\u2028", "\x85",
    "\ufeff", "\x00", "\x7f",
]  # fmt: skip

ID_CHARS = string.ascii_letters + string.digits + "-_.:/@+()'\" é"


def _printable_id(text: str) -> bool:
    return bool(text) and text.isprintable() and text[0] != " " and text[-1] != " " and not set(text) & set("[]")


ids = st.one_of(
    st.sampled_from([t for t in TRICKY if _printable_id(t)]),
    st.text(alphabet=ID_CHARS, min_size=1, max_size=10).filter(_printable_id),
)
free_text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)
numbers = st.one_of(
    st.integers(min_value=0, max_value=10**12),
    st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
)
availabilities = st.floats(min_value=1e-6, max_value=1.0, allow_nan=False).filter(lambda a: a > 0)


@st.composite
def groups(draw: st.DrawFn, names: list[str]) -> Group:
    members = draw(st.lists(st.sampled_from(names), min_size=1, max_size=min(5, len(names)), unique=True))
    at_least = draw(st.integers(min_value=1, max_value=len(members)))
    demand = draw(st.none() | numbers)
    return Group(tuple(members), at_least, demand)


@st.composite
def changed_requirements(draw: st.DrawFn, inventory: Inventory) -> tuple[Any, set[Node]]:
    """The graph of the inventory with one component's requirements drawn anew (none, some components, or
    a quorum of them), and what the change makes stale: the nodes that need that component or its groups."""
    ids = list(inventory.components)
    cid = draw(st.sampled_from(ids))
    members = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
    quorum = draw(st.booleans()) and len(members) > 1
    requires = (Group(tuple(members), draw(st.integers(1, len(members)))),) if quorum else tuple(members)
    changed = replace(inventory.components[cid], requires=requires)
    graph = build(replace(inventory, components={**inventory.components, cid: changed}))
    return graph, needing(graph, [cid, *((cid, n) for n in range(len(requires)))])


@st.composite
def inventories(draw: st.DrawFn, max_components: int = 10, with_text: bool = True) -> Inventory:
    """Valid inventories: containers only point backwards (no containment cycles), while
    requirements point anywhere, so dependency cycles and self-dependencies occur."""
    names = draw(st.lists(ids, min_size=1, max_size=max_components, unique=True))
    components: dict[str, Component] = {}
    for i, cid in enumerate(names):
        kind = draw(st.sampled_from([*KINDS, "widget", "db cluster"]))
        container = draw(st.none() | st.sampled_from(names[:i])) if i else None
        requirements: list[str | Group] = draw(
            st.lists(st.sampled_from(names) | groups(names), max_size=3, unique=True)
        )
        components[cid] = Component(
            id=cid,
            kind=kind,
            container=container,
            requires=tuple(requirements),
            capacity=draw(st.none() | numbers),
            availability=draw(availabilities),
            description=draw(st.none() | free_text) if with_text else None,
            owner=draw(st.none() | free_text) if with_text else None,
            tags=tuple(draw(st.dictionaries(ids, free_text, max_size=2)).items()) if with_text else (),
        )
    name = draw(free_text.filter(lambda t: t.strip() != ""))
    return Inventory(name=name, components=components, description=draw(st.none() | free_text))


@st.composite
def scenarios(
    draw: st.DrawFn, max_components: int = 12, min_unplugged: int = 0, max_unplugged: int = 4
) -> tuple[Inventory, list[str]]:
    """A random inventory and some of its components to unplug."""
    inventory = draw(inventories(max_components=max_components, with_text=False))
    names = list(inventory.components)
    unplugged = draw(st.lists(st.sampled_from(names), min_size=min_unplugged, max_size=max_unplugged, unique=True))
    return inventory, unplugged


# Trees like the YAML readers produce: text, None, lists and mappings with text keys.
scalars = st.one_of(st.none(), st.sampled_from(TRICKY), st.text(max_size=8))
trees: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(TRICKY) | st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
documents = st.dictionaries(st.sampled_from(TRICKY) | st.text(min_size=1, max_size=6), trees, min_size=1, max_size=5)


@st.composite
def swarms(draw: st.DrawFn) -> dict[str, Any]:
    """Small file distributions: artifact bits, the source's upload, receivers' uploads and downloads
    (apart, so that every term of the lower bound can bind), and a link with some receivers across it."""
    n = draw(st.integers(min_value=1, max_value=6))
    speed = st.integers(min_value=1, max_value=12).map(lambda x: x * 1e8)
    uploads = draw(st.lists(speed, min_size=n, max_size=n))
    downloads = draw(st.lists(speed, min_size=n, max_size=n))
    across = draw(st.lists(st.integers(min_value=0, max_value=n - 1), unique=True, max_size=n))
    return {
        "bits": draw(st.integers(min_value=1, max_value=64)) * 1e8,
        "source": draw(speed),
        "uploads": uploads,
        "downloads": downloads,
        "across": sorted(across),
        "link": draw(speed),
        "pieces": draw(st.integers(min_value=1, max_value=8)),
    }
