"""A seeded fuzz set of joint distributions p(x1, x2, y) with the degenerate kinds that break
PID solvers: tiny and zero masses, degenerate marginals and closed-form special cases.

Every joint is a pure function of ``(index, seed)``, so a failure is reproduced by its index
alone, and a fast sample (every n-th index) draws every kind in turn. The kinds:

``dirichlet``
    Dirichlet(alpha) over all cells, alpha in {0.05, 0.5, 1} (alpha = 0.05 puts many cells
    below 1e-20), some cells set exactly to zero.
``tiny``
    A Dirichlet(1) draw with a random subset of its cells scaled to 10^-u, u uniform in
    [12, 33] (masses from 1e-12 down to 1e-33).
``constant_y``
    Y takes one value of its alphabet (the others have probability 0), or nearly so.
``x1_equals_x2``
    X2 is a copy of X1 (p(x1, x2, y) = 0 off the diagonal): R = I(X1; Y) in closed form.
``point_mass``
    All mass on one cell, or on one cell up to a few cells of 1e-12 to 1e-33.
``function``
    Y = f(X1, X2) for a random function f, (X1, X2) from a Dirichlet.
``function_of_one``
    Y = f(X1) for a random function f: X2 can hold no unique information.

Except in ``point_mass``, the positive cells of a joint are, with probability 1/3, partly
scaled down to 1e-12 ... 1e-33 as in ``tiny`` (keeping the kind's zero pattern), so that every
degenerate structure is also met with masses that span many decades. Sides are 2 to 5.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["FUZZ_KINDS", "fuzz_joint", "fuzz_joints"]

#: The kinds of joints, drawn in turn: index i has kind FUZZ_KINDS[i % len(FUZZ_KINDS)].
FUZZ_KINDS = ("dirichlet", "tiny", "constant_y", "x1_equals_x2", "point_mass", "function",
              "function_of_one")


def _tiny(p: np.ndarray, rng: np.random.Generator, fraction: float) -> np.ndarray:
    """p with about ``fraction`` of its positive cells scaled to 10^-u, u in [12, 33]."""
    flat = p.reshape(-1).copy()
    positive = np.flatnonzero(flat)
    chosen = positive[rng.random(positive.size) < fraction]
    if chosen.size == positive.size:          # keep at least one ordinary cell
        chosen = chosen[1:]
    flat[chosen] = 10.0 ** -rng.uniform(12, 33, chosen.size)
    return flat.reshape(p.shape)


def _function_joint(rng: np.random.Generator, shape: tuple[int, int, int],
                    of_both: bool) -> np.ndarray:
    k1, k2, ky = shape
    p12 = rng.dirichlet(np.full(k1 * k2, rng.choice([0.5, 1.0]))).reshape(k1, k2)
    if of_both:
        f = rng.integers(ky, size=(k1, k2))
    else:
        f = np.broadcast_to(rng.integers(ky, size=(k1, 1)), (k1, k2))
    p = np.zeros(shape)
    p[np.arange(k1)[:, None], np.arange(k2)[None, :], f] = p12
    return p


def fuzz_joint(index: int, seed: int = 0) -> tuple[str, np.ndarray]:
    """The fuzz joint number ``index`` of the set drawn with ``seed``.

    Parameters
    ----------
    index : int
        Position in the set, >= 0; its kind is ``FUZZ_KINDS[index % len(FUZZ_KINDS)]``.
    seed : int, default 0
        Seed of the whole set.

    Returns
    -------
    kind : str
        One of :data:`FUZZ_KINDS`.
    p : numpy.ndarray, shape (|X1|, |X2|, |Y|), sides 2 to 5
        Non-negative, sums to 1 (to round-off).

    Examples
    --------
    >>> from pid_bench.testing.fuzz import fuzz_joint
    >>> kind, p = fuzz_joint(3)
    >>> kind, p.shape[0] == p.shape[1], bool(abs(p.sum() - 1) < 1e-12)
    ('x1_equals_x2', True, True)
    """
    rng = np.random.default_rng([seed, index])
    kind = FUZZ_KINDS[index % len(FUZZ_KINDS)]
    shape = tuple(int(v) for v in rng.integers(2, 6, size=3))
    k1, k2, ky = shape
    if kind in ("dirichlet", "tiny"):
        alpha = 1.0 if kind == "tiny" else float(rng.choice([0.05, 0.5, 1.0]))
        p = rng.dirichlet(np.full(k1 * k2 * ky, alpha)).reshape(shape)
        if kind == "dirichlet":
            p[rng.random(shape) < rng.choice([0.0, 0.3, 0.6])] = 0.0
    elif kind == "constant_y":
        p = np.zeros(shape)
        p[:, :, rng.integers(ky)] = rng.dirichlet(np.full(k1 * k2, 0.5)).reshape(k1, k2)
        if rng.random() < 0.5:                # nearly constant: the rest of y is tiny
            p += (10.0 ** -rng.uniform(12, 33)) * rng.random(shape) * (p == 0)
    elif kind == "x1_equals_x2":
        p = np.zeros((k1, k1, ky))
        p[np.arange(k1), np.arange(k1)] = rng.dirichlet(np.full(k1 * ky, rng.choice(
            [0.05, 0.5, 1.0]))).reshape(k1, ky)
    elif kind == "point_mass":
        p = np.zeros(shape)
        p[tuple(rng.integers(shape))] = 1.0
        if rng.random() < 0.5:
            for _ in range(int(rng.integers(1, 4))):
                p[tuple(rng.integers(shape))] += 10.0 ** -rng.uniform(12, 33)
    else:
        p = _function_joint(rng, shape, of_both=kind == "function")
    if kind != "point_mass" and (kind == "tiny" or rng.random() < 1 / 3):
        p = _tiny(p, rng, fraction=float(rng.uniform(0.2, 0.7)))
    if not p.any():
        p.reshape(-1)[0] = 1.0
    return kind, p / p.sum()


def fuzz_joints(n: int = 10_000, seed: int = 0, every: int = 1
                ) -> Iterator[tuple[int, str, np.ndarray]]:
    """(index, kind, p) for the indices 0, every, 2 every, ... below ``n``.

    Parameters
    ----------
    n : int, default 10000
        Size of the full set.
    seed : int, default 0
        Seed of the set (see :func:`fuzz_joint`).
    every : int, default 1
        Stride: ``every=50`` is a fast sample of 200 joints that meets every kind (50 is
        prime to the number of kinds).
    """
    for index in range(0, n, every):
        yield (index, *fuzz_joint(index, seed))
