import numpy as np
import pandas as pd
import pytest

from core.domains import Domain
from core.errors import CancelledError, InputError
from core.library import Library
from core.pretrain.builder import BuildConfig, build_library, plan_tasks
from core.pretrain.presets import PRESETS


def test_plan_is_deterministic_and_covers_sources():
    config = BuildConfig(out="x", preset="starter", domains=("inorganic",))
    tasks = plan_tasks(config)
    assert tasks == plan_tasks(config)
    ids = [i for t in tasks for i in t.model_ids]
    assert len(ids) == len(set(ids))
    per_source = {}
    for t in tasks:
        per_source[t.source_name] = per_source.get(t.source_name, 0) + len(t.model_ids)
    assert set(per_source.values()) == {PRESETS["starter"].models_per_source(Domain.INORGANIC)} == {11}


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
        assert lib.manifest["builds"][-1]["status"] == "cancelled"  # kept, marked, and resumable
    assert len(first) == 2
    lines, steps = [], []
    summary = build_library(config, progress=lines.append, advance=lambda done, total: steps.append((done, total)))
    assert summary.skipped_models == 2 and summary.trained_models == 4
    # typed progress: the models this build trains (the resumed 2 not counted), a step per finished stack
    assert steps[0] == (0, 4) and steps[-1] == (4, 4) and len(steps) >= 3
    assert [d for d, _ in steps] == sorted(d for d, _ in steps) and {t for _, t in steps} == {4}
    assert any(line.startswith("resuming: 2 of 6") for line in lines)
    with Library(config.out) as lib:
        assert first <= lib.ids() and len(lib) == 6
        assert lib.manifest["builds"][-1]["status"] == "complete"


def _user_source(folder, structures, name="mine"):
    from core import datasets
    from core.domains import Domain
    from core.pretrain.sources import save_user_source

    good = datasets.load("chemicals_tb").head(60)
    table = pd.DataFrame({"structure": list(good["structure"]) + structures,
                          "target": list(good["target"]) + [300.0] * len(structures)})
    table["line"] = np.arange(2, len(table) + 2)
    return save_user_source(folder / "sources", name, Domain.MOLECULE, "tb", "K", table)


def test_a_row_no_featurizer_can_read_is_left_out_and_reported(tmp_path):
    out = tmp_path / "lib"
    path = _user_source(out, ["C1CC", "*CC(*)(*)C"])
    lines = []
    summary = build_library(BuildConfig(out=out, preset="tiny", user_sources=(str(path),)), progress=lines.append)
    assert summary.trained_models == 2 and not summary.failures
    assert [(r["line"], r["structure"]) for r in summary.unreadable["mine"]] == [(62, "C1CC"), (63, "*CC(*)(*)C")]
    assert "not a valid SMILES" in summary.unreadable["mine"][0]["reason"]
    assert any(line.startswith("mine: left out 2 of 62 rows that cannot be featurized: line 62 'C1CC'")
               for line in lines)
    with Library(out) as lib:
        card = lib.card(sorted(lib.ids())[0])
    assert card["training"]["rows_unreadable"] == 2
    assert card["training"]["n_train"] + card["training"]["n_val"] + card["training"]["n_test"] == 60


def test_a_source_with_no_readable_row_stops_and_leaves_no_library(tmp_path):
    from core.domains import Domain
    from core.pretrain.sources import save_user_source

    out = tmp_path / "lib"
    table = pd.DataFrame({"structure": ["C1CC", "not a molecule", "C(C"], "target": [1.0, 2.0, 3.0]})
    path = save_user_source(out / "sources", "junk", Domain.MOLECULE, "y", "", table)
    with pytest.raises(InputError, match="junk: no row can be featurized; e.g. 'C1CC': not a valid SMILES"):
        build_library(BuildConfig(out=out, preset="tiny", user_sources=(str(path),)), progress=lambda line: None)
    assert not out.exists()


def test_a_build_cancelled_before_any_model_leaves_no_library(tmp_path):
    out = tmp_path / "lib"
    path = _user_source(out, [])
    lines = []
    with pytest.raises(CancelledError):
        build_library(BuildConfig(out=out, preset="tiny", user_sources=(str(path),)), progress=lines.append,
                      cancel=lambda: True)
    assert not out.exists()
    assert any(line.startswith(f"removed {out}: the build ended (cancelled)") for line in lines)


def test_a_failed_build_never_removes_a_folder_holding_other_files(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my own file")
    with pytest.raises(CancelledError):
        build_library(BuildConfig(out=out, preset="tiny", sources=("chemicals_tb",)), progress=lambda line: None,
                      cancel=lambda: True)
    assert (out / "notes.txt").read_text() == "my own file"
