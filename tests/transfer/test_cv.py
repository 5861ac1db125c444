import numpy as np
import pytest

from core.errors import InputError
from core.transfer.cv import CVScheme


def test_schemes_and_seed():
    y = np.arange(30.0)
    assert len(CVScheme("kfold", k=5).splits(y)) == 5
    assert len(CVScheme("repeated", k=5, repeats=3).splits(y)) == 15
    assert len(CVScheme("loo").splits(y)) == 30
    a = CVScheme("kfold", seed=1).splits(y)[0][1]
    b = CVScheme("kfold", seed=2).splits(y)[0][1]
    assert not np.array_equal(a, b)
    assert np.array_equal(a, CVScheme("kfold", seed=1).splits(y)[0][1])


def test_extrapolation_holds_out_the_top():
    y = np.random.default_rng(0).normal(size=50)
    (train, test), = CVScheme("extrapolation", top_fraction=0.2).splits(y)
    assert len(test) == 10 and y[test].min() > y[train].max()


def test_too_few_rows_is_a_clear_error():
    with pytest.raises(InputError, match="5-fold cross-validation needs at least 10 rows"):
        CVScheme("kfold", k=5).splits(np.arange(7.0))
    with pytest.raises(InputError, match="leave-one-out needs at least 3 rows"):
        CVScheme("loo").splits(np.arange(2.0))
    with pytest.raises(InputError, match="unknown CV scheme"):
        CVScheme("bootstrap").splits(np.arange(20.0))


@pytest.mark.parametrize("scheme", [CVScheme("kfold", k=5, seed=1), CVScheme("repeated", k=4, repeats=3, seed=2),
                                    CVScheme("loo"), CVScheme("extrapolation")])
def test_rows_of_one_structure_share_a_fold(scheme):
    rng = np.random.default_rng(0)
    groups = [f"s{i}" for i in range(25)] + [f"s{i}" for i in range(10)]  # ten structures twice
    y = rng.normal(size=len(groups))
    splits = scheme.splits(y, groups)
    g = np.asarray(groups)
    for train, test in splits:
        assert not set(g[train]) & set(g[test])
        assert len(set(train) | set(test)) == len(y) or scheme.kind == "extrapolation"


def test_too_few_distinct_structures_is_said():
    groups = ["a", "b", "c", "d"] * 3
    with pytest.raises(InputError, match="distinct structures"):
        CVScheme("kfold", k=5).splits(np.arange(12.0), groups)


def test_one_polymer_written_from_two_frames_is_one_key_and_stereo_is_ignored():
    from core.domains import structure_key

    assert structure_key("*OCCCCCC(*)=O", "polymer") == structure_key("*CCCCCC(=O)O*", "polymer")
    assert structure_key("*CC(*)c1ccccc1", "polymer") != structure_key("*CC(*)C", "polymer")
    assert structure_key("C[C@H](N)C(=O)O", "molecule") == structure_key("C[C@@H](N)C(=O)O", "molecule")
    assert structure_key("Fe2O3", "inorganic") == structure_key("Fe4O6", "inorganic")
