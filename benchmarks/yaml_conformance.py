"""YAML conformance of the inventory reader, measured on the public YAML test suite.

Each case of the suite (the ``data`` branch of yaml/yaml-test-suite: a folder per
case with ``in.yaml``, ``test.event`` and, for invalid YAML, ``error``) is read as
the loader reads an inventory file (:func:`graphanalyzer.inventory.decode`, then
:func:`graphanalyzer.yamltext.read`), in a worker process watched for time, and
counted as:

* invalid YAML: refused with every problem positioned (right), or accepted (wrong);
* valid YAML: read exactly (the tree the suite's events describe, with scalars as
  text and plain ``~``/``null``/empty as None), refused with a positioned problem
  (the reader does not take aliases, tags, several documents or non-text keys:
  refusing is allowed), or misread (accepted, but not as the suite reads it: wrong);
* and, for any case: a traceback, a problem without a position, or a hang (wrong).

    python benchmarks/yaml_conformance.py PATH/TO/yaml-test-suite-data [--list misread]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: Seconds a case may take before it counts as a hang.
TIMEOUT = 10.0

_WORKER = r"""
import json, sys, traceback
from graphanalyzer.errors import InventoryError
from graphanalyzer.inventory import decode
from graphanalyzer.yamltext import read
for line in sys.stdin:
    path = line.strip()
    raw = open(path, "rb").read()
    try:
        try:
            doc = read(decode(raw, "in.yaml"), "in.yaml")
            problems = [(p.line, p.column, p.message) for p in doc.problems]
            data = doc.data
        except InventoryError as error:
            problems = [(p.line, p.column, p.message) for p in error.problems]
            data = None
        result = {"problems": problems, "data": data}
    except Exception:
        result = {"traceback": traceback.format_exc()}
    print(json.dumps(result), flush=True)
"""


def cases(root: Path) -> list[Path]:
    """Every folder of the suite that holds an ``in.yaml``, in order."""
    return sorted(p.parent for p in root.rglob("in.yaml"))


_ESCAPES = {"\\\\": "\\", "\\n": "\n", "\\t": "\t", "\\r": "\r", "\\b": "\b", "\\0": "\0"}
_NULLS = ("", "~", "null", "Null", "NULL")
UNREADABLE: Any = object()  # what the reader must refuse: aliases, tags, several documents, odd keys


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _ESCAPES:
            out.append(_ESCAPES[pair])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def expected(events: str) -> Any:
    """The tree the suite's events describe, as the reader would give it, or UNREADABLE."""
    stack: list[Any] = []
    keys: list[Any] = []
    documents: list[Any] = []
    unreadable = False

    def put(value: Any) -> None:
        nonlocal unreadable
        if not stack:
            documents.append(value)
            return
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
        elif keys[-1] is _NOKEY:
            if not isinstance(value, str) or value in top:
                unreadable = True
            keys[-1] = value if isinstance(value, str) else repr(value)
        else:
            top[keys[-1]] = value
            keys[-1] = _NOKEY

    for line in events.splitlines():
        kind, _, rest = line.partition(" ")
        while rest[:1] in ("&", "<", "{", "["):  # properties: anchor, tag, flow style
            prop, _, rest = rest.partition(" ")
            unreadable |= prop[0] == "<"
        if kind in ("+MAP", "+SEQ"):
            node: Any = {} if kind == "+MAP" else []
            put(node)
            stack.append(node)
            keys.append(_NOKEY)
        elif kind in ("-MAP", "-SEQ"):
            stack.pop()
            keys.pop()
        elif kind == "=VAL":
            style, text = rest[:1], _unescape(rest[1:])
            put(None if style == ":" and text in _NULLS else text)
        elif kind == "=ALI":
            unreadable = True
            put(None)
    if unreadable or len(documents) > 1:
        return UNREADABLE
    return documents[0] if documents else None


_NOKEY: Any = object()


class Worker:
    """A process that reads cases one by one; replaced when a case hangs."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def read(self, path: Path) -> dict[str, Any] | None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{path / 'in.yaml'}\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT)
        if not ready:
            self.process.kill()
            self.process.wait()
            return None
        line = self.process.stdout.readline()
        return json.loads(line) if line else {"traceback": "the worker died"}

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


def positioned(problems: list[list[Any]], text: bytes) -> bool:
    lines = text.count(b"\n") + 1
    return bool(problems) and all(1 <= line <= lines + 1 and column >= 1 for line, column, _ in problems)


def run(root: Path) -> dict[str, list[str]]:
    outcome: dict[str, list[str]] = {
        key: []
        for key in (
            "invalid refused",
            "invalid accepted",
            "valid read",
            "valid refused",
            "valid misread",
            "traceback",
            "unpositioned",
            "hang",
        )
    }
    worker = Worker()
    for case in cases(root):
        name = str(case.relative_to(root))
        result = worker.read(case)
        if result is None:
            outcome["hang"].append(name)
            worker = Worker()
            continue
        if "traceback" in result:
            outcome["traceback"].append(f"{name}: {result['traceback'].strip().splitlines()[-1]}")
            continue
        invalid = (case / "error").exists()
        problems = result["problems"]
        if problems and not positioned(problems, (case / "in.yaml").read_bytes()):
            outcome["unpositioned"].append(name)
        if invalid:
            outcome["invalid refused" if problems else "invalid accepted"].append(name)
        elif problems:
            outcome["valid refused"].append(f"{name}: {problems[0][2]}")
        else:
            want = expected((case / "test.event").read_text())
            outcome["valid read" if want is not UNREADABLE and result["data"] == want else "valid misread"].append(name)
    worker.close()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", type=Path, help="a checkout of the yaml-test-suite data branch")
    parser.add_argument("--list", action="append", default=[], help="also list the cases of this outcome")
    args = parser.parse_args()
    start = time.perf_counter()
    outcome = run(args.suite)
    invalid = len(outcome["invalid refused"]) + len(outcome["invalid accepted"])
    valid = sum(len(outcome[k]) for k in ("valid read", "valid refused", "valid misread"))
    seconds = time.perf_counter() - start
    print(f"YAML test suite: {invalid + valid} cases ({invalid} invalid, {valid} valid) in {seconds:.1f} s")
    print(f"  invalid refused, positioned  {len(outcome['invalid refused']):>4} of {invalid}")
    print(f"  invalid accepted (wrong)     {len(outcome['invalid accepted']):>4} of {invalid}")
    print(f"  valid read exactly           {len(outcome['valid read']):>4} of {valid}")
    print(f"  valid refused, positioned    {len(outcome['valid refused']):>4} of {valid}")
    print(f"  valid misread (wrong)        {len(outcome['valid misread']):>4} of {valid}")
    for key in ("traceback", "unpositioned", "hang"):
        print(f"  {key + ' (wrong)':<28} {len(outcome[key]):>4}")
    for key in args.list:
        print(f"{key}:")
        for name in outcome[key]:
            print(f"  {name}")
    if os.environ.get("CONFORMANCE_JSON"):
        Path(os.environ["CONFORMANCE_JSON"]).write_text(json.dumps(outcome, indent=1))


if __name__ == "__main__":
    main()
