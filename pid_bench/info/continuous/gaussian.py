"""Gaussian building blocks shared by the continuous estimators.

Input checks for sample arrays, covariance estimation (with optional Ledoit-Wolf shrinkage),
log-determinants, the mutual information of jointly Gaussian variables and its exact
finite-sample bias. Everything here is in bits unless a name says ``_nats``.

For jointly Gaussian A (dimension d_A) and B (d_B) with covariance Sigma,

    I(A; B) = 1/2 log2( det Sigma_A det Sigma_B / det Sigma_AB ).

If S is the unbiased sample covariance of n independent samples (mean estimated), then
(n - 1) S follows a Wishart distribution with n - 1 degrees of freedom, and

    E[log det S] = log det Sigma + d log(2 / (n - 1)) + sum_{i=1..d} psi((n - i) / 2)

(psi: digamma; see Cai, Liang and Zhou, J. Multivariate Anal. 2015, and Venkatesh et al.,
NeurIPS 2023, who use it to correct Gaussian PID estimates). The bias of the plug-in mutual
information is therefore a known constant that depends on d_A, d_B and n only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import digamma

__all__ = [
    "JointGaussian",
    "as_samples",
    "gaussian_mutual_information",
    "joint_from_covariance",
    "joint_gaussian",
    "log_det",
    "mutual_information_bias",
    "resolve_bias_correction",
    "sample_covariance",
    "target_columns",
    "validate_covariance",
]

#: Smallest accepted eigenvalue of the sample correlation matrix without shrinkage; below it
#: the covariance is treated as singular (some column is a linear combination of others).
SINGULAR_TOLERANCE = 1e-10

_LN2 = float(np.log(2.0))


def as_samples(x: object, name: str) -> np.ndarray:
    """Check one variable's samples and return them as a float64 array of shape (n, d).

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        Numeric samples; a 1-D array is one column.
    name : str
        Name of the argument, used in error messages.

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Raises
    ------
    ValueError
        Not numeric, more than 2 axes, no sample or column, NaN or inf.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a numeric array of shape (n,) or (n, d); received "
                         f"dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n,) or (n, d); received shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one sample and one column; received "
                         f"shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain finite numbers; received "
                         f"{int(np.sum(~np.isfinite(arr)))} NaN or inf entries")
    return arr


def target_columns(y: object) -> tuple[np.ndarray, bool]:
    """The columns that stand for the target in a Gaussian decomposition.

    A float target of shape (n,) or (n, dy) is used as it is. An integer or boolean target
    of shape (n,) is a class label: it becomes the indicator columns of its K classes minus
    the last one (K - 1 columns), so that the result does not depend on how the classes are
    numbered. Pass floats to treat integer values as a continuous quantity.

    Parameters
    ----------
    y : array_like, shape (n,) or (n, dy)

    Returns
    -------
    columns : numpy.ndarray, shape (n, dy) or (n, K - 1)
    discrete : bool
        Whether ``y`` was taken as a class label.
    """
    arr = np.asarray(y)
    if arr.dtype.kind in "biu":
        if arr.ndim != 1:
            raise ValueError(f"an integer target is a class label and must have shape (n,); "
                             f"received shape {arr.shape}. Pass floats for a continuous vector "
                             f"target")
        classes, codes = np.unique(arr, return_inverse=True)
        if classes.size < 2:
            raise ValueError(f"y must take at least 2 values; received the single class "
                             f"{classes.tolist()}")
        onehot = (codes.reshape(-1)[:, None] == np.arange(classes.size - 1)[None, :])
        return onehot.astype(np.float64), True
    return as_samples(arr, "y"), False


def _check_lengths(arrays: Sequence[np.ndarray], names: Sequence[str]) -> int:
    lengths = {k: a.shape[0] for k, a in zip(names, arrays)}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"{', '.join(names)} must have the same number of samples; received "
                         f"{lengths}")
    return next(iter(lengths.values()))


def _drop_constant(x: np.ndarray, name: str) -> tuple[np.ndarray, list[int]]:
    constant = np.ptp(x, axis=0) == 0
    if constant.all():
        raise ValueError(f"every column of {name} is constant (shape {x.shape}); a constant "
                         f"variable carries no information, so there is nothing to decompose")
    return x[:, ~constant], np.flatnonzero(constant).tolist()


