"""Scores of out-of-fold predictions: per-fold errors and summary metrics."""

from __future__ import annotations

import numpy as np

from core.metrics import regression_metrics


def repetitions(splits, n: int) -> list[list[np.ndarray]]:
    """Group test folds into repetitions of the CV scheme (folds of one repetition are disjoint)."""
    reps, current, seen = [], [], np.zeros(n, dtype=bool)
    for _, test in splits:
        if seen[test].any():
            reps.append(current)
            current, seen = [], np.zeros(n, dtype=bool)
        current.append(np.asarray(test))
        seen[test] = True
    reps.append(current)
    return reps


def fold_maes(oof: np.ndarray, y: np.ndarray, splits) -> np.ndarray:
    """MAE of every test fold, from out-of-fold predictions of shape (R, n)."""
    out = []
    for r, folds in enumerate(repetitions(splits, len(y))):
        for test in folds:
            out.append(np.abs(oof[r, test] - y[test]).mean())
    return np.array(out)


def summarize(oof: np.ndarray, y: np.ndarray, splits) -> dict[str, float]:
    """CV MAE (mean over folds) with its spread, and RMSE, R2, Spearman of the OOF predictions."""
    folds = fold_maes(oof, y, splits)
    covered = ~np.isnan(oof[0])
    per_rep = [regression_metrics(y[covered], rep[covered]) for rep in oof]
    return {"cv_mae": float(folds.mean()), "cv_mae_std": float(folds.std(ddof=1)) if len(folds) > 1 else 0.0,
            "rmse": float(np.mean([m["rmse"] for m in per_rep])), "r2": float(np.mean([m["r2"] for m in per_rep])),
            "spearman": float(np.mean([m["spearman"] for m in per_rep]))}


def summarize_many(oof: np.ndarray, y: np.ndarray, splits) -> dict[str, np.ndarray]:
    """:func:`summarize` of many candidates at once: ``oof`` (C, R, n) under the same splits;
    one array (C,) per metric, equal to calling :func:`summarize` on each."""
    from scipy.stats import rankdata

    oof = np.asarray(oof, dtype=float)
    folds = np.stack([np.abs(oof[:, r, test] - y[test]).mean(axis=1)
                      for r, reps in enumerate(repetitions(splits, len(y))) for test in reps], axis=1)  # (C, F)
    covered = ~np.isnan(oof[0, 0]) if len(oof) else np.zeros(len(y), dtype=bool)
    yc, pred = y[covered], oof[:, :, covered]  # (C, R, m)
    err = pred - yc
    ss_tot = float(((yc - yc.mean()) ** 2).sum())
    rmse = np.sqrt((err**2).mean(axis=2)).mean(axis=1)
    r2 = (1.0 - (err**2).sum(axis=2) / ss_tot).mean(axis=1) if ss_tot > 0 else np.full(len(oof), np.nan)
    ry = rankdata(yc)
    rp = rankdata(pred, axis=2)
    ryc, rpc = ry - ry.mean(), rp - rp.mean(axis=2, keepdims=True)
    denom = np.sqrt((ryc**2).sum()) * np.sqrt((rpc**2).sum(axis=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rpc * ryc).sum(axis=2) / denom
    flat = pred.std(axis=2) == 0  # a constant prediction has no rank correlation
    rho = np.where(flat | (len(yc) <= 2) | (np.std(yc) == 0), np.nan, rho).mean(axis=1)
    return {"cv_mae": folds.mean(axis=1), "cv_mae_std": folds.std(axis=1, ddof=1) if folds.shape[1] > 1
            else np.zeros(len(oof)), "rmse": rmse, "r2": r2, "spearman": rho}
