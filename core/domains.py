"""The three structure domains and how one structure string of each is parsed.

Parsing functions return the parsed object or raise :class:`ValueError` with a short
reason; :mod:`core.validation` turns those reasons into row reports.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")


class Domain(str, Enum):
    """Kind of structure in a table; the value is what users and files see."""

    MOLECULE = "molecule"
    POLYMER = "polymer"
    INORGANIC = "inorganic"

    @classmethod
    def parse(cls, value: "str | Domain") -> "Domain":
        """Domain from its name, with a clear error for anything else."""
        if isinstance(value, Domain):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(d.value for d in cls)
            raise ValueError(f"unknown domain {value!r}; choose one of: {choices}") from None


#: What the structure column holds in each domain, for messages and the UI.
IDENTIFIER = {
    Domain.MOLECULE: "SMILES",
    Domain.POLYMER: "repeat-unit SMILES with two * ends",
    Domain.INORGANIC: "chemical formula",
}

_FORMULA_RE = re.compile(r"^(?:\(?[A-Z][a-z]?(?:\d+(?:\.\d+)?)?\)?\d*(?:\.\d+)?)+$")


def parse_smiles(text: str) -> Chem.Mol:
    """Parse a molecule SMILES; polymer ends (``*``) are not allowed here."""
    text = _clean(text)
    mol = Chem.MolFromSmiles(text)
    if mol is None:
        raise ValueError("not a valid SMILES (RDKit could not parse it)")
    if any(atom.GetAtomicNum() == 0 for atom in mol.GetAtoms()):
        raise ValueError("has * attachment points: this is a polymer repeat unit, not a molecule")
    if mol.GetNumAtoms() == 0:
        raise ValueError("is an empty molecule")
    return mol


def parse_repeat_unit(text: str) -> Chem.Mol:
    """Parse a polymer repeat unit: a SMILES with exactly two ``*`` ends, one bond each.

    ``[*:1]`` / ``[*:2]`` labelled ends are accepted as well as plain ``*``.
    """
    text = _clean(text)
    mol = Chem.MolFromSmiles(text)
    if mol is None:
        raise ValueError("not a valid SMILES (RDKit could not parse it)")
    stars = [atom for atom in mol.GetAtoms() if atom.GetAtomicNum() == 0]
    if len(stars) != 2:
        raise ValueError(f"a polymer repeat unit needs exactly two * ends, found {len(stars)}")
    for star in stars:
        if star.GetDegree() != 1 or star.GetNeighbors()[0].GetAtomicNum() == 0:
            raise ValueError("each * end must be bonded to exactly one real atom")
        if star.GetBonds()[0].GetBondType() != Chem.BondType.SINGLE:
            raise ValueError("each * end must be joined by a single bond")
    if mol.GetNumAtoms() < 3:
        raise ValueError("the repeat unit has no atoms between its ends")
    return mol


@lru_cache(maxsize=1)
def _known_elements() -> frozenset[str]:
    from pymatgen.core.periodic_table import Element

    return frozenset(e.symbol for e in Element)


def parse_formula(text: str):
    """Parse a chemical formula into a pymatgen :class:`~pymatgen.core.Composition`.

    Raises
    ------
    ValueError
        For malformed formulas and element symbols that do not exist.
    """
    from pymatgen.core import Composition

    text = _clean(text)
    if not _FORMULA_RE.match(text.replace(" ", "")):
        raise ValueError("not a chemical formula (expected element symbols and amounts, e.g. Fe2O3)")
    symbols = re.findall(r"[A-Z][a-z]?", text)
    unknown = sorted({s for s in symbols if s not in _known_elements()})
    if unknown:
        raise ValueError(f"unknown element {', '.join(unknown)}")
    try:
        comp = Composition(text)
    except Exception as exc:  # pymatgen raises several types for bad formulas
        raise ValueError(f"not a chemical formula ({exc})") from None
    if comp.num_atoms <= 0:
        raise ValueError("the formula has no atoms")
    return comp


def _clean(text) -> str:
    if text is None or (isinstance(text, float) and text != text):
        raise ValueError("is empty")
    text = str(text).strip()
    if not text:
        raise ValueError("is empty")
    return text


PARSERS = {
    Domain.MOLECULE: parse_smiles,
    Domain.POLYMER: parse_repeat_unit,
    Domain.INORGANIC: parse_formula,
}


def parse(text: str, domain: Domain):
    """Parse one structure string of ``domain``; ValueError with the reason if it fails."""
    return PARSERS[Domain.parse(domain)](text)


def structure_key(text: str, domain: Domain | str) -> str:
    """What identifies a structure for duplicates and grouped folds, as far as the
    featurizers can tell structures apart.

    Molecules: canonical SMILES without stereochemistry or isotopes (no featurizer of the
    project sees them, so two stereoisomers are one structure to every model).  Polymers:
    :func:`core.polymerize.cyclic_key`, the same for every frame and direction a repeat unit
    is written in.  Inorganic compounds: the reduced formula.  A structure that does not
    parse keeps its stripped text as its key.
    """
    domain = Domain.parse(domain)
    text = str(text).strip()
    try:
        obj = parse(text, domain)
    except ValueError:
        return text
    if domain is Domain.INORGANIC:
        return obj.reduced_formula
    if domain is Domain.POLYMER:
        from core.polymerize import cyclic_key

        try:
            return "polymer:" + cyclic_key(obj)
        except Exception:  # noqa: BLE001 - RDKit raises several types on exotic units
            return Chem.MolToSmiles(obj, isomericSmiles=False)
    return Chem.MolToSmiles(obj, isomericSmiles=False)
