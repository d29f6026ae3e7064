"""Warnings and errors raised by skcl."""

__all__ = ["InconsistentVersionWarning", "TrainingDivergedError"]


class InconsistentVersionWarning(UserWarning):
    """A model was saved with other versions of skcl or its dependencies.

    Raised by :func:`skcl.persistence.load` when the versions stamped in a
    saved file differ from the installed ones.
    """


class TrainingDivergedError(FloatingPointError):
    """A training step made the loss or the weights non-finite.

    The estimator is restored to its state before the failing call, so it
    stays usable. Lower the learning rate (or raise ``alpha``) and retry.
    """
