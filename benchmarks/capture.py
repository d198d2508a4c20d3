"""How much of each planted atom does each method capture, read by a linear and an MLP probe?

Runs a capture grid (by default ``benchmarks/results/capture/latent_capture.yaml``: the main
job's latent data, widths and schedule; CoMM, COrAL, InfMasking, Cross, Cross+Self, FactorCL,
supervised and random; five seeds; ``probe: {kind: both}``) through
:func:`pid_bench.experiment.run_experiment`, which reuses finished runs and resumes the others
from their checkpoints, and prints, per task and method, the balanced accuracy and the captured
bits (the fraction of the task's planted information) for both probes, the number of seeds
behind each cell and the training seconds per seed (:func:`analysis.tables.capture_table`),
then each method's mean wall time per run (training and probes) and the load average of the
machine before and after. With ``--reliance``, it also prints, for each finished run of the
first seed, how far the embedding of the test samples moves when one modality is shuffled
across them (:func:`modality_reliance`): a method whose fused embedding ignores a modality
moves by about 0 for it.

Usage::

    python benchmarks/capture.py                      # the latent table, seeds 0-4
    python benchmarks/capture.py --seeds 0 --methods comm --out /tmp/capture_quick
    python benchmarks/capture.py --seeds 0 --methods comm,infmasking --reliance
    python benchmarks/capture.py --config benchmarks/results/capture/infmasking_screen.yaml \\
        --seeds 5 --out results/infmasking_screen

Wall times depend on the machine's load (docs/results/capture.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from _comm_grid import ROOT, build_parser, run_grid, runs_table
from analysis.tables import CaptureTable, capture_table
from pid_bench.experiment import environment, load_config, read_config
from pid_bench.experiment.building import build_dataset, build_method
from pid_bench.experiment.config import ExperimentConfig
from pid_bench.methods import Batch, Method

CONFIG = ROOT / "benchmarks" / "results" / "capture" / "latent_capture.yaml"


def run_seconds(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, method): runs, mean wall seconds per run and mean training seconds.

    Parameters
    ----------
    runs : pandas.DataFrame
        :func:`_comm_grid.runs_table` of a results directory.

    Returns
    -------
    pandas.DataFrame
        Indexed by (dataset, method); columns ``runs``, ``seconds`` (whole run, probes
        included) and ``train_seconds``, rounded to 0.1 s.
    """
    if runs.empty:
        raise ValueError("the results directory holds no finished run (no runs/*/done.json)")
    grouped = runs.groupby(["dataset", "method"], sort=False)
    table = grouped[["seconds", "train_seconds"]].mean().round(1)
    table.insert(0, "runs", grouped.size())
    return table


def modality_reliance(method: Method, modalities: Sequence[np.ndarray], *, seed: int = 0
                      ) -> list[float]:
    """How much the embedding depends on each modality: the mean relative change when it is
    shuffled across the samples.

    Parameters
    ----------
    method : Method
        A trained (or untrained) method; it is put in eval mode.
    modalities : sequence of numpy.ndarray
        One array of shape (n, ...) per modality, n >= 2, without step masks.
    seed : int, default 0
        Seed of the permutation of the samples.

    Returns
    -------
    list of float
        Per modality m: mean over samples of ||e(x with x_m permuted) - e(x)|| / ||e(x)||
        (dimensionless; 0 when the embedding ignores modality m).
    """
    inputs = [torch.as_tensor(np.asarray(x)) for x in modalities]
    n = inputs[0].shape[0]
    if n < 2 or any(x.shape[0] != n for x in inputs):
        raise ValueError(f"expected one array per modality with the same n >= 2 samples; "
                         f"received sample counts {[x.shape[0] for x in inputs]}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    method.eval()
    with torch.no_grad():
        base = method.embed(Batch(inputs)).float()
        changes = []
        for m in range(len(inputs)):
            moved = method.embed(Batch([x[perm] if i == m else x for i, x in enumerate(inputs)]))
            changes.append(float(((moved.float() - base).norm(dim=1)
                                  / base.norm(dim=1).clamp_min(1e-12)).mean()))
    return changes


def reliance_table(config: ExperimentConfig, out: Path, seed: int) -> pd.DataFrame:
    """:func:`modality_reliance` on the test split for each finished run of ``seed`` in ``out``.

    Returns
    -------
    pandas.DataFrame
        Indexed by (dataset, method); one column per modality, rounded to 3 decimals.
    """
    rows = {}
    for spec in config.datasets:
        data = build_dataset(spec)
        test = data.split("test")
        for method in config.methods:
            run = out / "runs" / f"{spec.label}__{method.label}__seed{seed}"
            if not (run / "done.json").is_file():
                continue
            model = build_method(method, spec, data, seed=seed)
            if (run / "checkpoint.pt").is_file():
                state = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
                model.load_state_dict(state["model"])
            rows[(spec.label, method.label)] = modality_reliance(
                model, list(test.modalities.values()), seed=seed)
    names = list(build_dataset(config.datasets[0]).modalities)
    return pd.DataFrame.from_dict(rows, orient="index", columns=names).round(3)


def main(argv: Sequence[str] | None = None) -> CaptureTable:
    """Run (or finish) the grid and print its capture table; returns the table."""
    parser = build_parser(__doc__.split("\n\n")[0], CONFIG, "0,1,2,3,4", "results/capture")
    parser.add_argument("--reliance", action="store_true",
                        help="also print how much each first-seed embedding moves when one "
                             "modality is shuffled")
    args = parser.parse_args(argv)
    before = os.getloadavg()
    results, wall, per_seed = run_grid(args)
    after = os.getloadavg()
    config = load_config(read_config(args.config))
    training = pd.read_csv(args.out / "training.csv")
    labels = [m.label for m in config.methods]
    table = capture_table(results, training, tasks=config.tasks,
                          methods=[m for m in labels if m in set(results.method)])
    runs = runs_table(args.out)
    env = environment(",".join(sorted(set(runs.device))) if len(runs) else "none")
    print(f"# Capture table: {args.config.name}")
    print(f"machine: {env['cpu']} ({env['cpu_count']} cores), {env['platform']}; torch "
          f"{env['packages']['torch']}; commit {env['git_commit']}"
          f"{' (dirty)' if env['git_dirty'] else ''}")
    timing = "all runs reused" if per_seed is None else f"{per_seed:.1f} s per seed of the grid"
    print(f"wall time of this call: {wall:.1f} s ({timing}); load average before "
          f"{before[0]:.1f} / {before[1]:.1f} / {before[2]:.1f}, after "
          f"{after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f}\n")
    print(table.to_markdown())
    print("\nruns, mean over seeds (seconds: whole run with probes; train_seconds: training):")
    print(run_seconds(runs).to_string())
    if args.reliance:
        seed = int(args.seeds.split(",")[0])
        print(f"\nrelative change of the test embedding when one modality is shuffled "
              f"(seed {seed}):")
        print(reliance_table(config, args.out, seed).to_string())
    return table


if __name__ == "__main__":
    main()
