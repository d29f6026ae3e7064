"""Tests for skcl.discriminant_analysis.StreamingLDAClassifier (issue 5)."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split

from skcl.discriminant_analysis import StreamingLDAClassifier
from skcl.neighbors import NearestClassMeanClassifier

TASKS = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]


def _batch_lda(X, y, shrinkage, target="identity", priors="uniform", sw=None):
    """Batch LDA written directly from the formulas, on all data at once."""
    X = np.asarray(X, dtype=np.float64)
    sw = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=np.float64)
    classes = np.unique(y[sw > 0])
    counts = np.array([sw[y == c].sum() for c in classes])
    means = np.array(
        [np.average(X[y == c], axis=0, weights=sw[y == c]) for c in classes]
    )
    centered = X - means[np.searchsorted(classes, y)]
    cov = (centered * sw[:, None]).T @ centered / sw.sum()
    p = X.shape[1]
    t = 1.0 if target == "identity" else np.trace(cov) / p
    sigma = (1 - shrinkage) * cov + shrinkage * t * np.eye(p)
    coef = np.linalg.solve(sigma, means.T).T
    prior = (
        counts / counts.sum()
        if priors == "empirical"
        else np.full(len(classes), 1 / len(classes))
    )
    intercept = -0.5 * np.sum(means * coef, axis=1) + np.log(prior)
    return classes, means, cov, coef, intercept


def _assert_same_model(a, b, rtol=1e-6):
    assert_array_equal(a.classes_, b.classes_)
    assert_allclose(a.class_count_, b.class_count_, rtol=rtol)
    assert_allclose(a.means_, b.means_, rtol=rtol, atol=1e-12)
    assert_allclose(a.covariance_, b.covariance_, rtol=rtol, atol=1e-12)
    scale = np.abs(a.coef_).max()
    assert_allclose(a.coef_, b.coef_, rtol=rtol, atol=rtol * scale)
    assert_allclose(a.intercept_, b.intercept_, rtol=rtol, atol=rtol * scale)


@pytest.fixture(scope="module")
def split_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, stratify=y, random_state=0)


# -- equality with batch LDA ---------------------------------------------------


@pytest.mark.parametrize("target", ["identity", "scaled_identity"])
@pytest.mark.parametrize("priors", ["uniform", "empirical"])
def test_fit_equals_batch_formulas(digits, target, priors):
    X, y = digits
    clf = StreamingLDAClassifier(shrinkage=1e-3, shrinkage_target=target, priors=priors)
    clf.fit(X, y)
    classes, means, cov, coef, intercept = _batch_lda(X, y, 1e-3, target, priors)
    assert_array_equal(clf.classes_, classes)
    assert_allclose(clf.means_, means, atol=1e-12)
    assert_allclose(clf.covariance_, cov, atol=1e-12)
    assert_allclose(clf.coef_, coef, rtol=1e-6, atol=1e-6 * np.abs(coef).max())
    assert_allclose(clf.intercept_, intercept, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_stream_in_any_order_equals_fit(digits, seed, batch_size):
    X, y = digits
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(y))[:300]
    Xs, ys = X[order], y[order]
    ref = StreamingLDAClassifier().fit(Xs, ys)
    stream = StreamingLDAClassifier()
    perm = rng.permutation(len(ys))
    for start in range(0, len(ys), batch_size):
        idx = perm[start : start + batch_size]
        stream.partial_fit(Xs[idx], ys[idx])
    _assert_same_model(stream, ref)
    assert_allclose(stream.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert_array_equal(stream.predict(X), ref.predict(X))


@pytest.mark.parametrize(
    "task_order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]]
)
def test_class_incremental_task_orders_equal_batch(digits, task_order):
    X, y = digits
    ref = StreamingLDAClassifier(priors="empirical").fit(X, y)
    clf = StreamingLDAClassifier(priors="empirical")
    for t in task_order:
        mask = np.isin(y, TASKS[t])
        for chunk in np.array_split(np.flatnonzero(mask), 3):
            clf.partial_fit(X[chunk], y[chunk])
    _assert_same_model(clf, ref)
    assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_batches=st.integers(1, 12),
    shrinkage=st.floats(1e-4, 1.0),
)
def test_order_invariance_property(seed, n_batches, shrinkage):
    rng = np.random.RandomState(seed)
    X = rng.randn(80, 6) * rng.uniform(0.1, 10, size=6) + rng.randn(6)
    y = rng.randint(0, 4, size=80)
    w = rng.uniform(0, 3, size=80)
    ref = StreamingLDAClassifier(shrinkage=shrinkage).fit(X, y, sample_weight=w)
    clf = StreamingLDAClassifier(shrinkage=shrinkage)
    for idx in np.array_split(rng.permutation(80), n_batches):
        if w[idx].sum() > 0:
            clf.partial_fit(X[idx], y[idx], sample_weight=w[idx])
    _assert_same_model(clf, ref)


@pytest.mark.parametrize("shrinkage", [1e-3, 0.1, 0.7, 1.0])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_matches_sklearn_lda_lsqr(blobs, shrinkage, n_classes):
    """Empirical priors + scaled identity target: scikit-learn's formula."""
    X, y = blobs
    mask = y < n_classes
    X, y = X[mask], y[mask]
    sk = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=shrinkage).fit(X, y)
    clf = StreamingLDAClassifier(
        shrinkage=shrinkage, shrinkage_target="scaled_identity", priors="empirical"
    )
    for idx in np.array_split(np.random.RandomState(0).permutation(len(y)), 5):
        clf.partial_fit(X[idx], y[idx])
    assert_array_equal(clf.predict(X), sk.predict(X))
    assert_allclose(clf.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    assert_allclose(
        clf.decision_function(X), sk.decision_function(X), rtol=1e-6, atol=1e-6
    )
    assert_allclose(
        clf.covariance_ * (1 - shrinkage)
        + shrinkage * np.trace(clf.covariance_) / X.shape[1] * np.eye(X.shape[1]),
        sk.covariance_,
        atol=1e-9,
    )
    if n_classes > 2:
        assert_allclose(clf.coef_, sk.coef_, rtol=1e-6, atol=1e-9)
        assert_allclose(clf.intercept_, sk.intercept_, rtol=1e-6, atol=1e-9)


def test_matches_sklearn_lda_without_shrinkage(blobs):
    X, y = blobs
    sk = LinearDiscriminantAnalysis(solver="lsqr").fit(X, y)
    clf = StreamingLDAClassifier(shrinkage=0.0, priors="empirical").fit(X, y)
    assert_allclose(clf.predict_proba(X), sk.predict_proba(X), atol=1e-6)


class _IdentityShrunkCovariance(BaseEstimator):
    """Per-class covariance shrunk toward I (Hayes & Kanan's target)."""

    def __init__(self, shrinkage=1e-4):
        self.shrinkage = shrinkage

    def fit(self, X, y=None):
        cov = np.cov(X, rowvar=False, bias=True)
        self.covariance_ = (1 - self.shrinkage) * cov + self.shrinkage * np.eye(
            X.shape[1]
        )
        return self


def test_identity_target_matches_sklearn_with_covariance_estimator(blobs):
    X, y = blobs
    sk = LinearDiscriminantAnalysis(
        solver="lsqr", covariance_estimator=_IdentityShrunkCovariance(0.05)
    ).fit(X, y)
    clf = StreamingLDAClassifier(shrinkage=0.05, priors="empirical").fit(X, y)
    assert_allclose(clf.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    assert_allclose(clf.coef_, sk.coef_, rtol=1e-6, atol=1e-9)


def test_uniform_priors_differ_from_sklearn_only_by_documented_covariance(blobs):
    """sklearn averages class covariances with the priors; we keep them pooled."""
    X, y = blobs
    y = y.copy()
    keep = (y != 0) | (np.arange(len(y)) % 4 == 0)  # unbalanced classes
    X, y = X[keep], y[keep]
    clf = StreamingLDAClassifier(shrinkage=0.1, shrinkage_target="scaled_identity").fit(
        X, y
    )
    classes, means, cov, coef, intercept = _batch_lda(
        X, y, 0.1, "scaled_identity", "uniform"
    )
    assert_allclose(clf.intercept_, intercept, rtol=1e-6)
    sk = LinearDiscriminantAnalysis(
        solver="lsqr", shrinkage=0.1, priors=np.full(4, 0.25)
    ).fit(X, y)
    assert not np.allclose(clf.coef_, sk.coef_, rtol=1e-3)


# -- classes that grow ---------------------------------------------------------


def test_new_class_inserted_at_sorted_position_and_old_rows_untouched(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier().partial_fit(X[y == 3], y[y == 3])
    clf.partial_fit(X[y == 1], y[y == 1])
    means_before = clf.means_.copy()
    clf.partial_fit(X[y == 2], y[y == 2])
    assert_array_equal(clf.classes_, [1, 2, 3])
    assert_array_equal(clf.means_[[0, 2]], means_before)
    assert clf.coef_.shape == (3, X.shape[1])
    assert clf.intercept_.shape == (3,)
    assert_array_equal(clf.class_count_, [100, 100, 100])


def test_declared_class_without_samples_is_never_predicted(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier().partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2, 3])
    assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert np.all(np.isneginf(clf.intercept_[2:]))
    assert_array_equal(clf.coef_[2:], 0.0)
    proba = clf.predict_proba(X)
    assert_array_equal(proba[:, 2:], 0.0)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= {0, 1}
    clf.partial_fit(X[y >= 2], y[y >= 2])
    assert np.all(np.isfinite(clf.intercept_))
    _assert_same_model(clf, StreamingLDAClassifier().fit(X, y))


def test_single_class_then_more(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier().partial_fit(X[y == 0], y[y == 0])
    assert_array_equal(clf.predict(X[:5]), [0] * 5)
    assert_allclose(clf.predict_proba(X[:5]), 1.0)
    clf.partial_fit(X[y == 1], y[y == 1])
    assert clf.decision_function(X).shape == (len(y),)


def test_zero_weight_label_is_not_added(blobs):
    X, y = blobs
    w = (y != 3).astype(float)
    clf = StreamingLDAClassifier().fit(X, y, sample_weight=w)
    assert_array_equal(clf.classes_, [0, 1, 2])
    ref = StreamingLDAClassifier().fit(X[y != 3], y[y != 3])
    _assert_same_model(clf, ref)


def test_integer_sample_weight_equals_repetition(blobs):
    X, y = blobs
    w = np.random.RandomState(0).randint(1, 4, size=len(y))
    a = StreamingLDAClassifier().fit(X, y, sample_weight=w)
    b = StreamingLDAClassifier().fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    _assert_same_model(a, b)


# -- prediction ------------------------------------------------------------------


def test_lazy_solution_is_recomputed_after_update(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier().partial_fit(X[:200], y[:200])
    coef_before = clf.coef_
    clf.partial_fit(X[200:], y[200:])
    assert not np.allclose(clf.coef_, coef_before)
    assert_allclose(clf.coef_, StreamingLDAClassifier().fit(X, y).coef_, rtol=1e-6)


def test_coef_is_a_copy(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier().fit(X, y)
    pred = clf.predict(X)
    clf.coef_[:] = 0.0
    assert_array_equal(clf.predict(X), pred)


def test_set_params_shrinkage_takes_effect_without_refit(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier(shrinkage=1e-4).fit(X, y)
    clf.coef_
    clf.set_params(shrinkage=0.5, priors="empirical")
    ref = StreamingLDAClassifier(shrinkage=0.5, priors="empirical").fit(X, y)
    assert_allclose(clf.decision_function(X), ref.decision_function(X))
    clf.set_params(shrinkage=2.0)
    with pytest.raises(ValueError, match="shrinkage"):
        clf.predict(X)


def test_decision_proba_and_linear_model_agree(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier().fit(X, y)
    scores = clf.decision_function(X)
    assert_allclose(scores, X @ clf.coef_.T + clf.intercept_)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-8)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert clf.score(X, y) > 0.95


def test_full_shrinkage_is_nearest_class_mean(digits):
    X, y = digits
    lda = StreamingLDAClassifier(shrinkage=1.0, shrinkage_target="scaled_identity").fit(
        X, y
    )
    ncm = NearestClassMeanClassifier().fit(X, y)
    assert_array_equal(lda.predict(X), ncm.predict(X))


def test_singular_covariance_without_shrinkage_uses_least_squares(digits):
    X, y = digits  # some pixels are always 0: the covariance is singular
    clf = StreamingLDAClassifier(shrinkage=0.0).fit(X, y)
    assert np.all(np.isfinite(clf.coef_))
    assert clf.score(X, y) > 0.9


def test_float32_input_gives_float64_model_equal_to_batch(digits):
    X, y = digits
    X32 = X.astype(np.float32)
    clf = StreamingLDAClassifier()
    for t in TASKS:
        mask = np.isin(y, t)
        clf.partial_fit(X32[mask], y[mask])
    assert clf.means_.dtype == np.float64 and clf.covariance_.dtype == np.float64
    classes, means, cov, coef, intercept = _batch_lda(X32.astype(np.float64), y, 1e-4)
    assert_allclose(clf.coef_, coef, rtol=1e-6, atol=1e-6 * np.abs(coef).max())
    ref64 = StreamingLDAClassifier().fit(X, y)
    assert np.mean(clf.predict(X) == ref64.predict(X)) > 0.999


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_input_equals_dense(blobs, fmt):
    X, y = blobs
    X = np.where(np.abs(X) > 3, X, 0.0)
    Xs = sparse.random(1, 1).asformat(fmt).__class__(X)
    dense = (
        StreamingLDAClassifier()
        .partial_fit(X[:150], y[:150])
        .partial_fit(X[150:], y[150:])
    )
    sp = StreamingLDAClassifier().partial_fit(
        Xs[:150] if fmt != "coo" else sparse.coo_matrix(X[:150]), y[:150]
    )
    sp.partial_fit(sparse.coo_matrix(X[150:]).asformat(fmt), y[150:])
    _assert_same_model(sp, dense)
    assert_allclose(sp.predict_proba(Xs), dense.predict_proba(X))


def test_pickle_round_trip_and_clone(blobs):
    X, y = blobs
    clf = StreamingLDAClassifier().fit(X, y)
    clf.predict(X)
    back = pickle.loads(pickle.dumps(clf))
    assert_array_equal(back.decision_function(X), clf.decision_function(X))
    assert not hasattr(clone(clf), "classes_")


def test_deterministic(digits):
    X, y = digits
    a = StreamingLDAClassifier().fit(X, y).decision_function(X)
    b = StreamingLDAClassifier().fit(X, y).decision_function(X)
    assert_array_equal(a, b)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        StreamingLDAClassifier().predict([[0.0, 1.0]])
    with pytest.raises(NotFittedError):
        StreamingLDAClassifier().coef_


def test_string_labels(blobs):
    X, y = blobs
    labels = np.array(["ant", "bee", "cat", "dog"])[y]
    clf = StreamingLDAClassifier()
    for c in ["dog", "ant", "cat", "bee"]:
        clf.partial_fit(X[labels == c], labels[labels == c])
    assert_array_equal(clf.classes_, ["ant", "bee", "cat", "dog"])
    assert clf.score(X, labels) > 0.95


# -- the number the issue asks for -----------------------------------------------


def test_split_digits_class_incremental_accuracy(split_digits):
    X_train, X_test, y_train, y_test = split_digits
    clf = StreamingLDAClassifier()
    for t in TASKS:
        mask = np.isin(y_train, t)
        clf.partial_fit(X_train[mask], y_train[mask])
    assert clf.score(X_test, y_test) >= 0.95
