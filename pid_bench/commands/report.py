"""``pid-bench report RESULTS_DIR``: the HTML report and its Markdown twin of a run."""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Write the HTML report (figures embedded) and its Markdown twin for a results directory."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``report`` subcommand."""
    parser.add_argument("results_dir", metavar="RESULTS_DIR",
                        help="directory written by the experiment runner (holds results.csv)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="where to write the report (default: RESULTS_DIR/report)")
    parser.add_argument("--format", dest="formats", default="html,md", metavar="FORMATS",
                        help="comma-separated report formats among html, md (default: html,md)")
    parser.add_argument("--figure-formats", default="png,pdf", metavar="FORMATS",
                        help="files saved per figure beside the Markdown report, must include "
                             "png (default: png,pdf)")
    parser.add_argument("--dpi", type=int, default=150,
                        help="resolution of PNG figures, dots per inch (default: 150)")


def run(args: argparse.Namespace) -> int:
    """Write the report; print the paths written. Returns the exit status."""
    from analysis.report import write_report

    if args.dpi <= 0:
        raise ValueError(f"--dpi must be a positive integer; received {args.dpi}")
    written = write_report(args.results_dir, args.out, formats=_split(args.formats),
                           figure_formats=_split(args.figure_formats), dpi=args.dpi)
    for path in written:
        if path is not None:
            print(path)
    return 0


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
