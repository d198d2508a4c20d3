"""Contingency tables of coded samples, and the resampled tables that the statistics need.

A :class:`SampleTable` keeps the integer codes of (x1, x2, y) once, as one flat cell index per
sample, so that every table of the statistics (the plug-in, a permutation of y, a bootstrap
draw, a subsample) costs one ``numpy.bincount`` and no Python loop over samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pid_bench.info.discrete.broja import BrojaConvergenceError
from pid_bench.info.registry import pid
from pid_bench.info.result import PIDResult

__all__ = ["SampleTable", "decompose", "RESAMPLE_OPTIONS"]

#: Options of the discrete measure for resampled tables unless the caller gives others: a
#: table estimated from samples is itself off by far more than 1e-7 bits, so BROJA need not
#: certify 1e-9 on each of the many resamples.
RESAMPLE_OPTIONS: dict[str, dict[str, Any]] = {"broja": {"tol": 1e-7}}

#: Largest BROJA duality gap (bits) accepted when the requested one cannot be certified; far
#: below the sampling error of any table estimated from samples.
_LOOSEST_TOL = 1e-3


def decompose(p: np.ndarray, measure: str, options: Mapping[str, Any]) -> PIDResult:
    """``pid(p, measure, **options)``, accepting a BROJA certificate up to 1e-3 bits.

    Parameters
    ----------
    p : numpy.ndarray, shape (|X1|, |X2|, |Y|)
        Joint distribution (sums to 1).
    measure : str
        Discrete measure.
    options : mapping
        Its options.

    Returns
    -------
    PIDResult
        In bits. Where the requested BROJA gap cannot be certified but a gap below 1e-3 bits
        was reached, the result certified at twice that gap.
    """
    try:
        return pid(p, measure, **options)
    except BrojaConvergenceError as exc:
        if exc.gap > _LOOSEST_TOL:
            raise
        return pid(p, measure, **{**options, "tol": 2 * exc.gap})


class SampleTable:
    """Integer codes of n paired samples and the contingency tables made from them.

    Parameters
    ----------
    codes : sequence of three int arrays, shape (n,) each
        Codes 0..K-1 of x1, x2 and y (as made by ``encode_labels``).

    Attributes
    ----------
    shape : tuple of int
        (|X1|, |X2|, |Y|): the observed levels of each variable.
    n : int
        Number of samples.
    """

    def __init__(self, codes: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        c1, c2, cy = (np.asarray(c, dtype=np.int64) for c in codes)
        self.shape = (int(c1.max()) + 1, int(c2.max()) + 1, int(cy.max()) + 1)
        self.n = int(c1.size)
        self.cy = cy
        self._sources = c1 * self.shape[1] + c2      # flat (x1, x2) cell of each sample
        self._flat = self._sources * self.shape[2] + cy
        self._size = int(np.prod(self.shape))

    def _joint(self, flat: np.ndarray) -> np.ndarray:
        counts = np.bincount(flat, minlength=self._size).astype(np.float64)
        return (counts / counts.sum()).reshape(self.shape)

    def joint(self) -> np.ndarray:
        """The plug-in joint p(x1, x2, y), shape ``shape``, summing to 1."""
        return self._joint(self._flat)

    def counts(self) -> np.ndarray:
        """The counts of each cell, shape ``shape``, integers."""
        return np.bincount(self._flat, minlength=self._size).reshape(self.shape)

    def occupied(self) -> int:
        """Number of cells with at least one sample."""
        return int(np.count_nonzero(np.bincount(self._flat, minlength=self._size)))

    def permuted(self, rng: np.random.Generator) -> np.ndarray:
        """Joint after a random permutation of y: the (x1, x2) joint and y's marginal are
        kept, every dependence of y on (x1, x2) is destroyed."""
        return self._joint(self._sources * self.shape[2] + rng.permutation(self.cy))

    def resampled(self, idx: np.ndarray) -> np.ndarray:
        """Joint of the samples at ``idx`` (int array, any length > 0, repeats allowed)."""
        return self._joint(self._flat[idx])
