"""Tests of the dedicated BROJA solver: identities, invariances, the certificate, closed
forms, agreement with an independent exponential-cone solve, errors and degenerate inputs.

Every solve certifies its atoms to within ``duality_gap`` (<= tol) bits of the exact ones,
so two solves of equivalent inputs may differ by up to the sum of their gaps.
"""

import decimal
import time
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings

from pid_bench import pid
from pid_bench.info.discrete import _broja_decimal as decimal_module
from pid_bench.info.discrete import _broja_small as small_module
from pid_bench.info.discrete import broja as broja_module
from pid_bench.info.discrete.broja import BrojaConvergenceError, broja
from pid_bench.info.shannon import (
    conditional_mutual_information,
    mutual_information,
    source_target_informations,
)
from pid_bench.testing.cvxpy_broja import broja_cvxpy
from pid_bench.testing.strategies import joint_distributions, relabelled
from synthetic.discrete import and_, copy, dice, random_distribution, w, xor

TOL = 1e-9
ROUND = 1e-12  # round-off of sums of at most a few thousand terms of size <= 1


def _assert_consistent(p, r, tol=TOL):
    """Checks every solve must pass: certificate, feasibility of q, identities, signs."""
    gap, q = r.details["duality_gap"], r.details["q"]
    assert 0.0 <= gap <= tol
    assert q.shape == p.shape and np.all(q >= 0)
    np.testing.assert_allclose(q.sum(axis=1), p.sum(axis=1), rtol=0, atol=ROUND)
    np.testing.assert_allclose(q.sum(axis=0), p.sum(axis=0), rtol=0, atol=ROUND)
    assert min(r.atoms()) >= 0.0
    mi1, mi2, mi12 = source_target_informations(p)
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=ROUND)
    assert r.redundancy + r.unique2 == pytest.approx(mi2, abs=ROUND)
    assert r.total == pytest.approx(mi12, abs=ROUND)
    # The atoms are those of q, up to the clipping allowed by the gap.
    assert r.unique1 == pytest.approx(conditional_mutual_information(q, 0, 2, 1),
                                      abs=gap + ROUND)
    assert r.unique2 == pytest.approx(conditional_mutual_information(q, 1, 2, 0),
                                      abs=gap + ROUND)
    assert r.synergy == pytest.approx(mi12 - mutual_information(q, (0, 1), 2), abs=gap + ROUND)


@settings(max_examples=40, deadline=None)
@given(joint_distributions())
def test_identities_and_invariances(p):
    r = broja(p)
    assert r.measure == "broja" and r.unit == "bits"
    _assert_consistent(p, r)
    swapped = broja(p.transpose(1, 0, 2))
    _assert_consistent(p.transpose(1, 0, 2), swapped)
    np.testing.assert_allclose(swapped.atoms(), r.swapped().atoms(), rtol=0, atol=2 * TOL)
    for seed in (0, 1):
        np.testing.assert_allclose(broja(relabelled(p, seed)).atoms(), r.atoms(), rtol=0,
                                   atol=2 * TOL)


@pytest.mark.parametrize("make, expected", [
    (xor, (0.0, 0.0, 0.0, 1.0)),
    (and_, (1.5 - 0.75 * np.log2(3), 0.0, 0.0, 0.5)),
    (copy, (0.0, 1.0, 1.0, 0.0)),
    (w, (np.log2(3) - 4 / 3, 0.0, 0.0, 2 / 3)),
    # Harder, Salge and Polani (2013): correlated dice (a = 0.5), Y = X1 + X2.
    (lambda: dice(0.5, "sum"), (1.333991, 0.0, 0.0, 1.947339)),
])
def test_closed_forms(make, expected):
    p = make()
    r = broja(p)
    _assert_consistent(p, r)
    atol = 1e-6 if make not in (xor, and_, copy, w) else TOL + ROUND
    np.testing.assert_allclose(r.atoms(), expected, rtol=0, atol=atol)


def test_w_distribution_where_dit_goes_wrong():
    # dit 2.3's default BROJA returns R = -0.415 bits here; the exact value is log2(3) - 4/3.
    r = pid(w(), "broja")
    assert r.redundancy == pytest.approx(np.log2(3) - 4 / 3, abs=TOL + ROUND)


