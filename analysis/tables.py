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

from analysis._frame import (
    PROBE_SUFFIXES,
    final_epoch,
    first_seen,
    require_columns,
    seed_stats,
    select,
)
from analysis.accuracy import filter_accuracy
from analysis.capture import RESULT_COLUMNS
from analysis.style import ATOM_SYMBOLS, method_order, metric_phrase, seed_count
from pid_bench.info.result import ATOMS

__all__ = ["CAPTURE_QUANTITIES", "CaptureTable", "PROBES", "SeedTable", "accuracy_table",
           "capture_table", "html_table", "latex_table", "markdown_table", "results_table",
           "seed_table", "LOWER_IS_BETTER"]

#: Metrics of the results table for which smaller is better.
LOWER_IS_BETTER = frozenset({"cross_entropy_bits", f"cross_entropy_bits{PROBE_SUFFIXES['mlp']}"})

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
            body = _latex_text(text)
            return rf"\textbf{{{body}}}" if bold else body

        header = [_latex_escape(str(self.mean.index.name or "")),
                  *(_latex_escape(str(c)) for c in cells.columns)]
        rows = [[_latex_escape(str(r)), *(tex(c, b) for c, b in zip(cells.loc[r], best.loc[r]))]
                for r in cells.index]
        return latex_table(header, rows, caption=_latex_text(self.caption()), label=label)

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


#: The probes of a capture table, by the name its headings show: the suffix of their metrics
#: in the results table.
PROBES = {"linear": PROBE_SUFFIXES["linear"], "MLP": PROBE_SUFFIXES["mlp"]}

#: What a capture table reports of each probe: metric, its heading, unit and decimals.
CAPTURE_QUANTITIES = (("balanced_accuracy", "balanced accuracy", "%", 1),
                      ("r2", "R²", None, 3),
                      ("captured_bits", "captured", "bits", 3),
                      ("captured_fraction", "fraction of I(X1,X2;Y)", None, 2))

#: Spreads a capture table can print over seeds.
SPREADS = ("sd", "range")


@dataclass(frozen=True)
class CaptureTable:
    """Both probes' balanced accuracy and captured information per (dataset, task, method).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per (dataset, task, method), in the order asked. Columns: ``dataset``,
        ``task``, ``method``; ``seeds`` and ``seeds_mlp`` (seeds behind the linear and the MLP
        probe's numbers; 0 where that probe was not run); ``gt_total`` (the task's ground
        truth I(X1,X2;Y), bits; NaN where unknown); for each metric ``m`` of
        ``CAPTURE_QUANTITIES`` and each probe (``m`` for the linear probe, ``m + "_mlp"`` for
        the MLP probe): the mean over seeds ``m``, its standard deviation ``m_sd``
        (``ddof=1``; NaN for one seed), ``m_min`` and ``m_max``; ``seconds_per_seed`` (the
        run's training seconds summed over its epochs, mean over seeds; NaN without a
        training table or rows for the run). NaN wherever a probe or metric was not measured:
        never 0.
    spread : {"sd", "range"}
        What the printed cells show beside the mean: ``± sd`` or ``[min, max]``.
    r2 : bool
        Whether the printed table has R² columns (some task is continuous).
    """

    frame: pd.DataFrame
    spread: str = "sd"
    r2: bool = False

    def _printed(self) -> list[tuple[str, str, str | None, int]]:
        return [q for q in CAPTURE_QUANTITIES if self.r2 or q[0] != "r2"]

    def header(self) -> list[str]:
        """Column headings of the printed table."""
        heads = ["dataset", "task", "method", "seeds"]
        for _, name, unit, _ in self._printed():
            heads += [f"{name}{f' ({unit})' if unit else ''}, {probe}" for probe in PROBES]
        return [*heads, "training s / seed"]

    def cells(self) -> list[list[str]]:
        """The printed entries, one list per row; ``""`` where a number is unknown."""
        rows = []
        for row in self.frame.itertuples(index=False):
            values = row._asdict()
            seeds = str(values["seeds"])
            if values["seeds_mlp"] not in (0, values["seeds"]):
                seeds += f" (MLP {values['seeds_mlp']})"
            cells = [str(values["dataset"]), str(values["task"]), str(values["method"]), seeds]
            for metric, _, _, decimals in self._printed():
                cells += [self._cell(values, metric + suffix, decimals)
                          for suffix in PROBES.values()]
            seconds = values["seconds_per_seed"]
            rows.append([*cells, f"{seconds:.1f}" if np.isfinite(seconds) else ""])
        return rows

    def _cell(self, values: dict, metric: str, decimals: int) -> str:
        mean = values[metric]
        if not np.isfinite(mean):
            return ""
        text = f"{mean:.{decimals}f}"
        if self.spread == "range":
            low, high = values[f"{metric}_min"], values[f"{metric}_max"]
            return text if low == high else f"{text} [{low:.{decimals}f}, {high:.{decimals}f}]"
        sd = values[f"{metric}_sd"]
        return f"{text} ± {sd:.{decimals}f}" if np.isfinite(sd) else text

    def caption(self) -> str:
        """What the table shows: seeds, spread, the reference of the fraction, the time."""
        counts = self.frame[["seeds", "seeds_mlp"]].to_numpy().ravel()
        seeds = seed_count(counts)
        if counts.max() > 1:
            spread = ("mean ± standard deviation" if self.spread == "sd"
                      else "mean [minimum, maximum]")
            seeds = f"{spread} over {seeds}"
            if (counts == 1).any():
                seeds += " (the value alone where one seed)"
        return (f"Both probes per task at each run's final epoch, {seeds}. Linear: the logistic "
                f"(ridge for continuous tasks) probe; MLP: the non-linear probe. Captured bits: "
                f"the probe's lower bound H(Y) - CE on I(Z;Y); fraction: captured bits over the "
                f"task's ground-truth total I(X1,X2;Y) (an estimate on real data, where it can "
                f"exceed 1). Training s / seed: the run's seconds summed over its epochs, mean "
                f"over seeds. Blank: not measured.")

    def to_markdown(self) -> str:
        """Pipe table with a pandoc ``Table:`` caption below."""
        table = markdown_table(self.header(), self.cells(), left=3)
        return f"{table}\nTable: {self.caption()}\n"

    def to_latex(self, label: str | None = None) -> str:
        """A ``table`` environment with a booktabs ``tabular`` (needs ``\\usepackage{booktabs}``).

        Parameters
        ----------
        label : str, optional
            ``\\label`` of the table.
        """
        header = [_latex_text(h).replace("²", "$^2$") for h in self.header()]
        rows = [[_latex_text(c) for c in r] for r in self.cells()]
        return latex_table(header, rows, caption=_latex_text(self.caption()), label=label,
                           columns="lll" + "r" * (len(header) - 3))

    def to_html(self) -> str:
        """An HTML ``<table>`` with a ``<caption>``."""
        rows = [[html.escape(c) for c in r] for r in self.cells()]
        return html_table([html.escape(h) for h in self.header()], rows,
                          caption=html.escape(self.caption()))


