"""Chaos, the Chaos-Monkey way: sample random failures, estimate availability and importance.

Each component is down, independently, with probability ``1 - availability``.  A
:class:`Plan` compiles the targets' cone into numpy index arrays once; then every
batch of trials is evaluated at once, never a Python loop per trial:

* the trials of a batch are bits: each node has a row of bytes for "down" and one
  for "not up", bit ``t`` for trial ``t`` (bit-packed, eight trials a byte);
* failures are sampled sparsely (how many times each component fails in the batch
  is binomial; that many distinct trials are drawn for it), so a batch costs what
  fails, not components times trials;
* nodes are evaluated level by level, requirements first, many nodes per numpy
  call: a component or a gate needing all its members is an OR of rows, ``any`` an
  AND, quorums and demands count unpacked bits; a dependency cycle (a strongly
  connected set) is iterated until its rows stop changing, which is the greatest
  fixed point of DESIGN section 2.

This is the failure semantics of :mod:`graphanalyzer.analysis.failure` restated
over bit rows; the tests hold the two equal on random inventories and failures.

Importance, per target ``S`` and component ``c`` with ``Q = P(S down)``:
Birnbaum ``P(S down | c down) - P(S down | c up)``; Fussell-Vesely
``(Q - P(S down | c up)) / Q``, the share of the risk that goes away with ``c``;
risk achievement worth ``P(S down | c down) / Q``.  Each conditional probability is
estimated from the trials in which ``c`` was down (or up); components that never
failed in any trial have no estimate and are left out of the ranking.

Batch ``b`` of a run draws from ``SeedSequence(seed, spawn_key=(b,))`` and batch
sizes depend only on the plan and the number of trials, so a seed gives the same
result whichever executor ran the batches, in whatever order.

>>> from graphanalyzer.model import Component, Group, Inventory
>>> from graphanalyzer.graph import build
>>> g = build(Inventory("x", {
...     "feed": Component("feed", "power", availability=0.9),
...     "web-1": Component("web-1", "host", availability=0.5),
...     "web-2": Component("web-2", "host", availability=0.5),
...     "app": Component("app", "service", requires=("feed", Group(("web-1", "web-2"))), availability=1),
... }))
>>> result = chaos(g, trials=20000, seed=1)
>>> app = result["services"]["app"]
>>> abs(app["availability"] - 0.9 * 0.75) < 4 * app["stderr"]
True
>>> [entry["component"] for entry in app["importance"]][0]  # the feed matters most
'feed'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, cone, internals, is_gate, sets_first

Rows = npt.NDArray[np.uint8]
Index = npt.NDArray[np.int64]

#: Bytes of bit rows a batch may hold (two rows per node), and the most trials in a batch.
STATE_BUDGET = 256 * 2**20
MAX_BATCH = 1 << 16
#: Bytes a single numpy gather in one step may take.
STEP_BUDGET = 32 * 2**20
#: Above this failure probability a component's trials are drawn densely, not by position.
DENSE = 0.25


@dataclass(frozen=True)
class Step:
    """Nodes evaluated together: ``targets`` rows from their requirements' rows.

    ``op`` is ``or`` (a component, or a gate needing every member), ``and`` (a gate
    needing any one member) or ``count`` (a quorum, or a group with a demand).
    Requirements of target ``i`` are ``flat[offsets[i]:offsets[i + 1]]``.
    """

    op: str
    targets: Index
    flat: Index
    offsets: Index
    at_least: Index | None = None
    demand: npt.NDArray[np.float64] | None = None
    capacity: npt.NDArray[np.float64] | None = None


#: A schedule entry: a step that runs once, or the steps of one dependency cycle, run to their fixed point.
Entry = Step | tuple[Step, ...]


@dataclass(frozen=True)
class Plan:
    """The targets' cone compiled for batch evaluation: rows ``0..len(ids)-1`` are components."""

    ids: tuple[str, ...]
    probability: npt.NDArray[np.float64]
    rows: int
    schedule: tuple[Entry, ...]
    targets: tuple[str, ...]
    target_rows: Index
    cones: tuple[Index, ...]
    batch: int
    names: dict[Node, int] = field(repr=False, compare=False)


