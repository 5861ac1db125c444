"""Polymer repeat units from monomers by reaction rules (pure chemistry, RDKit only).

Every rule is a reaction SMARTS run with :mod:`rdkit.Chem.rdChemReactions`; the
products carry two dummy atoms (``*``), the ends by which the unit joins its neighbours
in the chain.  Rules:

========================  ==================================================================
``methacrylate``          CH2=C(CH3)C(=O)O- addition (a sub-case of vinyl)
``acrylate``              CH2=CHC(=O)O- addition (a sub-case of vinyl)
``vinyl``                 any other CH2=C< addition (styrene, vinyl chloride, isobutylene)
``lactone_rop``           ring-opening of a lactone at its acyl-oxygen bond -> polyester
``lactam_rop``            ring-opening of a lactam at its amide bond -> polyamide
``cyclic_ether_rop``      ring-opening of an epoxide, oxetane, THF or cyclic acetal -> polyether
``polyester``             diacid + diol (or bisphenol), one ester bond made, ends opened
``polyamide``             diacid + primary diamine, one amide bond made, ends opened
========================  ==================================================================

A ring-opened unit can be written from any ring bond (the chain is the same); the rule's
bond is used and, where several match, the lexicographically smallest canonical SMILES is
kept so the result is deterministic.  :func:`cyclic_key` names the polymer independently
of the frame a unit is written in (``*OCCCCCC(*)=O`` and ``*CCCCCC(=O)O*`` are both
polycaprolactone).  Monomers must be sensible first
(:func:`prepare_monomer`): one neutral fragment of common organic elements, no isotopes,
stereochemistry removed (a repeat unit has no defined tacticity here).

Examples
--------
>>> polymerize("vinyl", "C=Cc1ccccc1")
'*CC(*)c1ccccc1'
>>> polymerize("polyamide", "OC(=O)CCCCC(O)=O", "NCCCCCCN")
'*NCCCCCCNC(=O)CCCCC(*)=O'

Why one module of ~420 lines: every rule is a reaction SMARTS with the few lines that check
its products, and the rules share one matching order (the sub-cases first); they are read
and changed together, as one list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from rdkit import Chem, RDLogger
from rdkit.Chem import rdChemReactions

RDLogger.DisableLog("rdApp.*")

#: Elements a monomer may contain (hydrogen implicit).
ELEMENTS = frozenset({"C", "N", "O", "F", "Cl", "Br", "S", "Si"})
MAX_MONOMER_ATOMS = 25
MAX_UNIT_ATOMS = 30
LACTONE_RING_SIZES = range(4, 10)
LACTAM_RING_SIZES = range(4, 10)
#: Cyclic ethers that ring-open (THP, 1,4-dioxane, size 6, do not, except acetals).
ETHER_RING_SIZES = frozenset({3, 4, 5, 7, 8})


@dataclass(frozen=True)
class Rule:
    """One polymerisation rule.

    Parameters
    ----------
    name : str
        Registry key, recorded with every unit it makes.
    kind : str
        ``"addition"``, ``"ring_opening"`` or ``"condensation"``.
    smarts : str
        The reaction SMARTS; condensation rules join two reactants.
    description : str
    check : callable, optional
        ``check(mol, mapped)`` with the reactant and ``{map number: atom index}`` of one
        match; False rejects that match (for what SMARTS cannot say, e.g. ring sizes).
    """

    name: str
    kind: str
    smarts: str
    description: str
    check: Callable[[Chem.Mol, dict[int, int]], bool] | None = field(default=None, compare=False)


# --- monomer preparation -------------------------------------------------------------

def prepare_monomer(smiles: str, max_atoms: int = MAX_MONOMER_ATOMS) -> Chem.Mol | None:
    """A sensible monomer from ``smiles``, stereochemistry removed, or None.

    Sensible: parses, one fragment, no charges, radicals or isotopes, elements in
    :data:`ELEMENTS`, 2 to ``max_atoms`` heavy atoms.
    """
    if not isinstance(smiles, str) or not smiles or "." in smiles:
        return None
    mol = Chem.MolFromSmiles(smiles)
    if mol is None or not 2 <= mol.GetNumAtoms() <= max_atoms:
        return None
    for atom in mol.GetAtoms():
        if (atom.GetSymbol() not in ELEMENTS or atom.GetFormalCharge() or atom.GetIsotope()
                or atom.GetNumRadicalElectrons()):
            return None
    Chem.RemoveStereochemistry(mol)
    return Chem.MolFromSmiles(Chem.MolToSmiles(mol))


def _count(mol: Chem.Mol, smarts: str) -> int:
    return len(mol.GetSubstructMatches(_query(smarts)))


@cache
def _query(smarts: str) -> Chem.Mol:
    return Chem.MolFromSmarts(smarts)


# --- checks that SMARTS cannot express -------------------------------------------------

def _one_vinyl(mol: Chem.Mol, mapped: dict[int, int]) -> bool:
    """One polymerisable C=C only (no dienes, cross-linkers, alkynes or cumulenes)."""
    return _count(mol, "C=C") == 1 and not _count(mol, "C#C") and not _count(mol, "*=C=*")


def _opened_ring(mol: Chem.Mol, a: int, b: int, sizes) -> tuple[int, ...] | None:
    """The bonds of the one saturated ring that bond a-b lies in, if its size is allowed."""
    bond = mol.GetBondBetweenAtoms(a, b).GetIdx()
    rings = [r for r in mol.GetRingInfo().BondRings() if bond in r]
    if len(rings) != 1 or len(rings[0]) not in sizes:
        return None
    if any(mol.GetBondWithIdx(i).GetBondType() != Chem.BondType.SINGLE for i in rings[0]):
        return None
    return tuple(sorted(rings[0]))


def _sane_ring_monomer(mol: Chem.Mol, ring: tuple[int, ...], nh_atom: int | None = None) -> bool:
    """A ring-opening monomer that a chemist would polymerise: at most three rings, no
    other 3- or 4-membered ring (QM9's strained cages), and no OH, SH or NH (other than
    the lactam's own) that would initiate, transfer or branch."""
    info = mol.GetRingInfo()
    if info.NumRings() > 3:
        return False
    if any(len(r) < 5 and tuple(sorted(r)) != ring for r in info.BondRings()):
        return False
    if _count(mol, "[OX2H1,SX2H1]"):
        return False
    nh = {m[0] for m in mol.GetSubstructMatches(_query("[#7;!H0]"))}
    return nh <= ({nh_atom} if nh_atom is not None else set())


def _ring_check(template: str, sizes, first: int, second: int, nh: bool = False):
    """Check for a lactone or lactam match: allowed ring size, saturated ring, a sane
    monomer, and every matching group in that same ring (bis-lactones cross-link)."""
    query = _query(template)
    index = {atom.GetAtomMapNum(): atom.GetIdx() for atom in query.GetAtoms()}

    def check(mol: Chem.Mol, mapped: dict[int, int]) -> bool:
        ring = _opened_ring(mol, mapped[first], mapped[second], sizes)
        if ring is None or not _sane_ring_monomer(mol, ring, mapped[second] if nh else None):
            return False
        others = {
            _opened_ring(mol, match[index[first]], match[index[second]], sizes)
            for match in mol.GetSubstructMatches(query)
        }
        return others == {ring}

    return check


def _ether_check(mol: Chem.Mol, mapped: dict[int, int]) -> bool:
    """A saturated ring of C and O that ring-opens: 3-, 4-, 5-, 7- or 8-membered, or a
    5- to 8-membered cyclic acetal (1,3-dioxolane, trioxane); one such ring per monomer."""
    acetal = (mapped[2],) in mol.GetSubstructMatches(_query("[$(O@[CX4]@[OX2])]"))
    ring = _opened_ring(mol, mapped[1], mapped[2], range(5, 9) if acetal else ETHER_RING_SIZES)
    if ring is None or not _sane_ring_monomer(mol, ring):
        return False
    ring_atoms = {mol.GetBondWithIdx(i).GetBeginAtomIdx() for i in ring}
    if any(mol.GetAtomWithIdx(i).GetSymbol() not in ("C", "O") for i in ring_atoms):
        return False
    rings = set()
    for a, b in mol.GetSubstructMatches(_query(_ETHER)):
        bond = mol.GetBondBetweenAtoms(a, b).GetIdx()
        rings.update(tuple(sorted(r)) for r in mol.GetRingInfo().BondRings() if bond in r)
    return rings == {ring}


# --- the rules ------------------------------------------------------------------------

_VINYL_PRODUCT = ">>[#0]-[C:1]-[C:2]-[#0]"
_NOT_ENOL = "!R;!$(C-[OH1,SH1,NH1,NH2])"
_LACTONE = "[C;R;$(C[#6]):1](=[O:3])-;@[O;R;$(O[CX4]):2]"
_LACTAM = "[C;R;$(C[#6]):1](=[O:3])-;@[N;R;$(N[CX4]);!$(N(C=O)C=O):2]"
_ETHER = "[CX4:1]-;@[OX2;$(O([CX4])[CX4]):2]"

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("methacrylate", "addition",
             f"[CH2:1]=[C;{_NOT_ENOL};$(C(-[CH3])-C(=O)-[OX2]):2]" + _VINYL_PRODUCT,
             "methacrylate or methacrylic acid: CH2=C(CH3)C(=O)O- -> *CC(*)(C)C(=O)O-", _one_vinyl),
        Rule("acrylate", "addition",
             f"[CH2:1]=[CH1;{_NOT_ENOL};$(C-C(=O)-[OX2]):2]" + _VINYL_PRODUCT,
             "acrylate or acrylic acid: CH2=CHC(=O)O- -> *CC(*)C(=O)O-", _one_vinyl),
        Rule("vinyl", "addition", f"[CH2:1]=[C;{_NOT_ENOL}:2]" + _VINYL_PRODUCT,
             "vinyl or vinylidene addition: CH2=CRR' -> *CC(*)RR'", _one_vinyl),
        Rule("lactone_rop", "ring_opening",
             _LACTONE + ">>([#0]-[C:1]=[O:3].[O:2]-[#0])",
             "lactone (4-9 ring) opened at the acyl-oxygen bond -> polyester",
             _ring_check(_LACTONE, LACTONE_RING_SIZES, 1, 2)),
        Rule("lactam_rop", "ring_opening",
             _LACTAM + ">>([#0]-[C:1]=[O:3].[N:2]-[#0])",
             "lactam (4-9 ring) opened at the amide bond -> polyamide",
             _ring_check(_LACTAM, LACTAM_RING_SIZES, 1, 2, nh=True)),
        Rule("cyclic_ether_rop", "ring_opening", _ETHER + ">>([#0]-[C:1].[O:2]-[#0])",
             "epoxide, oxetane, THF, oxepane or cyclic acetal opened at a C-O bond -> polyether",
             _ether_check),
        Rule("polyester", "condensation",
             "[C:1](=[O:2])-[OX2H1].[OX2H1:3]-[#6;!$(C=O):4]>>[C:1](=[O:2])-[O:3]-[#6:4]",
             "diacid + diol: one ester bond, then the free acid and hydroxyl ends become *"),
        Rule("polyamide", "condensation",
             "[C:1](=[O:2])-[OX2H1].[NX3H2:3]-[#6;!$(C=O):4]>>[C:1](=[O:2])-[N:3]-[#6:4]",
             "diacid + primary diamine: one amide bond, then the free acid and amine ends become *"),
    )
}
#: Addition rules, most specific first: a monomer gets the first that matches.
ADDITION_ORDER = ("methacrylate", "acrylate", "vinyl")

