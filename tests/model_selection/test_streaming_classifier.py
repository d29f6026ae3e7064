"""Tests for skcl.model_selection.StreamingClassifier (tuning on streams)."""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_validate,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcl.model_selection import StreamingClassifier

LOG = []  # ("fit", sorted classes, values of the last feature) or ("end",)


class SpySGD(SGDClassifier):
    """SGDClassifier logging every partial_fit / end_task call (module log)."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        X = np.asarray(X)
        LOG.append(
            ("fit", tuple(np.unique(y).tolist()), tuple(np.unique(X[:, -1]).tolist()))
        )
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    def end_task(self, X=None, y=None):
        LOG.append(("end", tuple(np.unique(y).tolist())))
        return self


@pytest.fixture(autouse=True)
def _clear_log():
    LOG.clear()
    yield
    LOG.clear()


@pytest.fixture(scope="module")
def digits6():
    X, y = load_digits(n_class=6, return_X_y=True)
    return X / 16.0, y


def _spy(**kw):
    return SpySGD(loss="log_loss", random_state=0, **kw)


def test_grid_search_trains_each_candidate_task_by_task(digits6):
    X, y = digits6
    model = StreamingClassifier(_spy(), classes_per_task=2, n_epochs=2, random_state=0)
    search = GridSearchCV(model, {"estimator__alpha": [1e-4, 1e-2]}, cv=3)
    search.fit(X, y)
    task_seq = [entry[1] for entry in LOG if entry[0] == "end"]
    n_fits = 2 * 3 + 1  # candidates x folds + refit
    assert task_seq == [(0, 1), (2, 3), (4, 5)] * n_fits
    # between two end_task calls, partial_fit only sees the current task
    current = []
    for entry in LOG:
        if entry[0] == "fit":
            current.append(entry[1])
        else:
            assert current and all(set(c) <= set(entry[1]) for c in current)
            assert len(current) == 2  # n_epochs passes, whole task per call
            current = []
    assert search.best_estimator_.n_tasks_ == 3


def test_score_is_average_accuracy_over_tasks(digits6):
    X, y = digits6
    model = StreamingClassifier(
        SGDClassifier(loss="log_loss", random_state=0), classes_per_task=2,
        random_state=0,
    ).fit(X[::2], y[::2])
    Xt, yt = X[1::2], y[1::2]
    pred = model.predict(Xt)
    per_task = [np.mean(pred[np.isin(yt, g)] == yt[np.isin(yt, g)])
                for g in ([0, 1], [2, 3], [4, 5])]
    assert model.score(Xt, yt) == pytest.approx(np.mean(per_task))
    assert model.class_to_task_ == {0: 0, 1: 0, 2: 1, 3: 1, 4: 2, 5: 2}
    # naive training forgets: the average accuracy is far below plain accuracy
    # on the last task
    assert model.score(Xt, yt) < 0.6
    # explicit tasks override the class mapping
    assert model.score(Xt, yt, tasks=np.zeros(len(yt))) == pytest.approx(
        np.mean(pred == yt)
    )


def test_score_groups_untrained_classes_in_one_extra_task(digits6):
    X, y = digits6
    model = StreamingClassifier(
        SGDClassifier(loss="log_loss", random_state=0), classes_per_task=2,
        random_state=0,
    ).fit(X[y < 4], y[y < 4])
    pred = model.predict(X)
    groups = ([0, 1], [2, 3], [4, 5])  # 4 and 5 were never trained
    expected = np.mean([np.mean(pred[np.isin(y, g)] == y[np.isin(y, g)])
                        for g in groups])
    assert model.score(X, y) == pytest.approx(expected)


def test_cross_validate_streams_each_training_fold(digits6):
    X, y = digits6
    model = StreamingClassifier(_spy(), classes_per_task=3, random_state=0)
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    scores = cross_validate(model, X, y, cv=cv, return_estimator=True)
    assert [e[1] for e in LOG if e[0] == "end"] == [(0, 1, 2), (3, 4, 5)] * 4
    for (train, test), est, score in zip(
        cv.split(X, y), scores["estimator"], scores["test_score"]
    ):
        pred = est.predict(X[test])
        first = np.isin(y[test], [0, 1, 2])
        expected = np.mean([np.mean(pred[m] == y[test][m]) for m in (first, ~first)])
        assert score == pytest.approx(expected)


def test_class_order_sets_the_task_sequence(digits6):
    X, y = digits6
    StreamingClassifier(
        _spy(), class_order=[5, 4, 3, 2, 1, 0], classes_per_task=2
    ).fit(X, y)
    assert [e[1] for e in LOG if e[0] == "end"] == [(4, 5), (2, 3), (0, 1)]


def test_default_is_a_single_task(digits6):
    X, y = digits6
    model = StreamingClassifier(_spy(), n_epochs=3).fit(X, y)
    assert model.n_tasks_ == 1 and len([e for e in LOG if e[0] == "fit"]) == 3


def _domain_data():
    """Three tasks with the same two classes; the last feature is the task id."""
    rng = np.random.RandomState(0)
    Xs, ys, ts = [], [], []
    for t in range(3):
        X = rng.randn(60, 4) + t
        y = (X[:, 0] > t).astype(int)
        Xs.append(np.column_stack([X, np.full(60, t)]))
        ys.append(y)
        ts.append(np.full(60, t))
    return np.vstack(Xs), np.concatenate(ys), np.concatenate(ts)


def test_tasks_as_fit_params_without_routing():
    X, y, tasks = _domain_data()
    model = StreamingClassifier(_spy(), random_state=0)
    search = GridSearchCV(model, {"n_epochs": [1, 2]}, cv=3)
    search.fit(X, y, tasks=tasks)
    # task t only carries rows whose last feature is t, and tasks go 0, 1, 2
    fits = [e for e in LOG if e[0] == "fit"]
    assert all(len(e[2]) == 1 for e in fits)
    per_fit = [e[2][0] for e in fits]
    assert per_fit[:3] == [0.0, 1.0, 2.0]  # first candidate, first fold
    assert search.best_estimator_.class_to_task_ is None  # classes span tasks
    np.testing.assert_array_equal(search.best_estimator_.task_labels_, [0, 1, 2])


def test_tasks_with_metadata_routing():
    X, y, tasks = _domain_data()
    with sklearn.config_context(enable_metadata_routing=True):
        model = (
            StreamingClassifier(_spy(), random_state=0)
            .set_fit_request(tasks=True)
            .set_score_request(tasks=True)
        )
        search = GridSearchCV(model, {"estimator__alpha": [1e-4, 1e-1]}, cv=3)
        search.fit(X, y, tasks=tasks)
        best = search.best_estimator_
        pred = best.predict(X)
        expected = np.mean([np.mean(pred[tasks == t] == y[tasks == t])
                            for t in range(3)])
        assert best.score(X, y, tasks=tasks) == pytest.approx(expected)
    assert [e[2][0] for e in LOG if e[0] == "fit"][:3] == [0.0, 1.0, 2.0]


def test_tune_continual_sgd_learning_rate(digits6):
    from skcl.linear_model import ContinualSGDClassifier
    from skcl.optim import SGD

    X, y = digits6
    model = StreamingClassifier(
        ContinualSGDClassifier(optimizer=SGD(), random_state=0),
        classes_per_task=2,
        random_state=0,
    )
    search = RandomizedSearchCV(
        model,
        {"estimator__optimizer__learning_rate": [1e-3, 1e-2, 1e-1]},
        n_iter=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert search.best_params_["estimator__optimizer__learning_rate"] in (
        1e-3, 1e-2, 1e-1,
    )
    assert 0 <= search.best_score_ <= 1
    assert search.best_estimator_.estimator_.optimizer_.learning_rate == (
        search.best_params_["estimator__optimizer__learning_rate"]
    )


def test_delegation_and_available_if(digits6):
    X, y = digits6
    proba_model = StreamingClassifier(SGDClassifier(loss="log_loss")).fit(X, y)
    assert proba_model.predict_proba(X[:3]).shape == (3, 6)
    assert proba_model.decision_function(X[:3]).shape == (3, 6)
    hinge = StreamingClassifier(SGDClassifier(loss="hinge"))
    assert not hasattr(hinge, "predict_proba")
    assert not hasattr(hinge.fit(X, y), "predict_proba")


def test_bad_input(digits6):
    X, y = digits6
    with pytest.raises(ValueError, match="not in class_order"):
        StreamingClassifier(_spy(), class_order=[0, 1, 2]).fit(X, y)
    with pytest.raises(ValueError, match="duplicates"):
        StreamingClassifier(_spy(), class_order=[0, 1, 1, 2, 3, 4, 5]).fit(X, y)
    with pytest.raises(ValueError, match="one label per sample"):
        StreamingClassifier(_spy()).fit(X, y, tasks=[0, 1])
    with pytest.raises(ValueError, match="classes_per_task"):
        StreamingClassifier(_spy(), classes_per_task=0).fit(X, y)
    with pytest.raises(ValueError, match="estimator"):
        StreamingClassifier(object()).fit(X, y)


def test_absent_classes_in_class_order_are_skipped(digits6):
    X, y = digits6
    model = StreamingClassifier(
        _spy(), class_order=[0, 1, 9, 8, 2, 3, 4, 5], classes_per_task=2
    ).fit(X, y)
    assert model.n_tasks_ == 3
    assert [c.tolist() for c in model.task_classes_] == [[0, 1], [2, 3], [4, 5]]


def _continual_instances():
    from skcl.linear_model import ContinualSGDClassifier

    yield StreamingClassifier(
        ContinualSGDClassifier(random_state=0), classes_per_task=None, n_epochs=5
    )


@parametrize_with_checks(list(_continual_instances()))
def test_sklearn_checks_with_continual_sgd_inside(estimator, check):
    # tests/test_common.py runs the checks with the default test params
    # (SGDClassifier inside); this runs them around skcl's own classifier.
    check(estimator)
