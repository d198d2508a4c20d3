"""The BROJA speed benchmark: table, time cap, agreement columns, the BROJA_2PID option
(against a stand-in checkout: the real one is not needed) and the permutation loop."""

import time

import numpy as np
import pytest

@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("pid_speed")


def _sleeper(p):
    time.sleep(30)


@pytest.mark.slow
def test_small_run_prints_the_table(bench, capsys):
    assert bench.main(["--ks", "2,3", "--cap", "60", "--repeats", "1", "--seed", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Date: ") and "CPUs" in out[1]
    rows = [line for line in out if line.startswith(("| 2 ", "| 3 "))]
    assert len(rows) == 2
    cells = [c.strip() for c in rows[1].strip("|").split("|")]
    assert cells[1] == "27"
    # cvxpy agrees to well within 1e-6 bits and the certified gap is below 1e-9.
    # Columns: k, cells, ours, cvxpy, dit, 2 ratios, 2 diffs, gap.
    assert float(cells[7]) < 1e-6 and float(cells[9]) <= 1e-9


def test_a_reference_call_is_stopped_at_the_cap(bench):
    start = time.perf_counter()
    seconds, atoms, error = bench.run_capped(_sleeper, np.full((2, 2, 2), 0.125), 0.5, None, 3)
    assert np.isinf(seconds) and atoms is None and error is None
    assert time.perf_counter() - start < 10


def test_a_slow_reference_is_skipped_for_larger_k(bench, monkeypatch):
    monkeypatch.setattr(bench, "MIN_SECONDS", 0.0)
    cvxpy = bench.REFERENCES["cvxpy"]
    cvxpy(np.full((2, 2, 2), 0.125))  # imports cvxpy here, before the forks
    monkeypatch.setattr(bench, "REFERENCES", {"cvxpy": cvxpy, "dit": _sleeper})
    rows = bench.benchmark([2, 3], cap=2.0, repeats=1, seed=0, warm=False)
    assert np.isinf(rows[0]["dit"]) and rows[1]["dit"] is None
    assert rows[1]["cvxpy"] < 2.0 and rows[1]["diff_cvxpy"] < 1e-6
    assert rows[1]["gap"] <= 1e-9 and rows[1]["cells"] == 27
    lines = [bench.markdown_row(row, 2.0) for row in rows]
    assert "> 2" in lines[0] and "skipped" in lines[1]
    # The last column names our solver's path: two binary sources, then the small tables'.
    assert lines[0].endswith(f"| binary ({rows[0]['iterations']}) |")
    assert lines[1].endswith(f"| small ({rows[1]['iterations']}) |")
    header = bench.table_header(["cvxpy", "dit"]).splitlines()
    assert header[0].count("|") == header[1].count("|") == lines[0].count("|")
    assert bench.header(None)[0].startswith("Date: ")


def test_bad_arguments(bench, capsys):
    assert bench.main(["--ks", "2", "--repeats", "0"]) == 2
    with pytest.raises(SystemExit):
        bench.main(["--ks", "2,x"])


_STAND_IN = """
def pid(pdf, output=0):
    # Stand-in for BROJA_2PID's pid: keys (y, x1, x2), all information redundant.
    assert all(len(k) == 3 for k in pdf) and abs(sum(pdf.values()) - 1) < 1e-12
    return {"SI": 0.25, "UIY": 0.0, "UIZ": 0.0, "CI": 0.0}
"""


def test_broja2pid_is_imported_from_a_checkout_and_timed(bench, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "MIN_SECONDS", 0.0)
    (tmp_path / "broja2pid").mkdir()
    (tmp_path / "broja2pid" / "__init__.py").write_text("")
    (tmp_path / "broja2pid" / "BROJA_2PID.py").write_text(_STAND_IN)
    reference = bench.broja2pid_reference(tmp_path)
    np.testing.assert_array_equal(reference(np.full((2, 2, 2), 0.125))(), [0.25, 0, 0, 0])
    rows = bench.benchmark([2], cap=10.0, repeats=1, seed=0, warm=False,
                           references={"broja2pid": reference})
    assert rows[0]["broja2pid"] < 10.0 and rows[0]["diff_broja2pid"] >= 0
    line = bench.markdown_row(rows[0], 10.0, ["broja2pid"])
    assert line.count("|") == 9 and "x |" in line and line.endswith(" |")
    assert "BROJA_2PID (s)" in bench.table_header(["broja2pid"])


def test_missing_broja2pid_checkout_is_refused(bench, tmp_path, capsys):
    assert bench.main(["--ks", "2", "--broja2pid", str(tmp_path)]) == 2
    assert "no BROJA_2PID checkout" in capsys.readouterr().err


def test_permutation_tables_and_their_loop(bench):
    tables = bench.permutation_tables(5, seed=0)
    assert len(tables) == 5 and all(t.shape == (4, 4, 4) for t in tables)
    assert all(abs(t.sum() - 1) < 1e-12 for t in tables)
    # y is shuffled against (x1, x2): the (x1, x2) and y marginals are those of the sample.
    for t in tables[1:]:
        np.testing.assert_allclose(t.sum(axis=2), tables[0].sum(axis=2), atol=1e-15)
        np.testing.assert_allclose(t.sum(axis=(0, 1)), tables[0].sum(axis=(0, 1)), atol=1e-15)
    assert bench.time_permutations(tables) > 0


def test_xor_significance_is_timed_with_its_result(bench):
    seconds, result = bench.time_xor_significance(n=400, seed=1, n_permutations=100)
    assert seconds > 0 and result.details["n_permutations"] == 100
    assert result.synergy == pytest.approx(1.0, abs=0.05)
    assert result.details["p_values"]["synergy"] < 0.02    # 1 / 101: no permutation reached it
