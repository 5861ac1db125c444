"""Standardisation that stays bounded on rows unlike the training rows.

With a few dozen training rows, many descriptor columns and hidden units are constant, or
nearly so (a float32 activation that varies by 1e-8), on the training rows and not on a
new row. Plain standardisation divides that new row's value by a tiny spread and a linear
model then predicts thousands where the target is tens (measured on cetane numbers: one
amide in an outer test fold gave 31,559). :class:`BoundedScaler` treats columns whose
spread is negligible against their magnitude as constant, and clips new rows to the
standardised training range widened by ``margin`` times that range on each side: a linear
model may extrapolate, but not without bound.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from core.columns import CONSTANT_RTOL, constant_columns  # noqa: F401  (the one rule, re-used here)

#: New rows are clipped to the training range widened by this fraction of it on each side.
CLIP_MARGIN = 0.5


class BoundedScaler(TransformerMixin, BaseEstimator):
    """Zero mean, unit variance on the training rows; constant columns to 0; new rows clipped.

    Parameters
    ----------
    margin : float
        New rows are clipped to ``[lo - margin * (hi - lo), hi + margin * (hi - lo)]`` per
        column, where ``lo`` and ``hi`` are the standardised training minimum and maximum.
    rtol : float
        A column is constant when its standard deviation is at most ``rtol`` times its
        largest absolute value on the training rows.

    Attributes
    ----------
    mean_, scale_ : ndarray (n_features,)
        ``scale_`` is 1 for constant columns.
    constant_ : ndarray of bool
    lower_, upper_ : ndarray
        Clipping bounds in standardised units.
    """

    def __init__(self, margin: float = CLIP_MARGIN, rtol: float = CONSTANT_RTOL):
        self.margin = margin
        self.rtol = rtol

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.constant_ = constant_columns(X, std, self.rtol)
        self.scale_ = np.where(self.constant_, 1.0, std)
        z = self._standardise(X)
        lo, hi = z.min(axis=0, initial=0.0), z.max(axis=0, initial=0.0)
        width = self.margin * (hi - lo)
        self.lower_, self.upper_ = lo - width, hi + width
        return self

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        return np.where(self.constant_, 0.0, (X - self.mean_) / self.scale_)

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "mean_")
        return np.clip(self._standardise(np.asarray(X, dtype=np.float64)), self.lower_, self.upper_)

    def standardise(self, X) -> np.ndarray:
        """Standardised like :meth:`transform` but not clipped (distances to the training
        rows, e.g. for the applicability domain, must see how far a new row lies)."""
        check_is_fitted(self, "mean_")
        return self._standardise(np.asarray(X, dtype=np.float64))
