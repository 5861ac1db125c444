"""What a working session handles: its dataset, the libraries it may use, screen presets.

This is the small amount of product logic the dashboard needs beyond the engine: turning
a validated table (uploaded or a bundled example) into a :class:`Dataset` that knows its
target, finding the model libraries on disk (the shipped one and the user's own, under
``user_libraries/``), and the named presets of the screen's settings.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from core.domains import Domain
from core.errors import InputError
from core.paths import REPO_ROOT, STARTER_LIBRARY_DIR, default_library_dir
from core.transfer.config import MIN_ROWS, ScreenConfig, rows_needed, suggest_config
from core.transfer.cv import CVScheme
from core.validation import ValidationReport

#: A bundled example per domain, for one-click starts.
EXAMPLES = {Domain.MOLECULE: "freesolv", Domain.INORGANIC: "steels_yield", Domain.POLYMER: "polymer_tg_common"}
#: Rows taken from an example by default: enough to learn from, quick to screen.
EXAMPLE_ROWS = 50


# ====================================================================== the session's data
@dataclass
class Dataset:
    """A validated table and the column to learn: what every page works on.

    Parameters
    ----------
    name : str
        Shown to the user and used to name runs (e.g. the file name or example).
    domain : Domain
    valid : DataFrame
        The valid rows (``structure``, the target column, ``line`` and maybe ``cif``).
    target : str
        The target column of ``valid``.
    unit : str
    origin : str
        ``upload`` or ``example``.
    report : ValidationReport, optional
        What validation found (absent for bundled examples, which are clean).
    """

    name: str
    domain: Domain
    valid: pd.DataFrame
    target: str
    unit: str = ""
    origin: str = "upload"
    report: ValidationReport | None = field(default=None, repr=False)

    @property
    def n_rows(self) -> int:
        return int(len(self.valid))

    @property
    def values(self) -> np.ndarray:
        return self.valid[self.target].to_numpy(dtype=float)

    def check(self) -> None:
        """InputError when the data cannot be screened (too few rows, constant target)."""
        self.to_target().check()

    def to_target(self):
        """The engine's :class:`~core.transfer.screen.Target`, named ``<dataset>: <column>``."""
        from core.transfer.screen import Target

        name = self.name if self.target == self.name else f"{self.name}: {self.target}"
        lines = self.valid["line"].astype(int).tolist() if "line" in self.valid else None
        return Target(self.valid["structure"].astype(str).tolist(), self.values, self.domain, name=name,
                      unit=self.unit, lines=lines)


def from_report(report: ValidationReport, name: str, target: str | None = None, unit: str | None = None) -> Dataset:
    """The dataset of a validation report (its first target unless one is named).

    ``unit`` defaults (None) to the unit written in the target's header (``Tg (K)`` gives K).
    """
    target = target or (report.detection.targets[0] if report.detection.targets else None)
    if target is None:
        raise InputError("choose a numeric target column")
    if report.n_valid == 0:
        raise InputError(f"no valid rows: every one of the {report.n_rows} rows has a problem (see the report)")
    unit = report.unit(target) if unit is None else str(unit).strip()
    return Dataset(name=name, domain=Domain(report.detection.domain), valid=report.valid, target=target, unit=unit,
                   origin="upload", report=report)


def load_example(name: str, rows: int | None = EXAMPLE_ROWS, seed: int = 0) -> Dataset:
    """A bundled example dataset, subsampled to ``rows`` with a fixed seed.

    Rows with the same structure are averaged first, as
    :func:`core.transfer.transferability.example_targets` does, so the same rows come out.
    """
    from core import datasets

    spec = datasets.get(name)
    table = datasets.aggregate_duplicates(datasets.load(spec)[["structure", "target"]])
    if rows and len(table) > rows:
        table = table.sample(rows, random_state=seed).reset_index(drop=True)
    column = spec.property
    valid = pd.DataFrame({"structure": table["structure"].astype(str), column: table["target"].astype(float),
                          "line": np.arange(2, len(table) + 2)})
    return Dataset(name=name, domain=spec.domain, valid=valid, target=column, unit=spec.unit, origin="example")


#: The preset the Transfer page starts with; the Data page warns when it cannot run.
DEFAULT_PRESET = "quick"


@dataclass(frozen=True)
class RowsAdvice:
    """What the Data page says about the number of valid rows.

    ``level`` is ``"error"`` when no screen can run (the data cannot be used) and
    ``"warning"`` when the default preset cannot run but Transfer will offer
    ``config``, the nearest setting that does (:func:`core.transfer.config.suggest_config`).
    """

    level: str
    message: str
    config: ScreenConfig | None = None


