"""Wall time of one grid through the executors: local with 1 and 2 workers, Dask with 2.

The grid is ``configs/default.yaml`` (CoMM, Cross and Cross+Self on the latent data) at 3
seeds: 9 runs. Each setup runs the whole grid, checks and dry run included, into a fresh
results directory, one setup after the other in the same process and on the same machine:

* ``local`` with ``--workers 1``: the runs one after the other in this process;
* ``local`` with ``--workers 2``: a pool of 2 spawned processes;
* ``dask`` with 2 workers: a ``LocalCluster`` of 2 one-thread worker processes on 127.0.0.1
  (needs ``pip install "pid-bench[dask]"``).

Every run keeps the config's ``threads`` (1 in the default config), so the three tables must be
the same byte for byte, which the last column checks. The script prints a Markdown table of
wall seconds with the ratio to ``local --workers 1`` (its speed-up) under the date, the
machine and its load average before and after, the numbers to read them by.

Usage::

    python benchmarks/scaling.py                          # default grid, seeds 0,1,2
    python benchmarks/scaling.py --epochs 3 --save benchmarks/results/scaling/scaling_default_3seeds.md

Timings depend on the load of the machine: on a shared machine the 2-worker setups are slowed
by other processes as much as the 1-worker one is, but not in the same proportion.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pid_bench.experiment import environment, run_experiment, with_overrides
from pid_bench.io import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
#: (executor, workers) of each setup, the first one the reference of the ratios.
SETUPS = (("local", 1), ("local", 2), ("dask", 2))
COLUMNS = ["executor", "workers", "threads", "runs", "wall_s", "ratio", "speed_up",
           "same_results"]


def measure(config: str | os.PathLike[str], *, seeds: Sequence[int], epochs: int | None,
            setups: Sequence[tuple[str, int]] = SETUPS, work: Path) -> pd.DataFrame:
    """Run the grid once per setup; one row per setup, in order.

    Parameters
    ----------
    config : path
        Grid config.
    seeds : sequence of int
        The grid's seeds.
    epochs : int or None
        Training epochs (None: the config's).
    setups : sequence of (str, int)
        Executor name and workers of each setup.
    work : pathlib.Path
        Folder for the setups' results directories (``<executor>_w<workers>``), which must not
        exist yet.

    Returns
    -------
    pandas.DataFrame
        Columns ``executor``, ``workers``, ``threads``, ``runs``, ``wall_s`` (seconds) and
        ``results_csv`` (the text of the setup's ``results.csv``).
    """
    rows = []
    for executor, workers in setups:
        grid = with_overrides(config, seeds=list(seeds), epochs=epochs, workers=workers,
                              executor=executor, device="cpu")
        out = work / f"{executor}_w{workers}"
        if out.exists():
            raise ValueError(f"{out} exists; give an empty --work folder")
        start = time.perf_counter()
        run_experiment(grid, out, progress=False)
        wall = time.perf_counter() - start
        rows.append({"executor": executor, "workers": workers, "threads": grid.threads,
                     "runs": len(list((out / "runs").glob("*/done.json"))), "wall_s": wall,
                     "results_csv": (out / "results.csv").read_text(encoding="utf-8")})
    return pd.DataFrame(rows)


def table(measured: pd.DataFrame) -> pd.DataFrame:
    """The printed table: wall time ratio and speed-up against the first setup, and whether
    each setup's ``results.csv`` is the first one's.

    Parameters
    ----------
    measured : pandas.DataFrame
        :func:`measure`'s rows (at least one).

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS``: ``ratio`` = wall / first wall, ``speed_up`` = first wall / wall.
    """
    if measured.empty:
        raise ValueError("no setup was measured")
    first = measured.iloc[0]
    out = measured.assign(ratio=measured.wall_s / first.wall_s,
                          speed_up=first.wall_s / measured.wall_s,
                          same_results=measured.results_csv.eq(first.results_csv))
    return out[COLUMNS]


def markdown(rows: pd.DataFrame) -> str:
    """The table as Markdown (seconds to 0.1, ratios to 0.01)."""
    head = ("| executor | workers | threads per run | runs | wall (s) | wall / local w1 "
            "| speed-up | same results.csv |")
    lines = [head, "|" + " --- |" * 8]
    for r in rows.itertuples():
        threads = "default" if pd.isna(r.threads) else int(r.threads)
        lines.append(f"| {r.executor} | {r.workers} | {threads} | {r.runs} | {r.wall_s:.1f} | "
                     f"{r.ratio:.2f} | {r.speed_up:.2f} | {'yes' if r.same_results else 'NO'} |")
    return "\n".join(lines)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the setups, print the table (and save it with ``--save``); 1 if tables differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--epochs", type=int, default=None, help="override the config's epochs")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the results directories (default: a temporary one)")
    parser.add_argument("--save", type=Path, default=None, help="also write the output here")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    env = environment("cpu")
    before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        measured = measure(args.config, seeds=seeds, epochs=args.epochs,
                           work=args.work if args.work is not None else Path(tmp))
    rows = table(measured)
    epochs = "the config's" if args.epochs is None else str(args.epochs)
    text = "\n".join([
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"Machine: {env['cpu']}, {env['cpu_count']} CPUs, {platform.platform()}, "
        f"Python {sys.version.split()[0]}, torch {env['packages']['torch']}, "
        f"dask {env['packages']['dask']}",
        f"Load average (1, 5, 15 min): before {before}; after {_load()}",
        f"Grid: {args.config.name}, seeds {args.seeds}, epochs {epochs}",
        "",
        markdown(rows)])
    print(text)
    if args.save is not None:
        atomic_write_text(args.save, text + "\n")
    return 0 if rows.same_results.all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
