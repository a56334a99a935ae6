"""Loading inventories: the format of DESIGN section 1 and every bad-input class, with positions."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import EXAMPLES
from hypothesis import given
from hypothesis import strategies as st
from strategies import TRICKY, inventories

from graphanalyzer.cli import resolve
from graphanalyzer.dump import dumps, dumps_block
from graphanalyzer.errors import InventoryError
from graphanalyzer.inventory import MAX_BYTES, load
from graphanalyzer.model import DEFAULT_AVAILABILITY, Distribution, Group, Inventory

DESIGN_EXAMPLE = """\
inventory: birdsite            # name (required)
description: one colo, one carrier
defaults:                      # optional: applied to every component that does not set the field
  availability: 0.999
include: [power.yaml, racks/]  # optional: more files or folders, relative to this file
components:                    # mapping: id -> component (ids are unique by construction)
  sf-colo:   {kind: site}
  ntt:       {kind: carrier, availability: 0.9995}
  edge-1:    {kind: router, in: sf-colo, depends_on: [ntt]}
  rack-1:
    kind: rack
    in: sf-colo                # placement: the rack fails when its site fails
    depends_on:
      - any: [pdu-a, pdu-b]            # redundancy: at least one must be up
      - any: [edge-1, edge-2]
  web-[1:4]: {kind: host, in: rack-1, capacity: 1000}   # id range, expands to web-1 .. web-4
  zookeeper:
    kind: service
    depends_on:
      - at_least: 2                    # quorum: k of n
        of: [zk-1, zk-2, zk-3]
  timeline:
    kind: service
    depends_on:
      - any: [web-1, web-2, web-3, web-4]
        demand: 2500                   # capacity: degraded when surviving capacity < demand
      - zookeeper
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder / next(iter(files))


def problems(folder: Path, files: dict[str, str]) -> list[str]:
    with pytest.raises(InventoryError) as caught:
        load(write(folder, files))
    return [str(p).replace(str(folder) + os.sep, "") for p in caught.value.problems]


def test_design_example_loads_with_includes_ranges_and_groups(tmp_path: Path) -> None:
    inv = load(
        write(
            tmp_path,
            {
                "main.yaml": DESIGN_EXAMPLE,
                "power.yaml": "power:\n  pdu-a: {}\n  pdu-b: {}\n",
                "racks/edge.yaml": "routers:\n  edge-2: {in: sf-colo, depends_on: [ntt]}\n",
                "racks/zk.yml": "hosts: [zk-1, zk-2, {zk-3: {in: rack-1}}]\n",
            },
        )
    )
    assert inv.name == "birdsite"
    assert list(inv.components)[:5] == ["sf-colo", "ntt", "edge-1", "rack-1", "web-1"]
    assert inv.components["web-4"].container == "rack-1"
    assert inv.components["zookeeper"].requires == (Group(("zk-1", "zk-2", "zk-3"), at_least=2),)
    assert inv.components["timeline"].requires[0].demand == 2500
    assert inv.components["ntt"].availability == 0.9995
    assert inv.components["pdu-a"].kind == "power"
    assert inv.components["zk-3"].container == "rack-1"
    assert inv.origins["web-3"] == (str(tmp_path / "main.yaml"), 16, 3)
    assert inv.origins["edge-2"][0].endswith(os.path.join("racks", "edge.yaml"))
    assert inv.services() == ["zookeeper", "timeline"]


def test_yaml_1_1_words_stay_text(tmp_path: Path) -> None:
    inv = load(
        write(
            tmp_path,
            {"i.yaml": "inventory: 010\nhosts:\n  no: {owner: on}\n  1e3: {}\n  '22:22': {tags: {yes: off}}\n"},
        ),
    )
    assert inv.name == "010"
    assert list(inv.components) == ["no", "1e3", "22:22"]
    assert inv.components["no"].owner == "on"
    assert inv.components["22:22"].tags == (("yes", "off"),)


