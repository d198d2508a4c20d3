"""Bootstrap intervals of bias-corrected atoms.

The bootstrap replicates are the plug-in atoms of tables re-drawn with replacement from the
samples. Their percentiles bracket the *plug-in*, which is biased, so they can miss the truth
by the whole bias. Five intervals are offered:

* ``"hull"`` (default): the hull of the ``"boundary"`` intervals around the reported
  correction and around the bootstrap and NSB corrections (:data:`HULL_CORRECTIONS`), so
  that it also spans the uncertainty of the correction itself (below);
* ``"boundary"``: the ``"centered"`` interval, widened over the boundary regimes that the
  data cannot exclude (below);
* ``"centered"``: the replicates' spread about their own mean, placed around the corrected
  estimate, [c + q_lo - mean, c + q_hi - mean], then clipped at 0 for non-negative atoms.
  Sound when the correction removes the bias and the spread is estimated well, which fails
  where a unique information is 0 (below);
* ``"bca"``: Efron's (1987) bias-corrected and accelerated percentile interval of the
  plug-in, with the acceleration from a delete-a-group jackknife of 20 groups. It corrects
  the bootstrap's own estimate of the bias, not the chosen correction's;
* ``"percentile"``: the plain percentile interval of the replicates, shifted by the estimated
  bias; it ignores that the replicates are biased again, and under-covers.

Why a unique information at 0 needs more. Any decomposition that satisfies the consistency
equations is fixed by the three informations I1 = I(X1;Y), I2 = I(X2;Y), I12 = I(X1,X2;Y)
and one more number; for a non-negative measure the atoms live in a region bounded by
U1 = 0 and U2 = 0 (besides R = 0 and S = 0). Where the truth sits on such a boundary (AND,
SUM: U1 = U2 = 0), the plug-in U is about |I1 - I2| plus noise, biased upward by the order
of its standard error rather than by O(1/n), and R = I1 - U1 is biased downward by as much.
The bootstrap does not see that bias (its replicates scatter around the plug-in, not around
the boundary), so no re-centring of the replicates repairs it: the bootstrap is inconsistent
at a parameter on the boundary (Andrews 2000). The interval of the atoms *on* a boundary,
however, is a linear map of the informations, which are smooth: with U1 = 0 the atoms are
(I1, 0, I2 - I1, I12 - I2), with U2 = 0 they are (I2, I1 - I2, 0, I12 - I1). ``"boundary"``
therefore tests each unique information against 0 (it is consistent with 0 when the
corrected value is at most z times the larger of its replicates' standard deviation and that
of U1 - U2, z the normal quantile of the level's tail; U1 - U2 = I1 - I2 is smooth, while
U's own replicates are compressed at 0), and for each one that is, takes the hull of the
centered interval and the centered interval of the atoms in that boundary regime, with the
tested atom's lower limit at 0. Away from the boundary (both U clearly positive) it is the
centered interval. m-out-of-n bootstraps (Bickel, Götze & van Zwet 1997), consistent at
boundaries in theory, were measured and under-covered more at these sample sizes.

Why the correction's own uncertainty needs more. The bootstrap correction 2 theta -
mean(theta*) estimates the plug-in bias on the *empirical* table, which lacks the unseen and
thin cells of the truth, so it under-corrects where many cells are thin (random Dirichlet
tables at 6 samples per occupied cell keep 0.02 to 0.03 bits in the total and the synergy,
of the order of the interval's half-width or more). NSB (Nemenman, Shafee & Bialek 2002)
estimates each entropy under a prior over the whole alphabet, unseen cells included, and on
those tables over-corrects the informations slightly instead. Their difference is a
measured, data-driven scale of how uncertain the correction is, so ``"hull"`` takes the hull
of the boundary intervals around both (and around the reported correction, where it is
another): where the two corrections agree (many samples per cell, or few thin cells) it is
the boundary interval, where they disagree it spans both. It needs no solve beyond the
bootstrap's. A second-order (iterated) bootstrap correction, 3 theta - 3 mean(theta*) +
mean(theta**) with one second-level resample per replicate (Hall 1992; Efron &
Tibshirani 1993, ch. 10), halves the residual bias but not more, doubles the solves and,
as a centre or as a widening by its difference to the first-order one, covered less than
the hull with NSB in a one-off comparison; so did the hull with Panzeri-Treves alone, and
adding either to the hull gained at most three points of coverage on a case
(docs/results/pid_sampling.md, Intervals).

Coverage and width per method are measured in ``benchmarks/pid_sampling.py``
(docs/results/pid_sampling.md).

References: Efron, B. (1987), Better bootstrap confidence intervals, JASA 82, 171-185;
Andrews, D. W. K. (2000), Inconsistency of the bootstrap when a parameter is on the boundary
of the parameter space, Econometrica 68, 399-405; Bickel, P. J., Götze, F. & van Zwet, W. R.
(1997), Resampling fewer than n observations, Statistica Sinica 7, 1-31; Hall, P. (1992), The
Bootstrap and Edgeworth Expansion, Springer; Efron, B. & Tibshirani, R. J. (1993), An
Introduction to the Bootstrap, Chapman & Hall; Nemenman, I., Shafee, F. & Bialek, W. (2002),
Entropy and inference, revisited, NIPS 14.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import norm

from pid_bench.info.result import ATOMS
from pid_bench.info.sampling.table import SampleTable

__all__ = ["INTERVALS", "DEFAULT_INTERVAL", "HULL_CORRECTIONS", "CALIBRATED_MEASURES",
           "CALIBRATED_SAMPLES_PER_CELL", "bootstrap_draws", "bootstrap_interval",
           "boundary_regimes", "calibration"]

#: Names of the interval methods.
INTERVALS = ("hull", "boundary", "centered", "bca", "percentile")

#: The interval method of ``pid_from_samples``, ``cluster`` and ``pid-bench pid``.
DEFAULT_INTERVAL = "hull"

#: The corrections around which ``"hull"`` also places a boundary interval (besides the
#: reported one): the two that ``"auto"`` chooses between.
HULL_CORRECTIONS = ("bootstrap", "nsb")

#: Measures whose intervals' coverage ``benchmarks/pid_sampling.py`` measures.
CALIBRATED_MEASURES = frozenset({"broja"})

#: Samples per occupied cell from which the default interval is called calibrated: from there
#: on, its coverage in the benchmark is 98% or more on average and at least 90% of the seeds
#: for every atom (20 to 100 seeds); below, single atoms fall under 90% (random 4 x 4 x 4 and
#: 16 x 16 x 16 at 6 samples per cell) (docs/results/pid_sampling.md).
CALIBRATED_SAMPLES_PER_CELL = 10.0

#: Groups of the delete-a-group jackknife behind BCa's acceleration.
_JACKKNIFE_GROUPS = 20

_NAMES = (*ATOMS, "total")

#: Atoms (R, U1, U2, S) -> atoms in the regime U1 = 0 and in the regime U2 = 0: row i of a
#: matrix is the weights of the atoms that make atom i there (U1 = 0: R + U1, 0, U2 - U1,
#: S + U1).
_REGIMES = {1: np.array([[1, 1, 0, 0], [0, 0, 0, 0], [0, -1, 1, 0], [0, 1, 0, 1]], float),
            2: np.array([[1, 0, 1, 0], [0, 1, -1, 0], [0, 0, 0, 0], [0, 0, 1, 1]], float)}


def bootstrap_draws(table: SampleTable, solve: Callable[[np.ndarray], np.ndarray],
                    n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """Plug-in atoms of ``n_bootstrap`` tables re-drawn with replacement, shape (B, 4), bits."""
    return np.array([solve(table.resampled(rng.integers(0, table.n, size=table.n)))
                     for _ in range(n_bootstrap)])


def _with_total(atoms: np.ndarray) -> np.ndarray:
    return np.concatenate([atoms, atoms.sum(axis=-1, keepdims=True)], axis=-1)


def _centered(estimate: np.ndarray, draws: np.ndarray, level: float) -> np.ndarray:
    """Limits, shape (2, 5): the replicates' spread about their mean around ``estimate``."""
    boot = _with_total(draws)
    tail = (1 - level) / 2
    return np.quantile(boot, [tail, 1 - tail], axis=0) - boot.mean(axis=0) + \
        _with_total(estimate)


