"""Continual-learning metrics: pure functions of the accuracy matrix.

``A[i, j]`` is the accuracy on the test split of task ``j`` after training on
tasks ``0..i``. The lower triangle (diagonal included) must be measured; the
upper triangle (tasks not trained yet) may be NaN, and only
:func:`forward_transfer` reads it (its first superdiagonal).
"""

from numbers import Integral, Real

import numpy as np
from scipy.signal import lfilter

from ..utils._sklearn_compat import Interval, validate_params

__all__ = [
    "average_accuracy",
    "average_forgetting",
    "average_incremental_accuracy",
    "backward_transfer",
    "forward_transfer",
    "prequential_accuracy",
]


def _check_accuracy_matrix(accuracy_matrix):
    """Return A as a square float array with a finite lower triangle."""
    try:
        A = np.asarray(accuracy_matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The accuracy matrix must be a 2-D array of numbers: {exc}"
        ) from exc
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(
            "The accuracy matrix must be square, A[i, j] = accuracy on task j "
            f"after training on task i; got shape {A.shape}."
        )
    lower = np.tril(np.ones(A.shape, dtype=bool))
    bad = lower & ~np.isfinite(A)
    if bad.any():
        cells = [tuple(int(v) for v in c) for c in np.argwhere(bad)[:5]]
        raise ValueError(
            "The accuracy matrix must be measured on and below the diagonal "
            f"(A[i, j] for j <= i); it has NaN/inf at {cells}"
            f"{' ...' if bad.sum() > 5 else ''}."
        )
    return A


_A_CONSTRAINT = {"accuracy_matrix": ["array-like"]}


@validate_params(_A_CONSTRAINT, prefer_skip_nested_validation=True)
def average_accuracy(accuracy_matrix):
    """Average accuracy over all tasks after training on the last one.

    :math:`ACC = \\frac{1}{T} \\sum_{j=0}^{T-1} A_{T-1, j}` (Lopez-Paz and
    Ranzato, 2017). **Higher is better**; in ``[0, 1]`` for accuracies.

    Parameters
    ----------
    accuracy_matrix : array-like of shape (n_tasks, n_tasks)
        ``A[i, j]``: accuracy on task ``j`` after training on task ``i``.
        Measured on and below the diagonal; the upper triangle may be NaN.

    Returns
    -------
    score : float
        Mean of the last row.

    See Also
    --------
    average_incremental_accuracy : Average over all training steps.

    References
    ----------
    .. [1] D. Lopez-Paz and M. Ranzato, "Gradient Episodic Memory for
       Continual Learning", NeurIPS 2017.

    Examples
    --------
    >>> from skcl.metrics import average_accuracy
    >>> A = [[0.9, float("nan")], [0.6, 0.8]]
    >>> round(average_accuracy(A), 3)
    0.7
    """
    A = _check_accuracy_matrix(accuracy_matrix)
    return float(A[-1].mean())


@validate_params(_A_CONSTRAINT, prefer_skip_nested_validation=True)
def average_incremental_accuracy(accuracy_matrix):
    """Average, over training steps, of the mean accuracy on the tasks seen.

    :math:`\\frac{1}{T} \\sum_{i=0}^{T-1} \\frac{1}{i+1} \\sum_{j=0}^{i}
    A_{i, j}` (Rebuffi et al., 2017, iCaRL). It rewards a model that is good
    all along, not only at the end. **Higher is better**.

    Parameters
    ----------
    accuracy_matrix : array-like of shape (n_tasks, n_tasks)
        ``A[i, j]``: accuracy on task ``j`` after training on task ``i``.

    Returns
    -------
    score : float
        The average incremental accuracy.

    See Also
    --------
    average_accuracy : The final average accuracy (the last step only).

    References
    ----------
    .. [1] S.-A. Rebuffi, A. Kolesnikov, G. Sperl and C. H. Lampert, "iCaRL:
       Incremental Classifier and Representation Learning", CVPR 2017.

    Examples
    --------
    >>> from skcl.metrics import average_incremental_accuracy
    >>> A = [[0.9, float("nan")], [0.6, 0.8]]
    >>> round(average_incremental_accuracy(A), 3)
    0.8
    """
    A = _check_accuracy_matrix(accuracy_matrix)
    T = A.shape[0]
    lower = np.where(np.tril(np.ones((T, T), dtype=bool)), A, 0.0)
    step_means = lower.sum(axis=1) / np.arange(1, T + 1)
    return float(step_means.mean())


