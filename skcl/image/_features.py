"""Single-layer convolutional k-means features (Coates & Ng, 2011)."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._utils import check_images, resolve_size

__all__ = ["PatchKMeansFeatures"]

# Per-patch normalisation (x - mean) / sqrt(var + eps), for pixels in [0, 1].
_NORM_EPS = 0.01
# ZCA whitening regulariser on normalised patches (Coates & Ng use 0.1).
_ZCA_EPS = 0.1
# "auto" patch side: max(4, round(min(h, w) / 4)), clipped to the image.
_AUTO_MIN = 4


def _patch_normalize(P):
    """Per-patch brightness / contrast normalisation (rows of ``P``), in place."""
    P -= P.mean(axis=1, keepdims=True)
    P /= np.sqrt((P * P).mean(axis=1, keepdims=True) + _NORM_EPS)
    return P


def _region_starts(n_out, n_regions):
    """Start indices of ``n_regions`` near-equal, non-empty runs of ``n_out``."""
    n_regions = min(n_regions, n_out)
    return np.round(np.linspace(0, n_out, n_regions + 1)[:-1]).astype(np.intp)


class PatchKMeansFeatures(TransformerMixin, BaseEstimator):
    """Single-layer convolutional k-means features (Coates & Ng, 2011).

    ``fit`` samples random patches from the images, normalises every patch
    (brightness and contrast), whitens them (ZCA) and learns a dictionary of
    ``n_clusters`` centroids with :class:`~sklearn.cluster.MiniBatchKMeans`.
    ``transform`` encodes every patch of an image with the "triangle"
    activation ``f_k = max(0, mean(z) - z_k)`` (``z_k`` the distance to
    centroid ``k``), computed for all positions at once as a convolution
    through matrix products, and sum-pools the activations over a
    ``pool_grid`` of image regions. ``partial_fit`` refines the whitening
    statistics and the dictionary on new batches.

    Parameters
    ----------
    n_clusters : int, default=128
        Number of centroids (dictionary size), ``>= 1``. The output has
        ``n_clusters * n_regions`` features.
    patch_size : int, (int, int) or "auto", default="auto"
        Height and width of the patches. ``"auto"`` uses a square side of
        ``max(4, round(min(h, w) / 4))`` (4 for 8x8 digits, 7 for 28x28),
        clipped to the image (1-pixel-high images get 1x4 patches). An explicit size
        larger than the image raises ``ValueError``.
    stride : int, default=1
        Step between the patch positions encoded by ``transform``, ``>= 1``.
    pool_grid : int or (int, int), default=(2, 2)
        Rows and columns of the pooling regions (quadrants by default). It is
        clipped to the number of patch positions.
    whiten : bool, default=True
        Whether to ZCA-whiten the normalised patches.
    n_patches : int, default=20000
        Number of random patches sampled by ``fit`` (and at most by each
        ``partial_fit`` call), ``>= 1``.
    batch_size : int, default=256
        Number of images encoded at once by ``transform``; bounds the memory
        to about ``batch_size * n_positions * n_clusters * 4`` bytes.
    image_shape : (int, int), (int, int, int) or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of one image.
        None means a 1-pixel-high image of width ``n_features``. Inferred
        from 3-D/4-D image arrays.
    random_state : int, RandomState instance or None, default=None
        Seed of the patch sampling and of the k-means initialisation.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, patch_dim), float32
        Dictionary, in whitened patch space.
    whitening_ : ndarray of shape (patch_dim, patch_dim), float32
        ZCA matrix (identity when ``whiten=False``).
    patch_mean_ : ndarray of shape (patch_dim,)
        Mean of the normalised patches.
    patch_shape_ : tuple of int
        ``(patch_h, patch_w)``.
    image_shape_ : tuple of int
        ``(height, width, channels)`` resolved during the first fit.
    n_regions_ : int
        Number of pooling regions actually used.
    n_patches_seen_ : int
        Number of patches used for the whitening statistics so far.
    kmeans_ : MiniBatchKMeans
        The fitted k-means, kept so ``partial_fit`` can continue it.
    n_features_in_ : int
        Number of input features (pixels times channels).

    See Also
    --------
    sklearn.cluster.MiniBatchKMeans : The dictionary learner.
    sklearn.frozen.FrozenEstimator : Keep a fitted extractor fixed.

    Notes
    -----
    The output is float32. The k-means steps run with one OpenMP thread
    (mini-batches of 2048 patches gain little from threads, and OpenMP
    barriers are very slow on a loaded machine); the encoding uses BLAS.
    To use a pretrained, frozen extractor in a pipeline that keeps
    learning, wrap it:
    ``FrozenEstimator(PatchKMeansFeatures(...).fit(X_unlabeled))``.

    References
    ----------
    A. Coates, H. Lee and A. Y. Ng, "An analysis of single-layer networks in
    unsupervised feature learning", AISTATS 2011.

    Examples
    --------
    >>> from skcl.datasets import load_digits_images
    >>> from skcl.image import PatchKMeansFeatures
    >>> digits = load_digits_images()
    >>> feats = PatchKMeansFeatures(n_clusters=16, n_patches=2000,
    ...                             image_shape=(8, 8), random_state=0)
    >>> feats.fit_transform(digits.data[:100]).shape
    (100, 64)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "patch_size": [
            Interval(Integral, 1, None, closed="left"),
            tuple,
            list,
            StrOptions({"auto"}),
        ],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "pool_grid": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "whiten": ["boolean"],
        "n_patches": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "image_shape": [tuple, list, None],
        "random_state": ["random_state"],
    }

    _skcl_test_params = {"n_clusters": 3, "n_patches": 200}

    def __init__(
        self,
        n_clusters=128,
        patch_size="auto",
        stride=1,
        pool_grid=(2, 2),
        whiten=True,
        n_patches=20000,
        batch_size=256,
        image_shape=None,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.patch_size = patch_size
        self.stride = stride
        self.pool_grid = pool_grid
        self.whiten = whiten
        self.n_patches = n_patches
        self.batch_size = batch_size
        self.image_shape = image_shape
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    def _check(self, X, reset):
        X, shape = check_images(self, X, reset=reset)
        if not reset and shape != self.image_shape_:
            raise ValueError(
                f"Images of shape {shape} differ from the {self.image_shape_} "
                "seen during fit."
            )
        h, w, _ = shape
        if self.patch_size == "auto":
            side = max(_AUTO_MIN, int(round(min(h, w) / 4)))
            patch = (min(side, h), min(side, w))
        else:
            patch = resolve_size(self.patch_size, "patch_size", (h, w))
            if patch[0] > h or patch[1] > w:
                raise ValueError(
                    f"patch_size {patch} is larger than the image ({h}, {w}) "
                    f"(n_features={X.shape[1]})."
                )
        grid = resolve_size(self.pool_grid, "pool_grid", (1, 1))
        return X, shape, patch, grid

    def _sample_patches(self, X, shape, patch, n_patches, rng):
        """Gather ``n_patches`` random patches, one fancy-index operation."""
        h, w, c = shape
        ph, pw = patch
        images = X.reshape(X.shape[0], h, w, c)
        idx = rng.randint(0, X.shape[0], size=n_patches)
        r0 = rng.randint(0, h - ph + 1, size=n_patches)
        c0 = rng.randint(0, w - pw + 1, size=n_patches)
        P = images[
            idx[:, None, None],
            r0[:, None, None] + np.arange(ph)[None, :, None],
            c0[:, None, None] + np.arange(pw)[None, None, :],
        ]
        P = P.reshape(n_patches, ph * pw * c).astype(np.float64)
        return _patch_normalize(P)

    def _n_sample(self, X, shape, patch, first=True):
        """Number of patches to sample; the first fit needs ``n_clusters``."""
        oh, ow = self._n_positions(shape, patch, stride=1)
        n_pos = oh * ow
        n = min(self.n_patches, X.shape[0] * n_pos)
        if first and n < self.n_clusters:
            raise ValueError(
                f"PatchKMeansFeatures needs at least n_clusters={self.n_clusters} "
                f"patches but n_samples={X.shape[0]} image(s) of shape {shape} "
                f"give only {X.shape[0] * n_pos} patch positions "
                f"(n_patches={self.n_patches})."
            )
        return n

    # ------------------------------------------------------------- whitening
    def _update_moments(self, P, reset):
        n = P.shape[0]
        mean = P.mean(axis=0)
        D = P - mean
        scatter = D.T @ D
        if reset:
            self._moments = (n, mean, scatter)
        else:
            n0, mean0, scatter0 = self._moments
            tot = n0 + n
            delta = mean - mean0
            mean_new = mean0 + delta * (n / tot)
            scatter_new = scatter0 + scatter + np.outer(delta, delta) * (n0 * n / tot)
            self._moments = (tot, mean_new, scatter_new)
        tot, mean, scatter = self._moments
        d = P.shape[1]
        if self.whiten:
            cov = scatter / max(tot - 1, 1)
            eigval, eigvec = np.linalg.eigh(cov)
            eigval = np.clip(eigval, 0, None) + _ZCA_EPS
            W = (eigvec / np.sqrt(eigval)) @ eigvec.T
            W_inv = (eigvec * np.sqrt(eigval)) @ eigvec.T
        else:
            W = W_inv = np.eye(d)
        return mean, W, W_inv, tot

    def _whiten(self, P, mean, W):
        return ((P - mean) @ W).astype(np.float32)

    def _set_state(self, mean, W, W_inv, tot):
        self.patch_mean_ = mean
        self.whitening_ = W.astype(np.float32)
        self._unwhitening = W_inv
        self.n_patches_seen_ = int(tot)

    def _make_kmeans(self, rng):
        return MiniBatchKMeans(
            n_clusters=self.n_clusters,
            batch_size=2048,
            n_init=3,
            max_iter=50,
            random_state=rng.randint(np.iinfo(np.int32).max),
        )

    # ------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the whitening and the dictionary from random patches.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images (pixels best scaled to ``[0, 1]``), or an
            ``(n, h, w)`` / ``(n, h, w, c)`` array.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted extractor.
        """
        X, shape, patch, grid = self._check(X, reset=True)
        rng = check_random_state(self.random_state)
        P = self._sample_patches(X, shape, patch, self._n_sample(X, shape, patch), rng)
        mean, W, W_inv, tot = self._update_moments(P, reset=True)
        Z = self._whiten(P, mean, W)
        with threadpool_limits(limits=1, user_api="openmp"):
            kmeans = self._make_kmeans(rng).fit(Z)
        self._finish_fit(shape, patch, grid, kmeans, rng)
        self._set_state(mean, W, W_inv, tot)
        return self

    def _finish_fit(self, shape, patch, grid, kmeans, rng):
        self.image_shape_ = shape
        self.patch_shape_ = patch
        self.kmeans_ = kmeans
        self.cluster_centers_ = kmeans.cluster_centers_.astype(np.float32)
        oh, ow = self._n_positions(shape, patch)
        self._starts = (_region_starts(oh, grid[0]), _region_starts(ow, grid[1]))
        self.n_regions_ = len(self._starts[0]) * len(self._starts[1])
        self._rng = rng

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Refine the whitening statistics and the dictionary on a batch.

        The whitening uses running moments of all patches seen so far; the
        centroids are mapped into the new whitened space before
        ``MiniBatchKMeans.partial_fit`` refines them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            A batch of flattened images.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated extractor.
        """
        first = not hasattr(self, "cluster_centers_")
        X, shape, patch, grid = self._check(X, reset=first)
        rng = check_random_state(self.random_state) if first else self._rng
        n = self._n_sample(X, shape, patch, first=first)
        P = self._sample_patches(X, shape, patch, n, rng)
        if first:
            mean, W, W_inv, tot = self._update_moments(P, reset=True)
            with threadpool_limits(limits=1, user_api="openmp"):
                kmeans = self._make_kmeans(rng).partial_fit(self._whiten(P, mean, W))
            self._finish_fit(shape, patch, grid, kmeans, rng)
        else:
            old_mean, old_W_inv = self.patch_mean_, self._unwhitening
            mean, W, W_inv, tot = self._update_moments(P, reset=False)
            kmeans = self.kmeans_
            raw = kmeans.cluster_centers_.astype(np.float64) @ old_W_inv + old_mean
            kmeans.cluster_centers_ = self._whiten(raw, mean, W)
            with threadpool_limits(limits=1, user_api="openmp"):
                kmeans.partial_fit(self._whiten(P, mean, W))
            self.cluster_centers_ = kmeans.cluster_centers_.astype(np.float32)
        self._set_state(mean, W, W_inv, tot)
        return self

    # ------------------------------------------------------------- encoding
    def _n_positions(self, shape, patch, stride=None):
        s = self.stride if stride is None else stride
        return ((shape[0] - patch[0]) // s + 1, (shape[1] - patch[1]) // s + 1)

    def _encode(self, X):
        """Triangle activations, sum-pooled; ``X`` is a chunk of images."""
        h, w, c = self.image_shape_
        ph, pw = self.patch_shape_
        s = self.stride
        n = X.shape[0]
        images = X.reshape(n, h, w, c).astype(np.float32, copy=False)
        win = np.lib.stride_tricks.sliding_window_view(images, (ph, pw), axis=(1, 2))
        win = win[:, ::s, ::s]  # (n, oh, ow, c, ph, pw)
        oh, ow = win.shape[1], win.shape[2]
        P = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, ph * pw * c)
        P = _patch_normalize(P.astype(np.float32))
        P -= self.patch_mean_.astype(np.float32)
        P = P @ self.whitening_
        C = self.cluster_centers_
        d2 = (P * P).sum(axis=1, keepdims=True) - 2.0 * (P @ C.T)
        d2 += (C * C).sum(axis=1)[None, :]
        np.maximum(d2, 0.0, out=d2)
        z = np.sqrt(d2, out=d2)
        f = z.mean(axis=1, keepdims=True) - z
        np.maximum(f, 0.0, out=f)
        f = f.reshape(n, oh, ow, -1)
        rows, cols = self._starts
        pooled = np.add.reduceat(np.add.reduceat(f, rows, axis=1), cols, axis=2)
        return pooled.reshape(n, -1)

    def transform(self, X):
        """Encode the images as pooled triangle activations.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images, or an ``(n, h, w)`` / ``(n, h, w, c)`` array.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_regions_ * n_clusters), float32
            Sum-pooled activations, region by region.
        """
        check_is_fitted(self)
        X, _, _, _ = self._check(X, reset=False)
        out = np.empty((X.shape[0], self.n_regions_ * self.n_clusters), np.float32)
        for start in range(0, X.shape[0], self.batch_size):
            stop = start + self.batch_size
            out[start:stop] = self._encode(X[start:stop])
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