#: Reactions that turn the free ends of a condensation dimer into * ends.
END_RULES = {
    "acid": "[C:1](=[O:2])-[OX2H1]>>[C:1](=[O:2])-[#0]",
    "hydroxyl": "[#6;!$(C=O):1]-[OX2H1:2]>>[#6:1]-[O:2]-[#0]",
    "amine": "[#6;!$(C=O):1]-[NX3H2:2]>>[#6:1]-[N:2]-[#0]",
}

#: Functional-group SMARTS that define the condensation monomer classes.
GROUPS = {
    "acid": "[#6][CX3](=O)[OX2H1]",
    "hydroxyl": "[OX2H1][#6;!$(C=*);!$([#6]([OX2H1])[#7,#8,#16,F,Cl,Br])]",
    "amine": "[NX3H2][#6;!$(C=*);!$([#6]([NX3H2])[#7,#8,#16,F,Cl,Br])]",
    "any_oh": "[OX2H1,SX2H1]",
    "any_nh": "[#7;!H0]",
    "acid_like": "[CX3](=O)[OX2H1,Cl,Br]",
    "anhydride": "C(=O)OC(=O)",
}


@cache
def _reaction(smarts: str) -> rdChemReactions.ChemicalReaction:
    rxn = rdChemReactions.ReactionFromSmarts(smarts)
    rxn.Initialize()
    return rxn


