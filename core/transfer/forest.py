"""The screen's forests: scikit-learn's random forest and extremely randomised trees, grown lean.

A default screen of 50 rows fits about 300 forests of 50 trees on 30-40 rows each.  On such
small data scikit-learn's forest spends more time in Python around each tree (cloning the
tree through ``get_params``, which inspects signatures, and validating parameters) than in
growing it: 23 ms of a forest of 50 trees on 40 rows and 8 columns, and that Python holds
the interpreter lock, so two threads barely beat one.  :class:`Forest` grows the same trees
itself, one scikit-learn tree after another with the seeds, bootstrap samples and averaging
order scikit-learn's forest uses, so its predictions are scikit-learn's bit for bit (a test
keeps it so) at about half the overhead per tree.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.tree import DecisionTreeRegressor, ExtraTreeRegressor
from sklearn.utils.validation import check_is_fitted

#: Rows each tree of a random forest is grown on, at most (a bootstrap sample of this size): on a
#: few thousand rows it then costs what it costs on a thousand.  Extremely randomised trees always
#: grow on every row: they sort nothing, so all rows cost little, and the cap cost accuracy
#: (Matbench band gaps, fold 0, 3,683 rows, composition features: 50 trees capped 0.50 eV,
#: uncapped extra trees 0.41 eV in 2.5 s, scikit-learn's 300-tree forest 0.42 eV in 127 s).
MAX_FOREST_ROWS = 1000

#: Share of the columns each split considers.
MAX_FEATURES = 1.0 / 3

_MAX_SEED = np.iinfo(np.int32).max  # what scikit-learn's forests draw each tree's seed below


class Forest(RegressorMixin, BaseEstimator):
    """A random forest (or extremely randomised trees) whose trees see at most ``max_rows``
    rows each.

    Up to ``max_rows`` training rows its predictions are exactly those of scikit-learn's
    ``RandomForestRegressor(n_estimators=trees, max_features=1/3, random_state=seed)``, or
    with ``extra=True`` of ``ExtraTreesRegressor`` with the same settings (every tree on all
    rows, split thresholds drawn at random).  One thread: the forests of a screen run side
    by side instead.  Above ``max_rows`` each tree of a random forest grows on a bootstrap
    sample of that size; extremely randomised trees keep every row (see MAX_FOREST_ROWS).

    Parameters
    ----------
    trees : int
    seed : int
        An integer (scikit-learn's forests also take None or a RandomState; the screen always
        seeds, so this one does not).
    max_rows : int
    extra : bool
        Extremely randomised trees instead of a random forest.

    Attributes
    ----------
    estimators_ : list of DecisionTreeRegressor or ExtraTreeRegressor
        The fitted trees, in scikit-learn's order.
    bootstrap_rows_ : int or None
        Rows of each tree's bootstrap sample (None: every tree saw every row once).
    n_features_in_ : int
    """

    def __init__(self, trees: int = 50, seed: int = 0, max_rows: int = MAX_FOREST_ROWS, extra: bool = False):
        self.trees = trees
        self.seed = seed
        self.max_rows = max_rows
        self.extra = extra

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float32)  # scikit-learn's trees grow on float32
        y = _target(y)
        n = len(y)
        if int(self.trees) < 1:
            raise ValueError(f"a forest needs at least one tree; got trees={self.trees}")
        if not isinstance(self.seed, Integral):
            raise ValueError(f"seed must be an integer; got {self.seed!r}")
        if X.ndim != 2 or len(X) != n:
            raise ValueError(f"X must be a matrix of {n} rows, one per target value; got shape {X.shape}")
        if n == 0 or X.shape[1] == 0:
            raise ValueError(f"a forest needs at least one row and one column; got shape {X.shape}")
        # non-finite values: let each tree validate them as scikit-learn's forest would
        # (missing values where the tree supports them, a clear error otherwise)
        check = not np.isfinite(X).all()
        tree_class = ExtraTreeRegressor if self.extra else DecisionTreeRegressor
        self.bootstrap_rows_ = None if self.extra else min(n, int(self.max_rows))
        seeds = np.random.RandomState(self.seed)
        # One generator reseeded per draw gives the numbers of a new RandomState(seed) at 1/60 of
        # its cost (90 us to make one here, two per bootstrapped tree otherwise).
        draws = np.random.RandomState()
        self.estimators_ = []
        with config_context(skip_parameter_validation=True):  # our settings are fixed and valid
            for _ in range(int(self.trees)):
                tree_seed = seeds.randint(_MAX_SEED)  # one draw per tree, in order, as the forest does
                counts = self._bootstrap_counts(draws, tree_seed, n)
                draws.seed(tree_seed)  # the tree's own stream starts from its seed, as with an int
                tree = tree_class(max_features=MAX_FEATURES, min_samples_leaf=1, random_state=draws)
                tree.fit(X, y, sample_weight=counts, check_input=check)
                tree.random_state = tree_seed  # what scikit-learn's forest leaves on its trees
                self.estimators_.append(tree)
        self.n_features_in_ = X.shape[1]
        return self

    def _bootstrap_counts(self, draws: np.random.RandomState, tree_seed: int, n: int) -> np.ndarray | None:
        """How often each row is in a tree's bootstrap sample (scikit-learn's draw), or None."""
        if self.bootstrap_rows_ is None:
            return None
        draws.seed(tree_seed)
        rows = draws.randint(0, n, self.bootstrap_rows_).astype(np.int32)
        return np.bincount(rows, minlength=n)

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must be a matrix of {self.n_features_in_} columns, as the forest was fitted on; "
                             f"got shape {X.shape}")
        check = not np.isfinite(X).all()
        out = np.zeros(len(X), dtype=np.float64)
        with config_context(skip_parameter_validation=True):
            for tree in self.estimators_:  # summed in order, then divided: scikit-learn's arithmetic
                out += tree.predict(X, check_input=check)
        out /= len(self.estimators_)
        return out


def _target(y) -> np.ndarray:
    """``y`` as the (n, 1) float64 column the trees read; one finite value per row, as
    scikit-learn's forests require."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must hold one target value per row; got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity: every target value must be a finite number")
    return np.ascontiguousarray(y.reshape(-1, 1))
