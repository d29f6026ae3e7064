"""Continual-learning metrics and displays.

The metrics are pure functions of the accuracy matrix ``A`` where ``A[i, j]``
is the accuracy on task ``j`` after training on task ``i`` (see
:func:`skcl.evaluation.evaluate_stream`), plus prequential accuracy for
streams without tasks. The displays draw ``A`` with matplotlib (the optional
extra ``pip install "skcl[plot]"``).
"""

from ._continual import (
    average_accuracy,
    average_forgetting,
    average_incremental_accuracy,
    backward_transfer,
    forward_transfer,
    prequential_accuracy,
)
from ._plot import AccuracyCurveDisplay, AccuracyMatrixDisplay

__all__ = [
    "AccuracyCurveDisplay",
    "AccuracyMatrixDisplay",
    "average_accuracy",
    "average_forgetting",
    "average_incremental_accuracy",
    "backward_transfer",
    "forward_transfer",
    "prequential_accuracy",
]
