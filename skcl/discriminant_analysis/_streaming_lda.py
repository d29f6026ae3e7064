"""Streaming linear discriminant analysis (Hayes & Kanan 2020, Deep SLDA)."""

from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from skcl.neighbors._nearest_class_mean import _BaseClassMeans, _update_class_means
from skcl.utils._growth import insert_rows
from skcl.utils._sklearn_compat import Interval, StrOptions

__all__ = ["StreamingLDAClassifier"]


class StreamingLDAClassifier(_BaseClassMeans):
    """Streaming linear discriminant analysis with ``partial_fit``.

    Keeps the running mean of every class and one shared (pooled)
    within-class covariance matrix, updated exactly batch by batch, and
    predicts with the linear discriminant of a Gaussian model with shared
    covariance (Deep SLDA, Hayes & Kanan 2020). The model after a stream
    equals linear discriminant analysis fitted on all the data at once,
    whatever the order of the batches or of the tasks: it cannot forget.
    Classes never seen before are added on the fly.

    Parameters
    ----------
    shrinkage : float, default=1e-4
        Shrinkage of the covariance toward ``shrinkage_target``, in
        ``[0, 1]``: ``Sigma_s = (1 - shrinkage) * Sigma + shrinkage * T``.
        0 uses the empirical covariance (it must then be invertible, else a
        minimum-norm least-squares solution is used); 1 ignores the
        covariance (with ``shrinkage_target="scaled_identity"`` and
        ``priors="uniform"`` the classifier is then a nearest class mean
        classifier). It is applied at prediction time, so it can be changed
        with ``set_params`` after fitting without refitting.

    shrinkage_target : {"identity", "scaled_identity"}, default="identity"
        ``"identity"``: ``T = I`` (Hayes & Kanan). ``"scaled_identity"``:
        ``T = trace(Sigma) / n_features * I``, the target of
        :func:`sklearn.covariance.shrunk_covariance` and of
        :class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`
        (invariant to a rescaling of the features).

    priors : {"uniform", "empirical"}, default="uniform"
        Class priors added to the discriminant scores. ``"uniform"``: every
        class seen so far is equally likely (recommended in class-incremental
        learning, where the class frequencies of the stream say little about
        the test distribution). ``"empirical"``: proportional to the total
        sample weight of each class.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted class labels seen so far (or declared with ``classes=``).

    means_ : ndarray of shape (n_classes, n_features)
        Running (weighted) mean of every class, float64.

    covariance_ : ndarray of shape (n_features, n_features)
        Pooled within-class covariance, before shrinkage:
        ``sum_i w_i (x_i - mean_{y_i}) (x_i - mean_{y_i})^T / sum_i w_i``
        (biased, as in scikit-learn), float64.

    class_count_ : ndarray of shape (n_classes,)
        Sum of the sample weights seen for every class (the number of
        samples when ``sample_weight`` is None).

    coef_ : ndarray of shape (n_classes, n_features)
        Discriminant weights ``Sigma_s^{-1} mean_c`` (one row per class,
        also for two classes), computed lazily from the statistics above
        and cached until the next update.

    intercept_ : ndarray of shape (n_classes,)
        ``-1/2 mean_c^T Sigma_s^{-1} mean_c + log(prior_c)``; ``-inf`` for a
        class declared but not seen yet.

    n_features_in_ : int
        Number of features seen during the first ``fit``/``partial_fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``. Defined only when `X` has
        feature names that are all strings.

    See Also
    --------
    sklearn.discriminant_analysis.LinearDiscriminantAnalysis : The batch
        version (``solver="lsqr"``).
    skcl.neighbors.NearestClassMeanClassifier : Class means only.

    Notes
    -----
    **Update.** Each batch is merged with the parallel algorithm of Chan et
    al.: per class, ``n = n_a + n_b``, ``mean = mean_a + n_b / n (mean_b -
    mean_a)``, and the pooled scatter grows by the batch's within-class
    scatter (one matrix product over the batch) plus ``n_a n_b / n (mean_b -
    mean_a)(mean_b - mean_a)^T`` per class. This is exact, so the final
    statistics do not depend on the order of the samples, batches or tasks
    (up to floating-point round-off, ~1e-12 relative). Statistics are kept in
    float64 whatever the input dtype. An update costs
    ``O(n_samples n_features^2)``; memory is ``O(n_features^2)``.

    **Prediction.** ``score_c(x) = x^T coef_c + intercept_c``;
    ``predict_proba`` is the softmax of the scores. The solve (Cholesky of
    ``Sigma_s``) runs once after a series of updates, at the first
    prediction or access to ``coef_``.

    **Equality with scikit-learn.** With ``priors="empirical"`` and
    ``shrinkage_target="scaled_identity"``, the model equals
    ``LinearDiscriminantAnalysis(solver="lsqr", shrinkage=shrinkage)``
    (scikit-learn weights the per-class covariances by the priors, which
    gives the pooled covariance only for empirical priors). With uniform
    priors scikit-learn averages the class covariances with equal weights;
    here the covariance stays pooled (weighted by class counts), as in Deep
    SLDA.

    **Sparse input** is accepted and densified one batch at a time
    (the covariance is dense anyway). ``shrinkage="auto"`` (Ledoit-Wolf) is
    not offered: it needs fourth moments, which cannot be merged exactly
    across batches.

    A class whose samples all have zero weight is not added (zero weight
    means absent); a class declared with ``classes=`` but without samples is
    never predicted.

    References
    ----------
    Hayes and Kanan. "Lifelong Machine Learning with Deep Streaming Linear
    Discriminant Analysis", CVPR Workshops 2020.

    Chan, Golub and LeVeque. "Updating formulae and a pairwise algorithm for
    computing sample variances", 1979.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skcl.discriminant_analysis import StreamingLDAClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = StreamingLDAClassifier()
    >>> for task in ([0, 1], [2, 3], [4, 5], [6, 7], [8, 9]):
    ...     mask = (y == task[0]) | (y == task[1])
    ...     clf = clf.partial_fit(X[mask], y[mask])
    >>> clf.coef_.shape
    (10, 64)
    >>> print(f"{clf.score(X, y):.3f}")
    0.962
    """

    _parameter_constraints: dict = {
        "shrinkage": [Interval(Real, 0, 1, closed="both")],
        "shrinkage_target": [StrOptions({"identity", "scaled_identity"})],
        "priors": [StrOptions({"uniform", "empirical"})],
    }

    def __init__(
        self, *, shrinkage=1e-4, shrinkage_target="identity", priors="uniform"
    ):
        self.shrinkage = shrinkage
        self.shrinkage_target = shrinkage_target
        self.priors = priors

    # -- learning ---------------------------------------------------------

    def _partial_fit(self, X, y, classes, sample_weight, reset):
        """Validate, compute the new state, then assign it."""
        state = self._merged_state(X, y, classes, sample_weight, reset)
        self._assign(state)
        return self

    def _merged_state(self, X, y, classes, sample_weight, reset):
        """The state after merging the batch, without assigning it: the dict
        of :func:`_update_class_means` plus the weighted, class-centred rows
        (``"centered"``), the mean-shift terms (``"shift"``) and the new
        pooled ``"covariance"``."""
        state = _update_class_means(
            self,
            X,
            y,
            classes,
            sample_weight,
            reset=reset,
            to_dense=True,
            means_attr="means_",
        )
        X, sw = state["X"], state["sample_weight"]
        n_features = X.shape[1]
        if reset:
            old_total = 0.0
            scatter = np.zeros((n_features, n_features))
        else:
            old_total = float(self.class_count_.sum())
            scatter = self.covariance_ * old_total
        # within-class scatter of the batch: one matrix product
        with np.errstate(over="ignore", invalid="ignore"):  # checked below
            centered = np.asarray(X, dtype=np.float64)
            centered = centered - state["batch_means_per_sample"]
            centered *= np.sqrt(sw)[:, None]
            scatter = scatter + centered.T @ centered
            # shift of the class means between the old state and the batch
            shift = state["delta"] * np.sqrt(state["corr"])[:, None]
            scatter += shift.T @ shift
            scatter = 0.5 * (scatter + scatter.T)
            total = old_total + float(sw.sum())
            covariance = scatter / total
        if not np.all(np.isfinite(covariance)):
            raise ValueError(
                "The batch makes the covariance non-finite (overflow); "
                "rescale the features."
            )
        state.update(centered=centered, shift=shift, covariance=covariance)
        return state

    def _assign(self, state):
        self.classes_ = state["classes"]
        self.class_count_ = state["counts"]
        self.means_ = state["means"]
        self.covariance_ = state["covariance"]
        # a new (empty) cache: the solve is redone lazily at the next use.
        # It is a container mutated in place so that predict does not change
        # the estimator's __dict__.
        self._solution_cache = {}

    # -- the linear discriminant (lazy) -----------------------------------

    def _solution(self):
        """Return the cached ``(coef, intercept)``, solving if needed."""
        check_is_fitted(self, "classes_")
        key = (self.shrinkage, self.shrinkage_target, self.priors)
        cache = self._solution_cache
        if cache.get("key") == key:
            return cache["coef"], cache["intercept"]
        self._validate_params()  # parameters may have changed via set_params
        n_features = self.covariance_.shape[0]
        seen = self.class_count_ > 0
        means = self.means_[seen]
        s = float(self.shrinkage)
        if self.shrinkage_target == "identity":
            target = 1.0
        else:
            target = np.trace(self.covariance_) / n_features
        sigma = (1.0 - s) * self.covariance_
        sigma[np.diag_indices(n_features)] += s * target
        try:
            factor = linalg.cho_factor(sigma, lower=True, check_finite=False)
            weights = linalg.cho_solve(factor, means.T, check_finite=False).T
        except linalg.LinAlgError:
            # singular covariance (shrinkage=0 with constant features, ...):
            # minimum-norm least squares, as LinearDiscriminantAnalysis(lsqr)
            weights = linalg.lstsq(sigma, means.T, check_finite=False)[0].T
        counts = self.class_count_[seen]
        if self.priors == "empirical":
            log_prior = np.log(counts / counts.sum())
        else:
            log_prior = np.full(counts.size, -np.log(counts.size))
        coef = np.zeros((self.classes_.size, n_features))
        coef[seen] = weights
        intercept = np.full(self.classes_.size, -np.inf)
        intercept[seen] = -0.5 * np.einsum("ij,ij->i", means, weights) + log_prior
        cache.clear()
        cache.update(key=key, coef=coef, intercept=intercept)
        return coef, intercept

    @property
    def coef_(self):
        """Discriminant weights, shape (n_classes, n_features) (a copy)."""
        return self._solution()[0].copy()

    @property
    def intercept_(self):
        """Discriminant intercepts, shape (n_classes,) (a copy)."""
        return self._solution()[1].copy()

    # -- prediction -------------------------------------------------------

    def _scores(self, X):
        coef, intercept = self._solution()
        X = self._validate_X(X)
        return safe_sparse_dot(X, coef.T, dense_output=True) + intercept


