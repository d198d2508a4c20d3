"""The accuracy benchmark writes the contract-D table and its summaries are right."""


import numpy as np
import pandas as pd
import pytest

@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("pid_accuracy")


def test_small_grid_writes_the_long_form_table(bench, tmp_path, capsys):
    out = tmp_path / "acc.csv"
    code = bench.main(["--ns", "300", "--ds", "2", "--seeds", "2", "--estimators",
                       "gaussian_mmi", "--families", "gaussian", "--no-progress",
                       "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    assert tuple(table.columns) == bench.COLUMNS
    assert len(table) == 4 * 2 * 4  # presets x seeds x atoms
    assert np.allclose(table["abs_error"], (table["estimate"] - table["true"]).abs())
    assert set(table["dataset"]) == {"gaussian_redundancy", "gaussian_unique",
                                     "gaussian_synergy", "gaussian_mixed"}
    assert "Worst dataset" in capsys.readouterr().out


def test_summary_takes_the_worst_dataset_mean(bench):
    rows = []
    for dataset, errors in (("a", (0.1, 0.3)), ("b", (0.5, 0.5))):
        for seed, err in enumerate(errors):
            for atom in ("redundancy", "unique1", "unique2", "synergy"):
                rows.append(("e", "gaussian", dataset, 100, 1, seed, atom, 1.0, 1.0 + err,
                             err, 0.1))
    table = pd.DataFrame(rows, columns=list(bench.COLUMNS))
    summary = bench.summary(table)
    assert summary.loc[("gaussian", "e", 100, 1), "synergy"] == pytest.approx(0.5)
    assert summary.loc[("gaussian", "e", 100, 1), "max_sd"] == pytest.approx(np.std([0.1, 0.3],
                                                                                     ddof=1))
    best = bench.best_per_family(table, 100, 1)
    assert best.loc["gaussian", "estimator"] == "e"
    assert summary.loc[("gaussian", "e", 100, 1), "failed"] == 0
    table.loc[0, ["estimate", "abs_error"]] = np.nan
    assert bench.summary(table).loc[("gaussian", "e", 100, 1), "failed"] == 1


def test_bad_arguments_exit_with_status_2(bench, capsys):
    assert bench.main(["--estimators", "nope", "--no-progress"]) == 2
    assert "known estimators" in capsys.readouterr().err
