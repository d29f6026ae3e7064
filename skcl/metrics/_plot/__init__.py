"""Displays of the accuracy matrix (matplotlib is imported inside ``plot``)."""

from .accuracy_curve import AccuracyCurveDisplay
from .accuracy_matrix import AccuracyMatrixDisplay

__all__ = ["AccuracyCurveDisplay", "AccuracyMatrixDisplay"]