@pytest.mark.parametrize("seed, shape, zero_fraction", [
    (0, (2, 2, 2), 0.0), (1, (3, 2, 4), 0.3), (2, (4, 4, 4), 0.0), (3, (5, 3, 6), 0.4),
    (4, (6, 6, 6), 0.2), (5, (8, 8, 8), 0.0)])
def test_agrees_with_the_exponential_cone_program(seed, shape, zero_fraction):
    p = random_distribution(shape, alpha=0.5, zero_fraction=zero_fraction, seed=seed)
    ours, reference = broja(p), broja_cvxpy(p)
    _assert_consistent(p, ours)
    np.testing.assert_allclose(ours.atoms(), reference.atoms(), rtol=0, atol=1e-6)
    # q is feasible for both, so its objective I_q(X1,X2;Y) can only exceed the optimum;
    # ours is certified within the gap of it, Clarabel's is within its own tolerance.
    i_ours = mutual_information(ours.details["q"], (0, 1), 2)
    i_ref = mutual_information(reference.details["q"], (0, 1), 2)
    assert i_ours <= i_ref + ours.details["duality_gap"] + 1e-7


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape, zero_fraction", [((8, 8, 8), 0.5), ((7, 8, 9), 0.0),
                                                  ((12, 12, 12), 0.0)])
def test_agrees_with_the_exponential_cone_program_slow(seed, shape, zero_fraction):
    p = random_distribution(shape, alpha=0.5, zero_fraction=zero_fraction, seed=10 + seed)
    np.testing.assert_allclose(broja(p).atoms(), broja_cvxpy(p).atoms(), rtol=0, atol=1e-6)


def test_peaked_and_sparse_distributions_are_certified():
    # Dirichlet(0.05) puts most cells below 1e-20; half the cells are exact zeros.
    for seed in range(3):
        for alpha, zero_fraction in ((0.05, 0.0), (0.5, 0.5)):
            p = random_distribution((6, 7, 5), alpha=alpha, zero_fraction=zero_fraction,
                                    seed=seed)
            _assert_consistent(p, broja(p))


def test_sixteen_symbols_each():
    p = random_distribution((16, 16, 16), alpha=0.5, seed=0)
    start = time.perf_counter()
    r = broja(p)
    seconds = time.perf_counter() - start
    _assert_consistent(p, r)
    assert r.details["iterations"] < 30
    assert seconds < 5.0  # about 0.1 s on an idle core; generous for a shared machine


@pytest.mark.slow
def test_thirty_two_symbols_each_is_certified():
    p = random_distribution((32, 32, 32), alpha=0.5, seed=1)
    _assert_consistent(p, broja(p))


def _count_schur_solves(monkeypatch):
    """Counts of conjugate-gradient solves (and of those that converged) and of float64
    factorisations of the Schur complement."""
    counts = {"cg": 0, "cg_converged": 0, "float64": 0}
    newton = broja_module._Newton
    cg, double = newton._conjugate_gradients, newton._factorise_double

    def counted_cg(self, rhs):
        x, converged = cg(self, rhs)
        counts["cg"] += 1
        counts["cg_converged"] += converged
        return x, converged

    def counted_double(self, *args, **kwargs):
        counts["float64"] += 1
        return double(self, *args, **kwargs)

    monkeypatch.setattr(newton, "_conjugate_gradients", counted_cg)
    monkeypatch.setattr(newton, "_factorise_double", counted_double)
    return counts


@pytest.mark.parametrize("shape, alpha, zero_fraction, seed",
                         [((12, 10, 9), 0.5, 0.0, 0), ((9, 11, 8), 0.3, 0.3, 1)])
