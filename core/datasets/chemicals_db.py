"""Measured properties of small organic molecules from the ``chemicals`` package (ChEDL).

``chemicals`` ships some sixty tables keyed by CAS number.  They are read here directly
with pandas (the package itself is never imported: its dependency ``fluids`` is not
installed).  For each property a few curated tables are merged in a stated priority
order, the first plausible value per CAS winning; a CAS whose chosen value is contradicted
by the other measured sources is dropped.  CAS numbers are mapped to SMILES with the
package's own offline PubChem identifier tables and made RDKit-canonical; only neutral,
single-component, carbon-containing, closed-shell molecules are kept, and rows with the
same canonical SMILES are averaged.  Size-extensive properties also get per-mass (or
per-atom) variants, which transfer better to polymers (see DESIGN.md).

Left out on purpose: every predicted table (Joback, Wilson-Jasperson, Fedors,
omega-from-Psat, psi4 dipoles, the combustion-property networks) and CAS Common
Chemistry (CC BY-NC).  Values from the Yaws collection, partly estimated, are kept but
flagged in a boolean ``yaws`` column and in the spec's note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cache import cached_table, file_digest
from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain
from core.paths import package_file

PACKAGE = "chemicals"
CITATION = (
    'Caleb Bell and contributors, "Chemicals: Chemical properties component of Chemical '
    'Engineering Design Library (ChEDL)", https://github.com/CalebBell/chemicals'
)
LICENCE = "MIT (chemicals); see per-file source"
#: The package's PubChem identifier tables, in the order ``chemicals`` loads them (a
#: later table overrides an earlier one for the same CAS).  All are read: the "example
#: user db" holds the commonest chemicals (methane, ethane, ...) and the "inorganic db"
#: some fluorocarbons; the structure filter then drops what is not an organic molecule.
IDENTIFIER_FILES = tuple(
    f"chemicals/Identifiers/{name}.tsv"
    for name in (
        "chemical identifiers pubchem large",
        "chemical identifiers pubchem small",
        "chemical identifiers example user db",
        "Cation db",
        "Anion db",
        "Inorganic db",
    )
)
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
IDENTIFIER_NOTE = (
    "CAS mapped to SMILES with the package's PubChem identifier tables (an entry's own "
    "CAS only, not CAS numbers among its synonyms) and made RDKit-canonical; dropped: CAS "
    "without an entry, SMILES RDKit cannot parse, mixtures and salts ('.' in the SMILES), "
    "species without a carbon atom (water, inorganics), net-charged ions and species with "
    "unpaired electrons (radicals, and PubChem silanes written without their hydrogens), "
    "and rows of tables with a formula column whose formula contradicts the structure. "
    "Rows with the same canonical SMILES (stereo kept) averaged."
)
_CAS_DASHED = re.compile(r"^0*(\d{2,7})-(\d{2})-(\d)$")
_CAS_DIGITS = re.compile(r"^\d{5,10}$")
_FORMULA_TOKEN = re.compile(r"(\()|(\))(\d*)|([A-Z][a-z]?)(\d*)")


def normalize_cas(value) -> str | None:
    """Dashed CAS registry number (``"50-00-0"``) from any of the forms in the tables.

    Parameters
    ----------
    value : str or int or float
        ``"50-00-0"``, ``"  589-34-4"`` (padded) or ``100005`` (digits only).

    Returns
    -------
    str or None
        ``"100-00-5"`` style text, or None for anything that is not a CAS number.

    Examples
    --------
    >>> normalize_cas(100005), normalize_cas("  589-34-4")
    ('100-00-5', '589-34-4')
    """
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or value != int(value):
            return None
        value = int(value)
    text = str(value).strip()
    match = _CAS_DASHED.match(text)
    if match:
        return "-".join(match.groups())
    if not _CAS_DIGITS.match(text):
        return None
    digits = str(int(text))
    if len(digits) < 5:
        return None
    return f"{digits[:-3]}-{digits[-3:-1]}-{digits[-1]}"


# ---------------------------------------------------------------------------------
# CAS -> structure
# ---------------------------------------------------------------------------------


def identifier_table() -> pd.DataFrame:
    """Every CAS of the PubChem identifier tables with its canonical SMILES (cached).

    Returns
    -------
    pandas.DataFrame
        Columns ``cas`` (dashed, the entry's own CAS: unlike ``chemicals`` we do not
        resolve CAS numbers listed among synonyms, which sometimes belong to another
        species), ``name``, ``structure`` (RDKit canonical SMILES or None), ``status``
        (``"ok"``, ``"unparsed"``, ``"mixture"``, ``"no_carbon"``, ``"charged"``,
        ``"radical"``), ``formula`` (see :func:`formula_key`), ``mass`` (g/mol) and
        ``n_atoms`` (hydrogens included).
    """
    paths = [package_file(PACKAGE, f) for f in IDENTIFIER_FILES]
    key = {"chemicals_identifiers": 3, "files": [file_digest(p) for p in paths]}
    return cached_table("chemicals_identifiers", key, lambda: _parse_identifiers(paths))


def _parse_identifiers(paths) -> pd.DataFrame:
    rows: dict[str, tuple[str, str, str]] = {}
    for path in paths:  # later files override earlier ones
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                values = line.rstrip("\n").split("\t")
                cas = normalize_cas(values[1]) if len(values) > 7 else None
                if cas is not None:
                    name = values[8] if len(values) > 8 and values[8] else values[7]
                    rows[cas] = (cas, name, values[4])
    table = pd.DataFrame(list(rows.values()), columns=["cas", "name", "smiles"])
    parsed = [_classify(smiles) for smiles in table["smiles"]]
    columns = ["structure", "status", "formula", "mass", "n_atoms"]
    table[columns] = pd.DataFrame(parsed, columns=columns, index=table.index)
    return table.drop(columns="smiles")


def _classify(smiles: str) -> tuple[str | None, str, str | None, float, float]:
    """Canonical SMILES, status, element-count key, molar mass and atom count of one entry."""
    from rdkit import Chem
    from rdkit.Chem import Descriptors, rdMolDescriptors

    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None:
        return None, "unparsed", None, np.nan, np.nan
    canonical = Chem.MolToSmiles(mol)
    n_atoms = float(sum(1 + atom.GetTotalNumHs() for atom in mol.GetAtoms()))
    formula = formula_key(rdMolDescriptors.CalcMolFormula(mol))
    if "." in canonical:
        status = "mixture"
    elif not any(atom.GetAtomicNum() == 6 for atom in mol.GetAtoms()):
        status = "no_carbon"
    elif Chem.GetFormalCharge(mol) != 0:
        status = "charged"
    elif Descriptors.NumRadicalElectrons(mol) > 0:
        status = "radical"
    else:
        status = "ok"
    return canonical, status, formula, float(Descriptors.MolWt(mol)), n_atoms


def formula_key(formula) -> str | None:
    """Element counts of a molecular formula as a canonical text, for comparisons.

    Understands condensed formulas with groups (``(CH3)3N``); ignores a trailing phase
    label such as ``(g)``, ion brackets and charges; counts deuterium as hydrogen.

    Examples
    --------
    >>> formula_key("C2H6O") == formula_key("CH3CH2OH") == formula_key("C2D5HO")
    True
    >>> formula_key("(CH3)3N (g)")
    'C3 H9 N1'
    """
    if not isinstance(formula, str):
        return None
    text = re.sub(r"\s*\((?:g|l|s|cr|aq)\)\s*$", "", formula.strip())
    text = re.sub(r"D(?![a-z])", "H", re.sub(r"[\[\]+-]", "", text))
    stack: list[dict[str, int]] = [{}]
    for opening, closing, times, element, number in _FORMULA_TOKEN.findall(text):
        if opening:
            stack.append({})
        elif closing:
            if len(stack) == 1:
                return None
            group = stack.pop()
            for el, n in group.items():
                stack[-1][el] = stack[-1].get(el, 0) + n * int(times or 1)
        else:
            stack[-1][element] = stack[-1].get(element, 0) + int(number or 1)
    if len(stack) != 1 or not stack[0]:
        return None
    return " ".join(f"{el}{n}" for el, n in sorted(stack[0].items()))


def organic_structures() -> pd.DataFrame:
    """The identifier rows kept for modelling (status ``"ok"``), indexed by CAS."""
    table = identifier_table()
    return table.loc[table["status"] == "ok"].set_index("cas")


# ---------------------------------------------------------------------------------
# Property tables
# ---------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------
# Registered datasets
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Property:
    """A property merged from several sources, and how it becomes a dataset.

    Parameters
    ----------
    name, prop, unit : str
        Registry key, human-readable property, unit of the target.
    sources : tuple of Source
        Highest priority first.
    bounds : tuple of float
        Inclusive plausible range in ``raw_unit``.
    tolerance : float
        Disputed-value threshold in ``raw_unit`` (see :func:`merge_sources`).
    rows : int
        Measured row count after cleaning.
    yaws_percent : int, optional
        Rounded share of rows from the Yaws collection (None when Yaws is not used).
    note : str
        What the values are (phase, temperature, caveats).
    raw_unit : str
        Unit of the merged values when ``log10`` transforms them (default ``unit``).
    log10 : bool
        Learn log10 of the value.
    extensive : bool
        Size-extensive (grows with the molecule).
    role : Role
    intensive : tuple of (str, str, str, str)
        Extra variants ``(per, suffix, property, unit)`` with ``per`` "mass" or "atom".
    """

    name: str
    prop: str
    unit: str
    sources: tuple[Source, ...]
    bounds: tuple[float, float]
    tolerance: float
    rows: int
    yaws_percent: int | None = None
    note: str = ""
    raw_unit: str = ""
    log10: bool = False
    extensive: bool = False
    role: Role = Role.SOURCE
    intensive: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def uses_yaws(self) -> bool:
        """Whether any source is from the Yaws collection."""
        return any(source.yaws for source in self.sources)


def _loader(prop: Property, per: str | None = None):
    def loader() -> pd.DataFrame:
        table = molecule_table(prop.sources, prop.bounds, prop.tolerance, per)
        if prop.log10:
            table["target"] = np.log10(table["target"])
        return table if prop.uses_yaws else table.drop(columns="yaws")

    return loader


def _note(prop: Property) -> str:
    unit = prop.raw_unit or prop.unit
    order = " > ".join(source.label for source in prop.sources)
    parts = [
        prop.note,
        f"Sources in priority order, first value per CAS wins: {order}.",
        f"Kept values in [{prop.bounds[0]:g}, {prop.bounds[1]:g}] {unit}.",
    ]
    if np.isfinite(prop.tolerance):
        others = "other non-Yaws sources" if prop.uses_yaws else "other sources"
        parts.append(
            f"A value differing by more than {prop.tolerance:g} {unit} from the median of the "
            f"{others} listing the same CAS is dropped as disputed."
        )
    if prop.uses_yaws:
        parts.append(
            f"{prop.yaws_percent}% of rows from the Yaws collection, partly estimated "
            "(boolean column 'yaws')."
        )
    parts.append(IDENTIFIER_NOTE)
    return " ".join(part for part in parts if part)


def _citation(prop: Property) -> str:
    refs = dict.fromkeys(TABLES[source.label][1] for source in prop.sources)
    return f"{CITATION}; data: " + "; ".join(refs)


def _files(prop: Property) -> tuple[str, ...]:
    return tuple(dict.fromkeys(source.file for source in prop.sources)) + IDENTIFIER_FILES


def specs_of(prop: Property) -> list[DatasetSpec]:
    """The dataset of ``prop`` and its intensive variants."""
    common = dict(
        domain=Domain.MOLECULE,
        role=prop.role,
        expected_rows=prop.rows,
        package=PACKAGE,
        files=_files(prop),
        citation=_citation(prop),
        licence=LICENCE,
        measured=True,
    )
    note = _note(prop)
    specs = [
        DatasetSpec(name=prop.name, property=prop.prop, unit=prop.unit, loader=_loader(prop),
                    note=note, extensive=prop.extensive, **common)
    ]
    for per, suffix, label, unit in prop.intensive:
        specs.append(
            DatasetSpec(name=f"{prop.name}_{suffix}", property=label, unit=unit, loader=_loader(prop, per),
                        note=f"Intensive variant of {prop.name} (divided by the {_PER_TEXT[per]}). {note}",
                        **common)
        )
    return specs


_PER_TEXT = {"mass": "molar mass, RDKit MolWt", "atom": "number of atoms, hydrogens included"}


def _per_mass(label: str, unit: str) -> tuple[str, str, str, str]:
    return ("mass", "per_mass", label, unit)


def _critical(column: str, scale: float = 1.0, passut_danner: bool = True) -> tuple[Source, ...]:
    labels = ["HEOS", "IUPAC critical", "CRC critical", "PSRK", "Passut-Danner", "NIST WebBook",
              "DIPPR (Pina-Martinez)", "Yaws critical"]
    if not passut_danner:
        labels.remove("Passut-Danner")
    return tuple(Source(label, column, scale) for label in labels)


_KJ = 1e-3

PROPERTIES: tuple[Property, ...] = (
    Property(
        "chemicals_tm", "melting point", "K",
        (Source("CRC organics", "Tm"), Source("Open Notebook", "Tm"), Source("NIST WebBook", "Tm"),
         Source("Wikidata", "Tm")),
        bounds=(1, 1000), tolerance=25, rows=15_014, note="Melting point at 1 atm.",
    ),
    Property(
        "chemicals_tb", "normal boiling point", "K",
        (Source("HEOS", "Tb"), Source("CRC organics", "Tb"), Source("NIST WebBook", "Tb"),
         Source("Wikidata", "Tb"), Source("Yaws Tb", "Tb")),
        bounds=(1, 1000), tolerance=25, rows=11_838, yaws_percent=43, note="Boiling point at 1 atm.",
    ),
    Property(
        "chemicals_tc", "critical temperature", "K", _critical("Tc"),
        bounds=(100, 1500), tolerance=25, rows=6_071, yaws_percent=64,
    ),
    Property(
        "chemicals_pc", "critical pressure", "log10(Pa)", _critical("Pc"),
        bounds=(1e4, 1e8), tolerance=5e5, rows=6_012, yaws_percent=65, raw_unit="Pa", log10=True,
        note="Learned as log10 of the pressure in Pa (6.0 = 10 bar).",
    ),
    Property(
        "chemicals_vc", "critical volume", "cm^3/mol", _critical("Vc", 1e6, passut_danner=False),
        bounds=(10, 10_000), tolerance=50, rows=5_999, yaws_percent=66, extensive=True,
        intensive=(_per_mass("critical volume per mass", "cm^3/g"),),
    ),
    Property(
        "chemicals_omega", "acentric factor", "dimensionless",
        (Source("HEOS", "omega"), Source("PSRK", "omega"), Source("Passut-Danner", "omega"),
         Source("Yaws critical", "omega")),
        bounds=(-0.5, 3), tolerance=0.1, rows=4_927, yaws_percent=80,
    ),
    Property(
        "chemicals_hf_gas", "standard enthalpy of formation (ideal gas, 298.15 K)", "kJ/mol",
        (Source("ATcT", "Hfg", _KJ, formula="Formula"), Source("JANAF", "Hfg", _KJ, formula="formula"),
         Source("CRC thermo", "Hfg", _KJ),
         Source("API TDB", "Hfg", _KJ), Source("NIST WebBook", "Hfg", _KJ), Source("Yaws Hf S0", "Hfg", _KJ)),
        bounds=(-10_000, 10_000), tolerance=20, rows=5_247, yaws_percent=48, extensive=True,
        note="TRC 1994 gas-phase values are left out: they differ from CRC by a median 21 kJ/mol.",
        intensive=(("atom", "per_atom", "enthalpy of formation (ideal gas) per atom", "kJ/mol per atom"),),
    ),
    Property(
        "chemicals_s0_gas", "standard molar entropy (ideal gas, 298.15 K)", "J/(mol K)",
        (Source("JANAF", "S0g", formula="formula"), Source("CRC thermo", "S0g"),
         Source("NIST WebBook", "S0g"),
         Source("Yaws Hf S0", "S0g")),
        bounds=(50, 10_000), tolerance=20, rows=3_619, yaws_percent=91, extensive=True,
        intensive=(_per_mass("standard entropy (ideal gas, 298.15 K) per mass", "J/(g K)"),),
    ),
    Property(
        "chemicals_density", "density near room temperature", "kg/m^3",
        (Source("CRC organics", "rho"),),
        bounds=(300, 5000), tolerance=np.inf, rows=5_131,
        note="CRC table of organic compounds: density of the liquid or solid at the temperature "
        "the handbook lists (mostly 20-25 C; the temperature is not in the file).",
    ),
    Property(
        "chemicals_logp", "octanol-water partition coefficient", "log10(Kow)",
        (Source("CRC logP", "logP"), Source("KOWWIN", "logP"), Source("Wikidata", "logP")),
        bounds=(-10, 15), tolerance=1.0, rows=4_682,
        note="Experimental logKow; most rows from the KOWWIN (EPI Suite) experimental set, "
        "which chemicals redistributes without stating its own terms.",
    ),
    Property(
        "chemicals_nd", "refractive index (sodium D line)", "dimensionless",
        (Source("CRC RI", "RI", temperature=("RIT", 283.15, 303.15)), Source("CRC organics", "RI"),
         Source("Wikidata", "RI")),
        bounds=(1.2, 2.0), tolerance=0.02, rows=4_242,
        note="CRC values measured between 10 and 30 C (mostly 20 C); the other sources give no "
        "temperature.",
    ),
    Property(
        "chemicals_hvap", "enthalpy of vaporization at 298.15 K", "kJ/mol",
        (Source("CRC Hvap", "Hvap298", _KJ, formula="Formula"), Source("Gharagheizi Hvap", "Hvap298", _KJ),
         Source("NIST WebBook", "Hvap", _KJ)),
        bounds=(1, 500), tolerance=10, rows=2_835, extensive=True,
        note="The Gharagheizi appendix lists DIPPR values, which include some recommended "
        "extrapolations (e.g. for very long alkanes).",
        intensive=(_per_mass("enthalpy of vaporization at 298.15 K per mass", "kJ/g"),),
    ),
    Property(
        "chemicals_hfus", "enthalpy of fusion at the melting point", "kJ/mol",
        (Source("CRC Hfus", "Hfus", _KJ, formula="Formula"), Source("NIST WebBook", "Hfus", _KJ),
         Source("Wikidata", "Hfus", _KJ)),
        bounds=(0.1, 500), tolerance=5, rows=511, extensive=True,
        intensive=(_per_mass("enthalpy of fusion per mass", "kJ/g"),),
    ),
    Property(
        "chemicals_hsub", "enthalpy of sublimation at 298.15 K", "kJ/mol",
        (Source("Gharagheizi Hsub", "Hsub", _KJ), Source("NIST WebBook", "Hsub", _KJ)),
        bounds=(1, 500), tolerance=10, rows=1_493, extensive=True,
        intensive=(_per_mass("enthalpy of sublimation at 298.15 K per mass", "kJ/g"),),
    ),
    Property(
        "chemicals_dipole", "dipole moment (gas)", "D",
        (Source("CCCBDB", "dipole_moment"), Source("Poling dipole", "dipole_moment"),
         Source("Muller dipole", "dipole_moment")),
        bounds=(0, 15), tolerance=0.5, rows=510,
        note="Experimental gas-phase dipoles; Poling's are rounded to 0.1 D.",
    ),
    Property(
        "chemicals_cp_liquid", "liquid heat capacity at 298.15 K", "J/(mol K)",
        (Source("JANAF", "Cpl", formula="formula"), Source("CRC thermo", "Cpl"),
         Source("Poling databank", "Cpl")),
        bounds=(10, 5000), tolerance=20, rows=476, extensive=True,
        intensive=(_per_mass("specific heat capacity (liquid, 298.15 K)", "J/(g K)"),),
    ),
    Property(
        "chemicals_cp_gas", "ideal-gas heat capacity at 298.15 K", "J/(mol K)",
        (Source("JANAF", "Cpg", formula="formula"), Source("CRC thermo", "Cpg"),
         Source("Poling databank", "Cpg")),
        bounds=(10, 5000), tolerance=10, rows=439, extensive=True,
        intensive=(_per_mass("specific heat capacity (ideal gas, 298.15 K)", "J/(g K)"),),
    ),
    Property(
        "chemicals_flash_point", "flash point", "K",
        (Source("IEC 60079-20-1", "T_flash"), Source("NFPA 497", "T_flash"),
         Source("DIPPR (Serat)", "T_flash"),
         Source("Wikidata", "T_flash")),
        bounds=(100, 800), tolerance=15, rows=1_056,
        note="Closed-cup where the source says so; sources mix closed- and open-cup methods.",
    ),
    Property(
        "chemicals_cetane", "cetane number", "dimensionless",
        (Source("vom Lehn cetane", "CETANE"), Source("CombustDB cetane", "CETANE")),
        bounds=(-50, 150), tolerance=10, rows=295, role=Role.EXAMPLE,
        note="Measured (or derived) cetane numbers of pure fuel compounds.",
    ),
    Property(
        "chemicals_ron", "research octane number", "dimensionless",
        (Source("vom Lehn RON", "RON"), Source("CombustDB RON", "RON")),
        bounds=(-50, 150), tolerance=10, rows=291, role=Role.EXAMPLE,
        note="Measured RON of pure compounds (ASTM D2699 or blending-derived).",
    ),
    Property(
        "chemicals_mon", "motor octane number", "dimensionless",
        (Source("vom Lehn MON", "MON"), Source("CombustDB MON", "MON")),
        bounds=(-50, 150), tolerance=10, rows=297, role=Role.EXAMPLE,
        note="Measured MON of pure compounds (ASTM D2700 or blending-derived).",
    ),
)


def register_all(register) -> None:
    """Register every chemicals dataset with ``register``."""
    for prop in PROPERTIES:
        for spec in specs_of(prop):
            register(spec)
