"""Base classes and mixins shared by skcl's estimators."""

__all__ = ["AugmenterMixin", "is_augmenter"]


class AugmenterMixin:
    """Mixin for training-only augmentation transformers.

    An augmenter returns random views of its input from ``fit_transform`` (the
    training path that :class:`sklearn.pipeline.Pipeline` takes) and a
    deterministic view from ``transform`` (the prediction path). It keeps the
    number of samples and of features. Because ``fit_transform(X)`` differs
    from ``fit(X).transform(X)`` on purpose, the estimator is tagged
    ``non_deterministic``.
    """

    _estimator_type = "augmenter"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags


def is_augmenter(estimator):
    """Return True if ``estimator`` is a training-only augmenter.

    Parameters
    ----------
    estimator : object
        Estimator to test.

    Returns
    -------
    out : bool
        True if ``estimator`` inherits from :class:`AugmenterMixin`.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skcl.base import is_augmenter
    >>> is_augmenter(StandardScaler())
    False
    """
    return isinstance(estimator, AugmenterMixin)