@validate_params(_A_CONSTRAINT, prefer_skip_nested_validation=True)
def average_forgetting(accuracy_matrix):
    """Average forgetting: how much the best accuracy on old tasks was lost.

    For every task ``j`` but the last, the forgetting is the best accuracy
    ever reached on it before the last training step minus the final
    accuracy, :math:`f_j = \\max_{j \\le l < T-1} A_{l, j} - A_{T-1, j}`,
    and the score is their mean (Chaudhry et al., 2018). **Lower is better**:
    0 means no forgetting; it is negative only if every old task ended above
    its best earlier accuracy.

    Parameters
    ----------
    accuracy_matrix : array-like of shape (n_tasks, n_tasks)
        ``A[i, j]``: accuracy on task ``j`` after training on task ``i``.

    Returns
    -------
    forgetting : float
        Mean forgetting over the first ``n_tasks - 1`` tasks; 0.0 for a
        single task.

    See Also
    --------
    backward_transfer : Final minus just-learned accuracy (signed).

    Notes
    -----
    The maximum runs over the steps at and after learning task ``j`` (the
    upper triangle, before the task was learned, is ignored).

    References
    ----------
    .. [1] A. Chaudhry, P. K. Dokania, T. Ajanthan and P. H. S. Torr,
       "Riemannian Walk for Incremental Learning: Understanding Forgetting and
       Intransigence", ECCV 2018.

    Examples
    --------
    >>> from skcl.metrics import average_forgetting
    >>> A = [[0.9, float("nan"), float("nan")],
    ...      [0.7, 0.8, float("nan")],
    ...      [0.5, 0.6, 0.9]]
    >>> round(average_forgetting(A), 3)  # ((0.9 - 0.5) + (0.8 - 0.6)) / 2
    0.3
    """
    A = _check_accuracy_matrix(accuracy_matrix)
    T = A.shape[0]
    if T == 1:
        return 0.0
    seen = np.tril(np.ones((T - 1, T - 1), dtype=bool))
    best = np.where(seen, A[: T - 1, : T - 1], -np.inf).max(axis=0)
    return float(np.mean(best - A[T - 1, : T - 1]))


@validate_params(_A_CONSTRAINT, prefer_skip_nested_validation=True)
def backward_transfer(accuracy_matrix):
    """Backward transfer: the effect of later tasks on earlier ones.

    :math:`BWT = \\frac{1}{T-1} \\sum_{j=0}^{T-2} A_{T-1, j} - A_{j, j}`
    (Lopez-Paz and Ranzato, 2017). **Higher is better**: negative values
    mean forgetting, positive values mean later training helped old tasks.

    Parameters
    ----------
    accuracy_matrix : array-like of shape (n_tasks, n_tasks)
        ``A[i, j]``: accuracy on task ``j`` after training on task ``i``.

    Returns
    -------
    bwt : float
        The backward transfer; 0.0 for a single task.

    See Also
    --------
    average_forgetting : Loss from the best accuracy (Chaudhry et al.).
    forward_transfer : The effect of earlier tasks on later ones.

    References
    ----------
    .. [1] D. Lopez-Paz and M. Ranzato, "Gradient Episodic Memory for
       Continual Learning", NeurIPS 2017.

    Examples
    --------
    >>> from skcl.metrics import backward_transfer
    >>> A = [[0.9, float("nan"), float("nan")],
    ...      [0.7, 0.8, float("nan")],
    ...      [0.5, 0.6, 0.9]]
    >>> round(backward_transfer(A), 3)  # ((0.5 - 0.9) + (0.6 - 0.8)) / 2
    -0.3
    """
    A = _check_accuracy_matrix(accuracy_matrix)
    T = A.shape[0]
    if T == 1:
        return 0.0
    return float(np.mean(A[T - 1, : T - 1] - np.diag(A)[: T - 1]))


