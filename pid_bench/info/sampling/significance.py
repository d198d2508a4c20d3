"""p-values of the atoms: permutations of y, and a null without synergy for BROJA's synergy.

Each permutation of the target keeps the (x1, x2) joint and the target's marginal and destroys
every dependence of y on the sources, so the atoms of the permuted table form the null
distribution of "this atom is only sampling bias" (the target-shuffling test of IDTxl,
Wollstadt et al. 2019, applied per atom). The p-value of an atom is (1 + the number of
permutations whose atom reaches the observed one) / (1 + the number of permutations). The
permutations stop early once every atom and the total have been reached ``stop_after`` times
(Besag & Clifford 1991; the p-value is then ``stop_after`` / permutations done), so data that
look like the null cost few solves, and only significant atoms cost all of them.

The permutation null is the null of *no dependence at all*. For an atom that is 0 while
others are not (the synergy of a distribution with only unique information, say) it is the
wrong reference: under dependence the plug-in bias of each atom differs from its bias under
independence. For the synergy of BROJA there is a null that keeps what the data show about
each source and removes only the interaction: BROJA's optimum Q* has the plug-in's (x1, y)
and (x2, y) marginals, hence its I(X1;Y), I(X2;Y), R, U1 and U2, and no synergy (Q* is the
minimiser over its own set of joints with those marginals). n samples drawn from Q* (a
parametric bootstrap) give the null distribution of the plug-in synergy where the truth has
every other atom of the data and S = 0 (:func:`no_synergy_test`). Permuting y within the
classes of x1 is no such null: it keeps the (x1, y) joint but makes y independent of x2
given x1, so I(X2;Y) drops (to 0 on a target that copies x2); no permutation of y keeps both
pairwise marginals in general.

The no-synergy null is itself a plug-in: Q* of an undersampled table spreads the mass over
far more cells than the data occupy, and its draws show less spurious synergy than the data
(independent 30-level columns at n = 3,000: the draws' synergy is about 1.2 bits against the
data's 2.66), so alone it would call that artefact significant. ``pid_from_samples`` therefore
reports for BROJA's synergy the larger of the two p-values, which is a valid p-value wherever
either null is the truth.

Both loops solve each distinct table once: a permutation or a draw that repeats an earlier
table (common for small n: of 1,000 permutations of XOR at n = 100, 433 tables are distinct;
at n = 300, 775; at n = 2,000, 982) reuses its atoms, which are a function of the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pid_bench.info.sampling.table import SampleTable

__all__ = ["permutation_test", "no_synergy_test", "MIN_PERMUTATIONS", "STOP_AFTER"]

#: Exceedances per atom after which the permutations stop (Besag & Clifford 1991).
STOP_AFTER = 10

#: Fewest permutations done before stopping early; the shuffle correction averages them.
MIN_PERMUTATIONS = 20

#: Relative slack under which a permuted atom counts as reaching the observed one, so that
#: atoms equal up to solver round-off (e.g. both 0) are ties.
_TIE = 1e-9

#: Largest table (cells) whose solves are remembered by content (a key of 8 bytes a cell,
#: kept for every distinct table of one test).
_REMEMBER_CELLS = 512


def _once_per_table(solve: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...]
                    ) -> Callable[[np.ndarray], np.ndarray]:
    """``solve`` that solves each distinct table once (tables of at most _REMEMBER_CELLS
    cells; larger ones, which rarely repeat, are solved every time)."""
    if int(np.prod(shape)) > _REMEMBER_CELLS:
        return solve
    seen: dict[bytes, np.ndarray] = {}

    def remembered(p: np.ndarray) -> np.ndarray:
        key = p.tobytes()
        if key not in seen:
            seen[key] = solve(p)
        return seen[key]

    return remembered


def permutation_test(table: SampleTable, solve: Callable[[np.ndarray], np.ndarray],
                     observed: np.ndarray, n_permutations: int, rng: np.random.Generator, *,
                     stop_on: Sequence[bool] | None = (True, True, True, True, False)
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Atoms of y-permuted tables and the p-values of the observed atoms.

    Parameters
    ----------
    table : SampleTable
        The samples.
    solve : callable
        Joint, shape ``table.shape`` -> plug-in atoms R, U1, U2, S in bits, shape (4,).
    observed : numpy.ndarray, shape (4,)
        The plug-in atoms of the samples, bits.
    n_permutations : int
        Largest number of permutations (>= 1).
    rng : numpy.random.Generator
        Draws the permutations.
    stop_on : sequence of 5 bool, optional
        Which of R, U1, U2, S and the total must each have been reached ``STOP_AFTER`` times
        before the permutations stop early (after at least ``MIN_PERMUTATIONS``); None: never
        stop early. By default the total does not hold them up: its p-value is then the
        exact (1 + reached) / (1 + done).

    Returns
    -------
    draws : numpy.ndarray, shape (m, 4)
        Atoms of the m permuted tables, bits.
    p_values : numpy.ndarray, shape (5,)
        p-values of R, U1, U2, S and the total I(X1, X2; Y): reached / done for a quantity
        that stopped the permutations (Besag & Clifford), (1 + reached) / (1 + done) else.
    """
    target = np.append(observed, observed.sum())
    target = target - _TIE * np.maximum(np.abs(target), 1.0)
    watch = None if stop_on is None else np.asarray(stop_on, dtype=bool)
    draws = []
    hits = np.zeros(5, dtype=np.int64)
    solve = _once_per_table(solve, table.shape)
    for m in range(1, n_permutations + 1):
        atoms = solve(table.permuted(rng))
        draws.append(atoms)
        hits += np.append(atoms, atoms.sum()) >= target
        if (watch is not None and watch.any() and m >= MIN_PERMUTATIONS
                and hits[watch].min() >= STOP_AFTER):
            break
    m = len(draws)
    stopped = hits >= STOP_AFTER if m < n_permutations else np.zeros(5, dtype=bool)
    return np.array(draws), np.where(stopped, hits / m, (1 + hits) / (1 + m))


