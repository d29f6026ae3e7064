"""Label-type checks shared by the classifiers whose classes grow."""

import numbers

import numpy as np


def label_kind(labels):
    """Return ``"numeric"`` or ``"string"`` for an array of (unique) labels.

    Raises a TypeError for a mix of strings and numbers. Object arrays are
    inspected label by label, so pass unique labels, never the samples.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind in "biuf":
        return "numeric"
    if labels.dtype.kind in "US":
        return "string"
    kinds = {
        "string"
        if isinstance(v, str)
        else "numeric"
        if isinstance(v, numbers.Number)
        else type(v).__name__
        for v in labels.ravel()
    }
    if len(kinds) > 1:
        raise TypeError(
            f"Labels mix types {sorted(kinds)}; use labels of a single type "
            "(all strings or all numbers)."
        )
    return kinds.pop() if kinds else "numeric"


def check_same_label_kind(old, new, what):
    """TypeError when ``new`` labels are not of the type of the ``old`` ones."""
    old_kind, new_kind = label_kind(old), label_kind(new)
    if old_kind != new_kind:
        raise TypeError(
            f"{what} are {new_kind} but the classes seen so far are {old_kind} "
            f"({np.asarray(old)[:5].tolist()}...); labels must keep one type "
            "across calls to partial_fit."
        )
