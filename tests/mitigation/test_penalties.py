"""Tests of the consolidation penalties (skcl.mitigation, issue 5)."""

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax
from sklearn.base import clone

from skcl.mitigation import DistillationPenalty, EWCPenalty


def _problem(seed=0, n=12, d=5, K=3):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    coef, intercept = rng.randn(K, d), rng.randn(K)
    proba = softmax(X @ coef.T + intercept, axis=1)
    return rng, X, coef, intercept, proba


def _numeric_grad(f, theta, eps=1e-6):
    grad = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[idx] = eps
        grad[idx] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad


def _full_grad(penalty, coef, intercept, X):
    """Total gradient w.r.t. (coef, intercept), back-propagating grad_logits."""
    logits = X @ coef.T + intercept
    g_coef, g_int, g_logits = penalty.gradient(coef, intercept, X, logits)
    g_coef = np.zeros_like(coef) if g_coef is None else g_coef
    g_int = np.zeros_like(intercept) if g_int is None else g_int
    if g_logits is not None:
        g_coef = g_coef + g_logits.T @ X
        g_int = g_int + g_logits.sum(axis=0)
    return g_coef, g_int


def _check_gradient(penalty, coef, intercept, X):
    g_coef, g_int = _full_grad(penalty, coef, intercept, X)

    def f_coef(c):
        return penalty.value(c, intercept, X, X @ c.T + intercept)

    def f_int(b):
        return penalty.value(coef, b, X, X @ coef.T + b)

    np.testing.assert_allclose(g_coef, _numeric_grad(f_coef, coef), atol=1e-6)
    np.testing.assert_allclose(g_int, _numeric_grad(f_int, intercept), atol=1e-6)


# ----------------------------------------------------------------- EWC
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_fisher_equals_brute_force_expectation(sparse, weighted):
    """Closed form == E_{y~p}[(d log p(y|x) / d theta)^2], enumerated over y."""
    rng, X, coef, intercept, proba = _problem()
    w = rng.rand(X.shape[0]) if weighted else np.ones(X.shape[0])
    K = coef.shape[0]
    F_coef = np.zeros_like(coef)
    F_int = np.zeros_like(intercept)
    for i in range(X.shape[0]):
        for label in range(K):  # exact expectation over y ~ p(.|x_i)
            g_z = np.eye(K)[label] - proba[i]  # d log p(y|x) / d z
            F_coef += w[i] * proba[i, label] * np.outer(g_z, X[i]) ** 2
            F_int += w[i] * proba[i, label] * g_z**2
    F_coef /= w.sum()
    F_int /= w.sum()
    Xin = sp.csr_matrix(X) if sparse else X
    ewc = EWCPenalty().consolidate(
        coef, intercept, Xin, proba, sample_weight=w if weighted else None
    )
    np.testing.assert_allclose(ewc.fisher_coef_, F_coef, rtol=1e-10)
    np.testing.assert_allclose(ewc.fisher_intercept_, F_int, rtol=1e-10)


def test_fisher_matches_monte_carlo():
    """Sampling y ~ p(.|x) and squaring the score converges to the closed form."""
    rng, X, coef, intercept, proba = _problem(n=4, d=3)
    K = coef.shape[0]
    n_draws = 20000
    acc = np.zeros_like(coef)
    for i in range(X.shape[0]):
        labels = np.array([rng.choice(K, p=proba[i]) for _ in range(n_draws)])
        g_z = np.eye(K)[labels] - proba[i]  # (n_draws, K)
        acc += (g_z**2).mean(axis=0)[:, None] * X[i] ** 2
    acc /= X.shape[0]
    F, _ = EWCPenalty.fisher_diagonal(X, proba)
    np.testing.assert_allclose(acc, F, rtol=0.05, atol=1e-3)


@pytest.mark.parametrize("mode", ["online", "separate"])
def test_ewc_gradient_matches_finite_differences(mode):
    rng, X, coef, intercept, proba = _problem()
    ewc = EWCPenalty(lambda_=3.0, mode=mode, decay=0.7)
    ewc.consolidate(coef, intercept, X, proba)
    coef2, int2 = coef + rng.randn(*coef.shape), intercept + rng.randn(3)
    ewc.consolidate(coef2, int2, X[:6], softmax(X[:6] @ coef2.T + int2, axis=1))
    _check_gradient(ewc, coef + rng.randn(*coef.shape), intercept + 1.0, X)


