"""Evaluate an incremental estimator on a stream of tasks.

:func:`evaluate_stream` is the ``cross_validate`` of continual learning: it
clones the estimator, trains it task after task with ``partial_fit`` (calling
``end_task`` at each task boundary when the estimator has it), scores it on
the test split of every task seen so far after each task, and returns a
:class:`StreamResult` holding the accuracy matrix, the continual metrics, the
timings and the fitted estimator. With ``checkpoint_dir`` it saves its
progress after each task and resumes from the last finished task after a
crash.
"""

import inspect
import os
import time
from dataclasses import dataclass, field
from numbers import Integral

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state

from .utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _num_samples,
    _safe_indexing,
    validate_params,
)

__all__ = ["StreamResult", "evaluate_stream"]

CHECKPOINT_NAME = "evaluate_stream.ckpt.joblib"


# --------------------------------------------------------------------------
# helpers shared with skcl.model_selection
# --------------------------------------------------------------------------
def _final_estimator(estimator):
    """The last step of a pipeline (recursively), else the estimator."""
    while hasattr(estimator, "steps") and estimator.steps:
        last = estimator.steps[-1][1]
        if last is None or last == "passthrough":
            break
        estimator = last
    return estimator


def _needs_classes(estimator):
    """Whether ``partial_fit`` must be told all classes on its first call.

    skcl's estimators add a class whenever they meet a new label, so they are
    never told the classes in advance (that would leak the future classes of
    a class-incremental stream). scikit-learn's incremental classifiers
    (``SGDClassifier``, ``MultinomialNB``, ``Perceptron``, ...) require
    ``classes=`` on their first call; so does any third-party estimator whose
    ``partial_fit`` has a ``classes`` parameter.
    """
    final = _final_estimator(estimator)
    if getattr(final, "_skcl_grows_classes", False):  # inherited by subclasses
        return False
    method = getattr(final, "partial_fit", None)
    if method is None:
        return False
    try:
        return "classes" in inspect.signature(method).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def _resolve_classes(estimator, classes, all_classes):
    """Classes to pass to the first ``partial_fit`` call, or None."""
    if classes is None:
        return None
    if isinstance(classes, str):  # "auto" (validated by the caller)
        return np.asarray(all_classes) if _needs_classes(estimator) else None
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(f"classes must be 1-D, got shape {classes.shape}.")
    missing = np.setdiff1d(all_classes, classes)
    if missing.size:
        raise ValueError(
            f"classes is missing labels present in the data: {missing.tolist()}."
        )
    return classes


def _partial_fit_task(
    estimator,
    X,
    y,
    *,
    n_epochs=1,
    batch_size=None,
    shuffle=True,
    rng=None,
    first_classes=None,
):
    """Stream one task to ``estimator.partial_fit`` (``n_epochs`` passes).

    Each epoch visits the rows in a fresh random order (``shuffle=True``,
    drawn from ``rng``) in chunks of ``batch_size`` rows (the whole task when
    None). ``first_classes`` (if not None) is passed as ``classes=`` to the
    very first call only. Returns the number of ``partial_fit`` calls.
    """
    n = _num_samples(X)
    y = np.asarray(y)
    step = n if batch_size is None else int(batch_size)
    n_calls = 0
    for _ in range(n_epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, step):
            idx = order[start : start + step]
            if start == 0 and step >= n and not shuffle:
                Xb, yb = X, y
            else:
                Xb, yb = _safe_indexing(X, idx), y[idx]
            if first_classes is not None and n_calls == 0:
                estimator.partial_fit(Xb, yb, classes=first_classes)
            else:
                estimator.partial_fit(Xb, yb)
            n_calls += 1
    return n_calls


def _end_task(estimator, X, y):
    """Call the task-boundary hook ``end_task(X, y)`` when present."""
    hook = getattr(estimator, "end_task", None)
    if callable(hook):
        hook(X, y)


