"""Tests for skcl.pipeline: resamplers, partial_fit, end_task, sklearn behaviours."""

import inspect

import joblib
import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import pipeline as sk_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.decomposition import PCA, IncrementalPCA
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.preprocessing import FunctionTransformer, Normalizer, StandardScaler
from sklearn.utils import check_random_state, get_tags

from skcl.base import AugmenterMixin
from skcl.image import AugmentedViews, RandomCrop
from skcl.linear_model import ContinualSGDClassifier
from skcl.pipeline import Pipeline, make_pipeline
from skcl.utils._sklearn_compat import validate_data

# ----------------------------------------------------------------------------
# small local steps
# ----------------------------------------------------------------------------


class NoiseAugmenter(AugmenterMixin, TransformerMixin, BaseEstimator):
    """Adds seeded Gaussian noise on the training path; identity otherwise.

    The random generator is created once and kept, so successive batches get
    fresh noise and a pickled augmenter continues the same stream.
    """

    def __init__(self, scale=0.1, random_state=None):
        self.scale = scale
        self.random_state = random_state

    def fit(self, X, y=None):
        validate_data(self, X, reset=True)
        return self

    def fit_transform(self, X, y=None):
        X = validate_data(self, X, reset=True)
        if not hasattr(self, "_rng"):
            self._rng = check_random_state(self.random_state)
        self.n_calls_ = getattr(self, "n_calls_", 0) + 1
        return X + self.scale * self._rng.standard_normal(X.shape)

    def transform(self, X):
        return validate_data(self, X, reset=False).copy()


class RepeatViews(BaseEstimator):
    """Resampler: the batch repeated ``n_views`` times (view by view)."""

    def __init__(self, n_views=2, record_indices=True):
        self.n_views = n_views
        self.record_indices = record_indices

    def fit_resample(self, X, y):
        X = np.asarray(X)
        n = X.shape[0]
        if self.record_indices:
            self.sample_indices_ = np.tile(np.arange(n), self.n_views)
        return np.tile(X, (self.n_views, 1)), np.tile(np.asarray(y), self.n_views)


class TransformingResampler(RepeatViews):
    def transform(self, X):
        return X


class Recorder(ClassifierMixin, BaseEstimator):
    """Final step that records what it receives (no ``classes`` argument)."""

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        self.seen_ = [(np.array(X), np.array(y), sample_weight)]
        return self

    def partial_fit(self, X, y, sample_weight=None, flag=None):
        if not hasattr(self, "classes_"):
            self.classes_ = np.unique(y)
            self.seen_ = []
        self.classes_ = np.union1d(self.classes_, y)
        self.seen_.append((np.array(X), np.array(y), sample_weight))
        self.flag_ = flag
        return self

    def end_task(self, X=None, y=None):
        self.ended_ = (X, y)
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.classes_[0])


def _sgd(**kw):
    return SGDClassifier(loss="log_loss", random_state=0, **kw)


def _batches(X, y, n):
    return list(zip(np.array_split(X, n), np.array_split(y, n)))


# ----------------------------------------------------------------------------
# fit / predict with resamplers
# ----------------------------------------------------------------------------


def test_fit_carries_y_through_resampler_and_predict_skips_it(blobs):
    X, y = blobs
    pipe = make_pipeline(RepeatViews(n_views=3), StandardScaler(), Recorder())
    pipe.fit(X, y)
    Xs, ys, _ = pipe[-1].seen_[0]
    assert Xs.shape == (3 * len(X), X.shape[1])
    np.testing.assert_array_equal(ys, np.tile(y, 3))
    # inference: one row per sample, the resampler is skipped
    assert pipe.predict(X).shape == (len(X),)
    assert pipe[:-1].transform(X).shape == X.shape
    assert 0 <= pipe.score(X, y) <= 1
    np.testing.assert_allclose(pipe[:-1].transform(X), pipe[1].transform(X))


def test_fit_transform_and_fit_predict_with_resampler(blobs):
    X, y = blobs
    pipe = make_pipeline(RepeatViews(n_views=2), StandardScaler())
    assert pipe.fit_transform(X, y).shape == (2 * len(X), X.shape[1])
    assert pipe.transform(X).shape == X.shape

    from sklearn.cluster import KMeans

    pipe = make_pipeline(RepeatViews(n_views=2), KMeans(2, n_init=1, random_state=0))
    assert pipe.fit_predict(X, y).shape == (2 * len(X),)


