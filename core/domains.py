"""The three structure domains and how one structure string of each is parsed.

Parsing functions return the parsed object or raise :class:`ValueError` with a short
reason; :mod:`core.validation` turns those reasons into row reports.

Polymer repeat units mark their two ends as public data sets do: ``*``, ``[*]``,
``[*:1]``/``[*:2]`` (any map number or isotope label, ``[1*]``), or two ``[At]``
placeholders (:data:`END_PLACEHOLDERS`, when there is no ``*``).  A table may also write
units without marked ends, the first and last heavy atoms being the ends
(:class:`EndsConvention` ``implicit``); :func:`starred` rewrites any of these with ``*``
ends, the one form every later step reads.
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


#: Atoms that public data sets write for the two ends of a repeat unit, besides RDKit's
#: dummy atom (``*``, ``[*]``, ``[*:1]``, ``[1*]``): astatine, as in ``[At]CC([At])c1ccccc1``.
#: A placeholder is read as an end only when the unit has no ``*`` and exactly two of them.
END_PLACEHOLDERS = ("At",)


class EndsConvention(str, Enum):
    """How the ends of polymer repeat units are written in a table.

    ``explicit`` (default): every repeat unit marks its two ends (``*``, ``[*]``,
    ``[*:1]``/``[*:2]``, or an ``[At]`` placeholder); a SMILES without ends is a molecule.
    ``implicit``: a SMILES without marked ends is a repeat unit whose first and last heavy
    atoms (in SMILES order) are the ends, e.g. ``C(S1)=CC=C1`` is polythiophene.
    """

    EXPLICIT = "explicit"
    IMPLICIT = "implicit"

    @classmethod
    def parse(cls, value: "str | EndsConvention | None") -> "EndsConvention":
        if value is None:
            return cls.EXPLICIT
        try:
            return cls(str(getattr(value, "value", value)).strip().lower())
        except ValueError:
            raise ValueError(f"unknown polymer ends convention {value!r}; choose explicit or implicit") from None


def _placeholders_to_stars(mol: Chem.Mol) -> Chem.Mol:
    """``mol`` with placeholder end atoms ([At]) turned into dummy atoms, when it has no ``*``."""
    if any(a.GetAtomicNum() == 0 for a in mol.GetAtoms()):
        return mol
    marked = [a.GetIdx() for a in mol.GetAtoms() if a.GetSymbol() in END_PLACEHOLDERS]
    if len(marked) != 2 or any(mol.GetAtomWithIdx(i).GetDegree() != 1 for i in marked):
        return mol
    rw = Chem.RWMol(mol)
    for idx in marked:
        atom = rw.GetAtomWithIdx(idx)
        atom.SetAtomicNum(0)
        atom.SetIsotope(0)
        atom.SetNoImplicit(True)
        atom.SetNumExplicitHs(0)
    out = rw.GetMol()
    Chem.SanitizeMol(out)
    return out


def has_marked_ends(text: str) -> bool:
    """True when ``text`` marks repeat-unit ends: a ``*`` or two :data:`END_PLACEHOLDERS`."""
    text = str(text)
    return "*" in text or any(text.count(f"[{p}]") == 2 for p in END_PLACEHOLDERS)


def parse_repeat_unit(text: str) -> Chem.Mol:
    """Parse a polymer repeat unit: a SMILES with exactly two ends, one single bond each.

    Ends may be written ``*``, ``[*]``, ``[*:1]``/``[*:2]`` (any map number or isotope
    label) or, when there is no ``*``, as two ``[At]`` placeholders (:data:`END_PLACEHOLDERS`);
    the returned molecule has dummy atoms (atomic number 0) at its ends either way.
    """
    text = _clean(text)
    mol = Chem.MolFromSmiles(text)
    if mol is None:
        raise ValueError("not a valid SMILES (RDKit could not parse it)")
    mol = _placeholders_to_stars(mol)
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
    if not Chem.GetShortestPath(mol, stars[0].GetIdx(), stars[1].GetIdx()):
        raise ValueError("the two * ends are in different fragments (joined by '.')")
    return mol


def _implicit_ends(mol: Chem.Mol) -> tuple[int, int]:
    """First and last heavy atom, in SMILES order, of the fragment that comes first."""
    first = next(a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() > 1)
    fragment = next(f for f in Chem.GetMolFrags(mol) if first in f)
    last = max(i for i in fragment if mol.GetAtomWithIdx(i).GetAtomicNum() > 1)
    return first, last


def starred(text: str, convention: "EndsConvention | str" = "explicit") -> str:
    """The repeat unit ``text`` written with ``*`` ends, as every featurizer reads it.

    A unit that already has ``*`` ends comes back unchanged; ``[At]`` placeholders become
    ``*``.  With the ``implicit`` convention a SMILES without marked ends gets a ``*`` on
    its first and its last heavy atom (in SMILES order; the same atom twice for a
    one-atom unit), each taking the place of one hydrogen.

    Raises
    ------
    ValueError
        When the text is not a SMILES, has no ends under ``explicit``, or an end atom has
        no hydrogen to give up.

    Examples
    --------
    >>> starred("C(S1)=CC=C1", "implicit")
    '*c1ccc(*)s1'
    """
    text = _clean(text)
    if "*" in text:
        return text
    if has_marked_ends(text):
        return Chem.MolToSmiles(parse_repeat_unit(text))
    if EndsConvention.parse(convention) is EndsConvention.EXPLICIT:
        raise ValueError("has no * ends: a polymer repeat unit needs two (or read the table with implicit ends)")
    mol = Chem.MolFromSmiles(text)
    if mol is None:
        raise ValueError("not a valid SMILES (RDKit could not parse it)")
    if not any(a.GetAtomicNum() > 1 for a in mol.GetAtoms()):
        raise ValueError("has no heavy atom to carry the ends")
    rw = Chem.RWMol(mol)
    Chem.Kekulize(rw, clearAromaticFlags=True)
    ends = _implicit_ends(mol)
    for which, idx in zip(("first", "last"), ends):
        atom = rw.GetAtomWithIdx(idx)
        needed = 2 if ends[0] == ends[1] else 1
        if atom.GetTotalNumHs() < needed:
            raise ValueError(f"the {which} heavy atom ({atom.GetSymbol()}) has no hydrogen to give up for an end")
    for idx in ends:
        atom = rw.GetAtomWithIdx(idx)
        atom.SetNumExplicitHs(max(0, atom.GetNumExplicitHs() - 1))
        rw.AddBond(idx, rw.AddAtom(Chem.Atom(0)), Chem.BondType.SINGLE)
    out = rw.GetMol()
    try:
        Chem.SanitizeMol(out)
    except Exception as exc:  # noqa: BLE001 - RDKit raises several types
        raise ValueError(f"cannot put ends on its first and last atoms ({_first_line(exc)})") from None
    return Chem.MolToSmiles(out)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
