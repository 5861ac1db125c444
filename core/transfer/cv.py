"""Cross-validation schemes.  One seed fixes every split.

``kfold``        k folds, shuffled
``repeated``     k folds repeated r times with different shuffles
``loo``          leave one out (for very small sets)
``extrapolation`` one split: train on the lower part of the target range, test on the
                 top fraction (default 20%) -- how well does a model extrapolate?

With ``groups`` (one structure key per row, :func:`core.domains.structure_key`), rows of one
structure always share a fold: a copy of a test structure is never in the training part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError

SCHEMES = ("kfold", "repeated", "loo", "extrapolation")


@dataclass(frozen=True)
class CVScheme:
    """How to split; build the splits with :meth:`splits`.

    Parameters
    ----------
    kind : {"kfold", "repeated", "loo", "extrapolation"}
    k : int
        Folds (kfold, repeated).
    repeats : int
        Repetitions (repeated).
    top_fraction : float
        Share of the highest targets held out (extrapolation).
    seed : int
    """

    kind: str = "kfold"
    k: int = 5
    repeats: int = 1
    top_fraction: float = 0.2
    seed: int = 0

    def splits(self, y: np.ndarray, groups=None) -> list[tuple[np.ndarray, np.ndarray]]:
        """(train, test) index pairs for targets ``y``; InputError if there are too few rows.

        Parameters
        ----------
        y : array (n,)
        groups : sequence (n,), optional
            Rows with equal group labels are kept in one fold.
        """
        # scikit-learn is imported here, not at the top: the app's first page reads CVScheme without it
        from sklearn.model_selection import GroupKFold, KFold, LeaveOneGroupOut, LeaveOneOut, RepeatedKFold

        y = np.asarray(y, dtype=float)
        n = len(y)
        if self.kind not in SCHEMES:
            raise InputError(f"unknown CV scheme {self.kind!r}; choose one of {', '.join(SCHEMES)}")
        codes = _group_codes(groups, n)
        n_groups = int(codes.max()) + 1 if n else 0
        if self.kind == "loo":
            if n_groups < 3:
                raise InputError(f"leave-one-out needs at least 3 rows, the data have {n_groups}"
                                 + (" distinct structures" if n_groups < n else ""))
            if n_groups == n:
                return [(tr, te) for tr, te in LeaveOneOut().split(y)]
            return [(tr, te) for tr, te in LeaveOneGroupOut().split(y, groups=codes)]
        if self.kind == "extrapolation":
            return [_extrapolation(y, codes, self.top_fraction)]
        if self.k < 2:
            raise InputError("cross-validation needs at least 2 folds")
        if n_groups < 2 * self.k:
            what = "rows" if n_groups == n else f"distinct structures ({n} rows)"
            raise InputError(f"{self.k}-fold cross-validation needs at least {2 * self.k} rows (2 per fold); "
                             f"the data have {n_groups} {what}. Use fewer folds or leave-one-out (--cv loo)")
        if n_groups == n:  # no duplicates: plain (repeated) k-fold
            if self.kind == "repeated":
                if self.repeats < 1:
                    raise InputError("repeats must be at least 1")
                cv = RepeatedKFold(n_splits=self.k, n_repeats=self.repeats, random_state=self.seed)
            else:
                cv = KFold(n_splits=self.k, shuffle=True, random_state=self.seed)
            return [(tr, te) for tr, te in cv.split(y)]
        repeats = self.repeats if self.kind == "repeated" else 1
        if repeats < 1:
            raise InputError("repeats must be at least 1")
        out = []
        for r in range(repeats):
            cv = GroupKFold(n_splits=self.k, shuffle=True, random_state=self.seed + 7919 * r)
            out.extend((tr, te) for tr, te in cv.split(y, groups=codes))
        return out

    def label(self) -> str:
        if self.kind == "kfold":
            return f"{self.k}-fold"
        if self.kind == "repeated":
            return f"{self.k}-fold x {self.repeats}"
        if self.kind == "loo":
            return "leave-one-out"
        return f"extrapolation (top {self.top_fraction:.0%} held out)"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "k": self.k, "repeats": self.repeats, "top_fraction": self.top_fraction,
                "seed": self.seed, "label": self.label()}


def _group_codes(groups, n: int) -> np.ndarray:
    """Integer group label per row (each row its own group when ``groups`` is None)."""
    if groups is None:
        return np.arange(n)
    groups = list(groups)
    if len(groups) != n:
        raise InputError(f"{len(groups)} group labels for {n} rows")
    _, codes = np.unique(np.asarray([str(g) for g in groups], dtype=object), return_inverse=True)
    return codes.astype(int)


def _extrapolation(y: np.ndarray, codes: np.ndarray, top_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Train on the lower part of the range, test on the top ``top_fraction`` of the rows;
    structures (groups) ranked by their mean target and never split."""
    n = len(y)
    n_top = int(round(top_fraction * n))
    if n_top < 2 or n - n_top < 5:
        raise InputError(f"extrapolation needs at least 5 training and 2 test rows; the data have {n}")
    n_groups = int(codes.max()) + 1
    mean = np.bincount(codes, weights=y, minlength=n_groups) / np.bincount(codes, minlength=n_groups)
    order = np.argsort(mean[codes], kind="stable")  # rows by their structure's mean target
    test_groups = set(codes[order[n - n_top:]].tolist())
    is_test = np.isin(codes, list(test_groups))
    if (~is_test).sum() < 5:
        raise InputError(f"extrapolation needs at least 5 training and 2 test rows; the data have {n}")
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)
