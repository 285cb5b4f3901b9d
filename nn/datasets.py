"""Small data sets and their preparation, in NumPy alone: moons, XOR, standardize, split."""

from __future__ import annotations

from dataclasses import dataclass

from autodiff.engine.numpy_on_demand import np

from .checks import is_number, positive_number, whole_number

__all__ = ["make_moons", "xor", "Standardizer", "standardize", "train_test_split"]


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X of shape (n, 2), y the 0/1 label of each point's moon.

    The upper moon (label 0) is the half circle of radius 1 around (0, 0); the lower one
    (label 1) is shifted to (1, 0.5) and turned over. Gaussian noise of standard deviation
    `noise` is added to every coordinate, and the points come in a shuffled order.
    """
    n = whole_number(n, "make_moons n", 2)
    noise = positive_number(noise, "make_moons noise", allow_zero=True)
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower])
    y = np.concatenate([np.zeros(n_upper, dtype=int), np.ones(n_lower, dtype=int)])
    order = rng.permutation(n)
    X = X[order] + rng.normal(0.0, float(noise), size=(n, 2))
    return X, y[order]


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four corners of the unit square, labeled 1 where exactly one coordinate is 1."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y


@dataclass(frozen=True)
class Standardizer:
    """Per-feature mean and standard deviation, fitted on training data, applied to any data."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        """The mean and standard deviation of each column of X (a constant column gets std 1)."""
        X = _matrix(X, "Standardizer.fit")
        if len(X) < 1:
            raise ValueError("Standardizer.fit needs at least one sample")
        std = X.std(axis=0)
        # A constant column has nothing to scale; dividing by 1 keeps it finite.
        std = np.where(std > 0.0, std, 1.0)
        return cls(mean=X.mean(axis=0), std=std)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """(X - mean) / std, column by column."""
        X = _matrix(X, "Standardizer.transform")
        if X.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"Standardizer.transform: fitted on {self.mean.shape[0]} features, "
                f"got {X.shape[1]}"
            )
        return (X - self.mean) / self.std

    def inverse(self, X: np.ndarray) -> np.ndarray:
        """Back to the original units: X · std + mean."""
        return _matrix(X, "Standardizer.inverse") * self.std + self.mean


def standardize(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Scale train to zero mean and unit variance per feature; scale the others the same way."""
    scaler = Standardizer.fit(train)
    return tuple(scaler.transform(X) for X in (train, *others))


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A shuffled split (X_train, X_test, y_train, y_test); round(n · test_fraction) go to test."""
    X = np.asarray(X)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} samples in X but {len(y)} labels in y")
    if not is_number(test_fraction) or not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(
            f"train_test_split: test_fraction must be in (0, 1), got {test_fraction!r}"
        )
    n = len(X)
    n_test = int(round(n * float(test_fraction)))
    if n_test < 1 or n_test > n - 1:
        raise ValueError(
            f"train_test_split: {n} samples at test_fraction {test_fraction} leave "
            f"{n_test} for testing and {n - n_test} for training; both need at least one"
        )
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def _matrix(X: np.ndarray, what: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{what}: expected a 2-D array (samples, features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{what}: the data holds nan or inf")
    return X
