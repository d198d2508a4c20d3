"""``pid-bench pid``: decompose three columns of a CSV or parquet file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from pid_bench.info import ATOMS, measures, pid_from_samples

__all__ = ["HELP", "add_arguments", "run", "read_table", "format_value"]

HELP = "Partial information decomposition of three discrete columns of a CSV or parquet file."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pid-bench pid``."""
    parser.add_argument("file", type=Path, help="CSV (.csv, .csv.gz) or parquet (.parquet) file")
    parser.add_argument("--x1", required=True, metavar="COL", help="column of the first source")
    parser.add_argument("--x2", required=True, metavar="COL", help="column of the second source")
    parser.add_argument("--y", required=True, metavar="COL", help="column of the target")
    parser.add_argument("--measure", default="broja",
                        help=f"PID measure, one of {', '.join(measures())} (default: broja)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="bootstrap resamples for 95%% percentile intervals (default: 0)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the bootstrap")
    parser.add_argument("--base", type=float, default=2.0,
                        help="logarithm base of the result (default: 2, bits)")


def read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """Read ``columns`` of a CSV or parquet file, chosen by suffix; labels are kept as read.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Unknown suffix, parquet support missing, or a column that is not in the file (the
        message lists the file's columns).
    """
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".parquet"] or suffixes[-1:] == [".pq"]:
        try:
            frame = pd.read_parquet(path)
        except ImportError as exc:
            raise ValueError(f"reading parquet needs pyarrow: pip install pid-bench[parquet] "
                             f"({exc})") from None
    elif ".csv" in suffixes or ".tsv" in suffixes:
        frame = pd.read_csv(path, sep="\t" if ".tsv" in suffixes else ",")
    else:
        raise ValueError(f"expected a .csv, .tsv or .parquet file; received {path.name!r}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"column(s) {', '.join(map(repr, missing))} not in {path.name}; its "
                         f"columns are: {', '.join(map(str, frame.columns))}")
    return frame[columns]


def format_value(value: float) -> str:
    """A quantity of information with 6 decimals; round-off such as -1e-17 prints as 0."""
    text = f"{value:.6f}"
    return "0.000000" if text == "-0.000000" else text


def _format_table(result: dict, header: str) -> str:
    unit = result["unit"]
    intervals = result.get("intervals") or {}
    lines = [header, ""]
    label = f"value ({unit})"
    width = max(len(label), 10)
    lines.append(f"{'atom':<12}{label:>{width}}" + ("   95% interval" if intervals else ""))
    for name in (*ATOMS, "total"):
        row = f"{name:<12}{format_value(result[name]):>{width}}"
        if name in intervals:
            lo, hi = intervals[name]
            row += f"   [{format_value(lo)}, {format_value(hi)}]"
        lines.append(row)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``pid-bench pid``; prints the decomposition and returns 0."""
    frame = read_table(args.file, [args.x1, args.x2, args.y])
    result = pid_from_samples(frame[args.x1], frame[args.x2], frame[args.y],
                              measure=args.measure, n_bootstrap=args.bootstrap, seed=args.seed,
                              base=args.base)
    out = result.to_dict()
    out.update(n_samples=len(frame), file=str(args.file), x1=args.x1, x2=args.x2, y=args.y)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        header = (f"PID of {args.y} from {args.x1} and {args.x2}: measure {result.measure}, "
                  f"n = {len(frame)} samples")
        print(_format_table(out, header))
    return 0
