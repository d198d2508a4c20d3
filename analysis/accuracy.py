"""Estimator accuracy: estimated against true atoms, and error against sample size.

Both figures read the table that ``benchmarks/pid_accuracy.py --out`` writes: one row per
(estimator, family, dataset, n, d, seed, atom) with the true atom, the estimate and the
absolute error, in bits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis._draw import mean_lines
from analysis._frame import first_seen, require_columns, seed_stats, select
from analysis.style import ATOM_SYMBOLS, legend_beside, new_axes, paper_style, resolve_colors
from pid_bench.info.result import ATOMS

__all__ = ["ACCURACY_COLUMNS", "GID_IDENTITY", "filter_accuracy", "plot_error_vs_n",
           "plot_estimates"]

#: Columns of the estimator accuracy table.
ACCURACY_COLUMNS = ("estimator", "family", "dataset", "n", "d", "seed", "atom", "true",
                    "estimate", "abs_error", "seconds")

#: ``gid`` of the identity line of the scatter.
GID_IDENTITY = "identity"

_MARKERS = {"redundancy": "o", "unique1": "^", "unique2": "v", "synergy": "s"}


def filter_accuracy(table: pd.DataFrame, *, estimators: Sequence[str] | None = None,
                    family: str | None = None, dataset: str | None = None,
                    n: int | None = None, atom: str | None = None) -> pd.DataFrame:
    """Validate the accuracy table and keep the rows asked for (``None`` keeps all).

    Raises
    ------
    ValueError
        Missing columns, empty table, unknown atom names, or a requested value absent from
        the table.
    """
    table = require_columns(table, ACCURACY_COLUMNS, name="accuracy table")
    unknown = sorted(set(table["atom"]) - set(ATOMS))
    if unknown:
        raise ValueError(f"accuracy table column 'atom' must hold {list(ATOMS)}; received "
                         f"{unknown}")
    for column, value in (("family", family), ("dataset", dataset), ("n", n),
                          ("atom", atom)):
        if value is not None:
            table = select(table, column, value, name="accuracy table")
    if estimators is not None:
        table = table[table["estimator"].isin(first_seen(table["estimator"], estimators))]
    return table


def plot_estimates(table: pd.DataFrame, *, estimators: Sequence[str] | None = None,
                   family: str | None = None, n: int | None = None,
                   colors: Mapping[str, str] | None = None,
                   ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Scatter of estimated against true atoms, one colour per estimator, one marker per atom.

    Every row of the (filtered) table is one point; points on the dashed identity line are
    exact.

    Parameters
    ----------
    table : pandas.DataFrame
        Estimator accuracy table (columns ``ACCURACY_COLUMNS``).
    estimators : sequence of str, optional
        Which estimators, in legend order (default: sorted).
    family : str, optional
        Keep one family (``"gaussian"`` or ``"latent"``).
    n : int, optional
        Keep one sample size.
    colors : mapping, optional
        Estimator -> colour; default ``analysis.style.palette`` of the estimators.
    ax : matplotlib.axes.Axes, optional
        Axis to draw on; a new figure otherwise.

    Returns
    -------
    (Figure, Axes)
        The scatter's collection has ``gid`` ``"estimates"``.
    """
    data = filter_accuracy(table, estimators=estimators, family=family, n=n)
    names = _estimator_names(data, estimators)
    colours = resolve_colors(names, colors)
    atoms = [a for a in _MARKERS if a in set(data["atom"])]
    with paper_style():
        fig, ax = new_axes(ax, (5.0, 3.4))
        first = len(ax.collections)
        sns.scatterplot(data=data, x="true", y="estimate", hue="estimator", hue_order=names,
                        palette=colours, style="atom", style_order=atoms,
                        markers={a: _MARKERS[a] for a in atoms}, s=18, alpha=0.75,
                        linewidth=0, legend=False, ax=ax)
        ax.collections[first].set_gid("estimates")
        low = float(min(data["true"].min(), data["estimate"].min()))
        high = float(max(data["true"].max(), data["estimate"].max()))
        pad = 0.05 * (high - low or 1.0)
        ax.plot([low - pad, high + pad], [low - pad, high + pad], color="black",
                linewidth=0.8, linestyle=(0, (4, 2)), zorder=1, gid=GID_IDENTITY)
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(low - pad, high + pad)
        ax.set_box_aspect(1.0)
        ax.grid(True, axis="both")
        ax.set_xlabel("True atom (bits)")
        ax.set_ylabel("Estimated atom (bits)")
        handles = [Line2D([], [], color=colours[e], marker="o", linestyle="", label=e)
                   for e in names]
        handles += [Line2D([], [], color="#555555", marker=_MARKERS[a], linestyle="",
                           label=f"{ATOM_SYMBOLS[a]} ({a})") for a in atoms]
        handles.append(Line2D([], [], color="black", linewidth=0.8, linestyle=(0, (4, 2)),
                              label="estimate = truth"))
        legend_beside(ax, handles)
    return fig, ax


def plot_error_vs_n(table: pd.DataFrame, *, estimators: Sequence[str] | None = None,
                    family: str | None = None, atom: str | None = None,
                    colors: Mapping[str, str] | None = None,
                    ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Mean absolute atom error against sample size, one line per estimator.

    For each (estimator, n, seed) the absolute errors are averaged over atoms, datasets and
    dimensions (only ``atom`` when given); the line is the mean of that over seeds and the
    band one standard deviation (``ddof=1``). The sample-size axis is logarithmic.

    Parameters
    ----------
    table : pandas.DataFrame
        Estimator accuracy table (columns ``ACCURACY_COLUMNS``).
    estimators, family, colors, ax
        As in ``plot_estimates``.
    atom : str, optional
        Draw the error of one atom only.

    Returns
    -------
    (Figure, Axes)
        Lines have ``gid`` ``"line:{estimator}"``, bands ``"band:{estimator}"``.
    """
    data = filter_accuracy(table, estimators=estimators, family=family, atom=atom)
    names = _estimator_names(data, estimators)
    colours = resolve_colors(names, colors)
    per_seed = (data.groupby(["estimator", "n", "seed"], sort=False)["abs_error"].mean()
                .reset_index())
    stats = seed_stats(per_seed, ["estimator", "n"], value="abs_error", name="accuracy table")
    with paper_style():
        fig, ax = new_axes(ax, (4.4, 2.8))
        handles = mean_lines(ax, stats, names, colours, x="n", hue="estimator")
        ax.set_xscale("log")
        sizes = np.sort(pd.unique(data["n"]))
        ax.set_xticks(sizes, [f"{int(s):,}" for s in sizes])
        ax.minorticks_off()
        ax.set_ylim(bottom=0)
        ax.set_xlabel("Sample size n")
        what = f"{ATOM_SYMBOLS[atom]} " if atom in ATOM_SYMBOLS else ""
        ax.set_ylabel(f"Mean absolute {what}error (bits)")
        legend_beside(ax, handles)
    return fig, ax


def _estimator_names(data: pd.DataFrame, estimators: Sequence[str] | None) -> list[str]:
    """Estimators to draw, in legend order: as given, or sorted."""
    return sorted(pd.unique(data["estimator"])) if estimators is None else list(estimators)
