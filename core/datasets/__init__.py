"""Registry of the bundled datasets: pretraining sources and small example targets.

All data are read from installed PyPI packages (see ``requirements-data.txt``), never
downloaded from a data hub.  Parsed tables are cached on disk under a key made of the
source files' content hashes and the loader version, so a second load is fast.

Examples
--------
>>> from core import datasets
>>> spec = datasets.get("qm9_gap")            # doctest: +SKIP
>>> table = datasets.load("qm9_gap")          # columns: structure, target
"""

from __future__ import annotations


from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from core.cache import cached_table, file_digest
from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain
from core.errors import DataUnavailableError
from core.paths import package_file, package_version
from core.registry import Registry

DATASETS: Registry[DatasetSpec] = Registry("dataset")

#: Extra ways to locate a package's files (e.g. crabnet, read from a downloaded wheel).
LOCATORS: dict[str, Callable[[DatasetSpec], list[Path]]] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    """Add ``spec`` to the registry and return it."""
    DATASETS.add(spec.name, spec)
    return spec


def get(name: str) -> DatasetSpec:
    """The spec registered under ``name`` (InputError naming the choices otherwise)."""
    return DATASETS[name]


def list_datasets(domain: Domain | str | None = None, role: Role | str | None = None) -> list[DatasetSpec]:
    """Registered datasets, optionally filtered by domain and role."""
    specs = [spec for _, spec in DATASETS.items()]
    if domain is not None:
        domain = Domain.parse(domain)
        specs = [s for s in specs if s.domain == domain]
    if role is not None:
        role = Role(role)
        specs = [s for s in specs if s.role == role]
    return specs


def source_paths(spec: DatasetSpec) -> list[Path]:
    """The files a dataset is read from (raises DataUnavailableError if missing)."""
    if spec.package in LOCATORS:
        return LOCATORS[spec.package](spec)
    return [package_file(spec.package, rel) for rel in spec.files]


def load(name: str | DatasetSpec, *, refresh: bool = False) -> pd.DataFrame:
    """Load a dataset as a table with ``structure`` and ``target`` columns.

    The first call parses the source files (seconds to a minute for the largest); later
    calls read the cached table.  ``refresh`` forces a rebuild.
    """
    spec = name if isinstance(name, DatasetSpec) else get(name)
    key = {
        "dataset": spec.name,
        "version": spec.version,
        "package": spec.package,
        "package_version": package_version(spec.package),
        "files": [file_digest(p) for p in source_paths(spec)],
    }
    if refresh:
        key["refresh"] = np.random.default_rng().integers(1 << 62).item()
    table = cached_table(spec.name, key, lambda: _finalize(spec, spec.loader()))
    return table


def _finalize(spec: DatasetSpec, table: pd.DataFrame) -> pd.DataFrame:
    """Shared cleaning: string structures, finite float targets, a fresh index."""
    if "structure" not in table or "target" not in table:
        raise DataUnavailableError(f"loader of {spec.name} returned no structure/target columns")
    table = table.copy()
    table["structure"] = table["structure"].astype(str)
    table["target"] = pd.to_numeric(table["target"], errors="coerce").astype(float)
    table = table[np.isfinite(table["target"].to_numpy())]
    return table.reset_index(drop=True)


def aggregate_duplicates(table: pd.DataFrame, key: str = "structure") -> pd.DataFrame:
    """Average the target over rows with the same structure; keep the first of other columns."""
    if not table[key].duplicated().any():
        return table.reset_index(drop=True)
    agg = {col: "first" for col in table.columns if col not in (key, "target")}
    agg["target"] = "mean"
    return table.groupby(key, sort=False, as_index=False).agg(agg)[list(table.columns)]


def canonical_smiles(smiles: Iterable[str]) -> list[str | None]:
    """RDKit canonical SMILES for each input, None where RDKit cannot parse it."""
    from rdkit import Chem

    out: list[str | None] = []
    for text in smiles:
        mol = Chem.MolFromSmiles(str(text)) if isinstance(text, str) and text else None
        out.append(Chem.MolToSmiles(mol) if mol is not None else None)
    return out


__all__ = [
    "DATASETS",
    "DatasetSpec",
    "Role",
    "aggregate_duplicates",
    "canonical_smiles",
    "get",
    "list_datasets",
    "load",
    "register",
    "source_paths",
]

# Importing the loader modules fills the registry.
from core.datasets import (  # noqa: E402
    chemicals_properties,
    crabnet,
    matminer_data,
    molecule_examples,
    polymers,
    pymatgen_data,
    qm9,
)

for _module in (qm9, chemicals_properties, molecule_examples, crabnet, matminer_data, pymatgen_data, polymers):
    _module.register_all(register)
