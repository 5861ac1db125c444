"""The batched stage-1 engine against the estimator that ``predict`` refits, fold by fold."""

import numpy as np
import pytest

from core.domains import Domain
from core.transfer.candidate import Family
from core.transfer.candidates import featurize_target, load_pool, select_models
from core.transfer.config import ScreenConfig
from core.transfer.controls import random_twins
from core.transfer.cv import CVScheme
from core.transfer.ridge import DEFAULT_PENALTIES
from core.transfer.scoring import fold_maes
from core.transfer.stage1 import Scope, run_stage1
from core.transfer.stage2 import ScreenContext, make_estimator
from core.transfer.strategies import cv_predict


def test_stage1_scores_are_the_scores_of_the_refitted_estimator(libraries, mol_target):
    frame = select_models(libraries, Domain.MOLECULE)
    pool = load_pool(libraries, frame)
    X, _ = featurize_target(pool, mol_target.structures)
    y = mol_target.y
    splits = CVScheme("kfold", k=5, seed=3).splits(y)
    controls = {key: random_twins(nets, 4) for key, nets in pool.nets.items()}
    scores = run_stage1(pool, X, y, [Scope("full", np.arange(len(y)), splits)], layers=2, controls=controls)["full"]
    ctx = ScreenContext(pool, X, y, ScreenConfig(layers=2), controls=controls)
    families = set()
    # the frozen features are float32 activations, and a stack of nets sums them in another order than a
    # stack of one: agreement to float32 precision (the ridge itself is exact, see test_ridge.py)
    tol = 1e-5 * float(np.ptp(y))
    for cand, penalty, folds, oof in zip(scores.candidates, scores.penalty, scores.fold_mae, scores.oof):
        expected = cv_predict(make_estimator(ctx, cand, penalty), X[cand.descriptor], y, splits)
        assert np.abs(oof - expected).max() < tol, cand.id
        assert np.allclose(folds, fold_maes(expected, y, splits), atol=tol), cand.id
        assert penalty in DEFAULT_PENALTIES
        families.add(cand.family)
    assert families == {Family.TRANSFER, Family.RANDOM, Family.SCRATCH}
    assert len(scores.candidates) == 2 * 2 * pool.n_models + len(pool.nets)


def _molecule_pool(libraries, target):
    """The library's molecule models, the target featurized for them, its values as floats."""
    pool = load_pool(libraries, select_models(libraries, Domain.MOLECULE))
    X, _ = featurize_target(pool, target.structures)
    return pool, X, np.asarray(target.y, dtype=float)


def test_scopes_score_only_their_rows(libraries, mol_target):
    pool, X, y = _molecule_pool(libraries, mol_target)
    rows = np.arange(0, len(y), 2)
    scope = Scope("half", rows, CVScheme(k=4, seed=1).splits(y[rows]))
    before = run_stage1(pool, X, y, [scope])["half"]
    y2 = y.copy()
    y2[1::2] = 1e6  # rows outside the scope
    after = run_stage1(pool, X, y2, [scope])["half"]
    assert [c.id for c in before.candidates] == [c.id for c in after.candidates]
    assert np.allclose(np.concatenate(before.oof), np.concatenate(after.oof))


def test_progress_starts_at_zero_so_elapsed_time_is_true(libraries, mol_target):
    pool, X, y = _molecule_pool(libraries, mol_target)
    events = []
    run_stage1(pool, X, y, [Scope("full", np.arange(len(y)), CVScheme().splits(y))],
               progress=lambda d, t: events.append((d, t)))
    assert events[0][0] == 0 and events[-1][0] == events[-1][1] and len(events) >= 2
    assert all(a[0] < b[0] and a[1] == b[1] for a, b in zip(events, events[1:]))  # forward, same total


