"""Tasks and task streams: the data side of continual learning."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..utils._sklearn_compat import _num_samples

__all__ = ["SCENARIOS", "Task", "TaskStream", "predict_within_task"]

SCENARIOS = (
    "class-incremental",
    "domain-incremental",
    "task-incremental",
    "custom",
)


def _sample_shape(X):
    """Shape of one sample: ``(n_features,)``, or ``(h, w[, c])`` for images."""
    shape = getattr(X, "shape", None)
    if shape is None:
        X = np.asarray(X)
        shape = X.shape
    return tuple(int(s) for s in shape[1:])


def _as_labels(y, name):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {y.shape}.")
    return y


@dataclass(frozen=True, eq=False)
class Task:
    """One task of a continual-learning stream: its train and test data.

    A task is plain data. Estimators never see a ``Task``; the evaluation loop
    (:func:`skcl.evaluation.evaluate_stream`) feeds ``X_train, y_train`` to
    ``partial_fit`` and scores on ``X_test, y_test``.

    Parameters
    ----------
    task_id : int
        Position of the task in its stream (0-based).

    X_train : {ndarray, sparse matrix} of shape (n_train, ...)
        Training inputs: ``(n_train, n_features)`` arrays, CSR matrices, or
        image arrays ``(n_train, height, width[, channels])`` kept as given.

    y_train : ndarray of shape (n_train,)
        Training labels.

    X_test : {ndarray, sparse matrix} of shape (n_test, ...)
        Test inputs, with the same sample shape as ``X_train``.

    y_test : ndarray of shape (n_test,)
        Test labels.

    classes : ndarray of shape (n_task_classes,), default=None
        Sorted labels of this task. ``None`` uses the labels present in
        ``y_train`` and ``y_test``.

    name : str, default=""
        Human-readable name, e.g. ``"classes 0, 1"``.

    Attributes
    ----------
    n_train : int
        Number of training samples.

    n_test : int
        Number of test samples.

    n_features : int
        Number of features of one sample (the product of the sample shape).

    sample_shape : tuple of int
        Shape of one sample, e.g. ``(64,)`` or ``(8, 8)``.

    See Also
    --------
    TaskStream : A sequence of tasks.
    class_incremental_stream : Build a stream of tasks with disjoint classes.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.scenarios import Task
    >>> task = Task(0, np.zeros((4, 2)), [0, 1, 0, 1], np.ones((2, 2)), [1, 0])
    >>> task.classes, task.n_train, task.n_test
    (array([0, 1]), 4, 2)
    """

    task_id: int
    X_train: Any = field(repr=False)
    y_train: Any = field(repr=False)
    X_test: Any = field(repr=False)
    y_test: Any = field(repr=False)
    classes: Any = None
    name: str = ""

    def __post_init__(self):
        if isinstance(self.task_id, bool) or not isinstance(
            self.task_id, (int, np.integer)
        ):
            raise TypeError(f"task_id must be an int, got {self.task_id!r}.")
        object.__setattr__(self, "task_id", int(self.task_id))
        y_train = _as_labels(self.y_train, "y_train")
        y_test = _as_labels(self.y_test, "y_test")
        object.__setattr__(self, "y_train", y_train)
        object.__setattr__(self, "y_test", y_test)
        for X_name, X, y in (
            ("X_train", self.X_train, y_train),
            ("X_test", self.X_test, y_test),
        ):
            if _num_samples(X) != y.shape[0]:
                raise ValueError(
                    f"Task {self.task_id}: {X_name} has {_num_samples(X)} samples "
                    f"but its labels have {y.shape[0]}."
                )
        if _sample_shape(self.X_train) != _sample_shape(self.X_test):
            raise ValueError(
                f"Task {self.task_id}: X_train samples have shape "
                f"{_sample_shape(self.X_train)} but X_test samples have shape "
                f"{_sample_shape(self.X_test)}."
            )
        if self.classes is None:
            classes = np.unique(np.concatenate([y_train, y_test]))
        else:
            classes = np.asarray(self.classes)
            if classes.ndim != 1:
                raise ValueError(
                    f"Task {self.task_id}: classes must be 1-D, got shape "
                    f"{classes.shape}."
                )
            classes = np.unique(classes)
            unknown = np.setdiff1d(np.concatenate([y_train, y_test]), classes)
            if unknown.size:
                raise ValueError(
                    f"Task {self.task_id}: labels {unknown.tolist()} are not in "
                    f"the task's classes {classes.tolist()}."
                )
        object.__setattr__(self, "classes", classes)
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {self.name!r}.")

    @property
    def n_train(self):
        """Number of training samples."""
        return _num_samples(self.X_train)

    @property
    def n_test(self):
        """Number of test samples."""
        return _num_samples(self.X_test)

    @property
    def sample_shape(self):
        """Shape of one sample."""
        return _sample_shape(self.X_train)

    @property
    def n_features(self):
        """Number of features of one sample."""
        return int(np.prod(self.sample_shape, dtype=np.int64))

    def __repr__(self):
        name = f", name={self.name!r}" if self.name else ""
        return (
            f"Task(task_id={self.task_id}{name}, n_train={self.n_train}, "
            f"n_test={self.n_test}, classes={self.classes.tolist()})"
        )


class TaskStream(Sequence):
    """An ordered sequence of :class:`Task` objects sharing one input space.

    Build it with a factory (:func:`class_incremental_stream`,
    :func:`domain_incremental_stream`, :func:`task_incremental_stream`), with
    :meth:`from_arrays`, or from a list of tasks. It behaves like a read-only
    list: ``len(stream)``, ``stream[0]``, ``for task in stream``; a slice is a
    new ``TaskStream``.

    Parameters
    ----------
    tasks : sequence of Task
        The tasks, in training order. At least one; each with at least one
        training and one test sample; all with the same sample shape; task
        ids unique.

    scenario : {"class-incremental", "domain-incremental", \
            "task-incremental", "custom"}, default="custom"
        What the task boundaries mean. With ``"task-incremental"`` the task
        identity is known at prediction time, and the evaluation predicts
        with :func:`predict_within_task`.

    Attributes
    ----------
    tasks : tuple of Task
        The tasks.

    scenario : str
        The scenario.

    classes : ndarray of shape (n_classes,)
        Sorted union of the tasks' classes.

    n_features_in_ : int
        Number of features of one sample (also available as ``n_features``).

    sample_shape : tuple of int
        Shape of one sample, e.g. ``(64,)`` or ``(8, 8)`` for images.

    task_names : list of str
        Name of every task.

    See Also
    --------
    class_incremental_stream : Tasks with disjoint classes.
    skcl.evaluation.evaluate_stream : Train and score an estimator on a stream.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.scenarios import TaskStream
    >>> rng = np.random.RandomState(0)
    >>> stream = TaskStream.from_arrays(
    ...     [rng.rand(6, 3), rng.rand(6, 3)], [[0, 1] * 3, [2, 3] * 3],
    ...     [rng.rand(2, 3), rng.rand(2, 3)], [[0, 1], [2, 3]],
    ...     scenario="class-incremental",
    ... )
    >>> len(stream), stream.n_features_in_, stream.classes
    (2, 3, array([0, 1, 2, 3]))
    """

    def __init__(self, tasks, *, scenario="custom"):
        if isinstance(tasks, Task):
            raise TypeError("tasks must be a sequence of Task, got a single Task.")
        tasks = tuple(tasks)
        if scenario not in SCENARIOS:
            raise ValueError(
                f"scenario must be one of {list(SCENARIOS)}, got {scenario!r}."
            )
        if not tasks:
            raise ValueError("A TaskStream needs at least one task, got none.")
        for i, task in enumerate(tasks):
            if not isinstance(task, Task):
                raise TypeError(
                    f"Element {i} of tasks is a {type(task).__name__}, not a Task."
                )
        ids = [task.task_id for task in tasks]
        if len(set(ids)) != len(ids):
            raise ValueError(f"Task ids must be unique, got {ids}.")
        ref = tasks[0]
        for task in tasks:
            for part, n in (("training", task.n_train), ("test", task.n_test)):
                if n == 0:
                    raise ValueError(
                        f"Task {task.task_id} ({task.name or 'unnamed'}) has no "
                        f"{part} samples; every task needs training and test data."
                    )
            if task.sample_shape != ref.sample_shape:
                raise ValueError(
                    f"Task {task.task_id} has samples of shape {task.sample_shape} "
                    f"({task.n_features} features) but task {ref.task_id} has "
                    f"{ref.sample_shape} ({ref.n_features} features); all tasks "
                    "of a stream must have the same number of features."
                )
        self.tasks = tasks
        self.scenario = scenario
        self.classes = np.unique(np.concatenate([t.classes for t in tasks]))
        self.sample_shape = ref.sample_shape
        self.n_features_in_ = ref.n_features

    @classmethod
    def from_arrays(
        cls,
        X_train_list,
        y_train_list,
        X_test_list,
        y_test_list,
        *,
        scenario="custom",
        names=None,
        classes_list=None,
    ):
        """Build a stream from per-task lists of arrays.

        Parameters
        ----------
        X_train_list, y_train_list, X_test_list, y_test_list : list
            One entry per task, in training order; all four of the same length.

        scenario : str, default="custom"
            See :class:`TaskStream`.

        names : list of str, default=None
            Task names; ``None`` names each task after its classes.

        classes_list : list of array-like, default=None
            Classes of each task; ``None`` uses the labels present.

        Returns
        -------
        stream : TaskStream
            The stream.
        """
        lists = [X_train_list, y_train_list, X_test_list, y_test_list]
        lengths = [len(v) for v in lists]
        for extra in (names, classes_list):
            if extra is not None:
                lengths.append(len(extra))
        if len(set(lengths)) != 1:
            raise ValueError(
                "X_train_list, y_train_list, X_test_list, y_test_list (and names, "
                f"classes_list when given) must have the same length, got {lengths}."
            )
        tasks = []
        for i in range(lengths[0]):
            task = Task(
                i,
                X_train_list[i],
                y_train_list[i],
                X_test_list[i],
                y_test_list[i],
                classes=None if classes_list is None else classes_list[i],
            )
            name = names[i] if names is not None else _classes_name(task.classes)
            tasks.append(
                Task(
                    i, task.X_train, task.y_train, task.X_test, task.y_test,
                    task.classes, name,
                )
            )
        return cls(tasks, scenario=scenario)

    @property
    def n_features(self):
        """Number of features of one sample (alias of ``n_features_in_``)."""
        return self.n_features_in_

    @property
    def n_tasks(self):
        """Number of tasks."""
        return len(self.tasks)

    @property
    def task_names(self):
        """Name of every task."""
        return [t.name or f"task {t.task_id}" for t in self.tasks]

    def __len__(self):
        return len(self.tasks)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self.tasks[index], scenario=self.scenario)
        return self.tasks[index]

    def __iter__(self):
        return iter(self.tasks)

    def __repr__(self):
        classes = self.classes.tolist()
        if len(classes) > 10:
            classes = f"[{classes[0]!r}, ..., {classes[-1]!r}] ({len(classes)})"
        return (
            f"TaskStream(scenario={self.scenario!r}, n_tasks={len(self)}, "
            f"n_features={self.n_features_in_}, classes={classes})"
        )


def _classes_name(classes):
    return "classes " + ", ".join(str(c) for c in np.asarray(classes).tolist())


def predict_within_task(estimator, X, classes):
    """Predict with the task identity known: argmax over the task's classes.

    In the task-incremental scenario the model is told which task a sample
    comes from, so it only chooses among that task's classes (a "multi-head"
    evaluation). This masks the estimator's scores to ``classes`` and takes
    the best one.

    Parameters
    ----------
    estimator : fitted classifier
        Has ``classes_`` and ``predict_proba`` or ``decision_function``
        (``predict_proba`` is preferred).

    X : {array-like, sparse matrix} of shape (n_samples, ...)
        Inputs.

    classes : array-like of shape (n_task_classes,)
        Labels of the task; all must be in ``estimator.classes_``.

    Returns
    -------
    y_pred : ndarray of shape (n_samples,)
        Predicted labels, each one of ``classes``.

    See Also
    --------
    task_incremental_stream : The scenario that predicts this way.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcl.scenarios import predict_within_task
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 1, 2, 3])
    >>> predict_within_task(clf, [[3.0]], classes=[0, 1])
    array([1])
    """
    classes = np.unique(np.asarray(classes))
    est_classes = getattr(estimator, "classes_", None)
    if est_classes is None:
        raise ValueError(
            f"{type(estimator).__name__} has no classes_; fit it before "
            "predicting within a task."
        )
    est_classes = np.asarray(est_classes)
    missing = np.setdiff1d(classes, est_classes)
    if missing.size:
        raise ValueError(
            f"Task classes {missing.tolist()} are unknown to the estimator "
            f"(classes_={est_classes.tolist()})."
        )
    if classes.size == 0:
        raise ValueError("classes must name at least one class.")
    if hasattr(estimator, "predict_proba"):
        scores = np.asarray(estimator.predict_proba(X))
    elif hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(X))
        if scores.ndim == 1:  # binary: one score for the positive class
            scores = np.column_stack([-scores, scores])
    else:
        raise TypeError(
            f"{type(estimator).__name__} has neither predict_proba nor "
            "decision_function."
        )
    columns = np.searchsorted(est_classes, classes)
    if not np.array_equal(est_classes[columns], classes):  # unsorted classes_
        order = np.argsort(est_classes, kind="stable")
        columns = order[np.searchsorted(est_classes[order], classes)]
    return classes[np.argmax(scores[:, columns], axis=1)]
