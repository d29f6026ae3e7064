"""scikit-learn's bundled 8x8 digits, as images."""

from numbers import Integral

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

from ..utils._sklearn_compat import Interval, validate_params

__all__ = ["load_digits_images"]


@validate_params(
    {
        "return_X_y": ["boolean"],
        "n_class": [Interval(Integral, 1, 10, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def load_digits_images(*, return_X_y=False, n_class=10):
    """Load scikit-learn's bundled 8x8 digits as images in ``[0, 1]``.

    Nothing is downloaded: the data ships with scikit-learn.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    n_class : int, default=10
        Number of classes to keep (digits ``0 .. n_class-1``), in ``[1, 10]``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n, 64) float64 in ``[0, 1]`` (pixels / 16), ``images``
        (n, 8, 8), ``target`` (n,), ``target_names``, ``image_shape``
        ``(8, 8)`` and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    sklearn.datasets.load_digits : The same data, pixels in ``[0, 16]``.

    Examples
    --------
    >>> from skcl.datasets import load_digits_images
    >>> digits = load_digits_images()
    >>> digits.data.shape, digits.image_shape, float(digits.data.max())
    ((1797, 64), (8, 8), 1.0)
    """
    raw = load_digits(n_class=n_class)
    data = raw.data / 16.0
    if return_X_y:
        return data, raw.target
    return Bunch(
        data=data,
        images=data.reshape(-1, 8, 8),
        target=raw.target,
        target_names=np.asarray(raw.target_names),
        image_shape=(8, 8),
        DESCR=raw.DESCR,
    )
