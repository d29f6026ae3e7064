"""class/task/domain-incremental stream factories (issue 4)."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from skcl.scenarios import (
    TaskStream,
    class_incremental_stream,
    domain_incremental_stream,
    task_incremental_stream,
)


def _indexed_data(counts):
    """y with counts[c] samples of class c; X's only feature is the row index."""
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.arange(len(y), dtype=float).reshape(-1, 1)
    return X, y


def _all_rows(stream):
    return np.concatenate(
        [np.concatenate([t.X_train[:, 0], t.X_test[:, 0]]) for t in stream]
    ).astype(int)


# --------------------------------------------------------------------------
# invariants
# --------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(
    counts=st.lists(st.integers(2, 12), min_size=1, max_size=8),
    data=st.data(),
    seed=st.integers(0, 1000),
)
def test_class_incremental_tasks_partition_classes_and_samples(counts, data, seed):
    X, y = _indexed_data(counts)
    n_classes = len(counts)
    n_tasks = data.draw(st.integers(1, n_classes))
    stream = class_incremental_stream(
        X, y, n_tasks=n_tasks, shuffle_classes=True, random_state=seed
    )
    assert len(stream) == n_tasks
    # task classes partition the classes
    all_classes = np.concatenate([t.classes for t in stream])
    np.testing.assert_array_equal(np.sort(all_classes), np.arange(n_classes))
    # every sample appears in exactly one task (train or test)
    rows = _all_rows(stream)
    np.testing.assert_array_equal(np.sort(rows), np.arange(len(y)))
    for task in stream:
        # each task holds all the samples of its classes, and only those
        assert set(np.unique(task.y_train)) <= set(task.classes)
        assert set(np.unique(task.y_test)) <= set(task.classes)
        assert task.n_train + task.n_test == np.isin(y, task.classes).sum()
        # the labels match the rows they came from
        np.testing.assert_array_equal(y[task.X_train[:, 0].astype(int)], task.y_train)


@settings(max_examples=30, deadline=None)
@given(
    counts=st.lists(st.integers(4, 40), min_size=2, max_size=6),
    test_size=st.sampled_from([0.2, 0.25, 0.5]),
    seed=st.integers(0, 1000),
)
def test_test_split_is_stratified_within_each_task(counts, test_size, seed):
    X, y = _indexed_data(counts)
    stream = class_incremental_stream(
        X, y, classes_per_task=2, test_size=test_size, random_state=seed
    )
    for task in stream:
        for c in task.classes:
            n_c = counts[c]
            n_test_c = np.sum(task.y_test == c)
            assert abs(n_test_c - test_size * n_c) <= 1.0 + 1e-9
            assert n_test_c >= 1 and np.sum(task.y_train == c) >= 1


def test_same_seed_same_stream_other_seed_other_split(digits):
    X, y = digits
    a = class_incremental_stream(X, y, n_tasks=5, random_state=0)
    b = class_incremental_stream(X, y, n_tasks=5, random_state=0)
    c = class_incremental_stream(X, y, n_tasks=5, random_state=1)
    np.testing.assert_array_equal(a[2].X_test, b[2].X_test)
    assert not np.array_equal(a[2].y_train, c[2].y_train) or not np.array_equal(
        a[2].X_train, c[2].X_train
    )


# --------------------------------------------------------------------------
# ways of splitting
# --------------------------------------------------------------------------
def test_default_order_is_sorted_and_split_evenly(digits):
    X, y = digits
    stream = class_incremental_stream(X, y, n_tasks=3, random_state=0)
    assert [t.classes.tolist() for t in stream] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert stream.scenario == "class-incremental"
    assert stream.task_names[0] == "classes 0, 1, 2, 3"


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"classes_per_task": 4}, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]),
        ({"classes_per_task": [1, 9]}, [[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]),
        (
            {"class_order": [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], "classes_per_task": 5},
            [[5, 6, 7, 8, 9], [0, 1, 2, 3, 4]],
        ),
        ({"class_order": [[3, 1], [0, 2, 4, 5, 6, 7, 8, 9]]},
         [[1, 3], [0, 2, 4, 5, 6, 7, 8, 9]]),
    ],
)
def test_ways_of_splitting(digits, kwargs, expected):
    X, y = digits
    stream = class_incremental_stream(X, y, random_state=0, **kwargs)
    assert [t.classes.tolist() for t in stream] == expected


