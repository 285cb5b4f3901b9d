"""Data sets in NumPy alone: moons, XOR, standardize, train/test split."""

from __future__ import annotations

import numpy as np
import pytest

from nn import datasets


def test_make_moons_shape_labels_and_seed():
    X, y = datasets.make_moons(200, 0.1, seed=0)
    assert X.shape == (200, 2) and X.dtype == float
    assert y.shape == (200,) and y.dtype.kind == "i"
    assert set(y.tolist()) == {0, 1} and (y == 0).sum() == 100
    X2, y2 = datasets.make_moons(200, 0.1, seed=0)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, datasets.make_moons(200, 0.1, seed=1)[0])
    X3, y3 = datasets.make_moons(7, 0.0, seed=0)
    assert (y3 == 0).sum() == 3 and (y3 == 1).sum() == 4


def test_noise_free_moons_lie_on_their_half_circles():
    X, y = datasets.make_moons(50, 0.0, seed=3)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_xor():
    X, y = datasets.xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]


def test_standardize_fits_on_train_and_applies_to_test():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 3.0, size=(100, 2))
    test = rng.normal(5.0, 3.0, size=(20, 2))
    train_s, test_s = datasets.standardize(train, test)
    np.testing.assert_allclose(train_s.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(train_s.std(axis=0), 1.0, atol=1e-12)
    scaler = datasets.Standardizer.fit(train)
    np.testing.assert_array_equal(test_s, (test - train.mean(axis=0)) / train.std(axis=0))
    np.testing.assert_allclose(scaler.inverse(test_s), test, atol=1e-12)


def test_a_constant_column_stays_finite():
    X = np.array([[1.0, 2.0], [1.0, 4.0]])
    (Xs,) = datasets.standardize(X)
    assert Xs[:, 0].tolist() == [0.0, 0.0]


def test_train_test_split_is_a_seeded_partition():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.25, seed=1)
    assert len(X_test) == 5 and len(X_train) == 15
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(20))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay with their labels
    again = datasets.train_test_split(X, y, 0.25, seed=1)
    assert np.array_equal(again[3], y_test)
    assert not np.array_equal(datasets.train_test_split(X, y, 0.25, seed=2)[3], y_test)


@pytest.mark.parametrize(
    "call",
    [
        lambda: datasets.make_moons(1, 0.1),
        lambda: datasets.make_moons(10, -0.1),
        lambda: datasets.make_moons(10.5, 0.1),
        lambda: datasets.train_test_split(np.zeros((4, 2)), np.zeros(3)),
        lambda: datasets.train_test_split(np.zeros((4, 2)), np.zeros(4), 1.0),
        lambda: datasets.train_test_split(np.zeros((2, 2)), np.zeros(2), 0.1),
        lambda: datasets.standardize(np.zeros(3)),
        lambda: datasets.Standardizer.fit(np.zeros((3, 2))).transform(np.zeros((3, 3))),
        lambda: datasets.standardize(np.array([[np.nan, 1.0]])),
    ],
)
def test_refusals(call):
    with pytest.raises(ValueError):
        call()
