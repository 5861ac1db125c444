"""Work functions of the product's long tasks (core.work) and the typed progress of a screen."""

import json

import pytest

from core.jobs import JobStatus
from core.transfer.screen import PLAN
from core.work import STAGE_WORDS, ScreenProgress, screen_work

from tests.test_jobs import run


def test_screen_progress_weights_follow_the_config():
    from core.transfer.screen import ScreenConfig

    quick = ScreenProgress.for_config(ScreenConfig(top=5, nested_top=2))
    assert quick.update("featurize", 1, 1) > 0
    mid = quick.update("stage 2", 3, 6)
    assert 0 < mid < quick.update("nested", 2, 5) < quick.update("save", 1, 1) == pytest.approx(1.0)
    flat = ScreenProgress.for_config(ScreenConfig(top=5, nested=False))
    assert flat.weights["nested"] == 0 and quick.weights["nested"] > quick.weights["stage 2"]
    # the screen's plan says how many raw descriptors the baselines read: their refits weigh more
    # (the training mean is fitted once, the forests once per descriptor)
    one, five = ScreenProgress.for_config(ScreenConfig()), ScreenProgress.for_config(ScreenConfig())
    assert one.update(PLAN, 1, 1) == five.update(PLAN, 5, 5) == 0.0  # a plan is no work done
    per_descriptor = len([b for b in ScreenConfig().baselines if b != "scratch_mean"])
    assert five.weights["stage 2"] - one.weights["stage 2"] == 4 * per_descriptor
    assert five.weights["nested"] - one.weights["nested"] == ScreenConfig().nested_folds * 4 * per_descriptor


def test_screen_work_saves_a_run(tiny_library, tmp_path):
    from core.transfer.runs import load_run, owner_hash
    from core.transfer.screen import ScreenConfig
    from core.transfer.transferability import example_targets

    target = example_targets(["freesolv"], rows=20)[0]
    config = ScreenConfig(top=1, nested_top=1, nested_folds=2, rf_trees=10, ensemble=1)
    job = run(screen_work(target, [tiny_library], config, runs_base=tmp_path))
    assert job.status is JobStatus.DONE, job.error
    path = job.result["path"]
    assert path.parent == tmp_path and load_run(path).summary == job.result["result"].summary
    assert load_run(path).meta["owner_hash"] is None  # no browser asked for it
    owned = run(screen_work(target, [tiny_library], config, runs_base=tmp_path, owner="b" * 32))
    saved = (owned.result["path"] / "run.json").read_text()
    assert json.loads(saved)["owner_hash"] == owner_hash("b" * 32) and "b" * 32 not in saved  # a hash, not the token
    # typed progress of every stage, the nested estimate included, reaches the job's bar
    report = _Recorded()
    screen_work(target, [tiny_library], config, save=False)(report)
    stages = {m.split(" ")[0] for m in report.messages}
    assert any(m.startswith(STAGE_WORDS["nested"]) for m in report.messages), stages
    assert any(m.startswith(STAGE_WORDS["stage 1"]) for m in report.messages), stages
    assert max(report.fractions) > 0.9
    assert not any(m.startswith(PLAN) for m in report.messages)  # the plan weighs the bar, it is no step
    assert report.fractions == sorted(report.fractions)  # the bar never goes back


def test_screen_work_reports_bad_input(tiny_library, tmp_path):
    from core.transfer.screen import ScreenConfig
    from core.transfer.transferability import example_targets

    target = example_targets(["freesolv"], rows=6)[0]
    job = run(screen_work(target, [tiny_library], ScreenConfig(), runs_base=tmp_path))
    assert job.status is JobStatus.FAILED and "at least 8 valid rows" in job.error
    assert list(tmp_path.iterdir()) == []


class _Recorded:
    """A stand-in for the Reporter a job hands its work: it records what it is told."""

    def __init__(self):
        self.fractions, self.lines, self.messages = [], [], []

    def progress(self, fraction, message=""):
        self.fractions.append(fraction)
        self.messages.append(message)

    def log(self, line):
        self.lines.append(line)

    def cancelled(self):
        return False


def test_build_work_reports_typed_progress_of_the_models(tmp_path):
    from core.work import build_work
    from core.pretrain.builder import BuildConfig

    report = _Recorded()
    summary = build_work(BuildConfig(out=tmp_path / "lib", preset="tiny", sources=("aflow_debye_temperature",)))(report)
    assert summary.trained_models == 2
    # the bar moves from the builder's counts (not from reading its log lines): 0 until the stack is done, then 1
    assert report.fractions[0] == 0.0 and report.fractions[-1] == 1.0
    assert report.fractions == sorted(report.fractions)
    assert any(line.startswith("[2/2 models]") for line in report.lines)