def test_string_labels(digits):
    X, y = digits
    names = np.array(list("abcdefghij"))[y]
    stream = class_incremental_stream(
        X, names, class_order=[["j", "a"], list("bcdefghi")], random_state=0
    )
    assert stream[0].classes.tolist() == ["a", "j"]
    assert set(stream[0].y_test) == {"a", "j"}


def test_task_incremental_matches_class_incremental_split(digits):
    X, y = digits
    ci = class_incremental_stream(X, y, classes_per_task=2, random_state=3)
    ti = task_incremental_stream(X, y, classes_per_task=2, random_state=3)
    assert ti.scenario == "task-incremental"
    for a, b in zip(ci, ti):
        np.testing.assert_array_equal(a.X_test, b.X_test)
        np.testing.assert_array_equal(a.classes, b.classes)


# --------------------------------------------------------------------------
# input kinds
# --------------------------------------------------------------------------
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array, sp.coo_matrix])
def test_sparse_input_gives_csr_tasks(digits, container):
    X, y = digits
    stream = class_incremental_stream(container(X), y, n_tasks=2, random_state=0)
    dense = class_incremental_stream(X, y, n_tasks=2, random_state=0)
    for s, d in zip(stream, dense):
        assert sp.issparse(s.X_train) and s.X_train.format == "csr"
        np.testing.assert_allclose(s.X_train.toarray(), d.X_train)


def test_image_arrays_keep_their_shape(digits):
    X, y = digits
    images = (X.reshape(-1, 8, 8) * 16).astype(np.uint8)
    stream = class_incremental_stream(images, y, n_tasks=5, random_state=0)
    assert stream[0].X_train.shape[1:] == (8, 8)
    assert stream[0].X_train.dtype == np.uint8
    assert stream.n_features_in_ == 64 and stream.sample_shape == (8, 8)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_tasks": 11}, "n_tasks=11 is larger than the number of classes"),
        ({"classes_per_task": 11}, "classes_per_task=11 is larger"),
        ({"n_tasks": 2, "classes_per_task": 2}, "exactly one way"),
        ({}, "Give one way"),
        ({"class_order": [0, 1, 12, 13], "n_tasks": 2}, r"absent from y: \[12, 13\]"),
        ({"class_order": [[0, 1], [12]]}, r"absent from y: \[12\]"),
        ({"class_order": [[0, 1], [1, 2]]}, r"more than once: \[1\]"),
        ({"class_order": [[0, 1], [2]]}, r"leaves out classes \[3, 4"),
        ({"class_order": list(range(10))}, "flat class_order"),
        ({"class_order": [[0, 1], 2]}, "mixes lists"),
        ({"class_order": [[0, 1]], "n_tasks": 1}, "exactly one way"),
        ({"n_tasks": 2, "class_order": list(range(10)), "shuffle_classes": True},
         "shuffle_classes"),
        ({"classes_per_task": [3, 3]}, "summing to the number of classes"),
    ],
)
def test_bad_split_arguments_raise_clear_errors(digits, kwargs, match):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        class_incremental_stream(X, y, **kwargs)


@pytest.mark.parametrize(
    "kwargs", [{"n_tasks": 0}, {"test_size": 1.5}, {"test_size": 0.0},
               {"classes_per_task": 2.5}]
)
def test_invalid_parameter_values(digits, kwargs):
    X, y = digits
    kwargs = {"n_tasks": 2, **kwargs} if "classes_per_task" not in kwargs else kwargs
    with pytest.raises(ValueError):
        class_incremental_stream(X, y, **kwargs)


def test_class_with_one_sample_is_named():
    X, y = _indexed_data([5, 1, 5])
    with pytest.raises(ValueError, match=r"classes \[1\] have a single sample"):
        class_incremental_stream(X, y, n_tasks=3)


def test_X_y_length_mismatch():
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        class_incremental_stream(np.zeros((4, 2)), [0, 1, 0], n_tasks=1)


# --------------------------------------------------------------------------
# domain incremental
# --------------------------------------------------------------------------
def test_domain_groups_one_task_per_group(digits):
    X, y = digits
    groups = np.arange(len(y)) % 3
    stream = domain_incremental_stream(X, y, groups=groups, random_state=0)
    assert stream.scenario == "domain-incremental"
    assert stream.task_names == ["group 0", "group 1", "group 2"]
    assert sum(t.n_train + t.n_test for t in stream) == len(y)
    for task in stream:
        assert task.classes.tolist() == list(range(10))


