"""Turning a polymer repeat unit (two ``*`` ends) into a molecule featurizers can read.

A repeat unit is a piece of an endless chain, so its ends must not become chemistry that
the chain does not have.  Three documented ways (``polymer_ends``):

``"trimer"`` (default)
    Copies joined head to tail, the two outer ends capped with hydrogen.  MACCS keys and
    RDKit 2D descriptors are computed on three copies.  Morgan fingerprints keep only the
    environments centred on the middle copy, and use as many copies as the radius needs
    (:func:`copies_for_radius`: three for most units, five or more when the two ends are
    within ``radius`` bonds of each other, as in vinyl polymers), so the middle copy sees
    exactly the neighbours it has in the infinite chain and the counts are per repeat unit.
``"methyl"``
    Each ``*`` becomes a methyl group: the repeat unit as a small molecule whose ends look
    like a saturated chain.
``"hydrogen"``
    Each ``*`` becomes hydrogen: the "monomer-like" molecule.

Every way works on a Kekulé copy of the unit (aromatic flags cleared), so an end on an
aromatic atom (an imide nitrogen, a ring carbon of an aramid or a polythiophene), on a
heteroatom, a charged atom or silicon, or both ends on one atom, gives a molecule RDKit
can sanitize and re-aromatize: removing a ``*`` from an atom that keeps no partner adds one
hydrogen to it, and joining copies replaces the two ``*`` by one single bond.
"""

from __future__ import annotations

import math
from functools import lru_cache

from rdkit import Chem

from core.domains import has_marked_ends, parse_repeat_unit

ENDS = ("trimer", "methyl", "hydrogen")
_COPY = "_copy"


def is_repeat_unit(text: str) -> bool:
    """True for SMILES with marked ends (``*`` or two ``[At]`` placeholders)."""
    return has_marked_ends(text)


def _label(atom: Chem.Atom) -> tuple[int, int]:
    return (atom.GetAtomMapNum() or atom.GetIsotope() or 1 << 30, atom.GetIdx())


def end_atoms(mol: Chem.Mol) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((head star, head atom), (tail star, tail atom))``; ``[*:1]`` (or the first ``*``) is the head."""
    stars = sorted((a for a in mol.GetAtoms() if a.GetAtomicNum() == 0), key=_label)
    return tuple((s.GetIdx(), s.GetNeighbors()[0].GetIdx()) for s in stars)  # type: ignore[return-value]


def end_distance(mol: Chem.Mol) -> int:
    """Bonds on the shortest path between the head and tail atoms (0 when they are one atom)."""
    (_, head), (_, tail) = end_atoms(mol)
    return 0 if head == tail else len(Chem.GetShortestPath(mol, head, tail)) - 1


def copies_for_radius(mol: Chem.Mol, radius: int) -> int:
    """Odd number of copies whose middle copy is farther than ``radius`` bonds from both caps.

    The capped end of the chain is ``m * (d + 1)`` bonds from the middle copy, with ``m``
    copies on each side and ``d`` the :func:`end_distance`; Morgan environments of radius
    ``r`` see atoms up to ``r`` bonds away, so ``m * (d + 1) > r`` is needed.
    """
    side = max(1, math.ceil((int(radius) + 1) / (end_distance(mol) + 1)))
    return 2 * side + 1


def _kekule(mol: Chem.Mol) -> Chem.RWMol:
    rw = Chem.RWMol(mol)
    Chem.Kekulize(rw, clearAromaticFlags=True)
    return rw


def _finish(rw: Chem.RWMol, stars: list[int], capped: list[int]) -> Chem.Mol:
    """Remove the ``stars``, give each ``capped`` atom one more hydrogen, and sanitize."""
    for idx in capped:
        atom = rw.GetAtomWithIdx(idx)
        atom.SetNumExplicitHs(atom.GetNumExplicitHs() + 1)
    for idx in sorted(stars, reverse=True):
        rw.RemoveAtom(idx)
    out = rw.GetMol()
    try:
        Chem.SanitizeMol(out)
    except Exception as exc:  # noqa: BLE001 - RDKit raises several exception types
        message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"RDKit cannot build the capped chain ({message})") from None
    return out


def cap(mol: Chem.Mol, ends: str) -> Chem.Mol:
    """The repeat unit with each ``*`` replaced by hydrogen (``"hydrogen"``) or methyl (``"methyl"``)."""
    rw = _kekule(mol)
    pairs = end_atoms(mol)
    if ends == "hydrogen":
        return _finish(rw, [s for s, _ in pairs], [a for _, a in pairs])
    for star, _ in pairs:
        atom = rw.GetAtomWithIdx(star)
        atom.SetAtomicNum(6)
        atom.SetIsotope(0)
        atom.SetAtomMapNum(0)
        atom.SetNoImplicit(False)
        atom.SetNumExplicitHs(0)
    return _finish(rw, [], [])


def oligomer(mol: Chem.Mol, copies: int) -> tuple[Chem.Mol, tuple[int, ...]]:
    """``copies`` repeat units joined head to tail, capped with hydrogen, and the atom
    indices of the middle copy (``copies // 2``, counting from 0).

    Parameters
    ----------
    mol : Mol
        A repeat unit as :func:`core.domains.parse_repeat_unit` returns it.
    copies : int
        At least 1.
    """
    (head_star, head), (tail_star, tail) = end_atoms(mol)
    unit = _kekule(mol)
    for atom in unit.GetAtoms():
        atom.SetIntProp(_COPY, 0)
    n = unit.GetNumAtoms()
    chain = Chem.RWMol(unit)
    for k in range(1, copies):
        chain.InsertMol(unit)
        for i in range(k * n, (k + 1) * n):
            chain.GetAtomWithIdx(i).SetIntProp(_COPY, k)
        chain.AddBond(tail + (k - 1) * n, head + k * n, Chem.BondType.SINGLE)
    stars = [s + k * n for k in range(copies) for s in (head_star, tail_star)]
    out = _finish(chain, stars, [head, tail + (copies - 1) * n])
    middle = tuple(a.GetIdx() for a in out.GetAtoms() if a.GetIntProp(_COPY) == copies // 2)
    return out, middle


@lru_cache(maxsize=65536)
def repeat_unit_to_mol(text: str, ends: str = "trimer") -> tuple[Chem.Mol, tuple[int, ...] | None]:
    """Molecule standing for a repeat unit, and the atoms of its central copy (trimer only).

    Raises
    ------
    ValueError
        If the text is not a valid repeat unit, RDKit cannot build the molecule, or
        ``ends`` is unknown.
    """
    if ends not in ENDS:
        raise ValueError(f"unknown polymer_ends {ends!r}; choose one of {', '.join(ENDS)}")
    mol = parse_repeat_unit(text)
    if ends == "trimer":
        return oligomer(mol, 3)
    return cap(mol, ends), None


@lru_cache(maxsize=65536)
def morgan_chain(text: str, radius: int) -> tuple[Chem.Mol, tuple[int, ...]]:
    """The oligomer Morgan counts of radius ``radius`` are taken on, and its middle copy's atoms."""
    mol = parse_repeat_unit(text)
    return oligomer(mol, copies_for_radius(mol, radius))


__all__ = ["ENDS", "cap", "copies_for_radius", "end_atoms", "end_distance", "is_repeat_unit", "morgan_chain",
           "oligomer", "repeat_unit_to_mol"]
