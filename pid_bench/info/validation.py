"""Validation of joint probability arrays at the public entry points."""

from __future__ import annotations

import numpy as np

__all__ = ["validate_joint", "validate_base"]

#: Largest accepted deviation of a probability array's sum from 1.
SUM_TOLERANCE = 1e-9


def validate_joint(p: object, *, ndim: int | None = 3, normalize: bool = False,
                   name: str = "p") -> np.ndarray:
    """Check a joint probability array and return it as float64.

    Parameters
    ----------
    p : array_like
        Joint probabilities (or counts when ``normalize=True``).
    ndim : int or None, default 3
        Required number of axes; ``None`` accepts any number >= 1.
    normalize : bool, default False
        Divide by the sum. Without it the entries must already sum to 1
        (within ``1e-9``).
    name : str
        Name of the argument, used in error messages.

    Returns
    -------
    numpy.ndarray
        A float64 copy that sums to 1.

    Raises
    ------
    ValueError
        Not numeric, wrong number of axes, an empty axis, NaN or inf, negative entries,
        all zeros, or a sum away from 1 without ``normalize=True``.
    """
    try:
        raw = np.asarray(p)
        if raw.dtype.kind not in "biuf":
            raise TypeError(f"dtype {raw.dtype}")
        arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real numeric array of probabilities; received "
                         f"{type(p).__name__} that is not one ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes (|X1|, |X2|, |Y|); received an array "
                         f"of shape {arr.shape} with {arr.ndim} axes")
    if arr.ndim == 0 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty array; received shape {arr.shape}")
    # One sum and one minimum (this runs on every call of pid(), also in permutation
    # loops): a NaN or inf entry makes the sum non-finite.
    total = arr.sum()
    if not np.isfinite(total):
        bad = int(np.sum(~np.isfinite(arr)))
        if bad:
            raise ValueError(f"{name} must contain finite numbers; received {bad} NaN or inf "
                             f"entries")
        raise ValueError(f"{name} must have a finite sum; received entries whose sum "
                         f"overflows (largest {arr.max():.6g})")
    minimum = arr.min()
    if minimum < 0:
        raise ValueError(f"{name} must be non-negative; received minimum entry "
                         f"{minimum:.6g}")
    if total <= 0:
        raise ValueError(f"{name} must have positive total mass; received all zeros")
    if normalize:
        arr /= total
    elif abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1 (tolerance {SUM_TOLERANCE:g}); received sum "
                         f"{total:.12g}. Pass normalize=True to accept counts")
    return arr


def validate_base(base: float) -> float:
    """Check a logarithm base: a finite number > 0 and != 1 (``numpy.e`` for nats)."""
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise ValueError(f"base must be a number > 0 and != 1; received {base!r}") from None
    if not np.isfinite(b) or b <= 0 or b == 1:
        raise ValueError(f"base must be a finite number > 0 and != 1; received {base!r}")
    return b
