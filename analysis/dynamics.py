"""Learning dynamics: a metric against training epoch, one line per method.

Lines are the mean over seeds at each epoch; bands span one standard deviation (``ddof=1``)
either side (absent with a single seed). Captured bits are drawn against the task's ground
truth I(X1,X2;Y), balanced accuracy against its chance level. The training loss recorded by the
trainer (``training.csv``) is drawn the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from analysis._draw import mean_lines
from analysis._frame import (
    first_seen,
    require_columns,
    seed_stats,
    select,
    single_unit,
    task_constant,
    task_ground_truth,
)
from analysis.capture import REFERENCES, RESULT_COLUMNS
from analysis.style import (
    REFERENCE_LINES,
    axis_label,
    legend_beside,
    method_order,
    metric_phrase,
    new_axes,
    paper_style,
    reference_handle,
    resolve_colors,
    task_label,
)

__all__ = ["plot_dynamics", "plot_dynamics_panels", "plot_training", "TRAINING_COLUMNS"]

#: Columns of the trainer's history table (``training.csv``) read here.
TRAINING_COLUMNS = ("dataset", "method", "seed", "epoch")

def plot_dynamics(results: pd.DataFrame, *, task: str | None = None,
                  metric: str = "captured_bits", dataset: str | None = None,
                  methods: Sequence[str] | None = None,
                  colors: Mapping[str, str] | None = None, ax: Axes | None = None,
                  legend: bool = True) -> tuple[Figure, Axes]:
    """A metric of one task against epoch, one line per method with a band over seeds.

    Parameters
    ----------
    results : pandas.DataFrame
        Long-form results table with probes at several epochs (columns ``RESULT_COLUMNS``;
        ``gt_total`` for captured bits and ``chance`` for balanced accuracy draw references).
    task : str, optional
        Required when the table holds several tasks.
    metric : str
        e.g. ``"captured_bits"`` (default), ``"captured_fraction"``, ``"balanced_accuracy"``.
    dataset : str, optional
        Required when the table holds several datasets.
    methods : sequence of str, optional
        Which methods, in which order.
    colors : mapping, optional
        Method -> colour; default ``analysis.style.palette``.
    ax : matplotlib.axes.Axes, optional
        Axis to draw on; a new figure otherwise.
    legend : bool
        Draw the legend beside the axis.

    Returns
    -------
    (Figure, Axes)
        Lines have ``gid`` ``"line:{method}"``, bands ``"band:{method}"``.
    """
    table = require_columns(results, RESULT_COLUMNS)
    table = select(select(select(table, "dataset", dataset), "metric", metric), "task", task)
    names = method_order(table["method"], methods)
    table = table[table["method"].isin(names)]
    stats = seed_stats(table, ["method", "epoch"]).sort_values(["method", "epoch"])
    colours = resolve_colors(names, colors)
    with paper_style():
        fig, ax = new_axes(ax, (4.2, 2.6))
        handles = mean_lines(ax, stats, names, colours, x="epoch")
        handles += _reference(ax, table, metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Epoch")
        ax.set_ylabel(axis_label(metric, single_unit(table)))
        task = str(table["task"].iloc[0])
        ax.set_title(task_label(task, task_ground_truth(table, task)).replace("\n", " "))
        if legend:
            legend_beside(ax, handles)
    return fig, ax


def plot_dynamics_panels(results: pd.DataFrame, *, metric: str = "captured_bits",
                         dataset: str | None = None, tasks: Sequence[str] | None = None,
                         methods: Sequence[str] | None = None,
                         colors: Mapping[str, str] | None = None,
                         ncols: int = 3) -> tuple[Figure, np.ndarray]:
    """``plot_dynamics`` for every task of a dataset, one panel each, one shared legend.

    Parameters are those of ``plot_dynamics``; ``ncols`` panels per row.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
        The axes of the tasks, in task order (unused grid cells are removed); the figure is
        titled with the dataset and the metric.
    """
    table = require_columns(results, RESULT_COLUMNS)
    table = select(select(table, "dataset", dataset), "metric", metric)
    task_names = first_seen(table["task"], tasks)
    names = method_order(table["method"], methods)
    colours = resolve_colors(names, colors)
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer; received {ncols!r}")
    ncols = min(ncols, len(task_names))
    nrows = -(-len(task_names) // ncols)
    with paper_style():
        fig, grid = plt.subplots(nrows, ncols, figsize=(2.4 * ncols + 1.2, 2.1 * nrows),
                                 layout="constrained", squeeze=False)
        axes = grid.ravel()
        for ax, task in zip(axes, task_names):
            plot_dynamics(table, task=task, metric=metric, methods=names, colors=colours,
                          ax=ax, legend=False)
            ax.set_xlabel("")
            ax.set_ylabel("")
        fig.supxlabel("Epoch", fontsize="medium")
        fig.supylabel(axis_label(metric, single_unit(table)), fontsize="medium")
        for ax in axes[len(task_names):]:
            ax.remove()
        handles = [Line2D([], [], color=colours[m], marker="o", markersize=3.5, label=m)
                   for m in names]
        if metric in REFERENCES:
            handles.append(reference_handle(REFERENCES[metric][1]))
        fig.legend(handles=handles, loc="outside right upper", frameon=False,
                   borderaxespad=1.0)
        fig.suptitle(f"{table['dataset'].iloc[0]}: {metric_phrase(metric)} against epoch")
    return fig, axes[:len(task_names)]


def plot_training(training: pd.DataFrame, *, value: str = "loss", dataset: str | None = None,
                  methods: Sequence[str] | None = None,
                  colors: Mapping[str, str] | None = None,
                  ax: Axes | None = None) -> tuple[Figure, Axes]:
    """A column of the trainer's history (default the loss) against epoch, per method.

    Parameters
    ----------
    training : pandas.DataFrame
        ``training.csv``: columns ``dataset, method, seed, epoch`` and ``value``.
    value : str
        ``"loss"``, ``"seconds"`` or ``"pairs_per_second"``.
    dataset, methods, colors, ax
        As in ``plot_dynamics``.

    Returns
    -------
    (Figure, Axes)
        Titled with the dataset and the quantity, e.g. ``"latent: training loss against
        epoch"``.
    """
    table = require_columns(training, [*TRAINING_COLUMNS, value], name="training")
    table = select(table, "dataset", dataset, name="training")
    names = method_order(table["method"], methods)
    table = table[table["method"].isin(names)]
    stats = seed_stats(table, ["method", "epoch"], value=value, name="training")
    stats = stats.sort_values(["method", "epoch"])
    colours = resolve_colors(names, colors)
    with paper_style():
        fig, ax = new_axes(ax, (4.2, 2.6))
        handles = mean_lines(ax, stats, names, colours, x="epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Epoch")
        quantity = value.replace("_", " ")
        ax.set_ylabel(quantity.capitalize())
        ax.set_title(f"{table['dataset'].iloc[0]}: training {quantity} against epoch")
        legend_beside(ax, handles)
    return fig, ax


def _reference(ax: Axes, table: pd.DataFrame, metric: str) -> list[Line2D]:
    """Horizontal reference level of the metric for the table's one task; legend handles."""
    if metric not in REFERENCES:
        return []
    column, gid = REFERENCES[metric]
    if column is not None and column not in table.columns:
        return []
    task = table["task"].iloc[0]
    level = 1.0 if column is None else task_constant(table, column, task)
    if not np.isfinite(level):
        return []
    ax.axhline(level, gid=gid, zorder=1, **REFERENCE_LINES[gid])
    return [reference_handle(gid)]