def test_ewc_before_consolidate_is_inactive():
    _, X, coef, intercept, _ = _problem()
    ewc = EWCPenalty()
    assert ewc.gradient(coef, intercept, X, None) == (None, None, None)
    assert ewc.value(coef, intercept, X, None) == 0.0
    ewc.grow([1])  # a no-op before consolidate
    assert not hasattr(ewc, "fisher_coef_")


def test_ewc_is_zero_at_the_anchor():
    _, X, coef, intercept, proba = _problem()
    ewc = EWCPenalty().consolidate(coef, intercept, X, proba)
    g_coef, g_int, g_logits = ewc.gradient(coef, intercept, X, None)
    assert np.all(g_coef == 0) and np.all(g_int == 0) and g_logits is None
    assert ewc.value(coef, intercept) == 0.0


def test_online_ewc_decays_the_old_fisher():
    rng, X, coef, intercept, proba = _problem()
    X2 = rng.randn(7, 5)
    proba2 = softmax(X2 @ coef.T + intercept, axis=1)
    ewc = EWCPenalty(mode="online", decay=0.5)
    ewc.consolidate(coef, intercept, X, proba)
    F1 = ewc.fisher_coef_.copy()
    ewc.consolidate(coef + 1, intercept, X2, proba2)
    F2, _ = EWCPenalty.fisher_diagonal(X2, proba2)
    np.testing.assert_allclose(ewc.fisher_coef_, 0.5 * F1 + F2)
    np.testing.assert_array_equal(ewc.anchor_coef_, coef + 1)
    assert ewc.n_tasks_ == 2


def test_separate_ewc_equals_sum_of_per_task_penalties():
    """The merged storage gives the same value and gradient as one term per task."""
    rng = np.random.RandomState(1)
    d, K = 4, 3
    ewc = EWCPenalty(lambda_=2.0, mode="separate")
    tasks = []
    for _ in range(3):
        X = rng.randn(10, d)
        coef, intercept = rng.randn(K, d), rng.randn(K)
        proba = softmax(X @ coef.T + intercept, axis=1)
        ewc.consolidate(coef, intercept, X, proba)
        tasks.append((EWCPenalty.fisher_diagonal(X, proba), coef, intercept))
    W, b = rng.randn(K, d), rng.randn(K)
    value = grad_w = grad_b = 0
    for (Fw, Fb), A, a in tasks:
        value = value + 0.5 * (np.sum(Fw * (W - A) ** 2) + np.sum(Fb * (b - a) ** 2))
        grad_w = grad_w + Fw * (W - A)
        grad_b = grad_b + Fb * (b - a)
    np.testing.assert_allclose(ewc.value(W, b), 2.0 * value, rtol=1e-10)
    g_w, g_b, _ = ewc.gradient(W, b)
    np.testing.assert_allclose(g_w, 2.0 * grad_w, rtol=1e-10)
    np.testing.assert_allclose(g_b, 2.0 * grad_b, rtol=1e-10)


def test_ewc_grow_inserts_free_rows():
    rng, X, coef, intercept, proba = _problem()
    ewc = EWCPenalty(lambda_=1.0).consolidate(coef, intercept, X, proba)
    ewc.grow([0, 4])  # two new classes: first and last of 5
    assert ewc.fisher_coef_.shape == (5, 5) and ewc.n_classes_ == 5
    np.testing.assert_array_equal(ewc.fisher_coef_[[0, 4]], 0)
    np.testing.assert_array_equal(ewc.anchor_coef_[1:4], coef)
    np.testing.assert_array_equal(
        ewc.fisher_coef_[1:4], EWCPenalty.fisher_diagonal(X, proba)[0]
    )
    W = rng.randn(5, 5)
    g_w, _, _ = ewc.gradient(W, np.zeros(5))
    np.testing.assert_array_equal(g_w[[0, 4]], 0)  # new classes are free
    with pytest.raises(ValueError, match="call grow"):
        ewc.gradient(coef, intercept)  # stale shapes are refused


