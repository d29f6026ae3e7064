"""Learning-rate schedules: map the step count to a learning rate.

A schedule is passed as the ``learning_rate`` of an optimizer::

    AdaGrad(learning_rate=ReduceLROnPlateau(learning_rate=0.1))

and tuned with ``GridSearchCV`` as ``optimizer__learning_rate__factor``.
"""

from numbers import Integral, Real

import numpy as np

from ..utils._sklearn_compat import HasMethods, Interval
from ._base import BaseSchedule, _as_schedule

__all__ = [
    "Constant",
    "InverseScaling",
    "Optimal",
    "ReduceLROnPlateau",
    "StepDecay",
]


class Constant(BaseSchedule):
    """A constant learning rate.

    Parameters
    ----------
    learning_rate : float, default=0.01
        The learning rate, > 0.

    Examples
    --------
    >>> from skcl.optim.schedules import Constant
    >>> Constant(learning_rate=0.1).get(100)
    0.1
    """

    _parameter_constraints: dict = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate

    def get(self, t):
        return self.learning_rate


class InverseScaling(BaseSchedule):
    """Inverse scaling: ``learning_rate / (t + 1) ** power_t``.

    scikit-learn's ``learning_rate="invscaling"``, counted in optimizer steps
    (mini-batches) rather than samples.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Initial learning rate, > 0.
    power_t : float, default=0.5
        Exponent of the decay, >= 0.

    Examples
    --------
    >>> from skcl.optim.schedules import InverseScaling
    >>> round(InverseScaling(learning_rate=0.1, power_t=0.5).get(3), 4)
    0.05
    """

    _parameter_constraints: dict = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, learning_rate=0.01, power_t=0.5):
        self.learning_rate = learning_rate
        self.power_t = power_t

    def get(self, t):
        return self.learning_rate / (t + 1.0) ** self.power_t


class Optimal(BaseSchedule):
    """Bottou's "optimal" schedule: ``1 / (alpha * (t + t0))``.

    scikit-learn's ``learning_rate="optimal"``, counted in optimizer steps.
    ``t0`` is chosen so that the first step uses ``learning_rate``.

    Parameters
    ----------
    alpha : float, default=1e-4
        Regularisation strength the schedule is tuned to (use the model's
        ``alpha``), > 0.
    learning_rate : float, default=0.1
        Learning rate of the first step, > 0.

    Examples
    --------
    >>> from skcl.optim.schedules import Optimal
    >>> s = Optimal(alpha=0.01, learning_rate=0.5)
    >>> s.get(0), round(s.get(100), 4)
    (0.5, 0.3333)
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, alpha=1e-4, learning_rate=0.1):
        self.alpha = alpha
        self.learning_rate = learning_rate

    def get(self, t):
        t0 = 1.0 / (self.alpha * self.learning_rate)
        return 1.0 / (self.alpha * (t + t0))


class StepDecay(BaseSchedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    Parameters
    ----------
    learning_rate : float, default=0.1
        Initial learning rate, > 0.
    step_size : int, default=1000
        Number of optimizer steps between two decays, >= 1.
    gamma : float, default=0.5
        Multiplicative factor, in (0, 1].

    Examples
    --------
    >>> from skcl.optim.schedules import StepDecay
    >>> s = StepDecay(learning_rate=0.1, step_size=10, gamma=0.5)
    >>> s.get(9), s.get(10), s.get(25)
    (0.1, 0.05, 0.025)
    """

    _parameter_constraints: dict = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "step_size": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, learning_rate=0.1, step_size=1000, gamma=0.5):
        self.learning_rate = learning_rate
        self.step_size = step_size
        self.gamma = gamma

    def get(self, t):
        return self.learning_rate * self.gamma ** (t // self.step_size)


class ReduceLROnPlateau(BaseSchedule):
    """Lower the learning rate when the training loss stops improving.

    scikit-learn's ``learning_rate="adaptive"`` only acts inside ``fit``; this
    schedule watches the loss of every mini-batch, so it also works across
    ``partial_fit`` calls (its state is part of the fitted optimizer and
    survives a joblib round trip). The losses are averaged over windows of
    ``window`` steps; when a window's mean is not below the best one seen by
    more than ``threshold`` (relative) for ``patience`` windows in a row, the
    rate is multiplied by ``factor``, never below ``min_learning_rate``.

    Parameters
    ----------
    learning_rate : float or BaseSchedule, default=0.1
        The base learning rate (or schedule) that is scaled down.
    factor : float, default=0.5
        Multiplicative factor applied at a plateau, in (0, 1).
    patience : int, default=3
        Number of windows without improvement before the rate is lowered,
        >= 1.
    window : int, default=50
        Number of steps whose losses are averaged into one measurement, >= 1.
    threshold : float, default=1e-3
        Relative improvement over the best window that counts as progress,
        >= 0.
    min_learning_rate : float, default=1e-6
        Lower bound of the scaled learning rate, >= 0.

    Attributes
    ----------
    scale_ : float
        Current multiplier of the base learning rate.
    best_loss_ : float
        Best window-mean loss seen so far.
    n_bad_windows_ : int
        Windows in a row without improvement.
    n_reductions_ : int
        Number of times the rate was lowered.

    Notes
    -----
    In a class-incremental stream the loss rises when new classes arrive;
    such windows count as "no improvement", so the rate may be lowered at
    task boundaries. Call :meth:`reset` (or use a larger ``patience``) if the
    rate should recover for a new task.

    Examples
    --------
    >>> from skcl.optim.schedules import ReduceLROnPlateau
    >>> s = ReduceLROnPlateau(learning_rate=0.1, patience=1, window=2)
    >>> for loss in [1.0, 1.0, 0.5, 0.5, 0.5, 0.5]:
    ...     s.observe(loss)
    >>> s.get(0)
    0.05
    """

    _parameter_constraints: dict = {
        "learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            HasMethods(["get", "observe"]),
        ],
        "factor": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "window": [Interval(Integral, 1, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "min_learning_rate": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        learning_rate=0.1,
        factor=0.5,
        patience=3,
        window=50,
        threshold=1e-3,
        min_learning_rate=1e-6,
    ):
        self.learning_rate = learning_rate
        self.factor = factor
        self.patience = patience
        self.window = window
        self.threshold = threshold
        self.min_learning_rate = min_learning_rate

    def _ensure_state(self):
        if not hasattr(self, "scale_"):
            self.base_ = _as_schedule(self.learning_rate)
            self.reset()

    def reset(self):
        """Forget the losses seen and restore the base learning rate."""
        self.base_ = _as_schedule(self.learning_rate)
        self.scale_ = 1.0
        self.best_loss_ = np.inf
        self.n_bad_windows_ = 0
        self.n_reductions_ = 0
        self._window_sum = 0.0
        self._window_count = 0

    def get(self, t):
        self._ensure_state()
        return max(self.base_.get(t) * self.scale_, self.min_learning_rate)

    def observe(self, loss):
        self._ensure_state()
        self.base_.observe(loss)
        self._window_sum += float(loss)
        self._window_count += 1
        if self._window_count < self.window:
            return
        mean = self._window_sum / self._window_count
        self._window_sum, self._window_count = 0.0, 0
        if mean < self.best_loss_ * (1.0 - self.threshold):
            self.best_loss_ = mean
            self.n_bad_windows_ = 0
            return
        self.n_bad_windows_ += 1
        if self.n_bad_windows_ >= self.patience:
            self.scale_ *= self.factor
            self.n_bad_windows_ = 0
            self.n_reductions_ += 1