def test_a_scope_scored_from_the_full_rows_sums_equals_its_rows_scored_alone(libraries, monkeypatch):
    """The feature form's training sums come from all rows minus the rows a scope and a fold
    leave out: the same numbers as scoring the scope's rows as a target of their own, and as
    forming every product from the fold's scaled rows (several batches of nets reuse the raw
    descriptor's products)."""
    from core.transfer import stage1
    from tests.transfer.conftest import example_target

    target = example_target("expt_gap", 560)
    frame = select_models(libraries, Domain.INORGANIC)
    pool = load_pool(libraries, frame)
    X, _ = featurize_target(pool, target.structures)
    y = np.asarray(target.y, dtype=float)
    widths = {key: D.shape[1] for key, D in X.items()}
    rows = np.sort(np.random.default_rng(0).choice(len(y), 448, replace=False))
    splits = CVScheme(k=5, seed=2).splits(y[rows])
    n_train = min(len(train) for train, _ in splits)
    assert max(widths.values()) + 64 < n_train  # ridge on frozen + raw features takes the feature form
    monkeypatch.setattr(stage1, "BATCH_BYTES", 1 << 20)  # one net per batch
    scopes = [Scope("full", np.arange(len(y)), CVScheme(k=5, seed=1).splits(y)), Scope("part", rows, splits)]
    nested = run_stage1(pool, X, y, scopes)["part"]
    alone = run_stage1(pool, {k: D[rows] for k, D in X.items()}, y[rows], [Scope("part", np.arange(len(rows)),
                                                                                   splits)])["part"]
    monkeypatch.setattr(stage1._ScopeData, "_cross", lambda self, f, scaled, sums:
                        lambda a, b: scaled[a].train.transpose(1, 2) @ scaled[b].train)
    direct = run_stage1(pool, X, y, scopes)["part"]
    assert {c.strategy for c in nested.candidates} >= {"ridge", "ridge+raw"}
    for other in (alone, direct):
        assert [c.id for c in nested.candidates] == [c.id for c in other.candidates]
        assert nested.penalty == other.penalty
        assert np.abs(np.concatenate(nested.oof) - np.concatenate(other.oof)).max() < 1e-6 * float(np.ptp(y))


def test_progress_counts_work_not_tasks_so_the_time_left_holds():
    """A 3,072-wide representation on 4,000 rows costs as much as hundreds of small nets: its
    share of the progress units is its share of the flops, the total still reads as
    candidates times scopes, and no task is worth nothing."""
    from core.transfer.stage1 import _Task, progress_units, ridge_cost

    rows = np.arange(4000)
    scope = Scope("full", rows, CVScheme(k=5, seed=0).splits(np.zeros(4000)))
    wide = _Task("matscibert", [], Family.TRANSFER, [scope])
    nets = _Task("magpie", [f"m{i}" for i in range(200)], Family.TRANSFER, [scope])
    tiny = _Task("fraction", [], Family.SCRATCH, [scope])
    costs = [wide.cost([3072], 6), nets.cost([64, 64 + 132], 6), tiny.cost([3], 6)]
    units = progress_units([wide, nets, tiny], costs)
    assert sum(units) == wide.size + nets.size + tiny.size == 202
    for unit, cost in zip(units, costs):
        assert abs(unit - 202 * cost / sum(costs)) <= 1.5
    assert units[2] == 1 and units[0] > 10  # one descriptor, worth ten nets or more
    assert costs[0] == pytest.approx(5 * ridge_cost(3072, 3200, 6))
    assert ridge_cost(3072, 3200, 6) > 20 * ridge_cost(196, 3200, 6)
    assert ridge_cost(500, 80, 6) == pytest.approx((80 * 500 * 80 + 6 * 80**3 / 3) * (80 + 250) / 80)  # kernel form
    assert ridge_cost(50, 800, 6) == pytest.approx((800 * 50 * 50 / 2 + 6 * 50**3 / 3) * (50 + 250) / 50)  # feature


def test_scopes_without_kept_predictions_have_the_same_scores(libraries, mol_target):
    pool, X, y = _molecule_pool(libraries, mol_target)
    rows = np.arange(0, len(y), 2)
    scopes = [Scope("full", np.arange(len(y)), CVScheme(k=5, seed=1).splits(y)),
              Scope("outer0", rows, CVScheme(k=4, seed=1).splits(y[rows]))]
    every = run_stage1(pool, X, y, scopes)
    lean = run_stage1(pool, X, y, scopes, oof_scopes=("full",))
    assert all(o is None for o in lean["outer0"].oof) and len(lean["outer0"].oof) == len(every["outer0"].oof)
    for name in ("full", "outer0"):
        assert [c.id for c in lean[name].candidates] == [c.id for c in every[name].candidates]
        assert lean[name].penalty == every[name].penalty
        assert np.array_equal(np.stack(lean[name].fold_mae), np.stack(every[name].fold_mae))
    assert np.array_equal(np.stack(lean["full"].oof), np.stack(every["full"].oof))
