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
status at once.
"""

from __future__ import annotations

from collections.abc import Callable

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

#: Smallest diagonal entry, relative to the largest, that the Jacobi scaling of the Newton
#: solves divides by (below it, scaled directions of marginals near 1e-35 blow up).
JACOBI_FLOOR = 1e-24


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
    without further work); cells that a zero marginal forbids do not. Any others are
    decided together by a linear program over the cone
    {(q, t) >= 0 : marginals(q) = t * marginals(p)}: maximise sum_c s_c subject to
    0 <= s_c <= min(1, q_c), which reaches s_c = 1 exactly on the attainable cells.
    """
    m12, m1y, m2y = _pairwise(p)
    allowed = (m12[:, :, None] > 0) & (m1y[:, None, :] > 0) & (m2y[None, :, :] > 0)
    known = _grow_by_moves(p > 0)
    unknown = allowed & ~known
    if not unknown.any():
        return known
    cells = np.argwhere(allowed)
    n_q, n_s = len(cells), int(unknown.sum())
    rows, cols, targets = [], [], []
    offset = 0
    for axes, marginal in (((0, 1), m12), ((0, 2), m1y), ((1, 2), m2y)):
        flat = np.ravel_multi_index(tuple(cells[:, a] for a in axes), marginal.shape)
        rows.append(offset + flat)
        cols.append(np.arange(n_q))
        targets.append(marginal.ravel())
        offset += marginal.size
    b = np.concatenate(targets)
    a_q = sparse.csr_matrix((np.ones(3 * n_q), (np.concatenate(rows), np.concatenate(cols))),
                            shape=(offset, n_q))
    keep = b > 0
    a_eq = sparse.hstack([a_q[keep], sparse.csr_matrix((int(keep.sum()), n_s)),
                          sparse.csr_matrix(-b[keep][:, None])]).tocsr()
    unknown_index = np.flatnonzero(unknown[tuple(cells.T)])
    a_ub = sparse.hstack([
        sparse.csr_matrix((-np.ones(n_s), (np.arange(n_s), unknown_index)), shape=(n_s, n_q)),
        sparse.identity(n_s, format="csr"), sparse.csr_matrix((n_s, 1))]).tocsr()
    cost = np.concatenate([np.zeros(n_q), -np.ones(n_s), [0.0]])
    bounds = [(0, None)] * n_q + [(0, 1)] * n_s + [(0, None)]
    lp = optimize.linprog(cost, A_ub=a_ub, b_ub=np.zeros(n_s), A_eq=a_eq,
                          b_eq=np.zeros(a_eq.shape[0]), bounds=bounds, method="highs")
    if lp.status != 0:
        raise RuntimeError(f"the support linear program of the CCS maximum-entropy "
                           f"distribution failed: {lp.message}")
    support = known.copy()
    attainable = cells[unknown_index[lp.x[n_q:n_q + n_s] > 0.5]]
    support[tuple(attainable.T)] = True
    return support


def _log_partition(scores: np.ndarray) -> tuple[float, np.ndarray]:
    """log sum exp(scores) and the normalised distribution softmax(scores)."""
    top = scores.max()
    weights = np.exp(scores - top)
    total = weights.sum()
    return float(top + np.log(total)), weights / total