@pytest.mark.parametrize(
    "args, match",
    [
        ({"X": None}, "needs the task's data"),
        ({"proba": np.full((12, 2), 0.5)}, "proba must have shape"),
        ({"X": np.ones((12, 4))}, "4 features"),
        ({"intercept": np.zeros(2)}, "intercept must have shape"),
        ({"proba": np.full((12, 3), 2.0)}, r"\[0, 1\]"),
        ({"sample_weight": np.zeros(12)}, "[Ss]ample weight"),
    ],
)
def test_ewc_consolidate_rejects_bad_input(args, match):
    _, X, coef, intercept, proba = _problem()
    ewc = EWCPenalty().consolidate(coef, intercept, X, proba)
    before = joblib.hash(vars(ewc))
    kwargs = dict(coef=coef, intercept=intercept, X=X, proba=proba)
    kwargs.update(args)
    with pytest.raises(ValueError, match=match):
        ewc.consolidate(**kwargs)
    assert joblib.hash(vars(ewc)) == before


@pytest.mark.parametrize(
    "params", [{"lambda_": -1.0}, {"mode": "sum"}, {"decay": 1.5}]
)
def test_ewc_invalid_params(params):
    _, X, coef, intercept, proba = _problem()
    with pytest.raises(ValueError, match=list(params)[0]):
        EWCPenalty(**params).consolidate(coef, intercept, X, proba)


def test_grow_rejects_bad_positions():
    _, X, coef, intercept, proba = _problem()
    for penalty in (EWCPenalty(), DistillationPenalty()):
        penalty.consolidate(coef, intercept, X, proba)
        for bad in ([2, 1], [0, 0], [5], [[1]], [0.5]):
            with pytest.raises(ValueError, match="new_positions"):
                penalty.grow(bad)
        assert penalty.n_classes_ == 3


# -------------------------------------------------------- Distillation
@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0, 5.0])
def test_distillation_gradient_matches_finite_differences(temperature):
    rng, X, coef, intercept, proba = _problem()
    lwf = DistillationPenalty(lambda_=1.7, temperature=temperature)
    lwf.consolidate(coef, intercept, X, proba)
    lwf.grow([1, 4])  # classes grow: 5 classes, old ones at 0, 2, 3
    np.testing.assert_array_equal(lwf.old_class_indices_, [0, 2, 3])
    W, b = rng.randn(5, 5), rng.randn(5)
    _check_gradient(lwf, W, b, X)
    _, _, g = lwf.gradient(W, b, X, X @ W.T + b)
    np.testing.assert_array_equal(g[:, [1, 4]], 0)  # new classes untouched
    assert np.abs(g[:, [0, 2, 3]]).sum() > 0


def test_distillation_is_zero_when_the_old_logits_are_unchanged():
    rng, X, coef, intercept, proba = _problem()
    lwf = DistillationPenalty().consolidate(coef, intercept, X, proba)
    lwf.grow([3])
    W = np.vstack([coef, rng.randn(1, 5)])
    b = np.append(intercept, 3.0)
    logits = X @ W.T + b
    _, _, g = lwf.gradient(W, b, X, logits)
    np.testing.assert_allclose(g, 0, atol=1e-15)
    assert lwf.value(W, b, X, logits) == pytest.approx(0, abs=1e-12)
    # shifting all old logits by a constant changes nothing (softmax)
    assert lwf.value(W, b, X, logits + 1.0) == pytest.approx(0, abs=1e-12)


def test_distillation_value_is_scaled_kl():
    rng, X, coef, intercept, proba = _problem()
    T = 3.0
    lwf = DistillationPenalty(lambda_=0.5, temperature=T)
    lwf.consolidate(coef, intercept, X, proba)
    logits = rng.randn(X.shape[0], 3)
    q = softmax((X @ coef.T + intercept) / T, axis=1)
    p = softmax(logits / T, axis=1)
    kl = np.sum(q * np.log(q / p), axis=1).mean()
    assert lwf.value(None, None, X, logits) == pytest.approx(0.5 * T**2 * kl)


