"""The report of one results directory: a self-contained HTML file and a Markdown twin.

``write_report(results_dir)`` reads the files the experiment runner writes (``config.yaml``,
``environment.json``, ``results.csv``, ``ground_truth.csv``, ``training.csv``) and writes

* ``report.html``: one file, figures embedded as base64 images, nothing to fetch;
* ``report.md``: the same content, its figures saved beside it in ``figures/`` (PNG and,
  by default, vector PDF for papers) and every table also as LaTeX in ``tables/``.

Content: the configuration, the environment, the ground truth of each dataset (table and
stacked bars), for each dataset and metric the methods x tasks table and the capture figure,
learning dynamics where probes were fitted at several epochs, and the training history.
Everything shown is read from the tables; nothing is recomputed.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis._frame import GT_ATOM_COLUMNS, require_columns
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
)
from analysis.tables import SeedTable, html_table, markdown_table, results_table, seed_table
from pid_bench.info.result import ATOMS
from pid_bench.io import atomic_path, atomic_write_text

__all__ = ["write_report", "REPORT_FORMATS", "METRIC_ORDER"]

#: Report formats ``write_report`` can write.
REPORT_FORMATS = ("html", "md")

#: Metrics shown first, in this order; other metrics follow alphabetically.
METRIC_ORDER = ("balanced_accuracy", "captured_bits", "captured_fraction",
                "cross_entropy_bits")

_IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}

_CSS = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1,h2,h3{line-height:1.2}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
caption{caption-side:bottom;text-align:left;font-size:.85rem;color:#555;padding-top:.3rem}
th,td{padding:.25rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}
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
        Unknown formats, or a table that lacks required columns or rows.
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

    def seed_table(self, table: SeedTable, name: str) -> None:
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
            self.html.append(f'<figure><img alt="{html.escape(caption)}" '
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
    results = require_columns(pd.read_csv(source / "results.csv"), RESULT_COLUMNS,
                              name="results.csv")
    training = _optional_csv(source / "training.csv")
    methods = set(results["method"]) | (set(training["method"]) if training is not None
                                        else set())
    colours = palette(methods)
    datasets = list(pd.unique(results["dataset"]))

    doc.heading(1, f"pid-bench report: {source.name}")
    doc.paragraph(
        f"Datasets: {', '.join(map(str, datasets))}. Methods: "
        f"{', '.join(sorted(map(str, results['method'].unique())))}. Seeds: "
        f"{', '.join(map(str, sorted(results['seed'].unique())))}. Runs finished: "
        f"{len(list(source.glob('runs/*/done.json')))}. All information in bits.")
    _configuration(doc, source)
    _environment(doc, source)
    _ground_truth(doc, source, results)
    for dataset in datasets:
        _dataset_results(doc, results[results["dataset"] == dataset], str(dataset), colours)
    if training is not None:
        _training(doc, training, colours)


def _configuration(doc: _Document, source: Path) -> None:
    doc.heading(2, "Configuration")
    path = source / "config.yaml"
    if path.is_file():
        doc.code(path.read_text(encoding="utf-8"), "yaml")
    else:
        doc.paragraph("config.yaml not found in the results directory.")


def _environment(doc: _Document, source: Path) -> None:
    doc.heading(2, "Environment")
    path = source / "environment.json"
    if not path.is_file():
        doc.paragraph("environment.json not found in the results directory.")
        return
    rows = [[key, value] for key, value in _flatten(json.loads(path.read_text("utf-8")))]
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


def _ground_truth(doc: _Document, source: Path, results: pd.DataFrame) -> None:
    doc.heading(2, "Ground truth")
    table = _optional_csv(source / "ground_truth.csv")
    if table is not None:
        table = require_columns(table, ["dataset", "task", *ATOMS, "total"],
                                name="ground_truth.csv")
        origin = "ground_truth.csv"
    elif {*GT_ATOM_COLUMNS, "gt_total"} <= set(results.columns):
        table = (results[["dataset", "task", *GT_ATOM_COLUMNS, "gt_total"]]
                 .drop_duplicates(["dataset", "task"])
                 .rename(columns=lambda c: c.removeprefix("gt_")))
        origin = "the gt_* columns of results.csv (ground_truth.csv not found)"
    else:
        doc.paragraph("No ground truth: neither ground_truth.csv nor gt_* columns in "
                      "results.csv.")
        return
    doc.paragraph(f"Exact decomposition of each task under the probe distribution, in bits, "
                  f"from {origin}.")
    header = ["task", *(ATOM_SYMBOLS[a] for a in ATOMS), "total"]
    for dataset, rows in table.groupby("dataset", sort=False):
        cells = [[str(r["task"]), *(f"{r[c]:.4f}" for c in (*ATOMS, "total"))]
                 for _, r in rows.iterrows()]
        doc.plain_table(header, cells, caption=f"{dataset}: ground truth (bits).")
    known = table.dropna(subset=list(ATOMS))
    if not known.empty:
        fig, _ = plot_decomposition(known, title="Ground truth")
        doc.figure(fig, "ground_truth", "Ground-truth decomposition of each task (bits): "
                                        "redundancy R, unique U1 and U2, synergy S.")


def _dataset_results(doc: _Document, rows: pd.DataFrame, dataset: str,
                     colours: dict[str, str]) -> None:
    doc.heading(2, f"Results: {dataset}")
    present = set(rows["metric"])
    metrics = [m for m in METRIC_ORDER if m in present] + sorted(present - set(METRIC_ORDER))
    several_epochs = rows.groupby(["method", "seed"])["epoch"].nunique().max() > 1
    for metric in metrics:
        doc.heading(3, axis_label(metric))
        phrase = metric_phrase(metric)
        if rows.loc[rows["metric"] == metric, "value"].isna().all():
            doc.paragraph(f"No known values of {phrase} (NaN throughout, e.g. the ground "
                          f"truth is unknown).")
            continue
        table = results_table(rows, metric=metric)
        doc.seed_table(table, f"{dataset}_{metric}")
        fig, _ = plot_capture(rows, metric=metric, colors=colours)
        doc.figure(fig, f"{dataset}_{metric}_capture",
                   f"{dataset}: {phrase} per task at the final epoch; bars: mean over "
                   f"seeds, error bars: one standard deviation; {_reference_text(metric)}")
        if several_epochs:
            fig, _ = plot_dynamics_panels(rows, metric=metric, colors=colours)
            doc.figure(fig, f"{dataset}_{metric}_dynamics",
                       f"{dataset}: {phrase} against training epoch; lines: mean over "
                       f"seeds, bands: one standard deviation.")


def _reference_text(metric: str) -> str:
    if metric == "balanced_accuracy":
        return "dashed: chance level."
    if metric == "cross_entropy_bits":
        return "dashed: H(Y), the cross-entropy of guessing from the class frequencies."
    if metric in ("captured_bits", "captured_fraction"):
        return "black lines: ground truth, all of the task's information."
    return "no reference level."


def _training(doc: _Document, training: pd.DataFrame, colours: dict[str, str]) -> None:
    training = require_columns(training, [*TRAINING_COLUMNS, "loss", "seconds",
                                          "pairs_per_second"], name="training.csv")
    doc.heading(2, "Training")
    runs = (training.groupby(["dataset", "method", "seed"], sort=False)
            .agg(seconds=("seconds", "sum"), pairs_per_second=("pairs_per_second", "mean"))
            .reset_index())
    doc.seed_table(seed_table(runs, rows="method", columns="dataset", value="seconds",
                              quantity="training time per run", unit="s",
                              higher_is_better=False, decimals=1), "training_seconds")
    doc.seed_table(seed_table(runs, rows="method", columns="dataset", value="pairs_per_second",
                              quantity="throughput, mean over epochs", unit="pairs/s",
                              decimals=0), "training_throughput")
    for dataset in pd.unique(training["dataset"]):
        fig, _ = plot_training(training, dataset=dataset, colors=colours)
        doc.figure(fig, f"{dataset}_training_loss",
                   f"{dataset}: training loss against epoch; lines: mean over seeds, bands: "
                   f"one standard deviation.")


def _optional_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None
