import numpy as np
import pytest

from core.domains import Domain
from core.errors import InputError
from core.transfer.cv import CVScheme
from core.transfer.screen import Target, screen

from tests.transfer.conftest import example_target, fast_config


@pytest.fixture(scope="module")
def base_result(libraries, mol_target):
    return screen(mol_target, libraries, fast_config())


def test_ranking_has_every_kind_and_the_promised_columns(base_result):
    ranking = base_result.ranking
    assert {"frozen", "frozen+raw", "raw", "strategy", "ensemble"} <= set(ranking["kind"])
    for col in ("rank", "candidate", "model_id", "source", "property", "model_domain", "strategy", "cv_mae",
                "cv_mae_std", "rmse", "r2", "improvement_pct"):
        assert col in ranking.columns
    assert ranking["cv_mae"].is_monotonic_increasing
    best_scratch = ranking[ranking["kind"] == "raw"]["cv_mae"].min()
    row = ranking.iloc[0]
    assert row["improvement_pct"] == pytest.approx(100 * (best_scratch - row["cv_mae"]) / best_scratch)
    # cross-domain candidates: only molecule and polymer models for a molecule target
    assert set(ranking["model_domain"]) - {""} <= {"molecule", "polymer"}


def test_every_candidate_has_out_of_fold_predictions(base_result):
    n = len(base_result.y)
    for cid, oof in base_result.oof.items():
        assert oof.shape == (1, n) and np.isfinite(oof).all(), cid


def test_summary_verdict_and_nested(base_result):
    summary = base_result.summary
    assert summary["verdict"].startswith(("Transfer helps", "No pretrained model"))
    assert summary["nested_mae"] is not None and summary["nested_mae"] > 0
    assert len(base_result.nested["folds"]) == 5
    assert summary["models_per_second_stage1"] > 0


def test_scratch_wins_when_no_model_helps(libraries):
    rng = np.random.default_rng(0)
    target = example_target("freesolv", 30)
    noise = Target(target.structures, rng.normal(size=30), Domain.MOLECULE, "noise")
    result = screen(noise, libraries, fast_config(nested=False))
    if not result.summary["transfer_helps"]:
        assert result.summary["verdict"].startswith("No pretrained model beat the scratch baseline")
        assert "scratch|" in result.summary["verdict"]


def test_nested_is_not_better_than_naive_best_on_average(libraries):
    naive, nested = [], []
    for name, seed in [("freesolv", 1), ("logbb", 2), ("aqueous_solubility", 3), ("freesolv", 4)]:
        result = screen(example_target(name, 30, seed), libraries, fast_config(strategies=(), baselines=()))
        naive.append(result.summary["naive_best_cv_mae"])
        nested.append(result.summary["nested_mae"])
    assert np.mean(nested) >= np.mean(naive)


OPTIONS = [
    dict(layers=2), dict(combos=False), dict(strategies=("bayes_ridge",)), dict(top=1), dict(ensemble=0),
    dict(cv=CVScheme("kfold", k=4)), dict(cv=CVScheme("repeated", k=5, repeats=2)), dict(seed=7),
    dict(search="boiling"), dict(penalties=(10.0,)), dict(baselines=()), dict(nested=False),
]


@pytest.mark.parametrize("change", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_every_option_changes_the_output(libraries, mol_target, base_result, change):
    result = screen(mol_target, libraries, fast_config(**change))
    before = base_result.ranking[["candidate", "cv_mae"]].round(10).to_dict("records")
    after = result.ranking[["candidate", "cv_mae"]].round(10).to_dict("records")
    changed = before != after or base_result.summary.get("nested_mae") != result.summary.get("nested_mae")
    assert changed


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


def test_inorganic_target_uses_only_inorganic_models(libraries, inorg_target):
    result = screen(inorg_target, libraries, fast_config(nested=False))
    assert set(result.ranking["model_domain"]) - {""} == {"inorganic"}
    assert set(result.ranking["descriptor"]) - {""} == {"composition"}


def test_polymer_target_screens_molecule_models(libraries):
    result = screen(example_target("polymer_tg_common", 30), libraries, fast_config(nested=False))
    assert set(result.ranking["model_domain"]) - {""} == {"molecule"}
