"""BROJA decomposition restricted to Gaussian distributions (the Gaussian ~-PID).

Bertschinger et al. (Entropy 2014) define the union information as the smallest
I_q(X1, X2; Y) over all joints q with the same (X1, Y) and (X2, Y) marginals as p; then
R = I(X1; Y) + I(X2; Y) - union, U_i = union - I(X_j; Y), S = I(X1, X2; Y) - union.
Restricting q to Gaussians (Venkatesh and Schamberg, ISIT 2022; Venkatesh et al., NeurIPS
2023) leaves one free block, the cross-covariance of X1 and X2.

How it is computed here. Each variable is whitened and the noise of each source given Y is
whitened too, so that X1 = G1 Y + Z1 and X2 = G2 Y + Z2 with cov(Y) = cov(Z1) = cov(Z2) = I;
the only free quantity is C = cov(Z1, Z2) with spectral norm < 1, and

    I_q(X1, X2; Y) = 1/2 log det(I + G^T N(C)^-1 G),   G = [G1; G2],  N = [[I, C], [C^T, I]],

a convex function of C (mutual information is convex in the noise covariance of a Gaussian
channel). Rotating each source onto the row space of its G_i shows that the coordinates of
X_i outside it can be left independent at the optimum, so C reduces to an r1 x r2 block,
r_i = rank(G_i) <= dy: the search has at most dy^2 variables whatever d1 and d2 are. It runs
in the unconstrained parameter W with C = W (I + W^T W)^-1/2 (onto the open unit ball) by
L-BFGS with analytic gradients, started from the better of the observed coupling and C = 0,
so that 0 <= R and S >= 0 hold at every iterate. For a scalar target the optimum is the MMI
decomposition (Barrett 2015), which the tests check.

Bias correction (our documented variant). The three mutual informations get their exact
finite-sample bias removed (:func:`pid_bench.info.continuous.gaussian.mutual_information_bias`;
Venkatesh et al. 2023 also correct with it). For the union information no exact formula is
known; we keep the plug-in share lambda of the stronger source's conditional information that
the union takes,

    lambda = (union - max(I1, I2)) / (I12 - max(I1, I2))   (plug-in values, in [0, 1]),
    union_corrected = max(I1c, I2c) + lambda (I12c - max(I1c, I2c)),

so that the correction reduces to the corrected MMI for a scalar target (lambda = 0) and to
the corrected I(X1, X2; Y) where the union is all of it (lambda = 1); the result is then
projected to a valid decomposition
(:func:`pid_bench.info.continuous.correction.valid_decomposition`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from pid_bench.info.continuous.correction import valid_decomposition
from pid_bench.info.continuous.gaussian import (
    JointGaussian,
    joint_from_covariance,
    joint_gaussian,
    resolve_bias_correction,
)
from pid_bench.info.result import PIDResult

__all__ = ["gaussian_broja", "broja_from_covariance", "union_information"]

_LN2 = float(np.log(2.0))

#: ``converged`` is true when the Frank-Wolfe bound of :func:`_gap_bits` puts the union
#: information within this many bits of its minimum.
_CONVERGED_BITS = 1e-9

#: Largest number of Newton steps in C that polish the L-BFGS optimum (see :func:`_polish`).
_POLISH_STEPS = 8


def _whitened_channel(joint: JointGaussian) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """G1 (d1, dy), G2 (d2, dy) and the observed noise coupling C0 (d1, d2) after whitening."""
    d1, d2, _ = joint.dims
    cov = joint.cov
    s1, s2, sy = (slice(0, d1), slice(d1, d1 + d2), slice(d1 + d2, None))
    l1, l2, ly = (np.linalg.cholesky(cov[s, s]) for s in (s1, s2, sy))

    def whiten(la: np.ndarray, block: np.ndarray, lb: np.ndarray) -> np.ndarray:
        return np.linalg.solve(lb, np.linalg.solve(la, block).T).T

    a, b = whiten(l1, cov[s1, sy], ly), whiten(l2, cov[s2, sy], ly)
    t12 = whiten(l1, cov[s1, s2], l2)
    m1 = np.linalg.cholesky(np.eye(d1) - a @ a.T)
    m2 = np.linalg.cholesky(np.eye(d2) - b @ b.T)
    g1, g2 = np.linalg.solve(m1, a), np.linalg.solve(m2, b)
    c0 = whiten(m1, t12 - a @ b.T, m2)
    return g1, g2, c0


def _signal_basis(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal basis U (d, r) of the row space that carries signal, and U^T g (r, dy)."""
    u, s, _ = np.linalg.svd(g, full_matrices=False)
    r = int(np.sum(s > 1e-12 * max(1.0, float(s[0]) if s.size else 0.0)))
    return u[:, :r], u[:, :r].T @ g


