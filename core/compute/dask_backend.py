"""Dask distributed backend: library builds and screens beyond one process or machine.

``--scheduler local[:N]`` starts a LocalCluster of N single-threaded worker processes
(default: one per core); ``--scheduler tcp://HOST:PORT`` joins a running cluster, whose
workers must see the project's code, its installed packages and the model libraries at
the same paths (a shared file system), as the README explains.

Dask re-runs the tasks of a worker that dies on the remaining workers; when a task has
killed too many workers, the run stops with a :class:`ComputeError` naming it.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from core.errors import InputError

_LOCAL = re.compile(r"^local(?::(\d+))?$")


class ComputeError(RuntimeError):
    """The cluster failed a task (a worker died repeatedly, the scheduler vanished)."""


@dataclass(frozen=True)
class SchedulerSpec:
    """A parsed ``--scheduler`` value."""

    kind: str  # "local" or "address"
    workers: int | None = None
    address: str | None = None

    def label(self) -> str:
        return f"local cluster ({self.workers or 'auto'} workers)" if self.kind == "local" else self.address


def parse_scheduler(text: str) -> SchedulerSpec:
    """``local``, ``local:N`` or ``tcp://host:port`` (InputError otherwise)."""
    text = (text or "").strip()
    match = _LOCAL.match(text)
    if match:
        workers = int(match.group(1)) if match.group(1) else None
        if workers is not None and workers < 1:
            raise InputError("local:N needs at least one worker")
        return SchedulerSpec("local", workers=workers)
    if re.match(r"^(tcp|tls|ucx|inproc)://[^\s]+$", text):
        return SchedulerSpec("address", address=text)
    raise InputError(f"--scheduler takes local, local:N or tcp://HOST:PORT, not {text!r}")


@contextmanager
def dask_client(spec: str | SchedulerSpec) -> Iterator[object]:
    """A connected ``distributed.Client`` (and its LocalCluster when local), closed on exit."""
    from dask.distributed import Client, LocalCluster

    spec = parse_scheduler(spec) if isinstance(spec, str) else spec
    cluster = None
    try:
        if spec.kind == "local":
            import os

            n = spec.workers or os.cpu_count() or 1
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(spec.address, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {spec.address}: {exc}") from None
        yield client
    finally:
        if "client" in locals():
            client.close()
        if cluster is not None:
            cluster.close()


def workers(client) -> list[dict]:
    """The cluster's workers: address, threads, memory limit."""
    info = client.scheduler_info().get("workers", {})
    return [{"address": addr, "threads": w.get("nthreads"), "memory_limit": w.get("memory_limit"),
             "name": str(w.get("name"))} for addr, w in info.items()]


def describe(text: str | None, timeout: str = "5s") -> dict:
    """What a scheduler setting will use, for settings pages: kind, label and workers.

    ``None`` or an empty string is the in-process engine.  A local cluster is described
    without starting it (its workers start with each run and stop after it); a remote
    scheduler is contacted once and its current workers are listed.

    Raises
    ------
    InputError
        The setting is malformed or the scheduler cannot be reached.
    """
    if not (text or "").strip():
        return {"kind": "in-process", "label": "in-process (this machine's cores, no Dask)", "workers": []}
    spec = parse_scheduler(text)
    if spec.kind == "local":
        n = spec.workers or os.cpu_count() or 1
        return {"kind": "local", "label": spec.label(), "workers": [
            {"address": f"local worker {i + 1} (started per run)", "threads": 1, "memory_limit": None,
             "name": str(i)} for i in range(n)]}
    from dask.distributed import Client

    try:
        client = Client(spec.address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {spec.address}: {exc}") from None
    try:
        return {"kind": "address", "label": spec.address, "workers": workers(client)}
    finally:
        client.close()


def executor(client):
    """A ``concurrent.futures`` executor that runs on the cluster."""
    return client.get_executor()


def n_workers(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def is_cluster_failure(exc: BaseException) -> bool:
    """True for errors that mean the cluster, not the task, failed."""
    return type(exc).__name__ in ("KilledWorker", "CommClosedError", "CancelledError", "FutureCancelledError")
