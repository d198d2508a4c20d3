"""Speed and accuracy of pid(p, "broja") against a generic exponential-cone solve and dit.

For each alphabet size k, a random joint p(x1, x2, y) with |X1| = |X2| = |Y| = k is drawn
from a Dirichlet(0.5) over its k^3 cells and decomposed by

* ours: ``pid_bench.pid(p, "broja")`` (certified to a duality gap of 1e-9 bits, included in
  the time);
* cvxpy: ``pid_bench.testing.cvxpy_broja.broja_cvxpy`` (the exponential-cone program solved
  by Clarabel);
* dit: ``dit.pid.PID_BROJA`` through ``pid_bench.testing.dit_reference.dit_pid``.

The references run in a child process that is stopped at the time cap; once a call of a
reference passes the cap, that reference is skipped for the larger k. The script prints a
Markdown table (median seconds over the repeats, the ratio cvxpy / ours, the largest atom
difference against cvxpy and against dit, and our certified gap) under the date and the
machine it ran on.

Usage::

    python benchmarks/pid_speed.py                          # k = 2, 4, ..., 64, cap 60 s
    python benchmarks/pid_speed.py --ks 2,4,8,16 --cap 20 --repeats 3 --seed 0

Timings depend on the load of the machine; ``--threads N`` gives every solver N BLAS threads
(by default ours uses its default of one thread, the references the BLAS default).
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from pid_bench import pid
from pid_bench.info.result import PIDResult
from synthetic.discrete import random_distribution

DEFAULT_KS = (2, 4, 8, 12, 16, 24, 32, 48, 64)


def _cvxpy(p: np.ndarray) -> PIDResult:
    from pid_bench.testing.cvxpy_broja import broja_cvxpy

    return broja_cvxpy(p)


def _dit(p: np.ndarray) -> PIDResult:
    from pid_bench.testing.dit_reference import dit_pid

    return dit_pid(p, "broja")


REFERENCES: dict[str, Callable[[np.ndarray], PIDResult]] = {"cvxpy": _cvxpy, "dit": _dit}


def _timed_child(solver: Callable[[np.ndarray], PIDResult], p: np.ndarray, threads: int | None,
                 conn) -> None:
    with threadpool_limits(threads):
        try:
            start = time.perf_counter()
            atoms = solver(p).atoms()
            conn.send((time.perf_counter() - start, atoms, None))
        except Exception as exc:  # noqa: BLE001 (any failure is reported in the table)
            conn.send((np.nan, None, f"{type(exc).__name__}: {exc}"))
    conn.close()


def run_capped(solver: Callable[[np.ndarray], PIDResult], p: np.ndarray, cap: float,
               threads: int | None) -> tuple[float, np.ndarray | None, str | None]:
    """(seconds, atoms, error) of one call in a child process stopped after ``cap`` seconds.

    A stopped call returns seconds = inf and atoms None.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_timed_child, args=(solver, p, threads, send), daemon=True)
    child.start()
    send.close()
    if receive.poll(cap):
        result = receive.recv()
        child.join()
        return result
    child.terminate()
    child.join()
    return np.inf, None, None


def time_ours(p: np.ndarray, repeats: int, threads: int | None) -> tuple[float, PIDResult]:
    """Median seconds of ``repeats`` calls of pid(p, "broja"), and the last result."""
    seconds = []
    options = {"blas_threads": threads} if threads else {}
    for _ in range(repeats):
        start = time.perf_counter()
        result = pid(p, "broja", **options)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), result


def _format_seconds(value: float | None, cap: float) -> str:
    if value is None:
        return "skipped"
    if np.isinf(value):
        return f"> {cap:g}"
    return "failed" if np.isnan(value) else f"{value:.3g}"


def header(threads: int | None) -> list[str]:
    """Date, machine and BLAS lines printed above the table."""
    blas = ", ".join(f"{i['internal_api']} {i.get('version') or ''} ({i['num_threads']} threads)"
                     for i in threadpool_info() if i["user_api"] == "blas")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return [f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
            (f"Machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} CPUs, load average {load}"),
            (f"Python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas}; "
             f"--threads {threads if threads else 'default'}")]


