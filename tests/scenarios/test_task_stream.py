"""Task, TaskStream and predict_within_task (issue 4)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from skcl.scenarios import Task, TaskStream, predict_within_task


def _task(task_id, n_features=3, classes=(0, 1), n_train=6, n_test=2, rng=None):
    rng = np.random.RandomState(task_id) if rng is None else rng
    classes = list(classes)
    y_train = np.resize(classes, n_train)
    y_test = np.resize(classes, n_test)
    return Task(
        task_id,
        rng.rand(n_train, n_features),
        y_train,
        rng.rand(n_test, n_features),
        y_test,
    )


def test_task_infers_sorted_classes_and_sizes():
    task = Task(3, np.zeros((4, 2)), [2, 0, 2, 0], np.zeros((2, 2)), [0, 2])
    np.testing.assert_array_equal(task.classes, [0, 2])
    assert (task.n_train, task.n_test, task.n_features) == (4, 2, 2)
    assert "task_id=3" in repr(task)


def test_task_is_frozen():
    task = _task(0)
    with pytest.raises(AttributeError):
        task.task_id = 1


def test_task_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="X_train has 4 samples but its labels"):
        Task(0, np.zeros((4, 2)), [0, 1, 0], np.zeros((2, 2)), [0, 1])


def test_task_rejects_labels_outside_classes():
    with pytest.raises(ValueError, match=r"labels \[5\] are not in"):
        Task(0, np.zeros((2, 2)), [0, 5], np.zeros((1, 2)), [0], classes=[0, 1])


def test_task_image_arrays_keep_shape():
    task = Task(0, np.zeros((4, 8, 8)), [0, 1, 0, 1], np.zeros((2, 8, 8)), [0, 1])
    assert task.sample_shape == (8, 8)
    assert task.n_features == 64


def test_stream_sequence_protocol():
    stream = TaskStream([_task(0), _task(1, classes=(2, 3))], scenario="custom")
    assert len(stream) == 2
    assert stream[1].task_id == 1
    assert [t.task_id for t in stream] == [0, 1]
    np.testing.assert_array_equal(stream.classes, [0, 1, 2, 3])
    assert stream.n_features_in_ == stream.n_features == 3
    sub = stream[1:]
    assert isinstance(sub, TaskStream) and len(sub) == 1
    assert "n_tasks=2" in repr(stream)


def test_stream_rejects_tasks_with_different_n_features():
    with pytest.raises(ValueError, match="Task 1 has samples of shape"):
        TaskStream([_task(0, n_features=3), _task(1, n_features=4)])


@pytest.mark.parametrize("part, kwargs", [("training", {"n_train": 0}),
                                          ("test", {"n_test": 0})])
def test_stream_rejects_empty_task(part, kwargs):
    with pytest.raises(ValueError, match=f"Task 1 .* has no {part} samples"):
        TaskStream([_task(0), _task(1, **kwargs)])


def test_stream_rejects_no_tasks_duplicate_ids_and_bad_scenario():
    with pytest.raises(ValueError, match="at least one task"):
        TaskStream([])
    with pytest.raises(ValueError, match="unique"):
        TaskStream([_task(0), _task(0)])
    with pytest.raises(ValueError, match="scenario must be one of"):
        TaskStream([_task(0)], scenario="online")
    with pytest.raises(TypeError, match="not a Task"):
        TaskStream([_task(0), "task"])


def test_from_arrays_names_tasks_after_classes_and_accepts_sparse():
    rng = np.random.RandomState(0)
    stream = TaskStream.from_arrays(
        [sp.csr_matrix(rng.rand(4, 5)), sp.csr_matrix(rng.rand(4, 5))],
        [[0, 1, 0, 1], [2, 3, 2, 3]],
        [sp.csr_matrix(rng.rand(2, 5)), sp.csr_matrix(rng.rand(2, 5))],
        [[0, 1], [2, 3]],
        scenario="class-incremental",
    )
    assert stream.task_names == ["classes 0, 1", "classes 2, 3"]
    assert stream.scenario == "class-incremental"
    assert sp.issparse(stream[0].X_train)


def test_from_arrays_rejects_lists_of_different_lengths():
    with pytest.raises(ValueError, match="same length"):
        TaskStream.from_arrays([np.zeros((2, 2))], [[0, 1]], [], [])


def test_predict_within_task_only_returns_task_classes(blobs):
    X, y = blobs
    clf = LogisticRegression().fit(X, y)
    pred = predict_within_task(clf, X, classes=[1, 3])
    assert set(np.unique(pred)) <= {1, 3}
    # on samples of classes 1 and 3, restricting cannot hurt accuracy
    mask = np.isin(y, [1, 3])
    within = np.mean(predict_within_task(clf, X[mask], [1, 3]) == y[mask])
    assert within >= np.mean(clf.predict(X[mask]) == y[mask])


def test_predict_within_task_matches_masked_proba_argmax(blobs):
    X, y = blobs
    clf = LogisticRegression().fit(X, y)
    proba = clf.predict_proba(X)[:, [0, 2]]
    expected = np.array([0, 2])[proba.argmax(axis=1)]
    np.testing.assert_array_equal(predict_within_task(clf, X, [2, 0]), expected)


def test_predict_within_task_with_binary_decision_function():
    class Binary:
        classes_ = np.array([0, 1])

        def decision_function(self, X):
            return np.asarray(X)[:, 0]

    pred = predict_within_task(Binary(), [[-1.0], [2.0]], classes=[0, 1])
    np.testing.assert_array_equal(pred, [0, 1])


def test_predict_within_task_rejects_unknown_classes(blobs):
    X, y = blobs
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"\[7\] are unknown"):
        predict_within_task(clf, X, [0, 7])
