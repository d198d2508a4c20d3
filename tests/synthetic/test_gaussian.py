"""Tests of synthetic.gaussian: closed-form decomposition, presets, samples, validation."""

import math

import numpy as np
import pytest

from synthetic.gaussian import PRESETS, gaussian_ground_truth, make_gaussian, preset_covariance

#: Core atoms of the presets (R, U1, U2, S), bits, as listed in the module docstring.
PRESET_ATOMS = {
    "redundancy": (1.161, 0.0, 0.0, 0.061),
    "unique": (0.028, 1.133, 0.0, 0.006),
    "synergy": (0.466, 0.0, 0.0, 1.730),
    "mixed": (0.391, 0.401, 0.0, 0.421),
}


def _random_cov(rng: np.random.Generator, size: int) -> np.ndarray:
    a = rng.standard_normal((size, size + 3))
    return a @ a.T / (size + 3)


def _conditional_variance_mi(cov: np.ndarray, a: list[int], y: int) -> float:
    """I(A; Y) for scalar Y as 1/2 log2(var Y / var(Y | A)), var(Y | A) by the Schur complement."""
    s_ya = cov[y, a]
    residual = cov[y, y] - s_ya @ np.linalg.solve(cov[np.ix_(a, a)], s_ya)
    return 0.5 * math.log2(cov[y, y] / residual)


def test_ground_truth_is_mmi_of_the_three_informations():
    """Against I(A; Y) = 1/2 log2(var Y / var(Y | A)), computed here by the Schur complement."""
    rng = np.random.default_rng(1)
    d1, d2 = 3, 2
    cov = _random_cov(rng, d1 + d2 + 1)
    y = d1 + d2
    mi1 = _conditional_variance_mi(cov, [0, 1, 2], y)
    mi2 = _conditional_variance_mi(cov, [3, 4], y)
    mi12 = _conditional_variance_mi(cov, [0, 1, 2, 3, 4], y)
    result = gaussian_ground_truth(cov, d1, d2)
    assert result.measure == "gaussian_mmi"
    ds = make_gaussian(cov=cov, d1=d1, n_samples=10)
    np.testing.assert_allclose(ds.ground_truth.iloc[0, :4], result.atoms(), atol=1e-12)
    assert result.redundancy == pytest.approx(min(mi1, mi2), abs=1e-10)
    assert min(result.unique1, result.unique2) == pytest.approx(0.0, abs=1e-12)
    assert result.synergy == pytest.approx(mi12 - max(mi1, mi2), abs=1e-10)
    assert result.total == pytest.approx(mi12, abs=1e-10)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset_atoms_are_those_documented_and_independent_of_dimension(preset):
    for d1, d2, seed in ((1, 1, 0), (8, 8, 1), (32, 5, 2)):
        result = gaussian_ground_truth(preset_covariance(preset, d1, d2, seed), d1, d2)
        np.testing.assert_allclose(result.atoms(), PRESET_ATOMS[preset], atol=6e-4)
    core = gaussian_ground_truth(np.array(PRESETS[preset]), 1, 1)
    embedded = gaussian_ground_truth(preset_covariance(preset, 32, 32, 3), 32, 32)
    np.testing.assert_allclose(embedded.atoms(), core.atoms(), atol=1e-9)


def test_ground_truth_matches_empirical_covariance_of_a_large_sample():
    """100,000 samples: the plug-in Gaussian MI has bias about d / (2 n ln 2) bits and
    standard error of order 1/sqrt(n); 0.01 bits covers both at d = 8."""
    for preset in ("mixed", "synergy"):
        ds = make_gaussian(preset=preset, d1=8, d2=8, n_samples=100_000, seed=4)
        x = np.hstack([ds.modalities["x1"], ds.modalities["x2"], ds.tasks["y"][:, None]])
        empirical = gaussian_ground_truth(np.cov(x.astype(np.float64).T), 8, 8)
        truth = ds.ground_truth.loc["y", ["redundancy", "unique1", "unique2", "synergy"]]
        np.testing.assert_allclose(empirical.atoms(), truth.to_numpy(), atol=0.01)
        np.testing.assert_allclose(np.cov(x.astype(np.float64).T), ds.metadata["cov"], atol=0.02)


