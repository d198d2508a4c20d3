"""Discretise, then decompose exactly: the clustering estimator (Liang et al., NeurIPS 2023).

Each modality (and a continuous target) is mapped to one of ``n_clusters`` codes by k-means
on its standardised columns (scikit-learn, imported on first use) or, for one column, by
quantile bins; a variable with at most ``n_clusters`` distinct rows keeps those rows as its
codes, and an integer (n,) variable is taken as codes already. The exact discrete measure
(BROJA by default) is applied to the plug-in joint of the codes.

Shuffle correction of the plug-in bias (documented choice). A plug-in joint from n samples
overstates every information quantity, by roughly (cells - 1) / (2 n ln 2) bits. Permuting
the target codes keeps the joint of (x1, x2) and the target's marginal but destroys every
dependence between them, so the decomposition of a permuted joint consists of pure bias. The
corrected atoms are the plug-in atoms minus the mean atoms of ``n_shuffles`` permutations
(as in Panzeri et al.'s shuffle subtraction for information estimates), projected to a valid
decomposition (:func:`pid_bench.info.continuous.correction.valid_decomposition`). The bias
under independence is an approximation of the bias under dependence: it can over-correct
where the dependence concentrates the mass on few cells.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from pid_bench.info.continuous.correction import valid_decomposition
from pid_bench.info.continuous.gaussian import as_samples
from pid_bench.info.registry import pid
from pid_bench.info.result import ATOMS, PIDResult
from pid_bench.info.samples import encode_labels, joint_from_samples

__all__ = ["cluster", "discretize", "discrete_pid"]

_METHODS = ("kmeans", "quantile")


def _check_count(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; received {value!r}")
    return int(value)


def discretize(x: object, n_clusters: int = 8, *, method: str = "kmeans",
               seed: int | np.random.Generator | None = 0, n_init: int = 3,
               name: str = "x") -> np.ndarray:
    """Codes 0..K-1 (K <= ``n_clusters``) for the samples of one variable.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        Integer (n,): already codes, re-numbered 0..K-1 and returned (any K). Otherwise
        numeric samples.
    n_clusters : int, default 8
        Largest number of codes.
    method : {"kmeans", "quantile"}, default "kmeans"
        k-means on the columns standardised to unit variance, or (one column only) bins
        between the 1/K, ..., (K-1)/K quantiles. Either way, a variable with at most
        ``n_clusters`` distinct rows is coded by its distinct rows.
    seed : int or numpy.random.Generator, optional
        Seed of the k-means initialisation.
    n_init : int, default 3
        Number of k-means initialisations (the best is kept).
    name : str
        Name used in error messages.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    raw = np.asarray(x)
    if raw.dtype.kind in "biu" and raw.ndim == 1:
        return encode_labels(raw, name)
    arr = as_samples(raw, name)
    k = _check_count("n_clusters", n_clusters, 2)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; received {method!r}")
    rows, codes = np.unique(arr, axis=0, return_inverse=True)
    if rows.shape[0] <= k:
        return codes.reshape(-1).astype(np.int64)
    if method == "quantile":
        if arr.shape[1] != 1:
            raise ValueError(f"quantile bins need one column; {name} has shape {arr.shape}. "
                             f"Use method='kmeans' for vectors")
        edges = np.quantile(arr[:, 0], np.arange(1, k) / k)
        return encode_labels(np.searchsorted(edges, arr[:, 0], side="right"), name)
    spread = arr.std(axis=0)
    scaled = arr[:, spread > 0] / spread[spread > 0]
    state = int(np.random.default_rng(seed).integers(0, 2**31 - 1))
    kmeans = importlib.import_module("sklearn.cluster").KMeans
    model = kmeans(n_clusters=k, n_init=_check_count("n_init", n_init, 1), random_state=state)
    return encode_labels(model.fit_predict(scaled), name)


