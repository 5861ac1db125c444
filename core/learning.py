"""Learning curves: how the error falls with more training rows, transfer beside scratch.

For each training size and repeat, a seeded random subsample of the target is the
training set and (up to ``max_test`` of) the remaining rows are the test set.  On the
training rows alone, a quick screen (stage 1 plus the scratch baselines, no nested
estimate) makes the picks of its two procedures (:mod:`core.transfer.procedure`): the
transfer procedure over every candidate and the scratch procedure over the scratch ones;
both are refitted on all training rows and scored on the held-out rows.  Because the
choice never sees the test rows, each point is an honest estimate of "run the screen on
n rows and use its pick".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import pandas as pd

from core.errors import CancelledError, InputError
from core.library import Library
from core.transfer.cv import CVScheme
from core.transfer.predict import predict
from core.transfer.screen import MIN_ROWS, ScreenConfig, Target, screen

#: The quick screen used inside a learning curve: closed-form stage 1 and the forest scratch
#: baselines (random forest and extremely randomised trees, as in a full screen), nothing
#: refitted, no nested estimate, no random control.
QUICK = dict(strategies=(), baselines=("scratch_rf", "scratch_et", "scratch_mean"), nested=False, top=1,
             controls=False)


def _quick_config() -> ScreenConfig:
    return ScreenConfig(**QUICK)


@dataclass
class LearningConfig:
    """Settings of a learning curve.

    Parameters
    ----------
    sizes : tuple of int, optional
        Training rows per point; default :func:`default_sizes`.
    repeats : int
        Random subsamples per size (their spread is drawn as error bars).
    max_test : int
        Held-out rows scored per point, at most.
    folds : int
        CV folds of the screen on each subsample (fewer when the subsample is small).
    screen : ScreenConfig
        Candidate filters and engine settings; stage-2 strategies, the nested estimate and
        the random control are switched off whatever it says, to keep each point quick.
    seed : int
        Fixes every subsample and every split.
    """

    sizes: tuple[int, ...] | None = None
    repeats: int = 2
    max_test: int = 200
    folds: int = 5
    screen: ScreenConfig = field(default_factory=_quick_config)
    seed: int = 0

    def check(self, n_rows: int) -> tuple[int, ...]:
        """The training sizes to use for a target of ``n_rows`` (InputError if none fits)."""
        if self.repeats < 1:
            raise InputError("repeats must be at least 1")
        sizes = tuple(sorted(set(self.sizes))) if self.sizes else default_sizes(n_rows)
        too_big = [s for s in sizes if s > n_rows - 5]
        if too_big:
            raise InputError(f"training sizes {too_big} leave fewer than 5 of the {n_rows} rows to test on")
        too_small = [s for s in sizes if s < MIN_ROWS]
        if too_small:
            raise InputError(f"training sizes below {MIN_ROWS} rows cannot be screened: {too_small}")
        if not sizes:
            raise InputError(f"a learning curve needs at least {MIN_ROWS + 5} rows; the data have {n_rows}")
        return sizes


def default_sizes(n_rows: int, points: int = 4, smallest: int = 10) -> tuple[int, ...]:
    """Up to ``points`` sizes spread geometrically from ``smallest`` to 80% of the rows."""
    largest = min(int(0.8 * n_rows), n_rows - 5)
    if largest < MIN_ROWS:
        return ()
    smallest = min(max(smallest, MIN_ROWS), largest)
    sizes = np.unique(np.round(np.geomspace(smallest, largest, points)).astype(int))
    return tuple(int(s) for s in sizes)


@dataclass
class LearningCurve:
    """Points of a learning curve: one row per (size, repeat, method)."""

    points: pd.DataFrame  # n_train, repeat, method, mae, candidate, n_test
    target: str
    unit: str

    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation of the held-out MAE per method and size."""
        return (self.points.groupby(["method", "n_train"])["mae"].agg(["mean", "std", "count"])
                .reset_index())


def learning_curve(target: Target, libraries: list[Library], config: LearningConfig | None = None, *,
                   progress: Callable[[int, int, str], None] | None = None,
                   cancel: Callable[[], bool] | None = None) -> LearningCurve:
    """Held-out error against training rows for the best transfer and scratch picks.

    Parameters
    ----------
    target : Target
    libraries : list of Library
    config : LearningConfig
    progress : callable, optional
        ``progress(done, total, message)`` after each point.
    cancel : callable, optional
        Returns True to stop (raises CancelledError).
    """
    config = config or LearningConfig()
    target.check()
    y = np.asarray(target.y, dtype=float)
    sizes = config.check(len(y))
    base = replace(config.screen, **QUICK)
    structures = np.asarray(target.structures, dtype=object)
    records = []
    total = len(sizes) * config.repeats
    step = 0
    for repeat in range(config.repeats):
        order = np.random.default_rng([config.seed, repeat]).permutation(len(y))
        for size in sizes:
            if cancel is not None and cancel():
                raise CancelledError("learning curve cancelled")
            train, test = np.sort(order[:size]), np.sort(order[size:size + config.max_test])
            cv = CVScheme("kfold", k=max(2, min(config.folds, size // 2)), seed=config.seed + repeat)
            sub = Target(structures[train].tolist(), y[train], target.domain, target.name, target.unit)
            result = screen(sub, libraries, replace(base, cv=cv, seed=config.seed + repeat), cancel=cancel)
            for method in ("transfer", "scratch"):
                out = predict(result, structures[test].tolist(), candidate=method, libraries=libraries)
                records.append({"n_train": int(size), "repeat": repeat, "method": method,
                                "mae": float(np.abs(out.table["prediction"].to_numpy() - y[test]).mean()),
                                "candidate": out.label,
                                "cv_mae": float(np.mean([result.ranking.set_index("candidate").loc[m, "cv_mae"]
                                                         for m in out.members])),
                                "n_test": int(len(test))})
            step += 1
            if progress:
                progress(step, total, f"{size} training rows, repeat {repeat + 1}/{config.repeats}")
    points = pd.DataFrame(records, columns=["n_train", "repeat", "method", "mae", "candidate", "cv_mae", "n_test"])
    return LearningCurve(points.sort_values(["method", "n_train", "repeat"]).reset_index(drop=True),
                         target.name, target.unit)
