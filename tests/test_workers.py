"""Work shared with forked workers: the same results, in order, as running the items here."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from graphanalyzer import workers
from graphanalyzer.workers import Shared, each, started

forked = pytest.mark.skipif(not workers.FORKING, reason="workers are forked on Linux only")


def slow_pid(item: int) -> tuple[int, int]:
    time.sleep(0.02)  # long enough for the worker to start and take items too
    return item * item, os.getpid()


@forked
def test_each_gives_the_results_in_order_from_this_process_and_its_workers() -> None:
    unpicklable = {"square": lambda x: x * x}  # workers read what the parent holds: nothing is pickled to them
    done = each(lambda item: (unpicklable["square"](item), slow_pid(item)[1]), list(range(12)), workers=2)
    assert [square for square, _ in done] == [x * x for x in range(12)]
    assert {pid for _, pid in done} - {os.getpid()}, "the worker ran none of the items"
    assert each(abs, [-1], workers=2) == [1]  # fewer items than workers
    assert each(abs, [], workers=2) == []


def test_an_exception_in_a_worker_is_raised_in_the_caller() -> None:
    def fails_on_seven(item: int) -> int:
        time.sleep(0.02)
        if item == 7:
            raise ValueError("seven")
        return item

    with pytest.raises(ValueError, match="seven"):
        each(fails_on_seven, list(range(10)), workers=2)


@forked
def test_workers_start_at_once_and_this_process_joins_them_when_it_asks_for_the_results() -> None:
    here = os.getpid()
    shared = Shared(slow_pid, [1, 2], workers=2)
    time.sleep(0.5)  # this process does other work: the worker takes both items meanwhile
    (one, by), (four, also_by) = shared.results()
    assert (one, four) == (1, 4) and by == also_by != here
    assert Shared(lambda item: os.getpid(), [1], workers=1).results() == [here]
    with pytest.raises(ZeroDivisionError):
        Shared(lambda item: 1 // item, [0], workers=2).results()


@forked
def test_more_items_than_numbers_are_handed_out_in_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MOST_ITEMS", 4)  # 11 items: numbers stand for runs of 3, the last of 2
    done = each(slow_pid, list(range(11)), workers=2)
    assert [square for square, _ in done] == [x * x for x in range(11)]
    assert {pid for _, pid in done} - {os.getpid()}, "the worker ran none of the items"


@forked
def test_a_started_job_runs_in_a_worker_while_this_process_goes_on() -> None:
    here = os.getpid()
    result = started(lambda: slow_pid(3))
    assert result() == result() and result()[0] == 9 and result()[1] != here
    failing = started(lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        failing()


@forked
def test_ctrl_c_in_a_worker_stops_the_caller_and_ctrl_c_here_stops_the_workers(tmp_path: Path) -> None:
    here, started = os.getpid(), tmp_path / "worker"

    def worker_started() -> None:
        for _ in range(1000):  # at most 10 s
            if started.exists():
                return
            time.sleep(0.01)

    def interrupted_in_the_worker(item: int) -> int:
        if os.getpid() != here:
            started.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C does to every process of the command
        worker_started()
        return item

    with pytest.raises(KeyboardInterrupt):
        each(interrupted_in_the_worker, [1, 2, 3, 4], workers=2)
    started.unlink()

    def interrupted_here(item: int) -> int:
        if os.getpid() == here:
            worker_started()
            raise KeyboardInterrupt
        started.write_text(str(os.getpid()))
        time.sleep(60)
        return item

    with pytest.raises(KeyboardInterrupt):
        each(interrupted_here, [1, 2], workers=2)
    with pytest.raises(ProcessLookupError):  # stopped, and waited for
        os.kill(int(started.read_text()), 0)
