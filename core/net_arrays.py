"""A stored net's parameters as plain arrays (:class:`NetArrays`): what reading a library
needs, without torch, so that listing a library or opening the app's first page does not
import it.  :mod:`core.nets` runs these arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class NetArrays:
    """One net's exact (unpadded) parameters and scalers, as stored in the library."""

    input_index: np.ndarray  # (k,) int64 columns of the descriptor
    x_mean: np.ndarray  # (k,)
    x_scale: np.ndarray  # (k,)
    weights: list[np.ndarray]  # hidden layers, (in, out) each
    biases: list[np.ndarray]
    out_weight: np.ndarray  # (h_last,)
    out_bias: float
    y_mean: float
    y_scale: float
    activation: str

    @property
    def nbytes(self) -> int:
        """Bytes of its arrays (what holding it in memory costs)."""
        arrays = [self.input_index, self.x_mean, self.x_scale, self.out_weight, *self.weights, *self.biases]
        return int(sum(np.asarray(a).nbytes for a in arrays))
