"""One entry point for discrete PID measures and continuous PID estimators.

A *measure* decomposes an exact joint distribution p(x1, x2, y); an *estimator* decomposes
samples of continuous or high-dimensional variables. Both live in one module each and are
found by name. The built-in modules are imported on first use, so that ``import pid_bench``
stays cheap; users add their own with :func:`register_measure` / :func:`register_estimator`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from pid_bench.info.result import ATOMS, PIDResult
from pid_bench.info.units import bits_to, unit_name
from pid_bench.info.validation import validate_base, validate_joint

__all__ = ["pid", "measures", "estimators", "register_measure", "register_estimator",
           "get_measure", "get_estimator", "check_options"]

#: name -> "module:function" of the built-in discrete measures. Each function takes a
#: validated joint array p of shape (|X1|, |X2|, |Y|) that sums to 1 and keyword options,
#: and returns a PIDResult in bits.
_BUILTIN_MEASURES = {
    "broja": "pid_bench.info.discrete.broja:broja",
    "imin": "pid_bench.info.discrete.imin:imin",
    "mmi": "pid_bench.info.discrete.mmi:mmi",
    "ccs": "pid_bench.info.discrete.ccs:ccs",
}

#: name -> "module:function" of the built-in sample estimators. Each function takes arrays
#: x1 (n, d1), x2 (n, d2), y (n,) or (n, dy) and keyword options, and returns a PIDResult
#: in bits.
_BUILTIN_ESTIMATORS = {
    "gaussian_mmi": "pid_bench.info.continuous.gaussian_mmi:gaussian_mmi",
    "gaussian_broja": "pid_bench.info.continuous.gaussian_broja:gaussian_broja",
    "copula": "pid_bench.info.continuous.copula:copula",
    "cluster": "pid_bench.info.continuous.cluster:cluster",
}

_user_measures: dict[str, Callable[..., PIDResult]] = {}
_user_estimators: dict[str, Callable[..., PIDResult]] = {}


@functools.lru_cache(maxsize=None)
def _resolve(path: str) -> Callable[..., PIDResult]:
    module, func = path.split(":")
    return getattr(importlib.import_module(module), func)


def _check_name(name: str, builtin: dict[str, str], user: dict[str, Callable[..., PIDResult]],
                kind: str) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"a {kind} name must be a non-empty string; received {name!r}")
    if name in builtin or name in user:
        raise ValueError(f"a {kind} named {name!r} is already registered")


def register_measure(name: str, func: Callable[..., PIDResult]) -> None:
    """Register a discrete PID measure under ``name``.

    Parameters
    ----------
    name : str
        New, unused name.
    func : callable
        ``func(p, **options) -> PIDResult`` with ``p`` a validated array of shape
        (|X1|, |X2|, |Y|) summing to 1; atoms in bits.
    """
    _check_name(name, _BUILTIN_MEASURES, _user_measures, "measure")
    _user_measures[name] = func


def register_estimator(name: str, func: Callable[..., PIDResult]) -> None:
    """Register a sample-based PID estimator under ``name``.

    Parameters
    ----------
    name : str
        New, unused name.
    func : callable
        ``func(x1, x2, y, **options) -> PIDResult`` with atoms in bits.
    """
    _check_name(name, _BUILTIN_ESTIMATORS, _user_estimators, "estimator")
    _user_estimators[name] = func


def measures() -> list[str]:
    """Names of the discrete PID measures that :func:`pid` accepts, sorted."""
    return sorted({*_BUILTIN_MEASURES, *_user_measures})


def estimators() -> list[str]:
    """Names of the sample-based estimators that ``pid_from_samples`` accepts, sorted."""
    return sorted({*_BUILTIN_ESTIMATORS, *_user_estimators})


def get_measure(name: str) -> Callable[..., PIDResult]:
    """The function behind a measure name; ``ValueError`` listing the names if unknown."""
    if name in _user_measures:
        return _user_measures[name]
    if name in _BUILTIN_MEASURES:
        return _resolve(_BUILTIN_MEASURES[name])
    raise ValueError(f"unknown PID measure {name!r}; known measures: {', '.join(measures())}")


def get_estimator(name: str) -> Callable[..., PIDResult]:
    """The function behind an estimator name; ``ValueError`` listing the names if unknown."""
    if name in _user_estimators:
        return _user_estimators[name]
    if name in _BUILTIN_ESTIMATORS:
        return _resolve(_BUILTIN_ESTIMATORS[name])
    raise ValueError(f"unknown PID estimator {name!r}; known estimators: "
                     f"{', '.join(estimators())}")


def check_options(func: Callable[..., PIDResult], name: str, n_data: int,
                  options: dict[str, Any]) -> None:
    """Refuse keyword options that ``func`` does not take, listing the ones it does.

    Parameters
    ----------
    func : callable
        A measure (``n_data`` = 1: ``p``) or an estimator (``n_data`` = 3: ``x1, x2, y``).
    name : str
        Its registered name, for the message.
    n_data : int
        Number of leading positional data parameters, which are not options.
    options : dict
        The keyword options a caller passed.
    """
    if not options:
        return
    try:
        accepted = _accepted_options(func, n_data)
    except TypeError:                     # an unhashable callable: not cached
        accepted = _accepted_options.__wrapped__(func, n_data)
    if accepted is None:
        return
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"{name!r} does not take the options {unknown}; it takes: "
                         f"{', '.join(accepted) or 'none'}")


@functools.lru_cache(maxsize=256)
def _accepted_options(func: Callable[..., PIDResult], n_data: int) -> tuple[str, ...] | None:
    """Names of the keyword options of ``func`` after its ``n_data`` data parameters (None
    if it takes ``**kwargs``); cached, as ``inspect.signature`` costs more than a small
    solve."""
    params = list(inspect.signature(func).parameters.values())
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return tuple(p.name for p in params[n_data:]
                 if p.kind in (inspect.Parameter.KEYWORD_ONLY,
                               inspect.Parameter.POSITIONAL_OR_KEYWORD))


def in_base(result: PIDResult, base: float) -> PIDResult:
    """Express a result computed in bits in units of ``base``."""
    b = validate_base(base)
    if b == 2:
        return result
    scaled = {a: bits_to(getattr(result, a), b) for a in ATOMS}
    intervals = None
    if result.intervals is not None:
        intervals = {k: (bits_to(lo, b), bits_to(hi, b)) for k, (lo, hi) in result.intervals.items()}
    return dataclasses.replace(result, **scaled, unit=unit_name(b), intervals=intervals)


def pid(p: np.ndarray, measure: str = "broja", *, normalize: bool = False, base: float = 2,
        **options: Any) -> PIDResult:
    """Partial information decomposition of a discrete joint distribution.

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y); zeros allowed.
    measure : str, default "broja"
        One of :func:`measures`.
    normalize : bool, default False
        Accept counts (or any non-negative array) and divide by the sum. Without it the
        entries must sum to 1.
    base : float, default 2
        Logarithm base of the result (2: bits, ``numpy.e``: nats).
    **options
        Passed to the measure (e.g. ``tol`` for ``"broja"``).

    Returns
    -------
    PIDResult
        Redundancy, unique information of each source and synergy.

    Raises
    ------
    ValueError
        Unknown measure, or an array that is not a valid joint distribution.

    Examples
    --------
    Y = X1 AND X2 with uniform binary inputs: 0.311278 bits of redundancy and half a bit of
    synergy, no unique information (Bertschinger et al. 2014).

    >>> import numpy as np
    >>> import pid_bench
    >>> p = np.zeros((2, 2, 2))
    >>> for x1 in (0, 1):
    ...     for x2 in (0, 1):
    ...         p[x1, x2, x1 & x2] = 0.25
    >>> r = pid_bench.pid(p, "broja")
    >>> r.to_series().round(6)
    redundancy    0.311278
    unique1       0.000000
    unique2       0.000000
    synergy       0.500000
    total         0.811278
    Name: broja, dtype: float64
    >>> print(r.details["duality_gap"] <= 1e-9)  # certified: every atom is within the gap
    True

    Counts are accepted with ``normalize=True``; ``base`` changes the unit:

    >>> r = pid_bench.pid(4 * p, "mmi", normalize=True, base=np.e)
    >>> round(r.redundancy, 6), round(r.synergy, 6), r.unit
    (0.215762, 0.346574, 'nats')
    """
    func = get_measure(measure)
    check_options(func, measure, 1, options)
    arr = validate_joint(p, ndim=3, normalize=normalize)
    validate_base(base)
    return in_base(func(arr, **options), base)
