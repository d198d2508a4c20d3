"""The report of one results directory: a self-contained HTML file and a Markdown twin.

``write_report(results_dir)`` reads the files the experiment runner writes (``config.yaml``,
``environment.json``, ``results.csv``, ``ground_truth.csv``, ``training.csv``) and writes

* ``report.html``: one file, figures embedded as base64 images, nothing to fetch;
* ``report.md``: the same content, its figures saved beside it in ``figures/`` (PNG and,
  by default, vector PDF for papers) and every table also as LaTeX in ``tables/``.

Content, headline first: for each dataset its ground truth (table and stacked bars) beside
the methods x tasks table and the bars of the headline metric (the first of
``HEADLINE_METRICS`` with known values); then, for each dataset whose runs were probed by the
MLP probe too (``probe: {kind: both}``), the capture table of both probes
(:func:`analysis.tables.capture_table`: balanced accuracy, captured bits and fraction, training
time per seed); then, per dataset, the other metrics the same way (each MLP-probe metric after
its linear twin) and every metric against training epoch where probes were fitted at several
epochs; then the training history; last the configuration and the environment, folded in ``<details>``.
Methods appear in the config's order under the names ``pid_bench.methods.display_name`` gives
them; captions say what is drawn for the number of seeds at hand. Everything shown is read from
the tables; nothing is recomputed.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import yaml
from matplotlib.figure import Figure

from analysis._frame import GT_ATOM_COLUMNS, final_epoch, require_columns
from analysis._methods import method_names
from analysis.capture import RESULT_COLUMNS, plot_capture
from analysis.decomposition import plot_decomposition
from analysis.dynamics import TRAINING_COLUMNS, plot_dynamics_panels, plot_training
from analysis.style import (
    ATOM_SYMBOLS,
    axis_label,
    figure_bytes,
    metric_phrase,
    palette,
    save_figure,
    seed_count,
)
from analysis.tables import (
    CaptureTable,
    SeedTable,
    capture_table,
    html_table,
    markdown_table,
    results_table,
    seed_table,
)
from pid_bench.info.result import ATOMS
from pid_bench.io import atomic_path, atomic_write_text
from pid_bench.results_dir import ResultsDirError, finished_runs, table_text, union_tables
from pid_bench.settings import MLP_SUFFIX

__all__ = ["write_report", "REPORT_FORMATS", "METRIC_ORDER", "HEADLINE_METRICS"]

#: Report formats ``write_report`` can write.
REPORT_FORMATS = ("html", "md")

#: Metrics shown first, in this order; other metrics follow alphabetically.
METRIC_ORDER = ("balanced_accuracy", "f1_weighted", "f1_macro", "captured_bits",
                "captured_fraction", "cross_entropy_bits")

#: Candidates for a dataset's headline, the first with known values wins (the MLP probe's
#: after the linear probe's, for results probed by the MLP alone).
HEADLINE_METRICS = ("captured_bits", "captured_fraction", "balanced_accuracy", "f1_weighted",
                    "cross_entropy_bits", *(f"{m}{MLP_SUFFIX}" for m in (
                        "captured_bits", "captured_fraction", "balanced_accuracy",
                        "cross_entropy_bits")))

_IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}

#: Width of a figure in the HTML report per inch of the figure, CSS pixels: one scale for
#: every figure, so that their lettering has one size (the widest, 9 in, fits the page).
_PIXELS_PER_INCH = 100

_CSS = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1,h2,h3{line-height:1.2}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem;min-width:20rem}
caption{caption-side:bottom;text-align:left;font-size:.85rem;color:#555;padding-top:.3rem}
th,td{padding:.25rem .6rem;text-align:right}th{white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{border-bottom:1px solid #222}tbody tr:last-child td{border-bottom:1px solid #222}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555}pre{background:#f6f6f6;padding:.8rem;overflow-x:auto}"""


