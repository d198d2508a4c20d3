"""Tests of unit names and conversions."""

import math

import pytest

from pid_bench.info.units import bits_to, unit_name


@pytest.mark.parametrize("base, name", [(2, "bits"), (math.e, "nats"), (10, "dits"), (3, "log3")])
def test_unit_names(base, name):
    assert unit_name(base) == name


def test_conversion_from_bits():
    assert bits_to(1.0, math.e) == pytest.approx(math.log(2))
    assert bits_to(3.0, 8) == pytest.approx(1.0)
    assert bits_to(0.7, 2) == 0.7


@pytest.mark.parametrize("bad", [1, 0, -2, float("nan"), float("inf"), "two"])
def test_bad_base_is_rejected(bad):
    with pytest.raises(ValueError, match="base must be"):
        unit_name(bad)
