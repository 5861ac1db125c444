"""Inorganic datasets shipped inside matminer 0.10.1: electronic transport and optics."""

from __future__ import annotations

import tarfile
import warnings

import numpy as np
import pandas as pd

from core.datasets.formulas import clean_formula_table
from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain
from core.paths import cache_dir, package_file

PACKAGE = "matminer"
TRANSPORT = "matminer/utils/data_files/mp_transport/transport_database.tar.xz"
OPTICAL = "matminer/utils/data_files/optical_polyanskiy/database.tar.xz"
RICCI = (
    "F. Ricci et al., An ab initio electronic transport database for inorganic materials, "
    "Sci. Data 4, 170085 (2017); via matminer (L. Ward et al., Comput. Mater. Sci. 152, 60 (2018))"
)
POLYANSKIY = (
    "M. N. Polyanskiy, refractiveindex.info database (CC0); via matminer "
    "(L. Ward et al., Comput. Mater. Sci. 152, 60 (2018))"
)
LICENCE_T = "BSD (matminer); data CC BY 4.0 (Ricci et al.)"
LICENCE_O = "BSD (matminer); data CC0 (refractiveindex.info)"


def transport_table() -> pd.DataFrame:
    """The raw BoltzTraP table (47,737 rows), read from the tar.xz without unpacking it."""
    with tarfile.open(package_file(PACKAGE, TRANSPORT), mode="r:xz") as tar:
        member = tar.extractfile("transport_database.csv")
        return pd.read_csv(member)


def _transport(column: str, log: bool):
    def load() -> pd.DataFrame:
        raw = transport_table()
        values = raw[column].astype(float)
        if log:
            values = np.log10(values.where(values > 0))
        table = pd.DataFrame({"structure": raw["pretty_formula"], "target": values})
        return clean_formula_table(table[np.isfinite(table["target"])])

    return load


_TRANSPORT = [
    ("transport_log_sigma_p", "sigma_p", True, "p-type electrical conductivity", "log10(1/(Ohm m))"),
    ("transport_log_sigma_n", "sigma_n", True, "n-type electrical conductivity", "log10(1/(Ohm m))"),
    ("transport_seebeck_p", "S_p", False, "p-type Seebeck coefficient", "uV/K"),
    ("transport_seebeck_n", "S_n", False, "n-type Seebeck coefficient", "uV/K"),
    ("transport_log_kappa_p", "kappa_p", True, "p-type electronic thermal conductivity", "log10(W/(m K))"),
    ("transport_log_pf_p", "PF_p", True, "p-type thermoelectric power factor", "log10(uW/(cm K^2))"),
    ("transport_log_mass_p", "m_p", True, "hole effective mass", "log10(m_e)"),
    ("transport_log_mass_n", "m_n", True, "electron effective mass", "log10(m_e)"),
]

OPTICAL_WAVELENGTH_NM = 589


def optical_table() -> pd.DataFrame:
    """Refractive index and extinction at 589 nm of every compound with visible-range data.

    Uses matminer's own reader of the refractiveindex.info files (dispersion formulas and
    tabulated n, k), which writes its working copy under our cache directory.
    """
    from matminer.utils.data import OpticalData

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = OpticalData(props=["refractive", "extinction"], method="exact",
                           saving_dir=str(cache_dir() / "matminer_optical")).data
    col = f"{OPTICAL_WAVELENGTH_NM}.0"
    return pd.DataFrame({"structure": data.index.astype(str), "n": data[f"n_{col}"].to_numpy(),
                         "k": data[f"k_{col}"].to_numpy()})


def _optical() -> pd.DataFrame:
    table = optical_table()
    transparent = table[(table["k"] < 0.1) & (table["n"] >= 1.0)]
    table = pd.DataFrame({"structure": transparent["structure"], "target": transparent["n"]})
    return clean_formula_table(table)


def register_all(register) -> None:
    """Register the matminer-bundled datasets."""
    for name, column, log, prop, unit in _TRANSPORT:
        register(
            DatasetSpec(
                name=name, domain=Domain.INORGANIC, role=Role.SOURCE, property=prop, unit=unit,
                expected_rows=34_631, package=PACKAGE, files=(TRANSPORT,),
                citation=RICCI, licence=LICENCE_T, loader=_transport(column, log),
                note=("DFT + BoltzTraP at 300 K, constant relaxation time (Ricci et al.); values as "
                      "tabulated by matminer" + ("; heavy-tailed: learned as log10" if log else "")
                      + "; entries of the same formula averaged."),
            )
        )
    register(
        DatasetSpec(
            name="optical_refractive_index", domain=Domain.INORGANIC, role=Role.EXAMPLE,
            property=f"refractive index at {OPTICAL_WAVELENGTH_NM} nm (transparent compounds)",
            unit="dimensionless", expected_rows=88, package=PACKAGE, files=(OPTICAL,),
            citation=POLYANSKIY, licence=LICENCE_O, loader=_optical, measured=True,
            note=("Measured n at 589 nm from refractiveindex.info; only compounds with extinction "
                  "k < 0.1 (transparent: metals dropped); several sources per compound averaged."),
        )
    )
