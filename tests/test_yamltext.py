"""The strict YAML readers: the fast reader must agree with the exact one wherever it answers."""

from __future__ import annotations

import json
import random

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from strategies import ID_CHARS, TRICKY, documents, inventories, trees

from graphanalyzer.dump import dumps
from graphanalyzer.yamltext import MAX_DEPTH, parse_exact, parse_fast, read


def agree(text: str) -> None:
    """Wherever parse_fast answers, parse_exact gives the same tree and finds nothing wrong."""
    fast = parse_fast(text)
    if fast is None:
        return
    exact = parse_exact(text, "x.yaml")
    assert exact.problems == [], (text, fast)
    assert fast == exact.data, text


@given(documents, st.sampled_from([False, True, None]), st.sampled_from([2, 4]), st.booleans())
def test_fast_reader_agrees_on_pyyaml_dumps(data: dict, flow: bool | None, indent: int, unicode: bool) -> None:
    agree(yaml.safe_dump(data, default_flow_style=flow, indent=indent, allow_unicode=unicode, sort_keys=False))


@given(documents)
def test_fast_reader_agrees_on_json_flow_lines(data: dict) -> None:
    agree("".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in data.items()))
    agree("".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=True)}\n" for k, v in data.items()))


_PLAIN_KEY = st.from_regex(r"[a-z0-9_./(][a-z0-9_./()\-\[\]+=@$^~:]{0,6}", fullmatch=True)
_PLAIN_KEYS = st.one_of(_PLAIN_KEY, _PLAIN_KEY, _PLAIN_KEY, st.sampled_from(TRICKY))
_PLAIN_TREES = st.recursive(
    st.none() | st.sampled_from(TRICKY) | st.text(ID_CHARS + "\\#,:[]{}", max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(ID_CHARS, max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
_ODD_LINES = ["# note", "", 'x: {"a": 1} # c', "y: [a, b]", 'z: {"a": true}', 'w: {"a": 1}  ', "v: {}", '  u: {"a": 1}']


@given(
    st.lists(st.tuples(_PLAIN_KEYS, _PLAIN_TREES | trees), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 8), st.sampled_from(_ODD_LINES)), max_size=2),
    st.sampled_from([0, 2]),
    st.booleans(),
)
def test_fast_reader_agrees_on_runs_of_json_lines(
    items: list[tuple[str, object]], odd: list[tuple[int, str]], indent: int, ascii_only: bool
) -> None:
    """Lines ``key: {json}`` in a row (read in one go), with repeated keys and lines that break the run."""
    lines = [f"{k}: {json.dumps(v, ensure_ascii=ascii_only)}" for k, v in items]
    for at, line in odd:
        lines.insert(at, line)
    body = "".join(" " * indent + line + "\n" for line in lines)
    agree(("section:\n" if indent else "") + body)


_FIELDS = st.dictionaries(
    _PLAIN_KEYS,
    st.none() | st.sampled_from(TRICKY) | st.text(ID_CHARS + "#:-,[]{}", min_size=1, max_size=8),
    max_size=4,
)
_ODD_FIELD_LINES = ["# note", "", "    deeper: x", "  - item", "  x:", "x: y", "  k: v # c", "  k: a: b", "    tail"]


@given(
    st.dictionaries(_PLAIN_KEYS, _FIELDS | _PLAIN_TREES, min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 30), st.sampled_from(_ODD_FIELD_LINES)), max_size=2),
    st.sampled_from([2, 4]),
    st.sampled_from(["", "pre:\n- k:\n    f: 1\n  g: x\n-   - y\n", "pre:\n  -  a:  \n       b: c\n"]),
)
def test_fast_reader_agrees_on_entries_of_block_fields(
    entries: dict[str, object], odd: list[tuple[int, str]], indent: int, before: str
) -> None:
    """Entries ``key:`` with a block of ``field: text`` lines, as safe_dump writes components (read in one go),
    after lines that the reader rewrites as it reads them (``- key:``)."""
    dump = yaml.safe_dump({"section": entries}, default_flow_style=False, indent=indent, sort_keys=False)
    lines = (before + dump).split("\n")
    for at, line in odd:
        lines.insert(min(at, len(lines)), line)
    agree("\n".join(lines))


@given(inventories())
def test_fast_reader_reads_every_dump_exactly(inventory) -> None:  # type: ignore[no-untyped-def]
    text = dumps(inventory)
    agree(text)