def test_mixed_precision_schur_solves_match_the_float64_ones(monkeypatch, shape, alpha,
                                                             zero_fraction, seed):
    # Large Schur complements are solved by conjugate gradients preconditioned with a
    # float32 factor; forced on here at a small size, they give the float64 path's atoms.
    p = random_distribution(shape, alpha=alpha, zero_fraction=zero_fraction, seed=seed)
    counts = _count_schur_solves(monkeypatch)
    monkeypatch.setattr(broja_module, "_DENSE_MAX", 0)
    monkeypatch.setattr(broja_module, "_MIXED_MIN", 10**9)
    double = broja(p)
    assert counts["cg"] == 0 and counts["float64"] == double.details["iterations"]
    counts["float64"] = 0
    monkeypatch.setattr(broja_module, "_MIXED_MIN", 0)
    mixed = broja(p)
    _assert_consistent(p, mixed)
    assert counts["cg"] >= 2 * mixed.details["iterations"]
    assert counts["cg_converged"] == counts["cg"] and counts["float64"] == 0
    # Early solves stop at looser residuals (inexact Newton) without costing iterations.
    assert mixed.details["iterations"] <= double.details["iterations"] + 1
    gaps = double.details["duality_gap"] + mixed.details["duality_gap"]
    np.testing.assert_allclose(mixed.atoms(), double.atoms(), rtol=0, atol=gaps + ROUND)


def test_stalled_conjugate_gradients_fall_back_to_the_float64_factor(monkeypatch):
    p = random_distribution((8, 7, 6), alpha=0.5, seed=2)
    monkeypatch.setattr(broja_module, "_DENSE_MAX", 0)
    monkeypatch.setattr(broja_module, "_MIXED_MIN", 10**9)
    double = broja(p)
    counts = _count_schur_solves(monkeypatch)
    monkeypatch.setattr(broja_module, "_MIXED_MIN", 0)
    monkeypatch.setattr(broja_module, "_CG_MAX", 0)  # only the float32 solve: too coarse
    fallen_back = broja(p)
    _assert_consistent(p, fallen_back)
    assert counts["cg"] > counts["cg_converged"]
    assert counts["float64"] == counts["cg"] - counts["cg_converged"] > 0
    gaps = double.details["duality_gap"] + fallen_back.details["duality_gap"]
    np.testing.assert_allclose(fallen_back.atoms(), double.atoms(), rtol=0, atol=gaps + ROUND)


@pytest.mark.parametrize("shape, seed", [((2, 2, 2), 0), ((4, 4, 4), 1), ((3, 5, 4), 2),
                                         ((6, 6, 6), 3)])
def test_dense_newton_matrix_matches_the_block_elimination(monkeypatch, shape, seed):
    # Small problems factorise the whole Newton matrix at once; same iteration, same atoms.
    p = random_distribution(shape, alpha=0.5, zero_fraction=0.2, seed=seed)
    monkeypatch.setattr(broja_module, "SMALL_MAX_VARIABLES", 0)   # the robust path only
    built = []
    dense_class = broja_module._DenseNewton

    def counted(*args, **kwargs):
        built.append(1)
        return dense_class(*args, **kwargs)

    monkeypatch.setattr(broja_module, "_DenseNewton", counted)
    dense = broja(p)
    assert len(built) >= dense.details["iterations"] > 0
    monkeypatch.setattr(broja_module, "_DENSE_MAX", 0)
    built.clear()
    blocked = broja(p)
    assert not built
    _assert_consistent(p, dense)
    gaps = dense.details["duality_gap"] + blocked.details["duality_gap"]
    np.testing.assert_allclose(dense.atoms(), blocked.atoms(), rtol=0, atol=gaps + ROUND)


@pytest.mark.parametrize("tol", [1e-4, 1e-7, 1e-10])
def test_requested_tolerance_is_met(tol):
    p = random_distribution((5, 4, 6), alpha=0.5, seed=7)
    r = pid(p, "broja", tol=tol)
    _assert_consistent(p, r, tol=tol)


def test_same_input_same_numbers():
    p = random_distribution((6, 5, 4), alpha=0.5, zero_fraction=0.2, seed=3)
    a, b = broja(p), broja(p.copy())
    assert a.atoms().tolist() == b.atoms().tolist()
    assert a.details["duality_gap"] == b.details["duality_gap"]


