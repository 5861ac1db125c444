"""Descriptors of crystal structures given as CIF text (read with pymatgen).

The columns are the classic composition descriptors of the structure's composition
followed by 17 structural ones: density (g/cm^3), volume per atom (A^3), number of
sites, lattice lengths a, b, c (A) and angles alpha, beta, gamma (degrees), space-group
number, and a one-hot crystal system (7 columns).  A CIF column in a user table holds
either CIF text or the name of a CIF file in an uploaded zip (resolved by
:mod:`core.tables` before featurizing).
"""

from __future__ import annotations

import warnings

import numpy as np

from core.domains import Domain
from core.errors import InputError
from core.features.base import Featurizer
from core.features.composition import CompositionDescriptors

CRYSTAL_SYSTEMS = ("triclinic", "monoclinic", "orthorhombic", "tetragonal", "trigonal", "hexagonal", "cubic")
_STRUCTURAL = ["density", "volume_per_atom", "n_sites", "a", "b", "c", "alpha", "beta", "gamma",
               "spacegroup_number"] + [f"system_{s}" for s in CRYSTAL_SYSTEMS]


def parse_cif(text: str):
    """First structure of a CIF text as a pymatgen Structure (ValueError if none)."""
    from pymatgen.io.cif import CifParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            structures = CifParser.from_str(text).parse_structures(primitive=False)
        except Exception as exc:
            raise ValueError(f"is not a readable CIF ({str(exc).splitlines()[0][:120]})") from None
    if not structures:
        raise ValueError("is a CIF without a structure")
    return structures[0]


def structure_formula(text: str) -> str:
    """Reduced formula of the structure in a CIF text."""
    return parse_cif(text).composition.reduced_formula


class StructureDescriptors(Featurizer):
    """Composition (classic, 290) plus 17 structural descriptors of a CIF structure.

    The 17 structural columns are prefixed ``struct:``, see the module docstring.
    """

    name = "structure"
    domains = (Domain.INORGANIC,)
    cif_only = True  # reads crystal structures, not formulas

    def __init__(self, symprec: float = 0.1):
        self.symprec = symprec

    def _columns(self) -> list[str]:
        return list(CompositionDescriptors().get_feature_names_out()) + [f"struct:{c}" for c in _STRUCTURAL]

    def _featurize_many(self, values):
        from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

        structures, formulas = [], []
        for row, text in enumerate(values):
            try:
                structure = parse_cif(text)
            except ValueError as exc:
                raise InputError(f"row {row + 1}: {exc}") from None
            structures.append(structure)
            formulas.append(structure.composition.formula.replace(" ", ""))
        comp = CompositionDescriptors().transform(formulas)
        extra = np.zeros((len(values), len(_STRUCTURAL)))
        for i, s in enumerate(structures):
            lat = s.lattice
            try:
                sga = SpacegroupAnalyzer(s, symprec=self.symprec)
                number, system = sga.get_space_group_number(), sga.get_crystal_system()
            except Exception:
                number, system = 1, "triclinic"
            onehot = [1.0 if system == cs else 0.0 for cs in CRYSTAL_SYSTEMS]
            extra[i] = [float(s.density), s.volume / len(s), len(s), lat.a, lat.b, lat.c,
                        lat.alpha, lat.beta, lat.gamma, number, *onehot]
        return np.hstack([comp, extra])