def capture_table(results: pd.DataFrame, training: pd.DataFrame | None = None, *,
                  tasks: Sequence[str] | None = None, methods: Sequence[str] | None = None,
                  spread: str = "sd") -> CaptureTable:
    """The capture table: both probes' scores and captured information, and the time per seed.

    Call it as ``capture_table(results, training)`` with the tables of a results directory
    (``results.csv`` and ``training.csv`` read by pandas), and print it with
    ``.to_markdown()``, ``.to_latex(label=...)`` or ``.to_html()``; the numbers are in
    ``.frame``.

    Parameters
    ----------
    results : pandas.DataFrame
        Long-form results table (columns ``RESULT_COLUMNS``; ``gt_total`` used when present).
        The linear probe's metrics are ``balanced_accuracy``, ``r2``, ``captured_bits``,
        ``captured_fraction``; the MLP probe's the same with the suffix ``_mlp`` (a run with
        ``probe: {kind: both}``).
    training : pandas.DataFrame, optional
        ``training.csv`` (columns ``dataset``, ``method``, ``seed``, ``seconds``), for the wall
        time per seed; without it that column is blank.
    tasks : sequence of str, optional
        Which tasks, in which order (default: as they appear).
    methods : sequence of str, optional
        Which methods, in which order (default: ``analysis.style.method_order``).
    spread : {"sd", "range"}
        Printed beside each mean: the standard deviation over seeds or [min, max].

    Returns
    -------
    CaptureTable
        One row per (dataset, task, method) holding at least one of the metrics, datasets as
        they appear, then tasks, then methods in the orders above.

    Raises
    ------
    ValueError
        Missing columns, empty tables, an unknown task or method, an unknown ``spread``, or
        several rows per (dataset, task, method, seed, metric) at the final epoch.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.tables import capture_table
    >>> rows = [{"dataset": "d", "task": "s", "method": "comm", "seed": s, "epoch": 1,
    ...          "metric": m, "value": v, "gt_total": 0.8}
    ...         for s in (0, 1) for m, v in (("captured_bits", 0.2 + s / 10),
    ...                                     ("captured_bits_mlp", 0.4))]
    >>> table = capture_table(pd.DataFrame(rows))
    >>> table.frame[["captured_bits", "captured_bits_mlp", "seeds"]].round(2).values.tolist()
    [[0.25, 0.4, 2.0]]
    """
    if spread not in SPREADS:
        raise ValueError(f"spread must be one of {list(SPREADS)}; received {spread!r}")
    table = require_columns(results, RESULT_COLUMNS)
    metrics = [q[0] + suffix for q in CAPTURE_QUANTITIES for suffix in PROBES.values()]
    final = final_epoch(table[table["metric"].isin(metrics)])
    if final.empty:
        raise ValueError(f"results hold none of the capture table's metrics {metrics}; "
                         f"received {sorted(pd.unique(table['metric']))}")
    task_order = first_seen(final["task"], tasks)
    method_names = method_order(final["method"], methods)
    final = final[final["task"].isin(task_order) & final["method"].isin(method_names)]
    keys = ["dataset", "task", "method"]
    stats = seed_stats(final, [*keys, "metric"], name="results")
    spans = final.groupby([*keys, "metric"], sort=False)["value"].agg(["min", "max"])
    stats = stats.join(spans, on=[*keys, "metric"])
    wide = stats.pivot(index=keys, columns="metric", values=["mean", "std", "min", "max",
                                                             "n_seeds"])
    frame = pd.DataFrame(index=wide.index)
    for metric in metrics:
        for field, name in (("mean", metric), ("std", f"{metric}_sd"), ("min", f"{metric}_min"),
                            ("max", f"{metric}_max")):
            frame[name] = (wide[(field, metric)].astype(float) if (field, metric) in wide
                           else np.nan)
    for suffix in PROBES.values():
        counts = [wide[("n_seeds", m + suffix)] for m, *_ in CAPTURE_QUANTITIES
                  if ("n_seeds", m + suffix) in wide]
        frame[f"seeds{suffix}"] = (pd.concat(counts, axis=1).max(axis=1).fillna(0).astype(int)
                                   if counts else 0)
    frame = frame.reset_index()
    frame.insert(3, "seeds", frame.pop("seeds"))
    frame.insert(4, "seeds_mlp", frame.pop(f"seeds{PROBES['MLP']}"))
    frame.insert(5, "gt_total", _task_totals(final, frame))
    frame["seconds_per_seed"] = _seconds_per_seed(training, final, frame)
    datasets = list(pd.unique(final["dataset"]))
    frame = frame.sort_values(
        keys, key=lambda c: c.map({v: i for i, v in enumerate(
            {"dataset": datasets, "task": task_order, "method": method_names}[c.name])}))
    return CaptureTable(frame=frame.reset_index(drop=True), spread=spread,
                        r2=bool(frame[[f"r2{x}" for x in PROBES.values()]].notna().any(axis=None)))


