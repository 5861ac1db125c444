"""Description of one bundled dataset: where it comes from, what it measures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Callable

import pandas as pd

from core.domains import IDENTIFIER, Domain


class Role(str, Enum):
    """What a dataset is for."""

    SOURCE = "source"  # plenty of data, used to pretrain library models
    EXAMPLE = "example"  # a small real target for demos, tests and benchmarks


@dataclass(frozen=True)
class DatasetSpec:
    """One bundled dataset.

    Every loader returns a table with a ``structure`` column (SMILES, repeat unit or
    formula, by ``domain``) and a float ``target`` column; it may add columns such as
    ``name``.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"qm9_gap"``.
    domain, role : Domain, Role
    property : str
        Human-readable property, e.g. ``"HOMO-LUMO gap"``.
    unit : str
        Unit of ``target`` after any transform, e.g. ``"eV"`` or ``"log10(S/m)"``.
    expected_rows : int
        Row count after loading and cleaning, as documented and tested.
    package, files : str, tuple of str
        The PyPI distribution and the files inside it the data is read from.
    citation, licence : str
    note : str
        Caveats: estimates, transforms, dropped rows.
    estimate : bool
        True when the values are model estimates rather than measurements or first-
        principles calculations (e.g. group-contribution values).
    extensive : bool
        True for size-extensive properties (grow with the molecule), for which the
        library also offers intensive variants.
    loader : callable
        Builds the table; called through :func:`core.datasets.load` which caches it.
    version : str
        Loader version; bump it to invalidate cached tables.
    """

    name: str
    domain: Domain
    role: Role
    property: str
    unit: str
    expected_rows: int
    package: str
    files: tuple[str, ...]
    citation: str
    licence: str
    loader: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    note: str = ""
    estimate: bool = False
    extensive: bool = False
    measured: bool = False
    version: str = "1"

    @property
    def identifier(self) -> str:
        """What the structure column holds (SMILES, repeat unit, formula)."""
        return IDENTIFIER[self.domain]

    def to_dict(self) -> dict:
        """JSON-friendly description (without the loader)."""
        data = asdict(self)
        data.pop("loader")
        data["domain"] = self.domain.value
        data["role"] = self.role.value
        data["files"] = list(self.files)
        data["identifier"] = self.identifier
        return data
