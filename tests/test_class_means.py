"""Bad input for the estimators built on running class means (issue 5).

``StreamingLDAClassifier``, ``NearestClassMeanClassifier`` and the class
statistics of ``GaussianReplay(class_covariance > 0)`` share one validated,
transactional update (``skcl.neighbors._nearest_class_mean``): a rejected
batch leaves every one of them exactly as it was.
"""

import copy

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone

from skcl.discriminant_analysis import StreamingLDAClassifier
from skcl.discriminant_analysis._streaming_lda import _ClassScatterLDA
from skcl.neighbors import NearestClassMeanClassifier

ESTIMATORS = [
    StreamingLDAClassifier(),
    NearestClassMeanClassifier(),
    _ClassScatterLDA(),
]
IDS = ["lda", "ncm", "lda-class-scatter"]


def _state(est):
    return {k: copy.deepcopy(v) for k, v in vars(est).items() if k != "_solution_cache"}


def _assert_state_equal(before, est):
    after = _state(est)
    assert before.keys() == after.keys()
    for k in before:
        if isinstance(before[k], np.ndarray):
            assert_array_equal(before[k], after[k], err_msg=k)
            assert before[k].dtype == after[k].dtype, k
        else:
            assert before[k] == after[k], k


_BAD = {
    "nan": (
        lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), y),
        ValueError,
        "NaN",
    ),
    "n_features": (lambda X, y: (X[:, :-1], y), ValueError, "features"),
    "str_after_int": (
        lambda X, y: (X, np.array(["a", "b"])[y % 2]),
        TypeError,
        "numeric",
    ),
    "one_d": (lambda X, y: (X[:, 0], y), ValueError, "2D"),
    "empty": (lambda X, y: (X[:0], y[:0]), ValueError, "0 sample"),
    "continuous_y": (lambda X, y: (X, y + 0.5), ValueError, "Unknown label type"),
    "wrong_y_length": (lambda X, y: (X, y[:-1]), ValueError, "inconsistent"),
    "overflow": (lambda X, y: (np.full_like(X, 1.7e308), y), ValueError, "non-finite"),
    # finite class means, but the covariance (squares) overflows
    "overflow_scaled": (lambda X, y: (X * 1e300, y), ValueError, "non-finite"),
}

# fit starts from scratch: a new n_features or label type is valid there; the
# nearest class mean keeps no covariance, so squares cannot overflow it.
_BAD_CASES = [
    pytest.param(est, case, method, id=f"{name}-{case}-{method}")
    for est, name in zip(ESTIMATORS, IDS)
    for case in sorted(_BAD)
    for method in ["partial_fit", "fit"]
    if not (method == "fit" and case in ("n_features", "str_after_int"))
    and not (name == "ncm" and case == "overflow_scaled")
]


@pytest.mark.parametrize("estimator, case, method", _BAD_CASES)
def test_rejected_batch_leaves_model_unchanged(blobs, estimator, case, method):
    X, y = blobs
    clf = clone(estimator).partial_fit(X[:200], y[:200])
    proba = clf.predict_proba(X)
    before = _state(clf)
    make, exc, match = _BAD[case]
    Xb, yb = make(X[200:220], y[200:220])
    with pytest.raises(exc, match=match):
        getattr(clf, method)(Xb, yb)
    _assert_state_equal(before, clf)
    assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"sample_weight": -np.ones(20)}, ValueError, "(?i)negative"),
        ({"sample_weight": np.zeros(20)}, ValueError, "non-zero"),
        ({"sample_weight": np.ones(3)}, ValueError, "sample_weight"),
        ({"sample_weight": np.full(20, np.inf)}, ValueError, "infinity|NaN"),
        ({"classes": ["x", "y"]}, TypeError, "string"),
    ],
)
def test_rejected_options_leave_model_unchanged(blobs, estimator, kwargs, exc, match):
    X, y = blobs
    clf = clone(estimator).partial_fit(X[:200], y[:200])
    before = _state(clf)
    with pytest.raises(exc, match=match):
        clf.partial_fit(X[200:220], y[200:220], **kwargs)
    _assert_state_equal(before, clf)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_int_after_str_labels_rejected(blobs, estimator):
    X, y = blobs
    labels = np.array(["a", "b", "c", "d"])
    clf = clone(estimator).partial_fit(X[:100], labels[y[:100]])
    before = _state(clf)
    with pytest.raises(TypeError, match="numeric"):
        clf.partial_fit(X[100:], y[100:])
    with pytest.raises(TypeError, match="numeric"):
        clf.partial_fit(X[100:], labels[y[100:]], classes=[0, 1])
    _assert_state_equal(before, clf)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_rejected_fit_leaves_fitted_model_unchanged(blobs, estimator):
    X, y = blobs
    clf = clone(estimator).fit(X, y)
    before = _state(clf)
    with pytest.raises(ValueError, match="(?i)negative"):
        clf.fit(X, y, sample_weight=-np.ones(len(y)))
    _assert_state_equal(before, clf)
