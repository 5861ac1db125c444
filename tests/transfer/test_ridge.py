"""The batched fold-by-fold ridge against scikit-learn fits of the same scaled features."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge

from core.transfer.cv import CVScheme
from core.transfer.ridge import DEFAULT_PENALTIES, cv_ridge, fold_errors
from core.transfer.scaling import BoundedScaler


def _reference(blocks, y, splits, relative):
    """Per model, fold and penalty: BoundedScaler per block, unit-trace weights, sklearn Ridge."""
    M = max(b.shape[0] for b in blocks)
    n = len(y)
    out = np.full((M, len(relative), len(splits), n), np.nan)
    for m in range(M):
        for f, (train, test) in enumerate(splits):
            scaled_tr, scaled_te = [], []
            for b in blocks:
                X = b[min(m, b.shape[0] - 1)]
                scaler = BoundedScaler().fit(X[train])
                scaled_tr.append(scaler.transform(X[train]))
                scaled_te.append(scaler.transform(X[test]))
            weights = [1.0] * len(blocks)
            if len(blocks) > 1:
                weights = [1 / np.sqrt((z**2).sum()) if (z**2).sum() > 0 else 0.0 for z in scaled_tr]
            Ztr = np.hstack([z * w for z, w in zip(scaled_tr, weights)])
            Zte = np.hstack([z * w for z, w in zip(scaled_te, weights)])
            scale = float(((Ztr - Ztr.mean(axis=0)) ** 2).sum()) / len(train) or 1.0
            for l, rel in enumerate(relative):
                out[m, l, f, test] = Ridge(alpha=rel * scale).fit(Ztr, y[train]).predict(Zte)
    return out


def _collapse(ref, splits, n):
    """(M, L, folds, n) -> (M, L, repetitions, n) as cv_ridge lays it out."""
    reps, current, seen = [], None, np.zeros(n, dtype=bool)
    for f, (_, test) in enumerate(splits):
        if current is None or seen[test].any():
            current = np.full(ref.shape[:2] + (n,), np.nan)
            reps.append(current)
            seen[:] = False
        current[..., test] = ref[:, :, f, test]
        seen[test] = True
    return np.stack(reps, axis=2)


def _data(seed, M, n, widths):
    rng = np.random.default_rng(seed)
    blocks = [rng.normal(size=(m, n, w)) * rng.uniform(0.1, 10, size=w) for m, w in zip(M, widths)]
    blocks[0][:, :, 0] = 3.0  # a constant column
    if blocks[0].shape[2] > 2:
        blocks[0][:, :, 1] = 1.0 + 1e-9 * rng.normal(size=(blocks[0].shape[0], n))  # float noise: constant
    y = blocks[0][0, :, -1] * 2 + rng.normal(size=n)
    return blocks, y


@pytest.mark.parametrize("widths,n", [((6,), 40), ((60,), 40), ((5, 9), 40), ((30, 50), 40), ((3, 4), 12)],
                         ids=["feature-form", "kernel-form", "two-blocks-feature", "two-blocks-kernel", "tiny"])
@pytest.mark.parametrize("scheme", [CVScheme("kfold", k=5, seed=1), CVScheme("repeated", k=4, repeats=2, seed=2),
                                    CVScheme("loo"), CVScheme("extrapolation")])
def test_equals_sklearn_on_both_sides_of_the_form_switch(widths, n, scheme):
    blocks, y = _data(0, [3] + [1] * (len(widths) - 1), n, widths)  # later blocks shared, as the raw one
    splits = scheme.splits(y)
    got = cv_ridge([torch.from_numpy(b) for b in blocks], torch.from_numpy(y), splits).numpy()
    expected = _collapse(_reference(blocks, y, splits, DEFAULT_PENALTIES), splits, n)
    covered = ~np.isnan(expected)
    assert np.array_equal(covered, ~np.isnan(got))
    assert np.abs(got[covered] - expected[covered]).max() < 1e-6


def test_new_rows_far_outside_are_clipped_not_extrapolated():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1, 30, 4))
    y = X[0, :, 0] + 0.1 * rng.normal(size=30)
    X[0, 29, 0] = 1e6  # one test row far away along the informative column
    splits = [(np.arange(29), np.array([29]))]
    pred = cv_ridge([torch.from_numpy(X)], torch.from_numpy(y), splits).numpy()[0, :, 0, 29]
    span = np.ptp(y[:29])
    assert np.all(np.abs(pred) < 3 * span + np.abs(y).max())


def test_fold_errors_are_the_mean_absolute_error_of_each_fold():
    blocks, y = _data(1, [2], 30, [5])
    splits = CVScheme(k=3, seed=0).splits(y)
    oof = cv_ridge([torch.from_numpy(blocks[0])], torch.from_numpy(y), splits)
    errors = fold_errors(oof, torch.from_numpy(y), splits).numpy()
    for f, (_, test) in enumerate(splits):
        assert errors[1, 2, f] == pytest.approx(np.abs(oof[1, 2, 0, test].numpy() - y[test]).mean())


def test_a_column_nearly_constant_on_the_training_rows_keeps_its_precision():
    """A unit that barely fires on the training rows but strongly on the rows a fold leaves
    out: sums over all rows minus the left-out rows would lose its variance to rounding, so
    its products come from the scaled rows (the answer equals scikit-learn's)."""
    rng = np.random.default_rng(1)
    n = 400
    X = np.maximum(rng.normal(size=(1, n, 8)), 0)
    X[0, :, 0] = 0.0
    X[0, 5, 0] = 1e-6
    X[0, 340:380, 0] = rng.uniform(20, 80, 40)
    y = X[0, :, 1] - X[0, :, 2] + 0.1 * rng.normal(size=n)
    splits = [(np.arange(320), np.arange(320, n))]
    got = cv_ridge([torch.from_numpy(X)], torch.from_numpy(y), splits).numpy()
    expected = _collapse(_reference([X], y, splits, DEFAULT_PENALTIES), splits, n)
    covered = ~np.isnan(expected)
    assert np.abs(got[covered] - expected[covered]).max() < 1e-6
