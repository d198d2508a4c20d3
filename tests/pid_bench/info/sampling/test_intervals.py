"""Bootstrap intervals: centered on the corrected estimate, BCa, shifted percentile."""

import numpy as np
import pytest

from pid_bench.info.sampling.intervals import bootstrap_draws, bootstrap_interval
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
