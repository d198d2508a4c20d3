import numpy as np
import pytest

from pid_bench.info.validation import SUM_TOLERANCE, validate_base, validate_joint


def uniform(shape=(2, 2, 2)):
    return np.full(shape, 1.0 / np.prod(shape))


def test_valid_array_is_returned_as_float64_copy():
    p = uniform()
    out = validate_joint(p)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, p)
    out[0, 0, 0] = 5.0
    assert p[0, 0, 0] == 0.125


def test_counts_are_normalised_only_on_request():
    counts = np.arange(8, dtype=float).reshape(2, 2, 2)
    np.testing.assert_allclose(validate_joint(counts, normalize=True), counts / 28.0, rtol=0,
                               atol=1e-15)
    with pytest.raises(ValueError, match=r"must sum to 1 .*received sum 28.*normalize=True"):
        validate_joint(counts)


def test_sum_within_tolerance_is_accepted_and_beyond_is_rejected():
    p = uniform()
    p[0, 0, 0] += SUM_TOLERANCE / 2
    validate_joint(p)
    p[0, 0, 0] += 10 * SUM_TOLERANCE
    with pytest.raises(ValueError, match="must sum to 1"):
        validate_joint(p)


@pytest.mark.parametrize("bad, message", [
    (np.full((2, 2), 0.25), r"must have 3 axes .*shape \(2, 2\) with 2 axes"),
    (np.full((2, 2, 2, 1), 0.125), r"must have 3 axes .*4 axes"),
    (np.zeros((2, 2, 2)), "positive total mass; received all zeros"),
    (np.zeros((0, 2, 2)), "non-empty"),
    ([[["a", "b"]]], "numeric array of probabilities; received list"),
])
def test_malformed_arrays_are_rejected_with_what_was_received(bad, message):
    with pytest.raises(ValueError, match=message):
        validate_joint(bad)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_entries_are_rejected(value):
    p = uniform()
    p[1, 0, 1] = value
    with pytest.raises(ValueError, match="finite numbers; received 1 NaN or inf"):
        validate_joint(p, normalize=True)


def test_negative_entries_are_rejected_even_with_normalize():
    p = uniform()
    p[0, 1, 0] = -0.125
    p[0, 0, 0] = 0.375
    with pytest.raises(ValueError, match="non-negative; received minimum entry -0.125"):
        validate_joint(p, normalize=True)


def test_any_number_of_axes_when_ndim_is_none():
    assert validate_joint([0.5, 0.5], ndim=None).shape == (2,)


@pytest.mark.parametrize("base", [0, -2, 1, np.nan, np.inf, "two", None])
def test_bad_bases_are_rejected(base):
    with pytest.raises(ValueError, match="base must be"):
        validate_base(base)


def test_good_bases_pass_through():
    assert validate_base(2) == 2.0
    assert validate_base(np.e) == np.e
    assert validate_base(0.5) == 0.5
