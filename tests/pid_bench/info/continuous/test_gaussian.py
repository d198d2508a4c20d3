"""Gaussian helpers: mutual information, its exact bias, covariance estimation, input checks."""

import numpy as np
import pytest

from pid_bench.info.continuous.gaussian import (
    as_samples,
    gaussian_mutual_information,
    joint_from_covariance,
    joint_gaussian,
    log_det,
    mutual_information_bias,
    resolve_bias_correction,
    sample_covariance,
    target_columns,
)


def _bivariate(rho: float) -> np.ndarray:
    return np.array([[1.0, rho], [rho, 1.0]])


@pytest.mark.parametrize("rho", [0.0, 0.3, -0.8, 0.99])
def test_mutual_information_of_a_correlated_pair(rho):
    expected = -0.5 * np.log2(1 - rho ** 2)
    assert gaussian_mutual_information(_bivariate(rho), 0, 1) == pytest.approx(expected, abs=1e-12)
    nats = gaussian_mutual_information(_bivariate(rho), [0], [1], base=np.e)
    assert nats == pytest.approx(expected * np.log(2), abs=1e-12)


def test_mutual_information_adds_over_independent_blocks():
    # (A1, B1) and (A2, B2) independent pairs: I(A1A2; B1B2) = I(A1;B1) + I(A2;B2).
    cov = np.eye(4)
    cov[0, 2] = cov[2, 0] = 0.6
    cov[1, 3] = cov[3, 1] = -0.4
    expected = -0.5 * np.log2(1 - 0.36) - 0.5 * np.log2(1 - 0.16)
    assert gaussian_mutual_information(cov, [0, 1], [2, 3]) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("cov, a, b, match", [
    (np.array([[1.0, 0.5], [0.4, 1.0]]), 0, 1, "symmetric"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), 0, 1, "positive definite"),
    (np.array([[1.0, np.nan], [np.nan, 1.0]]), 0, 1, "finite"),
    (np.ones(3), 0, 1, "square"),
    (np.eye(3), [0, 1], [1, 2], "disjoint"),
    (np.eye(3), [0], [3], "indices"),
])
def test_mutual_information_rejects_bad_covariances(cov, a, b, match):
    with pytest.raises(ValueError, match=match):
        gaussian_mutual_information(cov, a, b)


def test_log_det_matches_numpy_and_rejects_singular():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    cov = a @ a.T + np.eye(5)
    assert log_det(cov) == pytest.approx(np.linalg.slogdet(cov)[1], abs=1e-10)
    with pytest.raises(ValueError, match="positive definite"):
        log_det(np.ones((2, 2)))


def test_bias_is_the_mean_excess_of_the_plugin_estimate():
    """Monte Carlo: mean plug-in MI - true MI equals the closed-form bias (within 4 SE)."""
    rng = np.random.default_rng(1)
    n, d_a, d_b = 40, 2, 2
    cov = np.eye(4)
    cov[0, 2] = cov[2, 0] = 0.5
    true = gaussian_mutual_information(cov, [0, 1], [2, 3])
    draws = []
    for _ in range(600):
        z = rng.multivariate_normal(np.zeros(4), cov, size=n)
        draws.append(gaussian_mutual_information(np.cov(z, rowvar=False), [0, 1], [2, 3]))
    excess, se = np.mean(draws) - true, np.std(draws) / np.sqrt(len(draws))
    bias = mutual_information_bias(d_a, d_b, n)
    assert bias > 0.05  # large enough at n = 40 for the check to mean something
    assert abs(excess - bias) < 4 * se


def test_bias_approaches_its_first_order_form():
    n = 100_000
    assert mutual_information_bias(3, 2, n) == pytest.approx(6 / (2 * n * np.log(2)), rel=1e-3)
    with pytest.raises(ValueError, match="n > d_a"):
        mutual_information_bias(3, 2, 5)


def test_ledoit_wolf_intensity_matches_scikit_learn():
    from sklearn.covariance import ledoit_wolf_shrinkage

    rng = np.random.default_rng(2)
    z = rng.normal(size=(30, 12)) @ rng.normal(size=(12, 12)) * np.arange(1, 13)
    cov, delta = sample_covariance(z, "ledoit_wolf")
    standardised = (z - z.mean(0)) / z.std(0)
    assert delta == pytest.approx(ledoit_wolf_shrinkage(standardised), abs=1e-10)
    assert 0 < delta < 1
    raw = np.cov(z, rowvar=False)
    assert np.allclose(np.diag(cov), np.diag(raw))
    off = ~np.eye(12, dtype=bool)
    assert np.allclose(cov[off], (1 - delta) * raw[off])


def test_fixed_shrinkage_and_bad_values():
    z = np.random.default_rng(3).normal(size=(50, 3))
    cov, delta = sample_covariance(z, 0.25)
    assert delta == 0.25
    assert np.allclose(cov, 0.75 * np.cov(z, rowvar=False) + 0.25 * np.diag(np.var(z, 0, ddof=1)))
    for bad in (1.5, -0.1, "oas"):
        with pytest.raises(ValueError, match="shrinkage must be"):
            sample_covariance(z, bad)


