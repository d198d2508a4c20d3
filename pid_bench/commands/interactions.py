"""``pid-bench interactions DATA.npz --task T``: R, U1, U2, S of a task, estimated from the data."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

from pid_bench.commands.pid import format_result
from pid_bench.data import SPLITS, MultimodalDataset
from pid_bench.info.sampling import SamplingWarning
from pid_bench.realdata.interactions import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_COMPONENTS,
    estimate_interactions,
)

__all__ = ["HELP", "add_arguments", "run"]

HELP = ("Estimate the redundancy, uniqueness and synergy of a task from a dataset file's own "
        "samples (PCA per view, k-means codes, BROJA with bias correction and intervals).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pid-bench interactions``."""
    parser.add_argument("data", type=Path, metavar="DATA.npz",
                        help="a dataset file (pid-bench convert, MultimodalDataset.save)")
    parser.add_argument("--task", required=True, help="the task to decompose")
    parser.add_argument("--x1", default=None, metavar="A[,B]",
                        help="modalities of the first source, comma-separated (default: the "
                             "dataset's ground-truth sources, else its first modality)")
    parser.add_argument("--x2", default=None, metavar="C[,D]",
                        help="modalities of the second source (default: as --x1, the second)")
    parser.add_argument("--label", type=int, default=None,
                        help="the label (column) of a multi-label task")
    parser.add_argument("--split", default=None, choices=SPLITS,
                        help="use one split's samples only (default: all)")
    parser.add_argument("--components", type=int, default=DEFAULT_COMPONENTS, metavar="K",
                        help=f"principal components per view (default: {DEFAULT_COMPONENTS})")
    parser.add_argument("--clusters", type=int, default=None, metavar="K",
                        help="k-means codes per source (default: the task's classes, at most "
                             "16; 8 for a continuous task)")
    parser.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP, metavar="N",
                        help=f"bootstrap replicates for 95%% intervals (default: "
                             f"{DEFAULT_BOOTSTRAP}; 0 for none)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    """Load, estimate and print; returns 0."""
    if not args.data.is_file():
        raise FileNotFoundError(f"no such dataset file: {args.data} (write one with pid-bench "
                                f"convert or MultimodalDataset.save)")
    if (args.x1 is None) != (args.x2 is None):
        raise ValueError("give both --x1 and --x2, or neither")
    data = MultimodalDataset.load(args.data)
    sources = None if args.x1 is None else [
        [m.strip() for m in group.split(",") if m.strip()] for group in (args.x1, args.x2)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplingWarning)
        result = estimate_interactions(data, args.task, sources=sources,
                                       n_components=args.components, n_clusters=args.clusters,
                                       n_bootstrap=args.bootstrap, split=args.split,
                                       label=args.label, seed=args.seed)
    for w in caught:
        if not issubclass(w.category, SamplingWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    details = result.details
    out = result.to_dict()
    for key in ("plugin", "correction", "interval_method", "interval_calibrated",
                "samples_per_cell", "n_clusters", "n_components", "sources", "n_samples",
                "warning"):
        out[key] = details.get(key)
    out.update(file=str(args.data), task=args.task, label=args.label, split=args.split,
               estimate=True)
    if args.json:
        print(json.dumps(out, indent=2, default=float))
        return 0
    x1, x2 = ("+".join(g) for g in details["sources"])
    header = (f"Estimated PID of {args.task}{'' if args.label is None else f'[{args.label}]'} "
              f"from {x1} and {x2}: PCA to {details['n_components']} components per view, "
              f"{details['n_clusters']} k-means codes per source, BROJA; "
              f"n = {details['n_samples']} samples. An estimate, not an exact value.")
    print(format_result(out, header))
    return 0