def sample_covariance(z: np.ndarray, shrinkage: str | float | None = None
                      ) -> tuple[np.ndarray, float]:
    """Unbiased sample covariance, optionally shrunk towards a diagonal matrix.

    Shrinkage acts on the correlation matrix R (so that it does not depend on the units of
    each column): R_s = (1 - delta) R + delta I, which keeps the variances and scales every
    covariance by 1 - delta. ``"ledoit_wolf"`` picks delta by the closed form of Ledoit and
    Wolf (J. Multivariate Anal. 2004) on the standardised columns; a float in [0, 1] fixes it.
    Unlike the raw covariance, a shrunk one is not invariant to linear maps that mix columns.

    Parameters
    ----------
    z : numpy.ndarray, shape (n, D)
        Samples, n >= 2, no constant column.
    shrinkage : {None, "ledoit_wolf"} or float, default None
        None: no shrinkage.

    Returns
    -------
    cov : numpy.ndarray, shape (D, D)
    delta : float
        The shrinkage intensity used (0 without shrinkage).
    """
    n = z.shape[0]
    if n < 2:
        raise ValueError(f"a covariance needs at least 2 samples; received {n}")
    cov = np.cov(z, rowvar=False).reshape(z.shape[1], z.shape[1])
    if shrinkage is None:
        return cov, 0.0
    if isinstance(shrinkage, str):
        if shrinkage != "ledoit_wolf":
            raise ValueError(f"shrinkage must be None, 'ledoit_wolf' or a float in [0, 1]; "
                             f"received {shrinkage!r}")
        std = np.sqrt(np.diag(cov))
        u = (z - z.mean(axis=0)) / (std * np.sqrt((n - 1) / n))
        s = u.T @ u / n
        target_gap = float(np.sum((s - np.eye(s.shape[0])) ** 2))
        spread = float((np.sum(np.sum(u ** 2, axis=1) ** 2) - n * np.sum(s ** 2)) / n ** 2)
        delta = 1.0 if target_gap == 0 else min(max(spread, 0.0), target_gap) / target_gap
    else:
        delta = float(shrinkage)
        if not 0.0 <= delta <= 1.0:
            raise ValueError(f"shrinkage must be None, 'ledoit_wolf' or a float in [0, 1]; "
                             f"received {shrinkage!r}")
    diag = np.diag(np.diag(cov))
    return (1.0 - delta) * cov + delta * diag, delta