def write_report(results_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None
                 = None, *, formats: Sequence[str] = REPORT_FORMATS,
                 figure_formats: Sequence[str] = ("png", "pdf"), dpi: int = 150,
                 embed: str = "png") -> tuple[Path | None, Path | None]:
    """Write the HTML report and its Markdown twin for a results directory.

    Parameters
    ----------
    results_dir : path-like
        Directory written by the experiment runner; must hold ``results.csv``.
    out_dir : path-like, optional
        Where to write; default ``results_dir/report``.
    formats : sequence of str
        Any of ``"html"``, ``"md"``.
    figure_formats : sequence of str
        Files saved per figure beside the Markdown report; must include ``"png"`` (the
        Markdown shows it); add ``"svg"`` or ``"pdf"`` for vector copies.
    dpi : int
        Resolution of the PNG figures, dots per inch.
    embed : str
        Image format embedded in the HTML: ``"png"`` or ``"svg"``.

    Returns
    -------
    (pathlib.Path or None, pathlib.Path or None)
        The HTML and Markdown files (``None`` for a format not requested).

    Raises
    ------
    FileNotFoundError
        ``results_dir`` or its ``results.csv`` does not exist.
    ValueError
        Unknown formats, a file that cannot be read (not CSV, not UTF-8, a ``config.yaml``
        that is not a YAML mapping), a table that lacks required columns or rows, a damaged
        run (:class:`pid_bench.results_dir.RunInvalid`), or tables that do not hold exactly
        the finished runs of ``results_dir/runs``.
    """
    fmts = [f.lower() for f in formats]
    if not fmts or any(f not in REPORT_FORMATS for f in fmts):
        raise ValueError(f"formats must be a non-empty list among {list(REPORT_FORMATS)}; "
                         f"received {list(formats)}")
    if "png" not in figure_formats:
        raise ValueError(f"figure_formats must include 'png' (shown by the Markdown report); "
                         f"received {list(figure_formats)}")
    if embed not in _IMAGE_TYPES:
        raise ValueError(f"embed must be one of {sorted(_IMAGE_TYPES)}; received {embed!r}")
    source = Path(results_dir)
    if not source.is_dir():
        raise FileNotFoundError(f"results directory {str(source)!r} does not exist")
    results_file = source / "results.csv"
    if not results_file.is_file():
        raise FileNotFoundError(f"{str(results_file)!r} not found: a results directory holds "
                                f"the results.csv written by the experiment runner")
    out = Path(out_dir) if out_dir is not None else source / "report"
    doc = _Document(out=out, markdown="md" in fmts, figure_formats=tuple(figure_formats),
                    dpi=dpi, embed=embed)
    _build(doc, source)
    html_path = md_path = None
    if "html" in fmts:
        html_path = out / "report.html"
        atomic_write_text(html_path, doc.html_text(f"pid-bench report: {source.name}"))
    if "md" in fmts:
        md_path = out / "report.md"
        atomic_write_text(md_path, "\n".join(doc.md) + "\n")
    return html_path, md_path


