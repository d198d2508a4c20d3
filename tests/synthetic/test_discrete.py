import numpy as np
import pytest

from pid_bench.info import entropy, mutual_information
from synthetic.discrete import (
    CANONICAL,
    canonical,
    copy,
    dice,
    from_function,
    random_distribution,
    rdnunqxor,
    rdnxor,
    sum_,
    w,
    xor,
    xorand,
)


@pytest.mark.parametrize("name", list(CANONICAL))
def test_canonical_distributions_are_valid_and_fresh(name):
    p = canonical(name)
    assert p.ndim == 3 and p.dtype == np.float64
    assert np.all(p >= 0) and p.sum() == pytest.approx(1.0, abs=1e-15)
    p[...] = 0
    assert canonical(name).sum() == pytest.approx(1.0, abs=1e-15)


def test_gates_have_the_stated_outcomes():
    expected_xor = np.zeros((2, 2, 2))
    for a in range(2):
        for b in range(2):
            expected_xor[a, b, a ^ b] = 0.25
    np.testing.assert_array_equal(xor(), expected_xor)
    np.testing.assert_array_equal(canonical("and")[:, :, 1], [[0, 0], [0, 0.25]])
    np.testing.assert_array_equal(canonical("or")[:, :, 0], [[0.25, 0], [0, 0]])
    np.testing.assert_array_equal(canonical("rdn")[:, :, 0], [[0.5, 0], [0, 0]])
    np.testing.assert_array_equal(canonical("unq")[1, :, 1], [0.25, 0.25])
    assert copy().shape == (2, 2, 4) and copy()[1, 0, 2] == 0.25
    np.testing.assert_array_equal(w()[[0, 0, 1], [0, 1, 0], [1, 0, 0]], [1 / 3] * 3)


def test_composite_distributions_have_the_stated_sizes_and_informations():
    assert rdnxor().shape == (4, 4, 4) and np.count_nonzero(rdnxor()) == 8
    p = rdnunqxor()
    assert p.shape == (8, 8, 16) and np.count_nonzero(p) == 32
    assert mutual_information(p, (0, 1), 2) == pytest.approx(4.0, abs=1e-12)
    # X1 = (r, a, c), X2 = (r, b, d) share exactly the bit r
    assert mutual_information(p, 0, 1) == pytest.approx(1.0, abs=1e-12)
    # XORAND is SUM with the target relabelled
    np.testing.assert_array_equal(np.sort(xorand(), axis=2), np.sort(sum_(), axis=2))


@pytest.mark.parametrize("a", [0.0, 0.5, 1.0])
def test_dice_follow_harder_salge_polani(a):
    p = dice(a, "sum")
    assert p.shape == (6, 6, 11)
    pair = p.sum(axis=2)
    np.testing.assert_allclose(pair, a / 36 + (1 - a) * np.eye(6) / 6, rtol=0, atol=1e-15)
    faces = np.add.outer(np.arange(6), np.arange(6))
    np.testing.assert_allclose(p[np.arange(6)[:, None], np.arange(6), faces], pair, atol=1e-15)
    q = dice(a, "x1+6x2")
    assert q.shape == (6, 6, 36)
    # Y = X1 + 6 X2 is one-to-one with the pair of faces
    assert entropy(q, 2) == pytest.approx(entropy(pair), abs=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"a": 1.5}, r"a must be a number in \[0, 1\]; received 1.5"),
    ({"a": "half"}, "a must be a number"),
    ({"target": "product"}, "target must be 'sum' or 'x1\\+6x2'; received 'product'"),
])
def test_dice_reject_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dice(**kwargs)


def test_unknown_canonical_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown canonical distribution 'nand'; known: xor, and"):
        canonical("nand")


def test_from_function_weights_and_checks():
    p = from_function(lambda i: (i, 0, 1 - i), 2, weights=np.array([0.25, 0.75]))
    np.testing.assert_array_equal(p[:, 0, :], [[0, 0.25], [0.75, 0]])
    with pytest.raises(ValueError, match="three codes"):
        from_function(lambda i: (i, i), 2)


def test_random_distribution_is_seeded_and_valid():
    a = random_distribution((3, 4, 5), alpha=0.5, seed=3)
    b = random_distribution((3, 4, 5), alpha=0.5, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, random_distribution((3, 4, 5), alpha=0.5, seed=4))
    assert a.shape == (3, 4, 5) and a.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(a > 0)


def test_random_distribution_zero_fraction_and_concentration():
    p = random_distribution((4, 5, 5), zero_fraction=0.3, seed=0)
    assert np.count_nonzero(p == 0) >= 30
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.count_nonzero(random_distribution(8, zero_fraction=0.99, seed=1)) == 1
    # small alpha concentrates the mass: the largest cell of 1000 holds much more
    peaked = random_distribution(1000, alpha=0.01, seed=2).max()
    flat = random_distribution(1000, alpha=100.0, seed=2).max()
    assert peaked > 0.1 > 0.01 > flat


@pytest.mark.parametrize("kwargs, message", [
    ({"shape": (2, 0, 2)}, "shape must be one or more positive integers"),
    ({"shape": ()}, "shape must be one or more positive integers"),
    ({"alpha": 0}, "alpha must be a finite number > 0; received 0"),
    ({"alpha": np.inf}, "alpha must be a finite number > 0"),
    ({"zero_fraction": 1.0}, r"zero_fraction must be a number in \[0, 1\); received 1.0"),
    ({"zero_fraction": -0.1}, "zero_fraction must be"),
])
def test_random_distribution_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        random_distribution(**kwargs)