def discrete_pid(c1: object, c2: object, cy: object, *, measure: str = "broja",
                 n_shuffles: int = 5, seed: int | np.random.Generator | None = 0,
                 **measure_options: Any) -> PIDResult:
    """Plug-in decomposition of discrete samples with the shuffle correction.

    Parameters
    ----------
    c1, c2, cy : array_like, shape (n,)
        Labels of x1, x2 and the target (any hashable values).
    measure : str, default "broja"
        Discrete measure (``pid_bench.measures()``).
    n_shuffles : int, default 5
        Number of target permutations for the correction (0: plug-in only).
    seed : int or numpy.random.Generator, optional
        Seed of the permutations.
    **measure_options
        Passed to the measure.

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure`` as given; ``details`` holds ``plugin`` (uncorrected atoms),
        ``shuffle_bias`` (mean atoms of the permuted joints), ``n_shuffles``, ``shape`` of the
        plug-in joint and ``clipped``.
    """
    n_shuffles = _check_count("n_shuffles", n_shuffles, 0)
    codes = [encode_labels(v, k) for k, v in (("x1", c1), ("x2", c2), ("y", cy))]
    p = joint_from_samples(*codes)
    plugin = pid(p, measure, **measure_options)
    details: dict[str, Any] = {"plugin": plugin.to_dict(), "n_shuffles": n_shuffles,
                               "shape": p.shape}
    if n_shuffles == 0:
        return valid_decomposition(plugin.mi1, plugin.mi2, plugin.total, plugin.redundancy,
                                   measure=measure, details=details)
    rng = np.random.default_rng(seed)
    bias = np.mean([pid(joint_from_samples(codes[0], codes[1], rng.permutation(codes[2])),
                        measure, **measure_options).atoms() for _ in range(n_shuffles)], axis=0)
    details["shuffle_bias"] = dict(zip(ATOMS, bias.tolist()))
    r, u1, u2, s = plugin.atoms() - bias
    return valid_decomposition(r + u1, r + u2, r + u1 + u2 + s, r, measure=measure,
                               details=details)


def cluster(x1: object, x2: object, y: object, *, n_clusters: int = 8,
            y_clusters: int | None = None, method: str = "kmeans", measure: str = "broja",
            n_shuffles: int = 5, n_init: int = 3,
            seed: int | np.random.Generator | None = 0) -> PIDResult:
    """PID of continuous samples by discretisation and an exact discrete measure.

    Parameters
    ----------
    x1 : array_like, shape (n,) or (n, d1)
    x2 : array_like, shape (n,) or (n, d2)
        Numeric samples; integer (n,) arrays are taken as codes.
    y : array_like, shape (n,) or (n, dy)
        Integer or boolean (n,): class labels, used as they are. Float: discretised like the
        sources, into ``y_clusters`` codes.
    n_clusters : int, default 8
        Codes per source.
    y_clusters : int, optional
        Codes for a continuous target (default ``n_clusters``).
    method : {"kmeans", "quantile"}, default "kmeans"
        See :func:`discretize`.
    measure : str, default "broja"
        Discrete measure applied to the plug-in joint.
    n_shuffles : int, default 5
        Permutations for the shuffle correction (module docstring); 0 turns it off.
    n_init : int, default 3
        k-means initialisations.
    seed : int or numpy.random.Generator, optional
        Seeds k-means and the permutations.

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="cluster"``; ``details`` as :func:`discrete_pid`'s plus
        ``n_clusters``, ``method`` and ``discrete_measure``.
    """
    a1, a2, ay = np.asarray(x1), np.asarray(x2), np.asarray(y)
    lengths = {k: v.shape[0] if v.ndim else 0 for k, v in (("x1", a1), ("x2", a2), ("y", ay))}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"x1, x2 and y must have the same number of samples; received "
                         f"{lengths}")
    if ay.dtype.kind in "biu" and ay.ndim != 1:
        raise ValueError(f"an integer target is a class label and must have shape (n,); "
                         f"received shape {ay.shape}. Pass floats for a continuous target")
    rng = np.random.default_rng(seed)
    k_y = n_clusters if y_clusters is None else y_clusters
    codes = [discretize(v, k, method=method, seed=rng, n_init=n_init, name=name)
             for name, v, k in (("x1", a1, n_clusters), ("x2", a2, n_clusters), ("y", ay, k_y))]
    result = discrete_pid(*codes, measure=measure, n_shuffles=n_shuffles, seed=rng)
    return PIDResult(result.redundancy, result.unique1, result.unique2, result.synergy,
                     measure="cluster",
                     details={**dict(result.details), "n_clusters": n_clusters,
                              "method": method, "discrete_measure": measure})