@dataclass
class _Document:
    """Blocks rendered to HTML and Markdown side by side."""

    out: Path
    markdown: bool
    figure_formats: tuple[str, ...]
    dpi: int
    embed: str
    html: list[str] = field(default_factory=list)
    md: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def heading(self, level: int, text: str) -> None:
        self.html.append(f"<h{level}>{html.escape(text)}</h{level}>")
        self.md.append(f"{'#' * level} {text}\n")

    def paragraph(self, text: str) -> None:
        self.html.append(f"<p>{html.escape(text)}</p>")
        self.md.append(f"{text}\n")

    @contextlib.contextmanager
    def details(self, summary: str) -> Iterator[None]:
        """Blocks added inside are folded under ``summary`` (``<details>``, which GitHub's
        Markdown renders too)."""
        opening = f"<details><summary>{html.escape(summary)}</summary>"
        self.html.append(opening)
        self.md.append(f"{opening}\n")
        yield
        self.html.append("</details>")
        self.md.append("</details>\n")

    def code(self, text: str, language: str) -> None:
        self.html.append(f"<pre><code>{html.escape(text)}</code></pre>")
        self.md.append(f"```{language}\n{text.rstrip()}\n```\n")

    def plain_table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
                    caption: str | None = None, numeric: bool = True) -> None:
        escaped = [[html.escape(c) for c in r] for r in rows]
        self.html.append(html_table([html.escape(h) for h in header], escaped,
                                    html.escape(caption) if caption else None))
        self.md.append(markdown_table(header, rows, numeric=numeric)
                       + (f"\nTable: {caption}\n" if caption else ""))

    def seed_table(self, table: SeedTable | CaptureTable, name: str) -> None:
        self.html.append(table.to_html())
        self.md.append(table.to_markdown())
        if self.markdown:
            atomic_write_text(self.out / "tables" / f"{self._unique(name)}.tex",
                              table.to_latex(label=f"tab:{name}"))

    def figure(self, fig: Figure, name: str, caption: str) -> None:
        name = self._unique(name)
        try:
            embedded = figure_bytes(fig, self.embed, dpi=self.dpi)
            data = base64.b64encode(embedded).decode("ascii")
            width = round(fig.get_figwidth() * _PIXELS_PER_INCH)
            self.html.append(f'<figure><img alt="{html.escape(caption)}" width="{width}" '
                             f'src="data:{_IMAGE_TYPES[self.embed]};base64,{data}">'
                             f"<figcaption>{html.escape(caption)}</figcaption></figure>")
            if self.markdown:
                png = embedded if self.embed == "png" else figure_bytes(fig, "png", self.dpi)
                with atomic_path(self.out / "figures" / f"{name}.png") as tmp:
                    tmp.write_bytes(png)
                vector = [f for f in self.figure_formats if f != "png"]
                if vector:
                    save_figure(fig, self.out / "figures" / name, formats=vector, dpi=self.dpi)
            self.md.append(f"![{caption}](figures/{name}.png)\n\n*{caption}*\n")
        finally:
            plt.close(fig)

    def html_text(self, title: str) -> str:
        body = "\n".join(self.html)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n"
                f"<body>\n{body}\n</body></html>\n")

    def _unique(self, name: str) -> str:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        candidate, i = safe, 2
        while candidate in self.names:
            candidate, i = f"{safe}_{i}", i + 1
        self.names.add(candidate)
        return candidate


def _build(doc: _Document, source: Path) -> None:
    shown_runs = _check_tables(source)
    results = require_columns(_read_csv(source / "results.csv"), RESULT_COLUMNS,
                              name="results.csv")
    training = _optional_csv(source / "training.csv")
    if training is not None:
        training = require_columns(training, [*TRAINING_COLUMNS, "loss", "seconds",
                                              "pairs_per_second"], name="training.csv")
    config_path = source / "config.yaml"
    config_text = _read_text(config_path) if config_path.is_file() else None
    config = _config(config_text, config_path)
    environment = _read_environment(source)
    results = results.assign(method=results["method"].astype(str))
    labels = [*results["method"], *(training["method"].astype(str) if training is not None
                                    else [])]
    shown = method_names(config, labels)
    colours = {shown[label]: colour for label, colour in palette(shown).items()}
    order = list(shown.values())
    results = results.assign(method=results["method"].map(shown))
    ground_truth = _ground_truth_table(source, results)
    datasets = list(pd.unique(results["dataset"]))

    doc.heading(1, f"pid-bench report: {source.name}")
    doc.paragraph(
        f"Datasets: {', '.join(map(str, datasets))}. Methods: "
        f"{', '.join(m for m in order if m in set(results['method']))}. Seeds: "
        f"{', '.join(map(str, sorted(results['seed'].unique())))}. All information in bits.")
    doc.paragraph(shown_runs)
    headline = {d: _headline_metric(results[results["dataset"] == d]) for d in datasets}
    for dataset in datasets:
        _headline(doc, results[results["dataset"] == dataset], str(dataset),
                  headline[dataset], ground_truth, order, colours)
    if training is not None:
        training = training.assign(method=training["method"].astype(str).map(shown))
    for dataset in datasets:
        _probes(doc, results[results["dataset"] == dataset], str(dataset), training, order)
    for dataset in datasets:
        _detail(doc, results[results["dataset"] == dataset], str(dataset),
                headline[dataset], order, colours)
    if training is not None:
        _training(doc, training, order, colours)
    doc.heading(2, "Configuration and environment")
    with doc.details("Configuration (config.yaml)"):
        if config_text is not None:
            doc.code(config_text, "yaml")
        else:
            doc.paragraph("config.yaml not found in the results directory.")
    with doc.details("Environment (environment.json)"):
        _environment(doc, environment)


