"""Tests of the pid-bench command frame (the subcommands have their own tests)."""

import errno
import io
import os

import pytest

from pid_bench import __version__
from pid_bench.cli import COMMANDS, build_parser, error_message, main


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


@pytest.mark.parametrize("exc, message", [
    (OSError(errno.ENOSPC, "No space left on device", "out/results.csv"),
     "out/results.csv: No space left on device; free disk space (or write elsewhere, e.g. "
     "another --out) and run again"),
    (PermissionError(errno.EACCES, "Permission denied", "out"),
     "out: Permission denied; check the permissions, or write elsewhere (e.g. another --out)"),
    (OSError(errno.EROFS, "Read-only file system", "out/.pid-bench.lock"),
     "out/.pid-bench.lock: Read-only file system; the file system is read-only: write "
     "elsewhere (e.g. another --out)"),
    (FileNotFoundError("results directory 'x' does not exist"),
     "results directory 'x' does not exist"),
    (ValueError("a message\n  on two lines"), "a message on two lines"),
])
def test_error_messages_are_one_line_with_the_file_and_what_to_do(exc, message):
    assert error_message(exc) == message


def _failing_command(monkeypatch, exc):
    def run(args):
        raise exc

    monkeypatch.setattr("pid_bench.commands.canonical.run", run)


def test_os_errors_are_one_line_and_status_2_unless_debug(monkeypatch, capsys):
    _failing_command(monkeypatch, OSError(errno.ENOSPC, "No space left on device", "f.csv"))
    assert main(["canonical"]) == 2
    err = capsys.readouterr().err
    assert err == ("pid-bench canonical: error: f.csv: No space left on device; free disk "
                   "space (or write elsewhere, e.g. another --out) and run again\n")
    with pytest.raises(OSError, match="No space left"):
        main(["canonical", "--debug"])


class _ClosedPipe(io.TextIOBase):
    """A stdout whose reader has gone: writes raise BrokenPipeError; fileno is a real file."""

    def __init__(self, fd):
        self.fd = fd

    def write(self, text):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def fileno(self):
        return self.fd


def test_a_closed_pipe_ends_quietly_with_status_141(monkeypatch, capsys, tmp_path):
    fd = os.open(tmp_path / "stdout", os.O_WRONLY | os.O_CREAT)
    try:
        monkeypatch.setattr("sys.stdout", _ClosedPipe(fd))
        assert main(["canonical", "--measure", "mmi", "--json"]) == 141
    finally:
        os.close(fd)
    assert capsys.readouterr().err == ""
