"""I_ccs, the common change in surprisal of Ince (2017).

Ince, R. A. A. (2017), "Measuring multivariate redundant information with pointwise common
change in surprisal", Entropy 19(7), 318. The redundancy is computed on the maximum-entropy
distribution q that keeps the pairwise marginals p(x1, y), p(x2, y) and p(x1, x2) of p. For
every outcome it takes the local co-information

    c(x1, x2, y) = i(x1; y) + i(x2; y) - i(x1, x2; y),   i(a; b) = log2 q(a, b) / (q(a) q(b)),

and counts it only where it has the same sign as i(x1; y), i(x2; y) and i(x1, x2; y) (an
unambiguous common gain or loss of surprisal):

    I_ccs = sum over those outcomes of q(x1, x2, y) c(x1, x2, y).

Unlike BROJA, I_min and MMI, the CCS atoms can be negative: the redundancy may exceed one of
the source informations (negative unique information) or fall short of what the other atoms
require (negative synergy), because misinformative outcomes enter with their sign.

The maximum-entropy distribution is found by iterative proportional fitting (IPF) on its
support. IPF started on too large a support converges only sublinearly towards the cells
that the marginals force to zero (e.g. the "W" distribution uniform over {001, 010, 100}), so
the support is determined first: a cell belongs to it exactly when some distribution with the
three marginals puts mass on it, which one linear program decides for all cells of unknown
status at once, from p's zero pattern alone. Newton's method on the dual finishes the fits
on which IPF is slow; where even it stalls (masses of 1e-22 that leave the attainable region
thinner than round-off), cells of p below 1e-20 or so are pruned, within the tolerance of
the fit (see :func:`max_entropy_pairwise`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

from pid_bench.info.result import PIDResult
from pid_bench.info.shannon import source_target_informations
from pid_bench.info.validation import validate_joint

__all__ = ["ccs", "max_entropy_pairwise"]

#: Local information values within this many bits of 0 count as 0 in the sign comparison,
#: so that round-off does not decide whether an outcome is counted.
SIGN_TOLERANCE = 1e-9

#: IPF cycles before switching to Newton's method on problems small enough for it.
IPF_CYCLES = 200

#: Largest number of marginal cells |X1||X2| + |X1||Y| + |X2||Y| for Newton's method
#: (its Hessian is dense, of that size squared).
NEWTON_MAX_PARAMETERS = 2500

#: Largest number of Newton steps.
NEWTON_MAX_STEPS = 100

#: Newton's method gives up as stalled when this many steps have not halved the marginal
#: error (converging fits halve it within a few steps; a stalled one never does).
STALL_STEPS = 10

#: Cells of p below 10^-k, for k in turn, that a fit which cannot reach its tolerance sets
#: to zero before it tries again (see :func:`max_entropy_pairwise`).
PRUNE_DECADES = (30, 25, 20, 16)

#: Smallest diagonal entry, relative to the largest, that the Jacobi scaling of the
#: formed-Hessian Newton solve divides by (see :func:`_newton_directions`).
JACOBI_FLOOR = 1e-24

#: Smallest curvature of the dual, relative to the largest, that the truncated Newton
#: direction keeps (see :func:`_newton_directions`).
TRUNCATION = 1e-13


def _pairwise(q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marginals (x1, x2), (x1, y), (x2, y) of a 3-axis array."""
    return q.sum(axis=2), q.sum(axis=1), q.sum(axis=0)


def _grow_by_moves(support: np.ndarray) -> np.ndarray:
    """Close a set of attainable cells under the basic moves of 2 x 2 x 2 sub-tables.

    The move +1 at (i,j,k), (i',j',k), (i',j,k'), (i,j',k') and -1 at (i',j,k), (i,j',k),
    (i,j,k'), (i',j',k') keeps all three pairwise marginals. If its four -1 cells are
    attainable, a small multiple of it added to a distribution that charges them shows that
    its +1 cells are attainable too. For cell (i,j,k) and a second target value k', the
    number of such moves is (A_k A_k'^T A_k)[i, j] restricted to S[i, j, k'], where
    A_k = S[:, :, k]; the closure runs until no cell is added.
    """
    grown = support.astype(np.float64)
    changed = True
    while changed:
        changed = False
        for k in range(grown.shape[2]):
            a_k = grown[:, :, k]
            if a_k.all():
                continue
            # moves[i, k', j] = sum_{i', j'} A_k[i, j'] S[i', j', k'] A_k[i', j]
            moves = np.tensordot(np.tensordot(a_k, grown, axes=(1, 1)), a_k, axes=(1, 0))
            new = (np.einsum("ikj,ijk->ij", moves, grown) > 0) & (a_k == 0)
            if new.any():
                grown[:, :, k][new] = 1.0
                changed = True
    return grown > 0


