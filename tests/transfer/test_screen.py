import numpy as np
import pytest

from core.domains import Domain
from core.errors import InputError
from core.transfer.cv import CVScheme
from core.transfer.predict import predict
from core.transfer.screen import PLAN, Target, screen

from tests.transfer.conftest import example_target, fast_config


@pytest.fixture(scope="module")
def base_result(libraries, mol_target):
    return screen(mol_target, libraries, fast_config())


def test_ranking_has_every_family_and_the_promised_columns(base_result):
    ranking = base_result.ranking
    assert {"frozen", "frozen+raw", "raw", "strategy"} <= set(ranking["kind"])
    assert set(ranking["family"]) == {"transfer", "scratch", "random"}
    for col in ("rank", "candidate", "label", "family", "model_id", "source", "property", "model_domain", "strategy",
                "cv_mae", "cv_mae_std", "rmse", "r2", "improvement_pct"):
        assert col in ranking.columns
    assert ranking["cv_mae"].is_monotonic_increasing
    assert ranking["candidate"].is_unique
    best_scratch = ranking[ranking["family"] == "scratch"]["cv_mae"].min()
    row = ranking.iloc[0]
    assert row["improvement_pct"] == pytest.approx(100 * (best_scratch - row["cv_mae"]) / best_scratch)
    assert set(ranking["model_domain"]) - {""} <= {"molecule", "polymer"}
    assert not ranking["label"].str.contains(r"\|").any()  # words, not ids


def test_every_candidate_has_out_of_fold_predictions(base_result):
    n = len(base_result.y)
    for cid, oof in base_result.oof.items():
        assert oof.shape == (1, n) and np.isfinite(oof).all(), cid


def test_two_nested_procedures_under_the_same_outer_folds(base_result):
    procs = base_result.procedures
    assert set(procs) == {"transfer", "scratch"}
    t, s = procs["transfer"].nested, procs["scratch"].nested
    assert len(t.folds) == len(s.folds) == 5
    assert [f["n_test"] for f in t.folds] == [f["n_test"] for f in s.folds]
    assert np.isfinite(t.predictions).all() and np.isfinite(s.predictions).all()
    scratch_ids = set(base_result.ranking[base_result.ranking["family"] == "scratch"]["candidate"])
    assert set(procs["scratch"].members) <= scratch_ids
    for fold in s.folds:  # the scratch procedure never picks a transfer candidate, even inside the folds
        assert all(m.startswith("scratch|") for m in fold["members"])
    summary = base_result.summary
    assert summary["nested_mae"] == base_result.recommended.nested.mae
    assert summary["recommended"]["procedure"] == ("transfer" if summary["transfer_helps"] else "scratch")


def test_pure_noise_is_not_called_a_transfer_gain(libraries):
    rng = np.random.default_rng(0)
    target = example_target("freesolv", 40, seed=5)
    noise = Target(target.structures, rng.normal(size=40), Domain.MOLECULE, "noise")
    result = screen(noise, libraries, fast_config())
    summary = result.summary
    assert summary["transfer_helps"] is False
    assert summary["verdict"].startswith(("Transfer did not help", "Transfer did not clearly help"))
    assert summary["recommended"]["procedure"] == "scratch"
    assert all(m.startswith("scratch|") for m in summary["recommended"]["members"])
    # the naive best still looks better than scratch: that is what the nested decision guards against
    assert summary["naive_best_cv_mae"] <= summary["best_scratch"]["cv_mae"]


def test_without_the_nested_estimate_nothing_is_claimed(libraries, mol_target):
    result = screen(mol_target, libraries, fast_config(nested=False))
    assert result.summary["transfer_helps"] is False and result.summary["decision"]["decided"] is False
    assert result.summary["verdict"].startswith("No honest decision")
    assert result.summary["recommended"]["procedure"] == "scratch"


def test_random_control_twins_every_pretrained_stage1_candidate(base_result):
    ranking = base_result.ranking
    pre = ranking[(ranking["family"] == "transfer") & (ranking["stage"] == 1)]
    rnd = ranking[ranking["family"] == "random"]
    assert sorted(rnd["candidate"]) == sorted("random|" + pre["candidate"])
    assert sorted(rnd["model_id"]) == sorted(pre["model_id"])
    merged = pre.merge(rnd, on=["model_id", "strategy"], suffixes=("", "_random"))
    assert not np.allclose(merged["cv_mae"], merged["cv_mae_random"])  # different weights, different scores
    control = base_result.summary["control"]
    assert control["best_pretrained_cv_mae"] == pytest.approx(pre["cv_mae"].min())
    assert control["best_random_cv_mae"] == pytest.approx(rnd["cv_mae"].min())
    assert ("Pretraining mattered" in base_result.summary["verdict"]) == control["pretraining_matters"]
    # controls are never delivered
    for proc in base_result.procedures.values():
        assert not any(m.startswith("random|") for m in proc.members)