def test_fit_sample_weight_follows_resampler(blobs):
    X, y = blobs
    w = np.arange(len(X), dtype=float)
    pipe = make_pipeline(RepeatViews(n_views=2), Recorder())
    pipe.fit(X, y, recorder__sample_weight=w)
    np.testing.assert_array_equal(pipe[-1].seen_[0][2], np.tile(w, 2))

    pipe = make_pipeline(RepeatViews(n_views=2, record_indices=False), Recorder())
    with pytest.raises(ValueError, match="repeatviews.*sample_indices_"):
        pipe.fit(X, y, recorder__sample_weight=w)


def test_resampler_with_transform_is_rejected(blobs):
    X, y = blobs
    pipe = make_pipeline(TransformingResampler(), _sgd())
    with pytest.raises(TypeError, match="both fit_resample and transform"):
        pipe.fit(X, y)
    # scikit-learn's own Pipeline rejects resamplers
    with pytest.raises(TypeError):
        sk_pipeline.make_pipeline(RepeatViews(), _sgd()).fit(X, y)


def test_fit_without_resampler_matches_sklearn(digits):
    X, y = digits
    ours = make_pipeline(StandardScaler(), PCA(10, random_state=0), _sgd()).fit(X, y)
    theirs = sk_pipeline.make_pipeline(
        StandardScaler(), PCA(10, random_state=0), _sgd()
    ).fit(X, y)
    np.testing.assert_allclose(ours[-1].coef_, theirs[-1].coef_)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    assert ours.score(X, y) == theirs.score(X, y)


def test_fit_with_memory_and_resampler(blobs, tmp_path):
    X, y = blobs
    pipe = make_pipeline(RepeatViews(), StandardScaler(), _sgd(), memory=str(tmp_path))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert hasattr(pipe[1], "mean_")


# ----------------------------------------------------------------------------
# partial_fit
# ----------------------------------------------------------------------------


def test_partial_fit_matches_hand_written_loop(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), _sgd())
    scaler, sgd = StandardScaler(), _sgd()
    classes = np.arange(10)
    for Xb, yb in _batches(X, y, 4):
        pipe.partial_fit(Xb, yb, classes=classes)
        sgd.partial_fit(scaler.partial_fit(Xb).transform(Xb), yb, classes=classes)
    np.testing.assert_allclose(pipe[0].mean_, X.mean(axis=0))
    np.testing.assert_allclose(pipe[-1].coef_, sgd.coef_)
    assert pipe.score(X, y) > 0.9


def test_partial_fit_augments_each_batch_afresh_but_predict_does_not(blobs):
    X, y = blobs
    pipe = make_pipeline(NoiseAugmenter(scale=1.0, random_state=0), Recorder())
    pipe.partial_fit(X, y)
    pipe.partial_fit(X, y)
    (X1, _, _), (X2, _, _) = pipe[-1].seen_
    assert not np.allclose(X1, X) and not np.allclose(X1, X2)
    assert pipe[0].n_calls_ == 2
    # prediction and end_task take the deterministic path
    np.testing.assert_array_equal(pipe[:-1].transform(X), X)
    pipe.end_task(X, y)
    np.testing.assert_array_equal(pipe[-1].ended_[0], X)


def test_partial_fit_resampler_repeats_y_and_weights(blobs):
    X, y = blobs
    w = np.linspace(0.5, 1.5, len(X))
    pipe = make_pipeline(RepeatViews(n_views=3), StandardScaler(), Recorder())
    pipe.partial_fit(X, y, sample_weight=w)
    Xs, ys, ws = pipe[-1].seen_[0]
    assert Xs.shape[0] == 3 * len(X)
    np.testing.assert_array_equal(ys, np.tile(y, 3))
    np.testing.assert_array_equal(ws, np.tile(w, 3))
    assert int(pipe[1].n_samples_seen_) == 3 * len(X)
    assert pipe.predict(X).shape == (len(X),)


def test_partial_fit_weights_through_untraceable_resampler_raise(blobs):
    X, y = blobs
    pipe = make_pipeline(RepeatViews(record_indices=False), Recorder())
    with pytest.raises(ValueError, match="'repeatviews'.*sample_indices_"):
        pipe.partial_fit(X, y, sample_weight=np.ones(len(X)))
    assert not hasattr(pipe[-1], "classes_")
    pipe.partial_fit(X, y)  # without weights it works
    assert pipe[-1].seen_[0][0].shape[0] == 2 * len(X)


