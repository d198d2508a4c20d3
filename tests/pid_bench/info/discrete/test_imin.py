import numpy as np
import pytest
from hypothesis import given, settings

from pid_bench.info.discrete.imin import imin, specific_information
from pid_bench.info.discrete.mmi import mmi
from pid_bench.info.shannon import source_target_informations
from pid_bench.testing.dit_reference import dit_pid
from pid_bench.testing.strategies import joint_distributions, relabelled
from synthetic.discrete import random_distribution

ATOL = 1e-10


def test_specific_information_closed_form():
    # X uniform bit, Y = X flipped with probability 1/4: given y, x matches with prob 3/4,
    # so I(X; Y=y) = 1 - h(1/4) for both y, and p(y) = 1/2.
    pxy = np.array([[3, 1], [1, 3]]) / 8
    h = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    np.testing.assert_allclose(specific_information(pxy), [(1 - h) / 2] * 2, rtol=0, atol=1e-15)
    # an outcome of Y that never occurs has no specific information
    pxy = np.array([[0.5, 0.0], [0.5, 0.0]])
    np.testing.assert_array_equal(specific_information(pxy), [0.0, 0.0])


def test_redundancy_sums_the_smaller_specific_information_per_outcome():
    # Y uniform bit; X1 = Y; X2 is uniform given y = 0 and equals 1 given y = 1.
    # I(X1; Y=y) = 1 for both y. With p(x2=1) = 3/4:
    #   I(X2; Y=0) = 1/2 log2(1 / (1/2)) + 1/2 log2((1/3) / (1/2)) = 1 - log2(3) / 2,
    #   I(X2; Y=1) = log2((2/3) / (1/2)) = 2 - log2(3),
    # so I_min = 1/2 (1 - log2(3)/2) + 1/2 (2 - log2(3)) = 3/2 - 3/4 log2(3).
    p = np.zeros((2, 2, 2))
    p[0, 0, 0] = p[0, 1, 0] = 0.25
    p[1, 1, 1] = 0.5
    r = imin(p)
    np.testing.assert_allclose(r.details["specific_information"],
                               [[0.5, 0.5], [0.5 * (1 - np.log2(3) / 2), 0.5 * (2 - np.log2(3))]],
                               rtol=0, atol=1e-15)
    assert r.redundancy == pytest.approx(1.5 - 0.75 * np.log2(3), abs=1e-15)
    mi1, mi2, mi12 = source_target_informations(p)
    assert r.unique1 == pytest.approx(mi1 - r.redundancy, abs=1e-15)
    assert r.synergy == pytest.approx(mi12 - mi1 - mi2 + r.redundancy, abs=1e-15)
    assert r.measure == "imin" and r.unit == "bits"


@settings(max_examples=60, deadline=None)
@given(joint_distributions())
def test_identities_and_invariances(p):
    r = imin(p)
    mi1, mi2, mi12 = source_target_informations(p)
    assert min(r.atoms()) >= -ATOL
    assert r.redundancy + r.unique1 == pytest.approx(mi1, abs=ATOL)
    assert r.redundancy + r.unique2 == pytest.approx(mi2, abs=ATOL)
    assert r.total == pytest.approx(mi12, abs=ATOL)
    # I_min never exceeds MMI: sum_y min_i <= min_i sum_y
    assert r.redundancy <= mmi(p).redundancy + ATOL
    np.testing.assert_allclose(imin(p.transpose(1, 0, 2)).atoms(), r.swapped().atoms(),
                               rtol=0, atol=ATOL)
    np.testing.assert_allclose(imin(relabelled(p, 0)).atoms(), r.atoms(), rtol=0, atol=ATOL)


def test_identical_sources_are_fully_redundant():
    pxy = random_distribution((4, 3), seed=5)
    p = np.zeros((4, 4, 3))
    p[np.arange(4), np.arange(4)] = pxy
    r = imin(p)
    np.testing.assert_allclose(r.atoms(), [source_target_informations(p)[0], 0, 0, 0],
                               rtol=0, atol=ATOL)


@pytest.mark.parametrize("seed, shape, zero_fraction", [
    (0, (2, 2, 2), 0.0), (1, (3, 4, 2), 0.3), (2, (4, 4, 4), 0.5), (3, (4, 3, 5), 0.0)])
def test_agrees_with_dit(seed, shape, zero_fraction):
    p = random_distribution(shape, alpha=0.5, zero_fraction=zero_fraction, seed=seed)
    np.testing.assert_allclose(imin(p).atoms(), dit_pid(p, "imin").atoms(), rtol=0, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_dit_on_8x8x8(seed):
    p = random_distribution((8, 8, 8), alpha=0.5, zero_fraction=0.3 * (seed % 2), seed=seed)
    np.testing.assert_allclose(imin(p).atoms(), dit_pid(p, "imin").atoms(), rtol=0, atol=1e-9)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="must have 3 axes"):
        imin(np.full((2, 2), 0.25))
