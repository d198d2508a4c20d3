"""``pid-bench run``: train and probe a grid of methods x datasets x seeds, print the summary."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pid_bench import experiment

__all__ = ["HELP", "add_arguments", "run", "format_summary"]

HELP = "train methods on datasets over seeds, probe every task, write and print the results table"

#: The config used when none is given (the repository's main job).
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "default.yaml"


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of names without "
                                         f"empty entries, e.g. comm,cross; received {text!r}")
    return names


def _seeds(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers without empty "
                                         f"entries, e.g. 0,1,2; received {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``run`` subcommand's arguments."""
    parser.add_argument("config", nargs="?", type=Path, default=None,
                        help=f"YAML config of the grid (default: {DEFAULT_CONFIG.name} of the "
                             f"repository)")
    parser.add_argument("--out", type=Path, default=None,
                        help="results directory (default: results/<config name>); finished runs "
                             "in it are skipped")
    parser.add_argument("--methods", type=_names, default=None,
                        help="comma-separated methods: labels of the config's entries, "
                             "registered names, or import paths package.module:Class")
    parser.add_argument("--datasets", type=_names, default=None,
                        help="comma-separated datasets: labels of the config's entries or "
                             "dataset names (latent, trifeature)")
    parser.add_argument("--seeds", type=_seeds, default=None, help="comma-separated seeds, e.g. 0,1")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (the warm-up is capped at it)")
    parser.add_argument("--workers", type=int, default=None,
                        help="runs at a time: local processes, Dask workers of a local cluster, "
                             "SLURM array tasks (default: the config's, else 1); with --device "
                             "cuda, local run i trains on GPU i mod (number of GPUs)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch and BLAS threads per run (default: the config's)")
    parser.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:K or mps")
    parser.add_argument("--precision", default=None,
                        help="fp32 or bf16 (bfloat16 autocast of the training steps)")
    parser.add_argument("--target-task", default=None, metavar="TASK",
                        help="the task that supervised methods (e.g. --methods supervised) "
                             "train on, where their config entry sets no target_task")
    parser.add_argument("--rerun-invalid", action="store_true",
                        help="run again the runs whose files no longer match their done.json "
                             "(changed, truncated or deleted), instead of stopping with an error")
    parser.add_argument("--weights-from", type=Path, default=None, metavar="OLD",
                        help="re-probe without retraining: each run still to do in --out takes "
                             "the final weights of the finished run of the same name in results "
                             "directory OLD, where that run trained with the same dataset, "
                             "method, seed and train settings (it may differ in probe, tasks, "
                             "embed_batch_size), and is embedded and probed with this config's "
                             "settings; the others train as usual. OLD is only read; needs "
                             "probe_every: 0")
    parser.add_argument("--executor", choices=("local", "slurm", "dask"), default=None,
                        help="where the runs execute (default: the config's, else local): this "
                             "machine, SLURM job arrays (pip install 'pid-bench[slurm]') or a "
                             "Dask cluster (pip install 'pid-bench[dask]'); remote workers need "
                             "--out on a filesystem they share")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="the Dask scheduler (with --executor dask; default: a local cluster "
                             "of --workers processes on 127.0.0.1)")
    parser.add_argument("--partition", default=None, help="the SLURM partition (with --executor "
                                                          "slurm)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def format_summary(summary: pd.DataFrame) -> str:
    """The summary table as aligned text: accuracy in %, information in bits."""
    if summary.empty:
        return "(no finished runs)"
    if summary["f1_macro"].isna().all():
        summary = summary.drop(columns="f1_macro")
    table = summary.rename(columns={
        "balanced_accuracy": "bal_acc_%", "balanced_accuracy_sd": "sd", "chance": "chance_%",
        "f1_macro": "f1_macro_%", "captured_bits": "captured_bits", "gt_redundancy": "gt_R", "gt_unique1": "gt_U1",
        "gt_unique2": "gt_U2", "gt_synergy": "gt_S", "gt_total": "gt_total",
        "balanced_accuracy_mlp": "bal_acc_mlp_%", "balanced_accuracy_mlp_sd": "sd_mlp"})
    formats = {c: "{:.1f}".format for c in ("bal_acc_%", "sd", "chance_%", "f1_macro_%",
                                            "bal_acc_mlp_%", "sd_mlp")}
    formats.update({c: "{:.3f}".format for c in ("captured_bits", "captured_bits_mlp", "gt_R",
                                                  "gt_U1", "gt_U2", "gt_S", "gt_total")})
    return table.to_string(index=False, formatters=formats, na_rep="-")


def run(args: argparse.Namespace) -> int:
    """Run the grid, then print the summary table and where the results are.

    Under ``torchrun`` (``WORLD_SIZE`` > 1), rank 0 runs the grid and the other ranks train
    the shares of each run it trains (:mod:`pid_bench.distributed`).
    """
    from pid_bench import distributed  # torch: not imported for the other subcommands

    if distributed.init_from_env() and not distributed.is_leader():
        distributed.serve()
        return 0
    path = args.config
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            raise ValueError(f"no CONFIG given and the default {DEFAULT_CONFIG} does not exist; "
                             f"pass a YAML config")
        path = DEFAULT_CONFIG
    config = experiment.with_overrides(
        experiment.read_config(path), methods=args.methods, datasets=args.datasets,
        seeds=args.seeds, epochs=args.epochs, device=args.device, precision=args.precision,
        workers=args.workers, threads=args.threads, target_task=args.target_task,
        executor=args.executor, scheduler=args.scheduler, partition=args.partition)
    out = args.out if args.out is not None else Path("results") / Path(path).stem
    with distributed.lead():
        results = experiment.run_experiment(config, out, progress=not args.quiet,
                                            rerun_invalid=args.rerun_invalid,
                                            weights_from=args.weights_from,
                                            notify=lambda line: print(line, flush=True))
    print(format_summary(experiment.summarize(results)))
    print(f"\nresults: {out / 'results.csv'} ({len(results)} rows)")
    return 0
