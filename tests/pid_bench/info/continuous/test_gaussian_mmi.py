"""Gaussian MMI: analytic cases, invariances, bias correction, consistency, bad input."""

import numpy as np
import pytest

import pid_bench
from pid_bench.info.continuous.gaussian_mmi import gaussian_mmi, mmi_from_covariance


def _two_channels(var1: float, var2: float) -> tuple[np.ndarray, dict[str, float]]:
    """Y ~ N(0, 1), X_i = Y + N_i with independent noise of variance var_i; analytic atoms."""
    cov = np.array([[1 + var1, 1, 1], [1, 1 + var2, 1], [1, 1, 1.0]])
    i1, i2 = 0.5 * np.log2(1 + 1 / var1), 0.5 * np.log2(1 + 1 / var2)
    i12 = 0.5 * np.log2(1 + 1 / var1 + 1 / var2)
    r = min(i1, i2)
    return cov, {"redundancy": r, "unique1": i1 - r, "unique2": i2 - r,
                 "synergy": i12 - max(i1, i2)}


def _draw(cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).multivariate_normal(np.zeros(len(cov)), cov, size=n)


def test_closed_form_from_the_covariance():
    cov, atoms = _two_channels(0.25, 1.0)
    result = mmi_from_covariance(cov, (1, 1, 1))
    for k, v in atoms.items():
        assert getattr(result, k) == pytest.approx(v, abs=1e-12)
    assert result.unique2 == 0.0


def test_samples_match_the_closed_form_at_large_n():
    cov, atoms = _two_channels(0.25, 1.0)
    z = _draw(cov, 100_000, 0)
    result = gaussian_mmi(z[:, 0], z[:, 1], z[:, 2])
    for k, v in atoms.items():
        assert getattr(result, k) == pytest.approx(v, abs=0.01)
    assert result.details["bias_correction"] is True


def _vector_case(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    x1 = np.column_stack([y + 0.7 * rng.normal(size=n), rng.normal(size=n), y - rng.normal(size=n)])
    x2 = np.column_stack([0.5 * y + rng.normal(size=n), rng.normal(size=n)])
    return x1, x2, y


def test_invariant_to_invertible_linear_maps_of_each_variable():
    x1, x2, y = _vector_case(3000, 1)
    rng = np.random.default_rng(2)
    a1, a2 = rng.normal(size=(3, 3)), rng.normal(size=(2, 2))
    base = gaussian_mmi(x1, x2, y)
    mapped = gaussian_mmi(x1 @ a1.T + 5.0, x2 @ a2.T - 1.0, -3.0 * y + 2.0)
    assert np.allclose(base.atoms(), mapped.atoms(), atol=1e-9)


def test_bias_correction_removes_most_of_the_small_sample_bias():
    cov, atoms = _two_channels(0.25, 1.0)
    truth = np.array(list(atoms.values()))
    n, d = 100, 8
    plug, corr = [], []
    rng = np.random.default_rng(3)
    for seed in range(60):
        z = _draw(cov, n, seed)
        noise1, noise2 = rng.normal(size=(n, d - 1)), rng.normal(size=(n, d - 1))
        x1, x2 = np.hstack([z[:, :1], noise1]), np.hstack([z[:, 1:2], noise2])
        res = gaussian_mmi(x1, x2, z[:, 2])
        corr.append(res.atoms())
        plug.append([res.details["plugin"][k] for k in atoms])
    plug_err, corr_err = np.mean(plug, 0) - truth, np.mean(corr, 0) - truth
    # The plug-in inflates R and S (pure-noise dimensions add apparent information); the
    # correction removes most of it. (With equal SNR the min itself biases R down, which no
    # correction of the mutual informations can fix; not tested here.)
    assert plug_err[0] > 0.03 and plug_err[3] > 0.04
    assert abs(corr_err[0]) < 0.5 * plug_err[0]
    assert abs(corr_err[3]) < 0.5 * plug_err[3]


def test_every_result_is_a_consistent_decomposition():
    x1, x2, y = _vector_case(500, 4)
    for kwargs in ({}, {"bias_correction": False}, {"shrinkage": "ledoit_wolf"}):
        res = gaussian_mmi(x1, x2, y, **kwargs)
        assert np.all(res.atoms() >= 0)
        assert min(res.unique1, res.unique2) == 0.0
        assert res.total == pytest.approx(res.redundancy + res.unique1 + res.unique2 + res.synergy)
    plain = gaussian_mmi(x1, x2, y, bias_correction=False)
    joint = np.cov(np.column_stack([x1, x2, y]), rowvar=False)
    assert plain.mi1 == pytest.approx(
        pid_bench.info.continuous.gaussian.gaussian_mutual_information(joint, [0, 1, 2], [5]))


def test_class_label_target_uses_class_indicators():
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, size=2000)
    x1 = labels[:, None] + rng.normal(size=(2000, 2))
    x2 = (labels == 1)[:, None] + rng.normal(size=(2000, 1))
    onehot = np.column_stack([labels == 0, labels == 1]).astype(float)
    assert np.allclose(gaussian_mmi(x1, x2, labels).atoms(), gaussian_mmi(x1, x2, onehot).atoms())
    relabelled = np.array([7, 3, 5])[labels]
    assert np.allclose(gaussian_mmi(x1, x2, relabelled).atoms(),
                       gaussian_mmi(x1, x2, labels).atoms())


def test_registry_entry_and_bootstrap_intervals():
    x1, x2, y = _vector_case(800, 6)
    direct = gaussian_mmi(x1, x2, y)
    res = pid_bench.pid_from_samples(x1, x2, y, estimator="gaussian_mmi", n_bootstrap=20, seed=0)
    assert np.allclose(res.atoms(), direct.atoms())
    lo, hi = res.intervals["redundancy"]
    assert lo <= res.redundancy <= hi and hi > lo
    assert "gaussian_mmi" in pid_bench.estimators()


@pytest.mark.parametrize("kwargs, match", [
    ({"shrinkage": "ledoit_wolf", "bias_correction": True}, "cannot be combined"),
    ({"shrinkage": "bogus"}, "shrinkage must be"),
])
def test_bad_options(kwargs, match):
    x1, x2, y = _vector_case(200, 7)
    with pytest.raises(ValueError, match=match):
        gaussian_mmi(x1, x2, y, **kwargs)


def test_bad_samples_fail_at_the_door():
    x1, x2, y = _vector_case(200, 8)
    x1[5, 1] = np.nan
    with pytest.raises(ValueError, match="x1 must contain finite numbers"):
        gaussian_mmi(x1, x2, y)
    with pytest.raises(ValueError, match="same number of samples"):
        gaussian_mmi(x2[:-1], x2, y)
    with pytest.raises(ValueError, match="singular"):
        gaussian_mmi(x2, x2, y)


@pytest.mark.slow
def test_gaussian_presets_within_two_hundredths_of_a_bit_at_n_10000_d_8():
    """The accuracy target of benchmarks/pid_accuracy.py, for the Gaussian family."""
    from synthetic.gaussian import PRESETS, make_gaussian

    for preset in PRESETS:
        errors = []
        for seed in range(5):
            ds = make_gaussian(preset=preset, d1=8, d2=8, n_samples=10_000, seed=seed)
            truth = ds.ground_truth.loc["y", list(pid_bench.ATOMS)].to_numpy()
            est = gaussian_mmi(ds.modalities["x1"], ds.modalities["x2"], ds.tasks["y"])
            errors.append(np.abs(est.atoms() - truth))
        assert np.all(np.mean(errors, axis=0) <= 0.02), (preset, np.mean(errors, axis=0))