def test_domain_permutation_task0_identity_and_shared_split(digits):
    X, y = digits
    stream = domain_incremental_stream(
        X, y, n_tasks=3, transform="permutation", random_state=0
    )
    t0, t1, t2 = stream
    np.testing.assert_array_equal(t0.y_test, t1.y_test)
    # task 0 is the original data (its rows are the rows of X)
    np.testing.assert_array_equal(
        np.unique(np.vstack([t0.X_train, t0.X_test]), axis=0), np.unique(X, axis=0)
    )
    # each task is a column permutation of task 0, the same for train and test
    assert not np.array_equal(t1.X_train, t0.X_train)
    X0 = np.vstack([t0.X_train, t0.X_test])
    X1 = np.vstack([t1.X_train, t1.X_test])
    perm = [
        np.flatnonzero((X0 == X1[:, [k]]).all(axis=0))
        for k in range(X1.shape[1])
    ]
    # every column of task 1 is a column of task 0 (on train and test at once)
    assert all(p.size >= 1 for p in perm)
    assert not np.array_equal(t1.X_train, t2.X_train)


def test_domain_permutation_sparse(digits):
    X, y = digits
    stream = domain_incremental_stream(
        sp.csr_matrix(X), y, n_tasks=2, transform="permutation", random_state=0
    )
    assert sp.issparse(stream[1].X_train)
    np.testing.assert_allclose(
        np.sort(stream[1].X_train.toarray(), axis=1),
        np.sort(stream[0].X_train.toarray(), axis=1),
    )


@pytest.mark.parametrize("as_images", [True, False])
def test_domain_rotation_keeps_layout(digits, as_images):
    X, y = digits
    data = X.reshape(-1, 8, 8) if as_images else X
    stream = domain_incremental_stream(
        data, y, n_tasks=2, transform="rotation", random_state=0
    )
    assert stream[1].X_train.shape[1:] == data.shape[1:]
    assert stream.task_names == ["rotation 0 deg", "rotation 90 deg"]
    # a 90 degree rotation of an 8x8 image is exact
    img0 = stream[0].X_train[:3].reshape(-1, 8, 8)
    img1 = stream[1].X_train[:3].reshape(-1, 8, 8)
    assert any(
        np.allclose(img1, np.rot90(img0, k, axes=(1, 2))) for k in (1, 3)
    )


def test_domain_callable_transform(digits):
    X, y = digits

    def add_noise(X, task_id, rng):
        return X + task_id + 0.0 * rng.rand(*X.shape)

    stream = domain_incremental_stream(
        X, y, n_tasks=3, transform=add_noise, random_state=0
    )
    np.testing.assert_allclose(stream[2].X_test - stream[0].X_test, 2.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "needs groups"),
        ({"transform": "permutation"}, "needs n_tasks"),
        ({"groups": np.zeros(1797), "transform": "rotation"}, "not both"),
        ({"groups": np.arange(1797) % 2, "n_tasks": 3}, "does not match the 2"),
        ({"transform": "rotation", "n_tasks": 2, "image_shape": (4, 4)},
         "has 16 pixels"),
        ({"transform": lambda X, t, rng: X[:-1], "n_tasks": 2}, "returned"),
    ],
)
def test_domain_bad_input(digits, kwargs, match):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        domain_incremental_stream(X, y, **kwargs)


def test_domain_rotation_rejects_sparse(digits):
    X, y = digits
    with pytest.raises(ValueError, match="dense image"):
        domain_incremental_stream(
            sp.csr_matrix(X), y, n_tasks=2, transform="rotation"
        )


def test_factories_return_task_streams(digits):
    X, y = digits
    assert isinstance(class_incremental_stream(X, y, n_tasks=2), TaskStream)


def test_integer_test_size_is_total_per_task():
    X, y = _indexed_data([10, 20, 30, 40])
    stream = class_incremental_stream(X, y, n_tasks=2, test_size=6, random_state=0)
    assert [t.n_test for t in stream] == [6, 6]
    # proportional to class sizes: 10 and 20 samples -> 2 and 4 test samples
    np.testing.assert_array_equal(np.bincount(stream[0].y_test), [2, 4])


def test_small_classes_keep_a_train_and_a_test_sample():
    X, y = _indexed_data([2, 2, 3])
    stream = class_incremental_stream(X, y, n_tasks=3, test_size=0.1, random_state=0)
    for task in stream:
        assert task.n_test == 1 and task.n_train >= 1


def test_domain_group_single_sample_class_goes_to_train():
    X, y = _indexed_data([6, 6, 1])
    groups = np.zeros(len(y), dtype=int)
    stream = domain_incremental_stream(X, y, groups=groups, random_state=0)
    assert 2 in stream[0].y_train and 2 not in stream[0].y_test
