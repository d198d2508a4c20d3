import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.optimize import linprog

from pid_bench.info import entropy
from pid_bench.info.discrete import ccs as ccs_module
from pid_bench.info.discrete.ccs import ccs, max_entropy_pairwise
from pid_bench.info.shannon import source_target_informations
from pid_bench.testing.cvxpy_ccs import (
    ccs_redundancy_from,
    marginal_constraints,
    max_entropy_cvxpy,
)
from pid_bench.testing.dit_reference import dit_pid
from pid_bench.testing.fuzz import fuzz_joint
from pid_bench.testing.strategies import joint_distributions, relabelled
from synthetic.discrete import and_, dice, random_distribution, w

ATOL = 1e-10
PAIRS = ((0, 1), (0, 2), (1, 2))


def attainable(p):
    """Cells to which some distribution with p's pairwise marginals gives mass (one LP each)."""
    a, b = marginal_constraints(p)
    out = np.zeros(p.shape, dtype=bool)
    for i, cell in enumerate(np.ndindex(*p.shape)):
        cost = np.zeros(p.size)
        cost[i] = -1.0
        out[cell] = -linprog(cost, A_eq=a, b_eq=b, bounds=(0, None), method="highs").fun > 1e-9
    return out


def log_linear_residual(q, support):
    """Least-squares residual of log q = a(x1,x2) + b(x1,y) + c(x2,y) on the support.

    Zero exactly for the maximum-entropy distribution (its optimality condition)."""
    cells = np.argwhere(support)
    columns, offset = [], 0
    for axes in PAIRS:
        size = int(np.prod([q.shape[a] for a in axes]))
        columns.append(offset + np.ravel_multi_index(tuple(cells[:, a] for a in axes),
                                                     [q.shape[a] for a in axes]))
        offset += size
    design = np.zeros((len(cells), offset))
    for col in columns:
        design[np.arange(len(cells)), col] = 1.0
    target = np.log(q[tuple(cells.T)])
    solution = np.linalg.lstsq(design, target, rcond=None)[0]
    return np.abs(design @ solution - target).max()


def test_and_matches_ince_2017():
    r = ccs(and_())
    np.testing.assert_allclose(r.atoms(), [0.103759, 0.207519, 0.207519, 0.292481], rtol=0,
                               atol=1e-6)
    assert r.measure == "ccs"


def test_w_has_only_itself_as_maximum_entropy_distribution():
    # Matching p(x1, y) and p(x2, y) forces q(0,0,0) = 0 although all its pairwise
    # marginals are positive, so the family is {p}. IPF started on all allowed cells would
    # crawl towards that zero; on the right support it is exact at once.
    q, info = max_entropy_pairwise(w())
    np.testing.assert_array_equal(q, w())
    assert info["cycles"] == 1 and info["newton_steps"] == 0
    np.testing.assert_allclose(ccs(w()).atoms(), [0.0, np.log2(3) - 4 / 3, np.log2(3) - 4 / 3,
                                                  np.log2(4 / 3)], rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed, shape, zero_fraction", [
    (0, (3, 3, 3), 0.0), (1, (2, 3, 3), 0.5), (2, (3, 4, 2), 0.4)])