class _ClassScatterLDA(StreamingLDAClassifier):
    """A :class:`StreamingLDAClassifier` that also keeps one scatter matrix
    per class, ``class_scatter_`` of shape ``(n_classes, d, d)``, merged with
    the same pairwise update as the pooled one (the pooled scatter is their
    sum). Used by :class:`~skcl.mitigation.GaussianReplay`; private.

    Every allocation happens before anything is assigned, so a rejected or
    failed batch leaves the statistics as they were; the old classes'
    matrices are then updated in place.
    """

    def _partial_fit(self, X, y, classes, sample_weight, reset):
        state = self._merged_state(X, y, classes, sample_weight, reset)
        centered, shift = state["centered"], state["shift"]
        sample_rows = state["sample_rows"]
        increments = []
        for k, row in enumerate(state["rows"]):
            rows = centered[sample_rows == row]
            increments.append(rows.T @ rows + np.outer(shift[k], shift[k]))
        d = centered.shape[1]
        scatter = np.zeros((0, d, d)) if reset else self.class_scatter_
        if state["new_positions"].size:
            scatter = insert_rows(scatter, state["new_positions"])
        self._assign(state)
        for row, inc in zip(state["rows"], increments):
            scatter[row] += inc
        self.class_scatter_ = scatter
        return self
