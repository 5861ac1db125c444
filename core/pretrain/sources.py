"""Source data for pretraining: a registered dataset or a user's own table.

Both are presented as a :class:`SourceData`: a table of structures and targets plus the
provenance that goes into every model card.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.domains import Domain
from core.paths import package_version


@dataclass
class SourceData:
    """A pretraining source: its table and the provenance written into model cards."""

    name: str
    domain: Domain
    property: str
    unit: str
    table: pd.DataFrame = field(repr=False)
    provenance: dict = field(default_factory=dict)

    def card_entry(self, rows_used: int) -> dict:
        return {"dataset": self.name, "domain": self.domain.value, "property": self.property, "unit": self.unit,
                "rows_available": int(len(self.table)), "rows_used": int(rows_used), **self.provenance}


#: Valid rows a user's source table needs before pretraining on it is worth it (80/10/10
#: splits leave 5 test rows at 50).
MIN_SOURCE_ROWS = 50


def from_registry(name: str) -> SourceData:
    """A registered dataset as pretraining source."""
    from core import datasets

    spec = datasets.get(name)
    version = package_version(spec.package)
    if version is None and spec.package == "crabnet":
        from core.datasets.crabnet import VERSION

        version = f"{VERSION} (wheel, not installed)"
    provenance = {"package": spec.package, "package_version": version,
                  "citation": spec.citation, "licence": spec.licence, "note": spec.note,
                  "estimate": spec.estimate, "measured": spec.measured, "kind": "bundled"}
    return SourceData(spec.name, spec.domain, spec.property, spec.unit, datasets.load(spec), provenance)


def save_user_source(folder: Path, name: str, domain: Domain, prop: str, unit: str, table: pd.DataFrame,
                     note: str = "") -> Path:
    """Store a user's validated table (structure, target, and the file's ``line`` when
    given, so that a build names the lines it leaves out) inside a library for building."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    table[[c for c in ("structure", "target", "line") if c in table.columns]].to_parquet(path, index=False)
    meta = {"name": name, "domain": domain.value, "property": prop, "unit": unit, "note": note,
            "kind": "user", "estimate": False, "measured": True, "citation": "user data", "licence": "user data"}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return path


def from_file(path: str | Path) -> SourceData:
    """A user source saved by :func:`save_user_source`."""
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    table = pd.read_parquet(path)
    provenance = {k: meta[k] for k in ("note", "kind", "estimate", "measured", "citation", "licence")}
    provenance["file"] = path.name
    return SourceData(meta["name"], Domain(meta["domain"]), meta["property"], meta["unit"], table, provenance)


def load_source(ref: dict) -> SourceData:
    """``{"dataset": NAME}`` or ``{"file": PATH}``."""
    return from_registry(ref["dataset"]) if "dataset" in ref else from_file(ref["file"])


def sample_and_split(n_rows: int, max_rows: int, seed: int) -> dict[str, np.ndarray]:
    """Row indices of train/val/test (80/10/10) after sampling at most ``max_rows``.

    The permutation depends on the seed and the table length only, so sources with the
    same rows (the QM9 properties) get the same molecules.
    """
    order = np.random.default_rng([seed, 0]).permutation(n_rows)[:max_rows]
    n = len(order)
    n_val = max(1, int(round(0.1 * n)))
    n_test = max(1, int(round(0.1 * n)))
    return {"train": order[: n - n_val - n_test], "val": order[n - n_val - n_test : n - n_test],
            "test": order[n - n_test :]}


