import numpy as np
import pandas as pd
import pytest

from analysis.tables import (
    accuracy_table,
    capture_table,
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


def _final(results, metric, dataset=DATASET):
    rows = results[(results["dataset"] == dataset) & (results["metric"] == metric)
                   & (results["epoch"] == 4)]
    return rows.groupby(["task", "method"])["value"]


@pytest.mark.parametrize("metric", ["balanced_accuracy", "captured_bits", "captured_fraction"])
def test_capture_table_numbers_match_pandas_for_both_probes(results_both, training, metric):
    frame = capture_table(results_both, training).frame
    frame = frame[frame["dataset"] == DATASET].set_index(["task", "method"])
    for name in (metric, f"{metric}_mlp"):
        grouped = _final(results_both, name)
        expected = pd.DataFrame({"": grouped.mean(), "_sd": grouped.std(), "_min": grouped.min(),
                                 "_max": grouped.max()})
        for field in expected:
            got = frame.loc[expected.index, f"{name}{field}"]
            np.testing.assert_allclose(got.to_numpy(), expected[field].to_numpy(), atol=1e-12,
                                       rtol=0, equal_nan=True)
    assert frame.loc[("synergy", "comm"), "gt_total"] == pytest.approx(0.468996)


def test_capture_table_leaves_a_missing_probe_blank_never_zero(results_both, training):
    table = capture_table(results_both, training)
    frame = table.frame.set_index(["dataset", "task", "method"])
    no_mlp = frame.xs("cross_self", level="method")
    assert no_mlp["balanced_accuracy_mlp"].isna().all() and (no_mlp["seeds_mlp"] == 0).all()
    assert no_mlp["captured_bits"].notna().all() and (no_mlp["seeds"] == 3).all()
    one_seed = frame.xs("cross", level="method")
    assert (one_seed["seeds_mlp"] == 1).all() and one_seed["captured_bits_mlp_sd"].isna().all()
    header = table.header()
    cells = {tuple(r[:3]): dict(zip(header, r)) for r in table.cells()}
    row = cells[(DATASET, "synergy", "cross_self")]
    assert row["captured (bits), MLP"] == "" and row["balanced accuracy (%), MLP"] == ""
    assert row["captured (bits), linear"] != "" and row["seeds"] == "3"
    cross = cells[(DATASET, "synergy", "cross")]
    assert cross["seeds"] == "3 (MLP 1)" and "±" not in cross["captured (bits), MLP"]
    assert "±" in cross["captured (bits), linear"]
    comm = cells[(DATASET, "synergy", "comm")]
    mean = frame.loc[(DATASET, "synergy", "comm"), "captured_bits_mlp"]
    sd = frame.loc[(DATASET, "synergy", "comm"), "captured_bits_mlp_sd"]
    assert comm["captured (bits), MLP"] == f"{mean:.3f} ± {sd:.3f}"
    assert not any("R²" in h for h in header)


def test_capture_table_time_per_seed_sums_epochs_and_averages_seeds(results_both, training):
    frame = capture_table(results_both, training).frame
    per_run = training.groupby(["dataset", "method", "seed"])["seconds"].sum()
    expected = per_run.groupby(["dataset", "method"]).mean()
    for row in frame.itertuples():
        assert row.seconds_per_seed == pytest.approx(expected[(row.dataset, row.method)],
                                                     abs=1e-12)
    assert capture_table(results_both).frame["seconds_per_seed"].isna().all()
    assert all(r[-1] == "" for r in capture_table(results_both).cells())
    with pytest.raises(ValueError, match=r"training is missing the columns \['seconds'\]"):
        capture_table(results_both, training.drop(columns="seconds"))


def test_capture_table_order_spread_and_writers(results_both, training):
    table = capture_table(results_both[results_both["dataset"] == DATASET], training,
                          tasks=["synergy", "redundancy"], methods=["comm", "cross"],
                          spread="range")
    assert list(zip(table.frame["task"], table.frame["method"])) == [
        ("synergy", "comm"), ("synergy", "cross"), ("redundancy", "comm"),
        ("redundancy", "cross")]
    row = table.frame.iloc[0]
    text = table.to_markdown()
    assert (f"| {DATASET} | synergy | comm | 3 | {row.balanced_accuracy:.1f} "
            f"[{row.balanced_accuracy_min:.1f}, {row.balanced_accuracy_max:.1f}] |") in text
    assert text.splitlines()[1].startswith("| --- | --- | --- | ---: |")
    assert "mean [minimum, maximum] over 1-3 seeds (the value alone where one seed)" in (
        table.caption())
    one = capture_table(results_both[results_both["seed"] == 0]).caption()
    assert "final epoch, one seed." in one and "±" not in one
    assert "ground-truth total I(X1,X2;Y)" in table.caption()
    latex = table.to_latex(label="tab:capture")
    assert r"\label{tab:capture}" in latex and r"balanced accuracy (\%), MLP" in latex
    assert latex.count(r" \\") == 1 + len(table.frame)
    html_text = table.to_html()
    assert html_text.count("<tr>") == 1 + len(table.frame) and "<caption>" in html_text


def test_capture_table_reads_the_final_epoch_and_r2_of_continuous_tasks():
    rows = [{"dataset": "g", "task": "y", "method": "comm", "seed": s, "epoch": e, "metric": m,
             "value": v * e, "gt_total": 1.0}
            for s in (0, 1) for e in (1, 2) for m, v in (("r2", 0.2 + s / 10),
                                                         ("r2_mlp", 0.4),
                                                         ("captured_bits", 0.1))]
    table = capture_table(pd.DataFrame(rows))
    row = table.frame.iloc[0]
    assert row.r2 == pytest.approx(0.5) and row.r2_mlp == pytest.approx(0.8)
    assert row.captured_bits == pytest.approx(0.2) and np.isnan(row.captured_bits_mlp)
    assert np.isnan(row.balanced_accuracy) and table.r2
    assert "R², MLP" in table.header()


@pytest.mark.parametrize("kwargs, match", [
    ({"spread": "iqr"}, "spread must be one of"),
    ({"tasks": ["nope"]}, "not found"),
    ({"methods": ["supervised"]}, "not found"),
])
def test_capture_table_rejects_bad_arguments(results_both, kwargs, match):
    with pytest.raises(ValueError, match=match):
        capture_table(results_both, **kwargs)


def test_capture_table_needs_a_capture_metric(results_both):
    with pytest.raises(ValueError, match="none of the capture table's metrics"):
        capture_table(results_both.assign(metric="f1_macro"))
    with pytest.raises(ValueError, match="missing the columns"):
        capture_table(results_both.drop(columns="epoch"))
