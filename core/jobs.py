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

Work functions for the product's long tasks are built by :func:`screen_work`,
:func:`learning_work`, :func:`transferability_work` and :func:`build_work`.  A finished
screen is saved as a run folder (:func:`core.transfer.runs.save_run`), so a browser
refresh or a page switch never loses it.
"""

from __future__ import annotations

import os
import re
import threading
import time
import traceback
import uuid
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
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


# ====================================================================== progress of a screen
@dataclass
class ScreenProgress:
    """Turn the screen's callbacks into one overall fraction.

    Stages are weighted by the work they do (counted in refits of one candidate under
    all folds): stage 1 is batched and cheap, stage 2 refits ``top x strategies`` models
    plus the baselines, and the nested estimate repeats stage 2 in every outer fold.
    """

    weights: dict[str, float] = field(default_factory=dict)
    fractions: dict[str, float] = field(default_factory=dict)

    @classmethod
    def for_config(cls, config, n_descriptors: int = 3) -> "ScreenProgress":
        heavy = list(config.strategies)
        stage2 = config.top * len(heavy) + len(config.baselines) * n_descriptors + 1
        nested = config.nested_folds * (config.nested_top * len(heavy) + len(config.baselines) * n_descriptors + 2) \
            if config.nested else 0.0
        stage1 = 2.0 * (1 + (config.nested_folds if config.nested else 0))
        return cls({"featurize": 1.0, "stage 1": stage1, "stage 2": float(stage2), "nested": float(nested),
                    "save": 0.5})

    def update(self, stage: str, done: int, total: int) -> float:
        """Record ``done/total`` of ``stage`` and return the overall fraction."""
        if total > 0:
            self.fractions[stage] = min(1.0, done / total)
        for earlier in self.weights:  # stages run in order: everything before is complete
            if earlier == stage:
                break
            self.fractions[earlier] = 1.0
        return self.overall()

    def overall(self) -> float:
        total = sum(self.weights.values()) or 1.0
        return sum(w * self.fractions.get(s, 0.0) for s, w in self.weights.items()) / total


#: The screen's stages as the progress bar says them.
STAGE_WORDS = {"featurize": "computing descriptors:", "stage 1": "stage 1, every model:",
               "stage 2": "stage 2, refitting the best:", "nested": "nested estimate, outer fold"}


def screen_work(target, library_paths: list[str | Path], config, *, runs_base: Path | None = None,
                save: bool = True, owner: str | None = None) -> Callable[[Reporter], dict]:
    """Work function of a screen: open the libraries, screen, save the run.

    Returns a dict with ``result`` (:class:`~core.transfer.screen.ScreenResult`) and
    ``path`` (the run folder, or None when ``save`` is False).  ``owner`` is written into
    the run folder, so the dashboard can list a browser's own runs first.
    """

    def work(report: Reporter) -> dict:
        from core.transfer.runs import save_run
        from core.transfer.screen import screen

        tracker = ScreenProgress.for_config(config)

        def progress(stage: str, done: int, total: int) -> None:
            report.progress(tracker.update(stage, done, total), f"{STAGE_WORDS.get(stage, stage)} {done} of {total}")

        with _opened(library_paths) as libraries:
            report.progress(0.0, f"screening {len(target.y)} rows")
            result = screen(target, libraries, config, progress=progress, cancel=report.cancelled, log=report.log)
            path = None
            if save:
                report.progress(tracker.update("save", 0, 1), "saving the run")
                path = save_run(result, new_run_path(target.name, runs_base), [str(p) for p in library_paths],
                                owner=owner)
                report.log(f"run saved to {path}")
        return {"result": result, "path": path}

    return work


def new_run_path(name: str, base: Path | None = None) -> Path:
    """A fresh run folder (not created) under ``base`` or the default runs folder."""
    from core.transfer.runs import new_run_dir

    return new_run_dir(name, base)


@contextmanager
def _opened(library_paths: list[str | Path]):
    """The libraries at ``library_paths``, open for the duration of a job and closed after it."""
    from core.library import Library

    with ExitStack() as stack:  # closes those already open if a later one fails to open
        yield [stack.enter_context(Library(p)) for p in library_paths]


def learning_work(target, library_paths: list[str | Path], config) -> Callable[[Reporter], Any]:
    """Work function of a learning curve (:func:`core.learning.learning_curve`)."""

    def work(report: Reporter):
        from core.learning import learning_curve

        with _opened(library_paths) as libraries:
            return learning_curve(target, libraries, config,
                                  progress=lambda done, total, msg: report.progress(done / max(total, 1), msg),
                                  cancel=report.cancelled)

    return work


def transferability_work(targets: list, library_paths: list[str | Path], config) -> Callable[[Reporter], Any]:
    """Work function of a transferability map over several targets."""

    def work(report: Reporter):
        from core.transfer.transferability import transferability

        with _opened(library_paths) as libraries:
            return transferability(targets, libraries, config,
                                   progress=lambda stage, done, total: report.progress(done / max(total, 1), stage),
                                   cancel=report.cancelled)

    return work


def build_work(config, source: dict | None = None) -> Callable[[Reporter], Any]:
    """Work function of a library build (:func:`core.pretrain.builder.build_library`).

    Parameters
    ----------
    config : BuildConfig
    source : dict, optional
        A user table to store first with :func:`core.pretrain.sources.save_user_source`:
        keys ``name``, ``domain``, ``property``, ``unit``, ``table`` (structure, target).
        Its path is added to ``config.user_sources``.
    """

    def work(report: Reporter):
        from dataclasses import replace

        from core.pretrain.builder import build_library
        from core.pretrain.sources import save_user_source

        cfg = config
        if source is not None:
            path = save_user_source(Path(config.out) / "sources", source["name"], source["domain"],
                                    source["property"], source["unit"], source["table"], source.get("note", ""))
            cfg = replace(config, user_sources=tuple(config.user_sources) + (str(path),))
            report.log(f"stored the source table as {path.name}")

        state = {"fraction": 0.0}

        def say(line: str) -> None:
            report.log(line)
            report.progress(state["fraction"], line)

        def advance(done: int, total: int) -> None:
            state["fraction"] = done / max(total, 1)
            report.progress(state["fraction"], f"{done} of {total} models trained")

        report.progress(0.0, "preparing the source data")
        return build_library(cfg, progress=say, cancel=report.cancelled, advance=advance)

    return work
