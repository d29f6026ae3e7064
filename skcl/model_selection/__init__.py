"""Tuning and cross-validation of continual learners with scikit-learn's tools.

:class:`StreamingClassifier` wraps an incremental classifier so that its
``fit`` streams the data task by task (``partial_fit`` in task order, with
``end_task`` at the boundaries) and its ``score`` is the average accuracy over
tasks. Put it in :class:`~sklearn.model_selection.GridSearchCV`,
:class:`~sklearn.model_selection.RandomizedSearchCV` or
:func:`~sklearn.model_selection.cross_validate` unchanged.
"""

from ._streaming import StreamingClassifier

__all__ = ["StreamingClassifier"]