@pytest.mark.parametrize("threads", [None, 2])
def test_other_blas_thread_counts_give_certified_results(threads):
    p = random_distribution((6, 6, 6), alpha=0.5, seed=4)
    other, default = broja(p, blas_threads=threads), broja(p)
    _assert_consistent(p, other)
    np.testing.assert_allclose(other.atoms(), default.atoms(), rtol=0, atol=2 * TOL)


@pytest.mark.parametrize("options, reason", [({"tol": 1e-300}, "no progress|max_iter"),
                                             ({"max_iter": 1}, "max_iter reached")])
def test_unreachable_tolerance_raises(options, reason):
    p = random_distribution((3, 3, 3), alpha=0.5, seed=0)
    with pytest.raises(BrojaConvergenceError, match=reason) as info:
        broja(p, **options)
    error = info.value
    assert isinstance(error, RuntimeError)
    assert error.gap > error.tol >= 0 and error.iterations >= 1
    assert f"{error.gap:.3e} bits" in str(error) and "tol=" in str(error)


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 4, 3), (4, 1, 3), (3, 4, 1), (1, 1, 5)])
def test_degenerate_shapes(shape):
    p = random_distribution(shape, alpha=0.5, seed=1)
    r = broja(p)
    _assert_consistent(p, r, tol=0.0)
    mi1, mi2, _ = source_target_informations(p)
    if shape[0] == 1:  # X1 constant: everything X2 knows is unique to it
        np.testing.assert_allclose(r.atoms(), [0, 0, mi2, 0], rtol=0, atol=ROUND)
    if shape[1] == 1:
        np.testing.assert_allclose(r.atoms(), [0, mi1, 0, 0], rtol=0, atol=ROUND)
    if shape[2] == 1:
        np.testing.assert_allclose(r.atoms(), 0.0, rtol=0, atol=ROUND)
    np.testing.assert_array_equal(r.details["q"], p)


def test_target_independent_of_the_sources():
    rng = np.random.default_rng(2)
    p = np.einsum("ab,y->aby", rng.dirichlet(np.ones(12)).reshape(3, 4), rng.dirichlet(np.ones(5)))
    r = broja(p)
    _assert_consistent(p, r)
    np.testing.assert_allclose(r.atoms(), 0.0, rtol=0, atol=TOL + ROUND)


def test_outcomes_of_zero_probability_change_nothing():
    p = random_distribution((3, 4, 3), alpha=0.5, seed=5)
    padded = np.zeros((5, 6, 4))
    padded[1:4, 2:, 1:] = p
    r, rp = broja(p), broja(padded)
    _assert_consistent(padded, rp)
    np.testing.assert_allclose(rp.atoms(), r.atoms(), rtol=0, atol=2 * TOL)
    assert np.all(rp.details["q"][[0, 4]] == 0) and np.all(rp.details["q"][:, :, 0] == 0)


@pytest.mark.parametrize("bad, match", [
    (-np.full((2, 2, 2), 0.125), "non-negative"),
    (np.full((2, 2, 2), np.nan), "finite"),
    (np.full((2, 2), 0.25), "3 axes"),
    (np.full((2, 2, 2), 0.2), "sum to 1"),
    (np.zeros((2, 2, 2)), "positive total mass"),
])
def test_bad_distributions_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        broja(bad)


@pytest.mark.parametrize("options, match", [
    ({"tol": -1e-9}, "tol must be"), ({"tol": 0}, "tol must be a finite number > 0"),
    ({"tol": float("nan")}, "tol must be"),
    ({"tol": True}, "tol must be"), ({"max_iter": 0}, "max_iter must be"),
    ({"max_iter": 2.5}, "max_iter must be"), ({"blas_threads": 0}, "blas_threads must be"),
])
def test_bad_options_are_rejected(options, match):
    with pytest.raises(ValueError, match=match):
        broja(xor(), **options)


# The fast path for small tables (pid_bench.info.discrete._broja_small).

