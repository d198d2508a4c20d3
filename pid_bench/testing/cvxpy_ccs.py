"""An independent CCS reference: the maximum-entropy distribution with p's pairwise marginals
solved as an exponential-cone program through cvxpy, and Ince's (2017) sum written out
outcome by outcome.

It shares no code with :func:`pid_bench.info.discrete.ccs.ccs` (which fits the
maximum-entropy distribution by iterative proportional fitting and Newton's method on a
support found by a linear program) and serves as its reference in tests. cvxpy is a
test-only dependency, imported on first use.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from pid_bench.testing.cvxpy_broja import _import_cvxpy

__all__ = ["marginal_constraints", "max_entropy_cvxpy", "ccs_redundancy_from"]

_PAIRS = ((0, 1), (0, 2), (1, 2))


def marginal_constraints(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense equality system A q = b of the three pairwise marginals of p, cell by cell.

    Parameters
    ----------
    p : numpy.ndarray, shape (|X1|, |X2|, |Y|)

    Returns
    -------
    a : numpy.ndarray, shape (|X1||X2| + |X1||Y| + |X2||Y|, p.size)
    b : numpy.ndarray, shape (|X1||X2| + |X1||Y| + |X2||Y|,)
    """
    cells = list(np.ndindex(*p.shape))
    rows, rhs = [], []
    for axes in _PAIRS:
        m = p.sum(axis=3 - sum(axes))
        for key in np.ndindex(*m.shape):
            rows.append([float(tuple(c[a] for a in axes) == key) for c in cells])
            rhs.append(m[key])
    return np.array(rows), np.array(rhs)


def max_entropy_cvxpy(p: np.ndarray) -> np.ndarray:
    """Maximum-entropy distribution with p's pairwise marginals, by Clarabel (tolerances
    1e-9), clipped at 0; shape of p."""
    cp = _import_cvxpy()
    a, b = marginal_constraints(p)
    q = cp.Variable(p.size, nonneg=True)
    cp.Problem(cp.Maximize(cp.sum(cp.entr(q))), [a @ q == b]).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
    return np.maximum(q.value, 0.0).reshape(p.shape)


def ccs_redundancy_from(q: np.ndarray, zero: float = 1e-7) -> float:
    """Ince's I_ccs of a maximum-entropy q, in bits, summed outcome by outcome.

    Outcomes with q <= ``zero`` are skipped, and local informations within ``zero`` bits
    of 0 count as 0 in the sign comparison.
    """
    def marg(axes: tuple[int, ...]) -> np.ndarray:
        return q.sum(axis=tuple(a for a in range(3) if a not in axes))

    q1, q2, qy, q12, q1y, q2y = (marg(a) for a in ((0,), (1,), (2,), (0, 1), (0, 2), (1, 2)))
    total = 0.0
    for x1, x2, y in itertools.product(*map(range, q.shape)):
        if q[x1, x2, y] <= zero:
            continue
        i1 = math.log2(q1y[x1, y] / (q1[x1] * qy[y]))
        i2 = math.log2(q2y[x2, y] / (q2[x2] * qy[y]))
        i12 = math.log2(q[x1, x2, y] / (q12[x1, x2] * qy[y]))
        c = i1 + i2 - i12
        signs = {0 if abs(v) < zero else math.copysign(1, v) for v in (i1, i2, i12, c)}
        if len(signs) == 1:
            total += q[x1, x2, y] * c
    return total
