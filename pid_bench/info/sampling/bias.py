"""Estimates of the plug-in bias of a decomposition, and the corrected (valid) atoms.

A plug-in joint from n samples overstates every mutual information, by about
(cells - 1) / (2 n ln 2) bits (Miller 1955), and most of the excess lands in the synergy.
Five corrections are offered; each returns atoms that form a valid decomposition
(:func:`pid_bench.info.continuous.correction.valid_decomposition`):

* ``"shuffle"`` (shuffle subtraction): the mean atoms of joints in which y is permuted (the
  (x1, x2) joint and y's marginal kept, every dependence destroyed) are pure bias, since the
  true atoms of such a joint are 0. Exact when y is independent of (x1, x2), at any n; it
  over-corrects where the dependence confines the mass to few cells;
* ``"bootstrap"`` (Efron 1979): the mean atoms of joints re-drawn from the samples minus the
  plug-in atoms, the bias under the *observed* dependence; it under-corrects when the
  samples per cell are few (the re-drawn joints are less spread than the truth);
* ``"extrapolation"`` (quadratic extrapolation, Strong et al. 1998): the atoms of the whole
  sample and the mean atoms of disjoint halves and quarters are fitted by
  a + b / n + c / n^2, and a is the estimate;
* ``"panzeri_treves"`` (Panzeri & Treves 1996): the bias of each mutual information
  I(Y; R) (R the sources) is [sum_y (R_y - 1) - (R - 1)] / (2 n ln 2), with R_y and R the
  numbers of occupied source cells given y and overall (the naive count of "relevant
  bins"); the three informations are corrected and the plug-in redundancy kept;
* ``"nsb"`` (Nemenman, Shafee & Bialek 2002): each entropy of I = H(A) + H(Y) - H(A, Y) is
  the posterior mean under a mixture of symmetric Dirichlet priors that is nearly flat in
  the entropy, over the alphabet of observed levels; the plug-in redundancy is kept.

The atoms' bias that the result reports is the plug-in atom minus the reported one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import gammaln, logsumexp, polygamma, psi

from pid_bench.info.continuous.correction import valid_decomposition
from pid_bench.info.result import PIDResult
from pid_bench.info.sampling.table import SampleTable
from pid_bench.info.shannon import source_target_informations

__all__ = ["CORRECTIONS", "SIGNED_MEASURES", "nsb_entropy", "panzeri_treves_bias",
           "nsb_informations", "extrapolated_atoms", "corrected_atoms", "corrected_informations",
           "plugin_informations"]

#: Names of the corrections, in the order of the module docstring.
CORRECTIONS = ("shuffle", "bootstrap", "extrapolation", "panzeri_treves", "nsb")

#: Measures whose atoms can be negative, so that only their informations are projected.
SIGNED_MEASURES = frozenset({"ccs"})

_LN2 = float(np.log(2.0))


def nsb_entropy(counts: np.ndarray, k: int) -> float:
    """NSB estimate of the entropy of a distribution over ``k`` outcomes, in bits.

    The posterior mean of H under the prior of Nemenman, Shafee and Bialek (2002): symmetric
    Dirichlet(beta) priors mixed with weight d xi / d beta, xi(beta) = psi(k beta + 1) -
    psi(beta + 1) being their mean entropy, so that the prior on H is about flat. The
    integral over log beta is a quadrature on a grid refined around the posterior's peak.

    Parameters
    ----------
    counts : array_like of int, any shape
        Counts of the observed outcomes (zeros allowed).
    k : int
        Size of the alphabet, >= the number of non-zero counts.

    Returns
    -------
    float
        Entropy estimate, bits.

    Examples
    --------
    Uniform over 1,000 outcomes (log2 1000 = 9.966 bits) seen 500 times: the plug-in says
    about 8.5 bits, NSB close to the truth.

    >>> import numpy as np
    >>> from pid_bench.info.sampling.bias import nsb_entropy
    >>> counts = np.bincount(np.random.default_rng(0).integers(0, 1000, 500), minlength=1000)
    >>> f = counts[counts > 0] / 500
    >>> round(float(-(f * np.log2(f)).sum()), 2), round(nsb_entropy(counts, 1000), 1)
    (8.51, 9.9)
    """
    c = np.asarray(counts).ravel()
    values, mult = np.unique(c[c > 0], return_counts=True)
    n, k1 = float((values * mult).sum()), int(mult.sum())
    if k < k1:
        raise ValueError(f"k must be at least the number of occupied outcomes {k1}; received {k}")
    if k == 1 or n == 0:
        return 0.0

    def log_post(lb: np.ndarray) -> np.ndarray:
        b = np.exp(lb)[:, None]
        kb = k * b[:, 0]
        evidence = (gammaln(kb) - gammaln(n + kb)
                    + (mult * (gammaln(values + b) - gammaln(b))).sum(axis=1))
        prior = k * polygamma(1, kb + 1) - polygamma(1, b[:, 0] + 1)   # d xi / d beta > 0
        return evidence + np.log(prior) + lb                          # measure d log beta

    def mean_entropy(lb: np.ndarray) -> np.ndarray:
        b = np.exp(lb)[:, None]
        total = n + k * b[:, 0]
        seen = (mult * (values + b) * psi(values + b + 1)).sum(axis=1)
        unseen = (k - k1) * b[:, 0] * psi(b[:, 0] + 1)
        return psi(total + 1) - (seen + unseen) / total

    coarse = np.linspace(-18.0, 12.0, 601)
    lp = log_post(coarse)
    keep = np.flatnonzero(lp > lp.max() - 40.0)
    lo, hi = coarse[max(keep[0] - 1, 0)], coarse[min(keep[-1] + 1, coarse.size - 1)]
    grid = np.linspace(lo, hi, 2001)
    lp = log_post(grid)
    w = np.exp(lp - logsumexp(lp))
    return float((w * mean_entropy(grid)).sum() / _LN2)


def _entropies_of_marginals(counts: np.ndarray, estimate: Callable[[np.ndarray, int], float]
                            ) -> tuple[float, float, float]:
    """I(X1;Y), I(X2;Y), I(X1,X2;Y) from entropies of the marginals of ``counts``."""
    k1, k2, ky = counts.shape
    h = {"y": estimate(counts.sum(axis=(0, 1)), ky),
         "1": estimate(counts.sum(axis=(1, 2)), k1), "2": estimate(counts.sum(axis=(0, 2)), k2),
         "12": estimate(counts.sum(axis=2), k1 * k2),
         "1y": estimate(counts.sum(axis=1), k1 * ky), "2y": estimate(counts.sum(axis=0), k2 * ky),
         "12y": estimate(counts, k1 * k2 * ky)}
    return (h["1"] + h["y"] - h["1y"], h["2"] + h["y"] - h["2y"],
            h["12"] + h["y"] - h["12y"])


def nsb_informations(counts: np.ndarray) -> np.ndarray:
    """I(X1;Y), I(X2;Y) and I(X1,X2;Y) from NSB entropies, bits, shape (3,).

    Parameters
    ----------
    counts : numpy.ndarray of int, shape (|X1|, |X2|, |Y|)
        Cell counts; the alphabet of each entropy is the product of the axes it spans.

    Returns
    -------
    numpy.ndarray, shape (3,)
        The estimates (they can be negative; :func:`corrected_informations` projects them).
    """
    return np.array(_entropies_of_marginals(counts, nsb_entropy))


def panzeri_treves_bias(counts: np.ndarray) -> np.ndarray:
    """Panzeri-Treves bias of the plug-in I(X1;Y), I(X2;Y), I(X1,X2;Y), bits, shape (3,).

    Parameters
    ----------
    counts : numpy.ndarray of int, shape (|X1|, |X2|, |Y|)
        Cell counts.

    Returns
    -------
    numpy.ndarray, shape (3,)
        [sum_y (R_y - 1) - (R - 1)] / (2 n ln 2) for the responses R = X1, X2 and (X1, X2),
        with the numbers of occupied cells as the counts of relevant bins.
    """
    n = counts.sum()
    out = []
    for sources in (counts.sum(axis=1), counts.sum(axis=0),
                    counts.reshape(-1, counts.shape[2])):          # (responses, y)
        given_y = np.count_nonzero(sources, axis=0)
        given_y = given_y[given_y > 0]
        overall = np.count_nonzero(sources.sum(axis=1))
        out.append(((given_y - 1).sum() - (overall - 1)) / (2 * n * _LN2))
    return np.array(out, dtype=np.float64)


def extrapolated_atoms(table: SampleTable, solve: Callable[[np.ndarray], np.ndarray],
                       plugin: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Quadratic extrapolation of the atoms to infinite n (Strong et al. 1998), bits, (4,).

    Parameters
    ----------
    table : SampleTable
        The samples.
    solve : callable
        Joint -> plug-in atoms, shape (4,).
    plugin : numpy.ndarray, shape (4,)
        The atoms of all n samples.
    rng : numpy.random.Generator
        Draws the random split into halves and quarters.

    Returns
    -------
    numpy.ndarray, shape (4,)
        a of the fit a + b / m + c / m^2 through the mean atoms at m = n, n / 2 and n / 4
        (6 more solves): (8 A(n) - 6 A(n/2) + A(n/4)) / 3.
    """
    order = rng.permutation(table.n)
    halves = np.mean([solve(table.resampled(part)) for part in np.array_split(order, 2)], axis=0)
    quarters = np.mean([solve(table.resampled(part)) for part in np.array_split(order, 4)],
                       axis=0)
    return (8 * plugin - 6 * halves + quarters) / 3


