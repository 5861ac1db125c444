"""Where the tasks of a build run: in this process, in worker processes, or on Dask.

Every runner hands each finished task to a :class:`Recorder` (which writes its models to
the library in the caller's process) and reports a failed task to it without stopping the
others; a cancel stops the run after the task in flight.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Callable, Iterable, Protocol

import torch

from core.errors import CancelledError, InputError
from core.pretrain.task import Task, run_task


class Recorder(Protocol):
    """What a runner reports to."""

    trained_models: int

    def record(self, task: Task, items: list) -> None:
        """Store a finished task's ``(net, card)`` items."""

    def fail(self, task: Task, message: str) -> None:
        """Note a task that failed, with the reason."""


def run_tasks(todo: list[Task], recorder: Recorder, *, workers: int = 1, scheduler: str | None = None,
              cancel: Callable[[], bool] | None = None,
              executor_factory: Callable[[int], object] | None = None,
              say: Callable[[str], None] = print) -> None:
    """Run ``todo`` on a Dask ``scheduler``, in ``workers`` processes (or the executor that
    ``executor_factory(workers)`` returns), or else one after the other in this process."""
    if scheduler:
        from core.compute.dask_backend import dask_client, executor, n_workers

        with dask_client(scheduler) as client:
            n = n_workers(client)
            say(f"training on {n} Dask workers ({scheduler})")
            run_parallel(todo, recorder, n, lambda _: executor(client), cancel, threads=1)
        return
    if workers > 1 or executor_factory is not None:
        run_parallel(todo, recorder, workers, executor_factory, cancel)
        return
    run_in_process(todo, recorder, cancel)


def run_in_process(todo: Iterable[Task], recorder: Recorder,
                   cancel: Callable[[], bool] | None = None) -> None:
    """One task after the other; a task's bad input fails that task only."""
    for task in todo:
        if cancel is not None and cancel():
            raise CancelledError(f"build cancelled; {recorder.trained_models} new models kept")
        try:
            recorder.record(task, run_task(task, cancel))
        except CancelledError:
            raise
        except (InputError, ValueError, RuntimeError) as exc:
            recorder.fail(task, str(exc))


def _worker_init(threads: int) -> None:
    torch.set_num_threads(threads)


def run_parallel(todo: Iterable[Task], recorder: Recorder, workers: int,
                 executor_factory: Callable[[int], object] | None, cancel: Callable[[], bool] | None,
                 threads: int | None = None) -> None:
    """Tasks on ``workers`` workers, two in flight per worker; ``threads`` torch threads
    each (default: the cores shared out)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    workers = max(1, workers)
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    if executor_factory is not None:
        executor = executor_factory(workers)
    else:
        import multiprocessing

        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_init, initargs=(threads,))
    pending = {}
    queue = list(todo)
    try:
        while queue or pending:
            while queue and len(pending) < workers * 2:
                task = queue.pop(0)
                task = Task(**{**asdict(task), "threads": threads})
                pending[executor.submit(run_task, task)] = task
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in finished:
                task = pending.pop(fut)
                try:
                    items = fut.result()
                except Exception as exc:  # a failed task (or a lost worker) spares the others
                    recorder.fail(task, f"{type(exc).__name__}: {exc}")
                    continue
                recorder.record(task, items)
            if cancel is not None and cancel():
                for fut in pending:
                    fut.cancel()
                raise CancelledError("build cancelled; finished models kept")
    finally:
        for fut in pending:
            fut.cancel()
        executor.shutdown(wait=False)
