"""The plug-in mode of pid_from_samples: corrected atoms, details, p-values, intervals, and
the acceptance checks of issue 17."""

import warnings

import numpy as np
import pytest

import pid_bench
from pid_bench.info import ATOMS
from pid_bench.info.sampling import SamplingWarning
from pid_bench.info.sampling.bias import CORRECTIONS
from pid_bench.info.sampling.estimate import AUTO_DENSE, AUTO_SPARSE, AUTO_SWITCH


def _independent_30(seed):
    return np.random.default_rng(seed).integers(0, 30, (3, 3000))


def _xor(n, seed):
    a, b = np.random.default_rng(seed).integers(0, 2, (2, n))
    return a, b, a ^ b


def test_details_carry_raw_atoms_bias_method_p_values_and_the_interval_flags():
    r = pid_bench.pid_from_samples(*_xor(500, 0), n_permutations=30, n_bootstrap=20, seed=1)
    d = r.details
    raw = np.array([d["plugin"][a] for a in ATOMS])
    np.testing.assert_allclose(raw - r.atoms(), [d["bias"][a] for a in ATOMS], atol=1e-15)
    assert d["correction"] == AUTO_DENSE and d["correction_rule"] == "auto"
    assert d["synergy_null"] == "both"
    assert set(d["p_values"]) == {*ATOMS, "total"} and d["n_permutations"] >= 20
    assert d["interval_method"] == "hull" and d["interval_calibrated"]
    assert d["interval_note"].startswith("calibrated at this n: 125.0 samples per occupied cell")
    # XOR: both unique informations are 0, so both boundary regimes widen the intervals.
    assert d["interval_boundary"] == ["unique1", "unique2"]
    assert d["n_samples"] == 500 and d["occupied_cells"] == 4
    assert r.total == pytest.approx(sum(r.atoms()))


def test_seeds_reproduce_and_every_correction_gives_a_valid_decomposition():
    x1, x2, y = np.random.default_rng(2).integers(0, 4, (3, 400))
    a = pid_bench.pid_from_samples(x1, x2, y, n_permutations=25, seed=3)
    b = pid_bench.pid_from_samples(x1, x2, y, n_permutations=25, seed=np.random.default_rng(3))
    assert np.array_equal(a.atoms(), b.atoms()) and a.details["p_values"] == b.details["p_values"]
    for correction in CORRECTIONS:
        r = pid_bench.pid_from_samples(x1, x2, y, correction=correction, n_permutations=0,
                                       seed=0)
        assert np.all(r.atoms() >= 0) and r.details["correction"] == correction
        assert r.total <= r.details["plugin"]["total"] + 0.05, correction


@pytest.mark.parametrize("kwargs, message", [
    ({"correction": "jackknife"}, "correction must be one of auto, shuffle, bootstrap, extrapolation"),
    ({"n_permutations": -1}, "n_permutations must be an integer >= 0; received -1"),
    ({"interval": "basic"}, "interval must be one of hull, boundary, centered, bca, percentile"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pid_bench.pid_from_samples([0, 1], [0, 1], [0, 1], **kwargs)


def test_xor_at_2000_is_one_bit_of_significant_synergy_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        r = pid_bench.pid_from_samples(*_xor(2000, 0), n_permutations=100, seed=0)
    assert r.synergy == pytest.approx(1.0, abs=0.03)
    assert r.details["p_values"]["synergy"] == pytest.approx(1 / 101)


def test_independent_12_levels_at_500_warns_and_corrects_to_about_zero():
    # The fast analogue of the 30-level check: 1,728 cells, 0.3 samples per cell.
    x1, x2, y = np.random.default_rng(0).integers(0, 12, (3, 500))
    with pytest.warns(SamplingWarning):
        r = pid_bench.pid_from_samples(x1, x2, y, n_permutations=20, seed=0)
    assert r.details["plugin"]["synergy"] > 1.2
    assert r.details["samples_per_cell"] < AUTO_SWITCH and r.details["correction"] == AUTO_SPARSE
    assert np.all(np.abs(r.atoms()) <= 0.15)
    assert r.details["p_values"]["synergy"] > 0.05


@pytest.mark.slow
def test_xor_default_call_p_below_a_thousandth_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        r = pid_bench.pid_from_samples(*_xor(2000, 1), seed=1)
    assert r.synergy == pytest.approx(1.0, abs=0.03)
    assert r.details["p_values"]["synergy"] < 0.001


@pytest.mark.slow
def test_independent_30_levels_default_call_over_20_seeds():
    above = 0
    for seed in range(20):
        with pytest.warns(SamplingWarning):
            r = pid_bench.pid_from_samples(*_independent_30(seed), seed=seed)
        assert np.all(np.abs(r.atoms()) <= 0.15), (seed, r.atoms())
        above += r.details["p_values"]["synergy"] > 0.05
    assert above >= 18


@pytest.mark.filterwarnings("ignore::pid_bench.info.sampling.SamplingWarning")
@pytest.mark.parametrize("interval, measure, n, note", [
    ("centered", "broja", 2000, "NOT calibrated: 'centered' intervals cover some atoms"),
    ("boundary", "broja", 2000, "NOT calibrated: 'boundary' intervals cover some atoms"),
    ("hull", "mmi", 2000, "NOT calibrated: coverage is measured for broja only"),
    ("hull", "broja", 24, "NOT calibrated at this n: 6.0 samples per occupied cell"),
])
def test_intervals_say_when_they_are_not_calibrated(interval, measure, n, note):
    r = pid_bench.pid_from_samples(*_xor(n, 0), measure=measure, interval=interval,
                                   n_permutations=0, n_bootstrap=10, seed=0)
    assert not r.details["interval_calibrated"] and r.details["interval_note"].startswith(note)


def test_the_default_hull_interval_is_the_hull_around_the_bootstrap_and_nsb_corrections():
    # Same seed, same bootstrap replicates: the default interval (around the bootstrap
    # correction, 'auto' at 24 samples per cell) spans the boundary intervals around the
    # bootstrap and around the NSB correction, and nothing more; on this noisy sum mod 3 the
    # NSB correction is the lower one, so the hull reaches lower in synergy and total.
    rng = np.random.default_rng(4)
    x1, x2 = rng.integers(0, 3, (2, 432))
    y = (x1 + x2 + rng.integers(0, 2, 432)) % 3
    kw = {"n_permutations": 0, "n_bootstrap": 30, "seed": 5}
    hull = pid_bench.pid_from_samples(x1, x2, y, **kw)
    again = pid_bench.pid_from_samples(x1, x2, y, **kw)
    boot = pid_bench.pid_from_samples(x1, x2, y, interval="boundary", **kw)
    nsb = pid_bench.pid_from_samples(x1, x2, y, correction="nsb", interval="boundary", **kw)
    assert hull.details["interval_method"] == "hull" and hull.details["correction"] == "bootstrap"
    assert hull.intervals == again.intervals
    assert np.array_equal(hull.atoms(), boot.atoms())
    for key, (lo, hi) in hull.intervals.items():
        assert lo == min(boot.intervals[key][0], nsb.intervals[key][0]), key
        assert hi == max(boot.intervals[key][1], nsb.intervals[key][1]), key
    assert hull.intervals["synergy"][0] < boot.intervals["synergy"][0] - 0.005
    assert hull.intervals["synergy"][1] == boot.intervals["synergy"][1]
