"""The near-constant-column rule, shared by the trainer and the screen.

A descriptor column whose spread over the rows a model learns from is negligible against
its magnitude (a float32 value that varies by 1e-8, say) carries nothing to learn: a net
must not draw it into its input subset, and a scaler must not divide by its spread (a new
row that differs would be blown up by orders of magnitude).
"""

from __future__ import annotations

import numpy as np

#: A column is constant when its spread is at most this fraction of its largest magnitude.
CONSTANT_RTOL = 1e-6


def constant_columns(X: np.ndarray, std: np.ndarray, rtol: float = CONSTANT_RTOL) -> np.ndarray:
    """Columns whose standard deviation ``std`` is at most ``rtol`` times their largest
    absolute value in ``X``: constant for any model that reads them.

    Parameters
    ----------
    X : ndarray (n, D)
        The rows the standard deviation was taken over.
    std : ndarray (D,)
    rtol : float

    Returns
    -------
    ndarray of bool (D,)
    """
    return std <= rtol * np.abs(X).max(axis=0, initial=0.0)
