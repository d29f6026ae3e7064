"""Discriminant analysis classifiers that learn from streams."""

from ._streaming_lda import StreamingLDAClassifier

__all__ = ["StreamingLDAClassifier"]
