"""The CoMM latent benchmark: its conditions on hand-made tables, and (slow) on a real grid."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("comm_latent")


def _table(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    rows = [{"dataset": "latent", "task": task, "method": method, "seed": seed, "epoch": 10,
             "metric": "balanced_accuracy", "value": v}
            for (task, method), seeds in values.items() for seed, v in enumerate(seeds)]
    return pd.DataFrame(rows)


def _verdicts(checks) -> dict[str, bool | None]:
    return {c.name: c.passed for c in checks}


def test_conditions_pass_on_the_expected_pattern(bench):
    table = _table({("synergy", "comm"): [75, 80], ("synergy", "cross"): [50, 52],
                    ("synergy", "cross_self"): [49, 53], ("unique1", "comm"): [95, 96],
                    ("unique2", "comm"): [92, 99], ("unique1", "cross"): [30, 31],
                    ("unique2", "cross"): [26, 27], ("synergy_xor", "comm"): [30, 31]})
    verdicts = _verdicts(bench.checks(table, pd.DataFrame(), 60.0))
    assert all(v is not False for v in verdicts.values()), verdicts
    assert verdicts["one seed of the grid under 120 s"] is True
    assert verdicts["synergy_xor reported (chance 25)"] is None
    reused = _verdicts(bench.checks(table, pd.DataFrame(), None))
    assert reused["one seed of the grid under 120 s"] is None


def test_each_condition_can_fail(bench):
    table = _table({("synergy", "comm"): [60, 80], ("synergy", "cross"): [50, 62],
                    ("synergy", "cross_self"): [47, 49], ("unique1", "comm"): [89, 90],
                    ("unique2", "comm"): [99, 99], ("unique1", "cross"): [40, 41],
                    ("unique2", "cross"): [25, 25]})
    verdicts = _verdicts(bench.checks(table, pd.DataFrame(), 150.0))
    assert verdicts["synergy: comm >= cross + 15"] is False            # 70 vs 56
    assert verdicts["synergy: cross within 5 of chance 50"] is False   # 56
    assert verdicts["synergy: seed intervals of comm and cross do not overlap"] is False
    assert verdicts["synergy: comm >= cross_self + 15"] is True        # 70 vs 48
    assert verdicts["synergy: cross_self within 5 of chance 50"] is True
    assert verdicts["unique1: comm >= 90"] is False                    # 89.5
    assert verdicts["unique1: cross within 10 of chance 25"] is False  # 40.5
    assert verdicts["unique2: cross within 10 of chance 25"] is True
    assert verdicts["one seed of the grid under 120 s"] is False


def test_trifeature_conditions(load_benchmark):
    tri = load_benchmark("comm_trifeature")
    table = _table({("redundancy", "comm"): [99.5, 99.9], ("unique1", "comm"): [86, 88],
                    ("unique2", "comm"): [84, 85], ("synergy", "comm"): [71, 73],
                    ("unique1", "cross"): [95, 96], ("synergy", "cross"): [50, 50]})
    runs = pd.DataFrame([{"method": "comm", "seed": 0, "seconds": 600.0, "epochs": 20,
                          "pairs_per_second": 300.0, "device": "cpu", "torch_threads": 2}])
    verdicts = _verdicts(tri.checks(table, runs, None))
    assert verdicts["redundancy: comm >= 99 (paper 99.9)"] is True
    assert verdicts["unique2: comm >= 85 (paper 87.8)"] is False       # 84.5
    assert verdicts["synergy: comm >= 70 (paper 71.9)"] is True
    assert verdicts["unique2: cross within 10 of chance 10"] is None   # not run
    # texture 1 is shared under biased pretraining: reported, never a verdict
    assert verdicts["unique1: cross, not checked (texture 1 is shared in biased pretraining)"] is None
    assert verdicts["synergy: cross within 10 of chance 50"] is True
    assert verdicts["synergy: cross_self within 5 of chance 50"] is None
    assert verdicts["one comm seed under 15 min on CPU"] is True
    slow = _verdicts(tri.checks(table, runs.assign(seconds=1000.0), None))
    assert slow["one comm seed under 15 min on CPU"] is False
    on_gpu = {c.name: c for c in tri.checks(table, runs.assign(device="cuda"), None)}
    timing = on_gpu["one comm seed under 15 min on CPU"]
    assert timing.passed is None and "ran on cuda" in timing.detail


@pytest.fixture(scope="module")
def latent_grid(bench, tmp_path_factory):
    # Two seeds of the default grid (intervals need two).
    return {c.name: c for c in bench.main(["--seeds", "0,1", "--quiet",
                                           "--out", str(tmp_path_factory.mktemp("grid"))])}


@pytest.mark.slow
def test_latent_grid_shows_what_comm_must_show(latent_grid):
    # Every condition on CoMM's synergy and uniqueness; the wall time depends on the machine's
    # load and Cross's uniqueness is the next test.
    failed = [c for name, c in latent_grid.items()
              if c.passed is False and "under" not in name and "cross within" not in name]
    assert not failed, failed
    assert "synergy_xor reported (chance 25)" in latent_grid


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="on latent vectors a linear probe reads the unique factors "
                   "from any embedding that keeps the latent states apart: an untrained encoder "
                   "already gives 80-90 %, Cross 95 % (benchmarks/latent_uniqueness.py)")
def test_cross_uniqueness_is_near_chance(latent_grid):
    for task in ("unique1", "unique2"):
        assert latent_grid[f"{task}: cross within 10 of chance 25"].passed
