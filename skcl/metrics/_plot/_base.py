"""Helpers shared by the accuracy-matrix displays."""

from collections.abc import Mapping

import numpy as np

from .._continual import _check_accuracy_matrix


def _check_matplotlib_support(caller_name):
    """Raise an ImportError naming the ``plot`` extra when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib. Install it with "
            '`pip install "skcl[plot]"` (or `pip install matplotlib`).'
        ) from exc


def _get(result, key):
    if isinstance(result, Mapping):
        return result.get(key)
    return getattr(result, key, None)


def _matrix_from_result(result):
    """Return ``(accuracy_matrix, task_names or None)`` of an evaluation result."""
    A = _get(result, "accuracy_matrix")
    if A is None:
        raise TypeError(
            "result must have an `accuracy_matrix` attribute (or key), such as "
            f"the result of skcl.evaluation.evaluate_stream; got "
            f"{type(result).__name__}."
        )
    names = _get(result, "task_names")
    return A, (None if names is None else list(names))


def _validated(display):
    """Validated accuracy matrix and tick labels of a display."""
    A = _check_accuracy_matrix(display.accuracy_matrix)
    n_tasks = A.shape[0]
    if display.task_labels is None:
        labels = [str(i) for i in range(n_tasks)]
    else:
        labels = [str(label) for label in display.task_labels]
        if len(labels) != n_tasks:
            raise ValueError(
                f"task_labels has {len(labels)} entries but the accuracy matrix "
                f"has {n_tasks} tasks."
            )
    return A, labels


def _value_range(A):
    """(vmin, vmax): [0, 1] for accuracies, else the range of the finite values."""
    finite = A[np.isfinite(A)]
    lo, hi = float(finite.min()), float(finite.max())
    if lo >= 0.0 and hi <= 1.0:
        return 0.0, 1.0
    return lo, hi if hi > lo else lo + 1.0


class _AccuracyMatrixDisplayMixin:
    """Constructor and ``from_result``/``from_stream`` wiring of the displays.

    A subclass implements ``plot(**plot_kw)``; its public ``from_result`` and
    ``from_stream`` check for matplotlib, then call the helpers below.
    """

    def __init__(self, accuracy_matrix, *, task_labels=None):
        self.accuracy_matrix = accuracy_matrix
        self.task_labels = task_labels

    @classmethod
    def _plot_result(cls, result, task_labels, plot_kw, default_names=None):
        """Build the display of an evaluation result, keep it in ``result_``, plot."""
        A, names = _matrix_from_result(result)
        if task_labels is None:
            task_labels = default_names if names is None else names
        disp = cls(A, task_labels=task_labels)
        disp.result_ = result
        return disp.plot(**plot_kw)

    @classmethod
    def _plot_stream(cls, estimator, stream, task_labels, plot_kw, evaluate_kwargs):
        """Evaluate ``estimator`` on ``stream``, then plot the result."""
        from skcl.evaluation import evaluate_stream

        result = evaluate_stream(estimator, stream, **evaluate_kwargs)
        return cls._plot_result(
            result, task_labels, plot_kw, getattr(stream, "task_names", None)
        )