# --------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------
def _nan_to_none(value):
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(repr=False)
class StreamResult:
    """What :func:`evaluate_stream` measured.

    Parameters
    ----------
    accuracy_matrix : ndarray of shape (n_tasks, n_tasks)
        ``A[i, j]`` is the score on the test split of task ``j`` after
        training on tasks ``0..i``; NaN where it was not measured (above the
        diagonal unless ``evaluate_future=True``).
    task_names : list of str
        Name of each task.
    metrics : dict
        ``average_accuracy``, ``average_incremental_accuracy``,
        ``average_forgetting``, ``backward_transfer`` and, when the upper
        triangle was measured, ``forward_transfer``.
    fit_times : ndarray of shape (n_tasks,)
        Seconds spent in ``partial_fit`` and ``end_task`` for each task.
    score_times : ndarray of shape (n_tasks,)
        Seconds spent scoring after each task.
    estimator : object
        The estimator after the last task.
    baseline : ndarray of shape (n_tasks,) or None
        Reference scores used for ``forward_transfer``.
    resumed_from : int or None
        Index of the task the run resumed at from a checkpoint, else None.
    scoring : str
        Name of the score in the matrix, e.g. ``"accuracy"``.

    See Also
    --------
    evaluate_stream : Produces this result.
    skcl.metrics.average_accuracy : The metrics, as pure functions.
    """

    accuracy_matrix: np.ndarray
    task_names: list
    metrics: dict
    fit_times: np.ndarray
    score_times: np.ndarray
    estimator: object = None
    baseline: np.ndarray = None
    resumed_from: int = None
    scoring: str = field(default="accuracy")

    @property
    def n_tasks(self):
        """Number of tasks."""
        return self.accuracy_matrix.shape[0]

    def to_dict(self, *, include_estimator=False):
        """Return the result as JSON-serialisable Python objects.

        Parameters
        ----------
        include_estimator : bool, default=False
            Also include the fitted estimator (not JSON-serialisable).

        Returns
        -------
        result : dict
            Lists of floats, NaN replaced by None.
        """
        matrix = [
            [_nan_to_none(float(v)) for v in row] for row in self.accuracy_matrix
        ]
        out = {
            "task_names": list(self.task_names),
            "accuracy_matrix": matrix,
            "metrics": {k: _nan_to_none(float(v)) for k, v in self.metrics.items()},
            "fit_times": [float(t) for t in self.fit_times],
            "score_times": [float(t) for t in self.score_times],
            "scoring": self.scoring,
            "resumed_from": self.resumed_from,
        }
        if self.baseline is not None:
            out["baseline"] = [_nan_to_none(float(b)) for b in self.baseline]
        if include_estimator:
            out["estimator"] = self.estimator
        return out

    def format_matrix(self, *, precision=3):
        """Return the accuracy matrix as a text table.

        Parameters
        ----------
        precision : int, default=3
            Digits after the decimal point.

        Returns
        -------
        table : str
            Row ``i``: after training task ``i``; column ``j``: tested on task
            ``j``; ``-`` where not measured.
        """
        width = precision + 4
        names = [str(n) for n in self.task_names]
        label_width = max(len("after") + 2, *(len(n) for n in names)) + 1
        head = " " * label_width + "".join(f"{f't{j}':>{width}}" for j in range(
            self.n_tasks
        ))
        lines = [head]
        for i, row in enumerate(self.accuracy_matrix):
            cells = "".join(
                f"{v:>{width}.{precision}f}" if np.isfinite(v) else f"{'-':>{width}}"
                for v in row
            )
            lines.append(f"{names[i]:<{label_width}}{cells}")
        return "\n".join(lines)

    def __repr__(self):
        est = type(self.estimator).__name__ if self.estimator is not None else None
        lines = [f"StreamResult(n_tasks={self.n_tasks}, estimator={est}, "
                 f"scoring={self.scoring!r})"]
        for key, value in self.metrics.items():
            lines.append(f"  {key:<30}{value: .4f}")
        lines.append(
            f"  {'total fit time (s)':<30}{float(np.sum(self.fit_times)): .3f}"
        )
        lines.append("  accuracy matrix (row i: after task i; column j: task j):")
        lines.extend("    " + line for line in self.format_matrix().splitlines())
        return "\n".join(lines)


def _compute_metrics(A, baseline):
    from .metrics import (
        average_accuracy,
        average_forgetting,
        average_incremental_accuracy,
        backward_transfer,
        forward_transfer,
    )

    metrics = {
        "average_accuracy": float(average_accuracy(A)),
        "average_incremental_accuracy": float(average_incremental_accuracy(A)),
        "average_forgetting": float(average_forgetting(A)),
        "backward_transfer": float(backward_transfer(A)),
    }
    T = A.shape[0]
    if (
        baseline is not None
        and T > 1
        and np.all(np.isfinite(np.diag(A, k=1)))
        and np.all(np.isfinite(baseline[1:]))
    ):
        metrics["forward_transfer"] = float(forward_transfer(A, baseline))
    return metrics


