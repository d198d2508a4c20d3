"""How far is each continuous PID estimator from the truth, at which n and dimension?

Two families of data whose decomposition is known exactly:

* ``gaussian``: the presets of ``synthetic.gaussian.make_gaussian`` (redundancy, unique,
  synergy, mixed), X1 and X2 of dimension d each with the information in a random direction,
  a scalar continuous target; the truth is analytic (Barrett 2015);
* ``latent``: ``synthetic.latent.make_latent`` with binary factors (8 latent states per
  modality) mapped to R^d through a random tanh network, noise 0.1 per coordinate; tasks
  ``redundancy`` (R = 1 bit), ``unique1`` (U1 = 1), ``synergy_xor`` (S = 1) and ``mix`` (the
  four components at once: 1 bit each, 16 classes); the truth is the exact decomposition of the
  label over the latent states. It is also the truth for the observations as far as the
  states can be read from them: at d = 1 the 8 states of a modality overlap on a line, and no
  estimator can recover the latent truth there.

For every estimator, dataset, n, d and seed, the estimate of each atom is compared with the
truth; the script prints, per family, the worst dataset's mean absolute error per atom
(over seeds) and the median time, then the details at n = 10,000, d = 8, and the best
estimator of each family there. ``--out`` writes the long-form table (columns estimator,
family, dataset, n, d, seed, atom, true, estimate, abs_error, seconds) that
``analysis.accuracy`` plots.

Usage::

    python benchmarks/pid_accuracy.py --out accuracy.csv          # the full grid
    python benchmarks/pid_accuracy.py --ns 2000 10000 --ds 8 --seeds 2 --estimators copula

Timings are single-threaded by default (``--threads``); BLAS and OpenMP threads compete
badly on a loaded machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import sklearn.cluster  # noqa: F401  (loaded before threadpool_limits, so that they apply to it)
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from pid_bench import estimators, pid_from_samples
from pid_bench.data import MultimodalDataset
from pid_bench.info.result import ATOMS
from pid_bench.io import atomic_path
from synthetic.gaussian import PRESETS, make_gaussian
from synthetic.latent import make_latent

COLUMNS = ("estimator", "family", "dataset", "n", "d", "seed", "atom", "true", "estimate",
           "abs_error", "seconds")
FAMILIES = ("gaussian", "latent")
LATENT_TASKS = ("redundancy", "unique1", "synergy_xor", "mix")
TARGET = {"n": 10_000, "d": 8, "bits": 0.02}


def _cases(family: str, n: int, d: int, seed: int
           ) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(dataset name, x1, x2, y, true atoms) for every dataset of a family."""
    if family == "gaussian":
        for preset in PRESETS:
            ds = make_gaussian(preset=preset, d1=d, d2=d, n_samples=n, seed=seed)
            yield (ds.name, *_arrays(ds, "y"), ds.ground_truth.loc["y", list(ATOMS)].to_numpy())
        return
    ds = make_latent(n_pretrain=0, n_train=n // 2, n_test=n - n // 2, dim=d, k_redundant=2,
                     k_unique=2, k_synergy=2, noise=0.1,
                     mixtures={"mix": {"redundancy": 2, "unique1": 2, "unique2": 2,
                                       "synergy_xor": 2}}, seed=seed)
    for task in LATENT_TASKS:
        yield (f"latent_{task}", *_arrays(ds, task),
               ds.ground_truth.loc[task, list(ATOMS)].to_numpy())


