"""BROJA unique information, solved exactly by a dedicated primal-dual interior-point method.

Bertschinger, Rauh, Olbrich, Jost and Ay (2014) define the unique information of X1 as

    UI(X1 \\ X2) = min over Q in Delta_p of I_Q(X1; Y | X2),

where Delta_p holds the distributions with the same (x1, y) and (x2, y) marginals as p. On
Delta_p the same Q minimises I_Q(X1, X2; Y), i.e. maximises H_Q(Y | X1, X2), and then
S = I_p(X1, X2; Y) - I_Q(X1, X2; Y), U1 = I_Q(X1; Y | X2), U2 = I_Q(X2; Y | X1) and
R = I(X1; Y) - U1.

The solver works on the Lagrange dual of max H_Q(Y | X1, X2), which has one variable per
(x1, y) cell (lambda) and one per (x2, y) cell (mu):

    H* = min  sum lambda(x1, y) p(x1, y) + sum mu(x2, y) p(x2, y)
         s.t. F(x1, x2) = logsumexp_y (-lambda(x1, y) - mu(x2, y)) <= 0  for every (x1, x2),

the log-sum-exp running over the support {y : p(x1, y) > 0 and p(x2, y) > 0} of the block.
The multipliers r(x1, x2) >= 0 of these constraints are the block masses of the primal
optimum, whose conditional is q(y | x1, x2) = softmax_y(-lambda - mu). A Mehrotra (1992)
predictor-corrector interior-point method (slacks w = -F, complementarity r w -> 0) solves
the KKT conditions, starting from the independent coupling p(x1, y) p(x2, y) / p(y). Its
Newton matrix over (lambda, mu) is block-diagonal over x1 in its lambda part, so lambda is
eliminated block by block and the remaining Schur complement over mu, of size |X2| |Y|
(the smaller source is put second), is formed with batched matrix products (each (x1, x2)
block of the Hessian is a diagonal plus a rank-one matrix) and factorised once per
iteration; about ten iterations are typical. The block elimination leaves the Schur
complement well conditioned (condition numbers of about 1e4 at the last iterations, measured
on Dirichlet(0.5) joints of 16 and 32 symbols), so from 512 rows on it is factorised in
float32, in about 60% of the float64 time, and each solve runs conjugate gradients on the
float64 matrix preconditioned by that factor: about three iterations reach a relative
residual of 1e-12, the float64 solve's accuracy, without its round of iterative refinement;
if they stall, the float64 factor is computed instead (low-precision Cholesky factors as
preconditioners of Krylov solvers: Higham and Pranesh, SIAM J. Sci. Comput. 43, 2021).
Small problems, of at most 96 dual variables, assemble the whole Newton matrix and factorise
it by one LAPACK call instead: there the block elimination's many small array operations
cost more than the arithmetic they save (the block elimination stays the fallback when
round-off makes the dense matrix indefinite).
Three safeguards keep the iteration robust on peaked distributions: the central path is
weighted by each block's capacity, a line search keeps the nonlinear constraints from
drifting, and no dual variable moves by more than ten nats per step.

Every returned result is certified: ``details["duality_gap"]`` is an upper bound on
max H_Q(Y | X1, X2) minus its value at a distribution Q that has p's (x1, y) and (x2, y)
marginals up to floating-point round-off, plus a bound on the round-off of both sums. The
upper bound is the smaller of the dual objective at a dual-feasible (lambda, mu) and
min_i H(Y | Xi) (conditioning reduces entropy, so I_Q(X1, X2; Y) >= max_i I(Xi; Y) on
Delta_p). The gap bounds I_Q(X1, X2; Y) - min I, so all four atoms are within it of their
exact values.

Before iterating, the solver tries, in turn (:func:`_solve`):

1. p itself, certified by min_i H(Y | Xi) alone. This is exact wherever p is optimal:
   X1 = X2, Y a function of one source, Y constant, any Markov chain Y - Xi - Xj; no
   iteration is needed there.
2. Small tables (at most 60 dual variables, no cell below 1e-12): with two binary sources,
   Newton's method on the one free coordinate per y of Q (a box;
   :mod:`pid_bench.info.discrete._broja_binary`); otherwise, or if that does not certify
   ``tol``, the same interior-point
   iteration on flat dense arrays without the safeguards below
   (:mod:`pid_bench.info.discrete._broja_small`), about forty array operations an
   iteration instead of a few hundred, with an active-set Newton finish where round-off
   stalls it; if it does not certify ``tol``, the robust path (3, 4) runs from the start.
3. Pruning: cells of total mass at most 1e-3 tol (1e-12 at the default), then 1e-2 tol,
   are set to 0, the rest is solved (by the fast path where it applies), and the result
   is lifted back and certified *for p itself* (the pruned cells are added back to Q, the
   dual pair is extended to the emptied cells), so pruning costs what the certificate
   shows, about 4e-11 bits at the default tol. Masses below 1e-13 otherwise make the
   Newton matrices indefinite in round-off.
4. The interior-point method on p.
5. Small tables only (at most 60 dual variables), where round-off in double stopped 2 to 4:
   a primal barrier method in 40-digit decimal arithmetic on p
   (:mod:`pid_bench.info.discrete._broja_decimal`, :func:`_solve_decimal`), a thousand
   times slower than the fast path; its result is rounded to double and certified like
   every other.

``details["solver"]`` names the step that certified the result.

If none reaches ``tol``, BrojaConvergenceError reports the smallest certified gap reached.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import types

import numpy as np
import scipy.linalg as sla
from scipy.special import xlogy

from pid_bench.info.discrete._broja_binary import solve_binary
from pid_bench.info.discrete._broja_decimal import solve_decimal
from pid_bench.info.discrete._broja_small import (SMALL_MAX_VARIABLES, SMALL_MIN_MASS,
                                                  solve_small)
from pid_bench.info.result import PIDResult
from pid_bench.info.validation import validate_joint

__all__ = ["BrojaConvergenceError", "broja"]

_LN2 = float(np.log(2.0))
_EPS = float(np.finfo(float).eps)

#: Relative diagonal shifts tried, in order, when round-off makes the Newton matrix
#: indefinite (near the optimum, on distributions whose masses span many decades).
_SHIFTS = (0.0, 1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4)

#: Rounds of iterative refinement of each Newton solve by a float64 factor.
_REFINE = 1

#: Shortest step, relative to the longest, that the line search tries.
_MIN_STEP = 1e-6

#: Smallest Schur complement (rows) solved in mixed precision: a float32 Cholesky factor
#: preconditions conjugate gradients on the float64 matrix. Below it, the float64
#: factorisation is cheap and used directly.
_MIXED_MIN = 512

#: Relative residuals of the conjugate gradients on the Schur complement: they stop at the
#: complementarity gap sum r w (nats) clipped to [_CG_TOL, _CG_TOL_MAX], as inexact Newton
#: steps (early iterations need directions no more accurate than the gap they close), and
#: give way to the float64 factorisation after _CG_MAX iterations.
_CG_TOL, _CG_TOL_MAX = 1e-12, 1e-6
_CG_MAX = 25

#: Largest number of dual variables (|X1| + |X2|) |Y| for which the Newton matrix is
#: assembled and factorised densely (_DenseNewton) instead of by block elimination.
_DENSE_MAX = 96

#: Rows of x2 values per band of the D-part of the Schur complement (see _Newton).
_BAND = 16

#: Largest change of a dual variable in one step, in nats.
_MAX_MOVE = 10.0

#: Complementarity gap, relative to the tolerance (nats), below which every iterate and
#: every Newton point is certified (above it only every third iterate).
_CERTIFY_RW = 1e4

#: Iterations without a better certificate (or a failed step) after which the solver
#: restarts from its best certificate, at most _RESTARTS times, then gives up; restart i
#: keeps block masses and slacks at least _RESTART_FLOOR[i] (which freed most stalled solves
#: of the fuzz set, pid_bench.testing.fuzz).
_PATIENCE = 6
_RESTARTS = 3
_RESTART_FLOOR = (1e-5, 1e-3, 1e-2)

#: Total masses, relative to the tolerance in bits, of the smallest cells that a solve
#: prunes, tried in turn (see _solve): 1e-12 at tol = 1e-9, where the pruning costs about
#: 4e-11 bits of gap, then 1e-11 (about 4e-10 bits).
_PRUNE_MASS = (1e-3, 1e-2)

_controller = None

#: LAPACK's Cholesky factorisation and solve (float64), for _DenseNewton.
_POTRF, _POTRS = sla.get_lapack_funcs(("potrf", "potrs"), dtype=np.float64)


class BrojaConvergenceError(RuntimeError):
    """The BROJA solver could not certify a duality gap at or below the requested ``tol``.

    Attributes
    ----------
    gap : float
        Smallest certified duality gap reached, in bits.
    tol : float
        Requested tolerance, in bits.
    iterations : int
        Interior-point iterations performed.
    """

    def __init__(self, gap: float, tol: float, iterations: int, reason: str) -> None:
        self.gap, self.tol, self.iterations = gap, tol, iterations
        super().__init__(f"BROJA solver reached a duality gap of {gap:.3e} bits after "
                         f"{iterations} iterations but tol={tol:.3e} bits was asked ({reason})")


class _Blocks:
    """Supports and marginals of a joint p of shape (K1, K2, Ky), all marginals positive.

    The dual has a gauge freedom: (lambda(., y) + t, mu(., y) - t) changes neither the
    constraints nor (as both marginals of y sum to p(y)) the objective.
    """

    def __init__(self, p: np.ndarray) -> None:
        self.p, self.shape = p, p.shape
        self.p1 = p.sum(axis=1)                    # (K1, Ky)
        self.p2 = p.sum(axis=0)                    # (K2, Ky)
        self.py = p.sum(axis=(0, 1))               # (Ky,)
        self.m1, self.m2 = self.p1 > 0, self.p2 > 0
        self.cells = self.m1[:, None, :] & self.m2[None, :, :]
        self.live = self.cells.any(axis=2)         # blocks that can carry mass
        # Conditioning reduces entropy: every Q in Delta_p has H_Q(Y | X1, X2) <=
        # min_i H_Q(Y | Xi) = min_i H_p(Y | Xi) (nats), i.e. I_Q(X1, X2; Y) >= max_i I(Xi; Y).
        # The bound is attained where p itself is optimal (X1 = X2, Y a function of one
        # source, Y constant, or any Markov chain Y - Xi - Xj), so it certifies those at once.
        # H(Y | Xi) = H(Xi, Y) - H(Xi), from the sums of x log x over the (xi, y) and the xi
        # marginals.
        xlx1, xlx2 = float(xlogy(self.p1, self.p1).sum()), float(xlogy(self.p2, self.p2).sum())
        x1, x2 = self.p1.sum(axis=1), self.p2.sum(axis=1)
        self.h_bound = min(float(xlogy(x1, x1).sum()) - xlx1, float(xlogy(x2, x2).sum()) - xlx2)
        self.h_scale = -xlx1 - xlx2

    @functools.cached_property
    def cost(self) -> np.ndarray:
        """Most mass each block can carry, shape (K1, K2); it is also what a unit violation
        of the block's constraint costs the dual bound."""
        return np.where(self.cells, np.minimum(self.p1[:, None, :], self.p2[None, :, :]),
                        0.0).sum(axis=2)

    @functools.cached_property
    def n_live(self) -> int:
        """Number of blocks that can carry mass."""
        return int(self.live.sum())

    @functools.cached_property
    def centre(self) -> np.ndarray:
        """Weights of the central path, shape (K1, K2): a block is centred towards r w
        proportional to its capacity, so that blocks with tiny marginals are not asked to
        carry mass they cannot hold (mean weight 1 over live blocks)."""
        return np.where(self.live, self.cost / self.cost[self.live].mean(), 0.0)

    @functools.cached_property
    def logmask(self) -> np.ndarray:
        """0 on the cells of the support, -inf elsewhere, shape (K1, K2, Ky)."""
        return np.where(self.cells, 0.0, -np.inf)

    @functools.cached_property
    def dense_layout(self) -> types.SimpleNamespace:
        """Index arrays of the dense Newton matrix over (lambda, mu), of size V =
        (K1 + K2) Ky (see :class:`_DenseNewton`): flat positions of its lambda-lambda
        (ll), mu-mu (mm) and coupling (lm, ml) entries, its diagonal, the dual variables of
        the support and the rest (outside, 1.0 there), and the gauge term: per y, the outer
        product of (lambda(., y) = 1, mu(., y) = -1) over the support, divided by K2."""
        k1, k2, ky = self.shape
        n1, size = k1 * ky, (k1 + k2) * ky
        a, y, z = np.meshgrid(np.arange(k1), np.arange(ky), np.arange(ky), indexing="ij")
        b, y2, z2 = np.meshgrid(np.arange(k2), np.arange(ky), np.arange(ky), indexing="ij")
        a4, y4, b4, z4 = np.meshgrid(np.arange(k1), np.arange(ky), np.arange(k2),
                                     np.arange(ky), indexing="ij")
        rows, cols = (a4 * ky + y4).reshape(-1), (n1 + b4 * ky + z4).reshape(-1)
        support = np.concatenate([self.m1.reshape(-1), self.m2.reshape(-1)])
        sign = np.repeat([1.0, -1.0], [k1, k2])[:, None]
        gauge = np.concatenate([self.m1, self.m2]) * sign                  # (K1 + K2, Ky)
        gauge = (gauge[:, :, None] * np.eye(ky)[None]).reshape(size, ky)
        return types.SimpleNamespace(
            size=size, ys=np.arange(ky),
            ll=((a * ky + y) * size + a * ky + z).reshape(-1),
            mm=((n1 + b * ky + y2) * size + n1 + b * ky + z2).reshape(-1),
            lm=rows * size + cols, ml=cols * size + rows,
            diagonal=np.arange(size) * (size + 1), support=support.astype(float),
            n_support=int(support.sum()),
            outside=(~support).astype(float), gauge=(gauge @ gauge.T) / k2)

    def independent_dual(self) -> tuple[np.ndarray, np.ndarray]:
        """(lambda, mu) of the independent coupling p(x1, y) p(x2, y) / p(y), which is
        feasible: lambda = log sqrt(p(y)) - log p(x1, y), mu likewise, so that F = log r
        with r the coupling's block masses."""
        with np.errstate(divide="ignore"):
            half_log_py = 0.5 * np.log(self.py)
            lam = np.where(self.m1, half_log_py - np.log(np.where(self.m1, self.p1, 1.0)), 0.0)
            mu = np.where(self.m2, half_log_py - np.log(np.where(self.m2, self.p2, 1.0)), 0.0)
        return lam, mu

    def softmax(self, lam: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log-sum-exp F (K1, K2) and conditionals s (K1, K2, Ky) of -lambda - mu per block."""
        z = self.logmask - lam[:, None, :] - mu[None, :, :]
        top = np.where(self.live, z.max(axis=2), 0.0)
        e = np.exp(z - top[..., None])
        total = e.sum(axis=2)
        total[~self.live] = 1.0
        e /= total[..., None]
        return np.where(self.live, top + np.log(total), 0.0), e

    def round_to_marginals(self, q: np.ndarray) -> np.ndarray:
        """Closest-in-spirit feasible point: scale rows and columns of each q(., ., y) down to
        the marginals, then add the missing mass as a rank-one term (Altschuler, Weed and
        Rigollet 2017, Algorithm 2). The result has the (x1, y) and (x2, y) marginals of p up
        to round-off and moves at most twice the marginal error in L1."""
        rows = q.sum(axis=1)
        # Divided only where the sum exceeds the marginal, so never by 0.
        q = q * np.divide(self.p1, rows, out=np.ones_like(rows), where=rows > self.p1)[:, None, :]
        cols = q.sum(axis=0)
        q = q * np.divide(self.p2, cols, out=np.ones_like(cols), where=cols > self.p2)[None, :, :]
        lack1 = np.maximum(self.p1 - q.sum(axis=1), 0.0)
        lack2 = np.maximum(self.p2 - q.sum(axis=0), 0.0)
        mass = lack1.sum(axis=0)
        mass[mass == 0] = 1.0
        return q + lack1[:, None, :] * (lack2 / mass)[None, :, :]

    def violation_cost(self, f: np.ndarray) -> float:
        """Upper bound on what :meth:`dual_bound` adds for the violations F > 0, in nats."""
        return float((np.where(self.live, np.maximum(f, 0.0), 0.0) * self.cost).sum())

    def dual_bound(self, lam: np.ndarray, mu: np.ndarray, f: np.ndarray) -> float:
        """Upper bound on max H_Q(Y | X1, X2) in nats from any (lambda, mu).

        A block with F = v > 0 becomes feasible when -lambda - mu drops by v on each cell of
        its support; each such cell raises whichever of lambda(x1, y) and mu(x2, y) has the
        smaller marginal mass, and a cell shared by several violated blocks takes the largest
        v. Other blocks only move further from their constraint, so the result is
        dual-feasible, and its objective bounds the optimum by weak duality.
        """
        lam, mu = self.feasible_dual(lam, mu, f)
        return float((lam * self.p1)[self.m1].sum() + (mu * self.p2)[self.m2].sum())

    def feasible_dual(self, lam: np.ndarray, mu: np.ndarray, f: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """The dual-feasible pair that :meth:`dual_bound` evaluates."""
        excess = np.where(self.live, np.maximum(f, 0.0), 0.0)
        if not excess.any():
            return lam, mu
        excess = excess[..., None] * self.cells
        on_lam = self.p1[:, None, :] <= self.p2[None, :, :]
        return (lam + np.where(on_lam, excess, 0.0).max(axis=1),
                mu + np.where(on_lam, 0.0, excess).max(axis=0))

    def certificate(self, q: np.ndarray, lam: np.ndarray | None = None,
                    mu: np.ndarray | None = None, f: np.ndarray | None = None,
                    feasible: bool = False) -> tuple[float, np.ndarray]:
        """Certified gap (bits) of a point q >= 0 (K1, K2, Ky) with a dual pair, and the
        feasible q it is measured at.

        q is moved onto the marginals (:meth:`round_to_marginals`) unless it is known to have
        them (``feasible``: p itself); the upper bound on
        max H_Q(Y | X1, X2) is the smaller of ``h_bound`` and, if (lambda, mu) is given,
        their dual bound (F, of shape (K1, K2), is computed if not passed). The gap is
        their difference plus a bound on the round-off of the (pairwise) sums:
        (log2(cells) + 4) machine epsilons of the sums of magnitudes.
        """
        if not feasible:
            q = self.round_to_marginals(q)
        primal = _conditional_entropy_nats(q)
        magnitude = abs(primal) + 2.0 * self.h_scale
        upper = self.h_bound
        if lam is not None:
            if f is None:
                f = self.softmax(lam, mu)[0]
            dual = self.dual_bound(lam, mu, f)
            upper = min(dual, upper)
            magnitude += (abs(dual) + float(np.abs(lam * self.p1).sum())
                          + float(np.abs(mu * self.p2).sum()))
        roundoff = _EPS * (math.log2(q.size) + 4.0) * magnitude
        return (max(upper - primal, 0.0) + roundoff) / _LN2, q


class _Newton:
    """Factorised Newton matrix of the interior-point iteration.

    The matrix is sum over blocks b = (x1, x2) of E_b [diag(q_b) + c_b s_b s_b^T] E_b^T,
    where E_b maps a vector over y onto lambda(x1, .) and mu(x2, .). Its lambda part is
    block-diagonal over x1; with the Cholesky factors L_a of those blocks, the Schur
    complement over mu is H_mumu - sum_a Y_a^T Y_a with Y_a = L_a^-1 H_{lambda(a) mu}, and
    every term of Y_a^T Y_a is a dot product of columns of L_a^-1 and of L_a^-1 s_ab. Forming
    it from these (never from an explicit inverse of H_lambdalambda) keeps the block
    elimination as stable as a plain Cholesky factorisation of the whole matrix, which
    matters because c_b grows like 1 / slack near the optimum. The gauge direction of each
    y (mu(., y) constant, see :class:`_Blocks`) is removed by adding a multiple of its
    outer product, and ``shift`` regularises the matrix when round-off has made it
    indefinite: it adds that fraction of the diagonals of H_lambdalambda and H_mumu, the
    scale of the cancellations in the Schur complement.
    """

    def __init__(self, blocks: _Blocks, q: np.ndarray, s: np.ndarray, c: np.ndarray,
                 shift: float = 0.0, buffers: dict[str, np.ndarray] | None = None) -> None:
        _, k2, ky = blocks.shape
        n = k2 * ky
        self.q, self.s, self.m2 = q, s, blocks.m2
        self.cs = c[..., None] * s
        eye = np.eye(ky)
        hll = np.matmul(self.cs.transpose(0, 2, 1), s)
        hll += eye * q.sum(axis=1)[:, None, :]
        hll += eye * (shift * np.einsum("ayy->ay", hll) + ~blocks.m1)[:, None, :]
        self.linv = _inverse_cholesky(hll)                             # (K1, Ky, Ky)
        self.us = np.matmul(s, self.linv.transpose(0, 2, 1))          # rows (L_a^-1 s_ab)^T
        schur = _buffer(buffers, "schur", (k2, ky, k2, ky), np.float64)
        self._set_minus_coupling(schur.reshape(k2, ky, n), c)
        hmm = np.matmul(self.cs.transpose(1, 2, 0), s.transpose(1, 0, 2))
        hmm += eye * q.sum(axis=0)[:, None, :]
        schur[np.arange(k2), :, np.arange(k2), :] += hmm
        flat = schur.reshape(n, n)
        diagonal = flat.reshape(-1)[::n + 1]
        scale = diagonal[blocks.m2.reshape(-1)].mean()
        diagonal += shift * np.einsum("byy->by", hmm).reshape(-1) + ~blocks.m2.reshape(-1)
        m2t = blocks.m2.T.astype(float)
        ys = np.arange(ky)
        schur[:, ys, :, ys] += (scale / k2) * m2t[:, :, None] * m2t[:, None, :]
        # LAPACK reads the upper triangle of flat as the lower one of its transpose, which is
        # in Fortran order: no copy.
        self.schur, self.factor, self.factor32 = flat.T, None, None
        self.cg_tol = _CG_TOL
        if n >= _MIXED_MIN:
            low = _buffer(buffers, "schur32", (n, n), np.float32, order="F")
            low[...] = self.schur
            with contextlib.suppress(np.linalg.LinAlgError):
                self.factor32 = sla.cho_factor(low, lower=True, overwrite_a=True,
                                               check_finite=False)
        if self.factor32 is None:
            self._factorise_double()

    def _factorise_double(self, overwrite: bool = True) -> None:
        """Float64 Cholesky factor of the Schur complement (in place if ``overwrite``)."""
        self.factor = sla.cho_factor(self.schur, lower=True, overwrite_a=overwrite,
                                     check_finite=False)

    def _solve_schur(self, rhs: np.ndarray) -> np.ndarray:
        """Solve the Schur complement system: by the float64 factor, or by conjugate
        gradients preconditioned with the float32 factor, which give way to the float64
        factor if they stall."""
        if self.factor is None:
            x, converged = self._conjugate_gradients(rhs)
            if converged:
                return x
            try:
                self._factorise_double(overwrite=False)
            except np.linalg.LinAlgError:
                # Round-off has made the float64 matrix indefinite too: the iterate is the
                # best direction available (the certificate guards the result).
                return x
        return sla.cho_solve(self.factor, rhs, check_finite=False)

    def _conjugate_gradients(self, rhs: np.ndarray) -> tuple[np.ndarray, bool]:
        """Preconditioned conjugate gradients on the float64 Schur complement (its upper
        triangle), started from the float32 solve. Returns the iterate and whether its
        relative residual reached ``cg_tol`` within _CG_MAX iterations (if not, the float32
        factor is too inaccurate a preconditioner)."""
        factor32, upper = self.factor32, self.schur

        def precondition(v: np.ndarray) -> np.ndarray:
            return sla.cho_solve(factor32, v.astype(np.float32), check_finite=False
                                 ).astype(np.float64)

        def times(v: np.ndarray) -> np.ndarray:
            return sla.blas.dsymv(1.0, upper, v, lower=1)

        goal = self.cg_tol * np.linalg.norm(rhs)
        x = precondition(rhs)
        res = rhs - times(x)
        if np.linalg.norm(res) <= goal:
            return x, True
        z = precondition(res)
        d, rz = z, float(res @ z)
        for _ in range(_CG_MAX):
            sd = times(d)
            curvature = float(d @ sd)
            if not curvature > 0:
                return x, False
            alpha = rz / curvature
            x += alpha * d
            res -= alpha * sd
            if np.linalg.norm(res) <= goal:
                return x, True
            z = precondition(res)
            rz, rz_old = float(res @ z), rz
            d = z + (rz / rz_old) * d
        return x, False

    def _set_minus_coupling(self, schur: np.ndarray, c: np.ndarray) -> None:
        """schur[b, y, (b', z)] = -sum_a (Y_a^T Y_a)[(b, y), (b', z)] for b' >= b.

        With H_ab = diag(q_ab) + c_ab s_ab s_ab^T and G_a = H_aa^-1 (as L_a^-T L_a^-1), the
        sum is D-part + U-part: sum_a q[a,b,y] (G_a H_ab')[y, z] + sum_a cs[a,b,y]
        (s_ab^T G_a H_ab')[z]. Each part is built one y (or one x2) at a time, so that the
        temporaries have |X1| |X2| |Y| entries and each contraction is one matrix product.
        The matrix is symmetric and only its upper triangle is read, so the blocks left of
        the diagonal block (b' < b) are skipped (by row bands of _BAND x2 values in the
        D-part) and keep whatever finite values they held.
        """
        linv, q, s, cs, us = self.linv, self.q, self.s, self.cs, self.us
        k1, k2, ky = q.shape
        n = k2 * ky
        g = np.matmul(linv.transpose(0, 2, 1), linv)                  # G_a
        vs = np.matmul(us, linv)                                      # (G_a s_ab)^T
        vcs = c[..., None] * vs
        phi = np.matmul(us, (c[..., None] * us).transpose(0, 2, 1))   # s_ab^T G_a cs_ab'
        minus_qt = np.negative(q.transpose(2, 1, 0), order="C")       # [y, b, a]
        cst = np.ascontiguousarray(cs.transpose(1, 2, 0))             # [b, y, a]
        work, term = np.empty(k1 * n), np.empty(k1 * n)
        full, full_term = work.reshape(k1, k2, ky), term.reshape(k1, k2, ky)
        for y in range(ky):
            np.multiply(g[:, y, None, :], q, out=full)
            full += np.multiply(vcs[:, :, y, None], s, out=full_term)
            for b0 in range(0, k2, _BAND):
                np.matmul(minus_qt[y, b0:b0 + _BAND], work.reshape(k1, n)[:, b0 * ky:],
                          out=schur[b0:b0 + _BAND, y, b0 * ky:])
        product = np.empty((ky, n))
        for b in range(k2):
            m = (k2 - b) * ky
            part = work[:k1 * m].reshape(k1, k2 - b, ky)
            np.multiply(vs[:, b, None, :], q[:, b:], out=part)
            part += np.multiply(phi[:, b, b:, None], s[:, b:],
                                out=term[:k1 * m].reshape(k1, k2 - b, ky))
            np.matmul(cst[b], part.reshape(k1, m), out=product[:, :m])
            schur[b, :, b * ky:] -= product[:, :m]

    def _g(self, v: np.ndarray) -> np.ndarray:
        """G_a v_a for every x1, v of shape (K1, Ky)."""
        inner = np.einsum("ayz,az->ay", self.linv, v)
        return np.einsum("azy,az->ay", self.linv, inner)

    def _h_lm(self, dm: np.ndarray) -> np.ndarray:
        """H_{lambda mu} dm, shape (K1, Ky)."""
        sdm = np.einsum("aby,by->ab", self.s, dm)
        return np.einsum("aby,by->ay", self.q, dm) + np.einsum("aby,ab->ay", self.cs, sdm)

    def product(self, dl: np.ndarray, dm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The Newton matrix times (dl, dm), from its block structure."""
        u = dl[:, None, :] + dm[None, :, :]
        t = self.q * u + self.cs * np.einsum("aby,aby->ab", self.s, u)[..., None]
        return t.sum(axis=1), t.sum(axis=0)

    def solve_refined(self, rl: np.ndarray, rm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`solve` followed by _REFINE rounds of iterative refinement, unless conjugate
        gradients, which refine the Schur complement solve themselves, are in use."""
        dl, dm = self.solve(rl, rm)
        for _ in range(_REFINE if self.factor is not None else 0):
            el, em = self.product(dl, dm)
            cl, cm = self.solve(rl - el, rm - em)
            dl, dm = dl + cl, dm + cm
        return dl, dm

    def solve(self, rl: np.ndarray, rm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve for (dlambda, dmu) given right-hand sides of shapes (K1, Ky) and (K2, Ky)."""
        t = self._g(rl)
        st = np.einsum("aby,ay->ab", self.s, t)
        rhs = rm - np.einsum("aby,ay->by", self.q, t) - np.einsum("aby,ab->by", self.cs, st)
        rhs[~self.m2] = 0.0
        dm = self._solve_schur(rhs.reshape(-1)).reshape(rm.shape)
        return self._g(rl - self._h_lm(dm)), dm


class _DenseNewton:
    """The Newton matrix of :class:`_Newton` assembled densely over all (lambda, mu) and
    factorised in one Cholesky factorisation: for small problems (at most _DENSE_MAX dual
    variables), where the block elimination's many small array operations cost more than
    the arithmetic they save. Same matrix, gauge term and ``shift`` as :class:`_Newton`.
    """

    def __init__(self, blocks: _Blocks, q: np.ndarray, s: np.ndarray, c: np.ndarray,
                 shift: float = 0.0) -> None:
        layout = blocks.dense_layout
        self.shape, self.m2 = blocks.shape, blocks.m2
        # Per block, diag(q_b) + c_b s_b s_b^T, shape (K1, K2, Ky, Ky).
        block = (c[..., None] * s)[..., :, None] * s[..., None, :]
        block[..., layout.ys, layout.ys] += q
        flat = np.zeros(layout.size ** 2)
        flat[layout.ll] = block.sum(axis=1).reshape(-1)
        flat[layout.mm] = block.sum(axis=0).reshape(-1)
        coupling = block.transpose(0, 2, 1, 3).reshape(-1)
        flat[layout.lm] = coupling
        flat[layout.ml] = coupling
        diagonal = flat[layout.diagonal]
        scale = float(diagonal @ layout.support) / layout.n_support
        flat[layout.diagonal] += shift * diagonal + layout.outside
        matrix = flat.reshape(layout.size, layout.size)
        matrix += scale * layout.gauge
        self.matrix = matrix
        # LAPACK directly: scipy's cho_factor / cho_solve wrappers cost more than these
        # small factorisations and solves.
        self.factor, info = _POTRF(matrix, lower=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError("Newton matrix not positive definite")

    def _solve_flat(self, rhs: np.ndarray) -> np.ndarray:
        return _POTRS(self.factor, rhs, lower=1)[0]

    def solve(self, rl: np.ndarray, rm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve for (dlambda, dmu) given right-hand sides of shapes (K1, Ky) and (K2, Ky)."""
        k1, k2, ky = self.shape
        rm = np.where(self.m2, rm, 0.0)
        x = self._solve_flat(np.concatenate([rl.reshape(-1), rm.reshape(-1)]))
        return x[:k1 * ky].reshape(k1, ky), x[k1 * ky:].reshape(k2, ky)

    def solve_refined(self, rl: np.ndarray, rm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`solve` followed by _REFINE rounds of iterative refinement."""
        k1, _, ky = self.shape
        rhs = np.concatenate([rl.reshape(-1), np.where(self.m2, rm, 0.0).reshape(-1)])
        x = self._solve_flat(rhs)
        for _ in range(_REFINE):
            x += self._solve_flat(rhs - self.matrix @ x)
        return x[:k1 * ky].reshape(rl.shape), x[k1 * ky:].reshape(rm.shape)


def _inverse_cholesky(h: np.ndarray) -> np.ndarray:
    """L^-1 for the lower Cholesky factor L of each symmetric positive definite h[i]."""
    lower = np.linalg.cholesky(h)
    out = np.empty_like(lower)
    for i, block in enumerate(lower):
        out[i], info = sla.lapack.dtrtri(block, lower=1)
        if info != 0:
            raise np.linalg.LinAlgError("singular Cholesky factor")
    return out


def _buffer(buffers: dict[str, np.ndarray] | None, name: str, shape: tuple[int, ...],
            dtype: type, order: str = "C") -> np.ndarray:
    """Array kept in ``buffers`` under ``name`` and reused while its shape fits, so that the
    iterations do not allocate (and fault in) the large matrices anew. It starts as zeros,
    so that entries never written (the lower triangle of the Schur complement) stay finite."""
    if buffers is None:
        return np.zeros(shape, dtype, order=order)
    held = buffers.get(name)
    if held is None or held.shape != shape:
        held = buffers[name] = np.zeros(shape, dtype, order=order)
    return held


def _factorise(blocks: _Blocks, q: np.ndarray, s: np.ndarray, c: np.ndarray,
               buffers: dict[str, np.ndarray] | None = None) -> _Newton | _DenseNewton | None:
    """The Newton factorisation, regularised as little as round-off requires; None if even
    the largest shift fails. Small problems try the dense factorisation first, then the
    block elimination, whose Schur complement round-off leaves positive definite more
    often on badly scaled inputs."""
    builders = [lambda shift: _Newton(blocks, q, s, c, shift, buffers)]
    if (blocks.shape[0] + blocks.shape[1]) * blocks.shape[2] <= _DENSE_MAX:
        builders.insert(0, lambda shift: _DenseNewton(blocks, q, s, c, shift))
    for build in builders:
        for shift in _SHIFTS:
            try:
                return build(shift)
            except np.linalg.LinAlgError:
                continue
    return None


def _conditional_entropy_nats(q: np.ndarray) -> float:
    """H_q(Y | X1, X2) in nats for q of shape (K1, K2, Ky)."""
    block = q.sum(axis=2)
    return float(xlogy(block, block).sum() - xlogy(q, q).sum())


class _InteriorPoint:
    """Mehrotra predictor-corrector iteration on the dual, certified at every step.

    State: dual variables lambda (K1, Ky) and mu (K2, Ky), block multipliers r and slacks
    w (K1, K2) with F(lambda, mu) + w = 0 at convergence, and the log-sum-exp F and
    conditionals s of the current (lambda, mu).
    """

    def __init__(self, blocks: _Blocks) -> None:
        self.blocks, live = blocks, blocks.live
        self.lam, self.mu = blocks.independent_dual()   # start at the independent coupling
        self.f, self.s = blocks.softmax(self.lam, self.mu)
        self.r = np.where(live, np.exp(self.f), 0.0)
        self.w = np.where(live, -self.f, 1.0)
        self.buffers: dict[str, np.ndarray] = {}  # the Newton matrices of every iteration
        self.certify_below = np.inf               # set by run()

    def certificate(self, lam: np.ndarray, mu: np.ndarray, r: np.ndarray, f: np.ndarray,
                    s: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Certified gap (bits) of the primal point q = max(r, 0) s with the dual pair
        (lambda, mu) (see :meth:`_Blocks.certificate`), the feasible q, lambda and mu."""
        gap, q = self.blocks.certificate(np.maximum(r, 0.0)[..., None] * s, lam, mu, f)
        return gap, q, lam, mu

    def run(self, tol: float, max_iter: int, accept: float = 0.0
            ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, int]:
        """Iterate until the certified gap is <= tol; returns the best certificate (gap in
        bits, feasible q, lambda, mu) and the iterations. If the iteration stops short of
        tol, a best gap <= ``accept`` is returned all the same.

        Besides the iterates, the full Newton step of each predictor is certified: near the
        optimum it is often a better (non-interior) pair than the next iterate.

        Raises
        ------
        BrojaConvergenceError
            tol not reached (with the smallest gap reached).
        """
        best, best_iteration, restarts = (np.inf, None, None, None), 0, 0
        candidate: tuple = (np.inf, None, None, None)
        self.certify_below = _CERTIFY_RW * tol * _LN2
        for iteration in range(max_iter + 1):
            now = candidate
            if self._worth_certifying() or iteration % 3 == 2 or iteration == max_iter:
                now = min(now, self.certificate(self.lam, self.mu, self.r, self.f, self.s),
                          key=lambda c: c[0])
            if now[0] < best[0]:
                best, best_iteration = now, iteration
            if best[0] <= tol:
                return (*best, iteration)
            if iteration == max_iter:
                reason = "max_iter reached"
            elif iteration - best_iteration >= _PATIENCE:
                reason = f"no progress in {_PATIENCE} iterations, limited by round-off"
            else:
                reason, candidate = self.step()
            if reason and iteration < max_iter and restarts < _RESTARTS and best[2] is not None:
                self.restart(best, _RESTART_FLOOR[restarts])
                restarts, best_iteration, reason = restarts + 1, iteration, ""
            if reason and best[0] <= accept:
                return (*best, iteration)
            if reason:
                raise BrojaConvergenceError(best[0], tol, iteration, reason)
        raise AssertionError("unreachable")

    def _worth_certifying(self) -> bool:
        """Whether the complementarity gap sum r w (nats), about the duality gap of the
        iterate, is small enough (``certify_below``) for a certificate to be worth its
        cost; :meth:`run` certifies every third iterate regardless (from the third on)."""
        return float(np.where(self.blocks.live, self.r * self.w, 0.0).sum()) <= self.certify_below

    def restart(self, best: tuple, floor: float) -> None:
        """Start again from the best certificate: its dual pair made feasible, its block
        masses, and slacks kept off 0 (at least ``floor``): stalls come from iterates that
        crowd the boundary, where the line search admits only tiny steps."""
        _, q, lam, mu = best
        live = self.blocks.live
        self.lam, self.mu = self.blocks.feasible_dual(lam, mu, self.blocks.softmax(lam, mu)[0])
        self.f, self.s = self.blocks.softmax(self.lam, self.mu)
        self.r = np.where(live, np.maximum(q.sum(axis=2), floor), 0.0)
        self.w = np.where(live, np.maximum(-self.f, floor), 1.0)

    def step(self) -> tuple[str, tuple]:
        """One predictor-corrector step; returns a reason to stop (or '') and the
        certificate of the full predictor step."""
        blocks, live, r, w, s = self.blocks, self.blocks.live, self.r, self.w, self.s
        q = r[..., None] * s
        rw = np.where(live, r * w, 0.0)
        mean_rw = float(rw.sum()) / blocks.n_live
        if not mean_rw > 0:
            return "complementarity underflow", (np.inf, None, None, None)
        res_l = q.sum(axis=1) - blocks.p1                 # minus the Lagrangian gradient
        res_m = q.sum(axis=0) - blocks.p2
        res_p = np.where(live, self.f + w, 0.0)
        newton = _factorise(blocks, q, s, np.where(live, r / w - r, 0.0), self.buffers)
        if newton is None:
            return ("the Newton matrix stayed indefinite under regularisation (round-off)",
                    (np.inf, None, None, None))
        newton.cg_tol = min(max(float(rw.sum()), _CG_TOL), _CG_TOL_MAX)

        def direction(target: np.ndarray) -> tuple[np.ndarray, ...]:
            # Newton step for g = 0, F + w = 0, r w = target; dr and dw are eliminated.
            h = np.where(live, (target + r * res_p) / w, 0.0)
            hs = h[..., None] * s
            dl, dm = newton.solve_refined(res_l + hs.sum(axis=1), res_m + hs.sum(axis=0))
            df = -np.einsum("aby,aby->ab", s, dl[:, None, :] + dm[None, :, :])
            return dl, dm, np.where(live, h + r / w * df, 0.0), np.where(live, -res_p - df, 0.0)

        r_safe = np.where(live, r, 1.0)   # r = 0 and zero steps off the live blocks

        def longest(d: tuple[np.ndarray, ...]) -> float:
            # Largest a in [0, 1] with r + a dr >= 0 and w + a dw >= 0 (r, w > 0 where live).
            return 1.0 / max(1.0, float((-d[2] / r_safe).max()), float((-d[3] / w).max()))

        # Mehrotra's predictor-corrector, centred on the weighted path r w = t * centre;
        # when the second-order correction shortens the step below half the predictor's,
        # the plain centred direction is used instead.
        predictor = direction(-rw)
        lam_n, mu_n = self.lam + predictor[0], self.mu + predictor[1]
        newton_point = (self.certificate(lam_n, mu_n, r + predictor[2],
                                         *blocks.softmax(lam_n, mu_n))
                        if self._worth_certifying() else (np.inf, None, None, None))
        a_aff = longest(predictor)
        # r, dr = 0 off the live blocks, so those terms vanish.
        mean_aff = float(((r + a_aff * predictor[2]) * (w + a_aff * predictor[3])).sum()
                         ) / blocks.n_live
        target = min(1.0, (mean_aff / mean_rw) ** 3) * mean_rw * blocks.centre
        d = direction(np.where(live, target - rw - predictor[2] * predictor[3], 0.0))
        if longest(d) < 0.5 * a_aff:
            centred = direction(np.where(live, target - rw, 0.0))
            d = max(d, centred, key=longest)
        # No dual variable moves by more than _MAX_MOVE nats (the quadratic model of
        # log-sum-exp is poor beyond that, and exponentials underflow).
        full = min(0.99 * longest(d), _MAX_MOVE / max(np.abs(d[0]).max(), np.abs(d[1]).max(),
                                                      1e-300))
        self._line_search(d, full, res_l, res_m, res_p)
        return "", newton_point

    def _infeasibility(self, r: np.ndarray, w: np.ndarray, f: np.ndarray,
                       s: np.ndarray) -> float:
        """Norm of the residuals (g, r_now (F + w)) that a step linearises; both parts are
        probabilities or gap contributions, like the complementarity products."""
        blocks, live = self.blocks, self.blocks.live
        q = r[..., None] * s
        return float(np.sqrt(((q.sum(axis=1) - blocks.p1) ** 2).sum()
                             + ((q.sum(axis=0) - blocks.p2) ** 2).sum()
                             + ((self.r * (f + w))[live] ** 2).sum()))

    def _line_search(self, d: tuple[np.ndarray, ...], full: float, res_l: np.ndarray,
                     res_m: np.ndarray, res_p: np.ndarray) -> None:
        """Backtrack from step ``full`` along d and move there.

        A step may not raise the infeasibility above ten times the level of the
        complementarity it reaches (the neighbourhood of infeasible interior-point methods),
        nor make the dual bound pay more for violated constraints F > 0 than that
        complementarity gap. If round-off leaves no acceptable step (near the optimum of
        badly scaled inputs), the full step is taken unchecked: the certificate guards the
        result, and a solve that stops improving it ends with BrojaConvergenceError.
        """
        blocks, live = self.blocks, self.blocks.live
        start = np.sqrt((res_l ** 2).sum() + (res_m ** 2).sum()
                        + ((self.r * res_p)[live] ** 2).sum())
        start_cost = blocks.violation_cost(self.f)
        a = full
        while a >= _MIN_STEP * full:
            trial = self._trial(d, a)
            gap_reached = float((trial[2] * trial[3])[live].sum())
            if (self._infeasibility(*trial[2:])
                    <= max((1.0 - 0.01 * a) * start, 10.0 * gap_reached / np.sqrt(live.sum()))
                    and blocks.violation_cost(trial[4]) <= max(start_cost, gap_reached)):
                break
            a *= 0.5
        else:
            trial = self._trial(d, full)
        self.lam, self.mu, self.r, self.w, self.f, self.s = trial

    def _trial(self, d: tuple[np.ndarray, ...], a: float) -> tuple[np.ndarray, ...]:
        """(lambda, mu, r, w, F, s) after a step of length a along d."""
        live = self.blocks.live
        lam, mu = self.lam + a * d[0], self.mu + a * d[1]
        return (lam, mu, np.where(live, self.r + a * d[2], 0.0),
                np.where(live, self.w + a * d[3], 1.0), *self.blocks.softmax(lam, mu))


def _blas_threads(threads: int | None) -> contextlib.AbstractContextManager:
    """Context limiting BLAS to ``threads`` threads (no limit when None)."""
    global _controller
    if threads is None:
        return contextlib.nullcontext()
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            return contextlib.nullcontext()
        _controller = ThreadpoolController()
    return _controller.limit(limits=threads, user_api="blas")


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_options(tol: object, max_iter: object, blas_threads: object) -> tuple[float, int]:
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not math.isfinite(tol) \
            or tol <= 0:
        raise ValueError(f"tol must be a finite number > 0 (bits; a zero duality gap cannot be "
                         f"certified in floating point); received {tol!r}")
    if not _is_int(max_iter) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1; received {max_iter!r}")
    if blas_threads is not None and (not _is_int(blas_threads) or blas_threads < 1):
        raise ValueError(f"blas_threads must be None or an integer >= 1; received "
                         f"{blas_threads!r}")
    return float(tol), int(max_iter)


def broja(p: np.ndarray, *, tol: float = 1e-9, max_iter: int = 100,
          blas_threads: int | None = 1) -> PIDResult:
    """BROJA decomposition (Bertschinger et al. 2014) with a certified duality gap.

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y), summing to 1; zeros allowed.
    tol : float, default 1e-9
        Largest accepted duality gap in bits (> 0); every atom is then within ``tol`` of its
        exact value.
    max_iter : int, default 100
        Largest number of interior-point iterations (about 10 are typical).
    blas_threads : int or None, default 1
        BLAS threads for the solve (tables small enough for the fast path, see
        ``details["solver"]``, run without a limit: their matrices are too small for
        threads); None keeps the process's BLAS setting. One thread is
        the predictable choice: on a busy machine, threaded BLAS made the 64 x 64 x 64 solve
        five times slower (and smaller ones up to 50 times); on an idle one, threads speed
        up alphabets of about 40 symbols and more. Needs ``threadpoolctl`` (ignored without
        it).

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="broja"``. ``details`` holds ``q`` (the optimal
        distribution, shape of p), ``duality_gap`` (certified, bits), ``iterations`` (of
        the solve that gave the certificate) and ``solver``: ``"closed_form"`` (p itself is
        optimal, or a source or the target is constant), ``"binary"`` (two binary
        sources: Newton on the free coordinates), ``"small"`` (the fast path for
        small tables), ``"pruned"`` (the negligible cells pruned, certified on p),
        ``"interior_point"``, or, where round-off in double stopped all of these on a small
        table, ``"decimal"`` (a barrier method in 40-digit decimal arithmetic; then
        ``iterations`` counts its Newton steps).

    Raises
    ------
    ValueError
        Invalid ``p``, ``tol``, ``max_iter`` or ``blas_threads``.
    BrojaConvergenceError
        The duality gap could not be brought to ``tol`` or below.

    Notes
    -----
    The exact atoms are non-negative; a computed one below zero (by at most the gap plus
    round-off) is clipped to 0 with the identities kept. Memory: the Newton matrix has
    (min(|X1|, |X2|) |Y|)^2 entries, held in float64 and, from 512 rows on, in float32 as
    well (201 MB in all at |X1| = |X2| = |Y| = 64); the other arrays have a few times
    |X1| |X2| |Y| entries.

    Examples
    --------
    AND: the certified optimum has R = 0.311278 bits and S = 0.5 bits (Bertschinger et al.
    2014), the same as MMI's on this joint.

    >>> import numpy as np
    >>> from pid_bench.info.discrete.broja import broja
    >>> p = np.array([[[0.25, 0], [0.25, 0]], [[0.25, 0], [0, 0.25]]])  # p[x1, x2, y], AND
    >>> r = broja(p)
    >>> [round(v, 6) for v in r.atoms().tolist()]
    [0.311278, 0.0, 0.0, 0.5]
    >>> print(r.details["duality_gap"] <= 1e-9)
    True

    COPY, Y = (X1, X2) with independent bits: each source's bit is unique to it.

    >>> q = np.zeros((2, 2, 4))
    >>> q[(0, 0, 1, 1), (0, 1, 0, 1), (0, 1, 2, 3)] = 0.25  # q[x1, x2, y], Y = (X1, X2)
    >>> [round(v, 6) for v in broja(q).atoms().tolist()]
    [0.0, 1.0, 1.0, 0.0]
    """
    arr = validate_joint(p, ndim=3)
    tol, max_iter = _check_options(tol, max_iter, blas_threads)
    keep, sub = _trim(arr)
    if min(sub.shape) == 1:
        # One source constant: Delta_p = {p}. |Y| = 1: every Q has I_Q(X1, X2; Y) = 0.
        q_sub, gap, iterations, solver = sub.copy(), 0.0, 0, "closed_form"
    else:
        # The Schur complement runs over the smaller source's (x, y) cells.
        swap = sub.shape[1] > sub.shape[0]
        q_sub, gap, iterations, solver = _solve(sub.transpose(1, 0, 2) if swap else sub, tol,
                                                max_iter, blas_threads)
        if swap:
            q_sub = q_sub.transpose(1, 0, 2)
    if sub is arr:
        q = q_sub
    else:
        q = np.zeros_like(arr)
        q[np.ix_(*keep)] = q_sub
    mi1, mi2, mi12, unique1 = _informations(arr, q)
    redundancy = mi1 - unique1
    # Exact atoms are non-negative: R lies in [max(0, mi1 + mi2 - mi12), min(mi1, mi2)], and
    # the computed R is within the gap of the exact one, so this moves it by at most the gap
    # plus round-off; the last max(., 0) only removes round-off of the subtractions.
    redundancy = min(max(redundancy, 0.0, mi1 + mi2 - mi12), mi1, mi2)
    return PIDResult(redundancy, max(mi1 - redundancy, 0.0), max(mi2 - redundancy, 0.0),
                     max(mi12 - mi1 - mi2 + redundancy, 0.0), measure="broja",
                     details={"q": q, "duality_gap": gap, "iterations": iterations,
                              "solver": solver})


def _informations(p: np.ndarray, q: np.ndarray) -> tuple[float, float, float, float]:
    """I(X1; Y), I(X2; Y), I(X1, X2; Y) of p and I_q(X1; Y | X2) of q (which has p's
    (x2, y) marginal), in bits, from the entropies of the marginals."""
    def h(a: np.ndarray) -> float:
        return -float(xlogy(a, a).sum())

    p1y, p2y, p12 = p.sum(axis=1), p.sum(axis=0), p.sum(axis=2)
    py, p1, p2 = p2y.sum(axis=0), p12.sum(axis=1), p12.sum(axis=0)
    h_y, h_2y, h_2 = h(py), h(p2y), h(p2)
    mi1 = h(p1) + h_y - h(p1y)
    mi2 = h_2 + h_y - h_2y
    mi12 = h(p12) + h_y - h(p)
    unique1 = h(q.sum(axis=2)) + h_2y - h_2 - h(q)
    # Informations are >= 0; the max only removes the round-off of the sums.
    return tuple(max(v, 0.0) / _LN2 for v in (mi1, mi2, mi12, unique1))


def _trim(p: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Masks of the outcomes of positive probability on each axis, and p restricted to them."""
    p12 = p.sum(axis=2)
    masses = np.concatenate([p12.sum(axis=1), p12.sum(axis=0), p.sum(axis=(0, 1))])
    positive, (k1, k2, _) = masses > 0, p.shape
    keep = [positive[:k1], positive[k1:k1 + k2], positive[k1 + k2:]]
    if masses.min() > 0:
        return keep, p
    return keep, p[np.ix_(*keep)]


def _prune(p: np.ndarray, budget: float) -> np.ndarray | None:
    """p with its smallest cells set to 0, as many as a total mass of ``budget`` allows;
    None if no cell is that small."""
    flat = p.reshape(-1)
    order = np.argsort(flat)
    dropped = order[np.cumsum(flat[order]) <= budget]
    dropped = dropped[flat[dropped] > 0]
    if dropped.size == 0:
        return None
    pruned = flat.copy()
    pruned[dropped] = 0.0
    return pruned.reshape(p.shape)


def _solve(p: np.ndarray, tol: float, max_iter: int, blas_threads: int | None
           ) -> tuple[np.ndarray, float, int, str]:
    """Certified optimum (q, gap in bits, iterations, solver) for p of shape (K1, K2, Ky)
    with positive marginals and K1, K2, Ky >= 2.

    In turn, until one certificate reaches ``tol``: p itself, bounded by
    ``_Blocks.h_bound`` (exact where p is optimal; solver ``"closed_form"``); for small
    tables without negligible cells, the fast interior-point path of
    :mod:`pid_bench.info.discrete._broja_binary` (``"binary"``, two binary sources) or
    :mod:`pid_bench.info.discrete._broja_small` (``"small"``); the solve of p with its
    negligible cells pruned, lifted back to p and certified against p
    (:func:`_solve_pruned`, ``"pruned"``); the interior-point solve of p
    (``"interior_point"``); for small tables, the barrier method in decimal arithmetic
    (:func:`_solve_decimal`, ``"decimal"``). A certificate is always one of p's problem, so
    pruning costs at most what the gap shows. BLAS is limited to ``blas_threads`` from the
    pruned solves on only: the matrices of the fast paths are too small for threads, and
    entering the limit costs more than their solve.

    Raises
    ------
    BrojaConvergenceError
        No certificate reached ``tol``; it reports the smallest gap reached.
    """
    blocks = _Blocks(p)
    gap, q = blocks.certificate(p, feasible=True)
    if gap <= tol:
        return q, gap, 0, "closed_form"
    if _small(blocks):
        if p.shape[:2] == (2, 2):
            binary = solve_binary(blocks, tol)
            if binary is not None:
                return binary[1], binary[0], binary[2], "binary"
        fast = solve_small(blocks, tol, max_iter)
        if fast is not None:
            return fast[1], fast[0], fast[4], "small"
    with _blas_threads(blas_threads):
        failures = []
        tried = []
        for budget in _PRUNE_MASS:
            pruned = _prune(p, budget * tol)
            if pruned is None or any(np.array_equal(pruned, other) for other in tried):
                continue
            tried.append(pruned)
            try:
                gap, q, iterations = _solve_pruned(blocks, pruned, tol, max_iter)
                if gap <= tol:
                    return q, gap, iterations, "pruned"
                failures.append(BrojaConvergenceError(gap, tol, iterations, "the pruned "
                                                      "solve, certified on the full input"))
            except BrojaConvergenceError as error:
                failures.append(error)
        try:
            gap, q, _, _, iterations = _InteriorPoint(blocks).run(tol, max_iter)
        except BrojaConvergenceError as error:
            failures.append(error)
            found = _solve_decimal(blocks, tol, max_iter, failures)
            if found is not None:
                return found
            raise min(failures, key=lambda e: e.gap) from None
    return q, gap, iterations, "interior_point"


def _solve_decimal(blocks: _Blocks, tol: float, max_iter: int,
                   failures: list[BrojaConvergenceError]
                   ) -> tuple[np.ndarray, float, int, str] | None:
    """Last resort for small tables (at most SMALL_MAX_VARIABLES dual variables) where
    round-off in double stopped every solve short of ``tol``: the barrier method of
    :mod:`pid_bench.info.discrete._broja_decimal` in 40-digit decimal arithmetic, on p
    itself, certified by the same certificate as everywhere (in double; solver
    ``"decimal"``). Returns (q, gap in bits, Newton steps, solver) if the gap reaches
    ``tol``, else None, with the gap it reached appended to ``failures``.

    On the fuzz set (pid_bench.testing.fuzz), exactly three joints need it: Dirichlet draws
    whose masses span 21 to 43 decades (cells of 5.9e-22, 4e-43 and 6e-42 next to cells of
    0.4 to 0.6), where the best double iterates miss p's marginals by 5e-9 to 4e-7, the
    Newton systems have condition numbers of 1e17 to 1e21, and every double-precision solve
    stalls at 2.4e-9 to 2.7e-9 bits. It certifies all three (indices 3577, 8897 and 9653) at
    about 1.4e-10 bits in 32 to 41 Newton steps and 0.2 to 0.7 s (see the tests). Before it,
    the fast path iterated in long double (80-bit) certified two of them and reached 8e-8
    bits on 8897.
    """
    if int(blocks.m1.sum() + blocks.m2.sum()) > SMALL_MAX_VARIABLES:
        return None
    gap, q, _, _, steps = solve_decimal(blocks, tol, max_iter)
    if gap <= tol:
        return q, gap, steps, "decimal"
    failures.append(BrojaConvergenceError(gap, tol, steps, "the barrier method in decimal "
                                          "arithmetic, the last resort"))
    return None


def _small(blocks: _Blocks) -> bool:
    """Whether the fast path of :mod:`pid_bench.info.discrete._broja_small` takes the joint:
    at most SMALL_MAX_VARIABLES dual variables and no positive cell below SMALL_MIN_MASS."""
    return (int(blocks.m1.sum() + blocks.m2.sum()) <= SMALL_MAX_VARIABLES
            and float(blocks.p[blocks.p > 0].min()) >= SMALL_MIN_MASS)


def _solve_pruned(blocks: _Blocks, pruned: np.ndarray, tol: float, max_iter: int
                  ) -> tuple[float, np.ndarray, int]:
    """Solve the pruned joint and certify the result for the full one (``blocks``).

    The pruned cells b are put back as they are: Q = (1 - |b|) Q' + b has p's marginals
    whenever Q' has those of the renormalised pruned joint. The dual pair of the pruned
    solve is extended to p's (x, y) cells that pruning emptied by the values of the
    independent coupling; :meth:`_Blocks.dual_bound` then repairs, at its price, the
    constraints that the extra cells violate. Returns (gap in bits, Q, iterations).
    """
    keep, sub = _trim(pruned)
    mass = float(sub.sum())
    if min(sub.shape) == 1:
        raise BrojaConvergenceError(np.inf, tol, 0, "pruning leaves a constant variable")
    inner = _Blocks(sub / mass)
    # Half the tolerance leaves room for the price of pruning; a stall below 0.9 tol is
    # lifted all the same (the certificate decides).
    fast = solve_small(inner, tol / 2, max_iter, accept=0.9 * tol) if _small(inner) else None
    _, q_sub, lam_sub, mu_sub, iterations = (
        fast if fast is not None
        else _InteriorPoint(inner).run(tol / 2, max_iter, accept=0.9 * tol))
    lam, mu = blocks.independent_dual()
    rows, cols = np.ix_(keep[0], keep[2]), np.ix_(keep[1], keep[2])
    lam[rows] = np.where(inner.m1, lam_sub, lam[rows])
    mu[cols] = np.where(inner.m2, mu_sub, mu[cols])
    q = blocks.p - pruned
    q[np.ix_(*keep)] += mass * q_sub
    gap, q = blocks.certificate(q, lam, mu)
    return gap, q, iterations
