"""Experimental formation enthalpies shipped with pymatgen (its compatibility data)."""

from __future__ import annotations

import gzip
import json

import pandas as pd

from core.datasets.formulas import clean_formula_table
from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain
from core.paths import package_file

PACKAGE = "pymatgen"
FILE = "pymatgen/analysis/compatibility/exp_compounds.json.gz"
CITATION = (
    "Experimental formation enthalpies compiled for the Materials Project correction scheme "
    "(A. Wang et al., Sci. Rep. 11, 15496 (2021)); shipped with pymatgen (S. P. Ong et al., "
    "Comput. Mater. Sci. 68, 314 (2013))"
)


def _load() -> pd.DataFrame:
    from pymatgen.core import Composition

    with gzip.open(package_file(PACKAGE, FILE)) as fh:
        records = json.load(fh)
    rows = []
    for rec in records:
        comp = Composition(rec["formula"])
        rows.append({"structure": rec["formula"], "target": rec["exp energy"] / comp.num_atoms,
                     "uncertainty": rec.get("uncertainty", float("nan")) / comp.num_atoms})
    return clean_formula_table(pd.DataFrame(rows))


def register_all(register) -> None:
    """Register the pymatgen-bundled dataset."""
    register(
        DatasetSpec(
            name="exp_formation_enthalpy", domain=Domain.INORGANIC, role=Role.EXAMPLE,
            property="experimental formation enthalpy", unit="eV/atom", expected_rows=2_135,
            package=PACKAGE, files=(FILE,), citation=CITATION, licence="MIT (pymatgen)",
            loader=_load, measured=True,
            note="Measured at 298 K; per formula unit values divided by atoms per formula unit.",
        )
    )
