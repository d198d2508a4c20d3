"""The plug-in decomposition of coded samples with its bias correction, p-values and intervals.

One function, :func:`plugin_pid`, used by ``pid_from_samples`` (discrete labels) and by the
``cluster`` estimator (codes of discretised data). It solves the plug-in table once, draws the
permutations and bootstrap replicates that were asked for (each costs one solve of a table of
the same shape) and reuses them: the shuffle correction is the mean of the permutation null,
the bootstrap correction the mean of the bootstrap replicates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from pid_bench.info.result import ATOMS, PIDResult
from pid_bench.info.sampling import bias as _bias
from pid_bench.info.sampling.guards import MIN_SAMPLES_PER_CELL, undersampling_message
from pid_bench.info.sampling.intervals import (DEFAULT_INTERVAL, HULL_CORRECTIONS, INTERVALS,
                                                bootstrap_draws, bootstrap_interval,
                                                boundary_regimes, calibration)
from pid_bench.info.sampling.significance import no_synergy_test, permutation_test
from pid_bench.info.sampling.table import RESAMPLE_OPTIONS, SampleTable, decompose

__all__ = ["plugin_pid", "auto_correction", "DEFAULT_CORRECTION", "AUTO_SWITCH", "AUTO_SPARSE",
           "AUTO_DENSE", "DEFAULT_PERMUTATIONS", "DEFAULT_RESAMPLES",
           "check_sampling_options", "check_count"]

#: The default correction: "auto" picks by the samples per occupied cell (below).
DEFAULT_CORRECTION = "auto"

#: Samples per occupied cell from which ``"auto"`` uses AUTO_DENSE instead of AUTO_SPARSE.
#: Since the occupied cells are at most all cells, it uses AUTO_DENSE wherever n is at least
#: twice the number of cells.
AUTO_SWITCH = 2.0

#: ``"auto"``'s correction below AUTO_SWITCH samples per occupied cell: NSB, whose error on
#: the 4,096- and 27,000-cell independent and random tables of benchmarks/pid_sampling.py at
#: 0.5x and 1x cells is at most 0.062 bits, where the bootstrap errs by 0.27 to 0.84 bits and
#: the shuffle correction by up to 0.30 (docs/results/pid_sampling.md).
AUTO_SPARSE = "nsb"

#: ``"auto"``'s correction from AUTO_SWITCH samples per occupied cell on: the bootstrap, the
#: one with the smallest worst-case error of the benchmark at n >= 2x cells (0.147 bits).
AUTO_DENSE = "bootstrap"


def auto_correction(n: int, occupied: int) -> str:
    """The correction that ``"auto"`` chooses for n samples over ``occupied`` cells."""
    return AUTO_SPARSE if n / occupied < AUTO_SWITCH else AUTO_DENSE

#: Largest number of permutations behind the p-values (they stop early on null-like atoms).
DEFAULT_PERMUTATIONS = 1000

#: Resamples behind a resampling correction when no permutations or bootstrap are asked.
DEFAULT_RESAMPLES = 20


def check_count(name: str, value: object, low: int) -> int:
    """``value`` as an int, or a ``ValueError`` unless it is an integer >= ``low``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; received {value!r}")
    return int(value)


def check_sampling_options(correction: str | None, n_permutations: int, n_bootstrap: int,
                           interval: str, confidence: float, n_resamples: int) -> None:
    """Refuse invalid options of :func:`plugin_pid` with a message naming the valid ones."""
    if correction is not None and correction not in ("auto", *_bias.CORRECTIONS):
        raise ValueError(f"correction must be one of auto, {', '.join(_bias.CORRECTIONS)} or "
                         f"None; received {correction!r}")
    check_count("n_permutations", n_permutations, 0)
    check_count("n_bootstrap", n_bootstrap, 0)
    check_count("n_resamples", n_resamples, 1)
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}; received "
                         f"{interval!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); received {confidence!r}")