def test_defaults_apply_and_cascade_into_includes(tmp_path: Path) -> None:
    inv = load(
        write(
            tmp_path,
            {
                "main.yaml": "inventory: d\ndefaults: {availability: 0.99, owner: ops, tags: {env: prod}}\n"
                "include: [more.yaml]\nhosts:\n  a: {}\n  b: {availability: 0.5, tags: {rack: r1}}\n",
                "more.yaml": "defaults: {owner: dba}\nhosts:\n  c: {}\n",
            },
        ),
    )
    a, b, c = (inv.components[x] for x in "abc")
    assert (a.availability, a.owner, a.tags) == (0.99, "ops", (("env", "prod"),))
    assert (b.availability, b.tags) == (0.5, (("env", "prod"), ("rack", "r1")))
    assert (c.availability, c.owner) == (0.99, "dba")


def test_availability_defaults_to_design_value(tmp_path: Path) -> None:
    inv = load(write(tmp_path, {"i.yaml": "inventory: x\nsites: [s]\n"}))
    assert inv.components["s"].availability == DEFAULT_AVAILABILITY == 0.999


# One case per class of bad input: the file, the expected FILE:LINE:COL and message.
BAD = {
    "duplicate key": ("inventory: x\nsites:\n  a: {}\n  a: {}\n", "i.yaml:4:3: duplicate key 'a' (first at line 3, column 3)"),
    "duplicate id across sections": ("inventory: x\nsites:\n  a: {}\nhosts:\n  a: {}\n", "i.yaml:5:3: duplicate id 'a' (first declared at i.yaml:3:3)"),
    "duplicate id from a range": ("inventory: x\nhosts:\n  w-[1:3]: {}\n  w-2: {}\n", "i.yaml:4:3: duplicate id 'w-2' (first declared at i.yaml:3:3)"),
    "alias": ("inventory: x\nhosts:\n  a: &f {capacity: 1}\n  b: *f\n", "i.yaml:4:6: aliases (*f) are not allowed: write the value out"),
    "unknown reference": ("inventory: x\nhosts:\n  web-1: {}\nservices:\n  s: {depends_on: [web-2]}\n", "i.yaml:5:20: unknown component 'web-2' (did you mean 'web-1'?)"),
    "unknown container": ("inventory: x\nhosts:\n  h: {in: rack-9}\n", "i.yaml:3:11: unknown component 'rack-9'"),
    "unknown member": ("inventory: x\nhosts:\n  a: {}\nservices:\n  s:\n    depends_on:\n      - any: [a, zz]\n", "i.yaml:7:18: unknown component 'zz'"),
    "unknown field": ("inventory: x\nhosts:\n  a: {capacty: 5}\n", "i.yaml:3:7: unknown field 'capacty' (did you mean 'capacity'?)"),
    "unknown top-level field": ("inventory: x\nhost:\n  a: {}\n", "i.yaml:2:1: unknown field 'host' (did you mean 'hosts'?)"),
    "unknown group field": ("inventory: x\nhosts: [a]\nservices:\n  s: {depends_on: [{amy: [a]}]}\n", "i.yaml:4:21: unknown field 'amy' (did you mean 'any'?)"),
    "wrong type: capacity": ("inventory: x\nhosts:\n  a: {capacity: lots}\n", "i.yaml:3:17: capacity must be a number, not 'lots'"),
    "wrong type: depends_on": ("inventory: x\nhosts:\n  a: {depends_on: {x: 1}}\n", "i.yaml:3:20: unknown field 'x' (expected one of: any, at_least, of, demand)"),
    "wrong type: fields": ("inventory: x\nhosts:\n  a: [1, 2]\n", "i.yaml:3:6: 'a' needs a mapping of fields, e.g. {kind: host}"),
    "wrong type: tags": ("inventory: x\nhosts:\n  a: {tags: [x]}\n", "i.yaml:3:13: tags must be a mapping of name: text"),
    "at_least too large": ("inventory: x\nhosts: [a, b]\nservices:\n  s: {depends_on: [{at_least: 3, of: [a, b]}]}\n", "i.yaml:4:31: at_least 3 is more than the 2 members listed"),
    "at_least zero": ("inventory: x\nhosts: [a]\nservices:\n  s: {depends_on: [{at_least: 0, of: [a]}]}\n", "i.yaml:4:31: at_least must be 1 or more, not 0"),
    "at_least not whole": ("inventory: x\nhosts: [a]\nservices:\n  s: {depends_on: [{at_least: 1.5, of: [a]}]}\n", "i.yaml:4:31: at_least must be a whole number, not '1.5'"),
    "empty group": ("inventory: x\nservices:\n  s: {depends_on: [{any: []}]}\n", "i.yaml:3:26: a group needs at least one member"),
    "member twice": ("inventory: x\nhosts: [a]\nservices:\n  s: {depends_on: [{any: [a, a]}]}\n", "i.yaml:4:30: 'a' is listed twice in this group"),
    "availability above 1": ("inventory: x\nhosts:\n  a: {availability: 1.5}\n", "i.yaml:3:21: availability must be in (0, 1], not 1.5"),
    "availability zero": ("inventory: x\nhosts:\n  a: {availability: 0}\n", "i.yaml:3:21: availability must be in (0, 1], not 0"),
    "negative capacity": ("inventory: x\nhosts:\n  a: {capacity: -3}\n", "i.yaml:3:17: capacity must not be negative, not -3"),
    "negative demand": ("inventory: x\nhosts: [a]\nservices:\n  s: {depends_on: [{any: [a], demand: -1}]}\n", "i.yaml:4:39: demand must not be negative, not -1"),
    "infinite capacity": ("inventory: x\nhosts:\n  a: {capacity: 1e999}\n", "i.yaml:3:17: capacity must be a number, not '1e999'"),
    "component in itself": ("inventory: x\nracks:\n  r: {in: r}\n", "i.yaml:3:11: a component cannot be in itself"),
    "containment cycle": ("inventory: x\nracks:\n  r: {in: s}\n  s: {in: r}\n", "i.yaml:3:11: containment cycle: r in s in r"),
    "bad range": ("inventory: x\nhosts:\n  w-[4:1]: {}\n", "i.yaml:3:3: id range 'w-[4:1]' counts down: write the smaller number first"),
    "malformed range": ("inventory: x\nhosts:\n  w-[a:]: {}\n", "i.yaml:3:3: bad id range in 'w-[a:]': write [START:END] with numbers or letters, e.g. web-[1:4]"),
    "missing kind": ("inventory: x\ncomponents:\n  a: {in: b}\n", "i.yaml:3:3: 'a' needs a kind (host, rack, service, ...)"),
    "kind against section": ("inventory: x\nhosts:\n  a: {kind: rack}\n", "i.yaml:3:13: components under this section have kind 'host'"),
    "missing name": ("sites: [a]\n", "i.yaml:1:1: missing field 'inventory' (the inventory's name)"),
    "not a mapping": ("- a\n- b\n", "i.yaml:1:1: an inventory file is a mapping: inventory, components, hosts, ..."),
    "syntax error": ("inventory: x\nhosts:\n  a: {in: [}\n", "i.yaml:3:12: did not find expected node content (while parsing a flow node)"),
    "tabs": ("inventory: x\nhosts:\n\ta: {}\n", "i.yaml:3:1: found character that cannot start any token (while scanning for the next token)"),
    "control character": ("inventory: x\x07\n", "i.yaml:1:13: character 0x0007 is not allowed in YAML"),
    "not UTF-8": (b"inventory: caf\xe9\n", "i.yaml:1:15: not valid UTF-8 (byte 0xe9)"),
    "tag": ("inventory: !!python/object:os.system x\n", "i.yaml:1:12: tags (tag:yaml.org,2002:python/object:os.system) are not supported: values are text"),
    "two documents": ("inventory: x\n---\ninventory: y\n", "i.yaml:2:1: only one YAML document is allowed in an inventory file"),
    "deep nesting": ("inventory: " + "[" * 100_000 + "\n", "i.yaml:1:75: nesting deeper than 64 levels"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_reported_at_its_position(tmp_path: Path, case: str) -> None:
    text, expected = BAD[case]
    path = tmp_path / "i.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InventoryError) as caught:
        load(path)
    assert expected in [str(p).replace(str(tmp_path) + os.sep, "") for p in caught.value.problems]


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    text = "inventory: x\nhosts:\n  a: {capacty: 1, in: a}\n  b: {availability: 2, depends_on: [zz]}\n  a: {}\n"
    found = problems(tmp_path, {"i.yaml": text})
    assert found == [
        "i.yaml:3:7: unknown field 'capacty' (did you mean 'capacity'?)",
        "i.yaml:3:23: a component cannot be in itself",
        "i.yaml:4:21: availability must be in (0, 1], not 2",
        "i.yaml:4:37: unknown component 'zz'",
        "i.yaml:5:3: duplicate key 'a' (first at line 3, column 3)",
    ]


def test_problems_in_included_files_name_that_file(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "main.yaml": "inventory: x\ninclude: [sub/more.yaml]\nsites: [s]\n",
            "sub/more.yaml": "hosts:\n  h: {in: s, capacity: -1}\n  g: {in: nowhere}\n",
        },
    )
    assert found == [
        f"{os.path.join('sub', 'more.yaml')}:2:24: capacity must not be negative, not -1",
        f"{os.path.join('sub', 'more.yaml')}:3:11: unknown component 'nowhere'",
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"main.yaml": "inventory: x\ninclude: [../outside.yaml]\n"}, "main.yaml:2:11: include '../outside.yaml' leaves the inventory's folder"),
        ({"main.yaml": "inventory: x\ninclude: missing.yaml\n"}, "main.yaml:2:10: cannot include 'missing.yaml': no such file or folder"),
        ({"main.yaml": "inventory: x\ninclude: [main.yaml]\n"}, "main.yaml:2:11: 'main.yaml' is already part of the inventory"),
        ({"main.yaml": "inventory: x\ninclude: [empty/]\n", "empty/readme.txt": "x"}, "main.yaml:2:11: folder 'empty/' holds no .yaml or .yml files"),
        ({"main.yaml": "inventory: x\ninclude: [a.yaml]\n", "a.yaml": "inventory: y\n"}, "a.yaml:1:1: only the root file names the inventory"),
        ({"main.yaml": "inventory: x\ninclude: [a.yaml]\n", "a.yaml": "include: [main.yaml]\n"}, "a.yaml:1:11: 'main.yaml' is already part of the inventory"),
    ],
)  # fmt: skip
def test_include_problems(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    (tmp_path / "inner").mkdir()
    inner = {f"inner/{name}": text for name, text in files.items()}
    if "../outside.yaml" in files["main.yaml"]:
        (tmp_path / "outside.yaml").write_text("sites: [s]\n")
    assert expected in problems(tmp_path / "inner", {k.removeprefix("inner/"): v for k, v in inner.items()})


def test_include_through_a_symlink_leaving_the_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("sites: [s]\n")
    root = tmp_path / "inv"
    root.mkdir()
    (root / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    assert problems(root, {"main.yaml": "inventory: x\ninclude: [link.yaml]\n"}) == [
        "main.yaml:2:11: include 'link.yaml' leaves the inventory's folder"
    ]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(InventoryError, match="larger than 256 MiB"):
        load(path)


def test_unknown_kind_close_to_a_known_one_warns(tmp_path: Path) -> None:
    inv = load(write(tmp_path, {"i.yaml": "inventory: x\ncomponents:\n  a: {kind: hots}\n  b: {kind: widget}\n"}))
    assert [str(w).replace(str(tmp_path) + os.sep, "") for w in inv.warnings] == [
        "i.yaml:3:3: 'a' has kind 'hots': did you mean 'host'?"
    ]


def test_the_loader_never_writes_beside_the_inventory(tmp_path: Path) -> None:
    from graphanalyzer.graph import load as load_graph

    path = write(tmp_path, {"i.yaml": "inventory: x\nsites: [s]\n"})
    before = sorted(tmp_path.rglob("*")), path.stat().st_mtime_ns
    load_graph(path)
    load_graph(path)
    assert (sorted(tmp_path.rglob("*")), path.stat().st_mtime_ns) == before


@given(inventories())
def test_round_trip_dump_then_load_gives_the_same_model(inventory) -> None:  # type: ignore[no-untyped-def]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "inv.yaml"
        path.write_text(dumps(inventory), encoding="utf-8")
        loaded = load(path)
    assert loaded == inventory
    for kind in {c.kind for c in inventory.components.values()}:  # dump groups by kind, keeping order
        assert [c for c in loaded.components if loaded.components[c].kind == kind] == [
            c for c in inventory.components if inventory.components[c].kind == kind
        ]


@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_raises_only_inventory_errors(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load(path)
        except InventoryError as error:
            assert error.problems
            assert all(p.line >= 1 and p.column >= 1 for p in error.problems)
            assert all(len(str(p).splitlines()) == 1 for p in error.problems), "one problem, one line"


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_inventory_errors(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(data)
        try:
            load(path)
        except InventoryError as error:
            assert error.problems
            assert all(len(str(p).splitlines()) == 1 for p in error.problems), "one problem, one line"


@given(st.sampled_from(sorted(BAD)), st.integers(min_value=0, max_value=200), st.text(max_size=5))
def test_damaged_bad_inputs_raise_only_inventory_errors(case: str, at: int, junk: str) -> None:
    import tempfile

    text = BAD[case][0]
    text = text.decode("latin-1") if isinstance(text, bytes) else text
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "i.yaml"
        path.write_text(text[:at] + junk + text[at:], encoding="utf-8", errors="surrogatepass")
        with contextlib.suppress(InventoryError):
            load(path)


@pytest.mark.parametrize("breaker", ["\\n", "\\r", "\\x85", "\\u2028", "\\u2029", "\\x1e"])
def test_one_problem_is_one_line_whatever_the_input_echoes(tmp_path: Path, breaker: str) -> None:
    path = tmp_path / "i.yaml"
    path.write_text(
        f'inventory: x\nhosts:\n  "h{breaker}1":\n    "capa{breaker}city": 3\n    depends_on: ["pdu{breaker}a"]\n',
        encoding="utf-8",
    )
    with pytest.raises(InventoryError) as caught:
        load(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems) >= 2
    assert all(line.startswith(f"{path}:") for line in lines)


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("dump", [dumps, dumps_block])
def test_every_example_dumps_and_loads_back_whole(name: str, dump: Callable[[Inventory], str], tmp_path: Path) -> None:
    """slo, bandwidth and distributions too: `audit --apply` and the importers write through these."""
    original = load(resolve(name))
    path = tmp_path / "dumped.yaml"
    path.write_text(dump(original), encoding="utf-8")
    loaded = load(path)
    assert loaded.components == original.components

    def releases(inventory: Inventory) -> list[Distribution]:
        return [replace(d, origin=None) for d in inventory.distributions]

    assert releases(loaded) == releases(original)
    if dump is dumps:
        assert loaded.accepted == original.accepted


@given(st.lists(st.sampled_from(TRICKY) | st.text(max_size=6), min_size=1, max_size=6))
def test_ids_checked_at_once_are_checked_as_one_by_one(ids: list[str]) -> None:
    from graphanalyzer.inventory import _plain_id, _plain_ids

    assert _plain_ids(ids) == all(map(_plain_id, ids))
