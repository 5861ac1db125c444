"""Dask backend: same numbers as in-process, and a killed worker corrupts nothing."""

import os
import signal
import threading

import numpy as np
import pytest
from dask.distributed import Client, LocalCluster

from core.compute.dask_backend import describe, parse_scheduler
from core.errors import InputError
from core.library import Library
from core.pretrain.builder import BuildConfig, build_library
from core.transfer.screen import screen

from tests.transfer.conftest import example_target, fast_config


def test_parse_scheduler():
    assert parse_scheduler("local").kind == "local"
    assert parse_scheduler("local:3").workers == 3
    assert parse_scheduler("tcp://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    for bad in ("local:0", "remote", "http://x:1", ""):
        with pytest.raises(InputError, match="--scheduler takes|at least one worker"):
            parse_scheduler(bad)


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        yield cl


def test_two_worker_screen_equals_in_process(libraries, cluster):
    target = example_target("freesolv", 30, seed=5)
    config = fast_config(strategies=(), baselines=(), ensemble=1)
    local = screen(target, libraries, config)
    remote = screen(target, libraries, fast_config(strategies=(), baselines=(), ensemble=1,
                                                   scheduler=cluster.scheduler_address))
    assert local.ranking["candidate"].tolist() == remote.ranking["candidate"].tolist()
    assert np.array_equal(local.ranking["cv_mae"].to_numpy(), remote.ranking["cv_mae"].to_numpy())
    assert local.summary["nested_mae"] == remote.summary["nested_mae"]
    assert local.summary["compute"] == {"scheduler": None, "workers": []}
    assert sorted(remote.summary["compute"]["workers"]) == sorted(cluster.scheduler_info["workers"])


def test_describe_lists_the_workers_of_a_setting(cluster):
    assert describe("")["kind"] == "in-process" and describe(None)["workers"] == []
    local = describe("local:3")
    assert local["kind"] == "local" and len(local["workers"]) == 3  # described, not started
    remote = describe(cluster.scheduler_address)
    assert sorted(w["address"] for w in remote["workers"]) == sorted(cluster.scheduler_info["workers"])
    assert all(w["threads"] == 1 for w in remote["workers"])
    with pytest.raises(InputError, match="--scheduler takes"):
        describe("cluster-a")
    with pytest.raises(InputError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        describe("tcp://127.0.0.1:1", timeout="1s")


def test_killed_worker_does_not_corrupt_a_build(tmp_path, cluster):
    with Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed = threading.Event()

    def on_progress(line):
        if line.startswith("[") and not killed.is_set():  # the first stack is written: kill a worker
            os.kill(victim, signal.SIGKILL)
            killed.set()

    config = BuildConfig(out=tmp_path / "lib", preset="tiny",
                         sources=("qm9_gap", "chemicals_tb", "mp_gap", "aflow_bulk_modulus", "polymer_tg"),
                         scheduler=cluster.scheduler_address)
    summary = build_library(config, progress=on_progress)
    assert killed.is_set()
    with Library(config.out) as lib:
        assert lib.verify() == {}  # every listed model is complete and matches its checksum
        listed = lib.ids()
    assert len(listed) == summary.trained_models
    # whatever failed can be resumed: the second run completes the library
    again = build_library(config, progress=lambda line: None)
    with Library(config.out) as lib:
        assert len(lib) == summary.planned_models and lib.verify() == {}
    assert again.skipped_models == len(listed)
