"""Last resort of the BROJA solver for small tables: a primal barrier method in decimal
arithmetic, for joints whose masses span so many decades that round-off in double (and in
long double) stalls every other solve.

The problem, max H_Q(Y | X1, X2) over the Q with p's (x1, y) and (x2, y) marginals, is solved
on the n cells c = (x1, x2, y) of the support (p(x1, y) > 0 and p(x2, y) > 0) by the
logarithmic barrier method (Boyd and Vandenberghe 2004, section 11.3): for decreasing t,

    max  phi_t(q) = H_q(Y | X1, X2) + t sum_c log q_c    s.t.  A^T q = (p(x1, y), p(x2, y)),

each by Newton's method from the previous centre (A: the incidence of the cells on the
(x1, y) and (x2, y) marginals, two ones a row). The first centre is approached from a
feasible point that gives every cell of the support a share of its capacity (:func:`_start`).
With the block masses r_b = sum_y q(b, y), the gradient of phi_t is
g_c = log(r_b / q_c) + t / q_c and its negated Hessian is, per block b = (x1, x2),
K_b = diag((q_c + t) / q_c^2) - 11^T / r_b, inverted in closed form (Sherman-Morrison); the
Newton step solves the Schur complement A^T K^-1 A nu = A^T K^-1 g - (A^T q - marginals) over
the multipliers nu = (lambda, mu) of the marginals (one mu per y fixed at 0: the gauge of the
dual, see ``broja._Blocks``).

At a centre, g = A nu, i.e. -lambda(x1, y) - mu(x2, y) = log q(y | x1, x2) - t / q_c, so that
log-sum-exp_y(-lambda - mu) < 0 on every block: nu is feasible for the dual of
``pid_bench.info.discrete.broja``, and its objective exceeds H_q(Y | X1, X2) by exactly
sum_c q_c t / q_c = n t nats. The barrier thus leaves the ill-conditioning of the thin cells
to the arithmetic: the iterates and Newton systems are held in ``decimal`` numbers of
:data:`DIGITS` significant digits (the double solvers' Newton matrices reach condition
numbers of 1e21 on joints with cells of 1e-22 next to cells of 0.4, and this method's mix
entries from 1 down to 1e-170 where cells go down to 1e-90), and only the result is rounded to
double and certified by the caller's certificate, in double as everywhere.

Cost: 15 to 59 Newton steps (median 24) on the 1,004 joints among every 4th of the fuzz set
(pid_bench.testing.fuzz, sides 2 to 5) that need an iterative solve, each of a few dozen
operations on numpy object arrays of ``Decimal`` and one Cholesky factorisation of at most
SMALL_MAX_VARIABLES rows in Python; a median of 0.12 s a table (at most 2.1 s, on a loaded
2-core machine), hundreds of times the fast path's time, which is why it runs only where
every double-precision solve has failed. It certified all 1,004.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

import numpy as np

__all__ = ["DIGITS", "solve_decimal"]

#: Significant decimal digits of the arithmetic (eps 1e-40): the Newton systems of the fuzz
#: joints that stall in double have condition numbers up to 1e21.
DIGITS = 40

#: Fraction of each cell's capacity that the starting point gives it (see _start).
_SHARE = 0.5

#: Factor by which t falls between centres.
_T_FACTOR = 100.0

#: Final t: n t (the gap of an exact centre, nats) at this fraction of the tolerance.
_T_FINAL = 0.1

#: A point counts as centred when its squared Newton decrement, relative to t (that of
#: phi_t / t, the scale of the barrier's own curvature), is at most this.
_CENTRED = 0.1

#: Relative squared decrement at which the last centre is exact to the arithmetic's
#: precision: if it does not certify, more steps will not.
_EXACT = 1e-30

#: Below this relative squared decrement, full Newton steps are taken without a line search
#: (the quadratic regime).
_QUADRATIC = 1e-2

#: Fraction of the longest step to the boundary q >= 0 that a step takes.
_TO_BOUNDARY = 0.99

#: Halvings of the step that the line search tries before it gives up.
_HALVINGS = 40

_CONTEXT = decimal.Context(prec=DIGITS)
_ARMIJO, _HALF, _THIRD = Decimal("0.25"), Decimal("0.5"), Decimal(1) / Decimal(3)


def _decimal(values: np.ndarray) -> np.ndarray:
    """An object array of exact ``Decimal`` copies of a float array."""
    return np.array([Decimal(v) for v in np.ravel(values).tolist()],
                    dtype=object).reshape(np.shape(values))


def _float(values: np.ndarray) -> np.ndarray:
    """The float array nearest to an object array of ``Decimal``."""
    return np.array([float(v) for v in values.tolist()])


def _ln(values: np.ndarray) -> np.ndarray:
    """Natural logarithms of positive ``Decimal`` values, (n,) object array, to the
    context's precision: y = log(float(x)) corrected by the series of log(x e^-y) =
    log(1 + d), |d| < 1e-13, to third order, which leaves an error below d^4 / 4 < 1e-52
    (Decimal.exp is about five times faster than Decimal.ln); values outside the range of
    double take Decimal.ln."""
    out = np.empty(values.shape, dtype=object)
    for i, x in enumerate(values.tolist()):
        f = float(x)
        if not 1e-300 < f < 1e300:
            out[i] = x.ln()
            continue
        y = Decimal(math.log(f))
        d = x * (-y).exp() - 1
        out[i] = y + d - _HALF * d * d + _THIRD * d * d * d
    return out


class _Cells:
    """Index arrays of the support of ``blocks`` (a ``broja._Blocks``): the cells in block
    order, their blocks and dual variables (lambda on the support of p(x1, y), then mu on
    that of p(x2, y)), the variables left free by the gauge, and the flat positions in the
    (variables x variables) Newton matrix that each cell (``diagonal``) and each pair of
    cells of one block (``pairs``) adds to."""

    def __init__(self, blocks) -> None:
        k1, k2, ky = blocks.shape
        self.a, self.b, self.y = np.nonzero(blocks.cells)     # sorted by block (x1, x2)
        self.n = self.a.size
        key = self.a * k2 + self.b
        self.starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        self.block = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1
        n1 = int(blocks.m1.sum())
        self.n1, self.size = n1, n1 + int(blocks.m2.sum())
        lam_index = np.full((k1, ky), -1)
        lam_index[blocks.m1] = np.arange(n1)
        mu_index = np.full((k2, ky), -1)
        mu_index[blocks.m2] = n1 + np.arange(self.size - n1)
        self.lam, self.mu = lam_index[self.a, self.y], mu_index[self.b, self.y]
        # Per y, the mu of the largest p(x2, y) is fixed at 0: the multipliers of thin
        # marginals, which grow like t / q, then stay off the others (no cancellation of
        # large values when the certificate adds them up in double).
        pinned = mu_index[np.argmax(np.where(blocks.m2, blocks.p2, -1.0), axis=0),
                          np.arange(ky)]
        self.free = np.setdiff1d(np.arange(self.size), pinned)
        size = self.size
        self.diagonal = np.concatenate([self.lam * size + self.lam, self.lam * size + self.mu,
                                        self.mu * size + self.lam, self.mu * size + self.mu])
        first, second = np.nonzero(self.block[:, None] == self.block[None, :])
        self.pair_first, self.pair_second = first, second
        rows = np.concatenate([self.lam[first], self.lam[first], self.mu[first], self.mu[first]])
        cols = np.concatenate([self.lam[second], self.mu[second], self.lam[second],
                               self.mu[second]])
        self.pairs = rows * size + cols

    def block_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of a cell array over each block, (L,)."""
        return np.add.reduceat(values, self.starts)

    def marginals(self, values: np.ndarray) -> np.ndarray:
        """A^T values: the (x1, y) then (x2, y) sums of a cell array, (size,)."""
        out = np.full(self.size, Decimal(0), dtype=object)
        np.add.at(out, self.lam, values)
        np.add.at(out, self.mu, values)
        return out


