"""QM9 (134k small organic molecules, DFT B3LYP/6-31G(2df,p)) from the qm9pack package.

Total energies are turned into atomization energies per atom with the isolated-atom
reference energies of the QM9 paper, and every size-extensive property (heat capacity,
polarizability, ZPVE, <R^2>) also gets intensive variants per atom, per gram and per
McGowan volume: a polymer repeat unit is a piece of an endless chain, so only intensive
quantities transfer to it (see DESIGN.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cache import cached_table, file_digest
from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain
from core.paths import package_file

PACKAGE = "qm9pack"
FILES = tuple(f"qm9pack/data/qm9_part{i}.csv" for i in (1, 2, 3))
CITATION = (
    "R. Ramakrishnan, P. O. Dral, M. Rupp, O. A. von Lilienfeld, Quantum chemistry structures "
    "and properties of 134 kilo molecules, Sci. Data 1, 140022 (2014)"
)
LICENCE = "MIT (qm9pack); QM9 data CC0"
ROWS = 130_831
HARTREE_EV = 27.211386245988

# Stoichiometry column order in qm9pack: H, C, N, O, F.
ELEMENTS = ("H", "C", "N", "O", "F")
#: Standard atomic weights (IUPAC 2013 conventional values), g/mol.
ATOMIC_MASS = np.array([1.008, 12.011, 14.007, 15.999, 18.998])
#: Isolated-atom energies (Ha) at B3LYP/6-31G(2df,p), from the QM9 paper's atomref table.
ATOM_REF = {
    "U0": np.array([-0.500273, -37.846772, -54.583861, -75.064579, -99.718730]),
    "U": np.array([-0.498857, -37.845355, -54.582445, -75.063162, -99.717314]),
    "H": np.array([-0.497912, -37.844411, -54.581501, -75.062219, -99.716370]),
    "G": np.array([-0.510927, -37.861317, -54.598897, -75.079532, -99.733544]),
}
#: McGowan characteristic volume: atom increments in cm^3/mol, minus 6.56 per bond
#: (M. H. Abraham, J. C. McGowan, Chromatographia 23, 243 (1987)).
MCGOWAN_ATOM = np.array([8.71, 16.35, 14.39, 12.43, 10.48])
MCGOWAN_BOND = 6.56

_RAW_COLUMNS = {
    "SMILES": "smiles",
    "N_atoms": "n_atoms",
    "Stoichiometry": "stoichiometry",
    "Dipole_debye": "mu",
    "Polarizability_bohr3": "alpha",
    "HOMO_au": "homo",
    "LUMO_au": "lumo",
    "HOMO_LUMO_gap_au": "gap",
    "R2_bohr2": "r2",
    "ZPVE_au": "zpve",
    "InternalEnergy_0K_au": "U0",
    "InternalEnergy_298K_au": "U",
    "Enthalphy_298K_au": "H",
    "GibbsFreeEnergy_298K_au": "G",
    "Heatcapacity_Cv_cal_mol_K": "cv",
    "RotC_GHz": "rot_c",
}


def raw_table() -> pd.DataFrame:
    """All QM9 rows with parsed counts, mass, McGowan volume and canonical SMILES (cached)."""
    paths = [package_file(PACKAGE, f) for f in FILES]
    key = {"qm9_raw": 2, "files": [file_digest(p) for p in paths]}
    return cached_table("qm9_raw", key, lambda: _parse(paths))


def _parse(paths) -> pd.DataFrame:
    from rdkit import Chem

    parts = [pd.read_csv(p, usecols=list(_RAW_COLUMNS)) for p in paths]
    raw = pd.concat(parts, ignore_index=True).rename(columns=_RAW_COLUMNS)
    counts = np.array([np.fromstring(s.strip("[]"), sep=",") for s in raw["stoichiometry"]])
    canon, rings = [], []
    for smi in raw["smiles"]:
        mol = Chem.MolFromSmiles(smi)
        canon.append(Chem.MolToSmiles(mol) if mol is not None else None)
        rings.append(mol.GetRingInfo().NumRings() if mol is not None else 0)
    raw["structure"] = canon
    raw["mass"] = counts @ ATOMIC_MASS
    n_atoms = counts.sum(axis=1)
    n_bonds = n_atoms - 1 + np.array(rings)
    raw["volume"] = counts @ MCGOWAN_ATOM - MCGOWAN_BOND * n_bonds
    for name, ref in ATOM_REF.items():
        raw[f"{name}_atom"] = (raw[name] - counts @ ref) * HARTREE_EV / n_atoms
    raw["n_atoms"] = n_atoms
    return raw.drop(columns=["stoichiometry", "smiles"])


def _column(expr):
    def loader() -> pd.DataFrame:
        raw = raw_table()
        return pd.DataFrame({"structure": raw["structure"], "target": expr(raw)}).dropna()

    return loader


def _spec(name, prop, unit, expr, *, note="", extensive=False, version="1") -> DatasetSpec:
    return DatasetSpec(
        name=name,
        domain=Domain.MOLECULE,
        role=Role.SOURCE,
        property=prop,
        unit=unit,
        expected_rows=ROWS,
        package=PACKAGE,
        files=FILES,
        citation=CITATION,
        licence=LICENCE,
        loader=_column(expr),
        note=("DFT B3LYP/6-31G(2df,p). " + note).strip(),
        extensive=extensive,
        version=version,
    )


def _specs() -> list[DatasetSpec]:
    ev = HARTREE_EV
    return [
        _spec("qm9_mu", "dipole moment", "D", lambda r: r["mu"]),
        _spec("qm9_alpha", "isotropic polarizability", "bohr^3", lambda r: r["alpha"], extensive=True),
        _spec("qm9_alpha_per_atom", "polarizability per atom", "bohr^3/atom",
              lambda r: r["alpha"] / r["n_atoms"], note="Intensive variant of qm9_alpha."),
        _spec("qm9_alpha_per_volume", "polarizability per McGowan volume", "bohr^3/(cm^3/mol)",
              lambda r: r["alpha"] / r["volume"],
              note="Intensive variant of qm9_alpha; relates to refractive index (Lorentz-Lorenz)."),
        _spec("qm9_homo", "HOMO energy", "eV", lambda r: r["homo"] * ev),
        _spec("qm9_lumo", "LUMO energy", "eV", lambda r: r["lumo"] * ev),
        _spec("qm9_gap", "HOMO-LUMO gap", "eV", lambda r: r["gap"] * ev),
        _spec("qm9_r2", "electronic spatial extent <R^2>", "log10(bohr^2)",
              lambda r: np.log10(r["r2"]), extensive=True, note="Heavy-tailed: learned as log10."),
        _spec("qm9_r2_per_atom", "electronic spatial extent per atom", "bohr^2/atom",
              lambda r: r["r2"] / r["n_atoms"], note="Intensive variant of qm9_r2."),
        _spec("qm9_zpve", "zero-point vibrational energy", "eV", lambda r: r["zpve"] * ev, extensive=True),
        _spec("qm9_zpve_per_atom", "zero-point vibrational energy per atom", "meV/atom",
              lambda r: r["zpve"] * ev * 1000 / r["n_atoms"], note="Intensive variant of qm9_zpve."),
        _spec("qm9_zpve_per_mass", "zero-point vibrational energy per mass", "meV/(g/mol)",
              lambda r: r["zpve"] * ev * 1000 / r["mass"], note="Intensive variant of qm9_zpve."),
        _spec("qm9_u0_atom", "atomization energy at 0 K per atom", "eV/atom", lambda r: r["U0_atom"],
              note="U0 minus isolated-atom energies, divided by the number of atoms."),
        _spec("qm9_g_atom", "atomization free energy at 298 K per atom", "eV/atom", lambda r: r["G_atom"],
              note="G minus isolated-atom free energies, divided by the number of atoms."),
        _spec("qm9_h_atom", "atomization enthalpy at 298 K per atom", "eV/atom", lambda r: r["H_atom"],
              note="H minus isolated-atom enthalpies, divided by the number of atoms."),
        _spec("qm9_cv", "heat capacity at 298 K", "cal/(mol K)", lambda r: r["cv"], extensive=True),
        _spec("qm9_cv_per_atom", "heat capacity per atom", "cal/(mol K atom)",
              lambda r: r["cv"] / r["n_atoms"], note="Intensive variant of qm9_cv."),
        _spec("qm9_cv_per_mass", "specific heat capacity", "J/(g K)",
              lambda r: r["cv"] * 4.184 / r["mass"],
              note="Intensive variant of qm9_cv (Cv / molar mass); transfers to polymer specific heat."),
        _spec("qm9_cv_per_volume", "heat capacity per McGowan volume", "J/(cm^3 K)",
              lambda r: r["cv"] * 4.184 / r["volume"], note="Intensive variant of qm9_cv."),
        _spec("qm9_rot_c", "rotational constant C", "log10(GHz)",
              lambda r: np.log10(r["rot_c"].where(r["rot_c"] > 0)),
              note="Heavy-tailed: learned as log10; linear molecules (C = 0) are dropped."),
    ]


def coordinates(smiles: str) -> tuple[list[str], np.ndarray] | None:
    """QM9's own relaxed geometry (elements, xyz in angstrom) of a molecule, or None."""
    import ast

    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    canon = Chem.MolToSmiles(mol)
    table = _xyz_table()
    hit = table.loc[table["structure"] == canon]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return ast.literal_eval(row["elements"]), np.array(ast.literal_eval(row["xyz"]), dtype=float)


def _xyz_table() -> pd.DataFrame:
    paths = [package_file(PACKAGE, f) for f in FILES]
    key = {"qm9_xyz": 1, "files": [file_digest(p) for p in paths]}

    def build():
        parts = [pd.read_csv(p, usecols=["Elements", "XYZ_Ang"]) for p in paths]
        xyz = pd.concat(parts, ignore_index=True)
        return pd.DataFrame(
            {"structure": raw_table()["structure"], "elements": xyz["Elements"], "xyz": xyz["XYZ_Ang"]}
        )

    return cached_table("qm9_xyz", key, build)


def register_all(register) -> None:
    """Register every QM9 dataset with ``register``."""
    for spec in _specs():
        register(spec)