def boundary_regimes(corrected: np.ndarray, draws: np.ndarray, level: float) -> list[int]:
    """Indices (1: U1, 2: U2) of the unique informations consistent with 0.

    Parameters
    ----------
    corrected : numpy.ndarray, shape (4,)
        The reported atoms, bits.
    draws : numpy.ndarray, shape (B, 4)
        Bootstrap replicates of the plug-in atoms, bits.
    level : float
        Coverage in (0, 1); z is the normal quantile of 1 - (1 - level) / 2.

    Returns
    -------
    list of int
        k for which corrected[k] <= z * max(sd(U_k*), sd(U1* - U2*)).
    """
    z = norm.ppf(1 - (1 - level) / 2)
    spread_diff = np.std(draws[:, 1] - draws[:, 2], ddof=1)
    return [k for k in (1, 2)
            if corrected[k] <= z * max(np.std(draws[:, k], ddof=1), spread_diff)]


def calibration(method: str, measure: str, samples_per_cell: float) -> tuple[bool, str]:
    """Whether an interval is calibrated, and a sentence that says so or says why not.

    Parameters
    ----------
    method : str
        The interval method (:data:`INTERVALS`).
    measure : str
        The measure decomposed.
    samples_per_cell : float
        n over the number of occupied cells.

    Returns
    -------
    calibrated : bool
        True for the default method on a measured measure from
        :data:`CALIBRATED_SAMPLES_PER_CELL` samples per occupied cell on.
    note : str
        "calibrated at this n (...)" or "NOT calibrated ...: <reason>".
    """
    source = "benchmarks/pid_sampling.py, docs/results/pid_sampling.md"
    if method != DEFAULT_INTERVAL:
        return False, (f"NOT calibrated: {method!r} intervals cover some atoms in fewer than "
                       f"90% of the benchmark's seeds ({source}); interval="
                       f"{DEFAULT_INTERVAL!r} covers them")
    if measure not in CALIBRATED_MEASURES:
        return False, (f"NOT calibrated: coverage is measured for "
                       f"{', '.join(sorted(CALIBRATED_MEASURES))} only, not {measure!r}")
    if samples_per_cell < CALIBRATED_SAMPLES_PER_CELL:
        return False, (f"NOT calibrated at this n: {samples_per_cell:.1f} samples per occupied "
                       f"cell, fewer than {CALIBRATED_SAMPLES_PER_CELL:g}, where the benchmark's "
                       f"coverage falls below 90% for some atoms ({source})")
    return True, (f"calibrated at this n: {samples_per_cell:.1f} samples per occupied cell; "
                  f"from {CALIBRATED_SAMPLES_PER_CELL:g} on the benchmark's coverage is 98% or "
                  f"more on average, at least 90% for every atom ({source})")