def test_dataset_layout_and_split():
    ds = make_gaussian(preset="unique", d1=3, d2=5, n_samples=1000, test_fraction=0.25, seed=0)
    assert ds.modalities["x1"].shape == (1000, 3) and ds.modalities["x2"].shape == (1000, 5)
    assert ds.modalities["x1"].dtype == np.float32
    assert ds.tasks["y"].dtype == np.float64 and ds.n_classes == {"y": 0}
    assert int(np.sum(ds.split_of == "test")) == 250 and not ds.has_split("pretrain")
    assert ds.name == "gaussian_unique"
    assert list(ds.ground_truth.index) == ["y"]
    assert ds.ground_truth.loc["y", "total"] == pytest.approx(sum(PRESET_ATOMS["unique"]),
                                                              abs=2e-3)


def test_user_covariance_and_dimension_inference():
    cov = np.array(PRESETS["mixed"])
    ds = make_gaussian(cov=cov, n_samples=50)
    assert ds.name == "gaussian" and ds.modalities["x1"].shape == (50, 1)
    big = preset_covariance("redundancy", 2, 3, 0)
    for kwargs in ({"d1": 2}, {"d2": 3}, {"d1": 2, "d2": 3}):
        out = make_gaussian(cov=big, n_samples=20, **kwargs)
        assert out.modalities["x1"].shape == (20, 2) and out.modalities["x2"].shape == (20, 3)
        np.testing.assert_allclose(out.ground_truth.iloc[0, :4], PRESET_ATOMS["redundancy"],
                                   atol=6e-4)


def test_same_seed_same_arrays_different_seed_different():
    a = make_gaussian(preset="mixed", n_samples=100, seed=7)
    b = make_gaussian(preset="mixed", n_samples=100, seed=7)
    c = make_gaussian(preset="mixed", n_samples=100, seed=8)
    for key in ("x1", "x2"):
        np.testing.assert_array_equal(a.modalities[key], b.modalities[key])
        assert not np.array_equal(a.modalities[key], c.modalities[key])
    np.testing.assert_array_equal(a.tasks["y"], b.tasks["y"])
    np.testing.assert_array_equal(a.split_of, b.split_of)
    g1 = make_gaussian(preset="mixed", n_samples=10, seed=np.random.default_rng(3))
    g2 = make_gaussian(preset="mixed", n_samples=10, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(g1.modalities["x2"], g2.modalities["x2"])


@pytest.mark.parametrize("kwargs,message", [
    ({}, "give exactly one of preset"),
    ({"preset": "mixed", "cov": np.eye(3)}, "give exactly one of preset"),
    ({"preset": "chaos"}, "unknown Gaussian preset 'chaos'"),
    ({"cov": [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]}, "positive definite"),
    ({"cov": [[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]}, "must be symmetric"),
    ({"cov": np.eye(2)}, "give d1"),
    ({"cov": np.eye(2), "d1": 1}, "d2 must be an integer >= 1"),
    ({"cov": np.ones((3, 4))}, "square \\(D, D\\) matrix"),
    ({"cov": [[1.0, 0.0, 0.0], [0.0, np.nan, 0.0], [0.0, 0.0, 1.0]]}, "finite"),
    ({"cov": np.eye(5), "d1": 2, "d2": 3}, "shape \\(6, 6\\)"),
    ({"cov": np.eye(5)}, "give d1"),
    ({"cov": "abc"}, "convert"),
    ({"preset": "mixed", "d1": 0}, "d1 must be an integer >= 1"),
    ({"preset": "mixed", "n_samples": 1}, "n_samples must be an integer >= 2"),
    ({"preset": "mixed", "test_fraction": 1.5}, "test_fraction must be a finite number"),
    ({"preset": "mixed", "test_fraction": 0.0}, "at least one train and one test sample"),
    ({"preset": "mixed", "seed": 1.5}, "seed must be an integer"),
])
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_gaussian(**{"n_samples": 10, **kwargs})
