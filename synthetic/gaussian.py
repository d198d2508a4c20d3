"""Jointly Gaussian data with a closed-form decomposition.

X1 (d1 numbers), X2 (d2 numbers) and a scalar target Y are jointly Gaussian with a given
covariance, or with a named preset. For a scalar target the common decompositions of Gaussian
sources reduce to the minimum mutual information one (Barrett, Phys. Rev. E 2015):
R = min(I(X1;Y), I(X2;Y)), the weaker source has no unique information, and
S = I(X1,X2;Y) - max(I(X1;Y), I(X2;Y)), with I(A;B) = 1/2 log2(det S_A det S_B / det S_AB).

Presets are a three-variable core (z1, z2, y), all linear-Gaussian:

==============  =========================================================  =====  =====  =====
preset          core                                                       R      U1     S
==============  =========================================================  =====  =====  =====
``redundancy``  z_i = y + n_i, var n_i = 0.25, corr(n1, n2) = 0.8            1.161  0      0.061
``unique``      z1 = y + n1 (var 0.25), z2 = 0.2 y + n2 (var 1)              0.028  1.133  0.006
``synergy``     z1, z2 independent N(0, 1), y = z1 + z2 + e (var e = 0.1)    0.466  0      1.730
``mixed``       z1 = y + n1, z2 = 0.6 y + n2, var n_i = 0.5, cov = -0.2      0.391  0.401  0.421
==============  =========================================================  =====  =====  =====

(bits; y has variance 1 except in ``synergy``; U2 = 0 in all four). For any d1, d2 the core is
embedded: X1 = Q1 [z1, e1], X2 = Q2 [z2, e2] with e_i standard normal noise of d_i - 1 numbers
and Q_i a random orthogonal matrix drawn from the seed. Invertible maps and independent noise
leave every mutual information unchanged, so the decomposition is the core's for every d, while
the information sits in an unknown direction of a d-dimensional space.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.info.continuous.gaussian import validate_covariance
from pid_bench.info.continuous.gaussian_mmi import mmi_from_covariance
from pid_bench.info.result import PIDResult
from synthetic._checks import check_int, check_real, check_seed

__all__ = ["make_gaussian", "gaussian_ground_truth", "preset_covariance", "PRESETS"]

#: Preset name -> covariance of the core (z1, z2, y); see the module docstring.
PRESETS: dict[str, tuple[tuple[float, ...], ...]] = {
    "redundancy": ((1.25, 1.2, 1.0), (1.2, 1.25, 1.0), (1.0, 1.0, 1.0)),
    "unique": ((1.25, 0.2, 1.0), (0.2, 1.04, 0.2), (1.0, 0.2, 1.0)),
    "synergy": ((1.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 1.0, 2.1)),
    "mixed": ((1.5, 0.4, 1.0), (0.4, 0.86, 0.6), (1.0, 0.6, 1.0)),
}

#: Dimension of each modality for presets when d1, d2 are not given.
DEFAULT_PRESET_DIM = 8


def gaussian_ground_truth(cov: np.ndarray, d1: int, d2: int) -> PIDResult:
    """Closed-form MMI decomposition of jointly Gaussian X1, X2 and a scalar Y (Barrett 2015).

    Parameters
    ----------
    cov : array_like, shape (d1 + d2 + 1, d1 + d2 + 1)
        Covariance of (X1, X2, Y) in this order; positive definite.
    d1, d2 : int
        Dimensions of X1 and X2 (at least 1 each).

    Returns
    -------
    PIDResult
        In bits, ``measure="gaussian_mmi"``: the exact decomposition of
        :func:`pid_bench.info.continuous.gaussian_mmi.mmi_from_covariance` with a scalar
        target, where all decompositions that depend on the pairwise marginals agree.
    """
    d1, d2 = check_int("d1", d1, 1), check_int("d2", d2, 1)
    arr = validate_covariance(cov)
    if arr.shape[0] != d1 + d2 + 1:
        raise ValueError(f"cov must have shape ({d1 + d2 + 1}, {d1 + d2 + 1}) for d1 = {d1}, "
                         f"d2 = {d2} and a scalar Y; received {arr.shape}")
    return mmi_from_covariance(arr, (d1, d2, 1))


def _random_orthogonal(rng: np.random.Generator, d: int) -> np.ndarray:
    """Haar-distributed orthogonal matrix: QR of a Gaussian matrix, signs fixed (Mezzadri 2007)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def preset_covariance(preset: str, d1: int, d2: int,
                      seed: int | np.random.Generator = 0) -> np.ndarray:
    """Covariance of (X1, X2, Y) for a preset embedded in d1 and d2 dimensions.

    Parameters
    ----------
    preset : str
        One of ``PRESETS``.
    d1, d2 : int
        Dimensions of X1 and X2 (at least 1 each).
    seed : int or numpy.random.Generator, default 0
        Seed of the random orthogonal embeddings.

    Returns
    -------
    numpy.ndarray, shape (d1 + d2 + 1, d1 + d2 + 1)
        Its decomposition is the preset's core decomposition, for every d1, d2 and seed.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown Gaussian preset {preset!r}; presets: {', '.join(PRESETS)}")
    d1, d2 = check_int("d1", d1, 1), check_int("d2", d2, 1)
    rng = check_seed(seed)
    core = np.array(PRESETS[preset])
    size = d1 + d2 + 1
    ext = np.eye(size)
    pos = [0, d1, size - 1]  # z1, z2 and y in the extended order (z1, e1, z2, e2, y)
    ext[np.ix_(pos, pos)] = core
    embed = np.zeros((size, size))
    embed[:d1, :d1] = _random_orthogonal(rng, d1)
    embed[d1:d1 + d2, d1:d1 + d2] = _random_orthogonal(rng, d2)
    embed[-1, -1] = 1.0
    cov = embed @ ext @ embed.T
    return (cov + cov.T) / 2


def make_gaussian(*, preset: str | None = None, cov: np.ndarray | None = None,
                  d1: int | None = None, d2: int | None = None, n_samples: int = 10000,
                  test_fraction: float = 0.2, seed: int | np.random.Generator = 0,
                  name: str | None = None) -> MultimodalDataset:
    """Jointly Gaussian X1, X2 and a scalar target with their exact decomposition.

    Parameters
    ----------
    preset : {"redundancy", "unique", "synergy", "mixed"}, optional
        Named structure (module docstring); give exactly one of ``preset`` and ``cov``.
    cov : array_like, shape (d1 + d2 + 1, d1 + d2 + 1), optional
        Covariance of (X1, X2, Y); positive definite.
    d1, d2 : int, optional
        Dimensions of X1 and X2. Presets: 8 each by default. ``cov``: a missing one is the rest
        of the size; both missing is allowed for a 3x3 ``cov`` only.
    n_samples : int, default 10000
        Number of samples (at least 2).
    test_fraction : float, default 0.2
        Fraction in (0, 1) of samples in the ``test`` split; the rest is ``train``.
    seed : int or numpy.random.Generator, default 0
        Seeds the preset's embedding and, independently, the samples and the split.
    name : str, optional
        Dataset name; ``"gaussian_<preset>"`` or ``"gaussian"`` by default.

    Returns
    -------
    MultimodalDataset
        Modalities ``x1`` (n, d1) and ``x2`` (n, d2) float32, the continuous task ``"y"``
        (float64, ``n_classes`` 0), ground truth from :func:`gaussian_ground_truth`;
        ``metadata["cov"]`` holds the covariance.

    Raises
    ------
    ValueError
        Neither or both of ``preset`` and ``cov``, an unknown preset, a covariance that is not
        symmetric positive definite or does not match d1 + d2 + 1, bad counts or fractions.

    Examples
    --------
    Y = X1 + X2 + Z with independent standard normal terms: the closed form gives
    R = 1/2 log2(3/2) = 0.292481 bits and S = 1/2 log2(3) - R = 0.5 bits.

    >>> from synthetic import make_gaussian
    >>> data = make_gaussian(cov=[[1, 0, 1], [0, 1, 1], [1, 1, 3]], n_samples=1000, seed=0)
    >>> data
    MultimodalDataset(name='gaussian', x1: (1000, 1), x2: (1000, 1), tasks=['y'], splits={'train': 800, 'test': 200})
    >>> print(data.ground_truth.round(6).to_string())
          redundancy  unique1  unique2  synergy     total
    task
    y       0.292481      0.0      0.0      0.5  0.792481

    A preset at any dimensions:

    >>> make_gaussian(preset="redundancy", d1=4, d2=2, n_samples=500).modalities["x2"].shape
    (500, 2)
    """
    if (preset is None) == (cov is None):
        given = "a matrix" if cov is not None else None
        raise ValueError(f"give exactly one of preset (one of {', '.join(PRESETS)}) and cov; "
                         f"received preset={preset!r} and cov={given}")
    n_samples = check_int("n_samples", n_samples, 2)
    test_fraction = check_real("test_fraction", test_fraction, 0.0, 1.0)
    n_test = int(round(test_fraction * n_samples))
    if not 0 < n_test < n_samples:
        raise ValueError(f"test_fraction must leave at least one train and one test sample; "
                         f"received {test_fraction} of {n_samples} samples")
    rng = check_seed(seed)
    world, draws = rng.spawn(2)
    if preset is not None:
        d1 = DEFAULT_PRESET_DIM if d1 is None else d1
        d2 = DEFAULT_PRESET_DIM if d2 is None else d2
        full = preset_covariance(preset, d1, d2, world)
    else:
        full = validate_covariance(cov)
        size = full.shape[0]
        if d1 is None and d2 is None:
            if size != 3:
                raise ValueError(f"give d1 (and/or d2) to split a {size}x{size} cov into X1 "
                                 f"(d1), X2 (d2) and a scalar Y")
            d1 = d2 = 1
        d1 = size - 1 - check_int("d2", d2, 1) if d1 is None else d1
        d2 = size - 1 - check_int("d1", d1, 1) if d2 is None else d2
    truth = gaussian_ground_truth(full, d1, d2)
    samples = draws.standard_normal((n_samples, d1 + d2 + 1)) @ np.linalg.cholesky(full).T
    split_of = np.full(n_samples, "train", dtype="<U8")
    split_of[draws.permutation(n_samples)[:n_test]] = "test"
    ground_truth = pd.DataFrame([truth.to_series()[list(GROUND_TRUTH_COLUMNS)].to_numpy()],
                                index=pd.Index(["y"], name="task"),
                                columns=list(GROUND_TRUTH_COLUMNS))
    arguments = dict(preset=preset, d1=d1, d2=d2, n_samples=n_samples,
                     test_fraction=test_fraction,
                     seed=None if isinstance(seed, np.random.Generator) else int(seed))
    return MultimodalDataset(
        modalities={"x1": samples[:, :d1].astype(np.float32),
                    "x2": samples[:, d1:d1 + d2].astype(np.float32)},
        tasks={"y": samples[:, -1].copy()}, split_of=split_of, ground_truth=ground_truth,
        n_classes={"y": 0},
        name=name if name is not None else ("gaussian" if preset is None else f"gaussian_{preset}"),
        metadata={"generator": "make_gaussian", "arguments": arguments, "cov": full.tolist()})
