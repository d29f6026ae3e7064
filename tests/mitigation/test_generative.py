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


def _two_shapes(rng, n=4000):
    """Three classes with different covariances."""
    y = rng.randint(0, 3, n)
    covs = np.array([np.diag([1.0, 0.1, 0.5]), np.diag([0.1, 1.0, 0.5]),
                     [[1.0, 0.8, 0], [0.8, 1.0, 0], [0, 0, 0.1]]])
    X = np.empty((n, 3))
    for c in range(3):
        m = y == c
        X[m] = 3.0 * c + rng.multivariate_normal(np.zeros(3), covs[c], m.sum())
    return X, y


def test_class_covariances_are_exact_and_order_free(rng):
    X, y = _two_shapes(rng, 900)
    a = GaussianReplay(class_covariance=0.5).update(X, y, rng)
    b = GaussianReplay(class_covariance=0.5)
    order = rng.permutation(len(y))
    for part in np.array_split(order, 9):
        b.update(X[part], y[part], rng)
    for c in range(3):
        expected = np.cov(X[y == c].T, bias=True)
        assert_allclose(a.class_covariances_[c], expected, atol=1e-12)
        assert_allclose(b.class_covariances_[c], expected, atol=1e-12)
    # classes arriving later are inserted at their sorted position
    c = GaussianReplay(class_covariance=1.0)
    for label in (2, 0, 1):
        c.update(X[y == label], y[y == label], rng)
    assert_allclose(c.class_covariances_, a.class_covariances_, atol=1e-12)
    with pytest.raises(AttributeError, match="class_covariance > 0"):
        GaussianReplay().update(X, y, rng).class_covariances_


@pytest.mark.parametrize("a", [0.0, 0.5, 1.0])
def test_samples_have_the_mixed_covariance(rng, a):
    X, y = _two_shapes(rng)
    memory = GaussianReplay(shrinkage=0.0, n_noise=40000, class_covariance=a)
    memory.update(X, y, rng)
    Xs, ys = memory.sample(30000, rng)
    for c in range(3):
        expected = (1 - a) * memory.covariance_ + a * memory.class_covariances_[c] \
            if a > 0 else memory.covariance_
        got = np.cov((Xs[ys == c] - memory.means_[c]).T)
        assert_allclose(got, expected, atol=0.08)


def test_sample_tops_up_the_classes_the_batch_lacks(rng):
    X, y = _two_shapes(rng, 600)
    memory = GaussianReplay(class_covariance=0.5).update(X, y, rng)
    Xs, ys = memory.sample(20, rng, present=np.full(10, 2))  # level 30 / 3
    assert len(ys) == 20 and set(ys) == {0, 1}
    Xs, ys = memory.sample(20, rng, present=np.full(40, 2))
    assert set(ys) == {0, 1}
    over = np.r_[np.zeros(50, int), 7]  # 0..2 known; 0 over-represented
    assert 0 not in memory.sample(9, rng, present=over)[1]


def test_class_covariance_must_be_set_before_the_first_update(rng, tmp_path):
    X, y = _two_shapes(rng, 300)
    memory = GaussianReplay().update(X, y, rng)
    memory.set_params(class_covariance=0.5)
    for call in (lambda: memory.update(X, y, rng), lambda: memory.check_update(X, y),
                 lambda: memory.sample(3, rng)):
        with pytest.raises(ValueError, match="before the first update"):
            call()
    assert len(memory) == 300
    memory = GaussianReplay(class_covariance=0.5).update(X, y, rng)
    joblib.dump(memory, tmp_path / "m.joblib")
    back = joblib.load(tmp_path / "m.joblib")
    assert_array_equal(back.sample(7, np.random.RandomState(2))[0],
                       memory.sample(7, np.random.RandomState(2))[0])
    back.update(X[:10], y[:10], rng)
    assert len(back) == 310 and len(memory) == 300


def test_class_scatter_is_kept_while_class_covariance_is_switched_off(rng):
    # Regression (review): rows offered while class_covariance was 0 were
    # missing from the per-class scatter, and new classes misaligned it.
    X, y = _two_shapes(rng, 900)
    memory = GaussianReplay(class_covariance=0.5)
    memory.update(X[y != 1], y[y != 1], rng)
    memory.set_params(class_covariance=0.0).update(X[y == 1], y[y == 1], rng)
    memory.set_params(class_covariance=0.5)
    for c in range(3):
        assert_allclose(memory.class_covariances_[c], np.cov(X[y == c].T, bias=True),
                        atol=1e-12)
    assert set(memory.sample(30, rng)[1]) == {0, 1, 2}


def test_noise_bank_follows_a_change_of_correlation(rng):
    # Regression (review): staleness was judged on the variances only.
    cov0 = np.array([[1.0, 0.9], [0.9, 1.0]])
    X0 = rng.multivariate_normal([0, 0], cov0, 3000)
    X1 = rng.multivariate_normal([5, 5], cov0 * [[1, -1], [-1, 1]], 3000)
    memory = GaussianReplay(shrinkage=0.0)
    memory.update(X0, np.zeros(3000, int), rng)
    memory.sample(10, rng)  # draws the bank for the +0.9 covariance
    memory.update(X1, np.ones(3000, int), rng)
    Xs, ys = memory.sample(20000, rng)
    noise = Xs - memory.means_[ys]
    assert_allclose(np.cov(noise.T), memory.covariance_, atol=0.05)
    memory.set_params(n_noise=8).sample(1, rng)
    assert memory._bank.noise.shape == (8, 2)


def test_update_failing_after_the_statistics_leaves_the_memory_unchanged(
        rng, monkeypatch):
    # Regression (review): stats_ was committed before the per-class scatter.
    import pickle

    import skcl.discriminant_analysis._streaming_lda as lda

    X, y = _two_shapes(rng, 600)
    memory = GaussianReplay(class_covariance=0.5).update(X[y < 2], y[y < 2], rng)
    before = pickle.dumps(memory)

    def fail(*args, **kwargs):
        raise MemoryError("no room for one more d x d matrix")

    monkeypatch.setattr(lda, "insert_rows", fail)
    with pytest.raises(MemoryError):
        memory.update(X[y == 2], y[y == 2], rng)
    assert pickle.dumps(memory) == before
    monkeypatch.undo()
    memory.update(X[y == 2], y[y == 2], rng)
    assert_allclose(memory.class_covariances_[2], np.cov(X[y == 2].T, bias=True),
                    atol=1e-12)
