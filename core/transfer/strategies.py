"""Transfer strategies and scratch baselines as scikit-learn estimators.

Ridge on frozen features is scored for every model in stage 1 (:mod:`core.transfer.stage1`),
so it is not a stage-2 strategy.  Every candidate of a screen is an estimator over the descriptor matrix of its model's
featurizer, so one cross-validation loop (:func:`cv_predict`) scores them all on the
same folds.

==================  ==========================================================
strategy            estimator
==================  ==========================================================
bayes_ridge         frozen features -> scale -> BayesianRidge
rf                  frozen features -> random forest (XenonPy's choice)
gp                  frozen features -> scale -> Gaussian process (RBF + noise)
finetune_last       retrain the last hidden layer and the output
finetune_all        retrain the whole net at a small learning rate
==================  ==========================================================

Baselines on the raw descriptors: ``scratch_ridge``, ``scratch_rf``, and ``scratch_net``
(a net of the top model's shape trained from random weights).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import BayesianRidge, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.parallel import Parallel, delayed  # passes sklearn config to threads

from core.registry import Registry
from core.transfer.frozen import FrozenFeatures
from core.transfer.nets import FineTunedNet, ScratchNet
from core.transfer.scaling import BoundedScaler

ALPHAS = np.logspace(-3, 4, 15)


@dataclass(frozen=True)
class Strategy:
    """A named way to turn (pretrained net, settings) into an estimator."""

    name: str
    label: str
    kind: str  # "frozen", "finetune" or "scratch"
    make: Callable[..., object]


STRATEGIES: Registry[Strategy] = Registry("strategy")


def _rf(trees: int, seed: int) -> RandomForestRegressor:
    # one thread per forest: small targets fit in milliseconds, and folds run in parallel instead
    return RandomForestRegressor(n_estimators=trees, min_samples_leaf=1, max_features=1.0 / 3, random_state=seed,
                                 n_jobs=1)


def _gp(seed: int) -> GaussianProcessRegressor:
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(10.0, (1e-2, 1e4)) + WhiteKernel(0.1, (1e-6, 10.0))
    return GaussianProcessRegressor(kernel=kernel, normalize_y=True, random_state=seed, n_restarts_optimizer=1)


def _frozen(regressor_factory, scale=True):
    def make(net, layers=1, seed=0, trees=100, device="auto"):
        steps = [FrozenFeatures(net, layers)] + ([BoundedScaler()] if scale else [])
        return make_pipeline(*steps, regressor_factory(seed=seed, trees=trees))

    return make


for _s in (
    Strategy("bayes_ridge", "frozen features + Bayesian ridge", "frozen",
             _frozen(lambda seed, trees: BayesianRidge())),
    Strategy("rf", "frozen features + random forest", "frozen", _frozen(lambda seed, trees: _rf(trees, seed), False)),
    Strategy("gp", "frozen features + Gaussian process", "frozen", _frozen(lambda seed, trees: _gp(seed))),
    Strategy("finetune_last", "fine-tune last layer", "finetune",
             lambda net, layers=1, seed=0, trees=100, device="auto": FineTunedNet(net, "last", seed=seed,
                                                                                  device=device)),
    Strategy("finetune_all", "fine-tune whole net", "finetune",
             lambda net, layers=1, seed=0, trees=100, device="auto": FineTunedNet(net, "all", seed=seed,
                                                                                  device=device)),
):
    STRATEGIES.add(_s.name, _s)

BASELINES: Registry[Strategy] = Registry("baseline")
for _s in (
    Strategy("scratch_ridge", "ridge on raw descriptors", "scratch",
             lambda net=None, seed=0, trees=100, device="auto": make_pipeline(BoundedScaler(),
                                                                              RidgeCV(alphas=ALPHAS))),
    Strategy("scratch_rf", "random forest on raw descriptors", "scratch",
             lambda net=None, seed=0, trees=100, device="auto": _rf(trees, seed)),
    Strategy("scratch_net", "same-shape net from scratch", "scratch",
             lambda net=None, seed=0, trees=100, device="auto": ScratchNet(net, seed=seed, device=device)),
):
    BASELINES.add(_s.name, _s)


def _fit_fold(estimator, X, y, train, test) -> np.ndarray:
    return clone(estimator).fit(X[train], y[train]).predict(X[test])


def cv_predict(estimator, X: np.ndarray, y: np.ndarray, splits, n: int | None = None,
               n_jobs: int = -1) -> np.ndarray:
    """Out-of-fold predictions (repetitions, n) of a fresh clone per fold.

    Folds run in threads (scikit-learn's trees and torch release the GIL), so the cores
    stay busy without the cost of starting processes for fits of milliseconds.
    """
    n = len(y) if n is None else n
    preds = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_fit_fold)(estimator, X, y, train, test) for train, test in splits)
    out, seen, rep = [], np.zeros(n, dtype=bool), None
    for (_, test), pred in zip(splits, preds):
        if rep is None or seen[test].any():
            rep = np.full(n, np.nan)
            out.append(rep)
            seen[:] = False
        rep[test] = pred
        seen[test] = True
    return np.array(out)