class WeightedRepeatViews(RepeatViews):
    """Untraceable resampler that takes weights of its own."""

    def fit_resample(self, X, y, sample_weight=None):
        self.weight_ = sample_weight
        return super().fit_resample(X, y)


def test_untraceable_resampler_may_take_its_own_weights(blobs):
    # Only weights of the steps *after* the resampler need its sample_indices_;
    # fit and partial_fit agree on that.
    X, y = blobs
    w = np.ones(len(X))
    for method in ("fit", "partial_fit"):
        pipe = make_pipeline(WeightedRepeatViews(record_indices=False), Recorder())
        getattr(pipe, method)(X, y, weightedrepeatviews__sample_weight=w)
        assert pipe[0].weight_ is w
        assert pipe[-1].seen_[0][0].shape[0] == 2 * len(X)
        with pytest.raises(ValueError, match="sample_indices_"):
            getattr(pipe, method)(X, y, recorder__sample_weight=w)


def test_partial_fit_step_kinds(digits):
    X, y = digits
    X0, X1 = X[:800], X[800:]
    fitted_pca = PCA(20, random_state=0).fit(X0)
    frozen_scaler = FrozenEstimator(StandardScaler().fit(X0))
    ipca = IncrementalPCA(15)
    pipe = make_pipeline(
        frozen_scaler,
        fitted_pca,
        FunctionTransformer(np.tanh),  # stateless, never fitted
        ipca,
        _sgd(),
    )
    components = fitted_pca.components_.copy()
    mean = frozen_scaler.estimator.mean_.copy()
    for Xb, yb in _batches(X1, y[800:], 3):
        pipe.partial_fit(Xb, yb, classes=np.arange(10))
    np.testing.assert_array_equal(fitted_pca.components_, components)
    np.testing.assert_array_equal(frozen_scaler.estimator.mean_, mean)
    assert ipca.n_samples_seen_ == len(X1)
    assert pipe.predict(X0).shape == (len(X0),)
    assert pipe.score(X1, y[800:]) > 0.7


def test_partial_fit_stateless_normalizer(blobs):
    X, y = blobs
    pipe = make_pipeline(Normalizer(), _sgd())
    pipe.partial_fit(X, y, classes=np.unique(y))
    assert pipe.score(X, y) > 0.8


def test_partial_fit_unfitted_batch_transformer_raises_and_changes_nothing(blobs):
    X, y = blobs
    scaler = StandardScaler()
    pipe = make_pipeline(scaler, PCA(2), _sgd())
    with pytest.raises(TypeError, match="'pca'.*FrozenEstimator.*partial_fit"):
        pipe.partial_fit(X, y, classes=np.unique(y))
    assert not hasattr(scaler, "mean_")
    assert not hasattr(pipe[-1], "coef_")

    pipe = make_pipeline(FrozenEstimator(StandardScaler()), _sgd())
    with pytest.raises(TypeError, match="unfitted StandardScaler"):
        pipe.partial_fit(X, y, classes=np.unique(y))


def test_partial_fit_after_fit_continues(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), PCA(5), _sgd()).fit(X[:200], y[:200])
    coef = pipe[-1].coef_.copy()
    pipe.partial_fit(X[200:], y[200:])  # PCA is fitted now: transform only
    assert not np.allclose(coef, pipe[-1].coef_)
    assert int(pipe[0].n_samples_seen_) == len(X)


def test_partial_fit_unsupervised_final_step(blobs):
    from sklearn.cluster import MiniBatchKMeans

    X, _ = blobs
    pipe = make_pipeline(StandardScaler(), MiniBatchKMeans(4, random_state=0, n_init=1))
    for Xb in np.array_split(X, 4):
        pipe.partial_fit(Xb)
    assert pipe[-1].n_steps_ == 4
    assert pipe.predict(X).shape == (len(X),)