def _objective(c: np.ndarray, g: np.ndarray) -> tuple[float, np.ndarray]:
    """f(C) = 1/2 log det(N + g g^T) - 1/2 log det N in nats, and its gradient in C."""
    r1, r2 = c.shape
    n = np.eye(r1 + r2)
    n[:r1, r1:] = c
    n[r1:, :r1] = c.T
    m = n + g @ g.T
    ln, lm = np.linalg.cholesky(n), np.linalg.cholesky(m)
    value = float(np.sum(np.log(np.diag(lm))) - np.sum(np.log(np.diag(ln))))
    inv_n = np.linalg.inv(n)
    inv_m = np.linalg.inv(m)
    return value, inv_m[:r1, r1:] - inv_n[:r1, r1:]


def _ball(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C = W (I + W^T W)^-1/2, with the eigenvectors and eigenvalues of I + W^T W."""
    lam, v = np.linalg.eigh(np.eye(w.shape[1]) + w.T @ w)
    r = (v / np.sqrt(lam)) @ v.T
    return w @ r, v, lam


def _unball(c: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_ball`: W = C (I - C^T C)^-1/2."""
    lam, v = np.linalg.eigh(np.eye(c.shape[1]) - c.T @ c)
    return c @ ((v / np.sqrt(lam)) @ v.T)


def _objective_w(w_flat: np.ndarray, g: np.ndarray, shape: tuple[int, int]
                 ) -> tuple[float, np.ndarray]:
    w = w_flat.reshape(shape)
    c, v, lam = _ball(w)
    try:
        value, grad_c = _objective(c, g)
    except np.linalg.LinAlgError:
        return np.inf, np.zeros_like(w_flat)
    # Chain rule through R = Q^-1/2, Q = I + W^T W (Daleckii-Krein formula for dR).
    root = np.sqrt(lam)
    phi = -1.0 / (np.outer(root, root) * (root[:, None] + root[None, :]))
    h = w.T @ grad_c
    h = v.T @ ((h + h.T) / 2) @ v
    js = v @ (phi * h) @ v.T
    grad_w = grad_c @ ((v / root) @ v.T) + 2.0 * w @ js
    return value, grad_w.ravel()


def union_information(cov: object, dims: Sequence[int], *, tol: float = 1e-12,
                      max_iter: int = 1000) -> tuple[float, dict[str, Any]]:
    """Gaussian union information: min over the X1-X2 cross-covariance of I_q(X1, X2; Y).

    Parameters
    ----------
    cov : array_like, shape (d1 + d2 + dy, d1 + d2 + dy)
        Positive definite covariance of (X1, X2, Y).
    dims : sequence of 3 int
        (d1, d2, dy).
    tol : float, default 1e-12
        Gradient tolerance of L-BFGS (nats per unit of the parameter).
    max_iter : int, default 1000
        Iteration limit.

    Returns
    -------
    union : float
        Bits, between max(I(X1; Y), I(X2; Y)) and min(I(X1, X2; Y), I(X1; Y) + I(X2; Y)).
    info : dict
        ``iterations`` (of L-BFGS), ``reduced_dims`` (r1, r2), ``suboptimality_bound``
        (bits: the union is at most this far above its minimum, by convexity; see
        :func:`_gap_bits`) and ``converged`` (true when that bound is at most 1e-9 bits).
    """
    return _union(joint_from_covariance(cov, dims), tol=tol, max_iter=max_iter)


def _union(joint: JointGaussian, *, tol: float, max_iter: int) -> tuple[float, dict[str, Any]]:
    g1, g2, c0 = _whitened_channel(joint)
    u1, h1 = _signal_basis(g1)
    u2, h2 = _signal_basis(g2)
    shape = (h1.shape[0], h2.shape[0])
    info: dict[str, Any] = {"reduced_dims": shape, "iterations": 0, "converged": True,
                            "suboptimality_bound": 0.0}
    g = np.vstack([h1, h2])
    if min(shape) == 0:
        # One source carries nothing: the union is the other source's information.
        return _objective(np.zeros(shape), g)[0] / _LN2, info
    starts = [u1.T @ c0 @ u2, np.zeros(shape)]
    start = min(starts, key=lambda c: _objective(c, g)[0])
    with threadpool_limits(limits=1):  # tiny matrices: BLAS threads only add overhead
        res = minimize(_objective_w, _unball(start).ravel(), args=(g, shape), jac=True,
                       method="L-BFGS-B",
                       options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15})
        c, value, gap = _polish(_ball(res.x.reshape(shape))[0], g)
    info.update(iterations=int(res.nit), converged=bool(gap <= _CONVERGED_BITS),
                suboptimality_bound=gap)
    return value / _LN2, info


