"""Reference decompositions computed by dit (James, Ellison and Crutchfield 2018).

dit is a test-only dependency (``pip install pid-bench[test]``); it is imported on first use.
Its solvers are independent of pid-bench's and serve as the reference in tests and
benchmarks. They are slow on large alphabets, and its default BROJA solver is inaccurate on
some distributions (see the benchmark in ``benchmarks/pid_speed.py``).
"""

from __future__ import annotations

import importlib

import numpy as np

from pid_bench.info.result import PIDResult
from pid_bench.info.validation import validate_joint

__all__ = ["dit_pid", "DIT_MEASURES"]

#: pid-bench measure name -> class in ``dit.pid``.
DIT_MEASURES = {"imin": "PID_WB", "mmi": "PID_MMI", "ccs": "PID_CCS", "broja": "PID_BROJA"}

#: dit lattice nodes of the two-source atoms, in the order R, U1, U2, S.
_NODES = (((0,), (1,)), ((0,),), ((1,),), ((0, 1),))


def _import_dit():
    try:
        return importlib.import_module("dit"), importlib.import_module("dit.pid")
    except ImportError as exc:
        raise ImportError("the dit reference needs the test extra: pip install "
                          "pid-bench[test]") from exc


def dit_pid(p: np.ndarray, measure: str) -> PIDResult:
    """Decompose a joint distribution with dit's implementation of a measure.

    Parameters
    ----------
    p : array_like, shape (|X1|, |X2|, |Y|)
        Joint probabilities p(x1, x2, y), summing to 1.
    measure : str
        One of ``"imin"`` (dit's ``PID_WB``), ``"mmi"``, ``"ccs"``, ``"broja"``.

    Returns
    -------
    PIDResult
        Atoms in bits, ``measure="dit:<measure>"``; ``details["dit_version"]``.

    Raises
    ------
    ValueError
        Unknown measure or invalid ``p``.
    ImportError
        dit is not installed.
    """
    if measure not in DIT_MEASURES:
        raise ValueError(f"unknown dit reference measure {measure!r}; known: "
                         f"{', '.join(sorted(DIT_MEASURES))}")
    arr = validate_joint(p, ndim=3)
    dit, dit_pid_module = _import_dit()
    cells = np.argwhere(arr > 0)
    dist = dit.Distribution([tuple(int(v) for v in c) for c in cells],
                            [float(arr[tuple(c)]) for c in cells])
    decomposition = getattr(dit_pid_module, DIT_MEASURES[measure])(dist, [[0], [1]], [2])
    atoms = [float(decomposition.get_pi(node)) for node in _NODES]
    return PIDResult(*atoms, measure=f"dit:{measure}", details={"dit_version": dit.__version__})