def test_distillation_grow_keeps_indices_over_several_tasks():
    rng, X, coef, intercept, proba = _problem(K=2)
    lwf = DistillationPenalty().consolidate(coef, intercept)  # no data needed
    lwf.grow([0])  # [new, old0, old1]
    lwf.grow([2, 4])  # [new, old0, new, old1, new]
    np.testing.assert_array_equal(lwf.old_class_indices_, [1, 3])
    W, b = rng.randn(5, 5), rng.randn(5)
    lwf.consolidate(W, b)  # the teacher is now the 5-class model
    np.testing.assert_array_equal(lwf.old_class_indices_, np.arange(5))
    assert lwf.old_coef_.shape == (5, 5) and lwf.n_tasks_ == 2


def test_distillation_sparse_equals_dense():
    rng, X, coef, intercept, proba = _problem()
    X[X < 0] = 0
    lwf = DistillationPenalty().consolidate(coef, intercept, X, proba)
    logits = rng.randn(X.shape[0], 3)
    g_dense = lwf.gradient(None, None, X, logits)[2]
    g_sparse = lwf.gradient(None, None, sp.csr_matrix(X), logits)[2]
    np.testing.assert_allclose(g_sparse, g_dense)


def test_distillation_rejects_bad_shapes():
    rng, X, coef, intercept, proba = _problem()
    lwf = DistillationPenalty()
    assert lwf.gradient(coef, intercept, X, None) == (None, None, None)
    assert lwf.value(coef, intercept, X, None) == 0.0
    lwf.consolidate(coef, intercept, X, proba)
    with pytest.raises(ValueError, match="call grow"):
        lwf.gradient(None, None, X, rng.randn(12, 4))
    with pytest.raises(ValueError, match="features"):
        lwf.gradient(None, None, X[:, :3], rng.randn(12, 3))
    with pytest.raises(ValueError, match="temperature"):
        DistillationPenalty(temperature=0).consolidate(coef, intercept)


# ------------------------------------------------------- both penalties
@pytest.mark.parametrize("penalty", [EWCPenalty(), DistillationPenalty()])
def test_clone_is_unconsolidated_and_joblib_round_trip(penalty, tmp_path):
    _, X, coef, intercept, proba = _problem()
    penalty = clone(penalty).consolidate(coef, intercept, X, proba)
    fresh = clone(penalty)
    assert not hasattr(fresh, "n_tasks_")
    assert fresh.gradient(coef, intercept, X, X @ coef.T) == (None, None, None)
    joblib.dump(penalty, tmp_path / "p.joblib")
    loaded = joblib.load(tmp_path / "p.joblib")
    W = coef + 1.0
    logits = X @ W.T + intercept
    for a, b in zip(
        penalty.gradient(W, intercept, X, logits),
        loaded.gradient(W, intercept, X, logits),
    ):
        if a is None:
            assert b is None
        else:
            np.testing.assert_array_equal(a, b)
    assert "lambda_" in penalty.get_params()


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n_new=st.integers(0, 3),
    lam=st.floats(0.01, 10.0),
)
def test_penalties_decrease_along_negative_gradient(seed, n_new, lam):
    """A small step against the gradient lowers the penalty (both kinds)."""
    rng, X, coef, intercept, proba = _problem(seed)
    positions = np.sort(rng.choice(3 + n_new, n_new, replace=False))
    for penalty in (EWCPenalty(lambda_=lam), DistillationPenalty(lambda_=lam)):
        penalty.consolidate(coef, intercept, X, proba)
        penalty.grow(positions)
        W, b = rng.randn(3 + n_new, 5), rng.randn(3 + n_new)
        g_w, g_b = _full_grad(penalty, W, b, X)
        before = penalty.value(W, b, X, X @ W.T + b)
        step = 1e-3 / max(1.0, np.abs(g_w).max(), np.abs(g_b).max())
        W2, b2 = W - step * g_w, b - step * g_b
        after = penalty.value(W2, b2, X, X @ W2.T + b2)
        assert after <= before + 1e-12
        assert before >= 0
