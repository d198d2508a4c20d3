"""The capture benchmark: its run table, a tiny grid end to end, and the kept table's facts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
KEPT = ROOT / "benchmarks" / "results" / "capture"


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("capture")


def test_run_seconds_are_means_per_method_and_refuse_an_empty_directory(bench):
    runs = pd.DataFrame({"dataset": ["d"] * 3, "method": ["a", "a", "b"], "seed": [0, 1, 0],
                         "seconds": [10.0, 20.0, 5.0], "train_seconds": [8.0, 12.0, 0.0]})
    table = bench.run_seconds(runs)
    assert table.loc[("d", "a")].tolist() == [2, 15.0, 10.0]
    assert table.loc[("d", "b")].tolist() == [1, 5.0, 0.0]
    with pytest.raises(ValueError, match="holds no finished run"):
        bench.run_seconds(runs.iloc[:0])


class _FirstOnly(torch.nn.Module):
    """Embeds the first modality alone, doubled."""

    def embed(self, batch):
        return 2 * batch.modalities[0]


def test_modality_reliance_is_zero_for_an_ignored_modality(bench):
    g = np.random.default_rng(0)
    x1, x2 = g.normal(size=(50, 3)).astype(np.float32), g.normal(size=(50, 4)).astype(np.float32)
    moved = bench.modality_reliance(_FirstOnly(), [x1, x2], seed=1)
    # a permutation of iid rows moves each row by about sqrt(2) of its norm
    assert moved[1] == 0.0 and 0.8 < moved[0] < 2.0
    assert bench.modality_reliance(_FirstOnly(), [x1, x2], seed=1) == moved
    with pytest.raises(ValueError, match=r"same n >= 2 samples; received sample counts \[50, 4\]"):
        bench.modality_reliance(_FirstOnly(), [x1, x2[:4]])


def test_a_tiny_grid_prints_both_probes_for_every_row(bench, tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(
        "datasets:\n"
        "  - name: latent\n"
        "    args: {n_pretrain: 64, n_train: 120, n_test: 120, dim: 8, embed_dim: 4, seed: 0}\n"
        "methods:\n"
        "  - {name: random, hparams: {embed_dim: 16, hidden_dim: 16}}\n"
        "  - {name: cross, hparams: {embed_dim: 16, hidden_dim: 16}}\n"
        "tasks: [redundancy, synergy]\n"
        "seeds: [0]\n"
        "train: {epochs: 1, batch_size: 32}\n"
        "probe: {kind: both, mlp: {widths: [8], depths: [1], alphas: [0.001], max_epochs: 5}}\n"
        "workers: 1\nthreads: 1\n")
    table = bench.main(["--config", str(config), "--seeds", "0", "--out", str(tmp_path / "out"),
                        "--quiet", "--reliance"])
    frame = table.frame
    assert sorted(zip(frame.task, frame.method)) == [
        ("redundancy", "cross"), ("redundancy", "random"), ("synergy", "cross"),
        ("synergy", "random")]
    assert frame[["balanced_accuracy", "balanced_accuracy_mlp", "captured_bits",
                  "captured_bits_mlp"]].notna().all(axis=None)
    printed = capsys.readouterr().out
    assert "load average before" in printed and "train_seconds" in printed
    assert "when one modality is shuffled (seed 0)" in printed