def test_partial_fit_availability():
    assert hasattr(make_pipeline(StandardScaler(), _sgd()), "partial_fit")
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    assert not hasattr(pipe, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        pipe.partial_fit(np.ones((2, 2)), [0, 1])
    assert not hasattr(make_pipeline(StandardScaler(), "passthrough"), "partial_fit")


def test_partial_fit_classes_only_passed_when_given(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), Recorder())
    pipe.partial_fit(X, y)  # Recorder.partial_fit has no `classes`
    assert "classes" not in inspect.signature(Recorder.partial_fit).parameters
    seen = len(pipe[-1].seen_)
    n_seen = int(pipe[0].n_samples_seen_)
    with pytest.raises(TypeError, match="classes.*'recorder'"):
        pipe.partial_fit(X, y, classes=np.unique(y))
    assert len(pipe[-1].seen_) == seen  # nothing changed
    assert int(pipe[0].n_samples_seen_) == n_seen


def test_partial_fit_bad_params(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), Recorder())
    with pytest.raises(ValueError, match="one weight per sample"):
        pipe.partial_fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="<step>__<parameter>"):
        pipe.partial_fit(X, y, flag=1)
    with pytest.raises(ValueError, match="nostep__flag"):
        pipe.partial_fit(X, y, nostep__flag=1)
    with pytest.raises(ValueError, match="given twice"):
        pipe.partial_fit(X, y, sample_weight=np.ones(len(X)), recorder__sample_weight=1)
    assert not hasattr(pipe[0], "mean_")
    pipe.partial_fit(X, y, recorder__flag="on")
    assert pipe[-1].flag_ == "on"


def test_end_task_forwarded_through_transformers(blobs):
    X, y = blobs
    pipe = make_pipeline(RepeatViews(), StandardScaler(), Recorder()).fit(X, y)
    assert pipe.end_task(X, y) is pipe
    Xe, ye = pipe[-1].ended_
    assert Xe.shape == X.shape  # resampler skipped
    np.testing.assert_allclose(Xe.mean(axis=0), 0, atol=1e-10)
    pipe.end_task()
    assert pipe[-1].ended_ == (None, None)
    assert not hasattr(make_pipeline(StandardScaler(), _sgd()), "end_task")


# ----------------------------------------------------------------------------
# model selection, clone, persistence
# ----------------------------------------------------------------------------


def test_grid_search_tunes_augmenter_and_classifier(blobs):
    X, y = blobs
    pipe = make_pipeline(
        NoiseAugmenter(random_state=0), RepeatViews(), StandardScaler(), _sgd()
    )
    grid = GridSearchCV(
        pipe,
        {"noiseaugmenter__scale": [0.0, 0.5], "sgdclassifier__alpha": [1e-4, 1e-2]},
        cv=3,
    ).fit(X, y)
    assert set(grid.best_params_) == {"noiseaugmenter__scale", "sgdclassifier__alpha"}
    assert isinstance(grid.best_estimator_, Pipeline)
    assert grid.best_score_ > 0.9
    assert len(grid.cv_results_["params"]) == 4


