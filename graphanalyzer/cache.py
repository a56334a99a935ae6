"""A cache of built dependency graphs, keyed by content, so an unchanged estate loads at once.

Entries live in ``$GRAPHANALYZER_CACHE_DIR``, else ``$XDG_CACHE_HOME/graphanalyzer``,
else ``~/.cache/graphanalyzer``: never beside the inventory, which is never written.
``GRAPHANALYZER_CACHE=off`` turns the cache off.

The key is a hash of the root file's bytes, its resolved path, and the source code of
the modules that load inventories, so a changed graphanalyzer never reads an old
entry.  An entry records the digest of every file the load read and the listing of
every folder it included; a lookup checks them all again, so a hit is never stale.
Entries are written atomically (temporary file, then rename); the most recent are
kept, at most 32 of them and 2 GiB in all (an estate of a million components makes
an entry of about 200 MB).

>>> import tempfile, pathlib, os
>>> os.environ["GRAPHANALYZER_CACHE_DIR"] = tempfile.mkdtemp()
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.yaml"
>>> _ = path.write_text("inventory: tiny\\nsites: [here]\\n")
>>> from graphanalyzer.graph import load
>>> first = load(path)
>>> lookup(path, path.read_bytes()).graph["inventory"] == first.graph["inventory"]
True
>>> _ = path.write_text("inventory: tiny\\nsites: [there]\\n")
>>> lookup(path, path.read_bytes()) is None
True
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Sequence
from functools import cache as _once
from pathlib import Path
from typing import Any

from graphanalyzer import __version__
from graphanalyzer.bulk import paused_gc
from graphanalyzer.errors import OutputError
from graphanalyzer.output import write_atomic

KEEP = 32
KEEP_BYTES = 2 * 2**30
_MODULES = (
    "bulk.py",
    "cache.py",
    "errors.py",
    "graph.py",
    "idranges.py",
    "inventory.py",
    "model.py",
    "units.py",
    "yamltext.py",
)


def directory() -> Path | None:
    """Where entries are kept, or None when the cache is off."""
    if os.environ.get("GRAPHANALYZER_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    configured = os.environ.get("GRAPHANALYZER_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "graphanalyzer"


@_once
def _code_fingerprint() -> bytes:
    digest = hashlib.blake2b(f"{__version__} {sys.version}".encode())
    here = Path(__file__).parent
    for name in _MODULES:
        digest.update((here / name).read_bytes())
    return digest.digest()


def _entry(folder: Path, path: Path, raw: bytes) -> Path:
    digest = hashlib.blake2b(raw, digest_size=20)
    digest.update(str(path.resolve()).encode())
    digest.update(_code_fingerprint())
    return folder / f"{digest.hexdigest()}.pickle"


def _digest(path: str) -> str | None:
    try:
        return hashlib.blake2b(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _listing(folder: str) -> tuple[str, ...]:
    root = Path(folder)
    files = sorted(f for f in root.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
    return tuple(str(f.relative_to(root)) for f in files)


def lookup(path: Path, raw: bytes) -> Any:
    """The cached graph for this root file and content, if every file it read is unchanged."""
    folder = directory()
    if folder is None:
        return None
    try:
        with _entry(folder, path, raw).open("rb") as handle, paused_gc():
            entry: dict[str, Any] = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    root_digest = hashlib.blake2b(raw).hexdigest()
    files = entry["files"]
    if not files or files[0][1] != root_digest:
        return None
    if any(_digest(name) != digest for name, digest in files[1:]):
        return None
    if any(_listing(name) != listing for name, listing in entry["dirs"]):
        return None
    return entry["graph"]


def store(
    path: Path,
    raw: bytes,
    graph: Any,
    files: Sequence[tuple[str, str]],
    dirs: Sequence[tuple[str, tuple[str, ...]]],
) -> None:
    """Keep a built graph; failing to write is silent, as the cache only saves time."""
    folder = directory()
    if folder is None:
        return
    entry = {"files": list(files), "dirs": list(dirs), "graph": graph}
    try:
        with paused_gc():
            data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(_entry(folder, path, raw), data)
        entries = sorted(((p.stat(), p) for p in folder.glob("*.pickle")), key=lambda e: e[0].st_mtime, reverse=True)
        total = 0
        for n, (info, old) in enumerate(entries):
            total += info.st_size
            if n >= KEEP or (n > 0 and total > KEEP_BYTES):
                old.unlink(missing_ok=True)
    except (OSError, OutputError):
        return
