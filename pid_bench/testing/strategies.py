"""Hypothesis strategies and transformations for property tests of PID measures.

Test-only: imports ``hypothesis`` (``pip install pid-bench[test]``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["joint_distributions", "relabelled"]


@st.composite
def joint_distributions(draw: st.DrawFn, min_side: int = 2, max_side: int = 4) -> np.ndarray:
    """Joint distributions p(x1, x2, y) with sides in [min_side, max_side], zeros included.

    Cells are 0 with probability about 1/3, otherwise a weight in [1e-3, 1]; the array is
    normalised to sum 1 (at least one cell is positive).
    """
    shape = tuple(draw(st.integers(min_side, max_side)) for _ in range(3))
    weights = draw(hnp.arrays(np.float64, shape, elements=st.one_of(
        st.just(0.0), st.just(0.0), st.floats(1e-3, 1.0))))
    flat = weights.reshape(-1)
    if flat.sum() == 0:
        flat[draw(st.integers(0, flat.size - 1))] = 1.0
    return flat.reshape(shape) / flat.sum()


def relabelled(p: np.ndarray, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """The same joint distribution with the outcomes of each variable randomly permuted.

    Parameters
    ----------
    p : numpy.ndarray, shape (|X1|, |X2|, |Y|)
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    numpy.ndarray, shape (|X1|, |X2|, |Y|)
    """
    rng = np.random.default_rng(seed)
    return p[np.ix_(*(rng.permutation(n) for n in p.shape))]
