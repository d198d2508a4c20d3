"""Bootstrap intervals of bias-corrected atoms.

The bootstrap replicates are the plug-in atoms of tables re-drawn with replacement from the
samples. Their percentiles bracket the *plug-in*, which is biased, so they can miss the truth
by the whole bias (the issue this module answers). Three intervals are offered:

* ``"centered"`` (default): the replicates' spread about their own mean, placed around the
  corrected estimate, [c + q_lo - mean, c + q_hi - mean], then clipped at 0 (atoms are
  non-negative). Sound when the correction removes the bias and the spread is estimated
  well;
* ``"bca"``: Efron's (1987) bias-corrected and accelerated percentile interval of the
  plug-in, with the acceleration from a delete-a-group jackknife of 20 groups. It corrects
  the bootstrap's own estimate of the bias, not the chosen correction's;
* ``"percentile"``: the plain percentile interval of the replicates, shifted by the estimated
  bias; it ignores that the replicates are biased again, and under-covers.

Which one covers at which n is measured in ``benchmarks/pid_sampling.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import norm

from pid_bench.info.result import ATOMS
from pid_bench.info.sampling.table import SampleTable

__all__ = ["INTERVALS", "bootstrap_draws", "bootstrap_interval"]

#: Names of the interval methods.
INTERVALS = ("centered", "bca", "percentile")

#: Groups of the delete-a-group jackknife behind BCa's acceleration.
_JACKKNIFE_GROUPS = 20

_NAMES = (*ATOMS, "total")


def bootstrap_draws(table: SampleTable, solve: Callable[[np.ndarray], np.ndarray],
                    n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """Plug-in atoms of ``n_bootstrap`` tables re-drawn with replacement, shape (B, 4), bits."""
    return np.array([solve(table.resampled(rng.integers(0, table.n, size=table.n)))
                     for _ in range(n_bootstrap)])


def _with_total(atoms: np.ndarray) -> np.ndarray:
    return np.concatenate([atoms, atoms.sum(axis=-1, keepdims=True)], axis=-1)


def _bca(table: SampleTable, solve: Callable[[np.ndarray], np.ndarray], plugin: np.ndarray,
         draws: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """BCa limits, shape (2, 5), of the plug-in (Efron 1987)."""
    theta, boot = _with_total(plugin), _with_total(draws)
    below = (boot < theta).mean(axis=0) + 0.5 * (boot == theta).mean(axis=0)
    z0 = norm.ppf(np.clip(below, 1 / (len(boot) + 1), len(boot) / (len(boot) + 1)))
    groups = np.array_split(rng.permutation(table.n), min(_JACKKNIFE_GROUPS, table.n))
    jack = _with_total(np.array([solve(table.resampled(np.setdiff1d(np.arange(table.n), g)))
                                 for g in groups]))
    d = jack.mean(axis=0) - jack
    denom = 6 * np.power((d ** 2).sum(axis=0), 1.5)
    accel = np.divide((d ** 3).sum(axis=0), denom, out=np.zeros(5), where=denom > 0)
    limits = []
    for z in norm.ppf([(1 - level) / 2, (1 + level) / 2]):
        alpha = norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
        limits.append([np.quantile(boot[:, i], alpha[i]) for i in range(5)])
    return np.array(limits)


def bootstrap_interval(table: SampleTable, solve: Callable[[np.ndarray], np.ndarray],
                       plugin: np.ndarray, corrected: np.ndarray, draws: np.ndarray,
                       level: float, method: str,
                       rng: np.random.Generator) -> dict[str, tuple[float, float]]:
    """Intervals of R, U1, U2, S and the total from bootstrap replicates.

    Parameters
    ----------
    table : SampleTable
        The samples (BCa's jackknife re-solves subsets of them).
    solve : callable
        Joint -> plug-in atoms, shape (4,), bits.
    plugin, corrected : numpy.ndarray, shape (4,)
        The plug-in and the reported (corrected) atoms, bits.
    draws : numpy.ndarray, shape (B, 4)
        Bootstrap replicates of the plug-in atoms (:func:`bootstrap_draws`).
    level : float
        Coverage in (0, 1).
    method : {"centered", "bca", "percentile"}
        See the module docstring.
    rng : numpy.random.Generator
        Draws BCa's jackknife groups.

    Returns
    -------
    dict
        Name (atom or ``"total"``) -> (low, high) in bits; low >= 0.
    """
    tail = (1 - level) / 2
    boot = _with_total(draws)
    estimate, raw = _with_total(corrected), _with_total(plugin)
    if method == "bca":
        limits = _bca(table, solve, plugin, draws, level, rng)
    else:
        quantiles = np.quantile(boot, [tail, 1 - tail], axis=0)
        centre = boot.mean(axis=0) if method == "centered" else raw
        limits = quantiles - centre + estimate
    limits = np.maximum(limits, 0.0)
    return {k: (float(limits[0, i]), float(limits[1, i])) for i, k in enumerate(_NAMES)}
