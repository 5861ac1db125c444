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
from core.transfer.cv import CVScheme
from core.transfer.screen import MIN_ROWS, ScreenConfig, Target
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

    def to_target(self) -> Target:
        """The engine's :class:`~core.transfer.screen.Target`, named ``<dataset>: <column>``."""
        name = self.name if self.target == self.name else f"{self.name}: {self.target}"
        return Target(self.valid["structure"].astype(str).tolist(), self.values, self.domain, name=name,
                      unit=self.unit)


def from_report(report: ValidationReport, name: str, target: str | None = None, unit: str = "") -> Dataset:
    """The dataset of a validation report (its first target unless one is named)."""
    target = target or (report.detection.targets[0] if report.detection.targets else None)
    if target is None:
        raise InputError("choose a numeric target column")
    if report.n_valid == 0:
        raise InputError(f"no valid rows: every one of the {report.n_rows} rows has a problem (see the report)")
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


def check_rows(n_valid: int) -> str | None:
    """The message to show when there are too few valid rows to screen, else None."""
    if n_valid < MIN_ROWS:
        return (f"Only {n_valid} valid row{'s' if n_valid != 1 else ''}: at least {MIN_ROWS} are needed to rank "
                f"models by cross-validation (and 20 or more to learn anything useful).")
    return None


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
    "quick": dict(top=5, nested=True, nested_folds=5, nested_top=2, rf_trees=50, ensemble=3,
                  strategies=("rf",), baselines=("scratch_rf",)),
    "standard": dict(top=20, nested=True, nested_folds=5, nested_top=5, rf_trees=100, ensemble=5,
                     strategies=("rf",), baselines=("scratch_rf",)),
    "thorough": dict(top=30, nested=True, nested_folds=5, nested_top=8, rf_trees=200, ensemble=5,
                     strategies=("rf", "bayes_ridge"), baselines=("scratch_rf", "scratch_ridge"),
                     cv=CVScheme("repeated", k=5, repeats=3)),
}
PRESET_NOTES = {
    "quick": "the 5 best models refitted with a random forest, nested estimate on 5 outer folds; under a minute "
             "for 50 rows on 2 cores",
    "standard": "the 20 best refitted, nested estimate with 5 refits per outer fold (the CLI's defaults)",
    "thorough": "repeated 5-fold CV (3 times), random forest and Bayesian ridge on the 30 best; minutes",
}


def screen_preset(name: str, **changes) -> ScreenConfig:
    """The ScreenConfig of a preset, with ``changes`` applied."""
    if name not in SCREEN_PRESETS:
        raise InputError(f"unknown preset {name!r}; choose one of {', '.join(SCREEN_PRESETS)}")
    return replace(ScreenConfig(**SCREEN_PRESETS[name]), **changes)
