"""Interaction capture: what each method's representation captures of each task.

One group of bars per task (its label names the atoms that carry the task's information, read
from the ground-truth columns), one bar per method: the mean over seeds at each run's final
epoch, with error bars of one standard deviation (``ddof=1``). References drawn per metric:

* ``captured_bits``: the task's ground truth I(X1,X2;Y) (``gt_total``), the most a
  representation can capture;
* ``captured_fraction``: 1, all of the task's information;
* ``balanced_accuracy``: the chance level of the task (``chance`` column);
* ``cross_entropy_bits``: the cross-entropy of guessing, H(Y) (``chance`` column);
* ``f1_macro``, ``f1_weighted`` (multi-label tasks): the F1 of predicting every label
  (``chance`` column).

The MLP probe's metrics (suffix ``_mlp``, ``probe: {kind: both}`` in a config) are drawn the
same way, against the same references: name them (``metric="captured_bits_mlp"``) or pass
``probe="mlp"``.

Tasks whose reference is unknown (NaN) get none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis._frame import (
    final_epoch,
    first_seen,
    probe_metric,
    require_columns,
    seed_stats,
    select,
    single_unit,
    task_constant,
    task_ground_truth,
)
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
from pid_bench.settings import MLP_SUFFIX

__all__ = ["plot_capture", "RESULT_COLUMNS", "GID_ERRORBAR", "GID_REFERENCE", "GID_CHANCE"]

#: Columns every capture figure reads.
RESULT_COLUMNS = ("dataset", "task", "method", "seed", "epoch", "metric", "value")

#: ``gid`` of the artists, for readers of a figure: error bars, ground truth, chance.
GID_ERRORBAR = "seed_sd"
GID_REFERENCE = "ground_truth"
GID_CHANCE = "chance"

#: Column holding each metric's per-task reference level, and the reference's ``gid``.
REFERENCES: dict[str, tuple[str | None, str]] = {
    "captured_fraction": (None, GID_REFERENCE),
    "captured_bits": ("gt_total", GID_REFERENCE),
    "balanced_accuracy": ("chance", GID_CHANCE),
    "cross_entropy_bits": ("chance", GID_CHANCE),
    "f1_macro": ("chance", GID_CHANCE),
    "f1_weighted": ("chance", GID_CHANCE),
}

_GROUP_WIDTH = 0.8
#: Widest new figure, inches (beyond it bars get thinner rather than the figure wider).
_MAX_WIDTH = 9.0
#: Beyond this many tasks, tick labels are written on one slanted line each.
_MAX_FLAT_TASKS = 6


def plot_capture(results: pd.DataFrame, *, metric: str = "captured_fraction",
                 dataset: str | None = None, tasks: Sequence[str] | None = None,
                 methods: Sequence[str] | None = None,
                 colors: Mapping[str, str] | None = None,
                 ax: Axes | None = None, probe: str | None = None) -> tuple[Figure, Axes]:
    """Bars of a metric per task and method, with error bars over seeds and references.

    Parameters
    ----------
    results : pandas.DataFrame
        Long-form results table (columns ``RESULT_COLUMNS``; ``chance`` for balanced accuracy,
        ``gt_total`` for captured bits; ``unit`` and the ``gt_*`` atoms are used when present).
    metric : str
        Which metric to draw, e.g. ``"captured_fraction"``, ``"captured_bits"``,
        ``"balanced_accuracy"``.
    dataset : str, optional
        Required when the table holds several datasets.
    tasks, methods : sequence of str, optional
        Which to draw and in which order (default: tasks as they appear, known methods in
        ``METHOD_COLORS`` order then the rest sorted).
    colors : mapping, optional
        Method -> colour; default ``analysis.style.palette`` of the methods drawn.
    ax : matplotlib.axes.Axes, optional
        Axis to draw on; a new figure otherwise.
    probe : {"linear", "mlp"}, optional
        Which probe's ``metric`` to draw: ``"mlp"`` reads ``metric + "_mlp"``; default: the
        metric as named (``"captured_bits_mlp"`` is the MLP probe's).

    Returns
    -------
    (Figure, Axes)
        Titled with the dataset and the metric, e.g. ``"latent: balanced accuracy per task"``
        (``"latent: captured information, MLP probe per task"``).

    Raises
    ------
    ValueError
        Missing columns, empty table, unknown dataset, metric, task, method or probe, several
        rows per (task, method, seed), or a method without a colour.
    """
    metric = probe_metric(metric, probe)
    column = _reference(metric)[0]
    table = require_columns(results, [*RESULT_COLUMNS, *([column] if column else [])])
    table = select(select(table, "dataset", dataset), "metric", metric)
    final = final_epoch(table)
    task_order = first_seen(final["task"], tasks)
    method_names = method_order(final["method"], methods)
    final = final[final["task"].isin(task_order) & final["method"].isin(method_names)]
    stats = seed_stats(final, ["task", "method"])
    method_names = [m for m in method_names if m in set(stats["method"])]
    colours = resolve_colors(method_names, colors)

    with paper_style():
        width = 2.5 + 0.35 * len(method_names) * len(task_order)
        fig, ax = new_axes(ax, (min(max(width, 4.0), _MAX_WIDTH), 2.8))
        first_new = len(ax.containers)
        sns.barplot(data=stats, x="task", y="mean", hue="method", order=task_order,
                    hue_order=method_names, palette=colours, errorbar=None, saturation=1.0,
                    width=_GROUP_WIDTH, legend=False, ax=ax)
        _error_bars(ax, ax.containers[first_new:], method_names, task_order, stats)
        handles: list[Patch | Line2D] = [Patch(color=colours[m], label=m) for m in method_names]
        handles += _references(ax, final, metric, task_order)
        labels = [task_label(t, task_ground_truth(final, t)) for t in task_order]
        if len(task_order) > _MAX_FLAT_TASKS:
            ax.set_xticks(range(len(task_order)), [lb.replace("\n", " ") for lb in labels],
                          rotation=30, ha="right", rotation_mode="anchor")
        else:
            ax.set_xticks(range(len(task_order)), labels)
        ax.set_xlim(-0.5, len(task_order) - 0.5)
        ax.set_xlabel("")
        ax.set_ylabel(axis_label(metric, single_unit(final)))
        if (stats["mean"] >= 0).all():
            ax.set_ylim(bottom=0)
        ax.set_title(f"{final['dataset'].iloc[0]}: {metric_phrase(metric)} per task")
        legend_beside(ax, handles)
    return fig, ax


def _error_bars(ax: Axes, containers: Sequence, methods: Sequence[str], tasks: Sequence[str],
                stats: pd.DataFrame) -> None:
    """Error bars of one standard deviation at the centre of each bar; bars get a ``gid``."""
    lookup = stats.set_index(["task", "method"])
    xs, ys, errs = [], [], []
    for method, container in zip(methods, containers):
        for patch in container.patches:
            centre = patch.get_x() + patch.get_width() / 2
            task = tasks[int(round(centre))]
            patch.set_gid(f"bar:{method}:{task}")
            row = lookup.loc[(task, method)]
            if np.isfinite(row["std"]):
                xs.append(centre)
                ys.append(row["mean"])
                errs.append(row["std"])
    if xs:
        bars = ax.errorbar(xs, ys, yerr=errs, fmt="none", ecolor="black", elinewidth=0.8,
                           capsize=2.0, capthick=0.8, zorder=3)
        bars.lines[2][0].set_gid(GID_ERRORBAR)


def _reference(metric: str) -> tuple[str | None, str]:
    """``REFERENCES``' entry of a metric of either probe; ``(None, "")`` for none."""
    return REFERENCES.get(metric.removesuffix(MLP_SUFFIX), (None, ""))


def _references(ax: Axes, final: pd.DataFrame, metric: str, tasks: Sequence[str]
                ) -> list[Line2D]:
    """Draw the metric's reference level over each task's group of bars; legend handles."""
    if _reference(metric) == (None, ""):
        return []
    column, gid = _reference(metric)
    levels = np.array([1.0 if column is None else task_constant(final, column, t)
                       for t in tasks])
    known = np.isfinite(levels)
    if not known.any():
        return []
    starts = np.arange(len(tasks))[known] - _GROUP_WIDTH / 2
    ax.hlines(levels[known], starts, starts + _GROUP_WIDTH, gid=gid, zorder=4,
              **REFERENCE_LINES[gid])
    return [reference_handle(gid)]
