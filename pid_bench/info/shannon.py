"""Entropy and (conditional) mutual information of joint probability arrays.

Every function takes one joint array whose axes are the variables, and names the variables
by axis index. Zero cells contribute nothing (0 log 0 = 0). Results are in bits unless
``base`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from pid_bench.info.validation import validate_base, validate_joint

__all__ = ["entropy", "mutual_information", "conditional_mutual_information",
           "source_target_informations"]


def _axes(axes: int | Iterable[int], ndim: int, what: str) -> tuple[int, ...]:
    out = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    for a in out:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise ValueError(f"{what} must be axis indices of a {ndim}-axis array; "
                             f"received {axes!r}")
    return tuple(sorted(int(a) % ndim for a in out))


def _marginal_entropy_nats(p: np.ndarray, keep: tuple[int, ...]) -> float:
    drop = tuple(a for a in range(p.ndim) if a not in keep)
    m = p.sum(axis=drop) if drop else p
    m = m[m > 0]
    return float(-(m * np.log(m)).sum())


def entropy(p: np.ndarray, axes: int | Iterable[int] | None = None, *, base: float = 2,
            normalize: bool = False) -> float:
    """Shannon entropy of the marginal of ``p`` on ``axes``.

    Parameters
    ----------
    p : array_like, any shape
        Joint probabilities over as many variables as axes.
    axes : int or iterable of int, optional
        Variables to keep; all axes by default (the joint entropy).
    base : float, default 2
        Logarithm base: 2 for bits, ``numpy.e`` for nats.
    normalize : bool, default False
        Accept counts and divide by their sum.

    Returns
    -------
    float
        H(p restricted to ``axes``) in units of ``base``.
    """
    arr = validate_joint(p, ndim=None, normalize=normalize)
    b = validate_base(base)
    keep = tuple(range(arr.ndim)) if axes is None else _axes(axes, arr.ndim, "axes")
    return _marginal_entropy_nats(arr, keep) / np.log(b)


def conditional_mutual_information(p: np.ndarray, a: int | Iterable[int], b: int | Iterable[int],
                                   c: int | Iterable[int] = (), *, base: float = 2,
                                   normalize: bool = False) -> float:
    """Conditional mutual information I(A; B | C) of the variables on the given axes.

    Parameters
    ----------
    p : array_like, any shape
        Joint probabilities.
    a, b, c : int or iterable of int
        Disjoint groups of axes; ``c`` may be empty (plain mutual information).
    base : float, default 2
        Logarithm base.
    normalize : bool, default False
        Accept counts and divide by their sum.

    Returns
    -------
    float
        H(A,C) + H(B,C) - H(A,B,C) - H(C), clipped at 0 against round-off.
    """
    arr = validate_joint(p, ndim=None, normalize=normalize)
    lb = np.log(validate_base(base))
    ga, gb = _axes(a, arr.ndim, "a"), _axes(b, arr.ndim, "b")
    gc = _axes(c, arr.ndim, "c")
    if not ga or not gb:
        raise ValueError(f"a and b must each name at least one axis; received a={a!r}, b={b!r}")
    if set(ga) & set(gb) or set(ga) & set(gc) or set(gb) & set(gc):
        raise ValueError(f"axis groups must be disjoint; received a={ga}, b={gb}, c={gc}")
    h = _marginal_entropy_nats
    value = (h(arr, tuple(sorted(ga + gc))) + h(arr, tuple(sorted(gb + gc)))
             - h(arr, tuple(sorted(ga + gb + gc))) - (h(arr, gc) if gc else 0.0))
    return max(value, 0.0) / lb


def mutual_information(p: np.ndarray, a: int | Iterable[int], b: int | Iterable[int], *,
                       base: float = 2, normalize: bool = False) -> float:
    """Mutual information I(A; B) between the variables on axes ``a`` and axes ``b``.

    Parameters
    ----------
    p : array_like, any shape
        Joint probabilities.
    a, b : int or iterable of int
        Disjoint groups of axes.
    base : float, default 2
        Logarithm base.
    normalize : bool, default False
        Accept counts and divide by their sum.

    Returns
    -------
    float
        I(A; B) >= 0 in units of ``base``.
    """
    return conditional_mutual_information(p, a, b, (), base=base, normalize=normalize)


def source_target_informations(p: np.ndarray, *, base: float = 2) -> tuple[float, float, float]:
    """The three mutual informations that a two-source PID divides up.

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y), summing to 1.
    base : float, default 2
        Logarithm base.

    Returns
    -------
    tuple of float
        I(X1;Y), I(X2;Y) and I(X1,X2;Y) in units of ``base``.
    """
    arr = validate_joint(p, ndim=3)
    return (mutual_information(arr, 0, 2, base=base), mutual_information(arr, 1, 2, base=base),
            mutual_information(arr, (0, 1), 2, base=base))
