"""Checks at the door of the plug-in estimate: continuous columns, table size, few samples.

Run before any table is built, they refuse in well under a second what would otherwise run
for minutes and die of memory (a float column has one label per sample: 500 rows of three
float columns make a 500 x 500 x 500 table, and the BROJA solver's Newton matrix over it
needs hundreds of GiB), and they warn when the samples per occupied cell are too few for the
atoms to be trusted.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SamplingWarning", "MAX_FLOAT_LEVELS", "MEMORY_LIMIT", "MIN_SAMPLES_PER_CELL",
           "check_float_labels", "check_table_size", "undersampling_message"]

#: Most distinct values a float column may have and still be taken as labels.
MAX_FLOAT_LEVELS = 64

#: Default memory limit (bytes) of the plug-in table and the measure's work on it: 4 GiB.
MEMORY_LIMIT = 4 * 2**30

#: Samples per occupied cell below which a result warns and its intervals are flagged as not
#: calibrated (the threshold is justified in docs/results/pid_sampling.md).
MIN_SAMPLES_PER_CELL = 10.0

_CONTINUOUS = ('estimator="cluster"', 'estimator="copula"', 'estimator="gaussian_mmi"')


class SamplingWarning(UserWarning):
    """Too few samples per occupied cell for the atoms of a plug-in decomposition.

    Filter it like any warning: ``warnings.simplefilter("ignore", SamplingWarning)``.
    """


def check_float_labels(values: np.ndarray, name: str,
                       max_levels: int = MAX_FLOAT_LEVELS) -> None:
    """Refuse a float column with more than ``max_levels`` distinct values.

    Parameters
    ----------
    values : numpy.ndarray, shape (n,)
        The column as given (float, integer or object dtype).
    name : str
        ``"x1"``, ``"x2"`` or ``"y"``, for the message.
    max_levels : int
        Most distinct float values accepted as labels.

    Raises
    ------
    ValueError
        Names the number of distinct values and the continuous estimators.
    """
    if values.dtype.kind == "O":
        floats = np.array([v for v in values if isinstance(v, float)], dtype=np.float64)
    elif values.dtype.kind == "f":
        floats = values
    else:
        return
    if floats.size <= max_levels:
        return
    distinct = np.unique(floats[np.isfinite(floats)]).size
    if distinct > max_levels:
        raise ValueError(
            f"{name} has {distinct} distinct float values in {values.size} samples: it looks "
            f"continuous, and as labels every value would be its own category. Pass an "
            f"estimator for continuous data ({', '.join(_CONTINUOUS)}; --estimator on the "
            f"command line), or discretise {name} "
            f"first (e.g. numpy.digitize or pandas.qcut); at most {max_levels} distinct float "
            f"values are taken as labels")


def _work_bytes(shape: tuple[int, int, int], measure: str) -> float:
    """Bytes that the table and the measure's work on it take, estimated from the shape."""
    k1, k2, ky = shape
    cells = float(k1) * k2 * ky
    work = 16 * 8 * cells       # the table and the measure's arrays of its shape
    if measure == "broja":      # Newton matrix over the (smaller source, y) dual variables
        work += 8 * (min(k1, k2) * float(ky)) ** 2
    return work


def check_table_size(shape: tuple[int, int, int], measure: str,
                     memory_limit: float = MEMORY_LIMIT) -> None:
    """Refuse a table whose decomposition would need more than ``memory_limit`` bytes.

    Parameters
    ----------
    shape : tuple of int
        (|X1|, |X2|, |Y|), the distinct values of each variable.
    measure : str
        The discrete measure (BROJA's Newton matrix grows with (min(|X1|, |X2|) |Y|)^2).
    memory_limit : float
        Bytes.

    Raises
    ------
    ValueError
        Names the shape, the estimate and the option that raises the limit.
    """
    need = _work_bytes(shape, measure)
    if need > memory_limit:
        k1, k2, ky = shape
        raise ValueError(
            f"the table of x1, x2 and y has {k1} x {k2} x {ky} cells (distinct values of each); "
            f"decomposing it with {measure!r} needs about {need / 2**30:.3g} GiB, above "
            f"memory_limit={memory_limit / 2**30:.3g} GiB. Merge rare categories or "
            f"discretise, use an estimator for continuous data ({', '.join(_CONTINUOUS)}), or "
            f"raise memory_limit (bytes)")


def undersampling_message(n: int, occupied: int, threshold: float = MIN_SAMPLES_PER_CELL) -> str:
    """The warning text for n samples over ``occupied`` cells ('' when enough)."""
    per_cell = n / occupied
    if per_cell >= threshold:
        return ""
    return (f"{n} samples over {occupied} occupied cells ({per_cell:.3g} per cell, fewer than "
            f"{threshold:g}): the plug-in atoms are dominated by sampling bias, the corrected "
            f"ones are uncertain, and the intervals are not calibrated; use more samples or "
            f"fewer categories")
