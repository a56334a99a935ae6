"""The content-keyed cache: hits only when nothing the load read has changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphanalyzer import cache, inventory, workers
from graphanalyzer.graph import load


def estate(folder: Path) -> Path:
    (folder / "racks").mkdir(parents=True)
    (folder / "main.yaml").write_text("inventory: c\ninclude: [racks/, power.yaml]\nsites: [s]\n")
    (folder / "power.yaml").write_text("power: [p]\n")
    (folder / "racks" / "r1.yaml").write_text("racks:\n  r1: {in: s, depends_on: [p]}\n")
    return folder / "main.yaml"


def test_second_load_comes_from_the_cache(tmp_path: Path, private_cache: Path) -> None:
    path = estate(tmp_path / "inv")
    first = load(path).graph["inventory"]
    assert len(list(private_cache.glob("*.pickle"))) == 1
    assert cache.lookup(path, path.read_bytes()) == first
    assert load(path).graph["inventory"] == first


@pytest.mark.skipif(not workers.FORKING, reason="workers are forked on Linux only")
def test_a_large_entry_is_written_by_a_worker_and_a_lookup_waits_for_it(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "share", lambda size: 2)  # as if the estate were large
    path = estate(tmp_path / "inv")
    first = load(path).graph["inventory"]
    assert cache._KEEPING, "no worker writes the entry"
    assert cache.lookup(path, path.read_bytes()) == first and not cache._KEEPING
    assert len(list(private_cache.glob("*.pickle"))) == 1
    # A worker that dies before it writes (Ctrl-C, say) leaves no entry, and no error.
    monkeypatch.setattr(cache, "store", lambda *args: os._exit(1))
    (tmp_path / "inv" / "power.yaml").write_text("power: [p, q]\n")
    assert load(path).graph["inventory"] != first and cache._KEEPING
    assert cache.lookup(path, path.read_bytes()) is None and not cache._KEEPING


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "main.yaml").write_text("inventory: c\ninclude: [racks/, power.yaml]\nsites: [s, t]\n"),
        lambda root: (root / "power.yaml").write_text("power: [p, q]\n"),
        lambda root: (root / "racks" / "r1.yaml").write_text("racks:\n  r1: {in: s}\n"),
        lambda root: (root / "racks" / "r2.yaml").write_text("racks: [r2]\n"),
        lambda root: (root / "racks" / "r1.yaml").rename(root / "racks" / "r0.yaml"),
    ],
)
def test_any_change_to_what_was_read_misses(tmp_path: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = estate(tmp_path / "inv")
    load(path)
    change(tmp_path / "inv")
    assert cache.lookup(path, path.read_bytes()) is None
    fresh = inventory.load(path)
    assert load(path).graph["inventory"] == fresh


def test_cache_can_be_turned_off(tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHANALYZER_CACHE", "off")
    load(estate(tmp_path / "inv"))
    assert list(private_cache.iterdir()) == []


def test_corrupt_or_unwritable_cache_is_ignored(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = estate(tmp_path / "inv")
    first = load(path).graph["inventory"]
    for entry in private_cache.glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert load(path).graph["inventory"] == first
    monkeypatch.setenv("GRAPHANALYZER_CACHE_DIR", str(path))  # a file, not a folder
    assert load(path).graph["inventory"] == first


def test_only_the_newest_entries_are_kept(tmp_path: Path, private_cache: Path) -> None:
    for n in range(cache.KEEP + 3):
        path = tmp_path / f"i{n}.yaml"
        path.write_text(f"inventory: i{n}\nsites: [s]\n")
        load(path)
        os.utime(next(private_cache.glob("*.pickle")), None)
    assert len(list(private_cache.glob("*.pickle"))) == cache.KEEP


def test_a_cached_graph_equals_a_fresh_one(tmp_path: Path) -> None:
    """Origins, warnings and every field of every record come back as they were loaded."""
    import networkx as nx

    path = estate(tmp_path / "inv")
    fresh = load(path, use_cache=False)
    load(path)
    cached = load(path)
    assert cache.lookup(path, path.read_bytes()) is not None
    assert cached.graph.pop("entry")[0] == path and "entry" not in fresh.graph  # where notes are kept (audit.kept)
    assert nx.utils.graphs_equal(cached, fresh)
    assert list(cached.edges(data=True)) == list(fresh.edges(data=True))
    before, after = fresh.graph["inventory"], cached.graph["inventory"]
    assert (after.origins, after.warnings, after.files) == (before.origins, before.warnings, before.files)
    assert [vars(c) for c in after.components.values()] == [vars(c) for c in before.components.values()]


def test_validate_is_answered_from_a_note_that_follows_the_entry(tmp_path: Path, private_cache: Path) -> None:
    from graphanalyzer.analysis.summary import validated

    path = estate(tmp_path / "inv")
    first = validated(str(path))
    assert list(private_cache.glob("*.validate")) and validated(str(path)) == first
    (tmp_path / "inv" / "power.yaml").write_text("power: [p, q]\n")
    assert validated(str(path))["components"] == first["components"] + 1


def test_notes_go_with_the_entry_they_were_made_from(tmp_path: Path, private_cache: Path) -> None:
    """An included file changes and another command loads first: the new entry has the same key, not the notes."""
    from graphanalyzer.analysis.summary import validated

    path = estate(tmp_path / "inv")
    first = validated(str(path))
    cache.keep_noted(load(path), "other", "made from the first files")
    (tmp_path / "inv" / "power.yaml").write_text("power: [p, q]\n")
    graph = load(path)  # a miss: the new entry is stored under the same key (the root file is unchanged)
    assert cache.noted(graph, "other") is None and cache.note(path, path.read_bytes(), None, "validate") is None
    assert validated(str(path))["components"] == first["components"] + 1


def test_the_name_given_is_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = estate(tmp_path / "inv")
    load(path)
    monkeypatch.chdir(tmp_path)
    relative = load(os.path.join("inv", "main.yaml")).graph["inventory"]
    assert relative.origins["s"][0] == os.path.join("inv", "main.yaml")


def test_entries_are_kept_within_a_size_budget(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "KEEP_BYTES", 1)  # room for the newest entry only
    for n in range(3):
        path = tmp_path / f"i{n}.yaml"
        path.write_text(f"inventory: i{n}\nsites: [s]\n")
        load(path)
    assert len(list(private_cache.glob("*.pickle"))) == 1
    assert cache.lookup(tmp_path / "i2.yaml", (tmp_path / "i2.yaml").read_bytes()) is not None
