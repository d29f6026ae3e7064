"""Pseudo-replay from class-conditional Gaussians (no stored exemplars)."""

from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import Interval
from ._replay import _check_labels, _check_sample_size

__all__ = ["GaussianReplay"]


class GaussianReplay(BaseEstimator):
    """Replay pseudo-samples drawn from class-conditional Gaussians.

    Instead of storing rows, the memory keeps the exact running mean of each
    class and one shared (pooled) within-class covariance — the statistics
    of :class:`~skcl.discriminant_analysis.StreamingLDAClassifier`, merged
    batch by batch, so they equal those of all the data seen, whatever the
    order. :meth:`sample` draws ``x = mean_c + L z`` with the class ``c``
    uniform over the classes seen and ``L`` the Cholesky factor of the shrunk
    covariance. Replayed batches are therefore class-balanced over all old
    classes, with unlimited variety, and no raw sample is kept (useful when
    old data may not be stored).

    A softmax classifier trained on such samples tends to the linear
    discriminant of the Gaussian model, so this works best on features whose
    classes are roughly Gaussian with a shared covariance (the extracted
    features of an image pipeline, standardised pixels). It is a parameter of
    :class:`~skcl.linear_model.ContinualSGDClassifier` (``replay=``), with the
    same protocol as the exemplar buffers.

    Parameters
    ----------
    replay_ratio : float, default=8.0
        Replayed rows per new row in each mini-batch, >= 0. Pseudo-samples
        are unlimited and cover every class seen, so a high ratio makes each
        batch close to class-balanced.
    shrinkage : float, default=0.01
        Shrinkage of the covariance toward ``trace(Sigma) / d * I``, in
        [0, 1]; keeps the covariance positive definite when features are
        constant or correlated.
    n_noise : int, default=4096
        Number of correlated noise vectors ``L z`` drawn after each update;
        a pseudo-sample is a class mean plus one of them, drawn at random.
        Larger gives more variety, at ``n_noise * d * d`` per update.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen, sorted.
    means_ : ndarray of shape (n_classes, n_features)
        Running class means.
    covariance_ : ndarray of shape (n_features, n_features)
        Pooled within-class covariance (before shrinkage).
    class_counts_ : ndarray of shape (n_classes,)
        Samples seen per class.
    n_seen_ : int
        Samples summarised; also ``len(self)``.
    n_features_in_ : int
        Number of features.

    See Also
    --------
    ClassBalancedReplay : Stores real exemplars, balanced per class.
    skcl.discriminant_analysis.StreamingLDAClassifier : The classifier these
        statistics define.

    Notes
    -----
    Memory is ``n_classes * d + d * d + n_noise * d`` floats whatever the
    stream length; each ``update`` costs one ``d x d`` product with the batch,
    and the first :meth:`sample` after it a Cholesky factorisation and the
    noise bank (``n_noise x d x d``); then a sample of ``n`` rows costs
    ``n x d``. This is pseudo-rehearsal with Gaussian
    prototypes, close to PASS's prototype augmentation (Zhu et al., 2021)
    with a full shared covariance instead of isotropic noise.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.mitigation import GaussianReplay
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(100, 3) + [[5, 0, 0]], np.repeat([0, 1], 50)
    >>> memory = GaussianReplay().update(X, y, rng)
    >>> Xr, yr = memory.sample(4, rng)
    >>> Xr.shape, len(memory)
    ((4, 3), 100)
    """

    _parameter_constraints: dict = {
        "replay_ratio": [Interval(Real, 0, None, closed="left")],
        "shrinkage": [Interval(Real, 0, 1, closed="both")],
        "n_noise": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, replay_ratio=8.0, shrinkage=0.01, n_noise=4096):
        self.replay_ratio = replay_ratio
        self.shrinkage = shrinkage
        self.n_noise = n_noise

    def __len__(self):
        return self.n_seen_ if hasattr(self, "stats_") else 0

    def __sklearn_is_fitted__(self):
        return hasattr(self, "stats_")

    # The fitted attributes are views of the running statistics ``stats_``.
    @property
    def classes_(self):
        """Labels seen, sorted."""
        return self.stats_.classes_

    @property
    def means_(self):
        """Running class means, shape (n_classes, n_features)."""
        return self.stats_.means_

    @property
    def covariance_(self):
        """Pooled within-class covariance, shape (n_features, n_features)."""
        return self.stats_.covariance_

    @property
    def class_counts_(self):
        """Samples seen per class, shape (n_classes,)."""
        return self.stats_.class_count_

    @property
    def n_seen_(self):
        """Samples summarised."""
        return int(self.stats_.class_count_.sum())

    @property
    def n_features_in_(self):
        """Number of features."""
        return self.stats_.n_features_in_

    def _check_batch(self, X, y):
        """Validate a batch (and its width against the statistics)."""
        X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
        if hasattr(self, "stats_") and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but GaussianReplay summarises "
                f"rows with {self.n_features_in_} features."
            )
        return X, _check_labels(y, X.shape[0])

    def check_update(self, X, y):
        """Raise the error :meth:`update` would raise for this batch.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            New rows.
        y : array-like of shape (n_samples,)
            Their labels.

        Returns
        -------
        self : object
            The memory, unchanged.
        """
        self._validate_params()
        self._check_batch(X, y)
        return self

    def update(self, X, y, random_state=None):
        """Merge a batch into the class statistics.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            New (not replayed) rows.
        y : array-like of shape (n_samples,)
            Their labels.
        random_state : object, default=None
            Unused (the statistics are exact); kept for the protocol.

        Returns
        -------
        self : object
            The updated memory.
        """
        from ..discriminant_analysis import StreamingLDAClassifier

        self._validate_params()
        X, y = self._check_batch(X, y)
        if hasattr(self, "stats_"):
            self.stats_.partial_fit(X, y)  # transactional: unchanged on error
        else:
            self.stats_ = StreamingLDAClassifier().partial_fit(X, y)
            self._dtype = X.dtype  # float32 kept, else float64
        self._cholesky = None
        self._bank = None
        return self

    def sample(self, n, random_state=None):
        """Draw ``n`` pseudo-samples, classes uniform over those seen.

        Parameters
        ----------
        n : int
            Number of rows, >= 0.
        random_state : RandomState instance, int or None, default=None
            Source of randomness (the classifier passes its own).

        Returns
        -------
        X : ndarray of shape (n, n_features)
            Pseudo-samples, in the dtype of the first batch.
        y : ndarray of shape (n,)
            Their labels.
        """
        n = _check_sample_size(n)
        if not hasattr(self, "stats_"):
            raise NotFittedError(
                "This GaussianReplay has never been updated; call update() first."
            )
        rs = check_random_state(random_state)
        seen = np.flatnonzero(self.class_counts_ > 0)
        c = seen[rs.randint(seen.size, size=n)]
        bank = self._noise(rs)
        X = self.means_[c] + bank[rs.randint(bank.shape[0], size=n)]
        return X.astype(self._dtype, copy=False), self.classes_[c]

    def _noise(self, rs):
        """Correlated noise vectors ``L z``, drawn once per update.

        Drawing ``L z`` costs ``d * d`` per row; a bank of ``n_noise`` rows
        (refreshed after every update) makes a sample cost ``d`` per row.
        """
        if getattr(self, "_bank", None) is None:
            L = self._factor()
            Z = rs.standard_normal((self.n_noise, self.n_features_in_))
            self._bank = Z @ L.T
        return self._bank

    def _factor(self):
        if getattr(self, "_cholesky", None) is None:
            d = self.n_features_in_
            cov = self.covariance_
            scale = max(np.trace(cov) / d, 1e-12)
            shrunk = (1.0 - self.shrinkage) * cov + (self.shrinkage * scale) * np.eye(d)
            try:
                self._cholesky = linalg.cholesky(shrunk, lower=True)
            except linalg.LinAlgError:  # shrinkage=0 and a singular covariance
                w, V = linalg.eigh(shrunk)
                self._cholesky = V * np.sqrt(np.clip(w, 0, None))
        return self._cholesky
