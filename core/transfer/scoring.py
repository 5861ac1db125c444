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
