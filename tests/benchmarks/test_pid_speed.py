"""The BROJA speed benchmark: table, time cap and agreement columns."""

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
    assert float(cells[6]) < 1e-6 and float(cells[8]) <= 1e-9


def test_a_reference_call_is_stopped_at_the_cap(bench):
    start = time.perf_counter()
    seconds, atoms, error = bench.run_capped(_sleeper, np.full((2, 2, 2), 0.125), 0.5, None)
    assert np.isinf(seconds) and atoms is None and error is None
    assert time.perf_counter() - start < 10


def test_a_slow_reference_is_skipped_for_larger_k(bench, monkeypatch):
    cvxpy = bench.REFERENCES["cvxpy"]
    cvxpy(np.full((2, 2, 2), 0.125))  # imports cvxpy here, before the forks
    monkeypatch.setattr(bench, "REFERENCES", {"cvxpy": cvxpy, "dit": _sleeper})
    rows = bench.benchmark([2, 3], cap=2.0, repeats=1, seed=0, warm=False)
    assert np.isinf(rows[0]["dit"]) and rows[1]["dit"] is None
    assert rows[1]["cvxpy"] < 2.0 and rows[1]["diff_cvxpy"] < 1e-6
    assert rows[1]["gap"] <= 1e-9 and rows[1]["cells"] == 27
    lines = [bench.markdown_row(row, 2.0) for row in rows]
    assert "> 2" in lines[0] and "skipped" in lines[1]
    assert bench.header(None)[0].startswith("Date: ")


def test_bad_arguments(bench, capsys):
    assert bench.main(["--ks", "2", "--repeats", "0"]) == 2
    with pytest.raises(SystemExit):
        bench.main(["--ks", "2,x"])
