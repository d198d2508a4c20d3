"""Tests of valid_decomposition: corrected estimates projected back to valid atoms."""

import pytest

from pid_bench.info.continuous.correction import valid_decomposition


def test_valid_estimates_pass_unchanged():
    r = valid_decomposition(0.5, 0.3, 1.0, 0.2, measure="m", details={"k": 1})
    assert (r.redundancy, r.unique1, r.unique2, r.synergy) == pytest.approx((0.2, 0.3, 0.1, 0.4))
    assert r.details == {"k": 1, "clipped": False} and r.measure == "m"


@pytest.mark.parametrize("mi1, mi2, mi12, red", [
    (-0.1, 0.3, 0.5, 0.0),   # negative mutual information
    (0.6, 0.3, 0.4, 0.1),    # I(X1,X2;Y) below I(X1;Y)
    (0.5, 0.3, 1.0, 0.4),    # redundancy above min(I1, I2)
    (0.5, 0.5, 0.6, 0.0),    # redundancy below I1 + I2 - I12 (negative synergy)
])
def test_invalid_estimates_are_clipped_to_non_negative_consistent_atoms(mi1, mi2, mi12, red):
    r = valid_decomposition(mi1, mi2, mi12, red, measure="m")
    assert r.details["clipped"] is True
    assert min(r.redundancy, r.unique1, r.unique2, r.synergy) >= 0.0
    assert r.mi1 == pytest.approx(max(mi1, 0.0))
    assert r.mi2 == pytest.approx(max(mi2, 0.0))
    assert r.total == pytest.approx(max(mi12, mi1, mi2))


def test_example_values_of_the_projection():
    r = valid_decomposition(0.5, 0.5, 0.6, 0.0, measure="m")
    assert r.redundancy == pytest.approx(0.4) and r.synergy == pytest.approx(0.0)
