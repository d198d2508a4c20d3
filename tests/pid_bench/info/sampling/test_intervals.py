"""Bootstrap intervals: boundary (the default), centered on the corrected estimate, BCa, shifted
percentile."""

import numpy as np
import pytest

from pid_bench.info.sampling.intervals import boundary_regimes, bootstrap_draws, bootstrap_interval
from pid_bench.info.sampling.table import SampleTable, decompose


def _solve(p):
    return decompose(p, "mmi", {}).atoms()


@pytest.fixture(scope="module")
def noisy_and():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, (2, 1000))
    y = (a & b) ^ (rng.random(1000) < 0.1)
    table = SampleTable((a, b, y.astype(int)))
    raw = _solve(table.joint())
    return table, raw, bootstrap_draws(table, _solve, 60, np.random.default_rng(1))


def test_centered_intervals_surround_the_corrected_estimate(noisy_and):
    table, raw, draws = noisy_and
    corrected = np.clip(raw - 0.002, 0, None)
    iv = bootstrap_interval(table, _solve, raw, corrected, draws, 0.95, "centered",
                            np.random.default_rng(0))
    spread = np.quantile(draws[:, 3], [0.025, 0.975]) - draws[:, 3].mean()
    assert iv["synergy"] == pytest.approx(tuple(corrected[3] + spread), abs=1e-12)
    for key, (lo, hi) in iv.items():
        assert 0 <= lo <= hi, key
    narrow = bootstrap_interval(table, _solve, raw, corrected, draws, 0.5, "centered",
                                np.random.default_rng(0))
    assert narrow["total"][1] - narrow["total"][0] < iv["total"][1] - iv["total"][0]


def test_percentile_is_shifted_by_the_bias_and_bca_brackets_the_plugin(noisy_and):
    table, raw, draws = noisy_and
    corrected = raw - np.array([0.0, 0.0, 0.0, 0.01])
    pct = bootstrap_interval(table, _solve, raw, corrected, draws, 0.9, "percentile",
                             np.random.default_rng(0))
    want = np.quantile(draws[:, 3], [0.05, 0.95]) - 0.01
    assert pct["synergy"] == pytest.approx(tuple(want), abs=1e-12)
    bca = bootstrap_interval(table, _solve, raw, corrected, draws, 0.9, "bca",
                             np.random.default_rng(0))
    assert bca["synergy"][0] < raw[3] < bca["synergy"][1]
    assert draws[:, 3].min() <= bca["synergy"][0] and bca["synergy"][1] <= draws[:, 3].max()


def _draws(centre, sd, seed=0, b=400):
    return np.random.default_rng(seed).normal(centre, sd, (b, 4))


def test_boundary_is_centered_where_both_unique_informations_are_clearly_positive(noisy_and):
    table = noisy_and[0]
    corrected = np.array([0.3, 0.2, 0.25, 0.4])
    draws = _draws(corrected + 0.01, 0.02)
    assert boundary_regimes(corrected, draws, 0.95) == []
    args = (table, _solve, corrected, corrected, draws, 0.95)
    assert bootstrap_interval(*args, "boundary", None) == bootstrap_interval(*args, "centered",
                                                                             None)


def test_boundary_takes_the_hull_with_the_regime_where_u1_is_zero(noisy_and):
    table = noisy_and[0]
    corrected = np.array([0.3, 0.07, 0.2, 0.4])   # U1 within 1.96 sd(U1 - U2) of 0, U2 not
    draws = _draws(corrected, 0.03, seed=1)
    assert boundary_regimes(corrected, draws, 0.95) == [1]
    args = (table, _solve, corrected, corrected, draws, 0.95)
    cent = bootstrap_interval(*args, "centered", None)
    iv = bootstrap_interval(*args, "boundary", None)
    # In the regime U1 = 0 the atoms are (R + U1, 0, U2 - U1, S + U1).
    regime = {"redundancy": draws[:, 0] + draws[:, 1], "unique2": draws[:, 2] - draws[:, 1],
              "synergy": draws[:, 3] + draws[:, 1]}
    at = {"redundancy": 0.37, "unique2": 0.13, "synergy": 0.47}
    for key, values in regime.items():
        lo, hi = np.quantile(values, [0.025, 0.975]) - values.mean() + at[key]
        assert iv[key] == pytest.approx((min(lo, cent[key][0]), max(hi, cent[key][1])),
                                        abs=1e-12), key
    assert iv["unique1"] == (0.0, cent["unique1"][1]) and cent["unique1"][0] > 0
    assert iv["total"] == cent["total"]


