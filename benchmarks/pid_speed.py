"""Speed and accuracy of pid(p, "broja") against BROJA_2PID, a generic exponential-cone
solve and dit.

For each alphabet size k, a random joint p(x1, x2, y) with |X1| = |X2| = |Y| = k is drawn
from a Dirichlet(0.5) over its k^3 cells and decomposed by

* ours: ``pid_bench.pid(p, "broja")`` (certified to a duality gap of 1e-9 bits, included in
  the time);
* BROJA_2PID (Makkeh, Theis and Vicente 2018; ECOS), only with ``--broja2pid PATH`` (or the
  environment variable ``PID_BENCH_BROJA2PID``): PATH is a checkout of
  https://github.com/Abzinger/BROJA_2PID (the folder that holds ``broja2pid/``), which needs
  ``pip install ecos``; it is not on PyPI and not shipped here;
* cvxpy: ``pid_bench.testing.cvxpy_broja.broja_cvxpy`` (the exponential-cone program solved
  by Clarabel);
* dit: ``dit.pid.PID_BROJA`` through ``pid_bench.testing.dit_reference.dit_pid``.

Each solver runs in a child process that makes ``--repeats`` calls (the median is reported)
and is stopped at the time cap; once a reference passes the cap, it is skipped for the
larger k. The inputs of BROJA_2PID (a dict) are built outside the timed calls. The script
prints a Markdown table (seconds, ratios reference / ours, the largest atom difference
against each reference, our certified gap) under the date, the machine and its load, and,
with ``--permutations N``, the time of a loop of N calls ``pid(p_perm, "broja")`` on the
permutation tables of a 4 x 4 x 4 joint: n = 640 samples drawn from it with y shuffled
against (x1, x2), as in a permutation test; with ``--xor-significance``, the time of the
default ``pid_from_samples`` call (bias correction and p-values) on 2,000 samples of XOR.
The last column names the path of our solver that certified the result
(``details["solver"]``) and its iterations.

Usage::

    python benchmarks/pid_speed.py                          # k = 2, 3, 4, ..., 64, cap 60 s
    python benchmarks/pid_speed.py --ks 2,4,8,16 --cap 20 --repeats 3 --seed 0
    python benchmarks/pid_speed.py --broja2pid ~/src/BROJA_2PID --permutations 1000 \
        --xor-significance

Timings depend on the load of the machine; ``--threads N`` gives every solver N BLAS threads
(by default ours uses its default of one thread, the references the BLAS default).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from pid_bench import pid
from pid_bench.info.result import PIDResult
from synthetic.discrete import random_distribution

DEFAULT_KS = (2, 3, 4, 8, 12, 16, 24, 32, 48, 64)

#: Every solver is called at least --repeats times per k, and again while its calls have
#: taken less than MIN_SECONDS in all (at most MAX_CALLS calls): the median of many calls
#: for the fast ones.
MIN_SECONDS = 0.5
MAX_CALLS = 200


def _cvxpy(p: np.ndarray) -> PIDResult:
    from pid_bench.testing.cvxpy_broja import broja_cvxpy

    return broja_cvxpy(p)


def _dit(p: np.ndarray) -> PIDResult:
    from pid_bench.testing.dit_reference import dit_pid

    return dit_pid(p, "broja")


REFERENCES: dict[str, Callable[[np.ndarray], PIDResult]] = {"cvxpy": _cvxpy, "dit": _dit}

#: Environment variable naming a BROJA_2PID checkout (as ``--broja2pid``).
BROJA2PID_ENV = "PID_BENCH_BROJA2PID"


def broja2pid_reference(path: str | os.PathLike) -> Callable[[np.ndarray], object]:
    """BROJA_2PID from a checkout at ``path`` (the folder holding ``broja2pid/``), as a
    reference: a function of p that returns the prepared call, see :func:`prepare`.

    Raises
    ------
    ImportError
        No ``broja2pid`` package at ``path`` or ``ecos`` missing.
    """
    folder = str(Path(path).expanduser().resolve())
    if not (Path(folder) / "broja2pid" / "BROJA_2PID.py").is_file():
        raise ImportError(f"no BROJA_2PID checkout at {folder} (expected "
                          f"{folder}/broja2pid/BROJA_2PID.py; get it from "
                          f"https://github.com/Abzinger/BROJA_2PID)")
    sys.path.insert(0, folder)
    try:
        module = importlib.import_module("broja2pid.BROJA_2PID")
    finally:
        sys.path.remove(folder)
    solve = module.pid

    def prepare(p: np.ndarray) -> Callable[[], np.ndarray]:
        # BROJA_2PID takes {(y, x1, x2): probability} (its first variable is the target) and
        # returns SI, UIY, UIZ, CI: our R, U1, U2, S.
        pdf = {(int(y), int(a), int(b)): float(p[a, b, y]) for a, b, y in np.argwhere(p > 0)}

        def call() -> np.ndarray:
            out = solve(pdf, output=0)
            return np.array([out["SI"], out["UIY"], out["UIZ"], out["CI"]])

        return call

    prepare.prepared = True   # marks a reference whose setup is not timed
    return prepare


def _timed_child(solver: Callable, p: np.ndarray, repeats: int, threads: int | None,
                 conn) -> None:
    with threadpool_limits(threads):
        try:
            if getattr(solver, "prepared", False):
                call = solver(p)
            else:
                def call():
                    return solver(p).atoms()
            seconds, atoms = _timed_calls(call, repeats)
            conn.send((seconds, np.asarray(atoms), None))
        except Exception as exc:  # noqa: BLE001 (any failure is reported in the table)
            conn.send((np.nan, None, f"{type(exc).__name__}: {exc}"))
    conn.close()


def run_capped(solver: Callable, p: np.ndarray, cap: float, threads: int | None,
               repeats: int = 1) -> tuple[float, np.ndarray | None, str | None]:
    """(median seconds, atoms, error) of ``repeats`` calls (see :func:`_timed_calls`) in a
    child process stopped after ``cap`` seconds per call, ``repeats`` times ``cap`` in all.

    A stopped child returns seconds = inf and atoms None.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_timed_child, args=(solver, p, repeats, threads, send),
                            daemon=True)
    child.start()
    send.close()
    if receive.poll(cap * repeats):
        result = receive.recv()
        child.join()
        return result
    child.terminate()
    child.join()
    return np.inf, None, None


