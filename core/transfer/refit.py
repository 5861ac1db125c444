"""Estimators that reproduce stage-1 candidates, for refitting and prediction.

:class:`LinearFeatureRidge` is the scikit-learn twin of a stage-1 candidate: the same
features (frozen, raw, or both with unit-trace block scaling), standardised on the
training rows (new rows bounded, see :mod:`core.transfer.scaling`), and ridge with the same
relative penalty.  Stage 1 (:mod:`core.transfer.ridge`) computes exactly what this
estimator predicts when refitted on each training fold, so the score of a stage-1
candidate is the score of the model ``predict`` refits.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge

from core.nets import NetArrays
from core.transfer.frozen import FrozenFeatures
from core.transfer.scaling import BoundedScaler

KINDS = ("frozen", "frozen+raw", "raw")


class LinearFeatureRidge(RegressorMixin, BaseEstimator):
    """Ridge on frozen and/or raw descriptor features with a relative penalty.

    Parameters
    ----------
    net : NetArrays or None
        Pretrained net for frozen features (None for ``kind="raw"``).
    kind : {"frozen", "frozen+raw", "raw"}
    layers : int
        Last hidden layers used as frozen features.
    penalty : float
        Penalty relative to the mean eigenvalue of the centred Gram matrix.
    """

    def __init__(self, net: NetArrays | None = None, kind: str = "frozen", layers: int = 1, penalty: float = 1.0):
        self.net = net
        self.kind = kind
        self.layers = layers
        self.penalty = penalty

    def _blocks(self, X) -> list[np.ndarray]:
        blocks = []
        if self.kind in ("frozen", "frozen+raw"):
            blocks.append(self.frozen_.transform(X))
        if self.kind in ("raw", "frozen+raw"):
            blocks.append(np.asarray(X, dtype=np.float64))
        return blocks

    def _scaled(self, X, clip: bool = True) -> np.ndarray:
        return np.hstack([(scaler.transform(block) if clip else scaler.standardise(block)) * weight
                          for block, scaler, weight in zip(self._blocks(X), self.scalers_, self.weights_)])

    def fit(self, X, y):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if self.kind != "raw":
            self.frozen_ = FrozenFeatures(self.net, self.layers).fit(X)
        blocks = self._blocks(X)  # one forward pass of the net over the training rows
        n = len(y)
        self.scalers_ = [BoundedScaler().fit(b) for b in blocks]
        scaled = [scaler.transform(b) for b, scaler in zip(blocks, self.scalers_)]
        self.weights_ = [1.0] * len(blocks)
        if len(blocks) > 1:  # each block to unit trace of its centred Gram matrix
            traces = [float((z**2).sum()) for z in scaled]
            self.weights_ = [1.0 / np.sqrt(t) if t > 0 else 0.0 for t in traces]
        Z = np.hstack([z * weight for z, weight in zip(scaled, self.weights_)])
        Zc = Z - Z.mean(axis=0)
        scale = float((Zc**2).sum()) / n or 1.0
        self.ridge_ = Ridge(alpha=self.penalty * scale).fit(Z, y)
        return self

    def predict(self, X) -> np.ndarray:
        return self.ridge_.predict(self._scaled(X))

    def transform_features(self, X, clip: bool = True) -> np.ndarray:
        """The scaled feature space the ridge sees; ``clip=False`` leaves new rows where they
        are (for applicability-domain distances)."""
        return self._scaled(X, clip)
