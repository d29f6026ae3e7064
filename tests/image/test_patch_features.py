import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcl.image import PatchKMeansFeatures
from skcl.image._features import _patch_normalize


def _small(**kw):
    params = dict(n_clusters=16, n_patches=3000, image_shape=(8, 8), random_state=0)
    params.update(kw)
    return PatchKMeansFeatures(**params)


def _reference_encode(est, X):
    """Per-image, per-position loop: the definition the vectorised code follows."""
    h, w, c = est.image_shape_
    ph, pw = est.patch_shape_
    s = est.stride
    out = []
    for img in X.reshape(-1, h, w, c).astype(np.float64):
        pos = [(i, j) for i in range(0, h - ph + 1, s) for j in range(0, w - pw + 1, s)]
        oh = len(range(0, h - ph + 1, s))
        ow = len(range(0, w - pw + 1, s))
        acts = np.zeros((oh, ow, est.n_clusters))
        for k, (i, j) in enumerate(pos):
            p = img[i : i + ph, j : j + pw].reshape(1, -1).copy()
            p = _patch_normalize(p)
            p = (p - est.patch_mean_) @ est.whitening_.astype(np.float64)
            z = np.linalg.norm(est.cluster_centers_ - p, axis=1)
            acts[k // ow, k % ow] = np.maximum(0, z.mean() - z)
        rows, cols = est._starts
        rb = list(rows) + [oh]
        cb = list(cols) + [ow]
        feats = [
            acts[rb[a] : rb[a + 1], cb[b] : cb[b + 1]].sum(axis=(0, 1))
            for a in range(len(rows))
            for b in range(len(cols))
        ]
        out.append(np.concatenate(feats))
    return np.array(out)


@pytest.mark.parametrize("stride", [1, 2])
def test_transform_matches_loop_reference(digits, stride):
    X, _ = digits
    est = _small(stride=stride).fit(X[:200])
    got = est.transform(X[:7])
    want = _reference_encode(est, X[:7])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)


def test_output_shape_and_regions(digits):
    X, _ = digits
    est = _small(pool_grid=(2, 3)).fit(X[:200])
    assert est.patch_shape_ == (4, 4)
    assert est.n_regions_ == 6
    assert est.transform(X[:5]).shape == (5, 6 * 16)
    assert est.cluster_centers_.shape == (16, 16)
    # 3-D input gives the same features
    np.testing.assert_array_equal(
        est.transform(X[:5].reshape(5, 8, 8)), est.transform(X[:5])
    )


def test_batch_size_does_not_change_output(digits):
    X, _ = digits
    est = _small().fit(X[:200])
    a = est.transform(X[:50])
    b = clone(est).set_params(batch_size=7).fit(X[:200]).transform(X[:50])
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_fit_is_reproducible(digits):
    X, _ = digits
    a = _small().fit(X[:200]).transform(X[:5])
    b = _small().fit(X[:200]).transform(X[:5])
    np.testing.assert_array_equal(a, b)


def test_features_beat_raw_pixels_on_digits(digits):
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    pipe = make_pipeline(
        PatchKMeansFeatures(n_clusters=32, n_patches=5000, image_shape=(8, 8),
                            random_state=0),
        StandardScaler(),
        LogisticRegression(max_iter=1000),
    )
    acc = pipe.fit(Xtr, ytr).score(Xte, yte)
    raw = LogisticRegression(max_iter=1000).fit(Xtr, ytr).score(Xte, yte)
    assert acc > raw


def test_partial_fit_refines_dictionary_and_moments(digits):
    X, _ = digits
    est = _small()
    est.partial_fit(X[:300])
    n1 = est.n_patches_seen_
    centers1 = est.cluster_centers_.copy()
    est.partial_fit(X[300:600])
    assert est.n_patches_seen_ > n1
    assert not np.allclose(centers1, est.cluster_centers_)
    assert est.transform(X[:4]).shape == (4, 64)
    assert np.isfinite(est.transform(X[:50])).all()


def test_running_moments_match_batch_moments(digits):
    X, _ = digits
    est = _small()
    rng = np.random.RandomState(0)
    P1 = _patch_normalize(rng.uniform(size=(500, 16)))
    P2 = _patch_normalize(rng.uniform(size=(300, 16)) * 2)
    est._update_moments(P1, reset=True)
    mean, W, _, tot = est._update_moments(P2, reset=False)
    P = np.vstack([P1, P2])
    np.testing.assert_allclose(mean, P.mean(axis=0), atol=1e-10)
    cov = np.cov(P, rowvar=False)
    eigval, eigvec = np.linalg.eigh(cov)
    W_ref = (eigvec / np.sqrt(eigval + 0.1)) @ eigvec.T
    np.testing.assert_allclose(W, W_ref, atol=1e-8)
    assert tot == 800


def test_whitening_decorrelates_patches(digits):
    X, _ = digits
    est = _small(n_patches=20000).fit(X)
    P = est._sample_patches(X, (8, 8, 1), (4, 4), 5000, np.random.RandomState(1))
    Z = (P - est.patch_mean_) @ est.whitening_
    cov = np.cov(Z, rowvar=False)
    off = cov - np.diag(np.diag(cov))
    assert np.abs(off).max() < 0.15
    raw_cov = np.cov(P, rowvar=False)
    assert np.abs(raw_cov - np.diag(np.diag(raw_cov))).max() > 0.3
    no_white = _small(whiten=False).fit(X[:200])
    assert np.array_equal(no_white.whitening_, np.eye(16, dtype=np.float32))


def test_frozen_extractor_does_not_change(digits):
    X, y = digits
    feats = _small().fit(X[:500])
    frozen = FrozenEstimator(feats)
    before = frozen.transform(X[:10])
    frozen.fit(X[500:900], None)  # no-op
    np.testing.assert_array_equal(frozen.transform(X[:10]), before)


def test_errors_are_clear(digits):
    X, _ = digits
    with pytest.raises(ValueError, match=r"patch_size \(9, 9\) is larger"):
        _small(patch_size=9).fit(X[:50])
    with pytest.raises(ValueError, match="at least n_clusters=16"):
        _small(patch_size=8).fit(X[:3])
    with pytest.raises(ValueError, match="n_features=64"):
        _small(image_shape=(7, 7)).fit(X[:50])
    est = _small().fit(X[:100])
    centers = est.cluster_centers_.copy()
    bad = X[:20].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(bad)
    np.testing.assert_array_equal(est.cluster_centers_, centers)


def test_colour_images():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 6 * 6 * 3))
    est = PatchKMeansFeatures(n_clusters=8, n_patches=500, image_shape=(6, 6, 3),
                              random_state=0).fit(X)
    assert est.cluster_centers_.shape == (8, 4 * 4 * 3)
    assert est.transform(X[:3]).shape == (3, 32)