def test_max_entropy_is_certified_and_matches_an_exponential_cone_solve(seed, shape,
                                                                         zero_fraction):
    p = random_distribution(shape, alpha=0.5, zero_fraction=zero_fraction, seed=seed)
    q, info = max_entropy_pairwise(p)
    assert info["marginal_error"] <= 1e-12
    for axis in range(3):
        np.testing.assert_allclose(q.sum(axis=axis), p.sum(axis=axis), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(q > 0, attainable(p))
    assert log_linear_residual(q, q > 0) < 1e-8
    reference = max_entropy_cvxpy(p)
    np.testing.assert_allclose(q, reference, rtol=0, atol=1e-6)
    assert entropy(q) == pytest.approx(entropy(reference / reference.sum()), abs=1e-6)


def test_newton_finishes_where_ipf_crawls():
    # On this distribution IPF shrinks the marginal error by only ~0.2 % per cycle
    # (about 12,000 cycles to 1e-12); Newton's method on the dual finishes in a few steps.
    p = random_distribution((2, 4, 3), alpha=0.5, zero_fraction=0.6, seed=23)
    q, info = max_entropy_pairwise(p)
    assert info["newton_steps"] > 0 and info["cycles"] == ccs_module.IPF_CYCLES
    assert info["marginal_error"] <= 1e-12
    assert log_linear_residual(q, q > 0) < 1e-8
    np.testing.assert_allclose(q, max_entropy_cvxpy(p), rtol=0, atol=1e-6)


def test_ipf_reports_when_it_cannot_reach_the_tolerance(monkeypatch):
    monkeypatch.setattr(ccs_module, "NEWTON_MAX_PARAMETERS", 0)
    p = random_distribution((2, 4, 3), alpha=0.5, zero_fraction=0.6, seed=23)
    with pytest.raises(RuntimeError, match="did not reach a marginal error of 1e-12 within 50 "
                                           "cycles"):
        max_entropy_pairwise(p, max_iter=50)


@pytest.mark.parametrize("kwargs, message", [
    ({"tol": 0}, "tol must be a positive number; received 0"),
    ({"tol": "small"}, "tol must be a positive number"),
    ({"max_iter": 0}, "max_iter must be a positive integer; received 0"),
    ({"max_iter": 2.5}, "max_iter must be a positive integer"),
])
def test_bad_options_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ccs(and_(), **kwargs)


@pytest.mark.parametrize("seed, shape, zero_fraction", [
    (38, (2, 3, 3), 0.6), (4, (3, 3, 4), 0.3), (5, (4, 2, 3), 0.5)])
def test_decomposition_matches_ince_formula_on_an_independent_max_entropy_solve(
        seed, shape, zero_fraction):
    p = random_distribution(shape, alpha=0.5, zero_fraction=zero_fraction, seed=seed)
    expected = ccs_redundancy_from(max_entropy_cvxpy(p))
    assert ccs(p).redundancy == pytest.approx(expected, abs=1e-6)


def test_unique_information_can_be_negative():
    p = random_distribution((2, 3, 3), alpha=0.5, zero_fraction=0.6, seed=38)
    r = ccs(p)
    mi1 = source_target_informations(p)[0]
    assert r.redundancy > mi1 + 0.05
    assert r.unique1 < -0.05


@pytest.mark.parametrize("seed, shape", [(0, (2, 2, 2)), (1, (3, 4, 2)), (2, (4, 4, 4))])
def test_agrees_with_dit_on_full_support(seed, shape):
    # dit 2.3 fits its maximum-entropy distribution by IPF and falls back to SLSQP when IPF
    # stalls; with zeros that fallback leaves marginal errors up to ~3e-5 (measured), so the
    # comparison with dit is made where every cell is positive.
    p = random_distribution(shape, alpha=0.5, seed=seed)
    np.testing.assert_allclose(ccs(p).atoms(), dit_pid(p, "ccs").atoms(), rtol=0, atol=1e-8)


@settings(max_examples=30, deadline=None)
@given(joint_distributions(max_side=3))
def test_identities_and_invariances(p):
    r = ccs(p)
    mi1, mi2, mi12 = source_target_informations(p)
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=ATOL)
    assert r.total == pytest.approx(mi12, abs=ATOL)
    assert r.details["marginal_error"] <= 1e-12
    np.testing.assert_array_equal(r.details["q"] > 0, attainable(p))
    np.testing.assert_allclose(ccs(p.transpose(1, 0, 2)).atoms(), r.swapped().atoms(),
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(ccs(relabelled(p, 2)).atoms(), r.atoms(), rtol=0, atol=1e-9)


def test_a_source_independent_of_everything_shares_nothing():
    # i(x2; y) = 0 everywhere, so no local co-information has a matching nonzero sign.
    p = np.einsum("ay,b->aby", random_distribution((3, 4), seed=6),
                  random_distribution(3, seed=7))
    r = ccs(p)
    mi1 = source_target_informations(p)[0]
    np.testing.assert_allclose(r.atoms(), [0.0, mi1, 0.0, 0.0], rtol=0, atol=1e-10)


def test_identical_sources_are_fully_redundant():
    # With X1 = X2 the maximum-entropy q is p and c = i(x1; y) at every outcome.
    pxy = random_distribution((4, 3), seed=8)
    p = np.zeros((4, 4, 3))
    p[np.arange(4), np.arange(4)] = pxy
    np.testing.assert_allclose(ccs(p).atoms(), [source_target_informations(p)[0], 0, 0, 0],
                               rtol=0, atol=1e-10)


def test_correlated_dice_sum_against_the_independent_solve():
    # dit's maximum-entropy fit is off by ~3e-5 here (see the canonical table test); the
    # exponential-cone solve and Ince's formula written out give the reference.
    p = dice(0.5, "sum")
    q, _ = max_entropy_pairwise(p)
    np.testing.assert_allclose(q, max_entropy_cvxpy(p), rtol=0, atol=1e-6)
    assert ccs(p).redundancy == pytest.approx(ccs_redundancy_from(q), abs=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_dit_on_8x8x8(seed):
    p = random_distribution((8, 8, 8), alpha=0.5, seed=seed)
    np.testing.assert_allclose(ccs(p).atoms(), dit_pid(p, "ccs").atoms(), rtol=0, atol=1e-8)


def test_newton_finishes_where_the_objective_can_no_longer_resolve_a_decrease():
    # Found by hypothesis: the fit has a cell near 3e-6 and, after 3 Newton steps, a predicted
    # decrease (1e-17) below the objective's resolution; the line search used to halve the step
    # to nothing and stall at a marginal error of 1.6e-10.
    a, b = 0.0908445706174592, 0.0007097232079489
    p = np.array([[[0, a, 0], [0, a, a], [0, a, 0]], [[a, a, a], [a, b, 0], [a, a, a]]])
    for joint in (p, p.transpose(1, 0, 2)):
        q, info = max_entropy_pairwise(joint)
        assert info["newton_steps"] <= 10 and info["marginal_error"] <= 1e-12
        r = ccs(joint)
        mi1, _, mi12 = source_target_informations(joint)
        assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=ATOL)
        assert r.total == pytest.approx(mi12, abs=ATOL)


@pytest.mark.parametrize("index", [0, 1491])
def test_newton_fits_marginals_spanning_thirty_decades(index):
    # Fuzz joints (Dirichlet draws with cells down to 1e-33) on which the unscaled Newton
    # solves stalled at marginal errors of 2e-11 and 5e-12: the directions of the tiny
    # marginals fell under lstsq's cut-off. With Jacobi scaling they are corrected.
    _, p = fuzz_joint(index)
    q, info = max_entropy_pairwise(p)
    assert info["newton_steps"] > 0 and info["marginal_error"] <= 1e-12
    r = ccs(p)
    mi1, _, mi12 = source_target_informations(p)
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=ATOL)
    assert r.total == pytest.approx(mi12, abs=ATOL)
    # Clarabel may warn that its solution is inaccurate here; 1e-5 bits (measured: 2e-6).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = ccs_redundancy_from(max_entropy_cvxpy(p))
    assert r.redundancy == pytest.approx(expected, abs=1e-5)


