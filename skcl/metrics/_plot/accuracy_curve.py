"""Accuracy of every task along training (scikit-learn Display pattern)."""

import numpy as np

from ._base import (
    _AccuracyMatrixDisplayMixin,
    _check_matplotlib_support,
    _validated,
    _value_range,
)


class AccuracyCurveDisplay(_AccuracyMatrixDisplayMixin):
    """Accuracy on every seen task, and their average, after each task.

    One line per task ``j`` starts at the step where the task is learned
    (``A[j, j]``) and follows ``A[i, j]`` for the later steps ``i``; a line
    going down is forgetting. A thick dashed line shows the average accuracy
    over the tasks seen so far, ``mean(A[i, :i + 1])``.

    Parameters
    ----------
    accuracy_matrix : array-like of shape (n_tasks, n_tasks)
        ``A[i, j]``: accuracy on task ``j`` after training on task ``i``;
        measured on and below the diagonal.

    task_labels : list of str, default=None
        Name of every task (legend and ticks); ``None`` uses
        ``0 .. n_tasks - 1``.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per task.

    average_line_ : matplotlib Line2D or None
        The average over the seen tasks (``None`` if not drawn).

    ax_ : matplotlib Axes
        Axes with the curves.

    figure_ : matplotlib Figure
        Figure holding the axes.

    result_ : object
        The evaluation result, set by :meth:`from_result` and
        :meth:`from_stream`.

    See Also
    --------
    AccuracyMatrixDisplay : The same matrix as a heatmap.
    average_incremental_accuracy : Mean of the average line.

    Examples
    --------
    >>> import matplotlib
    >>> import numpy as np
    >>> from skcl.metrics import AccuracyCurveDisplay
    >>> A = np.array([[0.95, np.nan], [0.40, 0.97]])
    >>> disp = AccuracyCurveDisplay(A).plot()
    >>> disp.average_line_.get_ydata()
    array([0.95 , 0.685])
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def plot(self, *, ax=None, show_average=True, legend=True, line_kw=None,
             average_kw=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure and axes.

        show_average : bool, default=True
            Whether to draw the average over the seen tasks.

        legend : bool, default=True
            Whether to add a legend.

        line_kw : dict, default=None
            Keywords passed to ``ax.plot`` for every task line.

        average_kw : dict, default=None
            Keywords passed to ``ax.plot`` for the average line.

        Returns
        -------
        display : AccuracyCurveDisplay
            ``self``, with ``lines_``, ``average_line_``, ``ax_`` and
            ``figure_`` set.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        A, labels = _validated(self)
        n_tasks = A.shape[0]
        if ax is None:
            fig, ax = plt.subplots(layout="constrained")
        else:
            fig = ax.figure
        steps = np.arange(n_tasks)
        self.lines_ = []
        for j in range(n_tasks):
            kw = {"marker": "o", "label": f"task {labels[j]}"}
            kw.update(line_kw or {})
            (line,) = ax.plot(steps[j:], A[j:, j], **kw)
            self.lines_.append(line)
        self.average_line_ = None
        if show_average:
            seen = np.tril(np.ones((n_tasks, n_tasks), dtype=bool))
            average = np.where(seen, A, 0.0).sum(axis=1) / (steps + 1)
            kw = {
                "color": "black",
                "linestyle": "--",
                "linewidth": 2.5,
                "marker": "s",
                "label": "average (seen tasks)",
            }
            kw.update(average_kw or {})
            (self.average_line_,) = ax.plot(steps, average, **kw)
        vmin, vmax = _value_range(A)
        if (vmin, vmax) == (0.0, 1.0):
            ax.set_ylim(-0.02, 1.02)
        ax.set(
            xticks=steps,
            xticklabels=labels,
            xlabel="After training on task",
            ylabel="Accuracy",
        )
        if legend:
            ax.legend(loc="best", fontsize="small")
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_result(cls, result, *, task_labels=None, ax=None, show_average=True,
                    legend=True, line_kw=None, average_kw=None):
        """Plot the accuracy curves of an evaluation result.

        Parameters
        ----------
        result : object or mapping
            Has an ``accuracy_matrix`` attribute or key (and optionally
            ``task_names``), e.g. what
            :func:`skcl.evaluation.evaluate_stream` returns.

        task_labels : list of str, default=None
            Task names; ``None`` uses ``result.task_names`` when present.

        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure and axes.

        show_average : bool, default=True
            Whether to draw the average over the seen tasks.

        legend : bool, default=True
            Whether to add a legend.

        line_kw : dict, default=None
            Keywords passed to ``ax.plot`` for every task line.

        average_kw : dict, default=None
            Keywords passed to ``ax.plot`` for the average line.

        Returns
        -------
        display : AccuracyCurveDisplay
            The display, drawn, with ``result_`` set.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_result")
        plot_kw = dict(ax=ax, show_average=show_average, legend=legend,
                       line_kw=line_kw, average_kw=average_kw)
        return cls._plot_result(result, task_labels, plot_kw)

    @classmethod
    def from_stream(cls, estimator, stream, *, task_labels=None, ax=None,
                    show_average=True, legend=True, line_kw=None,
                    average_kw=None, **evaluate_kwargs):
        """Evaluate an estimator on a stream, then plot its accuracy curves.

        Parameters
        ----------
        estimator : estimator
            Passed to :func:`skcl.evaluation.evaluate_stream`.

        stream : TaskStream
            The tasks.

        task_labels : list of str, default=None
            Task names; ``None`` uses the stream's.

        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure and axes.

        show_average : bool, default=True
            Whether to draw the average over the seen tasks.

        legend : bool, default=True
            Whether to add a legend.

        line_kw : dict, default=None
            Keywords passed to ``ax.plot`` for every task line.

        average_kw : dict, default=None
            Keywords passed to ``ax.plot`` for the average line.

        **evaluate_kwargs : dict
            Passed to :func:`skcl.evaluation.evaluate_stream`.

        Returns
        -------
        display : AccuracyCurveDisplay
            The display, drawn; the evaluation result is in ``result_``.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_stream")
        plot_kw = dict(ax=ax, show_average=show_average, legend=legend,
                       line_kw=line_kw, average_kw=average_kw)
        return cls._plot_stream(
            estimator, stream, task_labels, plot_kw, evaluate_kwargs
        )
