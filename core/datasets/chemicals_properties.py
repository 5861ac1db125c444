"""Measured properties of small organic molecules from the ``chemicals`` package (ChEDL).

Each :class:`Property` names the tables it is merged from (highest priority first, see
:mod:`core.datasets.chemicals_tables`), its plausible range and the threshold at which a
value is disputed, and becomes one registered dataset, plus per-mass (or per-atom)
variants of the size-extensive ones, which transfer better to polymers (see DESIGN.md).
Only neutral, single-component, carbon-containing, closed-shell molecules are kept (see
:mod:`core.datasets.chemicals_identifiers`).  Values from the Yaws collection, partly
estimated, are flagged in a boolean ``yaws`` column and in the spec's note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.datasets.chemicals_identifiers import IDENTIFIER_FILES, IDENTIFIER_NOTE, PACKAGE
from core.datasets.chemicals_tables import TABLES, Source, molecule_table
from core.datasets.spec import DatasetSpec, Role
from core.domains import Domain

CITATION = (
    'Caleb Bell and contributors, "Chemicals: Chemical properties component of Chemical '
    'Engineering Design Library (ChEDL)", https://github.com/CalebBell/chemicals'
)
LICENCE = "MIT (chemicals); see per-file source"


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
