"""Inorganic composition datasets shipped inside the crabnet 2.0.8 wheel.

crabnet declares Python < 3.11, so it is not installed: its wheel is fetched once with
``pip download --no-deps --ignore-requires-python crabnet==2.0.8`` into the cache (the
set-up command does this) and the CSVs are read straight out of the zip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from core.datasets.formulas import clean_formula_table
from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain
from core.errors import DataUnavailableError
from core.paths import cache_dir

PACKAGE = "crabnet"
VERSION = "2.0.8"
WHEEL = f"crabnet-{VERSION}-py3-none-any.whl"
LICENCE = "MIT (crabnet); underlying data: OQMD (CC BY 4.0), Materials Project (CC BY 4.0), AFLOW, matbench"
CRABNET = (
    "A. Y.-T. Wang, S. K. Kauwe, R. J. Murdock, T. D. Sparks, Compositionally restricted "
    "attention-based network for materials property predictions, npj Comput. Mater. 7, 77 (2021)"
)
MATBENCH = (
    "A. Dunn, Q. Wang, A. Ganose, D. Dopp, A. Jain, Benchmarking materials property prediction "
    "methods: the Matbench test set and Automatminer reference algorithm, npj Comput. Mater. 6, 138 (2020)"
)


def wheel_path(download: bool = True) -> Path:
    """Path of the crabnet wheel, downloading it from PyPI into the cache if needed.

    ``MDL_CRABNET_WHEEL`` points at an existing copy.
    """
    env = os.environ.get("MDL_CRABNET_WHEEL")
    if env:
        return Path(env)
    folder = cache_dir() / "wheels"
    path = folder / WHEEL
    if path.exists() or not download:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    print(f"fetching {WHEEL} from PyPI (once; about 35 MB) ...", file=sys.stderr)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--ignore-requires-python",
           "--quiet", f"crabnet=={VERSION}", "-d", str(folder)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not path.exists():
        raise DataUnavailableError(
            f"could not fetch {WHEEL} with pip (needed only for inorganic sources): "
            f"{result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'no output'}"
        )
    return path


def _locate(spec: DatasetSpec) -> list[Path]:
    return [wheel_path()]


def read_csvs(members: tuple[str, ...]) -> pd.DataFrame:
    """Concatenate CSV members of the wheel (formula, target)."""
    with zipfile.ZipFile(wheel_path()) as zf:
        frames = [pd.read_csv(zf.open(m)) for m in members]
    table = pd.concat(frames, ignore_index=True)
    return table.rename(columns={"formula": "structure"})[["structure", "target"]]


def _members(name: str) -> tuple[str, ...]:
    if name.endswith(".csv"):
        return (f"crabnet/data/matbench/{name}",)
    return tuple(f"crabnet/data/benchmark_data/{name}/{part}.csv" for part in ("train", "val", "test"))


def _loader(source: str, transform=None, lower=None, upper=None):
    def load() -> pd.DataFrame:
        table = read_csvs(_members(source))
        if transform is not None:
            table["target"] = transform(table["target"])
        table = table[np.isfinite(table["target"])]
        return clean_formula_table(table, lower=lower, upper=upper)

    return load


def _log10(values: pd.Series) -> pd.Series:
    return np.log10(values.where(values > 0))


# name, source, property, unit, rows, role, kwargs
_TABLE = [
    ("oqmd_formation_enthalpy", "OQMD_Formation_Enthalpy", "formation enthalpy (OQMD)", "eV/atom", 341_614,
     Role.SOURCE, dict(lower=-5, upper=5), "DFT (OQMD). Values outside [-5, 5] eV/atom dropped."),
    ("oqmd_bandgap", "OQMD_Bandgap", "band gap (OQMD)", "eV", 341_608, Role.SOURCE, {}, "DFT-PBE (OQMD)."),
    ("oqmd_volume_per_atom", "OQMD_Volume_per_atom", "volume per atom (OQMD)", "A^3/atom", 341_689,
     Role.SOURCE, dict(lower=5, upper=150), "DFT relaxed (OQMD). Outside [5, 150] A^3/atom dropped."),
    ("oqmd_energy_per_atom", "OQMD_Energy_per_atom", "total energy per atom (OQMD)", "eV/atom", 341_618,
     Role.SOURCE, dict(lower=-15, upper=0), "DFT (OQMD). Outside [-15, 0] eV/atom dropped."),
    ("mp_e_form", "mp_e_form.csv", "formation energy (Materials Project)", "eV/atom", 106_250,
     Role.SOURCE, {}, "DFT-PBE (matbench_mp_e_form); polymorphs averaged per formula."),
    ("mp_gap", "mp_gap.csv", "band gap (Materials Project)", "eV", 87_262, Role.SOURCE, {},
     "DFT-PBE (matbench_mp_gap); polymorphs averaged per formula."),
    ("mp_e_hull", "mp_e_hull", "energy above convex hull (Materials Project)", "eV/atom", 56_661,
     Role.SOURCE, {}, "DFT-PBE."),
    ("critexam_ed", "CritExam__Ed", "decomposition enthalpy", "eV/atom", 85_014, Role.SOURCE, {},
     "DFT (Bartel et al. critical examination set)."),
    ("aflow_egap", "aflow__Egap", "band gap (AFLOW)", "eV", 27_577, Role.SOURCE, {}, "DFT-PBE (AFLOW)."),
    ("aflow_energy_atom", "aflow__energy_atom", "total energy per atom (AFLOW)", "eV/atom", 27_569,
     Role.SOURCE, dict(lower=-15, upper=0), "DFT (AFLOW). Outside [-15, 0] eV/atom dropped."),
    ("aflow_bulk_modulus", "aflow__ael_bulk_modulus_vrh", "bulk modulus (AFLOW AEL, VRH)", "log10(GPa)",
     4_896, Role.SOURCE, dict(transform=_log10), "DFT elastic constants; heavy-tailed: learned as log10."),
    ("aflow_shear_modulus", "aflow__ael_shear_modulus_vrh", "shear modulus (AFLOW AEL, VRH)", "log10(GPa)",
     4_896, Role.SOURCE, dict(transform=_log10), "DFT elastic constants; heavy-tailed: learned as log10."),
    ("aflow_debye_temperature", "aflow__ael_debye_temperature", "Debye temperature (AFLOW AEL)", "K",
     4_896, Role.SOURCE, {}, "DFT elastic constants."),
    ("aflow_thermal_conductivity", "aflow__agl_thermal_conductivity_300K",
     "lattice thermal conductivity at 300 K (AFLOW AGL)", "log10(W/(m K))", 4_887, Role.SOURCE,
     dict(transform=_log10), "Debye-Gruneisen model; heavy-tailed: learned as log10."),
    ("aflow_thermal_expansion", "aflow__agl_thermal_expansion_300K",
     "thermal expansion coefficient at 300 K (AFLOW AGL)", "1e-5/K", 4_885, Role.SOURCE,
     dict(transform=lambda v: v * 1e5, lower=1e-6), "Debye-Gruneisen model; zero values dropped."),
    ("mp_log_bulk_modulus", "elasticity_log10(K_VRH).csv", "bulk modulus (Materials Project, VRH)",
     "log10(GPa)", 10_432, Role.SOURCE, {}, "DFT-PBE elastic tensors (matbench); polymorphs averaged."),
    ("mp_log_shear_modulus", "elasticity_log10(G_VRH).csv", "shear modulus (Materials Project, VRH)",
     "log10(GPa)", 10_432, Role.SOURCE, {}, "DFT-PBE elastic tensors (matbench); polymorphs averaged."),
    ("mp_refractive_index", "dielectric.csv", "refractive index (DFPT)", "dimensionless", 4_359,
     Role.SOURCE, {}, "DFPT (matbench_dielectric); polymorphs averaged."),
    ("perovskite_e_form", "castelli.csv", "perovskite heat of formation", "eV per 5-atom cell", 9_646,
     Role.SOURCE, {}, "DFT (Castelli et al., matbench_perovskites); polymorphs averaged."),
    ("mp_phonon_peak", "phonons.csv", "highest phonon DOS peak", "cm^-1", 1_223, Role.SOURCE, {},
     "DFPT (matbench_phonons); polymorphs averaged."),
    ("expt_gap", "expt_gap.csv", "experimental band gap (non-metals)", "eV", 2_154, Role.EXAMPLE,
     dict(lower=1e-6), "Measured (Zhuo et al., matbench_expt_gap); metals (gap 0) dropped."),
    ("steels_yield", "steels_yield.csv", "yield strength of steels", "MPa", 312, Role.EXAMPLE, {},
     "Measured (matbench_steels); compositions in atomic fractions."),
]


def register_all(register) -> None:
    """Register the crabnet-bundled datasets."""
    from core.datasets import LOCATORS

    LOCATORS[PACKAGE] = _locate
    for name, source, prop, unit, rows, role, kwargs, note in _TABLE:
        register(
            DatasetSpec(
                name=name,
                domain=Domain.INORGANIC,
                role=role,
                property=prop,
                unit=unit,
                expected_rows=rows,
                package=PACKAGE,
                files=_members(source),
                citation=f"{CRABNET}; {MATBENCH}",
                licence=LICENCE,
                loader=_loader(source, **kwargs),
                note=note,
                measured=role is Role.EXAMPLE,
            )
        )


#: Matbench v0.1 (Dunn et al., npj Comput. Mater. 6, 138 (2020)): the official folds are
#: ``KFold(5, shuffle=True, random_state=18012019)`` over each task's rows in file order.
MATBENCH_SEED = 18012019
MATBENCH_TASKS = {"matbench_steels": "steels_yield.csv", "matbench_expt_gap": "expt_gap.csv"}


def matbench_task(name: str) -> pd.DataFrame:
    """A Matbench task's table (``structure`` = composition, ``target``) in the file's row order."""
    if name not in MATBENCH_TASKS:
        raise KeyError(f"unknown Matbench task {name!r}; known: {', '.join(MATBENCH_TASKS)}")
    return read_csvs((f"crabnet/data/matbench/{MATBENCH_TASKS[name]}",))


def matbench_folds(table: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """The official (train, test) index pairs of a Matbench v0.1 task."""
    from sklearn.model_selection import KFold

    return list(KFold(5, shuffle=True, random_state=MATBENCH_SEED).split(table))