def benchmark(ks: Sequence[int], cap: float, repeats: int, seed: int,
              threads: int | None = None, warm: bool = True,
              on_row: Callable[[dict[str, object]], None] | None = None
              ) -> list[dict[str, object]]:
    """One row per k: times, ratio, atom differences and our gap.

    With ``warm``, every solver first decomposes a 2 x 2 x 2 joint in this process, so that
    neither our timings nor those of the forked reference calls include imports and
    first-call set-up. ``on_row`` is called with each row as soon as it is complete.
    """
    rows = []
    skipped: set[str] = set()
    if warm:
        small = random_distribution((2, 2, 2), alpha=0.5, seed=seed)
        pid(small, "broja")
        for solver in REFERENCES.values():
            solver(small)
    for k in ks:
        p = random_distribution((k, k, k), alpha=0.5, seed=np.random.default_rng([seed, k]))
        ours, result = time_ours(p, repeats, threads)
        row: dict[str, object] = {"k": k, "cells": k ** 3, "ours": ours,
                                  "gap": result.details["duality_gap"],
                                  "iterations": result.details["iterations"]}
        for name, solver in REFERENCES.items():
            if name in skipped:
                row[name], row[f"diff_{name}"] = None, None
                continue
            times, atoms = [], None
            for _ in range(repeats):
                seconds, atoms_now, error = run_capped(solver, p, cap, threads)
                times.append(seconds)
                if atoms_now is not None:
                    atoms = atoms_now
                if error is not None or seconds > cap / repeats:
                    break
            if max(times) > cap:
                skipped.add(name)
            row[name] = float(np.median(times)) if atoms is not None else max(times)
            row[f"diff_{name}"] = (float(np.abs(atoms - result.atoms()).max())
                                   if atoms is not None else None)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


TABLE_HEADER = ("| k | cells | ours (s) | cvxpy (s) | dit (s) | cvxpy / ours | max abs atom "
                "diff vs cvxpy (bits) | vs dit (bits) | our gap (bits) |\n"
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def markdown_row(r: dict[str, object], cap: float) -> str:
    """One row of :func:`benchmark` as a line of the Markdown table."""
    cvx = r["cvxpy"]
    ratio = f"{cvx / r['ours']:.3g}x" if isinstance(cvx, float) and np.isfinite(cvx) else ""
    diffs = [f"{r[d]:.1e}" if r[d] is not None else "" for d in ("diff_cvxpy", "diff_dit")]
    return (f"| {r['k']} | {r['cells']:,} | {r['ours']:.3g} | {_format_seconds(cvx, cap)} | "
            f"{_format_seconds(r['dit'], cap)} | {ratio} | {diffs[0]} | {diffs[1]} | "
            f"{r['gap']:.1e} |")


def _ks(text: str) -> list[int]:
    try:
        ks = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--ks takes comma-separated integers; received "
                                         f"{text!r}") from None
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"--ks needs integers >= 1; received {text!r}")
    return ks


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ks", type=_ks, default=list(DEFAULT_KS),
                        help="alphabet sizes, comma-separated (default: 2,4,8,12,16,24,32,48,64)")
    parser.add_argument("--cap", type=float, default=60.0,
                        help="seconds after which a reference call is stopped and the "
                             "reference skipped for larger k (default: 60)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="calls per solver and k; the median time is reported (default: 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the distributions")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for every solver (default: each solver's own; "
                             "ours: 1)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cap <= 0 or args.repeats < 1 or (args.threads is not None and args.threads < 1):
        print(f"--cap must be > 0, --repeats and --threads >= 1; received cap={args.cap}, "
              f"repeats={args.repeats}, threads={args.threads}", file=sys.stderr)
        return 2
    print("\n".join([*header(args.threads), "", TABLE_HEADER]), flush=True)
    benchmark(args.ks, args.cap, args.repeats, args.seed, args.threads,
              on_row=lambda row: print(markdown_row(row, args.cap), flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
