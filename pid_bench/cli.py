"""The ``pid-bench`` command line: one subcommand per job, each in ``pid_bench.commands``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser"]

#: Subcommand name -> module in ``pid_bench.commands`` that defines
#: ``add_arguments(parser)``, ``HELP`` (one line) and ``run(args) -> int``.
COMMANDS = {
    "pid": "pid_bench.commands.pid",
    "canonical": "pid_bench.commands.canonical",
    "report": "pid_bench.commands.report",
    "run": "pid_bench.commands.run",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="pid-bench",
        description="Controlled experiments on multimodal interactions (partial information "
                    "decomposition, CoMM and baselines).")
    from pid_bench import __version__
    parser.add_argument("--version", action="version", version=f"pid-bench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        sp = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sp)
        sp.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pid-bench`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (ValueError, FileNotFoundError) as exc:
        print(f"pid-bench {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
