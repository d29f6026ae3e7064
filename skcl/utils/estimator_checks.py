"""Checks of the continual-learning contract that scikit-learn's suite lacks.

Use them on any classifier with ``partial_fit``::

    for check in continual_checks(estimator):
        check(estimator)
"""

import io
from functools import partial

import joblib
import numpy as np
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_blobs

__all__ = [
    "check_partial_fit_joblib_round_trip",
    "check_partial_fit_keeps_params_unchanged",
    "check_partial_fit_new_classes",
    "check_rejected_batch_leaves_model_unchanged",
    "continual_checks",
]


def _data():
    X, y = make_blobs(
        n_samples=240, centers=4, n_features=6, cluster_std=1.0, random_state=0
    )
    return X, y


def check_partial_fit_new_classes(name, estimator):
    """A label never seen before adds a class at its sorted position.

    Parameters
    ----------
    name : str
        Name of the estimator (for messages).
    estimator : estimator instance
        An unfitted classifier with ``partial_fit``.
    """
    X, y = _data()
    est = clone(estimator)
    first = np.isin(y, [1, 3])
    for _ in range(5):
        est.partial_fit(X[first], y[first])
    assert_array_equal(est.classes_, [1, 3], err_msg=name)
    for _ in range(5):
        est.partial_fit(X[~first], y[~first])  # classes 0 and 2, never announced
    assert_array_equal(est.classes_, [0, 1, 2, 3], err_msg=name)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], 4), name
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5, err_msg=name)
    assert np.mean(est.predict(X[~first]) == y[~first]) > 0.8, name


def check_partial_fit_keeps_params_unchanged(name, estimator):
    """``partial_fit`` changes no constructor parameter.

    Parameters
    ----------
    name : str
        Name of the estimator (for messages).
    estimator : estimator instance
        An unfitted classifier with ``partial_fit``.
    """
    X, y = _data()
    est = clone(estimator)
    before = joblib.hash(est.get_params())
    est.partial_fit(X[:100], y[:100]).partial_fit(X[100:], y[100:])
    assert joblib.hash(est.get_params()) == before, name


def check_rejected_batch_leaves_model_unchanged(name, estimator):
    """A batch with NaN or a wrong number of features changes nothing.

    Parameters
    ----------
    name : str
        Name of the estimator (for messages).
    estimator : estimator instance
        An unfitted classifier with ``partial_fit``.
    """
    X, y = _data()
    est = clone(estimator).partial_fit(X, y)
    before = joblib.hash(est)
    bad = X[:10].copy()
    bad[3, 2] = np.nan
    for X_bad in (bad, X[:10, :4]):
        try:
            est.partial_fit(X_bad, y[:10])
        except ValueError:
            pass
        else:
            raise AssertionError(f"{name} accepted a bad batch")
        assert joblib.hash(est) == before, name


def check_partial_fit_joblib_round_trip(name, estimator):
    """After a joblib round trip, ``partial_fit`` continues exactly.

    Parameters
    ----------
    name : str
        Name of the estimator (for messages).
    estimator : estimator instance
        An unfitted classifier with ``partial_fit``; given a fixed
        ``random_state`` when it has one.
    """
    X, y = _data()
    est = clone(estimator)
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    est.partial_fit(X[:120], y[:120])
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    copy = joblib.load(buffer)
    assert_array_equal(copy.predict_proba(X), est.predict_proba(X), err_msg=name)
    for model in (est, copy):
        model.partial_fit(X[120:], y[120:])
    assert_array_equal(copy.predict_proba(X), est.predict_proba(X), err_msg=name)


def continual_checks(estimator):
    """Yield the continual-learning checks that apply to ``estimator``.

    Parameters
    ----------
    estimator : estimator instance
        Any estimator; only classifiers with ``partial_fit`` get checks.

    Yields
    ------
    check : callable
        ``check(estimator)``, with the name bound.
    """
    if not (is_classifier(estimator) and hasattr(estimator, "partial_fit")):
        return
    name = type(estimator).__name__
    for check in (
        check_partial_fit_new_classes,
        check_partial_fit_keeps_params_unchanged,
        check_rejected_batch_leaves_model_unchanged,
        check_partial_fit_joblib_round_trip,
    ):
        yield partial(check, name)
