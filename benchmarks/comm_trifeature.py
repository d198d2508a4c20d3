"""CoMM's bimodal Trifeature table, reproduced on CPU: the grid of ``configs/trifeature.yaml``.

Follows the paper's protocol (the CoMM code's README: pretrain with ``biased=false``, and with
``biased=true`` "only for experiments on synergy"): every method and seed is pretrained twice,
on unbiased pairs (dataset ``trifeature_unbiased``, where shape is the only shared attribute
and each texture is unique to its image) for the redundancy and uniqueness probes, and on
biased pairs (``trifeature_biased``, every pair on the texture-1 / colour-2 bijection, which
makes that synergy learnable) for the synergy probe. Prints the summary table next to the
published numbers (CoMM, ICLR 2025, linear probe balanced accuracy %, R / U / S: Cross 100.0 /
11.6 / 50.0; FactorCL 99.8 / 62.5 / 46.5; Cross+Self 99.7 / 86.9 / 50.0; CoMM 99.9 / 87.8 /
71.9), the per-seed accuracies, the wall time, the machine and the training throughput, then
PASS/FAIL for:

1. CoMM at least 99 / 85 / 70 on redundancy (shape) / unique1 and unique2 (textures), both
   after unbiased pretraining / synergy (texture-colour bijection) after biased pretraining;
2. Cross within 10 points of chance on unique1 and unique2 (chance 10; unbiased pretraining)
   and on synergy (chance 50; biased pretraining);
3. Cross+Self within 5 points of chance on synergy (biased pretraining);
4. one CoMM seed on CPU, both pretrainings, under 15 minutes on average (runs on another
   device are reported, not checked). A seed's time is the span from the start of its first
   pretraining to the end of its last when they ran together (side by side or one after the
   other), else the sum of the two; the mean time of one pretraining is reported beside it.

Changes from the paper's recipe (AlexNet at 224 px, embedding 512, 100 epochs, batch 64): 48 px
images, the CNN of ``pid_bench.models`` with a fourth block (``cnn_depth`` 4) and embedding 128,
24 epochs (CoMM with bfloat16 autocast), crops and flips, and the paper's colour jitter on
the unbiased pretraining only, so that one CoMM seed (both pretrainings) fits 15 minutes of 2
CPU cores; and batch normalisation in the hidden layer of CoMM's projection head, which frees a
texture that got stuck on some seeds (see the config).

Usage::

    python benchmarks/comm_trifeature.py                     # 5 seeds: hours on 2 cores
    python benchmarks/comm_trifeature.py --device cuda --workers 20   # minutes on one GPU
    python benchmarks/comm_trifeature.py --seeds 0 --methods comm    # one CoMM seed: 14 min
    python benchmarks/comm_trifeature.py --precision fp32   # CPUs without bfloat16 instructions
    python benchmarks/comm_trifeature.py --datasets trifeature_unbiased   # the R and U half
    python benchmarks/comm_trifeature.py --seeds 0 --epochs 2 --methods comm --out /tmp/tf
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pandas as pd

from _comm_grid import ROOT, Check, build_parser, final_accuracy, interval, report

#: The published table (balanced accuracy %), task -> method -> value.
PAPER = {"redundancy": {"cross": 100.0, "factorcl": 99.8, "cross_self": 99.7, "comm": 99.9},
         "unique": {"cross": 11.6, "factorcl": 62.5, "cross_self": 86.9, "comm": 87.8},
         "synergy": {"cross": 50.0, "factorcl": 46.5, "cross_self": 50.0, "comm": 71.9}}
COMM_MIN = {"redundancy": 99.0, "unique1": 85.0, "unique2": 85.0, "synergy": 70.0}
CHANCE = {"redundancy": 10.0, "unique1": 10.0, "unique2": 10.0, "synergy": 50.0}
COMM_SEED_SECONDS = 15 * 60
#: Dataset labels of the config: pretraining on unbiased pairs (R, U) and on biased pairs (S).
UNBIASED, BIASED = "trifeature_unbiased", "trifeature_biased"
#: Which pretraining each task is judged on.
JUDGED_ON = {"redundancy": UNBIASED, "unique1": UNBIASED, "unique2": UNBIASED,
             "synergy": BIASED}


def checks(results: pd.DataFrame, runs: pd.DataFrame, seconds_per_seed: float | None
           ) -> list[Check]:
    """The conditions of the module docstring, from a results table and its runs."""
    unknown = sorted(set(results.dataset) - {UNBIASED, BIASED})
    if unknown:
        raise ValueError(f"the Trifeature checks read datasets {UNBIASED!r} and {BIASED!r}; the "
                         f"results also hold {unknown}")
    acc = {label: final_accuracy(results, label) for label in (UNBIASED, BIASED)}

    def get(task: str, method: str) -> pd.Series | None:
        table = acc[JUDGED_ON[task]]
        return table.loc[(task, method)].dropna() if (task, method) in table.index else None

    def near(task: str, method: str, band: float) -> Check:
        values = get(task, method)
        return Check(f"{task}: {method} within {band:g} of chance {CHANCE[task]:g}",
                     None if values is None else abs(values.mean() - CHANCE[task]) <= band,
                     "not run" if values is None else interval(values))

    out = []
    for task, low in COMM_MIN.items():
        values = get(task, "comm")
        paper = PAPER["unique" if task.startswith("unique") else task]["comm"]
        out.append(Check(f"{task}: comm >= {low:g} (paper {paper})",
                         None if values is None else values.mean() >= low,
                         "not run" if values is None else interval(values)))
    out += [near(t, "cross", 10.0) for t in ("unique1", "unique2", "synergy")]
    out.append(near("synergy", "cross_self", 5.0))
    out += _timing(runs)
    return out


def seed_seconds(runs: pd.DataFrame) -> pd.Series:
    """Wall seconds of each seed's pretrainings together, indexed by seed.

    ``runs`` holds the runs of one method (``seconds`` of each whole run and ``finished``, ISO
    8601 text, as ``runs_table`` gives). A seed's time is the span from the earliest start
    (finish minus seconds) to the latest finish, or the sum of its runs' seconds where that is
    shorter (runs made in separate calls, with a gap between them).
    """
    end = pd.to_datetime(runs["finished"], utc=True, errors="coerce")
    start = end - pd.to_timedelta(runs["seconds"], unit="s")
    grouped = runs.assign(start=start, end=end).groupby("seed")
    span = (grouped["end"].max() - grouped["start"].min()).dt.total_seconds()
    total = grouped["seconds"].sum()
    return pd.concat([span, total], axis=1).min(axis=1)   # NaN span (no finish time): the sum


def _timing(runs: pd.DataFrame) -> list[Check]:
    """The CPU time of a CoMM seed (checked) and of one pretraining (reported)."""
    comm = runs[(runs.method == "comm") & runs.dataset.isin([UNBIASED, BIASED])]
    on_cpu = comm[comm.device == "cpu"]
    name = f"one comm seed (both pretrainings) under {COMM_SEED_SECONDS // 60} min on CPU"
    if on_cpu.empty:
        return [Check(name, None, "not run" if comm.empty else
                      f"ran on {comm.device.iloc[0]}: {comm.seconds.mean() / 60:.1f} min per "
                      f"pretraining; time it with --device cpu")]
    per_dataset = on_cpu.groupby("dataset").seconds.mean() / 60
    pretraining = Check("mean comm pretraining on CPU", None,
                        f"{on_cpu.seconds.mean() / 60:.1f} min, "
                        f"{on_cpu.pairs_per_second.mean():.0f} pairs/s over "
                        f"{int(on_cpu.epochs.iloc[0])} epochs, "
                        f"{int(on_cpu.torch_threads.iloc[0])} thread(s) per run; "
                        + ", ".join(f"{d} {m:.1f} min" for d, m in per_dataset.items()))
    whole = on_cpu.groupby("seed").filter(lambda g: set(g.dataset) == {UNBIASED, BIASED})
    if whole.empty:
        return [Check(name, None, "no seed has both pretrainings on CPU"), pretraining]
    seeds = seed_seconds(whole) / 60
    return [Check(name, seeds.mean() < COMM_SEED_SECONDS / 60,
                  f"{interval(seeds)} min over {len(seeds)} seed(s)"), pretraining]


def main(argv: Sequence[str] | None = None) -> list[Check]:
    """Run the grid and print the report with the published numbers; returns the checks."""
    args = build_parser(__doc__.split("\n\n")[0], ROOT / "configs" / "trifeature.yaml",
                        "0,1,2,3,4", "results/bench_comm_trifeature").parse_args(argv)
    found = report("CoMM on bimodal Trifeature", args, checks)
    print("\npublished (CoMM, ICLR 2025), balanced accuracy %:")
    print(pd.DataFrame(PAPER).to_string())
    return found


if __name__ == "__main__":
    sys.exit(0 if all(c.passed is not False for c in main()) else 1)
