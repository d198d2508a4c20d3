import argparse

import matplotlib
import pandas as pd
import pytest

from pid_bench.cli import COMMANDS
from pid_bench.commands import report

matplotlib.use("Agg")


def _parse(argv):
    parser = argparse.ArgumentParser(prog="pid-bench report")
    report.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture
def results_dir(tmp_path):
    """A results directory holding only a tiny results.csv (two methods, two seeds)."""
    rows = []
    for method, value in (("comm", 0.9), ("cross", 0.1)):
        for seed in (0, 1):
            rows.append({"dataset": "xor", "task": "synergy", "method": method, "seed": seed,
                         "epoch": 2, "metric": "captured_bits", "value": value + 0.01 * seed,
                         "unit": "bits", "chance": 0.0, "gt_redundancy": 0.0,
                         "gt_unique1": 0.0, "gt_unique2": 0.0, "gt_synergy": 1.0,
                         "gt_total": 1.0})
    pd.DataFrame(rows).to_csv(tmp_path / "results.csv", index=False)
    return tmp_path


def test_registered_in_the_cli():
    assert COMMANDS["report"] == "pid_bench.commands.report"
    assert report.HELP.startswith("Write the HTML report")


def test_defaults():
    args = _parse(["some/dir"])
    assert (args.results_dir, args.out, args.formats, args.figure_formats, args.dpi) == (
        "some/dir", None, "html,md", "png,pdf", 150)


def test_writes_both_reports_and_prints_paths(results_dir, tmp_path, capsys):
    out = tmp_path / "out"
    code = report.run(_parse([str(results_dir), "--out", str(out), "--figure-formats", "png",
                              "--dpi", "30"]))
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "report.html"), str(out / "report.md")]
    html = (out / "report.html").read_text("utf-8")
    assert "data:image/png;base64," in html and "0.91 ± 0.01" in html
    assert (out / "figures" / "xor_captured_bits_capture.png").is_file()


def test_one_format(results_dir, capsys):
    assert report.run(_parse([str(results_dir), "--format", " md ", "--figure-formats",
                              "png", "--dpi", "30"])) == 0
    assert capsys.readouterr().out.split() == [str(results_dir / "report" / "report.md")]
    assert not (results_dir / "report" / "report.html").exists()


@pytest.mark.parametrize("argv, error, match", [
    (["--format", "pdf"], ValueError, "formats must be a non-empty list among"),
    (["--format", ","], ValueError, "formats must be a non-empty list among"),
    (["--dpi", "0"], ValueError, "--dpi must be a positive integer"),
    (["--figure-formats", "svg"], ValueError, "must include 'png'"),
])
def test_bad_options(results_dir, argv, error, match):
    with pytest.raises(error, match=match):
        report.run(_parse([str(results_dir), *argv]))


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        report.run(_parse([str(tmp_path / "absent")]))
