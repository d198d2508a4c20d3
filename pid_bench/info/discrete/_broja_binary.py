"""Fastest path of the BROJA solver: two binary sources, |X1| = |X2| = 2, any |Y|.

For each y the distributions Q(x1, x2, y) with the (x1, y) and (x2, y) marginals of p form
a segment, one free coordinate t_y = Q(0, 0, y):

    Q(., ., y) = [[t_y, a_y - t_y], [b_y - t_y, p(y) - a_y - b_y + t_y]],
    a_y = p(x1 = 0, y), b_y = p(x2 = 0, y), max(0, a_y + b_y - p(y)) <= t_y <= min(a_y, b_y),

so Delta_p is a box and the objective f(t) = H_Q(Y | X1, X2) (nats) a concave function on it
(the reduced-parameter Newton method on the free coordinates of q(x1, x2 | y)). With signs
sigma = (+1, -1, -1, +1) for the cells (00, 01, 10, 11):

    df/dt_y = sum_c sigma_c (log Q(x1x2 of c) - log Q(c)),
    d2f/dt_y dt_z = S - delta_yz D_y,  S = sum_blocks 1 / Q(x1, x2),  D_y = sum_c 1 / Q(c, y),

so each Newton step solves a diagonal-plus-rank-one system by the Sherman-Morrison formula:
a dozen vector operations of length |Y|. A cell that empties while its block keeps mass
sends the gradient to infinity, so the optimum is interior in every coordinate unless a
whole block empties; then it is t = the lower or the upper bound for every y, and both
points are candidates besides the Newton limit. The best candidate is certified by
``_Blocks.certificate`` with the dual pair fitted to it (least squares, weighted by Q,
on log Q(y | x1, x2) = -lambda(x1, y) - mu(x2, y) over the cells with mass);
where the certificate misses the tolerance, :func:`solve_binary` returns None and the
caller runs the general paths.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

__all__ = ["solve_binary"]

#: Newton steps of the binary path at most.
_MAX_STEPS = 25

#: Newton decrement g^T dt (nats), relative to the tolerance (nats), below which the
#: iterate is certified.
_DECREMENT = 1e-3

#: Newton decrement (nats) below which full steps are taken without a line search.
_NEWTON_REGION = 1e-2

#: Fraction of the longest step to the boundary of the box that a step may take.
_TO_BOUNDARY = 0.99

#: Cell signs of the free coordinate: t enters Q(0, 0) and Q(1, 1) with +1, the others -1.
_SIGNS = np.array([[1.0, -1.0], [-1.0, 1.0]])[:, :, None]


def solve_binary(blocks, tol: float) -> tuple[float, np.ndarray, int] | None:
    """Certified (gap in bits, feasible q of shape (2, 2, Ky), Newton steps), or None where
    the certificate misses ``tol``.

    Parameters
    ----------
    blocks : pid_bench.info.discrete.broja._Blocks
        Support, marginals and certificate of a joint of shape (2, 2, Ky) with positive
        marginals.
    tol : float
        Duality gap to certify, bits.
    """
    a, b, py = blocks.p1[0], blocks.p2[0], blocks.py
    base = py - a - b                             # Q(1, 1, y) = base + t
    low, high = np.maximum(0.0, -base), np.minimum(a, b)
    free = high - low > 0.0

    offset = np.zeros((2, 2, a.size))
    offset[0, 1], offset[1, 0], offset[1, 1] = a, b, base

    def joint(t: np.ndarray) -> np.ndarray:
        return np.maximum(offset + _SIGNS * t, 0.0)

    def objective(q: np.ndarray) -> float:
        q12 = q.sum(axis=2)
        return float(xlogy(q12, q12).sum() - xlogy(q, q).sum())

    def certify(q: np.ndarray) -> tuple[float, np.ndarray]:
        # q is built from p's marginals: it has them up to round-off, as a rounded point
        # would.
        return blocks.certificate(q, *_fitted_dual(blocks, q), feasible=True)

    t = np.where(free, a * b / py, low)           # the independent coupling, inside the box
    q = joint(t)
    steps, corner = 0, None
    for steps in range(1, _MAX_STEPS + 1):
        q12 = q.sum(axis=2)
        # Cells of the fixed coordinates may be 0: their infinities are masked by `free`.
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = np.where(free, ((np.log(q12)[..., None] - np.log(q)) * _SIGNS
                                   ).sum(axis=(0, 1)), 0.0)
            inv_d = np.where(free, 1.0 / (1.0 / q).sum(axis=(0, 1)), 0.0)
            s = float((1.0 / q12).sum())
            denominator = 1.0 - s * float(inv_d.sum())
            # Stop where no curvature is left across the box, or where a cell underflowed
            # on the way to a face on which a block empties (a candidate below).
            if not denominator > 1e-12:
                break
            dt = inv_d * grad + inv_d * (s * float(inv_d @ grad) / denominator)
            decrement = float(grad @ dt)
        if not np.isfinite(decrement):
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            room = float(np.where(dt > 0, (high - t) / dt,
                                  np.where(dt < 0, (low - t) / dt, np.inf))[free].min(initial=np.inf))
        if decrement <= _DECREMENT * tol * np.log(2.0):
            # Converged: the objective no longer resolves the step, but the dual fitted to
            # the point is only as accurate as t, so the last full step is taken unchecked.
            if room > 1.0:
                t = t + dt
                q = joint(t)
            break
        step = min(1.0, _TO_BOUNDARY * room)
        if step < 1.0 and corner is None:
            # Heading for a face: where a block empties at the optimum, the corner is it,
            # and certifying it now saves the steps of the approach.
            corner = max((joint(np.where(free, low, t)), joint(np.where(free, high, t))),
                         key=objective)
            certified = certify(corner)
            if certified[0] <= tol:
                return (*certified, steps)
        if step == 1.0 and decrement < _NEWTON_REGION:
            t = t + dt                   # quadratic convergence: no line search needed
            q = joint(t)
            continue
        # Backtrack until f rises by a quarter of its linear prediction (Armijo).
        value = objective(q)
        while step > 1e-12:
            trial = joint(t + step * dt)
            if objective(trial) >= value + 0.25 * step * decrement:
                break
            step *= 0.5
        else:
            break
        t, q = t + step * dt, trial
    if corner is not None and objective(corner) > objective(q):
        q = corner
    gap, q = certify(q)
    return (gap, q, steps) if gap <= tol else None


def _fitted_dual(blocks, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lambda, mu) of shapes (K1, Ky), (K2, Ky) that best fit log Q(y | x1, x2) =
    -lambda(x1, y) - mu(x2, y) in least squares weighted by Q over the cells with mass; 0
    on the dual variables no such cell touches (the certificate repairs what they
    violate)."""
    k1, k2, ky = q.shape
    q12 = q.sum(axis=2, keepdims=True)
    if q.min() > 0:
        # Every cell has mass: per y the weighted fit of an additive model to a 2 x 2 table
        # in closed form. Its residuals are k sigma / Q, k = e / sum(1 / Q), where e is the
        # table's interaction z00 - z01 - z10 + z11 (0 at the optimum).
        z = np.log(q12) - np.log(q)
        inverse = 1.0 / q
        fitted = z - _SIGNS * inverse * (((z * _SIGNS).sum(axis=(0, 1)))
                                         / inverse.sum(axis=(0, 1)))
        lam = fitted[:, 0]                                            # mu(0, y) = 0
        return lam, np.stack([np.zeros(ky), fitted[0, 1] - fitted[0, 0]])
    x1, x2, y = np.nonzero(q > 0)
    rows = np.arange(x1.size)
    design = np.zeros((x1.size, (k1 + k2) * ky))
    design[rows, x1 * ky + y] = 1.0
    design[rows, (k1 + x2) * ky + y] = 1.0
    mass = q[x1, x2, y]
    # Weighted by sqrt(Q): a block of almost no mass (on its way to empty) must not pull
    # the fit; what its cells then violate costs the certificate about their mass.
    weight = np.sqrt(mass)[:, None]
    log_s = np.log(mass) - np.log(q12[x1, x2, 0])
    v = np.linalg.lstsq(weight * design, -weight[:, 0] * log_s, rcond=None)[0]
    return v[:k1 * ky].reshape(k1, ky), v[k1 * ky:].reshape(k2, ky)
