"""Turning bias-corrected information estimates into a valid decomposition.

A bias correction subtracts an estimate of the plug-in bias from each quantity, and the
corrected numbers can leave the region where a decomposition exists (a mutual information
below zero, I(X1, X2; Y) below max(I(X1; Y), I(X2; Y)), a redundancy outside the bounds that
keep every atom non-negative). :func:`valid_decomposition` projects them back, so that every
estimator returns non-negative atoms that satisfy the consistency identities.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pid_bench.info.result import PIDResult

__all__ = ["valid_decomposition"]


def valid_decomposition(mi1: float, mi2: float, mi12: float, redundancy: float, *,
                        measure: str, details: Mapping[str, Any] | None = None) -> PIDResult:
    """The nearest valid decomposition to (possibly inconsistent) estimates, in bits.

    The mutual informations are clipped in turn: I(Xi; Y) >= 0, then
    I(X1, X2; Y) >= max(I(X1; Y), I(X2; Y)); the redundancy is then clipped into
    [max(0, I1 + I2 - I12), min(I1, I2)], the interval in which R, U1, U2 and S are all
    non-negative. Estimates that are already valid pass unchanged.

    Parameters
    ----------
    mi1, mi2, mi12 : float
        Estimates of I(X1; Y), I(X2; Y) and I(X1, X2; Y), bits.
    redundancy : float
        Estimate of R, bits.
    measure : str
        Name recorded in the result.
    details : mapping, optional
        Extras recorded in the result; ``clipped`` (whether anything moved) is added.

    Returns
    -------
    PIDResult
    """
    i1, i2 = max(mi1, 0.0), max(mi2, 0.0)
    i12 = max(mi12, i1, i2)
    r = min(max(redundancy, 0.0, i1 + i2 - i12), i1, i2)
    clipped = (i1, i2, i12, r) != (mi1, mi2, mi12, redundancy)
    # Each atom is >= 0 in exact arithmetic; max() removes round-off of order 1e-16.
    return PIDResult(r, max(i1 - r, 0.0), max(i2 - r, 0.0), max(i12 - i1 - i2 + r, 0.0),
                     measure=measure, details={**dict(details or {}), "clipped": clipped})