def _check_tables(source: Path) -> str:
    """Check the tables of ``source`` against its runs; say which runs the report shows.

    Where ``source/runs`` exists, every finished run is verified against its ``done.json``
    and the tables must be exactly theirs (as the runner writes them).
    """
    if not (source / "runs").is_dir():
        return ("Runs shown: those of results.csv (the directory has no runs/ to check them "
                "against).")
    runs = finished_runs(source)
    for name, table in union_tables(runs).items():
        path = source / name
        if not path.is_file() or path.read_bytes() != table_text(table).encode("utf-8"):
            raise ResultsDirError(
                f"{path} does not hold exactly the {len(runs)} finished runs of {source / 'runs'} "
                f"({'missing' if not path.is_file() else 'changed, truncated or out of date'}); "
                f"rebuild the tables with `pid-bench run {source / 'config.yaml'} --out "
                f"{source}` (it trains nothing where that grid is finished)")
    by_pair: dict[tuple[str, str], list[int]] = {}
    for run in runs:
        dataset, method, seed = run.key
        by_pair.setdefault((dataset, method), []).append(seed)
    listed = "; ".join(f"{d} / {m}: seed{'s' if len(s) > 1 else ''} {', '.join(map(str, s))}"
                       for (d, m), s in by_pair.items())
    return (f"Runs shown: all {len(runs)} finished runs of runs/, each checked against the "
            f"digests of its done.json ({listed or 'none'}).")


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}): it is "
                         f"damaged; restore it or delete it") from None


def _config(text: str | None, path: Path) -> dict | None:
    """The runner's config from the text of ``config.yaml`` (``None`` where absent)."""
    if text is None:
        return None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        config = exc
    if not isinstance(config, dict):
        raise ValueError(f"{path} is not a pid-bench config (a YAML mapping): it is damaged; "
                         f"restore it (the results directory's configs/ keeps a copy of each "
                         f"grid's config) or delete it")
    return config


def _read_environment(source: Path) -> dict | None:
    """``environment.json`` of ``source`` (``None`` where absent)."""
    path = source / "environment.json"
    if not path.is_file():
        return None
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}): it is damaged; delete it (pid-bench "
                         f"run writes it again)") from None


def _environment(doc: _Document, environment: dict | None) -> None:
    if environment is None:
        doc.paragraph("environment.json not found in the results directory.")
        return
    rows = [[key, value] for key, value in _flatten(environment)]
    doc.plain_table(["entry", "value"], rows, numeric=False)


def _flatten(value: object, prefix: str = "") -> list[tuple[str, str]]:
    """Nested mappings as (dotted key, text) pairs."""
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            out += _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return out
    text = value if isinstance(value, str) else json.dumps(value)
    return [(prefix or "value", text)]


@dataclass(frozen=True)
class _GroundTruth:
    """The ground truth of the tasks (columns ``dataset, task``, the atoms, ``total``) and the
    file it was read from."""

    table: pd.DataFrame
    origin: str


def _ground_truth_table(source: Path, results: pd.DataFrame) -> _GroundTruth | None:
    """``ground_truth.csv``, else the ``gt_*`` columns of the results; ``None`` without
    either."""
    table = _optional_csv(source / "ground_truth.csv")
    if table is not None:
        return _GroundTruth(require_columns(table, ["dataset", "task", *ATOMS, "total"],
                                            name="ground_truth.csv"), "ground_truth.csv")
    if {*GT_ATOM_COLUMNS, "gt_total"} <= set(results.columns):
        table = (results[["dataset", "task", *GT_ATOM_COLUMNS, "gt_total"]]
                 .drop_duplicates(["dataset", "task"])
                 .rename(columns=lambda c: c.removeprefix("gt_")))
        return _GroundTruth(table, "the gt_* columns of results.csv (ground_truth.csv not "
                                   "found)")
    return None


def _headline_metric(rows: pd.DataFrame) -> str | None:
    """The first of ``HEADLINE_METRICS`` with a known value in ``rows``, if any."""
    known = set(rows.loc[rows["value"].notna(), "metric"])
    return next((m for m in HEADLINE_METRICS if m in known), None)


