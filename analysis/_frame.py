"""Checks and selections on long-form result tables, shared by the figures and tables.

Nothing here computes a result: the helpers validate a table, pick rows (a dataset, a metric,
the final epoch) and summarise values over seeds with pandas (mean, sample standard deviation
with ``ddof=1``, count), so that every figure and table of ``analysis`` shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pid_bench.settings import MLP_SUFFIX

__all__ = ["require_columns", "select", "final_epoch", "seed_stats", "first_seen",
           "single_unit", "task_constant", "task_ground_truth", "probe_metric",
           "GT_ATOM_COLUMNS", "PROBE_SUFFIXES"]

#: Columns that identify one training run in a results table.
RUN_COLUMNS = ("dataset", "method", "seed")

#: Ground-truth atom columns of a results table, bits.
GT_ATOM_COLUMNS = ("gt_redundancy", "gt_unique1", "gt_unique2", "gt_synergy")

#: The probes of a results table: the suffix of each one's metrics.
PROBE_SUFFIXES = {"linear": "", "mlp": MLP_SUFFIX}


def probe_metric(metric: str, probe: str | None) -> str:
    """The name in a results table of ``metric`` read by ``probe``.

    Parameters
    ----------
    metric : str
        A metric, e.g. ``"captured_bits"``, or already one of the MLP probe
        (``"captured_bits_mlp"``) when ``probe`` is ``None``.
    probe : {"linear", "mlp"} or None
        Which probe; ``None`` takes ``metric`` as it is.

    Raises
    ------
    ValueError
        An unknown probe, or a probe named for a metric that already names one (suffix
        ``_mlp``).
    """
    if probe is None:
        return metric
    if probe not in PROBE_SUFFIXES:
        raise ValueError(f"probe must be one of {list(PROBE_SUFFIXES)} or None; received "
                         f"{probe!r}")
    if metric.endswith(MLP_SUFFIX):
        raise ValueError(f"metric {metric!r} already names the MLP probe; pass "
                         f"metric={metric.removesuffix(MLP_SUFFIX)!r} with probe={probe!r}, or "
                         f"probe=None")
    return metric + PROBE_SUFFIXES[probe]


def require_columns(table: object, columns: Iterable[str], *, name: str = "results"
                    ) -> pd.DataFrame:
    """Check that ``table`` is a non-empty DataFrame holding ``columns``; return it.

    Raises
    ------
    ValueError
        Not a DataFrame, no rows, or columns missing (the message names them).
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame; received {type(table).__name__}")
    needed = list(dict.fromkeys(columns))
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"{name} is missing the columns {missing}; expected at least "
                         f"{needed}, received {list(table.columns)}")
    if table.empty:
        raise ValueError(f"{name} is empty: expected at least one row with columns {needed}")
    return table


def select(table: pd.DataFrame, column: str, value: Any, *, name: str = "results"
           ) -> pd.DataFrame:
    """Rows of ``table`` where ``column == value``.

    ``value=None`` is accepted only when the column holds a single value, which is then used.

    Raises
    ------
    ValueError
        ``value`` is not in the column, or ``None`` while the column holds several values.
    """
    available = list(pd.unique(table[column]))
    if value is None:
        if len(available) != 1:
            raise ValueError(f"{name} holds several values of {column!r} {available}; pass "
                             f"{column}= to choose one")
        value = available[0]
    elif value not in available:
        raise ValueError(f"{column} {value!r} is not in {name}; available: {available}")
    return table[table[column] == value]


def final_epoch(table: pd.DataFrame) -> pd.DataFrame:
    """Rows measured at the last epoch of each run (dataset, method, seed).

    A run's final results are its probes at its largest ``epoch``; rows at earlier epochs
    (learning dynamics) are dropped. A run without recorded epochs (all NaN) is kept whole.
    """
    keys = [c for c in RUN_COLUMNS if c in table.columns]
    last = table.groupby(keys, sort=False)["epoch"].transform("max")
    return table[(table["epoch"] == last) | last.isna()]