def _task_totals(final: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """The ground-truth total of each row's task, bits (NaN without a ``gt_total`` column)."""
    if "gt_total" not in final.columns:
        return np.full(len(frame), np.nan)
    totals = final.groupby(["dataset", "task"], sort=False)["gt_total"].first()
    return totals.reindex(pd.MultiIndex.from_frame(frame[["dataset", "task"]])).to_numpy(float)


def _seconds_per_seed(training: pd.DataFrame | None, final: pd.DataFrame, frame: pd.DataFrame
                      ) -> np.ndarray:
    """Each row's training seconds per run, mean over the seeds its results hold."""
    if training is None:
        return np.full(len(frame), np.nan)
    training = require_columns(training, ["dataset", "method", "seed", "seconds"],
                               name="training")
    per_run = training.groupby(["dataset", "method", "seed"])["seconds"].sum()
    runs = final[["dataset", "method", "seed"]].drop_duplicates()
    runs = runs.assign(seconds=per_run.reindex(pd.MultiIndex.from_frame(runs)).to_numpy(float))
    mean = runs.groupby(["dataset", "method"])["seconds"].mean()
    return mean.reindex(pd.MultiIndex.from_frame(frame[["dataset", "method"]])).to_numpy(float)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], *,
                   numeric: bool = True, left: int = 1) -> str:
    """A pipe table from already formatted cells (``|`` in cells is escaped).

    The first ``left`` columns are left-aligned; the others right-aligned when ``numeric``,
    else left.
    """
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", r"\|") for c in cells) + " |"
    align = ["---" if i < left or not numeric else "---:" for i in range(len(header))]
    return "\n".join([line(header), line(align), *(line(r) for r in rows)]) + "\n"


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]],
               caption: str | None = None) -> str:
    """An HTML table from already escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def latex_table(header: Sequence[str], rows: Sequence[Sequence[str]], *,
                caption: str | None = None, label: str | None = None,
                columns: str | None = None) -> str:
    """A ``table`` environment with a booktabs ``tabular`` from already escaped cells.

    Parameters
    ----------
    header : sequence of str
        Column headings (LaTeX, escaped).
    rows : sequence of sequences of str
        Cells (LaTeX, escaped), one sequence per row.
    caption, label : str, optional
        ``\\caption`` (LaTeX, escaped) and ``\\label`` of the table.
    columns : str, optional
        The ``tabular`` column specification; default ``l`` then ``c`` for every other
        column.
    """
    spec = columns or "l" + "c" * (len(header) - 1)
    lines = [r"\begin{table}[t]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{caption}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & ".join(header) + r" \\",
              r"\midrule", *(" & ".join(r) + r" \\" for r in rows),
              r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def _latex_text(text: str) -> str:
    """Running text (a caption, a cell) in LaTeX: special characters escaped, ``±`` and the
    en dash of absent entries written as LaTeX."""
    return _latex_escape(text).replace("±", r"$\pm$").replace("–", "--")
