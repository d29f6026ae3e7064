"""Training-only image augmentation: crops, flips and several views per sample."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from ..base import AugmenterMixin
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)
from ._utils import check_images, resolve_size

__all__ = ["AugmentedViews", "CenterCrop", "RandomCrop", "RandomHorizontalFlip"]


def _source_index(pos, length, mode):
    """Map padded coordinates ``pos`` (any shape) to source indices.

    Returns ``(index, inside)``; ``inside`` is None unless ``mode`` is
    ``"constant"``, where it marks the positions that fall on the image.
    """
    if mode == "edge":
        return np.clip(pos, 0, length - 1), None
    if mode == "reflect":
        if length == 1:
            return np.zeros_like(pos), None
        period = 2 * (length - 1)
        r = np.mod(pos, period)
        return np.where(r >= length, period - r, r), None
    inside = (pos >= 0) & (pos < length)
    return np.clip(pos, 0, length - 1), inside


def _crop(X, shape, out_hw, padding, mode, fill, off_y, off_x):
    """Gather crops of the padded images in one fancy-index operation.

    ``X`` is ``(n, h*w*c)``; ``off_y``/``off_x`` are ``(n,)`` offsets of the
    crops in padded coordinates. Padding is never materialised: the indices
    are mapped back onto the image (``edge``/``reflect``) or masked
    (``constant``).
    """
    h, w, c = shape
    oh, ow = out_hw
    n = X.shape[0]
    images = X.reshape(n, h, w, c)
    rows = off_y[:, None] + np.arange(oh)[None, :] - padding  # (n, oh)
    cols = off_x[:, None] + np.arange(ow)[None, :] - padding  # (n, ow)
    r_idx, r_in = _source_index(rows, h, mode)
    c_idx, c_in = _source_index(cols, w, mode)
    out = images[np.arange(n)[:, None, None], r_idx[:, :, None], c_idx[:, None, :]]
    if r_in is not None:
        inside = r_in[:, :, None] & c_in[:, None, :]
        if not inside.all():
            out = np.where(inside[..., None], out, np.asarray(fill, dtype=out.dtype))
    return out.reshape(n, oh * ow * c)


def _check_crop(estimator, X, reset, padding=0):
    """Validate images and the crop ``size`` against the (padded) image.

    Returns ``(X, (h, w, c), (crop_h, crop_w))``.
    """
    X, shape = check_images(estimator, X, reset=reset)
    h, w, _ = shape
    out_hw = resolve_size(estimator.size, "size", (h, w))
    ph, pw = h + 2 * padding, w + 2 * padding
    if out_hw[0] > ph or out_hw[1] > pw:
        where = f"image ({h}, {w})"
        if padding:
            where = f"padded image ({ph}, {pw}) = {where} + 2*padding ({padding})"
        raise ValueError(
            f"Crop size {out_hw} is larger than the {where} "
            f"(n_features={X.shape[1]})."
        )
    return X, shape, out_hw


class RandomCrop(AugmenterMixin, TransformerMixin, BaseEstimator):
    """Pad-then-crop augmentation for flattened images.

    Each image is padded by ``padding`` pixels on every side and a window of
    ``size`` pixels is cut out at a random position. ``fit_transform`` (the
    training path of a :class:`~sklearn.pipeline.Pipeline`) returns fresh
    random crops; ``transform`` (the prediction path) returns the
    deterministic center crop, which is the original image when ``size`` is
    None. The number of samples never changes, and both paths return the
    same number of features.

    Parameters
    ----------
    size : int, (int, int) or None, default=None
        Height and width of the crop. None keeps the image size, so the
        number of features does not change. Must fit in the padded image.
    padding : int, default=4
        Pixels added on every side before cropping, ``>= 0``.
    padding_mode : {"constant", "edge", "reflect"}, default="constant"
        How the border is filled: with ``fill``, by repeating the edge pixel,
        or by mirroring the image (without repeating the edge).
    fill : float, default=0.0
        Value of the padded pixels when ``padding_mode="constant"``.
    image_shape : (int, int), (int, int, int) or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of one image; rows
        of ``X`` are images flattened in that (row-major) order. None means a
        1-pixel-high image of width ``n_features``. Ignored (inferred) when
        ``X`` is given as a 3-D ``(n, h, w)`` or 4-D ``(n, h, w, c)`` array.
    random_state : int, RandomState instance or None, default=None
        Seed of the crop positions. Every ``fit_transform`` call draws fresh
        positions from a generator kept across calls (reset by ``fit``), so
        each batch of a stream gets new crops; an int makes the sequence of
        crops reproducible.

    Attributes
    ----------
    n_features_in_ : int
        Number of features (pixels times channels) seen during ``fit``.
    image_shape_ : tuple of int
        ``(height, width, channels)`` resolved during ``fit``.

    See Also
    --------
    CenterCrop : Deterministic center crop.
    RandomHorizontalFlip : Training-only horizontal flips.
    AugmentedViews : Several augmented views per sample (``fit_resample``).

    Notes
    -----
    ``fit_transform(X)`` differs from ``fit(X).transform(X)`` on purpose, so
    the estimator is tagged ``non_deterministic``. Crops are gathered in one
    vectorised indexing operation; the padding is never materialised.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.image import RandomCrop
    >>> X = np.arange(2 * 16, dtype=float).reshape(2, 16)
    >>> crop = RandomCrop(padding=1, image_shape=(4, 4), random_state=0)
    >>> crop.fit_transform(X).shape
    (2, 16)
    >>> bool(np.array_equal(crop.transform(X), X))
    True
    """

    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "padding": [Interval(Integral, 0, None, closed="left")],
        "padding_mode": [StrOptions({"constant", "edge", "reflect"})],
        "fill": [Real],
        "image_shape": [tuple, list, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        size=None,
        padding=4,
        padding_mode="constant",
        fill=0.0,
        image_shape=None,
        random_state=None,
    ):
        self.size = size
        self.padding = padding
        self.padding_mode = padding_mode
        self.fill = fill
        self.image_shape = image_shape
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the images (the transformer learns nothing).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images, or an ``(n, h, w)`` / ``(n, h, w, c)`` array.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        _, shape, _ = _check_crop(self, X, reset=True, padding=self.padding)
        self.image_shape_ = shape
        self._reset_augment_rng()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and return random crops (the training path).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images, or an ``(n, h, w)`` / ``(n, h, w, c)`` array.
        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of shape (n_samples, crop_h * crop_w * channels)
            Random crops, flattened.
        """
        X, shape, out_hw = _check_crop(self, X, reset=True, padding=self.padding)
        self.image_shape_ = shape
        rng = self._augment_rng()
        n = X.shape[0]
        h, w, _ = shape
        off_y = rng.randint(0, h + 2 * self.padding - out_hw[0] + 1, size=n)
        off_x = rng.randint(0, w + 2 * self.padding - out_hw[1] + 1, size=n)
        return _crop(
            X, shape, out_hw, self.padding, self.padding_mode, self.fill, off_y, off_x
        )

    def transform(self, X):
        """Return the deterministic center crops (the prediction path).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images, or an ``(n, h, w)`` / ``(n, h, w, c)`` array.

        Returns
        -------
        X_new : ndarray of shape (n_samples, crop_h * crop_w * channels)
            Center crops of the padded images, flattened.
        """
        check_is_fitted(self)
        X, shape, out_hw = _check_crop(self, X, reset=False, padding=self.padding)
        h, w, _ = shape
        n = X.shape[0]
        off_y = np.full(n, (h + 2 * self.padding - out_hw[0]) // 2)
        off_x = np.full(n, (w + 2 * self.padding - out_hw[1]) // 2)
        return _crop(
            X, shape, out_hw, self.padding, self.padding_mode, self.fill, off_y, off_x
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class CenterCrop(TransformerMixin, BaseEstimator):
    """Deterministic center crop of flattened images.

    Parameters
    ----------
    size : int, (int, int) or None, default=None
        Height and width of the crop; must not exceed the image. None keeps
        the whole image (identity).
    image_shape : (int, int), (int, int, int) or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of one image.
        None means a 1-pixel-high image of width ``n_features``. Inferred
        from 3-D/4-D image arrays.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    image_shape_ : tuple of int
        ``(height, width, channels)`` resolved during ``fit``.

    See Also
    --------
    RandomCrop : Random pad-then-crop augmentation.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.image import CenterCrop
    >>> X = np.arange(16.0).reshape(1, 16)
    >>> CenterCrop(size=2, image_shape=(4, 4)).fit_transform(X)
    array([[ 5.,  6.,  9., 10.]])
    """

    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "image_shape": [tuple, list, None],
    }

    _skcl_test_params = {"size": (1, 2)}

    def __init__(self, size=None, image_shape=None):
        self.size = size
        self.image_shape = image_shape

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the images (the transformer learns nothing).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        _, shape, _ = _check_crop(self, X, reset=True)
        self.image_shape_ = shape
        return self

    def transform(self, X):
        """Return the center crops.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images.

        Returns
        -------
        X_new : ndarray of shape (n_samples, crop_h * crop_w * channels)
            Center crops, flattened.
        """
        check_is_fitted(self)
        X, shape, out_hw = _check_crop(self, X, reset=False)
        h, w, c = shape
        top, left = (h - out_hw[0]) // 2, (w - out_hw[1]) // 2
        images = X.reshape(X.shape[0], h, w, c)
        out = images[:, top : top + out_hw[0], left : left + out_hw[1], :]
        return np.ascontiguousarray(out).reshape(X.shape[0], -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class RandomHorizontalFlip(AugmenterMixin, TransformerMixin, BaseEstimator):
    """Training-only random horizontal flips of flattened images.

    ``fit_transform`` mirrors each image left-right with probability ``p``;
    ``transform`` is the identity. Do not use it on data whose meaning
    changes when mirrored (digits, text).

    Parameters
    ----------
    p : float, default=0.5
        Probability of flipping an image, in ``[0, 1]``.
    image_shape : (int, int), (int, int, int) or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of one image.
        None means a 1-pixel-high image of width ``n_features``.
    random_state : int, RandomState instance or None, default=None
        Seed of the flips.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    image_shape_ : tuple of int
        ``(height, width, channels)`` resolved during ``fit``.

    See Also
    --------
    RandomCrop : Random pad-then-crop augmentation.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.image import RandomHorizontalFlip
    >>> X = np.array([[1.0, 2.0, 3.0]])
    >>> RandomHorizontalFlip(p=1.0).fit_transform(X)
    array([[3., 2., 1.]])
    """

    _parameter_constraints: dict = {
        "p": [Interval(Real, 0, 1, closed="both")],
        "image_shape": [tuple, list, None],
        "random_state": ["random_state"],
    }

    def __init__(self, p=0.5, image_shape=None, random_state=None):
        self.p = p
        self.image_shape = image_shape
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the images (the transformer learns nothing).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        _, self.image_shape_ = check_images(self, X, reset=True)
        self._reset_augment_rng()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and return randomly flipped images (the training path).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images.
        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Images, each mirrored with probability ``p``.
        """
        X, shape = check_images(self, X, reset=True)
        self.image_shape_ = shape
        rng = self._augment_rng()
        flip = rng.uniform(size=X.shape[0]) < self.p
        images = np.array(X, copy=True).reshape(X.shape[0], *shape)
        images[flip] = images[flip, :, ::-1, :]
        return images.reshape(X.shape[0], -1)

    def transform(self, X):
        """Return the images unchanged (the prediction path).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or image array
            Flattened images.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            A copy of the validated images.
        """
        check_is_fitted(self)
        X, _ = check_images(self, X, reset=False)
        return np.array(X, copy=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class AugmentedViews(BaseEstimator):
    """Several augmented views of every sample, with ``y`` repeated.

    A resampler in the imbalanced-learn sense: ``fit_resample(X, y)`` returns
    ``n_views`` augmented copies of the batch (plus the original when
    ``include_original``), and the labels repeated to match. It has no
    ``transform``: :class:`skcl.pipeline.Pipeline` applies it to training
    batches (``fit`` and ``partial_fit``) and skips it at prediction.
    scikit-learn's own :class:`~sklearn.pipeline.Pipeline` rejects it.

    Parameters
    ----------
    augmenter : estimator or None, default=None
        Augmenting transformer whose ``fit_transform`` draws random views,
        e.g. :class:`RandomCrop`. It must keep the number of features. None
        uses ``RandomCrop(padding=1)``. It is cloned, never modified.
    n_views : int, default=2
        Number of augmented views per sample, ``>= 1``.
    include_original : bool, default=True
        Whether the unchanged samples come first in the output.

    Attributes
    ----------
    augmenter_ : estimator
        The fitted clone of ``augmenter``.
    sample_indices_ : ndarray of shape (n_rows,)
        Input row of every output row of the last ``fit_resample`` (as in
        imbalanced-learn), so a pipeline can repeat ``sample_weight``.
    n_features_in_ : int
        Number of features seen during ``fit``.

    See Also
    --------
    RandomCrop : Random pad-then-crop augmentation.

    Notes
    -----
    All views are drawn by a single ``fit_transform`` call on the batch
    stacked ``n_views`` times, so each view gets its own random positions
    even with an int ``random_state``. Rows are ordered view by view: the
    originals, then view 1 of every sample, then view 2, ...

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.image import AugmentedViews, RandomCrop
    >>> X, y = np.ones((4, 9)), np.array([0, 1, 0, 1])
    >>> views = AugmentedViews(RandomCrop(padding=1, image_shape=(3, 3)), n_views=2)
    >>> X_new, y_new = views.fit_resample(X, y)
    >>> X_new.shape, y_new.tolist()
    ((12, 9), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    """

    _parameter_constraints: dict = {
        "augmenter": [HasMethods(["fit_transform"]), None],
        "n_views": [Interval(Integral, 1, None, closed="left")],
        "include_original": ["boolean"],
    }

    def __init__(self, augmenter=None, n_views=2, include_original=True):
        self.augmenter = augmenter
        self.n_views = n_views
        self.include_original = include_original

    def _make_augmenter(self):
        if self.augmenter is None:
            return RandomCrop(padding=1)
        return clone(self.augmenter)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Validate the input and fit the augmenter.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flattened images.
        y : array-like of shape (n_samples,) or None, default=None
            Labels (unused by ``fit``).

        Returns
        -------
        self : object
            The resampler.
        """
        X = validate_data(self, X, reset=True, dtype=[np.float64, np.float32])
        augmenter = self._make_augmenter()
        augmenter.fit(X)
        self.augmenter_ = augmenter
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Return the original samples and their augmented views.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Flattened images.
        y : array-like of shape (n_samples,)
            Labels, repeated for every view.

        Returns
        -------
        X_new : ndarray of shape (n_rows, n_features)
            ``n_rows = n_samples * (n_views + include_original)``.
        y_new : ndarray of shape (n_rows,)
            ``y`` repeated in the same order.
        """
        X, y = validate_data(
            self, X, y, reset=True, dtype=[np.float64, np.float32], ensure_2d=True
        )
        augmenter = getattr(self, "augmenter_", None)
        if augmenter is None:  # keep one augmenter so each batch gets new views
            augmenter = self._make_augmenter()
        views = augmenter.fit_transform(np.concatenate([X] * self.n_views, axis=0))
        if views.shape[1] != X.shape[1]:
            raise ValueError(
                f"The augmenter must keep the number of features: it returned "
                f"{views.shape[1]} features for n_features={X.shape[1]}."
            )
        self.augmenter_ = augmenter
        parts = ([X] if self.include_original else []) + [views.astype(X.dtype)]
        n_copies = self.n_views + int(self.include_original)
        self.sample_indices_ = np.tile(np.arange(X.shape[0]), n_copies)
        return np.concatenate(parts, axis=0), np.concatenate([y] * n_copies)
