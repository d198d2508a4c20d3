"""Seeded, stratified assignment of samples to pid-bench's splits."""

from __future__ import annotations

import numpy as np

__all__ = ["stratified_split"]


def stratified_split(labels: np.ndarray, *, test_fraction: float, pretrain_fraction: float = 0.0,
                     seed: int | np.random.Generator = 0) -> np.ndarray:
    """Split of each sample, drawn class by class so that every split keeps the class mix.

    Parameters
    ----------
    labels : numpy.ndarray, shape (n,)
        Class of each sample.
    test_fraction : float
        Fraction of each class put in ``"test"``, in (0, 1).
    pretrain_fraction : float, default 0.0
        Fraction of each class put in ``"pretrain"`` (0: no pretraining split; self-supervised
        training then uses ``"train"``).
    seed : int or numpy.random.Generator, default 0
        Seed of the permutation within each class.

    Returns
    -------
    numpy.ndarray of str, shape (n,)
        ``"pretrain"``, ``"train"`` or ``"test"``.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1); received {test_fraction}")
    if not 0 <= pretrain_fraction < 1 - test_fraction:
        raise ValueError(f"pretrain_fraction must be in [0, 1 - test_fraction) = [0, "
                         f"{1 - test_fraction:g}); received {pretrain_fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    split_of = np.full(labels.shape[0], "train", dtype="<U8")
    for value in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == value))
        n_test = int(round(test_fraction * members.size))
        n_pre = int(round(pretrain_fraction * members.size))
        split_of[members[:n_test]] = "test"
        split_of[members[n_test:n_test + n_pre]] = "pretrain"
    return split_of