def _newton(design: sparse.csr_matrix, target: np.ndarray, theta: np.ndarray, tol: float,
            error_of: Callable[[np.ndarray], float]) -> tuple[np.ndarray, int]:
    """Minimise log sum exp(design @ theta) - theta . target by damped Newton steps.

    This is the dual of the maximum-entropy problem on the support: at the optimum,
    q = softmax(design @ theta) has ``design.T @ q = target``. The Hessian is singular
    (the parametrisation is redundant) but the gradient lies in its range, so a
    least-squares solve gives the Newton direction.
    """
    def objective(at: np.ndarray) -> tuple[float, np.ndarray]:
        log_z, dist = _log_partition(design @ at)
        return log_z - at @ target, dist

    value, q = objective(theta)
    for step in range(1, NEWTON_MAX_STEPS + 1):
        moments = design.T @ q
        gradient = moments - target
        hessian = ((design.T @ design.multiply(q[:, None]).tocsr()).toarray()
                   - np.outer(moments, moments))
        # Jacobi scaling: the diagonal of the Hessian is about the marginal mass of each
        # parameter, so without it the directions of marginals below ~1e-16 of the largest
        # fall under lstsq's cut-off and their errors are never corrected (floored at
        # JACOBI_FLOOR).
        diagonal = np.diag(hessian)
        scale = 1.0 / np.sqrt(np.maximum(diagonal, max(JACOBI_FLOOR * diagonal.max(),
                                                       np.finfo(float).tiny)))
        direction = -scale * np.linalg.lstsq(hessian * np.outer(scale, scale),
                                             scale * gradient, rcond=None)[0]
        slope = gradient @ direction
        # Once the predicted decrease is below the objective's floating-point resolution the
        # sufficient-decrease test cannot tell a good step from a bad one (it would halve the
        # step to nothing and stall); that close to the optimum the step is judged by the
        # marginal error (the gradient's size) instead, which it may not increase. Far from
        # it, a step may not raise the marginal error tenfold either: with log-factors of
        # marginals near 1e-35 the objective is evaluated too coarsely to catch a bad step.
        resolvable = -slope > 64 * np.finfo(float).eps * max(1.0, abs(value))
        error = error_of(q)
        alpha = 1.0
        trial_value, trial_q = objective(theta + direction)
        while alpha >= 1e-10 and (error_of(trial_q) > (10.0 if resolvable else 1.0) * error
                                  or resolvable and trial_value > value + 1e-4 * alpha * slope):
            alpha /= 2
            trial_value, trial_q = objective(theta + alpha * direction)
        if alpha < 1e-10:
            raise RuntimeError(f"Newton's method found no acceptable step at a marginal error "
                               f"of {error:.3g} (tol {tol:g}; round-off of the log-factors)")
        theta, value, q = theta + alpha * direction, trial_value, trial_q
        if error_of(q) <= tol:
            return q, step
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
    the IPF iterate, finish the job quadratically. Larger problems keep to IPF.

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
        ``cycles`` (IPF cycles run), ``newton_steps`` and ``marginal_error`` (largest
        total gap over the three marginals).

    Raises
    ------
    RuntimeError
        If ``tol`` is not reached.
    """
    arr = validate_joint(p, ndim=3)
    if not (isinstance(tol, (int, float, np.floating)) and tol > 0):
        raise ValueError(f"tol must be a positive number; received {tol!r}")
    if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer; received {max_iter!r}")
    targets = _pairwise(arr)
    support = _support(arr)
    cells = np.nonzero(support)
    index = ((cells[0], cells[1]), (cells[0], cells[2]), (cells[1], cells[2]))
    # log q = a(x1, x2) + b(x1, y) + c(x2, y) on the support, up to normalisation
    logs = [np.zeros_like(t) for t in targets]

    def distribution() -> np.ndarray:
        return _scatter(_log_partition(sum(f[i] for f, i in zip(logs, index)))[1], cells,
                        arr.shape)

    def error_of(q: np.ndarray) -> float:
        return max(float(np.abs(m - t).sum()) for m, t in zip(_pairwise(q), targets))

    n_parameters = sum(t.size for t in targets)
    cycle_limit = min(max_iter, IPF_CYCLES) if n_parameters <= NEWTON_MAX_PARAMETERS else max_iter
    q = distribution()
    for cycle in range(1, cycle_limit + 1):
        for block, (target, log_factor) in enumerate(zip(targets, logs)):
            current = q.sum(axis=2 - block)
            fitted = (target > 0) & (current > 0)
            log_factor[fitted] += np.log(target[fitted] / current[fitted])
            q = distribution()
        error = error_of(q)
        if error <= tol:
            return q, {"cycles": cycle, "newton_steps": 0, "marginal_error": error}
    if n_parameters > NEWTON_MAX_PARAMETERS:
        raise RuntimeError(f"iterative proportional fitting did not reach a marginal error of "
                           f"{tol:g} within {max_iter} cycles (error {error:.3g}); pass a "
                           f"larger max_iter or tol")
    offsets = np.cumsum([0, *(t.size for t in targets)])
    columns = np.concatenate([o + np.ravel_multi_index(i, t.shape)
                              for o, i, t in zip(offsets, index, targets)])
    n_cells = cells[0].size
    design = sparse.csr_matrix((np.ones(3 * n_cells), (np.tile(np.arange(n_cells), 3), columns)),
                               shape=(n_cells, n_parameters))
    theta = np.concatenate([f.ravel() for f in logs])
    target = np.concatenate([t.ravel() for t in targets])
    q_cells, steps = _newton(design, target, theta, tol,
                             lambda qc: error_of(_scatter(qc, cells, arr.shape)))
    q = _scatter(q_cells, cells, arr.shape)
    return q, {"cycles": cycle_limit, "newton_steps": steps, "marginal_error": error_of(q)}


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
        ``newton_steps`` and the final ``marginal_error``.

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
