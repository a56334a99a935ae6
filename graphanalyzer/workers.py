"""Work shared with the machine's other processors: forked workers that read this process's memory as it stands.

An analysis that repeats one computation over independent items (exact diagrams,
the verdicts of slices of services, a verified fix per risk) hands them to
:class:`Shared` or :func:`each`.  The workers are forked, so they see every table
built so far (graph, cut sets, codes) without its being copied or pickled; only
results travel back, pickled.  This process works too, and keeps what its items
leave behind (a cache such as the audit's cut-set codes grows here as it would
without workers).  Items are handed out one at a time from a pipe, as each
process comes free, since their costs differ.  The results are those of running
the items here, in order: every process runs the same code on the same data.
One job that need not be waited for at once (writing a large cache entry) is
:func:`started` in a worker.

Workers are forked on Linux only: elsewhere (macOS, whose system libraries are
not safe to use in a forked child, and Windows, which cannot fork), and with one
processor or fewer than two items, the items run here, one after the other.

>>> each(abs, [-1, 2, -3], workers=2)
[1, 2, 3]
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Numbers one call hands out: they must fit the pipe at once (64 KiB on Linux, 4 bytes each).  With more
#: items than this, a number stands for a run of items.
MOST_ITEMS = 8_192
#: Graphs of this many nodes, or more, are worth sharing: below it, forking costs more than it saves.
SHARED_FROM = 20_000
#: How a worker stopped by Ctrl-C ends (128 + SIGINT, as the command does).
INTERRUPTED = 130
#: Whether workers are forked here (see above: on Linux only).
FORKING = sys.platform.startswith("linux")


def processors() -> int:
    """The processors this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def share(size: int, least: int = SHARED_FROM) -> int:
    """The processes for work on ``size`` nodes: one per processor from ``least`` on, else this one alone.

    >>> share(10)
    1
    """
    return processors() if size >= least else 1


def each(function: Callable[[Item], Result], items: Sequence[Item], workers: int | None = None) -> list[Result]:
    """``[function(item) for item in items]``, shared by this process and forked ones, ``workers`` in all
    (default: :func:`processors`): the :meth:`Shared.results`, asked for at once."""
    return Shared(function, items, workers).results()


def called(functions: Sequence[Callable[[], Result]], workers: int | None = None) -> list[Result]:
    """``[f() for f in functions]``, shared (:func:`each`): independent halves of one analysis, side by side."""
    return each(lambda function: function(), functions, workers)


def started(job: Callable[[], Result]) -> Callable[[], Result]:
    """``job`` begun in a forked worker, while this process goes on; call what this returns for its result
    (it waits for the worker, once).  With one processor, or not on Linux, ``job`` runs when called for.

    >>> result = started(lambda: sum(range(10)))
    >>> result(), result()
    (45, 45)
    """
    if processors() < 2 or not FORKING:
        return cache(job)
    child = _fork(lambda: _Failed.caught(job))

    @cache
    def result() -> Result:
        found = _sent(*child)
        if isinstance(found, _Failed):
            raise found.error
        return found  # type: ignore[no-any-return]

    return result


class Shared(Generic[Item, Result]):
    """``function`` over ``items``, shared by forked workers, which start at once, and by this process, which
    joins them when it asks for the :meth:`results` (so it may do other work first).

    ``workers``: the processes in all, this one included (default:
    :func:`processors`).  ``function`` and what it reads need not be picklable; its
    results must be.  With one worker, or not on Linux, every item runs here when
    the results are asked for.

    >>> shared = Shared(len, ["a", "bb", "ccc"], workers=2)
    >>> shared.results()
    [1, 2, 3]
    """

    def __init__(self, function: Callable[[Item], Result], items: Sequence[Item], workers: int | None = None) -> None:
        self.function, self.items = function, items
        self.numbers: int | None = None
        self.children: list[tuple[int, int]] = []
        workers = min(processors() if workers is None else workers, len(items))
        if workers < 2 or not FORKING:
            return
        self.batch = -(-len(items) // MOST_ITEMS)  # items a number stands for: one, unless there are many
        self.numbers, queue = os.pipe()
        batches = -(-len(items) // self.batch)
        os.write(queue, b"".join(number.to_bytes(4, "little") for number in range(batches)))
        os.close(queue)  # once the numbers are all read, a read finds the end of the pipe
        self.children = [_fork(self._run) for _ in range(workers - 1)]

    def results(self) -> list[Result]:
        """The results in item order, once this process has run the items still waiting.

        An exception raised by an item, here or in a worker, is raised here."""
        if self.numbers is None:
            return [self.function(item) for item in self.items]
        try:
            found = self._run()
        except BaseException:  # Ctrl-C, say: the workers stop too
            for pid, back in self.children:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(back)
            raise
        finally:
            os.close(self.numbers)
        for child in self.children:
            found.update(_sent(*child))
        errors = [result for result in found.values() if isinstance(result, _Failed)]
        if errors:
            raise errors[0].error
        return [found[index] for index in range(len(self.items))]

    def _run(self) -> dict[int, Any]:
        """Run the items whose numbers this process reads from the pipe: their results (or exceptions) by
        number.  A read of 4 bytes from a pipe is never split, so each number is read by one process."""
        assert self.numbers is not None
        done: dict[int, Any] = {}
        while chunk := os.read(self.numbers, 4):
            first = int.from_bytes(chunk, "little") * self.batch
            for index in range(first, min(first + self.batch, len(self.items))):
                done[index] = _Failed.caught(partial(self.function, self.items[index]))  # raised by the caller
        return done


class _Failed:
    """An item's exception, sent back in place of its result."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    @staticmethod
    def caught(job: Callable[[], Result]) -> Result | _Failed:
        """``job()``, or its exception as a :class:`_Failed`."""
        try:
            return job()
        except Exception as error:
            return _Failed(error)


def _fork(job: Callable[[], Any]) -> tuple[int, int]:
    """A forked worker that runs ``job`` and sends back its result, pickled: its process id and the pipe to read.

    Frozen first, the objects here are left alone by the worker's collections, and
    so are their memory pages; they stay frozen, as what a load builds does
    (reference counting still frees them).
    """
    gc.freeze()
    back, out = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: forking with threads (numpy's, idle)
        pid = os.fork()
    if pid == 0:  # the worker: it never returns
        signal.signal(signal.SIGINT, _interrupted)
        status = 1
        try:
            os.close(back)
            with os.fdopen(out, "wb") as pipe:
                pickle.dump(job(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        except KeyboardInterrupt:
            status = INTERRUPTED
        finally:
            os._exit(status)
    os.close(out)
    return pid, back


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C in a worker: it ends at once, as interrupted (what it was doing is of no more use)."""
    os._exit(INTERRUPTED)


def _sent(pid: int, back: int) -> Any:
    """What a worker sent back, once it has ended; a worker stopped by Ctrl-C stops this process too."""
    with os.fdopen(back, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        if os.waitstatus_to_exitcode(status) in (INTERRUPTED, -signal.SIGINT):
            raise KeyboardInterrupt
        raise RuntimeError("a worker process ended without sending its results")
    return pickle.loads(data)
