import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skcl.base import is_augmenter
from skcl.image import AugmentedViews, CenterCrop, RandomCrop, RandomHorizontalFlip


def _images(n=5, h=4, w=5, c=1, seed=0):
    return np.random.RandomState(seed).uniform(size=(n, h * w * c))


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 6),
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    c=st.integers(1, 3),
    padding=st.integers(0, 3),
    mode=st.sampled_from(["constant", "edge", "reflect"]),
    seed=st.integers(0, 100),
)
def test_random_crop_keeps_shape_and_takes_pixels_from_image(
    n, h, w, c, padding, mode, seed
):
    X = _images(n, h, w, c, seed) + 1.0  # pixels > 0, padding fill is 0
    crop = RandomCrop(padding=padding, padding_mode=mode, image_shape=(h, w, c),
                      random_state=seed)
    Xt = crop.fit_transform(X)
    assert Xt.shape == X.shape
    assert np.array_equal(crop.transform(X), X)  # size None: center = original
    for i in range(n):
        allowed = np.append(X[i], 0.0) if mode == "constant" else X[i]
        assert np.isin(Xt[i], allowed).all()


def test_random_crop_is_a_shift_of_the_image():
    X = np.arange(2 * 36, dtype=float).reshape(2, 36) + 1
    crop = RandomCrop(padding=2, image_shape=(6, 6), random_state=3)
    out = crop.fit_transform(X).reshape(2, 6, 6)
    for i in range(2):
        img = X[i].reshape(6, 6)
        padded = np.pad(img, 2)
        shifts = [
            (dy, dx)
            for dy in range(5)
            for dx in range(5)
            if np.array_equal(padded[dy : dy + 6, dx : dx + 6], out[i])
        ]
        assert shifts, "crop is not a window of the padded image"


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
def test_random_crop_matches_numpy_pad(mode):
    X = np.arange(20.0).reshape(1, 20)
    crop = RandomCrop(size=(8, 9), padding=2, padding_mode=mode, image_shape=(4, 5))
    out = crop.fit(X).transform(X).reshape(8, 9)
    padded = np.pad(X.reshape(4, 5), 2, mode=mode)
    assert np.array_equal(out, padded[0:8, 0:9])


def test_random_crop_fit_transform_random_and_reproducible():
    X = _images(50, 8, 8)
    a = RandomCrop(padding=2, image_shape=(8, 8), random_state=0).fit_transform(X)
    b = RandomCrop(padding=2, image_shape=(8, 8), random_state=0).fit_transform(X)
    c = RandomCrop(padding=2, image_shape=(8, 8), random_state=1).fit_transform(X)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, X)


def test_random_crop_accepts_3d_and_4d_arrays():
    imgs = np.random.RandomState(0).uniform(size=(3, 4, 4, 2))
    out4 = RandomCrop(padding=1, random_state=0).fit_transform(imgs)
    assert out4.shape == (3, 32)
    out3 = CenterCrop(size=2).fit_transform(imgs[..., 0])
    assert np.array_equal(out3, imgs[:, 1:3, 1:3, 0].reshape(3, 4))


def test_random_crop_smaller_size_changes_n_features_consistently():
    X = _images(4, 8, 8)
    crop = RandomCrop(size=6, padding=0, image_shape=(8, 8), random_state=0)
    assert crop.fit_transform(X).shape == (4, 36)
    center = X.reshape(4, 8, 8)[:, 1:7, 1:7].reshape(4, 36)
    assert np.array_equal(crop.transform(X), center)


def test_random_crop_preserves_float32():
    X = _images(3, 4, 4).astype(np.float32)
    assert RandomCrop(image_shape=(4, 4)).fit_transform(X).dtype == np.float32


def test_crop_larger_than_padded_image_names_both():
    with pytest.raises(ValueError, match=r"\(9, 9\).*\(8, 8\)"):
        RandomCrop(size=9, padding=0, image_shape=(8, 8)).fit(_images(2, 8, 8))
    with pytest.raises(ValueError, match="larger than the image"):
        CenterCrop(size=(3, 1), image_shape=(2, 2)).fit(_images(2, 2, 2))


@pytest.mark.parametrize("Est", [RandomCrop, CenterCrop, RandomHorizontalFlip])
def test_image_shape_mismatch_names_both_numbers(Est):
    with pytest.raises(ValueError, match=r"needs 49 features.*n_features=64"):
        Est(image_shape=(7, 7)).fit(_images(2, 8, 8))


def test_wrong_channel_count():
    with pytest.raises(ValueError, match="channel"):
        RandomCrop(image_shape=(8, 8, 3)).fit(_images(2, 8, 8))
    with pytest.raises(ValueError, match="channel"):
        RandomCrop(image_shape=(4, 4, 3)).fit(np.zeros((2, 4, 4, 1)))


def test_image_shape_2d_infers_channels():
    X = _images(2, 4, 4, 3)
    crop = RandomCrop(image_shape=(4, 4)).fit(X)
    assert crop.image_shape_ == (4, 4, 3)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_pixels_rejected(bad):
    X = _images(2, 4, 4)
    X[0, 3] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        RandomCrop(image_shape=(4, 4)).fit_transform(X)