def _support(p: np.ndarray) -> np.ndarray:
    """Boolean mask of the cells that some distribution with p's pairwise marginals charges.

    Cells of p's support belong to it (p itself has the marginals), and so do the cells that
    basic moves reach from them (:func:`_grow_by_moves`, which settles random distributions
    without further work); cells that a zero marginal forbids do not. A remaining cell c is
    attainable exactly when some direction d with zero pairwise marginals has d_c > 0 and
    d >= 0 off p's support (then p + epsilon d is a distribution with p's marginals; the
    converse holds because the feasible set is convex). That condition depends on p's zero
    pattern only, not on its masses, so one linear program with 0/1 coefficients decides all
    such cells at once, whatever the scale of p's cells (an earlier program put the masses
    themselves, down to 1e-33, into its equality rows, far below HiGHS's feasibility
    tolerance of 1e-7, and returned "Status 0: Not Set" on some fuzz joints): maximise
    sum_c s_c subject to 0 <= s_c <= min(1, d_c), which reaches s_c = 1 exactly on the
    attainable cells.
    """
    m12, m1y, m2y = _pairwise(p)
    allowed = (m12[:, :, None] > 0) & (m1y[:, None, :] > 0) & (m2y[None, :, :] > 0)
    known = _grow_by_moves(p > 0)
    unknown = allowed & ~known
    if not unknown.any():
        return known
    cells = np.argwhere(allowed)
    n_d, n_s = len(cells), int(unknown.sum())
    rows, offset = [], 0
    for axes, marginal in (((0, 1), m12), ((0, 2), m1y), ((1, 2), m2y)):
        rows.append(offset + np.ravel_multi_index(tuple(cells[:, a] for a in axes),
                                                  marginal.shape))
        offset += marginal.size
    a_d = sparse.csr_matrix((np.ones(3 * n_d),
                             (np.concatenate(rows), np.tile(np.arange(n_d), 3))),
                            shape=(offset, n_d))
    a_eq = sparse.hstack([a_d, sparse.csr_matrix((offset, n_s))]).tocsr()
    unknown_index = np.flatnonzero(unknown[tuple(cells.T)])
    a_ub = sparse.hstack([
        sparse.csr_matrix((-np.ones(n_s), (np.arange(n_s), unknown_index)), shape=(n_s, n_d)),
        sparse.identity(n_s, format="csr")]).tocsr()
    cost = np.concatenate([np.zeros(n_d), -np.ones(n_s)])
    # d is free on the cells known to be attainable (p charges them, or moves reach them),
    # non-negative on the others; the bound of n_d keeps the program bounded without
    # excluding any direction (directions scale).
    free = known[tuple(cells.T)]
    bounds = [(-n_d, n_d) if f else (0, n_d) for f in free] + [(0, 1)] * n_s
    lp = optimize.linprog(cost, A_ub=a_ub, b_ub=np.zeros(n_s), A_eq=a_eq,
                          b_eq=np.zeros(offset), bounds=bounds, method="highs")
    if lp.status != 0:
        raise RuntimeError(f"the support linear program of the CCS maximum-entropy "
                           f"distribution failed (HiGHS status {lp.status}: {lp.message}) "
                           f"with {n_s} cells of unknown status")
    support = known.copy()
    attainable = cells[unknown_index[lp.x[n_d:] > 0.5]]
    support[tuple(attainable.T)] = True
    return support


def _log_partition(scores: np.ndarray) -> tuple[float, np.ndarray]:
    """log sum exp(scores) and the normalised distribution softmax(scores)."""
    top = scores.max()
    weights = np.exp(scores - top)
    total = weights.sum()
    return float(top + np.log(total)), weights / total


