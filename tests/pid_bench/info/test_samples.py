import collections

import numpy as np
import pandas as pd
import pytest

from pid_bench.info import ATOMS, pid, pid_from_samples
from pid_bench.info.samples import encode_labels, joint_from_samples


def draw(n, seed):
    """Noisy AND: y = x1 and x2, flipped with probability 0.2."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.integers(0, 2, n), rng.integers(0, 2, n)
    y = (x1 & x2) ^ (rng.random(n) < 0.2)
    return x1, x2, y.astype(int)


def counted_joint(x1, x2, y):
    """Empirical joint by explicit counting over the sorted label values."""
    levels = [sorted(set(v)) for v in (x1, x2, y)]
    p = np.zeros(tuple(len(v) for v in levels))
    for key, count in collections.Counter(zip(x1, x2, y)).items():
        p[tuple(lv.index(k) for lv, k in zip(levels, key))] = count
    return p / p.sum()


def test_joint_from_samples_counts_relative_frequencies():
    x1, x2, y = draw(500, 0)
    np.testing.assert_allclose(joint_from_samples(x1, x2, y), counted_joint(x1, x2, y),
                               rtol=0, atol=1e-15)


@pytest.mark.parametrize("measure", ["imin", "mmi", "ccs"])
def test_plug_in_equals_pid_of_the_empirical_joint(measure):
    x1, x2, y = draw(400, 1)
    got = pid_from_samples(x1, x2, y, measure=measure, correction=None, n_permutations=0)
    want = pid(counted_joint(x1, x2, y), measure)
    np.testing.assert_allclose(got.atoms(), want.atoms(), rtol=0, atol=1e-12)
    raw = pid_from_samples(x1, x2, y, measure=measure, n_permutations=0, seed=0)
    np.testing.assert_allclose([raw.details["plugin"][a] for a in ATOMS], want.atoms(),
                               rtol=0, atol=1e-12)
    assert got.details["n_samples"] == 400
    assert got.intervals is None


def test_labels_of_any_hashable_type_give_the_same_decomposition():
    x1, x2, y = draw(300, 2)
    opts = {"measure": "imin", "n_permutations": 20, "seed": 0}
    reference = pid_from_samples(x1, x2, y, **opts)
    names = np.array(["cold", "hot"])
    as_strings = pid_from_samples(list(names[x1]), pd.Series(names[x2]), names[y], **opts)
    as_tuples = pid_from_samples([(v, "a") for v in x1], [(v,) for v in x2],
                                 pd.Series([(v, v) for v in y]), **opts)
    mixed = pid_from_samples([1.5 if v else "none" for v in x1], x2.astype(float),
                             [bool(v) for v in y], **opts)
    for other in (as_strings, as_tuples, mixed):
        np.testing.assert_allclose(other.atoms(), reference.atoms(), rtol=0, atol=1e-12)


def test_encode_labels_keeps_tuples_whole():
    np.testing.assert_array_equal(encode_labels([(0, 1), (1, 0), (0, 1)], "x"), [0, 1, 0])


def test_bootstrap_intervals_contain_the_estimate_and_are_reproducible():
    x1, x2, y = draw(2000, 3)
    a = pid_from_samples(x1, x2, y, measure="mmi", n_bootstrap=100, seed=7)
    b = pid_from_samples(x1, x2, y, measure="mmi", n_bootstrap=100,
                         seed=np.random.default_rng(7))
    c = pid_from_samples(x1, x2, y, measure="mmi", n_bootstrap=100, seed=8)
    assert a.intervals == b.intervals
    assert a.intervals != c.intervals
    assert set(a.intervals) == {"redundancy", "unique1", "unique2", "synergy", "total"}
    for name, (lo, hi) in a.intervals.items():
        value = a.total if name == "total" else getattr(a, name)
        assert lo <= value <= hi, name
        assert hi - lo < 0.1, name
    narrow = pid_from_samples(x1, x2, y, measure="mmi", n_bootstrap=100, seed=7, confidence=0.5)
    assert narrow.intervals["total"][1] - narrow.intervals["total"][0] < \
        a.intervals["total"][1] - a.intervals["total"][0]


def test_base_applies_to_atoms_and_intervals():
    x1, x2, y = draw(300, 4)
    bits = pid_from_samples(x1, x2, y, measure="mmi", n_bootstrap=10, seed=0)
    nats = pid_from_samples(x1, x2, y, measure="mmi", n_bootstrap=10, seed=0, base=np.e)
    assert nats.unit == "nats"
    np.testing.assert_allclose(nats.atoms(), bits.atoms() * np.log(2), rtol=0, atol=1e-14)
    np.testing.assert_allclose(nats.intervals["total"],
                               np.array(bits.intervals["total"]) * np.log(2), rtol=0, atol=1e-14)


@pytest.mark.parametrize("kwargs, message", [
    ({"y": [0, 1]}, r"same number of samples; received \{'x1': 3, 'x2': 3, 'y': 2\}"),
    ({"x1": [0, np.nan, 1]}, r"x1 contains missing or non-finite labels \(None, NaN or inf\)"),
    ({"y": np.array([0.0, np.inf, 1.0])}, "y contains missing or non-finite labels"),
    ({"x2": [0, None, 1]}, "x2 contains missing or non-finite labels"),
    ({"x1": np.zeros((3, 2))}, r"x1 must be one label per sample, shape \(n,\); received "
                                r"shape \(3, 2\)"),
    ({"x1": [], "x2": [], "y": []}, "at least one sample"),
    ({"measure": "nope"}, "unknown PID measure 'nope'; known measures: broja, ccs, imin, mmi"),
    ({"n_bootstrap": -1}, "n_bootstrap must be an integer >= 0; received -1"),
    ({"confidence": 1.5}, r"confidence must be in \(0, 1\); received 1.5"),
    ({"base": 0}, "base must be"),
])
def test_bad_input_is_rejected(kwargs, message):
    args = {"x1": [0, 1, 1], "x2": [1, 0, 1], "y": [0, 0, 1], "measure": "mmi", **kwargs}
    with pytest.raises(ValueError, match=message):
        pid_from_samples(args.pop("x1"), args.pop("x2"), args.pop("y"), **args)


def test_scalars_booleans_and_unknown_options_are_refused():
    with pytest.raises(ValueError, match="x1 must be a sequence or array of samples; received int"):
        pid_from_samples(3, [0], [0])
    with pytest.raises(ValueError, match="n_bootstrap must be an integer >= 0; received True"):
        pid_from_samples([0, 1], [0, 1], [0, 1], n_bootstrap=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    with pytest.raises(ValueError, match=r"'gaussian_mmi' does not take the options \['bogus'\]"):
        pid_from_samples(x, x, x[:, 0], estimator="gaussian_mmi", bogus=2)


def test_the_default_seed_makes_the_correction_reproducible():
    """Without a seed argument, the bias correction's resamples are seeded (seed=0)."""
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 3, 400), rng.integers(0, 3, 400)
    y = (a + rng.integers(0, 2, 400)) % 3  # a bootstrap correction drawn afresh would move U1
    first, second = (pid_from_samples(a, b, y, n_permutations=0) for _ in range(2))
    assert first.details["correction"] == "bootstrap"
    np.testing.assert_array_equal(first.atoms(), second.atoms())
