"""The CoMM Trifeature benchmark's conditions, on hand-made tables of both pretrainings."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def tri(load_benchmark):
    return load_benchmark("comm_trifeature")


def _table(dataset: str, values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    rows = [{"dataset": dataset, "task": task, "method": method, "seed": seed, "epoch": 24,
             "metric": "balanced_accuracy", "value": v}
            for (task, method), seeds in values.items() for seed, v in enumerate(seeds)]
    return pd.DataFrame(rows)


def _verdicts(checks) -> dict[str, bool | None]:
    return {c.name: c.passed for c in checks}


def _runs(**changes) -> pd.DataFrame:
    """Both CoMM pretrainings of seed 0, side by side: 10 min each, the second ending 1 min later."""
    base = {"method": "comm", "seed": 0, "seconds": 600.0, "epochs": 24,
            "pairs_per_second": 300.0, "device": "cpu", "torch_threads": 2}
    ends = {"trifeature_unbiased": "2026-11-27T12:10:00+0000",
            "trifeature_biased": "2026-11-27T12:11:00+0000"}
    return pd.DataFrame([{**base, "dataset": d, "finished": ends[d], **changes}
                         for d in ("trifeature_unbiased", "trifeature_biased")])


def test_each_task_is_judged_on_its_own_pretraining(tri):
    # The unbiased pretraining holds the R/U numbers; its synergy (no signal there) must not
    # count, and the biased pretraining's R/U must not either.
    table = pd.concat([
        _table("trifeature_unbiased", {
            ("redundancy", "comm"): [99.5, 99.9], ("unique1", "comm"): [86, 88],
            ("unique2", "comm"): [84, 85], ("synergy", "comm"): [50, 50],
            ("unique1", "cross"): [12, 14], ("unique2", "cross"): [30, 31]}),
        _table("trifeature_biased", {
            ("redundancy", "comm"): [50, 50], ("unique1", "comm"): [99, 99],
            ("unique2", "comm"): [99, 99], ("synergy", "comm"): [71, 73],
            ("unique1", "cross"): [99, 99], ("synergy", "cross"): [50, 50]})])
    verdicts = _verdicts(tri.checks(table, _runs(), None))
    assert verdicts["redundancy: comm >= 99 (paper 99.9)"] is True
    assert verdicts["unique1: comm >= 85 (paper 87.8)"] is True        # 87
    assert verdicts["unique2: comm >= 85 (paper 87.8)"] is False       # 84.5, not the biased 99
    assert verdicts["synergy: comm >= 70 (paper 71.9)"] is True        # 72, not the unbiased 50
    assert verdicts["unique1: cross within 10 of chance 10"] is True   # 13, not the biased 99
    assert verdicts["unique2: cross within 10 of chance 10"] is False  # 30.5
    assert verdicts["synergy: cross within 10 of chance 50"] is True
    assert verdicts["synergy: cross_self within 5 of chance 50"] is None   # not run


SEED = "one comm seed (both pretrainings) under 15 min on CPU"
PRETRAINING = "mean comm pretraining on CPU"


def test_a_seed_is_timed_from_its_first_start_to_its_last_end_on_cpu_only(tri):
    table = _table("trifeature_biased", {("synergy", "comm"): [72]})
    found = {c.name: c for c in tri.checks(table, _runs(), None)}
    assert found[SEED].passed is True and found[SEED].detail == "11.0 [11.0, 11.0] min over 1 seed(s)"
    assert found[PRETRAINING].passed is None and found[PRETRAINING].detail.startswith("10.0 min")
    slow = {c.name: c for c in tri.checks(table, _runs(seconds=850.0), None)}
    assert slow[SEED].passed is False and slow[SEED].detail.startswith("15.2")   # 850 s + 60 s
    # Made in two calls an hour apart: the span would count the gap, the sum does not.
    apart = _runs().assign(finished=["2026-11-27T12:10:00+0000", "2026-11-27T13:10:00+0000"])
    found = {c.name: c for c in tri.checks(table, apart, None)}
    assert found[SEED].detail.startswith("20.0") and found[SEED].passed is False
    on_gpu = {c.name: c for c in tri.checks(table, _runs(device="cuda"), None)}
    assert on_gpu[SEED].passed is None and "ran on cuda" in on_gpu[SEED].detail


def test_a_seed_with_one_pretraining_on_cpu_is_not_timed(tri):
    table = _table("trifeature_biased", {("synergy", "comm"): [72]})
    found = {c.name: c for c in tri.checks(table, _runs().iloc[:1], None)}
    assert found[SEED].passed is None and found[SEED].detail == "no seed has both pretrainings on CPU"


def test_refuses_results_of_other_datasets(tri):
    table = _table("trifeature", {("synergy", "comm"): [72]})
    with pytest.raises(ValueError, match=r"also hold \['trifeature'\]"):
        tri.checks(table, _runs(), None)


def test_runs_of_other_datasets_do_not_enter_the_timing(tri):
    table = _table("trifeature_biased", {("synergy", "comm"): [72]})
    runs = pd.concat([_runs(), _runs(seconds=5000.0).assign(dataset="trifeature").iloc[:1]])
    found = {c.name: c for c in tri.checks(table, runs, None)}
    assert found[SEED].passed is True and found[SEED].detail.startswith("11.0")