def test_outer_test_rows_never_steer_the_choice(libraries, mol_target):
    """Poison the targets of the first outer fold's test rows: what that fold picks must not change."""
    config = fast_config()
    clean = screen(mol_target, libraries, config)
    _, test = clean.outer_splits[0]
    y = np.array(mol_target.y, dtype=float)
    y[test] += 1000.0
    poisoned = screen(Target(mol_target.structures, y, mol_target.domain, "poisoned"), libraries, config)
    for name in ("transfer", "scratch"):
        before = clean.procedures[name].nested.folds[0]
        after = poisoned.procedures[name].nested.folds[0]
        assert before["members"] == after["members"], name
        assert before["inner_cv_mae"] == pytest.approx(after["inner_cv_mae"])


def test_ids_stay_unique_with_every_baseline(libraries, mol_target):
    result = screen(mol_target, libraries, fast_config(baselines=("scratch_rf", "scratch_ridge"), nested=False))
    ranking = result.ranking
    assert ranking["candidate"].is_unique
    ridge = ranking[ranking["strategy"].isin(["ridge", "scratch_ridge"]) & (ranking["family"] == "scratch")]
    assert len(ridge) == 2 * ranking["descriptor_key"].nunique()  # closed-form and inner-CV ridge per descriptor
    assert len(result.oof) == len(ranking)


def test_duplicate_structures_share_a_fold(libraries):
    base = example_target("freesolv", 20, seed=2)
    structures = base.structures + base.structures[:6]  # six structures twice
    y = np.concatenate([base.y, base.y[:6] + 0.1])
    result = screen(Target(structures, y, Domain.MOLECULE, "dups"), libraries, fast_config())
    groups = np.asarray(result.groups)
    for train, test in result.splits + result.outer_splits:
        assert not set(groups[train]) & set(groups[test])


OPTIONS = [
    dict(layers=2), dict(combos=False), dict(strategies=("bayes_ridge",)), dict(top=1), dict(ensemble=1),
    dict(cv=CVScheme("kfold", k=4)), dict(cv=CVScheme("repeated", k=5, repeats=2)), dict(seed=7),
    dict(search="boiling"), dict(penalties=(10.0,)), dict(baselines=()), dict(nested=False), dict(controls=False),
    dict(nested_repeats=2), dict(level=0.8), dict(nested_top=2), dict(rf_trees=5),
]


