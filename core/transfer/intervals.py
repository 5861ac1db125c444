"""Prediction intervals calibrated on a run's own out-of-fold residuals (split conformal).

The half-width at level ``1 - a`` is the ceil((n + 1)(1 - a))-th smallest absolute
residual of predictions made without the rows they score: the nested predictions of the
recommended procedure (or a candidate's out-of-fold predictions).  Under exchangeable
rows an interval ``prediction +- half-width`` then covers a new row's value with
probability at least ``1 - a``.
"""

from __future__ import annotations

import math

import numpy as np


def conformal_halfwidth(residuals: np.ndarray, level: float = 0.9) -> float:
    """Half-width of the ``level`` interval from absolute out-of-sample residuals."""
    r = np.sort(np.abs(np.asarray(residuals, dtype=float).ravel()))
    r = r[np.isfinite(r)]
    if r.size == 0:
        return float("nan")
    k = math.ceil((r.size + 1) * level)
    return float(r[min(k, r.size) - 1])


def coverage(y: np.ndarray, prediction: np.ndarray, halfwidth: float) -> float:
    """Share of ``y`` inside ``prediction +- halfwidth``."""
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(prediction)) <= halfwidth))
