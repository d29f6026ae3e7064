"""Base classes and mixins shared by skcl's estimators."""

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.utils import check_random_state

__all__ = ["AugmenterMixin", "ScoresClassifierMixin", "is_augmenter"]


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


class ScoresClassifierMixin:
    """Prediction methods of a classifier that scores every class.

    A subclass implements ``_scores(X)``: validate ``X`` and return an array
    of shape ``(n_samples, n_classes)`` whose columns follow ``classes_``
    (logits, linear discriminants, negative squared distances...). The mixin
    derives ``decision_function``, ``predict``, ``predict_proba`` (softmax of
    the scores) and ``predict_log_proba`` from it, as scikit-learn's linear
    classifiers do.
    """

    def decision_function(self, X):
        """Return the class scores of the samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            One score per class, higher meaning more likely. With two
            classes, the difference of the two scores (positive means
            ``classes_[1]``), as in scikit-learn; with one class, its score.
        """
        scores = self._scores(X)
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        if scores.shape[1] == 1:
            return scores[:, 0]
        return scores

    def predict(self, X):
        """Predict the class with the highest score.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels (ties go to the first class in ``classes_``).
        """
        scores = self._scores(X)  # checks fitted before classes_ is read
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_proba(self, X):
        """Return class probabilities: the softmax of the class scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return softmax(self._scores(X), axis=1)

    def predict_log_proba(self, X):
        """Return the log of the class probabilities (computed stably).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        return log_softmax(self._scores(X), axis=1)
