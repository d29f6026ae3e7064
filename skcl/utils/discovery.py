"""Find skcl's public estimators (for the common tests and the docs)."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]

# Optional subpackages whose import needs an extra (skipped when missing).
_OPTIONAL = {"skcl.dask"}


def all_estimators(type_filter=None):
    """Return the public estimators of skcl.

    Parameters
    ----------
    type_filter : {"classifier", "transformer"} or None, default=None
        Keep only classifiers or only transformers.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name; abstract classes, private
        classes and the parameter objects of estimators (optimizers,
        schedules, replay buffers) are left out.

    Examples
    --------
    >>> from skcl.utils import all_estimators
    >>> names = [name for name, _ in all_estimators()]
    >>> "ContinualSGDClassifier" in names
    True
    """
    import skcl

    found = {}
    for mod_info in pkgutil.walk_packages(skcl.__path__, prefix="skcl."):
        parts = mod_info.name.split(".")
        if any(p.startswith("_") for p in parts) or "tests" in parts:
            continue
        if mod_info.name in _OPTIONAL:
            continue
        module = importlib.import_module(mod_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                name.startswith("_")
                or not cls.__module__.startswith("skcl.")
                or not issubclass(cls, BaseEstimator)
                or inspect.isabstract(cls)
                or not any(
                    hasattr(cls, m) for m in ("predict", "transform", "fit_resample")
                )
                or name in {"Pipeline"}
            ):
                continue
            found[name] = cls
    items = sorted(found.items())
    if type_filter == "classifier":
        items = [(n, c) for n, c in items if hasattr(c, "predict")]
    elif type_filter == "transformer":
        items = [(n, c) for n, c in items if hasattr(c, "transform")]
    elif type_filter is not None:
        raise ValueError(
            f"type_filter must be 'classifier', 'transformer' or None, "
            f"got {type_filter!r}"
        )
    return items
