"""Background jobs: lifecycle, progress, time left, cancel, errors, owners, queueing."""

import threading
import time

import pytest

from core.errors import CancelledError, InputError
from core.jobs import Job, JobRegistry, JobStatus, estimate_time_left, format_seconds, new_owner, valid_owner


def run(work, **kwargs) -> Job:
    job = Job(work, name="test", **kwargs).start()
    assert job.wait(10)
    return job


def test_result_and_progress():
    seen = []

    def work(report):
        for i in range(1, 5):
            report.progress(i / 4, f"step {i}")
            seen.append(i)
        report.progress(0.1, "going back is ignored")
        report.log("hello")
        return 42

    job = run(work)
    snap = job.snapshot()
    assert job.status is JobStatus.DONE and job.result == 42 and snap.fraction == 1.0
    assert snap.logs == ["hello"] and snap.message == "finished" and seen == [1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="started once"):
        job.start()


def test_user_errors_are_messages_and_bugs_keep_a_trace():
    def bad_input(report):
        raise InputError("the data have 3 rows")

    def bug(report):
        return 1 / 0

    job = run(bad_input)
    assert job.status is JobStatus.FAILED and job.error == "the data have 3 rows" and job.error_detail is None
    job = run(bug)
    assert job.status is JobStatus.FAILED and job.error.startswith("ZeroDivisionError")
    assert "Traceback" in job.error_detail


def test_cancel_stops_the_work():
    started = threading.Event()

    def work(report):
        started.set()
        while not report.cancelled():
            time.sleep(0.01)
        raise CancelledError("stopped at a check")

    job = Job(work, name="long").start()
    assert started.wait(5)
    assert job.snapshot().status is JobStatus.RUNNING
    job.cancel()
    assert job.wait(5)
    assert job.status is JobStatus.CANCELLED and job.message == "stopped at a check"


def test_time_left():
    assert estimate_time_left(10.0, 0.25) == pytest.approx(30.0)
    assert estimate_time_left(0.5, 0.5) is None and estimate_time_left(10.0, 0.01) is None
    assert estimate_time_left(10.0, 1.0) == 0.0
    assert format_seconds(None) == "estimating..." and format_seconds(40.2) == "~40 s"
    assert format_seconds(600) == "~10 min"

    now = [0.0]
    job = Job(lambda r: None, name="t", clock=lambda: now[0])
    job.status, job.started, job.fraction = JobStatus.RUNNING, 0.0, 0.5
    now[0] = 10.0
    assert job.elapsed == 10.0 and job.eta() == pytest.approx(10.0)


def test_registry_keeps_owners_apart_and_queues_work():
    registry = JobRegistry(max_parallel=1)
    gate, started = threading.Event(), threading.Event()
    first = registry.submit("alice", lambda r: started.set() or gate.wait(10), name="a", kind="screen")
    assert started.wait(5)  # alice's job holds the one slot before bob's is submitted
    ran = threading.Event()
    second = registry.submit("bob", lambda r: ran.set() or "b", name="b", kind="screen")
    # bob's work has not started half a second later (it would have, without the machine-wide slot)
    assert not ran.wait(0.5) and second.snapshot().status is JobStatus.QUEUED
    assert registry.jobs("alice") == [first] and registry.jobs("bob") == [second]
    assert registry.latest("bob", "screen") is second and registry.latest("bob", "build") is None
    assert registry.get("alice", second.id) is None
    gate.set()
    assert second.wait(10) and second.result == "b" and ran.is_set()
    assert registry.running("alice") == [] and registry.running("bob") == []


def test_a_finished_job_is_announced_once_per_owner_and_keeps_its_meta():
    registry = JobRegistry(max_parallel=1)
    gate = threading.Event()
    job = registry.submit("alice", lambda r: gate.wait(10) and "done", name="screen of x", kind="screen",
                          meta={"dataset": "x", "open_results": True})
    assert job.meta == {"dataset": "x", "open_results": True}
    assert registry.announce("alice", job) is False  # still running: nothing to announce
    gate.set()
    assert job.wait(5)
    assert registry.announce("alice", job) is True  # the first look after it finished (any tab, any page)
    assert registry.announce("alice", job) is False  # said once
    assert registry.announce("bob", job) is True  # another owner has its own notices (and never sees alice's jobs)


def test_owner_tokens_from_a_cookie_are_checked():
    token = new_owner()
    assert valid_owner(token) == token and len(token) == 32
    for bad in (None, "", "abc", token.upper(), token + "0", token + "\n", "'; alert(1); '", 42):
        assert valid_owner(bad) is None


def test_a_queued_job_can_be_cancelled():
    registry = JobRegistry(max_parallel=1)
    gate, started = threading.Event(), threading.Event()
    registry.submit("a", lambda r: started.set() or gate.wait(10), name="busy", kind="x")
    assert started.wait(5)
    queued = registry.submit("b", lambda r: "never", name="queued", kind="x")
    queued.cancel()
    assert queued.wait(5) and queued.status is JobStatus.CANCELLED and queued.result is None
    gate.set()