# --------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------
def _make_scorer(estimator, scoring, scenario):
    """Return ``score(estimator, task) -> float`` and the scoring name."""
    if scenario == "task-incremental":
        if scoring not in (None, "accuracy"):
            raise ValueError(
                "A task-incremental stream is scored by within-task accuracy "
                "(the task identity is known at prediction time); scoring must be "
                f"None or 'accuracy', got {scoring!r}."
            )
        from .scenarios import predict_within_task

        def score(est, task):
            known = np.asarray(getattr(est, "classes_", []))
            if not np.isin(task.classes, known).any():
                return np.nan  # a future task whose classes were never seen
            classes = np.intersect1d(task.classes, known)
            y_pred = predict_within_task(est, task.X_test, classes)
            return float(np.mean(y_pred == np.asarray(task.y_test)))

        return score, "accuracy (within task)"

    if scoring is None:
        if not callable(getattr(estimator, "score", None)):
            raise TypeError(
                f"{type(estimator).__name__} has no score method; pass scoring="
                "(e.g. 'accuracy')."
            )

        def scorer(est, X, y):
            return est.score(X, y)

    else:
        scorer = check_scoring(estimator, scoring=scoring)

    def score(est, task):
        return float(scorer(est, task.X_test, task.y_test))

    name = "accuracy" if scoring is None else (
        scoring if isinstance(scoring, str) else getattr(scoring, "__name__", "custom")
    )
    return score, name


def _chance_baseline(stream, scoring):
    """Score of a uniform random guess among each task's classes."""
    if scoring not in (None, "accuracy"):
        return None
    return np.array([1.0 / max(len(task.classes), 1) for task in stream])


