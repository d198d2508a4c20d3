"""One paper-ready, colour-blind-safe style for every figure of pid-bench.

Methods keep their colour in every figure: the methods shipped with pid-bench have fixed
colours from the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal Design"); other names
get the next colours of a fixed list, in sorted order of the names being drawn. The four PID
atoms use Paul Tol's colour-blind-safe "muted" scheme (Tol 2021, "Colour Schemes", SRON), so
that an atom never shares a colour with a known method.

Fonts are embedded as TrueType in PDF (editable in vector editors and accepted by publishers)
and drawn as paths in SVG, so that a figure looks the same everywhere.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from analysis._frame import first_seen
from pid_bench.info.result import ATOMS
from pid_bench.io import atomic_path
from pid_bench.settings import MLP_SUFFIX

__all__ = [
    "ATOM_COLORS",
    "ATOM_SYMBOLS",
    "EXTRA_COLORS",
    "METHOD_COLORS",
    "METRIC_LABELS",
    "RC_PARAMS",
    "REFERENCE_LINES",
    "axis_label",
    "figure_bytes",
    "legend_beside",
    "method_order",
    "metric_phrase",
    "new_axes",
    "palette",
    "paper_style",
    "reference_handle",
    "resolve_colors",
    "save_figure",
    "seed_count",
    "task_label",
]

#: Fixed colours of the methods shipped with pid-bench (Okabe-Ito), in table order.
METHOD_COLORS: dict[str, str] = {
    "supervised": "#000000",
    "random": "#999999",
    "cross": "#0072B2",
    "cross_self": "#56B4E9",
    "factorcl": "#009E73",
    "comm": "#D55E00",
    "infmasking": "#E69F00",
    "coral": "#CC79A7",
}

#: Colours handed to other names, in this order (Tol's muted colours that no atom uses, then
#: Okabe-Ito's yellow); reused cyclically beyond the end.
EXTRA_COLORS: tuple[str, ...] = (
    "#999933", "#882255", "#117733", "#AA4499", "#DDCC77", "#F0E442",
)

#: Colours of the four atoms (Tol's muted scheme).
ATOM_COLORS: dict[str, str] = {
    "redundancy": "#332288",
    "unique1": "#88CCEE",
    "unique2": "#44AA99",
    "synergy": "#CC6677",
}

#: Short symbol of each atom, used in labels.
ATOM_SYMBOLS: dict[str, str] = {"redundancy": "R", "unique1": "U1", "unique2": "U2",
                                "synergy": "S"}

#: Axis label of each metric of the results table (the unit is appended).
METRIC_LABELS: dict[str, str] = {
    "balanced_accuracy": "Balanced accuracy",
    "captured_bits": "Captured information",
    "captured_fraction": "Captured fraction of I(X1,X2;Y)",
    "cross_entropy_bits": "Probe cross-entropy",
    "f1_macro": "Macro F1",
    "f1_weighted": "Weighted F1",
    "r2": "R²",
}

#: Line styles of the references drawn in figures, keyed by the lines' ``gid``.
REFERENCE_LINES: dict[str, dict[str, Any]] = {
    "ground_truth": {"color": "black", "linewidth": 1.2},
    "chance": {"color": "#555555", "linewidth": 1.0, "linestyle": (0, (3, 2))},
}

#: Share of a task's total information above which an atom is named in the task's label.
DOMINANT_SHARE = 0.1

#: Matplotlib settings of every figure (on top of seaborn's "ticks" style).
RC_PARAMS: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.5,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "pid-bench",
}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Context in which figures are drawn and saved with the pid-bench style.

    Global matplotlib settings are restored on exit.
    """
    with sns.axes_style("ticks"), mpl.rc_context(RC_PARAMS):
        yield


def method_order(names: Iterable[str], chosen: Sequence[str] | None = None) -> list[str]:
    """Distinct method names: known methods in the order of ``METHOD_COLORS``, then the rest
    sorted; or ``chosen``, after checking that each occurs in ``names``.

    Raises
    ------
    ValueError
        A name in ``chosen`` does not occur in ``names``.
    """
    if chosen is not None:
        return first_seen(names, chosen)
    distinct = set(names)
    known = [m for m in METHOD_COLORS if m in distinct]
    return known + sorted(distinct - set(known))


def legend_beside(ax: Axes, handles: Sequence[Artist]) -> Legend:
    """A frameless legend to the right of ``ax``, top-aligned, clear of the data."""
    return ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                     frameon=False, borderaxespad=0.0)


