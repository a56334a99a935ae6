"""The audit: availability against SCRAM and brute force, the bound within its error, fixes verified."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import EXAMPLES, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import inventories
from test_chaos import scram_importance
from test_export import needs_scram

from graphanalyzer.analysis import audit, exact
from graphanalyzer.analysis.cutsets import minimal_cut_sets, single_failures
from graphanalyzer.analysis.failure import DOWN, propagate
from graphanalyzer.analysis.spof import spof
from graphanalyzer.cli import resolve
from graphanalyzer.dump import dumps
from graphanalyzer.generate import generate
from graphanalyzer.graph import Node, build, load
from graphanalyzer.model import Component, Group, Inventory
from graphanalyzer.render.markdown import cell
from graphanalyzer.render.mef import fault_tree
from graphanalyzer.render.text import percent_text


def brute_force_unavailability(inventory: Inventory, target: str) -> float:
    """P(target down), by unplugging every subset of components (the one engine decides each)."""
    graph = build(inventory)
    ids = list(inventory.components)
    total = 0.0
    for pattern in itertools.product((False, True), repeat=len(ids)):
        failed = [cid for cid, down in zip(ids, pattern, strict=True) if down]
        chance = 1.0
        for cid, down in zip(ids, pattern, strict=True):
            q = 1 - inventory.components[cid].availability
            chance *= q if down else 1 - q
        if propagate(graph, failed).get(target) is DOWN:
            total += chance
    return total


@settings(max_examples=60)
@given(inventories(max_components=7, with_text=False), st.data())
def test_availability_equals_brute_force_and_the_bound_holds_its_error(
    inventory: Inventory, data: st.DataObject
) -> None:
    graph = build(inventory)
    target = data.draw(st.sampled_from(list(inventory.components)))
    truth = brute_force_unavailability(inventory, target)
    result = audit.audit(graph, [target], top=0)["services"][target]
    assert result["method"] == "exact"
    assert abs(1 - result["availability"] - truth) < 1e-9
    assert sum(c["share"] for c in result["contributors"]) <= 1 + 1e-9
    # The cut-set bound, forced, lies within its stated error of the exact value, for every order
    # (below three, larger cut sets are left to the error's tail).
    q = {cid: 1 - c.availability for cid, c in inventory.components.items()}
    for order in range(1, audit.BOUND_ORDER + 1):
        cuts = sorted(minimal_cut_sets(graph, [target], order)[target], key=sorted)
        figure, error = audit.bound(audit.Cuts.of(cuts, q), order)
        assert abs(figure - truth) <= error + 1e-12


def test_the_bound_leaves_larger_cut_sets_to_its_tail_which_skips_only_single_points_of_failure() -> None:
    inventory = Inventory(
        "x",
        {
            "host": Component("host", "host", availability=0.99),
            "a": Component("a", "host", availability=0.9),
            "b": Component("b", "host", availability=0.8),
            "app": Component("app", "service", requires=("host", Group(("a", "b"))), availability=0.999),
        },
    )
    graph = build(inventory)
    truth = brute_force_unavailability(inventory, "app")
    q = {cid: 1 - c.availability for cid, c in inventory.components.items()}
    figure, error = audit.bound(audit.Cuts.of(minimal_cut_sets(graph, ["app"], 1)["app"], q), 1)
    # Order 1 misses {a, b}: its chance is the error's whole tail, as app and host are single points of failure.
    assert truth - figure == pytest.approx(0.999 * 0.99 * 0.1 * 0.2)
    assert error == pytest.approx(0.1 * 0.2) and truth - figure <= error


@settings(max_examples=40)
@given(inventories(max_components=8, with_text=False))
def test_a_proposed_fix_removes_its_risk_and_makes_nothing_worse(inventory: Inventory) -> None:
    graph = build(inventory)
    targets = list(inventory.components)[:3]
    done = audit.run(graph, targets, top=0)
    unreached = audit._unreached
    try:  # the shortcut that rejects a fix before the changed design is built changes no audit
        audit._unreached = lambda finding, above: False  # type: ignore[assignment]
        full = audit.run(graph, targets, top=0)
    finally:
        audit._unreached = unreached
    assert done.result == full.result and done.fixes == full.fixes
    for risk in done.result["risks"]:
        if risk["fix"] is None:
            continue
        fixed = done.apply(inventory, [risk["id"]])
        after = build(fixed)
        for target in targets:
            before_q = exact.unavailability(graph, target)
            assert exact.unavailability(after, target) <= before_q + 1e-12
        (culprit,) = risk["components"] if risk["kind"] in ("spof", "illusory") else (None,)
        if risk["kind"] == "spof":  # no longer takes down any target
            singles = single_failures(after, targets)
            assert all(culprit not in singles[t] - {t} for t in targets)
        if risk["kind"] == "illusory":  # no longer defeats any group it defeated, nor takes down what it fixed
            defeated = spof(after, targets)["illusory_redundancy"]
            assert not any(e["group_of"] in risk["groups"] and culprit in e["shared"] for e in defeated)
            singles = single_failures(after, targets)
            for target in risk["fix"]["gain"]["availability"]:
                assert culprit not in singles[target] - {target}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_fix_on_the_bundled_examples_is_verified_by_spof_on_the_written_design(name: str, tmp_path: Path) -> None:
    result = json.loads(run_cli("audit", name, "--format", "json").stdout)
    graph = load(resolve(name))
    for sid, service in result["services"].items():
        assert service["method"] in ("exact", "bound")
        if service["method"] == "exact":
            truth = 1 - exact.exact(graph, [sid])["services"][sid]["availability"]
            assert abs(1 - service["availability"] - truth) < 1e-9
        assert service["downtime_minutes_per_year"] == pytest.approx((1 - service["availability"]) * 525_960)
    for risk in result["risks"]:
        if risk["fix"] is None:
            continue
        out = tmp_path / f"{risk['id']}.yaml"
        applied = run_cli("audit", name, "--apply", risk["id"], "-o", str(out), "--format", "json")
        assert applied.returncode == 0, applied.stderr
        assert run_cli("validate", str(out)).returncode == 0
        spofs = {s["component"] for s in json.loads(run_cli("spof", str(out), "--format", "json").stdout)["spofs"]}
        assert not spofs & set(risk["fix"]["gain"]["spofs_removed"])
        for before, after in risk["fix"]["gain"]["availability"].values():
            assert after >= before - 1e-12


@needs_scram
@pytest.mark.parametrize("name", EXAMPLES)
def test_exact_availability_matches_scram(name: str) -> None:
    graph = load(resolve(name))
    result = audit.audit(graph, top=0)
    for sid, service in list(result["services"].items())[:3]:
        if service["method"] != "exact":
            continue
        probability, _ = scram_importance(fault_tree(graph, sid))
        assert 1 - service["availability"] == pytest.approx(probability, rel=1e-5)  # SCRAM prints 6 digits


def test_slo_verdicts_and_gates(tmp_path: Path) -> None:
    inventory = tmp_path / "i.yaml"
    inventory.write_text(
        "inventory: gates\n"
        "power: {feed-a: {}, feed-b: {}, pdu-1: {depends_on: [feed-a]}, pdu-2: {depends_on: [feed-a]}}\n"
        "services:\n"
        "  app: {depends_on: [{any: [pdu-1, pdu-2]}], slo: 99.5%}\n"
        "  strict: {depends_on: [pdu-1], slo: '99.99%'}\n"
    )
    result = run_cli("audit", str(inventory), "--format", "json")
    data = json.loads(result.stdout)
    assert data["services"]["app"]["meets_slo"] is True and data["services"]["strict"]["meets_slo"] is False
    assert run_cli("audit", str(inventory), "--fail-on", "slo").returncode == 1
    assert run_cli("audit", str(inventory), "--fail-on", "spof").returncode == 1
    fix = next(r for r in data["risks"] if r["kind"] == "illusory")
    assert fix["fix"]["description"] == "make pdu-2 depend on feed-b instead of feed-a"
    assert "pdu-2" in fix["fix"]["patch"]
    # --apply needs -o, never writes over the input or an existing file without --force.
    assert run_cli("audit", str(inventory), "--apply", fix["id"]).returncode == 2
    assert run_cli("audit", str(inventory), "--apply", fix["id"], "-o", str(inventory)).returncode == 2
    out = tmp_path / "fixed.yaml"
    out.write_text("keep me")
    refused = run_cli("audit", str(inventory), "--apply", fix["id"], "-o", str(out))
    assert refused.returncode == 2 and out.read_text() == "keep me"
    assert run_cli("audit", str(inventory), "--apply", "R99", "-o", str(tmp_path / "x.yaml")).returncode == 2
    assert run_cli("audit", str(inventory), "--apply", fix["id"], "-o", str(out), "--force").returncode == 0
    assert "feed-b" in out.read_text()


def test_a_quorum_in_one_rack_is_fixed_by_moving_enough_members() -> None:
    components = {
        "rack-1": Component("rack-1", "rack"),
        "rack-2": Component("rack-2", "rack"),
        "rack-3": Component("rack-3", "rack"),
        **{f"zk-{i}": Component(f"zk-{i}", "host", container="rack-2") for i in (1, 2, 3)},
        "zk": Component("zk", "service", requires=(Group(("zk-1", "zk-2", "zk-3"), at_least=2),)),
    }
    result = audit.audit(build(Inventory("q", components)))
    risk = next(r for r in result["risks"] if r["components"] == ["rack-2"])
    assert risk["kind"] == "illusory"
    assert risk["fix"]["description"].count("move") == 2
    assert risk["fix"]["gain"]["spofs_removed"] == ["rack-2"]


def _shared_culprits() -> Inventory:
    """rack-a and feed-1 each defeat the groups of two services, and feed-3 alone takes down two services: a
    fix of one group, or of one host's power, reaches one service only."""
    components = {
        **{cid: Component(cid, "rack") for cid in ("rack-a", "rack-b", "rack-c")},
        **{cid: Component(cid, "power") for cid in ("feed-1", "feed-2", "feed-3")},
        **{f"h{i}": Component(f"h{i}", "host", container="rack-a", requires=("feed-1",)) for i in (1, 2, 3, 4)},
        **{f"h{i}": Component(f"h{i}", "host", container="rack-b", requires=("feed-3",)) for i in (5, 6)},
        "svc-1": Component("svc-1", "service", requires=(Group(("h1", "h2")),)),
        "svc-2": Component("svc-2", "service", requires=(Group(("h3", "h4")),)),
        "svc-3": Component("svc-3", "service", requires=("h5",)),
        "svc-4": Component("svc-4", "service", requires=("h6",)),
    }
    return Inventory("shared", components)


