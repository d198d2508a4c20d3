"""PID from samples: plug-in for discrete labels (with its statistics), named estimators for
continuous data."""

from __future__ import annotations

import dataclasses
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from pid_bench.info.registry import check_options, get_estimator, get_measure, in_base
from pid_bench.info.result import ATOMS, PIDResult
from pid_bench.info.sampling.estimate import (
    DEFAULT_PERMUTATIONS,
    DEFAULT_RESAMPLES,
    check_sampling_options,
    plugin_pid,
)
from pid_bench.info.sampling.guards import (
    MEMORY_LIMIT,
    SamplingWarning,
    check_float_labels,
    check_table_size,
)
from pid_bench.info.sampling.intervals import DEFAULT_INTERVAL
from pid_bench.info.sampling.table import SampleTable
from pid_bench.info.validation import validate_base

__all__ = ["pid_from_samples", "joint_from_samples", "encode_labels"]


def _label_array(values: object, name: str) -> np.ndarray:
    """Labels as a 1-D array (object dtype for lists, so that tuples stay whole)."""
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
    return arr


def _codes(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains missing or non-finite labels (None, NaN or inf)")
    if arr.dtype.kind == "O":
        if any(v is None or (isinstance(v, float) and not np.isfinite(v)) for v in arr):
            raise ValueError(f"{name} contains missing or non-finite labels (None, NaN or inf)")
        lookup: dict[object, int] = {}
        return np.fromiter((lookup.setdefault(v, len(lookup)) for v in arr), dtype=np.int64,
                           count=arr.size)
    return np.unique(arr, return_inverse=True)[1].astype(np.int64).reshape(-1)


def encode_labels(values: object, name: str) -> np.ndarray:
    """Integer codes 0..K-1 of any hashable labels (array, list or pandas Series), shape (n,)."""
    return _codes(_label_array(values, name), name)


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
    return SampleTable((codes[0], codes[1], codes[2])).joint()


def _length(values: object, name: str) -> int:
    try:
        return len(values)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a sequence or array of samples; received "
                         f"{type(values).__name__}") from None


def _bootstrap(fn: Callable[[np.ndarray], PIDResult], n: int, n_bootstrap: int,
               seed: int | np.random.Generator | None,
               level: float) -> dict[str, tuple[float, float]]:
    """Percentile intervals of an estimator re-run on resampled arrays."""
    rng = np.random.default_rng(seed)
    draws = np.empty((n_bootstrap, len(ATOMS) + 1))
    for b in range(n_bootstrap):
        r = fn(rng.integers(0, n, size=n))
        draws[b] = [*r.atoms(), r.total]
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(draws, [tail, 100 - tail], axis=0)
    return {k: (float(lo[i]), float(hi[i])) for i, k in enumerate((*ATOMS, "total"))}


#: Options of pid_from_samples that an estimator receives when its signature takes them.
_STATISTICS = ("correction", "n_permutations", "n_bootstrap", "interval", "confidence")


def _estimate(x1: object, x2: object, y: object, estimator: str, n_bootstrap: int,
              seed: int | np.random.Generator | None, confidence: float,
              statistics: dict[str, Any], options: dict[str, Any]) -> PIDResult:
    func = get_estimator(estimator)
    check_options(func, estimator, 3, options)
    arrays = [np.asarray(v) for v in (x1, x2, y)]
    accepted = inspect.signature(func).parameters
    options = {**options, **{k: v for k, v in statistics.items() if k in accepted}}
    if seed is not None and "seed" in accepted:
        options = {**options, "seed": seed}
    result = func(*arrays, **options)
    if not n_bootstrap or "n_bootstrap" in accepted:
        return result

    def run(idx: np.ndarray) -> PIDResult:
        return func(*[a[idx] for a in arrays], **options)

    intervals = _bootstrap(run, arrays[2].shape[0], n_bootstrap, seed, confidence)
    return dataclasses.replace(result, intervals=intervals,
                               details={**dict(result.details), "interval_method": "percentile"})


