"""Selection, the decision on nested estimates, calibrated intervals and the random twins."""

import numpy as np
import pytest

from core.transfer.candidate import Candidate, Family
from core.transfer.controls import random_twin
from core.transfer.intervals import conformal_halfwidth, coverage
from core.transfer.procedure import MIN_MEMBERS, NestedEstimate, ProcedureName, decide, nested_estimates, select
from core.transfer.stage2 import Scored


def _scored(family, model, maes, strategy="ridge"):
    desc = "morgan{}"
    return Scored(Candidate(family, strategy, desc, "morgan", model), np.asarray(maes, float), np.zeros((1, 5)))


def _estimate(name, y, err, folds):
    pred = (y + err)[None, :]
    fold_mae = [float(np.abs(err[f]).mean()) for f in folds]
    return NestedEstimate(name, float(np.abs(err).mean()), 0.0, 0.0, 0.0, pred,
                          [{"outer_mae": m, "members": []} for m in fold_mae])


FOLDS = np.array_split(np.arange(60), 5)


def test_a_clear_gain_is_transfer_helps():
    rng = np.random.default_rng(0)
    y = rng.normal(size=60)
    est = {ProcedureName.TRANSFER: _estimate("transfer", y, 0.5 * rng.normal(size=60), FOLDS),
           ProcedureName.SCRATCH: _estimate("scratch", y, 1.5 * rng.normal(size=60), FOLDS)}
    d = decide(y, est)
    assert d.transfer_helps and d.decided and d.p_value < 0.01 and d.folds_won == 5 and d.gain > 0.5


def test_a_small_gain_within_noise_is_not():
    rng = np.random.default_rng(1)
    y = rng.normal(size=60)
    base = rng.normal(size=60)
    est = {ProcedureName.TRANSFER: _estimate("transfer", y, 0.97 * base + 0.3 * rng.normal(size=60), FOLDS),
           ProcedureName.SCRATCH: _estimate("scratch", y, base, FOLDS)}
    d = decide(y, est)
    assert not d.transfer_helps and d.p_value > 0.05


def test_a_loss_is_never_transfer_helps_and_no_estimate_decides_nothing():
    rng = np.random.default_rng(2)
    y = rng.normal(size=60)
    est = {ProcedureName.TRANSFER: _estimate("transfer", y, 2.0 * rng.normal(size=60), FOLDS),
           ProcedureName.SCRATCH: _estimate("scratch", y, 0.5 * rng.normal(size=60), FOLDS)}
    d = decide(y, est)
    assert not d.transfer_helps and d.gain < 0
    none = decide(y, None)
    assert not none.transfer_helps and not none.decided


def test_selection_averages_near_ties_one_per_source_and_respects_the_pool():
    scored = [_scored(Family.TRANSFER, "a", [1.0, 1.2, 0.8, 1.1, 0.9]),
              _scored(Family.TRANSFER, "a", [1.0, 1.0, 1.0, 1.0, 1.0], "ridge+raw"),  # same model: skipped
              _scored(Family.TRANSFER, "b", [1.05] * 5),
              _scored(Family.TRANSFER, "c", [3.0] * 5),  # far outside one standard error
              _scored(Family.RANDOM, "a", [0.1] * 5),  # controls are never picked
              Scored(Candidate(Family.SCRATCH, "scratch_rf", "morgan{}", "morgan"), np.array([1.06] * 5),
                     np.zeros((1, 5)))]
    t = [s.candidate.id for s in select(scored, ProcedureName.TRANSFER, 5)]
    assert t == ["a|ridge", "b|ridge", "scratch|rf|morgan"]
    assert [s.candidate.id for s in select(scored, ProcedureName.SCRATCH, 5)] == ["scratch|rf|morgan"]
    assert len(select(scored, ProcedureName.TRANSFER, 1)) == 1


def test_a_lone_winner_is_averaged_with_the_next_best_source():
    """Nothing else within one standard error: the next best of another source still joins
    (MIN_MEMBERS), never a second strategy of the same model; ``ensemble=1`` stays single."""
    scored = [_scored(Family.TRANSFER, "a", [0.5, 0.52, 0.48, 0.5, 0.5]),
              _scored(Family.TRANSFER, "a", [0.6] * 5, "ridge+raw"),  # same model
              _scored(Family.TRANSFER, "c", [3.0] * 5),
              _scored(Family.TRANSFER, "b", [2.0] * 5)]
    assert MIN_MEMBERS == 2
    assert [s.candidate.id for s in select(scored, ProcedureName.TRANSFER, 5)] == ["a|ridge", "b|ridge"]
    assert [s.candidate.id for s in select(scored, ProcedureName.TRANSFER, 1)] == ["a|ridge"]