def _timed_calls(call: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median seconds of calls of ``call`` and its last value: at least ``repeats`` calls
    and as many more (up to MAX_CALLS) as fit in MIN_SECONDS, so that sub-millisecond
    calls are timed over many."""
    seconds, value, begin = [], None, time.perf_counter()
    while len(seconds) < repeats or (time.perf_counter() - begin < MIN_SECONDS
                                     and len(seconds) < MAX_CALLS):
        start = time.perf_counter()
        value = call()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), value


def time_ours(p: np.ndarray, repeats: int, threads: int | None) -> tuple[float, PIDResult]:
    """Median seconds of calls of pid(p, "broja") (see :func:`_timed_calls`), and the
    last result."""
    options = {"blas_threads": threads} if threads else {}
    return _timed_calls(lambda: pid(p, "broja", **options), repeats)


def permutation_tables(n_tables: int, seed: int, k: int = 4, n: int = 640) -> list[np.ndarray]:
    """Joint tables of a permutation test: n samples from a Dirichlet(0.5) k x k x k joint,
    y shuffled against (x1, x2), tabulated and normalised, ``n_tables`` times."""
    rng = np.random.default_rng([seed, 1000 + k])
    p = random_distribution((k, k, k), alpha=0.5, seed=rng)
    cells = rng.choice(k ** 3, size=n, p=p.reshape(-1))
    x12, y = np.divmod(cells, k)
    tables = []
    for _ in range(n_tables):
        counts = np.bincount(x12 * k + rng.permutation(y), minlength=k ** 3)
        tables.append(counts.reshape(k, k, k) / n)
    return tables


def time_xor_significance(n: int = 2000, seed: int = 0, **options: object
                          ) -> tuple[float, PIDResult]:
    """Seconds of the ``pid_from_samples`` call with default options (bias correction,
    p-values from up to 1,000 permutations and as many no-synergy draws) or ``options`` on
    n samples of XOR of two uniform bits, and its result."""
    from pid_bench import pid_from_samples

    rng = np.random.default_rng(seed)
    x1, x2 = rng.integers(0, 2, n), rng.integers(0, 2, n)
    start = time.perf_counter()
    result = pid_from_samples(x1, x2, x1 ^ x2, **options)
    return time.perf_counter() - start, result


def time_permutations(tables: Sequence[np.ndarray],
                      solver: Callable[[np.ndarray], object] | None = None) -> float:
    """Seconds of a loop of pid(p_perm, "broja") over the tables (or of ``solver``, which
    for a prepared reference is timed on its prepared calls)."""
    if solver is None:
        def solver(p):
            return pid(p, "broja")
    calls = ([solver(p) for p in tables] if getattr(solver, "prepared", False)
             else [lambda p=p: solver(p) for p in tables])
    start = time.perf_counter()
    for call in calls:
        call()
    return time.perf_counter() - start


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
              on_row: Callable[[dict[str, object]], None] | None = None,
              references: dict[str, Callable] | None = None) -> list[dict[str, object]]:
    """One row per k: times, atom differences and our gap.

    ``references`` (default :data:`REFERENCES`) maps names to solvers. With ``warm``, every
    solver first decomposes a 2 x 2 x 2 joint in this process, so that neither our timings
    nor those of the forked reference calls include imports and first-call set-up.
    ``on_row`` is called with each row as soon as it is complete.
    """
    references = REFERENCES if references is None else references
    rows = []
    skipped: set[str] = set()
    if warm:
        small = random_distribution((2, 2, 2), alpha=0.5, seed=seed)
        pid(small, "broja")
        for solver in references.values():
            if getattr(solver, "prepared", False):
                solver(small)()
            else:
                solver(small)
    for k in ks:
        p = random_distribution((k, k, k), alpha=0.5, seed=np.random.default_rng([seed, k]))
        ours, result = time_ours(p, repeats, threads)
        row: dict[str, object] = {"k": k, "cells": k ** 3, "ours": ours,
                                  "gap": result.details["duality_gap"],
                                  "iterations": result.details["iterations"],
                                  "solver": result.details["solver"]}
        for name, solver in references.items():
            if name in skipped:
                row[name], row[f"diff_{name}"] = None, None
                continue
            seconds, atoms, _ = run_capped(solver, p, cap, threads, repeats)
            if not seconds < cap:
                skipped.add(name)
            row[name] = seconds
            row[f"diff_{name}"] = (float(np.abs(atoms - result.atoms()).max())
                                   if atoms is not None else None)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def table_header(names: Sequence[str]) -> str:
    """Header of the Markdown table for the references ``names``."""
    label = {"broja2pid": "BROJA_2PID", "cvxpy": "cvxpy", "dit": "dit"}
    times = " | ".join(f"{label.get(n, n)} (s)" for n in names)
    ratios = " | ".join(f"{label.get(n, n)} / ours" for n in names)
    diffs = " | ".join(f"diff vs {label.get(n, n)} (bits)" for n in names)
    columns = 4 + 3 * len(names)
    return (f"| k | cells | ours (s) | {times} | {ratios} | {diffs} | our gap (bits) | "
            f"our path |\n" + "|" + "---:|" * columns + "---|")


def markdown_row(r: dict[str, object], cap: float, names: Sequence[str] = ("cvxpy", "dit")
                 ) -> str:
    """One row of :func:`benchmark` as a line of the Markdown table of :func:`table_header`."""
    times, ratios, diffs = [], [], []
    for name in names:
        seconds = r[name]
        times.append(_format_seconds(seconds, cap))
        ratios.append(f"{seconds / r['ours']:.3g}x" if isinstance(seconds, float)
                      and np.isfinite(seconds) else "")
        diffs.append(f"{r[f'diff_{name}']:.1e}" if r[f"diff_{name}"] is not None else "")
    return (f"| {r['k']} | {r['cells']:,} | {r['ours']:.3g} | " + " | ".join(times) + " | "
            + " | ".join(ratios) + " | " + " | ".join(diffs) + f" | {r['gap']:.1e} | "
            f"{r['solver']} ({r['iterations']}) |")


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
                        help="alphabet sizes, comma-separated (default: 2,3,4,8,12,16,24,32,48,64)")
    parser.add_argument("--cap", type=float, default=60.0,
                        help="seconds after which a reference's calls at one k are stopped "
                             "and the reference skipped for larger k (default: 60)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="least calls per solver and k (more while they take under "
                             f"{MIN_SECONDS} s); the median time is reported (default: 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the distributions")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for every solver (default: each solver's own; "
                             "ours: 1)")
    parser.add_argument("--broja2pid", default=os.environ.get(BROJA2PID_ENV),
                        help="path of a BROJA_2PID checkout (the folder holding broja2pid/) "
                             f"to time as a reference (default: ${BROJA2PID_ENV})")
    parser.add_argument("--permutations", type=int, default=0,
                        help="also time a loop of this many pid(p_perm, 'broja') calls on "
                             "permutation tables of a 4x4x4 joint (default: 0, skipped)")
    parser.add_argument("--xor-significance", action="store_true",
                        help="also time the default pid_from_samples call (corrections and "
                             "p-values) on 2,000 samples of XOR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (args.cap <= 0 or args.repeats < 1 or args.permutations < 0
            or (args.threads is not None and args.threads < 1)):
        print(f"--cap must be > 0, --repeats and --threads >= 1, --permutations >= 0; "
              f"received cap={args.cap}, repeats={args.repeats}, threads={args.threads}, "
              f"permutations={args.permutations}", file=sys.stderr)
        return 2
    references = dict(REFERENCES)
    if args.broja2pid:
        try:
            references = {"broja2pid": broja2pid_reference(args.broja2pid), **references}
        except ImportError as exc:
            print(f"--broja2pid: {exc}", file=sys.stderr)
            return 2
    names = list(references)
    print("\n".join([*header(args.threads), "", table_header(names)]), flush=True)
    benchmark(args.ks, args.cap, args.repeats, args.seed, args.threads, references=references,
              on_row=lambda row: print(markdown_row(row, args.cap, names), flush=True))
    if args.permutations:
        tables = permutation_tables(args.permutations, args.seed)
        ours = time_permutations(tables)
        lines = [f"\n{args.permutations} permutation tables of a 4x4x4 joint (n = 640), one "
                 f"loop each: ours {ours:.3g} s ({1e3 * ours / len(tables):.3g} ms a table)"]
        if "broja2pid" in references:
            theirs = time_permutations(tables, references["broja2pid"])
            lines.append(f"BROJA_2PID {theirs:.3g} s (ratio BROJA_2PID / ours "
                         f"{theirs / ours:.3g}x)")
        print(", ".join(lines), flush=True)
    if args.xor_significance:
        seconds, result = time_xor_significance()
        print(f"\npid_from_samples on XOR, n = 2000, defaults: {seconds:.3g} s, synergy "
              f"{result.synergy:.4f} bits, p = {result.details['p_values']['synergy']:.4f} "
              f"({result.details['n_permutations']} permutations)", flush=True)
    if args.permutations or args.xor_significance:
        print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