def _headline(doc: _Document, rows: pd.DataFrame, dataset: str, metric: str | None,
              ground_truth: _GroundTruth | None, order: Sequence[str],
              colours: dict[str, str]) -> None:
    """A dataset's ground truth beside what each method captured of it."""
    doc.heading(2, f"{dataset}: {metric_phrase(metric) if metric else 'results'} per task")
    truth = _dataset_truth(ground_truth, dataset, pd.unique(rows["task"]))
    if truth is None:
        doc.paragraph("No ground truth of these tasks: neither in ground_truth.csv nor in gt_* "
                      "columns of results.csv.")
    else:
        # tasks as columns, in the order of the results table below it
        names = {**{a: ATOM_SYMBOLS[a] for a in ATOMS}, "total": "total"}
        doc.plain_table(["ground truth", *map(str, truth.index)],
                        [[names[c], *(f"{v:.3f}" for v in truth[c])] for c in names],
                        caption=f"{dataset}: ground truth (bits), the exact decomposition of "
                                f"each task under the probe distribution (total: "
                                f"I(X1,X2;Y)), from {ground_truth.origin}.")
    if metric is not None:
        _metric(doc, rows, dataset, metric, order, colours)
    else:
        doc.paragraph("No known values of any metric (NaN throughout).")
    known = truth.dropna(subset=list(ATOMS)) if truth is not None else pd.DataFrame()
    if not known.empty:
        fig, _ = plot_decomposition(known, title=f"{dataset}: ground truth per task")
        doc.figure(fig, f"{dataset}_ground_truth",
                   f"{dataset}: ground-truth decomposition of each task (bits): redundancy R, "
                   f"unique U1 and U2, synergy S.")


def _dataset_truth(ground_truth: _GroundTruth | None, dataset: str, tasks: Sequence[str]
                   ) -> pd.DataFrame | None:
    """Ground truth of ``tasks`` of ``dataset``, indexed by task in their order (atoms and
    ``total``, bits); ``None`` where none is known."""
    if ground_truth is None:
        return None
    table = ground_truth.table
    table = table[table["dataset"] == dataset].set_index("task")[[*ATOMS, "total"]]
    truth = table.reindex([t for t in tasks if t in table.index])
    return None if truth.empty else truth


def _probes(doc: _Document, rows: pd.DataFrame, dataset: str, training: pd.DataFrame | None,
            order: Sequence[str]) -> None:
    """The capture table of both probes, where the dataset's runs were probed by the MLP too."""
    mlp = rows["metric"].str.endswith(MLP_SUFFIX) & rows["value"].notna()
    if not mlp.any():
        return
    doc.heading(2, f"{dataset}: linear and MLP probes")
    doc.paragraph("Each probe's captured bits are a lower bound on the information the "
                  "representation holds about the task; the gap between the MLP probe's and the "
                  "linear probe's is information that is there but not linearly readable.")
    known = rows[rows["value"].notna()]
    table = capture_table(known, training, methods=_present(order, known))
    doc.seed_table(table, f"{dataset}_probes")


def _metric_order(present: set[str]) -> list[str]:
    """``METRIC_ORDER``, each metric followed by its MLP probe's twin, then the others
    alphabetically."""
    first = [m for base in METRIC_ORDER for m in (base, base + MLP_SUFFIX) if m in present]
    return first + sorted(present - set(first))


def _detail(doc: _Document, rows: pd.DataFrame, dataset: str, headline: str | None,
            order: Sequence[str], colours: dict[str, str]) -> None:
    """The other metrics of a dataset, and every metric against epoch where probes were
    fitted at several epochs."""
    metrics = _metric_order(set(rows["metric"]))
    several_epochs = rows.groupby(["method", "seed"])["epoch"].nunique().max() > 1
    listed = [m for m in metrics if m != headline or several_epochs]
    if not listed:
        return
    doc.heading(2, f"{dataset}: per-task detail")
    for metric in listed:
        doc.heading(3, axis_label(metric))
        values = rows.loc[rows["metric"] == metric]
        if values["value"].isna().all():
            doc.paragraph(f"No known values of {metric_phrase(metric)} (NaN throughout, e.g. "
                          f"the ground truth is unknown).")
            continue
        if metric != headline:
            _metric(doc, rows, dataset, metric, order, colours)
        if several_epochs:
            methods = _present(order, values)
            fig, _ = plot_dynamics_panels(rows, metric=metric, methods=methods,
                                          colors=colours)
            doc.figure(fig, f"{dataset}_{metric}_dynamics",
                       f"{dataset}: {metric_phrase(metric)} against training epoch"
                       f"{_spread(values, 'lines', 'bands')}.")


