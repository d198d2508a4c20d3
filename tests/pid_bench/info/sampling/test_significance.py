"""p-values: permutations of y (early stopping) and the no-synergy null of BROJA's synergy."""

import numpy as np
import pytest

from pid_bench.info.sampling.significance import (
    MIN_PERMUTATIONS,
    no_synergy_test,
    permutation_test,
)
from pid_bench.info.sampling.table import SampleTable, decompose
from pid_bench.info.shannon import mutual_information


def _solve(p):
    return decompose(p, "broja", {"tol": 1e-7}).atoms()


def _xor(n, seed):
    a, b = np.random.default_rng(seed).integers(0, 2, (2, n))
    return SampleTable((a, b, a ^ b))


def test_xor_synergy_and_total_beat_every_permutation():
    table = _xor(400, 0)
    raw = _solve(table.joint())
    draws, p = permutation_test(table, _solve, raw, 50, np.random.default_rng(0), stop_on=None)
    assert draws.shape == (50, 4)
    assert p[3] == pytest.approx(1 / 51) and p[4] == pytest.approx(1 / 51)


def test_null_like_data_stop_early_with_large_p_values():
    rng = np.random.default_rng(1)
    table = SampleTable(tuple(rng.integers(0, k, 400) for k in (4, 4, 2)))
    raw = _solve(table.joint())
    draws, p = permutation_test(table, _solve, raw, 1000, np.random.default_rng(0),
                                stop_on=(True,) * 5)
    assert MIN_PERMUTATIONS <= len(draws) < 200
    assert np.all(p > 0.05)


def test_the_no_synergy_null_keeps_the_pairwise_marginals_and_calls_unique_data_null():
    rng = np.random.default_rng(2)
    x1, x2 = rng.integers(0, 4, (2, 600))
    table = SampleTable((x1, x2, x1))                 # y = x1: unique information only
    plugin = decompose(table.joint(), "broja", {"tol": 1e-7})
    q, p = plugin.details["q"], table.joint()
    np.testing.assert_allclose(q.sum(axis=1), p.sum(axis=1), atol=1e-8)   # (x1, y) kept
    np.testing.assert_allclose(q.sum(axis=0), p.sum(axis=0), atol=1e-8)   # (x2, y) kept
    _, p_value = no_synergy_test(q, 600, _solve, plugin.synergy, 100, np.random.default_rng(0))
    assert p_value > 0.05
    xor = _xor(400, 3)
    plugin = decompose(xor.joint(), "broja", {"tol": 1e-7})
    _, p_value = no_synergy_test(plugin.details["q"], 400, _solve, plugin.synergy, 50,
                                 np.random.default_rng(0))
    assert p_value == pytest.approx(1 / 51)


def test_permuting_y_within_x1_classes_is_no_synergy_null():
    # It keeps I(X1;Y) but destroys what x2 says about y beyond x1: y = x2 loses its bit.
    rng = np.random.default_rng(4)
    x1, x2 = rng.integers(0, 2, (2, 4000))
    y = x2.copy()
    for v in (0, 1):
        y[x1 == v] = rng.permutation(y[x1 == v])
    p = SampleTable((x1, x2, y)).joint()
    assert mutual_information(p, 1, 2) < 0.01


def test_repeated_tables_are_solved_once_with_the_same_results():
    # n = 60 of XOR: many permutations (and no-synergy draws) repeat a table.
    table = _xor(60, 4)
    raw = _solve(table.joint())
    solved = []

    def counted(p):
        solved.append(p.tobytes())
        return _solve(p)

    draws, p = permutation_test(table, counted, raw, 200, np.random.default_rng(5),
                                stop_on=None)
    assert len(solved) == len(set(solved)) < 150
    # The same as solving every table: each draw is the atoms of its own table.
    rng = np.random.default_rng(5)
    for atoms in draws[:50]:
        np.testing.assert_array_equal(atoms, _solve(table.permuted(rng)))
    # Draws of n = 10 from a joint on four cells: at most 286 distinct tables.
    solved.clear()
    draws, _ = no_synergy_test(table.joint(), 10, counted, raw[3], 200,
                               np.random.default_rng(6), stop_early=False)
    assert len(draws) == 200 and len(solved) == len(set(solved)) < 150
