"""Tests of the pid-bench command frame (the subcommands have their own tests)."""

import pytest

from pid_bench import __version__
from pid_bench.cli import COMMANDS, build_parser, main


def test_every_registered_subcommand_has_help_and_a_runner():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS) >= {"pid", "canonical", "run", "report"}
    for name, sp in sub.choices.items():
        assert callable(sp.get_default("_run")), name


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"pid-bench {__version__}"


def test_missing_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_value_errors_become_exit_status_2_with_the_message(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["pid", str(missing), "--x1", "a", "--x2", "b", "--y", "c"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pid-bench pid: error:") and "nope.csv" in err
