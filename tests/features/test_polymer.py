import numpy as np
import pytest
from rdkit import Chem

from core.features.molecule import MorganCounts
from core.features.polymer import repeat_unit_to_mol


def _smi(mol):
    return Chem.MolToSmiles(mol)


def test_caps_keep_the_repeat_unit_chemistry():
    assert _smi(repeat_unit_to_mol("*CC(*)c1ccccc1", "hydrogen")[0]) == "CCc1ccccc1"
    assert _smi(repeat_unit_to_mol("*CC(*)c1ccccc1", "methyl")[0]) == "CCC(C)c1ccccc1"
    # a polyether keeps its ether oxygen with methyl caps, where hydrogen caps make an alcohol
    assert _smi(repeat_unit_to_mol("*CCO*", "methyl")[0]) == "CCCOC"


def test_trimer_has_three_units_and_middle_atoms():
    mol, middle = repeat_unit_to_mol("*CC(*)c1ccccc1", "trimer")
    assert mol.GetNumAtoms() == 24 and len(middle) == 8
    assert _smi(repeat_unit_to_mol("*CC*", "trimer")[0]) == "CCCCCC"


def test_trimer_morgan_counts_are_per_repeat_unit_and_see_neighbours():
    f = MorganCounts(radius=2).fit()
    X = f.transform(["*CC(*)c1ccccc1"])
    assert X.sum() == 8 * 3  # eight atoms in the repeat unit, radii 0, 1, 2
    # polyethylene: the middle CH2 groups look like chain atoms, unlike ethane's CH3 ends
    pe, ethane = f.transform(["*CC*", "CC"])
    assert not np.array_equal(pe, ethane)


def test_labelled_ends_equal_plain_ends():
    f = MorganCounts().fit()
    a, b = f.transform(["[*:1]CC([*:2])C(=O)OC", "*CC(*)C(=O)OC"])
    assert np.array_equal(a, b)


def test_bad_repeat_unit_and_ends():
    with pytest.raises(ValueError, match="exactly two"):
        repeat_unit_to_mol("*CC", "trimer")
    with pytest.raises(ValueError, match="unknown polymer_ends"):
        repeat_unit_to_mol("*CC*", "dimer")
