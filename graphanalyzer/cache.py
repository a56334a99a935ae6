"""A cache of loaded inventories, keyed by content, so an unchanged estate loads at once.

Entries live in ``$GRAPHANALYZER_CACHE_DIR``, else ``$XDG_CACHE_HOME/graphanalyzer``,
else ``~/.cache/graphanalyzer``: never beside the inventory, which is never written.
``GRAPHANALYZER_CACHE=off`` turns the cache off.

The key is a hash of the root file's bytes, its resolved path, the name it was given
on the command line (problems and origins name files that way), and graphanalyzer's
source code, so a changed graphanalyzer never reads an old entry.  An entry records
the digest of every file the load read and the listing of every folder it included;
a lookup checks them all again, so a hit is never stale.

An entry holds the validated inventory with its records packed as rows of plain
values (a tenth of the time of pickling the records, or the graph, themselves); the
graph is built from it again.  Beside an entry, *notes* keep small results computed
from it (``validate``'s answer, the last audit), valid exactly as long as the entry:
an entry stored again under its key (an included file changed) drops them.  Files are
written atomically (temporary file, then rename); the most recent entries are kept,
at most 32 of them and 2 GiB in all.  A large inventory's entry is written by a
forked worker (:mod:`graphanalyzer.workers`) while the command goes on; lookups, and
the command's end, wait for it (Ctrl-C there stops only the writing).

>>> import tempfile, pathlib, os
>>> os.environ["GRAPHANALYZER_CACHE_DIR"] = tempfile.mkdtemp()
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.yaml"
>>> _ = path.write_text("inventory: tiny\\nsites: [here]\\n")
>>> from graphanalyzer.graph import load
>>> first = load(path)
>>> lookup(path, path.read_bytes()) == first.graph["inventory"]
True
>>> _ = path.write_text("inventory: tiny\\nsites: [there]\\n")
>>> lookup(path, path.read_bytes()) is None
True
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from functools import cache as _once
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO

from graphanalyzer import __version__
from graphanalyzer.bulk import paused_gc, record
from graphanalyzer.errors import OutputError
from graphanalyzer.model import COMPONENT_FIELDS, Component, Inventory
from graphanalyzer.output import write_atomic
from graphanalyzer.workers import share, started

KEEP = 32
KEEP_BYTES = 2 * 2**30
_ROW = attrgetter(*COMPONENT_FIELDS)


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
    for module in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(module.read_bytes())
    return digest.digest()


def _key(path: Path, raw: bytes, name: str | None) -> str:
    digest = hashlib.blake2b(_raw_digest(raw).encode(), digest_size=20)
    digest.update(f"{path.resolve()}\0{name or path}".encode())
    digest.update(_code_fingerprint())
    return digest.hexdigest()


_last: list[tuple[bytes, str]] = []  # the root file last hashed, with its digest


def _raw_digest(raw: bytes) -> str:
    """The root file's digest, as the load records it; worked out once for the bytes a command read
    (a cold ``validate`` asks for it five times; 11 MB take some 15 ms each)."""
    if not (_last and _last[0][0] is raw):
        _last[:] = [(raw, hashlib.blake2b(raw).hexdigest())]
    return _last[0][1]


def _digest(path: str) -> str | None:
    try:
        return hashlib.blake2b(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _listing(folder: str) -> tuple[str, ...]:
    root = Path(folder)
    files = sorted(f for f in root.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
    return tuple(str(f.relative_to(root)) for f in files)


def _current(handle: BinaryIO, raw: bytes) -> bool:
    """Whether an entry, read up to its header, was made from the files as they are now."""
    header: dict[str, Any] = pickle.load(handle)
    files = header["files"]
    if not files or files[0][1] != _raw_digest(raw):
        return False
    if any(_digest(name) != digest for name, digest in files[1:]):
        return False
    return all(_listing(name) == listing for name, listing in header["dirs"])


_MISSES = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, KeyError, ValueError)


def load(name: str, path: Path | None, raw: bytes, *, use_cache: bool = True) -> Inventory:
    """The inventory whose root file has been read (:func:`graphanalyzer.inventory.read_root`): from the
    cache when it is there and current, else loaded and kept.  Standard input (``path`` None) is never kept.
    """
    from graphanalyzer.inventory import load_bytes

    if path is None or not use_cache:
        return load_bytes(raw, name, path).inventory
    hit = lookup(path, raw, name)
    if hit is not None:
        return hit
    loaded = load_bytes(raw, name, path)
    if directory() is None:  # the cache is off
        return loaded.inventory
    _forget_notes(path, raw, name)  # those of an entry made from other files (an included one changed)
    keep = partial(store, path, raw, name, loaded.inventory, loaded.files, loaded.folders)
    if share(len(loaded.inventory.components)) < 2:
        keep()
    else:  # a large entry is written by a worker while the command goes on (and waits for it at the end)
        if not _KEEPING:
            atexit.register(_at_exit)
        _KEEPING.append((os.getpid(), started(keep)))
    return loaded.inventory


def _forget_notes(path: Path, raw: bytes, name: str | None) -> None:
    """Remove the notes kept under this root file's key: the entry they were made from is being replaced."""
    folder = directory()
    if folder is None:
        return
    with contextlib.suppress(OSError):
        for stale in folder.glob(f"{_key(path, raw, name)}.*"):
            if stale.suffix != ".pickle":
                stale.unlink(missing_ok=True)