def palette(names: Iterable[str], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Colour of each name: its fixed colour, else the next of ``EXTRA_COLORS`` by sorted name.

    Parameters
    ----------
    names : iterable of str
        Names being drawn (methods, estimators). Pass all names of a report at once so that
        each keeps its colour across that report's figures.
    known : mapping, optional
        Fixed colours; ``METHOD_COLORS`` by default.

    Returns
    -------
    dict
        Name -> hex colour, for every distinct name.
    """
    fixed = METHOD_COLORS if known is None else dict(known)
    distinct = sorted(set(names))
    others = [n for n in distinct if n not in fixed]
    out = {n: fixed[n] for n in distinct if n in fixed}
    out.update({n: EXTRA_COLORS[i % len(EXTRA_COLORS)] for i, n in enumerate(others)})
    return out


def _metric_label(metric: str) -> str:
    """``METRIC_LABELS``' entry; a known metric of the MLP probe (suffix ``_mlp``) is named
    after its linear counterpart: ``"Balanced accuracy, MLP probe"``."""
    base = metric.removesuffix(MLP_SUFFIX)
    if base != metric and base in METRIC_LABELS:
        return f"{METRIC_LABELS[base]}, MLP probe"
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def axis_label(metric: str, unit: str | None = None) -> str:
    """Axis label of a metric, e.g. ``"Balanced accuracy (%)"``; unknown metrics keep their
    name; a unit ``"fraction"`` is implied by the label and not repeated."""
    label = _metric_label(metric)
    return f"{label} ({unit})" if unit and unit != "fraction" else label


def metric_phrase(metric: str) -> str:
    """A metric's label for running text: ``"captured fraction of I(X1,X2;Y)"``."""
    label = _metric_label(metric)
    return label[0].lower() + label[1:]


def seed_count(counts: Iterable[int]) -> str:
    """Number of seeds behind the entries of a table or figure, for captions.

    Parameters
    ----------
    counts : iterable of int
        Seeds behind each entry; zeros (absent entries) are ignored.

    Returns
    -------
    str
        ``"one seed"``, ``"3 seeds"``, or a range ``"1-3 seeds"`` when entries differ.

    Raises
    ------
    ValueError
        No positive count.
    """
    known = sorted({int(c) for c in counts if c > 0})
    if not known:
        raise ValueError(f"counts must hold at least one positive number of seeds; received "
                         f"{list(counts)}")
    low, high = known[0], known[-1]
    if high == 1:
        return "one seed"
    return f"{high} seeds" if low == high else f"{low}-{high} seeds"


def task_label(task: str, ground_truth: Mapping[str, float] | None = None) -> str:
    """Label of a task: its name, and below it the atoms that carry its information.

    Parameters
    ----------
    task : str
        Task name.
    ground_truth : mapping, optional
        Atom -> bits (``redundancy``... or ``gt_redundancy``...). Atoms holding at least
        ``DOMINANT_SHARE`` of the total are named, e.g. ``"synergy_xor\n(S)"``.
    """
    if not ground_truth:
        return task
    values = {a: ground_truth.get(a, ground_truth.get(f"gt_{a}")) for a in ATOMS}
    if any(v is None or not math.isfinite(v) for v in values.values()):
        return task
    total = sum(values.values())
    if total <= 0:
        return task
    named = [ATOM_SYMBOLS[a] for a, v in values.items() if v >= DOMINANT_SHARE * total]
    return f"{task}\n({'+'.join(named)})" if named else task


def resolve_colors(names: Sequence[str], colors: Mapping[str, str] | None = None
                   ) -> dict[str, str]:
    """Colour of each of ``names``: from ``colors`` when given (all names must be there),
    else ``palette(names)``.

    Raises
    ------
    ValueError
        ``colors`` lacks some of ``names``.
    """
    if colors is None:
        return palette(names)
    missing = [n for n in names if n not in colors]
    if missing:
        raise ValueError(f"colors has no entry for {missing}; received colours for "
                         f"{sorted(colors)}")
    return {n: colors[n] for n in names}


def reference_handle(kind: str) -> Line2D:
    """Legend entry of a reference line: ``"ground_truth"`` or ``"chance"``."""
    return Line2D([], [], label=kind.replace("_", " "), **REFERENCE_LINES[kind])


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure of ``ax``, or a new figure of ``figsize`` inches (constrained layout)."""
    if ax is not None:
        return ax.figure, ax
    fig, new = plt.subplots(figsize=figsize, layout="constrained")
    return fig, new


def save_figure(fig: Figure, path: str | os.PathLike[str],
                formats: Sequence[str] = ("pdf", "svg", "png"), dpi: int = 300) -> list[Path]:
    """Write ``fig`` once per format, each file atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path-like
        Target without suffix (a suffix, if any, is replaced): ``figs/capture`` writes
        ``figs/capture.pdf``, ``figs/capture.svg``, ``figs/capture.png``.
    formats : sequence of str
        Any formats matplotlib writes (``pdf``, ``svg``, ``png``, ``eps``, ...).
    dpi : int
        Resolution of raster formats, dots per inch.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Raises
    ------
    ValueError
        No format, an unknown format, or a non-positive ``dpi``.
    """
    supported = fig.canvas.get_supported_filetypes()
    fmts = [f.lower().lstrip(".") for f in formats]
    if not fmts or any(f not in supported for f in fmts):
        raise ValueError(f"formats must be a non-empty list among {sorted(supported)}; "
                         f"received {list(formats)}")
    if not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi must be a positive integer; received {dpi!r}")
    base = Path(path)
    written = []
    with paper_style():
        for fmt in fmts:
            target = base.with_suffix(f".{fmt}")
            with atomic_path(target) as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
            written.append(target)
    return written


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 150) -> bytes:
    """``fig`` rendered in memory as ``fmt`` (for embedding in a report)."""
    buffer = io.BytesIO()
    with paper_style():
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: str) -> dict[str, Any] | None:
    """File metadata without creation dates, so that a figure's bytes are reproducible."""
    if fmt == "pdf":
        return {"CreationDate": None, "Creator": "pid-bench"}
    if fmt == "svg":
        return {"Date": None, "Creator": "pid-bench"}
    if fmt == "png":
        return {"Software": "pid-bench"}
    return None