def test_transform_after_rejected_call_is_unchanged():
    X = _images(3, 4, 4)
    crop = RandomCrop(image_shape=(4, 4), padding=1).fit(X)
    before = crop.transform(X)
    with pytest.raises(ValueError):
        crop.transform(_images(3, 5, 5))
    assert np.array_equal(crop.transform(X), before)


def test_center_crop_values():
    X = np.arange(16.0).reshape(1, 16)
    out = CenterCrop(size=(2, 3), image_shape=(4, 4)).fit_transform(X)
    assert out.tolist() == [[4.0, 5.0, 6.0, 8.0, 9.0, 10.0]]


def test_horizontal_flip_training_only():
    X = np.arange(12.0).reshape(2, 6)
    flip = RandomHorizontalFlip(p=1.0, image_shape=(2, 3))
    out = flip.fit_transform(X)
    assert out[0].tolist() == [2.0, 1.0, 0.0, 5.0, 4.0, 3.0]
    assert np.array_equal(flip.transform(X), X)
    assert np.array_equal(RandomHorizontalFlip(p=0.0).fit_transform(X), X)
    flipped = RandomHorizontalFlip(p=0.5, random_state=0).fit_transform(
        np.tile(np.arange(4.0), (200, 1))
    )
    frac = (flipped[:, 0] == 3.0).mean()
    assert 0.35 < frac < 0.65


def test_augmenters_are_tagged():
    for est in (RandomCrop(), RandomHorizontalFlip()):
        assert is_augmenter(est)
        assert est.__sklearn_tags__().non_deterministic
    assert not is_augmenter(CenterCrop())


def test_random_crop_in_sklearn_pipeline_only_augments_training(digits):
    X, y = digits
    pipe = make_pipeline(
        RandomCrop(padding=1, image_shape=(8, 8), random_state=0),
        LogisticRegression(max_iter=500),
    )
    pipe.fit(X[:600], y[:600])
    # prediction path: the center crop of a size-None crop is the image itself
    clf = pipe[-1]
    assert np.array_equal(pipe.predict(X[600:900]), clf.predict(X[600:900]))
    assert pipe.score(X[600:900], y[600:900]) > 0.5


def test_augmented_views_repeats_y_and_keeps_originals():
    X = _images(6, 4, 4)
    y = np.arange(6)
    views = AugmentedViews(RandomCrop(padding=1, image_shape=(4, 4), random_state=0),
                           n_views=3)
    Xn, yn = views.fit_resample(X, y)
    assert Xn.shape == (24, 16)
    assert np.array_equal(yn, np.tile(y, 4))
    assert np.array_equal(Xn[:6], X)
    # each view draws its own crops
    assert not np.array_equal(Xn[6:12], Xn[12:18])
    Xn, yn = AugmentedViews(n_views=2, include_original=False).fit_resample(X, y)
    assert Xn.shape == (12, 16) and yn.shape == (12,)


def test_augmented_views_does_not_modify_augmenter():
    aug = RandomCrop(padding=1, image_shape=(4, 4))
    views = AugmentedViews(aug)
    views.fit_resample(_images(3, 4, 4), np.arange(3))
    assert not hasattr(aug, "n_features_in_")
    assert views.augmenter_ is not aug
    assert clone(views).get_params()["augmenter"].padding == 1


def test_augmented_views_rejects_augmenter_changing_n_features():
    views = AugmentedViews(RandomCrop(size=2, padding=0, image_shape=(4, 4)))
    with pytest.raises(ValueError, match="keep the number of features"):
        views.fit_resample(_images(3, 4, 4), np.arange(3))


def test_augmented_views_has_no_transform():
    assert not hasattr(AugmentedViews(), "transform")
    assert not hasattr(AugmentedViews(), "predict")


def test_augmented_views_records_sample_indices():
    views = AugmentedViews(RandomCrop(padding=1, image_shape=(2, 2)), n_views=2)
    views.fit_resample(_images(3, 2, 2), np.arange(3))
    assert views.sample_indices_.tolist() == [0, 1, 2] * 3


def test_augmented_views_in_incremental_pipeline(digits):
    pipeline = pytest.importorskip("skcl.pipeline")
    from sklearn.linear_model import SGDClassifier

    X, y = digits
    views = AugmentedViews(RandomCrop(padding=1, image_shape=(8, 8), random_state=0))
    pipe = pipeline.make_pipeline(views, SGDClassifier(random_state=0))
    pipe.partial_fit(X[:200], y[:200], classes=np.arange(10))
    clf = pipe[-1]
    assert clf.t_ == 3 * 200 + 1  # the classifier saw the original + 2 views
    # prediction skips the resampler: same as the classifier on raw rows
    assert np.array_equal(pipe.predict(X[200:260]), clf.predict(X[200:260]))


@pytest.mark.parametrize(
    "make",
    [
        lambda: RandomCrop(padding=2, image_shape=(6, 6), random_state=0),
        lambda: RandomHorizontalFlip(image_shape=(6, 6), random_state=0),
    ],
)
def test_each_call_draws_fresh_views_and_the_sequence_is_reproducible(make):
    # Regression: an int seed used to give the same views on every batch.
    X = np.random.RandomState(0).rand(40, 36)
    a, b = make(), make()
    first, second = a.fit_transform(X), a.fit_transform(X)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b.fit_transform(X), first)
    np.testing.assert_array_equal(b.fit_transform(X), second)
    b.fit(X)  # fit resets the generator
    np.testing.assert_array_equal(b.fit_transform(X), first)
