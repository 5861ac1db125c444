import pytest

from core import datasets
from core.datasets import qm9


def _value(name, smiles):
    table = datasets.load(name).set_index("structure")
    return float(table.loc[smiles, "target"].iloc[0] if hasattr(table.loc[smiles, "target"], "iloc")
                 else table.loc[smiles, "target"])


def test_methane_atomization_energy_per_atom():
    # U0(CH4) = -40.47893 Ha; atoms: -37.846772 + 4 x -0.500273 Ha; five atoms
    expected = (-40.47893 - (-37.846772 - 4 * 0.500273)) * qm9.HARTREE_EV / 5
    assert _value("qm9_u0_atom", "C") == pytest.approx(expected, rel=1e-6)


def test_intensive_variants_of_heat_capacity():
    cv = _value("qm9_cv", "C")
    assert cv == pytest.approx(6.469)
    assert _value("qm9_cv_per_mass", "C") == pytest.approx(6.469 * 4.184 / 16.043, rel=1e-4)
    assert _value("qm9_cv_per_atom", "C") == pytest.approx(6.469 / 5)


def test_gap_in_ev_and_mcgowan_volume():
    assert _value("qm9_gap", "C") == pytest.approx(0.5048 * qm9.HARTREE_EV)
    raw = qm9.raw_table().set_index("structure")
    # McGowan volume of methane: 16.35 + 4 x 8.71 - 4 bonds x 6.56 = 24.95 cm3/mol
    assert float(raw.loc["C", "volume"]) == pytest.approx(24.95)


def test_extensive_sources_have_intensive_partners():
    names = set(datasets.DATASETS.names())
    extensive = [s for s in datasets.list_datasets() if s.package == "qm9pack" and s.extensive]
    assert {"qm9_cv", "qm9_alpha"} <= {s.name for s in extensive}  # the loop below has something to check
    for spec in extensive:
        partners = [n for n in names if n.startswith(spec.name + "_per_")]
        assert partners, spec.name


def test_coordinates_of_methane():
    elements, xyz = qm9.coordinates("C")
    assert elements == ["C", "H", "H", "H", "H"] and xyz.shape == (5, 3)
    assert qm9.coordinates("c1ccccc1C(F)(F)F") is None or len(qm9.coordinates("c1ccccc1C(F)(F)F")[0]) > 0
