"""Tests of pid_bench.experiment.tables: the summary over seeds (and the table ``pid-bench run``
prints of it) and the ground-truth table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.commands.run import format_summary
from pid_bench.evaluate import probe_embeddings
from pid_bench.experiment.tables import ground_truth_table, summarize


def test_summarize_means_and_spreads_over_seeds_at_the_final_epoch():
    rows = []
    for seed, acc in ((0, 60.0), (1, 70.0)):
        for epoch, shift in ((1, -30.0), (5, 0.0)):
            base = {"dataset": "d", "task": "t", "method": "m", "seed": seed, "epoch": epoch,
                    "chance": 50.0, **{f"gt_{c}": 0.5 for c in GROUND_TRUTH_COLUMNS}}
            rows.append({**base, "metric": "balanced_accuracy", "value": acc + shift, "unit": "%"})
            rows.append({**base, "metric": "captured_bits", "value": acc / 100, "unit": "bits",
                         "chance": 0.0})
    summary = summarize(pd.DataFrame(rows))
    assert len(summary) == 1
    row = summary.iloc[0]
    assert row.balanced_accuracy == 65.0 and row.balanced_accuracy_sd == pytest.approx(np.sqrt(50))
    assert row.captured_bits == pytest.approx(0.65) and row.chance == 50.0 and row.seeds == 2


def test_summarize_keeps_probes_of_embeddings_without_epoch_or_seed():
    """probe_embeddings' rows carry no epoch (and no seed for a Generator): they are final."""
    data = MultimodalDataset.from_arrays(np.eye(2)[[0, 1] * 40], np.zeros((80, 1)),
                                         tasks={"y": [0, 1] * 40})
    z = np.column_stack([data.tasks["y"], np.zeros(80)]).astype(float)
    for seed in (0, np.random.default_rng(0)):
        summary = summarize(probe_embeddings(z, data, seed=seed))
        assert len(summary) == 1 and summary.iloc[0].seeds == 1
        assert summary.iloc[0].balanced_accuracy == 100.0


def test_ground_truth_table_has_one_row_per_dataset_and_task():
    data = MultimodalDataset.from_arrays(np.zeros((4, 1)), np.zeros((4, 1)),
                                         tasks={"y": [0, 1, 0, 1]})
    table = ground_truth_table({"a": data, "b": data})
    assert list(table.columns) == ["dataset", "task", *GROUND_TRUTH_COLUMNS]
    assert list(zip(table.dataset, table.task)) == [("a", "y"), ("b", "y")]


def test_summarize_keeps_multilabel_tasks_with_their_macro_f1():
    """A multi-label task has F1 scores and no captured bits: it still gets its row."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, (120, 3))
    data = MultimodalDataset.from_arrays(labels.astype(float), np.zeros((120, 1)),
                                         tasks={"genres": labels, "y": labels[:, 0]},
                                         multilabel=["genres"])
    summary = summarize(probe_embeddings(labels.astype(float), data, seed=0)).set_index("task")
    assert set(summary.index) == {"genres", "y"}
    assert summary.loc["genres", "f1_macro"] == pytest.approx(100.0)
    assert np.isnan(summary.loc["genres", "balanced_accuracy"])
    assert np.isnan(summary.loc["genres", "captured_bits"])
    assert np.isnan(summary.loc["y", "f1_macro"]) and summary.loc["y", "balanced_accuracy"] == 100


def _probe_rows(metrics: dict[str, tuple[float, ...]], epoch: int = 3) -> pd.DataFrame:
    """Final-epoch rows of task t, method m: metric -> one value per seed."""
    rows = [{"dataset": "d", "task": "t", "method": "m", "seed": seed, "epoch": epoch,
             "metric": metric, "value": value, "chance": 50.0 if "accuracy" in metric else 0.0,
             **{f"gt_{c}": 1.0 for c in GROUND_TRUTH_COLUMNS}}
            for metric, values in metrics.items() for seed, value in enumerate(values)]
    return pd.DataFrame(rows)


def test_summarize_puts_the_mlp_probe_beside_the_linear_one():
    summary = summarize(_probe_rows({
        "balanced_accuracy": (60.0, 70.0), "captured_bits": (0.1, 0.3),
        "balanced_accuracy_mlp": (80.0, 90.0), "captured_bits_mlp": (0.5, 0.7)}))
    columns = list(summary.columns)
    assert columns.index("balanced_accuracy_mlp") == columns.index("balanced_accuracy_sd") + 1
    assert columns.index("captured_bits_mlp") == columns.index("captured_bits") + 1
    row = summary.iloc[0]
    assert row.balanced_accuracy == 65.0 and row.balanced_accuracy_mlp == 85.0
    assert row.balanced_accuracy_mlp_sd == pytest.approx(np.sqrt(50))
    assert row.captured_bits == pytest.approx(0.2) and row.captured_bits_mlp == pytest.approx(0.6)
    text = format_summary(summary)
    assert text.split("\n")[0].split() == [
        "dataset", "task", "method", "seeds", "bal_acc_%", "sd", "bal_acc_mlp_%", "sd_mlp",
        "chance_%", "captured_bits", "captured_bits_mlp", "gt_R", "gt_U1", "gt_U2", "gt_S",
        "gt_total"]
    assert text.split("\n")[1].split()[4:11] == ["65.0", "7.1", "85.0", "7.1", "50.0", "0.200",
                                                 "0.600"]


def test_summarize_without_mlp_rows_keeps_its_columns():
    summary = summarize(_probe_rows({"balanced_accuracy": (60.0,), "captured_bits": (0.1,)}))
    assert not any(c.endswith("_mlp") or "_mlp_" in c for c in summary.columns)
    assert "mlp" not in format_summary(summary)


def test_summarize_mlp_columns_are_blank_where_a_task_has_no_mlp_probe():
    """A continuous task's MLP-free rows and a task probed by the MLP alone both get rows."""
    linear_only = _probe_rows({"captured_bits": (0.4,)}).assign(task="c")
    mlp_only = _probe_rows({"balanced_accuracy_mlp": (90.0,), "captured_bits_mlp": (0.8,)})
    summary = summarize(pd.concat([linear_only, mlp_only])).set_index("task")
    assert np.isnan(summary.loc["c", "captured_bits_mlp"])
    assert np.isnan(summary.loc["c", "balanced_accuracy_mlp"])
    assert summary.loc["t", "captured_bits_mlp"] == 0.8 and summary.loc["t", "chance"] == 50.0
    assert np.isnan(summary.loc["t", "captured_bits"]) and summary.loc["t", "seeds"] == 1