def _metric(doc: _Document, rows: pd.DataFrame, dataset: str, metric: str,
            order: Sequence[str], colours: dict[str, str]) -> None:
    """The methods x tasks table of a metric and its bars per task."""
    methods = _present(order, rows[rows["metric"] == metric])
    table = results_table(rows, metric=metric, methods=methods)
    doc.seed_table(table, f"{dataset}_{metric}")
    fig, _ = plot_capture(rows, metric=metric, methods=methods, colors=colours)
    final = final_epoch(rows[rows["metric"] == metric])
    doc.figure(fig, f"{dataset}_{metric}_capture",
               f"{dataset}: {metric_phrase(metric)} per task at the final epoch"
               f"{_spread(final, 'bars', 'error bars')}; {_reference_text(metric)}")


def _present(order: Sequence[str], rows: pd.DataFrame, value: str = "value") -> list[str]:
    """The methods of ``order`` with a known ``value`` in ``rows``."""
    known = set(rows.loc[rows[value].notna(), "method"])
    return [m for m in order if m in known]


def _spread(rows: pd.DataFrame, centre: str, spread: str, value: str = "value") -> str:
    """What a figure of ``rows`` draws over seeds, to follow a caption's first clause:
    ``" (one seed)"``, or e.g. ``"; bars: mean over 3 seeds, error bars: one standard
    deviation"``."""
    counts = rows.dropna(subset=[value]).groupby("method")["seed"].nunique()
    if counts.max() == 1:
        return f" ({seed_count(counts)})"
    where = " (none for a method with one seed)" if (counts == 1).any() else ""
    return (f"; {centre}: mean over {seed_count(counts)}, {spread}: one standard "
            f"deviation{where}")


def _reference_text(metric: str) -> str:
    if metric == "balanced_accuracy":
        return "dashed: chance level."
    if metric in ("f1_macro", "f1_weighted"):
        return "dashed: chance level, the F1 of predicting every label."
    if metric == "cross_entropy_bits":
        return "dashed: H(Y), the cross-entropy of guessing from the class frequencies."
    if metric in ("captured_bits", "captured_fraction"):
        return "black lines: ground truth, all of the task's information."
    return "no reference level."


def _training(doc: _Document, training: pd.DataFrame, order: Sequence[str],
              colours: dict[str, str]) -> None:
    doc.heading(2, "Training")
    runs = (training.groupby(["dataset", "method", "seed"], sort=False)
            .agg(seconds=("seconds", "sum"), pairs_per_second=("pairs_per_second", "mean"))
            .reset_index())
    methods = _present(order, runs, "seconds")
    doc.seed_table(seed_table(runs, rows="method", columns="dataset", value="seconds",
                              quantity="training time per run", unit="s",
                              higher_is_better=False, decimals=1, row_order=methods),
                   "training_seconds")
    doc.seed_table(seed_table(runs, rows="method", columns="dataset", value="pairs_per_second",
                              quantity="throughput, mean over epochs", unit="pairs/s",
                              decimals=0, row_order=_present(order, runs, "pairs_per_second")),
                   "training_throughput")
    for dataset in pd.unique(training["dataset"]):
        rows = training[training["dataset"] == dataset]
        fig, _ = plot_training(rows, methods=_present(order, rows, "loss"), colors=colours)
        doc.figure(fig, f"{dataset}_training_loss",
                   f"{dataset}: training loss against epoch"
                   f"{_spread(rows, 'lines', 'bands', 'loss')}.")


def _optional_csv(path: Path) -> pd.DataFrame | None:
    return _read_csv(path) if path.is_file() else None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        cause = " ".join(str(exc).split())
        raise ValueError(f"{path} cannot be read as a CSV table ({cause}): it is damaged; "
                         f"restore it, or rebuild it with pid-bench run") from None