def rows_advice(n_valid: int, config: ScreenConfig | None = None) -> RowsAdvice | None:
    """None when ``config`` (default: the :data:`DEFAULT_PRESET`) runs on ``n_valid`` rows,
    else the error or the warning to show; the rule is :func:`core.transfer.config.rows_needed`."""
    config = config or screen_preset(DEFAULT_PRESET)
    rows = f"{n_valid} valid row{'s' if n_valid != 1 else ''}"
    suggestion = suggest_config(config, n_valid)
    if suggestion is None:
        return RowsAdvice("error", f"Only {rows}: at least {MIN_ROWS} are needed to rank models by cross-validation "
                                   f"(and 20 or more to learn anything useful).")
    if suggestion is config:
        return None
    return RowsAdvice("warning", f"Only {rows}: the default settings ({config.cv.label()} cross-validation"
                                 f"{' with the nested estimate' if config.nested else ''}) need at least "
                                 f"{rows_needed(config)}. Transfer will offer {suggestion.cv.label()} cross-validation "
                                 f"instead, which runs on {n_valid}; 20 rows or more give more reliable numbers.",
                      suggestion)


def check_rows(n_valid: int, config: ScreenConfig | None = None) -> str | None:
    """The message to show when no screen can run on ``n_valid`` rows, else None
    (see :func:`rows_advice` for the warning when only the default settings cannot)."""
    advice = rows_advice(n_valid, config)
    return advice.message if advice is not None and advice.level == "error" else None


# ====================================================================== libraries
@dataclass(frozen=True)
class LibraryRef:
    """A model library found on disk."""

    path: str
    name: str
    kind: str  # "starter", "default" (MDL_LIBRARY) or "user"
    models: int
    properties: int


def user_libraries_dir() -> Path:
    """Where libraries built from the user's own data go: ``MDL_USER_LIBRARIES`` or ``user_libraries/``."""
    return Path(os.environ.get("MDL_USER_LIBRARIES", REPO_ROOT / "user_libraries"))


def _ref(path: Path, kind: str) -> LibraryRef | None:
    from core.library import Library

    try:
        with Library(path) as lib:
            frame = lib.models(columns=["id", "source"])
            return LibraryRef(str(path), lib.name, kind, int(len(frame)), int(frame["source"].nunique()))
    except Exception:  # noqa: BLE001 - a broken folder is simply not offered
        return None


def available_libraries() -> list[LibraryRef]:
    """The default library first, then the shipped starter library, then the user's libraries."""
    seen, out = set(), []
    candidates = [(default_library_dir(), "default"), (STARTER_LIBRARY_DIR, "starter")]
    base = user_libraries_dir()
    if base.is_dir():
        candidates += [(p, "user") for p in sorted(base.iterdir()) if (p / "library.json").exists()]
    for path, kind in candidates:
        key = str(Path(path).resolve())
        if key in seen:
            continue
        ref = _ref(Path(path), "starter" if key == str(STARTER_LIBRARY_DIR.resolve()) else kind)
        if ref is not None:
            seen.add(key)
            out.append(ref)
    return out


def slug(text: str) -> str:
    """A safe folder name from free text."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text.strip()).strip("_")[:40]


def new_user_library(name: str) -> Path:
    """Path of a new library folder under :func:`user_libraries_dir` (InputError if taken)."""
    clean = slug(name)
    if not clean:
        raise InputError("give the library a name (letters, digits, - or _)")
    path = user_libraries_dir() / clean
    if path.exists() and any(path.iterdir()):
        raise InputError(f"a library called {clean!r} exists already; choose another name")
    return path


def library_manifest(path: str | Path) -> dict:
    """The manifest (library.json) of a library, or {} if unreadable."""
    try:
        return json.loads((Path(path) / "library.json").read_text())
    except (OSError, ValueError):
        return {}


# ====================================================================== screen presets
#: Named starting points for the screen; every value can be changed afterwards.
SCREEN_PRESETS: dict[str, dict] = {
    "quick": dict(top=5, nested_top=2, rf_trees=25),
    "standard": dict(),  # ScreenConfig's defaults, the CLI's too
    "thorough": dict(top=30, nested_top=8, nested_repeats=2, rf_trees=200, strategies=("rf", "bayes_ridge"),
                     baselines=("scratch_rf", "scratch_et", "scratch_mean", "scratch_ridge"), cv=CVScheme("repeated", k=5, repeats=3)),
}
PRESET_NOTES = {
    "quick": "the 5 best models refitted with a random forest of 25 trees, 2 refits per outer fold of the nested "
             "estimate; the fastest honest screen",
    "standard": "the 10 best refitted with a random forest, 3 refits per outer fold of the nested estimate "
                "(the CLI's defaults)",
    "thorough": "repeated 5-fold CV (3 times), random forest and Bayesian ridge on the 30 best, the nested "
                "estimate repeated twice; minutes",
}


def screen_preset(name: str, **changes) -> ScreenConfig:
    """The ScreenConfig of a preset, with ``changes`` applied."""
    if name not in SCREEN_PRESETS:
        raise InputError(f"unknown preset {name!r}; choose one of {', '.join(SCREEN_PRESETS)}")
    return replace(ScreenConfig(**SCREEN_PRESETS[name]), **changes)