def _hull(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The hull of two sets of limits, shape (2, 5) each."""
    return np.array([np.minimum(a[0], b[0]), np.maximum(a[1], b[1])])


def _boundary(corrected: np.ndarray, draws: np.ndarray, level: float) -> np.ndarray:
    """Limits, shape (2, 5): centered, widened over the boundary regimes not excluded."""
    limits = _centered(corrected, draws, level)
    for k in boundary_regimes(corrected, draws, level):
        limits = _hull(limits, _centered(_REGIMES[k] @ corrected, draws @ _REGIMES[k].T, level))
        limits[0, k] = 0.0
    return limits


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
                       level: float, method: str, rng: np.random.Generator, *,
                       nonnegative: bool = True, others: Sequence[np.ndarray] = ()
                       ) -> dict[str, tuple[float, float]]:
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
    method : {"hull", "boundary", "centered", "bca", "percentile"}
        See the module docstring.
    rng : numpy.random.Generator
        Draws BCa's jackknife groups.
    nonnegative : bool, default True
        Whether the measure's atoms are >= 0 (False for ``ccs``): then limits are clipped at
        0 and ``"boundary"`` looks at the boundaries U = 0; otherwise only the total is
        clipped and ``"boundary"`` is ``"centered"``.
    others : sequence of numpy.ndarray, shape (4,) each
        For ``"hull"``: the atoms of the other corrections (:data:`HULL_CORRECTIONS`), bits;
        the interval is the hull of the ``"boundary"`` intervals around ``corrected`` and
        around each of them. Ignored by the other methods.

    Returns
    -------
    dict
        Name (atom or ``"total"``) -> (low, high) in bits.
    """
    if method == "bca":
        limits = _bca(table, solve, plugin, draws, level, rng)
    elif method in ("hull", "boundary"):
        centre = _boundary if nonnegative else _centered
        limits = centre(corrected, draws, level)
        for atoms in others if method == "hull" else ():
            limits = _hull(limits, centre(np.asarray(atoms, dtype=float), draws, level))
    elif method == "centered":
        limits = _centered(corrected, draws, level)
    else:
        tail = (1 - level) / 2
        limits = np.quantile(_with_total(draws), [tail, 1 - tail], axis=0) \
            - _with_total(plugin) + _with_total(corrected)
    floor = np.zeros(5) if nonnegative else np.array([-np.inf] * 4 + [0.0])
    limits = np.maximum(limits, floor)
    return {k: (float(limits[0, i]), float(limits[1, i])) for i, k in enumerate(_NAMES)}