def validate_covariance(cov: object, name: str = "cov") -> np.ndarray:
    """Check a covariance matrix: square, finite, symmetric and positive definite.

    Returns
    -------
    numpy.ndarray, shape (D, D)
        A float64 copy, symmetrised.
    """
    arr = np.array(cov, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a square (D, D) matrix; received shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain finite numbers; received NaN or inf")
    scale = max(float(np.max(np.abs(arr))), 1e-300)
    if np.max(np.abs(arr - arr.T)) > 1e-8 * scale:
        raise ValueError(f"{name} must be symmetric; received max |cov - cov.T| = "
                         f"{np.max(np.abs(arr - arr.T)):.3g}")
    arr = (arr + arr.T) / 2
    log_det(arr, name)
    return arr


def log_det(cov: np.ndarray, name: str = "covariance") -> float:
    """Natural logarithm of the determinant of a positive definite matrix, in nats.

    Raises
    ------
    ValueError
        The matrix is not positive definite.
    """
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        eig = np.linalg.eigvalsh(cov)
        raise ValueError(f"{name} must be positive definite; received a matrix with smallest "
                         f"eigenvalue {eig.min():.3g}") from None
    return float(2.0 * np.sum(np.log(np.diag(chol))))


def _indices(idx: int | Sequence[int], size: int, what: str) -> list[int]:
    out = [int(idx)] if isinstance(idx, (int, np.integer)) else [int(i) for i in idx]
    if not out or any(not 0 <= i < size for i in out) or len(set(out)) != len(out):
        raise ValueError(f"{what} must be distinct indices in 0..{size - 1}; received {idx!r}")
    return out


def gaussian_mutual_information(cov: object, a_idx: int | Sequence[int],
                                b_idx: int | Sequence[int], *, base: float = 2) -> float:
    """Mutual information I(A; B) of jointly Gaussian variables from their covariance.

    Parameters
    ----------
    cov : array_like, shape (D, D)
        Positive definite covariance of all variables.
    a_idx, b_idx : int or sequence of int
        Disjoint groups of rows/columns of ``cov`` forming A and B.
    base : float, default 2
        Logarithm base (2: bits, ``numpy.e``: nats).

    Returns
    -------
    float
        1/2 log(det Sigma_A det Sigma_B / det Sigma_AB) >= 0, in units of ``base``.
    """
    c = validate_covariance(cov)
    a = _indices(a_idx, c.shape[0], "a_idx")
    b = _indices(b_idx, c.shape[0], "b_idx")
    if set(a) & set(b):
        raise ValueError(f"a_idx and b_idx must be disjoint; received {a_idx!r} and {b_idx!r}")
    if not (np.isfinite(base) and base > 0 and base != 1):
        raise ValueError(f"base must be a finite number > 0 and != 1; received {base!r}")
    ab = a + b
    nats = 0.5 * (log_det(c[np.ix_(a, a)]) + log_det(c[np.ix_(b, b)])
                  - log_det(c[np.ix_(ab, ab)]))
    return max(nats, 0.0) / float(np.log(base))


def _log_det_bias_nats(d: int, n: int) -> float:
    """E[log det S] - log det Sigma for the unbiased sample covariance, without the
    d log(2 / (n - 1)) term, which cancels in every mutual information."""
    return float(np.sum(digamma((n - np.arange(1, d + 1)) / 2.0)))


def mutual_information_bias(d_a: int, d_b: int, n: int) -> float:
    """Expected excess of the plug-in Gaussian mutual information, in bits.

    E[I_hat(A; B)] - I(A; B) for the plug-in estimate from the unbiased sample covariance of
    n independent Gaussian samples; it does not depend on the true covariance.

    Parameters
    ----------
    d_a, d_b : int
        Dimensions of A and B (>= 1).
    n : int
        Number of samples, n > d_a + d_b.

    Returns
    -------
    float
        The bias in bits (> 0); about d_a d_b / (2 n ln 2) for large n.
    """
    if min(d_a, d_b) < 1 or n <= d_a + d_b:
        raise ValueError(f"the bias needs d_a, d_b >= 1 and n > d_a + d_b; received "
                         f"d_a={d_a}, d_b={d_b}, n={n}")
    nats = 0.5 * (_log_det_bias_nats(d_a, n) + _log_det_bias_nats(d_b, n)
                  - _log_det_bias_nats(d_a + d_b, n))
    return nats / _LN2


@dataclass(frozen=True)
class JointGaussian:
    """The estimated joint covariance of (X1, X2, Y) and how it was obtained.

    Attributes
    ----------
    cov : numpy.ndarray, shape (d1 + d2 + dy, d1 + d2 + dy)
        Covariance, variables in the order X1, X2, Y.
    dims : tuple of int
        (d1, d2, dy) after constant columns were dropped.
    n_samples : int
        Number of samples behind ``cov``.
    shrinkage : float
        Shrinkage intensity applied (0: none).
    details : dict
        ``dims``, ``shrinkage``, ``dropped_constant_columns`` per variable,
        ``discrete_target``.
    target_entropy : float, optional
        Entropy H(Y) in bits of the empirical class frequencies when Y is a class label; no
        information about Y can exceed it. None for a continuous target.
    """

    cov: np.ndarray
    dims: tuple[int, int, int]
    n_samples: int
    shrinkage: float
    details: dict = field(default_factory=dict)
    target_entropy: float | None = None

    def mutual_informations(self, bias_correction: bool = False) -> tuple[float, float, float]:
        """I(X1; Y), I(X2; Y) and I(X1, X2; Y) in bits.

        With ``bias_correction`` each has the exact plug-in bias
        (:func:`mutual_information_bias`) subtracted, so it may fall below zero.

        Raises
        ------
        ValueError
            For a class-label target, a Gaussian information above H(Y) (``target_entropy``):
            the class indicators are far from Gaussian given the sources (classes that the
            sources separate well), and every atom would be meaningless.
        """
        d1, d2, dy = self.dims
        x1, x2 = list(range(d1)), list(range(d1, d1 + d2))
        y = list(range(d1 + d2, d1 + d2 + dy))
        out = []
        for what, src in (("I(X1; Y)", x1), ("I(X2; Y)", x2), ("I(X1, X2; Y)", x1 + x2)):
            value = gaussian_mutual_information(self.cov, src, y)
            if self.target_entropy is not None and value > self.target_entropy + 1e-9:
                raise ValueError(
                    f"the Gaussian model gives {what} = {value:.3g} bits for a class-label "
                    f"target whose entropy H(Y) is {self.target_entropy:.3g} bits; no "
                    f"information about Y can exceed H(Y), so the Gaussian approximation of "
                    f"the class indicators fails on these data. Use estimator='cluster' "
                    f"(discretises the sources, exact plug-in on the labels), or pass y as "
                    f"floats if it is a continuous quantity")
            if bias_correction:
                value -= mutual_information_bias(len(src), dy, self.n_samples)
            out.append(value)
        return out[0], out[1], out[2]


def joint_from_covariance(cov: object, dims: Sequence[int]) -> JointGaussian:
    """A known covariance of (X1, X2, Y) as a :class:`JointGaussian` (exact, no samples).

    Parameters
    ----------
    cov : array_like, shape (d1 + d2 + dy, d1 + d2 + dy)
        Positive definite covariance, variables in the order X1, X2, Y.
    dims : sequence of 3 int
        (d1, d2, dy), each >= 1.
    """
    c = validate_covariance(cov)
    d = tuple(int(v) for v in dims)
    if len(d) != 3 or min(d) < 1 or sum(d) != c.shape[0]:
        raise ValueError(f"dims must be (d1, d2, dy), each >= 1, summing to the size of cov "
                         f"({c.shape[0]}); received {tuple(dims)}")
    return JointGaussian(cov=c, dims=(d[0], d[1], d[2]), n_samples=0, shrinkage=0.0)


def resolve_bias_correction(bias_correction: bool | None, shrinkage: object) -> bool:
    """``None`` means: correct when no shrinkage is applied (the bias formula assumes the
    plain sample covariance); asking for both is an error."""
    if bias_correction is None:
        return shrinkage is None
    if bias_correction and shrinkage is not None:
        raise ValueError("bias_correction=True assumes the plain sample covariance and cannot "
                         f"be combined with shrinkage={shrinkage!r}; pass one of them")
    return bool(bias_correction)


def joint_gaussian(x1: object, x2: object, y: object, *,
                   shrinkage: str | float | None = None) -> JointGaussian:
    """Validate samples of (X1, X2, Y) and estimate their joint covariance.

    Parameters
    ----------
    x1 : array_like, shape (n,) or (n, d1)
    x2 : array_like, shape (n,) or (n, d2)
    y : array_like, shape (n,) or (n, dy)
        Float: continuous; integer or boolean (n,): class label (see :func:`target_columns`).
    shrinkage : {None, "ledoit_wolf"} or float, default None
        See :func:`sample_covariance`.

    Returns
    -------
    JointGaussian

    Raises
    ------
    ValueError
        NaN or inf, mismatched lengths, a variable whose columns are all constant, fewer than
        2 (d1 + d2 + dy) samples without shrinkage, or a singular covariance without
        shrinkage. Constant columns of a variable that has others are dropped (a constant
        carries no information, so no information quantity changes) and listed in
        ``details["dropped_constant_columns"]``.
    """
    a1, a2 = as_samples(x1, "x1"), as_samples(x2, "x2")
    ay, discrete = target_columns(y)
    n = _check_lengths((a1, a2, ay), ("x1", "x2", "y"))
    dropped = {}
    parts = []
    for name, arr in (("x1", a1), ("x2", a2), ("y", ay)):
        kept, gone = _drop_constant(arr, name)
        parts.append(kept)
        if gone:
            dropped[name] = gone
    dims = (parts[0].shape[1], parts[1].shape[1], parts[2].shape[1])
    total = sum(dims)
    if shrinkage is None and n < 2 * total:
        raise ValueError(f"the Gaussian estimators need n >= 2 (d1 + d2 + dy) = {2 * total} "
                         f"samples without shrinkage; received n={n} for dimensions {dims}. "
                         f"Pass shrinkage='ledoit_wolf' or reduce the dimension")
    cov, delta = sample_covariance(np.hstack(parts), shrinkage)
    if shrinkage is None:
        std = np.sqrt(np.diag(cov))
        smallest = float(np.linalg.eigvalsh(cov / np.outer(std, std))[0])
        if smallest < SINGULAR_TOLERANCE:
            raise ValueError(f"the sample covariance of (x1, x2, y) is singular (smallest "
                             f"eigenvalue of the correlation matrix {smallest:.3g}): some "
                             f"columns are linear combinations of others, so the information "
                             f"is infinite. Remove them or pass shrinkage='ledoit_wolf'")
    entropy = None
    if discrete:
        freq = np.append(ay.mean(axis=0), 1.0 - ay.sum(axis=1).mean())
        freq = freq[freq > 0]
        entropy = float(-np.sum(freq * np.log2(freq)))
    return JointGaussian(cov=cov, dims=dims, n_samples=n, shrinkage=delta,
                         details={"dims": dims, "shrinkage": delta,
                                  "dropped_constant_columns": dropped,
                                  "discrete_target": discrete},
                         target_entropy=entropy)
