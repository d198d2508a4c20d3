"""Tests of the generators' shared argument checks."""

import math

import numpy as np
import pytest

from synthetic._checks import check_int, check_positive, check_real, check_seed


def test_check_int_accepts_integers_at_or_above_the_minimum():
    assert check_int("k", 3, 2) == 3 and type(check_int("k", np.int64(2), 2)) is int


@pytest.mark.parametrize("value", [1, True, 2.0, "3", None])
def test_check_int_refuses_small_or_non_integers(value):
    with pytest.raises(ValueError, match=r"k must be an integer >= 2; received"):
        check_int("k", value, 2)


def test_check_real_bounds_and_types():
    assert check_real("noise", 0, 0.0) == 0.0 and check_real("bias", 1, 0.0, 1.0) == 1.0
    for bad in (-0.1, 1.5, math.nan, math.inf, "0.5", False):
        with pytest.raises(ValueError, match="bias must be"):
            check_real("bias", bad, 0.0, 1.0)


def test_check_positive_refuses_zero_negative_and_non_finite():
    assert check_positive("norm", 3) == 3.0 and check_positive("norm", 1e-9) == 1e-9
    with pytest.raises(ValueError, match="norm must be > 0; received 0.0"):
        check_positive("norm", 0)
    for bad in (-1.0, math.inf, math.nan, "1"):
        with pytest.raises(ValueError, match="norm must be a"):
            check_positive("norm", bad)


def test_check_seed_makes_reproducible_generators_and_passes_generators_through():
    assert check_seed(5).integers(1 << 30) == check_seed(5).integers(1 << 30)
    rng = np.random.default_rng(0)
    assert check_seed(rng) is rng
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        check_seed(-1)
