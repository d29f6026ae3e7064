"""numpydoc validation of the public API (as scikit-learn's test_docstrings)."""

import importlib
import inspect
import pkgutil

import pytest
from numpydoc.validate import validate

import skcl

# Codes scikit-learn also ignores: summaries split over lines, no See Also /
# Examples on every method, "name : type" in Returns.
IGNORED = {"GL01", "GL02", "GL08", "SA01", "EX01", "ES01", "RT02"}


def _public_objects():
    seen = set()
    for info in pkgutil.walk_packages(skcl.__path__, prefix="skcl."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # submodules and constants (e.g. SCENARIOS)
            key = f"{obj.__module__}.{obj.__qualname__}"
            if key in seen:
                continue
            seen.add(key)
            yield key
            if inspect.isclass(obj):
                # public methods, including those inherited from skcl bases
                for meth, func in inspect.getmembers(obj, inspect.isfunction):
                    if not meth.startswith("_") and func.__module__.startswith("skcl"):
                        yield f"{func.__module__}.{func.__qualname__}"


OBJECTS = sorted(set(_public_objects()))


def test_public_api_is_found():
    assert "skcl.linear_model._sgd.ContinualSGDClassifier.partial_fit" in OBJECTS
    assert "skcl.neighbors._nearest_class_mean._BaseClassMeans.partial_fit" in OBJECTS
    assert len(OBJECTS) > 100


@pytest.mark.parametrize("name", OBJECTS)
def test_docstring(name):
    errors = [
        f"{code}: {message}"
        for code, message in validate(name)["errors"]
        if code not in IGNORED
    ]
    assert not errors, "\n".join(errors)
