"""ContinualSGDClassifier with replay and consolidation (issue #5)."""

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone

from skcl.linear_model import ContinualSGDClassifier
from skcl.mitigation import (
    ClassBalancedReplay,
    DistillationPenalty,
    EWCPenalty,
    GaussianReplay,
    ReservoirReplay,
)


def _stream(X, y, epochs=10):
    for classes in ([0, 1], [2, 3], [4, 5], [6, 7], [8, 9]):
        mask = np.isin(y, classes)
        for _ in range(epochs):
            yield X[mask], y[mask]


def _final_accuracy(clf, digits):
    X, y = digits
    Xtr, ytr, Xte, yte = X[::2], y[::2], X[1::2], y[1::2]
    for Xb, yb in _stream(Xtr, ytr):
        clf.partial_fit(Xb, yb)
    return clf.score(Xte, yte)


@pytest.mark.parametrize(
    "replay",
    [
        ClassBalancedReplay(max_size=200),
        ReservoirReplay(max_size=200),
        GaussianReplay(),
        GaussianReplay(class_covariance=0.5),
    ],
)
def test_replay_reduces_forgetting(digits, replay):
    naive = _final_accuracy(ContinualSGDClassifier(random_state=0), digits)
    with_replay = _final_accuracy(
        ContinualSGDClassifier(replay=replay, random_state=0), digits
    )
    assert naive < 0.3
    assert with_replay > 0.8
    assert not hasattr(replay, "X_") and not hasattr(replay, "stats_")


class _SpyReplay(ClassBalancedReplay):
    """Records the ``present`` labels the classifier passes to ``sample``."""

    calls = []

    def sample(self, n, random_state=None, present=None):
        _SpyReplay.calls.append((n, np.asarray(present).copy()))
        return super().sample(n, random_state, present=present)


def test_replay_is_told_the_labels_of_each_mini_batch(digits):
    X, y = digits
    _SpyReplay.calls.clear()
    clf = ContinualSGDClassifier(replay=_SpyReplay(max_size=40), batch_size=16,
                                 random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2])
    _SpyReplay.calls.clear()
    new = np.isin(y, [2, 3])
    clf.partial_fit(X[new], y[new])
    n_batches = int(np.ceil(new.sum() / 16))
    assert len(_SpyReplay.calls) == n_batches
    for n, present in _SpyReplay.calls:
        assert 1 <= present.size <= 16 and set(present) <= {2, 3}
        assert n == int(np.ceil(4.0 * present.size))
    # the memory tops the mini-batches up with the classes they lack
    # (an equal share of 16 + 16 rows is 8 per class: classes 2 and 3 have it)
    present = np.repeat([2, 3], 8)
    Xr, yr = clf.replay_.sample(16, np.random.RandomState(0), present=present)
    assert len(yr) == 16 and set(yr) <= {0, 1}


def test_replay_buffer_is_fitted_state(tmp_path, digits):
    X, y = digits
    clf = ContinualSGDClassifier(
        replay=ClassBalancedReplay(max_size=50), random_state=0
    )
    clf.partial_fit(X[y < 2], y[y < 2])
    assert len(clf.replay_) == 50
    joblib.dump(clf, tmp_path / "m.joblib")
    back = joblib.load(tmp_path / "m.joblib")
    assert_array_equal(back.replay_.X_, clf.replay_.X_)
    for est in (clf, back):
        est.partial_fit(X[(y == 2) | (y == 3)], y[(y == 2) | (y == 3)])
    assert_array_equal(back.coef_, clf.coef_)
    assert_array_equal(back.replay_.y_, clf.replay_.y_)
    assert not hasattr(clone(clf), "replay_")
    assert not hasattr(clone(clf).replay, "X_")


def test_budget_smaller_than_classes_is_refused_and_model_unchanged(digits):
    X, y = digits
    clf = ContinualSGDClassifier(replay=ClassBalancedReplay(max_size=3), random_state=0)
    clf.partial_fit(X[y < 3], y[y < 3])
    before = joblib.hash(clf)
    with pytest.raises(ValueError, match="max_size"):
        clf.partial_fit(X[y == 3], y[y == 3])
    assert joblib.hash(clf) == before


def test_replay_refuses_mismatched_features_before_training(digits):
    X, y = digits
    clf = ContinualSGDClassifier(replay=ReservoirReplay(max_size=20), random_state=0)
    clf.partial_fit(X[:100], y[:100])
    clf.replay_.n_features_in_ = 63  # a corrupted memory
    before = clf.coef_.copy()
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[100:200], y[100:200])
    assert_array_equal(clf.coef_, before)


@pytest.mark.parametrize(
    "penalty", [EWCPenalty(lambda_=1000.0), DistillationPenalty(lambda_=5.0)]
)
def test_consolidation_reduces_forgetting_across_domains(digits, penalty):
    # Domain-incremental: the same classes, then pixels permuted. (In
    # class-incremental streams penalties alone barely help; see the docs.)
    X, y = digits
    X_b = X[:, np.random.RandomState(0).permutation(X.shape[1])]
    results = {}
    for name, consolidation in (("naive", None), ("penalty", penalty)):
        clf = ContinualSGDClassifier(consolidation=consolidation, random_state=0)
        for _ in range(5):
            clf.partial_fit(X, y)
        clf.end_task(X, y)
        for _ in range(5):
            clf.partial_fit(X_b, y)
        results[name] = clf.score(X, y)
    assert results["penalty"] > results["naive"] + 0.05


def test_penalty_without_end_task_has_no_effect(blobs):
    X, y = blobs
    a = ContinualSGDClassifier(consolidation=EWCPenalty(), random_state=0)
    b = ContinualSGDClassifier(random_state=0)
    for est in (a, b):
        est.partial_fit(X[y < 2], y[y < 2]).partial_fit(X[y >= 2], y[y >= 2])
    assert_array_equal(a.coef_, b.coef_)
    with pytest.raises(ValueError, match="end_task needs the task's training data"):
        a.end_task()
    a.end_task(X[y >= 2], y[y >= 2])
    assert a.consolidation_.n_tasks_ == 1


class _FirstProtocolReplay(ClassBalancedReplay):
    """A memory written for the first protocol: ``sample(n, random_state)``."""

    def sample(self, n, random_state=None):
        return super().sample(n, random_state)


def test_memories_without_present_still_work(digits):
    X, y = digits
    clf = ContinualSGDClassifier(replay=_FirstProtocolReplay(max_size=40),
                                 random_state=0)
    for c in (0, 2, 4):
        mask = np.isin(y, [c, c + 1])
        clf.partial_fit(X[mask], y[mask])
    assert set(clf.replay_.y_) == {0, 1, 2, 3, 4, 5}
    assert clf.score(X[y < 2], y[y < 2]) > 0.5