def pid_from_samples(x1: object, x2: object, y: object, *, measure: str = "broja",
                     estimator: str | None = None, correction: str | None = "auto",
                     n_permutations: int | None = None, n_bootstrap: int = 0,
                     interval: str = DEFAULT_INTERVAL, seed: int | np.random.Generator | None = 0,
                     confidence: float = 0.95, memory_limit: float = MEMORY_LIMIT,
                     base: float = 2, **options: Any) -> PIDResult:
    """Partial information decomposition estimated from paired samples.

    Two modes:

    * discrete (default): ``x1``, ``x2``, ``y`` are sequences of hashable labels; the
      decomposition ``measure`` is applied to their empirical (plug-in) joint distribution,
      its sampling bias is corrected (``correction``), each atom gets a permutation p-value
      and, with ``n_bootstrap``, an interval;
    * continuous: with ``estimator=`` (one of ``pid_bench.estimators()``), ``x1`` (n, d1),
      ``x2`` (n, d2) and ``y`` (n,) or (n, dy) are numeric arrays handed to that estimator.

    Before any table is built, a float column with more than 64 distinct values is refused
    (it is continuous: pass ``estimator=``), and so is a table whose decomposition would need
    more than ``memory_limit`` bytes. A result with fewer than 10 samples per occupied cell
    (``details["samples_per_cell"]``) emits a :class:`~pid_bench.info.sampling.SamplingWarning`:
    the atoms are then dominated by sampling bias (docs/results/pid_sampling.md measures it).

    Parameters
    ----------
    x1, x2, y : array_like or pandas.Series, length n
        Paired samples.
    measure : str, default "broja"
        Discrete measure (plug-in mode).
    estimator : str, optional
        Continuous estimator; when given, ``measure`` is ignored.
    correction : str or None, default "auto"
        Correction of the plug-in bias: ``"shuffle"`` (the mean atoms of y-permuted tables
        are subtracted), ``"bootstrap"``, ``"extrapolation"``, ``"panzeri_treves"``,
        ``"nsb"`` (:mod:`pid_bench.info.sampling.bias`), or None for the raw plug-in.
        ``"auto"``: in plug-in mode ``"bootstrap"`` from 2 samples per occupied cell on (the
        correction with the smallest worst-case error in the sampling benchmark wherever n is
        at least twice the number of cells) and ``"nsb"`` below (the best there); with an
        estimator, its own default. Passed to estimators that take it (``"cluster"``).
    n_permutations : int, optional
        Largest number of permutations of y behind the p-values (0: none); default 1000 in
        plug-in mode, the estimator's own default otherwise. They stop early once every atom
        has been reached 10 times (Besag & Clifford 1991), so null-like data cost about 20
        solves; a significant atom costs all of them, and its smallest p-value is
        1 / (n_permutations + 1).
    n_bootstrap : int, default 0
        Bootstrap replicates behind the intervals (0: none).
    interval : {"hull", "boundary", "centered", "bca", "percentile"}, default "hull"
        Interval method of the plug-in mode (:mod:`pid_bench.info.sampling.intervals`);
        estimators without their own bootstrap get percentile intervals of re-runs.
    seed : int, numpy.random.Generator or None, default 0
        Seed of every random step (permutations, bootstrap, corrections), also passed to an
        estimator that takes a ``seed``; the same seed gives the same numbers. None draws fresh
        entropy (and the estimator's own default seed).
    confidence : float, default 0.95
        Coverage of the intervals.
    memory_limit : float, default 4 GiB
        Bytes that the plug-in table and the measure's work on it may take.
    base : float, default 2
        Logarithm base of the result.
    **options
        Passed to the measure or estimator.

    Returns
    -------
    PIDResult
        Corrected atoms (raw ones with ``correction=None``), ``intervals`` when
        ``n_bootstrap > 0``. ``details["n_samples"]`` is n; in plug-in mode ``details`` also
        holds ``plugin`` (raw atoms), ``bias`` (raw minus reported, per atom),
        ``correction``, ``p_values`` (per atom and total), ``n_permutations`` (done),
        ``interval_method``, ``interval_calibrated`` (False where the samples per occupied
        cell are too few), ``samples_per_cell`` and ``undersampled``. Values in ``details``
        are in bits.

    Raises
    ------
    ValueError
        Mismatched lengths, missing labels, a continuous column or an oversized table in
        plug-in mode, invalid options.

    Notes
    -----
    Cost in plug-in mode: one solve of the table, plus one per permutation and per
    bootstrap replicate (BCa adds 20), ``"extrapolation"`` 6. On a 4 x 4 x 4 table BROJA
    takes about 5 ms per solve, so a default call on null-like data takes about 0.1 s and
    one whose every atom is significant about 5 s; ``n_permutations=0`` skips the p-values.

    Examples
    --------
    Discrete labels, any hashable values: an XOR target is one bit of pure synergy, far
    beyond all of 200 permutations of y; at 100 samples per occupied cell the bootstrap
    correction is applied and the interval is of the corrected synergy.

    >>> import numpy as np
    >>> import pid_bench
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, (2, 400))
    >>> x1 = np.where(a == 1, "on", "off")
    >>> r = pid_bench.pid_from_samples(x1, b, a ^ b, n_permutations=200, n_bootstrap=50, seed=0)
    >>> round(r.synergy, 2), round(r.total, 2), r.details["n_samples"]
    (0.99, 1.0, 400)
    >>> round(r.details["p_values"]["synergy"], 4), r.details["correction"]
    (0.005, 'bootstrap')
    >>> [round(v, 2) for v in r.intervals["synergy"]]  # 95% interval of the corrected synergy
    [0.97, 1.01]

    Continuous samples through a named estimator: for Y = X1 + X2 + noise with independent
    standard normal terms the exact MMI decomposition is R = 1/2 log2(3/2) = 0.292481,
    U1 = U2 = 0 and S = 1/2 log2(3) - R = 0.5 bits.

    >>> rng = np.random.default_rng(0)
    >>> a, b, noise = rng.standard_normal((3, 20_000))
    >>> r = pid_bench.pid_from_samples(a, b, a + b + noise, estimator="gaussian_mmi")
    >>> [round(v, 2) for v in r.atoms().tolist()]
    [0.29, 0.0, 0.01, 0.5]
    """
    check_sampling_options(correction, n_permutations or 0, n_bootstrap, interval, confidence,
                           DEFAULT_RESAMPLES)
    validate_base(base)
    lengths = {k: _length(v, k) for k, v in (("x1", x1), ("x2", x2), ("y", y))}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"x1, x2 and y must have the same number of samples; received {lengths}")
    n = lengths["y"]
    if estimator is not None:
        statistics = {"n_bootstrap": n_bootstrap, "interval": interval,
                      "confidence": confidence}
        if correction != "auto":
            statistics["correction"] = correction
        if n_permutations is not None:
            statistics["n_permutations"] = n_permutations
        result = _estimate(x1, x2, y, estimator, n_bootstrap, seed, confidence, statistics,
                           options)
        return in_base(dataclasses.replace(result, details={**dict(result.details),
                                                            "n_samples": n}), base)
    check_options(get_measure(measure), measure, 1, options)
    if n == 0:
        raise ValueError("x1, x2 and y must hold at least one sample; received none")
    arrays = [_label_array(v, k) for k, v in (("x1", x1), ("x2", x2), ("y", y))]
    for name, arr in zip(("x1", "x2", "y"), arrays):
        check_float_labels(arr, name)
    c1, c2, cy = (_codes(arr, name) for name, arr in zip(("x1", "x2", "y"), arrays))
    table_shape = (int(c1.max()) + 1, int(c2.max()) + 1, int(cy.max()) + 1)
    check_table_size(table_shape, measure, memory_limit)
    result, warning = plugin_pid(SampleTable((c1, c2, cy)), measure=measure,
                                 measure_options=options, correction=correction,
                                 n_permutations=DEFAULT_PERMUTATIONS if n_permutations is None
                                 else n_permutations, n_bootstrap=n_bootstrap,
                                 interval=interval, confidence=confidence, seed=seed)
    if warning:
        warnings.warn(warning, SamplingWarning, stacklevel=2)
    result = dataclasses.replace(result, details={**dict(result.details), "n_samples": n})
    return in_base(result, base)
