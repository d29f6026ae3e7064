"""The only module of skcl that imports private scikit-learn helpers.

scikit-learn moves its private helpers between releases; every other skcl
module imports them from here so that one file absorbs the changes.
"""

import inspect

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight, _num_samples, validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_fit_context",
    "_num_samples",
    "_safe_indexing",
    "check_sample_weight",
    "validate_data",
    "validate_params",
]

_NON_NEGATIVE_KW = (
    "ensure_non_negative"
    if "ensure_non_negative" in inspect.signature(_check_sample_weight).parameters
    else "only_non_negative"
)


def check_sample_weight(sample_weight, X, *, dtype=None):
    """Validate non-negative sample weights for ``X`` (one per sample)."""
    return _check_sample_weight(
        sample_weight, X, dtype=dtype, **{_NON_NEGATIVE_KW: True}
    )
