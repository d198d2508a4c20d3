"""The scaling benchmark: its table logic (ratios, speed-up, identical results) and one tiny
measured setup."""

import pandas as pd
import pytest
import yaml


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("scaling")


def _measured(walls, texts):
    return pd.DataFrame({"executor": ["local", "local", "dask"][:len(walls)],
                         "workers": [1, 2, 2][:len(walls)], "threads": [1] * len(walls),
                         "runs": [9] * len(walls), "wall_s": walls, "results_csv": texts})


def test_ratios_are_against_the_first_setup(bench):
    rows = bench.table(_measured([100.0, 50.0, 80.0], ["a", "a", "a"]))
    assert list(rows.columns) == bench.COLUMNS
    assert rows.ratio.tolist() == pytest.approx([1.0, 0.5, 0.8])
    assert rows.speed_up.tolist() == pytest.approx([1.0, 2.0, 1.25])
    assert rows.same_results.all()


def test_a_different_table_is_flagged(bench):
    rows = bench.table(_measured([100.0, 50.0, 80.0], ["a", "a", "b"]))
    assert rows.same_results.tolist() == [True, True, False]
    text = bench.markdown(rows)
    assert text.splitlines()[-1] == "| dask | 2 | 1 | 9 | 80.0 | 0.80 | 1.25 | NO |"
    assert text.splitlines()[2] == "| local | 1 | 1 | 9 | 100.0 | 1.00 | 1.00 | yes |"


def test_nothing_measured_is_an_error(bench):
    with pytest.raises(ValueError, match="no setup was measured"):
        bench.table(_measured([], []))


def test_one_tiny_setup_is_measured(bench, tmp_path):
    config = {"datasets": [{"name": "latent", "augment": "none", "args": {
        "n_pretrain": 64, "n_train": 80, "n_test": 80, "dim": 6, "embed_dim": 4, "mixtures": []}}],
        "methods": [{"name": "cross", "hparams": {"embed_dim": 8, "hidden_dim": 16}}],
        "train": {"epochs": 1, "batch_size": 32}, "probe": {"c_grid": [1.0]},
        "tasks": ["redundancy"], "threads": 1}
    (tmp_path / "grid.yaml").write_text(yaml.safe_dump(config))
    measured = bench.measure(tmp_path / "grid.yaml", seeds=[0], epochs=None,
                             setups=[("local", 1)], work=tmp_path / "work")
    assert measured.runs.tolist() == [1] and measured.wall_s.iloc[0] > 0
    assert measured.results_csv.iloc[0].startswith("dataset,task,method,seed")
    with pytest.raises(ValueError, match="exists; give an empty --work folder"):
        bench.measure(tmp_path / "grid.yaml", seeds=[0], epochs=None, setups=[("local", 1)],
                      work=tmp_path / "work")
