"""Grow per-class arrays when new classes arrive (shared by every component)."""

import numpy as np


def insert_rows(array, new_positions, fill=0.0):
    """Return ``array`` with rows of ``fill`` at ``new_positions``.

    ``new_positions`` are indices into the *grown* array (sorted, unique):
    the positions that new classes take in the sorted ``classes_``. Old rows
    keep their order and values, so what was learned for the old classes is
    untouched by the growth.
    """
    new_positions = np.asarray(new_positions, dtype=np.intp)
    n_new = array.shape[0] + new_positions.size
    out = np.full((n_new,) + array.shape[1:], fill, dtype=array.dtype)
    keep = np.ones(n_new, dtype=bool)
    keep[new_positions] = False
    out[keep] = array
    return out
