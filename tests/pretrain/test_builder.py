import pytest

from core.errors import CancelledError
from core.library import Library
from core.pretrain.builder import BuildConfig, build_library, plan_tasks


def test_plan_is_deterministic_and_covers_sources():
    config = BuildConfig(out="x", preset="starter", domains=("inorganic",))
    tasks = plan_tasks(config)
    assert tasks == plan_tasks(config)
    ids = [i for t in tasks for i in t.model_ids]
    assert len(ids) == len(set(ids))
    per_source = {}
    for t in tasks:
        per_source[t.source_name] = per_source.get(t.source_name, 0) + len(t.model_ids)
    assert set(per_source.values()) == {7}


def test_full_preset_plans_at_least_5000_models():
    tasks = plan_tasks(BuildConfig(out="x", preset="full"))
    assert sum(len(t.model_ids) for t in tasks) >= 5000


def test_seed_changes_the_models(tmp_path):
    a = build_library(BuildConfig(out=tmp_path / "a", preset="tiny", sources=("aflow_debye_temperature",), seed=1),
                      progress=lambda s: None)
    b = build_library(BuildConfig(out=tmp_path / "b", preset="tiny", sources=("aflow_debye_temperature",), seed=2),
                      progress=lambda s: None)
    assert a.trained_models == b.trained_models == 2
    with Library(tmp_path / "a") as la, Library(tmp_path / "b") as lb:
        sa = la.models(columns=["column_subset"])["column_subset"].tolist()
        sb = lb.models(columns=["column_subset"])["column_subset"].tolist()
        wa = la.load(sorted(la.ids())[0]).weights[0]
        wb = lb.load(sorted(lb.ids())[0]).weights[0]
    assert sa != sb
    assert wa.shape != wb.shape or not (wa == wb).all()


def test_interrupted_build_keeps_finished_models_and_resumes(tmp_path):
    config = BuildConfig(out=tmp_path / "lib", preset="tiny", sources=("aflow_debye_temperature", "mp_gap", "qm9_gap"))
    seen = []

    def cancel_after_first():
        return bool(seen)  # stop as soon as one stack has been written

    with pytest.raises(CancelledError):
        build_library(config, progress=seen.append, cancel=cancel_after_first)
    with Library(config.out) as lib:
        first = lib.ids()
    assert len(first) == 2
    lines = []
    summary = build_library(config, progress=lines.append)
    assert summary.skipped_models == 2 and summary.trained_models == 4
    assert any(line.startswith("resuming: 2 of 6") for line in lines)
    with Library(config.out) as lib:
        assert first <= lib.ids() and len(lib) == 6
