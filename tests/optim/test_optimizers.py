import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from skcl.optim import (
    SGD,
    AdaGrad,
    Adam,
    Constant,
    InverseScaling,
    Optimal,
    ReduceLROnPlateau,
    RMSProp,
    StepDecay,
)

OPTIMIZERS = [SGD(0.1), SGD(0.1, momentum=0.9), AdaGrad(), RMSProp(), Adam()]


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: repr(o))
def test_minimises_a_quadratic(opt):
    target = np.array([[1.0, -2.0], [0.5, 3.0]])
    w = np.zeros((2, 2))
    lr = 0.5 if isinstance(opt, AdaGrad) else 0.01
    opt = clone(opt).set_params(learning_rate=lr).init_state([w])
    for _ in range(3000):
        opt.step([w], [w - target])
    assert_allclose(w, target, atol=0.05)
    assert opt.n_steps_ == 3000


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: repr(o))
def test_grow_inserts_zero_rows_and_keeps_old_ones(opt, rng):
    w, b = rng.randn(3, 4), rng.randn(3)
    opt = clone(opt).init_state([w, b])
    for _ in range(3):
        opt.step([w, b], [rng.randn(3, 4), rng.randn(3)])
    before = [{k: v.copy() for k, v in s.items()} for s in opt.state_]
    opt.grow([0, 4])
    for old, new in zip(before, opt.state_):
        for key in old:
            assert new[key].shape[0] == 5
            assert_array_equal(new[key][[1, 2, 3]], old[key])
            assert_array_equal(new[key][[0, 4]], 0)


def test_adam_bias_correction_is_per_row():
    w = np.zeros((1, 2))
    opt = Adam(learning_rate=0.1).init_state([w])
    for _ in range(50):
        opt.step([w], [np.ones((1, 2))])
    opt.grow([1])
    w = np.vstack([w, np.zeros((1, 2))])
    opt.step([w], [np.ones((2, 2))])
    # the new row's first step is exactly the learning rate, as Adam's first step
    assert_allclose(w[1], -0.1, rtol=1e-6)
    assert_array_equal(opt.state_[0]["t"].ravel(), [51, 1])


def test_state_survives_joblib_and_user_object_untouched(tmp_path):
    user = AdaGrad(learning_rate=ReduceLROnPlateau(0.1, window=1, patience=1))
    opt = clone(user)
    w = np.zeros(3)
    opt.init_state([w])
    for loss in [1, 1, 1, 1]:
        opt.step([w], [np.ones(3)])
        opt.observe_loss(loss)
    joblib.dump(opt, tmp_path / "o.joblib")
    back = joblib.load(tmp_path / "o.joblib")
    assert back.current_learning_rate == opt.current_learning_rate < 0.1
    assert_array_equal(back.state_[0]["sum_sq"], opt.state_[0]["sum_sq"])
    assert not hasattr(user, "state_")
    assert not hasattr(user.learning_rate, "scale_")


def test_invalid_hyperparameters_are_rejected():
    with pytest.raises(ValueError, match="learning_rate"):
        AdaGrad(learning_rate=-1).init_state([np.zeros(2)])
    with pytest.raises(ValueError, match="beta1"):
        Adam(beta1=1.5).init_state([np.zeros(2)])


@settings(max_examples=50, deadline=None)
@given(
    lr=st.floats(1e-4, 10),
    power=st.floats(0, 3),
    t=st.integers(0, 10**6),
)
def test_inverse_scaling_never_increases(lr, power, t):
    s = InverseScaling(learning_rate=lr, power_t=power)
    assert s.get(t + 1) <= s.get(t) <= lr


@settings(max_examples=30, deadline=None)
@given(losses=st.lists(st.floats(0, 10), min_size=1, max_size=200))
def test_plateau_rate_never_increases_and_stays_above_min(losses):
    s = ReduceLROnPlateau(
        learning_rate=0.1, window=3, patience=1, min_learning_rate=1e-3
    )
    rates = []
    for loss in losses:
        s.observe(loss)
        rates.append(s.get(0))
    assert all(b <= a for a, b in zip(rates, rates[1:]))
    assert min(rates) >= 1e-3


def test_schedules_values():
    assert Constant(0.3).get(10**6) == 0.3
    assert StepDecay(1.0, step_size=2, gamma=0.1).get(5) == pytest.approx(0.01)
    opt = Optimal(alpha=1e-3, learning_rate=0.2)
    assert opt.get(0) == pytest.approx(0.2)
    assert opt.get(10) < opt.get(0)


def test_plateau_improving_loss_keeps_rate_and_reset_restores():
    s = ReduceLROnPlateau(learning_rate=0.1, window=2, patience=1)
    for loss in np.linspace(2, 0.1, 40):
        s.observe(loss)
    assert s.get(0) == 0.1
    for _ in range(10):
        s.observe(5.0)
    assert s.get(0) < 0.1
    s.reset()
    assert s.get(0) == 0.1
