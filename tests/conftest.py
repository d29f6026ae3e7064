import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture(scope="session")
def blobs():
    """Four well separated classes, 20 features."""
    X, y = make_blobs(
        n_samples=400, centers=4, n_features=20, cluster_std=2.0, random_state=0
    )
    return X, y


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y
