"""Fast path of the BROJA solver for small tables: the interior-point iteration of
:mod:`pid_bench.info.discrete.broja` on flat, dense arrays, without its safeguards.

The iteration is the same Mehrotra predictor-corrector method on the dual (variables
v = (lambda, mu) of the support, block masses r and slacks w, complementarity r w -> 0,
central path weighted by each block's capacity), with the same Newton matrix
A^T diag(q) A + M diag(r / w - r) M^T plus a multiple of the gauge directions' outer product;
A is the incidence of the cells of the live blocks on the dual variables (two ones a row) and
M = A^T S, S holding each block's conditional s in its column. What it drops is what costs
array operations on tables of a few dozen cells: the line search, the restarts and the block
elimination. Each iteration is about forty array operations and one LAPACK Cholesky
factorisation of a matrix of at most SMALL_MAX_VARIABLES rows (with a few diagonal shifts
where round-off makes it indefinite). Where the iteration stalls short of ``tol``, an
active-set Newton finish from its best point (:func:`_polish`) often completes it.

Nothing here decides correctness: every candidate is certified by ``_Blocks.certificate``
(a feasible primal point and a dual-feasible bound), and where neither reaches ``tol`` within
_MAX_ITER iterations, or no shift makes the Newton matrix positive definite, the caller runs
the robust interior-point method from the start (:func:`solve_small`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

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

#: L1 distance (probability, relative to the tolerance in bits) of a full Newton point's
#: marginals from p's above which it is not certified: on 300 permutation tables of a 4 x 4 x 4
#: joint, 299 of 555 Newton points were certified, all with distances below 6e-8 (at
#: tol = 1e-9), and two thirds of the 256 that failed had distances above 1e-7.
_NEWTON_RESIDUAL = 100.0

#: Smallest positive cell (probability) of a joint that the fast path takes: below it,
#: round-off often stalls the unguarded iteration, and the robust path, which prunes such
#: cells first, is run directly. On every 7th joint of pid_bench.testing.fuzz (those that
#: p itself does not certify) the fast path certified all 630 whose smallest cell is at
#: least 1e-9, 2 of 3 between 1e-10 and 1e-9, and 517 of 694 with cells below 1e-14.
SMALL_MIN_MASS = 1e-12

#: Newton steps of the active-set finish (:func:`_polish`).
_POLISH_STEPS = 4

#: Relative diagonal shifts tried, in order, when the Newton matrix is not positive definite.
_SHIFTS = (1e-12, 1e-10, 1e-8, 1e-6)

_POTRF, _POTRS, _GESV = sla.get_lapack_funcs(("potrf", "potrs", "gesv"), dtype=np.float64)


class _Layout:
    """The support of a joint as dense arrays: cells of the live blocks (L blocks x Ky), dual
    variables (lambda then mu, on the support only) and the incidence matrix A of the cells
    (rows, zero off the support) on the dual variables. It depends on the supports m1 of
    p(x1, y) and m2 of p(x2, y) alone and is built once per support (:func:`_layout`):
    permutation and bootstrap tables of one data set mostly share theirs."""

    def __init__(self, m1: np.ndarray, m2: np.ndarray) -> None:
        (k1, ky), k2 = m1.shape, m2.shape[0]
        self.flat1, self.flat2 = np.flatnonzero(m1), np.flatnonzero(m2)
        n1 = self.flat1.size
        self.n1, self.size = n1, n1 + self.flat2.size
        # y of each dual variable, for the independent coupling's duals.
        self.ys = np.concatenate([self.flat1 % ky, self.flat2 % ky])
        lam_index = np.zeros(k1 * ky, dtype=np.intp)
        lam_index[self.flat1] = np.arange(n1)
        mu_index = np.zeros(k2 * ky, dtype=np.intp)
        mu_index[self.flat2] = n1 + np.arange(self.flat2.size)
        lam_index, mu_index = lam_index.reshape(k1, ky), mu_index.reshape(k2, ky)
        self.a, self.b = np.nonzero((m1[:, None, :] & m2[None, :, :]).any(axis=2))
        cells = m1[self.a] & m2[self.b]                                   # (L, Ky)
        self.n_blocks = self.a.size
        rows = np.flatnonzero(cells)
        incidence = np.zeros((cells.size, self.size))
        incidence[rows, lam_index[self.a].reshape(-1)[rows]] = 1.0
        incidence[rows, mu_index[self.b].reshape(-1)[rows]] = 1.0
        self.incidence = incidence
        self.by_block = incidence.reshape(self.n_blocks, ky, self.size)
        # Flat positions in M^T (L, size) of each support cell's lambda and mu: a block's
        # cells have distinct lambdas and distinct mus.
        self.rows = rows
        self.mt_lam = (rows // ky) * self.size + lam_index[self.a].reshape(-1)[rows]
        self.mt_mu = (rows // ky) * self.size + mu_index[self.b].reshape(-1)[rows]
        self.logmask = np.where(cells, 0.0, -np.inf)
        self.holes = not cells.all()              # some live block misses some y
        gauge = np.zeros((self.size, ky))
        gauge[np.arange(self.size), self.ys] = np.repeat([1.0, -1.0], [n1, self.flat2.size])
        self.gauge = gauge @ gauge.T
        self.shape = (k1, k2, ky)
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)       # shared between calls

    def m_transpose(self, s: np.ndarray) -> np.ndarray:
        """M^T = S^T A per block, shape (L, size): row l holds block l's conditional s
        (L, Ky) on its dual variables."""
        out = np.zeros(self.n_blocks * self.size)
        values = s.reshape(-1)[self.rows] if self.holes else s.reshape(-1)
        out[self.mt_lam] = values
        out[self.mt_mu] = values
        return out.reshape(self.n_blocks, self.size)

    def softmax(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log-sum-exp F (L,) and conditionals s (L, Ky) of -lambda - mu per live block."""
        z = (self.incidence @ v).reshape(self.logmask.shape)
        z = self.logmask - z if self.holes else -z
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
        lam, mu = np.zeros(k1 * ky), np.zeros(k2 * ky)
        lam[self.flat1], mu[self.flat2] = v[:self.n1], v[self.n1:]
        f_full = np.zeros((k1, k2))
        f_full[self.a, self.b] = f
        return q, lam.reshape(k1, ky), mu.reshape(k2, ky), f_full


