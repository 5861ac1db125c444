"""CHGNet 0.3.0 crystal features of CIF structures."""

import sys

import numpy as np
import pytest

from core.errors import DataUnavailableError
from core.features import make_featurizer
from core.features import crystal_fp
from core.features.crystal_fp import CHGNetCrystalFeatures, model_path
from tests.crystals import two_site_cif

CIFS = [two_site_cif(), two_site_cif("Cs", "Cl", 4.12)]


@pytest.fixture(scope="module")
def features():
    return make_featurizer("chgnet_crystal").transform(CIFS)


def test_loads_offline_from_the_wheel_with_the_documented_width(features, capsys):
    assert model_path().name == "chgnet_0.3.0_e29f68s314m37.pth.tar"
    assert features.shape == (2, 64) == (2, CHGNetCrystalFeatures().fit().n_features_out_)
    assert np.isfinite(features).all() and not np.allclose(features[0], features[1])
    make_featurizer("chgnet_crystal").transform(CIFS[:1])
    assert capsys.readouterr().out == ""  # CHGNet's own print goes to stderr: stdout is for JSON


def test_same_numbers_twice_and_per_structure(features):
    f = make_featurizer("chgnet_crystal")
    assert np.array_equal(features, f.transform(CIFS))
    assert np.allclose(features[1], f.transform(CIFS[1:])[0], atol=1e-5)


def test_structure_changes_the_features(features):
    strained = make_featurizer("chgnet_crystal").transform([two_site_cif(length=6.0)])
    assert not np.allclose(strained[0], features[0], atol=1e-4)


def test_a_formula_or_bad_cif_is_named_and_spares_the_others(features):
    X, failed = make_featurizer("chgnet_crystal").transform_report(["NaCl", CIFS[0]])
    assert list(failed) == [0] and "not a readable CIF" in failed[0]
    assert np.allclose(X[1], features[0], atol=1e-5)
    assert CHGNetCrystalFeatures.cif_only


def test_missing_package_fails_clearly_and_other_featurizers_still_work(monkeypatch):
    crystal_fp.load_chgnet.cache_clear()
    monkeypatch.setitem(sys.modules, "chgnet", None)  # import chgnet now raises ImportError
    monkeypatch.setitem(sys.modules, "chgnet.model", None)
    try:
        with pytest.raises(DataUnavailableError, match="CHGNet features need the chgnet package"):
            crystal_fp.load_chgnet()
        with pytest.raises(DataUnavailableError, match="need the chgnet package"):
            make_featurizer("chgnet_crystal").transform(CIFS[:1])
        assert make_featurizer("structure").transform(CIFS[:1]).shape == (1, 307)
    finally:
        crystal_fp.load_chgnet.cache_clear()
