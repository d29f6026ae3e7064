"""StreamingClassifier: make GridSearchCV train a continual learner task by task."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import SGDClassifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..evaluation import _end_task, _partial_fit_task, _resolve_classes
from ..utils._sklearn_compat import HasMethods, Interval, _fit_context, validate_data

__all__ = ["StreamingClassifier"]


def _estimator_has(attr):
    """Check the fitted inner estimator if there is one, else the template."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class StreamingClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Train an incremental classifier task by task inside ``fit``.

    scikit-learn's model selection tools (``GridSearchCV``,
    ``RandomizedSearchCV``, ``cross_validate``) call ``fit(X, y)`` on each
    training fold and ``score(X, y)`` on each test fold. This meta-estimator
    turns that ``fit`` into a continual-learning run: it splits the fold into
    tasks, streams them in order to a clone of ``estimator`` with
    ``partial_fit`` (``n_epochs`` passes per task, ``batch_size`` rows per
    call), calls ``end_task`` at each task boundary, and its ``score`` is the
    mean over tasks of the per-task accuracy, i.e. the *average accuracy*
    after the last task. Hyperparameters of the inner estimator are tuned as
    ``estimator__<name>``, e.g. ``estimator__optimizer__learning_rate``.

    Tasks come from either

    - **the class order** (no extra argument, so a plain ``GridSearchCV``
      works): ``class_order`` (default: sorted labels) is cut into
      consecutive groups of ``classes_per_task`` classes, one task each
      (class-incremental learning, e.g. Split-MNIST); or
    - **task labels** passed as ``fit(X, y, tasks=...)`` (one label per
      sample; tasks are streamed in sorted label order), e.g.
      ``GridSearchCV(...).fit(X, y, tasks=t)``. scikit-learn slices such
      sample-aligned ``fit`` parameters per fold; with metadata routing
      enabled, request it with ``set_fit_request(tasks=True)`` (and
      ``set_score_request(tasks=True)`` to score per task).

    Parameters
    ----------
    estimator : classifier with ``partial_fit``
        The continual learner, e.g.
        :class:`~skcl.linear_model.ContinualSGDClassifier`, an
        :class:`skcl.pipeline.Pipeline`, or scikit-learn's ``SGDClassifier``
        (which is given ``classes=`` on its first call, as it requires).
        Cloned in ``fit``.

    classes_per_task : int, default=None
        Classes per task when tasks come from the class order, ``>= 1``.
        ``None`` puts all classes in one task (plain incremental training);
        the last task may hold fewer classes.

    class_order : array-like of shape (n_classes,), default=None
        Order in which classes arrive; every label of ``y`` must be in it.
        Classes absent from a training fold leave their task smaller (or
        skipped). ``None`` uses the sorted labels.

    n_epochs : int, default=1
        Passes over each task's data before moving to the next, ``>= 1``.

    batch_size : int, default=None
        Rows per ``partial_fit`` call, ``>= 1``; ``None`` passes a whole task
        per call.

    shuffle : bool, default=True
        Shuffle each task's rows at every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling.

    Attributes
    ----------
    estimator_ : estimator
        The clone of ``estimator`` trained on the tasks in order.

    classes_ : ndarray of shape (n_classes,)
        Class labels known to ``estimator_``.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    n_tasks_ : int
        Number of (non-empty) tasks streamed in ``fit``.

    task_labels_ : ndarray of shape (n_tasks_,)
        Label of each task in training order: the ``tasks`` values, or
        ``0..n_tasks_-1`` for tasks built from the class order.

    task_classes_ : list of ndarray
        Classes present in each task, in training order.

    class_to_task_ : dict or None
        Task label of each class, used by ``score`` to group test samples by
        task when ``tasks`` is not passed to it; None when a class occurs in
        several tasks (then ``score`` without ``tasks`` is plain accuracy).

    See Also
    --------
    skcl.evaluation.evaluate_stream : Full accuracy matrix on a fixed stream.
    sklearn.model_selection.GridSearchCV : Tunes the parameters.

    Notes
    -----
    Why a meta-estimator and not a splitter or a custom search: the search,
    cross-validation and scoring machinery of scikit-learn stays unchanged
    (parallelism, refit, ``cv_results_``), the task structure travels as
    ordinary hyperparameters or sample metadata, and ``score`` matches the
    metric users report (average accuracy over tasks). Each candidate only
    sees its training fold, streamed in task order, so the search measures
    forgetting as it would occur in deployment. It does not reorder data
    across tasks: within a task, rows are shuffled per epoch.

    ``score`` weights every task equally (the mean of per-task accuracies),
    unlike ``accuracy_score`` over all samples, which weights large tasks
    more.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skcl.model_selection import StreamingClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> model = StreamingClassifier(
    ...     SGDClassifier(loss="log_loss", random_state=0),
    ...     classes_per_task=2, n_epochs=3, random_state=0)
    >>> search = GridSearchCV(
    ...     model, {"estimator__alpha": [1e-4, 1e-1]}, cv=3).fit(X / 16.0, y)
    >>> search.best_params_
    {'estimator__alpha': 0.1}
    >>> float(round(search.best_score_, 2))  # average accuracy over the 5 tasks
    0.2...
    """

    # Constructor arguments for skcl's common tests (tests/test_common.py).
    _skcl_test_params = {
        "estimator": SGDClassifier(loss="log_loss", random_state=0),
        "n_epochs": 5,
    }

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["partial_fit", "predict"])],
        "classes_per_task": [Interval(Integral, 1, None, closed="left"), None],
        "class_order": ["array-like", None],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        classes_per_task=None,
        class_order=None,
        n_epochs=1,
        batch_size=None,
        shuffle=True,
        random_state=None,
    ):
        self.estimator = estimator
        self.classes_per_task = classes_per_task
        self.class_order = class_order
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state

    # ------------------------------------------------------------------ tasks
    def _class_groups(self, y):
        """Split the class order into consecutive groups (one per task)."""
        present = np.unique(y)
        if self.class_order is None:
            order = present
        else:
            order = np.asarray(self.class_order)
            if order.ndim != 1 or order.size == 0:
                raise ValueError(
                    f"class_order must be a non-empty 1-D array, got shape "
                    f"{order.shape}."
                )
            if np.unique(order).size != order.size:
                raise ValueError(
                    f"class_order contains duplicates: {order.tolist()}."
                )
            unknown = np.setdiff1d(present, order)
            if unknown.size:
                raise ValueError(
                    f"y contains classes {unknown.tolist()} that are not in "
                    f"class_order {order.tolist()}."
                )
        step = order.size if self.classes_per_task is None else self.classes_per_task
        return [order[i : i + step] for i in range(0, order.size, step)]

    def _split_tasks(self, y, tasks):
        """Return (task labels, list of row indices) in training order."""
        if tasks is not None:
            tasks = np.asarray(tasks)
            if tasks.ndim != 1 or tasks.shape[0] != y.shape[0]:
                raise ValueError(
                    f"tasks must be 1-D with one label per sample ({y.shape[0]}), "
                    f"got shape {tasks.shape}."
                )
            labels = np.unique(tasks)
            return labels, [np.flatnonzero(tasks == t) for t in labels]
        labels, rows = [], []
        for k, group in enumerate(self._class_groups(y)):
            idx = np.flatnonzero(np.isin(y, group))
            if idx.size:
                labels.append(k)
                rows.append(idx)
        return np.asarray(labels), rows

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, tasks=None):
        """Stream ``X, y`` task by task to a clone of ``estimator``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (one cross-validation fold, say).
        y : array-like of shape (n_samples,)
            Class labels.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each sample; tasks are trained in sorted label
            order. ``None`` derives the tasks from ``class_order`` and
            ``classes_per_task``.

        Returns
        -------
        self : StreamingClassifier
            The fitted meta-estimator.
        """
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=None,
            ensure_all_finite=False,
        )
        check_classification_targets(y)
        labels, rows = self._split_tasks(y, tasks)
        estimator = clone(self.estimator)
        first_classes = _resolve_classes(estimator, "auto", np.unique(y))
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(rows))
        task_classes = []
        for k, idx in enumerate(rows):
            X_task, y_task = X[idx], y[idx]
            _partial_fit_task(
                estimator,
                X_task,
                y_task,
                n_epochs=self.n_epochs,
                batch_size=self.batch_size,
                shuffle=self.shuffle,
                rng=np.random.RandomState(seeds[k]),
                first_classes=first_classes if k == 0 else None,
            )
            _end_task(estimator, X_task, y_task)
            task_classes.append(np.unique(y_task))
        self.estimator_ = estimator
        self.classes_ = np.asarray(estimator.classes_)
        self.n_tasks_ = len(rows)
        self.task_labels_ = labels
        self.task_classes_ = task_classes
        mapping = {}
        for label, cls in zip(labels, task_classes):
            for c in cls.tolist():
                mapping.setdefault(c, []).append(label)
        if all(len(v) == 1 for v in mapping.values()):
            self.class_to_task_ = {c: v[0] for c, v in mapping.items()}
        else:
            self.class_to_task_ = None
        return self

    # ---------------------------------------------------------------- predict
    def _check_X(self, X):
        """Check feature names and count as fitted, then hand X to the inner."""
        check_is_fitted(self)
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=None,
            ensure_all_finite=False,
        )

    def predict(self, X):
        """Predict class labels with the trained estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        X = self._check_X(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the trained estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        X = self._check_X(X)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log of the class probabilities from the trained estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        X = self._check_X(X)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision scores from the trained estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Scores as returned by the inner estimator.
        """
        X = self._check_X(X)
        return self.estimator_.decision_function(X)

    def score(self, X, y, tasks=None, sample_weight=None):
        """Average accuracy: the mean over tasks of the per-task accuracy.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels.
        tasks : array-like of shape (n_samples,), default=None
            Task label of each sample. ``None`` groups samples by the task
            their class was trained in (``class_to_task_``; samples of
            classes never trained form one extra group), or, when classes
            span several tasks, returns the plain accuracy.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights within each task's accuracy.

        Returns
        -------
        score : float
            Mean over tasks of the accuracy on that task's samples.
        """
        check_is_fitted(self)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        y_pred = np.asarray(self.predict(X))
        w = np.ones(y.shape[0]) if sample_weight is None else np.asarray(
            sample_weight, dtype=float
        )
        if w.shape != y.shape:
            raise ValueError(
                f"sample_weight has shape {w.shape} but y has shape {y.shape}."
            )
        if tasks is not None:
            groups = np.asarray(tasks)
            if groups.shape != y.shape:
                raise ValueError(
                    f"tasks has shape {groups.shape} but y has shape {y.shape}."
                )
        elif self.class_to_task_ is not None:
            # each class was trained in one task; never-trained classes: -1
            groups = np.full(y.shape[0], -1, dtype=np.intp)
            for k, cls in enumerate(self.task_classes_):
                groups[np.isin(y, cls)] = k
        else:
            groups = np.zeros(y.shape[0], dtype=np.intp)
        correct = (y_pred == y).astype(float) * w
        per_task = []
        for g in np.unique(groups):
            mask = groups == g
            total = w[mask].sum()
            if total > 0:
                per_task.append(correct[mask].sum() / total)
        if not per_task:
            raise ValueError("score needs at least one sample with positive weight.")
        return float(np.mean(per_task))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.classifier_tags.poor_score = inner.classifier_tags is not None and (
            inner.classifier_tags.poor_score
        )
        return tags
