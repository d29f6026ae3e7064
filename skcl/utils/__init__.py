"""Utilities: estimator discovery and skcl's own estimator checks."""

from .discovery import all_estimators

__all__ = ["all_estimators"]
