"""Base class of all featurizers: a scikit-learn transformer over structure strings."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from core.domains import Domain
from core.errors import InputError


class Featurizer(TransformerMixin, BaseEstimator):
    """Turn structure strings into a fixed-width float matrix.

    Subclasses set the class attributes ``name`` (registry key) and ``domains`` (which
    structure domains they accept), keep their parameters in ``__init__`` only, and
    implement :meth:`_columns` and :meth:`_featurize_one` (or :meth:`_featurize_many`).
    ``fit`` learns nothing from the data: it records the output column names in
    ``feature_names_out_`` so that the estimator contract holds.
    """

    name: str = ""
    domains: tuple[Domain, ...] = ()
    #: Storage type of the values in the feature store (fingerprint counts fit in uint8).
    store_dtype = np.float32

    def fit(self, X=None, y=None):
        """Check the parameters and record the output columns; returns self."""
        self._check_params()
        self.feature_names_out_ = np.asarray(self._columns(), dtype=object)
        self.n_features_out_ = len(self.feature_names_out_)
        return self

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns (documented, fixed for given parameters)."""
        return np.asarray(self._columns(), dtype=object)

    def transform(self, X: Sequence[str]) -> np.ndarray:
        """Featurize each structure; InputError naming the row on a bad one."""
        self._check_params()
        values = [str(x) for x in X]
        out = self._featurize_many(values)
        return np.nan_to_num(np.asarray(out, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)

    def _featurize_many(self, values: list[str]) -> np.ndarray:
        out = np.zeros((len(values), len(self._columns())), dtype=np.float64)
        for i, text in enumerate(values):
            try:
                out[i] = self._featurize_one(text)
            except ValueError as exc:
                raise InputError(f"row {i + 1}: {text!r} {exc}") from None
        return out

    def _check_params(self) -> None:
        """Raise ValueError for invalid parameters (subclasses extend)."""

    def _featurize_one(self, text: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _columns(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def spec(self) -> dict:
        """``{"name": ..., "params": {...}}``: enough to rebuild the same featurizer."""
        return {"name": self.name, "params": self.get_params()}

    def label(self) -> str:
        """Short readable description, e.g. ``morgan(radius=2, n_bits=2048)``."""
        params = ", ".join(f"{k}={v}" for k, v in sorted(self.get_params().items()))
        return f"{self.name}({params})" if params else self.name

    def supports(self, domain: Domain | str) -> bool:
        """Whether structures of ``domain`` can be featurized."""
        return Domain.parse(domain) in self.domains
