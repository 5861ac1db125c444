import pytest

from core import datasets


def test_freesolv_uses_experimental_values():
    table = datasets.load("freesolv").set_index("structure")
    # methanesulfonyl chloride: expt -4.87 kcal/mol (calc is -6.219)
    assert float(table.loc["CS(=O)(=O)Cl", "target"]) == pytest.approx(-4.87)


def test_solubility_and_logbb_ranges():
    assert datasets.load("aqueous_solubility")["target"].between(-13, 3).all()
    assert datasets.load("logbb")["target"].between(-3, 3).all()
