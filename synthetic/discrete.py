"""Canonical joint distributions p(x1, x2, y) with known decompositions, and random ones.

Every constructor returns a new float64 array of shape (|X1|, |X2|, |Y|) that sums to 1;
outcomes are coded 0..K-1 along each axis. Unless stated otherwise X1 and X2 are independent
uniform bits. The names follow the partial-information-decomposition literature: Williams and
Beer (2010), Griffith and Koch (2014), Harder, Salge and Polani (2013), Bertschinger et al.
(2014), Ince (2017). Their decompositions under each measure are listed in the tests
(``tests/pid_bench/info/discrete/test_canonical_atoms.py``).

:func:`canonical` builds a distribution by name; :data:`CANONICAL` maps every name to a
constructor that takes no argument.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

import numpy as np

from pid_bench.info.validation import validate_joint

__all__ = [
    "CANONICAL", "canonical", "random_distribution", "from_function",
    "xor", "and_", "or_", "rdn", "unq", "copy", "rdnxor", "rdnunqxor", "xorand", "sum_", "w",
    "dice",
]


def from_function(f: Callable[..., tuple[int, int, int]], *factors: int,
                  weights: np.ndarray | None = None) -> np.ndarray:
    """Joint distribution of (x1, x2, y) = f(latent) over latent factors.

    Parameters
    ----------
    f : callable
        Maps one value of each latent factor to the outcome codes (x1, x2, y), each >= 0.
    *factors : int
        Number of values of each latent factor; uniform and independent unless ``weights``.
    weights : numpy.ndarray, shape factors, optional
        Probabilities of the latent combinations (summing to 1).

    Returns
    -------
    numpy.ndarray, shape (|X1|, |X2|, |Y|)
        The image distribution; each axis as long as its largest code + 1.
    """
    combos = list(np.ndindex(*factors))
    if weights is None:
        probs = np.full(len(combos), 1.0 / len(combos))
    else:
        probs = validate_joint(weights, ndim=None, name="weights")
        if probs.shape != tuple(factors):
            raise ValueError(f"weights must have the shape of the factors {tuple(factors)}; "
                             f"received {probs.shape}")
        probs = probs.reshape(-1)
    outcomes = np.array([f(*c) for c in combos], dtype=np.int64)
    if outcomes.ndim != 2 or outcomes.shape[1] != 3 or np.any(outcomes < 0):
        raise ValueError("f must map each latent combination to three codes (x1, x2, y) >= 0")
    p = np.zeros(tuple(outcomes.max(axis=0) + 1))
    np.add.at(p, tuple(outcomes.T), probs)
    return p


def xor() -> np.ndarray:
    """Y = X1 xor X2: one bit of pure synergy (shape (2, 2, 2))."""
    return from_function(lambda a, b: (a, b, a ^ b), 2, 2)


def and_() -> np.ndarray:
    """Y = X1 and X2 (shape (2, 2, 2)); I(X1,X2;Y) = 2 - (3/4) log2 3."""
    return from_function(lambda a, b: (a, b, a & b), 2, 2)


def or_() -> np.ndarray:
    """Y = X1 or X2 (shape (2, 2, 2)); the mirror image of AND, with the same atoms."""
    return from_function(lambda a, b: (a, b, a | b), 2, 2)


def rdn() -> np.ndarray:
    """X1 = X2 = Y, one uniform bit: one bit of pure redundancy (shape (2, 2, 2))."""
    return from_function(lambda r: (r, r, r), 2)


def unq() -> np.ndarray:
    """Y = X1, with X2 an independent bit: one bit unique to X1 (shape (2, 2, 2)).

    Griffith and Koch (2014) and Harder et al. (2013) use the name "UNQ" for the two-bit
    copy Y = (X1, X2); here that distribution is :func:`copy`.
    """
    return from_function(lambda a, b: (a, b, a), 2, 2)


def copy() -> np.ndarray:
    """Y = (X1, X2), coded 2 x1 + x2: one unique bit from each source (shape (2, 2, 4)).

    The "two-bit copy" on which I_min reports 1 bit of redundancy and 1 of synergy
    (Harder et al. 2013); BROJA gives U1 = U2 = 1.
    """
    return from_function(lambda a, b: (a, b, 2 * a + b), 2, 2)


def rdnxor() -> np.ndarray:
    """X1 = (r, a), X2 = (r, b), Y = (r, a xor b): 1 bit of redundancy plus 1 of synergy.

    Griffith and Koch (2014). Pairs are coded 2 * first + second; shape (4, 4, 4).
    """
    return from_function(lambda r, a, b: (2 * r + a, 2 * r + b, 2 * r + (a ^ b)), 2, 2, 2)


def rdnunqxor() -> np.ndarray:
    """X1 = (r, a, c), X2 = (r, b, d), Y = (r, a, b, c xor d): one bit of each atom.

    Griffith and Koch (2014); 32 equally likely outcomes, shape (8, 8, 16).
    """
    return from_function(
        lambda r, a, b, c, d: (4 * r + 2 * a + c, 4 * r + 2 * b + d,
                               8 * r + 4 * a + 2 * b + (c ^ d)),
        2, 2, 2, 2, 2)


def xorand() -> np.ndarray:
    """Y = (X1 xor X2, X1 and X2), coded 2 xor + and (shape (2, 2, 3)).

    The pair takes three values, one-to-one with X1 + X2, so this is :func:`sum_` with
    relabelled target outcomes.
    """
    return from_function(lambda a, b: (a, b, 2 * (a ^ b) + (a & b)), 2, 2)


def sum_() -> np.ndarray:
    """Y = X1 + X2 in {0, 1, 2} (shape (2, 2, 3))."""
    return from_function(lambda a, b: (a, b, a + b), 2, 2)


def w() -> np.ndarray:
    """Uniform over (x1, x2, y) in {(0,0,1), (0,1,0), (1,0,0)} (shape (2, 2, 2))."""
    p = np.zeros((2, 2, 2))
    p[0, 0, 1] = p[0, 1, 0] = p[1, 0, 0] = 1.0 / 3.0
    return p


def dice(a: float = 1.0, target: str = "sum") -> np.ndarray:
    """Two correlated dice (Harder, Salge and Polani 2013).

    X1, X2 in {1..6} (coded 0..5) with P(i, j) = a / 36 + (1 - a) [i = j] / 6: independent
    at ``a = 1``, always equal at ``a = 0``.

    Parameters
    ----------
    a : float, default 1.0
        Mixing weight of the independent part, in [0, 1].
    target : {"sum", "x1+6x2"}
        Y = X1 + X2 (11 values, shape (6, 6, 11)) or Y = X1 + 6 X2 (36 values, one per
        pair of faces, shape (6, 6, 36)).

    Returns
    -------
    numpy.ndarray
    """
    if not (isinstance(a, (int, float, np.floating)) and 0.0 <= a <= 1.0):
        raise ValueError(f"a must be a number in [0, 1]; received {a!r}")
    weights = np.full((6, 6), a / 36.0) + np.eye(6) * (1.0 - a) / 6.0
    if target == "sum":
        return from_function(lambda i, j: (i, j, i + j), 6, 6, weights=weights)
    if target == "x1+6x2":
        return from_function(lambda i, j: (i, j, i + 6 * j), 6, 6, weights=weights)
    raise ValueError(f"target must be 'sum' or 'x1+6x2'; received {target!r}")


#: Name -> constructor without arguments, in the order of the reference tables.
CANONICAL: Mapping[str, Callable[[], np.ndarray]] = MappingProxyType({
    "xor": xor,
    "and": and_,
    "or": or_,
    "rdn": rdn,
    "unq": unq,
    "copy": copy,
    "rdnxor": rdnxor,
    "rdnunqxor": rdnunqxor,
    "xorand": xorand,
    "sum": sum_,
    "w": w,
    "dice_sum": functools.partial(dice, 1.0, "sum"),
    "dice_x1+6x2": functools.partial(dice, 1.0, "x1+6x2"),
    "dice_sum_a0.5": functools.partial(dice, 0.5, "sum"),
    "dice_x1+6x2_a0.5": functools.partial(dice, 0.5, "x1+6x2"),
})


def canonical(name: str) -> np.ndarray:
    """The canonical distribution called ``name`` (one of :data:`CANONICAL`)."""
    if name not in CANONICAL:
        raise ValueError(f"unknown canonical distribution {name!r}; known: "
                         f"{', '.join(CANONICAL)}")
    return CANONICAL[name]()


def _shape(shape: int | Iterable[int]) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not dims or not all(isinstance(d, (int, np.integer)) and d >= 1 for d in dims):
        raise ValueError(f"shape must be one or more positive integers; received {shape!r}")
    return tuple(int(d) for d in dims)


def random_distribution(shape: int | Iterable[int] = (2, 2, 2), alpha: float = 1.0,
                        zero_fraction: float = 0.0,
                        seed: int | np.random.Generator | None = None) -> np.ndarray:
    """A random joint distribution: Dirichlet(alpha) over the cells, some set to zero.

    Parameters
    ----------
    shape : int or tuple of int, default (2, 2, 2)
        Alphabet sizes, e.g. (|X1|, |X2|, |Y|).
    alpha : float, default 1.0
        Concentration of the symmetric Dirichlet (1: uniform on the simplex; small values
        give peaked distributions).
    zero_fraction : float, default 0.0
        Fraction of the cells, in [0, 1), set exactly to zero (chosen uniformly, rounded
        down; at least one cell stays positive) before renormalising.
    seed : int or numpy.random.Generator, optional
        Source of randomness.

    Returns
    -------
    numpy.ndarray, shape ``shape``
        Non-negative, sums to 1.
    """
    dims = _shape(shape)
    if not (isinstance(alpha, (int, float, np.floating)) and np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a finite number > 0; received {alpha!r}")
    if not (isinstance(zero_fraction, (int, float, np.floating)) and 0 <= zero_fraction < 1):
        raise ValueError(f"zero_fraction must be a number in [0, 1); received "
                         f"{zero_fraction!r}")
    rng = np.random.default_rng(seed)
    size = int(np.prod(dims))
    p = rng.dirichlet(np.full(size, float(alpha)))
    n_zero = min(int(zero_fraction * size), size - 1)
    p[rng.choice(size, size=n_zero, replace=False)] = 0.0
    if p.sum() <= 0:
        p[rng.integers(size)] = 1.0
    return (p / p.sum()).reshape(dims)