def compile_plan(graph: nx.DiGraph[Node], targets: Sequence[str], trials: int = MAX_BATCH) -> Plan:
    """Compile the cone of ``targets`` into a :class:`Plan` sized for runs of ``trials``."""
    nodes, succ, _ = internals(graph)
    reached = cone(graph, targets)
    order = [node for node in nodes if node in reached]  # declaration order: deterministic sampling
    components = [node for node in order if not is_gate(node)]
    gates = [node for node in order if is_gate(node)]
    row: dict[Node, int] = {node: i for i, node in enumerate([*components, *gates])}
    levels: dict[Node, int] = {}
    by_level: dict[int, list[Node]] = {}
    cycles: dict[int, list[list[Node]]] = {}
    for members in sets_first(graph, reached):
        outside = [levels[r] for m in members for r in succ[m] if r not in members]
        level = 1 + max(outside, default=-1)
        for member in members:
            levels[member] = level
        single = len(members) == 1 and next(iter(members)) not in succ[next(iter(members))]
        if single:
            (node,) = members
            if succ[node]:
                by_level.setdefault(level, []).append(node)
        else:
            cycles.setdefault(level, []).append(sorted(members, key=row.__getitem__))
    rows = len(row)
    width = _width(rows, trials)
    schedule: list[Entry] = []
    for level in sorted(set(by_level) | set(cycles)):
        schedule.extend(_steps(by_level.get(level, []), nodes, succ, row, width))
        for cycle in cycles.get(level, []):
            schedule.append(tuple(step for node in cycle for step in _steps([node], nodes, succ, row, width)))
    cones = tuple(np.array(sorted(row[n] for n in cone(graph, [t]) if not is_gate(n)), dtype=np.int64) for t in targets)
    probability = np.array([1.0 - nodes[c]["component"].availability for c in components], dtype=np.float64)
    return Plan(
        ids=tuple(components),  # type: ignore[arg-type]
        probability=np.clip(probability, 0.0, 1.0),
        rows=rows,
        schedule=tuple(schedule),
        targets=tuple(targets),
        target_rows=np.array([row[t] for t in targets], dtype=np.int64),
        cones=cones,
        batch=width * 8,
        names=row,
    )


