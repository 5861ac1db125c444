"""The lean forest: scikit-learn's forests bit for bit, grown tree by tree."""

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

from core.transfer.forest import MAX_FEATURES, Forest


def _data(n: int, width: int = 12, seed: int = 0, sparse: bool = False):
    rng = np.random.default_rng(seed)
    if sparse:  # fingerprint-like: counts, mostly zero, many columns constant on few rows
        X = (rng.random((n, width)) < 0.05) * rng.integers(1, 4, (n, width)).astype(float)
    else:
        X = rng.normal(size=(n, width))
    return X, X[:, 0] - 2 * X[:, 1] ** 2 + 0.1 * rng.normal(size=n)


def _theirs(extra: bool, trees: int, seed: int, **settings):
    cls = ExtraTreesRegressor if extra else RandomForestRegressor
    return cls(n_estimators=trees, max_features=MAX_FEATURES, random_state=seed, n_jobs=1, **settings)


@pytest.mark.parametrize("extra", [False, True])
@pytest.mark.parametrize("n, width, sparse, trees, seed", [(40, 12, False, 20, 3), (33, 300, True, 7, 11),
                                                           (12, 2, False, 1, 0), (60, 64, False, 50, 123)])
def test_predictions_are_scikit_learns_bit_for_bit(extra, n, width, sparse, trees, seed):
    X, y = _data(n + 15, width, seed, sparse)
    ours = Forest(trees=trees, seed=seed, extra=extra).fit(X[:n], y[:n])
    theirs = _theirs(extra, trees, seed).fit(X[:n], y[:n])
    assert np.array_equal(ours.predict(X[n:]), theirs.predict(X[n:]))
    assert np.array_equal(ours.predict(X[:n]), theirs.predict(X[:n]))
    assert len(ours.estimators_) == trees and ours.n_features_in_ == width


def test_above_the_cap_each_random_tree_grows_on_a_bootstrap_sample_of_max_rows():
    X, y = _data(50)
    forest = Forest(trees=5, seed=0, max_rows=20).fit(X, y)
    assert forest.bootstrap_rows_ == 20
    assert all(tree.tree_.weighted_n_node_samples[0] == 20 for tree in forest.estimators_)
    theirs = _theirs(False, 5, 0, max_samples=20).fit(X, y)
    assert np.array_equal(forest.predict(X), theirs.predict(X))


def test_below_the_cap_random_trees_bootstrap_every_row_and_extra_trees_keep_them():
    X, y = _data(50)
    rf, et = Forest(5, 0).fit(X, y), Forest(5, 0, max_rows=20, extra=True).fit(X, y)
    assert rf.bootstrap_rows_ == 50 and et.bootstrap_rows_ is None
    assert all(tree.tree_.weighted_n_node_samples[0] == 50 for tree in et.estimators_)
    assert not np.array_equal(rf.predict(X), et.predict(X))


def test_missing_values_are_handled_as_scikit_learn_handles_them():
    X, y = _data(60, 5, seed=1)
    X[3, 1] = X[10, 2] = X[45, 0] = np.nan
    for extra in (False, True):
        ours = Forest(10, 2, extra=extra).fit(X[:40], y[:40]).predict(X[40:])
        assert np.array_equal(ours, _theirs(extra, 10, 2).fit(X[:40], y[:40]).predict(X[40:]))


def test_values_too_large_for_float32_fail_clearly():
    X, y = _data(30)
    X[0, 0] = 1e300
    with pytest.raises(ValueError, match="infinity or a value too large"):
        with np.errstate(over="ignore"):
            Forest(3, 0).fit(X, y)


def test_a_forest_needs_a_tree_and_the_fitted_columns():
    X, y = _data(20)
    with pytest.raises(ValueError, match="at least one tree"):
        Forest(trees=0).fit(X, y)
    with pytest.raises(ValueError, match="12"):
        Forest(trees=2).fit(X, y).predict(X[:, :5])


def test_targets_rows_columns_and_seeds_are_checked_as_scikit_learn_checks_them():
    X, y = _data(20)
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        Forest(trees=2).fit(X, bad)
    with pytest.raises(ValueError, match="one target value per row"):
        Forest(trees=2).fit(X, np.stack([y, y], axis=1))
    with pytest.raises(ValueError, match="one row and one column"):
        Forest(trees=2).fit(X[:, :0], y)
    with pytest.raises(ValueError, match="seed must be an integer"):
        Forest(trees=2, seed=None).fit(X, y)
    column = Forest(trees=3, seed=1).fit(X, y.reshape(-1, 1)).predict(X)
    assert np.array_equal(column, Forest(trees=3, seed=1).fit(X, y).predict(X))


def test_an_unfitted_forest_says_so():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Forest().predict(np.zeros((2, 3)))


def test_forests_fitted_side_by_side_in_threads_equal_those_fitted_one_by_one():
    from core.transfer.strategies import run_tasks

    X, y = _data(60, 30, seed=4)
    settings = [(seed, extra) for seed in range(6) for extra in (False, True)]
    alone = [Forest(20, seed, extra=extra).fit(X[:40], y[:40]).predict(X[40:]) for seed, extra in settings]
    tasks = [lambda s=seed, e=extra: Forest(20, s, extra=e).fit(X[:40], y[:40]).predict(X[40:])
             for seed, extra in settings]
    together = run_tasks(tasks, n_jobs=4)
    assert all(np.array_equal(a, b) for a, b in zip(alone, together))
