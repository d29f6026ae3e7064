"""Nearest-neighbour style classifiers that learn from streams."""

from ._nearest_class_mean import NearestClassMeanClassifier

__all__ = ["NearestClassMeanClassifier"]
