"""Tests for skcl.neighbors.NearestClassMeanClassifier (issue 5)."""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.special import softmax
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestCentroid

from skcl.neighbors import NearestClassMeanClassifier

TASKS = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]


def _sq_dist(A, B):
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)


def test_fit_matches_sklearn_nearest_centroid(digits):
    X, y = digits
    clf = NearestClassMeanClassifier().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sk = NearestCentroid().fit(X, y)
    assert_allclose(clf.centroids_, sk.centroids_, atol=1e-12)
    assert_array_equal(clf.predict(X), sk.predict(X))


@pytest.mark.parametrize(
    "task_order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]]
)
@pytest.mark.parametrize("batch_size", [9, 50])
def test_stream_in_any_task_order_equals_fit(digits, task_order, batch_size):
    X, y = digits
    ref = NearestClassMeanClassifier().fit(X, y)
    clf = NearestClassMeanClassifier()
    rng = np.random.RandomState(0)
    for t in task_order:
        idx = rng.permutation(np.flatnonzero(np.isin(y, TASKS[t])))
        for start in range(0, len(idx), batch_size):
            b = idx[start : start + batch_size]
            clf.partial_fit(X[b], y[b])
    assert_array_equal(clf.classes_, ref.classes_)
    assert_allclose(clf.centroids_, ref.centroids_, atol=1e-12)
    assert_allclose(clf.class_count_, ref.class_count_)
    assert_array_equal(clf.predict(X), ref.predict(X))
    assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_batches=st.integers(1, 10))
def test_weighted_stream_equals_weighted_means(seed, n_batches):
    rng = np.random.RandomState(seed)
    X = rng.randn(60, 5) * 10 + 3
    y = rng.randint(0, 3, size=60)
    w = rng.uniform(0, 2, size=60)
    clf = NearestClassMeanClassifier()
    for idx in np.array_split(rng.permutation(60), n_batches):
        if w[idx].sum() > 0:
            clf.partial_fit(X[idx], y[idx], sample_weight=w[idx])
    for k, c in enumerate(clf.classes_):
        assert_allclose(
            clf.centroids_[k],
            np.average(X[y == c], axis=0, weights=w[y == c]),
            rtol=1e-9,
            atol=1e-9,
        )
        assert_allclose(clf.class_count_[k], w[y == c].sum())


def test_proba_is_softmax_of_negative_squared_distances(blobs):
    X, y = blobs
    clf = NearestClassMeanClassifier().fit(X / 5, y)
    d2 = _sq_dist(X / 5, clf.centroids_)
    assert_allclose(clf.decision_function(X / 5), -d2, rtol=1e-9, atol=1e-8)
    assert_allclose(clf.predict_proba(X / 5), softmax(-d2, axis=1), atol=1e-9)
    assert_allclose(
        clf.predict_log_proba(X / 5), np.log(softmax(-d2, axis=1)), atol=1e-6
    )
    assert_array_equal(clf.predict(X / 5), clf.classes_[d2.argmin(axis=1)])


def test_cosine_metric(blobs):
    X, y = blobs
    clf = NearestClassMeanClassifier(metric="cosine").fit(X, y)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    Cn = clf.centroids_ / np.linalg.norm(clf.centroids_, axis=1, keepdims=True)
    cos = Xn @ Cn.T
    assert_array_equal(clf.predict(X), clf.classes_[cos.argmax(axis=1)])
    assert_allclose(clf.decision_function(X), -(2 - 2 * cos), atol=1e-9)
    # scale invariance of the samples
    assert_array_equal(clf.predict(3 * X), clf.predict(X))
    assert_allclose(clf.centroids_, NearestClassMeanClassifier().fit(X, y).centroids_)


def test_binary_decision_function_is_1d(blobs):
    X, y = blobs
    mask = y < 2
    clf = NearestClassMeanClassifier().fit(X[mask], y[mask])
    dec = clf.decision_function(X[mask])
    assert dec.shape == (mask.sum(),)
    assert_array_equal(clf.classes_[(dec > 0).astype(int)], clf.predict(X[mask]))


def test_new_class_inserted_at_sorted_position(blobs):
    X, y = blobs
    clf = NearestClassMeanClassifier().partial_fit(X[y == 3], y[y == 3])
    clf.partial_fit(X[y == 0], y[y == 0])
    before = clf.centroids_.copy()
    clf.partial_fit(X[y == 2], y[y == 2])
    assert_array_equal(clf.classes_, [0, 2, 3])
    assert_array_equal(clf.centroids_[[0, 2]], before)


def test_declared_class_never_predicted(blobs):
    X, y = blobs
    clf = NearestClassMeanClassifier().partial_fit(
        X[y == 1], y[y == 1], classes=[0, 1, 2]
    )
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert_array_equal(clf.class_count_, [0, 100, 0])
    assert_array_equal(clf.predict(X), 1)
    assert_array_equal(clf.predict_proba(X)[:, [0, 2]], 0.0)


def test_zero_weight_label_is_not_added(blobs):
    X, y = blobs
    clf = NearestClassMeanClassifier().fit(X, y, sample_weight=(y != 0).astype(float))
    assert_array_equal(clf.classes_, [1, 2, 3])


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_sparse_input_equals_dense(blobs, metric):
    X, y = blobs
    X = np.where(np.abs(X) > 3, X, 0.0)
    dense = NearestClassMeanClassifier(metric=metric).partial_fit(X[:200], y[:200])
    dense.partial_fit(X[200:], y[200:])
    sp = NearestClassMeanClassifier(metric=metric).partial_fit(
        sparse.csr_matrix(X[:200]), y[:200]
    )
    sp.partial_fit(sparse.csc_matrix(X[200:]), y[200:])
    assert_allclose(sp.centroids_, dense.centroids_, atol=1e-12)
    assert_allclose(
        sp.predict_proba(sparse.csr_matrix(X)), dense.predict_proba(X), atol=1e-9
    )


def test_float32_input(digits):
    X, y = digits
    a = NearestClassMeanClassifier().fit(X.astype(np.float32), y)
    b = NearestClassMeanClassifier().fit(X, y)
    assert a.centroids_.dtype == np.float64
    assert_allclose(a.centroids_, b.centroids_, atol=1e-6)
    assert np.mean(a.predict(X.astype(np.float32)) == b.predict(X)) > 0.999


def test_pickle_clone_and_determinism(blobs):
    X, y = blobs
    clf = NearestClassMeanClassifier().fit(X, y)
    back = pickle.loads(pickle.dumps(clf))
    assert_array_equal(back.decision_function(X), clf.decision_function(X))
    assert_array_equal(
        NearestClassMeanClassifier().fit(X, y).decision_function(X),
        clf.decision_function(X),
    )
    assert not hasattr(clone(clf), "centroids_")
    with pytest.raises(NotFittedError):
        NearestClassMeanClassifier().predict(X)


def test_split_digits_class_incremental_accuracy(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    clf = NearestClassMeanClassifier()
    for t in TASKS:
        mask = np.isin(y_train, t)
        clf.partial_fit(X_train[mask], y_train[mask])
    assert clf.score(X_test, y_test) >= 0.88
