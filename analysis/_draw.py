"""Drawing helpers shared by the line figures (learning dynamics, estimator accuracy).

The lines show means that ``seed_stats`` already computed, so they are drawn with plain
matplotlib (seaborn's ``lineplot`` would only re-aggregate one value per point, at several
times the cost); the figures' look comes from ``analysis.style.paper_style``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

__all__ = ["mean_lines", "BAND_ALPHA"]

#: Opacity of the standard-deviation bands.
BAND_ALPHA = 0.2


def mean_lines(ax: Axes, stats: pd.DataFrame, names: Sequence[str],
               colours: Mapping[str, str], *, x: str, hue: str = "method") -> list[Line2D]:
    """One line of means per name with a band of one standard deviation either side.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    stats : pandas.DataFrame
        Output of ``seed_stats`` grouped by (``hue``, ``x``): columns ``hue``, ``x``, ``mean``,
        ``std``.
    names : sequence of str
        Values of ``hue`` to draw, in legend order.
    colours : mapping
        Name -> colour.
    x, hue : str
        Columns of the abscissa and of the line identity.

    Returns
    -------
    list of Line2D
        Legend handles. Lines get ``gid`` ``"line:{name}"``, bands ``"band:{name}"`` (no band
        where the standard deviation is undefined, i.e. a single seed).
    """
    handles = []
    for name in names:
        rows = stats[stats[hue] == name].sort_values(x)
        if rows.empty:
            continue
        xs = rows[x].to_numpy(dtype=float)
        mean = rows["mean"].to_numpy(dtype=float)
        std = rows["std"].to_numpy(dtype=float)
        ax.plot(xs, mean, color=colours[name], marker="o", markersize=3.5, markeredgewidth=0,
                gid=f"line:{name}")
        if np.isfinite(std).any():
            ax.fill_between(xs, mean - std, mean + std, where=np.isfinite(std),
                            color=colours[name], alpha=BAND_ALPHA, linewidth=0,
                            gid=f"band:{name}")
        handles.append(Line2D([], [], color=colours[name], marker="o", markersize=3.5,
                              label=name))
    return handles
