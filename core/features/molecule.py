"""Fingerprints and descriptors of molecules (and of polymer repeat units through
:mod:`core.features.polymer`): Morgan/ECFP counts, MACCS keys, RDKit 2D descriptors.

A structure with ``*`` ends is read as a polymer repeat unit and converted according to
``polymer_ends``; any other SMILES is read as a molecule.  So a model pretrained on
molecules applies to polymers through the same featurizer (cross-domain transfer).  With
``"trimer"`` the Morgan counts are those of the middle copy of an oligomer long enough for
the radius (:func:`core.features.polymer.morgan_chain`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors, MACCSkeys, rdFingerprintGenerator

from core.domains import Domain, parse_smiles
from core.features.base import Featurizer
from core.features.polymer import ENDS, is_repeat_unit, morgan_chain, repeat_unit_to_mol

#: Descriptors left out of ``rdkit2d``: Ipc overflows float64 for large molecules.
RDKIT2D_EXCLUDED = ("Ipc",)


def _to_mol(text: str, polymer_ends: str) -> tuple[Chem.Mol, tuple[int, ...] | None]:
    """The molecule a featurizer reads for ``text`` (a repeat unit through ``polymer_ends``)."""
    if is_repeat_unit(text):
        return repeat_unit_to_mol(text, polymer_ends)
    return parse_smiles(text), None


class _MoleculeFeaturizer(Featurizer):
    domains = (Domain.MOLECULE, Domain.POLYMER)

    def _check_params(self) -> None:
        if self.polymer_ends not in ENDS:
            raise ValueError(f"polymer_ends must be one of {', '.join(ENDS)}, not {self.polymer_ends!r}")


class MorganCounts(_MoleculeFeaturizer):
    """Morgan (ECFP-like) count fingerprint, folded to ``n_bits``.

    Parameters
    ----------
    radius : int, default 2
        Environment radius (2 corresponds to ECFP4).
    n_bits : int, default 2048
        Folded length.
    polymer_ends : {"trimer", "methyl", "hydrogen"}
        How repeat units are read (see :mod:`core.features.polymer`).  With ``"trimer"``
        only environments centred on the middle copy are counted, on an oligomer long
        enough that they are those of the infinite chain (three copies for most units).

    Output columns are ``morgan_r{radius}_{i}`` for i in 0..n_bits-1; counts are clipped
    at 255.
    """

    name = "morgan"
    store_dtype = np.uint8

    def __init__(self, radius: int = 2, n_bits: int = 2048, polymer_ends: str = "trimer"):
        self.radius = radius
        self.n_bits = n_bits
        self.polymer_ends = polymer_ends

    def _columns(self) -> list[str]:
        return [f"morgan_r{self.radius}_{i}" for i in range(self.n_bits)]

    def _check_params(self) -> None:
        super()._check_params()
        if not isinstance(self.radius, (int, np.integer)) or not 0 <= self.radius <= 6:
            raise ValueError(f"radius must be an integer from 0 to 6, not {self.radius!r}")
        if not isinstance(self.n_bits, (int, np.integer)) or not 16 <= self.n_bits <= 65536:
            raise ValueError(f"n_bits must be an integer from 16 to 65536, not {self.n_bits!r}")

    def _prepare(self) -> None:
        self._gen = rdFingerprintGenerator.GetMorganGenerator(radius=int(self.radius), fpSize=int(self.n_bits))

    def _featurize_one(self, text):
        if self.polymer_ends == "trimer" and is_repeat_unit(text):
            mol, centre = morgan_chain(text, int(self.radius))
        else:
            mol, centre = _to_mol(text, self.polymer_ends)
        counts = self._gen.GetCountFingerprintAsNumPy(mol, fromAtoms=list(centre) if centre else [])
        return np.minimum(counts, 255)


class MACCSKeys(_MoleculeFeaturizer):
    """The 167 MACCS structural keys (bit 0 is unused by definition and always 0).

    Parameters
    ----------
    polymer_ends : {"trimer", "methyl", "hydrogen"}
        How repeat units are read.
    """

    name = "maccs"
    store_dtype = np.uint8

    def __init__(self, polymer_ends: str = "trimer"):
        self.polymer_ends = polymer_ends

    def _columns(self) -> list[str]:
        return [f"maccs_{i}" for i in range(167)]

    def _featurize_one(self, text):
        mol, _ = _to_mol(text, self.polymer_ends)
        fp = MACCSkeys.GenMACCSKeys(mol)
        return np.array(list(fp), dtype=np.float64)


@lru_cache(maxsize=1)
def rdkit2d_names() -> tuple[str, ...]:
    """The RDKit 2D descriptor names used (RDKit's list minus :data:`RDKIT2D_EXCLUDED`)."""
    return tuple(name for name, _ in Descriptors._descList if name not in RDKIT2D_EXCLUDED)


class RDKit2D(_MoleculeFeaturizer):
    """RDKit's 2D descriptors (about 216 columns for the pinned RDKit version).

    Columns are ``rdkit2d_<Name>`` in RDKit's own order; non-finite values become 0 and
    magnitudes are clipped at 1e6 so that no single descriptor dominates a network.

    Parameters
    ----------
    polymer_ends : {"trimer", "methyl", "hydrogen"}
        How repeat units are read.
    """

    name = "rdkit2d"

    def __init__(self, polymer_ends: str = "trimer"):
        self.polymer_ends = polymer_ends

    def _columns(self) -> list[str]:
        return [f"rdkit2d_{name}" for name in rdkit2d_names()]

    def _prepare(self) -> None:
        self._funcs = dict(Descriptors._descList)

    def _check_one(self, text) -> None:
        _to_mol(text, self.polymer_ends)  # every descriptor that fails on a molecule is documented as 0

    def _featurize_one(self, text):
        mol, _ = _to_mol(text, self.polymer_ends)
        out = np.empty(len(rdkit2d_names()))
        for j, name in enumerate(rdkit2d_names()):
            try:
                out[j] = float(self._funcs[name](mol))
            except Exception:  # a few descriptors fail on exotic molecules: documented as 0
                out[j] = 0.0
        out[~np.isfinite(out)] = 0.0
        return np.clip(out, -1e6, 1e6)
