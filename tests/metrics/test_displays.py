"""AccuracyMatrixDisplay and AccuracyCurveDisplay (issue 4)."""

import sys
import types

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skcl.metrics import AccuracyCurveDisplay, AccuracyMatrixDisplay  # noqa: E402

nan = np.nan
A = np.array([[0.9, nan, nan], [0.7, 0.8, nan], [0.5, 0.6, 0.9]])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class _Result:
    def __init__(self, accuracy_matrix, task_names=None):
        self.accuracy_matrix = accuracy_matrix
        if task_names is not None:
            self.task_names = task_names


# --------------------------------------------------------------------------
# AccuracyMatrixDisplay
# --------------------------------------------------------------------------
def test_matrix_display_plot_sets_attributes_and_texts():
    disp = AccuracyMatrixDisplay(A, task_labels=["a", "b", "c"])
    assert disp.plot() is disp
    assert disp.ax_.figure is disp.figure_
    np.testing.assert_allclose(disp.im_.get_array().filled(np.nan), A)
    assert disp.text_.shape == (3, 3)
    assert disp.text_[2, 0].get_text() == "0.50"
    assert disp.text_[0, 1] is None  # not measured: no text
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["a", "b", "c"]
    assert disp.ax_.get_ylabel() == "After training on task"
    assert disp.im_.norm.vmin == 0.0 and disp.im_.norm.vmax == 1.0
    assert len(disp.figure_.axes) == 2  # with colorbar


def test_matrix_display_options():
    fig, ax = plt.subplots()
    disp = AccuracyMatrixDisplay(A).plot(
        ax=ax, colorbar=False, values_format=".1%", cmap="magma",
        im_kw={"vmin": 0.5},
    )
    assert disp.ax_ is ax and disp.figure_ is fig
    assert len(fig.axes) == 1
    assert disp.text_[1, 1].get_text() == "80.0%"
    assert disp.im_.get_cmap().name == "magma"
    assert disp.im_.norm.vmin == 0.5
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1", "2"]
    disp = AccuracyMatrixDisplay(A).plot(include_values=False)
    assert disp.text_ is None


def test_matrix_display_text_color_contrasts_background():
    disp = AccuracyMatrixDisplay(np.array([[0.0, nan], [1.0, 0.1]])).plot()
    low, high = disp.text_[0, 0].get_color(), disp.text_[1, 0].get_color()
    assert low != high


def test_from_result_uses_task_names_and_mapping():
    disp = AccuracyMatrixDisplay.from_result(_Result(A, ["x", "y", "z"]))
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["x", "y", "z"]
    assert disp.result_.task_names == ["x", "y", "z"]
    disp = AccuracyMatrixDisplay.from_result({"accuracy_matrix": A})
    assert disp.text_[0, 0].get_text() == "0.90"
    disp = AccuracyMatrixDisplay.from_result(_Result(A, ["x", "y", "z"]),
                                             task_labels=["1", "2", "3"])
    assert disp.ax_.get_xticklabels()[0].get_text() == "1"


@pytest.mark.parametrize("Display", [AccuracyMatrixDisplay, AccuracyCurveDisplay])
def test_from_result_rejects_object_without_matrix(Display):
    with pytest.raises(TypeError, match="accuracy_matrix"):
        Display.from_result(object())


@pytest.mark.parametrize("Display", [AccuracyMatrixDisplay, AccuracyCurveDisplay])
def test_plot_validates_matrix_and_labels(Display):
    with pytest.raises(ValueError, match="square"):
        Display(np.ones((2, 3))).plot()
    with pytest.raises(ValueError, match="NaN"):
        Display(np.array([[nan, nan], [0.5, 0.5]])).plot()
    with pytest.raises(ValueError, match="task_labels has 2 entries"):
        Display(A, task_labels=["a", "b"]).plot()


