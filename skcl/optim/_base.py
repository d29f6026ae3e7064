"""Base classes of optimizers and learning-rate schedules."""

from abc import ABCMeta, abstractmethod
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, clone

from ..utils._growth import insert_rows
from ..utils._sklearn_compat import HasMethods, Interval

__all__ = ["BaseOptimizer", "BaseSchedule"]


class BaseSchedule(BaseEstimator, metaclass=ABCMeta):
    """Base class of learning-rate schedules.

    A schedule maps the number of optimizer steps taken so far to a learning
    rate (:meth:`get`). Schedules that adapt to how training goes (such as
    :class:`~skcl.optim.ReduceLROnPlateau`) also receive the loss of every
    mini-batch through :meth:`observe` and keep their state in attributes that
    end with an underscore. The optimizer works on a clone, so the schedule
    object a user passes is never modified.
    """

    @abstractmethod
    def get(self, t):
        """Return the learning rate of step ``t`` (0 for the first step).

        Parameters
        ----------
        t : int
            Number of optimizer steps taken before this one.

        Returns
        -------
        learning_rate : float
            The learning rate to use for this step.
        """

    def observe(self, loss):
        """Receive the loss of the last mini-batch (no-op by default).

        Parameters
        ----------
        loss : float
            Mean loss of the mini-batch the last step was computed on.
        """

    def reset(self):
        """Forget any state learned from the losses (no-op by default)."""


def _as_schedule(learning_rate):
    """Return a fresh schedule object for a float or a schedule parameter."""
    from .schedules import Constant

    if isinstance(learning_rate, BaseSchedule):
        return clone(learning_rate)
    return Constant(learning_rate=float(learning_rate))


class BaseOptimizer(BaseEstimator, metaclass=ABCMeta):
    """Base class of optimizers: turn gradients into parameter updates.

    The model computes the gradients; the optimizer owns the per-parameter
    state (accumulated squared gradients, moments, ...) and updates the
    parameters in place. An estimator keeps a fitted clone (``optimizer_``), so
    the state persists across ``partial_fit`` calls and joblib round trips,
    while the object the user passed stays untouched.

    Every state array has the parameter's shape, so its first axis indexes
    the classes and :meth:`grow` can insert rows for new classes.

    Parameters
    ----------
    learning_rate : float or BaseSchedule
        Base learning rate, or a schedule (:mod:`skcl.optim.schedules`)
        mapping the step count to a learning rate.
    """

    _parameter_constraints: dict = {
        "learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            HasMethods(["get", "observe"]),
        ],
    }

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def init_state(self, params):
        """Initialise the optimizer state for a list of parameter arrays.

        Parameters
        ----------
        params : list of ndarray
            The parameters that :meth:`step` will update, in that order.

        Returns
        -------
        self : object
            The optimizer with a fresh state.
        """
        self._validate_params()
        self.schedule_ = _as_schedule(self.learning_rate)
        self.n_steps_ = 0
        self.state_ = [self._init_param_state(p) for p in params]
        return self

    @abstractmethod
    def _init_param_state(self, param):
        """Return the state dict of one parameter (arrays shaped like it)."""

    @abstractmethod
    def _update(self, param, grad, state, learning_rate):
        """Update ``param`` in place from ``grad`` and ``state``."""

    def step(self, params, grads):
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        params : list of ndarray
            Parameters, in the order given to :meth:`init_state`.
        grads : list of ndarray
            Gradients of the loss with respect to each parameter.

        Returns
        -------
        learning_rate : float
            The learning rate used for this step.
        """
        lr = self.schedule_.get(self.n_steps_)
        for param, grad, state in zip(params, grads, self.state_):
            self._update(param, grad, state, lr)
        self.n_steps_ += 1
        return lr

    def observe_loss(self, loss):
        """Pass the loss of the last mini-batch to the schedule.

        Parameters
        ----------
        loss : float
            Mean loss of the last mini-batch.
        """
        self.schedule_.observe(loss)

    def grow(self, new_positions):
        """Insert zero state rows for new classes.

        Parameters
        ----------
        new_positions : array-like of int
            Positions, in the grown (sorted) class list, of the new classes.

        Returns
        -------
        self : object
            The optimizer with grown state.
        """
        self.state_ = [
            {key: insert_rows(value, new_positions) for key, value in state.items()}
            for state in self.state_
        ]
        return self

    @property
    def current_learning_rate(self):
        """float: The base learning rate the next step will use."""
        return self.schedule_.get(self.n_steps_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def _zeros_like_state(param, *names):
    return {name: np.zeros_like(param) for name in names}
