"""Figures, tables and reports for papers, made from pid-bench's result tables.

Every plotting function takes a table (the long-form results, a ground-truth table, PID
results or the estimator accuracy table), draws on a given or new matplotlib axis and returns
``(fig, ax)``; nothing here recomputes results. ``write_report`` turns a results directory into
one self-contained HTML file and a Markdown twin (``pid-bench report RESULTS_DIR``).
"""

from analysis.accuracy import plot_error_vs_n, plot_estimates
from analysis.capture import plot_capture
from analysis.decomposition import decomposition_frame, plot_decomposition
from analysis.dynamics import plot_dynamics, plot_dynamics_panels, plot_training
from analysis.report import write_report
from analysis.style import (
    ATOM_COLORS,
    METHOD_COLORS,
    figure_bytes,
    method_order,
    palette,
    paper_style,
    save_figure,
)
from analysis.tables import (
    CaptureTable,
    SeedTable,
    accuracy_table,
    capture_table,
    results_table,
    seed_table,
)

__all__ = [
    "ATOM_COLORS",
    "METHOD_COLORS",
    "CaptureTable",
    "SeedTable",
    "accuracy_table",
    "capture_table",
    "decomposition_frame",
    "figure_bytes",
    "method_order",
    "palette",
    "paper_style",
    "plot_capture",
    "plot_decomposition",
    "plot_dynamics",
    "plot_dynamics_panels",
    "plot_error_vs_n",
    "plot_estimates",
    "plot_training",
    "results_table",
    "save_figure",
    "seed_table",
    "write_report",
]
