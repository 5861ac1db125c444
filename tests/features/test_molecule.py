import numpy as np
import pytest

from core.errors import InputError
from core.features import FEATURIZERS, from_spec, kinds_for, make_featurizer
from core.features.molecule import MACCSKeys, MorganCounts, RDKit2D


def test_morgan_counts_shape_and_values():
    f = MorganCounts(radius=2, n_bits=1024).fit()
    X = f.transform(["CCO", "c1ccccc1"])
    assert X.shape == (2, 1024)
    assert X[0].sum() == 6  # radius 0 and 1 for three atoms; radius 2 repeats the whole molecule
    assert X[1].max() == 6 and (X[1] > 0).sum() == 3  # benzene: six identical atoms, three radii
    assert list(f.get_feature_names_out()[:2]) == ["morgan_r2_0", "morgan_r2_1"]


def test_every_morgan_option_changes_the_output():
    base = MorganCounts().fit().transform(["CC(=O)Nc1ccc(O)cc1"])
    assert not np.array_equal(base, MorganCounts(radius=1).fit().transform(["CC(=O)Nc1ccc(O)cc1"]))
    assert MorganCounts(n_bits=512).fit().transform(["CCO"]).shape[1] == 512
    poly = ["*CC(*)C(=O)OC"]
    outs = [MorganCounts(polymer_ends=e).fit().transform(poly) for e in ("trimer", "methyl", "hydrogen")]
    assert not np.array_equal(outs[0], outs[1]) and not np.array_equal(outs[1], outs[2])


def test_maccs_and_rdkit2d_columns_are_fixed():
    assert MACCSKeys().fit().transform(["CCO"]).shape == (1, 167)
    r = RDKit2D().fit()
    names = list(r.get_feature_names_out())
    assert "rdkit2d_MolWt" in names and "rdkit2d_Ipc" not in names
    X = r.transform(["CCO"])
    assert X[0, names.index("rdkit2d_MolWt")] == pytest.approx(46.069, abs=1e-2)
    assert np.isfinite(X).all()


def test_bad_smiles_and_bad_params():
    with pytest.raises(InputError, match=r"^morgan cannot read 'C1CC': not a valid SMILES") as info:
        MorganCounts().fit().transform(["CCO", "C1CC"])
    assert info.value.index == 1 and "row" not in str(info.value)
    with pytest.raises(InputError, match="radius must be an integer"):
        make_featurizer("morgan", {"radius": "x"})
    with pytest.raises(InputError, match="has no parameter bits"):
        make_featurizer("morgan", {"bits": 3})
    with pytest.raises(InputError, match="unknown featurizer 'ecfp'"):
        make_featurizer("ecfp")


def test_spec_round_trip_and_registry():
    f = make_featurizer("morgan", {"radius": 3, "n_bits": 256})
    g = from_spec(f.spec())
    assert g.get_params() == f.get_params()
    assert np.array_equal(f.transform(["CCN"]), g.transform(["CCN"]))
    assert set(FEATURIZERS.names()) == {"morgan", "maccs", "rdkit2d", "composition", "element_fraction", "structure",
                                        "chemprop_admet", "element_embedding", "chgnet_crystal"}
    assert kinds_for("polymer") == ["morgan", "maccs", "rdkit2d", "chemprop_admet"]
    assert kinds_for("inorganic") == ["composition", "element_fraction", "element_embedding"]  # CIF-only ones left out
