"""How wrong is the plug-in PID of samples, and which bias correction, p-value and interval
can be trusted at which n?

Every distribution has an exact decomposition (BROJA of the true joint):

* ``canonical``: the canonical distributions of ``synthetic.discrete`` (XOR, AND, RDN, UNQ,
  COPY, RDNXOR, XORAND, SUM, two dice);
* ``independent``: x1, x2, y independent and uniform over k levels, k = 2, 4, 8, 16, 30 (8 to
  27,000 cells; every atom is 0);
* ``random``: Dirichlet(1) joints of k x k x k cells, k = 2, 4, 8, 16, 30;
* ``structured``: y = (x1 + x2) mod k (pure synergy, k of k^3 cells per (x1, x2) occupied) and
  y = x1 (pure unique information) for k = 8 and 30, the cases where the mass sits on few
  of many cells;
* ``latent``: the latent states of ``synthetic.latent.make_latent`` with binary factors
  (8 states per modality) and its tasks ``redundancy``, ``unique1``, ``synergy_xor`` and ``mix``
  (16 classes; 1 bit of each atom).

n runs from 0.5x to 100x the number of cells of the true joint; each (distribution, n, seed)
draws n samples from the exact joint.

Three parts (``--parts``):

* ``bias``: the error of each atom for the raw plug-in and every correction of
  ``pid_bench.info.sampling.bias`` (the resampling ones with 20 resamples, 10 above 1,024
  cells), and their time; 20 seeds up to 1,024 cells, 2 above (``--few-seeds``);
* ``coverage``: on eight distributions of at most 64 cells (``COVERAGE_DATASETS``), n from 2x
  to 100x cells, 20 seeds: 95% bootstrap intervals (100 replicates, all of them behind the
  bootstrap correction as in ``pid_from_samples``; hull, boundary, centered, BCa and
  percentile, each around every correction) and their coverage of the true atoms, and the
  p-values (50 permutations of y, 50 draws of the no-synergy null) of every atom, whose rate
  of p < 0.05 on atoms that are truly 0 is the false-positive rate; and on larger tables
  (``LARGE_COVERAGE``: latent tasks of 128 and 1,024 cells, independent and random joints
  of 512 cells, a random joint of 4,096 cells, at 5x and 10x cells, with the seeds that two
  shared cores allow; 27,000 cells are not measured) the default's intervals alone (hull,
  boundary and centered around the bootstrap and NSB corrections, which ``auto`` chooses
  between), without p-values; ``--intervals-only`` measures the small tables that way too
  (the 100-seed rerun);
* ``musts``: the acceptance checks of issue 17 through the default ``pid_from_samples``
  (independent 30-level columns at n = 3,000; XOR at n = 2,000), 20 seeds.

Usage::

    python benchmarks/pid_sampling.py --out-dir benchmarks/results/pid_sampling --workers 2
    python benchmarks/pid_sampling.py --parts bias --max-cells 64 --seeds 3 --out-dir /tmp/s

The printed summary (and ``summary.md`` in ``--out-dir``) gives, per method, the worst case
over distributions of the mean absolute error (over seeds) of the worst atom, by n / cells,
and the rule of thumb on samples per occupied cell.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import platform
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from pid_bench import pid, pid_from_samples
from pid_bench.info.result import ATOMS
from pid_bench.info.sampling import bias
from pid_bench.info.sampling.estimate import auto_correction
from pid_bench.info.sampling.guards import SamplingWarning
from pid_bench.info.sampling.intervals import (DEFAULT_INTERVAL, HULL_CORRECTIONS, INTERVALS,
                                                bootstrap_draws, bootstrap_interval)
from pid_bench.info.sampling.significance import no_synergy_test, permutation_test
from pid_bench.info.sampling.table import RESAMPLE_OPTIONS, SampleTable, decompose
from pid_bench.io import atomic_path
from pid_bench.model_pid import latent_states
from synthetic.discrete import canonical, random_distribution
from synthetic.latent import make_latent

PARTS = ("bias", "coverage", "musts")
RATIOS = (0.5, 1, 2, 5, 10, 100)
COVERAGE_RATIOS = (2, 5, 10, 100)
METHODS = ("raw", *bias.CORRECTIONS)
RESAMPLES = 20
#: Resamples of the shuffle and bootstrap corrections above MANY_SEEDS_MAX_CELLS cells.
FEW_RESAMPLES = 10
N_BOOTSTRAP = 100
N_PERMUTATIONS = 50
COVERAGE_DATASETS = ("xor", "and", "rdn", "unq", "sum", "independent_2", "independent_4",
                     "random_4")
COVERAGE_MAX_CELLS = 64
#: The large tables of the coverage part: name -> (seeds, ratios), as many as a 10-minute run
#: on two cores shared with other jobs allows (one solve of 512 cells takes about 0.01 s
#: there, of 4,096 cells 0.02 to 0.06 s, of 27,000 cells 1 to 2 s: 27,000 cells are not
#: measured).
LARGE_COVERAGE = {
    "latent_redundancy": (20, (5, 10)), "latent_synergy_xor": (20, (5, 10)),
    "independent_8": (20, (5, 10)), "random_8": (40, (5, 10)), "latent_mix": (5, (5, 10)),
    "random_16": (30, (5, 10)),
}
#: The intervals of the large tables (the default, and those it replaced), each around the
#: corrections of HULL_CORRECTIONS.
LARGE_INTERVALS = ("hull", "boundary", "centered")
MANY_SEEDS_MAX_CELLS = 1024
CANONICAL = ("xor", "and", "rdn", "unq", "copy", "rdnxor", "xorand", "sum", "dice_sum",
             "dice_x1+6x2")
LEVELS = (2, 4, 8, 16, 30)
LATENT_TASKS = ("redundancy", "unique1", "synergy_xor", "mix")
#: Per-cell rule: the bins of samples per occupied cell of the summary.
PER_CELL_BINS = (0, 1.5, 3, 5, 10, 20, 50, np.inf)
_OPTIONS = RESAMPLE_OPTIONS["broja"]


def _from_function(k: int, f) -> np.ndarray:
    p = np.zeros((k, k, k))
    for a in range(k):
        for b in range(k):
            p[a, b, f(a, b)] += 1.0 / k**2
    return p


def _latent(task: str) -> np.ndarray:
    """Exact joint of (x1 state, x2 state, label): uniform binary factors, label a function."""
    mix = {"redundancy": 2, "unique1": 2, "unique2": 2, "synergy_xor": 2}
    ds = make_latent(n_pretrain=0, n_train=1000, n_test=1000, dim=4, k_redundant=2,
                     k_unique=2, k_synergy=2, noise=0.1, mixtures={"mix": mix}, seed=0)
    factors = np.column_stack([np.asarray(ds.latents[k]) for k in ("r", "u1", "u2", "s1", "s2")])
    s1, s2 = latent_states(ds)
    y = np.unique(np.asarray(ds.tasks[task]), return_inverse=True)[1].reshape(-1)
    _, first = np.unique(factors, axis=0, return_index=True)
    assert first.size == 32, "every combination of the 5 binary factors is drawn"
    p = np.zeros((s1.max() + 1, s2.max() + 1, y.max() + 1))
    np.add.at(p, (s1[first], s2[first], y[first]), 1.0 / 32)
    truth = ds.ground_truth.loc[task, list(ATOMS)].to_numpy(dtype=float)
    assert np.allclose(pid(p, "broja").atoms(), truth, atol=1e-6), task
    return p


def distributions() -> dict[str, tuple[str, np.ndarray]]:
    """name -> (family, exact joint)."""
    out: dict[str, tuple[str, np.ndarray]] = {}
    for name in CANONICAL:
        out[name] = ("canonical", canonical(name))
    for k in LEVELS:
        out[f"independent_{k}"] = ("independent", np.full((k, k, k), 1.0 / k**3))
        out[f"random_{k}"] = ("random", random_distribution((k, k, k), alpha=1.0, seed=k))
    for k in (8, 30):
        out[f"summod_{k}"] = ("structured", _from_function(k, lambda a, b: (a + b) % k))
        out[f"copy1_{k}"] = ("structured", _from_function(k, lambda a, b: a))
    for task in LATENT_TASKS:
        out[f"latent_{task}"] = ("latent", _latent(task))
    return out


def _draw(p: np.ndarray, n: int, rng: np.random.Generator) -> SampleTable:
    """n samples of the joint p as coded samples (levels absent from the draw removed)."""
    counts = rng.multinomial(n, p.ravel())
    cells = np.repeat(np.arange(p.size), counts)
    codes = np.unravel_index(cells, p.shape)
    return SampleTable(tuple(np.unique(c, return_inverse=True)[1].reshape(-1) for c in codes))


def _solve(joint: np.ndarray) -> np.ndarray:
    return decompose(joint, "broja", _OPTIONS).atoms()


def _n_of(ratio: float, cells: int) -> int:
    return max(int(round(ratio * cells)), 2)


def _bias_case(task: tuple[str, str, np.ndarray, np.ndarray, float, int]) -> list[tuple]:
    name, family, p, truth, ratio, seed = task
    rng = np.random.default_rng([seed, p.size, int(10 * ratio)])
    n = _n_of(ratio, p.size)
    table = _draw(p, n, rng)
    start = time.perf_counter()
    raw = _solve(table.joint())
    base = time.perf_counter() - start
    resamples = RESAMPLES if p.size <= MANY_SEEDS_MAX_CELLS else FEW_RESAMPLES
    rows = []
    occupied = table.occupied()
    for method in METHODS:
        start = time.perf_counter()
        if method == "raw":
            est = bias.corrected_atoms(raw, measure="broja").atoms()
        elif method == "shuffle":
            null, _ = permutation_test(table, _solve, raw, resamples, rng, stop_on=None)
            est = bias.corrected_atoms(raw - null.mean(axis=0), measure="broja").atoms()
        elif method == "bootstrap":
            boot = bootstrap_draws(table, _solve, resamples, rng)
            est = bias.corrected_atoms(2 * raw - boot.mean(axis=0), measure="broja").atoms()
        elif method == "extrapolation":
            est = bias.corrected_atoms(bias.extrapolated_atoms(table, _solve, raw, rng),
                                       measure="broja").atoms()
        else:
            counts = table.counts()
            info = (bias.plugin_informations(counts) - bias.panzeri_treves_bias(counts)
                    if method == "panzeri_treves" else bias.nsb_informations(counts))
            est = bias.corrected_informations(info, raw[0], measure="broja").atoms()
        seconds = time.perf_counter() - start + base
        for i, atom in enumerate(ATOMS):
            rows.append((name, family, p.size, n, ratio, seed, occupied, method, atom,
                         truth[i], est[i], abs(est[i] - truth[i]), seconds))
    return rows


def _cover_rows(case: tuple, correction: str, interval: str,
                limits: dict[str, tuple[float, float]], truth5: np.ndarray) -> list[tuple]:
    """COVERAGE_COLUMNS rows of one interval; ``case`` is (dataset, family, cells, n, ratio,
    seed, occupied), ``truth5`` the true atoms and total."""
    return [(*case, correction, interval, key, truth5[i], *limits[key],
             bool(limits[key][0] - 1e-9 <= truth5[i] <= limits[key][1] + 1e-9))
            for i, key in enumerate((*ATOMS, "total"))]


def _hull_corrections(table: SampleTable, raw: np.ndarray, boot: np.ndarray) -> dict:
    """The corrections of HULL_CORRECTIONS as ``pid_from_samples`` makes them: the bootstrap
    correction from every replicate, NSB keeping the plug-in redundancy."""
    out = {"bootstrap": bias.corrected_atoms(2 * raw - boot.mean(axis=0), measure="broja"),
           "nsb": bias.corrected_informations(bias.nsb_informations(table.counts()), raw[0],
                                              measure="broja")}
    return {k: out[k] for k in HULL_CORRECTIONS}


def _interval_rows(case: tuple, table: SampleTable, raw: np.ndarray, boot: np.ndarray,
                   corrected: dict, intervals: Sequence[str], truth5: np.ndarray,
                   rng: np.random.Generator) -> list[tuple]:
    """COVERAGE_COLUMNS rows of every interval around every correction of one sample; the
    ``"hull"`` interval spans the boundary intervals around the corrections of
    HULL_CORRECTIONS too, as in ``pid_from_samples``."""
    others = [corrected[k].atoms() for k in HULL_CORRECTIONS]
    rows = []
    bca = None
    for method, result in corrected.items():
        for interval in intervals:
            if interval == "bca":
                if bca is None:
                    bca = bootstrap_interval(table, _solve, raw, result.atoms(), boot, 0.95,
                                             "bca", rng)
                limits = bca
            else:
                limits = bootstrap_interval(table, _solve, raw, result.atoms(), boot, 0.95,
                                            interval, rng, others=others)
            rows += _cover_rows(case, method, interval, limits, truth5)
    return rows


def _coverage_case(task: tuple[str, str, np.ndarray, np.ndarray, float, int, int, int]
                   ) -> tuple[list[tuple], list[tuple]]:
    name, family, p, truth, ratio, seed, n_bootstrap, n_permutations = task
    rng = np.random.default_rng([seed, p.size, int(10 * ratio), 1])
    n = _n_of(ratio, p.size)
    table = _draw(p, n, rng)
    raw = _solve(table.joint())
    null, p_values = permutation_test(table, _solve, raw, n_permutations, rng, stop_on=None)
    q = decompose(table.joint(), "broja", _OPTIONS).details["q"]
    _, p_no_synergy = no_synergy_test(q, n, _solve, raw[3], n_permutations, rng,
                                      stop_early=False)
    boot = bootstrap_draws(table, _solve, n_bootstrap, rng)
    counts = table.counts()
    corrected = {
        "raw": bias.corrected_atoms(raw, measure="broja"),
        "shuffle": bias.corrected_atoms(raw - null.mean(axis=0), measure="broja"),
        "extrapolation": bias.corrected_atoms(bias.extrapolated_atoms(table, _solve, raw, rng),
                                              measure="broja"),
        "panzeri_treves": bias.corrected_informations(
            bias.plugin_informations(counts) - bias.panzeri_treves_bias(counts), raw[0],
            measure="broja"),
        **_hull_corrections(table, raw, boot),
    }
    truth5 = np.append(truth, truth.sum())
    cover = _interval_rows((name, family, p.size, n, ratio, seed, table.occupied()), table,
                           raw, boot, corrected, INTERVALS, truth5, rng)
    tests = [(name, family, p.size, n, ratio, seed, table.occupied(), key, "permutation",
              truth5[i], float(p_values[i])) for i, key in enumerate((*ATOMS, "total"))]
    tests.append((name, family, p.size, n, ratio, seed, table.occupied(), "synergy",
                  "no_synergy", truth5[3], float(p_no_synergy)))
    tests.append((name, family, p.size, n, ratio, seed, table.occupied(), "synergy",
                  "both", truth5[3], float(max(p_no_synergy, p_values[3]))))
    return cover, tests


def _large_coverage_case(task: tuple[str, str, np.ndarray, np.ndarray, float, int, int]
                         ) -> list[tuple]:
    """Coverage rows of the default's corrections and intervals on one sample (of a large
    table, or of any with ``--intervals-only``)."""
    name, family, p, truth, ratio, seed, n_bootstrap = task
    rng = np.random.default_rng([seed, p.size, int(10 * ratio), 2])
    n = _n_of(ratio, p.size)
    table = _draw(p, n, rng)
    raw = _solve(table.joint())
    boot = bootstrap_draws(table, _solve, n_bootstrap, rng)
    return _interval_rows((name, family, p.size, n, ratio, seed, table.occupied()), table, raw,
                          boot, _hull_corrections(table, raw, boot), LARGE_INTERVALS,
                          np.append(truth, truth.sum()), rng)


def _large_tasks(dists: dict[str, tuple[str, np.ndarray]], seeds: int | None, max_cells: int,
                 n_bootstrap: int) -> list[tuple]:
    """Samples of LARGE_COVERAGE up to ``max_cells`` cells, at most ``seeds`` seeds each
    (None: LARGE_COVERAGE's)."""
    tasks = []
    for name, (n_seeds, ratios) in LARGE_COVERAGE.items():
        family, p = dists[name]
        if p.size > max_cells:
            continue
        truth = pid(p, "broja").atoms()
        tasks += [(name, family, p, truth, ratio, seed, n_bootstrap) for ratio in ratios
                  for seed in range(n_seeds if seeds is None else min(seeds, n_seeds))]
    # The costliest first, so that the workers finish together.
    return sorted(tasks, key=lambda t: -t[2].size * t[4])


def _must_case(task: tuple[str, int]) -> tuple:
    which, seed = task
    rng = np.random.default_rng(seed)
    if which == "independent_30_n3000":
        x1, x2, y = rng.integers(0, 30, (3, 3000))
    else:
        x1, x2 = rng.integers(0, 2, (2, 2000))
        y = x1 ^ x2
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = pid_from_samples(x1, x2, y, seed=seed)
    seconds = time.perf_counter() - start
    warned = any(issubclass(w.category, SamplingWarning) for w in caught)
    return (which, seed, *r.atoms(), r.details["plugin"]["synergy"],
            r.details["p_values"]["synergy"], warned, r.details["n_permutations"], seconds)


def _tasks(dists: dict[str, tuple[str, np.ndarray]], ratios: Sequence[float], seeds: int,
           max_cells: int, few_seeds: int) -> Iterator[tuple]:
    for name, (family, p) in dists.items():
        if p.size > max_cells:
            continue
        truth = pid(p, "broja").atoms()
        n_seeds = seeds if p.size <= MANY_SEEDS_MAX_CELLS else min(seeds, few_seeds)
        for ratio in ratios:
            for seed in range(n_seeds):
                yield name, family, p, truth, ratio, seed


def _init() -> None:
    threadpool_limits(limits=1)
    warnings.simplefilter("ignore", SamplingWarning)


def _run(func, tasks: list, workers: int) -> list:
    """``func`` over ``tasks``, in ``workers`` processes; progress on stderr every 10%."""
    out = []
    step = max(len(tasks) // 10, 1)

    def collect(results: Iterator) -> list:
        for i, r in enumerate(results, 1):
            out.append(r)
            if i % step == 0:
                print(f"{func.__name__}: {i}/{len(tasks)}", file=sys.stderr, flush=True)
        return out

    if workers == 1:
        _init()
        return collect(func(t) for t in tasks)
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_init) as pool:
        return collect(pool.imap_unordered(func, tasks, chunksize=1))


BIAS_COLUMNS = ("dataset", "family", "cells", "n", "ratio", "seed", "occupied", "method",
                "atom", "true", "estimate", "abs_error", "seconds")
COVERAGE_COLUMNS = ("dataset", "family", "cells", "n", "ratio", "seed", "occupied",
                    "correction", "interval", "atom", "true", "low", "high", "covered")
TEST_COLUMNS = ("dataset", "family", "cells", "n", "ratio", "seed", "occupied", "atom",
                "null", "true", "p_value")
MUST_COLUMNS = ("check", "seed", *ATOMS, "plugin_synergy", "p_synergy", "warned",
                "n_permutations", "seconds")


def with_auto(table: pd.DataFrame, column: str = "method") -> pd.DataFrame:
    """The table plus rows of correction ``"auto"`` in ``column``: for each sample, the rows
    of the correction that ``auto_correction`` picks for its samples per occupied cell."""
    picked = [auto_correction(n, occ) for n, occ in zip(table["n"], table["occupied"])]
    auto = table[table[column].to_numpy() == np.array(picked)].assign(**{column: "auto"})
    return pd.concat([table, auto], ignore_index=True)


def worst_case(table: pd.DataFrame) -> pd.DataFrame:
    """Per method and ratio: the worst dataset's mean absolute error (over seeds) of its
    worst atom, bits."""
    per = table.groupby(["method", "ratio", "dataset", "atom"])["abs_error"].mean()
    return per.groupby(["method", "ratio"]).max().unstack("ratio")


def per_cell_rule(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """For one method: worst mean absolute error and its dataset by samples per occupied cell."""
    sub = table[table["method"] == method].copy()
    sub["per_cell"] = sub["n"] / sub["occupied"]
    sub["bin"] = pd.cut(sub["per_cell"], PER_CELL_BINS, right=False)
    per = sub.groupby(["bin", "dataset", "ratio", "atom"], observed=True)["abs_error"].mean()
    worst = per.groupby("bin", observed=True).agg(["max", "idxmax", "count"])
    worst["worst_case"] = [f"{d} at {r:g}x, {a}" for _, d, r, a in worst.pop("idxmax")]
    return worst.rename(columns={"max": "worst_error_bits", "count": "cases"})


def coverage_summary(cover: pd.DataFrame) -> pd.DataFrame:
    """Coverage per (correction, interval, ratio): mean over everything, the worst
    (dataset, atom) over seeds, and the mean width (bits)."""
    cover = cover.assign(width=cover["high"] - cover["low"])
    per = cover.groupby(["correction", "interval", "ratio", "dataset", "atom"])[
        ["covered", "width"]].mean()
    grouped = per.groupby(["correction", "interval", "ratio"])
    return pd.DataFrame({"mean": grouped["covered"].mean(), "worst": grouped["covered"].min(),
                         "width": grouped["width"].mean()}).unstack("ratio")


def default_coverage(cover: pd.DataFrame) -> pd.DataFrame:
    """For the default correction (``"auto"``) and the intervals of LARGE_INTERVALS, per
    interval, dataset and ratio: the worst atom's coverage over seeds, the seeds, the samples
    per occupied cell (median) and the mean width."""
    sub = with_auto(cover, "correction")
    sub = sub[(sub["correction"] == "auto") & sub["interval"].isin(LARGE_INTERVALS)]
    sub = sub.assign(width=sub["high"] - sub["low"], per_cell=sub["n"] / sub["occupied"])
    keys = ["interval", "cells", "dataset", "ratio"]
    per = sub.groupby([*keys, "atom"]).agg(covered=("covered", "mean"),
                                          width=("width", "mean"))
    out = per.groupby(keys).agg(worst=("covered", "min"), width=("width", "mean"))
    out["seeds"] = sub.groupby(keys)["seed"].nunique()
    out["per_cell"] = sub.groupby(keys)["per_cell"].median()
    return out


def coverage_per_cell(cover: pd.DataFrame, interval: str, min_seeds: int = 10) -> pd.DataFrame:
    """For the default correction and one interval, by samples per occupied cell: the worst
    (dataset, ratio, atom) coverage over its seeds in the bin (groups of at least
    ``min_seeds`` seeds), its case, and the mean coverage."""
    sub = with_auto(cover, "correction")
    sub = sub[(sub["correction"] == "auto") & (sub["interval"] == interval)]
    sub = sub.assign(bin=pd.cut(sub["n"] / sub["occupied"], PER_CELL_BINS, right=False))
    per = sub.groupby(["bin", "dataset", "ratio", "atom"], observed=True)["covered"].agg(
        ["mean", "count"])
    per = per.loc[per["count"] >= min_seeds, "mean"]
    out = per.groupby("bin", observed=True).agg(["min", "idxmin", "mean", "count"])
    out["worst_case"] = [f"{d} at {r:g}x, {a}" for _, d, r, a in out.pop("idxmin")]
    return out.rename(columns={"min": "worst_coverage", "mean": "mean_coverage",
                               "count": "cases"})


def false_positives(tests: pd.DataFrame) -> pd.DataFrame:
    """Rate of p < 0.05 on atoms whose truth is 0, per atom and ratio."""
    zero = tests[tests["true"].abs() < 1e-9]
    rate = zero.assign(positive=zero["p_value"] < 0.05)
    return rate.groupby(["atom", "null", "ratio"])["positive"].mean().unstack("ratio")


def _markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A Markdown table of a DataFrame, its index as the first columns."""
    flat = frame.reset_index()
    names = [" ".join(str(x) for x in c) if isinstance(c, tuple) else str(c)
             for c in flat.columns]

    def cell(v: object) -> str:
        return f"{v:.{digits}f}" if isinstance(v, (float, np.floating)) else str(v)

    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in flat.itertuples(index=False)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--few-seeds", type=int, default=2,
                        help="seeds for distributions above 1,024 cells (default 5)")
    parser.add_argument("--large-seeds", type=int, default=None,
                        help="cap on the seeds of the coverage part's large tables "
                             "(default: those of LARGE_COVERAGE)")
    parser.add_argument("--max-cells", type=int, default=27_000)
    parser.add_argument("--ratios", type=float, nargs="+", default=list(RATIOS))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--n-bootstrap", type=int, default=N_BOOTSTRAP,
                        help=f"bootstrap replicates of the coverage part (default {N_BOOTSTRAP})")
    parser.add_argument("--n-permutations", type=int, default=N_PERMUTATIONS,
                        help=f"permutations and no-synergy draws of the coverage part "
                             f"(default {N_PERMUTATIONS})")
    parser.add_argument("--intervals-only", action="store_true",
                        help="coverage part: the default's intervals alone on the small tables "
                             "too (as on the large ones), no p-values")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--reuse", action="store_true",
                        help="summarise the CSV files already in --out-dir instead of rerunning")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.workers < 1:
        print("pid_sampling: --seeds and --workers must be >= 1", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    dists = distributions()
    report = [f"# pid_sampling: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
              f"{platform.node() and 'host'}: {platform.processor() or platform.machine()}, "
              f"{multiprocessing.cpu_count()} CPUs, {args.workers} workers", ""]
    started = time.perf_counter()
    if "bias" in args.parts:
        if args.reuse:
            table = pd.read_csv(args.out_dir / "bias.csv.gz")
        else:
            tasks = list(_tasks(dists, args.ratios, args.seeds, args.max_cells, args.few_seeds))
            rows = [r for case in _run(_bias_case, tasks, args.workers) for r in case]
            table = pd.DataFrame(rows, columns=list(BIAS_COLUMNS))
            with atomic_path(args.out_dir / "bias.csv.gz") as tmp:
                table.to_csv(tmp, index=False)
        table = with_auto(table)
        wc = worst_case(table)
        at2 = wc[[r for r in wc.columns if r >= 2]].max(axis=1).sort_values()
        report += ["## Worst-case error (bits) by n / cells", "",
                   "Worst dataset's mean absolute error over seeds, worst atom.", "",
                   _markdown(wc), "", "## Worst case at n >= 2x cells", "",
                   _markdown(at2.to_frame("worst_error_bits")), ""]
        best = at2.index[0]
        for method in dict.fromkeys((best, "auto", "raw")):
            report += [f"## Samples per occupied cell: {method}", "",
                       _markdown(per_cell_rule(table, method)), ""]
        secs = table.drop_duplicates(["dataset", "n", "seed", "method"]).groupby(
            ["method", "cells"])["seconds"].median().unstack("cells")
        report += ["## Median seconds per estimate, by cells", "", _markdown(secs, 4), ""]
    if "coverage" in args.parts:
        tests = None
        if args.reuse:
            cover = pd.read_csv(args.out_dir / "coverage.csv.gz")
            if (args.out_dir / "pvalues.csv.gz").is_file():
                tests = pd.read_csv(args.out_dir / "pvalues.csv.gz")
        else:
            small = {k: v for k, v in dists.items() if k in COVERAGE_DATASETS}
            tasks = list(_tasks(small, [r for r in COVERAGE_RATIOS if r in args.ratios] or
                                args.ratios, args.seeds,
                                min(args.max_cells, COVERAGE_MAX_CELLS), args.few_seeds))
            if args.intervals_only:
                rows = [r for case in _run(_large_coverage_case,
                                           [(*t, args.n_bootstrap) for t in tasks],
                                           args.workers) for r in case]
            else:
                results = _run(_coverage_case, [(*t, args.n_bootstrap, args.n_permutations)
                                                for t in tasks], args.workers)
                rows = [r for c, _ in results for r in c]
                tests = pd.DataFrame([r for _, t in results for r in t],
                                     columns=list(TEST_COLUMNS))
                with atomic_path(args.out_dir / "pvalues.csv.gz") as tmp:
                    tests.to_csv(tmp, index=False)
            # The small tables' rows are kept before the large tables run.
            with atomic_path(args.out_dir / "coverage.csv.gz") as tmp:
                pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS)).to_csv(tmp, index=False)
            large = _run(_large_coverage_case,
                         _large_tasks(dists, args.large_seeds, args.max_cells,
                                      args.n_bootstrap),
                         args.workers)
            cover = pd.DataFrame(rows + [r for case in large for r in case],
                                 columns=list(COVERAGE_COLUMNS))
            with atomic_path(args.out_dir / "coverage.csv.gz") as tmp:
                cover.to_csv(tmp, index=False)
        report += ["## Coverage of 95% intervals", "",
                   "mean: over datasets, atoms and seeds; worst: the worst (dataset, atom) "
                   "over seeds; width: mean high - low, bits. Tables of at most "
                   f"{COVERAGE_MAX_CELLS} cells.", "",
                   _markdown(coverage_summary(with_auto(
                       cover[cover["cells"] <= COVERAGE_MAX_CELLS], "correction")), 2), "",
                   "## Coverage of the default correction's intervals, every table", "",
                   "worst: the worst atom's coverage over the seeds; per_cell: median samples "
                   "per occupied cell.", "",
                   _markdown(default_coverage(cover), 3), "",
                   "## Coverage of the default interval by samples per occupied cell", "",
                   _markdown(coverage_per_cell(cover, DEFAULT_INTERVAL), 3), ""]
        if tests is not None:
            report += ["## False-positive rate of p < 0.05 (atoms that are truly 0)", "",
                       _markdown(false_positives(tests), 3), ""]
    if "musts" in args.parts:
        if args.reuse:
            musts = pd.read_csv(args.out_dir / "musts.csv.gz")
        else:
            tasks = [(w, s) for w in ("independent_30_n3000", "xor_n2000")
                     for s in range(args.seeds)]
            musts = pd.DataFrame(_run(_must_case, tasks, args.workers),
                                 columns=list(MUST_COLUMNS))
            with atomic_path(args.out_dir / "musts.csv.gz") as tmp:
                musts.to_csv(tmp, index=False)
        summary = musts.groupby("check").agg(
            max_abs_atom=("synergy", lambda s: np.nan), synergy_mean=("synergy", "mean"),
            synergy_min=("synergy", "min"), synergy_max=("synergy", "max"),
            plugin_synergy=("plugin_synergy", "mean"),
            p_above_005=("p_synergy", lambda p: int((p > 0.05).sum())),
            p_max=("p_synergy", "max"), warned=("warned", "sum"),
            seconds=("seconds", "median"))
        summary["max_abs_atom"] = musts.groupby("check")[list(ATOMS)].max().max(axis=1)
        report += ["## Acceptance checks (default pid_from_samples)", "",
                   _markdown(summary, 4), ""]
    report.append(f"Total time: {time.perf_counter() - started:.0f} s")
    text = "\n".join(report)
    print(text)
    suffix = "_".join(args.parts)
    with atomic_path(args.out_dir / f"summary_{suffix}.md") as tmp:
        tmp.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