def _permutation_table(seed, k=4, n=640):
    """A y-permuted sample table of a Dirichlet(0.5) k x k x k joint, as in a permutation
    test (with zeros)."""
    rng = np.random.default_rng(seed)
    p = random_distribution((k, k, k), alpha=0.5, seed=rng)
    x12, y = np.divmod(rng.choice(k ** 3, size=n, p=p.reshape(-1)), k)
    return np.bincount(x12 * k + rng.permutation(y), minlength=k ** 3).reshape(k, k, k) / n


@pytest.mark.parametrize("shape, zero_fraction", [((2, 2, 2), 0.0), ((3, 2, 4), 0.3),
                                                  ((4, 4, 4), 0.0), ((5, 5, 5), 0.2),
                                                  ((5, 3, 6), 0.0), ("permutation", None)])
def test_small_tables_take_the_fast_path_and_match_the_robust_one(monkeypatch, shape,
                                                                  zero_fraction):
    for seed in range(5):
        p = (_permutation_table(seed) if shape == "permutation" else
             random_distribution(shape, alpha=0.5, zero_fraction=zero_fraction, seed=seed))
        fast = broja(p)
        assert fast.details["solver"] == ("binary" if p.shape[:2] == (2, 2) else "small")
        assert 0 < fast.details["iterations"] <= 15
        _assert_consistent(p, fast)
        with monkeypatch.context() as patch:
            patch.setattr(broja_module, "SMALL_MAX_VARIABLES", 0)
            robust = broja(p)
        assert robust.details["solver"] == "interior_point"
        gaps = fast.details["duality_gap"] + robust.details["duality_gap"]
        np.testing.assert_allclose(fast.atoms(), robust.atoms(), rtol=0, atol=gaps + ROUND)


def test_fast_path_agrees_with_the_exponential_cone_program():
    for seed in range(3):
        p = random_distribution((3, 4, 3), alpha=0.5, zero_fraction=0.2, seed=20 + seed)
        ours = broja(p)
        assert ours.details["solver"] == "small"
        np.testing.assert_allclose(ours.atoms(), broja_cvxpy(p).atoms(), rtol=0, atol=1e-6)


def test_fast_path_failure_falls_back_to_the_robust_path(monkeypatch):
    from pid_bench.info.discrete import _broja_small

    p = random_distribution((4, 4, 4), alpha=0.5, seed=3)
    reference = broja(p)
    monkeypatch.setattr(_broja_small, "_MAX_ITER", 2)   # too few to certify 1e-9
    assert _broja_small.solve_small(broja_module._Blocks(p), TOL, 100) is None
    fallen_back = broja(p)
    assert fallen_back.details["solver"] == "interior_point"
    _assert_consistent(p, fallen_back)
    gaps = reference.details["duality_gap"] + fallen_back.details["duality_gap"]
    np.testing.assert_allclose(fallen_back.atoms(), reference.atoms(), rtol=0,
                               atol=gaps + ROUND)


def test_tables_with_negligible_cells_skip_the_fast_path():
    p = random_distribution((3, 3, 3), alpha=0.5, seed=4)
    p[0, 0, 0] = 1e-20
    p /= p.sum()
    r = broja(p)
    assert r.details["solver"] in ("pruned", "interior_point")
    _assert_consistent(p, r)


def _x1_equals_x2():
    p = np.zeros((3, 3, 2))
    p[np.arange(3), np.arange(3)] = random_distribution((3, 2), seed=0)
    return p


@pytest.mark.parametrize("make, solver", [(xor, "binary"), (copy, "binary"),
                                          (lambda: random_distribution((3, 2, 3), seed=0),
                                           "small"),
                                          (_x1_equals_x2, "closed_form"),
                                          (lambda: random_distribution((1, 3, 2), seed=0),
                                           "closed_form")])
def test_solver_names_the_path_that_certified(make, solver):
    r = broja(make())
    assert r.details["solver"] == solver
    assert (r.details["iterations"] == 0) == (solver == "closed_form")


