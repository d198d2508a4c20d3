import json

import pytest

from pid_bench.cli import main
from pid_bench.realdata import digits_halves, estimate_interactions


@pytest.fixture(scope="module")
def digits_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "digits.npz"
    data = digits_halves(ground_truth=False)
    data.save(path)
    return path, data


def test_json_matches_the_library(digits_file, capsys):
    path, data = digits_file
    assert main(["interactions", str(path), "--task", "digit", "--bootstrap", "10",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    want = estimate_interactions(data, "digit", n_bootstrap=10)
    for atom in ("redundancy", "unique1", "unique2", "synergy", "total"):
        assert out[atom] == pytest.approx(getattr(want, atom), abs=1e-12)
    assert out["intervals"]["synergy"] == pytest.approx(list(want.intervals["synergy"]))
    assert out["estimate"] is True and out["sources"] == [["left"], ["right"]]


def test_table_says_it_is_an_estimate_and_warns(digits_file, capsys):
    path, _ = digits_file
    assert main(["interactions", str(path), "--task", "digit", "--bootstrap", "0",
                 "--split", "test", "--x1", "right", "--x2", "left"]) == 0
    out = capsys.readouterr().out
    assert "from right and left" in out and "An estimate, not an exact value" in out
    assert "warning: 539 samples" in out


def test_errors_are_one_line(tmp_path, digits_file, capsys):
    assert main(["interactions", str(tmp_path / "none.npz"), "--task", "digit"]) == 2
    assert "no such dataset file" in capsys.readouterr().err
    path, _ = digits_file
    assert main(["interactions", str(path), "--task", "digit", "--x1", "left"]) == 2
    assert "give both --x1 and --x2" in capsys.readouterr().err
    assert main(["interactions", str(path), "--task", "colour"]) == 2
    assert "unknown task 'colour'" in capsys.readouterr().err
