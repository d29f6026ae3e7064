"""Nearest class mean classifier that learns from a stream of batches."""

# The private helpers of this module (`_BaseClassMeans`, `_update_class_means`,
# `_transactional`, ...) are shared with
# skcl.discriminant_analysis._streaming_lda: streaming LDA is a nearest class
# mean classifier plus a shared within-class covariance.

import functools

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import normalize
from sklearn.utils.extmath import row_norms, safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from skcl.base import ScoresClassifierMixin
from skcl.utils._growth import insert_rows
from skcl.utils._labels import check_same_label_kind, label_kind
from skcl.utils._sklearn_compat import (
    StrOptions,
    _fit_context,
    check_sample_weight,
    validate_data,
)

__all__ = ["NearestClassMeanClassifier"]


# ---------------------------------------------------------------------------
# helpers shared with StreamingLDAClassifier
# ---------------------------------------------------------------------------


def _transactional(method):
    """Restore ``self.__dict__`` if ``method`` raises (a rejected call is a no-op).

    The estimators never modify their arrays in place (every update builds new
    arrays and assigns them at the end), so a shallow copy of ``__dict__`` is
    a complete snapshot.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        snapshot = self.__dict__.copy()
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(snapshot)
            raise

    return wrapper


def _validate_batch(estimator, X, y, classes, sample_weight, *, reset, to_dense):
    """Validate one batch. Return ``X, y_unique, y_inverse, weights, classes``.

    Nothing on ``estimator`` is modified except, when ``reset`` is True, the
    ``n_features_in_`` / ``feature_names_in_`` attributes set by
    ``validate_data`` (callers wrap themselves in :func:`_transactional`).
    """
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )
    X, y = validate_data(
        estimator,
        X,
        y,
        reset=reset,
        accept_sparse=["csr", "csc", "coo"],
        dtype=[np.float64, np.float32],
    )
    check_classification_targets(y)
    if to_dense and sparse.issparse(X):
        X = X.toarray()
    sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight contains NaN or infinity.")
    y_unique, y_inverse = np.unique(y, return_inverse=True)
    label_kind(y_unique)  # raises on a mix of strings and numbers
    if classes is not None:
        classes = column_or_1d(np.asarray(classes))
        if classes.size == 0:
            raise ValueError("classes must not be empty when it is given.")
        classes = np.unique(classes)
        check_same_label_kind(classes, y_unique, "Labels in y")
    if not reset and hasattr(estimator, "classes_"):
        check_same_label_kind(estimator.classes_, y_unique, "Labels in y")
        if classes is not None:
            check_same_label_kind(estimator.classes_, classes, "Labels in classes")
    return X, y_unique, y_inverse.ravel(), sample_weight, classes


def _class_stats(X, y_inverse, sample_weight, n_labels):
    """Weighted count and mean of every label of the batch.

    One sparse one-hot matrix product: ``(n_labels, n_samples) @ X``.
    """
    n_samples = X.shape[0]
    onehot = sparse.csr_matrix(
        (sample_weight, (y_inverse, np.arange(n_samples))), shape=(n_labels, n_samples)
    )
    counts = np.asarray(onehot.sum(axis=1), dtype=np.float64).ravel()
    sums = onehot @ X
    sums = sums.toarray() if sparse.issparse(sums) else np.asarray(sums)
    means = np.zeros_like(sums, dtype=np.float64)
    np.divide(sums, counts[:, None], out=means, where=counts[:, None] > 0)
    return counts, means


def _grow_classes(old_classes, labels, declared):
    """Sorted union of the classes; return ``classes, new_positions``."""
    parts = [labels] if old_classes is None else [old_classes, labels]
    if declared is not None:
        parts.append(declared)
    if any(p.dtype.kind == "O" for p in parts):
        parts = [p.astype(object) for p in parts]
    classes = functools.reduce(np.union1d, parts)
    if old_classes is None:
        new_positions = np.arange(classes.size)
    else:
        new_positions = np.flatnonzero(~np.isin(classes, old_classes))
    return classes, new_positions


def _merge_means(old_counts, old_means, batch_counts, batch_means, rows):
    """Chan et al. merge of per-class means (``rows`` index the batch labels).

    Returns the merged ``counts, means`` and the per-label correction weights
    ``n_a * n_b / (n_a + n_b)`` and mean shifts ``batch_mean - old_mean``
    needed to merge co-moments.
    """
    n_a = old_counts[rows]
    n = n_a + batch_counts
    delta = batch_means - old_means[rows]
    frac = np.zeros_like(n)
    np.divide(batch_counts, n, out=frac, where=n > 0)
    counts = old_counts.copy()
    means = old_means.copy()
    counts[rows] = n
    means[rows] = old_means[rows] + frac[:, None] * delta
    corr = np.zeros_like(n)
    np.divide(n_a * batch_counts, n, out=corr, where=n > 0)
    return counts, means, corr, delta


def _update_class_means(
    estimator, X, y, classes, sample_weight, *, reset, to_dense, means_attr
):
    """Validate a batch and compute the grown, merged class means.

    Returns a dict of the new state (not yet assigned) plus the batch data
    needed by subclasses.
    """
    X, y_unique, y_inverse, sw, classes = _validate_batch(
        estimator, X, y, classes, sample_weight, reset=reset, to_dense=to_dense
    )
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        batch_counts, batch_means = _class_stats(X, y_inverse, sw, y_unique.size)
    # a label carried only by zero-weight samples counts as absent
    present = batch_counts > 0
    if reset:
        old_classes = None
        old_counts = np.zeros(0)
        old_means = np.zeros((0, X.shape[1]))
    else:
        old_classes = estimator.classes_
        old_counts = estimator.class_count_
        old_means = getattr(estimator, means_attr)
    new_classes, new_positions = _grow_classes(old_classes, y_unique[present], classes)
    old_counts = insert_rows(old_counts, new_positions)
    old_means = insert_rows(old_means, new_positions)
    rows = np.searchsorted(new_classes, y_unique[present])
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        counts, means, corr, delta = _merge_means(
            old_counts, old_means, batch_counts[present], batch_means[present], rows
        )
    if not (np.all(np.isfinite(means)) and np.all(np.isfinite(counts))):
        raise ValueError(
            "The batch makes the class means non-finite (overflow); "
            "rescale the features."
        )
    return {
        "X": X,
        "sample_weight": sw,
        "batch_means_per_sample": batch_means[y_inverse],
        "classes": new_classes,
        "counts": counts,
        "means": means,
        "corr": corr,
        "delta": delta,
        # row of ``classes`` of each sample's label (-1: zero total weight)
        "sample_rows": np.where(present, np.searchsorted(new_classes, y_unique), -1)[
            y_inverse
        ],
        "rows": rows,  # rows of the labels of corr / delta
        "new_positions": new_positions,
    }


class _BaseClassMeans(ScoresClassifierMixin, ClassifierMixin, BaseEstimator):
    """Learning loop of the classifiers built on running class means.

    A subclass implements ``_partial_fit(X, y, classes, sample_weight,
    reset)`` (on top of :func:`_update_class_means`) and ``_scores(X)``.
    """

    # partial_fit adds a class for a never-seen label (see skcl.evaluation)
    _skcl_grows_classes = True

    @_fit_context(prefer_skip_nested_validation=True)
    @_transactional
    def fit(self, X, y, sample_weight=None):
        """Fit the class statistics from scratch on ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of every sample. None means 1 for all.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        return self._partial_fit(X, y, None, sample_weight, reset=True)

    @_fit_context(prefer_skip_nested_validation=True)
    @_transactional
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the class statistics with one batch.

        A label never seen before adds a class at its sorted position in
        ``classes_``; what was learned for the other classes is untouched. A
        rejected batch (bad shape, NaN, label of another type, ...) raises and
        leaves the classifier exactly as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training batch.

        y : array-like of shape (n_samples,)
            Class labels of the batch.

        classes : array-like of shape (n_classes,), default=None
            Optional labels to declare now (their union with ``classes_`` and
            ``y`` is kept). Declared classes without samples are never
            predicted until they get samples.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of every sample. None means 1 for all.

        Returns
        -------
        self : object
            The updated classifier.
        """
        first_call = not hasattr(self, "classes_")
        return self._partial_fit(X, y, classes, sample_weight, reset=first_call)

    def _validate_X(self, X):
        """Validate ``X`` at prediction time (dense or sparse, float32/64)."""
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32],
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------


class NearestClassMeanClassifier(_BaseClassMeans):
    """Nearest class mean classifier with ``partial_fit`` and growing classes.

    Keeps a running (weighted) mean of every class and predicts the class
    whose mean is nearest. The means are updated exactly, batch by batch, so
    the model after a stream equals the model fitted on all the data at once,
    whatever the order of the batches or of the tasks: it cannot forget. It
    is the streaming counterpart of :class:`sklearn.neighbors.NearestCentroid`
    (Euclidean metric) and the classifier of iCaRL.

    Parameters
    ----------
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance between a sample and a class mean. ``"euclidean"``: squared
        Euclidean distance. ``"cosine"``: squared Euclidean distance between
        the L2-normalised sample and the L2-normalised class mean, i.e.
        ``2 - 2 * cos(x, mean)``. The class means themselves are the same for
        both metrics (means of the raw samples).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted class labels seen so far (or declared with ``classes=``).

    centroids_ : ndarray of shape (n_classes, n_features)
        Running mean of every class (float64). A class declared with
        ``classes=`` but not seen yet has a row of zeros.

    class_count_ : ndarray of shape (n_classes,)
        Sum of the sample weights seen for every class (the number of samples
        when ``sample_weight`` is None).

    n_features_in_ : int
        Number of features seen during the first ``fit``/``partial_fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``. Defined only when `X` has
        feature names that are all strings.

    See Also
    --------
    sklearn.neighbors.NearestCentroid : The batch version.
    skcl.discriminant_analysis.StreamingLDAClassifier : Class means plus a
        shared covariance; more accurate when features are correlated.

    Notes
    -----
    A class whose samples all have zero weight is not added (zero weight
    means absent). A class with no sample yet (declared with ``classes=``)
    is never predicted: its score is ``-inf`` and its probability 0.

    ``predict_proba`` is the softmax of the negative squared distances,
    ``p(c | x) ∝ exp(-d(x, mean_c)^2)``: a Gaussian class model with unit
    variance and uniform priors. The probabilities are sharp when distances
    are large (not calibrated); use them for ranking, or calibrate them.

    Prediction is one matrix product:
    ``-d^2 = 2 x . mean_c - |mean_c|^2 - |x|^2``. Sparse input is accepted
    and never densified.

    References
    ----------
    Rebuffi, Kolesnikov, Sperl and Lampert. "iCaRL: Incremental Classifier and
    Representation Learning", CVPR 2017.

    Chan, Golub and LeVeque. "Updating formulae and a pairwise algorithm for
    computing sample variances", 1979.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skcl.neighbors import NearestClassMeanClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = NearestClassMeanClassifier()
    >>> for task in ([0, 1], [2, 3], [4, 5], [6, 7], [8, 9]):
    ...     mask = (y == task[0]) | (y == task[1])
    ...     clf = clf.partial_fit(X[mask], y[mask])
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> print(f"{clf.score(X, y):.3f}")
    0.905
    """

    _parameter_constraints: dict = {
        "metric": [StrOptions({"euclidean", "cosine"})],
    }

    def __init__(self, *, metric="euclidean"):
        self.metric = metric

    # -- learning ---------------------------------------------------------

    def _partial_fit(self, X, y, classes, sample_weight, reset):
        """Validate, compute the new state, then assign it."""
        state = _update_class_means(
            self,
            X,
            y,
            classes,
            sample_weight,
            reset=reset,
            to_dense=False,
            means_attr="centroids_",
        )
        self.classes_ = state["classes"]
        self.class_count_ = state["counts"]
        self.centroids_ = state["means"]
        return self

    # -- prediction -------------------------------------------------------

    def _scores(self, X):
        check_is_fitted(self, "classes_")
        X = self._validate_X(X)
        means = self.centroids_
        if self.metric == "cosine":
            X = normalize(X)
            means = normalize(means)
        x_sq = row_norms(X, squared=True).astype(np.float64)
        scores = 2.0 * safe_sparse_dot(X, means.T, dense_output=True)
        scores -= row_norms(means, squared=True)[None, :]
        scores -= x_sq[:, None]
        np.minimum(scores, 0.0, out=scores)  # -d^2 <= 0 (round-off)
        scores[:, self.class_count_ <= 0] = -np.inf
        return scores