#: Entries being written by workers (:func:`load`), with the process that waits for them.
_KEEPING: list[tuple[int, Callable[[], None]]] = []


def settled() -> None:
    """Wait until the entries being written by workers are written (lookups do, and the command's end).

    Only the process that started a worker waits for it (a process forked since leaves it).  A worker
    that died (stopped by Ctrl-C, say) kept nothing, silently: the cache only saves time."""
    while _KEEPING:
        waiter, written = _KEEPING.pop()
        if waiter == os.getpid():
            try:
                written()
            except Exception:  # whatever ended the worker, the entry is simply not there
                continue


def _at_exit() -> None:
    """:func:`settled` when the command ends: Ctrl-C then stops the writing of the entry, and nothing else."""
    with contextlib.suppress(KeyboardInterrupt):
        settled()


def lookup(path: Path, raw: bytes, name: str | None = None) -> Inventory | None:
    """The cached inventory for this root file (given as ``name``), if every file it read is unchanged."""
    folder = directory()
    if folder is None:
        return None
    settled()
    try:
        with (folder / f"{_key(path, raw, name)}.pickle").open("rb") as handle, paused_gc():
            if not _current(handle, raw):
                return None
            return _unpack(pickle.load(handle))
    except _MISSES:
        return None


def note(path: Path, raw: bytes, name: str | None, what: str) -> Any:
    """A note kept beside the cached entry of this root file, if the entry is current; else None."""
    folder = directory()
    if folder is None:
        return None
    key = _key(path, raw, name)
    if not (folder / f"{key}.{what}").is_file():
        return None  # nothing to read: no need to wait for an entry being written (a new one has no notes)
    settled()
    try:
        with (folder / f"{key}.pickle").open("rb") as handle:
            if not _current(handle, raw):
                return None
        with (folder / f"{key}.{what}").open("rb") as handle:
            return pickle.load(handle)
    except _MISSES:
        return None


def noted(graph: Any, what: str) -> Any:
    """The note ``what`` kept beside the cache entry the graph was loaded from (:func:`graph.load`), or None."""
    entry = graph.graph.get("entry")
    if entry is None:
        return None
    path, raw, name = entry
    return note(path, raw, name, what)


def keep_noted(graph: Any, what: str, value: Any) -> None:
    """Keep a note beside the cache entry the graph was loaded from (nothing, if it was not)."""
    entry = graph.graph.get("entry")
    if entry is not None:
        path, raw, name = entry
        keep_note(path, raw, name, what, value)


def store(
    path: Path,
    raw: bytes,
    name: str | None,
    inventory: Inventory,
    files: Sequence[tuple[str, str]],
    dirs: Sequence[tuple[str, tuple[str, ...]]],
) -> None:
    """Keep a loaded inventory; failing to write is silent, as the cache only saves time."""
    folder = directory()
    if folder is None:
        return
    header = {"files": list(files), "dirs": list(dirs)}
    try:
        with paused_gc():
            data = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
            data += pickle.dumps(_pack(inventory), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(folder / f"{_key(path, raw, name)}.pickle", data)
        entries = sorted(((p.stat(), p) for p in folder.glob("*.pickle")), key=lambda e: e[0].st_mtime, reverse=True)
        total = 0
        for n, (info, old) in enumerate(entries):
            total += info.st_size
            if n >= KEEP or (n > 0 and total > KEEP_BYTES):
                for stale in folder.glob(f"{old.stem}.*"):
                    stale.unlink(missing_ok=True)
    except (OSError, OutputError):
        return


def keep_note(path: Path, raw: bytes, name: str | None, what: str, value: Any) -> None:
    """Keep a note beside the cached entry of this root file (silently not, when it cannot)."""
    folder = directory()
    if folder is None:
        return
    try:
        write_atomic(folder / f"{_key(path, raw, name)}.{what}", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, OutputError):
        return


def _pack(inventory: Inventory) -> dict[str, Any]:
    """An inventory as plain values: one row per component, fields in order."""
    components = inventory.components.values()
    return {
        "name": inventory.name,
        "description": inventory.description,
        "rows": [_ROW(c) for c in components],
        "origins": [inventory.origins.get(c.id) for c in components],
        "files": inventory.files,
        "warnings": inventory.warnings,
        "accepted": inventory.accepted,
        "distributions": inventory.distributions,
    }


def _unpack(packed: dict[str, Any]) -> Inventory:
    rows = packed.pop("rows")
    components = {row[0]: record(Component, dict(zip(COMPONENT_FIELDS, row, strict=True))) for row in rows}
    origins = {cid: origin for cid, origin in zip(components, packed.pop("origins"), strict=True) if origin}
    return Inventory(components=components, origins=origins, **packed)
