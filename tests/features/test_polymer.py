"""Repeat units as molecules: caps, oligomers, and every class of polymer under every featurizer."""

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

from core.domains import parse_repeat_unit
from core.features import make_featurizer
from core.features.molecule import MorganCounts
from core.features.polymer import copies_for_radius, end_distance, oligomer, repeat_unit_to_mol
from tests.features.polymer_units import ALL_UNITS, UNITS


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


# --- every class of repeat unit, every featurizer, every polymer_ends ----------------------

KAPTON = "*c1ccc(Oc2ccc(-n3c(=O)c4cc5c(=O)n(*)c(=O)c5cc4c3=O)cc2)cc1"
#: Units whose two ends sit on one atom: a pentamer's caps are within radius 2 of its middle.
ONE_ATOM_ENDS = {"poly(dimethylsilylene)"}
SPREAD_UNITS = [(n, u) for n, u in ALL_UNITS if n not in ONE_ATOM_ENDS]


def test_the_curated_set_covers_the_classes():
    assert len(ALL_UNITS) >= 60 and len({u for _, u in ALL_UNITS}) == len(ALL_UNITS)
    for needed in ("polyimides", "aramids and rigid rods", "PEEK and PEK", "polysulfones and sulfides",
                   "polycarbonates", "polyesters", "nylons", "polyurethanes and polyureas", "vinyls and acrylates",
                   "fluoropolymers", "silicones and silanes", "conjugated polymers", "polyethers",
                   "ladder and spiro units", "ionomers and polyelectrolytes"):
        assert len(UNITS[needed]) >= 3, needed
    assert {n for n, u in ALL_UNITS if end_distance(parse_repeat_unit(u)) == 0} == ONE_ATOM_ENDS


@pytest.mark.parametrize("ends", ["trimer", "methyl", "hydrogen"])
@pytest.mark.parametrize("kind", ["morgan", "maccs", "rdkit2d"])
def test_every_curated_unit_featurizes(kind, ends):
    featurizer = make_featurizer(kind, {"polymer_ends": ends})
    X, failed = featurizer.transform_report([u for _, u in ALL_UNITS])
    assert {ALL_UNITS[i][0]: reason for i, reason in failed.items()} == {}
    assert np.isfinite(X).all() and (np.abs(X).sum(axis=1) > 0).all()


def _middle_counts(unit: str, copies: int, radius: int) -> np.ndarray:
    mol, middle = oligomer(parse_repeat_unit(unit), copies)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=2048)
    return np.minimum(gen.GetCountFingerprintAsNumPy(mol, fromAtoms=list(middle)), 255)


@pytest.mark.parametrize("radius", [1, 2])
def test_trimer_morgan_counts_equal_the_middle_copy_of_a_pentamer(radius):
    X = MorganCounts(radius=radius).fit().transform([u for _, u in SPREAD_UNITS])
    differ = [name for (name, unit), x in zip(SPREAD_UNITS, X) if not np.array_equal(x, _middle_counts(unit, 5, radius))]
    assert differ == []


@pytest.mark.parametrize("radius", [1, 2, 3])
def test_trimer_morgan_counts_equal_those_of_a_long_chain(radius):
    X = MorganCounts(radius=radius).fit().transform([u for _, u in ALL_UNITS])
    differ = [name for (name, unit), x in zip(ALL_UNITS, X) if not np.array_equal(x, _middle_counts(unit, 11, radius))]
    assert differ == []


def test_a_plain_trimer_is_too_short_for_vinyl_units_so_more_copies_are_used():
    pp = parse_repeat_unit("*CC(*)C")
    assert not np.array_equal(_middle_counts("*CC(*)C", 3, 2), _middle_counts("*CC(*)C", 7, 2))
    assert copies_for_radius(pp, 2) == 5 and copies_for_radius(pp, 1) == 3
    assert copies_for_radius(parse_repeat_unit(KAPTON), 2) == 3
    assert copies_for_radius(parse_repeat_unit("*[Si](*)(C)C"), 2) == 7


def test_ends_on_aromatic_atoms_give_chemically_right_molecules():
    # Kapton: a * on the imide nitrogen and one on a ring carbon (PMDA-ODA unit C22H10N2O5)
    assert CalcMolFormula(repeat_unit_to_mol(KAPTON, "hydrogen")[0]) == "C22H12N2O5"
    assert CalcMolFormula(repeat_unit_to_mol(KAPTON, "methyl")[0]) == "C24H16N2O5"
    trimer, middle = repeat_unit_to_mol(KAPTON, "trimer")
    assert CalcMolFormula(trimer) == "C66H32N6O15" and len(middle) == 29
    # pyrrole joined through N and C3: the free end is an N-H pyrrole, the rest stay aromatic
    trimer, _ = repeat_unit_to_mol("*n1ccc(*)c1", "trimer")
    assert CalcMolFormula(trimer) == "C12H11N3"
    assert sum(a.GetIsAromatic() for a in trimer.GetAtoms()) == 15
    assert _smi(repeat_unit_to_mol("*n1ccc(*)c1", "hydrogen")[0]) == "c1cc[nH]c1"


def test_ends_on_silicon_charged_atoms_and_one_atom():
    assert _smi(repeat_unit_to_mol("*[Si](*)(C)C", "hydrogen")[0]) == "C[SiH2]C"
    assert _smi(repeat_unit_to_mol("*[Si](*)(C)C", "trimer")[0]) == "C[SiH](C)[Si](C)(C)[SiH](C)C"
    ionene, _ = repeat_unit_to_mol("*[N+](C)(C)CCCCCC*.[Br-]", "trimer")
    assert CalcMolFormula(ionene) == "C24H56Br3N3"  # three C8H18N+ units, two end hydrogens, three Br-
    assert _smi(repeat_unit_to_mol("*[n+]1ccc(*)cc1", "methyl")[0]) == "Cc1cc[n+](C)cc1"


def test_labelled_ends_order_head_and_tail():
    # [*:1] is the head: the unit is joined tail-to-head whichever way the string runs
    a = _smi(repeat_unit_to_mol("[*:2]CC([*:1])C", "trimer")[0])
    b = _smi(repeat_unit_to_mol("[*:1]C(C)C[*:2]", "trimer")[0])
    assert a == b == "CCCC(C)CC(C)C"


def test_astatine_placeholders_are_ends():
    f = MorganCounts().fit()
    a, b = f.transform(["[At]CC([At])c1ccccc1", "*CC(*)c1ccccc1"])
    assert np.array_equal(a, b)