def seed_stats(table: pd.DataFrame, by: Sequence[str], *, value: str = "value",
               seed: str = "seed", name: str = "results") -> pd.DataFrame:
    """Mean, standard deviation (``ddof=1``) and number of seeds of ``value`` per group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per (``by``..., ``seed``).
    by : sequence of str
        Grouping columns, e.g. ``("task", "method")``.
    value, seed : str
        Column of the numbers and of the seeds.
    name : str
        Name of the table, for error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``by``..., ``mean``, ``std`` (NaN for a single seed), ``n_seeds``; groups in
        order of first appearance. NaN values (unknown, e.g. a captured fraction where the
        ground truth is unknown) are left out; a group with none known is absent.

    Raises
    ------
    ValueError
        Several rows share one (``by``..., ``seed``): the table mixes quantities that a
        filter (metric, dataset, epoch) should have separated; values are infinite or not
        numbers; or all values are NaN.
    """
    keys = [*by, seed]
    dup = table.duplicated(subset=keys, keep=False)
    if dup.any():
        example = table.loc[dup, keys].iloc[0].to_dict()
        raise ValueError(f"{name} must hold one row per {keys}; received {int(dup.sum())} "
                         f"rows sharing keys, e.g. {example}")
    numbers = pd.to_numeric(table[value], errors="coerce").astype(float)
    bad = np.isinf(numbers.to_numpy()) | (numbers.isna() & table[value].notna()).to_numpy()
    if bad.any():
        raise ValueError(f"{name} column {value!r} must hold finite numbers (NaN for "
                         f"unknown); received {int(bad.sum())} inf or non-numeric entries")
    known = table.assign(**{value: numbers}).dropna(subset=[value])
    if known.empty:
        raise ValueError(f"{name} column {value!r} holds no known values (all NaN)")
    grouped = known.groupby(list(by), sort=False)[value]
    out = grouped.agg(["mean", "std", "count"]).rename(columns={"count": "n_seeds"})
    return out.reset_index()


def first_seen(values: Iterable[Any], preferred: Sequence[Any] | None = None) -> list[Any]:
    """Distinct ``values`` in order of first appearance, or filtered to ``preferred``'s order.

    Raises
    ------
    ValueError
        An entry of ``preferred`` does not occur in ``values``.
    """
    seen = list(pd.unique(pd.Series(list(values), dtype=object)))
    if preferred is None:
        return seen
    missing = [v for v in preferred if v not in seen]
    if missing:
        raise ValueError(f"{missing} not found; available: {seen}")
    return list(preferred)


def single_unit(table: pd.DataFrame) -> str | None:
    """The one value of the ``unit`` column, or ``None`` when absent or mixed."""
    if "unit" not in table.columns:
        return None
    units = pd.unique(table["unit"])
    return str(units[0]) if len(units) == 1 else None


def task_ground_truth(table: pd.DataFrame, task: str) -> dict[str, float] | None:
    """Ground-truth atoms (``gt_*`` columns) of ``task``, or ``None`` when not recorded."""
    if not set(GT_ATOM_COLUMNS) <= set(table.columns):
        return None
    row = table.loc[table["task"] == task, list(GT_ATOM_COLUMNS)].iloc[0]
    return {k: float(v) for k, v in row.items()}


def task_constant(table: pd.DataFrame, column: str, task: str) -> float:
    """The single value that ``column`` takes for ``task`` (chance, ground truth); NaN when
    unknown.

    Raises
    ------
    ValueError
        The column holds several values for the task.
    """
    distinct = pd.unique(table.loc[table["task"] == task, column].astype(float))
    if len(distinct) != 1:
        raise ValueError(f"column {column!r} must hold one value per task; task {task!r} has "
                         f"{list(distinct)}")
    return float(distinct[0])
