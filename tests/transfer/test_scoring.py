import numpy as np
import pytest

from core.transfer.cv import CVScheme
from core.transfer.scoring import summarize, summarize_many
from core.transfer.strategies import _assemble


@pytest.mark.parametrize("scheme", [CVScheme(), CVScheme("repeated", k=3, repeats=2), CVScheme("extrapolation")])
def test_many_at_once_equals_one_at_a_time(scheme):
    rng = np.random.default_rng(0)
    y = rng.normal(size=30)
    splits = scheme.splits(y)
    oofs = np.stack([_assemble(splits, [np.full(len(te), 1.0) if c == 0 else y[te] + rng.normal(size=len(te))
                                        for _, te in splits], len(y)) for c in range(5)])
    many = summarize_many(oofs, y, splits)
    for i in range(5):
        for key, value in summarize(oofs[i], y, splits).items():
            assert many[key][i] == pytest.approx(value, nan_ok=True, abs=1e-12), (key, i)
    assert np.isnan(many["spearman"][0])  # a constant prediction has no rank correlation
