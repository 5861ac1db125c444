import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge

from core.transfer.cv import CVScheme
from core.transfer.ridge import centred_gram, cv_ridge, standardise


@pytest.mark.parametrize("scheme", [CVScheme("kfold", k=5, seed=1), CVScheme("repeated", k=4, repeats=3, seed=2),
                                    CVScheme("loo"), CVScheme("extrapolation")])
def test_closed_form_equals_sklearn_refits(scheme):
    rng = np.random.default_rng(0)
    n, d, M = 40, 25, 3
    Z = standardise(torch.from_numpy(rng.normal(size=(M, n, d))))
    y = Z[0, :, 0].numpy() * 2 + rng.normal(size=n)
    splits = scheme.splits(y)
    result = cv_ridge(centred_gram(Z), torch.from_numpy(y), splits)
    worst = 0.0
    for m in range(M):
        for l in range(result.penalties.shape[1]):
            alpha = float(result.penalties[m, l])
            reps = []
            for train, test in splits:
                if not reps or not np.isnan(reps[-1][test]).all():
                    reps.append(np.full(n, np.nan))
                reps[-1][test] = Ridge(alpha=alpha).fit(Z[m][train].numpy(), y[train]).predict(Z[m][test].numpy())
            expected = np.array(reps)
            got = result.oof[m, l].numpy()
            covered = ~np.isnan(expected)
            worst = max(worst, float(np.abs(got[covered] - expected[covered]).max()))
    assert worst < 1e-6


def test_penalties_are_relative_to_each_models_scale():
    rng = np.random.default_rng(1)
    Z = torch.from_numpy(rng.normal(size=(1, 30, 10)))
    y = torch.from_numpy(rng.normal(size=30))
    splits = CVScheme(k=3).splits(y.numpy())
    a = cv_ridge(centred_gram(Z), y, splits)
    b = cv_ridge(centred_gram(Z * 10), y, splits)
    assert torch.allclose(a.oof, b.oof, atol=1e-8)  # rescaling features changes nothing
    assert torch.allclose(b.penalties, a.penalties * 100)


def test_feature_path_equals_gram_path_when_features_are_fewer_than_rows():
    rng = np.random.default_rng(2)
    Z = standardise(torch.from_numpy(rng.normal(size=(4, 50, 12))))
    Z[1, :, 5:] = 0.0  # padded (all-zero) columns, as in stacked nets of different widths
    y = torch.from_numpy(rng.normal(size=50))
    splits = CVScheme("repeated", k=5, repeats=2, seed=0).splits(y.numpy())
    by_gram = cv_ridge(centred_gram(Z), y, splits)
    by_features = cv_ridge(None, y, splits, Z=Z)
    assert torch.allclose(by_gram.penalties, by_features.penalties)
    assert torch.allclose(by_gram.oof, by_features.oof, atol=1e-8)


def test_feature_path_drops_zero_columns_and_keeps_each_models_place():
    """Models of different widths, zero columns in the middle (two layers concatenated),
    chunks of one model: each row of the result is that model alone, unpadded."""
    rng = np.random.default_rng(3)
    n, W = 30, 9
    y = torch.from_numpy(rng.normal(size=n))
    splits = CVScheme(k=5, seed=0).splits(y.numpy())
    active = [[0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 4], [1, 2, 6, 7], [3], [0, 1, 2, 5, 8]]
    Z = torch.zeros((len(active), n, W), dtype=torch.float64)
    for m, cols in enumerate(active):
        Z[m][:, cols] = standardise(torch.from_numpy(rng.normal(size=(1, n, len(cols)))))[0]
    together = cv_ridge(None, y, splits, Z=Z, chunk_bytes=1)
    for m, cols in enumerate(active):
        alone = cv_ridge(None, y, splits, Z=Z[m : m + 1][:, :, cols])
        assert torch.allclose(together.oof[m], alone.oof[0], atol=1e-10)
        assert torch.allclose(together.penalties[m], alone.penalties[0])


@pytest.mark.parametrize("use_features", [False, True])
def test_rows_no_fold_covers_are_nan(use_features):
    """Extrapolation mode tests only the top of the range: the other rows have no
    out-of-fold prediction and must not carry leftover memory into metrics and plots."""
    rng = np.random.default_rng(4)
    y = rng.normal(size=40)
    Z = standardise(torch.from_numpy(rng.normal(size=(3, 40, 8))))
    splits = CVScheme("extrapolation").splits(y)
    tested = np.zeros(40, dtype=bool)
    for _, test in splits:
        tested[test] = True
    assert 0 < tested.sum() < 40
    for _ in range(5):  # fresh allocations each time: leftovers would show in some of them
        result = cv_ridge(None, torch.from_numpy(y), splits, Z=Z) if use_features else \
            cv_ridge(centred_gram(Z), torch.from_numpy(y), splits)
        oof = result.oof.numpy()
        assert np.isnan(oof[..., ~tested]).all()
        assert np.isfinite(oof[..., tested]).all()