@dataclass(frozen=True)
class _Layout:
    """The log-linear parametrisation of q on the support.

    log q = a(x1, x2) + b(x1, y) + c(x2, y) up to normalisation: q = softmax(D theta), theta
    the concatenated log-factors a, b, c and D the 0/1 design with one 1 per cell and block.
    ``index[k, i]`` is the parameter of block k that cell i uses; ``blocks`` are the blocks'
    slices of theta, ``target`` the concatenated marginals of p.
    """

    index: np.ndarray
    blocks: tuple[slice, ...]
    target: np.ndarray

    def distribution(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """log sum exp(D theta) and softmax(D theta)."""
        return _log_partition(theta[self.index].sum(axis=0))

    def moments(self, q: np.ndarray) -> np.ndarray:
        """D^T q: the concatenated marginals of q."""
        return np.bincount(self.index.ravel(), weights=np.tile(q, 3),
                           minlength=self.target.size)

    def error(self, q: np.ndarray) -> float:
        """Largest total gap between a block of D^T q and the target's."""
        gap = np.abs(self.moments(q) - self.target)
        return max(float(gap[block].sum()) for block in self.blocks)

    def design(self) -> sparse.csr_matrix:
        n_cells = self.index.shape[1]
        return sparse.csr_matrix((np.ones(3 * n_cells),
                                  (np.tile(np.arange(n_cells), 3), self.index.ravel())),
                                 shape=(n_cells, self.target.size))


def _ipf_cycle(layout: _Layout, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One cycle of iterative proportional fitting: each block of log-factors in turn is set
    so that q = softmax(D theta) has that block's marginal (the exact minimum of the dual
    along that block, so the dual objective never increases). Returns theta and q."""
    theta = theta.copy()
    q = layout.distribution(theta)[1]
    for rows, block in zip(layout.index, layout.blocks):
        current = np.bincount(rows - block.start, weights=q, minlength=block.stop - block.start)
        target = layout.target[block]
        fitted = (target > 0) & (current > 0)
        theta[block][fitted] += np.log(target[fitted] / current[fitted])
        q = layout.distribution(theta)[1]
    return theta, q


def _newton_directions(design: sparse.csr_matrix, q: np.ndarray, target: np.ndarray,
                       moments: np.ndarray) -> Iterator[np.ndarray]:
    """Candidate Newton directions -H^+ gradient of the dual, computed in three ways (in
    this order, each only when asked for).

    The Hessian of log sum exp(D theta) is H = D^T (diag q - q q^T) D (D the design).
    Its diagonal is about the marginal mass of each parameter, so the solves are Jacobi
    scaled: without it the directions of marginals below ~1e-16 of the largest fall under
    the solver's cut-off and their errors are never corrected.

    1. A least-squares solve with the formed, scaled Hessian, its scaling floored at
       ``JACOBI_FLOOR`` of the largest diagonal entry (below it, the scaled directions of
       marginals near 1e-35 blow up).
    2. The singular value decomposition of B = diag(sqrt q) D with unit-norm columns
       (H without its rank-one term is B^T B, which gives the same direction up to a shift
       of the log-factors that the normalisation absorbs: H^-1 D^T q is such a shift).
       Forming B^T B squares the condition number, and the directions of cells that only a
       few 1e-12 of mass separate from the boundary of the feasible set (curvature 1e-22
       next to 1) vanish under its round-off; from B they are kept.
    3. The same, restricted to curvatures above ``TRUNCATION`` times the largest (steps
       along the thinnest directions can be far too long where the quadratic model is
       poor).
    """
    gradient = moments - target
    hessian = ((design.T @ design.multiply(q[:, None]).tocsr()).toarray()
               - np.outer(moments, moments))
    diagonal = np.diag(hessian)
    floored = 1.0 / np.sqrt(np.maximum(diagonal, max(JACOBI_FLOOR * diagonal.max(),
                                                     np.finfo(float).tiny)))
    yield -floored * np.linalg.lstsq(hessian * np.outer(floored, floored),
                                     floored * gradient, rcond=None)[0]
    # Parameters of marginal cells outside the support (no cell, moment 0) get no direction.
    scale = np.zeros_like(moments)
    scale[moments > 0] = 1.0 / np.sqrt(moments[moments > 0])
    factor = design.multiply(np.sqrt(q)[:, None]).multiply(scale[None, :]).toarray()
    _, singular, vt = np.linalg.svd(factor, full_matrices=False)
    curvature = singular ** 2
    projected = vt @ (scale * gradient)
    for cutoff in (curvature[0] * (max(factor.shape) * np.finfo(float).eps) ** 2,
                   curvature[0] * TRUNCATION):
        kept = curvature > cutoff
        yield -scale * (vt[kept].T @ (projected[kept] / curvature[kept]))


def _newton(layout: _Layout, theta: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
    """Minimise log sum exp(D theta) - theta . target by damped Newton steps.

    This is the dual of the maximum-entropy problem on the support: at the optimum,
    q = softmax(D theta) has ``D^T q = target`` (D the design of ``layout``). The Hessian
    is singular (the parametrisation is redundant) but the gradient lies in its range, so
    a pseudo-inverse gives the Newton direction (:func:`_newton_directions`). Returns q on
    the support and the number of steps.
    """
    design, target, error_of = layout.design(), layout.target, layout.error

    def objective(at: np.ndarray) -> tuple[float, np.ndarray]:
        log_z, dist = layout.distribution(at)
        return log_z - at @ target, dist

    value, q = objective(theta)
    errors = [error_of(q)]
    for step in range(1, NEWTON_MAX_STEPS + 1):
        moments = layout.moments(q)
        gradient = moments - target
        error = error_of(q)
        # A step is acceptable if it decreases the objective sufficiently and does not raise
        # the marginal error tenfold (with log-factors of marginals near 1e-35 the objective
        # is evaluated too coarsely to catch a bad step on its own). Once the predicted
        # decrease is below the objective's floating-point resolution, the sufficient-decrease
        # test cannot tell a good step from a bad one; that close to the optimum the step is
        # judged by the marginal error (the gradient's size) instead, which it may not
        # increase. Each candidate direction is halved until acceptable; a step that halves
        # the marginal error is taken at once, otherwise, of the acceptable steps of all
        # candidates, the one with the lowest objective, or, among those that the
        # objective cannot tell apart, the one with the lowest marginal error.
        steps = []
        for direction in _newton_directions(design, q, target, moments):
            for alpha in 0.5 ** np.arange(34):
                slope = alpha * (gradient @ direction)
                resolvable = -slope > 64 * np.finfo(float).eps * max(1.0, abs(value))
                trial_value, trial_q = objective(theta + alpha * direction)
                trial_error = error_of(trial_q)
                if (trial_error <= (10.0 if resolvable else 1.0) * error
                        and not (resolvable and trial_value > value + 1e-4 * slope)):
                    steps.append((trial_value, trial_error, alpha * direction, trial_q))
                    break
            if steps and steps[-1][1] <= 0.5 * error:
                steps = steps[-1:]
                break
        if not steps:
            raise RuntimeError(f"Newton's method found no acceptable step at a marginal error "
                               f"of {error:.3g} (tol {tol:g}; round-off of the log-factors)")
        lowest = min(s[0] for s in steps)
        resolution = 64 * np.finfo(float).eps * max(1.0, abs(value))
        trial_value, _, direction, trial_q = min(
            (s for s in steps if s[0] <= lowest + resolution), key=lambda s: s[1])
        theta, value, q = theta + direction, trial_value, trial_q
        errors.append(error_of(q))
        if errors[-1] <= tol:
            return q, step
        if step > STALL_STEPS and errors[-1] > 0.5 * errors[-1 - STALL_STEPS]:
            raise RuntimeError(f"Newton's method stalled at a marginal error of "
                               f"{errors[-1]:.3g} (tol {tol:g}; it fell by less than half in "
                               f"the last {STALL_STEPS} of {step} steps)")
    raise RuntimeError(f"Newton's method did not reach a marginal error of {tol:g} within "
                       f"{NEWTON_MAX_STEPS} steps (error {error_of(q):.3g}); pass a larger tol")


def max_entropy_pairwise(p: np.ndarray, *, tol: float = 1e-12,
                         max_iter: int = 10_000) -> tuple[np.ndarray, dict[str, int | float]]:
    """Maximum-entropy distribution with the pairwise marginals of a 3-variable joint.

    Iterative proportional fitting (IPF) on the support (see the module notes) fits the
    marginals (x1, x2), (x1, y) and (x2, y) in turn. IPF converges linearly, but slowly on
    some distributions with many zeros (tens of thousands of cycles); when it has not
    converged after ``IPF_CYCLES`` cycles and the problem has at most
    ``NEWTON_MAX_PARAMETERS`` marginal cells, damped Newton steps on the dual, started from
    the IPF iterate, finish the job. Larger problems keep to IPF.

    Where the fit cannot reach ``tol`` (cells of 1e-22 whose attainable region is so thin
    that the fit stalls at marginal errors of ~2e-12, measured on the fuzz set), the cells
    of ``p`` below 10^-k are set to zero for k = ``PRUNE_DECADES`` in turn, as long as
    their total mass is at most a tenth of ``tol``, and the pruned joint is fitted to the
    rest of the tolerance. The result is then the exact maximum-entropy distribution of
    its own marginals, and those are within ``tol`` of ``p``'s (checked): what pruning
    costs is bounded by the pruned mass, reported as ``pruned_mass``.

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities, summing to 1.
    tol : float, default 1e-12
        Stop when the marginals (x1, x2), (x1, y) and (x2, y) of the result each differ from
        those of ``p`` by at most ``tol`` in total (sum of absolute differences).
    max_iter : int, default 10000
        Largest number of IPF cycles (at most ``IPF_CYCLES`` of them before Newton's method
        where it applies).

    Returns
    -------
    q : numpy.ndarray, shape (|X1|, |X2|, |Y|)
        The maximum-entropy distribution.
    info : dict
        ``cycles`` (IPF cycles run), ``newton_steps``, ``marginal_error`` (largest total
        gap over the three marginals, against ``p``'s), ``pruned_cells`` and
        ``pruned_mass`` (cells of ``p`` set to zero and their total mass; 0 where the fit
        on ``p`` itself succeeded).

    Raises
    ------
    RuntimeError
        If ``tol`` is not reached, with or without pruning; the message says what the fit
        reached.
    """
    arr = validate_joint(p, ndim=3)
    if not (isinstance(tol, (int, float, np.floating)) and tol > 0):
        raise ValueError(f"tol must be a positive number; received {tol!r}")
    if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer; received {max_iter!r}")
    try:
        q, info = _fit(arr, tol, max_iter)
        return q, {**info, "pruned_cells": 0, "pruned_mass": 0.0}
    except RuntimeError as error:
        failure = error
    targets = _pairwise(arr)
    reached = []
    for decades in PRUNE_DECADES:
        small = (arr > 0) & (arr < 10.0 ** -decades)
        mass = float(arr[small].sum())
        if not small.any() or mass > tol / 10:
            continue
        try:
            q, info = _fit(np.where(small, 0.0, arr), tol - mass, max_iter)
        except RuntimeError as error:
            reached.append(f"cells below 1e-{decades} pruned: {error}")
            continue
        info["marginal_error"] = max(float(np.abs(m - t).sum())
                                     for m, t in zip(_pairwise(q), targets))
        if info["marginal_error"] <= tol:
            return q, {**info, "pruned_cells": int(small.sum()), "pruned_mass": mass}
        reached.append(f"cells below 1e-{decades} pruned: marginal error "
                       f"{info['marginal_error']:.3g}")
    raise RuntimeError("; ".join([str(failure), *reached]))


def _fit(arr: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, dict[str, int | float]]:
    """:func:`max_entropy_pairwise` without pruning, on a validated joint."""
    targets = _pairwise(arr)
    cells = np.nonzero(_support(arr))
    offsets = np.cumsum([0, *(t.size for t in targets)])
    layout = _Layout(
        index=np.stack([o + np.ravel_multi_index(i, t.shape) for o, i, t in zip(
            offsets, ((cells[0], cells[1]), (cells[0], cells[2]), (cells[1], cells[2])),
            targets)]),
        blocks=tuple(slice(lo, hi) for lo, hi in zip(offsets[:-1], offsets[1:])),
        target=np.concatenate([t.ravel() for t in targets]))
    n_parameters = layout.target.size
    cycle_limit = min(max_iter, IPF_CYCLES) if n_parameters <= NEWTON_MAX_PARAMETERS else max_iter
    theta = np.zeros(n_parameters)
    for cycle in range(1, cycle_limit + 1):
        theta, q = _ipf_cycle(layout, theta)
        error = layout.error(q)
        if error <= tol:
            return _scatter(q, cells, arr.shape), {"cycles": cycle, "newton_steps": 0,
                                                   "marginal_error": error}
    if n_parameters > NEWTON_MAX_PARAMETERS:
        raise RuntimeError(f"iterative proportional fitting did not reach a marginal error of "
                           f"{tol:g} within {max_iter} cycles (error {error:.3g}); pass a "
                           f"larger max_iter or tol")
    q, steps = _newton(layout, theta, tol)
    return _scatter(q, cells, arr.shape), {"cycles": cycle_limit, "newton_steps": steps,
                                           "marginal_error": layout.error(q)}


def _scatter(values: np.ndarray, cells: tuple[np.ndarray, ...],
             shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape)
    out[cells] = values
    return out


def _sign(values: np.ndarray) -> np.ndarray:
    return np.where(np.abs(values) <= SIGN_TOLERANCE, 0.0, np.sign(values))


def ccs(p: np.ndarray, *, tol: float = 1e-12, max_iter: int = 10_000) -> PIDResult:
    """Common-change-in-surprisal partial information decomposition (Ince 2017).

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y), summing to 1; zeros allowed.
    tol, max_iter
        Accuracy of the maximum-entropy distribution, see :func:`max_entropy_pairwise`.

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="ccs"``; unique information and synergy may be negative.
        ``details`` holds the maximum-entropy distribution ``q``, the IPF ``cycles``, the
        ``newton_steps``, the final ``marginal_error`` (against ``p``'s marginals) and the
        ``pruned_cells`` and ``pruned_mass`` of a fit that needed pruning (see
        :func:`max_entropy_pairwise`). The redundancy is exactly I_ccs of ``q``, whose
        pairwise marginals are within ``marginal_error`` of ``p``'s.

    Examples
    --------
    AND: I_ccs finds less redundancy than BROJA and some unique information in each source,
    R = 0.103759, U1 = U2 = 0.207519, S = 0.292481 bits (as in Ince 2017).

    >>> import numpy as np
    >>> from pid_bench.info.discrete.ccs import ccs
    >>> p = np.array([[[0.25, 0], [0.25, 0]], [[0.25, 0], [0, 0.25]]])  # p[x1, x2, y], AND
    >>> [round(v, 6) for v in ccs(p).atoms().tolist()]
    [0.103759, 0.207519, 0.207519, 0.292481]

    XOR is one bit of synergy, as for every measure:

    >>> q = np.zeros((2, 2, 2))
    >>> q[(0, 0, 1, 1), (0, 1, 0, 1), (0, 1, 1, 0)] = 0.25  # q[x1, x2, y], Y = X1 XOR X2
    >>> [round(v, 6) for v in ccs(q).atoms().tolist()]
    [0.0, 0.0, 0.0, 1.0]
    """
    arr = validate_joint(p, ndim=3)
    q, info = max_entropy_pairwise(arr, tol=tol, max_iter=max_iter)
    q12, q1y, q2y = _pairwise(q)
    q1, q2, qy = q12.sum(axis=1), q12.sum(axis=0), q1y.sum(axis=0)
    cell = np.nonzero(q > 0)
    x1, x2, y = cell
    i1 = np.log2(q1y[x1, y] / (q1[x1] * qy[y]))
    i2 = np.log2(q2y[x2, y] / (q2[x2] * qy[y]))
    i12 = np.log2(q[cell] / (q12[x1, x2] * qy[y]))
    coinformation = i1 + i2 - i12
    sign = _sign(coinformation)
    counted = (sign == _sign(i1)) & (sign == _sign(i2)) & (sign == _sign(i12))
    redundancy = float(np.sum(q[cell][counted] * coinformation[counted]))
    mi1, mi2, mi12 = source_target_informations(arr)
    return PIDResult.from_redundancy(redundancy, mi1, mi2, mi12, measure="ccs",
                                     details={"q": q, **info})
