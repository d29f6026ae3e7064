"""Start a ContinualSGDClassifier from an already fitted linear classifier."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._sgd import ContinualSGDClassifier

__all__ = ["from_linear_classifier"]


def from_linear_classifier(estimator, X=None, y=None, **params):
    """Continue training a fitted scikit-learn linear classifier.

    Builds a :class:`ContinualSGDClassifier` whose weights, intercepts,
    classes and feature names are those of ``estimator``, ready for
    ``partial_fit`` on new batches (which may bring new classes). The
    optimizer starts with a fresh state.

    Parameters
    ----------
    estimator : fitted linear classifier
        Any fitted classifier with ``coef_``, ``intercept_`` and
        ``classes_``: :class:`~sklearn.linear_model.LogisticRegression`,
        :class:`~sklearn.linear_model.SGDClassifier`,
        :class:`~sklearn.svm.LinearSVC`, or a :class:`ContinualSGDClassifier`.
    X : {array-like, sparse matrix} of shape (n_samples, n_features), \
            default=None
        Data the estimator was trained on (or a sample of it). Nothing is
        trained on it: it fills the replay memory (with ``replay``) and the
        streaming LDA (with ``new_class_init="lda"``), sets the class counts,
        and sizes the default learning rate, so that the old classes are
        replayed from the first new batch. Without it the memory starts
        empty and holds only classes that arrive later.
    y : array-like of shape (n_samples,), default=None
        Labels of ``X``; all must be classes of ``estimator``.
    **params : dict
        Constructor parameters of the new :class:`ContinualSGDClassifier`.

    Returns
    -------
    clf : ContinualSGDClassifier
        A fitted classifier that predicts like ``estimator``.

    Notes
    -----
    A binary model has one weight row ``w``; it becomes the softmax rows
    ``(-w/2, w/2)`` (and intercepts ``(-b/2, b/2)``), whose probabilities equal
    the logistic ones: ``softmax(-z/2, z/2)[1] = sigmoid(z)``. A multinomial
    :class:`~sklearn.linear_model.LogisticRegression` is copied as it is, so
    predictions and probabilities are identical.

    With the default ``optimizer=None`` and no ``X``, the learning rate
    cannot be sized from data, so ``AdaGrad(learning_rate=0.1)`` is used;
    pass ``X`` or ``optimizer=`` to choose another. A one-vs-rest model (such as
    :class:`~sklearn.linear_model.SGDClassifier`) keeps its predictions, but
    its probabilities become the softmax of its scores.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcl.linear_model import from_linear_classifier
    >>> X, y = load_iris(return_X_y=True)
    >>> lr = LogisticRegression(max_iter=1000).fit(X, y)
    >>> clf = from_linear_classifier(lr, random_state=0)
    >>> bool((clf.predict(X) == lr.predict(X)).all())
    True
    >>> _ = clf.partial_fit(X[:10] + 5, [3] * 10)   # a new class arrives
    >>> clf.classes_
    array([0, 1, 2, 3])
    """
    check_is_fitted(estimator, ["coef_", "intercept_", "classes_"])
    coef = np.asarray(estimator.coef_)
    intercept = np.broadcast_to(
        np.asarray(estimator.intercept_, dtype=coef.dtype), (coef.shape[0],)
    )
    classes = np.asarray(estimator.classes_)
    if coef.ndim != 2:
        raise ValueError(f"coef_ must be 2-D; got shape {coef.shape}.")
    if coef.shape[0] == 1 and classes.size == 2:
        coef = np.vstack([-coef / 2.0, coef / 2.0])
        intercept = np.array([-intercept[0] / 2.0, intercept[0] / 2.0])
    if coef.shape[0] != classes.size:
        raise ValueError(
            f"{type(estimator).__name__} has {classes.size} classes but "
            f"{coef.shape[0]} weight rows."
        )
    clf = ContinualSGDClassifier(**params)
    clf._validate_params()
    if (X is None) != (y is None):
        raise ValueError("Pass both X and y, or neither.")
    has_data = X is not None
    if not has_data:  # a placeholder row registers n_features_in_ as fit would
        X, y = np.zeros((1, coef.shape[1]), dtype=coef.dtype), classes[:1]
    X, y, _, labels = clf._validate_batch(X, y, None, None, reset=True)
    if X.shape[1] != coef.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} has "
            f"{coef.shape[1]}."
        )
    unknown = np.setdiff1d(labels, classes)
    if unknown.size:
        raise ValueError(
            f"y has labels {unknown.tolist()} that {type(estimator).__name__} "
            "does not know."
        )
    if hasattr(estimator, "feature_names_in_"):
        clf.feature_names_in_ = np.asarray(estimator.feature_names_in_, dtype=object)
    clf._init_state(X, coef.shape[1])
    clf._add_classes(classes, None, None)
    clf.coef_[...] = coef
    clf.intercept_[...] = intercept
    if has_data:
        clf.class_counts_ += np.bincount(
            np.searchsorted(clf.classes_, y), minlength=clf.classes_.size
        )
        if clf.new_class_init == "lda":
            clf._update_lda(X, y, None)
        if hasattr(clf, "replay_"):
            clf.replay_.update(X, y, clf._rng)
    return clf
