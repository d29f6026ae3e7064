"""Tests of ContinualSGDClassifier (issue #2)."""

import io
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcl.exceptions import TrainingDivergedError
from skcl.linear_model import ContinualSGDClassifier, from_linear_classifier
from skcl.linear_model._loss import linear_logits, softmax_log_loss_grad
from skcl.optim import SGD, AdaGrad, Adam, ReduceLROnPlateau, RMSProp


def _split_by_class(X, y, groups):
    return [(X[np.isin(y, g)], y[np.isin(y, g)]) for g in groups]


def test_softmax_gradient_matches_finite_differences(rng):
    X = rng.randn(7, 4)
    y = np.array([0, 1, 2, 2, 1, 0, 2])
    W, b = rng.randn(3, 4), rng.randn(3)
    w = rng.rand(7)
    G = linear_logits(X, W, b)
    loss = softmax_log_loss_grad(G, y, w)
    gW = G.T @ X

    def f(W_):
        return softmax_log_loss_grad(linear_logits(X, W_, b), y, w)

    eps = 1e-6
    num = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += eps
        Wm[idx] -= eps
        num[idx] = (f(Wp) - f(Wm)) / (2 * eps)
    assert_allclose(gW, num, rtol=1e-5, atol=1e-8)
    # the loss is the weighted mean cross-entropy
    P = np.exp(linear_logits(X, W, b))
    P /= P.sum(1, keepdims=True)
    assert loss == pytest.approx(np.sum(-np.log(P[np.arange(7), y]) * w) / 7)


def test_is_true_softmax_not_one_vs_rest(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    Z = X @ clf.coef_.T + clf.intercept_
    expected = np.exp(Z - Z.max(1, keepdims=True))
    assert_allclose(proba, expected / expected.sum(1, keepdims=True), rtol=1e-10)
    assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-10)
    assert clf.score(X, y) > 0.95