def no_synergy_test(q: np.ndarray, n: int, solve: Callable[[np.ndarray], np.ndarray],
                    observed: float, n_draws: int, rng: np.random.Generator, *,
                    stop_early: bool = True) -> tuple[np.ndarray, float]:
    """p-value of a plug-in synergy against draws from BROJA's no-synergy optimum Q*.

    Parameters
    ----------
    q : numpy.ndarray, shape (|X1|, |X2|, |Y|)
        BROJA's optimal distribution of the plug-in joint (``details["q"]``).
    n : int
        Samples per draw (the data's n).
    solve : callable
        Joint -> plug-in atoms R, U1, U2, S in bits, shape (4,).
    observed : float
        The plug-in synergy of the data, bits.
    n_draws : int
        Largest number of draws (>= 1).
    rng : numpy.random.Generator
        Draws the samples.
    stop_early : bool, default True
        Stop once ``STOP_AFTER`` draws reached the observed synergy (after at least
        ``MIN_PERMUTATIONS``).

    Returns
    -------
    draws : numpy.ndarray, shape (m, 4)
        Plug-in atoms of the m draws, bits.
    p_value : float
    """
    weights = np.clip(q, 0.0, None).ravel()
    weights /= weights.sum()
    target = observed - _TIE * max(abs(observed), 1.0)
    draws = []
    hits = 0
    solve = _once_per_table(solve, q.shape)
    for m in range(1, n_draws + 1):
        atoms = solve((rng.multinomial(n, weights) / n).reshape(q.shape))
        draws.append(atoms)
        hits += bool(atoms[3] >= target)
        if stop_early and m >= MIN_PERMUTATIONS and hits >= STOP_AFTER:
            return np.array(draws), hits / m
    return np.array(draws), (1 + hits) / (1 + len(draws))
