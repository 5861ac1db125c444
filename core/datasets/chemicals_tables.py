"""The ``chemicals`` package's property tables: where they are, how they are read, merged.

``chemicals`` ships some sixty tables keyed by CAS number.  They are read here directly
with pandas (the package itself is never imported: its dependency ``fluids`` is not
installed).  For each property a few curated tables are merged in a stated priority
order, the first plausible value per CAS winning; a CAS whose chosen value is contradicted
by the other measured sources is dropped.  The merged values are joined to structures
through :mod:`core.datasets.chemicals_identifiers`, and rows with the same canonical SMILES
are averaged.

Left out on purpose: every predicted table (Joback, Wilson-Jasperson, Fedors,
omega-from-Psat, psi4 dipoles, the combustion-property networks) and CAS Common
Chemistry (CC BY-NC).  Values from the Yaws collection, partly estimated, are kept but
flagged in a boolean ``yaws`` column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.datasets.chemicals_identifiers import (
    PACKAGE,
    formula_key,
    identifier_table,
    normalize_cas,
    organic_structures,
)
from core.paths import package_file

#: Predicted or non-commercial tables that must never be used (file-name fragments).
EXCLUDED = (
    "joback_predictions",
    "wilson_jasperson_",
    "fedors_",
    "omega_Psat_Tc_predictions",
    "psi4_dipoles",
    "Travis_Kessler_Combustdb_predictions",
    "Florian_Liming_RON_MON_ANN",
    "common_chemistry_data",
)
_CRC = "W. M. Haynes (ed.), CRC Handbook of Chemistry and Physics, 95th ed., CRC Press (2014)"
_WEBBOOK = "P. J. Linstrom, W. G. Mallard (eds.), NIST Chemistry WebBook, SRD 69, doi:10.18434/T4M88Q"
_WIKIDATA = "Wikidata, https://www.wikidata.org"
_YAWS = "C. L. Yaws, Thermophysical Properties of Chemicals and Hydrocarbons, 2nd ed., Gulf (2014)"
_HEOS = "M. L. Huber et al., The NIST REFPROP database, Ind. Eng. Chem. Res. 61, 15449 (2022)"
_POLING = "B. E. Poling, J. M. Prausnitz, J. P. O'Connell, The Properties of Gases and Liquids, 5th ed."
_VOM_LEHN_ON = "F. vom Lehn et al., Fuel 281, 118772 (2020)"
_JANAF = "M. W. Chase, NIST-JANAF Thermochemical Tables, 4th ed., J. Phys. Chem. Ref. Data Monogr. 9 (1998)"

#: label -> (file below ``chemicals/``, reference of the underlying data).
TABLES: dict[str, tuple[str, str]] = {
    "CRC organics": ("Misc/Physical Constants of Organic Compounds.csv", _CRC),
    "Open Notebook": (
        "Phase Change/OpenNotebook Melting Points.tsv",
        "J.-C. Bradley, A. Williams, A. Lang, Jean-Claude Bradley Open Melting Point Dataset, "
        "figshare (2014), doi:10.6084/m9.figshare.1031637",
    ),
    "NIST WebBook": ("Misc/webbook_constants.tsv", _WEBBOOK),
    "Wikidata": ("Misc/wikidata_properties.tsv", _WIKIDATA),
    "HEOS": ("Misc/heos_constants.tsv", _HEOS),
    "Yaws Tb": ("Phase Change/Yaws Boiling Points.tsv", _YAWS),
    "IUPAC critical": (
        "Critical Properties/IUPACOrganicCriticalProps.tsv",
        "D. Ambrose, C. Tsonopoulos et al., Vapor-liquid critical properties of elements and "
        "compounds, parts 1-12, J. Chem. Eng. Data (1995-2015)",
    ),
    "CRC critical": ("Critical Properties/CRCCriticalOrganics.tsv", _CRC),
    "PSRK": (
        "Critical Properties/Appendix to PSRK Revision 4.tsv",
        "S. Horstmann et al., PSRK group contribution equation of state, revision IV, Fluid "
        "Phase Equilib. 227, 157 (2005)",
    ),
    "Passut-Danner": (
        "Critical Properties/PassutDanner1973.tsv",
        "C. A. Passut, R. P. Danner, Ind. Eng. Chem. Process Des. Dev. 12, 365 (1973)",
    ),
    "DIPPR (Pina-Martinez)": (
        "Critical Properties/DIPPRPinaMartines.tsv",
        "A. Pina-Martinez et al., Fluid Phase Equilib. 485, 264 (2019), DIPPR values of the "
        "supporting material",
    ),
    "Yaws critical": ("Critical Properties/Yaws Collection.tsv", _YAWS),
    "ATcT": (
        "Reactions/ATcT 1.112 (g).tsv",
        "B. Ruscic et al., Active Thermochemical Tables 1.112, J. Phys. Conf. Ser. 16, 561 (2005)",
    ),
    "JANAF": ("Reactions/JANAF_1998.tsv", _JANAF),
    "CRC thermo": ("Heat Capacity/CRC Standard Thermodynamic Properties of Chemical Substances.tsv", _CRC),
    "API TDB": (
        "Reactions/API TDB Albahri Hf (g).tsv",
        "API Technical Data Book values as compiled by T. A. Albahri",
    ),
    "Yaws Hf S0": ("Reactions/Yaws Hf S0 (g).tsv", _YAWS),
    "CRC logP": ("Environment/CRC logP table.tsv", _CRC),
    "KOWWIN": (
        "Environment/Syrres logP data.csv.gz",
        "Syracuse Research Corp., KOWWIN experimental logKow data (SrcKowData2, 2006)",
    ),
    "CRC RI": ("Misc/CRC Handbook Organic RI.csv", _CRC),
    "CRC Hvap": ("Phase Change/CRC Handbook Heat of Vaporization.tsv", _CRC),
    "Gharagheizi Hvap": (
        "Phase Change/Ghazerati Appendix Vaporization Enthalpy.tsv",
        "F. Gharagheizi et al., vaporization enthalpy at 298 K, Fluid Phase Equilib. 360, 279 "
        "(2013), appendix data",
    ),
    "CRC Hfus": ("Phase Change/CRC Handbook Heat of Fusion.tsv", _CRC),
    "Gharagheizi Hsub": (
        "Phase Change/Ghazerati Appendix Sublimation Enthalpy.tsv",
        "F. Gharagheizi et al., sublimation enthalpy at 298 K, Fluid Phase Equilib. 354, 265 "
        "(2013), appendix data",
    ),
    "CCCBDB": (
        "Misc/cccbdb.nist.gov Dipoles.csv",
        "NIST Computational Chemistry Comparison and Benchmark Database, SRD 101 (experimental dipoles)",
    ),
    "Poling dipole": ("Misc/Poling Dipole.csv", _POLING),
    "Muller dipole": (
        "Misc/Muller Supporting Info Dipoles.csv",
        "K. Muller, L. Mokrushina, W. Arlt, J. Chem. Eng. Data 57, 1231 (2012), supporting data",
    ),
    "Poling databank": ("Heat Capacity/PolingDatabank.tsv", _POLING),
    "IEC 60079-20-1": ("Safety/IS IEC 60079-20-1 2010.tsv", "IEC 60079-20-1:2010, material characteristics"),
    "NFPA 497": ("Safety/NFPA 497 2008.tsv", "NFPA 497 (2008)"),
    "DIPPR (Serat)": (
        "Safety/DIPPR T_flash Serat.csv",
        "F. Z. Serat et al., Fluid Phase Equilib. 449, 52 (2017), DIPPR flash points",
    ),
    "vom Lehn cetane": (
        "Misc/Florian_Liming_CETANE_experimental.tsv",
        "F. vom Lehn et al., A property database of fuel compounds, Appl. Energy Combust. Sci. 5, "
        "100018 (2021)",
    ),
    "vom Lehn RON": ("Misc/Florian_Liming_RON_experimental.tsv", _VOM_LEHN_ON),
    "vom Lehn MON": ("Misc/Florian_Liming_MON_experimental.tsv", _VOM_LEHN_ON),
    "CombustDB cetane": (
        "Misc/Travis_Kessler_Combustdb_CETANE.tsv",
        "T. Kessler, CombustDB, UMass Lowell ECRL (2019), https://github.com/ecrl/combustdb",
    ),
    "CombustDB RON": ("Misc/Travis_Kessler_Combustdb_RON.tsv", "T. Kessler, CombustDB (2019)"),
    "CombustDB MON": ("Misc/Travis_Kessler_Combustdb_MON.tsv", "T. Kessler, CombustDB (2019)"),
}
YAWS_TABLES = frozenset({"Yaws Tb", "Yaws critical", "Yaws Hf S0"})


@dataclass(frozen=True)
class Source:
    """One column of one ``chemicals`` table.

    Parameters
    ----------
    label : str
        Key of :data:`TABLES`; also written to the ``source`` column.
    column : str
        The value column.
    scale : float
        Factor to the property's unit (e.g. 1e-3 for J/mol to kJ/mol).
    temperature : tuple of (str, float, float), optional
        Column holding the measurement temperature and the window (K) kept; rows
        without a temperature are dropped.
    formula : str, optional
        Column holding a plain molecular formula; rows whose formula disagrees with the
        structure the CAS maps to are dropped (catches CAS numbers that the table and
        PubChem give to different species).
    """

    label: str
    column: str
    scale: float = 1.0
    temperature: tuple[str, float, float] | None = None
    formula: str | None = None

    @property
    def file(self) -> str:
        """Path inside site-packages, as ``DatasetSpec.files`` holds it."""
        return f"chemicals/{TABLES[self.label][0]}"

    @property
    def yaws(self) -> bool:
        """True for the Yaws collection (partly estimated values)."""
        return self.label in YAWS_TABLES


def read_source(source: Source) -> pd.DataFrame:
    """One source as a table of dashed ``cas`` and float ``value`` (one row per CAS).

    Values are multiplied by ``source.scale``; rows outside the temperature window,
    with a formula that contradicts the identifier table, without a valid CAS or
    without a value are dropped; repeated CAS are averaged.
    """
    path = package_file(PACKAGE, source.file)
    extra = [c for c in (source.temperature and source.temperature[0], source.formula) if c]
    raw = pd.read_csv(path, sep="\t", usecols=["CAS", source.column, *extra], dtype={"CAS": str})
    cas = raw["CAS"].map(normalize_cas)
    value = pd.to_numeric(raw[source.column], errors="coerce") * source.scale
    keep = value.notna() & cas.notna()
    if source.temperature:
        column, low, high = source.temperature
        keep &= pd.to_numeric(raw[column], errors="coerce").between(low, high)
    if source.formula:
        known = cas.map(identifier_table().set_index("cas")["formula"])
        stated = raw[source.formula].map(formula_key)
        keep &= known.isna() | stated.isna() | (known == stated)
    table = pd.DataFrame({"cas": cas, "value": value})[keep]
    return table.groupby("cas", as_index=False, sort=False)["value"].mean()


def merge_sources(sources, bounds=(-np.inf, np.inf), tolerance: float = np.inf) -> pd.DataFrame:
    """First plausible, undisputed value per CAS over ``sources`` in priority order.

    Parameters
    ----------
    sources : sequence of Source
        Highest priority first.
    bounds : tuple of float
        Inclusive plausible range; values outside it are dropped before merging, so a
        later source can fill in for an impossible one.
    tolerance : float
        A CAS is dropped as disputed when its chosen value differs by more than this
        from the median of the other non-Yaws sources listing it.

    Returns
    -------
    pandas.DataFrame
        Columns ``cas``, ``value``, ``yaws`` (bool), ``source`` (label).
    """
    parts = []
    for source in sources:
        part = read_source(source)
        part = part.loc[part["value"].between(*bounds)]
        parts.append(part.assign(yaws=source.yaws, source=source.label))
    merged = pd.concat(parts, ignore_index=True)
    first = merged.drop_duplicates("cas", keep="first")
    others = merged.drop(index=first.index)
    median = others.loc[~others["yaws"]].groupby("cas")["value"].median()
    disputed = (first["value"] - first["cas"].map(median)).abs() > tolerance
    return first.loc[~disputed].reset_index(drop=True)


def molecule_table(sources, bounds=(-np.inf, np.inf), tolerance=np.inf, per=None) -> pd.DataFrame:
    """Merged values joined to canonical SMILES, duplicate structures averaged.

    Parameters
    ----------
    sources, bounds, tolerance
        As in :func:`merge_sources`.
    per : {None, "mass", "atom"}
        Divide by the molar mass (g/mol) or the number of atoms (hydrogens included).

    Returns
    -------
    pandas.DataFrame
        Columns ``structure``, ``target``, ``name``, ``cas``, ``yaws`` (True when any
        CAS averaged into the row came from the Yaws collection), ``source``.
    """
    from core.datasets import aggregate_duplicates

    table = merge_sources(sources, bounds, tolerance).join(organic_structures(), on="cas", how="inner")
    target = table["value"]
    if per == "mass":
        target = target / table["mass"]
    elif per == "atom":
        target = target / table["n_atoms"]
    table = table.assign(target=target).reset_index(drop=True)
    table["yaws"] = table.groupby("structure")["yaws"].transform("any")
    columns = ["structure", "target", "name", "cas", "yaws", "source"]
    return aggregate_duplicates(table[columns])