def _sanitized(product: Chem.Mol) -> Chem.Mol | None:
    try:
        Chem.SanitizeMol(product)
    except (Chem.rdchem.MolSanitizeException, ValueError, RuntimeError):
        return None
    return product


def _mapped(product: Chem.Mol) -> dict[int, int]:
    """{template map number: reactant atom index} of the match that made ``product``."""
    return {
        atom.GetIntProp("old_mapno"): atom.GetIntProp("react_atom_idx")
        for atom in product.GetAtoms()
        if atom.HasProp("old_mapno")
    }


def _unit(product: Chem.Mol) -> str | None:
    """Canonical SMILES of a repeat unit with two single-bonded * ends, else None."""
    product = _sanitized(product)
    if product is None or len(Chem.GetMolFrags(product)) != 1:
        return None
    stars = [a for a in product.GetAtoms() if a.GetAtomicNum() == 0]
    if len(stars) != 2 or any(a.GetDegree() != 1 for a in stars):
        return None
    if any(a.GetBonds()[0].GetBondType() != Chem.BondType.SINGLE for a in stars):
        return None
    if not 1 <= product.GetNumAtoms() - 2 <= MAX_UNIT_ATOMS:
        return None
    return Chem.MolToSmiles(product)


def _run_one(rule: Rule, mol: Chem.Mol) -> str | None:
    units = set()
    for (product,) in _reaction(rule.smarts).RunReactants((mol,)):
        if rule.check is not None and not rule.check(mol, _mapped(product)):
            continue
        unit = _unit(product)
        if unit is not None:
            units.add(unit)
    return min(units) if units else None


