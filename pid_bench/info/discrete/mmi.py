"""The minimum mutual information (MMI) decomposition.

The redundancy is the smaller of the two source informations, R = min(I(X1;Y), I(X2;Y)), so
the weaker source has no unique information. Barrett (2015), "Exploration of synergistic and
redundant information sharing in static and dynamical Gaussian systems", Phys. Rev. E 91,
052802, shows that for jointly Gaussian sources and a scalar target the decompositions that
depend only on the (X_i, Y) marginals reduce to it. On discrete distributions it is a simple
baseline; all atoms are non-negative.
"""

from __future__ import annotations

import numpy as np

from pid_bench.info.result import PIDResult
from pid_bench.info.shannon import source_target_informations
from pid_bench.info.validation import validate_joint

__all__ = ["mmi"]


def mmi(p: np.ndarray) -> PIDResult:
    """Minimum-mutual-information partial information decomposition.

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y), summing to 1; zeros allowed.

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="mmi"``.

    Examples
    --------
    AND: R = min(I(X1;Y), I(X2;Y)) = 0.311278 bits; of I(X1,X2;Y) = 0.811278 bits, the other
    0.5 bits are synergy.

    >>> import numpy as np
    >>> from pid_bench.info.discrete.mmi import mmi
    >>> p = np.array([[[0.25, 0], [0.25, 0]], [[0.25, 0], [0, 0.25]]])  # p[x1, x2, y], AND
    >>> r = mmi(p)
    >>> [round(v, 6) for v in r.atoms().tolist()], round(r.total, 6)
    ([0.311278, 0.0, 0.0, 0.5], 0.811278)
    """
    mi1, mi2, mi12 = source_target_informations(validate_joint(p, ndim=3))
    return PIDResult.from_redundancy(min(mi1, mi2), mi1, mi2, mi12, measure="mmi")
