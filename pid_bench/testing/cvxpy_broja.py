"""An independent BROJA reference: the exponential-cone program solved through cvxpy.

The unique information of Bertschinger, Rauh, Olbrich, Jost and Ay (2014) is found by
minimising I_Q(X1, X2; Y) over the distributions Q with the same (x1, y) and (x2, y)
marginals as p. Written with relative entropies, -H_Q(Y | X1, X2) is the sum over cells of
rel_entr(q(x1, x2, y), q(x1, x2)), a jointly convex function of q (the perspective of
-log), so the problem is a disciplined convex program over exponential cones (the same
formulation as Makkeh, Theis and Vicente 2018, and Liang et al. 2023). This module shares no
code with the dedicated solver :func:`pid_bench.info.discrete.broja.broja` and serves as its
reference in tests and benchmarks. cvxpy is a test-only dependency, imported on first use.
"""

from __future__ import annotations

import importlib

import numpy as np
import scipy.sparse as sp

from pid_bench.info.result import PIDResult
from pid_bench.info.shannon import conditional_mutual_information, mutual_information
from pid_bench.info.validation import validate_joint

__all__ = ["broja_cvxpy"]


def _import_cvxpy():
    try:
        return importlib.import_module("cvxpy")
    except ImportError as exc:
        raise ImportError("the cvxpy BROJA reference needs the test extra: pip install "
                          "pid-bench[test]") from exc


def broja_cvxpy(p: np.ndarray, solver: str = "CLARABEL", **solver_options: object) -> PIDResult:
    """BROJA decomposition by a generic exponential-cone solver.

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y), summing to 1; zeros allowed.
    solver : str, default "CLARABEL"
        Name of a cvxpy solver that handles exponential cones (``"CLARABEL"``, ``"ECOS"``,
        ``"SCS"``, ...).
    **solver_options
        Passed to ``cvxpy.Problem.solve`` (e.g. tolerances).

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="broja_cvxpy"``; ``details`` holds ``q`` (the optimal
        distribution, shape of p, clipped at 0 and renormalised), ``solver`` and ``status``.

    Raises
    ------
    ValueError
        Invalid ``p``.
    ImportError
        cvxpy is not installed.
    RuntimeError
        The solver did not report an optimal solution.
    """
    arr = validate_joint(p, ndim=3)
    cp = _import_cvxpy()
    n1, n2, ny = arr.shape
    p1, p2 = arr.sum(axis=1), arr.sum(axis=0)
    # Only cells whose two pairwise marginals are positive can carry mass.
    cells = np.argwhere((p1[:, None, :] > 0) & (p2[None, :, :] > 0))
    q_flat = cp.Variable(len(cells), nonneg=True)
    block = cells[:, 0] * n2 + cells[:, 1]
    blocks, block_of_cell = np.unique(block, return_inverse=True)
    # Sparse 0/1 matrices mapping cell values to block sums and marginal cells.
    ones = np.ones(len(cells))
    to_block = sp.csr_matrix((ones, (block_of_cell, np.arange(len(cells)))),
                             shape=(len(blocks), len(cells)))
    to_m1 = sp.csr_matrix((ones, (cells[:, 0] * ny + cells[:, 2], np.arange(len(cells)))),
                          shape=(n1 * ny, len(cells)))
    to_m2 = sp.csr_matrix((ones, (cells[:, 1] * ny + cells[:, 2], np.arange(len(cells)))),
                          shape=(n2 * ny, len(cells)))
    block_mass = to_block.T @ (to_block @ q_flat)
    objective = cp.Minimize(cp.sum(cp.rel_entr(q_flat, block_mass)))
    constraints = [to_m1 @ q_flat == p1.reshape(-1), to_m2 @ q_flat == p2.reshape(-1)]
    problem = cp.Problem(objective, constraints)
    problem.solve(solver=solver, **solver_options)
    if problem.status not in ("optimal", "optimal_inaccurate") or q_flat.value is None:
        raise RuntimeError(f"cvxpy solver {solver} did not solve the BROJA program; status "
                           f"{problem.status!r}")
    q = np.zeros_like(arr)
    q[tuple(cells.T)] = np.clip(q_flat.value, 0.0, None)
    q /= q.sum()
    unique1 = conditional_mutual_information(q, 0, 2, 1)
    return PIDResult.from_redundancy(
        mutual_information(arr, 0, 2) - unique1, mutual_information(arr, 0, 2),
        mutual_information(arr, 1, 2), mutual_information(arr, (0, 1), 2),
        measure="broja_cvxpy", details={"q": q, "solver": solver, "status": problem.status})