# --------------------------------------------------------------------------
# AccuracyCurveDisplay
# --------------------------------------------------------------------------
def test_curve_display_lines_follow_columns():
    disp = AccuracyCurveDisplay(A, task_labels=["a", "b", "c"]).plot()
    assert len(disp.lines_) == 3
    np.testing.assert_allclose(disp.lines_[0].get_ydata(), [0.9, 0.7, 0.5])
    np.testing.assert_allclose(disp.lines_[0].get_xdata(), [0, 1, 2])
    np.testing.assert_allclose(disp.lines_[1].get_xdata(), [1, 2])
    np.testing.assert_allclose(disp.lines_[2].get_ydata(), [0.9])
    np.testing.assert_allclose(
        disp.average_line_.get_ydata(), [0.9, 0.75, 2.0 / 3]
    )
    assert disp.lines_[0].get_label() == "task a"
    assert disp.ax_.get_legend() is not None


def test_curve_display_options():
    fig, ax = plt.subplots()
    disp = AccuracyCurveDisplay(A).plot(
        ax=ax, show_average=False, legend=False, line_kw={"linewidth": 4}
    )
    assert disp.ax_ is ax and disp.average_line_ is None
    assert ax.get_legend() is None
    assert disp.lines_[0].get_linewidth() == 4


def test_curve_from_result():
    disp = AccuracyCurveDisplay.from_result(_Result(A, ["x", "y", "z"]))
    assert disp.lines_[2].get_label() == "task z"


# --------------------------------------------------------------------------
# from_stream
# --------------------------------------------------------------------------
@pytest.fixture
def fake_evaluation(monkeypatch):
    """Replace skcl.evaluation by a recorder, to test the wiring only."""
    calls = []

    def evaluate_stream(estimator, stream, **kwargs):
        calls.append((estimator, stream, kwargs))
        return _Result(A, ["t0", "t1", "t2"])

    module = types.ModuleType("skcl.evaluation")
    module.evaluate_stream = evaluate_stream
    monkeypatch.setitem(sys.modules, "skcl.evaluation", module)
    return calls


@pytest.mark.parametrize("Display", [AccuracyMatrixDisplay, AccuracyCurveDisplay])
def test_from_stream_passes_evaluate_kwargs(Display, fake_evaluation):
    est, stream = object(), object()
    disp = Display.from_stream(est, stream, n_epochs=3, batch_size=16)
    (called_est, called_stream, kwargs), = fake_evaluation
    assert called_est is est and called_stream is stream
    assert kwargs == {"n_epochs": 3, "batch_size": 16}
    assert disp.task_labels == ["t0", "t1", "t2"]
    np.testing.assert_array_equal(disp.accuracy_matrix, A)
    assert disp.result_.task_names == ["t0", "t1", "t2"]


@pytest.mark.parametrize("Display", [AccuracyMatrixDisplay, AccuracyCurveDisplay])
def test_from_stream_labels_fall_back_to_stream_names(Display, monkeypatch):
    module = types.ModuleType("skcl.evaluation")
    module.evaluate_stream = lambda estimator, stream, **kwargs: _Result(A)
    monkeypatch.setitem(sys.modules, "skcl.evaluation", module)
    stream = types.SimpleNamespace(task_names=["s0", "s1", "s2"])
    assert Display.from_stream(object(), stream).task_labels == ["s0", "s1", "s2"]
    disp = Display.from_stream(object(), stream, task_labels=["a", "b", "c"])
    assert disp.task_labels == ["a", "b", "c"]


@pytest.mark.parametrize("Display", [AccuracyMatrixDisplay, AccuracyCurveDisplay])
def test_from_stream_real_evaluation(Display, digits):
    from sklearn.linear_model import SGDClassifier

    from skcl.scenarios import class_incremental_stream

    X, y = digits
    stream = class_incremental_stream(X, y, n_tasks=3, random_state=0)
    disp = Display.from_stream(
        SGDClassifier(loss="log_loss", random_state=0), stream,
    )
    assert disp.accuracy_matrix.shape == (3, 3)
    assert disp.task_labels == stream.task_names
    assert hasattr(disp.result_, "accuracy_matrix")


@pytest.mark.parametrize("Display", [AccuracyMatrixDisplay, AccuracyCurveDisplay])
def test_missing_matplotlib_names_the_extra(Display, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "skcl\[plot\]"'):
        Display(A).plot()
    with pytest.raises(ImportError, match="from_stream requires matplotlib"):
        Display.from_stream(object(), object())