def plugin_pid(table: SampleTable, *, measure: str = "broja",
               measure_options: Mapping[str, Any] | None = None,
               correction: str | None = DEFAULT_CORRECTION,
               n_permutations: int = DEFAULT_PERMUTATIONS, n_bootstrap: int = 0,
               interval: str = DEFAULT_INTERVAL, confidence: float = 0.95,
               n_resamples: int = DEFAULT_RESAMPLES,
               seed: int | np.random.Generator | None = None) -> tuple[PIDResult, str]:
    """Plug-in decomposition with bias correction, permutation p-values and intervals.

    Parameters
    ----------
    table : SampleTable
        The coded samples.
    measure : str, default "broja"
        Discrete measure.
    measure_options : mapping, optional
        Its options (the resampled tables use ``tol=1e-7`` for BROJA unless given).
    correction : str or None, default "auto"
        One of :data:`pid_bench.info.sampling.bias.CORRECTIONS`, None for the plug-in, or
        ``"auto"``: AUTO_SPARSE below AUTO_SWITCH samples per occupied cell, AUTO_DENSE from
        there on (:func:`auto_correction`).
    n_permutations : int, default 1000
        Largest number of y-permutations behind the p-values (0: no p-values).
    n_bootstrap : int, default 0
        Bootstrap replicates behind the intervals (0: no intervals).
    interval : {"hull", "boundary", "centered", "bca", "percentile"}, default "hull"
        Interval method (:mod:`pid_bench.info.sampling.intervals`); ``"hull"`` also
        computes the corrections of
        :data:`~pid_bench.info.sampling.intervals.HULL_CORRECTIONS` (no extra solve).
    confidence : float, default 0.95
        Coverage of the intervals.
    n_resamples : int, default 20
        Permutations or replicates behind a shuffle or bootstrap correction when
        ``n_permutations`` or ``n_bootstrap`` is 0.
    seed : int or numpy.random.Generator, optional
        Seeds every random step.

    Returns
    -------
    result : PIDResult
        Reported atoms in bits (corrected unless ``correction`` is None), ``measure`` as
        given, intervals when ``n_bootstrap > 0``. ``details``: the measure's own, plus
        ``plugin`` (raw atoms and total), ``bias`` (raw minus reported, per atom),
        ``correction`` (the one applied), ``correction_rule`` (as asked, e.g. ``"auto"``),
        ``p_values`` (atoms and total, or None), ``n_permutations`` (done),
        ``n_bootstrap``, ``interval_method``, ``interval_calibrated`` and ``interval_note``
        (:func:`~pid_bench.info.sampling.intervals.calibration`), ``interval_boundary`` (the
        unique informations that the reported atoms leave consistent with 0, whose boundary
        regime widened the ``"hull"`` and ``"boundary"`` intervals), ``shape``,
        ``occupied_cells``, ``samples_per_cell`` (per occupied cell), ``undersampled`` and
        ``clipped`` (whether the projection to a valid decomposition moved anything).
    warning : str
        The undersampling message, or '' (the caller warns).
    """
    check_sampling_options(correction, n_permutations, n_bootstrap, interval, confidence,
                           n_resamples)
    user = dict(measure_options or {})
    resample_options = {**RESAMPLE_OPTIONS.get(measure, {}), **user}

    def solve(p: np.ndarray) -> np.ndarray:
        return decompose(p, measure, resample_options).atoms()

    rng = np.random.default_rng(seed)
    occupied = table.occupied()
    rule = correction
    if correction == "auto":
        correction = auto_correction(table.n, occupied)
    plugin = decompose(table.joint(), measure, user)
    raw = plugin.atoms()
    p_values = null = None
    synergy_null = "both" if measure == "broja" else "permutation"
    if n_permutations or correction == "shuffle":
        null, p_values = permutation_test(table, solve, raw, n_permutations or n_resamples, rng,
                                          stop_on=(True,) * 4 + (False,) if n_permutations
                                          else None)
    if n_permutations and synergy_null == "both":
        # Significant only against both nulls (independence, and no synergy with the data's
        # pairwise marginals): the larger p-value is valid wherever either null is. The
        # no-synergy draws get the permutations' budget: where the permutations stopped
        # early, the synergy's p-value is already large and the larger one no smaller.
        _, p_no_synergy = no_synergy_test(plugin.details["q"], table.n, solve, raw[3],
                                          len(null), rng)
        p_values[3] = max(p_values[3], p_no_synergy)
    boot = None
    if n_bootstrap or correction == "bootstrap":
        boot = bootstrap_draws(table, solve, n_bootstrap or n_resamples, rng)

    def corrected(name: str | None) -> PIDResult:
        if name is None:
            return dataclasses.replace(plugin, details={"clipped": False})
        if name == "shuffle":
            return _bias.corrected_atoms(raw - null.mean(axis=0), measure=measure)
        if name == "bootstrap":
            return _bias.corrected_atoms(2 * raw - boot.mean(axis=0), measure=measure)
        if name == "extrapolation":
            return _bias.corrected_atoms(_bias.extrapolated_atoms(table, solve, raw, rng),
                                         measure=measure)
        counts = table.counts()
        if name == "panzeri_treves":
            informations = _bias.plugin_informations(counts) - _bias.panzeri_treves_bias(counts)
        else:
            informations = _bias.nsb_informations(counts)
        return _bias.corrected_informations(informations, plugin.redundancy, measure=measure)

    reported = corrected(correction)
    warning = undersampling_message(table.n, occupied)
    intervals = None
    nonnegative = measure not in _bias.SIGNED_MEASURES
    calibrated, note = calibration(interval, measure, table.n / occupied)
    if n_bootstrap:
        others = [corrected(name).atoms() for name in HULL_CORRECTIONS
                  if name != correction] if interval == "hull" else []
        intervals = bootstrap_interval(table, solve, raw, reported.atoms(), boot, confidence,
                                       interval, rng, nonnegative=nonnegative, others=others)
    at_zero = (boundary_regimes(reported.atoms(), boot, confidence)
               if n_bootstrap and interval in ("hull", "boundary") and nonnegative else [])
    names = (*ATOMS, "total")
    details = {
        **dict(plugin.details),
        "plugin": plugin.to_dict(),
        "bias": dict(zip(ATOMS, (raw - reported.atoms()).tolist())),
        "correction": correction,
        "correction_rule": rule,
        "p_values": None if p_values is None or not n_permutations
        else dict(zip(names, p_values.tolist())),
        "n_permutations": len(null) if null is not None and n_permutations else 0,
        "synergy_null": synergy_null if n_permutations else None,
        "n_bootstrap": n_bootstrap,
        "interval_method": interval if n_bootstrap else None,
        "interval_calibrated": bool(n_bootstrap) and calibrated,
        "interval_note": note if n_bootstrap else None,
        "interval_boundary": [ATOMS[k] for k in at_zero],
        "shape": table.shape,
        "occupied_cells": occupied,
        "samples_per_cell": table.n / occupied,
        "min_samples_per_cell": MIN_SAMPLES_PER_CELL,
        "undersampled": bool(warning),
        "clipped": reported.details["clipped"],
    }
    result = PIDResult(reported.redundancy, reported.unique1, reported.unique2,
                       reported.synergy, measure=measure, intervals=intervals, details=details)
    return result, warning
