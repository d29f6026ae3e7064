"""skcl: continual learning for scikit-learn.

Estimators that learn from batches that keep arriving (``partial_fit``),
accept classes never seen before, and keep forgetting low, with the tools to
measure it. Subpackages are imported on demand::

    from skcl.linear_model import ContinualSGDClassifier
    from skcl.optim import Adam
"""

__version__ = "0.1.0"

__all__ = [
    "base",
    "datasets",
    "discriminant_analysis",
    "evaluation",
    "exceptions",
    "image",
    "linear_model",
    "metrics",
    "mitigation",
    "model_selection",
    "neighbors",
    "optim",
    "persistence",
    "pipeline",
    "scenarios",
    "show_versions",
    "utils",
]


def show_versions():
    """Print the versions of skcl, Python and the core dependencies.

    Examples
    --------
    >>> from skcl import show_versions
    >>> show_versions()  # doctest: +SKIP
    """
    import platform
    from importlib.metadata import PackageNotFoundError, version

    print(f"skcl: {__version__}")
    print(f"python: {platform.python_version()}")
    for name in ("numpy", "scipy", "scikit-learn", "joblib", "matplotlib", "pillow"):
        try:
            print(f"{name}: {version(name)}")
        except PackageNotFoundError:
            print(f"{name}: not installed")
