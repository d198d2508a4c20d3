"""Does CoMM capture synergy that Cross and Cross+Self miss? The latent-vector grid of issue 4.

Runs ``configs/default.yaml`` (latent vector data with biased pretraining for the ``synergy``
task, as in CoMM; CoMM, Cross, Cross+Self) over several seeds, prints the summary table, the
per-seed balanced accuracies, the wall time, the machine and CoMM's training throughput, then
PASS/FAIL for each condition:

1. CoMM's ``synergy`` probe at least 15 points of balanced accuracy above Cross and above
   Cross+Self (means over seeds);
2. Cross and Cross+Self within 5 points of chance (50 %) on ``synergy``;
3. the seed intervals do not overlap: CoMM's worst seed above the baselines' best seeds on
   ``synergy`` (intervals are [min, max] over seeds; with one seed they are points);
4. CoMM at least 90 % on ``unique1`` and ``unique2``;
5. Cross within 10 points of chance (25 %) on ``unique1`` and ``unique2``;
6. one seed of the grid (the three runs, probes included) under 120 s of wall time: the time
   of this invocation per seed it ran, validation included (the config runs two runs at a
   time, one thread each).

``synergy_xor`` is reported for every method, whatever it shows: no method is known to learn
it without labels.

Usage::

    python benchmarks/comm_latent.py                       # seeds 0,1,2
    python benchmarks/comm_latent.py --seeds 0 --epochs 5 --out /tmp/quick

The exit status is 0 when every condition holds. Wall times depend on the machine's load.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pandas as pd

from _comm_grid import ROOT, Check, build_parser, final_accuracy, interval, report

SYNERGY_MARGIN, CHANCE_BAND, UNIQUE_MIN, UNIQUE_BAND, SEED_SECONDS = 15.0, 5.0, 90.0, 10.0, 120.0


def checks(results: pd.DataFrame, runs: pd.DataFrame, seconds_per_seed: float | None
           ) -> list[Check]:
    """The conditions of the module docstring, from a results table, its runs and the time."""
    datasets = sorted(set(results.dataset))
    if len(datasets) != 1:
        raise ValueError(f"the latent checks read one dataset; the results hold {datasets}")
    acc = final_accuracy(results, datasets[0])

    def get(task: str, method: str) -> pd.Series | None:
        return acc.loc[(task, method)].dropna() if (task, method) in acc.index else None

    out: list[Check] = []
    comm = get("synergy", "comm")
    for base in ("cross", "cross_self"):
        other = get("synergy", base)
        if comm is None or other is None:
            out.append(Check(f"synergy: comm >= {base} + {SYNERGY_MARGIN:g}", None, "not run"))
            continue
        gap = comm.mean() - other.mean()
        out.append(Check(f"synergy: comm >= {base} + {SYNERGY_MARGIN:g}", gap >= SYNERGY_MARGIN,
                         f"comm {interval(comm)}, {base} {interval(other)}, gap {gap:.1f}"))
        out.append(Check(f"synergy: {base} within {CHANCE_BAND:g} of chance 50",
                         abs(other.mean() - 50.0) <= CHANCE_BAND, interval(other)))
        out.append(Check(f"synergy: seed intervals of comm and {base} do not overlap",
                         comm.min() > other.max(),
                         f"comm min {comm.min():.1f} vs {base} max {other.max():.1f} "
                         f"({len(comm)} seeds)"))
    for task in ("unique1", "unique2"):
        values = get(task, "comm")
        out.append(Check(f"{task}: comm >= {UNIQUE_MIN:g}",
                         None if values is None else values.mean() >= UNIQUE_MIN,
                         "not run" if values is None else interval(values)))
        values = get(task, "cross")
        out.append(Check(f"{task}: cross within {UNIQUE_BAND:g} of chance 25",
                         None if values is None else abs(values.mean() - 25.0) <= UNIQUE_BAND,
                         "not run" if values is None else interval(values)))
    out.append(Check(f"one seed of the grid under {SEED_SECONDS:g} s",
                     None if seconds_per_seed is None else seconds_per_seed < SEED_SECONDS,
                     "all runs reused: time it in an empty --out" if seconds_per_seed is None
                     else f"{seconds_per_seed:.1f} s per seed (wall time, validation included)"))
    xor = "; ".join(f"{m} {interval(get('synergy_xor', m))}" for m in acc.loc["synergy_xor"].index
                    ) if "synergy_xor" in acc.index.get_level_values(0) else "not probed"
    out.append(Check("synergy_xor reported (chance 25)", None, xor))
    return out


def main(argv: Sequence[str] | None = None) -> list[Check]:
    """Run the grid and print the report; returns the checks."""
    args = build_parser(__doc__.split("\n\n")[0], ROOT / "configs" / "default.yaml", "0,1,2",
                        "results/bench_comm_latent").parse_args(argv)
    return report("CoMM on latent vector data", args, checks)


if __name__ == "__main__":
    sys.exit(0 if all(c.passed is not False for c in main()) else 1)