def _open_end(mol: Chem.Mol, end: str) -> Chem.Mol | None:
    products = _reaction(END_RULES[end]).RunReactants((mol,))
    if not products:
        return None
    return _sanitized(products[0][0])


def _condense(rule: Rule, acid: Chem.Mol, partner: Chem.Mol) -> str | None:
    end = "hydroxyl" if rule.name == "polyester" else "amine"
    units = set()
    for (dimer,) in _reaction(rule.smarts).RunReactants((acid, partner)):
        dimer = _sanitized(dimer)
        if dimer is None:
            continue
        opened = _open_end(dimer, "acid")
        opened = _open_end(opened, end) if opened is not None else None
        unit = _unit(opened) if opened is not None else None
        if unit is not None:
            units.add(unit)
    return min(units) if units else None


def polymerize(rule: str, *monomers: str | Chem.Mol) -> str | None:
    """The repeat unit that ``rule`` makes from ``monomers``, or None if it does not apply.

    Parameters
    ----------
    rule : str
        A key of :data:`RULES`.
    *monomers : str or Mol
        One monomer for addition and ring-opening rules; the diacid then the diol or
        diamine for condensation rules.  Strings are passed through
        :func:`prepare_monomer`.

    Returns
    -------
    str or None
        Canonical SMILES with two ``*`` ends.
    """
    spec = RULES[rule]
    mols = [prepare_monomer(m) if isinstance(m, str) else m for m in monomers]
    if any(m is None for m in mols):
        return None
    if spec.kind == "condensation":
        if len(mols) != 2:
            raise ValueError(f"rule {rule} joins two monomers, got {len(mols)}")
        return _condense(spec, *mols)
    if len(mols) != 1:
        raise ValueError(f"rule {rule} takes one monomer, got {len(mols)}")
    return _run_one(spec, mols[0])


