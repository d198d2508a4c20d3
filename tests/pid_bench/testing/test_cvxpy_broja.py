"""Tests of the independent exponential-cone BROJA reference (cvxpy with Clarabel)."""

import numpy as np
import pytest

from pid_bench.info.shannon import source_target_informations
from pid_bench.testing.cvxpy_broja import broja_cvxpy
from synthetic.discrete import and_, w


def test_closed_forms_through_clarabel():
    r = broja_cvxpy(w())
    assert r.measure == "broja_cvxpy" and r.unit == "bits"
    assert r.details["solver"] == "CLARABEL" and r.details["status"] == "optimal"
    np.testing.assert_allclose(r.atoms(), [np.log2(3) - 4 / 3, 0, 0, 2 / 3], rtol=0, atol=1e-6)
    np.testing.assert_allclose(broja_cvxpy(and_()).atoms(),
                               [1.5 - 0.75 * np.log2(3), 0, 0, 0.5], rtol=0, atol=1e-6)


def test_cells_outside_the_pairwise_supports_stay_empty():
    # Y = X1 on a 3 x 2 x 3 joint with an unused value of Y: every feasible q is p itself.
    p = np.zeros((3, 2, 3))
    p[0, :, 0] = p[1, :, 1] = 1 / 6
    p[2, 0, 0], p[2, 1, 1] = 1 / 6, 1 / 6
    r = broja_cvxpy(p)
    q = r.details["q"]
    assert np.all(q[p.sum(axis=1)[:, None, :].repeat(2, axis=1) == 0] == 0)
    np.testing.assert_allclose(q.sum(axis=1), p.sum(axis=1), atol=1e-7)
    mi1, _, mi12 = source_target_informations(p)
    assert r.total == pytest.approx(mi12, abs=1e-12)
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=1e-12)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="must sum to 1"):
        broja_cvxpy(np.ones((2, 2, 2)))


def test_missing_cvxpy_is_reported_with_the_install_command(refuse_import):
    refuse_import("cvxpy")
    with pytest.raises(ImportError, match=r"pip install pid-bench\[test\]"):
        broja_cvxpy(w())
