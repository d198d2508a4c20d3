"""Bias corrections: NSB entropies, Panzeri-Treves, extrapolation, valid corrected atoms."""

import numpy as np
import pytest

from pid_bench.info.sampling import bias
from pid_bench.info.sampling.table import SampleTable, decompose


def test_nsb_is_close_to_the_entropy_of_an_undersampled_uniform_distribution():
    rng = np.random.default_rng(0)
    for k, n in ((1000, 500), (27_000, 3000), (30, 3000)):
        counts = np.bincount(rng.integers(0, k, n), minlength=k)
        assert bias.nsb_entropy(counts, k) == pytest.approx(np.log2(k), abs=0.1)
    assert bias.nsb_entropy(np.array([5]), 1) == 0.0
    with pytest.raises(ValueError, match="k must be at least the number of occupied"):
        bias.nsb_entropy(np.array([1, 1, 1]), 2)


def test_nsb_follows_a_peaked_distribution_hidden_in_a_large_alphabet():
    counts = np.zeros(27_000, dtype=int)
    counts[:900] = np.bincount(np.random.default_rng(1).integers(0, 900, 54_000), minlength=900)
    assert bias.nsb_entropy(counts, 27_000) == pytest.approx(np.log2(900), abs=0.01)


def test_panzeri_treves_is_millers_term_on_a_fully_occupied_table():
    counts = np.full((3, 4, 2), 10)
    n = counts.sum()
    want = np.array([(3 - 1) * (2 - 1), (4 - 1) * (2 - 1), (12 - 1) * (2 - 1)]) / (2 * n * np.log(2))
    np.testing.assert_allclose(bias.panzeri_treves_bias(counts), want, rtol=1e-12)


def test_extrapolation_of_a_quadratic_in_one_over_n_is_exact():
    class Sizes:
        """A stand-in table whose 'joint' of a subsample is its size."""
        n = 400

        def resampled(self, idx):
            return np.array([idx.size])

    a, b, c = np.array([0.1, 0.2, 0.3, 0.4]), 3.0, 50.0

    def solve(size):
        return a + b / size[0] + c / size[0] ** 2

    got = bias.extrapolated_atoms(Sizes(), solve, solve(np.array([400])),
                                  np.random.default_rng(0))
    np.testing.assert_allclose(got, a, rtol=0, atol=1e-12)


@pytest.mark.parametrize("measure", ["broja", "mmi"])
def test_corrected_atoms_are_a_valid_decomposition(measure):
    r = bias.corrected_atoms(np.array([0.2, -0.1, 0.3, -0.5]), measure=measure)
    atoms = r.atoms()
    assert np.all(atoms >= 0) and r.details["clipped"]
    assert r.mi1 <= r.total + 1e-15 and r.mi2 <= r.total + 1e-15
    kept = bias.corrected_atoms(np.array([0.2, 0.1, 0.3, 0.5]), measure=measure)
    np.testing.assert_allclose(kept.atoms(), [0.2, 0.1, 0.3, 0.5], rtol=0, atol=1e-15)
    assert not kept.details["clipped"]


def test_ccs_atoms_may_stay_negative():
    r = bias.corrected_atoms(np.array([0.3, -0.1, 0.2, 0.1]), measure="ccs")
    np.testing.assert_allclose(r.atoms(), [0.3, -0.1, 0.2, 0.1], rtol=0, atol=1e-15)


def test_every_correction_removes_most_of_the_bias_of_independent_columns():
    rng = np.random.default_rng(3)
    table = SampleTable(tuple(rng.integers(0, k, 1000) for k in (6, 6, 4)))
    counts = table.counts()
    raw = decompose(table.joint(), "broja", {"tol": 1e-7})
    pt = bias.corrected_informations(
        bias.plugin_informations(counts) - bias.panzeri_treves_bias(counts), raw.redundancy,
        measure="broja")
    nsb = bias.corrected_informations(bias.nsb_informations(counts), raw.redundancy,
                                      measure="broja")
    assert raw.total > 0.05    # 144 cells, 7 samples each: the truth is 0
    for r in (pt, nsb):
        assert r.total < 0.3 * raw.total