def test_the_test_against_zero_uses_the_spread_of_u1_minus_u2(noisy_and):
    corrected = np.array([0.3, 0.05, 0.05, 0.4])
    draws = _draws(corrected, [0.01, 0.01, 0.01, 0.01], seed=2)
    assert boundary_regimes(corrected, draws, 0.95) == []
    draws[:, 1] += np.linspace(-0.04, 0.04, len(draws))   # U1 - U2 now spreads by about 0.025
    draws[:, 2] -= np.linspace(-0.04, 0.04, len(draws))
    assert boundary_regimes(corrected, draws, 0.95) == [1, 2]


def test_signed_measures_get_the_centered_interval_without_clipping_atoms(noisy_and):
    table = noisy_and[0]
    corrected = np.array([-0.1, 0.01, 0.02, 0.1])
    draws = _draws(corrected, 0.03, seed=3)
    args = (table, _solve, corrected, corrected, draws, 0.95, "boundary", None)
    iv = bootstrap_interval(*args, nonnegative=False)
    want = np.quantile(draws[:, 0], [0.025, 0.975]) - draws[:, 0].mean() - 0.1
    assert iv["redundancy"] == pytest.approx(tuple(want), abs=1e-12) and want[1] < 0
    assert iv["total"][0] >= 0


def test_hull_spans_the_boundary_intervals_around_every_correction(noisy_and):
    table = noisy_and[0]
    corrected = np.array([0.3, 0.2, 0.25, 0.4])   # both U clearly positive: centered intervals
    other = corrected + np.array([0.0, 0.0, -0.01, 0.03])
    draws = _draws(corrected + 0.01, 0.02, seed=4)
    args = (table, _solve, corrected, corrected, draws, 0.95)
    cent = bootstrap_interval(*args, "centered", None)
    iv = bootstrap_interval(*args, "hull", None, others=[other])
    # The centered interval around `other` is the one around `corrected` shifted by the
    # difference, so the hull moves the low limit by min(0, d) and the high one by max(0, d).
    shift = dict(zip(("redundancy", "unique1", "unique2", "synergy", "total"),
                     [*(other - corrected), (other - corrected).sum()]))
    for key, d in shift.items():
        assert iv[key] == pytest.approx((cent[key][0] + min(d, 0), cent[key][1] + max(d, 0)),
                                        abs=1e-12), key
    assert bootstrap_interval(*args, "hull", None) == bootstrap_interval(*args, "boundary", None)
    assert bootstrap_interval(*args, "boundary", None, others=[other]) == \
        bootstrap_interval(*args, "boundary", None)


def test_hull_widens_each_correction_over_its_own_boundary_regimes(noisy_and):
    table = noisy_and[0]
    corrected = np.array([0.3, 0.2, 0.25, 0.4])
    other = np.array([0.3, 0.04, 0.25, 0.4])       # U1 within 1.96 sd of 0 here only
    draws = _draws(corrected, 0.03, seed=5)
    args = (table, _solve, corrected, corrected, draws, 0.95)
    near = bootstrap_interval(table, _solve, other, other, draws, 0.95, "boundary", None)
    assert near["unique1"][0] == 0.0
    iv = bootstrap_interval(*args, "hull", None, others=[other])
    assert iv["unique1"][0] == 0.0
    for key, (lo, hi) in bootstrap_interval(*args, "boundary", None).items():
        assert iv[key][0] == min(lo, near[key][0]) and iv[key][1] == max(hi, near[key][1]), key
