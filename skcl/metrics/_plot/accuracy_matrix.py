"""Heatmap of the accuracy matrix (scikit-learn Display pattern)."""

import numpy as np

from ._base import (
    _AccuracyMatrixDisplayMixin,
    _check_matplotlib_support,
    _validated,
    _value_range,
)


class AccuracyMatrixDisplay(_AccuracyMatrixDisplayMixin):
    """Accuracy-matrix heatmap: accuracy on every task after every task.

    Row ``i`` is the model after training on task ``i``; column ``j`` is the
    test split of task ``j``. Forgetting shows as colours fading down a
    column below the diagonal. Cells not measured (NaN, usually above the
    diagonal) stay blank.

    Use :meth:`from_result` or :meth:`from_stream` to create one; all
    parameters are stored as attributes.

    Parameters
    ----------
    accuracy_matrix : array-like of shape (n_tasks, n_tasks)
        ``A[i, j]``: accuracy on task ``j`` after training on task ``i``;
        measured on and below the diagonal.

    task_labels : list of str, default=None
        Tick label of every task; ``None`` uses ``0 .. n_tasks - 1``.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        The heatmap.

    text_ : ndarray of shape (n_tasks, n_tasks), dtype=object, or None
        The matplotlib Text of every measured cell (``None`` elsewhere);
        ``None`` when values are not drawn.

    ax_ : matplotlib Axes
        Axes with the heatmap.

    figure_ : matplotlib Figure
        Figure holding the axes.

    result_ : object
        The evaluation result, set by :meth:`from_result` and
        :meth:`from_stream`.

    See Also
    --------
    AccuracyCurveDisplay : Accuracy of every task along training.
    average_forgetting : Forgetting computed from the same matrix.

    Examples
    --------
    >>> import matplotlib
    >>> import numpy as np
    >>> from skcl.metrics import AccuracyMatrixDisplay
    >>> A = np.array([[0.95, np.nan], [0.40, 0.97]])
    >>> disp = AccuracyMatrixDisplay(A, task_labels=["0/1", "2/3"]).plot()
    >>> disp.text_[1, 0].get_text()
    '0.40'
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def plot(
        self,
        *,
        ax=None,
        cmap="viridis",
        values_format=".2f",
        colorbar=True,
        include_values=True,
        im_kw=None,
        text_kw=None,
    ):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure (with constrained
            layout) and axes.

        cmap : str or matplotlib Colormap, default="viridis"
            Colormap.

        values_format : str, default=".2f"
            Format of the values written in the cells.

        colorbar : bool, default=True
            Whether to add a colorbar.

        include_values : bool, default=True
            Whether to write the values in the cells.

        im_kw : dict, default=None
            Keywords passed to ``ax.imshow`` (e.g. ``vmin``, ``vmax``; the
            colour range is ``[0, 1]`` when all values lie in it).

        text_kw : dict, default=None
            Keywords passed to ``ax.text``.

        Returns
        -------
        display : AccuracyMatrixDisplay
            ``self``, with ``im_``, ``text_``, ``ax_`` and ``figure_`` set.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        A, labels = _validated(self)
        n_tasks = A.shape[0]
        if ax is None:
            fig, ax = plt.subplots(layout="constrained")
        else:
            fig = ax.figure

        vmin, vmax = _value_range(A)
        kw = {
            "interpolation": "nearest",
            "cmap": cmap,
            "vmin": vmin,
            "vmax": vmax,
            "aspect": "auto",  # cells fill the axes, so long labels fit
        }
        kw.update(im_kw or {})
        shown = np.ma.masked_invalid(A)
        self.im_ = ax.imshow(shown, **kw)
        self.text_ = None
        if include_values:
            cmap_min, cmap_max = self.im_.cmap(0.0), self.im_.cmap(1.0)
            norm = self.im_.norm
            self.text_ = np.empty(A.shape, dtype=object)
            for i, j in np.argwhere(np.isfinite(A)):
                color = cmap_max if norm(A[i, j]) < 0.5 else cmap_min
                tkw = {"ha": "center", "va": "center", "color": color}
                tkw.update(text_kw or {})
                self.text_[i, j] = ax.text(
                    j, i, format(A[i, j], values_format), **tkw
                )
        if colorbar:
            fig.colorbar(self.im_, ax=ax, label="accuracy")
        ticks = np.arange(n_tasks)
        ax.set(
            xticks=ticks,
            yticks=ticks,
            xticklabels=labels,
            yticklabels=labels,
            xlabel="Evaluated on task",
            ylabel="After training on task",
        )
        ax.set_ylim((n_tasks - 0.5, -0.5))
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_result(
        cls,
        result,
        *,
        task_labels=None,
        ax=None,
        cmap="viridis",
        values_format=".2f",
        colorbar=True,
        include_values=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot the accuracy matrix of an evaluation result.

        Parameters
        ----------
        result : object or mapping
            Has an ``accuracy_matrix`` attribute or key (and optionally
            ``task_names``), e.g. what
            :func:`skcl.evaluation.evaluate_stream` returns.

        task_labels : list of str, default=None
            Tick labels; ``None`` uses ``result.task_names`` when present.

        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure and axes.

        cmap : str or matplotlib Colormap, default="viridis"
            Colormap.

        values_format : str, default=".2f"
            Format of the values written in the cells.

        colorbar : bool, default=True
            Whether to add a colorbar.

        include_values : bool, default=True
            Whether to write the values in the cells.

        im_kw : dict, default=None
            Keywords passed to ``ax.imshow``.

        text_kw : dict, default=None
            Keywords passed to ``ax.text``.

        Returns
        -------
        display : AccuracyMatrixDisplay
            The display, drawn, with ``result_`` set.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_result")
        plot_kw = dict(
            ax=ax, cmap=cmap, values_format=values_format, colorbar=colorbar,
            include_values=include_values, im_kw=im_kw, text_kw=text_kw,
        )
        return cls._plot_result(result, task_labels, plot_kw)

    @classmethod
    def from_stream(
        cls,
        estimator,
        stream,
        *,
        task_labels=None,
        ax=None,
        cmap="viridis",
        values_format=".2f",
        colorbar=True,
        include_values=True,
        im_kw=None,
        text_kw=None,
        **evaluate_kwargs,
    ):
        """Evaluate an estimator on a stream, then plot its accuracy matrix.

        Parameters
        ----------
        estimator : estimator
            Passed to :func:`skcl.evaluation.evaluate_stream`.

        stream : TaskStream
            The tasks.

        task_labels : list of str, default=None
            Tick labels; ``None`` uses the task names.

        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure and axes.

        cmap : str or matplotlib Colormap, default="viridis"
            Colormap.

        values_format : str, default=".2f"
            Format of the values written in the cells.

        colorbar : bool, default=True
            Whether to add a colorbar.

        include_values : bool, default=True
            Whether to write the values in the cells.

        im_kw : dict, default=None
            Keywords passed to ``ax.imshow``.

        text_kw : dict, default=None
            Keywords passed to ``ax.text``.

        **evaluate_kwargs : dict
            Passed to :func:`skcl.evaluation.evaluate_stream` (e.g.
            ``n_epochs``, ``batch_size``).

        Returns
        -------
        display : AccuracyMatrixDisplay
            The display, drawn; the evaluation result is in ``result_``.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_stream")
        plot_kw = dict(
            ax=ax, cmap=cmap, values_format=values_format, colorbar=colorbar,
            include_values=include_values, im_kw=im_kw, text_kw=text_kw,
        )
        return cls._plot_stream(
            estimator, stream, task_labels, plot_kw, evaluate_kwargs
        )
