import pytest

from core.domains import (Domain, EndsConvention, has_marked_ends, parse, parse_formula, parse_repeat_unit,
                          parse_smiles, starred, structure_key)


def test_domain_parse_accepts_names_and_rejects_others():
    assert Domain.parse("Polymer") is Domain.POLYMER
    with pytest.raises(ValueError, match="unknown domain 'metal'"):
        Domain.parse("metal")


def test_smiles_valid_and_invalid():
    assert parse_smiles("c1ccccc1").GetNumAtoms() == 6
    with pytest.raises(ValueError, match="not a valid SMILES"):
        parse_smiles("C1CC")
    with pytest.raises(ValueError, match="polymer repeat unit"):
        parse_smiles("*CC*")
    with pytest.raises(ValueError, match="is empty"):
        parse_smiles("   ")


@pytest.mark.parametrize("text", ["*CC(*)c1ccccc1", "[*:1]CC([*:2])C", "*Oc1ccc(cc1)C(*)=O"])
def test_repeat_unit_valid(text):
    assert parse_repeat_unit(text).GetNumAtoms() >= 3


@pytest.mark.parametrize(
    "text, reason",
    [("CC*", "exactly two \\* ends, found 1"), ("*C(*)C*", "found 3"), ("**", "bonded to exactly one real atom"),
     ("*=CC*", "single bond"), ("*C1CC1", "found 1")],
)
def test_repeat_unit_errors(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_repeat_unit(text)


def test_formula_known_and_errors():
    comp = parse_formula("Fe2O3")
    assert comp["Fe"] == 2 and comp["O"] == 3
    assert parse_formula("Ca(OH)2")["H"] == 2
    with pytest.raises(ValueError, match="unknown element Xx"):
        parse_formula("Xx2O")
    with pytest.raises(ValueError, match="not a chemical formula"):
        parse_formula("fe2o3!")


def test_parse_dispatches_by_domain():
    assert parse("NaCl", Domain.INORGANIC).num_atoms == 2
    assert parse("CCO", "molecule").GetNumAtoms() == 3


# --- how public data sets write repeat-unit ends -----------------------------------------

@pytest.mark.parametrize("text", ["*CC(*)C", "[*]CC([*])C", "[*:1]CC([*:2])C", "[1*]CC([2*])C", "[At]CC([At])C"])
def test_every_accepted_way_of_writing_ends_is_one_polymer(text):
    mol = parse_repeat_unit(text)
    assert sum(a.GetAtomicNum() == 0 for a in mol.GetAtoms()) == 2 and has_marked_ends(text)
    assert structure_key(text, "polymer") == structure_key("*CC(*)C", "polymer")


def test_astatine_is_a_placeholder_only_as_the_two_ends():
    assert starred("[At]CC([At])c1ccccc1") == "*CC(*)c1ccccc1"
    with pytest.raises(ValueError, match="found 1"):
        parse_repeat_unit("*CC[At]")  # a * marks the ends, so the astatine is an atom
    assert not has_marked_ends("CC[At]")


@pytest.mark.parametrize("text, unit", [
    ("C(S1)=CC=C1", "*c1ccc(*)s1"),  # polythiophene, 2,5-linked
    ("C(c1ccccc1)C", "*CC(*)c1ccccc1"),  # polystyrene
    ("C(=O)CCCCCO", "*OCCCCCC(*)=O"),  # polycaprolactone
    ("CO", "*CO*"),
    ("C", "*C*"),  # a one-atom unit: both ends on it
    ("C(C(=O)[O-])C.[Na+]", "*CC(*)C(=O)[O-].[Na+]"),  # the counter-ion is not an end
    ("*CC*", "*CC*"),  # already starred: unchanged
])
def test_implicit_ends_are_the_first_and_last_heavy_atoms(text, unit):
    assert starred(text, "implicit") == unit


def test_implicit_ends_need_a_hydrogen_to_give_and_explicit_needs_stars():
    with pytest.raises(ValueError, match=r"the first heavy atom \(C\) has no hydrogen"):
        starred("C(F)(F)(F)CC", "implicit")
    with pytest.raises(ValueError, match="has no \\* ends"):
        starred("CCO", EndsConvention.EXPLICIT)
    with pytest.raises(ValueError, match="not a valid SMILES"):
        starred("C1CC", "implicit")
    with pytest.raises(ValueError, match="unknown polymer ends convention 'both'"):
        EndsConvention.parse("both")


def test_ends_in_two_fragments_are_refused():
    with pytest.raises(ValueError, match="different fragments"):
        parse_repeat_unit("*CC.CC*")


def test_structure_keys_see_through_frames_stereo_and_multiples():
    assert structure_key("*OCCCCCC(*)=O", "polymer") == structure_key("*CCCCCC(=O)O*", "polymer")
    assert structure_key("*CCO*", "polymer") != structure_key("*CCCO*", "polymer")
    assert structure_key("C/C=C/C", "molecule") == structure_key("C/C=C\\C", "molecule") == "CC=CC"
    assert structure_key("Fe4O6", "inorganic") == structure_key("Fe2O3", "inorganic")