def _arrays(ds: MultimodalDataset, task: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x1, x2 = (np.asarray(v, dtype=np.float64) for v in list(ds.modalities.values())[:2])
    return x1, x2, np.asarray(ds.tasks[task])


def run_grid(*, names: Sequence[str], families: Sequence[str], ns: Sequence[int],
             ds: Sequence[int], seeds: Sequence[int], progress: bool = True) -> pd.DataFrame:
    """Estimate every atom on the grid; one row per (estimator, dataset, n, d, seed, atom)."""
    rows = []
    grid = [(f, n, d, s) for f in families for n in ns for d in ds for s in seeds]
    for family, n, d, seed in tqdm(grid, disable=not progress, desc="pid accuracy"):
        for dataset, x1, x2, y, truth in _cases(family, n, d, seed):
            for name in names:
                start = time.perf_counter()
                try:
                    est = pid_from_samples(x1, x2, y, estimator=name, seed=seed).atoms()
                except (ValueError, RuntimeError) as exc:
                    # Kept as NaN rows and counted in the summary, so a failure shows.
                    est = np.full(len(ATOMS), np.nan)
                    print(f"{name} failed on {dataset}, n={n}, d={d}, seed={seed}: {exc}",
                          file=sys.stderr)
                seconds = time.perf_counter() - start
                rows += [(name, family, dataset, n, d, seed, atom, truth[i], est[i],
                          abs(est[i] - truth[i]), seconds) for i, atom in enumerate(ATOMS)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (family, estimator, n, d): the worst dataset's mean absolute error per atom (over
    the seeds that did not fail), the largest standard deviation over seeds, the median
    seconds per call and the number of failed atom estimates."""
    per_dataset = table.groupby(["family", "estimator", "n", "d", "dataset", "atom"])
    stats = per_dataset["abs_error"].agg(["mean", "std"]).reset_index()
    worst = stats.pivot_table(index=["family", "estimator", "n", "d"], columns="atom",
                              values="mean", aggfunc="max")[list(ATOMS)]
    keys = ["family", "estimator", "n", "d"]
    worst["max_sd"] = stats.groupby(keys)["std"].max()
    worst["seconds"] = table.groupby(keys)["seconds"].median()
    worst["failed"] = table.groupby(keys)["estimate"].apply(lambda v: int(v.isna().sum()))
    return worst


def details(table: pd.DataFrame, n: int, d: int) -> pd.DataFrame:
    """Mean +- sd of the absolute error per dataset, estimator and atom at one (n, d)."""
    sub = table[(table["n"] == n) & (table["d"] == d)]
    stats = sub.groupby(["family", "dataset", "estimator", "atom"])["abs_error"].agg(
        ["mean", "std"])
    cells = stats.apply(lambda r: f"{r['mean']:.3f}+-{0 if np.isnan(r['std']) else r['std']:.3f}",
                        axis=1)
    return cells.unstack("atom")[list(ATOMS)]


def best_per_family(table: pd.DataFrame, n: int, d: int) -> pd.DataFrame:
    """The estimator with the smallest worst-case mean absolute error at (n, d), per family."""
    worst = summary(table[(table["n"] == n) & (table["d"] == d)])[list(ATOMS)].max(axis=1)
    best = worst.groupby("family").idxmin().map(lambda key: key[1])
    return pd.DataFrame({"estimator": best, "worst_mean_abs_error": worst.groupby("family").min()})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ns", type=int, nargs="+", default=[500, 2000, 10_000, 50_000],
                        help="sample sizes (default: 500 2000 10000 50000)")
    parser.add_argument("--ds", type=int, nargs="+", default=[1, 8, 32],
                        help="dimension of each modality (default: 1 8 32)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..K-1 (default: 5)")
    parser.add_argument("--estimators", nargs="+", default=None,
                        help=f"estimators (default: all of {', '.join(estimators())})")
    parser.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
    parser.add_argument("--out", default=None, help="write the long-form table (.csv)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads (default: 1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = args.estimators or estimators()
    unknown = sorted(set(names) - set(estimators()))
    if unknown or args.seeds < 1 or min(args.ns) < 2 or min(args.ds) < 1:
        print(f"pid_accuracy: error: need known estimators ({', '.join(estimators())}), "
              f"--seeds >= 1, --ns >= 2, --ds >= 1; received estimators {unknown or names}, "
              f"seeds {args.seeds}, ns {args.ns}, ds {args.ds}", file=sys.stderr)
        return 2
    with threadpool_limits(args.threads):
        table = run_grid(names=names, families=args.families, ns=args.ns, ds=args.ds,
                         seeds=range(args.seeds), progress=not args.no_progress)
    if args.out:
        with atomic_path(args.out) as tmp:
            table.to_csv(tmp, index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500,
                           "display.float_format", "{:.3f}".format):
        print("Worst dataset's mean |error| per atom (bits, over seeds), largest sd, median s, "
              "failed atom estimates")
        print(summary(table).to_string())
        if TARGET["n"] in args.ns and TARGET["d"] in args.ds:
            print(f"\nMean +- sd of |error| at n = {TARGET['n']}, d = {TARGET['d']}")
            print(details(table, TARGET["n"], TARGET["d"]).to_string())
            best = best_per_family(table, TARGET["n"], TARGET["d"])
            best["within_target"] = best["worst_mean_abs_error"] <= TARGET["bits"]
            print(f"\nBest estimator per family at n = {TARGET['n']}, d = {TARGET['d']} "
                  f"(target: every atom within {TARGET['bits']} bits)")
            print(best.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
