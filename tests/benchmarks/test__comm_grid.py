"""Shared parts of the CoMM benchmarks: per-dataset accuracy tables and the dataset flag."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml


@pytest.fixture(scope="module")
def grid(load_benchmark):
    return load_benchmark("_comm_grid")


def _rows(dataset, seed, value, epoch=3):
    return {"dataset": dataset, "task": "t", "method": "m", "seed": seed, "epoch": epoch,
            "metric": "balanced_accuracy", "value": value}


def test_final_accuracy_keeps_datasets_apart_and_reads_the_last_epoch(grid):
    table = pd.DataFrame([_rows("a", 0, 60.0), _rows("a", 0, 10.0, epoch=1), _rows("b", 0, 90.0)])
    both = grid.final_accuracy(table)
    assert both.loc[("a", "t", "m"), 0] == 60.0 and both.loc[("b", "t", "m"), 0] == 90.0
    assert grid.final_accuracy(table, "b").loc[("t", "m"), 0] == 90.0
    assert grid.final_accuracy(table, "c").empty


def test_datasets_flag_runs_only_the_chosen_datasets(grid, tmp_path):
    data = {"n_pretrain": 64, "n_train": 60, "n_test": 60, "mixtures": [], "seed": 0}
    config = {"datasets": [{"name": "latent", "label": "keep", "args": data},
                           {"name": "latent", "label": "skip", "args": data}],
              "methods": ["random"], "seeds": [0], "train": {"epochs": 1, "batch_size": 32}}
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(config))
    args = grid.build_parser("t", path, "0", str(tmp_path / "out")).parse_args(
        ["--datasets", "keep", "--quiet", "--workers", "1"])
    results, _, _ = grid.run_grid(args)
    assert set(results.dataset) == {"keep"}
    assert [p.name for p in (tmp_path / "out" / "runs").iterdir()] == ["keep__random__seed0"]


def test_a_busy_out_directory_ends_in_one_line_not_a_traceback(grid, tmp_path):
    from pid_bench.results_dir import writer_lock

    config = {"datasets": [{"name": "latent", "args": {"n_pretrain": 64, "n_train": 60,
                                                        "n_test": 60, "mixtures": []}}],
              "methods": ["random"], "seeds": [0], "train": {"epochs": 1, "batch_size": 32}}
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "out"
    args = grid.build_parser("t", path, "0", str(out)).parse_args(["--quiet", "--workers", "1"])
    out.mkdir()
    with writer_lock(out), pytest.raises(SystemExit, match="^error: another pid-bench run") as exc:
        grid.run_grid(args)
    assert "\n" not in str(exc.value)
    assert not (out / "runs").exists()
