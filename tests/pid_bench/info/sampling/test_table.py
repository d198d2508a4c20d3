"""Contingency tables of coded samples: counts, permutations, resamples, tolerant solves."""

import numpy as np
import pytest

from pid_bench.info import pid
from pid_bench.info.sampling.table import SampleTable, decompose


def _codes(n, seed, levels=(3, 4, 2)):
    rng = np.random.default_rng(seed)
    return tuple(rng.integers(0, k, n) for k in levels)


def test_joint_counts_and_occupied_cells():
    codes = _codes(500, 0)
    table = SampleTable(codes)
    counts = np.zeros((3, 4, 2))
    np.add.at(counts, codes, 1)
    np.testing.assert_array_equal(table.counts(), counts)
    np.testing.assert_allclose(table.joint(), counts / 500, rtol=0, atol=1e-15)
    assert table.shape == (3, 4, 2) and table.n == 500
    assert table.occupied() == np.count_nonzero(counts)


def test_a_permutation_keeps_the_sources_joint_and_the_target_marginal():
    table = SampleTable(_codes(400, 1))
    p = table.joint()
    q = table.permuted(np.random.default_rng(0))
    np.testing.assert_allclose(q.sum(axis=2), p.sum(axis=2), rtol=0, atol=1e-15)
    np.testing.assert_allclose(q.sum(axis=(0, 1)), p.sum(axis=(0, 1)), rtol=0, atol=1e-15)
    assert not np.allclose(q, p)


def test_resampled_counts_the_chosen_samples():
    codes = _codes(50, 2)
    table = SampleTable(codes)
    idx = np.array([0, 0, 3])
    want = np.zeros((3, 4, 2))
    np.add.at(want, tuple(c[idx] for c in codes), 1 / 3)
    np.testing.assert_allclose(table.resampled(idx), want, rtol=0, atol=1e-15)


def test_decompose_accepts_a_looser_certificate_only_below_a_millibit(monkeypatch):
    import pid_bench.info.sampling.table as module
    from pid_bench.info.discrete.broja import BrojaConvergenceError

    p = SampleTable(_codes(200, 3)).joint()

    def flaky(q, measure, **options):
        if options["tol"] < 5e-6:
            raise BrojaConvergenceError(gap=4e-6, tol=options["tol"], iterations=3, reason="t")
        return pid(q, measure, **options)

    monkeypatch.setattr(module, "pid", flaky)
    assert decompose(p, "broja", {"tol": 1e-9}).details["duality_gap"] <= 8e-6 + 1e-12
    monkeypatch.setattr(module, "pid", lambda q, m, **o: (_ for _ in ()).throw(
        BrojaConvergenceError(gap=0.01, tol=o["tol"], iterations=3, reason="t")))
    with pytest.raises(BrojaConvergenceError):
        decompose(p, "broja", {"tol": 1e-9})
