"""Continual-learning scenarios: streams of tasks built from a dataset.

Scenarios are data only: a :class:`TaskStream` is a sequence of
:class:`Task` objects (train and test data, classes, id). Estimators never see
them; :func:`skcl.evaluation.evaluate_stream` feeds them task by task.

- :func:`class_incremental_stream`: new classes in every task, task unknown at
  prediction (Split-MNIST).
- :func:`task_incremental_stream`: the same tasks, task known at prediction
  (:func:`predict_within_task`).
- :func:`domain_incremental_stream`: the same classes under a changing input
  distribution (groups, Permuted / Rotated MNIST).
"""

from ._factories import (
    class_incremental_stream,
    domain_incremental_stream,
    task_incremental_stream,
)
from ._stream import SCENARIOS, Task, TaskStream, predict_within_task

__all__ = [
    "SCENARIOS",
    "Task",
    "TaskStream",
    "class_incremental_stream",
    "domain_incremental_stream",
    "predict_within_task",
    "task_incremental_stream",
]
