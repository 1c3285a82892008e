"""Running independent pieces of work across processes, for build and publish."""

from __future__ import annotations

import io
import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, pairwise
from typing import Any, TypeVar

__all__ = ["default_jobs", "run_parallel"]

T = TypeVar("T")
R = TypeVar("R")

_work: Callable[[Any], Any] | None = None

IN_FLIGHT = 4
"""Tasks given out per worker at a time: enough that no worker waits for the next,
few enough that the results not yet handed on stay small."""


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _watch_parent(parent: int) -> None:
    """Worker start-up: end this worker when the process that started it dies (killed,
    say), instead of waiting forever for work that will not come. Ctrl-C or SIGTERM
    to the whole process group: the parent alone handles it, and ends the workers."""
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _run(task: bytes) -> Any:
    from . import pickling

    assert _work is not None
    return _work(pickling.loads(task))


def _pickled(tasks: Sequence[Any]) -> Iterator[bytes]:
    """Each of *tasks*, pickled, from one buffer made now (which later reads leave as
    it is: a ``bytes`` object's contents carry no reference counts)."""
    from . import pickling  # here: the time library it imports would slow every start-up

    buffer, ends = io.BytesIO(), array("Q")
    for task in tasks:
        buffer.write(pickling.dumps(task))
        ends.append(buffer.tell())
    whole = buffer.getvalue()
    return (whole[start:end] for start, end in pairwise(chain((0,), ends)))


def run_parallel(
    work: Callable[[T], R], tasks: Sequence[T], jobs: int, done: Callable[[R], None]
) -> None:
    """Call ``work(task)`` for every one of *tasks*; ``done(result)`` in this process as
    each finishes (in no set order), with at most a few results waiting at any time.

    With ``jobs > 1`` the work runs in forked processes, which inherit *work* and all
    it refers to (the programme, the exporters) instead of receiving a copy per task.
    The tasks, though, are pickled (:mod:`.pickling`) into one buffer before the
    workers are forked, and each is sent to its worker when its turn comes: every
    object Python reads, it writes a reference count to, so a process that read the
    tasks themselves after the fork would copy each page that holds them (the whole
    roster) into itself, and the machine would hold them twice. Where fork is not
    available, or for one job, everything runs here, in order.
    """
    import gc
    import multiprocessing
    import signal
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from itertools import islice

    global _work
    count = len(tasks)
    if jobs <= 1 or count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            done(work(task))
        return
    _work = work
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, count),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    )
    try:
        # Workers are forked while the tasks are submitted. A Ctrl-C raised inside the
        # fork machinery (its after-fork hooks) would escape as "Exception ignored":
        # hold the stop signals until every worker is made; they arrive just after.
        # Only a few tasks are in flight at a time, and each result is handed to
        # *done* as it comes, so that rendered outputs never pile up in memory.
        stops = {signal.SIGINT, signal.SIGTERM}
        waiting = _pickled(tasks)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        # What the workers inherit (the programme, the roster) is left out of the cyclic
        # garbage collector's walks, which would write to every object and so copy each
        # inherited page into each worker (copy-on-write).
        gc.freeze()
        try:
            pending = {pool.submit(_run, task) for task in islice(waiting, IN_FLIGHT * jobs)}
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                done(future.result())
                pending.update(pool.submit(_run, task) for task in islice(waiting, 1))
    except BaseException:
        # A failure or Ctrl-C: drop the work not started and let each worker finish
        # the one delegate it is rendering (a fraction of a second). Killing a worker
        # could cut a result half-written into the pipe, and the pool's own thread
        # would then wait for the rest of it forever, at exit.
        workers = list((getattr(pool, "_processes", None) or {}).values())
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:
            # A stop that lands while the pool is still forking its workers can leave
            # one that never receives the word to end, idle on an empty queue: the
            # interpreter would wait for it at exit, forever. End what is left.
            for worker in workers:
                if worker.is_alive():
                    worker.kill()
        raise
    else:
        pool.shutdown()
    finally:
        _work = None
        gc.unfreeze()