def test_a_fix_that_cannot_reach_its_finding_is_rejected_as_the_full_verification_rejects_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = build(_shared_culprits())
    unreached = audit._unreached
    fired = []

    def counted(finding: dict[str, Any], above: set[Node]) -> bool:
        fired.append((finding["kind"], unreached(finding, above)))
        return fired[-1][1]

    monkeypatch.setattr(audit, "_unreached", counted)
    quick = audit.run(graph, top=0, workers=1)
    monkeypatch.setattr(audit, "_unreached", lambda finding, above: False)
    full = audit.run(graph, top=0, workers=1)
    assert quick.result == full.result and quick.fixes == full.fixes
    # a move of one group's member, and a second power for one host, each reach one service of two
    assert {("illusory", True), ("spof", True)} <= set(fired)
    assert {r["kind"] for r in quick.result["risks"] if r["fix"]} == {"spof", "illusory"}


def test_release_risks_are_audited_with_the_times_the_fan_out_model_computes() -> None:
    from graphanalyzer.analysis.distribute import distribute

    graph = load(resolve("deploys-2010"))
    figures = distribute(graph)["distributions"]["release"]
    releases = audit.audit(graph)["releases"]
    window = next(r for r in releases if r["risk"] == "misses its window")
    assert window["distribution"] == "release" and "misses its 15 min window" in window["finding"]
    assert window["fix"]["gain"]["release_seconds"] == [figures["central_seconds"], figures["swarm_seconds"]]
    assert window["fix"]["patch"] == "distributions:\n  release: {scheme: swarm}  # edit\n"
    assert figures["central_seconds"] > 30 * 60 and figures["swarm_seconds"] < 10  # tens of minutes, seconds
    spof_for_releases = next(r for r in releases if r["risk"] == "source is a SPOF for releases")
    assert "deploy-1" in spof_for_releases["components"]
    assert [r["id"] for r in releases] == [f"D{n}" for n in range(1, len(releases) + 1)]
    assert audit.audit(load(resolve("example")))["releases"] == []  # no distributions, no release risks


