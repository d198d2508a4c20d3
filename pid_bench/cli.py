"""The ``pid-bench`` command line: one subcommand per job, each in ``pid_bench.commands``."""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser", "error_message"]

#: Subcommand name -> module in ``pid_bench.commands`` that defines
#: ``add_arguments(parser)``, ``HELP`` (one line) and ``run(args) -> int``.
COMMANDS = {
    "pid": "pid_bench.commands.pid",
    "canonical": "pid_bench.commands.canonical",
    "report": "pid_bench.commands.report",
    "run": "pid_bench.commands.run",
    "convert": "pid_bench.commands.convert",
    "interactions": "pid_bench.commands.interactions",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="pid-bench",
        description="Controlled experiments on multimodal interactions (partial information "
                    "decomposition, CoMM and baselines).")
    from pid_bench import __version__
    parser.add_argument("--version", action="version", version=f"pid-bench {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="on an error, show Python's traceback instead of a one-line message")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        sp = sub.add_parser(name, help=module.HELP, description=module.HELP, parents=[common])
        module.add_arguments(sp)
        sp.set_defaults(_run=module.run)
    return parser


#: What to do about an OSError, by errno.
_REMEDIES = {
    errno.ENOSPC: "free disk space (or write elsewhere, e.g. another --out) and run again",
    errno.EDQUOT: "free space within your disk quota and run again",
    errno.EROFS: "the file system is read-only: write elsewhere (e.g. another --out)",
    errno.EACCES: "check the permissions, or write elsewhere (e.g. another --out)",
    errno.EPERM: "check the permissions, or write elsewhere (e.g. another --out)",
    errno.ENOENT: "check the path",
    errno.EISDIR: "give a file, not a directory",
    errno.ENOTDIR: "check the path: a part of it is a file",
}


def error_message(exc: BaseException) -> str:
    """The one-line message of an error the command line reports (without traceback)."""
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        where = f"{os.fsdecode(exc.filename)}: " if exc.filename is not None else ""
        remedy = _REMEDIES.get(exc.errno, "check the file and the disk, then run again")
        text = f"{where}{exc.strerror}; {remedy}"
    else:
        text = str(exc)
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pid-bench`` console script; returns the exit status.

    An error of the input or of the file system (``ValueError``, ``OSError``) ends in one line
    on stderr and exit status 2 (with ``--debug``, the traceback instead). Output cut short by
    a closed pipe (``pid-bench canonical | head``) ends quietly with status 141, as a shell
    reports a process ended by SIGPIPE.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = int(args._run(args) or 0)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python's advice (signal module docs): point stdout at devnull so that the flush at
        # exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (ValueError, OSError) as exc:
        if args.debug:
            raise
        print(f"pid-bench {args.command}: error: {error_message(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
