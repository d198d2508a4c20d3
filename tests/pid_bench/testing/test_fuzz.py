"""The fuzz set of degenerate joints (pid_bench.testing.fuzz) and the solvers on it: every
joint gets a certified BROJA answer and a certified CCS answer, each checked against closed
forms where they exist and against independent exponential-cone solves.

Certified means: for BROJA, a duality gap of at most 1e-9 bits, within which (plus the
reference's own accuracy) the atoms must equal cvxpy's; for CCS, a maximum-entropy fit whose
pairwise marginals are within 1e-12 of p's (the fit is exactly the maximum-entropy
distribution of its own marginals, after pruning at most 1e-13 of mass where it had to),
whose redundancy must equal the one computed from cvxpy's maximum-entropy distribution
within that reference's accuracy.

A fast sample (every 50th joint: 200 joints, every kind) runs by default; the full set of
10,000 joints is a slow test.
"""

import warnings

import numpy as np
import pytest

from pid_bench.info.discrete.broja import broja
from pid_bench.info.discrete.ccs import ccs
from pid_bench.info.shannon import (
    conditional_mutual_information,
    source_target_informations,
)
from pid_bench.testing.cvxpy_broja import broja_cvxpy
from pid_bench.testing.cvxpy_ccs import ccs_redundancy_from, max_entropy_cvxpy
from pid_bench.testing.fuzz import FUZZ_KINDS, fuzz_joint, fuzz_joints

TOL = 1e-9
ROUND = 1e-12
#: Clarabel's accuracy on these inputs: its q misses the marginals by up to ~6e-8 (L1) where
#: masses span 30 decades, which moves its atoms by up to ~4e-7 bits (measured).
REFERENCE = 1e-6
#: The cvxpy maximum-entropy reference is less accurate still (Clarabel warns "inaccurate"
#: on some of these joints, and its sum skips outcomes below 1e-7; differences up to
#: 2.5e-6 bits measured on the fast sample).
CCS_REFERENCE = 1e-5


def _check_broja(kind, p, r):
    gap, q = r.details["duality_gap"], r.details["q"]
    assert 0.0 <= gap <= TOL and np.all(q >= 0)
    np.testing.assert_allclose(q.sum(axis=1), p.sum(axis=1), rtol=0, atol=ROUND)
    np.testing.assert_allclose(q.sum(axis=0), p.sum(axis=0), rtol=0, atol=ROUND)
    mi1, mi2, mi12 = source_target_informations(p)
    assert min(r.atoms()) >= 0.0
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=ROUND)
    assert r.redundancy + r.unique2 == pytest.approx(mi2, abs=ROUND)
    assert r.total == pytest.approx(mi12, abs=ROUND)
    assert r.unique1 == pytest.approx(conditional_mutual_information(q, 0, 2, 1),
                                      abs=gap + ROUND)
    # Closed forms: p is optimal when X2 adds nothing about Y to X1.
    if kind == "x1_equals_x2":
        np.testing.assert_allclose(r.atoms(), [mi1, 0, 0, 0], rtol=0, atol=gap + ROUND)
    if kind == "function_of_one":
        np.testing.assert_allclose(r.atoms(), [mi2, mi1 - mi2, 0, 0], rtol=0,
                                   atol=gap + ROUND)


def _check_ccs(kind, p, r):
    mi1, mi2, mi12 = source_target_informations(p)
    assert r.details["marginal_error"] <= 1e-12 and r.details["pruned_mass"] <= 1e-13
    q = r.details["q"]
    for axis in range(3):
        np.testing.assert_allclose(q.sum(axis=axis), p.sum(axis=axis), rtol=0, atol=1e-12)
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=1e-10)
    assert r.redundancy + r.unique2 == pytest.approx(mi2, abs=1e-10)
    assert r.total == pytest.approx(mi12, abs=1e-10)
    # Closed form: with X1 = X2 the maximum-entropy q is p and every local co-information
    # equals i(x1; y), so R = I(X1; Y).
    if kind == "x1_equals_x2":
        np.testing.assert_allclose(r.atoms(), [mi1, 0, 0, 0], rtol=0, atol=1e-10)


def _check_broja_reference(p, r):
    np.testing.assert_allclose(r.atoms(), broja_cvxpy(p).atoms(), rtol=0,
                               atol=r.details["duality_gap"] + REFERENCE)


def _check_ccs_reference(p, r):
    assert r.redundancy == pytest.approx(ccs_redundancy_from(max_entropy_cvxpy(p)),
                                         abs=CCS_REFERENCE)


#: measure -> (solver, checks of its answer, comparison with the cone solve)
SOLVERS = {"broja": (broja, _check_broja, _check_broja_reference),
           "ccs": (ccs, _check_ccs, _check_ccs_reference)}


def _run(measure, every, reference_every):
    solve, check, check_reference = SOLVERS[measure]
    failures = []
    for index, kind, p in fuzz_joints(every=every):
        try:
            r = solve(p)
        except RuntimeError as error:   # BrojaConvergenceError is one
            failures.append((index, kind, str(error)))
            continue
        check(kind, p, r)
        if index % reference_every == 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)    # cvxpy's "may be inaccurate"
                check_reference(p, r)
    assert failures == []


def test_joints_are_seeded_valid_and_of_every_kind():
    drawn = list(fuzz_joints(n=70, every=1))
    assert [kind for _, kind, _ in drawn[:7]] == list(FUZZ_KINDS)
    for index, kind, p in drawn:
        again = fuzz_joint(index)
        assert again[0] == kind and np.array_equal(again[1], p)
        assert p.ndim == 3 and min(p.shape) >= 2 and max(p.shape) <= 5
        assert np.all(p >= 0) and p.sum() == pytest.approx(1.0, abs=1e-12)
        if kind == "x1_equals_x2":
            off = ~np.eye(p.shape[0], dtype=bool)
            assert p.shape[0] == p.shape[1] and not p[off].any()
        if kind == "function":
            assert np.all((p > 0).sum(axis=2) <= 1)
        if kind == "function_of_one":
            assert np.all((p.sum(axis=1) > 0).sum(axis=1) <= 1)
        if kind == "point_mass":
            assert p.max() >= 1 - 1e-11
    other_seed = fuzz_joint(3, seed=1)[1]
    assert other_seed.shape != drawn[3][2].shape or not np.array_equal(other_seed, drawn[3][2])
    # Masses from 1e-12 down to 1e-33 are part of the set.
    assert min(p[p > 0].min() for _, _, p in drawn) < 1e-30


@pytest.mark.parametrize("measure", sorted(SOLVERS))
def test_fast_sample_is_certified_and_matches_the_references(measure):
    _run(measure, every=50, reference_every=100)


@pytest.mark.slow
@pytest.mark.parametrize("measure", sorted(SOLVERS))
def test_full_fuzz_set_is_certified_and_matches_the_references(measure):
    _run(measure, every=1, reference_every=1)