@pytest.mark.parametrize("index", [6538, 9338, 9604])
def test_fuzz_joints_that_stalled_the_robust_path_are_certified(index):
    # Dirichlet joints of the fuzz set with masses over 16 to 33 decades, where round-off
    # stalled the interior-point method of the pruned joint at gaps of 1e-9 to 7e-7 bits;
    # the fast path's regularised factorisation and active-set finish certify them. Which
    # path certifies depends on the CPU's floating-point kernels (on one AVX2 CPU 9338 needs
    # the decimal barrier), so the path is checked to be one of the two that can; the
    # certificate everywhere.
    from pid_bench.testing.fuzz import fuzz_joint

    _, p = fuzz_joint(index)
    r = broja(p)
    assert r.details["solver"] in ("pruned", "decimal")
    _assert_consistent(p, r)


@pytest.mark.parametrize("index", [3577, 8897, 9653])
def test_fuzz_joints_that_round_off_stalled_in_double_are_certified_in_decimal(index):
    # Dirichlet joints of the fuzz set with masses over 21 to 43 decades (cells of 5.9e-22,
    # 4e-43 and 6e-42 next to cells of 0.4 to 0.6): every solve in double stalled at gaps of
    # 2.4e-9 to 2.7e-9 bits (8897 also in long double, at 8e-8) on an AVX-512 CPU, and the
    # barrier method in decimal arithmetic certified them. Whether double stalls depends on
    # the CPU's floating-point kernels (on an AVX2 CPU 8897 and 9653 certify in double), so
    # the path is checked only where decimal was needed; the certificate everywhere.
    from pid_bench.testing.fuzz import fuzz_joint

    _, p = fuzz_joint(index)
    r = broja(p)
    if r.details["solver"] == "decimal":
        assert 0 < r.details["iterations"] <= 60
    _assert_consistent(p, r)
    reference = broja_cvxpy(p)
    np.testing.assert_allclose(r.atoms(), reference.atoms(), rtol=0,
                               atol=r.details["duality_gap"] + 1e-6)
    # Clarabel's q misses the marginals by up to about 1e-7 on these inputs, so its
    # objective may fall below the optimum by about that much (1e-6: its accuracy here).
    i_ours = mutual_information(r.details["q"], (0, 1), 2)
    assert i_ours <= mutual_information(reference.details["q"], (0, 1), 2) \
        + r.details["duality_gap"] + 1e-6


def _decimal_solve(p, max_iter=100):
    blocks = broja_module._Blocks(p)
    return decimal_module.solve_decimal(blocks, TOL, max_iter)


@pytest.mark.parametrize("index", [4459, 6097])
def test_decimal_barrier_certifies_joints_spanning_90_decades(index):
    # Fuzz joints with cells of 3e-90 and 9e-49 (certified by the pruned path): there the
    # barrier's Newton matrices mix entries of 1 and below 1e-170; the decimal solve certifies the
    # same optimum on the joint itself.
    from pid_bench.testing.fuzz import fuzz_joint

    _, p = fuzz_joint(index)
    assert p[p > 0].min() < 1e-48
    reference = broja(p)
    keep, sub = broja_module._trim(p)
    gap, q, lam, mu, steps = _decimal_solve(sub)
    assert gap <= TOL and 0 < steps <= 60
    assert lam.shape == sub.shape[::2] and mu.shape == sub.shape[1:]
    full = np.zeros_like(p)
    full[np.ix_(*keep)] = q
    np.testing.assert_allclose(full.sum(axis=1), p.sum(axis=1), rtol=0, atol=ROUND)
    np.testing.assert_allclose(full.sum(axis=0), p.sum(axis=0), rtol=0, atol=ROUND)
    np.testing.assert_allclose(mutual_information(full, (0, 1), 2),
                               mutual_information(reference.details["q"], (0, 1), 2),
                               rtol=0, atol=gap + reference.details["duality_gap"] + ROUND)


@pytest.mark.parametrize("seed", range(3))
def test_decimal_barrier_matches_the_fast_path(seed):
    # Where double converges, the decimal barrier reaches the same certified optimum.
    p = random_distribution((3, 3, 3), alpha=0.5, zero_fraction=0.2, seed=7 + seed)
    double = small_module.solve_small(broja_module._Blocks(p), TOL, 100)
    gap, q, _, _, _ = _decimal_solve(p)
    assert double is not None and max(double[0], gap) <= TOL
    np.testing.assert_allclose(mutual_information(q, (0, 1), 2),
                               mutual_information(double[1], (0, 1), 2), rtol=0,
                               atol=gap + double[0] + ROUND)


