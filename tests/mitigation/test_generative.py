import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skcl.discriminant_analysis import StreamingLDAClassifier
from skcl.mitigation import GaussianReplay


def _data(rng, n=600):
    y = rng.randint(0, 3, n)
    means = np.array([[0.0, 0, 0], [4, 0, 0], [0, 4, 0]])
    cov = np.array([[1.0, 0.5, 0], [0.5, 1, 0], [0, 0, 0.2]])
    X = means[y] + rng.multivariate_normal(np.zeros(3), cov, n)
    return X, y, means, cov


def test_samples_follow_the_class_gaussians(rng):
    X, y, means, cov = _data(rng, 3000)
    memory = GaussianReplay(shrinkage=0.0, n_noise=20000)
    for start in range(0, 3000, 500):
        memory.update(X[start : start + 500], y[start : start + 500], rng)
    Xs, ys = memory.sample(20000, rng)
    assert set(np.unique(ys)) == {0, 1, 2}
    assert_allclose(np.bincount(ys) / 20000, 1 / 3, atol=0.02)  # classes uniform
    for c in range(3):
        assert_allclose(Xs[ys == c].mean(axis=0), means[c], atol=0.1)
    centred = Xs - memory.means_[ys]
    assert_allclose(np.cov(centred.T), cov, atol=0.1)


def test_statistics_equal_streaming_lda_and_are_order_free(rng):
    X, y, _, _ = _data(rng)
    a, b = GaussianReplay(), GaussianReplay()
    a.update(X, y, rng)
    order = rng.permutation(len(y))
    for part in np.array_split(order, 7):
        b.update(X[part], y[part], rng)
    lda = StreamingLDAClassifier().fit(X, y)
    assert_allclose(a.means_, lda.means_)
    assert_allclose(b.covariance_, a.covariance_, atol=1e-12)
    assert len(a) == len(b) == len(y)


def test_protocol_errors_and_clone(rng, tmp_path):
    X, y, _, _ = _data(rng)
    memory = GaussianReplay()
    with pytest.raises(NotFittedError):
        memory.sample(3, rng)
    memory.update(X, y, rng)
    with pytest.raises(ValueError, match="features"):
        memory.update(X[:, :2], y, rng)
    with pytest.raises(ValueError, match="non-negative"):
        memory.sample(-1, rng)
    assert memory.sample(0, rng)[0].shape == (0, 3)
    joblib.dump(memory, tmp_path / "m.joblib")
    back = joblib.load(tmp_path / "m.joblib")
    assert_array_equal(back.sample(5, np.random.RandomState(1))[0],
                       memory.sample(5, np.random.RandomState(1))[0])
    assert len(clone(memory)) == 0


def test_sample_dtype_is_that_of_the_validated_first_batch(rng):
    # Regression: the dtype was read from the raw first batch, so integer
    # input gave integer (truncated) pseudo-samples.
    X, y, _, _ = _data(rng)
    memory = GaussianReplay().update(np.rint(X).astype(np.int64), y, rng)
    assert memory.sample(5, rng)[0].dtype == np.float64
    memory = GaussianReplay().update(X.astype(np.float32), y, rng)
    assert memory.sample(5, rng)[0].dtype == np.float32


def test_check_update_refuses_bad_labels_and_changes_nothing(rng):
    X, y, _, _ = _data(rng)
    memory = GaussianReplay().update(X, y, rng)
    means = memory.means_.copy()
    for bad, match in [(y[:-1], "inconsistent"), (y[:, None], "1-D"),
                       (np.full(len(y), np.nan), "NaN")]:
        with pytest.raises(ValueError, match=match):
            memory.check_update(X, bad)
        with pytest.raises(ValueError, match=match):
            memory.update(X, bad, rng)
    assert_array_equal(memory.means_, means)
    assert len(memory) == len(y)
