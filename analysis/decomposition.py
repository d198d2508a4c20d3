"""Stacked bars of partial information decompositions: R, U1, U2 and S per bar.

Accepts decompositions in the forms the project produces: ``PIDResult`` objects (one, a list,
or named in a mapping, possibly nested by dataset), a ground-truth table indexed by task
(``MultimodalDataset.ground_truth``), a mapping of such tables by dataset, or the long
``ground_truth.csv`` of a results directory (columns ``dataset, task`` and the atoms). Bars
are grouped (datasets side by side, or estimators side by side within a dataset); positive
atoms stack upwards from zero, negative atoms (some measures allow them) downwards, and a
black tick then marks the net total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Union

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis._frame import require_columns
from analysis.style import ATOM_COLORS, ATOM_SYMBOLS, legend_beside, new_axes, paper_style
from pid_bench.info.result import ATOMS, PIDResult

__all__ = ["decomposition_frame", "plot_decomposition", "GID_TOTAL", "Decompositions"]

#: ``gid`` of the net-total markers.
GID_TOTAL = "total"

#: What ``plot_decomposition`` accepts.
Decompositions = Union[PIDResult, Sequence[PIDResult], Mapping[str, object], pd.DataFrame]

_BAR_WIDTH = 0.7
_GROUP_GAP = 0.6
#: Inches of a new figure: besides the bars (one ``_INCHES_PER_BAR`` each), its axis labels
#: and legend; at least ``_MIN_WIDTH``.
_INCHES_PER_BAR = 0.5
_MARGINS = 1.8
_MIN_WIDTH = 4.0
#: Mean width of a tick label's character, inches (8 pt DejaVu Sans): longer labels than a
#: bar's room are slanted.
_CHAR_WIDTH = 0.065


def decomposition_frame(source: Decompositions) -> pd.DataFrame:
    """The decompositions of ``source`` as a table, one row per bar.

    Parameters
    ----------
    source : PIDResult, sequence of PIDResult, mapping, or pandas.DataFrame
        * ``PIDResult`` or a sequence of them: one bar each, labelled by ``measure``;
        * mapping name -> ``PIDResult``: one bar per name (e.g. estimators side by side);
        * mapping group -> (mapping name -> ``PIDResult``, or ground-truth table): one group
          of bars per key (e.g. datasets side by side);
        * DataFrame indexed by task with the atom columns (a dataset's ground truth);
        * DataFrame with columns ``dataset``, ``task`` and the atoms (``ground_truth.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``label``, ``redundancy``, ``unique1``, ``unique2``, ``synergy``
        (``group`` is ``""`` when there is one group), plus ``unit``.

    Raises
    ------
    ValueError
        An unsupported type, missing atom columns, an empty input, non-finite atoms, mixed
        units, or repeated labels within a group.
    """
    if isinstance(source, pd.DataFrame):
        frame = _from_table(source, "")
    elif isinstance(source, PIDResult):
        frame = _from_results({source.measure: source}, "")
    elif isinstance(source, Mapping):
        frame = _from_mapping(source)
    elif isinstance(source, Sequence) and not isinstance(source, str):
        items = list(source)
        if not items or not all(isinstance(r, PIDResult) for r in items):
            raise ValueError("a sequence must hold PIDResult objects; received "
                             f"{[type(r).__name__ for r in items] or 'an empty sequence'}")
        labels = [r.measure for r in items]
        if len(set(labels)) != len(labels):
            raise ValueError(f"PIDResults in a sequence are labelled by measure and must "
                             f"differ; received {labels}. Pass a mapping name -> PIDResult")
        frame = _from_results(dict(zip(labels, items)), "")
    else:
        raise ValueError("source must be a PIDResult, a sequence or mapping of them, or a "
                         f"ground-truth DataFrame; received {type(source).__name__}")
    _check(frame)
    return frame


def plot_decomposition(source: Decompositions, *, ax: Axes | None = None,
                       title: str | None = None) -> tuple[Figure, Axes]:
    """Stacked R / U1 / U2 / S bars, grouped side by side.

    Parameters
    ----------
    source
        Anything ``decomposition_frame`` accepts.
    ax : matplotlib.axes.Axes, optional
        Axis to draw on; a new figure otherwise.
    title : str, optional
        Axis title.

    Returns
    -------
    (Figure, Axes)
        Each bar segment has ``gid`` ``"{atom}:{group}:{label}"``.
    """
    frame = decomposition_frame(source)
    groups = list(pd.unique(frame["group"]))
    x = _positions(frame, groups)
    n_bars = len(frame)
    with paper_style():
        width = _MARGINS + _INCHES_PER_BAR * n_bars + _GROUP_GAP * (len(groups) - 1)
        fig, ax = new_axes(ax, (max(width, _MIN_WIDTH), 2.8))
        up = np.zeros(n_bars)
        down = np.zeros(n_bars)
        for atom in ATOMS:
            values = frame[atom].to_numpy(dtype=float)
            bottom = np.where(values >= 0, up, down)
            bars = ax.bar(x, values, bottom=bottom, width=_BAR_WIDTH, color=ATOM_COLORS[atom],
                          edgecolor="white", linewidth=0.5, zorder=2)
            for patch, base, (_, row) in zip(bars.patches, bottom, frame.iterrows()):
                patch.set_gid(f"{atom}:{row['group']}:{row['label']}")
                # only zero is a hard limit of the axis; stacked segments must not stop the
                # margin above the tallest bar
                patch.sticky_edges.y[:] = [0.0] if base == 0 else []
            up += np.where(values >= 0, values, 0.0)
            down += np.where(values < 0, values, 0.0)
        if (down < 0).any():
            totals = frame[list(ATOMS)].sum(axis=1).to_numpy()
            ax.hlines(totals, x - _BAR_WIDTH / 2, x + _BAR_WIDTH / 2, colors="black",
                      linewidths=1.5, gid=GID_TOTAL, zorder=3)
            ax.axhline(0.0, color="black", linewidth=0.6, zorder=1)
        room = (fig.get_figwidth() - _MARGINS) / n_bars
        rotate = n_bars > 6 or _CHAR_WIDTH * frame["label"].str.len().max() > room
        ax.set_xticks(x, list(frame["label"]), rotation=30 if rotate else 0,
                      ha="right" if rotate else "center",
                      rotation_mode="anchor" if rotate else "default")
        if groups != [""]:
            _group_labels(ax, frame, groups, x)
        ax.set_ylabel(f"Information ({frame['unit'].iloc[0]})")
        ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
        if title:
            ax.set_title(title)
        handles: list[Patch | Line2D] = [
            Patch(color=ATOM_COLORS[a], label=f"{ATOM_SYMBOLS[a]} ({a})") for a in reversed(ATOMS)]
        if (down < 0).any():
            handles.append(Line2D([], [], color="black", linewidth=1.5, label="net total"))
        legend_beside(ax, handles)
    return fig, ax


def _from_results(results: Mapping[str, object], group: str) -> pd.DataFrame:
    rows = []
    for label, res in results.items():
        if not isinstance(res, PIDResult):
            raise ValueError(f"entry {label!r} must be a PIDResult; received "
                             f"{type(res).__name__}")
        rows.append({"group": group, "label": str(label),
                     **{a: getattr(res, a) for a in ATOMS}, "unit": res.unit})
    return pd.DataFrame(rows, columns=["group", "label", *ATOMS, "unit"])


def _from_table(table: pd.DataFrame, group: str) -> pd.DataFrame:
    """Rows of a ground-truth table: tasks in a ``task`` column or in the index."""
    if "task" in table.columns:
        require_columns(table, ["task", *ATOMS], name="ground truth")
        labels = table["task"]
    else:
        require_columns(table, ATOMS, name="ground truth")
        labels = pd.Series(table.index, index=table.index)
    groups = table["dataset"] if "dataset" in table.columns else group
    return pd.DataFrame({"group": groups, "label": labels.astype(str),
                         **{a: table[a] for a in ATOMS}, "unit": "bits"}).reset_index(drop=True)


def _from_mapping(source: Mapping[str, object]) -> pd.DataFrame:
    if not source:
        raise ValueError("source is an empty mapping; expected at least one decomposition")
    values = list(source.values())
    if all(isinstance(v, PIDResult) for v in values):
        return _from_results(source, "")
    parts = []
    for group, inner in source.items():
        if isinstance(inner, pd.DataFrame):
            parts.append(_from_table(inner, str(group)))
        elif isinstance(inner, Mapping) and inner:
            parts.append(_from_results(inner, str(group)))
        else:
            raise ValueError(f"entry {group!r} must be a PIDResult, a non-empty mapping of "
                             f"PIDResults or a ground-truth DataFrame; received "
                             f"{type(inner).__name__}")
    return pd.concat(parts, ignore_index=True)


def _check(frame: pd.DataFrame) -> None:
    if frame.empty:
        raise ValueError("source holds no decomposition; expected at least one")
    atoms = frame[list(ATOMS)].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(atoms.to_numpy(dtype=float)).all(axis=1)
    if bad.any():
        where = frame.loc[bad, ["group", "label"]].agg(" ".join, axis=1).str.strip()
        raise ValueError(f"atoms must be finite numbers; received NaN or inf for "
                         f"{list(where)} (drop rows whose ground truth is unknown)")
    units = list(pd.unique(frame["unit"]))
    if len(units) != 1:
        raise ValueError(f"all decompositions must share one unit; received {units}")
    dup = frame.duplicated(["group", "label"])
    if dup.any():
        raise ValueError(f"labels must be unique within a group; repeated: "
                         f"{frame.loc[dup, ['group', 'label']].values.tolist()}")


def _positions(frame: pd.DataFrame, groups: Sequence[str]) -> np.ndarray:
    """x of each bar: consecutive within a group, a gap between groups."""
    index = {g: i for i, g in enumerate(groups)}
    gaps = frame["group"].map(index).to_numpy(dtype=float) * _GROUP_GAP
    return np.arange(len(frame), dtype=float) + gaps


def _group_labels(ax: Axes, frame: pd.DataFrame, groups: Sequence[str], x: np.ndarray
                  ) -> None:
    """Group names above the axis and faint separators between groups."""
    centres = [float(x[(frame["group"] == g).to_numpy()].mean()) for g in groups]
    top = ax.secondary_xaxis("top")
    top.set_xticks(centres, list(groups), fontweight="bold")
    top.tick_params(axis="x", length=0)
    top.spines["top"].set_visible(False)
    for g in groups[1:]:
        first = float(x[(frame["group"] == g).to_numpy()].min())
        ax.axvline(first - (1 + _GROUP_GAP) / 2, color="#bbbbbb", linewidth=0.8, zorder=1)
