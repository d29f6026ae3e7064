"""Optimizers and learning-rate schedules for skcl's SGD estimators.

Optimizers are parameter objects, as in River: ``ContinualSGDClassifier(
optimizer=Adam(learning_rate=1e-3))``. The estimator learns with a fitted clone
(``optimizer_``) whose state persists across ``partial_fit`` calls, grows with
new classes, and survives a joblib round trip. Hyperparameters are tunable with
``GridSearchCV`` (``optimizer__learning_rate``).
"""

from . import schedules
from ._base import BaseOptimizer, BaseSchedule
from ._optimizers import SGD, AdaGrad, Adam, RMSProp
from .schedules import (
    Constant,
    InverseScaling,
    Optimal,
    ReduceLROnPlateau,
    StepDecay,
)

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "BaseOptimizer",
    "BaseSchedule",
    "Constant",
    "InverseScaling",
    "Optimal",
    "RMSProp",
    "ReduceLROnPlateau",
    "StepDecay",
    "schedules",
]
