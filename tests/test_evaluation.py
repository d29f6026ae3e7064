"""Tests for skcl.evaluation.evaluate_stream and StreamResult."""

import json
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import SGDClassifier
from sklearn.naive_bayes import MultinomialNB
from sklearn.preprocessing import FunctionTransformer

from skcl.evaluation import (
    CHECKPOINT_NAME,
    StreamResult,
    _needs_classes,
    evaluate_stream,
)
from skcl.metrics import (
    average_accuracy,
    average_forgetting,
    average_incremental_accuracy,
    backward_transfer,
    forward_transfer,
)
from skcl.scenarios import Task, TaskStream, class_incremental_stream

# --------------------------------------------------------------------------
# a spy: an SGDClassifier that records what the evaluation feeds it
# --------------------------------------------------------------------------
CALLS = []  # (method, sorted classes in the batch, n_rows, classes kwarg given)
FAIL_ON_CLASS = {"label": None}  # raise in partial_fit when this label shows up


class SpySGD(SGDClassifier):
    """SGDClassifier logging its partial_fit/end_task calls (module-level log)."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        y = np.asarray(y)
        if FAIL_ON_CLASS["label"] is not None and FAIL_ON_CLASS["label"] in y:
            raise RuntimeError("simulated crash")
        CALLS.append(
            ("partial_fit", tuple(np.unique(y).tolist()), len(y), classes is not None)
        )
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    def end_task(self, X=None, y=None):
        CALLS.append(("end_task", tuple(np.unique(y).tolist()), len(y), False))
        return self


class NoClassesSpy(ClassifierMixin, BaseEstimator):
    """Minimal incremental classifier whose partial_fit has no classes param."""

    def partial_fit(self, X, y):
        self.classes_ = np.union1d(getattr(self, "classes_", []), y)
        CALLS.append(("partial_fit", tuple(np.unique(y).tolist()), len(y), False))
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[-1])


@pytest.fixture(autouse=True)
def _reset_spy():
    CALLS.clear()
    FAIL_ON_CLASS["label"] = None
    yield
    CALLS.clear()
    FAIL_ON_CLASS["label"] = None


@pytest.fixture(scope="module")
def stream():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return class_incremental_stream(X / 16.0, y, classes_per_task=2, random_state=0)


def _sgd(**kw):
    return SGDClassifier(loss="log_loss", random_state=0, **kw)


# --------------------------------------------------------------------------
# the accuracy matrix and the metrics
# --------------------------------------------------------------------------
def test_accuracy_matrix_lower_triangle_and_metrics(stream):
    result = evaluate_stream(_sgd(), stream, n_epochs=3, random_state=0)
    A = result.accuracy_matrix
    assert isinstance(result, StreamResult)
    assert A.shape == (5, 5)
    assert np.all(np.isfinite(np.tril(A)[np.tril_indices(5)]))
    assert np.all(np.isnan(A[np.triu_indices(5, k=1)]))
    assert np.all(np.diag(A) > 0.9)  # each task is learned when trained
    assert result.task_names == stream.task_names
    assert result.metrics == {
        "average_accuracy": pytest.approx(average_accuracy(A)),
        "average_incremental_accuracy": pytest.approx(average_incremental_accuracy(A)),
        "average_forgetting": pytest.approx(average_forgetting(A)),
        "backward_transfer": pytest.approx(backward_transfer(A)),
    }
    assert result.metrics["average_forgetting"] > 0.5  # naive SGD forgets
    assert result.fit_times.shape == result.score_times.shape == (5,)
    assert np.all(result.fit_times > 0) and np.all(result.score_times > 0)


def test_evaluate_future_fills_upper_triangle_and_forward_transfer(stream):
    result = evaluate_stream(
        _sgd(), stream, evaluate_future=True, random_state=0
    )
    A = result.accuracy_matrix
    assert np.all(np.isfinite(A))
    # class-incremental: unseen classes are never predicted
    assert np.all(A[np.triu_indices(5, k=1)] == 0)
    np.testing.assert_allclose(result.baseline, 0.5)
    assert result.metrics["forward_transfer"] == pytest.approx(
        forward_transfer(A, result.baseline)
    )
    assert result.metrics["forward_transfer"] == pytest.approx(-0.5)


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
def test_custom_baseline_and_scoring(stream):
    result = evaluate_stream(
        _sgd(),
        stream,
        evaluate_future=True,
        baseline=np.zeros(5),
        scoring="balanced_accuracy",
        random_state=0,
    )
    assert result.scoring == "balanced_accuracy"
    assert result.metrics["forward_transfer"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="one value per task"):
        evaluate_stream(_sgd(), stream, baseline=[0.5, 0.5])


def test_estimator_is_cloned_and_fitted_one_returned(stream):
    est = _sgd()
    result = evaluate_stream(est, stream, random_state=0)
    assert not hasattr(est, "coef_")
    assert result.estimator is not est
    np.testing.assert_array_equal(result.estimator.classes_, np.arange(10))


def test_same_seed_same_matrix_different_seed_differs(stream):
    def run(seed):
        return evaluate_stream(
            _sgd(), stream, batch_size=16, random_state=seed
        ).accuracy_matrix

    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


# --------------------------------------------------------------------------
# what the estimator is fed
# --------------------------------------------------------------------------
def test_partial_fit_in_task_order_with_epochs_batches_and_end_task(stream):
    evaluate_stream(SpySGD(loss="log_loss"), stream, n_epochs=2, batch_size=50)
    ends = [i for i, c in enumerate(CALLS) if c[0] == "end_task"]
    assert len(ends) == 5
    start = 0
    for k, end in enumerate(ends):
        task = stream[k]
        fits = CALLS[start:end]
        n_batches = -(-task.n_train // 50)
        assert len(fits) == 2 * n_batches
        assert all(set(c[1]) <= set(task.classes.tolist()) for c in fits)
        assert sum(c[2] for c in fits) == 2 * task.n_train
        assert max(c[2] for c in fits) == 50
        assert CALLS[end][1] == tuple(task.classes.tolist())
        assert CALLS[end][2] == task.n_train
        start = end + 1
    # sklearn's SGDClassifier needs classes= on the very first call only
    assert [c[3] for c in CALLS if c[0] == "partial_fit"].count(True) == 1
    assert CALLS[0][3] is True


@settings(max_examples=30, deadline=None)
@given(
    n_epochs=st.integers(1, 3),
    batch_size=st.one_of(st.none(), st.integers(1, 40)),
    shuffle=st.booleans(),
)
def test_every_row_seen_n_epochs_times(n_epochs, batch_size, shuffle):
    from skcl.evaluation import _partial_fit_task

    seen = []

    class Recorder:
        def partial_fit(self, X, y, classes=None):
            seen.extend(np.asarray(X)[:, 0].tolist())

    X = np.arange(37, dtype=float).reshape(-1, 1)
    calls = _partial_fit_task(
        Recorder(),
        X,
        np.zeros(37),
        n_epochs=n_epochs,
        batch_size=batch_size,
        shuffle=shuffle,
        rng=np.random.RandomState(0),
    )
    step = 37 if batch_size is None else batch_size
    assert calls == n_epochs * -(-37 // step)
    assert sorted(seen) == sorted(list(range(37)) * n_epochs)


def test_classes_auto_never_passed_to_estimators_without_classes(stream):
    evaluate_stream(NoClassesSpy(), stream)
    assert [c[1] for c in CALLS][:2] == [(0, 1), (2, 3)]


def test_needs_classes_rule():
    from skcl.linear_model import ContinualSGDClassifier
    from skcl.pipeline import make_pipeline

    assert _needs_classes(SGDClassifier())
    assert _needs_classes(MultinomialNB())
    assert not _needs_classes(ContinualSGDClassifier())
    assert not _needs_classes(NoClassesSpy())
    assert _needs_classes(make_pipeline(FunctionTransformer(), SGDClassifier()))
    assert not _needs_classes(
        make_pipeline(FunctionTransformer(), ContinualSGDClassifier())
    )


def test_classes_none_and_explicit(stream):
    with pytest.raises(ValueError, match="classes must be passed"):
        evaluate_stream(_sgd(), stream, classes=None)
    with pytest.raises(ValueError, match="missing labels"):
        evaluate_stream(_sgd(), stream, classes=[0, 1])
    result = evaluate_stream(_sgd(), stream, classes=np.arange(12))
    assert result.estimator.classes_.tolist() == list(range(12))


@pytest.mark.parametrize(
    "make_estimator",
    [
        lambda: MultinomialNB(),
        lambda: __import__(
            "skcl.linear_model", fromlist=["x"]
        ).ContinualSGDClassifier(random_state=0),
        lambda: __import__("skcl.pipeline", fromlist=["x"]).make_pipeline(
            FunctionTransformer(), _sgd()
        ),
    ],
    ids=["MultinomialNB", "ContinualSGDClassifier", "Pipeline"],
)
def test_works_with_incremental_estimators(stream, make_estimator):
    result = evaluate_stream(make_estimator(), stream, n_epochs=5, random_state=0)
    assert np.mean(np.diag(result.accuracy_matrix)) > 0.7
    assert 0 <= result.metrics["average_accuracy"] <= 1


def test_sparse_stream():
    rng = np.random.RandomState(0)
    X = sp.csr_matrix(rng.rand(200, 6) * (rng.rand(200, 6) > 0.5))
    y = np.repeat(np.arange(4), 50)
    s = class_incremental_stream(X, y, n_tasks=2, random_state=0)
    result = evaluate_stream(_sgd(), s, batch_size=20, random_state=0)
    assert result.accuracy_matrix.shape == (2, 2)


def test_task_incremental_stream_scores_within_task(stream):
    ti = TaskStream(list(stream), scenario="task-incremental")
    ci = evaluate_stream(_sgd(), stream, n_epochs=3, random_state=0)
    result = evaluate_stream(_sgd(), ti, n_epochs=3, random_state=0)
    assert result.scoring == "accuracy (within task)"
    # knowing the task makes the old tasks easier than class-incremental
    assert result.metrics["average_accuracy"] > ci.metrics["average_accuracy"] + 0.2
    with pytest.raises(ValueError, match="within-task accuracy"):
        evaluate_stream(_sgd(), ti, scoring="f1_macro")


# --------------------------------------------------------------------------
# checkpoints
# --------------------------------------------------------------------------
def test_checkpoint_resume_after_crash_gives_same_matrix(stream, tmp_path):
    kw = dict(n_epochs=2, batch_size=32, random_state=0)
    reference = evaluate_stream(SpySGD(loss="log_loss", random_state=0), stream, **kw)

    FAIL_ON_CLASS["label"] = stream[3].classes[0]  # crash while training task 3
    with pytest.raises(RuntimeError, match="simulated crash"):
        evaluate_stream(
            SpySGD(loss="log_loss", random_state=0),
            stream,
            checkpoint_dir=tmp_path,
            **kw,
        )
    assert (tmp_path / CHECKPOINT_NAME).exists()

    FAIL_ON_CLASS["label"] = None
    CALLS.clear()
    resumed = evaluate_stream(
        SpySGD(loss="log_loss", random_state=0), stream, checkpoint_dir=tmp_path, **kw
    )
    assert resumed.resumed_from == 3
    first = [c for c in CALLS if c[0] == "partial_fit"][0]
    assert set(first[1]) <= set(stream[3].classes.tolist())  # starts at task 3
    assert not any(set(c[1]) & {0, 1, 2, 3, 4, 5} for c in CALLS)
    np.testing.assert_array_equal(resumed.accuracy_matrix, reference.accuracy_matrix)
    np.testing.assert_array_equal(resumed.estimator.coef_, reference.estimator.coef_)

    # a finished run is returned from its checkpoint without training again
    CALLS.clear()
    again = evaluate_stream(
        SpySGD(loss="log_loss", random_state=0), stream, checkpoint_dir=tmp_path, **kw
    )
    assert CALLS == [] and again.resumed_from == 5
    np.testing.assert_array_equal(again.accuracy_matrix, reference.accuracy_matrix)


def test_checkpoint_from_other_settings_is_refused(stream, tmp_path):
    evaluate_stream(_sgd(), stream, checkpoint_dir=tmp_path, random_state=0)
    with pytest.raises(ValueError, match="another stream, estimator or settings"):
        evaluate_stream(_sgd(), stream, checkpoint_dir=tmp_path, n_epochs=2,
                        random_state=0)
    with pytest.raises(ValueError, match="another stream, estimator or settings"):
        evaluate_stream(_sgd(alpha=0.1), stream, checkpoint_dir=tmp_path,
                        random_state=0)
    with pytest.raises(ValueError, match="another stream, estimator or settings"):
        evaluate_stream(_sgd(), stream[:3], checkpoint_dir=tmp_path, random_state=0)


# --------------------------------------------------------------------------
# output, progress, bad input
# --------------------------------------------------------------------------
def test_to_dict_is_json_and_repr_summarises(stream):
    result = evaluate_stream(_sgd(), stream, random_state=0)
    d = result.to_dict()
    text = json.dumps(d)  # NaN became None
    assert "NaN" not in text
    assert d["accuracy_matrix"][0][1] is None
    assert d["metrics"]["average_accuracy"] == result.metrics["average_accuracy"]
    assert "estimator" not in d
    assert "estimator" in result.to_dict(include_estimator=True)
    r = repr(result)
    assert "average_forgetting" in r and "classes 8, 9" in r and "SGDClassifier" in r


def test_quiet_by_default_plain_text_without_tqdm(stream, capsys, monkeypatch):
    evaluate_stream(_sgd(), stream, random_state=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    evaluate_stream(_sgd(), stream, random_state=0, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and lines[-1].startswith("[evaluate_stream] task 5/5")


def test_verbose_with_tqdm(stream, capsys):
    pytest.importorskip("tqdm")
    evaluate_stream(_sgd(), stream, random_state=0, verbose=True)
    assert "evaluate_stream" in capsys.readouterr().err


def test_bad_input(stream):
    with pytest.raises(ValueError, match="partial_fit"):
        evaluate_stream(FunctionTransformer(), stream)
    with pytest.raises(TypeError, match="TaskStream"):
        evaluate_stream(_sgd(), 5)
    with pytest.raises(TypeError, match="not a Task"):
        evaluate_stream(_sgd(), [1, 2])
    with pytest.raises(ValueError, match="n_epochs"):
        evaluate_stream(_sgd(), stream, n_epochs=0)
    bad = [
        stream[0],
        Task(1, np.ones((4, 3)), [2, 3, 2, 3], np.ones((2, 3)), [2, 3]),
    ]
    with pytest.raises(ValueError, match="features"):
        evaluate_stream(_sgd(), bad)


def test_list_of_tasks_is_accepted(stream):
    result = evaluate_stream(_sgd(), list(stream)[:2], random_state=0)
    assert result.accuracy_matrix.shape == (2, 2)


def test_subclasses_of_skcl_classifiers_are_not_told_future_classes():
    # Regression: detection by module name told a user's subclass every class
    # of the stream on its first partial_fit call.
    from skcl.evaluation import _needs_classes
    from skcl.linear_model import ContinualSGDClassifier

    class MyClassifier(ContinualSGDClassifier):
        pass

    assert not _needs_classes(MyClassifier())
