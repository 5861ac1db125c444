import numpy as np
import pytest

from core.errors import InputError
from core.features import make_featurizer
from core.features.composition import CompositionDescriptors
from core.features.elements import element_table


def _col(featurizer, X, name):
    return X[:, list(featurizer.get_feature_names_out()).index(name)]


def test_table_is_xenonpy_58_features_for_94_elements():
    table = element_table()
    assert table.shape == (94, 58)
    assert table.index[0] == "H" and table.index[-1] == "Pu"
    assert not table.isna().any().any()


def test_known_values_for_fe2o3():
    f = CompositionDescriptors().fit()
    X = f.transform(["Fe2O3"])
    assert X.shape == (1, 290)
    assert _col(f, X, "ave:atomic_number")[0] == pytest.approx(15.2)
    assert _col(f, X, "sum:atomic_number")[0] == pytest.approx(76.0)
    assert _col(f, X, "var:atomic_number")[0] == pytest.approx(0.4 * 10.8**2 + 0.6 * 7.2**2)
    assert _col(f, X, "max:atomic_number")[0] == 26 and _col(f, X, "min:atomic_number")[0] == 8


def test_full_stats_add_geometric_and_harmonic_means():
    f = CompositionDescriptors(stats="full").fit()
    X = f.transform(["Fe2O3"])
    assert X.shape == (1, 406)
    assert _col(f, X, "gmean:atomic_number")[0] == pytest.approx(26**0.4 * 8**0.6)
    assert _col(f, X, "hmean:atomic_number")[0] == pytest.approx(1 / (0.4 / 26 + 0.6 / 8))


def test_order_and_scaling_invariance_of_intensive_stats():
    f = CompositionDescriptors().fit()
    a, b = f.transform(["Fe2O3", "O6Fe4"])
    names = list(f.get_feature_names_out())
    ave = [i for i, n in enumerate(names) if n.startswith("ave:")]
    assert np.allclose(a[ave], b[ave])
    s = names.index("sum:atomic_number")
    assert b[s] == pytest.approx(2 * a[s])


def test_errors_name_the_row():
    f = CompositionDescriptors().fit()
    with pytest.raises(InputError, match="composition cannot read 'Am2O3': has no elemental features for Am") as info:
        f.transform(["NaCl", "Am2O3"])
    assert info.value.index == 1
    with pytest.raises(InputError, match="composition cannot read 'Xx': unknown element Xx"):
        f.transform(["Xx"])
    with pytest.raises(InputError, match="stats must be"):
        make_featurizer("composition", {"stats": "fancy"})


def test_element_fractions_are_atomic_fractions_h_to_pu():
    f = make_featurizer("element_fraction").fit()
    X = f.transform(["Fe2O3", "O6Fe4", "Fe0.7Cr0.18Ni0.12"])
    names = list(f.get_feature_names_out())
    assert X.shape == (3, 94) and names[0] == "fraction:H" and names[-1] == "fraction:Pu"
    assert _col(f, X, "fraction:Fe")[0] == pytest.approx(0.4) and _col(f, X, "fraction:O")[0] == pytest.approx(0.6)
    assert np.allclose(X[0], X[1])  # a formula and its multiple are the same composition
    assert _col(f, X, "fraction:Cr")[2] == pytest.approx(0.18)
    assert np.allclose(X.sum(axis=1), 1.0)


def test_element_fractions_report_the_row_they_cannot_read():
    f = make_featurizer("element_fraction").fit()
    with pytest.raises(InputError, match="has no elemental features for Am") as info:
        f.transform(["NaCl", "Am2O3"])
    assert info.value.index == 1
