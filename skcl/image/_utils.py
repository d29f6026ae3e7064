"""Private helpers shared by the image transformers (shapes and validation)."""

from numbers import Integral

import numpy as np

from ..utils._sklearn_compat import validate_data

__all__ = ["check_images", "resolve_image_shape", "resolve_size"]


def resolve_image_shape(image_shape, n_features):
    """Return ``(h, w, c)`` for ``image_shape`` and a row of ``n_features``.

    ``None`` means a 1-pixel-high, single-channel image of width
    ``n_features``; otherwise ``image_shape`` was checked by
    ``_check_image_shape_param``. Raise ``ValueError`` naming both numbers on
    a mismatch.
    """
    if image_shape is None:
        return (1, int(n_features), 1)
    shape = tuple(int(v) for v in image_shape)
    if len(shape) == 2 and n_features % (shape[0] * shape[1]) == 0:
        # (h, w): the channel count follows from n_features.
        shape = shape + (max(1, n_features // (shape[0] * shape[1])),)
    elif len(shape) == 2:
        shape = shape + (1,)
    h, w, c = shape
    if h * w * c != n_features:
        if h * w and n_features % (h * w) == 0 and len(tuple(image_shape)) == 3:
            raise ValueError(
                f"Wrong channel count: image_shape={tuple(image_shape)} expects "
                f"{c} channel(s), but X has n_features={n_features} = {h}*{w}*"
                f"{n_features // (h * w)}."
            )
        raise ValueError(
            f"image_shape={tuple(image_shape)} needs {h * w * c} features per "
            f"image (h*w*c), but X has n_features={n_features}."
        )
    return shape


def _check_image_shape_param(image_shape):
    """Raise ``ValueError`` unless ``image_shape`` is None or 2/3 positive ints."""
    if image_shape is None:
        return
    try:
        shape = tuple(image_shape)
        ok = len(shape) in (2, 3) and all(
            isinstance(v, Integral) and v >= 1 for v in shape
        )
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(
            "image_shape must be None, (height, width) or (height, width, "
            f"channels) with positive ints, got {image_shape!r}."
        )


def _flatten_images(X, image_shape):
    """Turn a (n, h, w) or (n, h, w, c) array into 2-D; return it and a shape."""
    if not hasattr(X, "ndim") or getattr(X, "ndim", 2) not in (3, 4):
        return X, image_shape
    X = np.asarray(X)
    inferred = X.shape[1:] if X.ndim == 4 else X.shape[1:] + (1,)
    if image_shape is not None:
        given = tuple(int(v) for v in image_shape)
        if len(given) == 2:
            given = given + (1,)
        if given != tuple(inferred):
            if given[:2] == tuple(inferred[:2]):
                raise ValueError(
                    f"Wrong channel count: image_shape={tuple(image_shape)} "
                    f"expects {given[2]} channel(s), but the images have "
                    f"{inferred[2]}."
                )
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not match the images "
                f"of shape {tuple(X.shape[1:])}."
            )
    return X.reshape(X.shape[0], -1), inferred


def check_images(estimator, X, *, reset, dtype=(np.float64, np.float32)):
    """Validate ``X`` for an image transformer.

    Accepts 2-D ``(n, h*w*c)`` arrays and 3-D/4-D image arrays. Returns the
    validated 2-D array and the ``(h, w, c)`` shape. An invalid
    ``estimator.image_shape`` or non-finite pixels raise ``ValueError``.
    """
    _check_image_shape_param(estimator.image_shape)
    X, image_shape = _flatten_images(X, estimator.image_shape)
    X = validate_data(estimator, X, reset=reset, dtype=list(dtype))
    shape = resolve_image_shape(image_shape, X.shape[1])
    return X, shape


def resolve_size(size, name, image_hw):
    """Return ``(h, w)`` for an int / pair ``size``; ``None`` -> ``image_hw``."""
    if size is None:
        return tuple(image_hw)
    if isinstance(size, Integral):
        return (int(size), int(size))
    size = tuple(int(v) for v in size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(
            f"{name} must be a positive int or a (height, width) pair, got {size!r}."
        )
    return size
