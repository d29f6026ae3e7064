"""scikit-learn's conformance suite on every public skcl estimator.

Estimators are discovered (``skcl.utils.all_estimators``), not listed by hand.
An estimator that fails a check on purpose lists it, with the reason, in a
class attribute ``_skcl_expected_failed_checks`` (check name -> reason).
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skcl.utils import all_estimators


def _instances():
    for _, cls in all_estimators():
        yield cls(**getattr(cls, "_skcl_test_params", {}))


def _expected_failed_checks(estimator):
    return dict(getattr(estimator, "_skcl_expected_failed_checks", {}))


@parametrize_with_checks(
    list(_instances()), expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_expected_failures_have_reasons():
    for name, cls in all_estimators():
        for check, reason in getattr(cls, "_skcl_expected_failed_checks", {}).items():
            assert isinstance(reason, str) and len(reason) > 10, (name, check)


def test_estimators_are_discovered():
    names = {name for name, _ in all_estimators()}
    assert "ContinualSGDClassifier" in names


def _continual_cases():
    from skcl.utils.estimator_checks import continual_checks

    for estimator in _instances():
        for check in continual_checks(estimator):
            yield pytest.param(
                estimator,
                check,
                id=f"{type(estimator).__name__}-{check.func.__name__}",
            )


@pytest.mark.parametrize("estimator, check", list(_continual_cases()))
def test_continual_contract(estimator, check):
    check(estimator)


def test_continual_checks_cover_the_streaming_classifiers():
    ids = {type(e).__name__ for e, _ in (c.values for c in _continual_cases())}
    assert {
        "ContinualSGDClassifier",
        "StreamingLDAClassifier",
        "NearestClassMeanClassifier",
    } <= ids