def _width(rows: int, trials: int) -> int:
    """Bytes per bit row: as many trials as fit the state budget, at most MAX_BATCH, a multiple of 64."""
    most = max(8, min(MAX_BATCH // 8, STATE_BUDGET // (2 * max(rows, 1))))
    wanted = -(-max(trials, 1) // 64) * 8
    return max(8, min(most - most % 8 or 8, wanted))


def _op(node: Node, nodes: dict[Node, dict[str, Any]], succ: Any) -> str:
    gate = nodes[node].get("gate")
    if gate is None:
        return "or"
    if gate.demand is None and gate.at_least == 1:
        return "and"
    if gate.demand is None and gate.at_least == len(succ[node]):
        return "or"
    return "count"


def _steps(
    group: list[Node], nodes: dict[Node, dict[str, Any]], succ: Any, row: dict[Node, int], width: int
) -> Iterator[Step]:
    """The steps of nodes of one level, by operation, each step's gather within STEP_BUDGET."""
    by_op: dict[str, list[Node]] = {}
    for node in group:
        by_op.setdefault(_op(node, nodes, succ), []).append(node)
    for op, members in sorted(by_op.items()):
        per_entry = width * (8 * 8 + 8 if op == "count" else 1)  # count unpacks bits, weighs capacity
        chunk: list[Node] = []
        size = 0
        for node in members:
            chunk.append(node)
            size += len(succ[node]) * per_entry
            if size >= STEP_BUDGET:
                yield _step(op, chunk, nodes, succ, row)
                chunk, size = [], 0
        if chunk:
            yield _step(op, chunk, nodes, succ, row)


def _step(op: str, chunk: list[Node], nodes: dict[Node, dict[str, Any]], succ: Any, row: dict[Node, int]) -> Step:
    flat = [row[r] for node in chunk for r in succ[node]]
    lengths = [len(succ[node]) for node in chunk]
    offsets = np.concatenate(([0], np.cumsum(lengths[:-1]))).astype(np.int64)
    targets = np.array([row[node] for node in chunk], dtype=np.int64)
    if op != "count":
        return Step(op, targets, np.array(flat, dtype=np.int64), offsets)
    gates = [nodes[node]["gate"] for node in chunk]
    capacity = [float(nodes[r]["component"].capacity or 0) for node in chunk for r in succ[node]]
    return Step(
        op,
        targets,
        np.array(flat, dtype=np.int64),
        offsets,
        at_least=np.array([g.at_least for g in gates], dtype=np.int64),
        demand=np.array([math.nan if g.demand is None else float(g.demand) for g in gates]),
        capacity=np.array(capacity, dtype=np.float64),
    )


def _run(step: Step, down: Rows, notup: Rows) -> None:
    """Evaluate one step in place: rows only ever gain bits (states only get worse)."""
    if step.op != "count":
        reduce = np.bitwise_or if step.op == "or" else np.bitwise_and
        for rows in (down, notup):
            rows[step.targets] |= reduce.reduceat(rows[step.flat], step.offsets, axis=0)
        return
    assert step.at_least is not None and step.demand is not None and step.capacity is not None
    alive = np.unpackbits(~down[step.flat], axis=1, bitorder="little")
    counted = np.add.reduceat(alive, step.offsets, axis=0, dtype=np.int32)
    is_down = counted < step.at_least[:, None]
    up = np.unpackbits(~notup[step.flat], axis=1, bitorder="little")
    is_notup = is_down | (np.add.reduceat(up, step.offsets, axis=0, dtype=np.int32) < step.at_least[:, None])
    wanted = ~np.isnan(step.demand)
    if wanted.any():
        capacity = np.add.reduceat(alive * step.capacity[:, None], step.offsets, axis=0)
        is_notup |= capacity < np.where(wanted, step.demand, -math.inf)[:, None]
    down[step.targets] |= np.packbits(is_down, axis=1, bitorder="little")
    notup[step.targets] |= np.packbits(is_notup, axis=1, bitorder="little")


def evaluate(plan: Plan, down: Rows, notup: Rows) -> None:
    """Spread failures through the rows: on entry component rows hold the unplugged bits."""
    for entry in plan.schedule:
        if isinstance(entry, Step):
            _run(entry, down, notup)
            continue
        changed = True
        while changed:  # a dependency cycle: to its greatest fixed point
            changed = False
            for step in entry:
                before = down[step.targets].copy(), notup[step.targets].copy()
                _run(step, down, notup)
                changed |= not (np.array_equal(before[0], down[step.targets]))
                changed |= not (np.array_equal(before[1], notup[step.targets]))


def simulate(plan: Plan, failures: Sequence[Iterable[str]]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Evaluate given trials (sets of unplugged components): (down, not up) per trial and target.

    For tests and for small what-if runs; :func:`chaos` samples its trials.
    """
    width = -(-max(len(failures), 1) // 8)
    down = np.zeros((plan.rows, width), dtype=np.uint8)
    for trial, unplugged in enumerate(failures):
        for cid in unplugged:
            if cid in plan.names:
                down[plan.names[cid], trial >> 3] |= np.uint8(1 << (trial & 7))
    notup = down.copy()
    evaluate(plan, down, notup)
    bits = len(failures)
    return (
        np.unpackbits(down[plan.target_rows], axis=1, count=bits, bitorder="little").T.astype(bool),
        np.unpackbits(notup[plan.target_rows], axis=1, count=bits, bitorder="little").T.astype(bool),
    )


@dataclass(frozen=True)
class Tally:
    """Counts over trials, summed exactly across batches.

    ``down``/``notup``: per target; ``failed``: per component, the trials it was
    down; ``hits``: per target and component of its cone (concatenated), the trials
    in which both were down.
    """

    trials: int
    down: Index
    notup: Index
    failed: Index
    hits: Index

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.trials + other.trials,
            self.down + other.down,
            self.notup + other.notup,
            self.failed + other.failed,
            self.hits + other.hits,
        )


def sample(rng: np.random.Generator, probability: npt.NDArray[np.float64], size: int) -> tuple[Index, Index, Index]:
    """Independent failures in ``size`` trials: (component, trial) pairs grouped by component, and counts.

    Exact Bernoulli trials, drawn sparsely: the number of failures of each component
    is binomial, and its trials a uniform draw of that many distinct ones (repeats
    are drawn again until there are none).  Likely failures are drawn densely.
    """
    dense = probability > DENSE
    counts = rng.binomial(size, np.where(dense, 0.0, probability)).astype(np.int64)
    component = np.repeat(np.arange(len(probability), dtype=np.int64), counts)
    trial = rng.integers(0, size, component.size, dtype=np.int64)
    while component.size:
        key = component * size + trial
        order = np.argsort(key, kind="stable")
        repeated = np.zeros(key.size, dtype=bool)
        repeated[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not repeated.any():
            break
        trial[repeated] = rng.integers(0, size, int(repeated.sum()), dtype=np.int64)
    if dense.any():
        extra_component, extra_trial = [], []
        for c in np.flatnonzero(dense):
            hit = np.flatnonzero(rng.random(size) < probability[c])
            extra_component.append(np.full(hit.size, c, dtype=np.int64))
            extra_trial.append(hit.astype(np.int64))
            counts[c] = hit.size
        component = np.concatenate([component, *extra_component])
        trial = np.concatenate([trial, *extra_trial])
        order = np.argsort(component, kind="stable")
        component, trial = component[order], trial[order]
    return component, trial, counts


def run_batch(plan: Plan, seed: int, index: int, size: int) -> Tally:
    """Sample and evaluate batch ``index`` (``size`` trials) of a run with ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    width = plan.batch // 8
    component, trial, counts = sample(rng, plan.probability, size)
    down = np.zeros((plan.rows, width), dtype=np.uint8)
    np.bitwise_or.at(down.reshape(-1), component * width + (trial >> 3), (1 << (trial & 7)).astype(np.uint8))
    notup = down.copy()
    evaluate(plan, down, notup)
    valid = np.packbits(np.arange(width * 8) < size, bitorder="little")
    targets_down = down[plan.target_rows] & valid
    targets_notup = notup[plan.target_rows] & valid
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    hits = []
    for k, cone_rows in enumerate(plan.cones):
        lengths = counts[cone_rows]
        total = int(lengths.sum())
        first = np.repeat(starts[cone_rows] - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        at = trial[first]
        bit = (targets_down[k, at >> 3] >> (at & 7)) & 1
        hits.append(np.bincount(np.repeat(np.arange(cone_rows.size), lengths), weights=bit, minlength=cone_rows.size))
    return Tally(
        trials=size,
        down=np.bitwise_count(targets_down).sum(axis=1, dtype=np.int64),
        notup=np.bitwise_count(targets_notup).sum(axis=1, dtype=np.int64),
        failed=counts,
        hits=np.concatenate(hits).astype(np.int64) if hits else np.zeros(0, dtype=np.int64),
    )


def batches(plan: Plan, trials: int) -> list[tuple[int, int]]:
    """The (index, size) of each batch of a run of ``trials``: fixed by the plan, not the executor."""
    return [(i, min(plan.batch, trials - start)) for i, start in enumerate(range(0, trials, plan.batch))]


Executor = Callable[[Plan, int, list[tuple[int, int]], Callable[[int], None]], Tally]


def local(plan: Plan, seed: int, work: list[tuple[int, int]], progress: Callable[[int], None]) -> Tally:
    """Run the batches here, one after another."""
    total: Tally | None = None
    for index, size in work:
        tally = run_batch(plan, seed, index, size)
        total = tally if total is None else total + tally
        progress(size)
    assert total is not None
    return total


def on_dask(address: str | None = None) -> Executor:
    """An executor that runs the batches as tasks on a Dask cluster (``dask.distributed``).

    ``address`` is the scheduler's (``tcp://host:8786``); without one a LocalCluster
    of this machine's cores is started for the run.  The plan is sent to every
    worker once; each task runs one batch and returns its counts.
    """

    def run(plan: Plan, seed: int, work: list[tuple[int, int]], progress: Callable[[int], None]) -> Tally:
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise UsageError("--executor dask needs dask.distributed: pip install 'graphanalyzer[dask]'") from None
        with _cluster(address, LocalCluster) as where, Client(where) as client:  # type: ignore[no-untyped-call]
            shared = client.scatter(plan, broadcast=True)
            futures = [client.submit(run_batch, shared, seed, index, size, pure=False) for index, size in work]
            total: Tally | None = None
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                tally: Tally = future.result()
                total = tally if total is None else total + tally
                progress(tally.trials)
        assert total is not None
        return total

    return run


@contextmanager
def _cluster(address: str | None, local_cluster: Any) -> Iterator[Any]:
    """The scheduler to connect to: ``address``, or a LocalCluster for the run's duration."""
    if address:
        yield address
        return
    with local_cluster(processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster


def chaos(
    graph: nx.DiGraph[Node],
    trials: int = 10_000,
    seed: int = 0,
    targets: Sequence[str] | None = None,
    *,
    top: int = 0,
    executor: Executor = local,
    progress: Callable[[int], None] = lambda done: None,
) -> dict[str, Any]:
    """Monte Carlo availability and importance of each target (default: every service), DESIGN JSON.

    ``top`` keeps that many components in each importance ranking (0: all of them).
    """
    if trials < 1:
        raise UsageError("--trials must be at least 1")
    chosen = list(targets) if targets else graph.graph["inventory"].services()
    if not chosen:
        raise UsageError("the inventory has no services: name targets with --service")
    plan = compile_plan(graph, chosen, trials)
    tally = executor(plan, seed, batches(plan, trials), progress)
    return {"trials": trials, "seed": seed, "services": summarise(plan, tally, top)}


def summarise(plan: Plan, tally: Tally, top: int = 0) -> dict[str, Any]:
    """The per-target results of a tally (DESIGN section 3)."""
    services: dict[str, Any] = {}
    n = tally.trials
    start = 0
    for k, target in enumerate(plan.targets):
        cone_rows = plan.cones[k]
        hits = tally.hits[start : start + cone_rows.size]
        start += cone_rows.size
        down = int(tally.down[k])
        availability = 1 - down / n
        importance = []
        for row, both in zip(cone_rows.tolist(), hits.tolist(), strict=True):
            failed = int(tally.failed[row])
            if failed == 0:
                continue
            when_down = both / failed
            when_up = (down - both) / (n - failed) if failed < n else 0.0
            importance.append(measures(plan.ids[row], down / n, when_down, when_up))
        importance.sort(key=lambda entry: (-entry["birnbaum"], entry["component"]))
        services[target] = {
            "availability": availability,
            "stderr": math.sqrt(availability * (1 - availability) / n),
            "degraded": (int(tally.notup[k]) - down) / n,
            "importance": importance[:top] if top else importance,
        }
    return services


def measures(component: str, risk: float, when_down: float, when_up: float) -> dict[str, Any]:
    """Birnbaum, Fussell-Vesely and risk achievement worth from P(S down), given c down, given c up.

    >>> measures("feed", 0.2, 1.0, 0.1)
    {'component': 'feed', 'birnbaum': 0.9, 'fussell_vesely': 0.5, 'raw': 5.0}
    """
    return {
        "component": component,
        "birnbaum": when_down - when_up,
        "fussell_vesely": (risk - when_up) / risk if risk > 0 else 0.0,
        "raw": when_down / risk if risk > 0 else 1.0,
    }
