"""Procedures, their honest (nested) estimates, and the decision they support.

A *procedure* turns the scored candidates of a scope into one delivered model.  The
screen compares two under the same outer folds:

``transfer``  select among every candidate (pretrained and scratch)
``scratch``   the same selection among the scratch candidates only

The selection rule is the same for both: the best candidates by CV MAE whose score is
within one standard error of the best one's (at most ``ensemble`` of them, one per model
or descriptor, and at least :data:`MIN_MEMBERS`: the next best fill up), averaged.
Averaging near-ties is less exposed to the luck of the folds than the single best of
hundreds of scores.

The *nested estimate* of a procedure runs it inside each outer fold (stage 1, stage 2,
selection on the outer training part only) and scores its pick on the outer test rows,
which no step saw.  :func:`decide` then asks whether the transfer procedure beats the
scratch one by more than fold-to-fold noise explains: a one-sided paired t-test over the
rows of the per-row absolute errors (averaged over outer repeats), and a majority of outer
folds won.  Only then is transfer recommended.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from functools import partial
from typing import Callable

import numpy as np
from scipy import stats

from core.transfer.candidate import Family
from core.transfer.stage1 import Scope
from core.transfer.stage2 import ScreenContext, Scored, fit_predict, refit_scopes, stage2_candidates, top_models
from core.transfer.strategies import run_tasks

#: Significance level of the decision.
ALPHA = 0.05
#: Fewest members of a pick (when ``ensemble`` allows).  A lone candidate that beat every
#: other by more than a standard error on 30 rows is often a lucky one.  On the held-out rows
#: of ``bench/holdout.py`` (2026-12-06, 60 cells) at least two members made the worst cell
#: 1.08x the best forest's error instead of 1.16x (mean ratio 0.862 instead of 0.867); at
#: least three, the top five, or a greedy (Caruana) ensemble did no better in a replay of 42 cells.
MIN_MEMBERS = 2


class ProcedureName(str, Enum):
    TRANSFER = "transfer"
    SCRATCH = "scratch"


ELIGIBLE: dict[ProcedureName, Callable[[Scored], bool]] = {
    ProcedureName.TRANSFER: lambda s: s.candidate.family in (Family.TRANSFER, Family.SCRATCH),
    ProcedureName.SCRATCH: lambda s: s.candidate.family is Family.SCRATCH,
}


def select(scored: list[Scored], procedure: ProcedureName, size: int) -> list[Scored]:
    """The members a procedure picks from ``scored``: see the module docstring."""
    ranked = sorted((s for s in scored if ELIGIBLE[procedure](s)), key=lambda s: (s.cv_mae, s.candidate.id))
    if not ranked:
        return []
    limit = ranked[0].cv_mae + ranked[0].cv_se
    least = min(MIN_MEMBERS, size)
    members, sources = [], set()
    for s in ranked:
        if len(members) == size or (s.cv_mae > limit and len(members) >= least):
            break
        if s.candidate.source not in sources:
            members.append(s)
            sources.add(s.candidate.source)
    return members


def member_tasks(ctx: ScreenContext, members: list[Scored], train: np.ndarray, test: np.ndarray) -> list:
    """One fit per member on the rows ``train``, predicting ``test``, for
    :func:`~core.transfer.strategies.run_tasks` (pass distinct members: each is fitted)."""
    return [partial(fit_predict, ctx, m, train, test) for m in members]


@dataclass
class NestedEstimate:
    """The honest estimate of one procedure.

    Attributes
    ----------
    procedure : str
    mae, mae_std, rmse, r2 : float
        Over every outer test row (``mae_std``: spread of the outer folds' MAE).
    predictions : ndarray (repeats, n)
        Each row's prediction by the procedure run without it (NaN where no outer test
        fold covers it).
    folds : list of dict
        Per outer fold: its members, their inner CV MAE, the outer MAE, sizes.
    """

    procedure: str
    mae: float
    mae_std: float
    rmse: float
    r2: float
    predictions: np.ndarray
    folds: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["predictions"] = np.where(np.isnan(self.predictions), None, self.predictions).tolist()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "NestedEstimate":
        values = dict(data)
        values["predictions"] = np.array([[np.nan if v is None else v for v in rep] for rep in data["predictions"]],
                                         dtype=float)
        return cls(**values)

    def residuals(self, y: np.ndarray) -> np.ndarray:
        """Absolute errors of every covered (repeat, row)."""
        err = np.abs(self.predictions - y[None, :])
        return err[np.isfinite(err)]


def _estimate(name: str, y: np.ndarray, pred: np.ndarray, folds: list[dict]) -> NestedEstimate:
    covered = np.isfinite(pred)
    err = (pred - y[None, :])[covered]
    yy = np.broadcast_to(y[None, :], pred.shape)[covered]
    fold_mae = np.array([f["outer_mae"] for f in folds])
    denom = float(((yy - yy.mean()) ** 2).sum()) or 1.0
    return NestedEstimate(name, float(np.abs(err).mean()), float(fold_mae.std(ddof=1)) if len(fold_mae) > 1 else 0.0,
                          float(np.sqrt((err**2).mean())), float(1 - (err**2).sum() / denom), pred, folds)


def _repetition_of(outer) -> list[int]:
    reps, rep, seen = [], 0, set()
    for _, test in outer:
        if seen & set(test.tolist()):
            rep, seen = rep + 1, set()
        seen |= set(test.tolist())
        reps.append(rep)
    return reps


def nested_estimates(ctx: ScreenContext, inner: dict[str, list[Scored]], scopes: list[Scope], outer,
                     progress: Callable[[int, int], None] | None = None) -> dict[ProcedureName, NestedEstimate]:
    """Run every procedure inside each outer fold; ``inner[scope.name]`` holds the stage-1
    scores of the outer training part ``scope`` (same order as ``outer``).

    The stage-2 refits of every outer fold run in one pool of threads, then the picks' fits
    on the outer training parts in another (a member both procedures pick is fitted once);
    ``progress`` counts fits.
    """
    y, config = ctx.y, ctx.config
    reps = _repetition_of(outer)
    n_reps = max(reps) + 1 if reps else 0
    most = len(outer) * 2 * config.ensemble  # the two picks' fits at most, counted once they are known
    work = [(scope, stage2_candidates(ctx, top_models(inner[scope.name], config.nested_top))) for scope in scopes]
    n_refits = sum(len(scope.splits) * len(jobs) for scope, jobs in work)
    if progress:
        progress(0, n_refits + most)  # the stage starts now, with the total the refits will count against
    refits = refit_scopes(ctx, work, progress=lambda d, t: progress and progress(d, n_refits + most))
    picks = [{p: select(inner[scope.name] + refit, p, config.ensemble) for p in ProcedureName}
             for scope, refit in zip(scopes, refits)]
    fits = [list({m.candidate.id: m for p in ProcedureName for m in pick[p]}.values()) for pick in picks]
    tasks = [t for (train, test), distinct in zip(outer, fits) for t in member_tasks(ctx, distinct, train, test)]
    values = iter(run_tasks(tasks, progress=lambda d, t: progress and progress(n_refits + d, n_refits + t),
                            cancel=ctx.cancel))
    pred = {p: np.full((n_reps, len(y)), np.nan) for p in ProcedureName}
    folds: dict[ProcedureName, list[dict]] = {p: [] for p in ProcedureName}
    for o, ((train, test), scope, rep, pick, refit, distinct) in enumerate(zip(outer, scopes, reps, picks, refits,
                                                                                fits)):
        fitted = {m.candidate.id: next(values) for m in distinct}
        scored = inner[scope.name] + refit
        for p in ProcedureName:
            members = pick[p]
            pred[p][rep, test] = np.mean([fitted[m.candidate.id] for m in members], axis=0)
            folds[p].append({"fold": o, "repeat": rep, "members": [m.candidate.id for m in members],
                             "inner_cv_mae": float(np.mean([m.cv_mae for m in members])),
                             "outer_mae": float(np.abs(pred[p][rep, test] - y[test]).mean()),
                             "candidates": int(sum(ELIGIBLE[p](s) for s in scored)),
                             "n_train": int(len(train)), "n_test": int(len(test))})
    return {p: _estimate(p.value, y, pred[p], folds[p]) for p in ProcedureName}


def null_estimate(y: np.ndarray, outer) -> NestedEstimate:
    """The nested estimate of predicting the mean of the outer training part: what a model
    must beat to have learned anything at all."""
    reps = _repetition_of(outer)
    pred = np.full((max(reps) + 1 if reps else 0, len(y)), np.nan)
    folds = []
    for o, ((train, test), rep) in enumerate(zip(outer, reps)):
        pred[rep, test] = y[train].mean()
        folds.append({"fold": o, "repeat": rep, "members": ["the training mean"],
                      "outer_mae": float(np.abs(pred[rep, test] - y[test]).mean())})
    return _estimate("mean", y, pred, folds)


def _paired(y: np.ndarray, better: NestedEstimate, worse: NestedEstimate) -> tuple[float, float]:
    """Relative gain of ``better`` over ``worse`` and the one-sided p-value of a paired t-test
    over rows of their absolute errors (averaged over outer repeats)."""
    ok = np.isfinite(better.predictions).any(axis=0) & np.isfinite(worse.predictions).any(axis=0)
    err_b = np.nanmean(np.abs(better.predictions[:, ok] - y[None, ok]), axis=0)
    err_w = np.nanmean(np.abs(worse.predictions[:, ok] - y[None, ok]), axis=0)
    diff = err_w - err_b
    gain = 1.0 - better.mae / worse.mae if worse.mae > 0 else 0.0
    if diff.size < 3 or np.allclose(diff, 0.0):
        return float(gain), 1.0
    return float(gain), float(stats.ttest_1samp(diff, 0.0, alternative="greater").pvalue)


@dataclass(frozen=True)
class Decision:
    """Whether transfer helps, on the nested estimates of the two procedures.

    Attributes
    ----------
    transfer_helps : bool
    decided : bool
        False when there was no nested estimate to decide on.
    gain : float
        1 - nested MAE of transfer / nested MAE of scratch (positive: transfer better).
    p_value : float
        One-sided paired t-test over rows of |error| (scratch minus transfer).
    folds_won, n_folds : int
        Outer folds in which the transfer procedure had the lower MAE.
    gain_vs_mean, p_value_vs_mean : float
        The same against predicting the mean of the training targets: a transfer model that
        does not beat it has learned nothing, whatever scratch did.
    """

    transfer_helps: bool
    decided: bool
    gain: float = 0.0
    p_value: float = 1.0
    folds_won: int = 0
    n_folds: int = 0
    gain_vs_mean: float = 0.0
    p_value_vs_mean: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)


def decide(y: np.ndarray, estimates: dict[ProcedureName, NestedEstimate] | None,
           null: NestedEstimate | None = None) -> Decision:
    """Transfer helps when its nested errors are lower than scratch's by more than noise
    explains (paired test, and a majority of outer folds), and lower than those of
    predicting the mean (``null``) too."""
    if not estimates:
        return Decision(False, False)
    t, s = estimates[ProcedureName.TRANSFER], estimates[ProcedureName.SCRATCH]
    gain, p_value = _paired(y, t, s)
    gain_mean, p_mean = _paired(y, t, null) if null is not None else (1.0, 0.0)
    won = sum(ft["outer_mae"] < fs["outer_mae"] for ft, fs in zip(t.folds, s.folds))
    helps = gain > 0 and p_value < ALPHA and 2 * won > len(t.folds) and gain_mean > 0 and p_mean < ALPHA
    return Decision(bool(helps), True, gain, p_value, int(won), len(t.folds), gain_mean, p_mean)
