"""Gaussian-copula estimator: monotone invariance, Gaussian truth, robustness, bad input."""

import numpy as np
import pytest
from scipy.special import ndtri

import pid_bench
from pid_bench.info.continuous.copula import copula, normal_scores
from pid_bench.info.continuous.gaussian_broja import broja_from_covariance
from pid_bench.info.continuous.gaussian_mmi import gaussian_mmi


def _gaussian(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Samples of (X1 (2), X2 (2), Y (1)) and their covariance: Y ~ N(0,1), sources noisy views."""
    cov = np.eye(5)
    loads = np.array([0.9, 0.4, 0.6, 0.0])
    cov[:4, 4] = cov[4, :4] = loads
    cov[:4, :4] += np.outer(loads, loads) + np.diag([0.3, 0.5, 0.2, 0.4])
    cov[0, 2] = cov[2, 0] = loads[0] * loads[2] - 0.2
    z = np.random.default_rng(seed).multivariate_normal(np.zeros(5), cov, size=n)
    return z, cov


def test_normal_scores_are_the_normal_quantiles_of_the_ranks():
    x = np.random.default_rng(0).normal(size=(101, 2)) ** 3
    z = normal_scores(x)
    expected = ndtri(np.arange(1, 102) / 102)
    assert np.allclose(np.sort(z[:, 0]), expected) and np.allclose(np.sort(z[:, 1]), expected)
    assert np.array_equal(np.argsort(z[:, 0]), np.argsort(x[:, 0]))
    ties = normal_scores(np.array([1.0, 1.0, 2.0]))
    assert ties[0, 0] == ties[1, 0] == pytest.approx(ndtri(1.5 / 4))


def test_invariant_to_strictly_increasing_maps_of_each_coordinate():
    z, _ = _gaussian(3000, 1)
    x1, x2, y = z[:, :2], z[:, 2:4], z[:, 4]
    base = copula(x1, x2, y)
    warped = copula(np.column_stack([np.exp(x1[:, 0]), x1[:, 1] ** 3]),
                    np.column_stack([np.arctan(x2[:, 0]), 5 * x2[:, 1] - 2]),
                    np.tanh(y / 3))
    assert np.array_equal(base.atoms(), warped.atoms())


def test_matches_the_gaussian_truth_and_survives_monotone_distortion():
    z, cov = _gaussian(50_000, 2)
    truth = broja_from_covariance(cov, (2, 2, 1))
    assert truth.redundancy > 0.1 and truth.unique1 > 0.1 and truth.synergy > 0.01
    x1 = np.column_stack([np.exp(2 * z[:, 0]), z[:, 1] ** 3])
    x2 = np.column_stack([np.sinh(3 * z[:, 2]), z[:, 3]])
    y = np.exp(2 * z[:, 4])
    est = copula(x1, x2, y)
    assert np.allclose(est.atoms(), truth.atoms(), atol=0.02)
    assert est.measure == "copula"
    # The same distortion misleads the plain Gaussian estimator by far more.
    naive = gaussian_mmi(x1, x2, y)
    assert np.max(np.abs(naive.atoms() - truth.atoms())) > 0.1


def test_both_gaussian_decompositions_agree_for_a_scalar_target():
    z, _ = _gaussian(1000, 3)
    a = copula(z[:, :2], z[:, 2:4], z[:, 4], decomposition="broja")
    b = copula(z[:, :2], z[:, 2:4], z[:, 4], decomposition="mmi")
    assert np.allclose(a.atoms(), b.atoms(), atol=1e-7)
    assert a.details["decomposition"] == "broja"


def test_class_label_target_and_consistency():
    z, _ = _gaussian(2000, 4)
    labels = (z[:, 4] > 0).astype(int) + (z[:, 4] > 1).astype(int)
    res = pid_bench.pid_from_samples(z[:, :2], z[:, 2:4], labels, estimator="copula")
    assert res.details["discrete_target"] is True
    assert np.all(res.atoms() >= 0)
    assert res.total == pytest.approx(res.redundancy + res.unique1 + res.unique2 + res.synergy)
    assert res.total > 0.2


def test_bad_input():
    z, _ = _gaussian(200, 5)
    with pytest.raises(ValueError, match="decomposition must be one of"):
        copula(z[:, :2], z[:, 2:4], z[:, 4], decomposition="ccs")
    bad = z[:, :2].copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="x1 must contain finite numbers"):
        copula(bad, z[:, 2:4], z[:, 4])
    with pytest.raises(ValueError, match="same number of samples"):
        copula(z[:, :2], z[:-1, 2:4], z[:, 4])
    with pytest.raises(ValueError, match="every column of x2 is constant"):
        copula(z[:, :2], np.zeros((200, 2)), z[:, 4])
