"""PID from samples: plug-in for discrete labels, named estimators for continuous data."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from pid_bench.info.registry import check_options, get_estimator, get_measure, in_base
from pid_bench.info.result import ATOMS, PIDResult
from pid_bench.info.validation import validate_base

__all__ = ["pid_from_samples", "joint_from_samples", "encode_labels"]


def encode_labels(values: object, name: str) -> np.ndarray:
    """Integer codes 0..K-1 of any hashable labels (array, list or pandas Series), shape (n,)."""
    if isinstance(values, np.ndarray):
        arr = values
    elif hasattr(values, "to_numpy"):  # pandas Series or Index
        arr = values.to_numpy()
    else:
        # element by element, so that tuple labels stay whole instead of becoming a 2-D array
        items = list(values)  # type: ignore[call-overload]
        arr = np.empty(len(items), dtype=object)
        for i, v in enumerate(items):
            arr[i] = v
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one label per sample, shape (n,); received shape "
                         f"{arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains missing or non-finite labels (None, NaN or inf)")
    if arr.dtype.kind == "O":
        if any(v is None or (isinstance(v, float) and not np.isfinite(v)) for v in arr):
            raise ValueError(f"{name} contains missing or non-finite labels (None, NaN or inf)")
        lookup: dict[object, int] = {}
        return np.fromiter((lookup.setdefault(v, len(lookup)) for v in arr), dtype=np.int64,
                           count=arr.size)
    return np.unique(arr, return_inverse=True)[1].astype(np.int64).reshape(-1)


def joint_from_samples(x1: object, x2: object, y: object) -> np.ndarray:
    """Empirical joint distribution p(x1, x2, y) of three label sequences.

    Parameters
    ----------
    x1, x2, y : sequences of hashable labels, length n

    Returns
    -------
    numpy.ndarray, shape (|X1|, |X2|, |Y|)
        Relative frequencies over the observed labels.
    """
    codes = [encode_labels(v, k) for k, v in (("x1", x1), ("x2", x2), ("y", y))]
    lengths = {k: c.size for k, c in zip(("x1", "x2", "y"), codes)}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"x1, x2 and y must have the same number of samples; received {lengths}")
    if codes[0].size == 0:
        raise ValueError("x1, x2 and y must hold at least one sample; received none")
    shape = tuple(int(c.max()) + 1 for c in codes)
    counts = np.zeros(shape)
    np.add.at(counts, tuple(codes), 1.0)
    return counts / counts.sum()


def _length(values: object, name: str) -> int:
    try:
        return len(values)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a sequence or array of samples; received "
                         f"{type(values).__name__}") from None


def _bootstrap(fn: Callable[[np.ndarray], PIDResult], n: int, n_bootstrap: int,
               seed: int | np.random.Generator | None,
               level: float) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(seed)
    draws = np.empty((n_bootstrap, len(ATOMS) + 1))
    for b in range(n_bootstrap):
        r = fn(rng.integers(0, n, size=n))
        draws[b] = [*r.atoms(), r.total]
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(draws, [tail, 100 - tail], axis=0)
    return {k: (float(lo[i]), float(hi[i])) for i, k in enumerate((*ATOMS, "total"))}


def pid_from_samples(x1: object, x2: object, y: object, *, measure: str = "broja",
                     estimator: str | None = None, n_bootstrap: int = 0,
                     seed: int | np.random.Generator | None = None, confidence: float = 0.95,
                     base: float = 2, **options: Any) -> PIDResult:
    """Partial information decomposition estimated from paired samples.

    Two modes:

    * discrete (default): ``x1``, ``x2``, ``y`` are sequences of hashable labels; the
      decomposition ``measure`` is applied to their empirical (plug-in) joint distribution;
    * continuous: with ``estimator=`` (one of ``pid_bench.estimators()``), ``x1`` (n, d1),
      ``x2`` (n, d2) and ``y`` (n,) or (n, dy) are numeric arrays handed to that estimator.

    Parameters
    ----------
    x1, x2, y : array_like or pandas.Series, length n
        Paired samples.
    measure : str, default "broja"
        Discrete measure (plug-in mode).
    estimator : str, optional
        Continuous estimator; when given, ``measure`` is ignored.
    n_bootstrap : int, default 0
        Number of bootstrap resamples for percentile intervals (0: none).
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap, also passed to an estimator that takes a ``seed`` (e.g.
        ``"cluster"``; where None, the estimator's own default applies).
    confidence : float, default 0.95
        Coverage of the percentile intervals.
    base : float, default 2
        Logarithm base of the result.
    **options
        Passed to the measure or estimator.

    Returns
    -------
    PIDResult
        With ``intervals`` when ``n_bootstrap > 0``; ``details["n_samples"]`` is n.

    Examples
    --------
    Discrete labels, any hashable values: an XOR target is one bit of pure synergy.

    >>> import numpy as np
    >>> import pid_bench
    >>> x1 = ["a", "a", "b", "b"] * 25
    >>> x2 = [0, 1, 0, 1] * 25
    >>> y = [0, 1, 1, 0] * 25
    >>> r = pid_bench.pid_from_samples(x1, x2, y, n_bootstrap=50, seed=0)
    >>> round(r.synergy, 6), round(r.total, 6), r.details["n_samples"]
    (1.0, 1.0, 100)
    >>> [round(v, 2) for v in r.intervals["synergy"]]  # 95% percentile bootstrap interval
    [0.93, 1.0]

    Continuous samples through a named estimator: for Y = X1 + X2 + noise with independent
    standard normal terms the exact MMI decomposition is R = 1/2 log2(3/2) = 0.292481,
    U1 = U2 = 0 and S = 1/2 log2(3) - R = 0.5 bits.

    >>> rng = np.random.default_rng(0)
    >>> a, b, noise = rng.standard_normal((3, 20_000))
    >>> r = pid_bench.pid_from_samples(a, b, a + b + noise, estimator="gaussian_mmi")
    >>> [round(v, 2) for v in r.atoms().tolist()]
    [0.29, 0.0, 0.01, 0.5]
    """
    if (isinstance(n_bootstrap, (bool, np.bool_)) or not isinstance(n_bootstrap, (int, np.integer))
            or n_bootstrap < 0):
        raise ValueError(f"n_bootstrap must be an integer >= 0; received {n_bootstrap!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); received {confidence!r}")
    validate_base(base)
    lengths = {k: _length(v, k) for k, v in (("x1", x1), ("x2", x2), ("y", y))}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"x1, x2 and y must have the same number of samples; received {lengths}")
    if estimator is None:
        func = get_measure(measure)
        check_options(func, measure, 1, options)
        codes = [encode_labels(v, k) for k, v in (("x1", x1), ("x2", x2), ("y", y))]

        def run(idx: np.ndarray | None) -> PIDResult:
            picked = codes if idx is None else [c[idx] for c in codes]
            return func(joint_from_samples(*picked), **options)
    else:
        func = get_estimator(estimator)
        check_options(func, estimator, 3, options)
        arrays = [np.asarray(v) for v in (x1, x2, y)]
        if seed is not None and "seed" in inspect.signature(func).parameters:
            options = {**options, "seed": seed}

        def run(idx: np.ndarray | None) -> PIDResult:
            picked = arrays if idx is None else [a[idx] for a in arrays]
            return func(*picked, **options)

    result = run(None)
    n = lengths["y"]
    details = {**dict(result.details), "n_samples": n}
    intervals = _bootstrap(run, n, n_bootstrap, seed, confidence) if n_bootstrap else None
    full = PIDResult(result.redundancy, result.unique1, result.unique2, result.synergy,
                     measure=result.measure, unit=result.unit, intervals=intervals, details=details)
    return in_base(full, base)
