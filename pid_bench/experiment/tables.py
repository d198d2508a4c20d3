"""The results directory's tables: written from its verified runs, and summarised."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.io import atomic_path, atomic_write_text
from pid_bench.results_dir import finished_runs, table_text, union_tables
from pid_bench.settings import MLP_SUFFIX

__all__ = ["TRAINING_COLUMNS", "ground_truth_table", "summarize", "write_csv", "write_tables"]

#: Columns of ``training.csv`` (one row per run and epoch).
TRAINING_COLUMNS = ("dataset", "method", "seed", "epoch", "loss", "seconds", "pairs_per_second")


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` atomically as the CSV text the results directory holds."""
    atomic_write_text(path, table_text(table))


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_tables(out: Path) -> pd.DataFrame:
    """Write the directory's tables, those of its verified finished runs; return the results.

    Parameters
    ----------
    out : pathlib.Path
        Results directory.

    Returns
    -------
    pandas.DataFrame
        ``out/results.csv`` (also written as ``results.parquet`` where pyarrow is installed).
    """
    tables = union_tables(finished_runs(out))
    for name, table in tables.items():
        write_csv(table, out / name)
    if _has_pyarrow():
        with atomic_path(out / "results.parquet") as tmp:
            tables["results.csv"].to_parquet(tmp, index=False)
    return tables["results.csv"]


def ground_truth_table(datasets: Mapping[str, MultimodalDataset]) -> pd.DataFrame:
    """One row per (dataset, task): the task's ground truth in bits (``ground_truth.csv``)."""
    frames = [d.ground_truth.rename_axis("task").reset_index().assign(dataset=label)
              for label, d in datasets.items()]
    return pd.concat(frames, ignore_index=True)[["dataset", "task", *GROUND_TRUTH_COLUMNS]]


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of the final-epoch balanced accuracy (macro F1 for multi-label tasks) and
    captured bits, per task, for the linear probe and, where it was run, the MLP probe.

    Rows without an epoch (``probe_embeddings`` called without ``epoch=``) count as final, and
    rows without a seed as one seed.

    Parameters
    ----------
    results : pandas.DataFrame
        A long-form results table (``run_experiment``'s output).

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, task, method), in the table's order, with ``seeds``,
        ``balanced_accuracy`` and its standard deviation over seeds ``balanced_accuracy_sd``
        (%; missing for continuous and multi-label tasks), its ``chance`` level (%),
        ``f1_macro`` (%, multi-label tasks only), ``captured_bits`` (mean, bits; missing for
        multi-label tasks) and the task's ground truth ``gt_*`` (bits). Where the table holds
        MLP-probe rows (``probe: {kind: mlp}`` or ``{kind: both}``), also
        ``balanced_accuracy_mlp`` and ``balanced_accuracy_mlp_sd`` (%) beside the linear
        probe's, and ``captured_bits_mlp`` (bits) beside ``captured_bits``; missing where a
        task has no MLP probe. Without MLP rows these columns are absent.
    """
    keys = ["dataset", "task", "method"]
    gt = [f"gt_{c}" for c in GROUND_TRUTH_COLUMNS]
    mlp = bool(results["metric"].str.endswith(MLP_SUFFIX).any()) if not results.empty else False
    accuracy_columns = ["balanced_accuracy", "balanced_accuracy_sd"]
    bits_columns = ["captured_bits"]
    if mlp:
        accuracy_columns += ["balanced_accuracy_mlp", "balanced_accuracy_mlp_sd"]
        bits_columns += ["captured_bits_mlp"]
    columns = [*keys, "seeds", *accuracy_columns, "chance", "f1_macro", *bits_columns, *gt]
    if results.empty:
        return pd.DataFrame(columns=columns)
    last = results.groupby(["dataset", "method", "seed"], dropna=False)["epoch"].transform("max")
    # Rows without an epoch (embeddings probed outside training) are final results too.
    final = results[results["epoch"].isna() | results["epoch"].eq(last).fillna(False)]
    # Every task has captured bits (of one probe or both) except multi-label ones, which have
    # F1 scores instead.
    marks = ["captured_bits", f"captured_bits{MLP_SUFFIX}", "f1_macro"]
    tasks = final[final.metric.isin(marks)].groupby(keys, sort=False).agg(
        seeds=("seed", lambda s: s.nunique(dropna=False)), **{c: (c, "first") for c in gt})

    def mean_of(metric: str, **extra: tuple[str, str]) -> pd.DataFrame:
        rows = final[final.metric == metric]
        return rows.groupby(keys, sort=False).agg(**{metric: ("value", "mean")}, **extra)

    parts = [mean_of("captured_bits"),
             mean_of("balanced_accuracy", balanced_accuracy_sd=("value", "std")),
             final[final.metric.isin(["balanced_accuracy", f"balanced_accuracy{MLP_SUFFIX}"])]
             .groupby(keys, sort=False).agg(chance=("chance", "first")),
             mean_of("f1_macro")]
    if mlp:
        parts += [mean_of(f"captured_bits{MLP_SUFFIX}"),
                  mean_of(f"balanced_accuracy{MLP_SUFFIX}",
                          balanced_accuracy_mlp_sd=("value", "std"))]
    return tasks.join(parts, how="left").reset_index().reindex(columns=columns)
