import json

import pytest

from pid_bench import pid
from pid_bench.cli import main
from pid_bench.commands.canonical import canonical_table
from synthetic.discrete import CANONICAL


def test_table_has_every_distribution_and_measure():
    frame = canonical_table(["imin", "ccs"])
    assert list(frame.columns) == ["distribution", "measure", "redundancy", "unique1",
                                   "unique2", "synergy", "total"]
    assert len(frame) == 2 * len(CANONICAL)
    row = frame.set_index(["distribution", "measure"]).loc[("copy", "imin")]
    assert tuple(row[["redundancy", "unique1", "unique2", "synergy"]]) == pytest.approx(
        (1, 0, 0, 1), abs=1e-12)


def test_json_output(capsys):
    assert main(["canonical", "--measure", "mmi", "ccs", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 2 * len(CANONICAL)
    and_ccs = next(r for r in records if r["distribution"] == "and" and r["measure"] == "ccs")
    assert and_ccs["redundancy"] == pytest.approx(0.103759, abs=1e-6)
    assert and_ccs["total"] == pytest.approx(pid(CANONICAL["and"](), "ccs").total, abs=1e-12)


def test_markdown_output(capsys):
    assert main(["canonical", "--measure", "imin", "--markdown"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == ("| distribution | measure | redundancy | unique1 | unique2 | synergy | "
                        "total |")
    assert lines[1] == "|---|---|---:|---:|---:|---:|---:|"
    assert "| xor | imin | 0.000000 | 0.000000 | 0.000000 | 1.000000 | 1.000000 |" in lines
    assert len(lines) == 2 + len(CANONICAL)


def test_plain_output_defaults_to_all_measures(capsys):
    assert main(["canonical"]) == 0
    text = capsys.readouterr().out
    assert "atoms in bits" in text
    for measure in ("broja", "ccs", "imin", "mmi"):
        assert f" {measure} " in text
    assert "-0.000000" not in text
    assert len([line for line in text.splitlines() if line.strip()]) == 2 + 4 * len(CANONICAL)


def test_unknown_measure(capsys):
    assert main(["canonical", "--measure", "imin", "bogus"]) == 2
    assert "unknown PID measure(s) 'bogus'; known measures: broja, ccs, imin, mmi" in \
        capsys.readouterr().err


def test_json_and_markdown_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        main(["canonical", "--json", "--markdown"])
    assert "not allowed with" in capsys.readouterr().err