def test_cross_validate_kfold(digits):
    X, y = digits
    pipe = make_pipeline(NoiseAugmenter(0.05, random_state=0), StandardScaler(), _sgd())
    res = cross_validate(pipe, X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert res["test_score"].shape == (3,)
    assert res["test_score"].min() > 0.85


def test_clone_gives_unfitted_equal_params(blobs):
    X, y = blobs
    pipe = make_pipeline(NoiseAugmenter(0.3, random_state=1), StandardScaler(), _sgd())
    pipe.partial_fit(X, y, classes=np.unique(y))
    cloned = clone(pipe)
    assert isinstance(cloned, Pipeline)
    assert cloned.get_params()["noiseaugmenter__scale"] == 0.3
    assert not hasattr(cloned[-1], "coef_")
    assert not hasattr(cloned[0], "_rng")


def _stream_pipe():
    return make_pipeline(
        NoiseAugmenter(0.2, random_state=0),
        RepeatViews(n_views=2),
        StandardScaler(),
        _sgd(),
    )


def test_joblib_round_trip_continues_partial_fit_exactly(digits, tmp_path):
    X, y = digits
    batches = _batches(X, y, 6)
    classes = np.arange(10)
    a, b = _stream_pipe(), _stream_pipe()
    for Xb, yb in batches[:3]:
        a.partial_fit(Xb, yb, classes=classes)
        b.partial_fit(Xb, yb, classes=classes)
    path = tmp_path / "pipe.joblib"
    joblib.dump(b, path)
    b = joblib.load(path)
    for Xb, yb in batches[3:]:
        a.partial_fit(Xb, yb, classes=classes)
        b.partial_fit(Xb, yb, classes=classes)
    np.testing.assert_array_equal(a[-1].coef_, b[-1].coef_)
    np.testing.assert_array_equal(a[2].mean_, b[2].mean_)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.score(X, y) > 0.85


# ----------------------------------------------------------------------------
# scikit-learn's Pipeline behaviours
# ----------------------------------------------------------------------------


def test_make_pipeline_names_slicing_and_params():
    pipe = make_pipeline(StandardScaler(), RepeatViews(), _sgd(), verbose=False)
    assert isinstance(pipe, Pipeline)
    names = [n for n, _ in pipe.steps]
    assert names == ["standardscaler", "repeatviews", "sgdclassifier"]
    assert isinstance(pipe[:2], Pipeline)
    params = pipe.get_params()
    assert params["repeatviews__n_views"] == 2
    assert params["sgdclassifier__loss"] == "log_loss"
    pipe.set_params(repeatviews__n_views=4, sgdclassifier__alpha=0.1)
    assert pipe[1].n_views == 4 and pipe[-1].alpha == 0.1
    assert pipe.named_steps.repeatviews is pipe[1]


def test_set_output_and_verbose(blobs, capsys):
    X, y = blobs
    pipe = make_pipeline(RepeatViews(), StandardScaler(), _sgd(), verbose=True)
    assert pipe.set_output(transform="default") is pipe
    pipe.fit(X, y)
    out = capsys.readouterr().out
    assert "(step 1 of 3) Processing repeatviews" in out
    assert "(step 3 of 3) Processing sgdclassifier" in out


def test_tags():
    assert get_tags(make_pipeline(NoiseAugmenter(), _sgd())).non_deterministic
    assert get_tags(make_pipeline(RepeatViews(), _sgd())).non_deterministic
    tags = get_tags(make_pipeline(StandardScaler(), _sgd()))
    assert not tags.non_deterministic
    assert tags.estimator_type == "classifier"


@pytest.mark.parametrize("with_resampler", [False, True])
def test_metadata_routing(blobs, with_resampler):
    X, y = blobs
    w = np.ones(len(X))
    w[: len(X) // 2] = 3.0
    with sklearn.config_context(enable_metadata_routing=True):
        final = Recorder().set_fit_request(sample_weight=True)
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        steps = [RepeatViews()] if with_resampler else []
        pipe = make_pipeline(*steps, scaler, final)
        pipe.fit(X, y, sample_weight=w)
        expected = np.tile(w, 2) if with_resampler else w
        np.testing.assert_array_equal(pipe[-1].seen_[0][2], expected)
        assert pipe.predict(X).shape == (len(X),)


def test_transform_input_with_resampler_is_rejected(blobs):
    X, y = blobs
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            RepeatViews(),
            StandardScaler(),
            Recorder().set_fit_request(sample_weight=True),
            transform_input=["sample_weight"],
        )
        with pytest.raises(ValueError, match="transform_input.*resamplers"):
            pipe.fit(X, y, sample_weight=np.ones(len(X)))


def test_routing_disabled_rejects_unprefixed_fit_params(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="stepname__parameter"):
        make_pipeline(RepeatViews(), Recorder()).fit(X, y, sample_weight=np.ones(400))


@settings(max_examples=30, deadline=None)
@given(
    n_batches=st.integers(1, 6),
    n_views=st.integers(1, 3),
)
def test_partial_fit_counts_invariant(n_batches, n_views):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 4))
    y = rng.randint(0, 3, 60)
    pipe = make_pipeline(RepeatViews(n_views=n_views), StandardScaler(), Recorder())
    for Xb, yb in _batches(X, y, n_batches):
        pipe.partial_fit(Xb, yb, sample_weight=np.ones(len(Xb)))
    assert int(pipe[1].n_samples_seen_) == n_views * len(X)
    np.testing.assert_allclose(pipe[1].mean_, X.mean(axis=0))
    assert sum(len(s[1]) for s in pipe[-1].seen_) == n_views * len(X)
    assert pipe.predict(X).shape == (len(X),)


# ----------------------------------------------------------------------------
# with skcl's own image steps and continual classifier
# ----------------------------------------------------------------------------


def _digit_tasks(X, y):
    """Class-incremental tasks {0, 1}, {2, 3}, ... of the digits."""
    return [(X[np.isin(y, c)], y[np.isin(y, c)]) for c in np.arange(10).reshape(5, 2)]


