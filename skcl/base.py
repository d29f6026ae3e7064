"""Base classes and mixins shared by skcl's estimators."""

from sklearn.utils import check_random_state

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

    def _augment_rng(self):
        """The generator of the random views, kept across calls.

        Created from ``random_state`` at the first training-path call after
        construction or :meth:`fit`, then advanced by every call: each batch
        of a stream gets fresh random views, and an int ``random_state`` makes
        the whole sequence reproducible (a joblib round trip continues it).
        """
        rng = getattr(self, "_augment_random_state", None)
        if rng is None:
            rng = check_random_state(self.random_state)
            self._augment_random_state = rng
        return rng

    def _reset_augment_rng(self):
        self.__dict__.pop("_augment_random_state", None)

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