@pytest.mark.parametrize("change", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_every_option_changes_the_output(libraries, mol_target, base_result, change):
    result = screen(mol_target, libraries, fast_config(**change))
    before = base_result.ranking[["candidate", "cv_mae"]].round(10).to_dict("records")
    after = result.ranking[["candidate", "cv_mae"]].round(10).to_dict("records")
    folds = lambda r: [p.nested.folds if p.nested else None for p in r.procedures.values()]  # noqa: E731
    changed = (before != after or base_result.summary["nested_mae"] != result.summary["nested_mae"]
               or base_result.summary["interval"] != result.summary["interval"] or folds(base_result) != folds(result))
    assert changed


def test_the_seed_reaches_the_folds(libraries, mol_target, base_result):
    other = screen(mol_target, libraries, fast_config(seed=7))
    assert [t.tolist() for _, t in other.splits] != [t.tolist() for _, t in base_result.splits]
    assert [t.tolist() for _, t in other.outer_splits] != [t.tolist() for _, t in base_result.outer_splits]


def test_extrapolation_and_loo(libraries):
    target = example_target("freesolv", 24)
    ext = screen(target, libraries, fast_config(cv=CVScheme("extrapolation")))
    assert ext.splits and len(ext.splits) == 1 and ext.summary["nested_mae"] is not None
    untested = np.ones(len(target.y), dtype=bool)
    untested[ext.splits[0][1]] = False
    for candidate, oof in ext.oof.items():  # only the top of the range has predictions
        assert np.isnan(oof[..., untested]).all() and np.isfinite(oof[..., ~untested]).all(), candidate
    assert np.isfinite(ext.ranking["rmse"]).all() and (ext.ranking["rmse"] < 10 * np.ptp(target.y)).all()
    loo = screen(target, libraries, fast_config(cv=CVScheme("loo"), nested=False))
    assert len(loo.splits) == 24


def test_bad_inputs_give_clear_errors(libraries, mol_target, inorg_target):
    with pytest.raises(InputError, match="5-fold cross-validation needs at least 10 rows"):
        screen(example_target("freesolv", 9), libraries, fast_config())
    with pytest.raises(InputError, match="at least 8 valid rows"):
        screen(example_target("freesolv", 5), libraries, fast_config())
    const = Target(mol_target.structures, np.full(len(mol_target.y), 2.5), Domain.MOLECULE)
    with pytest.raises(InputError, match="the target is constant"):
        screen(const, libraries, fast_config())
    with pytest.raises(InputError, match="no library model matching 'xyzzy'"):
        screen(mol_target, libraries, fast_config(search="xyzzy"))
    with pytest.raises(InputError, match="inorganic models cannot be applied to molecule structures"):
        screen(mol_target, libraries, fast_config(model_domains=("inorganic",)))
    inorganic_id = next(i for i in libraries[0].ids() if i.startswith("mp_gap"))
    with pytest.raises(InputError, match="not applicable to molecule targets"):
        screen(mol_target, libraries, fast_config(model_ids=(inorganic_id,)))
    with pytest.raises(InputError, match="unknown strategy 'magic'"):
        screen(mol_target, libraries, fast_config(strategies=("magic",)))
    with pytest.raises(InputError, match="not a stage-2 strategy"):
        screen(mol_target, libraries, fast_config(strategies=("ridge",)))


def test_inorganic_target_uses_only_inorganic_models(libraries, inorg_target):
    events = []
    result = screen(inorg_target, libraries, fast_config(nested=False, baselines=("scratch_rf", "scratch_et")),
                    progress=lambda *event: events.append(event))
    assert events[0] == (PLAN, 2, 2)  # the plan first: the baselines read two raw descriptors
    assert set(result.ranking["model_domain"]) - {""} == {"inorganic"}
    # element fractions are read by the scratch baselines although no net of the library reads them
    assert set(result.ranking["descriptor"]) - {""} == {"composition", "element_fraction"}
    fractions = result.ranking[result.ranking["descriptor"] == "element_fraction"]
    assert set(fractions["family"]) == {"scratch"}
    assert {"scratch|ridge|element_fraction", "scratch|rf|element_fraction",
            "scratch|et|element_fraction"} <= set(fractions["candidate"])
    out = predict(result, ["Fe0.7Cr0.18Ni0.12", "Fe0.98C0.02"], candidate="scratch|et|element_fraction",
                  libraries=libraries)
    assert np.isfinite(out.table["prediction"]).all()
    assert out.table["prediction"].nunique() == 2  # the additions change the prediction


def test_polymer_target_screens_molecule_models(libraries):
    result = screen(example_target("polymer_tg_common", 30), libraries, fast_config(nested=False))
    assert set(result.ranking["model_domain"]) - {""} == {"molecule"}


def test_an_unreadable_row_is_left_out_and_said(libraries, mol_target, monkeypatch):
    """A structure validation let through but a descriptor cannot read costs only its own row."""
    from core.features.molecule import MACCSKeys

    bad = mol_target.structures[3]
    original = MACCSKeys._featurize_one

    def picky(self, text):
        if text == bad:
            raise ValueError("RDKit cannot compute MACCS keys here")
        return original(self, text)

    monkeypatch.setattr(MACCSKeys, "_featurize_one", picky)
    lines = list(range(2, 2 + len(mol_target.y)))
    target = Target(mol_target.structures, mol_target.y, mol_target.domain, "t", lines=lines)
    messages = []
    result = screen(target, libraries, fast_config(nested=False), log=messages.append)
    assert len(result.y) == len(mol_target.y) - 1 and bad not in result.structures
    assert list(result.summary["unreadable"]) == ["5"] and "MACCS" in result.summary["unreadable"]["5"]
    assert any("left out 1 structure" in m and "line 5" in m for m in messages)
    out = predict(result, ["CCO", bad], candidate="scratch|ridge|maccs", libraries=libraries)
    assert np.isfinite(out.table["prediction"][0]) and np.isnan(out.table["prediction"][1])
    assert "MACCS" in out.table["problem"][1] and out.table["problem"][0] == ""