def corrected_atoms(atoms: np.ndarray, *, measure: str) -> PIDResult:
    """The valid decomposition nearest to corrected atoms (R, U1, U2, S), bits.

    For a measure whose atoms can be negative (``"ccs"``) only the informations are
    projected (I >= 0, I(X1, X2; Y) >= max(I(X1;Y), I(X2;Y))) and the redundancy is kept.
    """
    r, u1, u2, s = (float(v) for v in atoms)
    return corrected_informations(np.array([r + u1, r + u2, r + u1 + u2 + s]), r,
                                  measure=measure)


def corrected_informations(informations: np.ndarray, redundancy: float, *,
                           measure: str) -> PIDResult:
    """The valid decomposition from corrected I(X1;Y), I(X2;Y), I(X1,X2;Y) and a redundancy."""
    i1, i2, i12 = (float(v) for v in informations)
    if measure not in SIGNED_MEASURES:
        return valid_decomposition(i1, i2, i12, redundancy, measure=measure)
    j1, j2 = max(i1, 0.0), max(i2, 0.0)
    j12 = max(i12, j1, j2)
    return PIDResult.from_redundancy(redundancy, j1, j2, j12, measure=measure,
                                     details={"clipped": (j1, j2, j12) != (i1, i2, i12)})


def plugin_informations(counts: np.ndarray) -> np.ndarray:
    """Plug-in I(X1;Y), I(X2;Y), I(X1,X2;Y) of a count table, bits, shape (3,)."""
    return np.array(source_target_informations(counts / counts.sum()))