@given(documents, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=4))
def test_fast_reader_agrees_on_damaged_text(data: dict, rng: random.Random, edits: int) -> None:
    """Random insertions, deletions and repeated lines: the fast reader bails or agrees."""
    text = yaml.safe_dump(data, default_flow_style=rng.choice([False, None]), sort_keys=False)
    pieces = [":", " ", "-", "#", "'", '"', "[", "]", "{", "}", ",", "\n", "  ", "&a ", "*a", "!", "|", ">", "? "]
    for _ in range(edits):
        at = rng.randrange(len(text) + 1)
        choice = rng.random()
        if choice < 0.5:
            text = text[:at] + rng.choice(pieces + TRICKY) + text[at:]
        elif choice < 0.8:
            text = text[:at] + text[at + rng.randrange(1, 4) :]
        else:
            lines = text.split("\n")
            k = rng.randrange(len(lines))
            lines.insert(k, lines[k])
            text = "\n".join(lines)
    agree(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: no\nb: on\nc: 010\nd: 22:22\ne: 1e3\nf: ~\ng:\n", {"a": "no", "b": "on", "c": "010", "d": "22:22", "e": "1e3", "f": None, "g": None}),
        ("a: [no, 'on', \"010\", null]\n", {"a": ["no", "on", "010", None]}),
        ('a: {"b": 010, "c": 1.50, "e": null}\n', {"a": {"b": "010", "c": "1.50", "e": None}}),
        ('a: {"b": 10, "c": 1.50, "d": -0, "e": null}\n', {"a": {"b": "10", "c": "1.50", "d": "-0", "e": None}}),
        ("- - a\n  - b\n- c: d\n  e: f\n", [["a", "b"], {"c": "d", "e": "f"}]),
        ("k:\n- a\n- b\nl: x\n", {"k": ["a", "b"], "l": "x"}),
        ("web-[1:4]: {kind: host}  # comment\n", {"web-[1:4]": {"kind": "host"}}),
        ("a: 'it''s'\n", {"a": "it's"}),
        ('a: ["x", true, false]\n', {"a": ["x", "true", "false"]}),
    ],
)  # fmt: skip
def test_scalars_stay_the_text_written(text: str, expected: object) -> None:
    assert parse_exact(text, "x").data == expected
    assert parse_fast(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a: |\n  text\n",
        "a: !!str 1\n",
        "--- \na: 1\n",
        "a: b: c\n",
        "a:\tb\n",
        "? a\n: b\n",
        'a: "\\ud83d\\ude00"\n',
        "a: [b,\n  c]\n",
        "a: {b: 1, b: 2}\n",
        'a: {"b": 1, "b": 2}\n',
        'a: {"b": 1}\nc: {"d": 2}\na: {"e": 3}\n',
        'a: {"b": 1}\nc: {"d": 2, "d": 3}\n',
        'a: {"b": 1}\nnull: {"d": 2}\n',
        'section:\n  #x: ["#"]\n',
        "a: b # c#d\n",
    ],
)
def test_fast_reader_steps_aside(text: str) -> None:
    assert parse_fast(text) is None


def test_duplicate_keys_are_reported_with_both_positions() -> None:
    doc = parse_exact("a: 1\nb:\n  c: 1\n  c: 2\n", "x.yaml")
    assert [str(p) for p in doc.problems] == ["x.yaml:4:3: duplicate key 'c' (first at line 3, column 3)"]


def test_alias_bomb_is_refused_without_expansion() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    doc = parse_exact(bomb, "bomb.yaml")
    assert doc.problems and all("aliases" in p.message for p in doc.problems)
    assert doc.problems[0].line == 2


@pytest.mark.parametrize(
    "bomb",
    ["[" * 200_000, "- " * 200_000 + "x", "{a: " * 100_000, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 500))],
    ids=["flow sequences", "block sequences", "flow mappings", "block mappings"],
)
def test_nesting_bombs_stop_at_the_depth_limit(bomb: str) -> None:
    doc = parse_exact(bomb, "deep.yaml")
    assert [p.message for p in doc.problems] == [f"nesting deeper than {MAX_DEPTH} levels"]
    assert parse_fast(bomb) is None


@pytest.mark.parametrize(
    ("bomb", "where"),
    [
        ("[" * 100_000, (1, 65)),
        ("a: b\nc: " + "[" * 100_000, (2, 67)),  # a block mapping is level 1
        ("a:\n  - x\n  - " + "[{" * 50_000, (3, 67)),
        ("x: " + "[" * 60 + "]" * 60 + "\ny: " + "[" * 5_000, (2, 67)),
        ("- " * 10 + "[" * 5_000, (1, 75)),
    ],
    ids=["flow", "after a mapping", "in a block sequence", "after a shallow line", "after block levels"],
)
def test_flow_bombs_stop_where_our_limit_is_passed(bomb: str, where: tuple[int, int]) -> None:
    """libyaml's scanner reads ahead and (since PyYAML 6.0.4) stops at 1,000 levels on its own:
    the problem is still ours, at the opening of the 65th level."""
    problems = parse_exact(bomb, "deep.yaml").problems
    assert (problems[-1].line, problems[-1].column, problems[-1].message) == (
        *where,
        f"nesting deeper than {MAX_DEPTH} levels",
    )