@functools.lru_cache(maxsize=256)
def _cached_layout(shape: tuple[int, int, int], m1: bytes, m2: bytes) -> _Layout:
    k1, k2, ky = shape
    return _Layout(np.frombuffer(m1, dtype=bool).reshape(k1, ky),
                   np.frombuffer(m2, dtype=bool).reshape(k2, ky))


def _layout(blocks) -> _Layout:
    """The :class:`_Layout` of the supports of ``blocks``, from a cache of the last 256."""
    return _cached_layout(blocks.shape, blocks.m1.tobytes(), blocks.m2.tobytes())


def _factorise(matrix: np.ndarray) -> np.ndarray | None:
    """Lower Cholesky factor of the Newton matrix, or of the matrix with _SHIFTS of its
    diagonal added where round-off has made it indefinite (near the optimum of joints with
    cells of 1e-10 and less, condition numbers pass 1e16); None if every shift fails."""
    factor, info = _POTRF(matrix, lower=1, clean=0, overwrite_a=0)
    if info == 0:
        return factor
    diagonal = np.diag(matrix).copy()
    for shift in _SHIFTS:
        np.fill_diagonal(matrix, diagonal * (1.0 + shift))
        factor, info = _POTRF(matrix, lower=1, clean=0, overwrite_a=0)
        if info == 0:
            return factor
    return None


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
    layout = _layout(blocks)
    size, n_blocks = layout.size, layout.n_blocks
    marginals = np.concatenate([blocks.p1.reshape(-1)[layout.flat1],
                                blocks.p2.reshape(-1)[layout.flat2]])      # (size,)
    # The central path's weights (_Blocks.centre) on the live blocks: each block's capacity
    # sum_y min(p(x1, y), p(x2, y)) (0 off the support), relative to their mean.
    capacity = np.minimum(blocks.p1[layout.a], blocks.p2[layout.b]).sum(axis=1)
    centre = capacity / capacity.mean()
    # The independent coupling p(x1, y) p(x2, y) / p(y) (see _Blocks.independent_dual):
    # lambda = log sqrt(p(y)) - log p(x1, y), mu likewise; then F = log r.
    v = 0.5 * np.log(blocks.py)[layout.ys] - np.log(marginals)
    f, s = layout.softmax(v)
    x = np.concatenate([np.exp(f), -f])        # block masses r, then slacks w
    certify_below = _CERTIFY_RW * tol * np.log(2.0)
    residual_limit = _NEWTON_RESIDUAL * tol
    best: tuple = (np.inf,)
    best_point: tuple = ()
    incidence, gauge = layout.incidence, layout.gauge
    limit = min(max_iter, _MAX_ITER)

    def certify(v: np.ndarray, r: np.ndarray, s: np.ndarray, f: np.ndarray) -> bool:
        nonlocal best, best_point
        q, lam, mu, f_full = layout.full(v, r, s, f)
        gap, q = blocks.certificate(q, lam, mu, f_full)
        if gap < best[0]:
            best, best_point = (gap, q, lam, mu), (v, np.maximum(r, 0.0), -f)
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
        grad = q @ incidence - marginals                       # marginal residual
        res_p = f + w
        m_t = layout.m_transpose(s)                 # M^T, (L, size)
        ratio = r / w
        matrix = (incidence.T * q) @ incidence
        matrix += (m_t.T * (ratio - r)) @ m_t
        matrix += (matrix.trace() / size) * gauge
        factor = _factorise(matrix)
        if factor is None:
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
            # Near the optimum the full Newton step is often a better pair than the iterate;
            # it is certified unless its marginals miss p's by more than _NEWTON_RESIDUAL.
            v_newton = v + predictor[0]
            f_newton, s_newton = layout.softmax(v_newton)
            r_newton = r + predictor[1][:n_blocks]
            q_newton = (np.maximum(r_newton, 0.0)[:, None] * s_newton).reshape(-1)
            if float(np.abs(q_newton @ incidence - marginals).sum()) <= residual_limit \
                    and certify(v_newton, r_newton, s_newton, f_newton):
                return (*best, iteration + 1)
        a_aff = longest(predictor)
        trial = x + a_aff * predictor[1]
        mean_rw = gap_rw / n_blocks
        mean_aff = float(trial[:n_blocks] @ trial[n_blocks:]) / n_blocks
        target = min(1.0, (mean_aff / mean_rw) ** 3) * mean_rw * centre
        d = direction(target - rw - predictor[1][:n_blocks] * predictor[1][n_blocks:])
        a_d = longest(d)
        if a_d < 0.5 * a_aff:
            centred = direction(target - rw)
            a_centred = longest(centred)
            if a_centred > a_d:
                d, a_d = centred, a_centred
        step = min(_TO_BOUNDARY * a_d, _MAX_MOVE / max(float(np.abs(d[0]).max()), 1e-300))
        v = v + step * d[0]
        x = x + step * d[1]
        f, s = layout.softmax(v)
    if best_point and _polish(layout, marginals, *best_point, certify):
        return (*best, iteration + _POLISH_STEPS)
    if best[0] <= accept:
        return (*best, iteration)
    return None


