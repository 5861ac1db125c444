import pytest

from core.domains import Domain, parse, parse_formula, parse_repeat_unit, parse_smiles


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