def test_conformal_intervals_cover_what_they_promise():
    rng = np.random.default_rng(3)
    cal = rng.standard_t(4, size=300) * 2.0
    half = conformal_halfwidth(np.abs(cal), 0.9)
    new = rng.standard_t(4, size=20000) * 2.0
    assert coverage(new, np.zeros_like(new), half) == pytest.approx(0.9, abs=0.03)
    assert conformal_halfwidth(np.abs(cal), 0.8) < half


def test_random_twin_keeps_shape_inputs_and_scalers(libraries):
    lib = libraries[0]
    model_id = next(i for i in lib.ids() if i.startswith("qm9"))
    net = lib.load(model_id)
    twin = random_twin(net, model_id, seed=0)
    assert np.array_equal(twin.input_index, net.input_index) and np.array_equal(twin.x_mean, net.x_mean)
    assert [w.shape for w in twin.weights] == [w.shape for w in net.weights] and twin.activation == net.activation
    assert not np.allclose(twin.weights[0], net.weights[0])
    again = random_twin(net, model_id, seed=0)
    assert np.array_equal(again.weights[0], twin.weights[0])
    assert not np.array_equal(random_twin(net, model_id, seed=1).weights[0], twin.weights[0])


def test_beating_a_bad_scratch_pick_is_not_enough_transfer_must_beat_the_mean():
    """Both procedures on noise: scratch overfits, transfer is merely less bad: no gain."""
    from core.transfer.procedure import null_estimate

    rng = np.random.default_rng(4)
    y = rng.normal(size=60)
    outer = [(np.setdiff1d(np.arange(60), f), f) for f in FOLDS]
    mean = null_estimate(y, outer)
    near_mean = mean.predictions[0] - y + 0.05 * rng.normal(size=60)  # the mean's own errors, a little noisier
    est = {ProcedureName.TRANSFER: _estimate("transfer", y, near_mean, FOLDS),
           ProcedureName.SCRATCH: _estimate("scratch", y, 3.0 * near_mean, FOLDS)}
    d = decide(y, est, mean)
    assert d.p_value < 0.01 and d.gain > 0.5  # transfer clearly beats the scratch pick ...
    assert not d.transfer_helps and d.p_value_vs_mean > 0.05  # ... but not the mean


def test_the_nested_estimate_in_one_pool_equals_each_outer_fold_run_alone(libraries, mol_target):
    """All outer folds' refits side by side give bit for bit what each fold gives on its own:
    its stage 2, its picks, its members fitted on its outer training part (seeded forests)."""
    from core.transfer.screen import _prepare, _stage1
    from core.transfer.stage2 import fit_predict, stage2
    from tests.transfer.conftest import fast_config

    config = fast_config(baselines=("scratch_rf", "scratch_et", "scratch_mean"), nested_top=2)
    quiet = lambda *args: None  # noqa: E731
    prep = _prepare(mol_target, libraries, config, None, quiet, quiet)
    ctx, scopes, outer = prep.ctx, prep.scopes, prep.outer
    inner, _ = _stage1(ctx, scopes, "cpu", quiet, quiet)
    counts = []
    got = nested_estimates(ctx, inner, scopes[1:], outer, progress=lambda d, t: counts.append((d, t)))
    for p in ProcedureName:
        alone = np.full(len(ctx.y), np.nan)
        for o, ((train, test), scope) in enumerate(zip(outer, scopes[1:])):
            scored = inner[scope.name] + stage2(ctx, scope, inner[scope.name], config.nested_top)
            members = select(scored, p, config.ensemble)
            assert [m.candidate.id for m in members] == got[p].folds[o]["members"]
            alone[test] = np.mean([fit_predict(ctx, m, train, test) for m in members], axis=0)
        assert np.array_equal(got[p].predictions[0], alone), p
    assert counts[-1][0] == counts[-1][1] and all(d <= t for d, t in counts)  # progress counts every fit
    assert counts[0] == (0, counts[1][1])  # the first line already counts the refits (not 0 of the picks' fits)


def test_a_cancelled_pool_of_fits_stops_with_a_clear_error_and_drops_the_rest():
    import time
    import warnings

    from core.errors import CancelledError
    from core.transfer.strategies import run_tasks

    ran = []

    def fit(k):
        time.sleep(0.02)
        ran.append(k)
        return np.zeros(1)

    tasks = [lambda k=k: fit(k) for k in range(50)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dropping the rest is the point: no warning about it
        with pytest.raises(CancelledError):
            run_tasks(tasks, n_jobs=2, cancel=lambda: len(ran) >= 3)
    time.sleep(0.2)  # fits already running finish
    assert 3 <= len(ran) < 20
    with pytest.raises(CancelledError):  # cancelled before it starts: nothing runs
        run_tasks([lambda: ran.append(-1)], cancel=lambda: True)
    assert -1 not in ran
