"""The scratch forests: what scikit-learn estimator they are, and the random forest's row cap."""

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

from core.transfer.strategies import BASELINES, Forest


def _data(n: int, width: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, width))
    return X, X[:, 0] - 2 * X[:, 1] ** 2 + 0.1 * rng.normal(size=n)


def test_forests_are_scikit_learns_up_to_the_row_cap():
    X, y = _data(60)
    for extra, cls in ((False, RandomForestRegressor), (True, ExtraTreesRegressor)):
        ours = Forest(trees=20, seed=3, extra=extra).fit(X[:40], y[:40]).predict(X[40:])
        theirs = cls(n_estimators=20, max_features=1.0 / 3, random_state=3, n_jobs=1).fit(X[:40], y[:40]).predict(X[40:])
        assert np.array_equal(ours, theirs)
    et, rf = Forest(20, 3, extra=True).fit(X, y), Forest(20, 3).fit(X, y)
    assert not et.forest_.bootstrap and rf.forest_.bootstrap  # extra trees see every row below the cap
    assert not np.array_equal(et.predict(X), rf.predict(X))


def test_above_the_cap_every_random_tree_grows_on_a_sample_of_max_rows():
    X, y = _data(50)
    forest = Forest(trees=5, seed=0, max_rows=20).fit(X, y)
    assert forest.forest_.bootstrap and forest.forest_.max_samples == 20
    assert all(tree.tree_.weighted_n_node_samples[0] == 20 for tree in forest.forest_.estimators_)


def test_extra_trees_keep_every_row_above_the_cap():
    X, y = _data(50)
    forest = Forest(trees=5, seed=0, max_rows=20, extra=True).fit(X, y)
    assert not forest.forest_.bootstrap
    assert all(tree.tree_.weighted_n_node_samples[0] == 50 for tree in forest.forest_.estimators_)


def test_scratch_et_is_a_baseline_of_extra_trees():
    model = BASELINES["scratch_et"].make(seed=1, trees=7)
    assert isinstance(model, Forest) and model.extra and model.trees == 7 and model.seed == 1
