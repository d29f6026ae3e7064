"""Linear models for continual learning."""

from ._pretrained import from_linear_classifier
from ._sgd import ContinualSGDClassifier

__all__ = ["ContinualSGDClassifier", "from_linear_classifier"]
