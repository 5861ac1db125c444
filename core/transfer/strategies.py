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

Baselines on the raw descriptors: ``scratch_ridge``, ``scratch_rf``, ``scratch_et``
(extremely randomised trees: on the bundled examples at 30 and 100 rows they beat the random
forest on RDKit 2D descriptors, element fractions and most composition features, and split
even on Morgan counts), ``scratch_net`` (a net of the top model's shape trained from random
weights), and ``scratch_mean``, the mean of the training targets: what every model must beat (on a target with nothing to learn it is the
honest pick, and transfer must beat it too).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import BayesianRidge, RidgeCV
from sklearn.pipeline import make_pipeline

from core.errors import CancelledError
from core.registry import Registry
from core.transfer.forest import Forest
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


def _rf(trees: int, seed: int) -> Forest:
    return Forest(trees, seed)


def gaussian_process(seed: int) -> GaussianProcessRegressor:
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
    Strategy("gp", "frozen features + Gaussian process", "frozen", _frozen(lambda seed, trees: gaussian_process(seed))),
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
    Strategy("scratch_et", "extremely randomised trees on raw descriptors", "scratch",
             lambda net=None, seed=0, trees=100, device="auto": Forest(trees, seed, extra=True)),
    Strategy("scratch_mean", "the mean of the training targets", "scratch",
             lambda net=None, seed=0, trees=100, device="auto": DummyRegressor(strategy="mean")),
    Strategy("scratch_net", "same-shape net from scratch", "scratch",
             lambda net=None, seed=0, trees=100, device="auto": ScratchNet(net, seed=seed, device=device)),
):
    BASELINES.add(_s.name, _s)


def _fit_fold(estimator, X, y, train, test) -> np.ndarray:
    return clone(estimator).fit(X[train], y[train]).predict(X[test])


def _workers(n_jobs: int | None, count: int) -> int:
    """Threads for ``count`` fits: joblib's meaning of ``n_jobs`` (-1 every core, -2 all but one)."""
    cores = os.cpu_count() or 1
    wanted = 1 if n_jobs is None else (n_jobs if n_jobs > 0 else cores + 1 + n_jobs)
    return max(1, min(count, wanted))


def run_tasks(tasks: list[Callable[[], np.ndarray]], n_jobs: int = -1,
              progress: Callable[[int, int], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> list[np.ndarray]:
    """Run independent fits (each a call without arguments) in one pool of threads, in order.

    One pool for all of a step's fits keeps the cores busy to the end instead of waiting for
    the slowest fit of each batch (scikit-learn's trees and torch release the GIL, and fits
    of milliseconds would not repay starting processes).  ``progress(done, total)`` after
    each result; ``cancel()`` returning True (or a fit's error) raises: the fits not yet
    started are dropped, those running finish in the background.

    A plain ``ThreadPoolExecutor``: joblib's generator warned when closed early, and muting
    that warning with ``warnings.catch_warnings`` raced with scikit-learn's worker threads,
    which set the process-wide warning filters too.
    """
    out: list[np.ndarray] = []
    if progress:
        progress(0, len(tasks))
    if cancel is not None and cancel():
        raise CancelledError("screen cancelled")
    if not tasks:
        return out
    pool = ThreadPoolExecutor(max_workers=_workers(n_jobs, len(tasks)), thread_name_prefix="fit")
    finished = False
    try:
        futures = [pool.submit(task) for task in tasks]  # started in this order
        for future in futures:
            out.append(future.result())
            if cancel is not None and cancel():
                raise CancelledError("screen cancelled")
            if progress:
                progress(len(out), len(tasks))
        finished = True
    finally:
        pool.shutdown(wait=finished, cancel_futures=not finished)
    return out


def cv_predict(estimator, X: np.ndarray, y: np.ndarray, splits, n: int | None = None,
               n_jobs: int = -1) -> np.ndarray:
    """Out-of-fold predictions (repetitions, n) of a fresh clone per fold (folds side by side
    in threads, see :func:`run_tasks`)."""
    return cv_predict_many([estimator], [X], y, splits, n, n_jobs)[0]


def fold_tasks(estimator, X: np.ndarray, y: np.ndarray, splits,
               rows: np.ndarray | None = None) -> list[Callable[[], np.ndarray]]:
    """One fit of a fresh clone of ``estimator`` per fold of ``splits``, for :func:`run_tasks`.

    ``rows``: the folds index these rows of ``X`` and ``y`` (a scope's), which are read
    fold by fold, so no copy of the scope's rows is held while the tasks wait.
    """
    if rows is None:
        return [partial(_fit_fold, estimator, X, y, train, test) for train, test in splits]
    rows = np.asarray(rows)
    return [partial(_fit_fold, estimator, X, y, rows[train], rows[test]) for train, test in splits]


def cv_predict_many(estimators: list, Xs: list[np.ndarray], y: np.ndarray, splits, n: int | None = None,
                    n_jobs: int = -1) -> list[np.ndarray]:
    """:func:`cv_predict` of several estimators (each on its own matrix) under the same
    folds, every (estimator, fold) fit in one pool of threads.  Same numbers as one at a time."""
    preds = run_tasks([t for est, X in zip(estimators, Xs) for t in fold_tasks(est, X, y, splits)], n_jobs)
    return assemble_folds(splits, preds, len(estimators), len(y) if n is None else n)


def assemble_folds(splits, preds: list[np.ndarray], count: int, n: int) -> list[np.ndarray]:
    """Out-of-fold arrays (repetitions, n) of ``count`` estimators from their per-fold
    predictions, estimator after estimator in the order of ``splits``."""
    k = len(splits)
    return [_assemble(splits, preds[i * k:(i + 1) * k], n) for i in range(count)]


def _assemble(splits, preds, n: int) -> np.ndarray:
    out, seen, rep = [], np.zeros(n, dtype=bool), None
    for (_, test), pred in zip(splits, preds):
        if rep is None or seen[test].any():
            rep = np.full(n, np.nan)
            out.append(rep)
            seen[:] = False
        rep[test] = pred
        seen[test] = True
    return np.array(out)
