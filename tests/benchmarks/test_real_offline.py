"""The offline real-data benchmark: its parts, table and conditions on hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest

METHODS = ["comm", "cross", "cross_self", "factorcl", "supervised", "random"]


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("real_offline")


def _table(values: dict[tuple[str, str], list[float]], epoch: int = 40) -> pd.DataFrame:
    rows = [{"dataset": d, "task": "digit", "method": m, "seed": seed, "epoch": epoch,
             "metric": metric, "value": v if metric == "balanced_accuracy" else v / 30}
            for (d, m), seeds in values.items() for seed, v in enumerate(seeds)
            for metric in ("balanced_accuracy", "captured_bits")]
    return pd.DataFrame(rows)


def _verdicts(checks) -> dict[str, bool | None]:
    return {c.name: c.passed for c in checks}


def test_the_config_leaves_the_bimodal_factorcl_out_of_three_views(bench):
    from pid_bench.experiment import load_config

    config = load_config(bench.ROOT / "configs" / "real_offline.yaml")
    assert bench.not_applicable(config) == {("mfeat_3views", "factorcl")}
    assert len(config.cells()) == 6 * 3 - 1


def test_factorcl_refuses_three_modalities():
    # The config's datasets for FactorCL follow a real limit of the method, not a choice.
    from pid_bench.methods.registry import get_method
    from pid_bench.methods.base import MethodContext

    context = MethodContext(modality_shapes=((4,), (4,), (4,)), augment=(None,) * 3,
                            n_classes={"digit": 10})
    with pytest.raises(ValueError, match="bimodal by construction"):
        get_method("factorcl")(context)


def test_cell_table_reports_mean_sd_seeds_and_not_applicable(bench):
    table = _table({("a", "comm"): [90, 92, 94], ("a", "cross"): [80, 80, 80],
                    ("b", "comm"): [70]})
    # An earlier epoch of the same run must not be read.
    table = pd.concat([table, _table({("a", "comm"): [10, 10, 10]}, epoch=5)])
    cells = bench.cell_table(table, ["a", "b"], ["comm", "cross"], {("b", "cross")})
    assert cells.loc["comm", "a"] == "92.0 ± 2.0 (3.07 ± 0.07 bits, 3 seeds)"
    assert cells.loc["cross", "a"] == "80.0 ± 0.0 (2.67 ± 0.00 bits, 3 seeds)"
    assert cells.loc["comm", "b"] == "70.0 ± nan (2.33 ± nan bits, 1 seeds)"
    assert cells.loc["cross", "b"] == "n/a"
    assert bench.cell_table(table, ["a"], ["random"], set()).loc["random", "a"] == "not run"


def test_conditions_pass_within_the_margin(bench):
    table = _table({("a", "comm"): [95, 96], ("a", "cross"): [97, 98],  # 1.5 below
                    ("a", "supervised"): [99, 99],                    # not self-supervised
                    ("b", "comm"): [90, 90], ("b", "cross_self"): [85, 86]})
    verdicts = _verdicts(bench.checks(table, ["a", "b"], ["comm", "cross", "cross_self",
                                                          "supervised"],
                                      {("a", "cross_self"), ("b", "cross"), ("b", "supervised")}, 2))
    assert verdicts == {"a: 2 seeds in every applicable cell": True,
                        "a: comm within 2 points of the best self-supervised method": True,
                        "b: 2 seeds in every applicable cell": True,
                        "b: comm within 2 points of the best self-supervised method": True}


def test_each_condition_can_fail(bench):
    table = _table({("a", "comm"): [94, 95], ("a", "factorcl"): [97, 97],  # 2.5 below
                    ("a", "random"): [50]})                                # one seed of two
    found = {c.name: c for c in bench.checks(table, ["a"], ["comm", "factorcl", "random"],
                                             set(), 2)}
    assert found["a: 2 seeds in every applicable cell"].passed is False
    assert "'random': 1" in found["a: 2 seeds in every applicable cell"].detail
    within = found["a: comm within 2 points of the best self-supervised method"]
    assert within.passed is False
    assert within.detail == "comm 94.5, best factorcl 97.0, difference -2.5"
    missing = _verdicts(bench.checks(table, ["b"], ["comm"], set(), 2))
    assert missing["b: comm within 2 points of the best self-supervised method"] is None
    assert missing["b: 2 seeds in every applicable cell"] is False


def test_interactions_table_names_intervals_and_sources(bench):
    from types import SimpleNamespace

    atoms = {"redundancy": 1.0, "unique1": 0.5, "unique2": 0.25, "synergy": 0.2, "total": 1.95}
    meta = {"sources": [["fac", "pix"], ["kar"]], "samples_per_cell": {"digit": 4.04},
            "intervals": {"digit": {a: [v - 0.1, v + 0.1] for a, v in atoms.items()}},
            "warnings": {"digit": "few samples"}}
    data = SimpleNamespace(ground_truth=pd.DataFrame(atoms, index=["digit"]),
                           metadata={"ground_truth": meta})
    row = bench.interactions({"three": data}).loc["three"]
    assert row["redundancy"] == "1.00 [0.90, 1.10]"
    assert row["synergy"] == "0.20 [0.10, 0.30]"
    assert row["sources"] == "fac+pix; kar"
    assert row["samples_per_cell"] == 4.0 and row["warning"] == "few samples"
