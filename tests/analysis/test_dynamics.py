import numpy as np
import pytest
from matplotlib.colors import to_rgba

from analysis.capture import GID_CHANCE, GID_REFERENCE
from analysis.dynamics import plot_dynamics, plot_dynamics_panels, plot_training
from analysis.style import METHOD_COLORS

DATASET = "latent_bits"


def _line(ax, name):
    (line,) = [ln for ln in ax.lines if ln.get_gid() == f"line:{name}"]
    return line


def _band_limits(ax, name, xs):
    """Lowest and highest y of a method's band at each x."""
    (band,) = [c for c in ax.collections if c.get_gid() == f"band:{name}"]
    vertices = np.concatenate([p.vertices for p in band.get_paths()])
    lows, highs = [], []
    for x in xs:
        ys = vertices[np.isclose(vertices[:, 0], x), 1]
        lows.append(ys.min())
        highs.append(ys.max())
    return np.array(lows), np.array(highs)


def _stats(table, by, value="value"):
    return table.groupby(by)[value].agg(["mean", "std"])


@pytest.mark.parametrize("metric", ["captured_bits", "balanced_accuracy"])
def test_lines_and_bands_match_pandas(results, metric):
    fig, ax = plot_dynamics(results, task="synergy_xor", metric=metric, dataset=DATASET)
    rows = results[(results["dataset"] == DATASET) & (results["task"] == "synergy_xor")
                   & (results["metric"] == metric)]
    expected = _stats(rows, ["method", "epoch"])
    for method in ("comm", "cross", "cross_self"):
        line = _line(ax, method)
        want = expected.loc[method]
        np.testing.assert_allclose(line.get_xdata(), want.index.to_numpy(dtype=float))
        np.testing.assert_allclose(line.get_ydata(), want["mean"], atol=1e-12)
        assert to_rgba(line.get_color()) == to_rgba(METHOD_COLORS[method])
        low, high = _band_limits(ax, method, want.index)
        np.testing.assert_allclose(low, want["mean"] - want["std"], atol=1e-12)
        np.testing.assert_allclose(high, want["mean"] + want["std"], atol=1e-12)


def test_references(results):
    fig, ax = plot_dynamics(results, task="unique1", dataset=DATASET)
    (ref,) = [ln for ln in ax.lines if ln.get_gid() == GID_REFERENCE]
    assert set(ref.get_ydata()) == {2.0}  # ground truth I(X1,X2;Y) of unique1 on latent_bits
    fig, ax = plot_dynamics(results, task="unique2", dataset="trifeature_small",
                            metric="balanced_accuracy")
    (chance,) = [ln for ln in ax.lines if ln.get_gid() == GID_CHANCE]
    assert set(chance.get_ydata()) == {10.0}
    assert ax.get_title() == "unique2 (U2)"
    assert ax.get_xlabel() == "Epoch"


def test_single_seed_has_no_band(results):
    one = results[results["seed"] == 1]
    fig, ax = plot_dynamics(one, task="redundancy", dataset=DATASET)
    assert not [c for c in ax.collections if (c.get_gid() or "").startswith("band:")]
    assert len([ln for ln in ax.lines if (ln.get_gid() or "").startswith("line:")]) == 3


def test_panels_one_per_task_with_one_legend(results):
    fig, axes = plot_dynamics_panels(results, metric="captured_fraction", dataset=DATASET)
    assert [ax.get_title() for ax in axes] == ["redundancy (R)", "unique1 (U1)",
                                               "unique2 (U2)", "synergy (S)",
                                               "synergy_xor (S)"]
    assert len(fig.axes) == 5  # the sixth grid cell was removed
    assert fig.get_suptitle() == "latent_bits: captured fraction of I(X1,X2;Y) against epoch"
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["cross", "cross_self", "comm",
                                                           "ground truth"]
    rows = results[(results["dataset"] == DATASET) & (results["metric"] == "captured_fraction")
                   & (results["task"] == "synergy")]
    want = _stats(rows, ["method", "epoch"]).loc["comm", "mean"]
    np.testing.assert_allclose(_line(axes[3], "comm").get_ydata(), want, atol=1e-12)


def test_training_loss_matches_pandas(training):
    fig, ax = plot_training(training, dataset="trifeature_small")
    rows = training[training["dataset"] == "trifeature_small"]
    expected = _stats(rows, ["method", "epoch"], value="loss")
    for method in ("comm", "cross", "cross_self"):
        np.testing.assert_allclose(_line(ax, method).get_ydata(), expected.loc[method, "mean"])
    assert ax.get_ylabel() == "Loss"
    assert ax.get_title() == "trifeature_small: training loss against epoch"


def test_errors(results, training):
    with pytest.raises(ValueError, match="several values of 'task'"):
        plot_dynamics(results, dataset=DATASET)
    with pytest.raises(ValueError, match=r"missing the columns \['epoch'\]"):
        plot_dynamics(results.drop(columns="epoch"), task="unique1", dataset=DATASET)
    with pytest.raises(ValueError, match=r"training is missing the columns \['loss'\]"):
        plot_training(training.drop(columns="loss"), dataset=DATASET)
    with pytest.raises(ValueError, match="empty"):
        plot_dynamics_panels(results.iloc[:0])
    with pytest.raises(ValueError, match="ncols"):
        plot_dynamics_panels(results, dataset=DATASET, ncols=0)