def test_random_crop_fresh_crops_per_batch_and_exact_reload(digits, tmp_path):
    X, y = digits
    X, y = X[:200], y[:200]

    def pipe():
        # a RandomState instance keeps advancing: fresh crops every batch
        return make_pipeline(
            RandomCrop(
                padding=1,
                image_shape=(8, 8),
                random_state=np.random.RandomState(0),
            ),
            Recorder(),
        )

    a, b = pipe(), pipe()
    a.partial_fit(X, y)
    a.partial_fit(X, y)
    (X1, _, _), (X2, _, _) = a[-1].seen_
    assert X1.shape == X2.shape == X.shape
    assert not np.array_equal(X1, X2) and not np.array_equal(X1, X)
    np.testing.assert_array_equal(a[:-1].transform(X), X)  # center crop = identity

    b.partial_fit(X, y)
    joblib.dump(b, tmp_path / "b.joblib")
    b = joblib.load(tmp_path / "b.joblib")
    b.partial_fit(X, y)
    np.testing.assert_array_equal(b[-1].seen_[1][0], X2)


def test_continual_classifier_class_incremental_stream(digits):
    X, y = digits
    pipe = make_pipeline(
        RandomCrop(padding=1, image_shape=(8, 8), random_state=0),
        StandardScaler(),
        ContinualSGDClassifier(random_state=0),
    )
    seen = []
    for Xt, yt in _digit_tasks(X, y):
        pipe.partial_fit(Xt, yt)  # no `classes=`: new labels add classes
        pipe.end_task(Xt, yt)
        seen.extend(np.unique(yt))
        np.testing.assert_array_equal(pipe.classes_, seen)
    assert pipe[-1].n_tasks_ == 5
    # the last task is learnt; earlier ones are (partly) forgotten
    last = np.isin(y, [8, 9])
    assert pipe.score(X[last], y[last]) > 0.75
    assert pipe.predict(X).shape == (len(X),)


def test_augmented_views_in_partial_fit(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    views = AugmentedViews(
        RandomCrop(padding=1, image_shape=(8, 8), random_state=0), n_views=2
    )
    pipe = make_pipeline(
        views, StandardScaler(), ContinualSGDClassifier(random_state=0)
    )
    pipe.partial_fit(X, y)
    assert int(pipe[1].n_samples_seen_) == 3 * len(X)
    assert pipe.predict(X).shape == (len(X),)
    # AugmentedViews records sample_indices_, so weights follow its rows
    np.testing.assert_array_equal(
        pipe[0].sample_indices_, np.tile(np.arange(len(X)), 3)
    )
    pipe.partial_fit(X, y, sample_weight=np.ones(len(X)))
    assert int(pipe[1].n_samples_seen_) == 6 * len(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_random_crop_padding_and_classifier(digits):
    X, y = digits
    X, y = X[:600], y[:600]
    from skcl.optim import Adam

    pipe = make_pipeline(
        RandomCrop(image_shape=(8, 8), random_state=0),
        StandardScaler(),
        ContinualSGDClassifier(max_iter=5, random_state=0),
    )
    grid = GridSearchCV(
        pipe,
        {
            "randomcrop__padding": [0, 1],
            "continualsgdclassifier__optimizer": [None, Adam()],
            "continualsgdclassifier__alpha": [1e-4],
        },
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["randomcrop__padding"] in (0, 1)
    assert grid.best_score_ > 0.8
    res = cross_validate(
        grid.best_estimator_, X, y, cv=KFold(3, shuffle=True, random_state=1)
    )
    assert res["test_score"].mean() > 0.8


def test_joblib_round_trip_with_continual_classifier(digits, tmp_path):
    X, y = digits
    tasks = _digit_tasks(X, y)

    def pipe():
        return make_pipeline(
            RandomCrop(
                padding=1,
                image_shape=(8, 8),
                random_state=np.random.RandomState(1),
            ),
            StandardScaler(),
            ContinualSGDClassifier(random_state=0),
        )

    a, b = pipe(), pipe()
    for i, (Xt, yt) in enumerate(tasks):
        if i == 2:
            joblib.dump(b, tmp_path / "b.joblib")
            b = joblib.load(tmp_path / "b.joblib")
        a.partial_fit(Xt, yt)
        b.partial_fit(Xt, yt)
    np.testing.assert_array_equal(a[-1].coef_, b[-1].coef_)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
