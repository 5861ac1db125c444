"""Base class of all featurizers: a scikit-learn transformer over structure strings.

Two ways to featurize a list of structures:

- :meth:`Featurizer.transform` returns the matrix, or raises :class:`FeaturizationError`
  (an :class:`~core.errors.InputError`) naming the first structure it cannot read, with
  its position in the list (``index``, from 0) so that a caller can name the line;
- :meth:`Featurizer.transform_report` never raises for a bad structure: it returns the
  matrix (zeros in the rows it could not read) and ``{index: reason}`` of those rows.

:meth:`Featurizer.check` gives only ``{index: reason}``, as cheaply as the featurizer
allows (:mod:`core.features.checks` runs it over several featurizers).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from core.domains import Domain
from core.errors import InputError

_ROW_PREFIX = re.compile(r"^row \d+: (?:'[^']*' |\"[^\"]*\" )?")


class FeaturizationError(InputError):
    """A structure a featurizer cannot read.

    Attributes
    ----------
    index : int
        Position of the structure in the list given to ``transform`` (from 0).
    value : str
        The structure.
    reason : str
        Why it cannot be read.
    failures : dict
        ``{index: reason}`` of every structure of the list that failed.
    """

    def __init__(self, featurizer: str, failures: dict[int, str], values: Sequence[str]):
        self.failures = dict(failures)
        self.index = min(self.failures)
        self.value = str(values[self.index])
        self.reason = self.failures[self.index]
        others = len(self.failures) - 1
        more = f" ({others} more structure{'s' if others != 1 else ''} fail too)" if others else ""
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        super().__init__(f"{featurizer} cannot read {shown!r}: {self.reason}{more}")


def failure_reason(exc: BaseException) -> str:
    """One short line saying why a structure failed (no row numbers, no repeated value)."""
    text = (str(exc).strip().splitlines() or [""])[0]
    text = _ROW_PREFIX.sub("", text).strip()
    return text or type(exc).__name__


class Featurizer(TransformerMixin, BaseEstimator):
    """Turn structure strings into a fixed-width float matrix.

    Subclasses set the class attributes ``name`` (registry key) and ``domains`` (which
    structure domains they accept), keep their parameters in ``__init__`` only, and
    implement :meth:`_columns` and :meth:`_featurize_one` (with :meth:`_prepare` for
    set-up shared by all rows), or :meth:`_featurize_many` for a whole batch at once.
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
        """Featurize each structure; :class:`FeaturizationError` on a structure it cannot read."""
        values = [str(x) for x in X]
        out, failed = self.transform_report(values)
        if failed:
            raise FeaturizationError(self.name, failed, values)
        return out

    def transform_report(self, X: Sequence[str]) -> tuple[np.ndarray, dict[int, str]]:
        """The feature matrix and ``{index: reason}`` of the structures that could not be read.

        Rows of failed structures are zeros; indices count from 0 in the order given.
        """
        self._check_params()
        values = [str(x) for x in X]
        if self._row_wise():
            out, failed = self._featurize_rows(values)
        else:
            out, failed = self._featurize_batch(values)
        return np.nan_to_num(np.asarray(out, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0), failed

    def check(self, X: Sequence[str]) -> dict[int, str]:
        """``{index: reason}`` of the structures this featurizer cannot read.

        Runs :meth:`_check_one` per structure (by default the full featurization).
        """
        self._check_params()
        values = [str(x) for x in X]
        if not self._row_wise():
            return self._featurize_batch(values)[1]
        self._prepare()
        failed = {}
        for i, text in enumerate(values):
            try:
                self._check_one(text)
            except Exception as exc:  # noqa: BLE001 - one bad structure must not cost the others
                failed[i] = failure_reason(exc)
        return failed

    # ----------------------------------------------------------------- internals
    def _row_wise(self) -> bool:
        return type(self)._featurize_many is Featurizer._featurize_many

    def _featurize_rows(self, values: list[str]) -> tuple[np.ndarray, dict[int, str]]:
        self._prepare()
        out = np.zeros((len(values), len(self._columns())), dtype=np.float64)
        failed = {}
        for i, text in enumerate(values):
            try:
                out[i] = self._featurize_one(text)
            except Exception as exc:  # noqa: BLE001 - one bad structure must not cost the others
                failed[i] = failure_reason(exc)
        return out, failed

    def _featurize_batch(self, values: list[str], offset: int = 0) -> tuple[np.ndarray, dict[int, str]]:
        """A subclass's batch featurization; a batch that fails is halved until the bad
        structures are found, so the good ones still come out in batches."""
        width = len(self._columns())
        if not values:
            return np.zeros((0, width)), {}
        try:
            return np.asarray(self._featurize_many(values), dtype=np.float64).reshape(len(values), width), {}
        except Exception as exc:  # noqa: BLE001 - one bad structure must not cost the others
            if len(values) == 1:
                return np.zeros((1, width)), {offset: failure_reason(exc)}
        half = len(values) // 2
        top, failed = self._featurize_batch(values[:half], offset)
        bottom, more = self._featurize_batch(values[half:], offset + half)
        return np.vstack([top, bottom]), {**failed, **more}

    def _featurize_many(self, values: list[str]) -> np.ndarray:
        """Batch featurization for subclasses that need it (raise on a bad structure)."""
        out, failed = self._featurize_rows(values)
        if failed:
            raise FeaturizationError(self.name, failed, values)
        return out

    def _prepare(self) -> None:
        """Set-up shared by all rows of one call (e.g. a fingerprint generator)."""

    def _check_one(self, text: str) -> None:
        """Raise when ``text`` cannot be featurized (default: featurize it)."""
        self._featurize_one(text)

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