def _cholesky(matrix: np.ndarray) -> np.ndarray | None:
    """Lower Cholesky factor of a symmetric object array of ``Decimal``, or None where a
    pivot is not positive."""
    factor = np.full(matrix.shape, Decimal(0), dtype=object)
    for j in range(matrix.shape[0]):
        pivot = matrix[j, j] - factor[j, :j] @ factor[j, :j]
        if not pivot > 0:
            return None
        factor[j, j] = pivot.sqrt()
        factor[j + 1:, j] = (matrix[j + 1:, j] - factor[j + 1:, :j] @ factor[j, :j]) / factor[j, j]
    return factor


def _cholesky_solve(factor: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solution x of L L^T x = rhs for the lower factor L of :func:`_cholesky`."""
    n = factor.shape[0]
    y = np.full(n, Decimal(0), dtype=object)
    for i in range(n):
        y[i] = (rhs[i] - factor[i, :i] @ y[:i]) / factor[i, i]
    x = np.full(n, Decimal(0), dtype=object)
    for i in range(n - 1, -1, -1):
        x[i] = (y[i] - factor[i + 1:, i] @ x[i + 1:]) / factor[i, i]
    return x


class _Barrier:
    """Newton's method on phi_t for one t at a time; state q (n,) > 0 with its logarithms
    and those of its block masses (kept from the line search to the next gradient)."""

    def __init__(self, cells: _Cells, marginals: np.ndarray, q: np.ndarray) -> None:
        self.cells, self.target = cells, marginals
        self.q, self.log_q = q, _ln(q)
        self.r = cells.block_sums(q)
        self.log_r = _ln(self.r)

    def phi(self, t: Decimal, q: np.ndarray, log_q: np.ndarray, log_r: np.ndarray) -> Decimal:
        """phi_t at q, from its logarithms."""
        return (q * (log_r[self.cells.block] - log_q)).sum() + t * log_q.sum()

    def newton(self, t: Decimal) -> tuple[np.ndarray, np.ndarray, Decimal] | None:
        """Newton step dq (n,), multipliers nu (size,) and squared decrement dq^T K dq at
        the current q; None if the Schur complement is not positive definite."""
        cells, q = self.cells, self.q
        g = self.log_r[cells.block] - self.log_q + t / q
        # The inverse diagonal of K and its complement in q, each without cancellation
        # (cells of 1e-49 next to t = 1e-4 occur).
        total = q + t
        dinv, slack = q * q / total, q * t / total
        den = cells.block_sums(slack)     # r_b - sum_b dinv > 0

        def k_inverse(v: np.ndarray) -> np.ndarray:
            dv = dinv * v
            return dv + dinv * (cells.block_sums(dv) / den)[cells.block]

        size = cells.size
        flat = np.full(size * size, Decimal(0), dtype=object)
        np.add.at(flat, cells.diagonal, np.tile(dinv, 4))
        np.add.at(flat, cells.pairs, np.tile(dinv[cells.pair_first] * dinv[cells.pair_second]
                                             / den[cells.block[cells.pair_first]], 4))
        free = cells.free
        factor = _cholesky(flat.reshape(size, size)[np.ix_(free, free)])
        if factor is None:
            return None
        rhs = cells.marginals(k_inverse(g)) - (cells.marginals(q) - self.target)
        nu = np.full(size, Decimal(0), dtype=object)
        nu[free] = _cholesky_solve(factor, rhs[free])
        reduced = g - (nu[cells.lam] + nu[cells.mu])
        dq = k_inverse(reduced)
        return dq, nu, (dq * reduced).sum()

    def step(self, t: Decimal, dq: np.ndarray, decrement: Decimal) -> bool:
        """Move along dq: the longest step within _TO_BOUNDARY of q >= 0, halved until
        phi_t rises by a quarter of its linear model (Armijo), unless the decrement is in
        the quadratic regime. Returns whether a step was taken."""
        q = self.q
        shrinking = dq < 0
        alpha = Decimal(1)
        if shrinking.any():
            alpha = min(alpha, Decimal(_TO_BOUNDARY) * min(-q[shrinking] / dq[shrinking]))
        check = decrement > Decimal(_QUADRATIC) * t
        start = self.phi(t, q, self.log_q, self.log_r) if check else None
        slope = (dq * (self.log_r[self.cells.block] - self.log_q + t / q)).sum()
        for _ in range(_HALVINGS):
            trial = q + alpha * dq
            log_q = _ln(trial)
            r = self.cells.block_sums(trial)
            log_r = _ln(r)
            if not check or self.phi(t, trial, log_q, log_r) >= start + _ARMIJO * alpha * slope:
                self.q, self.log_q, self.r, self.log_r = trial, log_q, r, log_r
                return True
            alpha *= _HALF
        return False


def solve_decimal(blocks, tol: float, max_iter: int
                  ) -> tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray | None,
                             int]:
    """The best certificate of the barrier method (gap in bits, feasible q (K1, K2, Ky),
    lambda (K1, Ky), mu (K2, Ky)) and its Newton steps; it stops at the first gap of at most
    ``tol``, after ``max_iter`` Newton steps, or where the decimal arithmetic stops helping
    (a failed factorisation or line search, or a last centre exact to the arithmetic's
    precision that does not certify ``tol``). Without any certificate: (inf, None, None,
    None, steps).

    Parameters
    ----------
    blocks : pid_bench.info.discrete.broja._Blocks
        Support, marginals and certificate (``_Blocks.certificate``, in double) of the
        joint, shape (K1, K2, Ky); at most a few dozen dual variables (a Newton step costs
        about cells x (dual variables) + (dual variables)^3 / 6 decimal operations).
    tol : float
        Duality gap to certify, bits.
    max_iter : int
        Most Newton steps (15 to 59 on the fuzz set's joints).
    """
    cells = _Cells(blocks)
    k1, k2, ky = blocks.shape
    best: tuple = (math.inf, None, None, None)
    steps = 0

    def certified(q: np.ndarray, nu: np.ndarray) -> bool:
        nonlocal best
        q_full = _scatter(blocks.shape, cells, q)
        values = _float(nu)
        lam, mu = np.zeros((k1, ky)), np.zeros((k2, ky))
        lam[blocks.m1], mu[blocks.m2] = values[:cells.n1], values[cells.n1:]
        gap, q_full = blocks.certificate(q_full, lam, mu)
        if gap < best[0]:
            best = (gap, q_full, lam, mu)
        return gap <= tol

    with decimal.localcontext(_CONTEXT):
        # The marginals of the decimal copy of p agree to DIGITS digits (the double ones
        # differ by round-off), so that the starting point meets them.
        p = _decimal(blocks.p)
        p1, p2 = p.sum(axis=1), p.sum(axis=0)
        start = _start(cells, p1, p2)
        barrier = _Barrier(cells, np.concatenate([p1[blocks.m1], p2[blocks.m2]]), start)
        # t starts where the barrier's gap, n t, is the starting point's certified gap
        # (with the independent coupling's dual) and ends at _T_FINAL of the tolerance.
        start_gap = blocks.certificate(_scatter(blocks.shape, cells, start),
                                       *blocks.independent_dual())[0]
        final = Decimal(_T_FINAL * tol * math.log(2.0) / cells.n)
        t = max(Decimal(start_gap * math.log(2.0) / cells.n), final)
        while steps < max_iter:
            found = barrier.newton(t)
            if found is None:
                break
            dq, nu, decrement = found
            if t > final and decrement <= Decimal(_CENTRED) * t:
                t = max(t / Decimal(_T_FACTOR), final)
                continue
            if t <= final and (certified(barrier.q, nu) or decrement <= Decimal(_EXACT) * t):
                break
            if not (decrement > 0 and barrier.step(t, dq, decrement)):
                break
            steps += 1
    return (*best, steps)


def _scatter(shape: tuple[int, int, int], cells: _Cells, values: np.ndarray) -> np.ndarray:
    """Float array of ``shape`` holding the cell values (object array of Decimal)."""
    out = np.zeros(shape)
    out[cells.a, cells.b, cells.y] = _float(values)
    return out


def _start(cells: _Cells, p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """A feasible q (n,) > 0 that gives every cell a share of its capacity: per y, the
    transport plan D(x1, x2) = _SHARE min(p(x1, y), p(x2, y)) / max(K1, K2) plus the
    independent coupling of the marginals that D leaves (at least 1 - _SHARE of each).
    The independent coupling alone gives a cell between two thin marginals the product of
    their masses, and the barrier's Newton steps only double such a cell, once per step,
    on its way to the centre (steps that shrink a cell go to within 1 - _TO_BOUNDARY of 0)."""
    a, b, y = cells.a, cells.b, cells.y
    share = np.minimum(p1[a, y], p2[b, y]) * Decimal(_SHARE / max(p1.shape[0], p2.shape[0]))
    left1, left2 = p1.copy(), p2.copy()
    np.subtract.at(left1, (a, y), share)
    np.subtract.at(left2, (b, y), share)
    return share + left1[a, y] * left2[b, y] / left1.sum(axis=0)[y]
