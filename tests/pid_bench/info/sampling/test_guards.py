"""Guards at the door: continuous columns, oversized tables, the undersampling warning."""

import time
import warnings

import numpy as np
import pytest

import pid_bench
from pid_bench.info.sampling import SamplingWarning
from pid_bench.info.sampling.guards import (
    MIN_SAMPLES_PER_CELL,
    check_float_labels,
    check_table_size,
    undersampling_message,
)


def test_500_normal_floats_are_refused_in_under_two_seconds_naming_the_estimators():
    x1, x2, y = np.random.default_rng(0).normal(size=(3, 500))
    start = time.perf_counter()
    with pytest.raises(ValueError) as err:
        pid_bench.pid_from_samples(x1, x2, y)
    assert time.perf_counter() - start < 2.0
    text = str(err.value)
    assert text.startswith("x1 has 500 distinct float values in 500 samples")
    for name in ('estimator="cluster"', 'estimator="copula"', 'estimator="gaussian_mmi"',
                 "discretise"):
        assert name in text


def test_float_labels_with_few_values_and_floats_in_object_columns():
    check_float_labels(np.repeat([0.0, 1.5, 2.0], 100), "x1")           # 3 values: labels
    check_float_labels(np.arange(1000), "x1")                           # integers: not floats
    mixed = np.array([float(i) for i in range(100)] + ["a"] * 10, dtype=object)
    with pytest.raises(ValueError, match="y has 100 distinct float values in 110 samples"):
        check_float_labels(mixed, "y")
    with pytest.raises(ValueError, match="x2 has 65 distinct"):
        check_float_labels(np.arange(65) + 0.5, "x2")


def test_oversized_tables_are_refused_before_they_are_built():
    with pytest.raises(ValueError, match=r"5000 x 5000 x 2 cells.*raise memory_limit"):
        check_table_size((5000, 5000, 2), "broja")
    check_table_size((3000, 3000, 2), "broja", memory_limit=2**40)
    rng = np.random.default_rng(1)
    ids = rng.permutation(5000)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="5000 x 5000 x 2 cells"):
        pid_bench.pid_from_samples(ids, rng.permutation(5000), rng.integers(0, 2, 5000))
    assert time.perf_counter() - start < 1.0
    with pytest.raises(ValueError, match="memory_limit=9.31e-10 GiB"):
        pid_bench.pid_from_samples([0, 1], [0, 1], [0, 1], memory_limit=1)


def test_the_warning_is_a_filterable_user_warning():
    assert issubclass(SamplingWarning, UserWarning)
    rng = np.random.default_rng(2)
    x1, x2, y = rng.integers(0, 8, (3, 300))           # 512 cells, about 0.6 samples each
    with pytest.warns(SamplingWarning, match=r"300 samples over \d+ occupied cells"):
        r = pid_bench.pid_from_samples(x1, x2, y, n_permutations=0, seed=0)
    assert r.details["undersampled"] and r.details["samples_per_cell"] < MIN_SAMPLES_PER_CELL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", SamplingWarning)
        pid_bench.pid_from_samples(x1, x2, y, n_permutations=0, seed=0)


def test_no_warning_with_enough_samples_per_cell():
    a, b = np.random.default_rng(3).integers(0, 2, (2, 2000))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        r = pid_bench.pid_from_samples(a, b, a ^ b, n_permutations=0, seed=0)
    assert not r.details["undersampled"] and r.details["samples_per_cell"] == 500
    assert undersampling_message(2000, 4) == ""