def test_an_unclosed_quote_full_of_brackets_is_a_syntax_error() -> None:
    (problem,) = parse_exact('a: "' + "[" * 5_000, "x.yaml").problems
    assert "end of stream" in problem.message


def test_several_documents_are_refused() -> None:
    doc = parse_exact("a: 1\n---\nb: 2\n", "x.yaml")
    assert doc.problems[0].line == 2
    assert "one YAML document" in doc.problems[0].message


def test_forbidden_characters_are_located() -> None:
    doc = parse_exact("a: 1\nb: x\x01y\n", "x.yaml")
    assert str(doc.problems[0]) == "x.yaml:2:5: character 0x0001 is not allowed in YAML"


def test_read_keeps_positions_of_declarations() -> None:
    doc = read("hosts:\n  web-1: {}\n  web-2: {in: r}\n", "x.yaml")
    assert not doc.exact
    assert doc.mark(("hosts", "web-2", "in"), key=True) == (2, 2)


# What libyaml accepts although it is not YAML, or reads otherwise than YAML does (the
# YAML test suite finds these; benchmarks/yaml_conformance.py counts them): refused, where it is.
GUESSES = {
    "explicit key in flow": ("a: {?foo: bar}\n", (1, 5), "keys written with '?'"),
    "explicit key in a flow sequence": ("a: [?x]\n", (1, 5), "keys written with '?'"),
    "comment after a quote": ('key: "value"# comment\n', (1, 13), "space before '#'"),
    "comment after a bracket": ("a: [b, c]#x\n", (1, 10), "space before '#'"),
    "comment after a comma": ("a: [b,#x\n  c]\n", (1, 7), "space before '#'"),
    "comment after a block indicator": ("a: >#x\n  text\n", (1, 5), "space before '#'"),
    "directive": ("%YAML 1.1\n---\na: b\n", (1, 1), "directives"),
    "lone dash": ("a: [-, b]\n", (1, 5), "lone '-'"),
    "spaces deeper than a block scalar": ("a: |\n  x\n   \n", (3, 1), "only spaces"),
    "spaces after a kept block scalar": ("s:\n  - |+\n     ", (3, 1), "only spaces"),
    "flow line not indented": ("a: [b,\nc]\n", (2, 1), "indented more"),
    "quoted line not indented": ('a: "b\nc"\n', (2, 1), "indented more"),
    "anchor glued to a colon": ("k: &a:b value\n", (1, 4), "anchor"),
}


@pytest.mark.parametrize("case", sorted(GUESSES))
def test_what_libyaml_would_guess_is_refused_where_it_is(case: str) -> None:
    text, where, words = GUESSES[case]
    doc = read(text, "x.yaml")
    assert doc.data is None and len(doc.problems) == 1
    (problem,) = doc.problems
    assert (problem.line, problem.column) == where and words in problem.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: {foo: bar}\n", {"a": {"foo": "bar"}}),
        ('a: "v" # c\n', {"a": "v"}),
        ("a: >-  # folded\n  x\n", {"a": "x"}),
        ("d: |\n  x\n  \n  y\n", {"d": "x\n\ny\n"}),
        ("a: [b,\n  c]\n", {"a": ["b", "c"]}),
        ('a: "b\n  c"\n', {"a": "b c"}),
        ("[a,\nb]\n", ["a", "b"]),
        ("k: &a b\n", {"k": "b"}),
        ("a: b#c\n", {"a": "b#c"}),
    ],
)
def test_their_well_written_neighbours_are_read(text: str, expected: object) -> None:
    doc = read(text, "x.yaml")
    assert doc.problems == [] and doc.data == expected


@pytest.mark.parametrize("levels", [60, 63, 70])
@pytest.mark.parametrize(
    "shape",
    ['a: {{"b": {open}"y"{close}}}\n', 'a:\n  b: {open}"y"{close}\n', 'a:\n  - {open}"y"{close}\n'],
)
def test_one_line_values_nested_too_deep_are_left_to_the_exact_reader(shape: str, levels: int) -> None:
    """A value on one line (JSON run, flow collection) deeper than the limit: parse_fast steps aside."""
    text = shape.format(open='["x", ' * levels, close="]" * levels)
    exact = parse_exact(text, "x.yaml")
    assert [p.message for p in exact.problems] in ([], [f"nesting deeper than {MAX_DEPTH} levels"])
    if exact.problems:
        assert parse_fast(text) is None
    else:
        assert parse_fast(text) == exact.data
