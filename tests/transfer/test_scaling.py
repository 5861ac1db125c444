"""BoundedScaler: standardisation that stays bounded on rows unlike the training rows."""

import numpy as np
from sklearn.preprocessing import StandardScaler

from core.transfer.refit import LinearFeatureRidge
from core.transfer.scaling import BoundedScaler


def test_training_rows_are_standardised_like_sklearn():
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(40, 5))
    assert np.allclose(BoundedScaler().fit_transform(X), StandardScaler().fit_transform(X))


def test_constant_and_nearly_constant_columns_become_zero():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=30), np.zeros(30), np.float32(0.7) + rng.normal(size=30) * 1e-8])
    scaler = BoundedScaler().fit(X)
    assert scaler.constant_.tolist() == [False, True, True]
    new = scaler.transform([[0.0, 20.6, 5.0]])
    assert new[0, 1] == 0.0 and new[0, 2] == 0.0


def test_new_rows_are_clipped_to_the_widened_training_range():
    X = np.arange(10, dtype=float)[:, None]  # standardised range about [-1.57, 1.57]
    scaler = BoundedScaler(margin=0.5).fit(X)
    z = scaler.transform([[1e6], [-1e6], [4.5]])
    lo, hi = scaler.transform(X).min(), scaler.transform(X).max()
    assert np.isclose(z[0, 0], hi + 0.5 * (hi - lo)) and np.isclose(z[1, 0], lo - 0.5 * (hi - lo))
    assert np.isclose(z[2, 0], 0.0)  # inside the range: untouched


def test_ridge_prediction_stays_bounded_when_a_train_constant_column_fires():
    """The cetane case: one column all zero in training and 20 on a new row, plus a nearly constant one."""
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(size=(40, 3)), np.zeros(40), 1.0 + rng.normal(size=40) * 1e-9])
    y = X[:, :3] @ np.array([10.0, -5.0, 2.0]) + 50.0
    model = LinearFeatureRidge(kind="raw", penalty=0.01).fit(X, y)
    new = np.array([[0.0, 0.0, 0.0, 20.6, 1.5]])
    assert abs(model.predict(new)[0] - 50.0) < 5.0
    assert np.allclose(model.predict(X), y, atol=1.0)
