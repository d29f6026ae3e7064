"""Continual-learning metrics on hand-computed accuracy matrices (issue 4)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skcl.metrics import (
    average_accuracy,
    average_forgetting,
    average_incremental_accuracy,
    backward_transfer,
    forward_transfer,
    prequential_accuracy,
)

nan = np.nan
# forgets: task 0 0.9 -> 0.5, task 1 0.8 -> 0.6
A_FORGET = np.array([[0.9, nan, nan], [0.7, 0.8, nan], [0.5, 0.6, 0.9]])
# task 0 improves then drops below its best; task 1 improves
A_MIXED = np.array([[0.6, nan, nan], [0.9, 0.8, nan], [0.7, 0.9, 0.9]])
A_FULL = np.array([[0.9, 0.6, 0.5], [0.7, 0.8, 0.4], [0.5, 0.6, 0.9]])

ALL_A_METRICS = [
    average_accuracy,
    average_incremental_accuracy,
    average_forgetting,
    backward_transfer,
]


@pytest.mark.parametrize(
    "A, acc, aia, forgetting, bwt",
    [
        (A_FORGET, 2.0 / 3, (0.9 + 0.75 + 2.0 / 3) / 3, 0.3, -0.3),
        (A_MIXED, 2.5 / 3, (0.6 + 0.85 + 2.5 / 3) / 3, (0.2 - 0.1) / 2, 0.1),
        (A_FULL, 2.0 / 3, (0.9 + 0.75 + 2.0 / 3) / 3, 0.3, -0.3),
        (np.array([[0.42]]), 0.42, 0.42, 0.0, 0.0),
    ],
)
def test_metrics_on_hand_computed_matrices(A, acc, aia, forgetting, bwt):
    assert average_accuracy(A) == pytest.approx(acc)
    assert average_incremental_accuracy(A) == pytest.approx(aia)
    assert average_forgetting(A) == pytest.approx(forgetting)
    assert backward_transfer(A) == pytest.approx(bwt)


def test_forgetting_uses_best_accuracy_not_just_learned():
    # best on task 0 is 0.9 (after task 1), not A[0, 0] = 0.6
    assert average_forgetting(A_MIXED) == pytest.approx(0.05)
    assert backward_transfer(A_MIXED) == pytest.approx(0.1)


def test_upper_triangle_is_ignored_by_lower_triangle_metrics():
    for metric in ALL_A_METRICS:
        assert metric(A_FORGET) == pytest.approx(metric(A_FULL))


def test_forward_transfer_hand_computed():
    baseline = [0.1, 0.5, 0.2]
    assert forward_transfer(A_FULL, baseline) == pytest.approx(
        ((0.6 - 0.5) + (0.4 - 0.2)) / 2
    )
    assert forward_transfer(A_FULL, 0.5) == pytest.approx(0.0)
    assert forward_transfer([[0.7]], [0.1]) == 0.0


def test_forward_transfer_needs_superdiagonal():
    with pytest.raises(ValueError, match=r"A\[j - 1, j\].*\(0, 1\)"):
        forward_transfer(A_FORGET, 0.1)


def test_forward_transfer_baseline_length():
    with pytest.raises(ValueError, match="one value per task"):
        forward_transfer(A_FULL, [0.1, 0.2])


def test_metrics_return_python_floats():
    for metric in ALL_A_METRICS:
        assert type(metric(A_FORGET)) is float


@pytest.mark.parametrize("metric", ALL_A_METRICS)
@pytest.mark.parametrize(
    "A, match",
    [
        (np.ones((2, 3)), "square"),
        (np.ones(3), "square"),
        (np.empty((0, 0)), "square"),
        (np.array([[0.5, nan], [nan, 0.5]]), r"NaN/inf at \[\(1, 0\)\]"),
        (np.array([[nan, nan], [0.5, 0.5]]), r"NaN/inf at \[\(0, 0\)\]"),
        (np.array([[0.5, 1.0], [0.5, np.inf]]), "NaN/inf"),
    ],
)
def test_invalid_accuracy_matrix(metric, A, match):
    with pytest.raises(ValueError, match=match):
        metric(A)


@pytest.mark.parametrize("metric", ALL_A_METRICS)
def test_non_array_input_rejected(metric):
    with pytest.raises((TypeError, ValueError)):
        metric("not a matrix")


def _lower_triangular(draw_values, T, monotone):
    A = np.full((T, T), np.nan)
    for j in range(T):
        col = np.asarray(draw_values[j][: T - j])
        A[j:, j] = np.maximum.accumulate(col) if monotone else col
    return A


@st.composite
def accuracy_matrices(draw, monotone=False):
    T = draw(st.integers(1, 6))
    cols = [
        draw(arrays(np.float64, T - j, elements=st.floats(0, 1))) for j in range(T)
    ]
    return _lower_triangular(cols, T, monotone)


@settings(max_examples=30, deadline=None)
@given(accuracy_matrices(monotone=True))
def test_no_accuracy_drop_means_no_forgetting(A):
    assert average_forgetting(A) <= 1e-12
    assert backward_transfer(A) >= -1e-12


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.floats(0, 1))
def test_constant_accuracy_gives_zero_forgetting_and_bwt(T, value):
    A = np.tril(np.full((T, T), value)) + np.triu(np.full((T, T), nan), 1)
    assert average_forgetting(A) == pytest.approx(0.0, abs=1e-12)
    assert backward_transfer(A) == pytest.approx(0.0, abs=1e-12)
    assert average_accuracy(A) == pytest.approx(value)
    assert average_incremental_accuracy(A) == pytest.approx(value)


@settings(max_examples=30, deadline=None)
@given(accuracy_matrices())
def test_forgetting_bounds_minus_bwt_and_metrics_in_range(A):
    # max over l of A[l, j] >= A[j, j], so forgetting >= -BWT
    assert average_forgetting(A) >= -backward_transfer(A) - 1e-12
    assert 0.0 <= average_accuracy(A) <= 1.0
    assert 0.0 <= average_incremental_accuracy(A) <= 1.0
    assert -1.0 <= average_forgetting(A) <= 1.0


# --------------------------------------------------------------------------
# prequential accuracy
# --------------------------------------------------------------------------
Y_TRUE = np.array([0, 1, 1, 0, 1, 1])
Y_PRED = np.array([1, 1, 1, 0, 0, 1])
CORRECT = (Y_TRUE == Y_PRED).astype(float)


def test_prequential_overall():
    assert prequential_accuracy(Y_TRUE, Y_PRED) == pytest.approx(4 / 6)


def test_prequential_window_hand_computed():
    got = prequential_accuracy(Y_TRUE, Y_PRED, window=3)
    expected = [0 / 1, 1 / 2, 2 / 3, 3 / 3, 2 / 3, 2 / 3]
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("alpha", [0.5, 0.9, 1.0])
def test_prequential_fading_matches_recursion(alpha):
    s = n = 0.0
    expected = []
    for c in CORRECT:
        s = c + alpha * s
        n = 1.0 + alpha * n
        expected.append(s / n)
    got = prequential_accuracy(Y_TRUE, Y_PRED, fading=alpha)
    np.testing.assert_allclose(got, expected)
    if alpha == 1.0:
        np.testing.assert_allclose(got, np.cumsum(CORRECT) / np.arange(1, 7))


def test_prequential_string_labels():
    assert prequential_accuracy(["a", "b"], ["a", "a"]) == 0.5


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"window": 2, "fading": 0.5}, "not both"),
        ({"window": 0}, "window"),
        ({"fading": 0.0}, "fading"),
        ({"fading": 1.5}, "fading"),
    ],
)
def test_prequential_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        prequential_accuracy(Y_TRUE, Y_PRED, **kwargs)


def test_prequential_bad_shapes():
    with pytest.raises(ValueError, match="6 samples but y_pred has 5"):
        prequential_accuracy(Y_TRUE, Y_PRED[:5])
    with pytest.raises(ValueError, match="empty"):
        prequential_accuracy([], [])
