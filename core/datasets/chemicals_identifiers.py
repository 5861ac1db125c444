"""CAS numbers to structures: the ``chemicals`` package's PubChem identifier tables.

Each identifier file is a ragged TSV, one chemical a line: PubChem CID, CAS, formula, molar
mass, SMILES, InChI, InChIKey, IUPAC name, common name, synonyms.  :func:`read_identifiers`
is the one reader of these files (the molecule datasets map CAS numbers to structures with
them; the polymer sources take their monomers from them); :func:`identifier_table` makes
every CAS's structure RDKit-canonical and says whether it is an organic molecule worth
modelling.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.cache import cached_table, file_digest
from core.paths import package_file

PACKAGE = "chemicals"
#: The table of common chemicals and the large table (polymer monomers come from these two).
PUBCHEM_SMALL = "chemicals/Identifiers/chemical identifiers pubchem small.tsv"
PUBCHEM_LARGE = "chemicals/Identifiers/chemical identifiers pubchem large.tsv"
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


def read_identifiers(path: str | Path) -> pd.DataFrame:
    """One identifier file, one row per line (parsed once per process; do not modify).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    pandas.DataFrame
        Columns ``cid`` (float, NaN where not a number), ``cas`` (dashed, see
        :func:`normalize_cas`; None where the field is not a CAS number or the line is too
        short to be a whole entry), ``smiles`` (None where the line has no such field),
        ``name`` (the common name, else the IUPAC name; None where the line has neither).
    """
    return _read_identifiers(str(Path(path)))


@lru_cache(maxsize=None)
def _read_identifiers(path: str) -> pd.DataFrame:
    cids, cas, smiles, names = [], [], [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            values = line.rstrip("\n").split("\t")
            n = len(values)
            cids.append(values[0])
            cas.append(normalize_cas(values[1]) if n > 7 else None)
            smiles.append(values[4] if n > 4 else None)
            names.append(values[8] if n > 8 and values[8] else (values[7] if n > 7 else None))
    return pd.DataFrame({"cid": pd.to_numeric(pd.Series(cids, dtype=object), errors="coerce"), "cas": cas,
                         "smiles": smiles, "name": names})


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
        table = read_identifiers(path)
        for cas, name, smiles in zip(table["cas"], table["name"], table["smiles"]):
            if cas is not None:
                rows[cas] = (cas, name, smiles)
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
