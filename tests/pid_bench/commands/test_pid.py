import json
import time

import numpy as np
import pandas as pd
import pytest

from pid_bench import pid_from_samples
from pid_bench.cli import main


@pytest.fixture
def table(tmp_path):
    """Noisy AND gate with string labels, 600 rows."""
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, 600), rng.integers(0, 2, 600)
    y = (a & b) ^ (rng.random(600) < 0.1)
    frame = pd.DataFrame({"left": np.where(a, "on", "off"), "right": b,
                          "out": np.where(y, "yes", "no")})
    path = tmp_path / "gate.csv"
    frame.to_csv(path, index=False)
    return frame, path


#: Few permutations keep each command fast; the CLI's defaults are tested on their own.
FAST = ["--permutations", "50"]


def expected(frame, **kwargs):
    kwargs = {"seed": 0, "n_permutations": 50, **kwargs}
    return pid_from_samples(frame["left"], frame["right"], frame["out"], **kwargs)


def test_json_output_matches_the_library(table, capsys):
    frame, path = table
    code = main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out",
                 "--measure", "imin", "--json", *FAST])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    want = expected(frame, measure="imin")
    for atom in ("redundancy", "unique1", "unique2", "synergy"):
        assert out[atom] == pytest.approx(getattr(want, atom), abs=1e-12)
    assert out["total"] == pytest.approx(want.total, abs=1e-12)
    assert (out["measure"], out["unit"], out["n_samples"]) == ("imin", "bits", 600)
    assert (out["x1"], out["x2"], out["y"]) == ("left", "right", "out")
    assert "intervals" not in out
    for atom in ("redundancy", "unique1", "unique2", "synergy", "total"):
        assert out["p_values"][atom] == pytest.approx(want.details["p_values"][atom], abs=1e-12)
        assert out["plugin"][atom] == pytest.approx(want.details["plugin"][atom], abs=1e-12)
    assert out["correction"] == "bootstrap" and out["warning"] is None


def test_table_output_with_bootstrap_intervals(table, capsys):
    frame, path = table
    code = main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out",
                 "--measure", "mmi", "--bootstrap", "30", "--seed", "4", *FAST])
    assert code == 0
    text = capsys.readouterr().out
    want = expected(frame, measure="mmi", n_bootstrap=30, seed=4)
    assert "measure mmi, n = 600 samples" in text
    assert "value (bits)" in text and "95% interval" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    lo, hi = want.intervals["synergy"]
    assert lines["synergy"].split()[1] == f"{want.synergy:.6f}"
    assert f"[{lo:.6f}, {hi:.6f}]" in lines["synergy"]
    assert lines["total"].split()[1] == f"{want.total:.6f}"


def test_base_and_default_measure(table, capsys):
    frame, path = table
    assert main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out", "--json",
                 "--base", "2.718281828459045", *FAST]) == 0
    out = json.loads(capsys.readouterr().out)
    want = expected(frame, measure="broja")
    assert out["measure"] == "broja" and out["unit"] == "nats"
    assert out["synergy"] == pytest.approx(want.synergy * np.log(2), abs=1e-9)


def test_parquet_input(table, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    frame, _ = table
    path = tmp_path / "gate.parquet"
    frame.to_parquet(path)
    assert main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out",
                 "--measure", "mmi", "--json", *FAST]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["redundancy"] == pytest.approx(expected(frame, measure="mmi").redundancy,
                                              abs=1e-12)


