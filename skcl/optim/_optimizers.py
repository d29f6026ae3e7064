"""Optimizers: plain SGD (with momentum), AdaGrad, RMSProp and Adam."""

from numbers import Real

import numpy as np

from ..utils._sklearn_compat import Interval
from ._base import BaseOptimizer

__all__ = ["SGD", "AdaGrad", "Adam", "RMSProp"]


class SGD(BaseOptimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Combine it with a schedule for scikit-learn's ``learning_rate`` options:
    :class:`~skcl.optim.schedules.Constant`,
    :class:`~skcl.optim.schedules.InverseScaling`,
    :class:`~skcl.optim.schedules.Optimal`, or
    :class:`~skcl.optim.schedules.ReduceLROnPlateau` (the "adaptive" option,
    which here also works across ``partial_fit`` calls).

    Parameters
    ----------
    learning_rate : float or BaseSchedule, default=0.01
        Learning rate (> 0) or schedule.
    momentum : float, default=0.0
        Momentum factor, in [0, 1).
    nesterov : bool, default=False
        Use Nesterov momentum.

    Attributes
    ----------
    state_ : list of dict
        Per-parameter state (the velocity when ``momentum > 0``).
    n_steps_ : int
        Number of steps taken.
    schedule_ : BaseSchedule
        The fitted learning-rate schedule.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.optim import SGD
    >>> w = np.ones(3)
    >>> opt = SGD(learning_rate=0.5).init_state([w])
    >>> opt.step([w], [np.array([1.0, 0.0, -1.0])])
    0.5
    >>> w
    array([0.5, 1. , 1.5])
    """

    _parameter_constraints: dict = {
        **BaseOptimizer._parameter_constraints,
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
    }

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate=learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov

    def _init_param_state(self, param):
        return {"velocity": np.zeros_like(param)} if self.momentum > 0 else {}

    def _update(self, param, grad, state, learning_rate):
        if self.momentum > 0:
            v = state["velocity"]
            v *= self.momentum
            v += grad
            if self.nesterov:
                param -= learning_rate * (grad + self.momentum * v)
                return
            grad = v
        param -= learning_rate * grad


class AdaGrad(BaseOptimizer):
    """AdaGrad: per-coordinate rates from the accumulated squared gradients.

    ``param -= learning_rate * grad / (sqrt(sum of squared grads) + eps)``.
    A good default for sparse or badly scaled features: every coordinate gets
    its own step size, and rarely updated ones (such as the weights of a class
    that has just appeared) keep large steps.

    Parameters
    ----------
    learning_rate : float or BaseSchedule, default=0.1
        Learning rate (> 0) or schedule.
    eps : float, default=1e-7
        Added to the denominator for numerical stability, > 0.

    Attributes
    ----------
    state_ : list of dict
        Per-parameter state: ``"sum_sq"``, the accumulated squared gradients.
    n_steps_ : int
        Number of steps taken.
    schedule_ : BaseSchedule
        The fitted learning-rate schedule.

    References
    ----------
    Duchi, Hazan and Singer (2011). "Adaptive subgradient methods for online
    learning and stochastic optimization". JMLR 12.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.optim import AdaGrad
    >>> w = np.zeros(2)
    >>> opt = AdaGrad(learning_rate=0.1).init_state([w])
    >>> _ = opt.step([w], [np.array([2.0, -0.5])])
    >>> np.round(w, 3)
    array([-0.1,  0.1])
    """

    _parameter_constraints: dict = {
        **BaseOptimizer._parameter_constraints,
        "eps": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, learning_rate=0.1, eps=1e-7):
        super().__init__(learning_rate=learning_rate)
        self.eps = eps

    def _init_param_state(self, param):
        return {"sum_sq": np.zeros_like(param)}

    def _update(self, param, grad, state, learning_rate):
        sum_sq = state["sum_sq"]
        buf = np.multiply(grad, grad)
        sum_sq += buf
        np.sqrt(sum_sq, out=buf)
        buf += self.eps
        np.divide(grad, buf, out=buf)
        buf *= learning_rate
        param -= buf


class RMSProp(BaseOptimizer):
    """RMSProp: per-coordinate rates from a moving average of squared gradients.

    Parameters
    ----------
    learning_rate : float or BaseSchedule, default=0.01
        Learning rate (> 0) or schedule.
    rho : float, default=0.9
        Decay of the moving average, in [0, 1).
    eps : float, default=1e-7
        Added to the denominator for numerical stability, > 0.

    Attributes
    ----------
    state_ : list of dict
        Per-parameter state: ``"mean_sq"``, the moving average of squared
        gradients.
    n_steps_ : int
        Number of steps taken.
    schedule_ : BaseSchedule
        The fitted learning-rate schedule.

    References
    ----------
    Tieleman and Hinton (2012). Lecture 6.5, "RMSProp", COURSERA: Neural
    Networks for Machine Learning.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.optim import RMSProp
    >>> w = np.zeros(2)
    >>> opt = RMSProp(learning_rate=0.01).init_state([w])
    >>> _ = opt.step([w], [np.array([1.0, -1.0])])
    >>> np.round(w, 4)
    array([-0.0316,  0.0316])
    """

    _parameter_constraints: dict = {
        **BaseOptimizer._parameter_constraints,
        "rho": [Interval(Real, 0, 1, closed="left")],
        "eps": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, learning_rate=0.01, rho=0.9, eps=1e-7):
        super().__init__(learning_rate=learning_rate)
        self.rho = rho
        self.eps = eps

    def _init_param_state(self, param):
        return {"mean_sq": np.zeros_like(param)}

    def _update(self, param, grad, state, learning_rate):
        mean_sq = state["mean_sq"]
        buf = np.multiply(grad, grad)
        buf *= 1.0 - self.rho
        mean_sq *= self.rho
        mean_sq += buf
        np.sqrt(mean_sq, out=buf)
        buf += self.eps
        np.divide(grad, buf, out=buf)
        buf *= learning_rate
        param -= buf


class Adam(BaseOptimizer):
    """Adam: bias-corrected moving averages of the gradient and its square.

    The bias correction uses a step count kept per class row (the first axis
    of each parameter), so the rows of a class that appears late are
    corrected from their own first step rather than from the model's.

    Parameters
    ----------
    learning_rate : float or BaseSchedule, default=0.001
        Learning rate (> 0) or schedule.
    beta1 : float, default=0.9
        Decay of the first-moment average, in [0, 1).
    beta2 : float, default=0.999
        Decay of the second-moment average, in [0, 1).
    eps : float, default=1e-8
        Added to the denominator for numerical stability, > 0.

    Attributes
    ----------
    state_ : list of dict
        Per-parameter state: ``"m"`` and ``"v"`` (moments) and ``"t"`` (step
        count of each row).
    n_steps_ : int
        Number of steps taken.
    schedule_ : BaseSchedule
        The fitted learning-rate schedule.

    References
    ----------
    Kingma and Ba (2015). "Adam: A method for stochastic optimization". ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from skcl.optim import Adam
    >>> w = np.zeros(2)
    >>> opt = Adam(learning_rate=0.1).init_state([w])
    >>> _ = opt.step([w], [np.array([3.0, -0.2])])
    >>> np.round(w, 3)
    array([-0.1,  0.1])
    """

    _parameter_constraints: dict = {
        **BaseOptimizer._parameter_constraints,
        "beta1": [Interval(Real, 0, 1, closed="left")],
        "beta2": [Interval(Real, 0, 1, closed="left")],
        "eps": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(learning_rate=learning_rate)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps

    def _init_param_state(self, param):
        t_shape = (param.shape[0],) + (1,) * (param.ndim - 1)
        return {
            "m": np.zeros_like(param),
            "v": np.zeros_like(param),
            "t": np.zeros(t_shape, dtype=param.dtype),
        }

    def _update(self, param, grad, state, learning_rate):
        m, v, t = state["m"], state["v"], state["t"]
        t += 1.0
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        buf = np.multiply(grad, grad)
        buf *= 1.0 - self.beta2
        v *= self.beta2
        v += buf
        np.sqrt(v, out=buf)
        buf /= np.sqrt(1.0 - self.beta2**t)  # sqrt of the corrected 2nd moment
        buf += self.eps
        np.divide(m, buf, out=buf)
        buf *= learning_rate / (1.0 - self.beta1**t)  # corrected 1st moment
        param -= buf
