"""Chaos, the Chaos-Monkey way: sample random failures, estimate availability and importance.

Each component is down, independently, with probability ``1 - availability``.  A
:class:`Plan` compiles the targets' cone into numpy index arrays once; then every
batch of trials is evaluated at once, never a Python loop per trial:

* the trials of a batch are bits: each node has a row of 64-bit words for "down"
  and one for "not up", bit ``t`` for trial ``t`` (bit-packed, 64 trials a word);
* failures are sampled sparsely (how many times each component fails in the batch
  is binomial; that many distinct trials are drawn for it), so a batch costs what
  fails, not components times trials;
* nodes are evaluated level by level, requirements first, many nodes per numpy
  call: a component or a gate needing all its members is an OR of rows, ``any`` an
  AND, a quorum a running count in bitwise operations (a demand on equal members is
  a quorum too: so many alive members meet it); only a demand on members of unequal
  capacity unpacks bits to sum capacities; a dependency cycle (a strongly
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

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from graphanalyzer.analysis.cones import cones
from graphanalyzer.errors import UsageError
from graphanalyzer.graph import Node, cone, internals, is_gate, sets_below

Rows = npt.NDArray[np.uint64]
Index = npt.NDArray[np.int64]

#: Bytes of bit rows a batch may hold (two rows per node), and the most trials in a batch.
STATE_BUDGET = 256 * 2**20
MAX_BATCH = 1 << 16
#: Bytes a single numpy gather in one step may take.
STEP_BUDGET = 32 * 2**20
#: Above this failure probability a component's trials are drawn densely, not by position.
DENSE = 0.25
_SHIFTS = np.arange(64, dtype=np.uint64)


@dataclass(frozen=True)
class Step:
    """Nodes evaluated together: ``targets`` rows from their requirements' rows, ``columns[i]``.

    ``op`` is ``or`` (a component, or a gate needing every member), ``and`` (a gate
    needing any one member), ``quorum`` (at least ``at_least`` members, and with a
    demand met by equal members, at least ``enough`` alive) or ``weighed`` (a demand
    on members of unequal capacity: their capacities are summed).  Rows of a step
    have the same number of columns, padded with a constant row that changes nothing.
    """

    op: str
    targets: Index
    columns: Index
    at_least: int = 1
    enough: int = 0
    capacity: npt.NDArray[np.float64] | None = None
    demand: npt.NDArray[np.float64] | None = None


#: A schedule entry: a step that runs once, or the steps of one dependency cycle, run to their fixed point.
Entry = Step | tuple[Step, ...]


@dataclass(frozen=True)
class Plan:
    """The targets' cone compiled for batch evaluation.

    Rows ``0..len(ids)-1`` are components, then gates, then two constant rows: all
    zeros (``rows - 2``) and all ones (``rows - 1``), used to pad steps.
    """

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
    rows = len(row) + 2
    levels: dict[Node, int] = {}
    by_level: dict[int, list[Node]] = {}
    cycles: dict[int, list[list[Node]]] = {}
    sets = list(sets_below(graph, reached))
    for members in sets:
        outside = [levels[r] for m in members for r in succ[m] if r not in members]
        level = 1 + max(outside, default=-1)
        for member in members:
            levels[member] = level
        (first, *others) = members
        if not others and first not in succ[first]:
            if succ[first]:
                by_level.setdefault(level, []).append(first)
        else:
            cycles.setdefault(level, []).append(sorted(members, key=row.__getitem__))
    words = _words(rows, trials)
    compiler = _Compiler(nodes, succ, row, rows, words)
    schedule: list[Entry] = []
    for level in sorted(set(by_level) | set(cycles)):
        schedule.extend(compiler.steps(by_level.get(level, [])))
        for cycle in cycles.get(level, []):
            schedule.append(tuple(step for node in cycle for step in compiler.steps([node])))
    probability = np.array([1.0 - nodes[c]["component"].availability for c in components], dtype=np.float64)
    return Plan(
        ids=tuple(components),  # type: ignore[arg-type]
        probability=np.clip(probability, 0.0, 1.0),
        rows=rows,
        schedule=tuple(schedule),
        targets=tuple(targets),
        target_rows=np.array([row[t] for t in targets], dtype=np.int64),
        cones=tuple(cones(graph, targets, components, sets)),  # component rows are positions in components
        batch=words * 64,
        names=row,
    )


def _words(rows: int, trials: int) -> int:
    """64-bit words per bit row: as many trials as fit the state budget, at most MAX_BATCH."""
    most = max(1, min(MAX_BATCH // 64, STATE_BUDGET // (16 * rows)))
    return max(1, min(most, -(-max(trials, 1) // 64)))


class _Compiler:
    """Turns the nodes of one level into steps: grouped by operation and shape, each within STEP_BUDGET."""

    def __init__(self, nodes: dict[Node, dict[str, Any]], succ: Any, row: dict[Node, int], rows: int, words: int):
        self.nodes, self.succ, self.row, self.words = nodes, succ, row, words
        self.zero, self.one = rows - 2, rows - 1

    def steps(self, group: list[Node]) -> Iterator[Step]:
        shapes: dict[tuple[str, int, int, int], list[Node]] = {}
        for node in group:
            shapes.setdefault(self.shape(node), []).append(node)
        for (op, width, at_least, enough), members in sorted(shapes.items()):
            per_node = width * self.words * 8 * (65 if op == "weighed" else 2)
            size = max(1, STEP_BUDGET // per_node)
            for start in range(0, len(members), size):
                yield self.step(op, width, at_least, enough, members[start : start + size])

    def shape(self, node: Node) -> tuple[str, int, int, int]:
        """(operation, padded width, at_least, enough) of a node: nodes of one shape share a step."""
        width = 1 << (len(self.succ[node]) - 1).bit_length()  # a power of two: little padding, few shapes
        gate = self.nodes[node].get("gate")
        if gate is None:
            return ("or", width, 1, 0)
        members = list(self.succ[node])
        if gate.demand is None:
            if gate.at_least == 1:
                return ("and", width, 1, 0)
            if gate.at_least == len(members):
                return ("or", width, 1, 0)
            return ("quorum", width, gate.at_least, 0)
        capacities = {self.capacity(m) for m in members}
        (each,) = capacities if len(capacities) == 1 else (math.nan,)
        if not each >= 0:
            return ("weighed", width, gate.at_least, 0)
        total, enough = 0.0, 0  # the fewest alive members whose capacity, summed as the engine sums it, meets demand
        while total < gate.demand and enough <= len(members):
            total += each
            enough += 1
        return ("quorum", width, gate.at_least, enough)

    def capacity(self, member: Node) -> float:
        return float(self.nodes[member]["component"].capacity or 0)

    def step(self, op: str, width: int, at_least: int, enough: int, chunk: list[Node]) -> Step:
        pad = self.zero if op == "or" else self.one  # a missing member changes nothing
        columns = np.full((len(chunk), width), pad, dtype=np.int64)
        for i, node in enumerate(chunk):
            indices = [self.row[r] for r in self.succ[node]]
            columns[i, : len(indices)] = indices
        targets = np.array([self.row[node] for node in chunk], dtype=np.int64)
        if op != "weighed":
            return Step(op, targets, columns, at_least, enough)
        capacity = np.zeros((len(chunk), width))
        for i, node in enumerate(chunk):
            members = list(self.succ[node])
            capacity[i, : len(members)] = [self.capacity(m) for m in members]
        demand = np.array([float(self.nodes[node]["gate"].demand) for node in chunk])
        return Step(op, targets, columns, at_least, 0, capacity, demand)


def _at_least(k: int, rows: list[Rows]) -> Rows:
    """Bitwise "at least ``k`` of the rows are set", by a running count (or its complement, when shorter)."""
    n = len(rows)
    if k <= 0:
        return np.full_like(rows[0], np.uint64(2**64 - 1))
    if k > n:
        return np.zeros_like(rows[0])
    if k > n - k + 1:
        return ~_at_least(n - k + 1, [~r for r in rows])
    count: list[Rows | None] = [None] * (k + 1)  # count[j]: at least j of the rows so far
    for i, r in enumerate(rows):
        for j in range(min(i + 1, k), 0, -1):
            below = count[j - 1]
            if j > 1 and below is None:
                continue
            more = r if j == 1 else below & r  # type: ignore[operator]
            count[j] = more if count[j] is None else count[j] | more  # type: ignore[operator]
    result = count[k]
    return np.zeros_like(rows[0]) if result is None else result


def _run(step: Step, down: Rows, notup: Rows) -> None:
    """Evaluate one step in place: rows only ever gain bits (states only get worse)."""
    columns = [step.columns[:, j] for j in range(step.columns.shape[1])]
    if step.op in ("or", "and"):
        for rows in (down, notup):
            result = rows[columns[0]]
            for column in columns[1:]:
                if step.op == "or":
                    result |= rows[column]
                else:
                    result &= rows[column]
            rows[step.targets] |= result
        return
    alive = [~down[column] for column in columns]
    is_down = ~_at_least(step.at_least, alive)
    is_notup = is_down | ~_at_least(step.at_least, [~notup[column] for column in columns])
    if step.enough:
        is_notup |= ~_at_least(step.enough, alive)
    if step.op == "weighed":
        assert step.capacity is not None and step.demand is not None
        total = np.zeros((*is_down.shape, 64))
        for j, row in enumerate(alive):  # in member order, as the engine sums
            total += ((row[:, :, None] >> _SHIFTS) & np.uint64(1)) * step.capacity[:, j, None, None]
        short = (total < step.demand[:, None, None]).astype(np.uint64) << _SHIFTS
        is_notup |= np.bitwise_or.reduce(short, axis=2)
    down[step.targets] |= is_down
    notup[step.targets] |= is_notup


def evaluate(plan: Plan, down: Rows, notup: Rows) -> None:
    """Spread failures through the rows: on entry component rows hold the unplugged bits."""
    for rows in (down, notup):
        rows[plan.rows - 2] = 0
        rows[plan.rows - 1] = np.uint64(2**64 - 1)
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
                changed |= not np.array_equal(before[0], down[step.targets])
                changed |= not np.array_equal(before[1], notup[step.targets])


def bits(rows: Rows, count: int) -> npt.NDArray[np.bool_]:
    """The first ``count`` trials of bit rows, as booleans (rows x trials)."""
    trial = np.arange(count)
    return ((rows[:, trial >> 6] >> (trial & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


def simulate(plan: Plan, failures: Sequence[Iterable[str]]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Evaluate given trials (sets of unplugged components): (down, not up) per trial and target.

    For tests and for small what-if runs; :func:`chaos` samples its trials.
    """
    down = np.zeros((plan.rows, -(-max(len(failures), 1) // 64)), dtype=np.uint64)
    for trial, unplugged in enumerate(failures):
        for cid in unplugged:
            if cid in plan.names:
                down[plan.names[cid], trial >> 6] |= np.uint64(1 << (trial & 63))
    notup = down.copy()
    evaluate(plan, down, notup)
    return bits(down[plan.target_rows], len(failures)).T, bits(notup[plan.target_rows], len(failures)).T


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
    words = plan.batch // 64
    component, trial, counts = sample(rng, plan.probability, size)
    down = np.zeros((plan.rows, words), dtype=np.uint64)
    if component.size:  # each failure's bit into its word: a component fails at most once a trial
        where = component * words + (trial >> 6)
        order = np.argsort(where)
        where, bit = where[order], np.uint64(1) << (trial[order] & 63).astype(np.uint64)
        starts = np.flatnonzero(np.r_[True, where[1:] != where[:-1]])
        down.reshape(-1)[where[starts]] = np.bitwise_or.reduceat(bit, starts)
    notup = down.copy()
    evaluate(plan, down, notup)
    valid = np.zeros(words, dtype=np.uint64)
    valid[: size // 64] = np.uint64(2**64 - 1)
    if size % 64:
        valid[size // 64] = np.uint64((1 << (size % 64)) - 1)
    targets_down = down[plan.target_rows] & valid
    targets_notup = notup[plan.target_rows] & valid
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    hits = []
    for k, cone_rows in enumerate(plan.cones):
        lengths = counts[cone_rows]
        first = np.repeat(starts[cone_rows] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        at = trial[first]
        hit = (targets_down[k, at >> 6] >> (at & 63).astype(np.uint64)) & np.uint64(1)
        hits.append(np.bincount(np.repeat(np.arange(cone_rows.size), lengths), weights=hit, minlength=cone_rows.size))
    return Tally(
        trials=size,
        down=np.bitwise_count(targets_down).sum(axis=1, dtype=np.int64),
        notup=np.bitwise_count(targets_notup).sum(axis=1, dtype=np.int64),
        failed=counts,
        hits=np.concatenate(hits).astype(np.int64) if hits else np.zeros(0, dtype=np.int64),
    )


def batches(plan: Plan, trials: int) -> Iterator[tuple[int, int]]:
    """The (index, size) of each batch of a run of ``trials``: fixed by the plan, not the executor.

    A generator, so a run of any length holds one batch at a time, never its list.

    >>> from types import SimpleNamespace
    >>> list(batches(SimpleNamespace(batch=64), 150))
    [(0, 64), (1, 64), (2, 22)]
    """
    for index, start in enumerate(range(0, trials, plan.batch)):
        yield index, min(plan.batch, trials - start)


Executor = Callable[[Plan, int, Iterator[tuple[int, int]], Callable[[int], None]], Tally]
#: Batches a Dask run keeps submitted at once per worker: enough to keep workers busy, bounded memory.
IN_FLIGHT = 4


def local(plan: Plan, seed: int, work: Iterator[tuple[int, int]], progress: Callable[[int], None]) -> Tally:
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
    worker once; each task runs one batch and returns its counts.  At most
    :data:`IN_FLIGHT` tasks per worker are submitted at a time, so a run of any
    length holds a bounded number of futures.
    """

    def run(plan: Plan, seed: int, work: Iterator[tuple[int, int]], progress: Callable[[int], None]) -> Tally:
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise UsageError("--executor dask needs dask.distributed: pip install 'graphanalyzer[dask]'") from None
        with _cluster(address, LocalCluster) as where, Client(where) as client:  # type: ignore[no-untyped-call]
            shared = client.scatter(plan, broadcast=True)
            window = IN_FLIGHT * max(1, len(client.scheduler_info().get("workers", {})))

            def submit(index: int, size: int) -> Any:
                return client.submit(run_batch, shared, seed, index, size, pure=False)

            pending = as_completed([submit(*batch) for batch in itertools.islice(work, window)])  # type: ignore[no-untyped-call]
            total: Tally | None = None
            for future in pending:
                tally: Tally = future.result()
                total = tally if total is None else total + tally
                progress(tally.trials)
                for batch in itertools.islice(work, 1):
                    pending.add(submit(*batch))  # type: ignore[no-untyped-call]
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
        both = tally.hits[start : start + cone_rows.size].astype(np.float64)
        start += cone_rows.size
        down = int(tally.down[k])
        failed = tally.failed[cone_rows].astype(np.float64)
        seen = failed > 0  # never failed: no estimate
        with np.errstate(divide="ignore", invalid="ignore"):
            when_down = np.where(seen, both / failed, 0.0)
            when_up = np.where(failed < n, (down - both) / (n - failed), 0.0)
        birnbaum = when_down - when_up
        ranked = np.flatnonzero(seen)
        order = ranked[np.argsort(-birnbaum[ranked], kind="stable")]  # ties: in declaration order
        if top:
            order = order[:top]
        importance = measures(
            [plan.ids[row] for row in cone_rows[order].tolist()], down / n, when_down[order], when_up[order]
        )
        availability = 1 - down / n
        services[target] = {
            "availability": availability,
            "stderr": math.sqrt(availability * (1 - availability) / n),
            "degraded": (int(tally.notup[k]) - down) / n,
            "importance": importance,
        }
    return services


def measures(
    components: Sequence[str], risk: float, when_down: npt.NDArray[np.float64], when_up: npt.NDArray[np.float64]
) -> list[dict[str, Any]]:
    """Birnbaum, Fussell-Vesely and risk achievement worth of each component, from P(S down) (``risk``) and,
    for each, P(S down | it is down) and P(S down | it is up).

    >>> measures(["feed"], 0.2, np.array([1.0]), np.array([0.1]))
    [{'component': 'feed', 'birnbaum': 0.9, 'fussell_vesely': 0.5, 'raw': 5.0}]
    """
    count = len(components)
    fussell_vesely = (risk - when_up) / risk if risk > 0 else np.zeros(count)
    raw = when_down / risk if risk > 0 else np.ones(count)
    return [
        {"component": c, "birnbaum": b, "fussell_vesely": f, "raw": r}
        for c, b, f, r in zip(
            components, (when_down - when_up).tolist(), fussell_vesely.tolist(), raw.tolist(), strict=True
        )
    ]
