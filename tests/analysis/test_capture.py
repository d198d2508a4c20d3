import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from analysis.capture import GID_CHANCE, GID_ERRORBAR, GID_REFERENCE, plot_capture
from analysis.style import METHOD_COLORS

DATASET = "latent_bits"
FINAL_EPOCH = 4


def _expected(results, metric, dataset=DATASET):
    rows = results[(results["dataset"] == dataset) & (results["metric"] == metric)
                   & (results["epoch"] == FINAL_EPOCH)]
    return rows.groupby(["task", "method"])["value"].agg(["mean", "std"])


def _bars(ax):
    """(method, task) -> bar patch, from the gids the figure sets."""
    out = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("bar:"):
            _, method, task = gid.split(":")
            out[(method, task)] = patch
    return out


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection with gid {gid!r}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("metric", ["captured_fraction", "captured_bits", "balanced_accuracy"])
def test_bar_heights_and_error_bars_match_pandas(results, metric):
    fig, ax = plot_capture(results, metric=metric, dataset=DATASET)
    expected = _expected(results, metric)
    bars = _bars(ax)
    assert len(bars) == len(expected) == 15
    centres = {}
    for (method, task), patch in bars.items():
        mean, std = expected.loc[(task, method)]
        assert patch.get_height() == pytest.approx(mean, abs=1e-12)
        assert to_rgba(patch.get_facecolor()) == to_rgba(METHOD_COLORS[method])
        centres[round(patch.get_x() + patch.get_width() / 2, 9)] = (task, method)
    segments = _collection(ax, GID_ERRORBAR).get_segments()
    assert len(segments) == len(expected)
    for seg in segments:
        (x0, low), (x1, high) = sorted(map(tuple, seg), key=lambda p: p[1])
        assert x0 == pytest.approx(x1)
        task, method = centres[round(x0, 9)]
        mean, std = expected.loc[(task, method)]
        assert low == pytest.approx(mean - std, abs=1e-12)
        assert high == pytest.approx(mean + std, abs=1e-12)


def _reference_levels(ax, gid):
    """Level of each reference segment, ordered by x."""
    segs = sorted(_collection(ax, gid).get_segments(), key=lambda s: s[0][0])
    for s in segs:
        assert s[0][1] == s[1][1]
    return [s[0][1] for s in segs]


def test_ground_truth_reference_for_captured_bits(results, ground_truth):
    fig, ax = plot_capture(results, metric="captured_bits", dataset=DATASET)
    truth = ground_truth[ground_truth["dataset"] == DATASET].set_index("task")["total"]
    tasks = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert tasks == ["redundancy", "unique1", "unique2", "synergy", "synergy_xor"]
    assert _reference_levels(ax, GID_REFERENCE) == pytest.approx(list(truth[tasks]))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["cross", "cross_self", "comm", "ground truth"]


def test_chance_lines_for_balanced_accuracy(results):
    fig, ax = plot_capture(results, metric="balanced_accuracy", dataset="trifeature_small")
    # trifeature_small: three 10-way tasks then two binary ones
    assert _reference_levels(ax, GID_CHANCE) == pytest.approx([10, 10, 10, 50, 50])
    assert "chance" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylabel() == "Balanced accuracy (%)"


def test_fraction_reference_is_one_and_labels_name_atoms(results):
    fig, ax = plot_capture(results, metric="captured_fraction", dataset=DATASET)
    assert _reference_levels(ax, GID_REFERENCE) == pytest.approx([1.0] * 5)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["redundancy\n(R)", "unique1\n(U1)", "unique2\n(U2)", "synergy\n(S)",
                     "synergy_xor\n(S)"]
    assert ax.get_ylim()[0] == 0
    assert ax.get_title() == "latent_bits: captured fraction of I(X1,X2;Y) per task"


def test_draws_on_given_axis_with_chosen_methods_tasks_and_colours(results):
    fig, (left, right) = plt.subplots(1, 2)
    out_fig, out_ax = plot_capture(results, dataset=DATASET, methods=["comm", "cross"],
                                   tasks=["synergy_xor", "redundancy"],
                                   colors={"comm": "red", "cross": "blue"}, ax=right)
    assert out_fig is fig and out_ax is right
    bars = _bars(right)
    assert set(bars) == {(m, t) for m in ("comm", "cross") for t in ("synergy_xor",
                                                                     "redundancy")}
    assert to_rgba(bars[("comm", "redundancy")].get_facecolor()) == to_rgba("red")
    assert bars[("comm", "synergy_xor")].get_x() < bars[("comm", "redundancy")].get_x()
    assert not left.patches


def test_single_seed_has_no_error_bars(results):
    one = results[results["seed"] == 0]
    fig, ax = plot_capture(one, dataset=DATASET)
    assert not [c for c in ax.collections if c.get_gid() == GID_ERRORBAR]
    expected = _expected(one, "captured_fraction")
    for (method, task), patch in _bars(ax).items():
        assert patch.get_height() == pytest.approx(expected.loc[(task, method), "mean"])


