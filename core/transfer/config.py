"""The settings of a screen (:class:`ScreenConfig`) and the one rule for how many rows they need."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
from sklearn.model_selection import KFold

from core.errors import InputError
from core.transfer.cv import CVScheme
from core.transfer.ridge import DEFAULT_PENALTIES
from core.transfer.strategies import BASELINES, STRATEGIES

#: Fewest valid rows any screen accepts.
MIN_ROWS = 8


@dataclass
class ScreenConfig:
    """Every choice of a screen (the CLI and the dashboard fill this one object).

    Parameters
    ----------
    cv : CVScheme
        Folds for ranking (default 5-fold).
    strategies : tuple of str
        Stage-2 strategies refitted on the top models (see core.transfer.strategies).
    baselines : tuple of str
        Scratch baselines besides the closed-form raw ridge (``scratch_rf``, ``scratch_net``).
    layers : int
        Last hidden layers used as frozen features (1, 2 or 3).
    top : int
        Models refitted in stage 2.
    ensemble : int
        Members of the ensemble of the best candidates (0 for none).
    nested : bool
        Compute the nested estimate of the whole procedure.
    nested_folds, nested_top : int
        Outer folds of the nested estimate, and models refitted in stage 2 inside it.
    search, sources, model_ids, model_domains : filters on the candidate models
    combos : bool
        Also score frozen features together with the raw descriptor.
    cross_domain : bool
        Allow molecule models on polymers and polymer models on molecules.
    """

    cv: CVScheme = field(default_factory=CVScheme)
    strategies: tuple[str, ...] = ("rf",)
    baselines: tuple[str, ...] = ("scratch_rf",)
    layers: int = 1
    top: int = 20
    ensemble: int = 5
    nested: bool = True
    nested_folds: int = 5
    nested_top: int = 5
    search: str | None = None
    sources: tuple[str, ...] | None = None
    model_ids: tuple[str, ...] | None = None
    model_domains: tuple[str, ...] | None = None
    combos: bool = True
    cross_domain: bool = True
    penalties: tuple[float, ...] = DEFAULT_PENALTIES
    rf_trees: int = 100
    device: str = "auto"
    seed: int = 0
    scheduler: str | None = None  # Dask: "local[:N]" or "tcp://host:port" runs stage 1 on a cluster

    def check(self) -> None:
        """InputError for settings that cannot work."""
        for name in self.strategies:
            if name != "ridge":
                STRATEGIES[name]
        for name in self.baselines:
            BASELINES[name]
        if self.layers not in (1, 2, 3):
            raise InputError("layers must be 1, 2 or 3")
        if self.top < 1 or self.nested_top < 1:
            raise InputError("top must be at least 1")
        if self.ensemble < 0 or self.ensemble == 1:
            raise InputError("ensemble must be 0 (none) or at least 2 members")
        if self.nested and self.nested_folds < 2:
            raise InputError("the nested estimate needs at least 2 outer folds")
        if self.scheduler:
            from core.compute.dask_backend import parse_scheduler

            parse_scheduler(self.scheduler)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["cv"] = self.cv.to_dict()
        return data


def _feasible(config: ScreenConfig, n: int) -> bool:
    """Whether every split of ``config`` (and of its nested estimate) can be made on n rows."""
    y = np.arange(n, dtype=float)
    try:
        config.cv.splits(y)
        if config.nested:
            if config.cv.kind == "extrapolation":
                outer = config.cv.splits(y)
            else:
                k = min(config.nested_folds, n // 2)
                if k < 2:
                    return False
                outer = list(KFold(k, shuffle=True, random_state=0).split(y))
            for train, _ in outer:
                config.cv.splits(y[train])
    except InputError:
        return False
    return True


def rows_needed(config: ScreenConfig) -> int:
    """The fewest rows on which ``config`` runs (CV folds, nested estimate, :data:`MIN_ROWS`)."""
    for n in range(MIN_ROWS, 500):
        if _feasible(config, n):
            return n
    return 500


def suggest_config(config: ScreenConfig, n_rows: int) -> ScreenConfig | None:
    """``config`` itself when it runs on ``n_rows``, else the nearest setting that does
    (fewer folds, then leave-one-out), or None below :data:`MIN_ROWS`."""
    if n_rows < MIN_ROWS:
        return None
    if _feasible(config, n_rows):
        return config
    tries = [replace(config, cv=replace(config.cv, k=k)) for k in range(config.cv.k - 1, 1, -1)
             if config.cv.kind in ("kfold", "repeated")]
    tries.append(replace(config, cv=CVScheme("loo", seed=config.cv.seed)))
    tries.append(replace(config, cv=CVScheme("loo", seed=config.cv.seed), nested_folds=min(config.nested_folds, 3)))
    return next((c for c in tries if _feasible(c, n_rows)), None)