@validate_params(
    {"accuracy_matrix": ["array-like"], "baseline": ["array-like", Real]},
    prefer_skip_nested_validation=True,
)
def forward_transfer(accuracy_matrix, baseline):
    """Forward transfer: accuracy on a task before training on it, vs a baseline.

    :math:`FWT = \\frac{1}{T-1} \\sum_{j=1}^{T-1} A_{j-1, j} - b_j`
    (Lopez-Paz and Ranzato, 2017), where :math:`b_j` is the accuracy of a
    reference model on task ``j`` (in the paper, the model at random
    initialisation; chance level is a common stand-in). **Higher is better**:
    positive values mean what was learned so far helps on unseen tasks.

    Parameters
    ----------
    accuracy_matrix : array-like of shape (n_tasks, n_tasks)
        ``A[i, j]``: accuracy on task ``j`` after training on task ``i``.
        Needs the first superdiagonal ``A[j - 1, j]``: score the tasks not
        trained yet, e.g. ``evaluate_stream(..., evaluate_future=True)``.

    baseline : float or array-like of shape (n_tasks,)
        Baseline accuracy of each task (``baseline[0]`` is not used), or one
        value for all tasks.

    Returns
    -------
    fwt : float
        The forward transfer; 0.0 for a single task.

    See Also
    --------
    backward_transfer : The effect of later tasks on earlier ones.

    References
    ----------
    .. [1] D. Lopez-Paz and M. Ranzato, "Gradient Episodic Memory for
       Continual Learning", NeurIPS 2017.

    Examples
    --------
    >>> from skcl.metrics import forward_transfer
    >>> A = [[0.9, 0.6, 0.5],
    ...      [0.7, 0.8, 0.4],
    ...      [0.5, 0.6, 0.9]]
    >>> round(forward_transfer(A, baseline=0.5), 3)  # ((0.6-0.5) + (0.4-0.5)) / 2
    0.0
    """
    A = _check_accuracy_matrix(accuracy_matrix)
    T = A.shape[0]
    b = np.asarray(baseline, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(T, float(b))
    if b.shape != (T,):
        raise ValueError(
            f"baseline must be a number or have one value per task ({T}), got "
            f"shape {b.shape}."
        )
    if T == 1:
        return 0.0
    before = np.diagonal(A, offset=1)  # A[j - 1, j], j = 1..T-1
    if not np.all(np.isfinite(before)):
        missing = [(j - 1, j) for j in range(1, T) if not np.isfinite(A[j - 1, j])]
        raise ValueError(
            "forward_transfer needs the accuracy on each task just before it is "
            f"trained, A[j - 1, j]; it is NaN/inf at {missing}. Score future "
            "tasks during the evaluation."
        )
    if not np.all(np.isfinite(b[1:])):
        raise ValueError("baseline must be finite for tasks 1..n_tasks-1.")
    return float(np.mean(before - b[1:]))


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "window": [Interval(Integral, 1, None, closed="left"), None],
        "fading": [Interval(Real, 0, 1, closed="right"), None],
    },
    prefer_skip_nested_validation=True,
)
def prequential_accuracy(y_true, y_pred, *, window=None, fading=None):
    """Prequential (test-then-train) accuracy of a stream without tasks.

    Each prediction ``y_pred[t]`` must be made *before* the model is trained
    on sample ``t``; this function only scores them. Without options it
    returns the overall accuracy. With ``window`` or ``fading`` it returns the
    accuracy curve along the stream, which follows concept drift.

    **Higher is better**; values in ``[0, 1]``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels, in stream order.

    y_pred : array-like of shape (n_samples,)
        Labels predicted before training on each sample.

    window : int, default=None
        Size (``>= 1``) of a sliding window: element ``t`` of the result is
        the accuracy over samples ``max(0, t - window + 1)..t``.

    fading : float, default=None
        Fading factor :math:`\\alpha \\in (0, 1]`: element ``t`` is
        :math:`\\sum_k \\alpha^{t-k} c_k / \\sum_k \\alpha^{t-k}` with
        :math:`c_k` = 1 if sample ``k`` is correct (Gama et al., 2013);
        ``fading=1`` gives the running accuracy. Not with ``window``.

    Returns
    -------
    accuracy : float or ndarray of shape (n_samples,)
        The overall accuracy, or the accuracy after each sample.

    See Also
    --------
    average_accuracy : Accuracy for streams cut into tasks.

    References
    ----------
    .. [1] J. Gama, R. Sebastiao and P. P. Rodrigues, "On evaluating stream
       learning algorithms", Machine Learning 90(3), 2013.

    Examples
    --------
    >>> from skcl.metrics import prequential_accuracy
    >>> y_true = [0, 1, 1, 0, 1]
    >>> y_pred = [1, 1, 1, 0, 0]
    >>> prequential_accuracy(y_true, y_pred)
    0.6
    >>> prequential_accuracy(y_true, y_pred, window=2)
    array([0. , 0.5, 1. , 1. , 0.5])
    """
    if window is not None and fading is not None:
        raise ValueError("Give window or fading, not both.")
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D, got shapes {y_true.shape} and "
            f"{y_pred.shape}."
        )
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has {y_true.shape[0]} samples but y_pred has "
            f"{y_pred.shape[0]}."
        )
    if y_true.size == 0:
        raise ValueError("y_true is empty; prequential accuracy needs samples.")
    correct = (y_true == y_pred).astype(np.float64)
    if window is None and fading is None:
        return float(correct.mean())
    if window is not None:
        csum = np.concatenate([[0.0], np.cumsum(correct)])
        t = np.arange(1, correct.size + 1)
        start = np.maximum(t - window, 0)
        return (csum[t] - csum[start]) / (t - start)
    hits = lfilter([1.0], [1.0, -fading], correct)
    weights = lfilter([1.0], [1.0, -fading], np.ones_like(correct))
    return hits / weights
