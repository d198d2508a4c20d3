"""I_min, the redundancy of Williams and Beer (2010).

Williams, P. L. and Beer, R. D. (2010), "Nonnegative decomposition of multivariate
information", arXiv:1004.2515. The redundancy is the expected minimum, over the sources, of
the *specific information* that each source gives about one outcome of the target:

    I_min = sum_y p(y) min_i I(X_i; Y = y),
    I(X_i; Y = y) = sum_x p(x | y) log2 [p(y | x) / p(y)]   (a Kullback-Leibler divergence, >= 0).

All four atoms are non-negative. I_min is known to over-count redundancy when the sources
carry different information about the same outcome: on the two-bit copy Y = (X1, X2) it gives
R = S = 1 bit and no unique information (Harder, Salge and Polani 2013).
"""

from __future__ import annotations

import numpy as np

from pid_bench.info.result import PIDResult
from pid_bench.info.shannon import source_target_informations
from pid_bench.info.validation import validate_joint

__all__ = ["imin", "specific_information"]


def specific_information(pxy: np.ndarray) -> np.ndarray:
    """Specific information p(y) I(X; Y = y) of one source about each target outcome.

    Parameters
    ----------
    pxy : numpy.ndarray, shape (|X|, |Y|)
        Joint probabilities of one source and the target, summing to 1.

    Returns
    -------
    numpy.ndarray, shape (|Y|,)
        ``p(y) * I(X; Y = y)`` in bits (weighted by p(y), so that the entries sum to
        I(X;Y); 0 where p(y) = 0).
    """
    px = pxy.sum(axis=1, keepdims=True)
    py = pxy.sum(axis=0, keepdims=True)
    positive = pxy > 0
    terms = np.zeros_like(pxy)
    terms[positive] = pxy[positive] * np.log2(pxy[positive] / (px * py)[positive])
    return terms.sum(axis=0)


def imin(p: np.ndarray) -> PIDResult:
    """Williams-Beer partial information decomposition (redundancy I_min).

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y), summing to 1; zeros allowed.

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="imin"``; ``details["specific_information"]`` holds the
        weighted specific information of each source, shape (2, |Y|).

    Examples
    --------
    On AND, I_min agrees with BROJA (R = 0.311278, S = 0.5 bits):

    >>> import numpy as np
    >>> from pid_bench.info.discrete.imin import imin
    >>> p = np.array([[[0.25, 0], [0.25, 0]], [[0.25, 0], [0, 0.25]]])  # p[x1, x2, y], AND
    >>> [round(v, 6) for v in imin(p).atoms().tolist()]
    [0.311278, 0.0, 0.0, 0.5]

    On COPY, Y = (X1, X2), it counts the two independent bits as one bit of redundancy and one
    of synergy (the over-counting that Harder, Salge and Polani 2013 point out):

    >>> q = np.zeros((2, 2, 4))
    >>> q[(0, 0, 1, 1), (0, 1, 0, 1), (0, 1, 2, 3)] = 0.25  # q[x1, x2, y], Y = (X1, X2)
    >>> [round(v, 6) for v in imin(q).atoms().tolist()]
    [1.0, 0.0, 0.0, 1.0]
    """
    arr = validate_joint(p, ndim=3)
    spec = np.stack([specific_information(arr.sum(axis=1)), specific_information(arr.sum(axis=0))])
    mi1, mi2, mi12 = source_target_informations(arr)
    # Each weighted specific information is between 0 and p(y) I(X_i; Y=y), so R is at most
    # min(I(X1;Y), I(X2;Y)); clip against round-off of the order of 1e-16.
    redundancy = min(float(spec.min(axis=0).sum()), mi1, mi2)
    return PIDResult.from_redundancy(max(redundancy, 0.0), mi1, mi2, mi12, measure="imin",
                                     details={"specific_information": spec})