def test_target_columns_codes_classes_by_indicators():
    y = np.array([5, 2, 2, 9, 5])
    cols, discrete = target_columns(y)
    assert discrete and cols.shape == (5, 2)
    assert np.array_equal(cols, [[0, 1], [1, 0], [1, 0], [0, 0], [0, 1]])
    cont, discrete = target_columns(y.astype(float))
    assert not discrete and cont.shape == (5, 1)
    with pytest.raises(ValueError, match="class label"):
        target_columns(np.zeros((5, 2), dtype=int))
    with pytest.raises(ValueError, match="at least 2 values"):
        target_columns(np.ones(5, dtype=int))


def _samples(n=400, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    return y[:, None] + rng.normal(size=(n, 2)), y[:, None] - rng.normal(size=(n, 3)), y


@pytest.mark.parametrize("change, match", [
    (lambda x1, x2, y: (np.where(np.arange(x1.size).reshape(x1.shape) == 3, np.nan, x1), x2, y),
     "x1 must contain finite numbers"),
    (lambda x1, x2, y: (x1, x2, np.where(np.arange(y.size) == 0, np.inf, y)),
     "y must contain finite numbers"),
    (lambda x1, x2, y: (x1[:-1], x2, y), "same number of samples"),
    (lambda x1, x2, y: (x1[:10], x2[:10], y[:10]), "n >= 2"),
    (lambda x1, x2, y: (x1, np.hstack([x2, x1[:, :1] - x2[:, :1]]), y), "singular"),
    (lambda x1, x2, y: (np.ones_like(x1), x2, y), "every column of x1 is constant"),
    (lambda x1, x2, y: (x1[:, :, None], x2, y), "shape"),
    (lambda x1, x2, y: (x1.astype(str), x2, y), "numeric"),
])
def test_joint_gaussian_rejects_bad_input(change, match):
    with pytest.raises(ValueError, match=match):
        joint_gaussian(*change(*_samples()))


def test_constant_columns_are_dropped_without_changing_the_information():
    x1, x2, y = _samples()
    padded = np.hstack([x1, np.full((x1.shape[0], 1), 7.0)])
    plain, dropped = joint_gaussian(x1, x2, y), joint_gaussian(padded, x2, y)
    assert dropped.details["dropped_constant_columns"] == {"x1": [2]}
    assert dropped.dims == plain.dims
    assert np.allclose(dropped.mutual_informations(), plain.mutual_informations(), atol=1e-12)


def test_shrinkage_handles_fewer_samples_than_dimensions():
    rng = np.random.default_rng(5)
    y = rng.normal(size=30)
    x1 = y[:, None] + rng.normal(size=(30, 20))
    x2 = rng.normal(size=(30, 20))
    with pytest.raises(ValueError, match="shrinkage='ledoit_wolf'"):
        joint_gaussian(x1, x2, y)
    joint = joint_gaussian(x1, x2, y, shrinkage="ledoit_wolf")
    i1, i2, i12 = joint.mutual_informations()
    assert 0 < joint.shrinkage < 1
    assert np.all(np.isfinite([i1, i2, i12])) and i12 >= max(i1, i2) - 1e-12


def test_bias_corrected_informations_are_the_plugin_minus_the_bias():
    x1, x2, y = _samples()
    joint = joint_gaussian(x1, x2, y)
    plug, corrected = joint.mutual_informations(), joint.mutual_informations(True)
    n = x1.shape[0]
    for p, c, d in zip(plug, corrected, (2, 3, 5)):
        assert p - c == pytest.approx(mutual_information_bias(d, 1, n), abs=1e-12)


def test_joint_from_covariance_checks_dims_and_bias_flag():
    with pytest.raises(ValueError, match="dims"):
        joint_from_covariance(np.eye(4), (1, 1, 1))
    assert resolve_bias_correction(None, None) is True
    assert resolve_bias_correction(None, "ledoit_wolf") is False
    with pytest.raises(ValueError, match="cannot be combined"):
        resolve_bias_correction(True, 0.1)


def test_as_samples_shapes():
    assert as_samples([1, 2, 3], "x").shape == (3, 1)
    with pytest.raises(ValueError, match="at least one sample"):
        as_samples(np.zeros((0, 2)), "x")


def test_class_label_target_carries_its_entropy():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2, 3], [100, 100, 100, 100])
    joint = joint_gaussian(rng.standard_normal(400), rng.standard_normal(400), y)
    assert joint.target_entropy == pytest.approx(2.0, abs=1e-12)
    assert joint_gaussian(rng.standard_normal(400), rng.standard_normal(400),
                          y.astype(float)).target_entropy is None


def test_information_above_the_label_entropy_is_refused():
    # A source that separates two classes almost perfectly: the Gaussian formula gives far more
    # than the 1 bit that a binary label can hold.
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    joint = joint_gaussian(y + 0.01 * rng.standard_normal(2000), rng.standard_normal(2000), y)
    with pytest.raises(ValueError, match=r"I\(X1; Y\) = .* bits for a class-label target whose "
                                         r"entropy H\(Y\) is 1 bits.*estimator='cluster'"):
        joint.mutual_informations()
    noisy = joint_gaussian(y + rng.standard_normal(2000), rng.standard_normal(2000), y)
    i1, i2, i12 = noisy.mutual_informations()
    assert 0 < i1 <= i12 < 1.0