def single_monomer_units(mol: Chem.Mol) -> list[tuple[str, str]]:
    """``(rule, unit)`` for every one-monomer rule that applies to ``mol``.

    At most one addition rule applies (the most specific, :data:`ADDITION_ORDER`); a
    monomer with a vinyl group and an epoxide (glycidyl methacrylate) gives two units.
    """
    out = []
    for name in ADDITION_ORDER:
        unit = _run_one(RULES[name], mol)
        if unit is not None:
            out.append((name, unit))
            break
    for name in ("lactone_rop", "lactam_rop", "cyclic_ether_rop"):
        unit = _run_one(RULES[name], mol)
        if unit is not None:
            out.append((name, unit))
    return out


def cyclic_key(unit: str, copies: int = 3) -> str:
    """Canonical SMILES of ``copies`` units joined head to tail into one ring.

    The same for every frame and direction in which a repeat unit can be written
    (``*OCCCCCC(*)=O`` and ``*CCCCCC(=O)O*`` are both polycaprolactone), so it identifies
    the polymer rather than the string.
    """
    mol = Chem.MolFromSmiles(unit) if isinstance(unit, str) else Chem.Mol(unit)
    Chem.RemoveStereochemistry(mol)
    # join copies on the Kekule form: an end on an aromatic atom (an imide N, a ring C)
    # would otherwise leave RDKit unable to kekulize the joined ring
    Chem.Kekulize(mol, clearAromaticFlags=True)
    stars = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 0]
    ends = [mol.GetAtomWithIdx(i).GetNeighbors()[0].GetIdx() for i in stars]
    n = mol.GetNumAtoms()
    combo = mol
    for _ in range(copies - 1):
        combo = Chem.CombineMols(combo, mol)
    ring = Chem.RWMol(combo)
    for k in range(copies):
        ring.AddBond(ends[1] + k * n, ends[0] + ((k + 1) % copies) * n, Chem.BondType.SINGLE)
    for idx in sorted((s + k * n for s in stars for k in range(copies)), reverse=True):
        ring.RemoveAtom(idx)
    out = ring.GetMol()
    for atom in out.GetAtoms():
        atom.SetNoImplicit(False)
    Chem.SanitizeMol(out)
    return Chem.MolToSmiles(out)


def condensation_class(mol: Chem.Mol) -> str | None:
    """``"diacid"``, ``"diol"``, ``"diamine"`` for a clean bifunctional monomer, else None.

    Clean: exactly two of its groups and no other acid, hydroxyl, thiol, NH, acid halide
    or anhydride that would branch or cap the chain; at most three rings, none strained
    (3- or 4-membered).
    """
    info = mol.GetRingInfo()
    if info.NumRings() > 3 or any(len(r) < 5 for r in info.AtomRings()):
        return None
    n = {key: _count(mol, smarts) for key, smarts in GROUPS.items()}
    if n["anhydride"]:
        return None
    if n["acid"] == 2 and n["acid_like"] == 2 and n["any_oh"] == 2 and n["any_nh"] == 0:
        return "diacid"
    if n["hydroxyl"] == 2 and n["any_oh"] == 2 and n["acid_like"] == 0 and n["any_nh"] == 0:
        return "diol"
    if n["amine"] == 2 and n["any_nh"] == 2 and n["any_oh"] == 0 and n["acid_like"] == 0:
        return "diamine"
    return None


__all__ = [
    "ADDITION_ORDER",
    "ELEMENTS",
    "MAX_UNIT_ATOMS",
    "RULES",
    "Rule",
    "condensation_class",
    "cyclic_key",
    "polymerize",
    "prepare_monomer",
    "single_monomer_units",
]
