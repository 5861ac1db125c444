"""Stage 2 and everything that refits a candidate: the screen's context and estimators.

:class:`ScreenContext` carries what every step of a screen needs (the candidate pool, the
target's descriptors, targets, groups, settings, random twins).  :func:`make_estimator`
turns any candidate into the scikit-learn estimator that scores it and that ``predict``
refits, so a candidate's score is always the score of the model that is delivered.
:func:`stage2` refits the top models with the heavier strategies and adds the scratch
baselines, under the scope's folds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.errors import CancelledError
from core.nets import NetArrays
from core.transfer.candidate import Candidate, Family
from core.transfer.candidates import CandidatePool
from core.transfer.config import ScreenConfig
from core.transfer.refit import LinearFeatureRidge
from core.transfer.scoring import fold_maes
from core.transfer.stage1 import Scope
from sklearn.linear_model import BayesianRidge
from sklearn.pipeline import make_pipeline

from core.transfer.scaling import BoundedScaler
from core.transfer.strategies import BASELINES, STRATEGIES, assemble_folds, fold_tasks, gaussian_process, run_tasks


@dataclass(slots=True)  # slots: a screen of 100,000 models holds 1.4 million
class Scored:
    """A candidate with its cross-validated results in one scope."""

    candidate: Candidate
    fold_mae: np.ndarray
    oof: np.ndarray | None  # (repetitions, n_scope); None for stage-1 candidates of a nested scope
    penalty: float | None = None  # relative ridge penalty (stage-1 candidates)

    @property
    def cv_mae(self) -> float:
        return float(np.mean(self.fold_mae))

    @property
    def cv_se(self) -> float:
        """Standard error of the CV MAE over folds (0 for a single fold)."""
        k = len(self.fold_mae)
        return float(np.std(self.fold_mae, ddof=1) / np.sqrt(k)) if k > 1 else 0.0


@dataclass
class ScreenContext:
    """What every step of a screen shares."""

    pool: CandidatePool
    descriptors: dict[str, np.ndarray]
    y: np.ndarray
    config: ScreenConfig
    groups: np.ndarray | None = None
    controls: dict[str, dict[str, NetArrays]] = field(default_factory=dict)
    cancel: Callable[[], bool] | None = None

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise CancelledError("screen cancelled")

    def net(self, candidate: Candidate) -> NetArrays | None:
        """The pretrained net (or its random twin) a candidate reads, None for raw descriptors."""
        if candidate.model_id is None:
            return None
        if candidate.family is Family.RANDOM:
            return self.controls[candidate.descriptor][candidate.model_id]
        return self.pool.net(candidate.model_id)

    def X(self, candidate: Candidate) -> np.ndarray:
        return self.descriptors[candidate.descriptor]


def make_estimator(ctx: ScreenContext, candidate: Candidate, penalty: float | None = None):
    """A fresh estimator for ``candidate`` (its stage-1 ``penalty`` for ridge candidates)."""
    config = ctx.config
    if candidate.via == "representation":  # its descriptor is its frozen feature
        if candidate.stage == 1:
            return LinearFeatureRidge(None, "raw", config.layers, float(penalty))
        return REPRESENTATION_STRATEGIES[candidate.strategy](config)
    if candidate.stage == 1:
        kind = candidate.kind
        return LinearFeatureRidge(ctx.net(candidate), kind, config.layers, float(penalty))
    if candidate.family is Family.SCRATCH:
        return BASELINES[candidate.strategy].make(net=ctx.net(candidate), seed=config.seed, trees=config.rf_trees,
                                                  device=config.device)
    return STRATEGIES[candidate.strategy].make(ctx.net(candidate), layers=config.layers, seed=config.seed,
                                               trees=config.rf_trees, device=config.device)


def fit_predict(ctx: ScreenContext, scored: Scored, train: np.ndarray, test: np.ndarray,
                X_test: np.ndarray | None = None) -> np.ndarray:
    """Fit a candidate on the rows ``train`` and predict the rows ``test`` (or ``X_test``)."""
    X = ctx.X(scored.candidate)
    model = make_estimator(ctx, scored.candidate, scored.penalty).fit(X[train], ctx.y[train])
    return model.predict(X[test] if X_test is None else X_test)


#: Stage-2 strategies on a representation's features (nothing to fine-tune: not our nets).
REPRESENTATION_STRATEGIES = {
    "rf": lambda config: BASELINES["scratch_rf"].make(seed=config.seed, trees=config.rf_trees),
    "bayes_ridge": lambda config: make_pipeline(BoundedScaler(), BayesianRidge()),
    "gp": lambda config: make_pipeline(BoundedScaler(), gaussian_process(config.seed)),
}


def top_models(scores: list[Scored], k: int) -> list[str]:
    """The ``k`` best distinct pretrained models of stage 1."""
    ranked = sorted((s for s in scores if s.candidate.family is Family.TRANSFER),
                    key=lambda s: (s.cv_mae, s.candidate.id))
    return list(dict.fromkeys(s.candidate.model_id for s in ranked))[:k]


def stage2_candidates(ctx: ScreenContext, model_ids: list[str]) -> list[Candidate]:
    """The refits of stage 2: every strategy on the top models, and the scratch baselines."""
    pool, config = ctx.pool, ctx.config
    out = []
    for m in model_ids:
        key = pool.descriptor_of(m)
        if pool.is_representation(m):
            out.extend(Candidate(Family.TRANSFER, s, key, pool.label(key), m, "representation")
                       for s in config.strategies if s in REPRESENTATION_STRATEGIES)
        else:
            out.extend(Candidate(Family.TRANSFER, s, key, pool.label(key), m) for s in config.strategies)
    nets = [m for m in model_ids if not pool.is_representation(m)]
    for name in config.baselines:
        if name == "scratch_net":
            out.extend(Candidate(Family.SCRATCH, name, pool.descriptor_of(m), pool.label(pool.descriptor_of(m)), m)
                       for m in nets[:1])
        elif name == "scratch_mean":  # the same for every descriptor: once
            key = (pool.raw_keys or list(pool.featurizers))[0]
            out.append(Candidate(Family.SCRATCH, name, key, pool.label(key)))
        else:
            out.extend(Candidate(Family.SCRATCH, name, key, pool.label(key)) for key in pool.raw_keys)
    return out


def stage2(ctx: ScreenContext, scope: Scope, stage1: list[Scored], top: int,
           progress: Callable[[int, int], None] | None = None) -> list[Scored]:
    """Refit the ``top`` models of ``stage1`` with the chosen strategies, and the scratch
    baselines, under the scope's folds."""
    return refit_scopes(ctx, [(scope, stage2_candidates(ctx, top_models(stage1, top)))], progress)[0]


def refit_scopes(ctx: ScreenContext, work: list[tuple[Scope, list[Candidate]]],
                 progress: Callable[[int, int], None] | None = None) -> list[list[Scored]]:
    """Score each scope's candidates under its folds: every fit of every scope in one pool of
    threads (no scope waits for another's slowest fit), ``progress`` counting fits."""
    ctx.check_cancel()
    tasks = [t for scope, jobs in work for c in jobs
             for t in fold_tasks(make_estimator(ctx, c), ctx.X(c), ctx.y, scope.splits, rows=scope.rows)]
    preds = run_tasks(tasks, progress=progress, cancel=ctx.cancel)
    out, lo = [], 0
    for scope, jobs in work:
        y, k = ctx.y[scope.rows], len(scope.splits)
        oofs = assemble_folds(scope.splits, preds[lo:lo + k * len(jobs)], len(jobs), len(y))
        lo += k * len(jobs)
        out.append([Scored(c, fold_maes(oof, y, scope.splits), oof) for c, oof in zip(jobs, oofs)])
    return out
