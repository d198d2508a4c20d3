import numpy as np
import pandas as pd
import pytest

from analysis.tables import (
    accuracy_table,
    html_table,
    markdown_table,
    results_table,
    seed_table,
)

DATASET = "latent_bits"
TASKS = ["redundancy", "unique1", "unique2", "synergy", "synergy_xor"]


def _pandas(results, metric, dataset=DATASET):
    rows = results[(results["dataset"] == dataset) & (results["metric"] == metric)
                   & (results["epoch"] == 4)]
    grouped = rows.groupby(["method", "task"])["value"]
    return (grouped.mean().unstack(), grouped.std().unstack(), grouped.count().unstack())


def _markdown_cells(text):
    """Body rows of a pipe table as {row name: [cells]}."""
    lines = [ln for ln in text.splitlines() if ln.startswith("| ")][2:]
    return {cells[0]: cells[1:] for cells in
            ([c.strip() for c in ln.strip("|").split(" | ")] for ln in lines)}


@pytest.mark.parametrize("metric", ["balanced_accuracy", "captured_bits", "captured_fraction"])
def test_numbers_match_pandas(results, metric):
    table = results_table(results, metric=metric, dataset=DATASET)
    mean, std, count = _pandas(results, metric)
    assert list(table.mean.index) == ["cross", "cross_self", "comm"]
    assert list(table.mean.columns) == TASKS
    pd.testing.assert_frame_equal(table.mean, mean.loc[table.mean.index, TASKS],
                                  check_names=False, atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(table.std, std.loc[table.mean.index, TASKS],
                                  check_names=False, atol=1e-12, rtol=0)
    assert (table.n_seeds.to_numpy() == 3).all() and (count.to_numpy() == 3).all()


def test_results_rows_in_the_order_asked(results):
    table = results_table(results, metric="captured_bits", dataset=DATASET,
                          methods=["comm", "cross"])
    assert list(table.mean.index) == ["comm", "cross"]
    assert "comm" in table.to_markdown() and "cross_self" not in table.to_markdown()
    with pytest.raises(ValueError, match="not found"):
        results_table(results, metric="captured_bits", dataset=DATASET, methods=["supervised"])


def test_markdown_bold_is_the_best_of_each_column(results):
    table = results_table(results, metric="balanced_accuracy", dataset=DATASET)
    cells = _markdown_cells(table.to_markdown())
    shown = table.mean.round(1)
    for j, task in enumerate(TASKS):
        bold = {m for m, row in cells.items() if row[j].startswith("**")}
        assert bold == set(shown.index[shown[task] == shown[task].max()])
        assert table.mean[task].idxmax() in bold
    for method, row in cells.items():
        for j, task in enumerate(TASKS):
            text = f"{table.mean.loc[method, task]:.1f} ± {table.std.loc[method, task]:.1f}"
            assert row[j].strip("*") == text


def test_caption_names_seeds_and_units(results):
    table = results_table(results, metric="balanced_accuracy", dataset=DATASET)
    assert table.caption() == ("latent_bits: balanced accuracy (%), mean ± standard "
                               "deviation over 3 seeds; best (highest) per column in bold.")
    bits = results_table(results, metric="captured_bits", dataset=DATASET)
    assert "captured information (bits)" in bits.caption()
    assert bits.decimals == 2 and table.decimals == 1
    assert "Table: " + table.caption() in table.to_markdown()


def test_latex_is_booktabs_with_escaped_names(results):
    table = results_table(results, metric="balanced_accuracy", dataset=DATASET)
    tex = table.to_latex(label="tab:acc")
    for command in (r"\toprule", r"\midrule", r"\bottomrule", r"\label{tab:acc}",
                    r"\begin{tabular}{lccccc}"):
        assert command in tex
    assert r"cross\_self &" in tex and r"synergy\_xor \\" in tex
    assert r"(\%)" in tex and r"over 3 seeds" in tex
    assert tex.count(r"\textbf{") == int(table.best().to_numpy().sum())
    comm = next(ln for ln in tex.splitlines() if ln.startswith("comm &"))
    m, s = table.mean.loc["comm", "synergy"], table.std.loc["comm", "synergy"]
    assert rf"\textbf{{{m:.1f} $\pm$ {s:.1f}}}" in comm
    assert "_" not in tex.replace(r"\_", "")


def test_html_has_caption_and_bold(results):
    table = results_table(results, metric="captured_fraction", dataset=DATASET)
    text = table.to_html()
    assert text.count("<b>") == int(table.best().to_numpy().sum())
    assert "<caption>latent_bits: captured fraction of I(X1,X2;Y), mean ± standard" in text


def test_lower_is_better_and_ties():
    frame = pd.DataFrame({
        "method": ["a", "a", "b", "b", "c", "c"], "task": ["t"] * 6, "seed": [0, 1] * 3,
        "value": [1.0, 1.2, 0.5, 0.7, 0.601, 0.599],
    })
    low = seed_table(frame, rows="method", columns="task", quantity="loss", unit="bits",
                     higher_is_better=False, decimals=1)
    assert low.best()["t"].tolist() == [False, True, True]  # 0.6 and 0.6 as printed
    assert "best (lowest)" in low.caption()
    high = seed_table(frame, rows="method", columns="task", quantity="score", decimals=3)
    assert high.best()["t"].tolist() == [True, False, False]


def test_cross_entropy_results_are_lower_is_better(results):
    ce = results[results["metric"] == "captured_bits"].assign(metric="cross_entropy_bits")
    table = results_table(ce, metric="cross_entropy_bits", dataset=DATASET)
    assert not table.higher_is_better
    best = table.best()
    for task in TASKS:
        assert best.loc[table.mean[task].idxmin(), task]


def test_one_seed_and_missing_entries():
    frame = pd.DataFrame({"method": ["a", "b", "b"], "task": ["t", "t", "u"],
                          "seed": [0, 0, 0], "value": [0.25, 0.5, 0.125]})
    table = seed_table(frame, rows="method", columns="task", quantity="q", unit="bits",
                       decimals=3)
    cells = _markdown_cells(table.to_markdown())
    assert cells == {"a": ["0.250", "–"], "b": ["**0.500**", "**0.125**"]}
    # one seed: no spread is named
    assert table.caption() == "q (bits), one seed; best (highest) per column in bold."
    assert "--" in table.to_latex()


def test_mixed_seed_counts_in_caption():
    frame = pd.DataFrame({"method": ["a", "a", "b"], "task": ["t"] * 3, "seed": [0, 1, 0],
                          "value": [1.0, 2.0, 3.0]})
    table = seed_table(frame, rows="method", columns="task", quantity="q")
    assert table.caption() == ("q, mean ± standard deviation over 1-2 seeds (the value alone "
                               "where one seed); best (highest) per column in bold.")
    assert table.n_seeds["t"].tolist() == [2, 1]


def test_accuracy_table_matches_pandas(accuracy):
    table = accuracy_table(accuracy, n=200)
    rows = accuracy[accuracy["n"] == 200]
    per_seed = rows.groupby(["estimator", "atom", "seed"])["abs_error"].mean()
    stats = per_seed.groupby(["estimator", "atom"]).agg(["mean", "std"])
    assert list(table.mean.columns) == ["R", "U1", "U2", "S"]
    for (estimator, atom), (m, s) in stats.iterrows():
        col = {"redundancy": "R", "unique1": "U1", "unique2": "U2", "synergy": "S"}[atom]
        assert table.mean.loc[estimator, col] == pytest.approx(m, abs=1e-12)
        assert table.std.loc[estimator, col] == pytest.approx(s, abs=1e-12)
    assert not table.higher_is_better
    assert table.caption().startswith("n = 200: mean absolute error (bits)")


def test_plain_tables_escape_pipes():
    text = markdown_table(["a", "b"], [["x|y", "1"]])
    assert text.splitlines() == ["| a | b |", "| --- | ---: |", r"| x\|y | 1 |"]
    assert markdown_table(["a", "b"], [], numeric=False).splitlines()[1] == "| --- | --- |"
    assert html_table(["h"], [["c"]], caption="cap") == (
        "<table><caption>cap</caption><thead><tr><th>h</th></tr></thead><tbody><tr><td>c"
        "</td></tr></tbody></table>\n")


@pytest.mark.parametrize("frame, kwargs, match", [
    (pd.DataFrame({"method": ["a"], "task": ["t"], "value": [1.0]}), {},
     r"missing the columns \['seed'\]"),
    (pd.DataFrame(columns=["method", "task", "value", "seed"]), {}, "empty"),
    (pd.DataFrame({"method": ["a", "a"], "task": ["t", "t"], "seed": [0, 0],
                   "value": [1.0, 2.0]}), {}, "one row per"),
    (pd.DataFrame({"method": ["a"], "task": ["t"], "seed": [0], "value": [np.inf]}), {},
     "inf or non-numeric"),
    (pd.DataFrame({"method": ["a"], "task": ["t"], "seed": [0], "value": [np.nan]}), {},
     "no known values"),
    (pd.DataFrame({"method": ["a"], "task": ["t"], "seed": [0], "value": [1.0]}),
     {"decimals": -1}, "decimals"),
])
def test_seed_table_rejects_bad_input(frame, kwargs, match):
    with pytest.raises(ValueError, match=match):
        seed_table(frame, rows="method", columns="task", quantity="q", **kwargs)


def test_results_table_errors(results):
    with pytest.raises(ValueError, match=r"missing the columns \['metric'\]"):
        results_table(results.drop(columns="metric"), metric="captured_bits")
    with pytest.raises(ValueError, match="several values of 'dataset'"):
        results_table(results, metric="captured_bits")
    mixed = results.copy()
    mixed.loc[mixed.index[:1], "unit"] = "nats"
    with pytest.raises(ValueError, match="one unit"):
        results_table(mixed[mixed["metric"] == "balanced_accuracy"],
                      metric="balanced_accuracy", dataset=DATASET)
