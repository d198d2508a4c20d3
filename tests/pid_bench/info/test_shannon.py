import math

import numpy as np
import pytest

from pid_bench.info.shannon import (
    conditional_mutual_information,
    entropy,
    mutual_information,
    source_target_informations,
)
from synthetic.discrete import and_, random_distribution, rdn, xor


def binary_entropy(q):
    return -q * math.log2(q) - (1 - q) * math.log2(1 - q)


def test_entropy_of_uniform_and_of_marginals():
    p = np.full((2, 4, 8), 1 / 64)
    assert entropy(p) == pytest.approx(6.0, abs=1e-12)
    assert entropy(p, 1) == pytest.approx(2.0, abs=1e-12)
    assert entropy(p, (0, 2)) == pytest.approx(4.0, abs=1e-12)
    assert entropy(p, -1) == pytest.approx(3.0, abs=1e-12)


def test_entropy_in_other_bases_and_of_counts():
    q = np.array([0.2, 0.8])
    assert entropy(q, base=2) == pytest.approx(binary_entropy(0.2), abs=1e-12)
    assert entropy(q, base=np.e) == pytest.approx(binary_entropy(0.2) * math.log(2), abs=1e-12)
    assert entropy([1, 4], normalize=True) == pytest.approx(binary_entropy(0.2), abs=1e-12)


def test_zero_cells_contribute_nothing():
    assert entropy(np.array([0.5, 0.0, 0.5])) == pytest.approx(1.0, abs=1e-15)


def test_mutual_information_closed_forms():
    # RDN: X1 = X2 = Y, one bit
    assert mutual_information(rdn(), 0, 2) == pytest.approx(1.0, abs=1e-12)
    # XOR: each source alone says nothing, together everything
    assert mutual_information(xor(), 0, 2) == pytest.approx(0.0, abs=1e-12)
    assert mutual_information(xor(), (0, 1), 2) == pytest.approx(1.0, abs=1e-12)
    # AND: I(X1;Y) = h(1/4) - h(1/2)/2, I(X1,X2;Y) = h(1/4)
    assert mutual_information(and_(), 0, 2) == pytest.approx(binary_entropy(0.25) - 0.5,
                                                             abs=1e-12)


def test_conditional_mutual_information_of_xor():
    assert conditional_mutual_information(xor(), 0, 2, 1) == pytest.approx(1.0, abs=1e-12)


def test_chain_rule_on_random_distributions():
    for seed in range(5):
        p = random_distribution((3, 4, 5), alpha=0.5, zero_fraction=0.3, seed=seed)
        joint = mutual_information(p, (0, 1), 2)
        chain = mutual_information(p, 0, 2) + conditional_mutual_information(p, 1, 2, 0)
        assert joint == pytest.approx(chain, abs=1e-12)
        assert joint == pytest.approx(entropy(p, (0, 1)) + entropy(p, 2) - entropy(p), abs=1e-12)


def test_source_target_informations_match_the_single_calls():
    p = random_distribution((3, 2, 4), seed=1)
    expected = (mutual_information(p, 0, 2), mutual_information(p, 1, 2),
                mutual_information(p, (0, 1), 2))
    np.testing.assert_allclose(source_target_informations(p), expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(source_target_informations(p, base=np.e),
                               np.array(expected) * math.log(2), rtol=0, atol=1e-14)


@pytest.mark.parametrize("call, message", [
    (lambda p: entropy(p, 3), "axes must be axis indices of a 3-axis array; received 3"),
    (lambda p: mutual_information(p, 0, 0), "disjoint"),
    (lambda p: mutual_information(p, (), 1), "at least one axis"),
    (lambda p: conditional_mutual_information(p, 0, 1, 0), "disjoint"),
    (lambda p: mutual_information(p, 0, 1, base=1), "base must be"),
    (lambda p: source_target_informations(p[0]), "must have 3 axes"),
])
def test_bad_axes_and_bases_are_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call(xor())
