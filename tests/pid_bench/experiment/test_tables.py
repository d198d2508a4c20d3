"""Tests of pid_bench.experiment.tables: the summary over seeds and the ground-truth table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
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