def test_unknown_values_leave_gaps(results):
    table = results.copy()
    unknown = (table["task"] == "synergy") & (table["metric"] == "captured_fraction")
    table.loc[unknown, "value"] = np.nan
    fig, ax = plot_capture(table, dataset=DATASET)
    assert {t for _, t in _bars(ax)} == {"redundancy", "unique1", "unique2", "synergy_xor"}


def test_missing_columns_are_named(results):
    with pytest.raises(ValueError, match=r"missing the columns \['seed', 'value'\]"):
        plot_capture(results.drop(columns=["value", "seed"]), dataset=DATASET)
    with pytest.raises(ValueError, match=r"missing the columns \['chance'\]"):
        plot_capture(results.drop(columns=["chance"]), metric="balanced_accuracy",
                     dataset=DATASET)


def test_empty_table_is_rejected(results):
    with pytest.raises(ValueError, match="empty"):
        plot_capture(results.iloc[:0], dataset=DATASET)


@pytest.mark.parametrize("kwargs, match", [
    ({}, "several values of 'dataset'"),
    ({"dataset": "nope"}, "dataset 'nope' is not in results"),
    ({"dataset": DATASET, "metric": "r3"}, "metric 'r3' is not in results"),
    ({"dataset": DATASET, "methods": ["comm", "factorcl"]}, r"\['factorcl'\] not found"),
    ({"dataset": DATASET, "colors": {"comm": "red"}}, "colors has no entry"),
    ({"dataset": DATASET, "tasks": ["xor"]}, r"\['xor'\] not found"),
])
def test_bad_selections_are_rejected(results, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_capture(results, **kwargs)


def test_duplicate_rows_are_rejected(results):
    doubled = results[results["dataset"] == DATASET]
    doubled = doubled.assign(method=doubled["method"].replace({"cross": "comm"}))
    with pytest.raises(ValueError, match="one row per"):
        plot_capture(doubled)


def test_not_a_dataframe():
    with pytest.raises(ValueError, match="DataFrame; received dict"):
        plot_capture({"value": [1.0]})


def test_many_tasks_get_slanted_one_line_labels(results):
    merged = results.assign(
        task=results["task"].where(results["dataset"] == DATASET, results["task"] + "_b"),
        dataset="both")
    fig, ax = plot_capture(merged, metric="captured_bits")
    ticks = ax.get_xticklabels()
    assert len(ticks) == 10
    assert ticks[0].get_text() == "redundancy (R)" and ticks[9].get_text() == "synergy_xor_b (S)"
    assert all(t.get_rotation() == 30 for t in ticks)
    assert fig.get_size_inches()[0] == 9.0


def test_multilabel_f1_rows_get_their_chance_line_and_label(results):
    """probe_embeddings' rows of a multi-label task (f1_macro, f1_weighted) draw like accuracy."""
    rows = results[(results.metric == "balanced_accuracy")
                   & (results.dataset == "trifeature_small")].copy()
    rows["metric"] = "f1_weighted"
    rows["chance"] = 40.0
    fig, ax = plot_capture(rows, metric="f1_weighted", dataset="trifeature_small")
    assert _reference_levels(ax, GID_CHANCE) == pytest.approx([40.0] * 5)
    assert ax.get_ylabel() == "Weighted F1 (%)"


@pytest.mark.parametrize("kwargs", [{"metric": "captured_bits_mlp"},
                                    {"metric": "captured_bits", "probe": "mlp"}])
def test_draws_the_mlp_probe_with_the_same_references(results_both, ground_truth, kwargs):
    fig, ax = plot_capture(results_both, dataset=DATASET, **kwargs)
    expected = _expected(results_both, "captured_bits_mlp")
    bars = _bars(ax)
    assert set(bars) == {(m, t) for t, m in expected.index} and len(bars) == 10
    for (method, task), patch in bars.items():
        assert patch.get_height() == pytest.approx(expected.loc[(task, method), "mean"],
                                                   abs=1e-12)
    truth = ground_truth[ground_truth["dataset"] == DATASET].set_index("task")["total"]
    assert _reference_levels(ax, GID_REFERENCE) == pytest.approx(list(truth))
    assert ax.get_ylabel() == "Captured information, MLP probe (bits)"
    assert ax.get_title() == "latent_bits: captured information, MLP probe per task"


def test_probe_linear_is_the_plain_metric_and_bad_probes_are_named(results_both):
    _, linear = plot_capture(results_both, metric="balanced_accuracy", probe="linear",
                             dataset=DATASET)
    assert len(_bars(linear)) == 15 and linear.get_ylabel() == "Balanced accuracy (%)"
    with pytest.raises(ValueError, match=r"probe must be one of \['linear', 'mlp'\]"):
        plot_capture(results_both, probe="rbf", dataset=DATASET)
    with pytest.raises(ValueError, match="already names the MLP probe"):
        plot_capture(results_both, metric="captured_bits_mlp", probe="mlp", dataset=DATASET)
