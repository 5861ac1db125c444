"""Long work off the caller's thread: progress, time left, cancel, result or error.

The dashboard must stay responsive while a screen, a learning curve or a library build
runs for seconds to minutes.  A :class:`Job` runs a *work function* on a daemon thread;
the work function receives a :class:`Reporter` through which it reports progress, reads
the cancel flag (passed on to core as its ``cancel`` callable) and logs lines.  The page
that started the job polls :meth:`Job.snapshot`.

Jobs belong to an *owner* (a browser: the dashboard keeps its token in a cookie) in a
:class:`JobRegistry`, so one browser never sees another's work and a refresh of the page
finds its running and finished jobs again; at most ``max_parallel`` jobs run at once on
the machine and the others wait, queued, instead of fighting over the cores.

The runner knows nothing of what it runs: the product's work functions (a screen, a
learning curve, a transferability map, a library build) are built in :mod:`core.work`.
"""

from __future__ import annotations

import os
import re
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from core.errors import CancelledError, InputError, LibraryError


class JobStatus(str, Enum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class Reporter:
    """Handed to a work function: report progress, check for cancellation, log.

    Parameters
    ----------
    job : Job
        The job whose state the reporter updates.
    """

    def __init__(self, job: "Job"):
        self._job = job

    def progress(self, fraction: float, message: str = "") -> None:
        """Overall progress in [0, 1] and what is happening now."""
        self._job._set_progress(fraction, message)

    def cancelled(self) -> bool:
        """True once cancellation was asked for; pass this method to core as ``cancel``."""
        return self._job._cancel.is_set()

    def log(self, line: str) -> None:
        """Append a line to the job's log."""
        self._job._log(line)


@dataclass
class JobSnapshot:
    """A consistent view of a job for rendering (no locks needed by the reader)."""

    id: str
    name: str
    kind: str
    status: JobStatus
    fraction: float
    message: str
    elapsed: float
    eta: float | None
    error: str | None
    logs: list[str]


class Job:
    """Run ``work(reporter)`` on a thread and keep its progress, result or error.

    Parameters
    ----------
    work : callable
        ``work(reporter) -> result``.  It should call ``reporter.progress`` now and then
        and stop (raising :class:`~core.errors.CancelledError`) when
        ``reporter.cancelled()`` turns True.
    name : str
        Shown to the user, e.g. "screen freesolv".
    kind : str
        What sort of job (``screen``, ``learning``, ``build`` ...), to find it again.
    gate : threading.Semaphore, optional
        Taken while the work runs (see :class:`JobRegistry`); the job is QUEUED until then.
    meta : dict, optional
        What the page that started the job needs to show it again after a browser refresh
        (e.g. the dataset it runs on); the job itself never reads it.
    """

    def __init__(self, work: Callable[[Reporter], Any], *, name: str, kind: str = "job",
                 gate: threading.Semaphore | None = None, clock: Callable[[], float] = time.monotonic,
                 meta: dict | None = None):
        self.id = uuid.uuid4().hex[:12]
        self.name = name
        self.kind = kind
        self.meta = dict(meta or {})
        self.work = work
        self.status = JobStatus.QUEUED
        self.fraction = 0.0
        self.message = "waiting to start"
        self.result: Any = None
        self.error: str | None = None
        self.error_detail: str | None = None
        self.created = clock()
        self.started: float | None = None
        self.finished_at: float | None = None
        self._clock = clock
        self._gate = gate
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._logs: deque[str] = deque(maxlen=200)
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    # ------------------------------------------------------------------ control
    def start(self) -> "Job":
        """Start the work on a daemon thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("a job can be started once")
        self._thread = threading.Thread(target=self._run, name=f"job-{self.kind}-{self.id}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop; it ends as CANCELLED at its next check."""
        self._cancel.set()
        with self._lock:
            if not self.status.finished:
                self.message = "cancelling..."

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (True) or ``timeout`` passed (False)."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self.status.finished

    # ------------------------------------------------------------------ reading
    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished_at or self._clock()) - self.started

    def eta(self) -> float | None:
        """Seconds left, extrapolated from the progress so far (None until it means something)."""
        if self.status is not JobStatus.RUNNING or self.started is None:
            return None
        return estimate_time_left(self.elapsed, self.fraction)

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return JobSnapshot(self.id, self.name, self.kind, self.status, self.fraction, self.message,
                               self.elapsed, self.eta(), self.error, list(self._logs))

    # ------------------------------------------------------------------ internals
    def _set_progress(self, fraction: float, message: str) -> None:
        with self._lock:
            self.fraction = min(1.0, max(self.fraction, float(fraction)))  # never goes backwards
            if message:
                self.message = message

    def _log(self, line: str) -> None:
        with self._lock:
            self._logs.append(str(line))

    def _run(self) -> None:
        reporter = Reporter(self)
        acquired = False
        try:
            if self._gate is not None:
                while not (acquired := self._gate.acquire(timeout=0.2)):
                    if self._cancel.is_set():
                        raise CancelledError("cancelled before it started")
                    with self._lock:
                        self.message = "waiting for another job on this machine to finish"
            if self._cancel.is_set():
                raise CancelledError("cancelled before it started")
            with self._lock:
                self.status = JobStatus.RUNNING
                self.started = self._clock()
                self.message = "started"
            result = self.work(reporter)
            with self._lock:
                self.result = result
                self.fraction = 1.0
                self.message = "finished"
                self.status = JobStatus.DONE
        except CancelledError as exc:
            with self._lock:
                self.status = JobStatus.CANCELLED
                self.message = str(exc) or "cancelled"
        except (InputError, LibraryError) as exc:  # the user's problem: a clear message, no trace
            with self._lock:
                self.status = JobStatus.FAILED
                self.error = str(exc)
                self.message = "failed"
        except Exception as exc:  # noqa: BLE001 - a bug: keep the trace for the details box
            with self._lock:
                self.status = JobStatus.FAILED
                self.error = f"{type(exc).__name__}: {exc}"
                self.error_detail = traceback.format_exc()
                self.message = "failed"
        finally:
            if acquired:
                self._gate.release()
            with self._lock:
                if self.started is None:
                    self.started = self._clock()
                self.finished_at = self._clock()
            self._done.set()


