"""``pid-bench canonical``: every canonical distribution decomposed by every measure."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import pandas as pd

from pid_bench.commands.pid import format_value
from pid_bench.info import ATOMS, measures, pid
from synthetic.discrete import CANONICAL

__all__ = ["HELP", "add_arguments", "run", "canonical_table"]

HELP = "Table of the canonical distributions (XOR, AND, RDN, ...) under each PID measure."

_COLUMNS = ["distribution", "measure", *ATOMS, "total"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pid-bench canonical``."""
    parser.add_argument("--measure", nargs="+", default=None, metavar="NAME",
                        help=f"measures to include (default: all of {', '.join(measures())})")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON records")
    fmt.add_argument("--markdown", action="store_true", help="print a Markdown table")


def canonical_table(measure_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Decompose every distribution of ``synthetic.discrete.CANONICAL``.

    Parameters
    ----------
    measure_names : sequence of str, optional
        Measures to apply; all of ``pid_bench.measures()`` by default.

    Returns
    -------
    pandas.DataFrame
        One row per (distribution, measure), columns ``distribution, measure, redundancy,
        unique1, unique2, synergy, total`` (bits).
    """
    names = list(measures() if measure_names is None else measure_names)
    unknown = [m for m in names if m not in measures()]
    if unknown:
        raise ValueError(f"unknown PID measure(s) {', '.join(map(repr, unknown))}; known "
                         f"measures: {', '.join(measures())}")
    rows = []
    for dist_name, make in CANONICAL.items():
        p = make()
        for m in names:
            result = pid(p, m)
            rows.append({"distribution": dist_name, "measure": m,
                         **{a: getattr(result, a) for a in ATOMS}, "total": result.total})
    return pd.DataFrame(rows, columns=_COLUMNS)


def _markdown(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" if c in ("distribution", "measure") else "---:"
                          for c in frame.columns) + "|"
    body = ["| " + " | ".join(format_value(v) if isinstance(v, float) else str(v) for v in row)
            + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def run(args: argparse.Namespace) -> int:
    """Run ``pid-bench canonical``; prints the table and returns 0."""
    frame = canonical_table(args.measure)
    if args.json:
        print(json.dumps(frame.to_dict(orient="records"), indent=2))
    elif args.markdown:
        print(_markdown(frame))
    else:
        print("Canonical distributions, atoms in bits\n")
        print(frame.to_string(index=False, float_format=format_value))
    return 0
