"""Tables for papers: mean +- standard deviation over seeds, the best entry per column in bold.

A ``SeedTable`` holds the numbers (means, standard deviations with ``ddof=1``, numbers of
seeds) and writes them as Markdown (pipe table with a pandoc ``Table:`` caption), LaTeX
(booktabs) or HTML. The best entry of each column is decided on the means as printed (rounded
to ``decimals``), so that ties on the page are all bold. Captions state the number of seeds and
the unit.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._frame import final_epoch, first_seen, require_columns, seed_stats, select
from analysis.accuracy import filter_accuracy
from analysis.capture import RESULT_COLUMNS
from analysis.style import ATOM_SYMBOLS, method_order, metric_phrase, seed_count
from pid_bench.info.result import ATOMS

__all__ = ["SeedTable", "accuracy_table", "html_table", "markdown_table", "results_table",
           "seed_table", "LOWER_IS_BETTER"]

#: Metrics of the results table for which smaller is better.
LOWER_IS_BETTER = frozenset({"cross_entropy_bits"})

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}


@dataclass(frozen=True)
class SeedTable:
    """Means and standard deviations over seeds, ready to print.

    Attributes
    ----------
    mean, std : pandas.DataFrame
        Rows x columns (e.g. methods x tasks); NaN where a row has no value for a column, and
        ``std`` NaN where only one seed exists.
    n_seeds : pandas.DataFrame
        Number of seeds behind each entry (0 where absent).
    quantity : str
        What the numbers are, e.g. ``"balanced accuracy"``.
    unit : str or None
        Unit, e.g. ``"%"`` or ``"bits"``.
    higher_is_better : bool
        Direction of "best".
    decimals : int
        Decimals printed.
    title : str or None
        Leading words of the caption (e.g. the dataset).
    """

    mean: pd.DataFrame
    std: pd.DataFrame
    n_seeds: pd.DataFrame
    quantity: str
    unit: str | None
    higher_is_better: bool = True
    decimals: int = 2
    title: str | None = None

    def best(self) -> pd.DataFrame:
        """Boolean frame: True at the best entry (or tied entries) of each column, as printed."""
        shown = self.mean.round(self.decimals)
        target = shown.max() if self.higher_is_better else shown.min()
        return shown.eq(target, axis=1) & shown.notna()

    def caption(self) -> str:
        """Caption naming the quantity, unit, number of seeds and the bold rule.

        With one seed it says so and names no spread; with several, entries are the mean ±
        the standard deviation, and the caption says where an entry rests on one seed alone.
        """
        counts = self.n_seeds.to_numpy().ravel()
        seeds = seed_count(counts)
        if counts.max() > 1:
            seeds = f"mean ± standard deviation over {seeds}"
            if (counts == 1).any():
                seeds += " (the value alone where one seed)"
        unit = f" ({self.unit})" if self.unit else ""
        direction = "highest" if self.higher_is_better else "lowest"
        lead = f"{self.title}: " if self.title else ""
        return f"{lead}{self.quantity}{unit}, {seeds}; best ({direction}) per column in bold."

    def cells(self) -> pd.DataFrame:
        """The entries as text, ``"mean ± std"`` (``"mean"`` for one seed, ``"–"`` when
        absent)."""
        def cell(m: float, s: float) -> str:
            if not np.isfinite(m):
                return "–"
            text = f"{m:.{self.decimals}f}"
            return f"{text} ± {s:.{self.decimals}f}" if np.isfinite(s) else text
        values = [[cell(m, s) for m, s in zip(mr, sr)]
                  for mr, sr in zip(self.mean.to_numpy(), self.std.to_numpy())]
        return pd.DataFrame(values, index=self.mean.index, columns=self.mean.columns)

    def to_markdown(self) -> str:
        """Pipe table with bold best entries and a pandoc ``Table:`` caption below."""
        cells, best = self.cells(), self.best()
        rows = [[str(r), *(f"**{c}**" if b else c for c, b in zip(cells.loc[r], best.loc[r]))]
                for r in cells.index]
        header = [str(self.mean.index.name or ""), *map(str, cells.columns)]
        return f"{markdown_table(header, rows)}\nTable: {self.caption()}\n"

    def to_latex(self, label: str | None = None) -> str:
        """A ``table`` environment with a booktabs ``tabular`` (needs ``\\usepackage{booktabs}``).

        Parameters
        ----------
        label : str, optional
            ``\\label`` of the table.
        """
        cells, best = self.cells(), self.best()

        def tex(text: str, bold: bool) -> str:
            body = _latex_escape(text).replace("±", r"$\pm$").replace("–", "--")
            return rf"\textbf{{{body}}}" if bold else body

        caption = _latex_escape(self.caption()).replace("±", r"$\pm$")
        lines = [r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}"]
        if label:
            lines.append(rf"\label{{{label}}}")
        lines += [rf"\begin{{tabular}}{{l{'c' * cells.shape[1]}}}", r"\toprule",
                  " & ".join([_latex_escape(str(self.mean.index.name or "")),
                              *(_latex_escape(str(c)) for c in cells.columns)]) + r" \\",
                  r"\midrule"]
        for r in cells.index:
            entries = [tex(c, b) for c, b in zip(cells.loc[r], best.loc[r])]
            lines.append(" & ".join([_latex_escape(str(r)), *entries]) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """An HTML ``<table>`` with a ``<caption>`` and ``<b>`` best entries."""
        cells, best = self.cells(), self.best()
        rows = [[html.escape(str(r)),
                 *(f"<b>{html.escape(c)}</b>" if b else html.escape(c)
                   for c, b in zip(cells.loc[r], best.loc[r]))] for r in cells.index]
        header = [html.escape(str(self.mean.index.name or "")),
                  *(html.escape(str(c)) for c in cells.columns)]
        return html_table(header, rows, caption=html.escape(self.caption()))


def seed_table(table: pd.DataFrame, *, rows: str, columns: str, value: str = "value",
               seed: str = "seed", quantity: str, unit: str | None = None,
               higher_is_better: bool = True, decimals: int = 2, title: str | None = None,
               row_order: Sequence[str] | None = None,
               column_order: Sequence[str] | None = None) -> SeedTable:
    """Summarise ``value`` over seeds for each (``rows``, ``columns``) pair.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per (``rows``, ``columns``, ``seed``).
    rows, columns : str
        Columns whose values become the table's rows and columns.
    value, seed : str
        Column of the numbers and of the seeds.
    quantity, unit, higher_is_better, decimals, title
        As in ``SeedTable``.
    row_order, column_order : sequence, optional
        Order of rows and columns (default: first appearance).

    Returns
    -------
    SeedTable

    Raises
    ------
    ValueError
        Missing columns, empty table, several rows per (row, column, seed), non-finite
        values, or a negative ``decimals``.
    """
    if not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer; received {decimals!r}")
    require_columns(table, [rows, columns, value, seed], name="table")
    stats = seed_stats(table, [rows, columns], value=value, seed=seed, name="table")
    r_order = first_seen(stats[rows], row_order)
    c_order = first_seen(stats[columns], column_order)

    def pivot(field: str) -> pd.DataFrame:
        out = stats.pivot(index=rows, columns=columns, values=field).reindex(
            index=r_order, columns=c_order)
        out.columns.name = None
        return out

    return SeedTable(mean=pivot("mean"), std=pivot("std"),
                     n_seeds=pivot("n_seeds").fillna(0).astype(int), quantity=quantity,
                     unit=unit, higher_is_better=higher_is_better, decimals=decimals,
                     title=title)


def results_table(results: pd.DataFrame, *, metric: str, dataset: str | None = None,
                  methods: Sequence[str] | None = None, decimals: int | None = None
                  ) -> SeedTable:
    """Methods x tasks table of one metric at each run's final epoch.

    Parameters
    ----------
    results : pandas.DataFrame
        Long-form results table (columns ``RESULT_COLUMNS``; ``unit`` used when present).
    metric : str
        e.g. ``"balanced_accuracy"``.
    dataset : str, optional
        Required when the table holds several datasets.
    methods : sequence of str, optional
        Which methods, in which order (default: ``analysis.style.method_order``).
    decimals : int, optional
        Default 1 for percentages, 2 otherwise.

    Returns
    -------
    SeedTable
        One row per method, tasks as they appear; "best" is the highest except for
        ``LOWER_IS_BETTER`` metrics.
    """
    table = require_columns(results, RESULT_COLUMNS)
    table = select(select(table, "dataset", dataset), "metric", metric)
    units = list(pd.unique(table["unit"])) if "unit" in table.columns else [None]
    if len(units) != 1:
        raise ValueError(f"metric {metric!r} must have one unit; received {units}")
    table = final_epoch(table)
    order = method_order(table["method"], methods)
    table = table[table["method"].isin(order)]
    unit = units[0]
    if decimals is None:
        decimals = 1 if unit == "%" else 2
    return seed_table(table, rows="method", columns="task", quantity=metric_phrase(metric),
                      unit=None if unit == "fraction" else unit,
                      higher_is_better=metric not in LOWER_IS_BETTER, decimals=decimals,
                      title=str(table["dataset"].iloc[0]),
                      row_order=order)


def accuracy_table(table: pd.DataFrame, *, n: int | None = None, family: str | None = None,
                   decimals: int = 3) -> SeedTable:
    """Estimators x atoms table of the mean absolute error (bits), lower is better.

    For each (estimator, atom, seed) the absolute errors are averaged over the datasets,
    dimensions, families and sample sizes kept; the table shows mean +- std of that over seeds.

    Parameters
    ----------
    table : pandas.DataFrame
        Estimator accuracy table (``analysis.accuracy.ACCURACY_COLUMNS``).
    n, family : optional
        Keep one sample size or family.
    decimals : int
        Decimals printed.
    """
    data = filter_accuracy(table, n=n, family=family)
    per_seed = (data.groupby(["estimator", "atom", "seed"], sort=False)["abs_error"].mean()
                .reset_index())
    atoms = [ATOM_SYMBOLS[a] for a in ATOMS if a in set(per_seed["atom"])]
    per_seed["atom"] = per_seed["atom"].map(lambda a: ATOM_SYMBOLS.get(a, a))
    return seed_table(per_seed, rows="estimator", columns="atom", value="abs_error",
                      quantity="mean absolute error", unit="bits", higher_is_better=False,
                      decimals=decimals, row_order=sorted(pd.unique(per_seed["estimator"])),
                      column_order=atoms,
                      title=f"n = {n}" if n is not None else "all sample sizes")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], *,
                   numeric: bool = True) -> str:
    """A pipe table from already formatted cells (``|`` in cells is escaped).

    The first column is left-aligned; the others right-aligned when ``numeric``, else left.
    """
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", r"\|") for c in cells) + " |"
    align = ["---", *(("---:" if numeric else "---") for _ in header[1:])]
    return "\n".join([line(header), line(align), *(line(r) for r in rows)]) + "\n"


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]],
               caption: str | None = None) -> str:
    """An HTML table from already escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)
