"""Cross-validation schemes.  One seed fixes every split.

``kfold``        k folds, shuffled
``repeated``     k folds repeated r times with different shuffles
``loo``          leave one out (for very small sets)
``extrapolation`` one split: train on the lower part of the target range, test on the
                 top fraction (default 20%) -- how well does a model extrapolate?
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import KFold, LeaveOneOut, RepeatedKFold

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

    def splits(self, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(train, test) index pairs for targets ``y``; InputError if there are too few rows."""
        y = np.asarray(y, dtype=float)
        n = len(y)
        if self.kind not in SCHEMES:
            raise InputError(f"unknown CV scheme {self.kind!r}; choose one of {', '.join(SCHEMES)}")
        if self.kind == "loo":
            if n < 3:
                raise InputError(f"leave-one-out needs at least 3 rows, the data have {n}")
            return [(tr, te) for tr, te in LeaveOneOut().split(y)]
        if self.kind == "extrapolation":
            n_top = int(round(self.top_fraction * n))
            if n_top < 2 or n - n_top < 5:
                raise InputError(f"extrapolation needs at least 5 training and 2 test rows; the data have {n}")
            order = np.argsort(y, kind="stable")
            return [(np.sort(order[: n - n_top]), np.sort(order[n - n_top :]))]
        if self.k < 2:
            raise InputError("cross-validation needs at least 2 folds")
        if n < 2 * self.k:
            raise InputError(f"{self.k}-fold cross-validation needs at least {2 * self.k} rows (2 per fold); "
                             f"the data have {n}. Use fewer folds or leave-one-out (--cv loo)")
        if self.kind == "repeated":
            if self.repeats < 1:
                raise InputError("repeats must be at least 1")
            cv = RepeatedKFold(n_splits=self.k, n_repeats=self.repeats, random_state=self.seed)
        else:
            cv = KFold(n_splits=self.k, shuffle=True, random_state=self.seed)
        return [(tr, te) for tr, te in cv.split(y)]

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


def fold_of(splits, n: int) -> np.ndarray:
    """(n_repeats, n) array giving each row's test fold within each repetition (-1 if never)."""
    per_rep = []
    rep = None
    seen = np.zeros(n, dtype=bool)
    for i, (_, test) in enumerate(splits):
        if rep is None or seen[test].any():
            rep = np.full(n, -1)
            per_rep.append(rep)
            seen[:] = False
        rep[test] = i
        seen[test] = True
    return np.array(per_rep)