def test_the_report_opens_with_the_audit_verdict_and_its_fixes(tmp_path: Path) -> None:
    data = json.loads(run_cli("report", "deploys-2010", "--format", "json").stdout)
    assert _rounded(data["audit"]) == _rounded(
        json.loads(json.dumps(audit.audit(load(resolve("deploys-2010")), top=5)))
    )
    markdown = run_cli("report", "deploys-2010", "--format", "markdown").stdout
    sections = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert sections[:2] == ["## Verdict", "## Findings"]
    verdict = markdown.split("## Verdict")[1].split("## Findings")[0]
    for sid, service in data["audit"]["services"].items():
        assert f"| {sid} | {cell(percent_text(service['availability'], service['error'] or None))} |" in verdict
    for risk in data["audit"]["risks"]:
        if risk["fix"] is not None:
            assert f"**{risk['id']}**" in verdict and risk["fix"]["description"] in verdict
    assert "**D1** distribution release misses its 15 min window" in verdict
    page = tmp_path / "deploys.html"
    assert run_cli("report", "deploys-2010", "-o", str(page)).returncode == 0
    html = page.read_text()
    assert html.index(">Verdict<") < html.index(">Findings<")


def _rounded(value: object) -> object:
    """Floats to 9 significant digits, all the way down (sums in another order differ in the last bits)."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_an_unchanged_design_is_audited_once_and_the_report_reads_that_audit(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphanalyzer.analysis.review import review

    path = tmp_path / "estate.yaml"
    path.write_text(dumps(generate(300, seed=5)), encoding="utf-8")
    graph = load(path)
    fresh = {top: audit.run(graph, None, top) for top in (0, 3, 5, 10)}
    assert len(fresh[0].result["risks"]) > 10 and fresh[3].result["risks"] == fresh[10].result["risks"][:3]
    assert audit.kept(graph) is None and audit.remembered(graph, None, 10) == fresh[10]
    assert list(private_cache.glob("*.audit"))
    reference = review(build(graph.graph["inventory"]))  # a graph of no cache entry: the audit is worked out
    assert reference["audit"] == fresh[5].result

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("audited again")

    with monkeypatch.context() as patched:  # from here on, an audit run again fails the test
        patched.setattr(audit, "run", never)
        again = load(path)
        for top in (3, 5, 10):
            assert audit.kept(again, None, top) == fresh[top] == audit.remembered(again, None, top)
        report = review(again)
        assert report["audit"] == fresh[5].result
        assert report == {**reference, "date": report["date"]}
        assert audit.kept(again, None, 0) is None, "10 risks kept do not answer for all of them"
        assert audit.kept(again, [next(iter(fresh[0].result["services"]))], 10) is None, "other targets"
    assert audit.remembered(load(path), None, 0) == fresh[0]
    assert audit.kept(load(path), None, 10) == fresh[10]  # the audit of every risk answers for ten
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert audit.kept(load(path), None, 10) is None  # a note lives exactly as long as its cache entry


def test_an_audit_shared_among_workers_answers_exactly_as_one_process_does() -> None:
    graph = build(generate(2_000, seed=2))
    alone, shared = audit.run(graph, top=10, workers=1), audit.run(graph, top=10, workers=2)
    assert json.dumps(shared.result, sort_keys=True) == json.dumps(alone.result, sort_keys=True)
    assert shared.fixes == alone.fixes
    assert any(r["fix"] for r in alone.result["risks"]) and {
        s["method"] for s in alone.result["services"].values()
    } == {
        "exact",
        "bound",
    }


cut_families = st.lists(st.frozensets(st.sampled_from("abcdefgh"), min_size=1, max_size=3), min_size=1, max_size=12)


@given(cut_families, st.lists(st.floats(0.0, 0.5), min_size=8, max_size=8))
def test_the_pair_sum_and_the_disjoint_bound_agree_with_their_definitions(
    family: list[frozenset[str]], chances: list[float]
) -> None:
    q = dict(zip("abcdefgh", chances, strict=True))
    cuts = list(dict.fromkeys(family))
    slow = sum(math.prod(q[c] for c in cuts[i] | cuts[j]) for i in range(len(cuts)) for j in range(i + 1, len(cuts)))
    assert audit._pairs(audit.Cuts.of(cuts, q)) == pytest.approx(slow, abs=1e-12)
    union = 0.0  # the chance that any cut set happens, by enumerating every failure pattern
    for pattern in itertools.product((False, True), repeat=8):
        failed = {c for c, down in zip("abcdefgh", pattern, strict=True) if down}
        if any(cut <= failed for cut in cuts):
            union += math.prod(q[c] if c in failed else 1 - q[c] for c in "abcdefgh")
    chances = audit.Cuts.of(cuts, q).chances
    greedy, kept = set[str](), 1.0  # the family chosen greedily, likeliest first, as the definition says
    for i in sorted(range(len(cuts)), key=lambda i: -chances[i]):
        if greedy.isdisjoint(cuts[i]):
            greedy |= cuts[i]
            kept *= 1 - float(chances[i])
    assert audit._disjoint(audit.Cuts.of(cuts, q)) == 1 - kept <= union + 1e-12


letters = "abcdefghijklmnop"


@given(
    st.lists(st.frozensets(st.sampled_from(letters), min_size=1, max_size=3), min_size=1, max_size=300),
    st.lists(st.sampled_from([0.01, 0.1, 0.2, 0.5]), min_size=len(letters), max_size=len(letters)),
)
def test_the_disjoint_bound_and_the_contributors_are_their_definitions_on_families_of_many_blocks(
    family: list[frozenset[str]], chances: list[float]
) -> None:
    """Families of hundreds of sets (the greedy visits them in blocks), chances with many ties."""
    q = dict(zip(letters, chances, strict=True))
    sets = list(dict.fromkeys(family))
    cuts = audit.Cuts.of(sets, q)
    greedy, kept = set[str](), 1.0
    for i in sorted(range(len(sets)), key=lambda i: -cuts.chances[i]):
        if greedy.isdisjoint(sets[i]):
            greedy |= sets[i]
            kept *= 1 - float(cuts.chances[i])
    assert audit._disjoint(cuts) == 1 - kept
    graph = build(Inventory("x", {c: Component(c, "host") for c in letters}))
    listed = [entry["component"] for entry in audit.contributors(graph, cuts, 0.5)]
    small = sorted((s for s in sets if len(s) <= 2), key=lambda s: (-math.prod(q[c] for c in sorted(s)), sorted(s)))
    assert listed == [" + ".join(sorted(s)) for s in small[: audit.CONTRIBUTORS]]
    for overlaps in (0, 7, 60, 10**6):  # the likeliest sets keep their entries by component, as worked out anew
        likeliest = cuts.likeliest(overlaps)
        assert likeliest.grouped is not None
        fresh = audit._by_component(likeliest.table, len(q))
        assert all(np.array_equal(a, b) for a, b in zip(likeliest.grouped, fresh, strict=True))
        assert audit._pairs(likeliest) == audit._pairs(replace(likeliest, grouped=None))


@given(st.lists(st.floats(0.0, 0.5), max_size=40), st.integers(1, 3))
def test_the_tail_beyond_the_bound_order_is_the_poisson_binomial_tail(chances: list[float], k: int) -> None:
    # Within rounding of the number one (odds of chances near 1 are large: rounding grows with them).
    exactly = [Fraction(1)] + [Fraction(0)] * k  # P(exactly j of those seen so far), exactly in rationals
    for p in map(Fraction, chances):
        for j in range(k, 0, -1):
            exactly[j] = exactly[j] * (1 - p) + exactly[j - 1] * p
        exactly[0] *= 1 - p
    assert audit._more_than(k, np.array(chances)) == pytest.approx(float(1 - sum(exactly)), rel=1e-9, abs=1e-14)
