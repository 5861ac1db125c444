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