def estimate_time_left(elapsed: float, fraction: float) -> float | None:
    """Linear extrapolation of the time left; None before 2% or 1 s of progress."""
    if fraction <= 0.02 or elapsed < 1.0:
        return None
    if fraction >= 1.0:
        return 0.0
    return elapsed * (1.0 - fraction) / fraction


def format_seconds(seconds: float | None) -> str:
    """``"~40 s"``, ``"~3 min"``; ``"estimating..."`` when unknown."""
    if seconds is None:
        return "estimating..."
    if seconds < 90:
        return f"~{max(1, round(seconds))} s"
    return f"~{seconds / 60:.0f} min"


#: What an owner token looks like (:func:`new_owner`): 32 hex digits.
OWNER_TOKEN = re.compile(r"[0-9a-f]{32}")


def new_owner() -> str:
    """A fresh owner token (random, unguessable)."""
    return uuid.uuid4().hex


def valid_owner(token) -> str | None:
    """``token`` if it is an owner token (from a URL or a cookie, so untrusted), else None."""
    return token if isinstance(token, str) and OWNER_TOKEN.fullmatch(token) else None


class JobRegistry:
    """Jobs per owner (one per browser, see below), with a machine-wide limit on parallel work.

    An owner is a token the dashboard keeps in a browser cookie, so a refresh of the page
    (a new Streamlit session) finds its running and finished jobs again.  The registry
    also remembers which finished jobs an owner was told about (:meth:`announce`), so a
    "finished" notice appears once, whichever page or tab shows it.

    Parameters
    ----------
    max_parallel : int, optional
        Jobs that may run at once; default ``MDL_MAX_JOBS`` or 1 (a 2-core machine is
        better served one job at a time than two at half speed).
    keep : int
        Finished jobs remembered per owner.
    """

    def __init__(self, max_parallel: int | None = None, keep: int = 20):
        max_parallel = max_parallel or int(os.environ.get("MDL_MAX_JOBS", "1"))
        self.gate = threading.BoundedSemaphore(max(1, max_parallel))
        self.keep = keep
        self._jobs: dict[str, list[Job]] = {}
        self._announced: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def submit(self, owner: str, work: Callable[[Reporter], Any], *, name: str, kind: str,
               meta: dict | None = None) -> Job:
        """Create, register and start a job for ``owner`` (``meta``: see :class:`Job`)."""
        job = Job(work, name=name, kind=kind, gate=self.gate, meta=meta)
        with self._lock:
            jobs = self._jobs.setdefault(owner, [])
            jobs.append(job)
            finished = [j for j in jobs if j.done]
            for old in finished[: max(0, len(jobs) - self.keep)]:
                jobs.remove(old)
        return job.start()

    def jobs(self, owner: str) -> list[Job]:
        """The owner's jobs, oldest first."""
        with self._lock:
            return list(self._jobs.get(owner, []))

    def latest(self, owner: str, kind: str) -> Job | None:
        """The owner's most recent job of ``kind``."""
        found = [j for j in self.jobs(owner) if j.kind == kind]
        return found[-1] if found else None

    def get(self, owner: str, job_id: str) -> Job | None:
        return next((j for j in self.jobs(owner) if j.id == job_id), None)

    def running(self, owner: str) -> list[Job]:
        return [j for j in self.jobs(owner) if not j.done]

    def announce(self, owner: str, job: Job) -> bool:
        """True the first time this is asked of a finished job of ``owner`` (show its
        "finished" notice then), False after that and for a job still running."""
        if not job.done:
            return False
        with self._lock:
            told = self._announced.setdefault(owner, set())
            if job.id in told:
                return False
            told.add(job.id)
            return True
