"""Shared parts of the CoMM benchmarks: run a config's grid, per-seed numbers, PASS/FAIL lines."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pid_bench.commands.run import format_summary
from pid_bench.experiment import (
    environment,
    load_config,
    read_config,
    run_experiment,
    summarize,
    with_overrides,
)
from pid_bench.results_dir import DirectoryBusy

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Check:
    """One condition of a benchmark: its statement, whether it holds (None: information only)."""

    name: str
    passed: bool | None
    detail: str

    def __post_init__(self) -> None:
        if self.passed is not None:
            object.__setattr__(self, "passed", bool(self.passed))


def build_parser(description: str, config: Path, seeds: str, out: str) -> argparse.ArgumentParser:
    """Command-line flags shared by the CoMM benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", type=Path, default=config, help=f"grid config (default {config})")
    parser.add_argument("--seeds", default=seeds, help=f"comma-separated seeds (default {seeds})")
    parser.add_argument("--epochs", type=int, default=None, help="override the config's epochs")
    parser.add_argument("--methods", default=None, help="comma-separated methods (default: config)")
    parser.add_argument("--datasets", default=None,
                        help="comma-separated dataset labels of the config (default: all)")
    parser.add_argument("--out", type=Path, default=Path(out),
                        help=f"results directory (default {out}); finished runs are reused")
    parser.add_argument("--workers", type=int, default=None, help="parallel runs")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per run (default: the config's)")
    parser.add_argument("--device", default=None, help="auto, cpu, cuda or mps")
    parser.add_argument("--precision", default=None,
                        help="fp32 or bf16 (default: the config's)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def run_grid(args: argparse.Namespace) -> tuple[pd.DataFrame, float, float | None]:
    """Run (or finish) the grid that the flags describe.

    Returns
    -------
    results : pandas.DataFrame
        The long-form results of the grid.
    wall : float
        Wall time of this call, seconds (validation, training and probes).
    seconds_per_seed : float or None
        ``wall`` divided by the number of seeds' worth of runs executed in this call (None when
        every run was reused): the time of one seed of the grid, validation included.

    Raises
    ------
    SystemExit
        With a one-line message, when another run is writing ``args.out``.
    """
    config = with_overrides(
        read_config(args.config), seeds=[int(s) for s in args.seeds.split(",")],
        methods=None if args.methods is None else args.methods.split(","),
        datasets=None if args.datasets is None else args.datasets.split(","),
        epochs=args.epochs, device=args.device, precision=args.precision, workers=args.workers,
        threads=args.threads)
    before = len(runs_table(args.out)) if (args.out / "runs").is_dir() else 0
    start = time.perf_counter()
    try:
        results = run_experiment(config, args.out, progress=not args.quiet)
    except DirectoryBusy as exc:
        raise SystemExit(f"error: {exc}") from None
    wall = time.perf_counter() - start
    resolved = load_config(config)
    fresh = (len(runs_table(args.out)) - before) / len(resolved.cells())
    return results, wall, wall / fresh if fresh > 0 else None


def final_values(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The rows of one metric at each run's (dataset, method, seed) final epoch."""
    last = results.groupby(["dataset", "method", "seed"])["epoch"].transform("max")
    return results[(results.epoch == last) & (results.metric == metric)]


def final_accuracy(results: pd.DataFrame, dataset: str | None = None) -> pd.DataFrame:
    """Final-epoch balanced accuracy (%), one column per seed.

    Rows are (dataset, task, method), or (task, method) for the one ``dataset`` given (empty
    when it has no results).
    """
    final = final_values(results, "balanced_accuracy")
    if dataset is None:
        return final.pivot_table(index=["dataset", "task", "method"], columns="seed",
                                 values="value")
    final = final[final.dataset == dataset]
    return final.pivot_table(index=["task", "method"], columns="seed", values="value")


def runs_table(out: Path) -> pd.DataFrame:
    """Per finished run: method, seed, epochs, wall seconds, mean training pairs per second and
    when it finished (ISO 8601 text)."""
    rows = [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*/done.json"))]
    columns = ["dataset", "method", "seed", "epochs", "seconds", "train_seconds",
               "pairs_per_second", "device", "torch_threads", "finished"]
    return pd.DataFrame(rows, columns=columns)


def _devices(devices: pd.Series) -> str:
    """The distinct devices of some runs, sorted and comma-separated."""
    return ",".join(sorted(set(devices)))


def report(title: str, args: argparse.Namespace,
           checks: Callable[[pd.DataFrame, pd.DataFrame, float | None], Sequence[Check]]
           ) -> list[Check]:
    """Run the grid, print the machine, tables, throughput and PASS/FAIL lines; return the checks."""
    results, wall, per_seed = run_grid(args)
    runs = runs_table(args.out)
    env = environment(_devices(runs.device) if len(runs) else "none")
    print(f"# {title}")
    print(f"machine of this call: {env['cpu']} ({env['cpu_count']} cores), {env['platform']}, "
          f"devices of the runs {env['device']}; torch {env['packages']['torch']}; "
          f"commit {env['git_commit']}{' (dirty)' if env['git_dirty'] else ''}")
    timing = "all runs reused" if per_seed is None else f"{per_seed:.1f} s per seed of the grid"
    print(f"wall time: {wall:.1f} s ({timing})\n")
    print(format_summary(summarize(results)))
    print("\nbalanced accuracy per seed (%):")
    print(final_accuracy(results).round(1).to_string())
    print("\nruns, mean over seeds (seconds: whole run with probes; training pairs per second):")
    means = runs.groupby("method")[["seconds", "train_seconds", "pairs_per_second",
                                    "torch_threads"]].mean().round(1)
    means["devices"] = runs.groupby("method")["device"].agg(_devices)
    print(means.to_string())
    found = list(checks(results, runs, per_seed))
    print()
    for check in found:
        status = {True: "PASS", False: "FAIL", None: "INFO"}[check.passed]
        print(f"{status}  {check.name}: {check.detail}")
    return found


def interval(values: pd.Series) -> str:
    """Mean and [min, max] over seeds, as text."""
    return f"{values.mean():.1f} [{values.min():.1f}, {values.max():.1f}]"
