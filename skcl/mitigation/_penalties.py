"""Consolidation penalties: EWC / online EWC and LwF-style distillation.

A penalty is a parameter object of
:class:`~skcl.linear_model.ContinualSGDClassifier` (``consolidation=``). The
classifier learns with a clone (``consolidation_``) and calls:

- ``consolidate(coef, intercept, X, proba, sample_weight=None)`` at the end of
  a task (``end_task``),
- ``grow(new_positions)`` when new classes are inserted into ``classes_``,
- ``gradient(coef, intercept, X, logits)`` at every mini-batch, returning
  ``(grad_coef, grad_intercept, grad_logits)`` (each may be None),
- ``value(coef, intercept, X, logits)`` for monitoring.

The model is multinomial logistic regression: ``Z = X @ coef.T + intercept``,
``P = softmax(Z)``, and the data loss is the mean over the batch.
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from scipy.special import log_softmax
from sklearn.base import BaseEstimator
from sklearn.utils import check_array
from sklearn.utils.extmath import safe_sparse_dot

from ..utils._growth import insert_rows
from ..utils._sklearn_compat import Interval, StrOptions, check_sample_weight

__all__ = ["DistillationPenalty", "EWCPenalty"]


def _check_coef(coef, intercept):
    """Validate ``coef`` (K, d) and ``intercept`` (K,) as float64 arrays."""
    coef = check_array(coef, dtype=np.float64, input_name="coef")
    intercept = np.asarray(intercept, dtype=np.float64)
    if intercept.shape != (coef.shape[0],):
        raise ValueError(
            f"intercept must have shape ({coef.shape[0]},) to match coef of "
            f"shape {coef.shape}, got {intercept.shape}."
        )
    if not np.all(np.isfinite(intercept)):
        raise ValueError("intercept contains NaN or infinity.")
    return coef, intercept


def _check_positions(new_positions, n_old):
    """Validate the insert positions of new classes in the grown class list."""
    pos = np.asarray(new_positions)
    if pos.ndim != 1 or (pos.size and pos.dtype.kind not in "iu"):
        raise ValueError(
            "new_positions must be a 1-D array of integer positions, got "
            f"{new_positions!r}."
        )
    pos = pos.astype(np.intp)
    if n_old is None:  # not consolidated yet: the class count is unknown
        n_new, too_big = None, False
    else:
        n_new = n_old + pos.size
        too_big = bool(pos.size and pos[-1] >= n_new)
    if pos.size and (np.any(np.diff(pos) <= 0) or pos[0] < 0 or too_big):
        bound = "" if n_new is None else f" and in [0, {n_new})"
        raise ValueError(
            f"new_positions must be sorted, unique, non-negative{bound} "
            f"(positions in the grown class list), got {pos.tolist()}."
        )
    return pos


class _BasePenalty(BaseEstimator):
    """Shared validation of the consolidation penalties."""

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_tasks_")

    def _check_consolidate(self, coef, intercept, X, proba, sample_weight,
                           need_data):
        """Validate the parameters and the arguments of ``consolidate``."""
        self._validate_params()
        coef, intercept = _check_coef(coef, intercept)
        if hasattr(self, "n_tasks_"):
            self._check_current(coef, intercept)
        K, d = coef.shape
        if X is None or proba is None:
            if need_data:
                raise ValueError(
                    f"{type(self).__name__}.consolidate needs the task's data: "
                    "X and proba must not be None (call end_task(X, y) with "
                    "the task's data)."
                )
            if X is not None or proba is not None or sample_weight is not None:
                raise ValueError("X and proba must be given together.")
            return coef, intercept, None, None, None
        X = check_array(X, accept_sparse="csr", dtype=np.float64, input_name="X")
        if X.shape[1] != d:
            raise ValueError(
                f"X has {X.shape[1]} features, but coef has {d} columns."
            )
        proba = check_array(proba, dtype=np.float64, input_name="proba")
        if proba.shape != (X.shape[0], K):
            raise ValueError(
                f"proba must have shape ({X.shape[0]}, {K}) (n_samples, "
                f"n_classes), got {proba.shape}."
            )
        if np.any(proba < 0) or np.any(proba > 1):
            raise ValueError("proba must hold probabilities in [0, 1].")
        sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        if sample_weight.sum() <= 0:
            raise ValueError("sample_weight must have a positive sum.")
        return coef, intercept, X, proba, sample_weight

    def _check_grow(self, new_positions):
        """Validated ``new_positions``; None before the first consolidate."""
        if not hasattr(self, "n_tasks_"):
            _check_positions(new_positions, None)
            return None
        return _check_positions(new_positions, self.n_classes_)

    def _check_current(self, coef, intercept):
        """Check the current parameters against the consolidated shapes."""
        K, d = self.n_classes_, self.n_features_in_
        if coef is not None and np.shape(coef) != (K, d):
            raise ValueError(
                f"coef has shape {np.shape(coef)}, but {type(self).__name__} "
                f"tracks {K} classes and {d} features; call grow(new_positions) "
                "when classes are added."
            )
        if intercept is not None and np.shape(intercept) != (K,):
            raise ValueError(
                f"intercept has shape {np.shape(intercept)}, expected ({K},); "
                "call grow(new_positions) when classes are added."
            )


class EWCPenalty(_BasePenalty):
    r"""Elastic weight consolidation (EWC and online EWC) for the softmax model.

    At the end of each task the diagonal Fisher information of the task's
    data is computed in closed form, and later training pays
    ``lambda_ / 2 * sum(F * (theta - theta_star) ** 2)`` for moving the
    weights that mattered for the old tasks. A parameter object of
    :class:`~skcl.linear_model.ContinualSGDClassifier` (``consolidation=``).

    Parameters
    ----------
    lambda_ : float, default=100.0
        Strength of the penalty, ``>= 0``. The Fisher is a per-sample mean
        and the data loss a batch mean, so ``lambda_`` is the weight of one
        old task relative to one new sample's loss; ``lambda_`` of the order
        of the ratio of old to new task sizes is the Bayesian (Laplace)
        value, and much larger values are usual in practice.
    mode : {"online", "separate"}, default="online"
        ``"online"`` (Schwarz et al. 2018): one Fisher
        ``F = decay * F_old + F_new`` and one anchor, the parameters at the
        last task boundary. ``"separate"`` (Kirkpatrick et al. 2017): one
        penalty term per task, each with its own Fisher and anchor (stored
        in an exactly equivalent merged form, see Notes).
    decay : float, default=0.9
        Decay ``gamma`` of the old Fisher in ``"online"`` mode, in
        ``[0, 1]``. Ignored in ``"separate"`` mode.

    Attributes
    ----------
    fisher_coef_ : ndarray of shape (n_classes, n_features)
        Diagonal Fisher information of ``coef`` (summed over tasks in
        ``"separate"`` mode).
    fisher_intercept_ : ndarray of shape (n_classes,)
        Diagonal Fisher information of ``intercept``.
    anchor_coef_ : ndarray of shape (n_classes, n_features)
        Anchor of ``coef``: the parameters at the last task boundary
        (``"online"``), or the Fisher-weighted mean of the anchors of all
        tasks (``"separate"``).
    anchor_intercept_ : ndarray of shape (n_classes,)
        Anchor of ``intercept``.
    penalty_offset_ : float
        Constant term of the merged ``"separate"`` penalty (0 in
        ``"online"`` mode); it enters :meth:`value` only.
    n_tasks_ : int
        Number of calls to :meth:`consolidate`.
    n_classes_ : int
        Number of classes tracked (grows with :meth:`grow`).
    n_features_in_ : int
        Number of features.

    See Also
    --------
    DistillationPenalty : Knowledge distillation on the old classes (LwF).

    Notes
    -----
    For the softmax model :math:`\partial \log p(y|x) / \partial W_{kj} =
    (1[y=k] - p_k) x_j`, so the true Fisher diagonal (expectation over
    :math:`y \sim p(\cdot|x)`, not the "empirical" Fisher at the observed
    labels) is

    .. math::

        F_{kj} = \frac{1}{n}\sum_i p_{ik}(1 - p_{ik})\, x_{ij}^2, \qquad
        F_{k} = \frac{1}{n}\sum_i p_{ik}(1 - p_{ik})

    for the weights and intercepts: one matrix product
    ``(P * (1 - P)).T @ X**2 / n`` (``X.multiply(X)`` for sparse ``X``),
    weighted by ``sample_weight`` if given. The gradient is
    ``lambda_ * F * (theta - theta_star)``.

    In ``"separate"`` mode
    :math:`\tfrac12\sum_t F_t(\theta-\theta_t)^2 =
    \tfrac12 F(\theta-\bar\theta)^2 + c` with :math:`F=\sum_t F_t` and
    :math:`\bar\theta = \sum_t F_t\theta_t / F`, so memory stays
    ``O(n_classes * n_features)`` whatever the number of tasks; the gradient
    is the same, and ``c`` is kept in ``penalty_offset_``.

    New classes (:meth:`grow`) get zero Fisher rows: they are free to learn.
    EWC alone protects little in class-incremental learning with a linear
    softmax model (the new classes' logits still dominate); combine it with
    replay there.

    References
    ----------
    .. [1] J. Kirkpatrick et al., "Overcoming catastrophic forgetting in
       neural networks", PNAS 114(13), 2017.
    .. [2] J. Schwarz et al., "Progress & compress: A scalable framework for
       continual learning", ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import softmax
    >>> from skcl.mitigation import EWCPenalty
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(6, 4)
    >>> coef, intercept = rng.randn(3, 4), np.zeros(3)
    >>> proba = softmax(X @ coef.T + intercept, axis=1)
    >>> ewc = EWCPenalty(lambda_=10.0).consolidate(coef, intercept, X, proba)
    >>> ewc.fisher_coef_.shape
    (3, 4)
    >>> grad_coef, grad_intercept, _ = ewc.gradient(coef + 1.0, intercept, X, None)
    >>> grad_coef.shape
    (3, 4)
    """

    _parameter_constraints: dict = {
        "lambda_": [Interval(Real, 0, None, closed="left")],
        "mode": [StrOptions({"online", "separate"})],
        "decay": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, lambda_=100.0, mode="online", decay=0.9):
        self.lambda_ = lambda_
        self.mode = mode
        self.decay = decay

    @staticmethod
    def fisher_diagonal(X, proba, sample_weight=None):
        """Closed-form diagonal Fisher of the softmax model on ``X``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Inputs.
        proba : ndarray of shape (n_samples, n_classes)
            The model's predicted probabilities on ``X``.
        sample_weight : ndarray of shape (n_samples,) or None, default=None
            Weights of the mean over samples.

        Returns
        -------
        fisher_coef : ndarray of shape (n_classes, n_features)
            ``sum_i w_i p_ik (1 - p_ik) x_ij**2 / sum_i w_i``.
        fisher_intercept : ndarray of shape (n_classes,)
            ``sum_i w_i p_ik (1 - p_ik) / sum_i w_i``.
        """
        proba = np.asarray(proba, dtype=np.float64)
        n = proba.shape[0]
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight)
        pq = proba * (1.0 - proba) * (w / w.sum())[:, None]
        X2 = X.multiply(X).tocsr() if sp.issparse(X) else np.square(X)
        fisher_coef = np.asarray(safe_sparse_dot(X2.T, pq)).T
        return np.ascontiguousarray(fisher_coef), pq.sum(axis=0)

    def consolidate(self, coef, intercept, X, proba, sample_weight=None):
        """Add the task that just ended to the penalty.

        Parameters
        ----------
        coef : ndarray of shape (n_classes, n_features)
            Current weights (the new anchor).
        intercept : ndarray of shape (n_classes,)
            Current intercepts.
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The task's data (required).
        proba : ndarray of shape (n_samples, n_classes)
            The model's predicted probabilities on ``X``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of the Fisher's mean.

        Returns
        -------
        self : object
            The consolidated penalty.
        """
        coef, intercept, X, proba, sw = self._check_consolidate(
            coef, intercept, X, proba, sample_weight, need_data=True
        )
        f_coef, f_int = self.fisher_diagonal(X, proba, sw)
        if not hasattr(self, "n_tasks_"):
            state = {
                "fisher_coef_": f_coef,
                "fisher_intercept_": f_int,
                "anchor_coef_": coef.copy(),
                "anchor_intercept_": intercept.copy(),
                "penalty_offset_": 0.0,
            }
        elif self.mode == "online":
            state = {
                "fisher_coef_": self.decay * self.fisher_coef_ + f_coef,
                "fisher_intercept_": self.decay * self.fisher_intercept_ + f_int,
                "anchor_coef_": coef.copy(),
                "anchor_intercept_": intercept.copy(),
                "penalty_offset_": 0.0,
            }
        else:
            offset = float(self.penalty_offset_)
            state = {"penalty_offset_": 0.0}
            for name, f_new, a_new in (
                ("coef", f_coef, coef),
                ("intercept", f_int, intercept),
            ):
                f_old = getattr(self, f"fisher_{name}_")
                a_old = getattr(self, f"anchor_{name}_")
                f_sum = f_old + f_new
                safe = np.where(f_sum > 0, f_sum, 1.0)
                a_bar = np.where(
                    f_sum > 0, (f_old * a_old + f_new * a_new) / safe, a_new
                )
                offset += 0.5 * float(
                    np.sum(f_old * (a_old - a_bar) ** 2)
                    + np.sum(f_new * (a_new - a_bar) ** 2)
                )
                state[f"fisher_{name}_"] = f_sum
                state[f"anchor_{name}_"] = a_bar
            state["penalty_offset_"] = offset
        state.update(
            n_tasks_=getattr(self, "n_tasks_", 0) + 1,
            n_classes_=coef.shape[0],
            n_features_in_=coef.shape[1],
        )
        for key, value in state.items():
            setattr(self, key, value)
        return self

    def grow(self, new_positions):
        """Insert zero rows for new classes at ``new_positions``.

        Parameters
        ----------
        new_positions : array-like of int
            Sorted positions of the new classes in the grown class list.
            A no-op before the first :meth:`consolidate`.

        Returns
        -------
        self : object
            The grown penalty.
        """
        pos = self._check_grow(new_positions)
        if pos is None:
            return self
        for name in ("fisher_coef_", "fisher_intercept_", "anchor_coef_",
                     "anchor_intercept_"):
            setattr(self, name, insert_rows(getattr(self, name), pos))
        self.n_classes_ += pos.size
        return self

    def gradient(self, coef, intercept, X=None, logits=None):
        """Gradient of the penalty at the current parameters.

        Parameters
        ----------
        coef : ndarray of shape (n_classes, n_features)
            Current weights.
        intercept : ndarray of shape (n_classes,)
            Current intercepts.
        X : object, default=None
            The mini-batch (unused by EWC).
        logits : object, default=None
            The mini-batch's logits (unused by EWC).

        Returns
        -------
        grad_coef : ndarray of shape (n_classes, n_features) or None
            ``lambda_ * fisher_coef_ * (coef - anchor_coef_)``; None before
            the first :meth:`consolidate`.
        grad_intercept : ndarray of shape (n_classes,) or None
            Same for the intercepts.
        grad_logits : None
            EWC has no data term.
        """
        if not hasattr(self, "n_tasks_"):
            return None, None, None
        self._check_current(coef, intercept)
        lam = float(self.lambda_)
        grad_coef = lam * self.fisher_coef_ * (coef - self.anchor_coef_)
        grad_int = lam * self.fisher_intercept_ * (intercept - self.anchor_intercept_)
        return grad_coef, grad_int, None

    def value(self, coef, intercept, X=None, logits=None):
        """Value of the penalty at the current parameters.

        Parameters
        ----------
        coef : ndarray of shape (n_classes, n_features)
            Current weights.
        intercept : ndarray of shape (n_classes,)
            Current intercepts.
        X : object, default=None
            Unused.
        logits : object, default=None
            Unused.

        Returns
        -------
        value : float
            ``lambda_ / 2 * sum(F * (theta - anchor) ** 2)`` (plus the
            constant of the merged ``"separate"`` form); 0 before the first
            :meth:`consolidate`.
        """
        if not hasattr(self, "n_tasks_"):
            return 0.0
        self._check_current(coef, intercept)
        quad = np.sum(self.fisher_coef_ * (coef - self.anchor_coef_) ** 2) + np.sum(
            self.fisher_intercept_ * (intercept - self.anchor_intercept_) ** 2
        )
        return float(self.lambda_) * (0.5 * float(quad) + self.penalty_offset_)


class DistillationPenalty(_BasePenalty):
    r"""Knowledge distillation on the old classes (Learning without Forgetting).

    At the end of a task the current model becomes the teacher. Later, the
    logits of the old classes on each mini-batch are pulled towards the
    teacher's: the penalty is
    ``lambda_ * T**2 * mean_i KL(softmax(z_teacher_i / T) ||
    softmax(z_i[old] / T))`` over the old classes' logits only. A parameter
    object of :class:`~skcl.linear_model.ContinualSGDClassifier`
    (``consolidation=``).

    Parameters
    ----------
    lambda_ : float, default=1.0
        Strength of the penalty relative to the (mean) data loss, ``>= 0``.
    temperature : float, default=2.0
        Softmax temperature ``T > 0`` of the teacher and the student; the
        ``T**2`` factor keeps the gradient scale independent of ``T``
        (Hinton et al. 2015).

    Attributes
    ----------
    old_coef_ : ndarray of shape (n_old_classes, n_features)
        Teacher weights: the model at the last task boundary.
    old_intercept_ : ndarray of shape (n_old_classes,)
        Teacher intercepts.
    old_class_indices_ : ndarray of shape (n_old_classes,)
        Positions of the teacher's classes in the current (grown) class list.
    n_tasks_ : int
        Number of calls to :meth:`consolidate`.
    n_classes_ : int
        Number of classes of the current model (grows with :meth:`grow`).
    n_features_in_ : int
        Number of features.

    See Also
    --------
    EWCPenalty : Elastic weight consolidation with the diagonal Fisher.

    Notes
    -----
    With :math:`q = \mathrm{softmax}(z^{old}/T)` and
    :math:`p = \mathrm{softmax}(z_{[old]}/T)`, the gradient of
    :math:`T^2\,\mathrm{KL}(q \| p)` with respect to :math:`z_{[old]}` is
    :math:`T (p - q)`; :meth:`gradient` returns it (times ``lambda_``,
    divided by the batch size) in ``grad_logits``, zero in the new classes'
    columns. The classifier back-propagates ``grad_logits`` through
    ``Z = X @ coef.T + intercept``.

    The teacher is the whole model at the last :meth:`consolidate` (the
    classes seen up to then); every new consolidation replaces it.

    References
    ----------
    .. [1] Z. Li and D. Hoiem, "Learning without forgetting", IEEE TPAMI
       40(12), 2018.
    .. [2] G. Hinton, O. Vinyals and J. Dean, "Distilling the knowledge in a
       neural network", 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.mitigation import DistillationPenalty
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(5, 4)
    >>> coef, intercept = rng.randn(2, 4), np.zeros(2)
    >>> lwf = DistillationPenalty().consolidate(coef, intercept, X, None)
    Traceback (most recent call last):
    ...
    ValueError: X and proba must be given together.
    >>> lwf = DistillationPenalty().consolidate(coef, intercept, None, None)
    >>> lwf = lwf.grow([1])  # a new class takes position 1
    >>> coef3 = np.vstack([coef[:1], rng.randn(1, 4), coef[1:]])
    >>> _, _, grad_logits = lwf.gradient(coef3, np.zeros(3), X, X @ coef3.T)
    >>> grad_logits.shape, lwf.old_class_indices_
    ((5, 3), array([0, 2]))
    """

    _parameter_constraints: dict = {
        "lambda_": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, lambda_=1.0, temperature=2.0):
        self.lambda_ = lambda_
        self.temperature = temperature

    def consolidate(self, coef, intercept, X=None, proba=None, sample_weight=None):
        """Make the current model the teacher of the old classes.

        Parameters
        ----------
        coef : ndarray of shape (n_classes, n_features)
            Current weights (copied).
        intercept : ndarray of shape (n_classes,)
            Current intercepts (copied).
        X : {ndarray, sparse matrix} of shape (n_samples, n_features) or None
            The task's data; validated, otherwise unused.
        proba : ndarray of shape (n_samples, n_classes) or None
            Predicted probabilities on ``X``; validated, otherwise unused.
        sample_weight : array-like of shape (n_samples,), default=None
            Validated, otherwise unused.

        Returns
        -------
        self : object
            The consolidated penalty.
        """
        coef, intercept, *_ = self._check_consolidate(
            coef, intercept, X, proba, sample_weight, need_data=False
        )
        self.old_coef_ = coef.copy()
        self.old_intercept_ = intercept.copy()
        self.old_class_indices_ = np.arange(coef.shape[0])
        self.n_classes_ = coef.shape[0]
        self.n_features_in_ = coef.shape[1]
        self.n_tasks_ = getattr(self, "n_tasks_", 0) + 1
        return self

    def grow(self, new_positions):
        """Shift the old classes' indices after new classes were inserted.

        Parameters
        ----------
        new_positions : array-like of int
            Sorted positions of the new classes in the grown class list.
            A no-op before the first :meth:`consolidate`.

        Returns
        -------
        self : object
            The updated penalty.
        """
        pos = self._check_grow(new_positions)
        if pos is None:
            return self
        n_new = self.n_classes_ + pos.size
        kept = np.delete(np.arange(n_new), pos)  # old position -> new position
        self.old_class_indices_ = kept[self.old_class_indices_]
        self.n_classes_ = n_new
        return self

    def _terms(self, X, logits):
        X = check_array(X, accept_sparse="csr", dtype=np.float64, input_name="X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but the teacher has "
                f"{self.n_features_in_}."
            )
        logits = np.asarray(logits, dtype=np.float64)
        if logits.shape != (X.shape[0], self.n_classes_):
            raise ValueError(
                f"logits must have shape ({X.shape[0]}, {self.n_classes_}), got "
                f"{logits.shape}; call grow(new_positions) when classes are added."
            )
        T = float(self.temperature)
        teacher = safe_sparse_dot(X, self.old_coef_.T) + self.old_intercept_
        log_q = log_softmax(np.asarray(teacher) / T, axis=1)
        log_p = log_softmax(logits[:, self.old_class_indices_] / T, axis=1)
        return log_q, log_p, T

    def gradient(self, coef, intercept, X, logits):
        """Gradient of the penalty with respect to the logits.

        Parameters
        ----------
        coef : ndarray of shape (n_classes, n_features) or None
            Current weights (shape-checked only).
        intercept : ndarray of shape (n_classes,) or None
            Current intercepts (shape-checked only).
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The mini-batch.
        logits : ndarray of shape (n_samples, n_classes)
            The current model's logits on ``X``.

        Returns
        -------
        grad_coef : None
            Distillation acts through the logits.
        grad_intercept : None
            Distillation acts through the logits.
        grad_logits : ndarray of shape (n_samples, n_classes) or None
            ``lambda_ * T * (p - q) / n_samples`` in the old classes'
            columns, 0 elsewhere; None before the first :meth:`consolidate`.
        """
        if not hasattr(self, "n_tasks_"):
            return None, None, None
        self._check_current(coef, intercept)
        log_q, log_p, T = self._terms(X, logits)
        n = log_q.shape[0]
        grad = np.zeros((n, self.n_classes_))
        if n:
            grad[:, self.old_class_indices_] = (
                float(self.lambda_) * T / n * (np.exp(log_p) - np.exp(log_q))
            )
        return None, None, grad

    def value(self, coef, intercept, X, logits):
        """Value of the penalty on the mini-batch.

        Parameters
        ----------
        coef : ndarray of shape (n_classes, n_features) or None
            Current weights (shape-checked only).
        intercept : ndarray of shape (n_classes,) or None
            Current intercepts (shape-checked only).
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The mini-batch.
        logits : ndarray of shape (n_samples, n_classes)
            The current model's logits on ``X``.

        Returns
        -------
        value : float
            ``lambda_ * T**2 * mean_i KL(q_i || p_i)``; 0 before the first
            :meth:`consolidate`.
        """
        if not hasattr(self, "n_tasks_"):
            return 0.0
        self._check_current(coef, intercept)
        log_q, log_p, T = self._terms(X, logits)
        if log_q.shape[0] == 0:
            return 0.0
        kl = np.sum(np.exp(log_q) * (log_q - log_p), axis=1)
        return float(self.lambda_) * T**2 * float(np.mean(kl))
