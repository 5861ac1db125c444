"""Turning a polymer repeat unit (two ``*`` ends) into a molecule featurizers can read.

A repeat unit is a piece of an endless chain, so its ends must not become chemistry that
the chain does not have.  Three documented ways (``polymer_ends``):

``"trimer"`` (default)
    Three copies joined head to tail, the two outer ends capped with hydrogen.  Morgan
    fingerprints keep only the environments centred on the middle copy, which sees the
    same neighbours as in the infinite chain (for radius up to one repeat unit), so the
    counts are per repeat unit.  MACCS keys and RDKit 2D descriptors are computed on the
    whole trimer.
``"methyl"``
    Each ``*`` becomes a methyl group: the repeat unit as a small molecule whose ends look
    like a saturated chain.
``"hydrogen"``
    Each ``*`` becomes hydrogen: the "monomer-like" molecule.
"""

from __future__ import annotations

from functools import lru_cache

from rdkit import Chem

from core.domains import parse_repeat_unit

ENDS = ("trimer", "methyl", "hydrogen")


def is_repeat_unit(text: str) -> bool:
    """True for SMILES with ``*`` attachment points."""
    return "*" in text


def _ends(mol: Chem.Mol) -> tuple[tuple[int, int], tuple[int, int]]:
    stars = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 0]
    return tuple((s, mol.GetAtomWithIdx(s).GetNeighbors()[0].GetIdx()) for s in stars)  # type: ignore


def _cap(mol: Chem.Mol, atomic_num: int) -> Chem.Mol:
    rw = Chem.RWMol(mol)
    for star, _ in _ends(mol):
        atom = rw.GetAtomWithIdx(star)
        atom.SetAtomicNum(atomic_num)
        atom.SetIsotope(0)
        atom.SetAtomMapNum(0)
        atom.SetNoImplicit(False)
    out = rw.GetMol()
    Chem.SanitizeMol(out)
    return Chem.RemoveHs(out) if atomic_num == 1 else out


def _trimer(mol: Chem.Mol) -> tuple[Chem.Mol, tuple[int, ...]]:
    (head_star, head), (tail_star, tail) = _ends(mol)
    n = mol.GetNumAtoms()
    combo = Chem.CombineMols(Chem.CombineMols(mol, mol), mol)
    rw = Chem.RWMol(combo)
    # copy k's tail atom bonds to copy k+1's head atom
    for k in range(2):
        rw.AddBond(tail + k * n, head + (k + 1) * n, Chem.BondType.SINGLE)
    stars = sorted({head_star + k * n for k in range(3)} | {tail_star + k * n for k in range(3)}, reverse=True)
    middle = [i for i in range(n, 2 * n) if i not in stars]
    for idx in stars:
        rw.RemoveAtom(idx)
    # indices shift down by the number of removed atoms below each kept index
    removed = sorted(stars)
    middle_new = tuple(i - sum(1 for r in removed if r < i) for i in middle)
    out = rw.GetMol()
    for atom in out.GetAtoms():
        atom.SetNoImplicit(False)
    Chem.SanitizeMol(out)
    return out, middle_new


@lru_cache(maxsize=65536)
def repeat_unit_to_mol(text: str, ends: str = "trimer") -> tuple[Chem.Mol, tuple[int, ...] | None]:
    """Molecule standing for a repeat unit, and the atoms of its central copy (trimer only).

    Raises
    ------
    ValueError
        If the text is not a valid repeat unit or ``ends`` is unknown.
    """
    if ends not in ENDS:
        raise ValueError(f"unknown polymer_ends {ends!r}; choose one of {', '.join(ENDS)}")
    mol = parse_repeat_unit(text)
    if ends == "hydrogen":
        return _cap(mol, 1), None
    if ends == "methyl":
        return _cap(mol, 6), None
    return _trimer(mol)
