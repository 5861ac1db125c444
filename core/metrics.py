"""Regression metrics used by model cards, rankings and benchmarks."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """MAE, RMSE, R2 and Spearman rank correlation (NaN where undefined)."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    err = y_pred - y_true
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2)) if len(y_true) else 0.0
    r2 = 1.0 - float(np.sum(err**2)) / ss_tot if ss_tot > 0 else float("nan")
    if len(y_true) > 2 and np.std(y_true) > 0 and np.std(y_pred) > 0:
        rho = float(spearmanr(y_true, y_pred).statistic)
    else:
        rho = float("nan")
    return {"mae": float(np.mean(np.abs(err))) if len(err) else float("nan"),
            "rmse": float(np.sqrt(np.mean(err**2))) if len(err) else float("nan"),
            "r2": r2, "spearman": rho}