def _polish(layout: _Layout, marginals: np.ndarray, v: np.ndarray, r: np.ndarray,
            w: np.ndarray, certify: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], bool]
            ) -> bool:
    """Newton's method on the optimality conditions with the active set of the interior
    point (v, r, w) fixed: the blocks with r > w carry mass, the others none. The
    equations, marginals of r s = p and F = 0 on the active blocks, are smooth there, and
    their Newton step solves one saddle-point system

        [ -H   M_a ] [dv ]   [ -g  ]
        [ M_a^T  0 ] [dr_a] = [ F_a ]

    (H = A^T diag(q) A - M diag(r) M^T plus the gauge term, M_a: the columns of M of the
    active blocks, g the marginal residual). Where round-off stalls the interior-point
    iteration short of ``tol`` (joints with cells of 1e-10 and less), a few such steps from
    its best point, whose active set is right, converge quadratically (the crossover of
    interior-point solvers to an active-set finish). Each iterate is certified by
    ``certify``; returns whether one reached the tolerance within _POLISH_STEPS steps.
    """
    active = r > np.abs(w)
    # Every dual variable needs a cell in an active block (else its marginal cannot be met
    # and the system is singular): the heaviest of its blocks is kept active.
    on_var = np.abs(layout.by_block).sum(axis=1) > 0                  # (L, size)
    for var in np.flatnonzero(~on_var[active].any(axis=0)):
        active[np.argmax(np.where(on_var[:, var], r, -1.0))] = True
    r = np.where(active, r, 0.0)
    size, incidence = layout.size, layout.incidence
    for _ in range(_POLISH_STEPS):
        f, s = layout.softmax(v)
        q = (r[:, None] * s).reshape(-1)
        m_t = layout.m_transpose(s)
        hessian = (incidence.T * q) @ incidence - (m_t.T * r) @ m_t
        hessian += (hessian.trace() / size) * layout.gauge
        m_a = m_t[active].T
        system = np.block([[-hessian, m_a], [m_a.T, np.zeros((m_a.shape[1],) * 2)]])
        rhs = np.concatenate([marginals - q @ incidence, f[active]])
        _, _, step, info = _GESV(system, rhs)
        # A long step means that the active set is wrong (or the system singular): the
        # finish is for the quadratic regime only.
        if info != 0 or not np.abs(step[:size]).max() <= _MAX_MOVE:
            return False
        v = v + step[:size]
        r[active] = np.maximum(r[active] + step[size:], 0.0)
        f, s = layout.softmax(v)
        if certify(v, r, s, f):
            return True
    return False
