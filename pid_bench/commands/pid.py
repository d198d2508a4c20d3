"""``pid-bench pid``: decompose three columns of a CSV or parquet file."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import pandas as pd

from pid_bench.info import ATOMS, estimators, measures, pid_from_samples
from pid_bench.info.sampling import SamplingWarning
from pid_bench.info.sampling.bias import CORRECTIONS
from pid_bench.info.sampling.estimate import (
    AUTO_DENSE,
    AUTO_SPARSE,
    AUTO_SWITCH,
    DEFAULT_PERMUTATIONS,
)
from pid_bench.info.sampling.guards import MEMORY_LIMIT
from pid_bench.info.sampling.intervals import DEFAULT_INTERVAL, INTERVALS

__all__ = ["HELP", "add_arguments", "run", "read_table", "format_result", "format_value"]

HELP = ("Partial information decomposition of three columns of a CSV or parquet file, with "
        "bias correction, p-values and intervals.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pid-bench pid``."""
    parser.add_argument("file", type=Path, help="CSV (.csv, .csv.gz) or parquet (.parquet) file")
    parser.add_argument("--x1", required=True, metavar="COL", help="column of the first source")
    parser.add_argument("--x2", required=True, metavar="COL", help="column of the second source")
    parser.add_argument("--y", required=True, metavar="COL", help="column of the target")
    parser.add_argument("--measure", default="broja",
                        help=f"PID measure, one of {', '.join(measures())} (default: broja)")
    parser.add_argument("--estimator", default=None, choices=estimators(),
                        help="continuous estimator for numeric columns (default: plug-in of "
                             "the labels)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--correction", default="auto", choices=["auto", *CORRECTIONS, "none"],
                        help=f"correction of the plug-in bias (default: auto: for labels "
                             f"{AUTO_DENSE} from {AUTO_SWITCH:g} samples per occupied cell, "
                             f"{AUTO_SPARSE} below, as measured in "
                             f"docs/results/pid_sampling.md; an estimator's own default)")
    parser.add_argument("--no-correction", action="store_true",
                        help="report the raw plug-in atoms (same as --correction none)")
    parser.add_argument("--permutations", type=int, default=None, metavar="N",
                        help=f"largest number of permutations behind the p-values, 0 for none "
                             f"(default: {DEFAULT_PERMUTATIONS} for labels, they stop early on "
                             f"null-like atoms; an estimator's own default)")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="bootstrap replicates for 95%% intervals (default: 0)")
    parser.add_argument("--interval", default=DEFAULT_INTERVAL, choices=INTERVALS,
                        help=f"interval method (default: {DEFAULT_INTERVAL})")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the permutations, bootstrap and corrections (default: 0)")
    parser.add_argument("--memory-limit", type=float, default=MEMORY_LIMIT / 2**30,
                        metavar="GIB", help=f"largest memory of the table's decomposition in "
                                            f"GiB (default: {MEMORY_LIMIT / 2**30:g})")
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


def format_result(result: dict, header: str) -> str:
    """The atoms of a result dictionary (``PIDResult.to_dict`` plus ``plugin``, ``p_values``,
    ``intervals`` where present) as a fixed-width table under ``header``."""
    unit = result["unit"]
    intervals = result.get("intervals") or {}
    p_values = result.get("p_values") or {}
    raw = result.get("plugin") or {}
    lines = [header, ""]
    label = f"value ({unit})"
    width = max(len(label), 10)
    head = f"{'atom':<12}{label:>{width}}"
    if raw:
        head += f"{'raw':>12}"
    if p_values:
        head += f"{'p-value':>10}"
    if intervals:
        head += "   95% interval"
    lines.append(head)
    for name in (*ATOMS, "total"):
        row = f"{name:<12}{format_value(result[name]):>{width}}"
        if raw:
            row += f"{format_value(raw[name]):>12}"
        if p_values:
            row += f"{p_values[name]:>10.4f}"
        if name in intervals:
            lo, hi = intervals[name]
            row += f"   [{format_value(lo)}, {format_value(hi)}]"
        lines.append(row)
    notes = []
    if raw:
        notes.append(f"correction: {result['correction'] or 'none'} (raw: the plug-in "
                     f"estimate)")
    if intervals:
        note = result.get("interval_note") or "NOT calibrated: coverage not measured"
        notes.append(f"intervals: {result['interval_method']}, {note}")
    if result.get("warning"):
        notes.append(f"warning: {result['warning']}")
    return "\n".join(lines + ([""] + notes if notes else []))


def run(args: argparse.Namespace) -> int:
    """Run ``pid-bench pid``; prints the decomposition and returns 0."""
    names = {"--x1": args.x1, "--x2": args.x2, "--y": args.y}
    seen: dict[str, str] = {}
    for flag, column in names.items():
        if column in seen:
            raise ValueError(f"{seen[column]} and {flag} name the same column {column!r}; give "
                             f"each of --x1, --x2 and --y its own column")
        seen[column] = flag
    frame = read_table(args.file, [args.x1, args.x2, args.y])
    correction = None if args.no_correction or args.correction == "none" else args.correction
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplingWarning)
        result = pid_from_samples(frame[args.x1], frame[args.x2], frame[args.y],
                                  measure=args.measure, estimator=args.estimator,
                                  correction=correction, n_permutations=args.permutations,
                                  n_bootstrap=args.bootstrap, interval=args.interval,
                                  seed=args.seed, memory_limit=args.memory_limit * 2**30,
                                  base=args.base)
    for w in caught:
        if not issubclass(w.category, SamplingWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    found = [str(w.message) for w in caught if issubclass(w.category, SamplingWarning)]
    out = result.to_dict()
    details = result.details
    for key in ("plugin", "bias", "correction", "p_values", "synergy_null", "n_permutations",
                "interval_method", "interval_calibrated", "interval_note", "samples_per_cell"):
        if key in details:
            out[key] = details[key]
    out.update(n_samples=len(frame), file=str(args.file), x1=args.x1, x2=args.x2, y=args.y,
               warning=found[0] if found else None)
    if args.json:
        print(json.dumps(out, indent=2, default=_json_default))
    else:
        what = f"estimator {args.estimator}" if args.estimator else f"measure {result.measure}"
        header = f"PID of {args.y} from {args.x1} and {args.x2}: {what}, n = {len(frame)} samples"
        print(format_result(out, header))
    return 0


def _json_default(value: object) -> object:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