# --------------------------------------------------------------------------
# checkpoint fingerprint
# --------------------------------------------------------------------------
def _fingerprint(estimator, stream, settings):
    """Hash of the stream, the estimator's parameters and the settings."""
    parts = [type(estimator).__qualname__, repr(sorted(settings.items()))]
    try:
        parts.append(joblib.hash(clone(estimator)))
    except Exception:  # unpicklable parameters: fall back to the repr
        parts.append(repr(estimator))
    for task in stream:
        n = task.n_train
        rows = np.arange(0, n, max(1, n // 64))
        parts.append(
            joblib.hash(
                (
                    task.task_id,
                    task.name,
                    np.asarray(task.classes),
                    task.y_train,
                    task.y_test,
                    _safe_indexing(task.X_train, rows),
                    task.n_test,
                )
            )
        )
    return joblib.hash(parts)


def _as_stream(stream):
    from .scenarios import Task, TaskStream

    if isinstance(stream, TaskStream):
        return stream
    if isinstance(stream, Task):
        raise TypeError("stream must be a TaskStream or a list of Task, got a Task.")
    try:
        tasks = list(stream)
    except TypeError:
        raise TypeError(
            f"stream must be a TaskStream or a list of Task, got "
            f"{type(stream).__name__}."
        ) from None
    return TaskStream(tasks)


class _Progress:
    """tqdm progress bar when installed, plain lines otherwise; silent if off."""

    def __init__(self, total, initial, enabled):
        self.enabled = enabled
        self.bar = None
        self.total = total
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            self.bar = tqdm(
                total=total, initial=initial, desc="evaluate_stream", unit="task"
            )
        elif initial:
            print(f"[evaluate_stream] resuming at task {initial + 1}/{total}")

    def update(self, i, name, fit_time, seen_scores):
        if not self.enabled:
            return
        mean_seen = float(np.mean(seen_scores))
        if self.bar is not None:
            self.bar.set_postfix_str(f"{name}: seen-task score {mean_seen:.3f}")
            self.bar.update(1)
        else:
            scores = " ".join(f"{v:.3f}" for v in seen_scores)
            print(
                f"[evaluate_stream] task {i + 1}/{self.total} ({name}): "
                f"fit {fit_time:.2f}s, scores on seen tasks [{scores}], "
                f"mean {mean_seen:.3f}",
                flush=True,
            )

    def close(self):
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------
# evaluate_stream
# --------------------------------------------------------------------------
@validate_params(
    {
        "estimator": [HasMethods(["partial_fit"])],
        "stream": "no_validation",
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "scoring": [str, callable, None],
        "evaluate_future": ["boolean"],
        "checkpoint_dir": [str, os.PathLike, None],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "classes": [StrOptions({"auto"}), "array-like", None],
        "baseline": ["array-like", None],
    },
    prefer_skip_nested_validation=False,
)
def evaluate_stream(
    estimator,
    stream,
    *,
    n_epochs=1,
    batch_size=None,
    scoring=None,
    evaluate_future=False,
    checkpoint_dir=None,
    shuffle=True,
    random_state=None,
    verbose=False,
    classes="auto",
    baseline=None,
):
    """Train an estimator task by task on a stream and score it after each task.

    The continual-learning counterpart of
    :func:`sklearn.model_selection.cross_validate`. The estimator is cloned,
    then for each task ``i`` of the stream:

    1. ``partial_fit`` on the task's training data, ``n_epochs`` passes, each
       in a fresh seeded random order and in chunks of ``batch_size`` rows;
    2. ``end_task(X_train, y_train)`` if the estimator has it (the task
       boundary hook of strategies such as EWC);
    3. score on the test split of every task ``j <= i`` (and, with
       ``evaluate_future=True``, of the tasks ``j > i`` not trained yet),
       filling row ``i`` of the accuracy matrix.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        An skcl estimator, a scikit-learn incremental classifier
        (``SGDClassifier``, ``MultinomialNB``, ...) or an
        :class:`skcl.pipeline.Pipeline`. It is cloned; the fitted clone is
        returned in the result.
    stream : TaskStream or list of Task
        The tasks, in training order (see :mod:`skcl.scenarios`).
    n_epochs : int, default=1
        Passes over each task's training data, ``>= 1``.
    batch_size : int, default=None
        Rows per ``partial_fit`` call, ``>= 1``. ``None`` passes a whole task
        per call (the estimator may still mini-batch internally).
    scoring : str or callable, default=None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``. ``None``
        uses ``estimator.score`` (accuracy for classifiers). A
        task-incremental stream is always scored by within-task accuracy.
    evaluate_future : bool, default=False
        Also score tasks not trained yet (the upper triangle), which
        ``forward_transfer`` needs. Otherwise those entries are NaN.
    checkpoint_dir : str or os.PathLike, default=None
        If given, a checkpoint (estimator, next task index, rows measured so
        far) is written atomically there after each task, and a run finds it
        and resumes after the last finished task. A finished run returns its
        stored result at once. The checkpoint records a fingerprint of the
        stream, estimator and settings; resuming with others raises
        ``ValueError`` (delete the directory to start over).
    shuffle : bool, default=True
        Shuffle each task's rows at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling. Each task draws its own seed up front, so a
        resumed run shuffles exactly as an uninterrupted one.
    verbose : bool or int, default=False
        Show progress: a tqdm bar if tqdm is installed, else one line per
        task. Quiet by default.
    classes : "auto", array-like or None, default="auto"
        What to pass as ``classes=`` to the first ``partial_fit`` call.
        ``"auto"`` passes ``stream.classes`` only to estimators that require
        it (scikit-learn's and third-party estimators whose ``partial_fit``
        takes ``classes``), never to skcl's estimators, which add classes as
        they meet them. ``None`` never passes it; an array is passed as is.
    baseline : array-like of shape (n_tasks,), default=None
        Reference score of each task for ``forward_transfer`` (e.g. the score
        of an untrained model). ``None`` uses chance level,
        ``1 / n_classes_of_task``, when scoring is accuracy.

    Returns
    -------
    result : StreamResult
        Accuracy matrix, metrics, timings and the fitted estimator.

    Raises
    ------
    ValueError
        On an invalid stream, or a checkpoint from another run.

    See Also
    --------
    skcl.scenarios.class_incremental_stream : Build a stream.
    skcl.model_selection.StreamingClassifier : Tune a continual learner with
        ``GridSearchCV``.
    skcl.metrics.average_forgetting : The metrics, as pure functions.

    Notes
    -----
    ``A[i, j]`` is the score on task ``j`` after training on tasks ``0..i``.
    The metrics are computed from it with :mod:`skcl.metrics`:
    ``average_accuracy`` is the mean of the last row, ``average_forgetting``
    the mean drop from each task's best earlier score to its final score,
    ``backward_transfer`` the mean of ``A[T-1, j] - A[j, j]``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skcl.evaluation import evaluate_stream
    >>> from skcl.scenarios import class_incremental_stream
    >>> X, y = load_digits(return_X_y=True)
    >>> stream = class_incremental_stream(
    ...     X / 16.0, y, classes_per_task=2, random_state=0)
    >>> result = evaluate_stream(
    ...     SGDClassifier(loss="log_loss", random_state=0), stream,
    ...     n_epochs=5, random_state=0)
    >>> result.accuracy_matrix.shape
    (5, 5)
    >>> bool(result.metrics["average_forgetting"] > 0.5)  # naive SGD forgets
    True
    """
    stream = _as_stream(stream)
    T = len(stream)
    all_classes = stream.classes
    first_classes = _resolve_classes(estimator, classes, all_classes)
    scorer, scoring_name = _make_scorer(
        estimator, scoring, getattr(stream, "scenario", None)
    )
    if baseline is not None:
        baseline = np.asarray(baseline, dtype=float)
        if baseline.shape != (T,):
            raise ValueError(
                f"baseline must have one value per task, shape ({T},), got "
                f"{baseline.shape}."
            )
    elif evaluate_future:
        baseline = _chance_baseline(stream, scoring)

    rng = check_random_state(random_state)
    task_seeds = rng.randint(np.iinfo(np.int32).max, size=T)

    est = clone(estimator)
    A = np.full((T, T), np.nan)
    fit_times = np.zeros(T)
    score_times = np.zeros(T)
    start = 0
    resumed_from = None

    ckpt_path = fingerprint = None
    if checkpoint_dir is not None:
        from .persistence import load_checkpoint

        os.makedirs(checkpoint_dir, exist_ok=True)
        ckpt_path = os.path.join(os.fspath(checkpoint_dir), CHECKPOINT_NAME)
        settings = {
            "n_epochs": n_epochs,
            "batch_size": batch_size,
            "scoring": repr(scoring),
            "evaluate_future": evaluate_future,
            "shuffle": shuffle,
            "random_state": (
                random_state if isinstance(random_state, Integral) else None
            ),
            "classes": None if first_classes is None else first_classes.tolist(),
        }
        fingerprint = _fingerprint(estimator, stream, settings)
        if os.path.exists(ckpt_path):
            ckpt = load_checkpoint(ckpt_path)
            if ckpt.fingerprint != fingerprint:
                raise ValueError(
                    f"The checkpoint in {os.fspath(checkpoint_dir)!r} was written "
                    "for another stream, estimator or settings. Use another "
                    "checkpoint_dir, or delete it to start over."
                )
            start = ckpt.next_task
            est = ckpt.estimator
            A[:start] = ckpt.accuracy_rows
            fit_times[:start] = ckpt.fit_times
            score_times[:start] = ckpt.score_times
            resumed_from = start

    progress = _Progress(T, start, bool(verbose))
    try:
        for i in range(start, T):
            task = stream[i]
            t0 = time.perf_counter()
            _partial_fit_task(
                est,
                task.X_train,
                task.y_train,
                n_epochs=n_epochs,
                batch_size=batch_size,
                shuffle=shuffle,
                rng=np.random.RandomState(task_seeds[i]),
                first_classes=first_classes if i == 0 else None,
            )
            _end_task(est, task.X_train, task.y_train)
            fit_times[i] = time.perf_counter() - t0

            t0 = time.perf_counter()
            last = T if evaluate_future else i + 1
            for j in range(last):
                A[i, j] = scorer(est, stream[j])
            score_times[i] = time.perf_counter() - t0

            if ckpt_path is not None:
                from .persistence import save_checkpoint

                save_checkpoint(
                    ckpt_path,
                    est,
                    next_task=i + 1,
                    accuracy_rows=A[: i + 1],
                    fit_times=fit_times[: i + 1],
                    score_times=score_times[: i + 1],
                    fingerprint=fingerprint,
                    compress=0,
                )
            progress.update(i, stream.task_names[i], fit_times[i], A[i, : i + 1])
    finally:
        progress.close()

    return StreamResult(
        accuracy_matrix=A,
        task_names=list(stream.task_names),
        metrics=_compute_metrics(A, baseline),
        fit_times=fit_times,
        score_times=score_times,
        estimator=est,
        baseline=baseline,
        resumed_from=resumed_from,
        scoring=scoring_name,
    )