def test_missing_parquet_support_is_explained(table, tmp_path, monkeypatch, capsys):
    def no_pyarrow(*args, **kwargs):
        raise ImportError("Unable to find a usable engine")

    monkeypatch.setattr(pd, "read_parquet", no_pyarrow)
    path = tmp_path / "gate.parquet"
    path.write_bytes(b"")
    assert main(["pid", str(path), "--x1", "a", "--x2", "b", "--y", "c"]) == 2
    assert r"pip install pid-bench[parquet]" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--x1", "left", "--x2", "middle", "--y", "out"],
     "column(s) 'middle' not in gate.csv; its columns are: left, right, out"),
    (["--x1", "left", "--x2", "right", "--y", "out", "--measure", "nope"],
     "unknown PID measure 'nope'; known measures: broja, ccs, imin, mmi"),
    (["--x1", "left", "--x2", "right", "--y", "out", "--bootstrap", "-2"],
     "n_bootstrap must be an integer >= 0"),
])
def test_errors_are_reported_with_exit_status_2(table, capsys, args, message):
    _, path = table
    assert main(["pid", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pid-bench pid: error: ")
    assert message in err


def test_missing_file_and_unknown_suffix(tmp_path, capsys):
    assert main(["pid", str(tmp_path / "none.csv"), "--x1", "a", "--x2", "b", "--y", "c"]) == 2
    assert "no such file" in capsys.readouterr().err
    path = tmp_path / "data.xlsx"
    path.write_text("x")
    assert main(["pid", str(path), "--x1", "a", "--x2", "b", "--y", "c"]) == 2
    assert "expected a .csv, .tsv or .parquet file; received 'data.xlsx'" in \
        capsys.readouterr().err


def test_missing_labels_in_the_file_are_rejected(tmp_path, capsys):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,c\n0,1,1\n1,,0\n")
    assert main(["pid", str(path), "--x1", "a", "--x2", "b", "--y", "c", "--measure",
                 "mmi"]) == 2
    assert "x2 contains missing or non-finite labels" in capsys.readouterr().err


def test_text_output_has_raw_atoms_p_values_and_the_interval_note(table, capsys):
    frame, path = table
    assert main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out",
                 "--measure", "mmi", "--bootstrap", "20", *FAST]) == 0
    text = capsys.readouterr().out
    want = expected(frame, measure="mmi", n_bootstrap=20)
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert lines["atom"][:5] == ["atom", "value", "(bits)", "raw", "p-value"]
    assert lines["synergy"][1] == f"{want.synergy:.6f}"
    assert lines["synergy"][2] == f"{want.details['plugin']['synergy']:.6f}"
    assert lines["synergy"][3] == f"{want.details['p_values']['synergy']:.4f}"
    assert "correction: bootstrap (raw: the plug-in estimate)" in text
    assert "intervals: hull, NOT calibrated: coverage is measured for broja only" in text


def test_no_correction_reports_the_plugin(table, capsys):
    frame, path = table
    assert main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out", "--json",
                 "--no-correction", "--permutations", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    want = expected(frame, correction=None, n_permutations=0)
    assert out["synergy"] == pytest.approx(want.synergy, abs=1e-12)
    assert out["synergy"] == pytest.approx(out["plugin"]["synergy"], abs=1e-12)
    assert out["correction"] is None and out["p_values"] is None


def test_undersampled_table_prints_a_warning_line(tmp_path, capsys):
    rng = np.random.default_rng(1)
    path = tmp_path / "sparse.csv"
    pd.DataFrame(rng.integers(0, 8, (300, 3)), columns=["a", "b", "c"]).to_csv(path,
                                                                               index=False)
    assert main(["pid", str(path), "--x1", "a", "--x2", "b", "--y", "c", "--permutations",
                 "20", "--bootstrap", "10"]) == 0
    text = capsys.readouterr().out
    assert "warning: 300 samples over" in text and "fewer than 10" in text
    assert "intervals: hull, NOT calibrated at this n" in text
    assert main(["pid", str(path), "--x1", "a", "--x2", "b", "--y", "c", "--permutations",
                 "20", "--json"]) == 0
    assert "fewer than 10" in json.loads(capsys.readouterr().out)["warning"]


def test_float_columns_are_refused_fast_and_the_same_column_twice_is_named(tmp_path, capsys):
    rng = np.random.default_rng(2)
    path = tmp_path / "floats.csv"
    pd.DataFrame({"colA": rng.normal(size=500), "colB": rng.normal(size=500),
                  "label": rng.normal(size=500)}).to_csv(path, index=False)
    start = time.perf_counter()
    assert main(["pid", str(path), "--x1", "colA", "--x2", "colB", "--y", "label"]) == 2
    assert time.perf_counter() - start < 2.0
    err = capsys.readouterr().err
    assert "x1 has 500 distinct float values in 500 samples" in err
    assert 'estimator="cluster"' in err and "--estimator" in err
    assert main(["pid", str(path), "--x1", "colA", "--x2", "colA", "--y", "label"]) == 2
    assert "--x1 and --x2 name the same column 'colA'" in capsys.readouterr().err


def test_estimator_flag_decomposes_float_columns(tmp_path, capsys):
    rng = np.random.default_rng(3)
    a, b, noise = rng.standard_normal((3, 20_000))
    path = tmp_path / "gauss.csv"
    pd.DataFrame({"a": a, "b": b, "y": a + b + noise}).to_csv(path, index=False)
    assert main(["pid", str(path), "--x1", "a", "--x2", "b", "--y", "y", "--estimator",
                 "gaussian_mmi", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["redundancy"] == pytest.approx(0.292481, abs=0.03)   # 1/2 log2(3/2)
    assert out["synergy"] == pytest.approx(0.5, abs=0.03)
