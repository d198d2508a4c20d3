import json

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


def expected(frame, **kwargs):
    return pid_from_samples(frame["left"], frame["right"], frame["out"], **kwargs)


def test_json_output_matches_the_library(table, capsys):
    frame, path = table
    code = main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out",
                 "--measure", "imin", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    want = expected(frame, measure="imin")
    for atom in ("redundancy", "unique1", "unique2", "synergy"):
        assert out[atom] == pytest.approx(getattr(want, atom), abs=1e-12)
    assert out["total"] == pytest.approx(want.total, abs=1e-12)
    assert (out["measure"], out["unit"], out["n_samples"]) == ("imin", "bits", 600)
    assert (out["x1"], out["x2"], out["y"]) == ("left", "right", "out")
    assert "intervals" not in out


def test_table_output_with_bootstrap_intervals(table, capsys):
    frame, path = table
    code = main(["pid", str(path), "--x1", "left", "--x2", "right", "--y", "out",
                 "--measure", "mmi", "--bootstrap", "30", "--seed", "4"])
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
                 "--base", "2.718281828459045"]) == 0
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
                 "--measure", "mmi", "--json"]) == 0
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
