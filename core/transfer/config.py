"""The settings of a screen (:class:`ScreenConfig`) and the one rule for how many rows they need."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from core.errors import InputError
from core.transfer.cv import CVScheme

#: Fewest valid rows any screen accepts.
MIN_ROWS = 8
#: Stage-1 ridge penalties, relative to the mean eigenvalue of each model's centred Gram matrix.
DEFAULT_PENALTIES = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)


@dataclass
class ScreenConfig:
    """Every choice of a screen (the CLI and the dashboard fill this one object).

    Parameters
    ----------
    cv : CVScheme
        Folds for ranking (default 5-fold); its seed is always ``seed``.
    strategies : tuple of str
        Stage-2 strategies refitted on the top models (see core.transfer.strategies).
    baselines : tuple of str
        Scratch baselines besides the closed-form raw ridge (``scratch_rf``, ``scratch_et``,
        ``scratch_mean``, ``scratch_ridge``, ``scratch_net``).
    layers : int
        Last hidden layers used as frozen features (1, 2 or 3).
    top : int
        Models refitted in stage 2.
    ensemble : int
        Most members of the ensemble a procedure delivers: the best candidates whose CV
        MAE is within one standard error of the best one, at least two (1 delivers the
        single best).
    nested : bool
        Compute the nested estimates (of the full procedure and of a scratch-only one)
        that decide whether transfer helps and which model is recommended.
    nested_folds, nested_top, nested_repeats : int
        Outer folds of the nested estimate, models refitted in stage 2 inside each, and
        repetitions of the outer folds with new shuffles.
    controls : bool
        Screen random-weight twins of the nets (the random-network control).
    representations : bool
        Also screen the pretrained representations of the libraries (Chemprop, CHGNet,
        element embeddings; see :mod:`core.library.representations`).
    overlap : {"warn", "exclude"}
        A representation whose training data contain some of the target's structures is
        screened with a warning, or left out.
    level : float
        Coverage of the prediction intervals (0.9: 90%).
    search, sources, model_ids, model_domains : filters on the candidate models
    combos : bool
        Also score frozen features together with the raw descriptor.
    cross_domain : bool
        Allow molecule models on polymers and polymer models on molecules.
    """

    cv: CVScheme = field(default_factory=CVScheme)
    strategies: tuple[str, ...] = ("rf",)
    baselines: tuple[str, ...] = ("scratch_rf", "scratch_et", "scratch_mean")
    layers: int = 1
    top: int = 10
    ensemble: int = 5
    nested: bool = True
    nested_folds: int = 5
    nested_top: int = 3
    nested_repeats: int = 1
    controls: bool = True
    representations: bool = True
    overlap: str = "warn"
    level: float = 0.9
    search: str | None = None
    sources: tuple[str, ...] | None = None
    model_ids: tuple[str, ...] | None = None
    model_domains: tuple[str, ...] | None = None
    combos: bool = True
    cross_domain: bool = True
    penalties: tuple[float, ...] = DEFAULT_PENALTIES
    rf_trees: int = 50  # measured: within 0.5% of 300 trees' held-out error on the examples, 2x faster than 100
    device: str = "auto"
    seed: int = 0
    scheduler: str | None = None  # Dask: "local[:N]" or "tcp://host:port" runs stage 1 on a cluster

    def __post_init__(self) -> None:
        # one seed fixes everything: the folds follow ``seed`` whatever seed ``cv`` was built with
        if self.cv.seed != self.seed:
            self.cv = replace(self.cv, seed=self.seed)

    def check(self) -> None:
        """InputError for settings that cannot work."""
        from core.transfer.strategies import BASELINES, STRATEGIES  # torch and scikit-learn: only when checked

        for name in self.strategies:
            if name == "ridge":
                raise InputError("ridge on frozen features is scored for every model in stage 1; it is not a "
                                 "stage-2 strategy (choose rf, bayes_ridge, gp, finetune_last or finetune_all)")
            STRATEGIES[name]
        for name in self.baselines:
            BASELINES[name]
        if self.layers not in (1, 2, 3):
            raise InputError("layers must be 1, 2 or 3")
        if self.top < 1 or self.nested_top < 1:
            raise InputError("top must be at least 1")
        if self.ensemble < 1:
            raise InputError("ensemble must be at least 1 (1 delivers the single best candidate)")
        if self.nested and self.nested_folds < 2:
            raise InputError("the nested estimate needs at least 2 outer folds")
        if self.nested_repeats < 1:
            raise InputError("nested_repeats must be at least 1")
        if self.overlap not in ("warn", "exclude"):
            raise InputError("overlap must be 'warn' or 'exclude'")
        if not 0.5 <= self.level < 1:
            raise InputError("the interval level must be between 0.5 and 1 (e.g. 0.9 for 90%)")
        if self.scheduler:
            from core.compute.dask_backend import parse_scheduler

            parse_scheduler(self.scheduler)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["cv"] = self.cv.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ScreenConfig":
        """Inverse of :meth:`to_dict` (unknown keys of other versions are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["cv"] = CVScheme(**{k: v for k, v in dict(data.get("cv") or {}).items() if k != "label"})
        for key in ("strategies", "baselines", "penalties", "sources", "model_ids", "model_domains"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        values["strategies"] = tuple(s for s in values.get("strategies", ()) if s != "ridge")
        values["ensemble"] = max(1, int(values.get("ensemble", 5)))
        return cls(**values)

    def outer_splits(self, y: np.ndarray, groups=None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Outer folds of the nested estimate (the CV's own split in extrapolation mode)."""
        if not self.nested:
            return []
        if self.cv.kind == "extrapolation":
            return self.cv.splits(y, groups)
        n_groups = len(set(groups)) if groups is not None else len(y)
        k = max(2, min(self.nested_folds, n_groups // 2))
        kind = "repeated" if self.nested_repeats > 1 else "kfold"
        return CVScheme(kind, k=k, repeats=self.nested_repeats, seed=self.seed + 1).splits(y, groups)


def _feasible(config: ScreenConfig, n: int) -> bool:
    """Whether every split of ``config`` (and of its nested estimate) can be made on n rows."""
    y = np.arange(n, dtype=float)
    try:
        config.cv.splits(y)
        for train, _ in config.outer_splits(y):
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