@pytest.mark.slow
def test_decimal_barrier_alone_certifies_the_small_fuzz_joints():
    # On its own, not only where the other paths fail: every 20th joint of the fuzz set that
    # p itself does not certify and that the small-table paths take by size.
    from pid_bench.testing.fuzz import fuzz_joints

    steps = []
    for _, _, p in fuzz_joints(every=20):
        _, sub = broja_module._trim(p)
        if min(sub.shape) == 1:
            continue
        # The larger source first, as broja orders them.
        blocks = broja_module._Blocks(sub.transpose(1, 0, 2) if sub.shape[1] > sub.shape[0]
                                      else sub)
        if blocks.certificate(blocks.p, feasible=True)[0] <= TOL \
                or blocks.m1.sum() + blocks.m2.sum() > small_module.SMALL_MAX_VARIABLES:
            continue
        gap, _, _, _, count = decimal_module.solve_decimal(blocks, TOL, 100)
        assert gap <= TOL
        steps.append(count)
    assert len(steps) >= 150 and max(steps) <= 60


def test_decimal_barrier_failure_says_what_it_reached():
    from pid_bench.testing.fuzz import fuzz_joint

    _, p = fuzz_joint(8897)
    keep, sub = broja_module._trim(p)
    gap, q, _, _, steps = _decimal_solve(sub, max_iter=10)
    assert steps == 10 and gap > TOL
    # Through broja: every path stops short, and the error names the smallest gap reached.
    with pytest.raises(BrojaConvergenceError, match="duality gap of") as caught:
        broja(p, max_iter=10)
    assert TOL < caught.value.gap < 1.0 and caught.value.tol == TOL


def test_decimal_logarithm_matches_decimal_ln():
    values = [Decimal("1e-320"), Decimal("3.1e-90"), Decimal(0.3), Decimal(1), Decimal(7) / 3,
              Decimal("2e305")]
    with decimal.localcontext(decimal.Context(prec=decimal_module.DIGITS)):
        ours = decimal_module._ln(np.array(values, dtype=object))
        for value, log in zip(values, ours):
            assert abs(log - value.ln()) <= Decimal(10) ** (3 - decimal_module.DIGITS) * max(
                1, abs(log))


def test_two_binary_sources_take_the_binary_path_and_match_the_robust_one(monkeypatch):
    # |X1| = |X2| = 2: Newton on one free coordinate per y (a box), then the certificate.
    solvers = []
    for ky in (2, 3, 5):
        for seed in range(8):
            for zero_fraction in (0.0, 0.3):
                p = random_distribution((2, 2, ky), alpha=0.5, zero_fraction=zero_fraction,
                                        seed=seed)
                fast = broja(p)
                solvers.append(fast.details["solver"])
                _assert_consistent(p, fast)
                with monkeypatch.context() as patch:
                    patch.setattr(broja_module, "SMALL_MAX_VARIABLES", 0)
                    robust = broja(p)
                gaps = fast.details["duality_gap"] + robust.details["duality_gap"]
                np.testing.assert_allclose(fast.atoms(), robust.atoms(), rtol=0,
                                           atol=gaps + ROUND)
    # The few the binary path does not certify (or that are closed forms) go elsewhere.
    assert solvers.count("binary") >= 0.9 * len(solvers)


def test_binary_path_where_the_optimum_empties_a_block():
    # The optimum of this Dirichlet(0.5) joint has no mass on (x1, x2) = (0, 0): the
    # Newton iterates approach a face of the box, whose corner the path certifies.
    p = random_distribution((2, 2, 2), alpha=0.5, seed=0)
    r = broja(p)
    assert r.details["solver"] == "binary"
    assert r.details["q"][0, 0].sum() == 0.0 and p[0, 0].sum() > 0.08
    _assert_consistent(p, r)
    np.testing.assert_allclose(r.atoms(), broja_cvxpy(p).atoms(), rtol=0, atol=1e-6)