def _check_against_the_cone_solve(p, r):
    mi1, _, mi12 = source_target_informations(p)
    assert r.details["marginal_error"] <= 1e-12
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=ATOL)
    assert r.total == pytest.approx(mi12, abs=ATOL)
    with warnings.catch_warnings():     # Clarabel: "may be inaccurate" on these
        warnings.simplefilter("ignore", UserWarning)
        expected = ccs_redundancy_from(max_entropy_cvxpy(p))
    assert r.redundancy == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("index", [4614, 9653])
def test_newton_keeps_the_directions_of_thin_feasible_sets(index):
    # Fuzz joints whose maximum-entropy fit must move a few 1e-12 of mass between cells that
    # a cell of ~4e-12 separates from the boundary of the feasible set (curvature 1e-22 next
    # to 1): in the formed Hessian those directions vanished under round-off and Newton
    # stalled at marginal errors of 9.5e-12 and 1.4e-9. From the factor's SVD they are kept.
    # (On an AVX2 CPU 9653's fit prunes a cell instead: the path depends on the CPU's
    # floating-point kernels, the fit's agreement with the cone solve does not.)
    _, p = fuzz_joint(index)
    _check_against_the_cone_solve(p, ccs(p))


def test_a_fit_with_no_acceptable_newton_step_is_certified():
    # Y = f(X1, X2) with marginals down to 6e-33: the Newton direction of the formed Hessian,
    # its Jacobi scaling floored at 1e-24, had no acceptable step length at a marginal error
    # of 1.9e-5, and ccs raised. The SVD's directions take the fit to a stall near 1e-12;
    # without its two cells below 1e-30 it converges. (On an AVX2 CPU it converges without
    # pruning: the path depends on the CPU's floating-point kernels.)
    _, p = fuzz_joint(3659)
    q, info = max_entropy_pairwise(p)
    assert info["newton_steps"] > 0 and 0 <= info["pruned_mass"] < 1e-29
    _check_against_the_cone_solve(p, ccs(p))


def test_a_stalled_fit_prunes_negligible_cells_within_the_tolerance():
    # Cells of 8e-22 make the attainable region so thin that the fit stalls at a marginal
    # error of 1.8e-12 whatever the direction; without the four cells below 1e-20 (total
    # mass 7.9e-22) it converges, and its marginals are within 1e-12 of p's own.
    _, p = fuzz_joint(7096)
    q, info = max_entropy_pairwise(p)
    assert info["pruned_cells"] == 4 and 0 < info["pruned_mass"] < 1e-21
    for axis in range(3):
        np.testing.assert_allclose(q.sum(axis=axis), p.sum(axis=axis), rtol=0, atol=1e-12)
    _check_against_the_cone_solve(p, ccs(p))


def test_a_genuine_failure_says_what_was_reached(monkeypatch):
    monkeypatch.setattr(ccs_module, "PRUNE_DECADES", (25,))
    _, p = fuzz_joint(7096)
    with pytest.raises(RuntimeError, match=r"stalled at a marginal error of 1\.\d+e-12 \(tol "
                                           r"1e-12; .*; cells below 1e-25 pruned: Newton's "
                                           r"method stalled at a marginal error of 1\.\d+e-12"):
        max_entropy_pairwise(p)
