import numpy as np
import pytest
from hypothesis import given, settings

from pid_bench.info.discrete.mmi import mmi
from pid_bench.info.shannon import source_target_informations
from pid_bench.testing.dit_reference import dit_pid
from pid_bench.testing.strategies import joint_distributions, relabelled
from synthetic.discrete import random_distribution

ATOL = 1e-10


def test_weaker_source_has_no_unique_information():
    # X1 = Y exactly, X2 = Y flipped with probability 1/4: I(X2;Y) = 1 - h(1/4) is the
    # redundancy, X1 keeps h(1/4) unique bits, and nothing is synergistic (X1 alone says all).
    p = np.zeros((2, 2, 2))
    for y in range(2):
        p[y, y, y] = 0.375
        p[y, 1 - y, y] = 0.125
    h = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    r = mmi(p)
    np.testing.assert_allclose(r.atoms(), [1 - h, h, 0.0, 0.0], rtol=0, atol=1e-15)
    assert r.measure == "mmi"


@settings(max_examples=60, deadline=None)
@given(joint_distributions())
def test_identities_and_invariances(p):
    r = mmi(p)
    mi1, mi2, mi12 = source_target_informations(p)
    assert r.redundancy == min(mi1, mi2)
    assert min(r.atoms()) >= -ATOL
    assert min(r.unique1, r.unique2) == pytest.approx(0.0, abs=ATOL)
    assert r.total == pytest.approx(mi12, abs=ATOL)
    np.testing.assert_allclose(mmi(p.transpose(1, 0, 2)).atoms(), r.swapped().atoms(),
                               rtol=0, atol=ATOL)
    np.testing.assert_allclose(mmi(relabelled(p, 1)).atoms(), r.atoms(), rtol=0, atol=ATOL)


@pytest.mark.parametrize("seed, shape, zero_fraction", [
    (0, (2, 2, 2), 0.0), (1, (3, 4, 2), 0.3), (2, (8, 8, 8), 0.5), (3, (8, 8, 8), 0.0)])
def test_agrees_with_dit(seed, shape, zero_fraction):
    p = random_distribution(shape, alpha=0.5, zero_fraction=zero_fraction, seed=seed)
    np.testing.assert_allclose(mmi(p).atoms(), dit_pid(p, "mmi").atoms(), rtol=0, atol=1e-9)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="must be non-negative"):
        mmi(-np.full((2, 2, 2), 0.125))