def _gap_bits(c: np.ndarray, grad_c: np.ndarray) -> float:
    """Frank-Wolfe bound on f(C) - min f in bits, from the gradient at C.

    f is convex in C on the spectral unit ball, so for its minimiser C*
    f(C) - f(C*) <= <grad f(C), C - C*> <= <grad f(C), C> + max over ||C'||_2 <= 1 of
    <grad f(C), -C'> = <grad f(C), C> + ||grad f(C)||_* (the nuclear norm, dual to the
    spectral norm). An earlier bound, ||grad f(C)||_F times the ball's Frobenius diameter,
    is never smaller and was ~1e-6 bits at optima near the ball's boundary, where L-BFGS in
    W stops with gradients in C of ~3e-7: ``converged`` then said False about values that
    equal an independent SDP's to 1e-12.
    """
    nuclear = float(np.linalg.svd(grad_c, compute_uv=False).sum())
    return max(float(np.sum(grad_c * c)) + nuclear, 0.0) / _LN2


def _hessian(c: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Hessian of f (see :func:`_objective`) in C, shape (r1 r2, r1 r2), nats.

    With X = M^-1 or N^-1, d(X)_12 along E_ab = [[0, e_ab], [e_ab^T, 0]] is
    -(X_11[:, a] X_22[b, :] + X_12[:, b] X_12[a, :]); the Hessian is the N^-1 term minus
    the M^-1 term.
    """
    r1, r2 = c.shape
    n = np.eye(r1 + r2)
    n[:r1, r1:] = c
    n[r1:, :r1] = c.T

    def term(x: np.ndarray) -> np.ndarray:
        x11, x22, x12 = x[:r1, :r1], x[r1:, r1:], x[:r1, r1:]
        return (np.einsum("ia,bj->ijab", x11, x22) + np.einsum("ib,aj->ijab", x12, x12))

    hess = term(np.linalg.inv(n)) - term(np.linalg.inv(n + g @ g.T))
    return hess.reshape(r1 * r2, r1 * r2)


def _polish(c: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Newton steps in C from the L-BFGS optimum, kept while they shrink the bound.

    L-BFGS runs in W (C = W (I + W^T W)^-1/2), whose map flattens near the ball's
    boundary: it stops where its line search no longer resolves a decrease of f, with
    gradients in C that leave the Frank-Wolfe bound at 1e-7 to 1e-6 bits. Newton's method
    on the gradient in C itself (analytic Hessian, :func:`_hessian`) needs no resolvable
    decrease and takes the bound to round-off in a step or two; a step is taken only if it
    stays inside the ball, does not raise f beyond round-off and lowers the bound.

    Returns C, f(C) in nats and the bound in bits at that C.
    """
    value, grad_c = _objective(c, g)
    gap = _gap_bits(c, grad_c)
    for _ in range(_POLISH_STEPS):
        if gap <= np.finfo(float).eps:
            break
        step = -np.linalg.lstsq(_hessian(c, g), grad_c.ravel(), rcond=None)[0]
        for alpha in 0.5 ** np.arange(12):
            trial = c + alpha * step.reshape(c.shape)
            if np.linalg.norm(trial, 2) >= 1.0:
                continue
            try:
                trial_value, trial_grad = _objective(trial, g)
            except np.linalg.LinAlgError:
                continue
            trial_gap = _gap_bits(trial, trial_grad)
            if trial_value <= value + 64 * np.finfo(float).eps * abs(value) and trial_gap < gap:
                c, value, grad_c, gap = trial, trial_value, trial_grad, trial_gap
                break
        else:
            break
    return c, value, gap


def broja_from_covariance(cov: object, dims: Sequence[int], *, tol: float = 1e-12,
                          max_iter: int = 1000) -> PIDResult:
    """Exact Gaussian BROJA decomposition of a known covariance.

    Parameters
    ----------
    cov : array_like, shape (d1 + d2 + dy, d1 + d2 + dy)
        Positive definite covariance of (X1, X2, Y) in that order.
    dims : sequence of 3 int
        (d1, d2, dy).
    tol, max_iter
        See :func:`union_information`.

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="gaussian_broja"``; ``details`` holds the optimiser's
        ``iterations``, ``converged``, ``suboptimality_bound``, ``reduced_dims`` and
        ``union_information``.
    """
    joint = joint_from_covariance(cov, dims)
    union, info = _union(joint, tol=tol, max_iter=max_iter)
    i1, i2, i12 = joint.mutual_informations()
    return valid_decomposition(i1, i2, i12, i1 + i2 - union, measure="gaussian_broja",
                               details={**info, "union_information": union})


def gaussian_broja(x1: object, x2: object, y: object, *, shrinkage: str | float | None = None,
                   bias_correction: bool | None = None, tol: float = 1e-12,
                   max_iter: int = 1000) -> PIDResult:
    """Gaussian BROJA decomposition of samples; vector sources and vector targets.

    Parameters
    ----------
    x1 : array_like, shape (n,) or (n, d1)
    x2 : array_like, shape (n,) or (n, d2)
    y : array_like, shape (n,) or (n, dy)
        Float: continuous target. Integer or boolean (n,): class label, represented by its
        class indicators (K - 1 columns; a Gaussian approximation).
    shrinkage : {None, "ledoit_wolf"} or float, default None
        Shrinkage of the sample covariance (for dimensions close to n).
    bias_correction : bool, optional
        The correction described in the module docstring (default: on without shrinkage;
        it cannot be combined with shrinkage).
    tol, max_iter
        Optimiser settings, see :func:`union_information`.

    Returns
    -------
    PIDResult
        Atoms in bits; ``details`` holds ``dims``, ``shrinkage``, ``bias_correction``,
        ``plugin`` (uncorrected atoms), ``union_information`` (plug-in, bits), the
        optimiser's ``iterations``, ``converged``, ``suboptimality_bound`` and
        ``reduced_dims``, ``clipped`` and
        ``dropped_constant_columns``.

    Raises
    ------
    ValueError
        Bad samples (see :func:`pid_bench.info.continuous.gaussian.joint_gaussian`).

    Examples
    --------
    A vector target Y = (Y1, Y2) whose halves each source sees through unit noise,
    Xi = Yi + Zi: all of I(Xi; Y) = 1/2 bit is unique (:func:`broja_from_covariance`), where
    MMI would call it redundancy.

    >>> import numpy as np
    >>> from pid_bench.info.continuous.gaussian_broja import (
    ...     broja_from_covariance, gaussian_broja)
    >>> cov = [[2, 0, 1, 0], [0, 2, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]]  # (X1, X2, Y1, Y2)
    >>> exact = broja_from_covariance(cov, (1, 1, 2))
    >>> [round(v, 6) for v in exact.atoms().tolist()]
    [0.0, 0.5, 0.5, 0.0]
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal((20_000, 2))
    >>> x1, x2 = y[:, 0] + rng.standard_normal(20_000), y[:, 1] + rng.standard_normal(20_000)
    >>> r = gaussian_broja(x1, x2, y)
    >>> print(np.abs(r.atoms() - exact.atoms()).max() < 0.01)
    True
    """
    correct = resolve_bias_correction(bias_correction, shrinkage)
    joint = joint_gaussian(x1, x2, y, shrinkage=shrinkage)
    union, info = _union(joint, tol=tol, max_iter=max_iter)
    p1, p2, p12 = joint.mutual_informations()
    plugin = valid_decomposition(p1, p2, p12, p1 + p2 - union, measure="gaussian_broja")
    details = {**joint.details, **info, "bias_correction": correct,
               "union_information": union,
               "plugin": plugin.to_dict()}
    if not correct:
        return valid_decomposition(p1, p2, p12, p1 + p2 - union, measure="gaussian_broja",
                                   details=details)
    strong = max(p1, p2)
    share = (union - strong) / (p12 - strong) if p12 - strong > 0 else 0.0
    share = min(max(share, 0.0), 1.0)
    i1, i2, i12 = joint.mutual_informations(bias_correction=True)
    strong_c = max(i1, i2)
    union_c = strong_c + share * (i12 - strong_c)
    return valid_decomposition(i1, i2, i12, i1 + i2 - union_c, measure="gaussian_broja",
                               details={**details, "union_share": share})
