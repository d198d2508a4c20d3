"""Fast path of the BROJA solver for small tables: the interior-point iteration of
:mod:`pid_bench.info.discrete.broja` on flat, dense arrays, without its safeguards.

The iteration is the same Mehrotra predictor-corrector method on the dual (variables
v = (lambda, mu) of the support, block masses r and slacks w, complementarity r w -> 0,
central path weighted by each block's capacity), with the same Newton matrix
A^T diag(q) A + M diag(r / w - r) M^T plus a multiple of the gauge directions' outer product;
A is the incidence of the cells of the live blocks on the dual variables (two ones a row) and
M = A^T S, S holding each block's conditional s in its column. What it drops is what costs
array operations on tables of a few dozen cells: the line search, the restarts, the
regularised refactorisations and the block elimination. Each iteration is about forty array
operations and one LAPACK Cholesky factorisation of a matrix of at most a few hundred rows.

Nothing here decides correctness: every candidate is certified by ``_Blocks.certificate``
(a feasible primal point and a dual-feasible bound), and where the iteration does not reach
``tol`` within _MAX_ITER iterations, or its Newton matrix is not positive definite, the
caller runs the robust interior-point method from the start (:func:`solve_small`).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

__all__ = ["SMALL_MAX_VARIABLES", "SMALL_MIN_MASS", "solve_small"]

#: Largest number of dual variables of the support for which the fast path is tried (the
#: dense incidence matrix has cells x variables entries; beyond about 60 variables the
#: block elimination of the robust path is cheaper).
SMALL_MAX_VARIABLES = 60

#: Most iterations of the fast path before it gives way to the robust method.
_MAX_ITER = 30

#: Largest change of a dual variable in one step, in nats.
_MAX_MOVE = 10.0

#: Fraction of the longest step to the boundary r, w >= 0 that a step takes.
_TO_BOUNDARY = 0.99

#: Complementarity gap sum r w (nats), relative to the tolerance (nats), below which the
#: predictors' full Newton steps are certified (_CERTIFY_RW) and the iterates themselves
#: (_CERTIFY_RW * _ITERATE_RW). Measured on Dirichlet(0.5) joints of 2 to 5 symbols and on
#: permutation tables of a 4 x 4 x 4 joint: 1.1 to 1.9 certificates a solve, against 1.9 to
#: 5.4 when both are certified from 1e4, for the same iterations (+0.02 on average).
_CERTIFY_RW = 1e3
_ITERATE_RW = 1e-4

#: Smallest positive cell (probability) of a joint that the fast path takes: below it,
#: round-off stalls the unguarded iteration (certified on 100% of the fuzz joints of
#: pid_bench.testing.fuzz whose smallest cell is at least 1e-11, on 15% of those with cells
#: below 1e-14), and the robust path, which prunes such cells first, is run directly.
SMALL_MIN_MASS = 1e-12

_POTRF, _POTRS = sla.get_lapack_funcs(("potrf", "potrs"), dtype=np.float64)


class _Layout:
    """The support of a joint as dense arrays: cells of the live blocks (L blocks x Ky), dual
    variables (lambda then mu, on the support only) and the incidence matrix A of the cells
    (rows, zero off the support) on the dual variables."""

    def __init__(self, blocks) -> None:
        m1, m2 = blocks.m1, blocks.m2
        (k1, ky), k2 = m1.shape, m2.shape[0]
        n1, n2 = int(m1.sum()), int(m2.sum())
        self.n1, self.size = n1, n1 + n2
        lam_index = np.zeros((k1, ky), dtype=np.intp)
        lam_index[m1] = np.arange(n1)
        mu_index = np.zeros((k2, ky), dtype=np.intp)
        mu_index[m2] = n1 + np.arange(n2)
        self.a, self.b = np.nonzero(blocks.live)
        cells = m1[self.a] & m2[self.b]                                   # (L, Ky)
        self.n_blocks = self.a.size
        rows = np.flatnonzero(cells)
        incidence = np.zeros((cells.size, self.size))
        incidence[rows, lam_index[self.a].reshape(-1)[rows]] = 1.0
        incidence[rows, mu_index[self.b].reshape(-1)[rows]] = 1.0
        self.incidence = incidence
        self.by_block = incidence.reshape(self.n_blocks, ky, self.size)
        self.logmask = np.where(cells, 0.0, -np.inf)
        self.target = np.concatenate([blocks.p1[m1], blocks.p2[m2]])
        gauge = np.zeros((self.size, ky))
        gauge[lam_index[m1], np.nonzero(m1)[1]] = 1.0
        gauge[mu_index[m2], np.nonzero(m2)[1]] = -1.0
        self.gauge = gauge @ gauge.T
        self.centre = blocks.centre[self.a, self.b]
        self.m1, self.m2, self.shape = m1, m2, blocks.shape

    def softmax(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log-sum-exp F (L,) and conditionals s (L, Ky) of -lambda - mu per live block."""
        z = self.logmask - (self.incidence @ v).reshape(self.logmask.shape)
        top = z.max(axis=1)
        e = np.exp(z - top[:, None])
        total = e.sum(axis=1)
        return top + np.log(total), e / total[:, None]

    def full(self, v: np.ndarray, r: np.ndarray, s: np.ndarray, f: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """q = max(r, 0) s (K1, K2, Ky), lambda (K1, Ky), mu (K2, Ky) and F (K1, K2) on the
        full grid, as ``_Blocks.certificate`` takes them."""
        k1, k2, ky = self.shape
        q = np.zeros(self.shape)
        q[self.a, self.b] = np.maximum(r, 0.0)[:, None] * s
        lam, mu = np.zeros((k1, ky)), np.zeros((k2, ky))
        lam[self.m1], mu[self.m2] = v[:self.n1], v[self.n1:]
        f_full = np.zeros((k1, k2))
        f_full[self.a, self.b] = f
        return q, lam, mu, f_full


def solve_small(blocks, tol: float, max_iter: int, accept: float = 0.0
                ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, int] | None:
    """The best certificate (gap in bits, feasible q (K1, K2, Ky), lambda (K1, Ky), mu
    (K2, Ky)) and the iterations, once a gap of at most ``tol`` is certified (or, when the
    iteration ends short of it, of at most ``accept``); None otherwise, and where the Newton
    matrix is not positive definite (the caller then runs the robust method).

    Parameters
    ----------
    blocks : pid_bench.info.discrete.broja._Blocks
        Support, marginals and certificate of the joint, shape (K1, K2, Ky), with at least
        two live blocks.
    tol : float
        Duality gap to certify, bits.
    max_iter : int
        Most iterations (at most _MAX_ITER are done).
    accept : float, default 0
        Gap (bits) accepted where the iterations run out.
    """
    layout = _Layout(blocks)
    size, n_blocks = layout.size, layout.n_blocks
    lam, mu = blocks.independent_dual()        # the independent coupling: F = log r
    v = np.concatenate([lam[layout.m1], mu[layout.m2]])
    f, s = layout.softmax(v)
    x = np.concatenate([np.exp(f), -f])        # block masses r, then slacks w
    certify_below = _CERTIFY_RW * tol * np.log(2.0)
    best: tuple = (np.inf,)
    incidence, by_block, gauge = layout.incidence, layout.by_block, layout.gauge
    limit = min(max_iter, _MAX_ITER)

    def certify(v: np.ndarray, r: np.ndarray, s: np.ndarray, f: np.ndarray) -> bool:
        nonlocal best
        q, lam, mu, f_full = layout.full(v, r, s, f)
        gap, q = blocks.certificate(q, lam, mu, f_full)
        if gap < best[0]:
            best = (gap, q, lam, mu)
        return best[0] <= tol

    for iteration in range(limit + 1):
        r, w = x[:n_blocks], x[n_blocks:]
        rw = r * w
        gap_rw = float(rw.sum())
        if (gap_rw <= _ITERATE_RW * certify_below or iteration == limit) \
                and certify(v, r, s, f):
            return (*best, iteration)
        if iteration == limit or not gap_rw > 0 or not w.min() > 0:
            break
        q = (r[:, None] * s).reshape(-1)
        grad = q @ incidence - layout.target                       # marginal residual
        res_p = f + w
        m_t = np.einsum("ly,lyv->lv", s, by_block)                 # M^T, (L, size)
        ratio = r / w
        matrix = (incidence.T * q) @ incidence
        matrix += (m_t.T * (ratio - r)) @ m_t
        matrix += (np.trace(matrix) / size) * gauge
        factor, info = _POTRF(matrix, lower=1, clean=0, overwrite_a=1)
        if info != 0:
            break
        r_res, inverse = r * res_p, -1.0 / x

        def direction(target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # Newton step (dv, (dr, dw)) for marginals = p, F + w = 0, r w = target.
            h = (target + r_res) / w
            dv = _POTRS(factor, grad + h @ m_t, lower=1)[0]
            df = m_t @ dv                                          # minus the change of F
            return dv, np.concatenate([h - ratio * df, df - res_p])

        def longest(d: tuple[np.ndarray, np.ndarray]) -> float:
            # Largest a in [0, 1] with r + a dr >= 0 and w + a dw >= 0.
            return 1.0 / max(1.0, float((d[1] * inverse).max()))

        predictor = direction(-rw)
        if gap_rw <= certify_below:
            # Near the optimum the full Newton step is often a better pair than the iterate.
            v_newton = v + predictor[0]
            f_newton, s_newton = layout.softmax(v_newton)
            if certify(v_newton, r + predictor[1][:n_blocks], s_newton, f_newton):
                return (*best, iteration + 1)
        a_aff = longest(predictor)
        trial = x + a_aff * predictor[1]
        mean_rw = gap_rw / n_blocks
        mean_aff = float(trial[:n_blocks] @ trial[n_blocks:]) / n_blocks
        target = min(1.0, (mean_aff / mean_rw) ** 3) * mean_rw * layout.centre
        d = direction(target - rw - predictor[1][:n_blocks] * predictor[1][n_blocks:])
        if longest(d) < 0.5 * a_aff:
            d = max(d, direction(target - rw), key=longest)
        step = min(_TO_BOUNDARY * longest(d),
                   _MAX_MOVE / max(float(np.abs(d[0]).max()), 1e-300))
        v = v + step * d[0]
        x = x + step * d[1]
        f, s = layout.softmax(v)
    if best[0] <= accept:
        return (*best, iteration)
    return None