def test_partial_fit_new_classes_grow_at_sorted_positions(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(random_state=0)  # AdaGrad
    clf.partial_fit(X[y == 3], y[y == 3])
    clf.partial_fit(X[y == 1], y[y == 1])
    assert_array_equal(clf.classes_, [1, 3])
    # A batch of negligible weight: only the growth happens (alpha=0).
    clf.set_params(alpha=0.0)
    coef, intercept = clf.coef_.copy(), clf.intercept_.copy()
    state = {k: v.copy() for k, v in clf.optimizer_.state_[0].items()}
    clf.partial_fit(
        X[y == 2][:5], y[y == 2][:5], classes=[0], sample_weight=np.full(5, 1e-300)
    )
    assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert clf.coef_.shape == (4, X.shape[1])
    assert_array_equal(clf.coef_[[1, 3]], coef)
    assert_array_equal(clf.intercept_[[1, 3]], intercept)
    assert_allclose(clf.coef_[[0, 2]], 0.0, atol=1e-200)
    for key, value in clf.optimizer_.state_[0].items():
        assert value.shape[0] == 4
        assert_array_equal(value[[1, 3]], state[key])
        assert_allclose(value[[0, 2]], 0.0, atol=1e-200)
    assert_array_equal(clf.class_counts_, [0, 100, 5, 100])


def test_partial_fit_learns_classes_task_by_task(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(random_state=0)
    for Xt, yt in _split_by_class(X, y, [[0, 1], [2, 3]]):
        for _ in range(3):
            clf.partial_fit(Xt, yt)
    assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert clf.score(X[y >= 2], y[y >= 2]) > 0.9
    assert clf.t_ == 3 * len(y)
    assert clf.n_iter_ == 1


def test_classes_given_up_front(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(random_state=0)
    clf.partial_fit(X[:10], y[:10], classes=np.unique(y))
    assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert clf.predict_proba(X[:3]).shape == (3, 4)


def test_string_labels_and_label_type_change(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu", "fox"])[y]
    clf = ContinualSGDClassifier(random_state=0).partial_fit(X, names)
    assert set(clf.predict(X)) <= set(names)
    before = clf.predict(X)
    with pytest.raises(TypeError, match="labels must keep one type"):
        clf.partial_fit(X, y)
    assert_array_equal(clf.predict(X), before)


def test_binary_decision_function_is_1d(blobs):
    X, y = blobs
    mask = y < 2
    clf = ContinualSGDClassifier(random_state=0).fit(X[mask], y[mask])
    d = clf.decision_function(X[mask])
    assert d.shape == (mask.sum(),)
    assert_array_equal(clf.predict(X[mask]), clf.classes_[(d > 0).astype(int)])
    assert clf.coef_.shape == (2, X.shape[1])


def test_float32_is_computed_in_float32(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(random_state=0).partial_fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == np.float32
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    clf.partial_fit(X, y)  # float64 later is cast to the model's dtype
    assert clf.coef_.dtype == np.float32


def test_sparse_csr_matches_dense(blobs):
    X, y = blobs
    dense = ContinualSGDClassifier(random_state=0, max_iter=5, tol=None)
    sp = clone(dense)
    dense.fit(X, y)
    sp.fit(sparse.csr_matrix(X), y)
    assert_allclose(sp.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    assert_array_equal(sp.predict(sparse.csr_matrix(X)), dense.predict(X))


def test_deterministic_with_random_state(digits):
    X, y = digits
    a = ContinualSGDClassifier(random_state=42, batch_size=32, dropout=0.1).fit(X, y)
    b = ContinualSGDClassifier(random_state=42, batch_size=32, dropout=0.1).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(learning_rate=0.1),
        SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
        AdaGrad(),
        RMSProp(learning_rate=0.01),
        Adam(learning_rate=0.01),
        AdaGrad(learning_rate=ReduceLROnPlateau(0.1)),
    ],
)
def test_optimizers_learn_digits(digits, optimizer):
    X, y = digits
    clf = ContinualSGDClassifier(optimizer=optimizer, random_state=0, batch_size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X[:1200], y[:1200])
    assert clf.score(X[1200:], y[1200:]) > 0.88
    assert clf.optimizer_ is not optimizer
    assert not hasattr(optimizer, "state_")  # the user's object is untouched


def test_plateau_schedule_lowers_rate_across_partial_fit_calls(rng):
    # Pure-noise labels: the loss cannot improve, so the rate must go down.
    X = rng.randn(2000, 5)
    y = rng.randint(0, 3, 2000)
    plateau = ReduceLROnPlateau(learning_rate=0.1, patience=1, window=5)
    clf = ContinualSGDClassifier(optimizer=SGD(learning_rate=plateau), batch_size=20)
    for start in range(0, 2000, 100):
        clf.partial_fit(X[start : start + 100], y[start : start + 100])
    schedule = clf.optimizer_.schedule_
    assert schedule.n_reductions_ > 0
    assert clf.optimizer_.current_learning_rate < 0.1
    assert plateau.get_params()["learning_rate"] == 0.1  # the user's object
    assert not hasattr(plateau, "scale_")
    buffer = io.BytesIO()
    joblib.dump(clf, buffer)
    buffer.seek(0)
    reloaded = joblib.load(buffer).optimizer_.schedule_
    assert reloaded.scale_ == schedule.scale_ < 1.0
    assert reloaded.n_bad_windows_ == schedule.n_bad_windows_


def test_regularisation_options(digits):
    X, y = digits
    l1 = ContinualSGDClassifier(
        penalty="l1", alpha=1e-3, optimizer=SGD(0.2), random_state=0, max_iter=20
    )
    l2 = ContinualSGDClassifier(
        penalty="l2", alpha=1e-3, optimizer=SGD(0.2), random_state=0, max_iter=20
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        l1.fit(X, y)
        l2.fit(X, y)
    assert np.mean(l1.coef_ == 0) > np.mean(l2.coef_ == 0) + 0.1
    assert l1.score(X, y) > 0.85
    en = ContinualSGDClassifier(penalty="elasticnet", l1_ratio=0.5, random_state=0)
    assert en.fit(X, y).score(X, y) > 0.9


def test_dropout_only_in_training(digits):
    X, y = digits
    clf = ContinualSGDClassifier(dropout=0.3, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert_array_equal(clf.predict_proba(X[:20]), clf.predict_proba(X[:20]))
    plain = ContinualSGDClassifier(random_state=0).fit(X, y)
    assert not np.allclose(plain.coef_, clf.coef_)


def test_class_weight_balanced_in_partial_fit(rng):
    X = np.r_[rng.randn(300, 2) + 1, rng.randn(30, 2) - 1]
    y = np.r_[np.zeros(300, int), np.ones(30, int)]
    bal = ContinualSGDClassifier(class_weight="balanced", random_state=0)
    plain = ContinualSGDClassifier(random_state=0)
    for _ in range(20):
        bal.partial_fit(X, y)
        plain.partial_fit(X, y)
    recall = lambda c: np.mean(c.predict(X[y == 1]) == 1)  # noqa: E731
    assert recall(bal) > recall(plain)
    w = bal._class_weights()
    assert_allclose(w, [330 / (2 * 300 * 20 / 20), 330 / (2 * 30)])


def test_early_stopping_stops_before_max_iter(digits):
    X, y = digits
    clf = ContinualSGDClassifier(
        early_stopping=True, n_iter_no_change=3, max_iter=500, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ < 500
    assert clf.score(X, y) > 0.9


def test_max_iter_reached_warns_and_tol_none_runs_all_epochs(blobs):
    X, y = blobs
    with pytest.warns(Warning, match="Maximum number of epochs"):
        ContinualSGDClassifier(max_iter=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = ContinualSGDClassifier(max_iter=3, tol=None).fit(X, y)
    assert clf.n_iter_ == 3
    assert clf.t_ == 3 * len(y)


def test_warm_start_and_coef_init(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(random_state=0).fit(X, y)
    init = ContinualSGDClassifier(max_iter=1, tol=None, optimizer=SGD(1e-12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        init.fit(X, y, coef_init=clf.coef_, intercept_init=clf.intercept_)
    assert_allclose(init.coef_, clf.coef_, atol=1e-6)
    with pytest.raises(ValueError, match="coef_init has shape"):
        init.fit(X, y, coef_init=clf.coef_[:2])
    warm = ContinualSGDClassifier(warm_start=True, max_iter=1, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X, y)
        steps = warm.optimizer_.n_steps_
        warm.fit(X, y)
    assert warm.optimizer_.n_steps_ == 2 * steps  # continued, not restarted


def test_from_linear_classifier_multinomial_and_binary(digits):
    X, y = digits
    lr = LogisticRegression(max_iter=500).fit(X, y)
    clf = from_linear_classifier(lr)
    assert_allclose(clf.predict_proba(X), lr.predict_proba(X), rtol=1e-6)
    binary = LogisticRegression().fit(X[y < 2], y[y < 2])
    clf2 = from_linear_classifier(binary, random_state=0)
    assert_allclose(clf2.predict_proba(X), binary.predict_proba(X), rtol=1e-6)
    sgd = SGDClassifier(random_state=0).fit(X, y)
    clf3 = from_linear_classifier(sgd)
    assert_array_equal(clf3.predict(X), sgd.predict(X))
    before = clf.score(X, y)
    clf.partial_fit(X, y)  # continues training
    assert clf.score(X, y) >= before - 0.02


def test_from_linear_classifier_rejects_unfitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        from_linear_classifier(LogisticRegression())


# ---------------------------------------------------------------------------
# composition and persistence
# ---------------------------------------------------------------------------
def test_joblib_round_trip_predicts_and_continues_identically(tmp_path, digits):
    X, y = digits
    a = ContinualSGDClassifier(
        optimizer=Adam(0.01), batch_size=32, random_state=0, dropout=0.1
    )
    a.partial_fit(X[:500], y[:500])
    path = tmp_path / "model.joblib"
    joblib.dump(a, path)
    b = joblib.load(path)
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    for start in range(500, 1500, 250):
        a.partial_fit(X[start : start + 250], y[start : start + 250])
        b.partial_fit(X[start : start + 250], y[start : start + 250])
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.optimizer_.state_[0]["m"], b.optimizer_.state_[0]["m"])


def test_pipeline_gridsearch_and_cross_validate(digits):
    X, y = digits
    X, y = X[:600], y[:600]
    pipe = make_pipeline(StandardScaler(), ContinualSGDClassifier(random_state=0))
    search = GridSearchCV(
        pipe,
        {
            "continualsgdclassifier__optimizer": [AdaGrad(), Adam()],
            "continualsgdclassifier__optimizer__learning_rate": [0.01, 0.05],
        },
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    assert search.best_score_ > 0.85
    assert len(search.cv_results_["params"]) == 4
    for cv in (KFold(3, shuffle=True, random_state=0), StratifiedKFold(3)):
        res = cross_validate(ContinualSGDClassifier(random_state=0), X, y, cv=cv)
        assert res["test_score"].mean() > 0.85
    est = ContinualSGDClassifier(optimizer=Adam(0.01)).fit(X, y)
    fresh = clone(est)
    assert not hasattr(fresh, "coef_")
    assert fresh.get_params()["optimizer"].learning_rate == 0.01


# ---------------------------------------------------------------------------
# bad input: a clear error, and the model exactly as before
# ---------------------------------------------------------------------------
def _bad_batches(X, y):
    nan_X = X[:10].copy()
    nan_X[0, 0] = np.nan
    inf_X = X[:10].copy()
    inf_X[1, 1] = np.inf
    nan_y = y[:10].astype(float)
    nan_y[0] = np.nan
    return {
        "nan": ((nan_X, y[:10]), {}, ValueError, "NaN"),
        "inf": ((inf_X, y[:10]), {}, ValueError, "infinity"),
        "n_features": ((X[:10, :5], y[:10]), {}, ValueError, "features"),
        "1d": ((X[0], y[:1]), {}, ValueError, "2D array"),
        "empty": ((X[:0], y[:0]), {}, ValueError, "0 sample"),
        "nan_y": ((X[:10], nan_y), {}, ValueError, "NaN"),
        "str_after_int": ((X[:10], np.array(["a"] * 10)), {}, TypeError, "type"),
        "multi_output": ((X[:10], np.c_[y[:10], y[:10]]), {}, ValueError, "1d"),
        "negative_weight": (
            (X[:10], y[:10]),
            {"sample_weight": -np.ones(10)},
            ValueError,
            "(?i)negative",
        ),
        "continuous_y": ((X[:10], np.linspace(0, 1, 10)), {}, ValueError, "label"),
    }


@pytest.mark.parametrize("case", list(_bad_batches(np.zeros((10, 3)), np.zeros(10))))
def test_bad_batch_is_rejected_and_model_unchanged(case, blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(
        random_state=0, replay=None, class_weight="balanced"
    ).partial_fit(X, y)
    args, kwargs, error, match = _bad_batches(X, y)[case]
    before = joblib.hash(clf)
    proba = clf.predict_proba(X)
    with pytest.raises(error, match=match):
        clf.partial_fit(*args, **kwargs)
    assert joblib.hash(clf) == before
    assert_array_equal(clf.predict_proba(X), proba)


def test_divergence_restores_model_and_says_what_to_do(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(optimizer=SGD(1e-3), random_state=0)
    clf.partial_fit(X, y)
    before = joblib.hash(clf)
    clf.set_params(optimizer=SGD(1e30))  # params are read at init only...
    clf.optimizer_.schedule_.learning_rate = 1e300  # ...so force a huge step
    hashed = joblib.hash(clf)
    with pytest.raises(TrainingDivergedError, match="Lower the learning rate"):
        clf.partial_fit(X * 1e10, y)
    assert joblib.hash(clf) == hashed
    clf.optimizer_.schedule_.learning_rate = 1e-3
    clf.set_params(optimizer=SGD(1e-3))
    assert joblib.hash(clf) == before
    clf.partial_fit(X, y)  # still usable
    assert clf.score(X, y) > 0.9


def test_divergence_on_first_call_leaves_unfitted(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(optimizer=SGD(1e300))
    with pytest.raises(TrainingDivergedError):
        clf.partial_fit(X * 1e300, y)
    assert not hasattr(clf, "coef_")
    clf.set_params(optimizer=SGD(0.01)).partial_fit(X, y)
    assert clf.coef_.shape == (4, X.shape[1])


def test_end_task_without_penalty_and_weight_aligning(blobs):
    X, y = blobs
    clf = ContinualSGDClassifier(bias_correction="weight_aligning", random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2]).end_task()
    for _ in range(5):
        clf.partial_fit(X[y >= 2], y[y >= 2])
    clf.end_task()
    norms = np.linalg.norm(clf.coef_, axis=1)
    assert norms[:2].mean() == pytest.approx(norms[2:].mean())
    assert clf.n_tasks_ == 2


@pytest.mark.parametrize("init", ["mean", "lda"])
def test_new_class_init_predicts_new_class_from_first_batch(blobs, init):
    X, y = blobs
    clf = ContinualSGDClassifier(new_class_init=init, alpha=0.0, random_state=0)
    for _ in range(5):
        clf.partial_fit(X[y < 2], y[y < 2])
    zero_init = clone(clf).set_params(new_class_init="zeros")
    for _ in range(5):
        zero_init.partial_fit(X[y < 2], y[y < 2])
    # A first batch of negligible weight: only the initialisation acts.
    tiny = np.full(5, 1e-300)
    clf.partial_fit(X[y == 2][:5], y[y == 2][:5], sample_weight=tiny)
    zero_init.partial_fit(X[y == 2][:5], y[y == 2][:5], sample_weight=tiny)
    new = X[y == 2][5:]
    assert np.mean(zero_init.predict(new) == 2) < 0.5
    assert np.mean(clf.predict(new) == 2) > 0.9
    assert np.mean(clf.predict(X[y < 2]) == y[y < 2]) > 0.9


def test_lda_init_copies_streaming_lda_rows_and_rolls_back(blobs):
    from skcl.discriminant_analysis import StreamingLDAClassifier

    X, y = blobs
    clf = ContinualSGDClassifier(
        new_class_init="lda", optimizer=SGD(1e-12), alpha=0.0, random_state=0
    )
    clf.partial_fit(X[y < 2], y[y < 2])  # the tiny rate leaves the init as it is
    lda = StreamingLDAClassifier().partial_fit(X[y < 2], y[y < 2])
    assert_allclose(clf.coef_, lda.coef_, rtol=1e-6, atol=1e-9)
    assert_array_equal(clf.lda_.class_count_, lda.class_count_)
    before = joblib.hash(clf)
    bad = X[y == 2].copy()
    with pytest.raises(ValueError):
        clf.partial_fit(bad[:, :3], y[y == 2])
    assert joblib.hash(clf) == before


def test_from_linear_classifier_with_old_data_fills_memory_without_training(digits):
    from skcl.mitigation import ClassBalancedReplay

    X, y = digits
    old = y < 5
    lr = LogisticRegression(max_iter=500).fit(X[old], y[old])
    clf = from_linear_classifier(
        lr, X[old], y[old], replay=ClassBalancedReplay(max_size=50), random_state=0
    )
    assert_allclose(clf.predict_proba(X), lr.predict_proba(X), rtol=1e-6)
    assert len(clf.replay_) == 50
    assert_array_equal(np.unique(clf.replay_.y_), [0, 1, 2, 3, 4])
    assert_array_equal(clf.class_counts_, np.bincount(y[old]))
    assert clf.optimizer_.learning_rate == pytest.approx(
        4 / np.abs(X[old]).sum(axis=1).mean()
    )
    with pytest.raises(ValueError, match="does not know"):
        from_linear_classifier(lr, X, y)
    with pytest.raises(ValueError, match="features"):
        from_linear_classifier(lr, X[old][:, :10], y[old])
    with pytest.raises(ValueError, match="both X and y"):
        from_linear_classifier(lr, X[old])
